// The sync simulator: scripted processes, a round-robin or seeded random
// scheduler, and deadlock detection on the wait-for graph.
// Source: OSTEP ch. 26-31; Silberschatz 10e, 6.6, 7.1 and 8.6.1 (see simulator.h).
#include "osgrid/os/sync/simulator.h"

#include <algorithm>
#include <charconv>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <type_traits>

#include "osgrid/os/deadlock/wait_for_graph.h"
#include "osgrid/os/random.h"
#include "osgrid/os/sync/message_queue.h"
#include "osgrid/os/sync/mutex.h"
#include "osgrid/os/sync/semaphore.h"

namespace osgrid::os {
namespace {

/// Where a process is in its script: a stack of operation lists (the
/// script, then the body of each repeat it is inside).
struct Frame {
  const std::vector<Op>* ops = nullptr;
  std::size_t next = 0;          // index of the next operation in *ops
  std::int64_t rounds_left = 1;  // passes over *ops still to do, counting this one; or kForever
};

enum class WaitKind { kNone, kSemaphore, kMutex, kSend, kReceive };

struct Process {
  std::vector<Frame> stack;
  std::int64_t ticks_done = 0;  // of the `compute` it is in
  SyncProcessState state = SyncProcessState::kReady;
  WaitKind wait_kind = WaitKind::kNone;
  std::size_t wait_index = 0;   // the semaphore, mutex or queue it is blocked on
  const Op* wait_op = nullptr;  // the operation it is blocked in, e.g. "P full"
};

/// The step being run. Its outcome text and woken list are reused from step
/// to step, so a long run allocates nothing per step.
struct CurrentStep {
  std::int64_t t = 0;
  std::size_t process = 0;
  const Op* op = nullptr;
  std::string outcome;
  bool blocked = false;
  bool error = false;
  std::vector<std::size_t> woken;
};

/// Appends texts and integers to `text`.
template <typename... Pieces>
void Append(std::string& text, const Pieces&... pieces) {
  auto append = [&text](const auto& piece) {
    if constexpr (std::is_integral_v<std::decay_t<decltype(piece)>>) {
      char digits[24];
      text.append(digits, std::to_chars(digits, digits + sizeof digits, piece).ptr);
    } else {
      text += piece;
    }
  };
  (append(pieces), ...);
}

/// Sets `text` to the pieces, in the memory it already has.
template <typename... Pieces>
void Set(std::string& text, const Pieces&... pieces) {
  text.clear();
  Append(text, pieces...);
}

/// Gives every operation its text as shown in the trace (Describe), once,
/// so that a step only points at it.
void NameOps(std::vector<Op>& ops) {
  for (Op& op : ops) {
    op.text = Describe(op);
    NameOps(op.body);
  }
}

/// The operation a process is at, skipping into repeat bodies and out of
/// finished lists; nullptr when its script is over.
const Op* CurrentOp(Process& process) {
  while (!process.stack.empty()) {
    Frame& frame = process.stack.back();
    if (frame.next < frame.ops->size()) {
      const Op& op = (*frame.ops)[frame.next];
      if (op.kind != OpKind::kRepeat) return &op;
      process.stack.push_back({&op.body, 0, op.amount});
      continue;
    }
    if (frame.rounds_left == kForever || --frame.rounds_left > 0) {
      frame.next = 0;  // another pass over the repeat body
      continue;
    }
    process.stack.pop_back();
    if (!process.stack.empty()) ++process.stack.back().next;  // past the finished repeat
  }
  return nullptr;
}

/// Names of the objects an operation list uses with `kind` (V s, recv q, send q).
void CollectTargets(const std::vector<Op>& ops, OpKind kind, std::set<std::string>& names) {
  for (const Op& op : ops) {
    if (op.kind == OpKind::kRepeat) CollectTargets(op.body, kind, names);
    if (op.kind == kind) names.insert(op.target);
  }
}

template <class T>
std::map<std::string, std::size_t> IndexByName(const std::vector<T>& items) {
  std::map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < items.size(); ++i) index.emplace(items[i].name, i);
  return index;
}

class Machine {
 public:
  Machine(SyncScript script, const SyncOptions& options) : options_(options), rng_(options.seed) {
    run_.script = std::move(script);
    for (ProcessScript& process : run_.script.processes) NameOps(process.ops);
    const SyncScript& s = run_.script;
    semaphore_index_ = IndexByName(s.semaphores);
    queue_index_ = IndexByName(s.queues);
    counter_index_ = IndexByName(s.counters);
    for (std::size_t i = 0; i < s.mutexes.size(); ++i) mutex_index_.emplace(s.mutexes[i], i);
    for (const SemaphoreDecl& decl : s.semaphores) {
      semaphores_.push_back(*(decl.binary ? Semaphore::Binary(decl.initial) : Semaphore::Counting(decl.initial)));
    }
    mutexes_.resize(s.mutexes.size());
    for (const QueueDecl& decl : s.queues) queues_.emplace_back(static_cast<std::size_t>(decl.capacity));
    for (const CounterDecl& decl : s.counters) counters_.push_back(decl.initial);
    held_.assign(s.semaphores.size(), std::vector<std::int64_t>(s.processes.size(), 0));
    processes_.resize(s.processes.size());
    states_.resize(s.processes.size());
    semaphore_values_.resize(s.semaphores.size());
    for (std::size_t p = 0; p < s.processes.size(); ++p) {
      processes_[p].stack.push_back({&s.processes[p].ops, 0, 1});
      ready_queue_.push_back(p);
      signals_.emplace_back();
      receives_.emplace_back();
      sends_.emplace_back();
      CollectTargets(s.processes[p].ops, OpKind::kSignal, signals_.back());
      CollectTargets(s.processes[p].ops, OpKind::kReceive, receives_.back());
      CollectTargets(s.processes[p].ops, OpKind::kSend, sends_.back());
    }
  }

