// The folds of replay.h: a simulation's picture rebuilt from its events.
// Source: Silberschatz 10e 5.2-5.3 (the Gantt chart, waiting time), 9.2
// (the memory map), 10.4 (the frame table); OSTEP ch. 7, 17 and 22.
#include "osgrid/os/events/replay.h"

#include <algorithm>
#include <charconv>
#include <iterator>
#include <map>
#include <string_view>
#include <unordered_map>
#include <utility>

namespace osgrid::os::events {
namespace {

/// A time or size as a person writes it: "6", "2.5".
std::string Num(double value) {
  char text[32];
  const auto end = std::to_chars(text, text + sizeof text, value).ptr;
  return std::string(text, end);
}

/// "seq 14 (t 6): task.running of 'B': " + what: an error about `event`.
InputError At(const Event& event, std::string_view subject, const std::string& what) {
  std::string where =
      "seq " + std::to_string(event.seq) + " (t " + Num(event.t) + "): " + std::string(TypeOf(event.body));
  if (!subject.empty()) where += " of '" + std::string(subject) + "'";
  return Fail(where + ": " + what);
}

// ---- scheduling -----------------------------------------------------------------

/// The state machine of replay.h's ReplaySchedule: one CPU, its tasks.
class ScheduleFold {
 public:
  /// Applies one event; nullopt when it fits, else why not.
  std::optional<InputError> Apply(const Event& event) {
    if (event.t < now_) return At(event, "", "time goes back (the event before was at t " + Num(now_) + ")");
    now_ = event.t;
    if (const auto* e = std::get_if<TaskSubmitted>(&event.body)) return Submitted(event, *e);
    if (const auto* e = std::get_if<TaskQueued>(&event.body)) return Queued(event, *e);
    if (const auto* e = std::get_if<CpuSwitch>(&event.body)) return Switch(event, *e);
    if (const auto* e = std::get_if<TaskRunning>(&event.body)) return Running(event, *e);
    if (const auto* e = std::get_if<TaskPreempted>(&event.body)) return Stopped(event, e->task_id, State::kPreempted);
    if (const auto* e = std::get_if<TaskBlocked>(&event.body)) return Stopped(event, e->task_id, State::kBlocked);
    if (const auto* e = std::get_if<TaskZombie>(&event.body)) return Stopped(event, e->task_id, State::kZombie);
    if (const auto* e = std::get_if<TaskFinished>(&event.body)) return Finished(event, *e);
    return std::nullopt;  // task.reparented among them: a new parent changes no time
  }

  ScheduleReplay Take() && { return std::move(out_); }

 private:
  enum class State { kSubmitted, kReady, kRunning, kPreempted, kBlocked, kZombie, kFinished };
  struct Life {
    std::size_t index = 0;  // into out_.tasks
    State state = State::kSubmitted;
    double since = 0;  // when it entered `state`
  };

  static const char* Name(State state) {
    switch (state) {
      case State::kSubmitted:
        return "submitted";
      case State::kReady:
        return "ready";
      case State::kRunning:
        return "running";
      case State::kPreempted:
        return "preempted";
      case State::kBlocked:
        return "blocked";
      case State::kZombie:
        return "a zombie";
      case State::kFinished:
        return "finished";
    }
    return "?";
  }

  TaskTimes& Times(const std::string& task) { return out_.tasks[tasks_.at(task).index]; }

  /// The task's life, if it was submitted and is in one of `allowed`; else the error.
  std::optional<InputError> Expect(const Event& event, const std::string& task, std::initializer_list<State> allowed) {
    auto it = tasks_.find(task);
    if (it == tasks_.end()) return At(event, task, "it was never submitted");
    for (State state : allowed) {
      if (it->second.state == state) return std::nullopt;
    }
    return At(event, task, std::string("it is ") + Name(it->second.state));
  }

