// Round robin: FCFS order, but a task runs for at most one time slice
// (quantum) and then goes to the tail of the ready queue.
//
// Source: OSTEP ch. 7.7 "Round Robin"; Silberschatz 10e, 5.3.3 "Round-Robin Scheduling".
//
// The caller (the simulator, the peer) stops the running task when its
// quantum expires and admits it again. Tie-breaking is admission order; the
// simulator admits the tasks that become ready at an instant (arrivals, I/O
// completions) BEFORE the task whose quantum expired at that same instant,
// as in Silberschatz 5.3.3 and OSTEP's scheduler.py.
// If the ready queue is empty when the quantum expires, the same task is
// picked again and keeps the CPU (no context switch).
// Cost: O(1) Admit and PickNext, O(n) Remove.
#pragma once

#include <deque>
#include <memory>

#include "osgrid/os/sched/ready_queue.h"

namespace osgrid::os {

class RoundRobinQueue final : public ReadyQueuePolicy {
 public:
  /// Precondition: quantum > 0 (MakeSchedPolicy checks user input).
  explicit RoundRobinQueue(std::int64_t quantum) : quantum_(quantum) {}

  std::string_view name() const override { return "RR"; }
  void Admit(const ReadyTask& task) override;
  std::optional<ReadyTask> PickNext() override;
  bool Remove(std::uint64_t id) override;
  std::size_t size() const override { return ready_queue_.size(); }
  std::int64_t quantum() const override { return quantum_; }
  /// Its index from the head.
  std::optional<std::size_t> PositionOf(std::uint64_t id) const override { return PositionInQueue(ready_queue_, id); }

 private:
  std::int64_t quantum_;
  std::deque<ReadyTask> ready_queue_;  // front = next to run, back = tail
};

/// A fresh RoundRobinQueue (the RR row of sched_policies.cpp) with time slice
/// `params.quantum`. Precondition (MakeSchedPolicy checks it): quantum > 0.
/// Never fails.
Expected<std::unique_ptr<ReadyQueuePolicy>> MakeRoundRobin(const SchedPolicyParams& params);

}  // namespace osgrid::os
