// The peer's CPU scheduler: real task processes scheduled by an os/ policy.
//
// Source: Silberschatz 10e, 5.1 (the ready queue, the dispatcher, preemptive
//         scheduling), 5.2 (criteria: waiting, turnaround and response time)
//         and 5.3.2 (predicting the next CPU burst by exponential averaging);
//         OSTEP ch. 7-9 for the policies, whose code is the simulator's
//         (os/sched): `osgrid sim sched` and a peer run the same objects.
//
// Every task that runs on this peer is a process (Executor). The scheduler
// keeps one control block per task and at most `cores` of them on a core:
//
//   Submit -> ready (in the policy's ready queue)
//   ready --PickNext, a core is free--> running   (Executor::Start, or SIGCONT)
//   running --slice ends, another task is ready--> ready   (SIGSTOP: "quantum")
//   running --a more urgent task arrives (preemptive policy)--> ready   (SIGSTOP: "preempted")
//   running/ready --the process ends--> gone (done is called)
//   running/ready --a system call that must wait (osgrid.wait)--> waiting   (Block)
//   waiting --the call can return--> ready   (Wake; the reply goes out when it runs)
//
// Stopping and continuing go through the process's pidfd (Executor::Stop,
// Continue). A stopped task keeps its process, its memory and its place in
// the program; its wall-clock limit keeps running, its CPU-time limit does not.
//
// Time. The policy sees ms on this peer's steady clock, from the scheduler's
// creation. CPU time is read from the kernel for the task's process at
// every dispatch, stop and slice timer (Executor::CpuTime), never guessed
// from wall time.
//
// A time slice of q ms (the policy's SliceFor) begins when the task is put
// on a core (its first: when its process has its task) and ends at the
// first of:
//   (a) the task has used q ms of CPU time: on a loaded machine a busy task
//       still gets a quantum of CPU, and no more, as in the simulator;
//   (b) it has held its core for q + kSliceGraceMs ms on the wall clock plus
//       its run delay (time in which the machine's kernel ran other
//       processes instead, /proc/PID/schedstat): a task that sleeps, and so
//       uses little CPU, loses its core too.
// The slice timer fires when the slice could be over at the soonest, and
// waits again for what is left until (a) or (b) holds; a late timer (a
// loaded machine delays the peer too) lengthens the slice by its lateness.
//
// What the policy is told (ReadyQueuePolicy::Ran) when a task leaves a core:
//   - finished: kFinished;
//   - stopped for a more urgent task: kPreempted;
//   - its slice ended: kSliceExpired, unless it used less than half of the
//     slice in CPU time, when it is kBlocked: it slept or waited for most of
//     its turn, and so gave the CPU up early (this is how MLFQ tells an
//     interactive task from a CPU hog on live processes; docs/scheduling.md).
// When a slice ends and no other task is ready, the task keeps its core
// without being stopped (the policy still hears Ran and is asked again).
//
// Burst prediction (SJF, SRTF). A task without burst_ms gets τ, the
// exponential average of the CPU time of the earlier tasks with its name:
// τ(n+1) = α·t(n) + (1 − α)·τ(n), α = kBurstAlpha, τ(0) = kFirstBurstGuessMs.
//
// A waiting task holds no core: its process sleeps in the call, and gets
// the call's reply only when the policy puts it on a core again, so it runs
// only when the policy says (Silberschatz 3.2.1: waiting -> ready -> running).
// The policy hears Ran(kBlocked) when it blocks.
//
// Events: task.queued, task.running, task.preempted (reason "quantum" or
// "preempted"), task.blocked, published as they happen; the caller publishes
// task.submitted and task.finished.
//
// Not thread-safe: every call on the io_context's thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "osgrid/net/json.h"
#include "osgrid/net/status.h"
#include "osgrid/os/sched/ready_queue.h"
#include "osgrid/os/sched/sched_policies.h"
#include "osgrid/peer/executor.h"
#include "peer_events.h"
#include "remote_policy.h"

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace osgrid::peer {

/// Silberschatz 5.3.2's α and τ(0) for burst prediction.
inline constexpr double kBurstAlpha = 0.5;
inline constexpr std::int64_t kFirstBurstGuessMs = 100;
/// What a slice's wall-clock allowance has beyond the quantum and the run
/// delay. The kernel adds a wait to a task's run delay only once the wait
/// is over, so a task that waits for a CPU right now looks, for that long,
/// like one that sleeps; waits are a few ms.
inline constexpr std::int64_t kSliceGraceMs = 5;

struct SchedulerOptions {
  std::string node;              // our peer id, for events
  int cores = 1;                 // tasks on a core at once, >= 1
  std::string policy = "FCFS";   // any name or alias of os::SchedPolicies()
  os::SchedPolicyParams params;  // quantum etc., in ms
  /// A student's policy instead (--scheduler-file; remote_policy.h): used
  /// when remote.file is not empty, and then `policy` is ignored.
  RemotePolicyOptions remote;
  std::size_t ready_queue_max = 1000;
  /// Called after every dispatch (tasks ready and running may have changed),
  /// e.g. to update the load the heartbeat reports.
  std::function<void()> on_change;
};

/// What a task carries for its scheduler, besides what it runs.
struct SchedFields {
  std::string name;                      // for burst prediction and the timeline; "" = the function's name
  int priority = 1;                      // lower = more urgent
  std::optional<std::int64_t> burst_ms;  // expected CPU burst; none: predicted
  std::int64_t tickets = 100;            // >= 1
  std::optional<std::string> parent;     // the task that submitted it, for events
};

/// How long a task spent in each state on this peer, ms (Silberschatz 5.2).
struct TaskTimes {
  std::int64_t response_ms = 0;    // submitted here -> first on a core
  std::int64_t waiting_ms = 0;     // ready but not on a core
  std::int64_t blocked_ms = 0;     // waiting in a system call (osgrid.wait): neither ready nor running
  std::int64_t run_ms = 0;         // on a core (wall clock)
  std::int64_t cpu_ms = 0;         // CPU time of its process
  std::int64_t turnaround_ms = 0;  // submitted here -> ended
  std::int64_t preemptions = 0;    // times it was stopped and later continued
};

class LiveScheduler {
 public:
  using Done = std::function<void(TaskOutcome outcome, const TaskTimes& times)>;

  /// Errors: BAD_REQUEST for an unknown policy or bad parameters (the
  /// message from os::MakeSchedPolicy), a --scheduler-file that cannot be
  /// used (RemotePolicy::Start), or cores < 1. A --scheduler-file policy
  /// publishes sched.policy_fallback if it falls back to FCFS.
  static Result<std::unique_ptr<LiveScheduler>> Create(boost::asio::io_context& io, Executor& executor,
                                                       PeerEvents& events, SchedulerOptions options);
  ~LiveScheduler();
  LiveScheduler(const LiveScheduler&) = delete;
  LiveScheduler& operator=(const LiveScheduler&) = delete;

  /// Admits a task to the ready queue; `done` is called once when it ends,
  /// never from inside Submit. Errors: LIMIT when ready_queue_max tasks are
  /// ready (nothing changes).
  Status Submit(TaskSpec spec, SchedFields fields, Done done);

  /// Ends the task `task_id` with `why` as its outcome (CANCELLED): a task
  /// that never ran leaves the ready queue; one with a process (running or
  /// stopped) has it killed. `done` follows, never inside Cancel. Returns
  /// what it was: "ready" or "running". Errors: NOT_FOUND when no task here
  /// has that id.
  Result<std::string> Cancel(const std::string& task_id, Status why);
  // (Cancel returns "waiting" for a task blocked in a system call.)

  /// The task `task_id`, on a core or ready, blocked in a system call
  /// (`on`, e.g. "wait peer-1/5", goes in its task.blocked): it gives up its
  /// core, or leaves the ready queue, and is waiting until Wake. Errors:
  /// NOT_FOUND (no such task here), BAD_REQUEST (it is already waiting).
  Status Block(const std::string& task_id, const std::string& on);
  /// The call `task_id` blocked in can return: it is ready again, and
  /// `resume` (which sends the call's reply) runs when the policy next puts
  /// it on a core. Errors: NOT_FOUND, BAD_REQUEST (it is not waiting).
  Status Wake(const std::string& task_id, std::function<void()> resume);

  /// The task `task_id` has a new parent (adopted by init): its events name
  /// it from now on. A task not here is ignored.
  void Reparent(const std::string& task_id, const std::string& parent);

  std::size_t ready() const;    // tasks in the ready queue
  std::size_t running() const;  // tasks on a core

  /// The policy and its settings, the tasks on each core and in the ready
  /// queue, and the recent timeline: {"policy", "summary", "source",
  /// "preemptive", "quantum_ms"?, "mlfq"?, "cores", "running": [...], "ready":
  /// [...], "waiting": [...], "blocked": [{task_id, name, on, start_t,
  /// end_t}] (stretches spent waiting in system calls), "timeline": [{task_id, name, core, start_t, end_t, cpu_ms,
  /// end}], "finished": [{task_id, name, response_ms, waiting_ms, turnaround_ms, run_ms, cpu_ms, preemptions}],
  /// "preemptions", "context_switches"}. Times *_t are ms on the tracker's clock (events' t). Under a
  /// --scheduler-file policy each running, ready and waiting entry also has "policy_id": the id of its Task.
  Json Report() const;
  /// The policy and its settings only ({"policy", "quantum_ms"?, "mlfq"?,
  /// "policy_file"?}). A --scheduler-file policy: "policy" is
  /// "SJF (policy.py)", or "FCFS (fallback: REASON)" once it fell back, and
  /// "policy_file" is RemotePolicy::Report().
  Json Settings() const;

 private:
  struct Proc;  // one task's control block; see live_scheduler.cpp

  /// `info` null: a --scheduler-file policy (`remote`).
  LiveScheduler(boost::asio::io_context& io, Executor& executor, PeerEvents& events, SchedulerOptions options,
                const os::SchedPolicyInfo* info, std::unique_ptr<os::ReadyQueuePolicy> policy,
                RemotePolicy* remote = nullptr);
  /// Whether the policy runs tasks in time slices.
  bool Sliced() const { return info_ != nullptr ? info_->sliced : policy_->quantum() > 0; }

  std::int64_t NowMs() const;
  Proc* FindTask(const std::string& task_id);  // nullptr if not here
  void DispatchSoon();
  void Dispatch();
  void RunOn(Proc& proc, int core);
  void BeginTurn(Proc& proc);
  void OnLaunched(std::uint64_t id);
  void StartSlice(Proc& proc);
  void ArmSlice(Proc& proc, std::chrono::microseconds length);
  void OnSliceEnd(std::uint64_t id);
  void MaybePreempt();
  /// False (and nothing changes) if its process has exited: OnExit follows.
  bool StopRunning(Proc& proc, os::RunEnd end, const char* reason);
  void OnExit(std::uint64_t id, TaskOutcome outcome);
  void ArmWakeup();
  /// CPU time of `proc`'s process since it was last put on a core, ms.
  std::int64_t CpuSinceDispatch(const Proc& proc) const;
  /// What is left of `proc`'s current slice of `slice` ms: the smaller of
  /// what is left of its two allowances (above); <= 0 once the slice is over.
  std::chrono::microseconds SliceLeft(const Proc& proc, std::int64_t slice) const;
  void EndSegment(Proc& proc, const char* end, std::chrono::microseconds cpu_now);
  /// Publishes task.queued for `proc`, just admitted: the ready queue's
  /// length and, when the policy says (os::ReadyQueuePolicy::PositionOf),
  /// where the task stands in it (1 = next), so that a viewer keeps the
  /// queue in the policy's order.
  void PublishQueued(const Proc& proc);
  std::int64_t PredictBurst(const std::string& name) const;
  void LearnBurst(const std::string& name, std::int64_t cpu_ms);

  boost::asio::io_context& io_;
  Executor& executor_;
  PeerEvents& events_;
  SchedulerOptions options_;
  const os::SchedPolicyInfo* info_;  // null for a --scheduler-file policy
  std::unique_ptr<os::ReadyQueuePolicy> policy_;
  RemotePolicy* remote_ = nullptr;  // policy_, when it is a --scheduler-file policy
  std::chrono::steady_clock::time_point epoch_;
  std::map<std::uint64_t, std::unique_ptr<Proc>> procs_;  // every task here, by scheduler id
  std::vector<std::uint64_t> cores_;                      // the task on each core; 0 = idle
  std::uint64_t next_id_ = 1;
  std::uint64_t last_dispatched_ = 0;  // for counting context switches
  std::int64_t preemptions_ = 0;
  std::int64_t context_switches_ = 0;
  std::map<std::string, double> burst_estimates_;               // τ by task name
  std::unique_ptr<struct WakeupTimer> wakeup_;                  // the policy's next NextWakeup()
  bool dispatch_pending_ = false;                               // DispatchSoon() posted, not yet run
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);  // handlers posted to io_ check it

  struct Segment {
    std::string task_id, name;
    int core = 0;
    double start_t = 0, end_t = 0;
    double cpu_ms = 0;  // CPU time the task used in it
    std::string end;    // "quantum", "preempted", "blocked", "finished"
  };
  struct BlockedStretch {  // a task waiting in a system call, off every queue
    std::string task_id, name, on;
    double start_t = 0, end_t = 0;
  };
  struct Finished {
    std::string task_id, name;
    TaskTimes times;
    std::optional<int> queue;  // the policy's queue it ended in (MLFQ)
  };
  static constexpr std::size_t kTimelineKept = 2000;  // most recent segments in Report()
  static constexpr std::size_t kFinishedKept = 200;   // most recent finished tasks in Report()
  static constexpr std::size_t kBurstNamesKept = 4096;
  std::deque<Segment> timeline_;
  std::deque<Finished> finished_;
  std::deque<BlockedStretch> blocked_;  // the most recent kTimelineKept
  void EndBlocked(const Proc& proc);
};

}  // namespace osgrid::peer