  SyncRun Run() {
    std::optional<std::size_t> running;
    std::int64_t used = 0;  // operations of the running process's quantum used so far
    for (std::int64_t t = 0;; ++t) {
      if (AllDone()) return Finish(SyncEnd::kFinished, t, "all processes finished at t=" + std::to_string(t));
      if (!running && ready_queue_.empty()) return Finish(SyncEnd::kDeadlock, t, DeadlockMessage(t));
      if (t >= options_.max_steps) return Finish(SyncEnd::kStepLimit, t, StepLimitMessage(t));
      if (!running) {
        running = PickNext();
        used = 0;
      }
      const std::size_t pid = *running;
      Step(pid, t);
      const SyncProcessState state = processes_[pid].state;
      if (state == SyncProcessState::kBlocked || state == SyncProcessState::kDone) {
        running.reset();
      } else if (++used >= options_.quantum) {  // quantum over: back of the ready queue
        processes_[pid].state = SyncProcessState::kReady;
        ready_queue_.push_back(pid);
        running.reset();
      }
    }
  }

 private:
  const std::string& Name(std::size_t pid) const { return run_.script.processes[pid].name; }

  bool AllDone() const {
    return std::all_of(processes_.begin(), processes_.end(),
                       [](const Process& p) { return p.state == SyncProcessState::kDone; });
  }

  /// Round robin: the front of the ready queue. Random: any ready process.
  std::size_t PickNext() {
    std::size_t pid = ready_queue_.front();
    if (options_.interleave == Interleave::kRandom) {
      const auto at = rng_.Uniform(0, static_cast<std::int64_t>(ready_queue_.size()) - 1);
      pid = ready_queue_[static_cast<std::size_t>(at)];
      ready_queue_.erase(ready_queue_.begin() + at);
    } else {
      ready_queue_.pop_front();
    }
    processes_[pid].state = SyncProcessState::kRunning;
    return pid;
  }

  // ---- one step ----------------------------------------------------------------

