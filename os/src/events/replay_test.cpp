// The folds of replay.h on hand-written streams: what they draw, and the
// streams they refuse (each names the event). The simulators' own streams
// are checked against the simulators in sched/, mem/ and paging/.
#include "osgrid/os/events/replay.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

using namespace osgrid::os::events;
using Kind = GanttBar::Kind;

namespace {

/// A stream numbered 1, 2, ... as a simulation publishes it.
class Stream {
 public:
  Stream& At(double t, Payload body) {
    Event event;
    event.seq = events_.size() + 1;
    event.t = t;
    event.node = "sim";
    event.body = std::move(body);
    events_.push_back(std::move(event));
    return *this;
  }
  const std::vector<Event>& events() const { return events_; }

 private:
  std::vector<Event> events_;
};

TaskSubmitted Submitted(const std::string& task) { return {.task_id = task, .name = task}; }
TaskQueued Queued(const std::string& task, int length) { return {.task_id = task, .queue_length = length}; }
TaskRunning Running(const std::string& task) { return {.task_id = task}; }
TaskPreempted Preempted(const std::string& task, const char* reason) { return {.task_id = task, .reason = reason}; }
TaskBlocked Blocked(const std::string& task) { return {.task_id = task, .on = "io"}; }
TaskFinished Finished(const std::string& task) { return {.task_id = task}; }
TaskZombie Zombie(const std::string& task) { return {.task_id = task, .parent = "P"}; }
TaskReparented Reparented(const std::string& task) { return {.task_id = task, .parent = "init", .from = "P"}; }
CpuSwitch Switch(const std::string& from, const std::string& to, double cost) {
  return {.from = from, .to = to, .cost_ms = cost};
}

std::string ErrorOf(const Stream& stream) {
  auto replay = ReplaySchedule(stream.events());
  return replay.ok() ? "" : replay.error().message;
}

}  // namespace

// A arrives at 1, runs 2 units, does 3 units of I/O; B arrives at 2 and runs
// while A waits; a switch of 1 unit hands the CPU back to A.
TEST_CASE("The schedule fold draws runs, switches and idle time", "[events][replay]") {
  Stream s;
  s.At(1, Submitted("A")).At(1, Queued("A", 1)).At(1, Running("A"));
  s.At(2, Submitted("B")).At(2, Queued("B", 1));
  s.At(3, Blocked("A")).At(3, Switch("A", "B", 0)).At(3, Running("B"));
  s.At(6, Queued("A", 1));
  s.At(7, Finished("B")).At(7, Switch("B", "A", 1)).At(8, Running("A")).At(9, Finished("A"));
  auto replay = ReplaySchedule(s.events());
  REQUIRE(replay.ok());
  CHECK(replay->gantt == std::vector<GanttBar>{
                             {Kind::kIdle, 0, 1, ""},
                             {Kind::kRun, 1, 3, "A"},
                             {Kind::kRun, 3, 7, "B"},
                             {Kind::kSwitch, 7, 8, "A"},
                             {Kind::kRun, 8, 9, "A"},
                         });
  CHECK(replay->context_switches == 2);
  CHECK(replay->switching == 1);
  REQUIRE(replay->tasks.size() == 2);
  const TaskTimes& a = replay->tasks[0];
  CHECK(a.task_id == "A");
  CHECK(a.submitted == 1);
  CHECK(a.first_run == 1.0);
  CHECK(a.finished == 9.0);
  CHECK(a.cpu == 3);
  CHECK(a.io == 3);
  CHECK(a.wait == 2);  // ready 6..8, the switch included
  const TaskTimes& b = replay->tasks[1];
  CHECK(b.wait == 1);
  CHECK(b.cpu == 4);
  CHECK(b.report.has_value());
}