  std::optional<InputError> Submitted(const Event& event, const TaskSubmitted& e) {
    if (tasks_.count(e.task_id) != 0) return At(event, e.task_id, "it was submitted before");
    tasks_[e.task_id] = Life{out_.tasks.size(), State::kSubmitted, event.t};
    out_.tasks.push_back(TaskTimes{.task_id = e.task_id, .submitted = event.t});
    return std::nullopt;
  }

  std::optional<InputError> Queued(const Event& event, const TaskQueued& e) {
    if (auto error = Expect(event, e.task_id, {State::kSubmitted, State::kPreempted, State::kBlocked})) return error;
    Life& life = tasks_[e.task_id];
    if (life.state == State::kBlocked) Times(e.task_id).io += event.t - life.since;
    life = Life{life.index, State::kReady, event.t};
    return std::nullopt;
  }

  std::optional<InputError> Switch(const Event& event, const CpuSwitch& e) {
    if (auto error = Expect(event, e.to, {State::kReady})) return error;
    if (running_) return At(event, e.to, "the CPU is running '" + *running_ + "'");
    if (switch_to_) return At(event, e.to, "the CPU is still switching to '" + *switch_to_ + "'");
    if (e.cost_ms < 0) return At(event, e.to, "its cost is negative");
    IdleUntil(event.t);
    Push(GanttBar{GanttBar::Kind::kSwitch, event.t, event.t + e.cost_ms, e.to});
    busy_until_ = event.t + e.cost_ms;
    switch_to_ = e.to;
    ++out_.context_switches;
    out_.switching += e.cost_ms;
    return std::nullopt;
  }

  std::optional<InputError> Running(const Event& event, const TaskRunning& e) {
    if (auto error = Expect(event, e.task_id, {State::kReady})) return error;
    if (running_) return At(event, e.task_id, "the CPU is running '" + *running_ + "'");
    if (switch_to_ && *switch_to_ != e.task_id) {
      return At(event, e.task_id, "the CPU is switching to '" + *switch_to_ + "'");
    }
    if (switch_to_ && event.t != busy_until_) {
      return At(event, e.task_id, "its switch ends at t " + Num(busy_until_) + ", not now");
    }
    switch_to_.reset();
    IdleUntil(event.t);
    Life& life = tasks_[e.task_id];
    Times(e.task_id).wait += event.t - life.since;
    life = Life{life.index, State::kRunning, event.t};
    running_ = e.task_id;
    return std::nullopt;
  }

  /// The task ends: it stops running now, or it stopped when it became a
  /// zombie (its run ended there; the time until now is its parent's wait).
  std::optional<InputError> Finished(const Event& event, const TaskFinished& e) {
    if (auto error = Expect(event, e.task_id, {State::kRunning, State::kZombie})) return error;
    if (tasks_[e.task_id].state == State::kZombie) {
      tasks_[e.task_id].state = State::kFinished;
    } else if (auto error = Stopped(event, e.task_id, State::kFinished)) {
      return error;
    }
    Times(e.task_id).finished = event.t;
    Times(e.task_id).report = e;
    return std::nullopt;
  }

  /// The running task stops: preempted, blocked, a zombie or finished.
  std::optional<InputError> Stopped(const Event& event, const std::string& task, State next) {
    if (auto error = Expect(event, task, {State::kRunning})) return error;
    Life& life = tasks_[task];
    TaskTimes& times = Times(task);
    if (event.t > life.since) {
      times.cpu += event.t - life.since;
      if (!times.first_run) times.first_run = life.since;
      Push(GanttBar{GanttBar::Kind::kRun, life.since, event.t, task});
      busy_until_ = event.t;
    }
    life = Life{life.index, next, event.t};
    running_.reset();
    return std::nullopt;
  }

  /// The CPU idled from the end of its last run or switch until t.
  void IdleUntil(double t) {
    if (t > busy_until_) Push(GanttBar{GanttBar::Kind::kIdle, busy_until_, t, ""});
    busy_until_ = std::max(busy_until_, t);
  }

