// The task executor: runs each task's Python program in its own process.
//
// Process model. One task = one child process running `osgrid-task`
// (peer/src/task_main.cpp), which embeds CPython 3.11; Python never runs inside
// the peer. The executor spawns it with posix_spawn (safe in a multi-threaded
// process), in a new process group whose id is the task's pid, so one
// kill(-pgid, SIGKILL) also reaches any children the program forked. The child
// gets four pipes and no other file descriptor:
//   fd 0  the task as JSON {"program","function","args"}, written asynchronously
//   fd 1  stdout, fd 2 stderr: kept up to Options::output_cap bytes each
//   fd 3  the result: one JSON object, {"ok":true,"result":...} or
//         {"ok":false,"error":"<exception line>","traceback":"..."}
// Nothing blocks the io thread: the pipes are read with asynchronous reads, the
// exit is seen through a pidfd (pidfd_open(2)) that becomes readable when the
// child exits, and the child is then reaped with waitpid(WNOHANG), so no zombie
// is left behind. Output past the cap is read and thrown away, so a task that
// prints a gigabyte neither blocks nor grows the peer's memory.
//
// Lifecycle of one task:
//   Start: spawn -> write stdin, read fds 1-3, wait on the pidfd, arm the timeout
//   exit:  kill the rest of the group -> reap -> wait (at most kDrainTime) for
//          the pipes to reach end of file -> decide the outcome -> done(outcome)
//   timeout: kill(-pgid, SIGKILL), then as on exit; the outcome is TIMEOUT.
//
// Issue 5 will replace spawn-per-task with a pre-forked, sandboxed zygote.
// Everything that creates the process is in SpawnTaskProcess() in executor.cpp,
// so that function is the one to swap.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>

#include "osgrid/net/json.h"
#include "osgrid/net/params.h"
#include "osgrid/net/status.h"

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace osgrid::peer {

/// One task to run: call `function(*args)` after running `program`.
struct TaskSpec {
  std::string task_id;        // for messages and logs, e.g. "t-9000-17"
  std::string program;        // Python 3 source; may be megabytes
  std::string function;       // name of the function to call, e.g. "main"
  Json args = Json::array();  // JSON array of positional arguments
  std::chrono::milliseconds timeout{static_cast<int>(params::kTaskTimeoutS * 1000)};  // wall clock
};

/// How a task ended. `status` is one of:
///   ok           `result` holds the function's return value
///   TASK_FAILED  the program raised: message is the exception line
///                ("ZeroDivisionError: division by zero"), detail the full
///                traceback; or the program lacks the function, or the result
///                is not JSON-serialisable, or the process died without a
///                result ("task process died: killed by signal 6 (Aborted)",
///                "task process died: exited with status 3 without a result")
///   TIMEOUT      the task ran past spec.timeout and was killed
///   LIMIT        the result message was over Options::result_cap bytes
///   INTERNAL     the executor itself failed (e.g. lost the exit status)
struct TaskOutcome {
  Status status;
  Json result;                    // the function's return value (when ok)
  std::string stdout_text;        // captured stdout, at most output_cap bytes
  std::string stderr_text;        // captured stderr, at most output_cap bytes
  bool output_truncated = false;  // stdout or stderr was longer than output_cap
  std::chrono::milliseconds run_time{0};  // from spawn to exit, wall clock
  int pid = 0;                    // the task process (also its process-group id)
};
// Note: stdout_text and stderr_text are raw bytes, cut at the cap; they need not
// be valid UTF-8. Serialise them with Json::error_handler_t::replace.

/// Runs tasks in child processes. Not thread-safe: construct it, call every
/// method and destroy it on the thread that runs the io_context (one io thread
/// per process). That thread must outlive every task:
/// PR_SET_PDEATHSIG, which kills a task whose peer died, follows the thread
/// that spawned it.
///
/// The constructor sets SIGPIPE to ignored for the whole process if it had the
/// default action: writing a program to a task that already died must fail with
/// EPIPE, not kill the peer. Tasks start with every signal at its default.
class Executor {
 public:
  struct Options {
    std::string task_binary;  // path of osgrid-task; empty: DefaultTaskBinary()
    std::size_t output_cap = params::kTaskOutputBytes;  // bytes kept per stream
    std::size_t result_cap = params::kResultBytes;      // bytes of the fd-3 message
  };

  /// How long, after the task process exits, to wait for its pipes to reach
  /// end of file (a grandchild that left the process group may hold them open).
  static constexpr std::chrono::milliseconds kDrainTime{500};

  /// `io` must outlive the Executor.
  Executor(boost::asio::io_context& io, Options options);
  /// Kills and reaps every running task. Their `done` callbacks are not called.
  ~Executor();
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  /// Starts `spec` in a new child process now (the caller's ready queue
  /// decides when). On ok, `done` (not empty) is called exactly once, on the
  /// io_context's thread, unless the Executor is destroyed first. Errors are
  /// returned directly, and then `done` is never called:
  ///   BAD_REQUEST  spec.args is not a JSON array
  ///   INTERNAL     the process could not be spawned (e.g. no osgrid-task)
  Status Start(TaskSpec spec, std::function<void(TaskOutcome)> done);

  /// Tasks started whose `done` has not been called yet.
  std::size_t running() const;

  /// Default path: "osgrid-task" next to /proc/self/exe (the build and install
  /// put every osgrid program in one folder).
  static std::string DefaultTaskBinary();

 private:
  class Task;  // one running task; see executor.cpp

  boost::asio::io_context& io_;
  Options options_;
  std::unordered_map<int, std::shared_ptr<Task>> running_;  // by pid
};

}  // namespace osgrid::peer
