// CPU sharing on one peer: placement, forwarding, the ready queue and the
// executor.
//
// A CPU_TASK submitted here goes one of two ways:
//   - run here: confidential tasks, tasks another peer forwarded to us, tasks
//     the tracker places on us, and any task when no tracker answers;
//   - forwarded: the tracker names a less-loaded peer; we send it the task
//     marked `forwarded` (so it never travels twice) and relay its reply.
// Tasks run here go to the LiveScheduler (live_scheduler.h): the ready queue
// is the os/ policy named by --scheduler, and at most `cores` task processes
// run at once, stopped and continued as the policy says. A forward whose peer cannot be
// reached falls back to running here: nothing accepted is dropped.
//
// Placement and forwarding are asynchronous calls on the io thread
// (Outbound), so any number may be in flight; forwards are bounded by
// --max-forwards instead (max_forwards: a CPU_TASK forwarded, or a
// CPU_BATCH's share for one peer, counts one until its reply). A task placed
// on another peer while that many are in flight waits, in arrival order, for
// one to end; while as many tasks wait as the ready queue may hold
// (--ready-queue-max), a further one is refused with LIMIT naming both flags.
//
// Jobs. The tasks of one CPU_BATCH that run here (all of a forwarded batch,
// or this peer's share of a client's) and share a program form a job, with a
// new id "<node>/job-<n>" each time a batch arrives: the executor runs a
// job's calls in worker processes, one call after another (executor.h),
// never shared with another job, so never with another submitter. Each call
// stays a task of its own in the scheduler. A CPU_TASK, and a subtask, has
// no job: a process of its own. When a job has no task left here, its
// workers are ended (Executor::EndJob).
#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include <boost/asio/steady_timer.hpp>

#include "live_scheduler.h"
#include "osgrid/net/requests.h"
#include "osgrid/net/server.h"
#include "osgrid/os/random.h"
#include "osgrid/os/sched/sched_policies.h"
#include "osgrid/peer/executor.h"
#include "outbound.h"
#include "peer_events.h"
#include "peer_stats.h"
#include "task_tree.h"

namespace osgrid::peer {

struct CpuOptions {
  std::string node;  // our peer id
  int cores = 1;
  std::chrono::milliseconds default_timeout{60000};    // wall clock, --task-timeout
  std::chrono::milliseconds default_cpu_limit{30000};  // CPU time, --task-cpu-limit
  std::string scheduler = "FCFS";                      // --scheduler: a name from os::SchedPolicies()
  os::SchedPolicyParams sched_params;                  // --quantum, --mlfq-*: ms
  RemotePolicyOptions scheduler_file;                  // --scheduler-file etc.: used when its file is set
  std::size_t ready_queue_max = params::kReadyQueueMax;
  std::string task_binary;                          // osgrid-task
  std::size_t max_forwards = params::kMaxForwards;  // forwards in flight at once, --max-forwards
  SandboxMode sandbox = SandboxMode::kStrict;
  TaskLimits task_limits;
  TreeLimits tree_limits;                          // children per task, tasks per tree (docs/syscalls.md)
  std::optional<std::uint64_t> inject_seed;        // --inject-seed: delay system calls (InjectDelays)
  std::chrono::milliseconds inject_max_delay{20};  // --inject-max-delay-ms
};

class CpuService {
 public:
  /// `outbound` null: standalone, everything runs here. It, `stats` and
  /// `events` must outlive the service, which publishes each task's life:
  /// task.submitted where a client submitted it, then task.queued,
  /// task.running and task.finished where it runs (the tracker publishes
  /// task.forwarded when it places a task elsewhere). A task refused before
  /// it ran ends with task.finished (failed) where it was refused.
  CpuService(boost::asio::io_context& io, CpuOptions options, Outbound* outbound, PeerStats& stats, PeerEvents& events);
  ~CpuService();

