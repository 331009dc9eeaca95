// Stride scheduling.
// Source: OSTEP ch. 9.6 (fig. 9.3); Waldspurger 1995.
// Tie-breaking: pass -> arrival -> id (see stride_queue.h).
#include "osgrid/os/sched/stride_queue.h"

#include <algorithm>
#include <tuple>

#include "osgrid/os/sched/sched_policies.h"

namespace osgrid::os {
namespace {

bool RunsLater(const ReadyTask& a, const ReadyTask& b) {
  return std::tie(a.pass, a.arrival_ms, a.id) > std::tie(b.pass, b.arrival_ms, b.id);
}

}  // namespace

std::int64_t StrideQueue::Stride(std::int64_t tickets) const {
  return std::max<std::int64_t>(1, stride_constant_ / std::max<std::int64_t>(1, tickets));
}

void StrideQueue::Admit(const ReadyTask& task) {
  heap_.push_back(task);
  heap_.back().pass = std::max(task.pass, global_pass_);
  std::push_heap(heap_.begin(), heap_.end(), RunsLater);
}

std::optional<ReadyTask> StrideQueue::PickNext() {
  if (heap_.empty()) return std::nullopt;
  std::pop_heap(heap_.begin(), heap_.end(), RunsLater);
  ReadyTask lowest = heap_.back();
  heap_.pop_back();
  global_pass_ = lowest.pass;
  lowest.pass += Stride(lowest.tickets);
  return lowest;
}

std::optional<std::size_t> StrideQueue::PositionOf(std::uint64_t id) const {
  return PositionByKey(heap_, id, RunsLater);
}

bool StrideQueue::Remove(std::uint64_t id) {
  auto it = std::find_if(heap_.begin(), heap_.end(), [id](const ReadyTask& t) { return t.id == id; });
  if (it == heap_.end()) return false;
  heap_.erase(it);
  std::make_heap(heap_.begin(), heap_.end(), RunsLater);
  return true;
}

Expected<std::unique_ptr<ReadyQueuePolicy>> MakeStride(const SchedPolicyParams& params) {
  return std::unique_ptr<ReadyQueuePolicy>(std::make_unique<StrideQueue>(params.quantum, params.stride_constant));
}

}  // namespace osgrid::os