  void Step(std::size_t pid, std::int64_t t) {
    Process& process = processes_[pid];
    const Op& op = *CurrentOp(process);  // not done, so there is one
    CurrentStep& step = step_;
    step.t = t;
    step.process = pid;
    step.op = &op;
    step.blocked = step.error = false;
    step.woken.clear();
    for (std::size_t p = 0; p < processes_.size(); ++p) states_[p] = processes_[p].state;
    if (op.guard && !GuardHolds(*op.guard)) {
      Set(step.outcome, "skipped (", op.guard->counter, " = ", Counter(op.guard->counter), ")");
      Advance(pid);
    } else {
      Execute(pid, op, step);
    }
    for (std::size_t s = 0; s < semaphores_.size(); ++s) semaphore_values_[s] = semaphores_[s].value();
    Report(step);
  }

  /// Shows the step to the observer, and keeps a copy of it in the trace.
  void Report(const CurrentStep& step) {
    const SyncStepView view{step.t,     step.process, step.op->text, step.outcome,      step.blocked,
                            step.error, step.woken,   states_,       semaphore_values_, counters_};
    if (options_.on_step) options_.on_step(view);
    if (!options_.record_trace) return;
    run_.trace.push_back({view.t, view.process, std::string(view.op), std::string(view.outcome), view.blocked,
                          view.error, step.woken, states_, semaphore_values_, counters_});
  }

  bool GuardHolds(const Guard& guard) const { return Compare(Counter(guard.counter), guard.comparison, guard.value); }
  std::int64_t Counter(const std::string& name) const { return counters_[counter_index_.at(name)]; }

  void Execute(std::size_t pid, const Op& op, CurrentStep& step) {
    switch (op.kind) {
      case OpKind::kWait:
        return DoWait(pid, op, step);
      case OpKind::kSignal:
        return DoSignal(pid, op, step);
      case OpKind::kLock:
        return DoLock(pid, op, step);
      case OpKind::kUnlock:
        return DoUnlock(pid, op, step);
      case OpKind::kSend:
        return DoSend(pid, op, step);
      case OpKind::kReceive:
        return DoReceive(pid, op, step);
      case OpKind::kCompute:
        return DoCompute(pid, op, step);
      case OpKind::kPrint:
        run_.printed.push_back("t=" + std::to_string(step.t) + " " + Name(pid) + ": " + op.message);
        Set(step.outcome, "ok");
        return Advance(pid);
      case OpKind::kIncrement:
      case OpKind::kDecrement: {
        std::int64_t& value = counters_[counter_index_.at(op.target)];
        value += op.kind == OpKind::kIncrement ? op.amount : -op.amount;
        Set(step.outcome, "ok (", op.target, " = ", value, ")");
        return Advance(pid);
      }
      case OpKind::kRepeat:
        break;  // CurrentOp never returns a repeat
    }
  }

  void DoWait(std::size_t pid, const Op& op, CurrentStep& step) {
    const std::size_t s = semaphore_index_.at(op.target);
    if (semaphores_[s].Wait(static_cast<ProcessId>(pid))) {
      ++held_[s][pid];
      Set(step.outcome, "ok");
    } else {
      Block(pid, WaitKind::kSemaphore, s, op, step);
    }
    Advance(pid);
  }

  void DoSignal(std::size_t pid, const Op& op, CurrentStep& step) {
    const std::size_t s = semaphore_index_.at(op.target);
    const bool saturated = semaphores_[s].binary() && semaphores_[s].value() >= 1;
    if (held_[s][pid] > 0) --held_[s][pid];
    Set(step.outcome, saturated ? "ok (binary: stays 1)" : "ok");
    if (const auto woken = semaphores_[s].Signal()) {
      ++held_[s][*woken];  // its P has now succeeded
      Wake(*woken, step);
    }
    Advance(pid);
  }

  void DoLock(std::size_t pid, const Op& op, CurrentStep& step) {
    const std::size_t m = mutex_index_.at(op.target);
    if (mutexes_[m].Lock(static_cast<ProcessId>(pid))) {
      Set(step.outcome, "ok");
    } else {
      Block(pid, WaitKind::kMutex, m, op, step);
    }
    Advance(pid);
  }

