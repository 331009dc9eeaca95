// Tests of load_trace.h: traces written here with net::TraceWriter, broken
// ones, and real recordings in viz/model/testdata (see its README).
#include "osgrid/viz/load_trace.h"

#include <stdlib.h>

#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "osgrid/net/events.h"
#include "osgrid/net/trace.h"
#include "osgrid/os/events/replay.h"
#include "osgrid/viz/pictures.h"
#include "test_support.h"

namespace osgrid::viz {
namespace {

using namespace testing;

std::string TestData(const std::string& name) { return std::string(OSGRID_VIZ_TESTDATA) + "/" + name; }

/// A fresh folder, removed at the end.
struct TempDir {
  std::string dir;
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "osgrid-viz-XXXXXX").string();
    dir = ::mkdtemp(pattern.data());
  }
  ~TempDir() { std::filesystem::remove_all(dir); }
  std::string Path(const std::string& name) const { return dir + "/" + name; }
};

net::TraceHeader ClusterHeader() {
  net::TraceHeader header;
  header.osgrid_version = "0.1.0";
  header.epoch = "e1";
  header.source = "cluster";
  header.time_unit = "ms";
  return header;
}

Result<Model> LoadText(const std::string& text, const ModelOptions& options = {}) {
  return LoadTrace(std::make_unique<std::istringstream>(text), "t.trace", options);
}

