// Priority scheduling, non-preemptive and preemptive, with optional aging.
// Source: Silberschatz 10e, 5.3.4.
// Tie-breaking: (effective) priority -> arrival -> id (see priority_queue.h).
#include "osgrid/os/sched/priority_queue.h"

#include <algorithm>
#include <tuple>

#include "osgrid/os/sched/sched_policies.h"

namespace osgrid::os {
namespace {

/// Min-heap order without aging: the front is the lowest priority number.
bool RunsLater(const ReadyTask& a, const ReadyTask& b) {
  return std::tie(a.priority, a.arrival_ms, a.id) > std::tie(b.priority, b.arrival_ms, b.id);
}

}  // namespace

std::int64_t PriorityQueue::EffectivePriority(const ReadyTask& task) const {
  if (aging_ <= 0 || task.priority <= 0) return task.priority;
  const std::int64_t waited = std::max<std::int64_t>(0, now_ - task.ready_since_ms);
  return std::max<std::int64_t>(0, task.priority - waited / aging_);
}

void PriorityQueue::Admit(const ReadyTask& task) {
  ready_queue_.push_back(task);
  if (aging_ == 0) std::push_heap(ready_queue_.begin(), ready_queue_.end(), RunsLater);
}

std::size_t PriorityQueue::MostUrgent() const {
  if (aging_ == 0) return 0;  // the heap's front
  std::size_t best = 0;
  for (std::size_t i = 1; i < ready_queue_.size(); ++i) {
    const ReadyTask& a = ready_queue_[i];
    const ReadyTask& b = ready_queue_[best];
    if (std::make_tuple(EffectivePriority(a), a.arrival_ms, a.id) <
        std::make_tuple(EffectivePriority(b), b.arrival_ms, b.id)) {
      best = i;
    }
  }
  return best;
}

std::optional<ReadyTask> PriorityQueue::PickNext() {
  if (ready_queue_.empty()) return std::nullopt;
  if (aging_ == 0)
    std::pop_heap(ready_queue_.begin(), ready_queue_.end(), RunsLater);
  else
    std::swap(ready_queue_[MostUrgent()], ready_queue_.back());
  ReadyTask next = ready_queue_.back();
  ready_queue_.pop_back();
  return next;
}

std::optional<std::size_t> PriorityQueue::PositionOf(std::uint64_t id) const {
  if (aging_ != 0) return std::nullopt;
  return PositionByKey(ready_queue_, id, RunsLater);
}

bool PriorityQueue::Remove(std::uint64_t id) {
  auto it = std::find_if(ready_queue_.begin(), ready_queue_.end(), [id](const ReadyTask& t) { return t.id == id; });
  if (it == ready_queue_.end()) return false;
  ready_queue_.erase(it);
  if (aging_ == 0) std::make_heap(ready_queue_.begin(), ready_queue_.end(), RunsLater);
  return true;
}

bool PriorityQueue::ShouldPreempt(const ReadyTask& running) const {
  if (!preemptive_ || ready_queue_.empty()) return false;
  return EffectivePriority(ready_queue_[MostUrgent()]) < running.priority;
}

std::optional<std::int64_t> PriorityQueue::NextWakeup() const {
  if (aging_ == 0) return std::nullopt;
  std::optional<std::int64_t> next;
  for (const ReadyTask& task : ready_queue_) {
    if (EffectivePriority(task) <= 0) continue;  // cannot age any further
    const std::int64_t waited = std::max<std::int64_t>(0, now_ - task.ready_since_ms);
    const std::int64_t step = task.ready_since_ms + (waited / aging_ + 1) * aging_;
    if (!next || step < *next) next = step;
  }
  return next;
}

Expected<std::unique_ptr<ReadyQueuePolicy>> MakePriority(const SchedPolicyParams& params) {
  return std::unique_ptr<ReadyQueuePolicy>(std::make_unique<PriorityQueue>(false, params.aging));
}

Expected<std::unique_ptr<ReadyQueuePolicy>> MakePreemptivePriority(const SchedPolicyParams& params) {
  return std::unique_ptr<ReadyQueuePolicy>(std::make_unique<PriorityQueue>(true, params.aging));
}

}  // namespace osgrid::os