  void DoUnlock(std::size_t pid, const Op& op, CurrentStep& step) {
    Mutex& mutex = mutexes_[mutex_index_.at(op.target)];
    const auto owner = mutex.owner();
    const Mutex::UnlockResult result = mutex.Unlock(static_cast<ProcessId>(pid));
    if (!result.ok) {
      const std::string why =
          Name(pid) + " does not hold " + op.target + (owner ? " (owner: " + Name(*owner) + ")" : " (it is unlocked)");
      Set(step.outcome, "error: ", why);
      step.error = true;
      run_.errors.push_back("t=" + std::to_string(step.t) + " " + Name(pid) + ": " + op.text + ": " + why);
    } else {
      Set(step.outcome, "ok");
      if (result.woken) Wake(*result.woken, step);
    }
    Advance(pid);
  }

  void DoSend(std::size_t pid, const Op& op, CurrentStep& step) {
    const std::size_t q = queue_index_.at(op.target);
    const MessageQueue::SendResult result = queues_[q].Send(static_cast<ProcessId>(pid), op.message);
    if (result.blocked) {
      Block(pid, WaitKind::kSend, q, op, step);
      Append(step.outcome, " (", op.target, " full)");
    } else {
      Set(step.outcome, "ok");
      if (result.woken) {
        Wake(*result.woken, step);
        Append(step.outcome, " (gets ", op.message, ")");
      }
    }
    Advance(pid);
  }

  void DoReceive(std::size_t pid, const Op& op, CurrentStep& step) {
    const std::size_t q = queue_index_.at(op.target);
    const MessageQueue::ReceiveResult result = queues_[q].Receive(static_cast<ProcessId>(pid));
    if (!result.message) {
      Block(pid, WaitKind::kReceive, q, op, step);
      Append(step.outcome, " (", op.target, " empty)");
    } else {
      Set(step.outcome, "ok: got ", *result.message);
      if (result.woken) Wake(*result.woken, step);  // "ok: got 7, woke producer"
    }
    Advance(pid);
  }

  void DoCompute(std::size_t pid, const Op& op, CurrentStep& step) {
    Process& process = processes_[pid];
    ++process.ticks_done;
    if (op.amount == 1) {
      Set(step.outcome, "ok");
    } else {
      Set(step.outcome, "ok (", process.ticks_done, " of ", op.amount, ")");
    }
    if (process.ticks_done < op.amount) return;
    process.ticks_done = 0;
    Advance(pid);
  }

  void Block(std::size_t pid, WaitKind kind, std::size_t index, const Op& op, CurrentStep& step) {
    Process& process = processes_[pid];
    process.state = SyncProcessState::kBlocked;
    process.wait_kind = kind;
    process.wait_index = index;
    process.wait_op = &op;
    step.blocked = true;
    Set(step.outcome, "blocked");
  }

  /// `pid`'s blocked operation has completed: it is ready again (or done,
  /// when that operation was its last).
  void Wake(std::size_t pid, CurrentStep& step) {
    Process& process = processes_[pid];
    process.wait_kind = WaitKind::kNone;
    process.wait_op = nullptr;
    step.woken.push_back(pid);
    if (step.outcome == "ok") {
      Set(step.outcome, "woke ", Name(pid));
    } else {
      Append(step.outcome, ", woke ", Name(pid));
    }
    if (CurrentOp(process) == nullptr) {
      process.state = SyncProcessState::kDone;
      return;
    }
    process.state = SyncProcessState::kReady;
    ready_queue_.push_back(pid);
  }

  /// Moves past the operation just done; a blocked process stays blocked.
  void Advance(std::size_t pid) {
    Process& process = processes_[pid];
    ++process.stack.back().next;
    if (process.state != SyncProcessState::kBlocked && CurrentOp(process) == nullptr) {
      process.state = SyncProcessState::kDone;
    }
  }