  /// Starts the executor's zygote (see Executor::Open) and the scheduler; logs
  /// the sandbox in force. Errors: INTERNAL, e.g. --sandbox strict on a
  /// machine that cannot; BAD_REQUEST for a bad --scheduler or its settings.
  Status Open();
  /// {"mode": "strict", "layers": ["pid-ns", ...], "missing": "<why>",
  ///  "python_version": "3.11.7", "python_home": "/usr"}
  Json SandboxReport() const;
  /// --inject-seed: {"seed", "max_delay_ms"}; null when off.
  Json InjectionReport() const;

  void HandleTask(const net::SessionPtr& session, const Json& request);   // CPU_TASK
  void HandleBatch(const net::SessionPtr& session, const Json& request);  // CPU_BATCH
  /// TASK_CANCEL: ends a task submitted here or running here, with outcome
  /// CANCELLED; with "group": true, KILLED, and its descendants with it
  /// (each where it runs: the kill is relayed along the tree). A task this peer forwarded is cancelled where it runs
  /// (the cancel is relayed there); one still being placed is cancelled before it goes anywhere. Reply {type CANCELLED,
  /// task_id, peer, was: "ready" | "running" | "placing"}. Errors: NOT_FOUND for an unknown id, or one that already
  /// ended ("task peer-1/3 already finished (ok)").
  void HandleCancel(const net::SessionPtr& session, const Json& request);
  /// TASK_ADOPTED: a task running here was adopted by its parent's peer's
  /// init (its parent ended first); getppid() returns the new parent from
  /// now on. Reply OK. A task not here yet (its forward may still be on its
  /// way) is adopted when it comes; the last kEarlyAdoptionsKept are kept.
  void HandleAdopted(const net::SessionPtr& session, const Json& request);
  /// The scheduler's policy and settings ({"policy", "quantum_ms"?, ...}),
  /// and the whole report with its timeline (LiveScheduler::Report). Null
  /// before Open().
  Json SchedulerSettings() const;
  Json SchedulerReport() const;
  /// How osgrid.mem reaches this peer's own key-value memory: a SET_MEM,
  /// GET_MEM or DEL_MEM frame in, its reply frame (or the error) out; the
  /// same code that serves clients (PeerServer). Unset: osgrid.mem is
  /// refused with UNAVAILABLE.
  using LocalMemory = std::function<Result<Json>(const Json& request)>;
  void SetLocalMemory(LocalMemory memory) { local_memory_ = std::move(memory); }
  /// The tracker answered a request this peer sent at `sent_ms`
  /// (PeerEvents::LocalNowMs): it heard from us then, so it will not
  /// declare us dead before sent_ms + peer_timeout. Re-arms the cut-off
  /// deadline: a little before then, tasks here that still hold Locks or
  /// Resources are killed (docs/sync.md, "Cut off from the tracker").
  void OnTrackerContact(double sent_ms, std::chrono::milliseconds peer_timeout);
  /// Registered with the tracker run `epoch`. A run other than the last one
  /// knows none of our tasks' Locks and Resources: their holders are killed.
  void OnTrackerRun(const std::string& epoch);

  /// Forwards in flight now, and tasks waiting for one to end.
  std::size_t forwards_in_flight() const { return forwards_in_flight_; }
  std::size_t forwards_waiting() const { return forwards_waiting_.size(); }

 private:
  struct Task {
    TaskSpec spec;
    SchedFields sched;
    std::string origin;                          // peer the task was submitted to
    std::string program_sha256;                  // as the submitter sent it; checked, and passed on when forwarded
    double submitted_t = 0;                      // when it was submitted, ms on the tracker's clock (events' t)
    std::string root;                            // the root of its process tree; "" when it is one
    bool confidential = false;                   // never leaves this peer; nor do its subtasks
    std::map<std::string, std::int64_t> claims;  // its declared maximum claims (docs/sync.md)
  };
  /// One finished task as a JSON entry: {ok, task_id, peer, result | code,
  /// message, detail, stdout, stderr, output_truncated, queued_ms, run_ms}.
  using EntryDone = std::function<void(Json entry)>;