TEST_CASE("Runs of one task that touch are one bar, a zero-length run is none", "[events][replay]") {
  Stream s;
  s.At(0, Submitted("A")).At(0, Queued("A", 1)).At(0, Running("A"));
  s.At(2, Preempted("A", "quantum")).At(2, Queued("A", 1)).At(2, Running("A")).At(4, Finished("A"));
  auto replay = ReplaySchedule(s.events());
  REQUIRE(replay.ok());
  CHECK(replay->gantt == std::vector<GanttBar>{{Kind::kRun, 0, 4, "A"}});

  // B is switched to, then preempted as its switch ends: it has not run yet.
  Stream t;
  t.At(0, Submitted("A")).At(0, Queued("A", 1)).At(0, Running("A")).At(1, Finished("A"));
  t.At(1, Submitted("B")).At(1, Queued("B", 1)).At(1, Switch("A", "B", 2));
  t.At(2, Submitted("C")).At(2, Queued("C", 1));
  t.At(3, Running("B")).At(3, Preempted("B", "preempted")).At(3, Queued("B", 2));
  t.At(3, Switch("B", "C", 2)).At(5, Running("C")).At(6, Finished("C"));
  t.At(6, Switch("C", "B", 2)).At(8, Running("B")).At(9, Finished("B"));
  auto again = ReplaySchedule(t.events());
  INFO((again.ok() ? "" : again.error().message));
  REQUIRE(again.ok());
  CHECK(again->gantt == std::vector<GanttBar>{
                            {Kind::kRun, 0, 1, "A"},
                            {Kind::kSwitch, 1, 3, "B"},
                            {Kind::kSwitch, 3, 5, "C"},
                            {Kind::kRun, 5, 6, "C"},
                            {Kind::kSwitch, 6, 8, "B"},
                            {Kind::kRun, 8, 9, "B"},
                        });
  CHECK(again->tasks[1].first_run == 8.0);  // not 3: it ran nothing then
  CHECK(again->tasks[1].wait == 7);
}

TEST_CASE("The schedule fold refuses what could not have happened", "[events][replay]") {
  Stream never;
  never.At(0, Running("A"));
  CHECK(ErrorOf(never) == "seq 1 (t 0): task.running of 'A': it was never submitted");

  Stream not_queued;
  not_queued.At(0, Submitted("A")).At(0, Running("A"));
  CHECK(ErrorOf(not_queued) == "seq 2 (t 0): task.running of 'A': it is submitted");

  Stream two;
  two.At(0, Submitted("A")).At(0, Queued("A", 1)).At(0, Submitted("B")).At(0, Queued("B", 2));
  two.At(0, Running("A")).At(1, Running("B"));
  CHECK(ErrorOf(two) == "seq 6 (t 1): task.running of 'B': the CPU is running 'A'");

  Stream back;
  back.At(5, Submitted("A")).At(4, Queued("A", 1));
  CHECK(ErrorOf(back) == "seq 2 (t 4): task.queued: time goes back (the event before was at t 5)");

  Stream early;
  early.At(0, Submitted("A")).At(0, Queued("A", 1)).At(0, Switch("", "A", 2)).At(1, Running("A"));
  CHECK(ErrorOf(early) == "seq 4 (t 1): task.running of 'A': its switch ends at t 2, not now");

  Stream finished_twice;
  finished_twice.At(0, Submitted("A")).At(0, Queued("A", 1)).At(0, Running("A")).At(1, Finished("A"));
  finished_twice.At(2, Finished("A"));
  CHECK(ErrorOf(finished_twice) == "seq 5 (t 2): task.finished of 'A': it is finished");
}

// A child of P runs 0..2 and ends before P waits for it; P reaps it at 5.
TEST_CASE("A zombie's run ends at its task.zombie, and its task.finished follows when it is reaped",
          "[events][replay]") {
  Stream s;
  s.At(0, Submitted("A")).At(0, Queued("A", 1)).At(0, Running("A"));
  s.At(1, Reparented("A"));  // a new parent changes no time
  s.At(2, Zombie("A"));
  s.At(2, Submitted("B")).At(2, Queued("B", 1)).At(2, Running("B"));
  s.At(5, Finished("A")).At(6, Finished("B"));
  auto replay = ReplaySchedule(s.events());
  INFO((replay.ok() ? "" : replay.error().message));
  REQUIRE(replay.ok());
  CHECK(replay->gantt == std::vector<GanttBar>{{Kind::kRun, 0, 2, "A"}, {Kind::kRun, 2, 6, "B"}});
  const TaskTimes& a = replay->tasks[0];
  CHECK(a.cpu == 2);
  CHECK(a.finished == 5.0);
  CHECK(a.report.has_value());

  Stream zombie_twice;
  zombie_twice.At(0, Submitted("A")).At(0, Queued("A", 1)).At(0, Running("A")).At(1, Zombie("A"));
  zombie_twice.At(2, Zombie("A"));
  CHECK(ErrorOf(zombie_twice) == "seq 5 (t 2): task.zombie of 'A': it is a zombie");
  Stream runs_again;
  runs_again.At(0, Submitted("A")).At(0, Queued("A", 1)).At(0, Running("A")).At(1, Zombie("A"));
  runs_again.At(2, Queued("A", 1));
  CHECK(ErrorOf(runs_again) == "seq 5 (t 2): task.queued of 'A': it is a zombie");
}

