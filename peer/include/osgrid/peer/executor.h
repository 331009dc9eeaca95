// The task executor: runs each task's Python program in its own process.
//
// Process model. One task = one child process of the peer, with a known pid.
// It is a fork of the zygote (`osgrid-task --zygote`, peer/src/zygote.cpp),
// which started CPython 3.11 once; Python never runs inside the peer. The
// warm pool (peer/src/warm_pool.h) keeps a few such processes ready, already
// sandboxed (docs/security.md) and warmed up, so starting a task is a hand-off
// of its pipes over a socket: no fork and no interpreter start on the task's
// path. Each task process leads its own session and process group (pgid = its
// pid), so one kill(-pgid, SIGKILL) ends it. It gets four pipes and no other
// file descriptor:
//   fd 0  the task as JSON {"program","function","args"}, written asynchronously
//   fd 1  stdout, fd 2 stderr: kept up to Options::output_cap bytes each
//   fd 3  the result: one JSON object, {"ok":true,"result":...} or
//         {"ok":false,"error":"<exception line>","traceback":"..."}, with
//         "cpu_ms": the CPU time (user + system) the program took, measured
//         by the task process itself around loading and calling it
// Nothing blocks the io thread: the pipes are read with asynchronous reads, the
// exit is seen through a pidfd (pidfd_open(2)) that becomes readable when the
// child exits, and the child is then reaped with waitpid(WNOHANG), so no zombie
// is left behind. Output past the cap is read and thrown away, so a task that
// prints a lot neither blocks nor grows the peer's memory; past output_limit
// bytes in all, the task is killed (LIMIT).
//
// Lifecycle of one task:
//   Start: wait for a warm process -> hand off -> write stdin, read fds 1-3,
//          wait on the pidfd, arm the timeout
//   exit:  kill the rest of the group -> reap -> wait (at most kDrainTime) for
//          the pipes to reach end of file -> decide the outcome -> done(outcome)
//   timeout: kill(-pgid, SIGKILL), then as on exit; the outcome is TIMEOUT.
//
// Workers: the calls of one job. A task with a TaskSpec::job (the calls of
// one batch that share a program, on this peer: cpu_service.h) is a call of
// that job. Its process is a worker: a task process that runs the job's calls
// one after another, as a shell runs commands, and loads the program once.
// Each call is still a task here, with a handle, its own four pipes (sent
// over fd 4 with a zygote::RunCall), its own timeout, CPU-time limit (from
// its start), output and result. A call ends when the worker closes its
// pipes after a whole result; the worker is then parked for the job's next
// call. Starting a call whose job has a parked worker takes that worker, no
// warm process; otherwise a warm process becomes a new worker. Since the
// caller runs at most `cores` calls at once, a job has about that many
// workers. A call that is killed (Kill, a limit, its output) or whose result
// is over the cap kills its worker; the job's later calls get a fresh one.
// Workers are never shared between jobs (docs/security.md says what the
// calls of one job share). A parked worker is killed at EndJob, after
// kWorkerIdleTime, or as the oldest of more than Options::max_idle_workers.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>

