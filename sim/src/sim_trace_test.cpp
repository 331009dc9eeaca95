// `osgrid sim TOPIC ... --trace FILE` through RunSim, the path the command
// takes: the trace read back with TraceReader and folded by os/events/replay.h
// gives the run's own answers, as its --json states them -- the Gantt chart
// and each job's times (sched, mlfq), the memory map (mem), the hits, faults
// and frame table after every reference (page), the cycle (deadlock).
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "osgrid/net/trace.h"
#include "osgrid/os/events/replay.h"
#include "osgrid/sim/sim.h"
#include "sim_test_support.h"

using osgrid::Code;
using osgrid::Json;
using osgrid::sim::Output;
using osgrid::sim::RunSim;
using osgrid::sim::testing::SimError;
using osgrid::sim::testing::SimOk;
namespace ev = osgrid::os::events;
namespace net = osgrid::net;

namespace {

/// A file name of its own in the temporary folder (ctest runs cases in
/// parallel processes), removed at the end of the case.
struct TempFile {
  explicit TempFile(const std::string& name)
      : path((std::filesystem::temp_directory_path() / ("osgrid-sim-trace-" + std::to_string(getpid()) + "-" + name))
                 .string()) {}
  ~TempFile() { std::filesystem::remove(path); }
  std::string path;
};

/// A run with its trace, read back.
struct Traced {
  Output output;  // the run's own output (output.json: its answers)
  net::TraceHeader header;
  std::vector<ev::Event> events;
  std::string bytes;  // the file as written
};

Traced RunTraced(const std::string& topic, std::vector<std::string> args) {
  TempFile file(topic + ".trace");
  args.insert(args.end(), {"--trace", file.path});
  Traced traced;
  traced.output = SimOk(topic, args);
  auto reader = net::TraceReader::Open(file.path);
  INFO((reader.ok() ? "" : reader.status().message()));
  REQUIRE(reader.ok());
  traced.header = reader->header();
  for (;;) {
    auto next = reader->Next();
    INFO((next.ok() ? "" : next.status().message()));
    REQUIRE(next.ok());
    if (!next->has_value()) break;
    traced.events.push_back(std::move(**next));
  }
  CHECK(reader->skipped_unknown() == 0);
  std::ifstream in(file.path, std::ios::binary);
  traced.bytes.assign(std::istreambuf_iterator<char>(in), {});
  return traced;
}

/// seq 1, 2, 3, ... in order, node "sim", the header's epoch on every event.
void CheckStamps(const Traced& traced) {
  for (std::size_t i = 0; i < traced.events.size(); ++i) {
    CHECK(traced.events[i].seq == i + 1);
    CHECK(traced.events[i].node == "sim");
    CHECK(traced.events[i].epoch == traced.header.epoch);
  }
}

std::string Text(const Json& id) { return id.is_string() ? id.get<std::string>() : id.dump(); }

/// A timeline of --json ({id, start, end[, to]}: sched's merged bars, or
/// mlfq's pieces with a queue each) in the replay's terms: gaps filled with
/// idle, touching runs of one job merged and touching idle bars too.
std::vector<ev::GanttBar> Chart(const Json& timeline) {
  using Kind = ev::GanttBar::Kind;
  std::vector<ev::GanttBar> bars;
  const auto add = [&bars](Kind kind, double start, double end, const std::string& task) {
    const bool merges = kind != Kind::kSwitch && !bars.empty() && bars.back().kind == kind &&
                        bars.back().task_id == task && bars.back().end == start;
    if (merges) {
      bars.back().end = end;
    } else {
      bars.push_back({kind, start, end, task});
    }
  };
  double at = 0;
  for (const Json& bar : timeline) {
    const double start = bar["start"].get<double>(), end = bar["end"].get<double>();
    const std::string id = Text(bar["id"]);
    if (start > at) add(Kind::kIdle, at, start, "");
    if (id == "idle") {
      add(Kind::kIdle, start, end, "");
    } else if (id == "switch") {
      add(Kind::kSwitch, start, end, Text(bar["to"]));
    } else {
      add(Kind::kRun, start, end, id);
    }
    at = end;
  }
  return bars;
}

std::string Show(const std::vector<ev::GanttBar>& bars) {
  std::ostringstream text;
  for (const ev::GanttBar& bar : bars) text << "[" << bar.task_id << " " << bar.start << "-" << bar.end << "] ";
  return text.str();
}

/// The chart and every job's times, folded from the trace, equal the run's --json.
void CheckSchedule(const Traced& traced, double io_per_burst = 0) {
  CheckStamps(traced);
  const Json& run = traced.output.json;
  auto replay = ev::ReplaySchedule(traced.events);
  INFO((replay.ok() ? "" : replay.error().message));
  REQUIRE(replay.ok());
  INFO("from the trace: " << Show(replay->gantt) << "\nthe sim's: " << Show(Chart(run["timeline"])));
  CHECK(replay->gantt == Chart(run["timeline"]));
  CHECK(replay->context_switches == run["context_switches"].get<std::int64_t>());
  std::map<std::string, const ev::TaskTimes*> tasks;
  for (const ev::TaskTimes& task : replay->tasks) tasks[task.task_id] = &task;
  REQUIRE(tasks.size() == run["jobs"].size());
  for (const Json& job : run["jobs"]) {
    INFO("job " << job["id"]);
    const ev::TaskTimes& task = *tasks.at(Text(job["id"]));
    CHECK(task.submitted == job["arrival"].get<double>());
    CHECK(task.first_run == job["first_run"].get<double>());
    CHECK(task.finished == job["completion"].get<double>());
    CHECK(task.cpu == job["burst"].get<double>());
    CHECK(task.io == (job.contains("io") ? job["io"].get<double>() : job["ios"].get<double>() * io_per_burst));
    REQUIRE(task.report.has_value());
    CHECK(task.report->wait_ms == job["waiting"].get<double>());
    CHECK(task.report->turnaround_ms == job["turnaround"].get<double>());
  }
}

/// --json's memory map in the replay's terms: free neighbours as one hole.
std::vector<ev::HeapBlockView> Map(const Json& blocks) {
  std::vector<ev::HeapBlockView> map;
  for (const Json& block : blocks) {
    const bool free = block["free"].get<bool>();
    const auto address = block["addr"].get<std::uint64_t>(), size = block["size"].get<std::uint64_t>();
    if (free && !map.empty() && map.back().free) {
      map.back().size += size;
      continue;
    }
    ev::HeapBlockView view{address, size, free, "", 0};
    if (!free) {
      view.owner = block.contains("key") ? block["key"].get<std::string>() : "ptr[" + block["ptr"].dump() + "]";
      view.request = block["requested"].get<std::uint64_t>();
    }
    map.push_back(view);
  }
  return map;
}

void CheckHeap(const Traced& traced) {
  CheckStamps(traced);
  const Json& run = traced.output.json;
  auto replay =
      ev::ReplayHeap(run["heap"]["base"].get<std::uint64_t>(), run["heap"]["size"].get<std::uint64_t>(), traced.events);
  INFO((replay.ok() ? "" : replay.error().message));
  REQUIRE(replay.ok());
  CHECK(replay->blocks == Map(run["blocks"]));
  CHECK(replay->allocated_bytes == run["allocated_bytes"].get<std::uint64_t>());
  CHECK(replay->free_bytes == run["free_bytes"].get<std::uint64_t>());
  CHECK(replay->failures == run["failed"].get<std::uint64_t>());
  CHECK(replay->fragmentation_failures == run["failed_fragmentation"].get<std::uint64_t>());
}

/// The hits and faults, and the frame table after every reference (the events up to its t).
void CheckPaging(const Traced& traced) {
  CheckStamps(traced);
  const Json& run = traced.output.json;
  const Json& accesses = run["accesses"];
  std::uint64_t evictions = 0;
  std::vector<ev::Event> so_far;
  std::size_t next = 0;
  for (std::size_t i = 0; i < accesses.size(); ++i) {
    while (next < traced.events.size() && traced.events[next].t <= static_cast<double>(i)) {
      so_far.push_back(traced.events[next++]);
    }
    auto replay = ev::ReplayPaging(so_far);
    REQUIRE(replay.ok());
    std::vector<std::optional<std::int64_t>> frames = replay->frames;
    frames.resize(run["cache_size"].get<std::size_t>());
    std::vector<std::optional<std::int64_t>> expected;
    for (const Json& page : accesses[i]["frames"]) {
      expected.push_back(page.is_null() ? std::nullopt : std::optional<std::int64_t>(page.get<std::int64_t>()));
    }
    INFO("after reference " << i);
    CHECK(frames == expected);
    evictions += accesses[i]["evicted"].is_null() ? 0 : 1;
  }
  CHECK(next == traced.events.size());
  auto replay = ev::ReplayPaging(traced.events);
  REQUIRE(replay.ok());
  CHECK(replay->hits == run["hits"].get<std::uint64_t>());
  CHECK(replay->faults == run["misses"].get<std::uint64_t>());
  CHECK(replay->evictions == evictions);
}

}  // namespace

