// Lottery scheduling: every quantum a ticket is drawn at random among the
// tickets of the ready tasks; its holder runs for the next quantum. Over
// time each task gets a share of the CPU proportional to its tickets.
//
// Source: OSTEP ch. 9 "Scheduling: Proportional Share" (9.1-9.3, 9.5);
//         Waldspurger and Weihl, "Lottery Scheduling", OSDI 1994.
//
// The draw: winner = Rng::Uniform(0, total tickets - 1); the tasks' tickets
// are laid out in id order (OSTEP fig. 9.1 walks the job list the same
// way; the simulator's ids are arrival ranks, so for jobs that all arrive
// at t=0 that is the input order), and the holder of that ticket wins. A Fenwick tree over the ids
// finds it in O(log n) instead of walking the list. Same seed, same draws,
// same schedule.
// Ids index the tree directly, so they must be small (the simulator's are
// 0..n-1, the peer's a counter): memory is O(largest id).
// Tie-breaking: none is needed (the draw decides); the task whose quantum
// expired is in the draw again, so it may win and keep the CPU.
// Cost: O(log n) Admit, PickNext and Remove (amortized: the tree doubles
// when a larger id arrives).
#pragma once

#include <memory>
#include <vector>

#include "osgrid/os/random.h"
#include "osgrid/os/sched/fenwick_tree.h"
#include "osgrid/os/sched/ready_queue.h"

namespace osgrid::os {

class LotteryQueue final : public ReadyQueuePolicy {
 public:
  /// Preconditions: quantum > 0; every admitted task has tickets >= 1.
  LotteryQueue(std::int64_t quantum, std::uint64_t seed) : quantum_(quantum), rng_(seed) {}

  std::string_view name() const override { return "LOTTERY"; }
  void Admit(const ReadyTask& task) override;
  std::optional<ReadyTask> PickNext() override;
  bool Remove(std::uint64_t id) override;
  std::size_t size() const override { return size_; }
  std::int64_t quantum() const override { return quantum_; }

  /// Tickets held by the ready tasks.
  std::int64_t total_tickets() const { return total_tickets_; }

 private:
  void Take(std::size_t id);

  std::int64_t quantum_;
  Rng rng_;
  FenwickTree tickets_;           // tickets_.Weight(id) = tickets of task id if ready, else 0
  std::vector<ReadyTask> tasks_;  // tasks_[id], valid while queued_[id]
  std::vector<bool> queued_;
  std::int64_t total_tickets_ = 0;
  std::size_t size_ = 0;
};

/// A fresh LotteryQueue (the LOTTERY row of sched_policies.cpp) with
/// `params.quantum` and `params.seed`. Precondition (MakeSchedPolicy checks
/// it): quantum > 0. Never fails.
Expected<std::unique_ptr<ReadyQueuePolicy>> MakeLottery(const SchedPolicyParams& params);

}  // namespace osgrid::os