  /// Appends a bar, merged with the one before when they are the same run or both idle.
  void Push(GanttBar bar) {
    if (bar.start == bar.end) return;
    if (!out_.gantt.empty()) {
      GanttBar& last = out_.gantt.back();
      if (last.kind == bar.kind && last.task_id == bar.task_id && last.end == bar.start &&
          bar.kind != GanttBar::Kind::kSwitch) {
        last.end = bar.end;
        return;
      }
    }
    out_.gantt.push_back(std::move(bar));
  }

  ScheduleReplay out_;
  std::unordered_map<std::string, Life> tasks_;
  std::optional<std::string> running_;    // the task on the CPU
  std::optional<std::string> switch_to_;  // the task a switch hands the CPU to, until it runs
  double busy_until_ = 0;                 // where the last run or switch ends
  double now_ = 0;                        // the last event's t
};

// ---- memory allocation ------------------------------------------------------------

/// The state of replay.h's ReplayHeap: the allocated blocks, by address.
class HeapFold {
 public:
  HeapFold(std::uint64_t base, std::uint64_t size) : base_(base), end_(base + size) {}

  std::optional<InputError> Apply(const Event& event) {
    if (const auto* e = std::get_if<MemAlloc>(&event.body)) return Alloc(event, *e);
    if (const auto* e = std::get_if<MemFree>(&event.body)) return Free(event, *e);
    if (const auto* e = std::get_if<MemFailed>(&event.body)) {
      ++out_.failures;
      if (e->reason == "fragmentation") ++out_.fragmentation_failures;
    }
    if (const auto* e = std::get_if<MemCompact>(&event.body)) return Compact(event, *e);
    return std::nullopt;
  }

  /// The map: allocated blocks and the holes between them.
  HeapReplay Take() && {
    std::uint64_t at = base_;
    for (auto& [address, block] : live_) {
      if (address > at) out_.blocks.push_back(HeapBlockView{.address = at, .size = address - at});
      at = address + block.size;
      out_.allocated_bytes += block.size;
      out_.blocks.push_back(std::move(block));
    }
    if (at < end_) out_.blocks.push_back(HeapBlockView{.address = at, .size = end_ - at});
    out_.free_bytes = (end_ - base_) - out_.allocated_bytes;
    return std::move(out_);
  }

 private:
  std::optional<InputError> Alloc(const Event& event, const MemAlloc& e) {
    if (e.size == 0) return At(event, e.owner, "a block of 0 bytes");
    if (e.address < base_ || e.address > end_ || e.size > end_ - e.address) {
      return At(event, e.owner,
                "the block [" + Str(e.address) + ", " + Str(e.address + e.size) + ") is outside the heap");
    }
    auto next = live_.lower_bound(e.address);
    if (next != live_.end() && next->first < e.address + e.size) return Overlap(event, e, next->second);
    if (next != live_.begin() && std::prev(next)->first + std::prev(next)->second.size > e.address) {
      return Overlap(event, e, std::prev(next)->second);
    }
    live_[e.address] = HeapBlockView{e.address, e.size, false, e.owner, e.request};
    ++out_.allocations;
    return std::nullopt;
  }

  static InputError Overlap(const Event& event, const MemAlloc& e, const HeapBlockView& other) {
    return At(event, e.owner,
              "the block at " + Str(e.address) + " overlaps " + other.owner + "'s at " + Str(other.address));
  }

  std::optional<InputError> Free(const Event& event, const MemFree& e) {
    auto it = live_.find(e.address);
    if (it == live_.end()) return At(event, e.owner, "no block is allocated at " + Str(e.address));
    if (it->second.size != e.size || it->second.owner != e.owner) {
      return At(
          event, e.owner,
          "the block at " + Str(e.address) + " is " + it->second.owner + "'s, of " + Str(it->second.size) + " bytes");
    }
    live_.erase(it);
    ++out_.frees;
    return std::nullopt;
  }

