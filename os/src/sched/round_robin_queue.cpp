// Round-robin ready queue.
// Source: OSTEP ch. 7.7; Silberschatz 10e, 5.3.3.
// Tie-breaking: admission order (see round_robin_queue.h).
#include "osgrid/os/sched/round_robin_queue.h"

#include <algorithm>

#include "osgrid/os/sched/sched_policies.h"

namespace osgrid::os {

void RoundRobinQueue::Admit(const ReadyTask& task) { ready_queue_.push_back(task); }

std::optional<ReadyTask> RoundRobinQueue::PickNext() {
  if (ready_queue_.empty()) return std::nullopt;
  ReadyTask head = ready_queue_.front();
  ready_queue_.pop_front();
  return head;
}

bool RoundRobinQueue::Remove(std::uint64_t id) {
  auto it = std::find_if(ready_queue_.begin(), ready_queue_.end(), [id](const ReadyTask& t) { return t.id == id; });
  if (it == ready_queue_.end()) return false;
  ready_queue_.erase(it);
  return true;
}

Expected<std::unique_ptr<ReadyQueuePolicy>> MakeRoundRobin(const SchedPolicyParams& params) {
  return std::unique_ptr<ReadyQueuePolicy>(std::make_unique<RoundRobinQueue>(params.quantum));
}

}  // namespace osgrid::os
