// Tests of model.h: the recording, seeking with checkpoints, following,
// bounds, segments, and what a selected task shows.
#include "osgrid/viz/model.h"

#include <catch2/catch.hpp>

#include <random>

#include "test_support.h"

namespace osgrid::viz {
namespace {

using namespace testing;

/// The state after entries [begin, position) of `model`, applied one by one
/// from the start (the reference a seek must equal). Needs begin_index() 0.
ViewState ReplayFromStart(const Model& model, std::uint64_t position) {
  ViewState state(model.source());
  for (std::uint64_t index = 0; index < position; ++index) {
    const LogEntry& entry = model.entry(index);
    if (const ev::Event* event = entry.event()) state.Apply(*event);
    if (const auto* mark = std::get_if<SnapshotMark>(&entry.item)) state.ApplySnapshot(*mark->snapshot);
  }
  return state;
}

/// A model fed a varied stream with unknown events and, halfway, a
/// reconnect to a restarted tracker (a snapshot of a new epoch).
Model VariedModel(ModelOptions options) {
  Model model({}, options);
  std::vector<ev::Event> first = VariedStream(1500, 3, "e1");
  for (std::size_t k = 0; k < first.size(); ++k) {
    model.AddEvent(first[k]);
    if (k % 97 == 0) model.AddUnknown(UnknownEvent{0, "e1", first[k].t, "peer-1", "gpu.kernel", "{}"});
  }
  ev::Snapshot restarted = model.newest().cluster().ToSnapshot();
  restarted.seq = 0;
  restarted.epoch = "e2";
  model.AddSnapshot(restarted);
  for (const ev::Event& event : VariedStream(1500, 4, "e2")) model.AddEvent(event);
  return model;
}

TEST_CASE("a seek anywhere gives exactly the state of replaying from the start", "[viz][model]") {
  Model model = VariedModel(ModelOptions{.checkpoint_every = 100});
  REQUIRE(model.end_index() > 3000);
  CHECK(model.checkpoint_count() == model.end_index() / 100 + 1);
  CHECK(model.newest() == ReplayFromStart(model, model.end_index()));
  std::mt19937 random(5);
  std::vector<std::uint64_t> targets = {0, 1, 99, 100, 101, model.end_index() - 1, model.end_index(), 5, 2999};
  for (int k = 0; k < 12; ++k) targets.push_back(random() % (model.end_index() + 1));
  for (std::uint64_t target : targets) {
    model.SeekToPosition(target);
    INFO("position " << target);
    CHECK(model.position() == target);
    CHECK(model.view() == ReplayFromStart(model, target));
  }
  // Far back after far forward, and step by step across a checkpoint.
  model.SeekToPosition(model.end_index());
  model.SeekToPosition(3);
  CHECK(model.view() == ReplayFromStart(model, 3));
  model.SeekToPosition(98);
  for (int k = 0; k < 4; ++k) model.Step(+1);
  CHECK(model.position() == 102);
  CHECK(model.view() == ReplayFromStart(model, 102));
  for (int k = 0; k < 4; ++k) model.Step(-1);
  CHECK(model.view() == ReplayFromStart(model, 98));
}

TEST_CASE("a seek far away applies no more than one checkpoint interval", "[viz][model]") {
  Model model({}, ModelOptions{.checkpoint_every = 500});
  for (const ev::Event& event : VariedStream(20000, 17)) model.AddEvent(event);
  std::mt19937 random(8);
  for (int k = 0; k < 40; ++k) {
    const std::uint64_t target = random() % (model.end_index() + 1);
    model.SeekToPosition(target);
    CHECK(model.position() == target);
    CHECK(model.last_seek_applied() <= 500);
  }
  model.SeekToPosition(10);
  model.Step(+1);
  CHECK(model.last_seek_applied() == 1);  // on from the cursor, not from the checkpoint
}

TEST_CASE("after a tracker restart the time axis goes on, and SeekTo reaches the new epoch", "[viz][model]") {
  Model model;
  Stream first{"e1"};
  model.AddEvent(first.At(100, "tracker", Joined("peer-1", 1)));
  model.AddEvent(first.At(200, "peer-1", Running("A", "peer-1")));
  model.AddEvent(first.At(900, "peer-1", Finished("A", "peer-1")));
  Stream second{"e2"};  // the restarted tracker's clock starts again
  model.AddEvent(second.At(5, "tracker", Joined("peer-1", 1)));
  model.AddEvent(second.At(50, "peer-1", Running("B", "peer-1")));
  model.AddEvent(second.At(80, "peer-1", Finished("B", "peer-1")));
  CHECK(model.entry(3).time == 900);  // the new epoch starts where the old one ended
  CHECK(model.entry(4).time == 945);
  CHECK(model.newest().time_shift() == 895);
  CHECK(model.last_t() == 975);
  const Lane& lane = model.timeline().Find("peer-1")->lanes[0];
  REQUIRE(lane.bars().size() == 2);
  CHECK(lane.bars()[0].end == 900);
  CHECK(lane.bars()[1].start == 945);
  CHECK(lane.bars()[1].end == 975);
  model.SeekTo(950);
  CHECK(model.position() == 5);
  CHECK(model.view().epoch() == "e2");
  CHECK(model.view().cluster().Find("peer-1")->running.size() == 1);
  CHECK(model.cursor_t() == 945);
}

TEST_CASE("the new epoch after a reconnect is a new segment, its seqs never mixed with the old", "[viz][model]") {
  Model model = VariedModel(ModelOptions{});
  CHECK(model.newest().epoch() == "e2");
  CHECK(model.newest().segment() == 1);
  CHECK(model.newest().seq() <= 1500);  // seq counts again from 1 in e2
  // The snapshot is in the log, where it came.
  std::vector<std::uint64_t> snapshots = model.Filter(LogFilter{{"snapshot"}, ""});
  REQUIRE(snapshots.size() == 1);
  CHECK(model.entry(snapshots[0]).kind() == EntryKind::kSnapshot);
  model.SeekToIndex(snapshots[0] - 1);
  CHECK(model.view().epoch() == "e1");
  CHECK(model.view().segment() == 0);
  model.SeekToIndex(snapshots[0]);
  CHECK(model.view().epoch() == "e2");
}

TEST_CASE("unknown events are in the log and change nothing", "[viz][model]") {
  Model model;
  Stream stream;
  model.AddEvent(stream("tracker", Joined("peer-1", 1)));
  const ViewState before = model.newest();
  model.AddUnknown(UnknownEvent{9, "e1", 15, "peer-1", "gpu.kernel", R"({"type":"gpu.kernel"})"});
  CHECK(model.size() == 2);
  CHECK(model.entry(1).type() == "gpu.kernel");
  CHECK(model.newest() == before);
  CHECK(model.Filter(LogFilter{{}, "unknown type"}) == std::vector<std::uint64_t>{1});
}

TEST_CASE("time range, SeekTo(t), following and the last event's age", "[viz][model]") {
  Model model;
  Stream stream;
  const auto now = std::chrono::steady_clock::now();
  model.AddEvent(stream.At(100, "tracker", Joined("peer-1", 1)), 0, now);
  model.AddEvent(stream.At(200, "peer-1", Submitted("peer-1/1", "peer-1")), 0, now);
  model.AddEvent(stream.At(190, "peer-1", Queued("peer-1/1", "peer-1")), 0, now);  // a clock a little behind
  model.AddEvent(stream.At(300, "peer-1", Running("peer-1/1", "peer-1")), 0, now + std::chrono::seconds(1));
  CHECK(model.first_t() == 100);
  CHECK(model.last_t() == 300);
  CHECK(model.newest_t() == 300);
  CHECK(model.newest_arrival() == now + std::chrono::seconds(1));
  CHECK(model.following());
  CHECK(model.position() == 4);

  model.SeekTo(250);  // after the entries whose largest t so far is <= 250
  CHECK_FALSE(model.following());
  CHECK(model.position() == 3);
  CHECK(model.cursor_t() == 190);
  CHECK(model.view().cluster().Find("peer-1")->ready_queue.size() == 1);
  model.SeekTo(50);
  CHECK(model.position() == 0);
  CHECK(model.view().cluster().peers().empty());

  // Paused: new entries arrive, the view stays.
  model.AddEvent(stream.At(400, "peer-1", Finished("peer-1/1", "peer-1")));
  CHECK(model.position() == 0);
  CHECK(model.newest().cluster().Find("peer-1")->tasks_finished == 1);
  model.Follow(true);
  CHECK(model.position() == 5);
  CHECK(model.view().cluster().Find("peer-1")->tasks_finished == 1);
  model.Step(-2);
  CHECK(model.position() == 3);
  model.Step(-10);
  CHECK(model.position() == 0);
  model.Step(+100);
  CHECK(model.position() == 5);
}

TEST_CASE("a small cap keeps memory bounded: old entries fold into the summary, seeks clamp", "[viz][model]") {
  ModelOptions options{.checkpoint_every = 10, .max_entries = 50, .max_bars = 20, .max_load_samples = 5};
  Model model({}, options);
  std::vector<ev::Event> events = VariedStream(1000, 9);
  for (std::size_t k = 0; k < 600; ++k) model.AddEvent(events[k]);
  model.SeekToPosition(580);  // paused here
  for (std::size_t k = 600; k < events.size(); ++k) model.AddEvent(events[k]);

  CHECK(model.size() <= 50);
  CHECK(model.size() > 40);
  CHECK(model.end_index() == 1000);
  CHECK(model.begin_index() == 1000 - model.size());
  CHECK(model.checkpoint_count() <= 6);
  const Truncation& dropped = model.truncation();
  CHECK(dropped.history_truncated);
  CHECK(dropped.entries == model.begin_index());
  std::uint64_t by_type = 0;
  for (const auto& [type, count] : dropped.by_type) by_type += count;
  CHECK(by_type == dropped.entries);
  CHECK(dropped.by_type.at("peer.joined") == 3);
  REQUIRE(dropped.first_t);
  CHECK(*dropped.first_t == events.front().t);
  CHECK(*dropped.last_t == events[model.begin_index() - 1].t);
  CHECK(model.timeline().bar_count() <= 20);
  for (const auto& [peer, rows] : model.timeline().peers()) CHECK(rows.load.size() <= 5);
  CHECK(dropped.bars > 0);

  // The cursor was in what got dropped: it is clamped to the oldest checkpoint.
  CHECK(model.position() == model.begin_index());
  model.SeekToPosition(0);
  CHECK(model.position() == model.begin_index());
  model.SeekTo(-1);
  CHECK(model.position() == model.begin_index());
  // The states kept are still exactly what the whole stream gives.
  ViewState reference;
  for (std::size_t k = 0; k < 990; ++k) reference.Apply(events[k]);
  model.SeekToPosition(990);
  CHECK(model.view() == reference);
}

TEST_CASE("a selected task shows its state, objects, deadlock and bars", "[viz][model]") {
  Model model;
  Stream stream;
  model.AddEvent(stream("tracker", Joined("peer-1", 2)));
  model.AddEvent(stream("peer-1", Submitted("A", "peer-1")));
  model.AddEvent(stream("peer-1", Queued("A", "peer-1")));
  model.AddEvent(stream("peer-1", Running("A", "peer-1")));
  model.AddEvent(stream("tracker", Request("A", "fork-1", false, 0)));
  model.AddEvent(stream("tracker", Grant("A", "fork-1", 0)));
  model.AddEvent(stream("tracker", Request("A", "fork-2", true, 0)));
  model.AddEvent(stream("peer-1", Blocked("A", "peer-1", "fork-2")));
  model.AddEvent(stream("tracker", ev::DeadlockFound{{"A", "B"}, {"fork-2", "fork-1"}, {}, {}, ""}));
  TaskDetail a = model.DescribeTask("A");
  REQUIRE(a.info);
  CHECK(a.info->state == ev::TaskState::kWaiting);
  CHECK(a.info->peer == "peer-1");
  REQUIRE(a.holds.size() == 1);
  CHECK(a.holds[0].name == "fork-1");
  REQUIRE(a.waits_for.size() == 1);
  CHECK(a.waits_for[0].name == "fork-2");
  CHECK(a.in_deadlock);
  REQUIRE(a.bars.size() == 1);
  CHECK(a.bars[0].bar.ended_by == BarEnd::kBlocked);
  // At an earlier cursor, the same task as it was then.
  model.SeekToIndex(3);
  a = model.DescribeTask("A");
  CHECK(a.info->state == ev::TaskState::kRunning);
  CHECK(a.holds.empty());
  CHECK_FALSE(a.in_deadlock);
}

}  // namespace
}  // namespace osgrid::viz
