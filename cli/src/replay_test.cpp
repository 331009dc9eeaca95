// `osgrid replay`, run in this process with stdin, stdout and stderr
// captured: the text and JSON forms of a small trace, --type, the summary's
// counts and gaps, and the errors (a cut or corrupt trace, an unknown --type).
#include "replay.h"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "osgrid/net/json.h"

namespace {

using osgrid::Json;
using osgrid::cli::ReplayCommand;
using osgrid::cli::ReplayOptions;

/// What one `osgrid replay` printed, and its exit status.
struct Printed {
  int exit_status = -1;
  std::string out;
  std::string err;
  std::vector<std::string> lines;  // of out
};

/// Runs ReplayCommand with std::cin reading `input` and std::cout, std::cerr captured.
Printed Replay(const ReplayOptions& options, const std::string& input = "") {
  std::istringstream in(input);
  std::ostringstream out, err;
  std::streambuf* old_in = std::cin.rdbuf(in.rdbuf());
  std::streambuf* old_out = std::cout.rdbuf(out.rdbuf());
  std::streambuf* old_err = std::cerr.rdbuf(err.rdbuf());
  Printed printed;
  printed.exit_status = ReplayCommand(options);
  std::cin.rdbuf(old_in);
  std::cout.rdbuf(old_out);
  std::cerr.rdbuf(old_err);
  printed.out = out.str();
  printed.err = err.str();
  std::istringstream lines(printed.out);
  for (std::string line; std::getline(lines, line);) printed.lines.push_back(line);
  return printed;
}

/// A file of its own in the temporary folder, with `text` in it; removed at the end.
struct TraceFile {
  explicit TraceFile(const std::string& text)
      : path((std::filesystem::temp_directory_path() / ("osgrid-replay-" + std::to_string(getpid()) + ".trace"))
                 .string()) {
    std::ofstream(path, std::ios::binary) << text;
  }
  ~TraceFile() { std::filesystem::remove(path); }
  std::string path;
};

const std::string kHeader =
    R"({"format":"osgrid-trace","version":1,"osgrid":"0.1.0","epoch":"sim-sched-0badf00d","source":"sim",)"
    R"("time_unit":"time unit","cluster":{"topic":"sched","options":{"--policy":"FCFS","--jlist":"2"}}})"
    "\n";

/// One job of 2 time units under FCFS, as `osgrid sim sched -l 2 --trace` writes it.
const std::vector<std::string> kEvents = {
    R"({"type":"task.submitted","seq":1,"epoch":"sim-sched-0badf00d","t":0.0,"node":"sim","task_id":"0","name":"0","peer":""})",
    R"({"type":"task.queued","seq":2,"epoch":"sim-sched-0badf00d","t":0.0,"node":"sim","task_id":"0","peer":"","queue_length":1})",
    R"({"type":"task.running","seq":3,"epoch":"sim-sched-0badf00d","t":0.0,"node":"sim","task_id":"0","peer":""})",
    R"({"type":"task.finished","seq":4,"epoch":"sim-sched-0badf00d","t":2.0,"node":"sim","task_id":"0","peer":"","outcome":"ok","wait_ms":0.0,"cpu_ms":2.0,"turnaround_ms":2.5})",
};

std::string Trace(const std::vector<std::string>& events) {
  std::string text = kHeader;
  for (const std::string& event : events) text += event + "\n";
  return text;
}

ReplayOptions Options(const std::string& path) {
  ReplayOptions options;
  options.path = path;
  return options;
}

}  // namespace

TEST_CASE("replay: the header, a line per event, and the summary", "[cli][replay]") {
  TraceFile file(Trace(kEvents));
  const Printed printed = Replay(Options(file.path));
  INFO(printed.out << printed.err);
  CHECK(printed.exit_status == 0);
  CHECK(printed.err.empty());
  REQUIRE(printed.lines.size() == 7);
  CHECK(printed.lines[0] == file.path +
                                ": sim sched --jlist 2 --policy FCFS (epoch sim-sched-0badf00d; unit of t: time unit; "
                                "osgrid 0.1.0)");
  CHECK(printed.lines[1] == "         t     seq  node        type            fields");
  CHECK(printed.lines[2] == "         0       1  sim         task.submitted  task_id=0 name=0");
  CHECK(printed.lines[3] == "         0       2  sim         task.queued     task_id=0 queue_length=1");
  CHECK(printed.lines[5] ==
        "         2       4  sim         task.finished   task_id=0 outcome=ok wait_ms=0 cpu_ms=2 turnaround_ms=2.5");
  CHECK(printed.lines[6] == file.path + ": 4 events read, 0 skipped (unknown types), no gaps");
}

