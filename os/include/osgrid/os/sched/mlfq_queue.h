// The Multi-Level Feedback Queue as a ready-queue policy: the MLFQ that the
// simulator (sched/simulator.h) and the live peer run.
//
// Source: OSTEP ch. 8 "Scheduling: The Multi-Level Feedback Queue" (8.1
//         Rules 1-2, 8.2 Rules 3-4, 8.3 Rule 5, 8.4 better accounting);
//         Silberschatz 10e, 5.3.6 (multilevel feedback queue scheduling).
//
// mlfq.h's MlfqScheduler is the same algorithm counted tick by tick, which
// SimulateMlfq (`osgrid sim mlfq`) drives to reproduce OSTEP's mlfq.py
// exactly. MlfqQueue is driven by events instead (PickNext, SliceFor, Ran,
// Admit), so its caller runs a task for a whole slice at once, on any clock:
// every time below is in the caller's unit (ms for the peer, which measures
// CPU time from the process; time units for the simulator).
//
// n queues, numbered as in OSTEP's figures and mlfq.py: queue n-1 is the top
// (highest priority), queue 0 the bottom. Each queue is FIFO and has its own
// time slice (quantum) and allotment (how many quanta a task may use at that
// level before it moves down). The rules, as this class applies them:
//   Rules 1-2: PickNext takes the head of the highest non-empty queue; a
//     task that comes back goes to the back of its queue (round robin within
//     a level). A ready task in a queue strictly higher than the running
//     task's makes ShouldPreempt true.
//   Rule 3: an id never seen before is a new job: back of the top queue.
//   Rule 4, with 8.4's accounting: Ran charges the CPU time a task used to
//     its current slice and to its level. Once it has used allotment x
//     quantum at a level it moves down one queue with a fresh slice and
//     allotment (at the bottom it stays, with a fresh allotment). Time used
//     at a level is remembered when the task gives the CPU up (kBlocked,
//     kPreempted), so a task cannot stay high by blocking just before its
//     slice ends; a task that really uses little CPU (an interactive one)
//     stays high far longer than a CPU hog.
//   Rule 5: with a boost period S > 0, at t = S, 2S, ... (AdvanceTo) every
//     known task, ready or not, moves to the top queue with a fresh slice
//     and allotment.
// An unfinished slice resumes: SliceFor gives a task what is left of it, as
// mlfq.py keeps a job's ticks left across I/O.
//
// "Giving up the CPU" is judged from the CPU time charged, not wall time: the
// peer reports a task whose measured CPU time was well under its slice as
// kBlocked, whatever the clock on the wall said; only `cpu` moves a task down.
//
// Where MlfqQueue differs from mlfq.py (and MlfqScheduler):
//   - a preempted task goes to the BACK of its queue (mlfq.py keeps it at the
//     head), as every ReadyQueuePolicy re-admits;
//   - quanta and allotments must be >= 1 (mlfq.py lets <= 0 mean "never runs
//     out"); there is no -S (stay) or -I (iobump);
//   - a boost that falls while a task runs charges that task only the time
//     since the boost (min(cpu, now - boost)), its run at the top level.
//
// Worked example (the simulator test "MLFQ without I/O or boost follows the
// hand-computed timeline"): 2 queues, quanta 2 (top, Q1) and 4 (Q0),
// allotment 1 each. A (CPU 7) arrives at 0, B (CPU 3) at 1, C (CPU 1) at 5.
//   0  A new -> Q1, runs with slice 2.          B arrives at 1 -> Q1 (same level: no preemption)
//   2  A used 2 = 1 x 2 at Q1 -> Q0. B runs (slice 2).
//   4  B used 2 -> Q0, behind A. A runs (slice 4).
//   5  C new -> Q1, higher than A: A preempted after 1, back of Q0 (B, A). C runs.
//   6  C done. B runs (Q0 head, slice 4), needs 1.
//   7  B done. A resumes its slice: 4 - 1 = 3.
//  10  A used 4 = 1 x 4 at Q0: stays (bottom), fresh allotment; runs its last 1.
//  11  A done.   Response: A 0, B 1, C 0.
//
// Cost: Admit, PickNext, SliceFor, Ran O(1) on average (a hash map of task
// state); Remove O(length of the task's queue); a boost O(tasks known).
// Memory: one entry per task admitted and not yet finished, cancelled or
// removed; the caller ends a task with Ran(kFinished / kCancelled) or Remove.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

#include "osgrid/os/expected.h"
#include "osgrid/os/sched/ready_queue.h"

namespace osgrid::os {

struct SchedPolicyParams;

class MlfqQueue final : public ReadyQueuePolicy {
 public:
  /// The queues from params.mlfq_quanta / mlfq_allotments (top queue first,
  /// as mlfq.py's -Q / -A; empty quanta: 3 queues of params.quantum; empty
  /// allotments: 1 at every queue) and params.mlfq_boost. Errors (each
  /// starts "MLFQ: " and names the item): not 1..100 queues; a different
  /// number of allotments and quanta; a quantum outside 1..10^12 or an
  /// allotment outside 1..10^6 ("MLFQ: the quantum of queue 0 (item 2 of
  /// the quanta, top queue first) must be > 0, got 0"); boost < 0.
  static Expected<MlfqQueue> Create(const SchedPolicyParams& params);

