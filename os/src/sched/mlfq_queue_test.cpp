// MlfqQueue on its own, without the simulator: OSTEP ch. 8's rules, one at a time.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "osgrid/os/sched/mlfq_queue.h"
#include "osgrid/os/sched/sched_policies.h"

using namespace osgrid::os;

namespace {

ReadyTask Task(std::uint64_t id) { return ReadyTask{id, 0, 0, 0, 100, 0, 0}; }

/// An MlfqQueue from lists, top queue first; the test fails if they are refused.
MlfqQueue Make(std::vector<std::int64_t> quanta, std::vector<std::int64_t> allotments = {}, std::int64_t boost = 0) {
  SchedPolicyParams params;
  params.mlfq_quanta = std::move(quanta);
  params.mlfq_allotments = std::move(allotments);
  params.mlfq_boost = boost;
  Expected<MlfqQueue> made = MlfqQueue::Create(params);
  if (!made) FAIL(made.error().message);
  return std::move(made).value();
}

std::string Error(std::vector<std::int64_t> quanta, std::vector<std::int64_t> allotments = {}, std::int64_t boost = 0) {
  SchedPolicyParams params;
  params.mlfq_quanta = std::move(quanta);
  params.mlfq_allotments = std::move(allotments);
  params.mlfq_boost = boost;
  Expected<MlfqQueue> made = MlfqQueue::Create(params);
  REQUIRE_FALSE(made.ok());
  return made.error().message;
}

/// Picks the next task and checks it is `id`.
void Dispatch(MlfqQueue& mlfq, std::uint64_t id) {
  std::optional<ReadyTask> next = mlfq.PickNext();
  REQUIRE(next.has_value());
  CHECK(next->id == id);
}

std::vector<std::uint64_t> Drain(MlfqQueue& mlfq) {
  std::vector<std::uint64_t> order;
  while (auto next = mlfq.PickNext()) order.push_back(next->id);
  return order;
}

}  // namespace

TEST_CASE("MLFQ defaults: 3 queues of the quantum, allotment 1", "[sched][mlfq_queue]") {
  SchedPolicyParams params;
  params.quantum = 4;
  Expected<MlfqQueue> mlfq = MlfqQueue::Create(params);
  REQUIRE(mlfq.ok());
  CHECK(mlfq->name() == "MLFQ");
  CHECK(mlfq->num_queues() == 3);
  CHECK(mlfq->top_queue() == 2);
  CHECK(mlfq->quantum() == 4);
  CHECK(mlfq->QuantumOf(0) == 4);
  CHECK(mlfq->AllotmentOf(0) == 1);
  CHECK(mlfq->preemptive());
  CHECK_FALSE(mlfq->NextWakeup().has_value());  // no boost

  MlfqQueue lists = Make({2, 4, 8}, {3, 2, 1});  // top queue first, as mlfq.py's -Q and -A
  CHECK(lists.QuantumOf(2) == 2);
  CHECK(lists.QuantumOf(0) == 8);
  CHECK(lists.AllotmentOf(2) == 3);
  CHECK(lists.AllotmentOf(0) == 1);
  CHECK(lists.quantum() == 2);
}

// Rule 3, then Rules 1-2: new jobs join the top queue; the highest queue runs first, FIFO.
TEST_CASE("MLFQ: new tasks start at the top, the highest queue runs first", "[sched][mlfq_queue]") {
  MlfqQueue mlfq = Make({2, 4});
  mlfq.Admit(Task(1));
  mlfq.Admit(Task(2));
  CHECK(mlfq.size() == 2);
  CHECK(mlfq.QueueOf(1) == 1);
  Dispatch(mlfq, 1);
  mlfq.Ran(Task(1), 2, RunEnd::kSliceExpired);  // its allotment at Q1 (1 x 2) is spent
  CHECK(mlfq.QueueOf(1) == 0);
  mlfq.Admit(Task(1));
  mlfq.Admit(Task(3));
  CHECK(Drain(mlfq) == std::vector<std::uint64_t>{2, 3, 1});
  CHECK(mlfq.size() == 0);
}