#include "osgrid/net/json.h"
#include "osgrid/net/params.h"
#include "osgrid/net/status.h"
#include "osgrid/peer/sandbox.h"

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace osgrid::peer {

class WarmPool;     // peer/src/warm_pool.h
class UniqueFd;     // peer/src/unique_fd.h
class CallChannel;  // peer/src/call_channel.h

/// One task to run: call `function(*args)` after running `program`.
struct TaskSpec {
  std::string task_id;        // for messages and logs, e.g. "t-9000-17"
  std::string program;        // Python 3 source; may be megabytes
  std::string function;       // name of the function to call, e.g. "main"
  Json args = Json::array();  // JSON array of positional arguments
  std::chrono::milliseconds timeout{static_cast<int>(params::kTaskTimeoutS * 1000)};  // wall clock
  /// CPU time the process may use (user + system), however long it waits;
  /// 0 = as long as `timeout`. Checked by the executor with ms precision
  /// (RLIMIT_CPU, whole seconds, backs it up).
  std::chrono::milliseconds cpu_limit{0};
  /// The task's system calls (`import osgrid`; call_channel.h): each a JSON
  /// object {"call": ..., ...}, on the io thread, with the function that
  /// answers it ({"ok": true, ...} or {"ok": false, "code", "error"}). Answer
  /// each once, in the order they came; a reply to a task that has ended is
  /// dropped. Empty: every call is refused (UNAVAILABLE).
  using CallReply = std::function<void(const Json& reply)>;
  std::function<void(Json call, CallReply reply)> on_call;
  /// The job this task is a call of, e.g. "peer-1/job-3": its process may be
  /// a worker that ran earlier calls of the job and runs later ones (see the
  /// top of this file). Give one job only calls of one submitter's batch
  /// that share `program`. "": a process of its own, used once.
  std::string job;
};

/// How a task ended. `status` is one of:
///   ok           `result` holds the function's return value
///   TASK_FAILED  the program raised: message is the exception line
///                ("ZeroDivisionError: division by zero"), detail the full
///                traceback; or the program lacks the function, or the result
///                is not JSON-serialisable, or the process died without a
///                result ("task process died: killed by signal 6 (Aborted)",
///                "task process died: exited with status 3 without a result")
///   TIMEOUT      the task ran past spec.timeout (wall clock) or used more
///                than spec.cpu_limit of CPU time, and was killed
///   LIMIT        the result message was over Options::result_cap bytes, or
///                the task printed more than Options::output_limit and was killed
///   INTERNAL     the executor itself failed: no task process could be
///                prepared ("cannot start task t-1: ..."), or the exit status
///                was lost
struct TaskOutcome {
  Status status;
  Json result;                            // the function's return value (when ok)
  std::string stdout_text;                // captured stdout, at most output_cap bytes
  std::string stderr_text;                // captured stderr, at most output_cap bytes
  bool output_truncated = false;          // stdout or stderr was longer than output_cap
  std::chrono::milliseconds run_time{0};  // from hand-off to exit (a worker's call: to its end), wall clock
  /// CPU time of the process (user + system), from the kernel when it was
  /// reaped (wait4's rusage), or for a worker's call, from the call's start
  /// to its end (clock_getcpuclockid); else what the task reported (fd 3's cpu_ms).
  std::chrono::microseconds cpu_time{0};
  int pid = 0;  // the task process (also its process-group id); the calls a worker ran share its pid
};
// Note: stdout_text and stderr_text are raw bytes, cut at the cap; they need not
// be valid UTF-8. Serialise them with Json::error_handler_t::replace.

/// Runs tasks in child processes. Not thread-safe: construct it, call every
/// method and destroy it on the thread that runs the io_context (one io thread
/// per process; make it the process's main thread). That thread must outlive
/// every task: PR_SET_PDEATHSIG, which kills a task or zygote whose peer died,
/// follows the thread that is its parent.
///
/// The constructor sets SIGPIPE to ignored for the whole process if it had the
/// default action: writing a program to a task that already died must fail with
/// EPIPE, not kill the peer. Tasks start with every signal at its default.
class Executor {
 public:
  struct Options {
    std::string task_binary;                            // path of osgrid-task; empty: DefaultTaskBinary()
    std::size_t output_cap = params::kTaskOutputBytes;  // bytes kept per stream
    std::size_t output_limit = 64u << 20;               // bytes printed in all before the task is killed
    std::size_t result_cap = params::kResultBytes;      // bytes of the fd-3 message
    SandboxMode sandbox = SandboxMode::kStrict;
    TaskLimits limits;                 // per task; cpu_seconds is set from each task's timeout
    int warm_target = 2;               // task processes kept warm
    std::size_t max_idle_workers = 8;  // parked workers kept, over all jobs
  };

  /// How long a worker stays parked without a call before it is killed.
  static constexpr std::chrono::milliseconds kWorkerIdleTime{2000};

  /// How long, after the task process exits, to wait for its pipes to reach
  /// end of file (a grandchild that left the process group may hold them open).
  static constexpr std::chrono::milliseconds kDrainTime{500};

  /// `io` must outlive the Executor.
  Executor(boost::asio::io_context& io, Options options);
  /// Kills and reaps every running task. Their `done` callbacks are not called.
  ~Executor();

  /// Starts the zygote and the first warm task processes (blocking, about
  /// 50 ms). Call once, before Start. Errors: INTERNAL when osgrid-task cannot
  /// start, or when Options::sandbox is strict and a layer is missing (the
  /// message lists why).
  Status Open();
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  /// A started task, for Stop, Continue and CpuTime; unique per Executor.
  using TaskHandle = std::uint64_t;

  /// Starts `spec` in the next warm task process (the caller's ready queue
  /// decides when). On ok, `done` (not empty) is called exactly once, on the
  /// io_context's thread and never from within Start, unless the Executor is
  /// destroyed first. Errors are returned directly, and then `done` is never
  /// called:
  ///   BAD_REQUEST  spec.args is not a JSON array
  ///   INTERNAL     Open() was not called or failed
  /// `launched`, if set, is called once the task has its process and has
  /// been handed its task (before it has read it), on the io thread; not at
  /// all if it never gets one.
  Result<TaskHandle> Start(TaskSpec spec, std::function<void(TaskOutcome)> done, std::function<void()> launched = {});

  /// Stops a running task: SIGSTOP through its pidfd (pidfd_send_signal(2)),
  /// so a pid reused after its exit can never be hit. A task still waiting
  /// for its process is stopped the moment it gets one. Its wall-clock
  /// timeout keeps running while it is stopped; its CPU time does not grow.
  /// Errors: NOT_FOUND (no such task, or it has finished), INTERNAL (the
  /// signal failed: it is exiting).
  Status Stop(TaskHandle task);
  /// Continues a stopped task (SIGCONT through its pidfd). Errors: as Stop.
  Status Continue(TaskHandle task);
  /// The CPU time (user + system) the task's process has used since its
  /// hand-off (not what its warm-up used), read from the kernel
  /// (clock_getcpuclockid(3) of its pid); 0 before it has a process.
  std::chrono::microseconds CpuTime(TaskHandle task) const;
  /// How long the task's process has been runnable but waiting for a CPU
  /// that the machine's kernel gave to other processes (the second field of
  /// /proc/PID/schedstat); 0 before it has a process, once it has finished,
  /// or where the kernel does not keep it.
  std::chrono::microseconds RunDelay(TaskHandle task) const;
  /// Whether the task has its process (Start's `launched` has been called).
  bool Launched(TaskHandle task) const;
  /// Kills a task (its whole process group); `done` then reports `why`
  /// (e.g. CANCELLED "cancelled by ..."). Errors: NOT_FOUND as Stop.
  Status Kill(TaskHandle task, Status why);

  /// Tasks started whose `done` has not been called yet.
  std::size_t running() const;

  /// The job `job` has no call left to start here: its parked workers are
  /// killed now. (One parked later, e.g. by a call still running, goes after
  /// kWorkerIdleTime.)
  void EndJob(const std::string& job);
  /// Workers parked between two calls of their job.
  std::size_t idle_workers() const;

  /// The sandbox in force: mode, SandboxLayer bits every task gets, and why
  /// the missing ones are missing ("" when none is).
  SandboxMode sandbox_mode() const { return options_.sandbox; }
  std::uint32_t sandbox_layers() const;
  std::string sandbox_problems() const;

  /// The Python tasks run in, as osgrid-task reported it: its version
  /// ("3.11.7") and home (sys.prefix: "/usr", or e.g. a pyenv prefix, which the
  /// sandbox exposes read-only). "" before Open().
  std::string python_version() const;
  std::string python_home() const;

  /// Default path: "osgrid-task" next to /proc/self/exe (the build and install
  /// put every osgrid program in one folder).
  static std::string DefaultTaskBinary();

 private:
  class Task;  // one running task; see executor.cpp

  boost::asio::io_context& io_;
  Options options_;
  /// Reaps `pid`, a task already reported, once its pidfd says it exited.
  void ReapLater(int pid, UniqueFd pidfd);

  std::unique_ptr<WarmPool> pool_;  // after Open()
  /// Task processes reported but not yet exited, with their pidfd watches.
  struct ExitWatch;  // a pidfd being watched; see executor.cpp
  std::unordered_map<int, std::shared_ptr<ExitWatch>> exiting_;
  std::unordered_map<std::uint64_t, std::shared_ptr<Task>> running_;  // started, not done
  std::uint64_t next_task_id_ = 1;

  struct IdleWorker;  // a worker between two calls; see executor.cpp
  /// A warm process for `task` (first come, first served), then Task::Launch.
  void Acquire(const std::shared_ptr<Task>& task, const TaskLimits& limits);
  /// Parks a worker whose call ended well (`pidfd` and `channel` as the call held them).
  void Park(const std::string& job, int pid, UniqueFd pidfd, std::shared_ptr<CallChannel> channel);
  void Park(const std::shared_ptr<IdleWorker>& worker);
  /// The most recently parked worker of `job`, out of idle_; null if none.
  std::shared_ptr<IdleWorker> TakeIdle(const std::string& job);
  /// Kills `worker` (its process group) and reaps it in the background.
  void Retire(IdleWorker& worker);
  std::deque<std::shared_ptr<IdleWorker>> idle_;                // parked, oldest first
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);  // handlers posted to io_ check it
};

}  // namespace osgrid::peer