TEST_CASE("replay --json: the events as stored, nothing else", "[cli][replay]") {
  TraceFile file(Trace(kEvents));
  ReplayOptions options = Options(file.path);
  options.json = true;
  const Printed printed = Replay(options);
  CHECK(printed.exit_status == 0);
  CHECK(printed.lines == kEvents);
}

TEST_CASE("replay --type: a type or a family, and events.lost always", "[cli][replay]") {
  std::vector<std::string> events = kEvents;
  events.insert(events.begin() + 2,
                R"({"type":"events.lost","seq":3,"epoch":"sim-sched-0badf00d","t":0.0,"node":"sim","count":1})");
  events[3] =
      R"({"type":"task.running","seq":4,"epoch":"sim-sched-0badf00d","t":0.0,"node":"sim","task_id":"0","peer":""})";
  events[4] =
      R"({"type":"task.finished","seq":5,"epoch":"sim-sched-0badf00d","t":2.0,"node":"sim","task_id":"0","peer":"","outcome":"ok","wait_ms":0.0,"cpu_ms":2.0,"turnaround_ms":2.0})";
  TraceFile file(Trace(events));
  ReplayOptions options = Options(file.path);
  options.json = true;
  options.types = {"task.finished", "task.queued"};
  CHECK(Replay(options).lines == std::vector<std::string>{events[1], events[2], events[4]});
  options.types = {"task."};
  CHECK(Replay(options).lines.size() == 5);
  options.json = false;
  options.types = {"task.finished"};
  const Printed text = Replay(options);
  REQUIRE(text.lines.size() == 5);
  CHECK(text.lines[2].find("events.lost") != std::string::npos);
  CHECK(text.lines[3].find("task.finished") != std::string::npos);
  CHECK(text.lines[4] ==
        file.path + ": 5 events read (2 shown), 0 skipped (unknown types), gaps: events.lost x1 (1 events dropped)");
}

TEST_CASE("replay: the summary counts unknown types and seq jumps", "[cli][replay]") {
  std::vector<std::string> events = kEvents;
  events[1] = R"({"type":"task.teleported","seq":2,"epoch":"sim-sched-0badf00d","t":0.0,"node":"sim"})";
  events[3] =
      R"({"type":"task.finished","seq":9,"epoch":"sim-sched-0badf00d","t":2.0,"node":"sim","task_id":"0","peer":"","outcome":"ok","wait_ms":0.0,"cpu_ms":2.0,"turnaround_ms":2.0})";
  events.push_back(
      R"({"type":"task.submitted","seq":1,"epoch":"another-run","t":0.0,"node":"sim","task_id":"1","name":"1","peer":""})");
  TraceFile file(Trace(events));
  const Printed printed = Replay(Options(file.path));
  CHECK(printed.exit_status == 0);
  CHECK(printed.lines.back() ==
        file.path + ": 4 events read, 1 skipped (unknown types), gaps: seq jumps x1 (5 seqs missing)");
}

TEST_CASE("replay: a cut last line and a corrupt line are named FILE:LINE, after what could be read", "[cli][replay]") {
  SECTION("cut") {
    std::string text = Trace(kEvents);
    text.resize(text.size() - 20);  // the recording stopped mid-write
    TraceFile file(text);
    const Printed printed = Replay(Options(file.path));
    CHECK(printed.exit_status == 1);
    REQUIRE(printed.lines.size() == 6);
    CHECK(printed.lines[4].find("task.running") != std::string::npos);
    CHECK(printed.lines[5] == file.path + ": 3 events read, 0 skipped (unknown types), no gaps");
    CHECK(printed.err ==
          "osgrid: BAD_REQUEST: " + file.path +
              ":5: truncated: the last line is cut (no newline at its end, and its JSON is incomplete)\n");
  }
  SECTION("corrupt") {
    std::vector<std::string> events = kEvents;
    events[2] = R"({"type":"task.running","seq":3)";
    TraceFile file(Trace(events));
    ReplayOptions options = Options(file.path);
    options.json = true;
    const Printed printed = Replay(options);
    CHECK(printed.exit_status == 1);
    CHECK(printed.lines == std::vector<std::string>{kEvents[0], kEvents[1]});
    CHECK(printed.err.rfind("osgrid: BAD_REQUEST: " + file.path + ":4: ", 0) == 0);
  }
  SECTION("not a trace, or no file") {
    TraceFile file("hello\n");
    CHECK(Replay(Options(file.path)).err.find(file.path + ":1: not an osgrid trace") != std::string::npos);
    const Printed missing = Replay(Options(file.path + ".nope"));
    CHECK(missing.exit_status == 1);
    CHECK(missing.err == "osgrid: NOT_FOUND: " + file.path + ".nope: No such file or directory\n");
  }
}