// Rule 4: allotment x quantum of CPU time at a level, then one queue down.
TEST_CASE("MLFQ moves a task down once its allotment is used up", "[sched][mlfq_queue]") {
  MlfqQueue mlfq = Make({2, 4}, {2, 1});  // Q1: 2 quanta of 2; Q0: 1 quantum of 4
  mlfq.Admit(Task(7));
  Dispatch(mlfq, 7);
  CHECK(mlfq.SliceFor(Task(7)) == 2);
  mlfq.Ran(Task(7), 2, RunEnd::kSliceExpired);
  CHECK(mlfq.QueueOf(7) == 1);  // one quantum of two used
  CHECK(mlfq.UsedAtLevel(7) == 2);
  CHECK(mlfq.SliceFor(Task(7)) == 2);  // a fresh slice
  mlfq.Admit(Task(7));
  Dispatch(mlfq, 7);
  mlfq.Ran(Task(7), 2, RunEnd::kSliceExpired);
  CHECK(mlfq.QueueOf(7) == 0);
  CHECK(mlfq.UsedAtLevel(7) == 0);
  CHECK(mlfq.SliceFor(Task(7)) == 4);
  mlfq.Admit(Task(7));
  Dispatch(mlfq, 7);
  mlfq.Ran(Task(7), 4, RunEnd::kSliceExpired);
  CHECK(mlfq.QueueOf(7) == 0);  // the bottom: it stays, with a fresh allotment
  CHECK(mlfq.UsedAtLevel(7) == 0);
  mlfq.Ran(Task(7), 100, RunEnd::kSliceExpired);  // more than a level's allotment: one level at most
  CHECK(mlfq.QueueOf(7) == 0);
}

// OSTEP 8.4: giving up the CPU early keeps the level, but the time used there
// is remembered, so blocking just before the slice ends does not game it.
TEST_CASE("MLFQ: a task that gives the CPU up early stays up, until its allotment is spent", "[sched][mlfq_queue]") {
  MlfqQueue mlfq = Make({10, 10, 10});
  mlfq.Admit(Task(1));  // interactive: 1 of CPU, then it blocks
  mlfq.Admit(Task(2));  // a CPU hog
  Dispatch(mlfq, 1);
  mlfq.Ran(Task(1), 1, RunEnd::kBlocked);
  Dispatch(mlfq, 2);
  mlfq.Ran(Task(2), 10, RunEnd::kSliceExpired);
  CHECK(mlfq.QueueOf(1) == 2);
  CHECK(mlfq.QueueOf(2) == 1);
  for (int run = 2; run <= 9; ++run) {
    mlfq.Admit(Task(1));  // its I/O is done
    Dispatch(mlfq, 1);
    CHECK(mlfq.SliceFor(Task(1)) == 10 - (run - 1));  // the unfinished slice resumes
    mlfq.Ran(Task(1), 1, RunEnd::kBlocked);
  }
  CHECK(mlfq.QueueOf(1) == 2);
  CHECK(mlfq.UsedAtLevel(1) == 9);
  mlfq.Admit(Task(1));
  Dispatch(mlfq, 1);
  mlfq.Ran(Task(1), 1, RunEnd::kBlocked);  // the tenth unit: 10 = 1 x 10 at the top
  CHECK(mlfq.QueueOf(1) == 1);
  mlfq.Ran(Task(1), -5, RunEnd::kBlocked);  // a negative charge counts as 0
  CHECK(mlfq.UsedAtLevel(1) == 0);
}

TEST_CASE("MLFQ: a preempted task keeps what is left of its slice", "[sched][mlfq_queue]") {
  MlfqQueue mlfq = Make({4, 4});
  mlfq.Admit(Task(1));
  Dispatch(mlfq, 1);
  mlfq.Ran(Task(1), 3, RunEnd::kPreempted);
  CHECK(mlfq.SliceFor(Task(1)) == 1);
  mlfq.Admit(Task(1));
  Dispatch(mlfq, 1);
  mlfq.Ran(Task(1), 1, RunEnd::kPreempted);  // the slice and the allotment (1 x 4) are used up
  CHECK(mlfq.QueueOf(1) == 0);
  CHECK(mlfq.SliceFor(Task(1)) == 4);
  CHECK(mlfq.SliceFor(Task(99)) == 4);  // unknown: the top queue's quantum
}