  // ---- the end of the run ----------------------------------------------------------

  SyncRun Finish(SyncEnd end, std::int64_t t, std::string message) {
    run_.end = end;
    run_.steps = t;
    run_.message = std::move(message);
    for (const Process& p : processes_) {
      run_.final_states.push_back(p.state);
      run_.waiting_for.push_back(p.state == SyncProcessState::kBlocked ? p.wait_op->text : "");
    }
    for (const Semaphore& s : semaphores_) run_.semaphores.push_back(s.value());
    run_.counters = counters_;
    for (const MessageQueue& q : queues_) run_.queues.emplace_back(q.messages().begin(), q.messages().end());
    return std::move(run_);
  }

  std::string StepLimitMessage(std::int64_t t) const {
    std::string names;
    for (std::size_t p = 0; p < processes_.size(); ++p) {
      if (processes_[p].state == SyncProcessState::kDone) continue;
      names += (names.empty() ? "" : ", ") + Name(p);
    }
    return "stopped at the step limit, t=" + std::to_string(t) + ": " + names +
           " had not finished (an infinite loop or a livelock?)";
  }

  bool Unfinished(std::size_t pid) const { return processes_[pid].state != SyncProcessState::kDone; }

  /// The wait-for edges of one blocked process (see simulator.h).
  std::vector<WaitForEdge> EdgesOf(std::size_t pid) const {
    const Process& p = processes_[pid];
    const SyncScript& s = run_.script;
    std::vector<WaitForEdge> edges;
    auto add = [&](std::size_t to, const std::string& resource, const std::string& description) {
      edges.push_back({pid, to, resource, description});
    };
    switch (p.wait_kind) {
      case WaitKind::kMutex: {
        const std::string& m = s.mutexes[p.wait_index];
        const auto owner = mutexes_[p.wait_index].owner();
        if (owner && Unfinished(*owner)) add(*owner, m, Name(pid) + " waits for " + m + " held by " + Name(*owner));
        break;
      }
      case WaitKind::kSemaphore: {
        const std::string& sem = s.semaphores[p.wait_index].name;
        for (std::size_t q = 0; q < processes_.size(); ++q) {
          if (q != pid && Unfinished(q) && held_[p.wait_index][q] > 0 && signals_[q].count(sem) != 0) {
            add(q, sem, Name(pid) + " waits for " + sem + " held by " + Name(q));
          }
        }
        if (!edges.empty()) break;
        for (std::size_t q = 0; q < processes_.size(); ++q) {
          if (q != pid && Unfinished(q) && signals_[q].count(sem) != 0) {
            add(q, sem, Name(pid) + " waits for " + sem + ", which " + Name(q) + " signals");
          }
        }
        break;
      }
      case WaitKind::kSend:
      case WaitKind::kReceive: {
        const bool send = p.wait_kind == WaitKind::kSend;
        const std::string& queue = s.queues[p.wait_index].name;
        const auto& others = send ? receives_ : sends_;
        for (std::size_t q = 0; q < processes_.size(); ++q) {
          if (q == pid || !Unfinished(q) || others[q].count(queue) == 0) continue;
          add(q, queue,
              send ? Name(pid) + " waits to send to " + queue + " (full), which " + Name(q) + " receives from"
                   : Name(pid) + " waits to receive from " + queue + " (empty), which " + Name(q) + " sends to");
        }
        break;
      }
      case WaitKind::kNone:
        break;
    }
    return edges;
  }

