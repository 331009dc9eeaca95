// Priority scheduling: the ready task with the most urgent priority (LOWEST
// number, Silberschatz's convention) runs next; optionally preemptive, and
// optionally with aging so that low-priority tasks do not starve.
//
// Source: Silberschatz 10e, 5.3.4 "Priority Scheduling" (starvation and
//         aging); OSTEP ch. 8 motivates the same problem for MLFQ.
//
// Non-preemptive (PRIORITY): the running task keeps the CPU until its burst ends.
// Preemptive (PRIORITY-P): a ready task with a STRICTLY more urgent priority
// than the running task's takes the CPU; an equal priority does not.
//
// Aging (aging > 0): for every `aging` time units a task has waited in the
// ready queue (since it last joined it, ready_since_ms), its priority number
// drops by 1, never below 0: effective = max(0, priority - floor(waited / aging))
// (a negative priority is never aged). The boost ends when the task is
// dispatched: the running task competes with its own (base) priority, and a
// task that joins the queue again starts waiting from zero.
//
// Tie-breaking: equal (effective) priority -> earlier arrival_ms -> lower id.
// Cost: without aging a binary min-heap, O(log n) Admit/PickNext and O(1)
// ShouldPreempt; with aging the order changes as time passes, so the
// textbook's linear scan of the ready queue is used, O(n) per decision.
#pragma once

#include <memory>
#include <vector>

#include "osgrid/os/sched/ready_queue.h"

namespace osgrid::os {

class PriorityQueue final : public ReadyQueuePolicy {
 public:
  /// `aging`: time units of waiting per priority step; 0 = no aging.
  /// Precondition: aging >= 0 (MakeSchedPolicy checks user input).
  explicit PriorityQueue(bool preemptive, std::int64_t aging = 0) : preemptive_(preemptive), aging_(aging) {}

  std::string_view name() const override { return preemptive_ ? "PRIORITY-P" : "PRIORITY"; }
  void Admit(const ReadyTask& task) override;
  std::optional<ReadyTask> PickNext() override;
  bool Remove(std::uint64_t id) override;
  std::size_t size() const override { return ready_queue_.size(); }
  /// Without aging: how many ready tasks are more urgent (then arrived
  /// earlier, then a lower id). With aging: nullopt, since a task that waits
  /// long enough overtakes others while nothing is admitted.
  std::optional<std::size_t> PositionOf(std::uint64_t id) const override;

  bool preemptive() const override { return preemptive_; }
  /// True when a ready task's effective priority is strictly lower (more
  /// urgent) than `running.priority`.
  bool ShouldPreempt(const ReadyTask& running) const override;
  void AdvanceTo(std::int64_t now) override { now_ = now; }
  /// With aging: the next time a waiting task's effective priority drops.
  std::optional<std::int64_t> NextWakeup() const override;

  /// `task`'s priority at the current time, after aging (see above).
  std::int64_t EffectivePriority(const ReadyTask& task) const;

 private:
  /// Index of the task PickNext would return. Precondition: not empty.
  std::size_t MostUrgent() const;

  bool preemptive_;
  std::int64_t aging_;
  std::int64_t now_ = 0;
  std::vector<ReadyTask> ready_queue_;  // a min-heap without aging; unordered with aging
};

/// A fresh non-preemptive PriorityQueue (the PRIORITY row of
/// sched_policies.cpp) with `params.aging`. Precondition (MakeSchedPolicy
/// checks it): aging >= 0. Never fails.
Expected<std::unique_ptr<ReadyQueuePolicy>> MakePriority(const SchedPolicyParams& params);
/// The same, preemptive (the PRIORITY-P row).
Expected<std::unique_ptr<ReadyQueuePolicy>> MakePreemptivePriority(const SchedPolicyParams& params);

}  // namespace osgrid::os