// Rule 1: only a strictly higher queue takes the CPU.
TEST_CASE("MLFQ preempts for a ready task in a higher queue only", "[sched][mlfq_queue]") {
  MlfqQueue mlfq = Make({2, 4, 8});
  mlfq.Admit(Task(1));
  Dispatch(mlfq, 1);
  mlfq.Ran(Task(1), 2, RunEnd::kSliceExpired);  // down to Q1
  mlfq.Admit(Task(1));
  Dispatch(mlfq, 1);                         // runs at Q1
  CHECK_FALSE(mlfq.ShouldPreempt(Task(1)));  // nobody is ready
  mlfq.Admit(Task(2));                       // new: Q2, above it
  CHECK(mlfq.ShouldPreempt(Task(1)));
  Dispatch(mlfq, 2);
  CHECK_FALSE(mlfq.ShouldPreempt(Task(2)));  // the running task is at the top
  mlfq.Ran(Task(2), 2, RunEnd::kSliceExpired);
  mlfq.Admit(Task(2));  // now Q1, the same level as task 1
  CHECK_FALSE(mlfq.ShouldPreempt(Task(1)));
}

// Rule 5: every S, every task known moves to the top with a fresh start.
TEST_CASE("MLFQ boosts every task to the top every S", "[sched][mlfq_queue]") {
  MlfqQueue mlfq = Make({1, 1, 1}, {}, 10);
  CHECK(mlfq.NextWakeup() == 10);
  for (std::uint64_t id : {1, 2, 3, 4}) mlfq.Admit(Task(id));
  for (std::uint64_t id : {1, 2, 3}) {  // each uses its quantum: down to Q1
    Dispatch(mlfq, id);
    mlfq.Ran(Task(id), 1, RunEnd::kSliceExpired);
    mlfq.Admit(Task(id));
  }
  Dispatch(mlfq, 4);
  mlfq.Ran(Task(4), 0, RunEnd::kBlocked);  // 4 waits for I/O at Q2
  Dispatch(mlfq, 1);
  mlfq.Ran(Task(1), 1, RunEnd::kSliceExpired);
  mlfq.Admit(Task(1));  // 1 is ready at Q0
  Dispatch(mlfq, 2);
  mlfq.Ran(Task(2), 0, RunEnd::kBlocked);  // 2 waits for I/O at Q1
  mlfq.Admit(Task(4));
  Dispatch(mlfq, 4);  // 4 runs at Q2; 3 is ready at Q1
  CHECK(mlfq.QueueOf(1) == 0);
  CHECK(mlfq.QueueOf(2) == 1);
  CHECK(mlfq.QueueOf(3) == 1);
  mlfq.AdvanceTo(9);
  CHECK(mlfq.QueueOf(1) == 0);
  CHECK(mlfq.NextWakeup() == 10);
  mlfq.AdvanceTo(10);
  CHECK(mlfq.NextWakeup() == 20);
  for (std::uint64_t id : {1, 2, 3, 4}) CHECK(mlfq.QueueOf(id) == 2);
  CHECK_FALSE(mlfq.ShouldPreempt(Task(4)));                   // the running task was boosted too
  mlfq.Admit(Task(2));                                        // its I/O is done: the top queue
  CHECK(Drain(mlfq) == std::vector<std::uint64_t>{1, 3, 2});  // queue 0's first, then queue 1's, then back from I/O
}

