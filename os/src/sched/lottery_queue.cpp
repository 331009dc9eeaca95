// Lottery scheduling.
// Source: OSTEP ch. 9.1-9.3 and 9.5 (fig. 9.1, the winner walk); Waldspurger & Weihl 1994.
// Tie-breaking: none; the seeded draw decides (see lottery_queue.h).
#include "osgrid/os/sched/lottery_queue.h"

#include <algorithm>

#include "osgrid/os/sched/sched_policies.h"

namespace osgrid::os {

void LotteryQueue::Admit(const ReadyTask& task) {
  const std::size_t id = static_cast<std::size_t>(task.id);
  if (id >= tasks_.size()) {  // grow by doubling: amortized O(1) per id
    const std::size_t capacity = std::max<std::size_t>(id + 1, 2 * tasks_.size());
    tasks_.resize(capacity);
    queued_.resize(capacity, false);
    tickets_.Resize(capacity);
  }
  if (queued_[id]) Take(id);  // admitted twice: keep the newer copy
  tasks_[id] = task;
  queued_[id] = true;
  tickets_.Add(id, task.tickets);
  total_tickets_ += task.tickets;
  ++size_;
}

void LotteryQueue::Take(std::size_t id) {
  tickets_.Add(id, -tasks_[id].tickets);
  total_tickets_ -= tasks_[id].tickets;
  queued_[id] = false;
  --size_;
}

std::optional<ReadyTask> LotteryQueue::PickNext() {
  if (size_ == 0) return std::nullopt;
  const std::int64_t winning_ticket = rng_.Uniform(0, total_tickets_ - 1);
  const std::size_t winner = tickets_.Find(winning_ticket);
  Take(winner);
  return tasks_[winner];
}

bool LotteryQueue::Remove(std::uint64_t id) {
  if (id >= tasks_.size() || !queued_[id]) return false;
  Take(static_cast<std::size_t>(id));
  return true;
}

Expected<std::unique_ptr<ReadyQueuePolicy>> MakeLottery(const SchedPolicyParams& params) {
  return std::unique_ptr<ReadyQueuePolicy>(std::make_unique<LotteryQueue>(params.quantum, params.seed));
}

}  // namespace osgrid::os