/// A trace written with TraceWriter, as text.
std::string Written(const std::vector<ev::Event>& events) {
  TempDir tmp;
  auto writer = net::TraceWriter::Open(tmp.Path("w.trace"), ClusterHeader());
  REQUIRE(writer.ok());
  for (const ev::Event& event : events) REQUIRE(writer->Write(event).ok());
  REQUIRE(writer->Close().ok());
  std::ifstream in(tmp.Path("w.trace"));
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST_CASE("a trace loads into a model paused at its start, unknown types kept in the log", "[viz][load]") {
  Stream stream;
  std::vector<ev::Event> events = {stream("tracker", Joined("peer-1", 2)), stream("peer-1", Submitted("p/1", "peer-1")),
                                   stream("peer-1", Queued("p/1", "peer-1")),
                                   stream("peer-1", Running("p/1", "peer-1"))};
  std::string text = Written(events);
  // A newer build's event between the 2nd and 3rd: line 4 of the file.
  const std::string future = R"({"type":"gpu.kernel","seq":3,"epoch":"e1","t":25,"node":"peer-1","grid":64})";
  std::size_t third = 0;
  for (int line = 0; line < 3; ++line) third = text.find('\n', third) + 1;
  text.insert(third, future + "\n");

  Result<Model> model = LoadText(text);
  REQUIRE(model.ok());
  CHECK(model->source().source == "cluster");
  CHECK(model->end_index() == 5);
  CHECK_FALSE(model->following());
  CHECK(model->position() == 0);
  CHECK(model->view().cluster().peers().empty());
  const LogEntry& unknown = model->entry(2);
  CHECK(unknown.kind() == EntryKind::kUnknown);
  CHECK(unknown.type() == "gpu.kernel");
  CHECK(unknown.line == 4);
  CHECK(unknown.seq() == 3);
  CHECK(std::get<UnknownEvent>(unknown.item).json == future);
  CHECK(model->entry(3).line == 5);
  CHECK(*model->entry(3).event() == events[2]);
  model->Follow(true);
  CHECK(model->view().cluster().Find("peer-1")->running.size() == 1);
}

TEST_CASE("a broken trace is an error with its line, and no model", "[viz][load]") {
  Stream stream;
  const std::string good = Written({stream("tracker", Joined("peer-1", 2)), stream("tracker", Joined("peer-2", 2)),
                                    stream("tracker", Joined("peer-3", 2))});
  const std::size_t header_end = good.find('\n') + 1;

  // Not JSON on line 3.
  std::string corrupt = good;
  corrupt.insert(good.find('\n', header_end) + 1, "{\"type\":\"peer.joined\", oops\n");
  Result<Model> model = LoadText(corrupt);
  REQUIRE_FALSE(model.ok());
  CHECK(model.status().code() == Code::kBadRequest);
  CHECK(model.status().message().rfind("t.trace:3: ", 0) == 0);

  // Cut in the middle of its last line.
  model = LoadText(good.substr(0, good.size() - 20));
  REQUIRE_FALSE(model.ok());
  CHECK(model.status().message().find("t.trace:4: truncated") == 0);

  // A seq that goes backwards.
  std::string backwards = good + net::DumpEvent(ev::Event{1, "e1", 90, "tracker", Joined("peer-4", 1)}) + "\n";
  model = LoadText(backwards);
  REQUIRE_FALSE(model.ok());
  CHECK(model.status().message().find("t.trace:5: seq 1 goes backwards") == 0);

  // Another version of the format.
  std::string newer = good;
  newer.replace(newer.find("\"version\":1"), 11, "\"version\":2");
  model = LoadText(newer);
  REQUIRE_FALSE(model.ok());
  CHECK(model.status().code() == Code::kVersion);
  CHECK(model.status().message().find("t.trace:1: ") == 0);

  // Not there.
  model = LoadTrace("/nonexistent/osgrid-viz.trace");
  REQUIRE_FALSE(model.ok());
  CHECK(model.status().code() == Code::kNotFound);
}

// ---- real recordings ---------------------------------------------------------------

TEST_CASE("the recorded philosophers: the deadlock of 5 tasks and 5 forks, then its victim", "[viz][load]") {
  Result<Model> loaded = LoadTrace(TestData("live-philosophers.trace"));
  REQUIRE(loaded.ok());
  Model& model = *loaded;
  REQUIRE(model.entry(0).seq() == 1);  // the recording starts at seq 1, with no gap: index = seq - 1

  // Just after the last of the five blocked (seq 122): detection found the cycle at seq 119.
  model.SeekToIndex(121);
  const ViewState& detect = model.view();
  REQUIRE(detect.deadlock());
  const ev::DeadlockFound& found = detect.deadlock()->event;
  CHECK(found.cycle.size() == 5);
  CHECK(found.resources ==
        std::vector<std::string>{"detect/fork-1", "detect/fork-2", "detect/fork-3", "detect/fork-4", "detect/fork-0"});
  CHECK(found.algorithm == "wait-for graph");
  int forks = 0;
  for (const ev::ResourceState& object : detect.resources()) {
    if (object.name.rfind("detect/fork-", 0) != 0) continue;
    ++forks;
    CHECK(object.kind == "lock");
    CHECK(object.holders.size() == 1);
    CHECK(object.waiters.size() == 1);
    CHECK(object.available == 0);
  }
  CHECK(forks == 5);
  // The wait-for graph among the forks is the cycle: each philosopher waits for the next.
  std::vector<WaitForEdge> edges;
  for (const WaitForEdge& edge : detect.WaitForGraph()) {
    if (edge.name.rfind("detect/fork-", 0) == 0) edges.push_back(edge);
  }
  REQUIRE(edges.size() == 5);
  for (std::size_t k = 0; k < 5; ++k) {
    const WaitForEdge expected{found.cycle[k], found.cycle[(k + 1) % 5], "lock", found.resources[k]};
    CHECK(std::find(edges.begin(), edges.end(), expected) != edges.end());
  }
  for (const std::string& task : found.cycle) {
    CHECK(detect.InDeadlock(task));
    TaskDetail detail = model.DescribeTask(task);
    REQUIRE(detail.info);
    CHECK(detail.info->state == ev::TaskState::kWaiting);
    CHECK(detail.holds.size() == 1);
    CHECK(detail.waits_for.size() == 1);
  }

  // The waits time out (seq 135 on): the deadlock is over.
  model.SeekToIndex(134);
  CHECK_FALSE(model.view().deadlock());

  // Under --deadlock recover: found at seq 302, its victim at 303, whose wait is cancelled at 304.
  model.SeekToIndex(302);
  REQUIRE(model.view().deadlock());
  REQUIRE(model.view().last_victim());
  CHECK(model.view().last_victim()->event.task_id == "peer-1/12");
  CHECK(model.view().deadlock()->event.cycle.size() == 5);
  model.SeekToIndex(303);
  CHECK_FALSE(model.view().deadlock());
  CHECK(model.view().last_victim());

  // The whole run: three peers that left, tasks forwarded, bars that ended blocked.
  model.Follow(true);
  CHECK(model.view().cluster().departed().size() == 3);
  CHECK(model.view().cluster().Tasks().empty());
  CHECK(model.timeline().forwards().size() == 11);
  std::size_t blocked = 0;
  for (const auto& [peer, rows] : model.timeline().peers()) {
    CHECK(rows.gone_t);
    for (const Lane& lane : rows.lanes) {
      CHECK(lane.open() == nullptr);
      blocked +=
          static_cast<std::size_t>(std::count_if(lane.bars().begin(), lane.bars().end(),
                                                 [](const GanttBar& bar) { return bar.ended_by == BarEnd::kBlocked; }));
    }
  }
  CHECK(blocked == 47);  // one per task.blocked
}

TEST_CASE("the recorded live memory: two arenas, a failure from fragmentation, a compaction", "[viz][load]") {
  Result<Model> loaded = LoadTrace(TestData("live-memory.trace"));
  REQUIRE(loaded.ok());
  Model& model = *loaded;
  model.SeekToIndex(38);  // seq 39: best fit refuses z with fragmentation
  std::optional<ArenaMap> best = ArenaOf(model.view(), "peer-2");
  REQUIRE(best);
  CHECK(best->allocator == "best");
  CHECK(best->size == 256);
  CHECK(best->slots == std::vector<ArenaSlot>{{0, 40, false, "y"},
                                              {40, 32, true, ""},
                                              {72, 32, false, "b"},
                                              {104, 32, false, "x"},
                                              {136, 32, true, ""},
                                              {168, 88, false, "d"}});
  CHECK(best->free_bytes == 64);
  CHECK(best->largest_hole == 32);
  CHECK(best->external_fragmentation == Approx(0.5));
  REQUIRE(best->last_failure);
  CHECK(best->last_failure->event.request == 40);
  CHECK(best->last_failure->event.reason == "fragmentation");
  // First fit placed the same requests with no hole left.
  std::optional<ArenaMap> first = ArenaOf(model.view(), "peer-1");
  REQUIRE(first);
  CHECK(first->holes == 0);
  CHECK(first->used_bytes == 256);

  model.Step(+1);  // the compaction: one hole at the end
  best = ArenaOf(model.view(), "peer-2");
  CHECK(best->holes == 1);
  CHECK(best->slots.back() == ArenaSlot{192, 64, true, ""});
  model.Step(+1);  // and z fits
  CHECK(ArenaOf(model.view(), "peer-2")->free_bytes == 0);
}

TEST_CASE("the recorded live scheduling: ready queues, running tasks, preemptions and loads", "[viz][load]") {
  Result<Model> loaded = LoadTrace(TestData("live-scheduling.trace"));
  REQUIRE(loaded.ok());
  Model& model = *loaded;
  auto ids = [](const std::vector<ev::TaskRef>& tasks) {
    std::vector<std::string> out;
    for (const ev::TaskRef& task : tasks) out.push_back(task.task_id);
    return out;
  };
  model.SeekTo(1000);  // FCFS on peer-1: the first has finished, the second runs
  const ev::PeerState* fcfs = model.view().cluster().Find("peer-1");
  REQUIRE(fcfs != nullptr);
  CHECK(ids(fcfs->running) == std::vector<std::string>{"peer-1/2"});
  CHECK(ids(fcfs->ready_queue) == std::vector<std::string>{"peer-1/3", "peer-1/4"});
  CHECK(fcfs->tasks_finished == 1);

  model.SeekTo(2600);  // RR on peer-3: peer-3/1 used its quantum and went to the back
  const ev::PeerState* rr = model.view().cluster().Find("peer-3");
  REQUIRE(rr != nullptr);
  CHECK(ids(rr->running) == std::vector<std::string>{"peer-3/2"});
  CHECK(ids(rr->ready_queue) == std::vector<std::string>{"peer-3/3", "peer-3/4", "peer-3/1"});

  const PeerTimeline* rows = model.timeline().Find("peer-3");
  REQUIRE(rows != nullptr);
  REQUIRE(rows->lanes.size() == 1);
  const auto& bars = rows->lanes[0].bars();
  CHECK(std::count_if(bars.begin(), bars.end(),
                      [](const GanttBar& bar) { return bar.ended_by == BarEnd::kPreempted; }) == 7);
  CHECK(std::count_if(bars.begin(), bars.end(),
                      [](const GanttBar& bar) { return bar.ended_by == BarEnd::kFinished; }) == 4);
  std::span<const GanttBar> window = rows->lanes[0].Overlapping(2600, 2700);
  REQUIRE(window.size() == 2);
  CHECK(window[0].task_id == "peer-3/2");
  CHECK(window[1].task_id == "peer-3/3");
  REQUIRE(rows->load.size() == 6);
  CHECK(rows->load[4].utilisation == 1.0);
  CHECK(rows->load[4].queue_length == 3);
}

TEST_CASE("the hand-written 64 peers: all join, every third runs a task, every fifth has one waiting", "[viz][load]") {
  Result<Model> loaded = LoadTrace(TestData("many-peers.trace"));
  REQUIRE(loaded.ok());
  Model& model = *loaded;
  model.SeekToPosition(model.end_index());
  const auto& peers = model.view().cluster().peers();
  REQUIRE(peers.size() == 64);
  CHECK(peers.begin()->first == "peer-9001");
  CHECK(peers.rbegin()->first == "peer-9064");
  std::size_t running = 0, ready = 0;
  for (const auto& [id, peer] : peers) {
    running += peer.running.size();
    ready += peer.ready_queue.size();
  }
  CHECK(running == 22);                                          // peers 0, 3, ..., 63 of 64
  CHECK(ready == 13);                                            // peers 0, 5, ..., 60
  CHECK(model.timeline().Find("peer-9064")->lanes.size() == 4);  // 1 + 63 % 4 cores
}

TEST_CASE("a simulated CPU: the Gantt chart is the one os::events::ReplaySchedule rebuilds", "[viz][load]") {
  Result<Model> loaded = LoadTrace(TestData("sim-sched-rr.trace"));
  REQUIRE(loaded.ok());
  Model& model = *loaded;
  CHECK(model.source().is_sim());
  CHECK(model.source().time_unit == "time unit");
  std::vector<ev::Event> events;
  for (std::uint64_t index = model.begin_index(); index < model.end_index(); ++index) {
    events.push_back(*model.entry(index).event());
  }
  auto replay = ev::ReplaySchedule(events);
  REQUIRE(replay.ok());
  std::vector<GanttBar> expected_bars;
  for (const ev::GanttBar& bar : replay->gantt) {
    if (bar.kind == ev::GanttBar::Kind::kIdle) continue;
    expected_bars.push_back(GanttBar{bar.task_id, bar.start, bar.end,
                                     bar.kind == ev::GanttBar::Kind::kSwitch ? BarKind::kSwitch : BarKind::kRun});
  }
  const PeerTimeline* cpu = model.timeline().Find(kSimPeer);
  REQUIRE(cpu != nullptr);
  REQUIRE(cpu->lanes.size() == 1);
  // ReplaySchedule merges runs of one task that touch; so do we, to compare.
  std::vector<GanttBar> ours;
  for (const GanttBar& bar : cpu->lanes[0].bars()) {
    if (!ours.empty() && ours.back().kind == BarKind::kRun && bar.kind == BarKind::kRun &&
        ours.back().task_id == bar.task_id && ours.back().end == bar.start) {
      ours.back().end = bar.end;
    } else if (bar.end > bar.start) {
      ours.push_back(GanttBar{bar.task_id, bar.start, bar.end, bar.kind});
    }
  }
  CHECK(ours == expected_bars);
  // Half way, the CPU as one peer: one task running or switching, the others ready.
  model.SeekTo(4);
  const ev::PeerState* sim = model.view().cluster().Find(std::string(kSimPeer));
  REQUIRE(sim != nullptr);
  CHECK(sim->running.size() + sim->ready_queue.size() == 3);
}

TEST_CASE("a simulated SJF CPU: the ready queue in SJF order, an older RR trace's in arrival order, said so",
          "[viz][load]") {
  auto ids = [](const ev::PeerState& peer) {
    std::vector<std::string> out;
    for (const ev::TaskRef& task : peer.ready_queue) out.push_back(task.task_id);
    return out;
  };
  const std::string sim(kSimPeer);
  Result<Model> sjf = LoadTrace(TestData("sim-sched-sjf.trace"));
  REQUIRE(sjf.ok());
  sjf->SeekToIndex(5);  // seq 6: jobs of 8, 7 and 3 units all queued at t = 0
  const ev::PeerState* cpu = sjf->view().cluster().Find(sim);
  REQUIRE(cpu != nullptr);
  CHECK(cpu->policy == "SJF");
  CHECK(ids(*cpu) == std::vector<std::string>{"2", "1", "0"});
  CHECK(sjf->view().ReadyQueueInPolicyOrder(sim));

  Result<Model> rr = LoadTrace(TestData("sim-sched-rr.trace"));
  REQUIRE(rr.ok());
  rr->SeekToIndex(5);  // three queued, no position said
  cpu = rr->view().cluster().Find(sim);
  REQUIRE(cpu != nullptr);
  CHECK(cpu->policy == "RR");
  CHECK(ids(*cpu) == std::vector<std::string>{"0", "1", "2"});
  CHECK_FALSE(rr->view().ReadyQueueInPolicyOrder(sim));
}

TEST_CASE("a simulated heap: the memory map is the one os::events::ReplayHeap rebuilds", "[viz][load]") {
  Result<Model> loaded = LoadTrace(TestData("sim-mem-first.trace"));
  REQUIRE(loaded.ok());
  Model& model = *loaded;
  CHECK(model.source().sim_heap_base == 1000);
  CHECK(model.source().sim_heap_size == 80);
  for (std::uint64_t position = model.begin_index(); position <= model.end_index(); ++position) {
    std::vector<ev::Event> events;
    for (std::uint64_t index = model.begin_index(); index < position; ++index) {
      events.push_back(*model.entry(index).event());
    }
    auto replay = ev::ReplayHeap(1000, 80, events);
    REQUIRE(replay.ok());
    model.SeekToPosition(position);
    std::optional<ArenaMap> map = ArenaOf(model.view(), kSimPeer);
    REQUIRE(map);
    std::vector<ArenaSlot> expected;
    for (const ev::HeapBlockView& block : replay->blocks) {
      expected.push_back(ArenaSlot{block.address, block.size, block.free, block.owner});
    }
    INFO("position " << position);
    CHECK(map->slots == expected);
    CHECK(map->free_bytes == replay->free_bytes);
  }
  model.SeekToIndex(6);  // ptr[4] = Alloc(30) fails: 40 free in two holes of 20
  std::optional<ArenaMap> map = ArenaOf(model.view(), kSimPeer);
  REQUIRE(map->last_failure);
  CHECK(map->last_failure->event.reason == "fragmentation");
  CHECK(map->holes == 2);
  CHECK(map->external_fragmentation == Approx(0.5));
}

TEST_CASE("a simulated deadlock and a simulated paging run show as state, not only in the log", "[viz][load]") {
  Result<Model> deadlock = LoadTrace(TestData("sim-deadlock.trace"));
  REQUIRE(deadlock.ok());
  CHECK(deadlock->source().topic == "deadlock");
  deadlock->Follow(true);
  REQUIRE(deadlock->view().deadlock());
  CHECK(deadlock->view().deadlock()->event.cycle == std::vector<std::string>{"P1", "P2", "P3"});
  CHECK(deadlock->view().InDeadlock("P2"));

  // LRU with 2 frames over 1,2,3,1,4,2: as os::events::ReplayPaging folds it.
  net::TraceHeader header = ClusterHeader();
  header.source = "sim";
  header.time_unit = "reference";
  header.cluster = {{"topic", "page"}, {"options", Json::object()}};
  Stream stream{"e1", 0, -1, 1};
  std::vector<ev::Event> events = {
      stream("sim", ev::PageFault{1, 0}), stream("sim", ev::PageFault{2, 1}), stream("sim", ev::PageEvict{1, 0}),
      stream("sim", ev::PageFault{3, 0}), stream("sim", ev::PageEvict{2, 1}), stream("sim", ev::PageFault{1, 1}),
      stream("sim", ev::PageEvict{3, 0}), stream("sim", ev::PageFault{4, 0}), stream("sim", ev::PageEvict{1, 1}),
      stream("sim", ev::PageFault{2, 1}), stream("sim", ev::PageHit{2, 1})};
  TempDir tmp;
  auto writer = net::TraceWriter::Open(tmp.Path("page.trace"), header);
  REQUIRE(writer.ok());
  for (const ev::Event& event : events) REQUIRE(writer->Write(event).ok());
  REQUIRE(writer->Close().ok());
  Result<Model> paging = LoadTrace(tmp.Path("page.trace"));
  REQUIRE(paging.ok());
  paging->Follow(true);
  auto replay = ev::ReplayPaging(events);
  REQUIRE(replay.ok());
  const FrameTable& table = paging->view().frame_table();
  CHECK(table.hits == replay->hits);
  CHECK(table.faults == replay->faults);
  CHECK(table.evictions == replay->evictions);
  CHECK(table.frames == replay->frames);
  CHECK(table.frames == std::vector<std::optional<std::int64_t>>{4, 2});
}

}  // namespace
}  // namespace osgrid::viz
