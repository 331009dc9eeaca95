// Shortest-job-first: the ready task with the shortest next CPU burst runs
// next. Non-preemptive: a task keeps the CPU until its burst ends.
//
// Source: OSTEP ch. 7.4 "Shortest Job First (SJF)";
//         Silberschatz 10e, 5.3.2 "Shortest-Job-First Scheduling".
//
// Key: expected_burst_ms (the next CPU burst; the simulator knows it exactly,
// a real system would predict it by exponential averaging, 5.3.2).
// Tie-breaking: equal bursts -> earlier arrival_ms -> lower id, so jobs of
// equal length that arrive together run in input order (as scheduler.py).
// Cost: a binary min-heap, O(log n) Admit and PickNext, O(n) Remove.
#pragma once

#include <memory>
#include <vector>

#include "osgrid/os/sched/ready_queue.h"

namespace osgrid::os {

class SjfQueue : public ReadyQueuePolicy {
 public:
  std::string_view name() const override { return "SJF"; }
  void Admit(const ReadyTask& task) override;
  std::optional<ReadyTask> PickNext() override;
  bool Remove(std::uint64_t id) override;
  std::size_t size() const override { return heap_.size(); }
  /// How many ready tasks have a shorter burst (then arrived earlier, then a lower id).
  std::optional<std::size_t> PositionOf(std::uint64_t id) const override;

 protected:
  /// The task PickNext would return, without removing it; nullptr when empty.
  const ReadyTask* Shortest() const { return heap_.empty() ? nullptr : &heap_.front(); }

 private:
  std::vector<ReadyTask> heap_;  // min-heap: front = shortest burst
};

/// A fresh SjfQueue (the SJF row of sched_policies.cpp); no knobs, never fails.
Expected<std::unique_ptr<ReadyQueuePolicy>> MakeSjf(const SchedPolicyParams& params);

}  // namespace osgrid::os