TEST_CASE("sim trace: the header names the run, and one command line writes the same bytes", "[cli][sim][trace]") {
  const Traced traced = RunTraced("sched", {"-p", "SJF", "-l", "10,5,15", "-c", "--json"});
  CHECK(traced.header.source == "sim");
  CHECK(traced.header.time_unit == "time unit");
  CHECK(traced.header.cluster == Json::parse(R"({"topic":"sched","options":{"--policy":"SJF","--jlist":"10,5,15"}})"));
  CHECK(traced.header.epoch.rfind("sim-sched-", 0) == 0);
  CHECK(traced.header.epoch.size() == std::string("sim-sched-").size() + 8);
  CHECK(traced.events.size() == 14);  // per job submitted, queued, running, finished; 2 cpu.switch
  CHECK(RunTraced("sched", {"-p", "SJF", "-l", "10,5,15"}).bytes == traced.bytes);
  CHECK(RunTraced("sched", {"-p", "SJF", "-l", "10,5,16"}).header.epoch != traced.header.epoch);
}

TEST_CASE("sim trace: --trace changes nothing of the output", "[cli][sim][trace]") {
  const std::vector<std::string> args = {"-p", "RR", "-q", "2", "-l", "5,3", "-c"};
  const Output plain = SimOk("sched", args);
  const Traced traced = RunTraced("sched", args);
  CHECK(traced.output.text == plain.text);
  CHECK(traced.output.json == plain.json);
}