TEST_CASE("The heap fold draws blocks and holes, and slides them on compaction", "[events][replay]") {
  Stream s;
  s.At(0, MemAlloc{"ptr[0]", 100, 10, 8}).At(1, MemAlloc{"ptr[1]", 110, 20, 20}).At(2, MemAlloc{"ptr[2]", 130, 5, 5});
  s.At(3, MemFree{"ptr[1]", 110, 20});
  s.At(4, MemFailed{"ptr[4]", 30, "fragmentation", 35, 2, 20});
  auto before = ReplayHeap(100, 50, s.events());
  REQUIRE(before.ok());
  CHECK(before->blocks == std::vector<HeapBlockView>{
                              {100, 10, false, "ptr[0]", 8},
                              {110, 20, true, "", 0},
                              {130, 5, false, "ptr[2]", 5},
                              {135, 15, true, "", 0},
                          });
  CHECK(before->free_bytes == 35);
  CHECK(before->failures == 1);
  CHECK(before->fragmentation_failures == 1);
  s.At(5, MemCompact{1, 5});  // ptr[2]: 130 -> 110
  auto after = ReplayHeap(100, 50, s.events());
  REQUIRE(after.ok());
  CHECK(after->blocks == std::vector<HeapBlockView>{
                             {100, 10, false, "ptr[0]", 8},
                             {110, 5, false, "ptr[2]", 5},
                             {115, 35, true, "", 0},
                         });
  s.At(6, MemFree{"ptr[2]", 110, 5});
  CHECK(ReplayHeap(100, 50, s.events()).ok());
}

TEST_CASE("The heap fold refuses overlaps, strangers' frees and wrong compactions", "[events][replay]") {
  auto error = [](const Stream& s) {
    auto replay = ReplayHeap(100, 50, s.events());
    return replay.ok() ? std::string() : replay.error().message;
  };
  Stream overlap;
  overlap.At(0, MemAlloc{"ptr[0]", 100, 10, 10}).At(1, MemAlloc{"ptr[1]", 105, 10, 10});
  CHECK(error(overlap) == "seq 2 (t 1): mem.alloc of 'ptr[1]': the block at 105 overlaps ptr[0]'s at 100");
  Stream outside;
  outside.At(0, MemAlloc{"ptr[0]", 145, 10, 10});
  CHECK(error(outside) == "seq 1 (t 0): mem.alloc of 'ptr[0]': the block [145, 155) is outside the heap");
  Stream stranger;
  stranger.At(0, MemAlloc{"ptr[0]", 100, 10, 10}).At(1, MemFree{"ptr[1]", 100, 10});
  CHECK(error(stranger) == "seq 2 (t 1): mem.free of 'ptr[1]': the block at 100 is ptr[0]'s, of 10 bytes");
  Stream compact;
  compact.At(0, MemAlloc{"ptr[0]", 120, 10, 10}).At(1, MemCompact{0, 0});
  CHECK(error(compact) == "seq 2 (t 1): mem.compact: sliding the blocks down moves 1 blocks of 10 bytes, not 0 of 0");
}

TEST_CASE("The paging fold keeps the frame table", "[events][replay]") {
  Stream s;
  s.At(0, PageFault{7, 0}).At(1, PageFault{8, 2}).At(2, PageHit{7, 0}).At(3, PageEvict{7, 0}).At(3, PageFault{9, 0});
  auto replay = ReplayPaging(s.events());
  REQUIRE(replay.ok());
  CHECK(replay->hits == 1);
  CHECK(replay->faults == 3);
  CHECK(replay->evictions == 1);
  CHECK(replay->frames == std::vector<std::optional<std::int64_t>>{9, std::nullopt, 8});

  auto error = [](const Stream& bad) {
    auto result = ReplayPaging(bad.events());
    return result.ok() ? std::string() : result.error().message;
  };
  Stream hit_elsewhere;
  hit_elsewhere.At(0, PageFault{7, 0}).At(1, PageHit{7, 1});
  CHECK(error(hit_elsewhere) == "seq 2 (t 1): page.hit of 'page 7': frame 1 does not hold it");
  Stream full;
  full.At(0, PageFault{7, 0}).At(1, PageFault{8, 0});
  CHECK(error(full) == "seq 2 (t 1): page.fault of 'page 8': frame 0 holds page 7");
  Stream twice;
  twice.At(0, PageFault{7, 0}).At(1, PageFault{7, 1});
  CHECK(error(twice) == "seq 2 (t 1): page.fault of 'page 7': it is resident, in frame 0");
}