TEST_CASE("replay: a --type that names no event type is bad usage", "[cli][replay]") {
  TraceFile file(Trace(kEvents));
  ReplayOptions options = Options(file.path);
  options.types = {"task", "tsk"};
  const Printed printed = Replay(options);
  CHECK(printed.exit_status == 2);
  CHECK(printed.out.empty());
  CHECK(printed.err.find("--type 'tsk' selects no event type") != std::string::npos);
  CHECK(printed.err.find("peer, task, cpu, sched, mem, file, page, resource, deadlock, events") != std::string::npos);
}

TEST_CASE("replay: the cluster objects' and deadlock's events, a line each", "[cli][replay]") {
  const std::string header =
      R"({"format":"osgrid-trace","version":1,"osgrid":"0.1.0","epoch":"t-5f3a","source":"cluster",)"
      R"("time_unit":"ms","cluster":{"scenario":"philosophers"}})"
      "\n";
  const std::vector<std::string> events = {
      R"({"type":"resource.request","seq":17,"epoch":"t-5f3a","t":2040.5,"node":"tracker","task_id":"peer-1/3",)"
      R"("peer":"peer-1","kind":"lock","name":"fork-1","op":"acquire","count":1,"blocked":true,"available":0})",
      R"({"type":"resource.grant","seq":18,"epoch":"t-5f3a","t":2053,"node":"tracker","task_id":"peer-1/3",)"
      R"("peer":"peer-1","kind":"lock","name":"fork-1","op":"acquire","count":1,"waited_ms":12.5,"available":0})",
      R"j({"type":"resource.release","seq":19,"epoch":"t-5f3a","t":2100,"node":"tracker","task_id":"peer-2/5",)j"
      R"j("peer":"peer-2","kind":"resource","name":"tape","op":"release","count":2,"reason":"task ended (killed)",)j"
      R"j("available":3})j",
      R"({"type":"resource.cancel","seq":20,"epoch":"t-5f3a","t":2101,"node":"tracker","task_id":"peer-2/6",)"
      R"("peer":"peer-2","kind":"semaphore","name":"full","op":"wait","count":1,"reason":"timed out"})",
      R"({"type":"deadlock.found","seq":21,"epoch":"t-5f3a","t":2102,"node":"tracker",)"
      R"("cycle":["peer-1/1","peer-2/2"],"resources":["fork-2","fork-1"],"peers":["peer-1","peer-2"],)"
      R"("algorithm":"wait-for graph"})",
      R"j({"type":"deadlock.victim","seq":22,"epoch":"t-5f3a","t":2102,"node":"tracker","task_id":"peer-2/5",)j"
      R"j("peer":"peer-2","held":1,"rule":"holds the fewest instances (1); youngest on a tie"})j",
      R"j({"type":"deadlock.stall","seq":23,"epoch":"t-5f3a","t":2103,"node":"tracker",)j"
      R"j("tasks":["peer-1/3","peer-2/4"],"waiting":["semaphore full (wait)","child"]})j",
  };
  std::string text = header;
  for (const std::string& event : events) text += event + "\n";
  TraceFile file(text);
  const Printed printed = Replay(Options(file.path));
  INFO(printed.out << printed.err);
  CHECK(printed.exit_status == 0);
  REQUIRE(printed.lines.size() == 10);
  CHECK(printed.lines[2] ==
        "    2040.5      17  tracker     resource.request task_id=peer-1/3 peer=peer-1 kind=lock name=fork-1 "
        "op=acquire count=1 blocked=true available=0");
  CHECK(printed.lines[3] ==
        "      2053      18  tracker     resource.grant  task_id=peer-1/3 peer=peer-1 kind=lock name=fork-1 "
        "op=acquire count=1 waited_ms=12.5 available=0");
  CHECK(printed.lines[4] ==
        "      2100      19  tracker     resource.release task_id=peer-2/5 peer=peer-2 kind=resource name=tape "
        "op=release count=2 reason=\"task ended (killed)\" available=3");
  CHECK(printed.lines[5] ==
        "      2101      20  tracker     resource.cancel task_id=peer-2/6 peer=peer-2 kind=semaphore name=full op=wait "
        "count=1 reason=\"timed out\"");
  CHECK(printed.lines[6] ==
        "      2102      21  tracker     deadlock.found  cycle=[\"peer-1/1\",\"peer-2/2\"] "
        "resources=[\"fork-2\",\"fork-1\"] peers=[\"peer-1\",\"peer-2\"] algorithm=\"wait-for graph\"");
  CHECK(printed.lines[7] ==
        "      2102      22  tracker     deadlock.victim task_id=peer-2/5 peer=peer-2 held=1 "
        "rule=\"holds the fewest instances (1); youngest on a tie\"");
  CHECK(printed.lines[8] ==
        "      2103      23  tracker     deadlock.stall  tasks=[\"peer-1/3\",\"peer-2/4\"] "
        "waiting=[\"semaphore full (wait)\",\"child\"]");
  CHECK(printed.lines[9] == file.path + ": 7 events read, 0 skipped (unknown types), no gaps");

  ReplayOptions options = Options(file.path);
  options.json = true;
  options.types = {"resource"};
  CHECK(Replay(options).lines.size() == 4);
  options.types = {"deadlock"};
  CHECK(Replay(options).lines.size() == 3);
}