  /// A decoded task, ready to queue: its id ("<node>/<n>" when none came),
  /// timeout and submission time filled in.
  Task Admit(net::TaskRequest request, const std::string& origin);
  /// The task as a forward sends it on (same id, digest and submission time).
  net::TaskRequest Forwardable(const Task& task) const;
  void Place(Task task, EntryDone done);
  void RunHere(Task task, EntryDone done);
  /// Puts `task`, one of a batch's tasks about to run here, in its job:
  /// `jobs` maps a program's sha256 to its job in this batch, and gets a new
  /// job "<node>/job-<n>" for a program not in it yet.
  void JoinJob(Task& task, std::map<std::string, std::string>& jobs);
  /// A task of `job` ended here; the last one ends the job's workers.
  void LeaveJob(const std::string& job);
  void OnFinished(const Task& task, const TaskOutcome& outcome, const TaskTimes& times, const EntryDone& done);
  void Forward(Task task, Json target, EntryDone done);
  void ForwardBatch(std::vector<std::pair<std::size_t, Task>> group, std::string peer_id, std::string host,
                    std::uint16_t port, std::shared_ptr<struct BatchState> batch,
                    std::shared_ptr<std::vector<EntryDone>> fills);
  /// Runs `send` now if fewer than max_forwards forwards are in flight, else
  /// when one ends (EndForward). Returns LIMIT, without running it, when the
  /// waiting line is full.
  Status StartForward(std::function<void()> send);
  void EndForward();
  bool HasTracker() const { return outbound_ != nullptr && outbound_->has_tracker(); }
  /// The PICK_PEER request that places `tasks` (named, so the tracker can
  /// publish their task.forwarded).
  Json PickPeerRequest(const std::vector<const Task*>& tasks) const;
  // ---- System calls and the process tree (docs/syscalls.md) ----
  using CallReply = TaskSpec::CallReply;
  void OnCall(const std::string& task_id, const Json& call, const CallReply& reply);
  /// --inject-seed: serves `call` after a seeded random delay in [0, max],
  /// and sends its reply after another, on timers (the io thread never
  /// sleeps). Delaying the reply of a granted sem.wait or lock.acquire
  /// reorders wake-ups; delaying the call reorders arrivals.
  void InjectDelays(const std::string& task_id, Json call, CallReply reply);
  void After(std::chrono::milliseconds delay, std::function<void()> then);
  void SubmitChild(const std::string& parent, const Json& call, const CallReply& reply);
  void WaitChild(const std::string& parent, const Json& call, const CallReply& reply);
  /// osgrid.mem.get/set/delete: the memory of the peer the task was submitted to.
  void MemoryCall(const std::string& task_id, const std::string& name, const Json& call, const CallReply& reply);
  /// Sends `request` (GET_MEM...) to peer `peer_id`, found in the tracker's PEER_LIST.
  void CallOriginPeer(const std::string& peer_id, Json request, std::function<void(Result<Json>)> done);
  /// A call on a cluster object (Lock, Resource, Semaphore, MessageQueue):
  /// relayed to the tracker as SYNC. If no answer comes within
  /// kSyncBlockAfter, the task gives up its core until it does.
  void SyncCall(const std::string& task_id, const Json& call, const CallReply& reply);
  /// The tracker's answer to a SYNC, as the task's reply; notes grants and releases in `holding_`.
  Json SyncReply(const std::string& task_id, const std::string& op, std::int64_t count, const Result<Json>& answer);
  /// Kills every task here that holds a Lock or Resource (outcome killed, `why`).
  void KillHolders(const std::string& why);
  /// A child submitted from here ended (its entry came back).
  void OnChildEnded(const std::string& child, double submitted_t, Json entry);
  /// A task that ran here ended: its orphans go to init, its zombies are reaped.
  void OnTaskExit(const std::string& task_id);
  /// task.finished for a child reaped now (by its parent's wait, its parent's end, or init).
  void PublishReaped(const std::string& child, const std::string& parent, const ChildExit& exit);
  /// Ends `task_id`'s descendants known here (kill --group), deepest first where they run here.
  void KillDescendants(const std::string& task_id, const Status& why);
  /// Ends one task wherever it is, for a cancel or a kill: "ready", "running",
  /// "waiting", "placing" or "forwarded"; NOT_FOUND if it is not here.
  /// `root`: also end the members of that tree where a kill is relayed.
  Result<std::string> EndTask(const std::string& task_id, const Status& why, bool group, const std::string& root = "");
  /// Ends every live member of `root`'s tree known here (killpg); how many.
  std::size_t KillGroup(const std::string& root, const Status& why);