TEST_CASE("sim trace: sched's Gantt chart and times, folded from its trace", "[cli][sim][trace]") {
  SECTION("FCFS, with an idle gap") {
    CheckSchedule(RunTraced("sched", {"-p", "FCFS", "-l", "4,3,2", "--arrivals", "0,6,7"}));
  }
  SECTION("SJF (scheduler.py's input)") { CheckSchedule(RunTraced("sched", {"-p", "SJF", "-l", "10,5,15"})); }
  SECTION("SRTF (Silberschatz 5.3.2)") {
    CheckSchedule(RunTraced("sched", {"-p", "SRTF", "-l", "8,4,9,5", "--arrivals", "0,1,2,3"}));
  }
  SECTION("RR with a context-switch cost") {
    CheckSchedule(RunTraced("sched", {"-p", "RR", "-q", "4", "-l", "24,3,3", "--cs", "1"}));
  }
  SECTION("RR with I/O") { CheckSchedule(RunTraced("sched", {"-p", "RR", "-q", "2", "-l", "5,4", "--io", "0:3,2,2"})); }
  SECTION("RR, random jobs") { CheckSchedule(RunTraced("sched", {"-s", "5", "-j", "6", "-p", "RR", "-q", "1"})); }
  SECTION("preemptive priority with aging") {
    CheckSchedule(RunTraced("sched", {"-p", "PRIORITY-P", "-l", "10,1,2,1,5", "--priorities", "3,1,4,5,2", "--arrivals",
                                      "0,1,2,3,4", "--aging", "2"}));
  }
}

TEST_CASE("sim trace: MLFQ's Gantt chart and times, folded from its trace", "[cli][sim][trace]") {
  SECTION("a preemption by a higher queue") {
    const Traced traced = RunTraced("mlfq", {"-n", "3", "-q", "10", "-a", "1", "-l", "0,30,0:15,5,0"});
    CHECK(traced.header.time_unit == "tick");
    CheckSchedule(traced);
  }
  SECTION("I/O, and a boost") {
    const Traced traced = RunTraced("mlfq", {"-n", "2", "-q", "3", "-i", "2", "-B", "7", "-l", "0,8,0:2,5,2"});
    CheckSchedule(traced, traced.output.json["io_time"].get<double>());
  }
  SECTION("random jobs") {
    const Traced traced = RunTraced("mlfq", {"-s", "4", "-j", "4", "-n", "3", "-m", "30", "-M", "10"});
    CheckSchedule(traced, traced.output.json["io_time"].get<double>());
  }
}