TEST_CASE("MLFQ: a boost during a run charges only the time since the boost", "[sched][mlfq_queue]") {
  MlfqQueue mlfq = Make({2, 8}, {}, 10);
  mlfq.Admit(Task(1));
  Dispatch(mlfq, 1);
  mlfq.Ran(Task(1), 2, RunEnd::kSliceExpired);  // Q0, slice 8
  mlfq.Admit(Task(1));
  mlfq.AdvanceTo(4);
  Dispatch(mlfq, 1);  // runs 4..12
  mlfq.AdvanceTo(10);
  mlfq.AdvanceTo(12);
  mlfq.Ran(Task(1), 8, RunEnd::kSliceExpired);  // 2 of it after the boost, at the top: 2 = 1 x 2
  CHECK(mlfq.QueueOf(1) == 0);
  mlfq.Admit(Task(1));
  mlfq.AdvanceTo(35);  // boosts at 20 and 30 were missed: one boost
  CHECK(mlfq.QueueOf(1) == 1);
  CHECK(mlfq.NextWakeup() == 40);
  Dispatch(mlfq, 1);
  mlfq.AdvanceTo(40);
  mlfq.Ran(Task(1), 0, RunEnd::kBlocked);
  CHECK(mlfq.QueueOf(1) == 1);
  CHECK(mlfq.SliceFor(Task(1)) == 2);
}

TEST_CASE("MLFQ: Remove, kFinished and kCancelled forget the task", "[sched][mlfq_queue]") {
  MlfqQueue mlfq = Make({1, 1});
  mlfq.Admit(Task(1));
  Dispatch(mlfq, 1);
  mlfq.Ran(Task(1), 1, RunEnd::kSliceExpired);
  mlfq.Admit(Task(1));
  CHECK(mlfq.QueueOf(1) == 0);
  CHECK(mlfq.Remove(1));
  CHECK(mlfq.size() == 0);
  CHECK_FALSE(mlfq.QueueOf(1).has_value());
  CHECK_FALSE(mlfq.Remove(1));
  mlfq.Admit(Task(1));  // a new job again: the top queue
  CHECK(mlfq.QueueOf(1) == 1);

  Dispatch(mlfq, 1);
  CHECK_FALSE(mlfq.Remove(1));  // running, not ready: forgotten all the same
  CHECK_FALSE(mlfq.QueueOf(1).has_value());

  mlfq.Admit(Task(2));
  Dispatch(mlfq, 2);
  mlfq.Ran(Task(2), 1, RunEnd::kFinished);
  CHECK_FALSE(mlfq.QueueOf(2).has_value());
  mlfq.Admit(Task(3));
  Dispatch(mlfq, 3);
  mlfq.Ran(Task(3), 0, RunEnd::kCancelled);
  CHECK_FALSE(mlfq.QueueOf(3).has_value());
  mlfq.Ran(Task(3), 1, RunEnd::kSliceExpired);  // unknown: ignored
  CHECK_FALSE(mlfq.QueueOf(3).has_value());

  mlfq.Admit(Task(4));
  mlfq.Admit(Task(5));
  mlfq.Admit(Task(4));  // twice while ready: one copy, at the back
  CHECK(mlfq.size() == 2);
  CHECK(Drain(mlfq) == std::vector<std::uint64_t>{5, 4});
}

TEST_CASE("MLFQ refuses bad lists with a message naming the item", "[sched][mlfq_queue]") {
  CHECK(Error({2, 0, 8}) == "MLFQ: the quantum of queue 1 (item 2 of the quanta, top queue first) must be > 0, got 0");
  CHECK(Error({2, 4}, {1, 0}) ==
        "MLFQ: the allotment of queue 0 (item 2 of the allotments, top queue first) must be >= 1, got 0");
  CHECK(Error({2, 4}, {1, 1, 1}) == "MLFQ: there are 2 queues but 3 allotments: give one allotment per queue");
  CHECK(Error(std::vector<std::int64_t>(101, 1)) == "MLFQ: at most 100 queues, got 101");
  CHECK(Error({2, 2'000'000'000'000}).find("must be at most 10^12") != std::string::npos);
  CHECK(Error({2}, {2'000'000}).find("must be at most 10^6") != std::string::npos);
  CHECK(Error({2}, {}, -1) == "MLFQ: the boost period must be >= 0, got -1");

  SchedPolicyParams params;
  params.mlfq_allotments = {1, 1};  // the default quanta are 3 queues
  CHECK(MakeSchedPolicy("mlfq", params).error().message ==
        "MLFQ: there are 3 queues but 2 allotments: give one allotment per queue");
  params = {};
  params.quantum = 0;
  CHECK(MakeSchedPolicy("MLFQ", params).error().message == "MLFQ: quantum must be > 0, got 0");
}
