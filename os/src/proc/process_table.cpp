// The process table: PCBs, fork/exec/exit/wait/kill/killpg/setpgid.
// Source: OSTEP ch. 5 "Interlude: Process API" and ch. 4.4-4.5;
//         Silberschatz 10e, 3.1.3 (PCB), 3.3.1 (creation), 3.3.2
//         (termination: zombies, orphans adopted by init).
// The rules (pid allocation, which zombie wait() reaps first, where orphans
// go, init reaping at once) are listed in process_table.h.
#include "osgrid/os/proc/process_table.h"

#include <algorithm>
#include <cctype>

namespace osgrid::os {

std::string_view SignalName(Signal signal) { return signal == Signal::kSigKill ? "SIGKILL" : "SIGTERM"; }

Expected<Signal> ParseSignal(std::string_view text) {
  std::string upper;
  for (char c : text) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (upper.rfind("SIG", 0) == 0) upper = upper.substr(3);
  if (upper == "KILL" || upper == "9") return Signal::kSigKill;
  if (upper == "TERM" || upper == "15") return Signal::kSigTerm;
  return Fail("unknown signal '" + std::string(text) + "' (use SIGTERM/15 or SIGKILL/9)");
}

ProcessTable::ProcessTable(KernelOptions options) : options_(std::move(options)) {
  Pcb init;
  init.pid = next_pid_++;
  init.pgid = init.pid;
  init.name = options_.init_name;
  init.program = options_.init_program;
  table_.emplace(init.pid, init);
  Emit(EventKind::kCreated, init.pid, 0, Describe(init.pid) + " is created at boot");
  Pcb& pcb = table_.at(init.pid);
  Move(pcb, StateTransition::kAdmit);
  Run(pcb);
}

// ---- Helpers -----------------------------------------------------------------

const Pcb* ProcessTable::Find(Pid pid) const {
  auto it = table_.find(pid);
  return it == table_.end() ? nullptr : &it->second;
}

Pcb* ProcessTable::Get(Pid pid) {
  auto it = table_.find(pid);
  return it == table_.end() ? nullptr : &it->second;
}

std::string ProcessTable::Describe(Pid pid) const {
  const Pcb* pcb = Find(pid);
  std::string text = "pid " + std::to_string(pid);
  if (pcb != nullptr && !pcb->name.empty()) text += " (" + pcb->name + ")";
  return text;
}

void ProcessTable::Emit(EventKind kind, Pid pid, Pid related, std::string text, Pid previous) {
  events_.push_back(ProcEvent{kind, pid, related, previous, std::move(text)});
}

// Applies a transition the caller has checked is legal, and records it.
void ProcessTable::Move(Pcb& pcb, StateTransition transition, std::string_view why) {
  const ProcessState from = pcb.state;
  pcb.state = *NextState(from, transition);
  if (pcb.state == ProcessState::kRunning) running_ = pcb.pid;
  if (from == ProcessState::kRunning) running_ = 0;
  std::string text = Describe(pcb.pid) + ": " + std::string(ProcessStateName(from)) + " -> " +
                     std::string(ProcessStateName(pcb.state)) + " (" + std::string(TransitionName(transition));
  if (!why.empty()) text += ": " + std::string(why);
  Emit(EventKind::kTransition, pcb.pid, 0, text + ")");
}

// One CPU: a ready process that must run is dispatched, preempting the running one.
void ProcessTable::Run(Pcb& pcb) {
  if (pcb.state != ProcessState::kReady) return;
  if (running_ != 0 && running_ != pcb.pid) Move(table_.at(running_), StateTransition::kPreempt);
  Move(pcb, StateTransition::kDispatch);
}

// The process making a system call must exist and be able to run.
Expected<Pcb*> ProcessTable::Caller(Pid pid, std::string_view call) {
  Pcb* pcb = Get(pid);
  const std::string what = std::string(call) + ": ";
  if (pcb == nullptr) return Fail(what + "no process with pid " + std::to_string(pid) + " (ESRCH)");
  if (pcb->zombie()) return Fail(what + Describe(pid) + " has terminated (a zombie): it cannot run");
  if (pcb->state == ProcessState::kWaiting) {
    return Fail(what + Describe(pid) + " is waiting (" +
                (pcb->in_wait ? "blocked in wait() until a child terminates" : "blocked for an event") +
                "): it cannot run");
  }
  return pcb;
}

// ---- fork / exec ---------------------------------------------------------------

Expected<Pid> ProcessTable::Fork(Pid parent_pid, std::string name) {
  auto parent = Caller(parent_pid, "fork");
  if (!parent) return parent.error();
  Run(**parent);
  Pcb child;
  child.pid = next_pid_++;
  child.ppid = parent_pid;
  child.pgid = (*parent)->pgid;
  child.program = (*parent)->program;
  child.name = std::move(name);
  (*parent)->children.push_back(child.pid);
  const Pid pid = child.pid;
  table_.emplace(pid, std::move(child));  // `parent` stays valid: std::map never moves its nodes
  Emit(EventKind::kCreated, pid, parent_pid, Describe(parent_pid) + " forks " + Describe(pid));
  Move(table_.at(pid), StateTransition::kAdmit);
  return pid;
}

Expected<Pid> ProcessTable::Exec(Pid pid, std::string program) {
  auto pcb = Caller(pid, "exec");
  if (!pcb) return pcb.error();
  if (program.empty()) return Fail("exec: " + Describe(pid) + ": empty program name (EINVAL)");
  Run(**pcb);
  (*pcb)->program = std::move(program);
  Emit(EventKind::kExec, pid, 0, Describe(pid) + " execs " + (*pcb)->program + " (same pid, new program)");
  return pid;
}

// ---- exit, orphans, zombies -----------------------------------------------------

Expected<Pid> ProcessTable::Exit(Pid pid, int status) {
  auto pcb = Caller(pid, "exit");
  if (!pcb) return pcb.error();
  if (pid == kInitPid) return Fail("exit: " + Describe(pid) + " is init: it cannot exit");
  Run(**pcb);
  (*pcb)->exit_status = status;
  Emit(EventKind::kExited, pid, 0, Describe(pid) + " exits with status " + std::to_string(status));
  Terminate(**pcb);
  return pid;
}

// running -> terminated, then the orphans are adopted and the parent told.
void ProcessTable::Terminate(Pcb& pcb) {
  Move(pcb, StateTransition::kExit);
  pcb.exit_order = ++exits_;
  AdoptOrphans(pcb);
  NotifyParent(pcb);
}

// In preorder (a child, then its descendants, then the next child), as
// fork.py's collect_children() lists them; with an explicit stack, so a long
// chain of forks cannot exhaust the call stack.
std::vector<Pid> ProcessTable::Descendants(Pid pid) const {
  std::vector<Pid> found;
  std::vector<Pid> stack(table_.at(pid).children.rbegin(), table_.at(pid).children.rend());
  while (!stack.empty()) {
    const Pid next = stack.back();
    stack.pop_back();
    found.push_back(next);
    const std::vector<Pid>& children = table_.at(next).children;
    stack.insert(stack.end(), children.rbegin(), children.rend());
  }
  return found;
}

void ProcessTable::Adopt(Pcb& orphan, Pid new_parent, Pid old_parent) {
  orphan.ppid = new_parent;
  table_.at(new_parent).children.push_back(orphan.pid);
  Emit(EventKind::kReparented, orphan.pid, new_parent,
       Describe(orphan.pid) + " is an orphan: re-parented from " + Describe(old_parent) + " to " + Describe(new_parent),
       old_parent);
}

void ProcessTable::AdoptOrphans(Pcb& dying) {
  std::vector<Pid> orphans;
  if (options_.orphans == OrphanRule::kInitAllDescendants) {
    orphans = Descendants(dying.pid);
    for (Pid pid : orphans) {
      Pcb& orphan = table_.at(pid);
      const Pid old_parent = orphan.ppid;
      orphan.children.clear();
      Adopt(orphan, kInitPid, old_parent);
    }
  } else {
    orphans = dying.children;
    const Pid new_parent = options_.orphans == OrphanRule::kInit ? kInitPid : dying.ppid;
    for (Pid pid : orphans) Adopt(table_.at(pid), new_parent, dying.pid);
  }
  dying.children.clear();
  for (Pid pid : orphans) {  // zombie orphans: their new parent may reap them
    Pcb* orphan = Get(pid);
    if (orphan != nullptr && orphan->zombie()) NotifyParent(*orphan);
  }
}

bool ProcessTable::WaitMatches(const Pcb& parent, Pid child) const {
  return parent.in_wait && (parent.waits_for == 0 || parent.waits_for == child);
}

// A child terminated (or a zombie was adopted): a parent blocked in a
// matching wait() returns; init (and every parent with reap_at_once) reaps
// at once; otherwise the child stays a zombie.
void ProcessTable::NotifyParent(Pcb& zombie) {
  const Pid child = zombie.pid;
  Pcb& parent = table_.at(zombie.ppid);
  if (WaitMatches(parent, child)) {
    parent.in_wait = false;
    parent.waits_for = 0;
    Move(parent, StateTransition::kEventOccurs, "child " + Describe(child) + " terminated");
    Emit(EventKind::kWaitReturns, child, parent.pid,
         "wait() in " + Describe(parent.pid) + " returns " + Describe(child));
    Reap(parent.pid, child);
    return;
  }
  if (parent.pid == kInitPid || options_.reap_at_once) {
    Reap(parent.pid, child);
    return;
  }
  Emit(EventKind::kZombie, child, parent.pid,
       Describe(child) + " is a zombie until its parent " + Describe(parent.pid) + " calls wait()");
}

WaitResult ProcessTable::Reap(Pid parent_pid, Pid child) {
  Pcb& parent = table_.at(parent_pid);
  const Pcb& zombie = table_.at(child);
  WaitResult result{false, child, zombie.exit_status, zombie.killed_by};
  const std::string status = zombie.killed_by ? "killed by " + std::string(SignalName(*zombie.killed_by))
                                              : "exit status " + std::to_string(zombie.exit_status.value_or(0));
  Emit(EventKind::kReaped, child, parent_pid, Describe(parent_pid) + " reaps " + Describe(child) + ": " + status);
  parent.children.erase(std::find(parent.children.begin(), parent.children.end(), child));
  reaped_.push_back(zombie);
  table_.erase(child);
  return result;
}

// ---- wait -------------------------------------------------------------------------

Expected<WaitResult> ProcessTable::Wait(Pid parent_pid, Pid child) {
  auto parent = Caller(parent_pid, "wait");
  if (!parent) return parent.error();
  Pcb& pcb = **parent;
  const std::string who = "wait: " + Describe(parent_pid);
  if (pcb.children.empty()) return Fail(who + " has no children (ECHILD)");
  if (child != 0 && std::find(pcb.children.begin(), pcb.children.end(), child) == pcb.children.end()) {
    return Fail(who + ": pid " + std::to_string(child) + " is not its child (ECHILD)");
  }
  Run(pcb);
  const Pcb* first_zombie = nullptr;  // the child that terminated first
  for (Pid pid : pcb.children) {
    const Pcb& candidate = table_.at(pid);
    if (!candidate.zombie() || (child != 0 && pid != child)) continue;
    if (first_zombie == nullptr || candidate.exit_order < first_zombie->exit_order) first_zombie = &candidate;
  }
  if (first_zombie != nullptr) {
    const Pid reaped = first_zombie->pid;
    Emit(EventKind::kWaitReturns, reaped, parent_pid,
         "wait() in " + Describe(parent_pid) + " returns " + Describe(reaped) + " at once");
    return Reap(parent_pid, reaped);
  }
  pcb.in_wait = true;
  pcb.waits_for = child;
  Move(pcb, StateTransition::kWaitForEvent, "wait() for a child");
  Emit(EventKind::kBlocked, parent_pid, child,
       Describe(parent_pid) + " blocks in wait() until " +
           (child == 0 ? std::string("a child terminates") : Describe(child) + " terminates"));
  WaitResult blocked;
  blocked.blocked = true;
  return blocked;
}

// ---- signals and groups --------------------------------------------------------------

Expected<bool> ProcessTable::Kill(Pid pid, Signal signal) {
  Pcb* pcb = Get(pid);
  const std::string sig(SignalName(signal));
  if (pcb == nullptr) return Fail("kill: no process with pid " + std::to_string(pid) + " (ESRCH)");
  if (pid == kInitPid) return Fail("kill: " + Describe(pid) + " is init: it cannot be killed (EPERM)");
  if (pcb->zombie()) {
    Emit(EventKind::kNoEffect, pid, 0, Describe(pid) + " is already a zombie: " + sig + " has no effect");
    return false;
  }
  // The signal is acted upon when the target runs: wake it, dispatch it.
  if (pcb->state == ProcessState::kWaiting) {
    pcb->in_wait = false;
    pcb->waits_for = 0;
    Move(*pcb, StateTransition::kEventOccurs, sig + " arrived");
  }
  Run(*pcb);
  pcb->killed_by = signal;
  Emit(EventKind::kKilled, pid, 0, Describe(pid) + " is terminated by " + sig);
  Terminate(*pcb);
  return true;
}

Expected<std::vector<Pid>> ProcessTable::KillGroup(Pid pgid, Signal signal) {
  std::vector<Pid> members;
  for (const auto& [pid, pcb] : table_) {
    if (pcb.pgid == pgid) members.push_back(pid);
  }
  if (members.empty()) return Fail("killpg: no process group " + std::to_string(pgid) + " (ESRCH)");
  std::vector<Pid> killed;
  for (Pid pid : members) {
    const Pcb* pcb = Find(pid);
    if (pcb == nullptr || pcb->zombie()) continue;  // reaped meanwhile, or already dead
    if (pid == kInitPid) {
      Emit(EventKind::kNoEffect, pid, 0, Describe(pid) + " is init: it ignores " + std::string(SignalName(signal)));
      continue;
    }
    if (Kill(pid, signal).ok()) killed.push_back(pid);
  }
  return killed;
}

Expected<Pid> ProcessTable::SetPgid(Pid pid, Pid pgid) {
  Pcb* pcb = Get(pid);
  if (pcb == nullptr || pcb->zombie()) {
    return Fail("setpgid: no live process with pid " + std::to_string(pid) + " (ESRCH)");
  }
  if (pid == kInitPid) return Fail("setpgid: " + Describe(pid) + " is init, a session leader (EPERM)");
  if (pgid < 0) return Fail("setpgid: process group must be >= 0, got " + std::to_string(pgid) + " (EINVAL)");
  if (pgid == 0) pgid = pid;
  const bool exists = std::any_of(table_.begin(), table_.end(), [pgid](const auto& entry) {
    return entry.second.pgid == pgid && !entry.second.zombie();
  });
  if (pgid != pid && !exists) {
    return Fail("setpgid: " + Describe(pid) + ": no process group " + std::to_string(pgid) +
                " (a new group's id must be the process's own pid) (EPERM)");
  }
  pcb->pgid = pgid;
  Emit(EventKind::kSetPgid, pid, pgid, Describe(pid) + " joins process group " + std::to_string(pgid));
  return pgid;
}

// ---- The scheduler's transitions -----------------------------------------------------

namespace {
Expected<Pcb*> Exists(Pcb* pcb, Pid pid, std::string_view call) {
  if (pcb == nullptr) return Fail(std::string(call) + ": no process with pid " + std::to_string(pid) + " (ESRCH)");
  return pcb;
}
}  // namespace

Expected<ProcessState> ProcessTable::Dispatch(Pid pid) {
  auto pcb = Exists(Get(pid), pid, "dispatch");
  if (!pcb) return pcb.error();
  auto next = ApplyTransition(Describe(pid), (*pcb)->state, StateTransition::kDispatch);
  if (!next) return next;
  Run(**pcb);
  return (*pcb)->state;
}

Expected<ProcessState> ProcessTable::Preempt(Pid pid) {
  auto pcb = Exists(Get(pid), pid, "preempt");
  if (!pcb) return pcb.error();
  auto next = ApplyTransition(Describe(pid), (*pcb)->state, StateTransition::kPreempt);
  if (!next) return next;
  Move(**pcb, StateTransition::kPreempt, "timeout");
  return (*pcb)->state;
}

Expected<ProcessState> ProcessTable::Block(Pid pid) {
  auto pcb = Caller(pid, "block");
  if (!pcb) return pcb.error();
  Run(**pcb);
  Move(**pcb, StateTransition::kWaitForEvent, "I/O");
  Emit(EventKind::kBlocked, pid, 0, Describe(pid) + " blocks for I/O");
  return (*pcb)->state;
}

Expected<ProcessState> ProcessTable::Wake(Pid pid) {
  auto pcb = Exists(Get(pid), pid, "wake");
  if (!pcb) return pcb.error();
  auto next = ApplyTransition(Describe(pid), (*pcb)->state, StateTransition::kEventOccurs);
  if (!next) return next;
  if ((*pcb)->in_wait) {
    return Fail(Describe(pid) + ": cannot wake: it is blocked in wait(); only a child's termination wakes it");
  }
  Move(**pcb, StateTransition::kEventOccurs, "I/O done");
  return (*pcb)->state;
}

}  // namespace osgrid::os