TEST_CASE("sim trace: the memory map, folded from a heap's trace", "[cli][sim][trace]") {
  SECTION("malloc.py's list, best fit, coalescing") {
    const Traced traced = RunTraced("mem", {"-S", "100", "-b", "1000", "-H", "4", "-a", "4", "-p", "BEST", "-l",
                                            "ADDRSORT", "-C", "-A", "+10,+20,-0,+30,+50,-2,+7"});
    CHECK(traced.header.time_unit == "op");
    CheckHeap(traced);
  }
  SECTION("first fit without coalescing, a failure and a compaction") {
    CheckHeap(RunTraced("mem", {"-S", "64", "-H", "0", "-p", "FIRST", "-A", "+16,+16,+16,-1,+32,C,+32"}));
  }
  SECTION("random ops") { CheckHeap(RunTraced("mem", {"-s", "3", "-n", "40", "-p", "NEXT", "-C"})); }
  SECTION("keys beside pointers: an overwrite, a failed set, a compaction") {
    CheckHeap(RunTraced(
        "mem", {"-S", "100", "-b", "0", "-p", "FIRST", "-C", "-A", "a=30,+20,a=10,b=20,-0,f=60,-nope,C,f=60,-a"}));
  }
  SECTION("the buddy system") {
    CheckHeap(RunTraced("mem", {"-S", "128", "-H", "0", "-a", "8", "-p", "BUDDY", "-A", "+10,+30,+5,-1,+60"}));
  }
}

TEST_CASE("sim trace: hits, faults and the frame table, folded from paging's trace", "[cli][sim][trace]") {
  SECTION("FIFO, Belady's string") {
    const Traced traced = RunTraced("page", {"-a", "1,2,3,4,1,2,5,1,2,3,4,5", "-p", "FIFO", "-C", "3"});
    CHECK(traced.header.time_unit == "reference");
    CheckPaging(traced);
  }
  SECTION("LRU") { CheckPaging(RunTraced("page", {"-a", "7,0,1,2,0,3,0,4,2,3,0,3,2", "-p", "LRU", "-C", "3"})); }
  SECTION("OPT") { CheckPaging(RunTraced("page", {"-a", "7,0,1,2,0,3,0,4,2,3,0,3,2", "-p", "OPT", "-C", "3"})); }
  SECTION("CLOCK, random references") {
    CheckPaging(RunTraced("page", {"-s", "2", "-n", "30", "-p", "CLOCK", "-C", "4"}));
  }
}

TEST_CASE("sim trace: deadlock says the cycle it finds, and nothing without one", "[cli][sim][trace]") {
  const Traced found = RunTraced("deadlock", {"--wait-for", "P1->P2,P2->P3,P3->P1"});
  REQUIRE(found.events.size() == 1);
  CheckStamps(found);
  const auto* deadlock = std::get_if<ev::DeadlockFound>(&found.events[0].body);
  REQUIRE(deadlock != nullptr);
  CHECK(Json(deadlock->cycle) == found.output.json["cycle"]);
  CHECK(RunTraced("deadlock", {"--wait-for", "P1->P2,P2->P3"}).events.empty());
  const Traced banker = RunTraced(
      "deadlock", {"-a", "3,3,2", "-M", "7,5,3;3,2,2;9,0,2;2,2,2;4,3,3", "-A", "0,1,0;2,0,0;3,0,2;2,1,1;0,0,2"});
  CHECK(banker.events.empty());  // the Banker's algorithm avoids deadlock: nothing to say
  CHECK(banker.header.time_unit == "step");
}

TEST_CASE("sim trace: refused where there is nothing to trace, or nowhere to write", "[cli][sim][trace]") {
  const std::string disk = SimError("disk", {"-r", "10,20", "--trace", "d.trace"});
  CHECK(disk.find("--trace: 'osgrid sim disk' makes no events") != std::string::npos);
  CHECK(disk.find("sched, mlfq, mem, page, deadlock") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists("d.trace"));
  CHECK(SimError("sched", {"-l", "5", "--trace", "-"}).find("stdout") != std::string::npos);
  auto unwritable = RunSim({"sched", "-l", "5", "--trace", "/nonexistent-folder/s.trace"});
  REQUIRE_FALSE(unwritable.ok());
  CHECK(unwritable.status().code() == Code::kIo);
  CHECK(unwritable.status().message().find("/nonexistent-folder/s.trace: ") == 0);
}
