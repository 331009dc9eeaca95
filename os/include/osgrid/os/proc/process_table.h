// The process table: a tiny kernel that keeps one PCB per process and
// implements the process API (fork, exec, exit, wait, kill, killpg, setpgid)
// on top of the five-state model of process_state.h.
//
// Source: OSTEP ch. 5 "Interlude: Process API" (5.1 fork(), 5.2 wait(),
//         5.3 exec(), 5.6 other parts: kill() and signals, process groups);
//         OSTEP ch. 4.4 "Process States" and 4.5 "Data Structures" (the
//         process list, zombie = final state); Silberschatz, Operating System
//         Concepts 10e, 3.1.3 "Process Control Block", 3.3.1 "Process
//         Creation", 3.3.2 "Process Termination" (zombies, orphans, init /
//         systemd adopting orphans).
//
// The model (every rule below is deterministic):
// - init (pid 1) exists from the start, is running, and can neither exit nor
//   be killed. Every other process descends from it.
// - Pid allocation: the next unused number, increasing (2, 3, 4, ...); pids
//   are never reused within one table (Linux only reuses after wrapping at
//   pid_max, which a classroom run never reaches).
// - One CPU. A process making a call (fork, exec, exit, wait, block) must be
//   ready or running; if ready it is first dispatched, and the process that
//   was running is preempted (running -> ready). A waiting process (blocked
//   in wait() or on I/O) cannot make calls; a terminated one neither.
// - fork: the child gets the next pid, the parent's program and process
//   group, and goes new -> ready (admit). The parent keeps running.
// - exit: running -> terminated. The process stays in the table as a zombie,
//   holding its exit status, until its parent reaps it with wait(). Its
//   children (live and zombie) are orphans and are re-parented according to
//   OrphanRule (default: to init, Silberschatz 3.3.2).
// - init reaps its zombie children at once (real init / systemd loop in
//   wait()); this is recorded as an event and does not change init's state.
//   With KernelOptions::reap_at_once every parent does so (as if it had set
//   SIGCHLD to SIG_IGN / SA_NOCLDWAIT): there are no zombies; this is the
//   model of OSTEP's fork.py.
// - wait(parent[, child]): reaps a zombie child (the one that terminated
//   first when several are zombies) and returns its status; with no zombie
//   child yet, the parent goes running -> waiting until a child terminates,
//   then waiting -> ready, and the wait returns (event kWaitReturns). No
//   children (or `child` is not one of them): error ECHILD.
// - kill(pid, SIGTERM|SIGKILL): default action, terminate. A signal is acted
//   upon when its target runs, so a waiting target is woken (event occurs;
//   an interrupted wait() is abandoned), a ready one is dispatched, then it
//   goes running -> terminated. Killing a zombie has no effect; init cannot
//   be killed (EPERM).
// - setpgid(pid, pgid): pgid 0 means "pid's own pid"; the group must be the
//   process's own pid or an existing group (else EPERM). killpg(pgid, sig)
//   sends sig to every live member in pid order; init ignores it.
//
// Every operation returns an error value (InputError, with the errno name
// a real system call would give) and leaves the table unchanged when it
// cannot be done; it never throws. Each change is appended to events().
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "osgrid/os/expected.h"
#include "osgrid/os/proc/process_state.h"

namespace osgrid::os {

/// A process id. 0 means "none" (init's ppid; "any child" in Wait).
using Pid = std::int32_t;
inline constexpr Pid kInitPid = 1;

/// The signals the table understands, with their Linux numbers.
enum class Signal { kSigKill = 9, kSigTerm = 15 };

/// "SIGKILL", "SIGTERM".
std::string_view SignalName(Signal signal);
/// "9", "KILL", "SIGKILL", "term", ... (case-insensitive) -> the signal.
/// Error: "unknown signal 'HUP' (use SIGTERM/15 or SIGKILL/9)".
Expected<Signal> ParseSignal(std::string_view text);

/// The process control block (Silberschatz 3.1.3; OSTEP Figure 4.5's
/// struct proc), without the saved registers.
struct Pcb {
  Pid pid = 0;
  Pid ppid = 0;         // parent; 0 for init
  Pid pgid = 0;         // process group id
  std::string name;     // a label for people ("B"); may be empty
  std::string program;  // what it runs: copied by fork, replaced by exec
  ProcessState state = ProcessState::kNew;
  std::optional<int> exit_status;   // set by exit(); empty while alive or when killed
  std::optional<Signal> killed_by;  // set when a signal terminated it
  std::vector<Pid> children;        // in order of fork / adoption; zombies stay until reaped
  bool in_wait = false;             // waiting because it called wait() (not for I/O)
  Pid waits_for = 0;                // when in_wait: 0 = any child, else that child
  std::uint64_t exit_order = 0;     // 1, 2, ...: order of termination (0 while alive)

