// Shortest-remaining-time-first (preemptive SJF; OSTEP calls it STCF,
// shortest time-to-completion first): SJF, plus a newly ready task whose
// burst is strictly shorter than what is left of the running task's burst
// takes the CPU.
//
// Source: OSTEP ch. 7.5 "Shortest Time-to-Completion First (STCF)";
//         Silberschatz 10e, 5.3.2 (preemptive SJF, "shortest-remaining-time-first").
//
// Key: expected_burst_ms = what is left of the task's current CPU burst (the
// caller updates it when it admits a preempted task again).
// Tie-breaking: as SjfQueue (remaining -> arrival_ms -> id); a ready task
// whose remaining time EQUALS the running task's does not preempt it.
// Cost: O(log n) Admit and PickNext, O(1) ShouldPreempt.
#pragma once

#include <memory>

#include "osgrid/os/sched/sjf_queue.h"

namespace osgrid::os {

class SrtfQueue final : public SjfQueue {
 public:
  std::string_view name() const override { return "SRTF"; }
  bool preemptive() const override { return true; }
  /// True when a ready task has strictly less left to run than `running`.
  bool ShouldPreempt(const ReadyTask& running) const override;
};

/// A fresh SrtfQueue (the SRTF row of sched_policies.cpp); no knobs, never fails.
Expected<std::unique_ptr<ReadyQueuePolicy>> MakeSrtf(const SchedPolicyParams& params);

}  // namespace osgrid::os
