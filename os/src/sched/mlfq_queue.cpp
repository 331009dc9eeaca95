// The Multi-Level Feedback Queue as a ready-queue policy (MlfqQueue).
// Source: OSTEP ch. 8, Rules 1-5 (8.1-8.3) and 8.4 "Attempt #3: Better
//         Accounting"; Silberschatz 10e, 5.3.6.
// Tie-breaking: FIFO within each queue; a boost appends the ready tasks of
// queue 0, then queue 1, ... behind those already in the top queue, in the
// order of mlfq.cpp's MlfqScheduler::Boost (and mlfq.py). See mlfq_queue.h.
#include "osgrid/os/sched/mlfq_queue.h"

#include <algorithm>
#include <string>
#include <utility>

#include "osgrid/os/sched/mlfq.h"
#include "osgrid/os/sched/sched_policies.h"

namespace osgrid::os {
namespace {

constexpr std::int64_t kMaxQuantum = 1'000'000'000'000;  // 10^12: quantum x allotment stays below 2^63
constexpr std::int64_t kMaxAllotment = 1'000'000;

std::string Str(std::int64_t value) { return std::to_string(value); }

/// "the quantum of queue 0 (item 2 of the quanta, top queue first)".
std::string Item(const char* what, const char* list, std::size_t index, std::size_t queues) {
  const auto queue = static_cast<std::int64_t>(queues - 1 - index);
  return std::string("the ") + what + " of queue " + Str(queue) + " (item " +
         Str(static_cast<std::int64_t>(index + 1)) + " of the " + list + ", top queue first)";
}

/// Every quantum in 1..kMaxQuantum, every allotment in 1..kMaxAllotment.
Expected<bool> CheckLevels(const MlfqConfig& config) {
  const std::size_t n = config.quanta.size();
  for (std::size_t i = 0; i < n; ++i) {
    const std::int64_t quantum = config.quanta[i], allotment = config.allotments[i];
    if (quantum <= 0) return Fail("MLFQ: " + Item("quantum", "quanta", i, n) + " must be > 0, got " + Str(quantum));
    if (quantum > kMaxQuantum) return Fail("MLFQ: " + Item("quantum", "quanta", i, n) + " must be at most 10^12");
    if (allotment <= 0)
      return Fail("MLFQ: " + Item("allotment", "allotments", i, n) + " must be >= 1, got " + Str(allotment));
    if (allotment > kMaxAllotment)
      return Fail("MLFQ: " + Item("allotment", "allotments", i, n) + " must be at most 10^6");
  }
  return true;
}

}  // namespace

// ---- Building one ------------------------------------------------------------------

Expected<MlfqQueue> MlfqQueue::Create(const SchedPolicyParams& params) {
  MlfqConfig config;  // mlfq.h's: the same lists, checked by the same function
  config.quanta = params.mlfq_quanta.empty() ? std::vector<std::int64_t>(3, params.quantum) : params.mlfq_quanta;
  config.allotments =
      params.mlfq_allotments.empty() ? std::vector<std::int64_t>(config.quanta.size(), 1) : params.mlfq_allotments;
  if (Expected<MlfqConfig> valid = ValidateMlfqConfig(config); !valid) return Fail("MLFQ: " + valid.error().message);
  if (Expected<bool> levels = CheckLevels(config); !levels) return levels.error();
  if (params.mlfq_boost < 0) return Fail("MLFQ: the boost period must be >= 0, got " + Str(params.mlfq_boost));
  return MlfqQueue(std::move(config.quanta), std::move(config.allotments), params.mlfq_boost);
}

MlfqQueue::MlfqQueue(std::vector<std::int64_t> quanta, std::vector<std::int64_t> allotments, std::int64_t boost)
    : quanta_(std::move(quanta)), allotments_(std::move(allotments)), boost_(boost), queues_(quanta_.size()) {}

Expected<std::unique_ptr<ReadyQueuePolicy>> MakeMlfq(const SchedPolicyParams& params) {
  Expected<MlfqQueue> made = MlfqQueue::Create(params);
  if (!made) return made.error();
  return std::unique_ptr<ReadyQueuePolicy>(std::make_unique<MlfqQueue>(std::move(made).value()));
}

// The lists are top queue first; queue numbers count from the bottom.
std::int64_t MlfqQueue::QuantumOf(int queue) const { return quanta_.at(static_cast<std::size_t>(top_queue() - queue)); }

std::int64_t MlfqQueue::AllotmentOf(int queue) const {
  return allotments_.at(static_cast<std::size_t>(top_queue() - queue));
}

// ---- The ready queues (Rules 1-3) ------------------------------------------------------

void MlfqQueue::Admit(const ReadyTask& task) {
  auto [it, is_new] = tasks_.try_emplace(task.id);
  TaskState& state = it->second;
  if (is_new) state.queue = top_queue();  // Rule 3
  if (state.ready) TakeOut(task.id, state);
  state.running = false;
  state.boosted_while_running = false;
  queues_[static_cast<std::size_t>(state.queue)].push_back(task);
  state.ready = true;
  ++ready_;
}

std::optional<ReadyTask> MlfqQueue::PickNext() {
  for (int q = top_queue(); q >= 0; --q) {  // Rule 1: the highest queue first
    auto& queue = queues_[static_cast<std::size_t>(q)];
    if (queue.empty()) continue;
    ReadyTask next = queue.front();  // Rule 2: FIFO, and back of the queue when it returns
    queue.pop_front();
    --ready_;
    TaskState& state = tasks_.at(next.id);
    state.ready = false;
    state.running = true;
    return next;
  }
  return std::nullopt;
}

std::optional<std::size_t> MlfqQueue::PositionOf(std::uint64_t id) const {
  auto it = tasks_.find(id);
  if (boost_ > 0 || it == tasks_.end() || !it->second.ready) return std::nullopt;
  std::size_t before = 0;
  for (int q = top_queue(); q > it->second.queue; --q) before += queues_[static_cast<std::size_t>(q)].size();
  std::optional<std::size_t> in_queue = PositionInQueue(queues_[static_cast<std::size_t>(it->second.queue)], id);
  if (!in_queue) return std::nullopt;
  return before + *in_queue;
}

bool MlfqQueue::Remove(std::uint64_t id) {
  auto it = tasks_.find(id);
  if (it == tasks_.end()) return false;
  const bool was_ready = it->second.ready;
  if (was_ready) TakeOut(id, it->second);
  tasks_.erase(it);
  return was_ready;
}

void MlfqQueue::TakeOut(std::uint64_t id, TaskState& task) {
  auto& queue = queues_[static_cast<std::size_t>(task.queue)];
  auto it = std::find_if(queue.begin(), queue.end(), [id](const ReadyTask& t) { return t.id == id; });
  if (it != queue.end()) queue.erase(it);
  task.ready = false;
  --ready_;
}

int MlfqQueue::QueueOrTop(std::uint64_t id) const {
  auto it = tasks_.find(id);
  return it == tasks_.end() ? top_queue() : it->second.queue;
}

bool MlfqQueue::ShouldPreempt(const ReadyTask& running) const {
  const int level = QueueOrTop(running.id);
  for (int q = top_queue(); q > level; --q) {  // Rule 1: only a strictly higher queue
    if (!queues_[static_cast<std::size_t>(q)].empty()) return true;
  }
  return false;
}

// ---- Slices and accounting (Rule 4, OSTEP 8.4) -----------------------------------------

std::int64_t MlfqQueue::SliceFor(const ReadyTask& task) const {
  auto it = tasks_.find(task.id);
  if (it == tasks_.end()) return quantum();
  return std::max<std::int64_t>(1, QuantumOf(it->second.queue) - it->second.used_of_slice);
}

void MlfqQueue::Ran(const ReadyTask& task, std::int64_t cpu, RunEnd end) {
  auto it = tasks_.find(task.id);
  if (it == tasks_.end()) return;
  if (end == RunEnd::kFinished || end == RunEnd::kCancelled) {
    Remove(task.id);
    return;
  }
  TaskState& state = it->second;
  // A boost during the run gave it a fresh start at the top: only the time
  // since then counts there.
  if (state.boosted_while_running) cpu = std::min(cpu, now_ - last_boost_);
  state.running = false;
  state.boosted_while_running = false;
  Charge(state, cpu, end);
}

// Rule 4: the allotment of a level is allotment x quantum of CPU time,
// counted across every run at that level (8.4), however the task gave the
// CPU up. Charging more than that has the effect of charging that much: a
// task moves down one queue at a time.
void MlfqQueue::Charge(TaskState& task, std::int64_t cpu, RunEnd end) {
  const std::int64_t quantum = QuantumOf(task.queue);
  const std::int64_t allotment = AllotmentOf(task.queue) * quantum;
  cpu = std::clamp<std::int64_t>(cpu, 0, allotment);
  task.used_at_level += cpu;
  task.used_of_slice += cpu;
  if (task.used_at_level >= allotment) {
    task.queue = std::max(0, task.queue - 1);  // at the bottom it stays, with a fresh allotment
    task.used_at_level = 0;
    task.used_of_slice = 0;
  } else if (end == RunEnd::kSliceExpired || task.used_of_slice >= quantum) {
    task.used_of_slice = 0;  // Rule 2: a fresh slice at the same level
  }
}

// ---- Priority boost (Rule 5) ------------------------------------------------------------

void MlfqQueue::AdvanceTo(std::int64_t now) {
  now_ = now;
  if (boost_ <= 0 || now <= 0) return;
  const std::int64_t due = now / boost_ * boost_;  // the last multiple of S at or before now
  if (due > last_boost_) Boost(due);
}

std::optional<std::int64_t> MlfqQueue::NextWakeup() const {
  if (boost_ <= 0) return std::nullopt;
  return (std::max<std::int64_t>(now_, 0) / boost_ + 1) * boost_;
}

// OSTEP 8.3: "After some time period S, move all the jobs in the system to
// the topmost queue." The ready tasks of queue 0, then queue 1, ... join the
// back of the top queue (as MlfqScheduler::Boost and mlfq.py do); every task
// known, ready, running or blocked, starts afresh at the top.
void MlfqQueue::Boost(std::int64_t at) {
  auto& top = queues_[static_cast<std::size_t>(top_queue())];
  for (int q = 0; q < top_queue(); ++q) {
    auto& queue = queues_[static_cast<std::size_t>(q)];
    top.insert(top.end(), queue.begin(), queue.end());
    queue.clear();
  }
  for (auto& [id, task] : tasks_) {
    task.queue = top_queue();
    task.used_at_level = 0;
    task.used_of_slice = 0;
    if (task.running) task.boosted_while_running = true;
  }
  last_boost_ = at;
}

// ---- Inspection ----------------------------------------------------------------------

std::optional<int> MlfqQueue::QueueOf(std::uint64_t id) const {
  auto it = tasks_.find(id);
  if (it == tasks_.end()) return std::nullopt;
  return it->second.queue;
}

std::int64_t MlfqQueue::UsedAtLevel(std::uint64_t id) const {
  auto it = tasks_.find(id);
  return it == tasks_.end() ? 0 : it->second.used_at_level;
}

}  // namespace osgrid::os
