// Shortest-job-first ready queue.
// Source: OSTEP ch. 7.4; Silberschatz 10e, 5.3.2.
// Tie-breaking: burst -> arrival -> id (see sjf_queue.h).
#include "osgrid/os/sched/sjf_queue.h"

#include <algorithm>
#include <tuple>

namespace osgrid::os {
namespace {

/// std::push_heap keeps the LARGEST element at the front, so "greater" makes a
/// min-heap: the front is the shortest burst, then earliest arrival, lowest id.
bool RunsLater(const ReadyTask& a, const ReadyTask& b) {
  return std::tie(a.expected_burst_ms, a.arrival_ms, a.id) > std::tie(b.expected_burst_ms, b.arrival_ms, b.id);
}

}  // namespace

void SjfQueue::Admit(const ReadyTask& task) {
  heap_.push_back(task);
  std::push_heap(heap_.begin(), heap_.end(), RunsLater);
}

std::optional<ReadyTask> SjfQueue::PickNext() {
  if (heap_.empty()) return std::nullopt;
  std::pop_heap(heap_.begin(), heap_.end(), RunsLater);
  ReadyTask shortest = heap_.back();
  heap_.pop_back();
  return shortest;
}

std::optional<std::size_t> SjfQueue::PositionOf(std::uint64_t id) const { return PositionByKey(heap_, id, RunsLater); }

bool SjfQueue::Remove(std::uint64_t id) {
  auto it = std::find_if(heap_.begin(), heap_.end(), [id](const ReadyTask& task) { return task.id == id; });
  if (it == heap_.end()) return false;
  heap_.erase(it);
  std::make_heap(heap_.begin(), heap_.end(), RunsLater);
  return true;
}

Expected<std::unique_ptr<ReadyQueuePolicy>> MakeSjf(const SchedPolicyParams& /*params*/) {
  return std::unique_ptr<ReadyQueuePolicy>(std::make_unique<SjfQueue>());
}

}  // namespace osgrid::os