  std::string_view name() const override { return "MLFQ"; }
  /// An id never seen joins the back of the top queue (Rule 3); a known one
  /// the back of its queue. Admitted while already ready: the newer copy,
  /// at the back.
  void Admit(const ReadyTask& task) override;
  /// The head of the highest non-empty queue (Rules 1-2).
  std::optional<ReadyTask> PickNext() override;
  /// Takes the task out of its queue and forgets its level and usage.
  /// Returns false if it was not ready (its state is forgotten all the same).
  bool Remove(std::uint64_t id) override;
  /// Ready tasks, in every queue.
  std::size_t size() const override { return ready_; }
  /// Without a boost: the ready tasks in higher queues, plus its index in
  /// its own (Rules 1-2). With a boost period: nullopt, since a boost
  /// reorders the ready tasks while nothing is admitted.
  std::optional<std::size_t> PositionOf(std::uint64_t id) const override;

  bool preemptive() const override { return true; }
  /// The top queue's quantum.
  std::int64_t quantum() const override { return QuantumOf(top_queue()); }
  /// True when a ready task sits in a queue strictly higher than the queue
  /// of `running` (found by its id; an unknown id counts as the top).
  bool ShouldPreempt(const ReadyTask& running) const override;
  /// Applies the boost due at the last multiple of S at or before `now`, if
  /// it was not applied yet (several missed boosts amount to one).
  void AdvanceTo(std::int64_t now) override;
  /// With a boost: the next multiple of S after the last AdvanceTo; else nullopt.
  std::optional<std::int64_t> NextWakeup() const override;

  /// What is left of the task's current slice at its level: its queue's
  /// quantum minus the CPU time already used of it; at least 1. An unknown
  /// id gets the top queue's quantum.
  std::int64_t SliceFor(const ReadyTask& task) const override;
  /// kFinished / kCancelled: forgets the task. Otherwise charges `cpu` (the
  /// CPU time of this run, clamped to 0..allotment x quantum of its level;
  /// after a boost during the run, only the time since the boost) to the
  /// task's slice and level (Rule 4), then: the level's allotment used up ->
  /// one queue down with a fresh slice and allotment (at the bottom it stays,
  /// fresh); else the slice used up (kSliceExpired, or cpu reached the
  /// quantum) -> a fresh slice. kBlocked and kPreempted keep the level and
  /// what is left of the slice. An unknown id is ignored.
  void Ran(const ReadyTask& task, std::int64_t cpu, RunEnd end) override;

  int num_queues() const { return static_cast<int>(queues_.size()); }
  int top_queue() const { return num_queues() - 1; }
  /// Quantum (caller's time unit) and allotment (quanta) of queue q, 0 = bottom.
  std::int64_t QuantumOf(int queue) const;
  std::int64_t AllotmentOf(int queue) const;
  /// The queue of a task the policy knows (ready, running or blocked); nullopt otherwise.
  std::optional<int> QueueOf(std::uint64_t id) const override;
  /// CPU time the task has used at its current level (toward its allotment); 0 if unknown.
  std::int64_t UsedAtLevel(std::uint64_t id) const;

 private:
  /// What the policy remembers about one task between its runs.
  struct TaskState {
    int queue = 0;                       // 0 = bottom
    std::int64_t used_at_level = 0;      // CPU time at this level, toward allotment x quantum
    std::int64_t used_of_slice = 0;      // CPU time of the current slice
    bool ready = false;                  // in queues_[queue]
    bool running = false;                // returned by PickNext, Ran not called yet
    bool boosted_while_running = false;  // a boost fell during that run
  };

  MlfqQueue(std::vector<std::int64_t> quanta, std::vector<std::int64_t> allotments, std::int64_t boost);
  void Charge(TaskState& task, std::int64_t cpu, RunEnd end);
  void TakeOut(std::uint64_t id, TaskState& task);
  void Boost(std::int64_t at);
  int QueueOrTop(std::uint64_t id) const;

  std::vector<std::int64_t> quanta_;           // top queue first, as given
  std::vector<std::int64_t> allotments_;       // top queue first, in quanta
  std::int64_t boost_ = 0;                     // S; 0 = never
  std::int64_t now_ = 0;                       // the last AdvanceTo
  std::int64_t last_boost_ = 0;                // the time of the last boost applied (0: none yet)
  std::vector<std::deque<ReadyTask>> queues_;  // index = queue number; front = head
  std::unordered_map<std::uint64_t, TaskState> tasks_;
  std::size_t ready_ = 0;
};

/// A fresh MlfqQueue (the MLFQ row of sched_policies.cpp). Errors: those of
/// MlfqQueue::Create.
Expected<std::unique_ptr<ReadyQueuePolicy>> MakeMlfq(const SchedPolicyParams& params);

}  // namespace osgrid::os