  void PublishSubmitted(const Task& task);
  /// task.finished for `task`, ended here (ran, or refused) with `status`.
  /// Its wait_ms is the turnaround less `run_ms` and `blocked_ms` (waiting in system calls).
  void PublishFinished(const Task& task, const Status& status, double cpu_ms, double run_ms, double blocked_ms = 0);
  void UpdateStats();

  // ---- Where each task is, for TASK_CANCEL ----
  struct Whereabouts {
    enum class Kind { kPlacing, kLocal, kForwarded } kind = Kind::kPlacing;
    std::string peer;  // kForwarded: where it runs
    std::string host;
    std::uint16_t port = 0;
  };
  /// `done`, wrapped so that the task is tracked until it answers and its
  /// outcome is remembered afterwards.
  EntryDone Track(const Task& task, EntryDone done);
  /// Whether a cancel came for `task` while it was being placed; if so,
  /// answers it as cancelled through `done`.
  bool EndIfCancelled(const Task& task, const EntryDone& done);
  std::map<std::string, Whereabouts> whereabouts_;                  // tasks submitted or running here, not yet answered
  std::map<std::string, Status> cancelled_while_placing_;           // and why (CANCELLED or KILLED)
  std::deque<std::pair<std::string, std::string>> recently_ended_;  // task id, outcome; the last kRecentlyEnded
  static constexpr std::size_t kRecentlyEnded = 1000;

  boost::asio::io_context& io_;
  CpuOptions options_;
  Outbound* outbound_;  // null: standalone
  PeerStats& stats_;
  PeerEvents& events_;
  Executor executor_;
  std::unique_ptr<LiveScheduler> scheduler_;  // after Open()
  std::uint64_t submitted_ = 0;               // tasks submitted here, for task ids
  std::size_t forwards_in_flight_ = 0;
  std::deque<std::function<void()>> forwards_waiting_;  // forwards to start, oldest first

  TaskTree tree_;
  std::map<std::string, std::shared_ptr<const Task>> running_here_;  // given to the scheduler, not yet ended
  std::map<std::string, CallReply> waiting_;                         // tasks blocked in osgrid.wait: the reply
  LocalMemory local_memory_;
  std::map<std::string, std::pair<std::string, std::uint16_t>> peer_addresses_;  // peer id -> host, port
  std::map<std::string, std::int64_t> holding_;  // task -> Lock/Resource instances it holds (granted, not released)
  boost::asio::steady_timer cut_off_timer_;      // when to kill holders if the tracker stays silent
  std::string tracker_epoch_;                    // the tracker run we registered with last
  static constexpr std::chrono::milliseconds kSyncBlockAfter{2};
  std::optional<os::Rng> inject_rng_;                                   // --inject-seed: draws the delays
  std::set<std::shared_ptr<boost::asio::steady_timer>> inject_timers_;  // pending delays; cancelled with us
  std::deque<std::pair<std::string, std::string>> early_adoptions_;     // TASK_ADOPTED before the task came: id, parent
  static constexpr std::size_t kEarlyAdoptionsKept = 1000;
  std::uint64_t jobs_made_ = 0;                   // for job ids
  std::map<std::string, std::size_t> job_tasks_;  // job -> its tasks in the scheduler
};

}  // namespace osgrid::peer
