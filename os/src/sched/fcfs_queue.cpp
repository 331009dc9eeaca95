// First-come, first-served ready queue.
// Source: OSTEP ch. 7.3 "First In, First Out (FIFO)"; Silberschatz 10e, 5.3.1.
// Tie-breaking: admission order (the caller admits in arrival order).
#include "osgrid/os/sched/ready_queue.h"

#include <algorithm>

namespace osgrid::os {

void FcfsQueue::Admit(const ReadyTask& task) { ready_queue_.push_back(task); }

std::optional<ReadyTask> FcfsQueue::PickNext() {
  if (ready_queue_.empty()) return std::nullopt;
  ReadyTask next = ready_queue_.front();
  ready_queue_.pop_front();
  return next;
}

bool FcfsQueue::Remove(std::uint64_t id) {
  auto it =
      std::find_if(ready_queue_.begin(), ready_queue_.end(), [id](const ReadyTask& task) { return task.id == id; });
  if (it == ready_queue_.end()) return false;
  ready_queue_.erase(it);
  return true;
}

Expected<std::unique_ptr<ReadyQueuePolicy>> MakeFcfs(const SchedPolicyParams& /*params*/) {
  return std::unique_ptr<ReadyQueuePolicy>(std::make_unique<FcfsQueue>());
}

}  // namespace osgrid::os