  std::optional<InputError> Compact(const Event& event, const MemCompact& e) {
    std::map<std::uint64_t, HeapBlockView> slid;
    std::uint64_t at = base_, moved = 0, bytes = 0;
    for (auto& [address, block] : live_) {  // address order
      if (address != at) {
        ++moved;
        bytes += block.size;
      }
      block.address = at;
      at += block.size;
      slid[block.address] = std::move(block);
    }
    if (moved != e.moved_blocks || bytes != e.moved_bytes) {
      return At(event, "",
                "sliding the blocks down moves " + Str(moved) + " blocks of " + Str(bytes) + " bytes, not " +
                    Str(e.moved_blocks) + " of " + Str(e.moved_bytes));
    }
    live_ = std::move(slid);
    ++out_.compactions;
    return std::nullopt;
  }

  static std::string Str(std::uint64_t value) { return std::to_string(value); }

  std::uint64_t base_;
  std::uint64_t end_;
  std::map<std::uint64_t, HeapBlockView> live_;  // allocated, by address
  HeapReplay out_;
};

// ---- paging ---------------------------------------------------------------------------

/// The state of replay.h's ReplayPaging: the frame table.
class PagingFold {
 public:
  std::optional<InputError> Apply(const Event& event) {
    if (const auto* e = std::get_if<PageHit>(&event.body)) {
      if (Holds(e->frame) != e->page) return Mismatch(event, e->page, e->frame);
      ++out_.hits;
    } else if (const auto* e = std::get_if<PageEvict>(&event.body)) {
      if (Holds(e->frame) != e->page) return Mismatch(event, e->page, e->frame);
      Frame(e->frame).reset();
      resident_.erase(e->page);
      ++out_.evictions;
    } else if (const auto* e = std::get_if<PageFault>(&event.body)) {
      if (e->frame < 0) return At(event, Page(e->page), "frame " + std::to_string(e->frame) + " is not a frame");
      if (resident_.count(e->page) != 0) {
        return At(event, Page(e->page), "it is resident, in frame " + std::to_string(resident_[e->page]));
      }
      if (Holds(e->frame)) {
        return At(event, Page(e->page),
                  "frame " + std::to_string(e->frame) + " holds page " + std::to_string(*Holds(e->frame)));
      }
      Frame(e->frame) = e->page;
      resident_[e->page] = e->frame;
      ++out_.faults;
    }
    return std::nullopt;
  }

  PagingReplay Take() && { return std::move(out_); }

 private:
  static std::string Page(std::int64_t page) { return "page " + std::to_string(page); }

  static InputError Mismatch(const Event& event, std::int64_t page, std::int64_t frame) {
    return At(event, Page(page), "frame " + std::to_string(frame) + " does not hold it");
  }

  /// The page in `frame` (nullopt: free, or a frame no event named yet).
  std::optional<std::int64_t> Holds(std::int64_t frame) const {
    if (frame < 0 || static_cast<std::size_t>(frame) >= out_.frames.size()) return std::nullopt;
    return out_.frames[static_cast<std::size_t>(frame)];
  }

  /// Frame `frame` of the table, which grows to hold it. Precondition: frame >= 0.
  std::optional<std::int64_t>& Frame(std::int64_t frame) {
    const auto index = static_cast<std::size_t>(frame);
    if (index >= out_.frames.size()) out_.frames.resize(index + 1);
    return out_.frames[index];
  }

  PagingReplay out_;
  std::unordered_map<std::int64_t, std::int64_t> resident_;  // page -> frame
};

/// Applies every event to `fold`, stopping at the first that does not fit.
template <typename Fold, typename Result = decltype(std::declval<Fold>().Take())>
Expected<Result> Run(Fold fold, const std::vector<Event>& events) {
  for (const Event& event : events) {
    if (auto error = fold.Apply(event)) return *error;
  }
  return std::move(fold).Take();
}

}  // namespace

Expected<ScheduleReplay> ReplaySchedule(const std::vector<Event>& events) { return Run(ScheduleFold(), events); }

Expected<HeapReplay> ReplayHeap(std::uint64_t base, std::uint64_t size, const std::vector<Event>& events) {
  return Run(HeapFold(base, size), events);
}

Expected<PagingReplay> ReplayPaging(const std::vector<Event>& events) { return Run(PagingFold(), events); }

}  // namespace osgrid::os::events
