// Tests of timeline.h: lanes, bars, the window query, folding, bounds.
#include "osgrid/viz/timeline.h"

#include <catch2/catch.hpp>

#include <random>

#include "test_support.h"

namespace osgrid::viz {
namespace {

using namespace testing;

/// A state and a timeline fed the same events, as Model feeds them.
struct Fed {
  ViewState state;
  Timeline timeline;
  std::uint64_t index = 0;

  explicit Fed(SourceInfo source = {}) : state(std::move(source)) {}
  void operator()(const ev::Event& event) {
    if (state.Apply(event)) timeline.Apply(event, index, event.t + state.time_shift(), state);
    ++index;
  }
};

std::vector<std::string> TasksOf(std::span<const GanttBar> bars) {
  std::vector<std::string> tasks;
  for (const GanttBar& bar : bars) tasks.push_back(bar.task_id);
  return tasks;
}

TEST_CASE("each task that runs takes the lowest free lane of its peer", "[viz][timeline]") {
  Fed fed;
  Stream stream;
  fed(stream.At(0, "tracker", Joined("peer-1", 2)));
  fed(stream.At(10, "peer-1", Running("A", "peer-1")));
  fed(stream.At(20, "peer-1", Running("B", "peer-1")));
  fed(stream.At(30, "peer-1", Preempted("A", "peer-1")));
  fed(stream.At(40, "peer-1", Running("C", "peer-1")));  // lane 0 is free again
  fed(stream.At(50, "peer-1", Blocked("B", "peer-1", "fork-1")));
  fed(stream.At(60, "peer-1", Running("A", "peer-1")));  // lane 1
  fed(stream.At(70, "peer-1", Finished("C", "peer-1")));

  const PeerTimeline* rows = fed.timeline.Find("peer-1");
  REQUIRE(rows != nullptr);
  REQUIRE(rows->lanes.size() == 2);
  const Lane& lane0 = rows->lanes[0];
  const Lane& lane1 = rows->lanes[1];
  REQUIRE(lane0.bars().size() == 2);
  CHECK(lane0.bars()[0] == GanttBar{"A", 10, 30, BarKind::kRun, BarEnd::kPreempted, false, 1, 3});
  CHECK(lane0.bars()[1] == GanttBar{"C", 40, 70, BarKind::kRun, BarEnd::kFinished, false, 4, 7});
  REQUIRE(lane1.bars().size() == 1);
  CHECK(lane1.bars()[0].ended_by == BarEnd::kBlocked);
  REQUIRE(lane1.open() != nullptr);
  CHECK(lane1.open()->task_id == "A");
  CHECK(lane1.open()->start == 60);
  CHECK(lane1.open()->end == 70);  // the newest t received
  CHECK(fed.timeline.bar_count() == 3);
  CHECK_FALSE(lane1.overflow());

  std::vector<BarRef> a = fed.timeline.BarsOf("A");
  REQUIRE(a.size() == 2);
  CHECK(a[0].lane == 0);
  CHECK(a[1].lane == 1);
  CHECK(a[1].bar.ended_by == BarEnd::kOpen);
  CHECK(fed.timeline.Overlapping("peer-1", 1, 65, 100).size() == 1);  // the open bar
  CHECK(fed.timeline.Overlapping("peer-1", 0, 30, 40).empty());       // between A and C
}

TEST_CASE("more tasks running than cores open an overflow lane, and a peer's departure ends its bars",
          "[viz][timeline]") {
  Fed fed;
  Stream stream;
  fed(stream("tracker", Joined("peer-1", 1)));
  fed(stream("peer-1", Running("A", "peer-1")));
  fed(stream("peer-1", Running("B", "peer-1")));  // a gap in the stream: A's stop was lost
  const PeerTimeline* rows = fed.timeline.Find("peer-1");
  REQUIRE(rows->lanes.size() == 2);
  CHECK(rows->lanes[1].overflow());
  fed(stream("tracker", ev::PeerDead{"peer-1", 2000}));
  rows = fed.timeline.Find("peer-1");
  CHECK(rows->lanes[0].open() == nullptr);
  CHECK(rows->lanes[1].open() == nullptr);
  CHECK(rows->lanes[0].bars().back().ended_by == BarEnd::kPeerGone);
  REQUIRE(rows->gone_t);
  CHECK(*rows->gone_t == stream.t);
}

TEST_CASE("a task running on another peer ends its bar on the first", "[viz][timeline]") {
  Fed fed;
  Stream stream;
  fed(stream("tracker", Joined("peer-1", 1)));
  fed(stream("tracker", Joined("peer-2", 1)));
  fed(stream("peer-1", Running("A", "peer-1")));
  fed(stream("tracker", ev::TaskForwarded{"A", std::nullopt, "peer-1", "peer-2"}));
  fed(stream("peer-2", Running("A", "peer-2")));
  CHECK(fed.timeline.Find("peer-1")->lanes[0].bars().back().ended_by == BarEnd::kMoved);
  CHECK(fed.timeline.Find("peer-2")->lanes[0].open()->task_id == "A");
  REQUIRE(fed.timeline.forwards().size() == 1);
  CHECK(fed.timeline.forwards()[0].to == "peer-2");
  CHECK(fed.timeline.ForwardsBetween(stream.t - 20, stream.t).size() == 1);
  CHECK(fed.timeline.ForwardsBetween(stream.t, stream.t + 500).empty());
}

TEST_CASE("the window query finds exactly the bars that overlap it", "[viz][timeline]") {
  Fed fed;
  Stream stream;
  fed(stream.At(0, "tracker", Joined("peer-1", 3)));
  std::mt19937 random(11);
  std::vector<std::string> running;
  for (int k = 0; k < 2000; ++k) {
    const double t = stream.t + static_cast<double>(random() % 5);  // equal times too
    if (running.size() < 3 && (running.empty() || random() % 2 == 0)) {
      running.push_back("T" + std::to_string(k));
      fed(stream.At(t, "peer-1", Running(running.back(), "peer-1")));
    } else {
      const std::size_t which = random() % running.size();
      fed(stream.At(t, "peer-1", Preempted(running[which], "peer-1")));
      running.erase(running.begin() + static_cast<std::ptrdiff_t>(which));
    }
  }
  const PeerTimeline* rows = fed.timeline.Find("peer-1");
  REQUIRE(rows->lanes.size() == 3);
  for (const Lane& lane : rows->lanes) {
    for (std::size_t k = 1; k < lane.bars().size(); ++k) CHECK(lane.bars()[k - 1].end <= lane.bars()[k].start);
    for (int probe = 0; probe < 200; ++probe) {
      const double t0 = static_cast<double>(random() % 5000);
      const double t1 = t0 + static_cast<double>(random() % 300);
      std::vector<std::string> expected;
      for (const GanttBar& bar : lane.bars()) {
        if (bar.start < t1 && bar.end > t0) expected.push_back(bar.task_id);
      }
      CHECK(TasksOf(lane.Overlapping(t0, t1)) == expected);
    }
  }
}

TEST_CASE("bars too narrow to draw apart fold into one with their count", "[viz][timeline]") {
  std::vector<GanttBar> bars = {
      {"A", 0, 100, BarKind::kRun, BarEnd::kPreempted},   {"B", 100, 101, BarKind::kRun, BarEnd::kPreempted},
      {"C", 101, 102, BarKind::kRun, BarEnd::kPreempted}, {"D", 102.5, 103, BarKind::kRun, BarEnd::kPreempted},
      {"E", 200, 300, BarKind::kRun, BarEnd::kFinished},
  };
  std::vector<FoldedBar> folded = FoldForDrawing(bars, 2);
  REQUIRE(folded.size() == 3);
  CHECK(folded[0].bar == &bars[0]);
  CHECK(folded[1].count == 3);
  CHECK(folded[1].bar == nullptr);
  CHECK(folded[1].start == 100);
  CHECK(folded[1].end == 103);
  CHECK(folded[2].bar == &bars[4]);
  CHECK(FoldForDrawing(bars, 0.1).size() == 5);
}

TEST_CASE("a snapshot ends the bars of tasks it does not show running and opens the others", "[viz][timeline]") {
  Fed fed;
  Stream stream;
  fed(stream.At(0, "tracker", Joined("peer-1", 2)));
  fed(stream.At(10, "peer-1", Running("A", "peer-1")));
  fed(stream.At(20, "peer-1", Running("B", "peer-1")));
  ev::PeerState peer;
  peer.peer = "peer-1";
  peer.cores = 2;
  peer.running = {ev::TaskRef{"B", std::nullopt, "main"}, ev::TaskRef{"C", std::nullopt, "main"}};
  ev::Snapshot snapshot{7, "e2", 50, {peer}, {}};
  fed.state.ApplySnapshot(snapshot);
  fed.timeline.ApplySnapshot(snapshot, 3, snapshot.t, fed.state);
  const PeerTimeline* rows = fed.timeline.Find("peer-1");
  CHECK(rows->lanes[0].bars().back() == GanttBar{"A", 10, 50, BarKind::kRun, BarEnd::kResync, false, 1, 3});
  CHECK(rows->lanes[1].open()->task_id == "B");
  REQUIRE(rows->lanes[0].open() != nullptr);
  CHECK(rows->lanes[0].open()->task_id == "C");
  CHECK(rows->lanes[0].open()->start_unknown);
}

TEST_CASE("a simulation's context switch with a cost is a bar of its own on the CPU's lane", "[viz][timeline]") {
  SourceInfo source;
  source.source = "sim";
  source.topic = "sched";
  Fed fed(source);
  Stream stream{"sim"};
  fed(stream.At(0, "sim", ev::TaskRunning{"A", std::nullopt, ""}));
  fed(stream.At(5, "sim", ev::TaskFinished{"A", std::nullopt, "", ev::Outcome::kOk, 0, 5, 5}));
  fed(stream.At(5, "sim", ev::CpuSwitch{"A", "B", "", 1}));
  fed(stream.At(6, "sim", ev::TaskRunning{"B", std::nullopt, ""}));
  const PeerTimeline* cpu = fed.timeline.Find(kSimPeer);
  REQUIRE(cpu != nullptr);
  REQUIRE(cpu->lanes.size() == 1);
  REQUIRE(cpu->lanes[0].bars().size() == 2);
  CHECK(cpu->lanes[0].bars()[1].kind == BarKind::kSwitch);
  CHECK(cpu->lanes[0].bars()[1].start == 5);
  CHECK(cpu->lanes[0].bars()[1].end == 6);
  CHECK(cpu->lanes[0].bars()[1].task_id == "B");
  CHECK(cpu->lanes[0].open()->start == 6);
}

TEST_CASE("the timeline drops the oldest bars and samples to stay within its bounds", "[viz][timeline]") {
  Fed fed;
  Stream stream;
  fed(stream("tracker", Joined("peer-1", 1)));
  fed(stream("tracker", Joined("peer-2", 1)));
  for (int k = 0; k < 50; ++k) {
    const std::string peer = k % 2 == 0 ? "peer-1" : "peer-2";
    fed(stream(peer, Running("T" + std::to_string(k), peer)));
    fed(stream(peer, Finished("T" + std::to_string(k), peer)));
    fed(stream("tracker", ev::PeerLoad{peer, 1, 0, 1}));
  }
  CHECK(fed.timeline.bar_count() == 50);
  CHECK(fed.timeline.CapBars(50) == 0);
  CHECK(fed.timeline.CapBars(11) == 40);  // down to 90% of 11: 10
  CHECK(fed.timeline.bar_count() == 10);
  // The ten kept are the newest, over both peers.
  std::size_t kept = fed.timeline.Find("peer-1")->lanes[0].bars().size();
  CHECK(kept == 5);
  CHECK(fed.timeline.Find("peer-1")->lanes[0].bars().front().task_id == "T40");
  CHECK(fed.timeline.CapLoadSamples(3) == 44);
  CHECK(fed.timeline.Find("peer-2")->load.size() == 3);
  // Dropping by log index: every bar that ended before entry 148 goes.
  CHECK(fed.timeline.DropBefore(148) == 9);
  CHECK(fed.timeline.bar_count() == 1);
  CHECK(fed.timeline.Find("peer-2")->lanes[0].bars().front().task_id == "T49");
}

}  // namespace
}  // namespace osgrid::viz