  std::string DeadlockMessage(std::int64_t t) {
    Digraph graph(processes_.size());
    for (std::size_t p = 0; p < processes_.size(); ++p) {
      if (processes_[p].state != SyncProcessState::kBlocked) continue;
      for (WaitForEdge& edge : EdgesOf(p)) {
        graph.AddEdge(static_cast<std::uint32_t>(edge.from), static_cast<std::uint32_t>(edge.to));
        run_.wait_for.push_back(std::move(edge));
      }
    }
    const std::vector<std::uint32_t> cycle = FindCycle(graph);
    std::string message = "deadlock at t=" + std::to_string(t) + ": ";
    if (cycle.empty()) return message + "every unfinished process is blocked, but not in a cycle: " + StuckReasons();
    for (std::size_t i = 0; i < cycle.size(); ++i) {
      const std::size_t from = cycle[i];
      const std::size_t to = cycle[(i + 1) % cycle.size()];
      run_.cycle.push_back(from);
      const auto edge = std::find_if(run_.wait_for.begin(), run_.wait_for.end(),
                                     [&](const WaitForEdge& e) { return e.from == from && e.to == to; });
      message += (i == 0 ? "" : ", ") + edge->description;
    }
    return message;
  }

  /// For a deadlock without a cycle: each blocked process, what it waits for
  /// and, when nobody can wake it, that nobody can.
  std::string StuckReasons() const {
    std::string reasons;
    for (std::size_t p = 0; p < processes_.size(); ++p) {
      if (processes_[p].state != SyncProcessState::kBlocked) continue;
      std::vector<WaitForEdge> edges = EdgesOf(p);
      std::string reason = Name(p) + " waits in '" + processes_[p].wait_op->text + "'";
      const auto owner =
          processes_[p].wait_kind == WaitKind::kMutex ? mutexes_[processes_[p].wait_index].owner() : std::nullopt;
      if (owner && !Unfinished(*owner)) {
        reason += " (held by " + Name(*owner) + ", which has finished)";
      } else if (edges.empty()) {
        reason += ", which no unfinished process can complete";
      }
      reasons += (reasons.empty() ? "" : "; ") + reason;
    }
    return reasons;
  }

  SyncOptions options_;
  Rng rng_;
  SyncRun run_;
  std::map<std::string, std::size_t> semaphore_index_, mutex_index_, queue_index_, counter_index_;
  std::vector<Semaphore> semaphores_;
  std::vector<Mutex> mutexes_;
  std::vector<MessageQueue> queues_;
  std::vector<std::int64_t> counters_;
  std::vector<std::vector<std::int64_t>> held_;  // [semaphore][process]: successful P minus V, floored at 0
  std::vector<std::set<std::string>> signals_, receives_, sends_;  // per process: what its script Vs / receives / sends
  std::vector<Process> processes_;
  std::deque<std::size_t> ready_queue_;
  // The step being run and what the observer sees of the others (reused).
  CurrentStep step_;
  std::vector<SyncProcessState> states_;        // every process at the start of the step
  std::vector<std::int64_t> semaphore_values_;  // every semaphore's value after it
};

}  // namespace

std::string_view SyncStateName(SyncProcessState state) {
  switch (state) {
    case SyncProcessState::kReady:
      return "ready";
    case SyncProcessState::kRunning:
      return "running";
    case SyncProcessState::kBlocked:
      return "blocked";
    case SyncProcessState::kDone:
      return "done";
  }
  return "?";
}

Expected<SyncScript> ValidateSyncInput(SyncScript script, const SyncOptions& options) {
  if (options.quantum < 1) return Fail("quantum must be >= 1, got " + std::to_string(options.quantum));
  if (options.max_steps < 1 || options.max_steps > kMaxSyncSteps) {
    return Fail("max steps must be 1.." + std::to_string(kMaxSyncSteps) + ", got " + std::to_string(options.max_steps));
  }
  if (script.processes.size() > kMaxSyncProcesses) {
    return Fail("too many processes (" + std::to_string(script.processes.size()) + "; at most " +
                std::to_string(kMaxSyncProcesses) + ")");
  }
  return ValidateScript(std::move(script));
}

Expected<SyncRun> Simulate(SyncScript script, const SyncOptions& options) {
  auto valid = ValidateSyncInput(std::move(script), options);
  if (!valid) return valid.error();
  Machine machine(std::move(valid).value(), options);
  return machine.Run();
}

}  // namespace osgrid::os
