// Stride scheduling: the deterministic cousin of lottery scheduling. Each
// task has a stride = L / tickets and a pass value; the ready task with the
// lowest pass runs for one quantum, and its pass grows by its stride.
//
// Source: OSTEP ch. 9.6 "Stride Scheduling" (fig. 9.3); Waldspurger, "Lottery
//         and Stride Scheduling", MIT PhD thesis, 1995.
//
// Stride: L / tickets (integer division), L = 10,000 by default as in OSTEP;
// a task with more than L tickets gets stride 1.
// Pass: kept in ReadyTask::pass by the caller between runs. PickNext removes
// the lowest-pass task, remembers that pass as the global pass, and returns
// the task with pass += stride (OSTEP's pseudocode charges one stride per
// pick). A task joining the queue with a pass below the global pass (a new
// task has pass 0; one back from I/O may lag behind) is lifted to the global
// pass, so it cannot monopolise the CPU (OSTEP 9.6's remark on new jobs).
// Tie-breaking: equal pass -> earlier arrival_ms -> lower id (fig. 9.3 runs
// A, B, C in that order when all three passes are 0).
// Cost: a binary min-heap, O(log n) Admit and PickNext, O(n) Remove.
#pragma once

#include <memory>
#include <vector>

#include "osgrid/os/sched/ready_queue.h"

namespace osgrid::os {

class StrideQueue final : public ReadyQueuePolicy {
 public:
  static constexpr std::int64_t kDefaultStrideConstant = 10'000;  // OSTEP's "large number" L

  /// Preconditions: quantum > 0, stride_constant > 0, tickets >= 1.
  explicit StrideQueue(std::int64_t quantum, std::int64_t stride_constant = kDefaultStrideConstant)
      : quantum_(quantum), stride_constant_(stride_constant) {}

  std::string_view name() const override { return "STRIDE"; }
  void Admit(const ReadyTask& task) override;
  std::optional<ReadyTask> PickNext() override;
  bool Remove(std::uint64_t id) override;
  std::size_t size() const override { return heap_.size(); }
  std::int64_t quantum() const override { return quantum_; }
  /// How many ready tasks have a lower pass (then arrived earlier, then a
  /// lower id): a waiting task's pass does not change.
  std::optional<std::size_t> PositionOf(std::uint64_t id) const override;

  /// L / tickets, at least 1.
  std::int64_t Stride(std::int64_t tickets) const;
  /// The pass of the last task picked, before its stride was added.
  std::int64_t global_pass() const { return global_pass_; }

 private:
  std::int64_t quantum_;
  std::int64_t stride_constant_;
  std::int64_t global_pass_ = 0;
  std::vector<ReadyTask> heap_;  // min-heap: front = lowest pass
};

/// A fresh StrideQueue (the STRIDE row of sched_policies.cpp) with
/// `params.quantum` and `params.stride_constant`. Preconditions
/// (MakeSchedPolicy checks them): both > 0. Never fails.
Expected<std::unique_ptr<ReadyQueuePolicy>> MakeStride(const SchedPolicyParams& params);

}  // namespace osgrid::os