  /// Terminated but not yet reaped (reaped processes leave the table).
  bool zombie() const { return state == ProcessState::kTerminated; }
};

/// Where the children of a terminating process go.
enum class OrphanRule {
  kInit,                // Unix (Silberschatz 3.3.2): each child becomes init's; grandchildren stay with their parents
  kGrandparent,         // to the terminating process's own parent (fork.py -R; like Linux's "child subreaper")
  kInitAllDescendants,  // fork.py's default model: EVERY descendant becomes a direct child of init
};

struct KernelOptions {
  OrphanRule orphans = OrphanRule::kInit;
  bool reap_at_once = false;       // every parent reaps at once: no zombies (fork.py's model)
  std::string init_name = "init";  // name of pid 1 (fork.py calls it "a")
  std::string init_program = "init";
};

enum class EventKind {
  kTransition,   // a state change (new -> ready, ...)
  kCreated,      // fork made `pid`, child of `related`
  kExec,         // `pid` now runs another program
  kExited,       // `pid` called exit()
  kKilled,       // a signal terminated `pid`
  kZombie,       // `pid` terminated and waits for its parent `related` to reap it
  kReparented,   // orphan `pid` moved from `previous` to `related`
  kBlocked,      // `pid` blocks (in wait(), or for I/O)
  kWaitReturns,  // `related`'s blocked wait() returned with child `pid`
  kReaped,       // `related` reaped zombie `pid` (its PCB is gone)
  kSetPgid,      // `pid` moved to group `related`
  kNoEffect,     // a signal to a zombie or to init
};

/// One thing that happened, for the trace.
struct ProcEvent {
  EventKind kind = EventKind::kTransition;
  Pid pid = 0;       // the process it is about
  Pid related = 0;   // see EventKind
  Pid previous = 0;  // kReparented: the old parent
  std::string text;  // one sentence: "pid 3 (B) exits with status 3"
};

/// What wait() did.
struct WaitResult {
  bool blocked = false;            // true: the caller is now waiting; nothing reaped yet
  Pid child = 0;                   // the reaped child (when !blocked)
  std::optional<int> exit_status;  // its exit status, or empty if a signal killed it
  std::optional<Signal> killed_by;
};

class ProcessTable {
 public:
  /// A table holding init (pid 1), running.
  explicit ProcessTable(KernelOptions options = {});

  // ---- The process API (OSTEP ch. 5) -----------------------------------------

  /// `parent` forks: returns the child's pid. The child is called `name`
  /// (may be empty). Errors: no such process (ESRCH); parent cannot run.
  Expected<Pid> Fork(Pid parent, std::string name = {});
  /// `pid` replaces its program with `program` (same pid, same PCB).
  /// Errors: ESRCH; cannot run; empty program (EINVAL).
  Expected<Pid> Exec(Pid pid, std::string program);
  /// `pid` exits with `status`. Errors: ESRCH; cannot run; pid is init.
  Expected<Pid> Exit(Pid pid, int status);
  /// `parent` waits for `child` (0 = any child). Errors: ESRCH; cannot run;
  /// ECHILD (no children, or `child` is not its child).
  Expected<WaitResult> Wait(Pid parent, Pid child = 0);
  /// Sends `signal` to `pid`. Returns true when it terminated the process,
  /// false when it was already a zombie (no effect). Errors: ESRCH; EPERM for init.
  Expected<bool> Kill(Pid pid, Signal signal);
  /// Sends `signal` to every live process of group `pgid` (pid order; init
  /// ignores it). Returns the pids it terminated. Error: ESRCH (empty group).
  Expected<std::vector<Pid>> KillGroup(Pid pgid, Signal signal);
  /// Moves `pid` into group `pgid` (0 = its own pid). Returns the group.
  /// Errors: ESRCH (no such live process); EPERM (init, or no such group); EINVAL (pgid < 0).
  Expected<Pid> SetPgid(Pid pid, Pid pgid);

  // ---- The scheduler's transitions (process_state.h), for the live nodes ----

  /// ready -> running; the running process, if another, is preempted first.
  Expected<ProcessState> Dispatch(Pid pid);
  /// running -> ready (timeout).
  Expected<ProcessState> Preempt(Pid pid);
  /// running -> waiting for an event such as I/O (a ready process is dispatched first).
  Expected<ProcessState> Block(Pid pid);
  /// waiting -> ready: the I/O completed. Error if it waits in wait() instead.
  Expected<ProcessState> Wake(Pid pid);

  // ---- Looking ----------------------------------------------------------------

  /// The PCB of `pid`, or nullptr (never existed, or reaped).
  const Pcb* Find(Pid pid) const;
  /// Every PCB in the table (live and zombie), by pid.
  const std::map<Pid, Pcb>& table() const { return table_; }
  /// The running process, or 0 when the CPU is idle.
  Pid running() const { return running_; }
  /// The pid the next fork will return.
  Pid next_pid() const { return next_pid_; }
  /// The last PCB of every reaped process, in reaping order: what the table
  /// forgot (like BSD process-accounting records), for reports.
  const std::vector<Pcb>& reaped() const { return reaped_; }
  /// Everything that happened so far (since the last ForgetEvents()), oldest first.
  const std::vector<ProcEvent>& events() const { return events_; }
  /// Drops the events recorded so far: a long run that reads them call by
  /// call need not keep them all.
  void ForgetEvents() { events_.clear(); }
  /// "pid 3 (B)", or "pid 3" for an unnamed process.
  std::string Describe(Pid pid) const;
  const KernelOptions& options() const { return options_; }

 private:
  Pcb* Get(Pid pid);
  Expected<Pcb*> Caller(Pid pid, std::string_view call);
  void Emit(EventKind kind, Pid pid, Pid related, std::string text, Pid previous = 0);
  void Move(Pcb& pcb, StateTransition transition, std::string_view why = {});
  void Run(Pcb& pcb);
  void Terminate(Pcb& pcb);
  void AdoptOrphans(Pcb& dying);
  void Adopt(Pcb& orphan, Pid new_parent, Pid old_parent);
  void NotifyParent(Pcb& zombie);
  bool WaitMatches(const Pcb& parent, Pid child) const;
  WaitResult Reap(Pid parent, Pid child);
  std::vector<Pid> Descendants(Pid pid) const;

  KernelOptions options_;
  std::map<Pid, Pcb> table_;
  std::vector<ProcEvent> events_;
  std::vector<Pcb> reaped_;
  Pid running_ = 0;
  Pid next_pid_ = kInitPid;
  std::uint64_t exits_ = 0;
};

}  // namespace osgrid::os