TEST_CASE("replay -: reads the trace from stdin", "[cli][replay]") {
  ReplayOptions options = Options("-");
  options.json = true;
  const Printed printed = Replay(options, Trace(kEvents));
  CHECK(printed.exit_status == 0);
  CHECK(printed.lines == kEvents);
  const Printed text = Replay(Options("-"), Trace(kEvents));
  CHECK(text.lines.front().rfind("<stdin>: sim sched", 0) == 0);
}

TEST_CASE("replay: a name with control characters cannot drive the terminal", "[cli][replay]") {
  std::vector<std::string> events = kEvents;
  events[0] =
      R"({"type":"task.submitted","seq":1,"epoch":"sim-sched-0badf00d","t":0.0,"node":"sim","task_id":"0","name":"\u001b[2J","peer":""})";
  TraceFile file(Trace(events));
  const Printed printed = Replay(Options(file.path));
  CHECK(printed.exit_status == 0);
  CHECK(printed.out.find('\x1b') == std::string::npos);
  CHECK(printed.lines[2].find("name=?[2J") != std::string::npos);
}

TEST_CASE("replay --chrome: the job's run as one complete event in microseconds, on a named row", "[cli][replay]") {
  TraceFile file(Trace(kEvents));
  ReplayOptions options = Options(file.path);
  options.chrome = "-";
  const Printed printed = Replay(options);
  INFO(printed.out << printed.err);
  REQUIRE(printed.exit_status == 0);
  const Json trace = Json::parse(printed.out);
  CHECK(trace["otherData"]["time_unit"] == "time unit");
  std::vector<Json> complete;
  std::set<std::string> rows;  // "pid/tid" named by a thread_name event
  for (const Json& event : trace["traceEvents"]) {
    if (event["ph"] == "X") complete.push_back(event);
    if (event["name"] == "thread_name") rows.insert(event["pid"].dump() + "/" + event["tid"].dump());
  }
  REQUIRE(complete.size() == 1);
  CHECK(complete[0]["args"]["task_id"] == "0");
  CHECK(complete[0]["ts"] == 0.0);
  CHECK(complete[0]["dur"] == 2000.0);  // 2 time units, each taken as 1 ms
  CHECK(rows.contains(complete[0]["pid"].dump() + "/" + complete[0]["tid"].dump()));
}

TEST_CASE("replay --chrome: a cut trace writes nothing and names its line", "[cli][replay]") {
  std::string text = Trace(kEvents);
  TraceFile file(text.substr(0, text.size() - 20));
  ReplayOptions options = Options(file.path);
  options.chrome = file.path + ".json";
  const Printed printed = Replay(options);
  CHECK(printed.exit_status == 1);
  CHECK_THAT(printed.err, Catch::Contains(file.path + ":5:"));
  CHECK(!std::filesystem::exists(options.chrome));
}
