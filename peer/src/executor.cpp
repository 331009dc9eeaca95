// The task executor: spawns, watches and judges task processes. The process
// model and the lifecycle of a task are described at the top of executor.h.
//
// [SECTION] File descriptors and pipes
// [SECTION] SpawnTaskProcess: the one place a task process is created
// [SECTION] Judging how a task ended
// [SECTION] Executor::Task: one running task
// [SECTION] Executor
#include "osgrid/peer/executor.h"

#include <utility>  // before Boost.Asio: GCC 12 + C++20 (docs/toolchain.md)

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <filesystem>
#include <optional>
#include <system_error>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

namespace osgrid::peer {
namespace {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;
using ErrorCode = boost::system::error_code;

constexpr int kResultFd = 3;  // the task writes its one result message here

// Tasks get this small fixed environment, not the peer's own (which may hold
// tokens or paths that are none of a task's business).
constexpr const char* kTaskEnvironment[] = {"PATH=/usr/local/bin:/usr/bin:/bin",
                                            "LANG=C.UTF-8", nullptr};

// ---------------------------------------------------------------------------
// [SECTION] File descriptors and pipes

/// A file descriptor, closed when destroyed unless released.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    reset(other.release());
    return *this;
  }
  ~UniqueFd() { reset(); }

  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }
  void reset(int fd = -1) {
    if (fd_ >= 0) close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

/// INTERNAL "<what>: <strerror(error)>", e.g. "pipe2: Too many open files".
Status SystemError(const std::string& what, int error) {
  return Status::Internal(what + ": " + std::generic_category().message(error));
}

struct Pipe {
  UniqueFd read_end;
  UniqueFd write_end;
};

/// A pipe whose ends both close on exec: a child gets one only through dup2.
Result<Pipe> MakePipe() {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return SystemError("pipe2", errno);
  return Pipe{UniqueFd(fds[0]), UniqueFd(fds[1])};
}

/// A pidfd for our child `pid`: readable once the child has exited.
Result<UniqueFd> OpenPidfd(int pid) {
  long fd = syscall(SYS_pidfd_open, pid, 0);  // close-on-exec is always set
  if (fd < 0) return SystemError("pidfd_open", errno);
  return UniqueFd(static_cast<int>(fd));
}

/// Kills the process group `pgid` and reaps its leader. Blocks, but only until
/// the SIGKILL lands; for error paths and the Executor's destructor.
void KillAndReap(int pgid) {
  kill(-pgid, SIGKILL);
  while (waitpid(pgid, nullptr, 0) < 0 && errno == EINTR) {
  }
}

// ---------------------------------------------------------------------------
// [SECTION] SpawnTaskProcess: the one place a task process is created

/// A started task process, as the peer holds it.
struct TaskProcess {
  int pid = 0;                    // also the id of its process group
  Clock::time_point start_time;   // just before the spawn
  UniqueFd pidfd;                 // readable once the process has exited
  UniqueFd stdin_pipe;            // write end of the child's fd 0
  UniqueFd stdout_pipe;           // read end of the child's fd 1
  UniqueFd stderr_pipe;           // read end of the child's fd 2
  UniqueFd result_pipe;           // read end of the child's fd 3
};

/// posix_spawn's two settings objects, initialised and destroyed together.
struct SpawnSettings {
  SpawnSettings() {
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attributes);
  }
  ~SpawnSettings() {
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
  }
  SpawnSettings(const SpawnSettings&) = delete;
  SpawnSettings& operator=(const SpawnSettings&) = delete;

  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attributes;
};

/// Fills `settings` so that the child gets child_fds[i] as its fd i (i = 0..3)
/// and no other descriptor, a process group of its own (pgid = its pid), every
/// signal at its default action and none blocked. Returns 0 or an errno value.
int PrepareSpawn(SpawnSettings& settings, const std::array<int, 4>& child_fds) {
  int error = 0;
  for (int target = 0; target <= kResultFd && error == 0; ++target) {
    error = posix_spawn_file_actions_adddup2(&settings.actions, child_fds[target], target);
  }
  if (error == 0) {
    error = posix_spawn_file_actions_addclosefrom_np(&settings.actions, kResultFd + 1);
  }
  sigset_t all_signals;
  sigset_t no_signals;
  sigfillset(&all_signals);
  sigemptyset(&no_signals);
  if (error == 0) error = posix_spawnattr_setpgroup(&settings.attributes, 0);
  if (error == 0) error = posix_spawnattr_setsigdefault(&settings.attributes, &all_signals);
  if (error == 0) error = posix_spawnattr_setsigmask(&settings.attributes, &no_signals);
  short flags = POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK;
  if (error == 0) error = posix_spawnattr_setflags(&settings.attributes, flags);
  return error;
}

/// Starts `binary` (osgrid-task) as described at the top of executor.h, with
/// argv {binary, task_id, our pid}. Errors: INTERNAL naming the failed call,
/// e.g. "posix_spawn /x/osgrid-task: No such file or directory".
/// Issue 5 replaces this function with a request to a pre-forked zygote.
Result<TaskProcess> SpawnTaskProcess(const std::string& binary, const std::string& task_id) {
  // The child's fds 0..3, made in that order: each new pipe takes the lowest
  // free numbers, so no child end can sit on a number 0..3 that an earlier
  // dup2 in PrepareSpawn has already replaced.
  std::array<Pipe, 4> pipes;
  for (Pipe& pipe : pipes) {
    Result<Pipe> made = MakePipe();
    if (!made.ok()) return made.status();
    pipe = std::move(made).value();
  }
  std::array<int, 4> child_fds = {pipes[0].read_end.get(), pipes[1].write_end.get(),
                                  pipes[2].write_end.get(), pipes[3].write_end.get()};
  SpawnSettings settings;
  int error = PrepareSpawn(settings, child_fds);
  if (error != 0) return SystemError("posix_spawn settings", error);

  std::string parent_pid = std::to_string(getpid());
  const char* argv[] = {binary.c_str(), task_id.c_str(), parent_pid.c_str(), nullptr};
  TaskProcess process;
  process.start_time = Clock::now();
  error = posix_spawn(&process.pid, binary.c_str(), &settings.actions, &settings.attributes,
                      const_cast<char* const*>(argv), const_cast<char* const*>(kTaskEnvironment));
  if (error != 0) return SystemError("posix_spawn " + binary, error);

  Result<UniqueFd> pidfd = OpenPidfd(process.pid);
  if (!pidfd.ok()) {
    KillAndReap(process.pid);
    return pidfd.status();
  }
  process.pidfd = std::move(pidfd).value();
  process.stdin_pipe = std::move(pipes[0].write_end);
  process.stdout_pipe = std::move(pipes[1].read_end);
  process.stderr_pipe = std::move(pipes[2].read_end);
  process.result_pipe = std::move(pipes[3].read_end);
  return process;  // the child's ends close here, so its exit brings end of file
}

// ---------------------------------------------------------------------------
// [SECTION] Judging how a task ended

/// The text of a string field of `object`; "" if missing or not a string.
std::string StringField(const Json& object, const char* key) {
  auto field = object.find(key);
  return field != object.end() && field->is_string() ? field->get<std::string>() : "";
}

/// Decodes the fd-3 message (see executor.h) into `result`. Returns ok, or
/// TASK_FAILED with the program's exception line and traceback; nullopt if the
/// message is malformed (the process died while writing it, or the program
/// wrote to fd 3 itself).
std::optional<Status> DecodeResultMessage(const std::string& text, Json& result) {
  Json message = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  auto ok = message.is_object() ? message.find("ok") : message.end();
  if (!message.is_object() || ok == message.end() || !ok->is_boolean()) return std::nullopt;
  if (ok->get<bool>()) {
    auto value = message.find("result");
    if (value == message.end()) return std::nullopt;
    result = std::move(*value);
    return Status::Ok();
  }
  return Status(Code::kTaskFailed, StringField(message, "error"),
                StringField(message, "traceback"));
}

/// Why a process that left no result ended, from its waitpid status:
/// "task process died: killed by signal 6 (Aborted)", or
/// "task process died: exited with status 3 without a result".
Status ProcessDied(std::optional<int> wait_status) {
  if (!wait_status) return Status::Internal("task process ended, but its exit status was lost");
  if (WIFSIGNALED(*wait_status)) {
    int signal_number = WTERMSIG(*wait_status);
    const char* name = sigdescr_np(signal_number);
    return Status(Code::kTaskFailed, "task process died: killed by signal " +
                                         std::to_string(signal_number) + " (" +
                                         (name != nullptr ? name : "unknown signal") + ")");
  }
  return Status(Code::kTaskFailed, "task process died: exited with status " +
                                       std::to_string(WEXITSTATUS(*wait_status)) +
                                       " without a result");
}

/// One stream from the task, kept up to a cap; the rest is counted and dropped.
struct Capture {
  std::size_t cap = 0;          // bytes kept at most
  std::string text;             // the first `cap` bytes
  std::size_t total_bytes = 0;  // everything read, kept or not

  void Append(const char* data, std::size_t size) {
    total_bytes += size;
    if (text.size() < cap) text.append(data, std::min(size, cap - text.size()));
  }
  bool truncated() const { return total_bytes > cap; }
};

/// A pipe the task writes into and the peer reads from.
struct TaskPipe {
  TaskPipe(asio::io_context& io, std::size_t cap) : descriptor(io), capture{cap} {}

  asio::posix::stream_descriptor descriptor;
  Capture capture;
  std::array<char, 64 * 1024> buffer;  // one read's worth (a Linux pipe holds 64 KiB)
  bool open = true;                    // until end of file or an error
};

/// Gives `fd` to `descriptor`, which then owns and watches it.
Status AssignFd(asio::posix::stream_descriptor& descriptor, UniqueFd& fd) {
  ErrorCode error;
  descriptor.assign(fd.get(), error);
  if (error) return Status::Internal("cannot watch a task descriptor: " + error.message());
  fd.release();
  return Status::Ok();
}

}  // namespace

// ---------------------------------------------------------------------------
// [SECTION] Executor::Task: one running task
//
// Every asynchronous step holds a shared_ptr to its Task, so a Task lives until
// its last step ran; `finished_` turns late steps (cancelled reads and timers)
// into no-ops.

class Executor::Task : public std::enable_shared_from_this<Task> {
 public:
  Task(Executor& executor, TaskSpec spec, std::function<void(TaskOutcome)> done);

  /// Takes over the process and its pipes. On error, call Abandon().
  Status Adopt(TaskProcess process);
  /// Starts the asynchronous steps: write stdin, read fds 1-3, wait for the exit.
  void Begin();
  /// For ~Executor: kills and reaps the process; `done` is never called.
  void Abandon();
  int pid() const { return pid_; }

 private:
  void WriteInput();
  void Read(TaskPipe& pipe);
  void WaitForExit();
  void ArmTimeout();
  void OnExit();
  void ArmDrainDeadline();
  void MaybeFinish();
  void Finish();
  void CloseAll();
  TaskOutcome MakeOutcome();
  Status Judge(Json& result) const;

  Executor* executor_;                      // null once finished or abandoned
  std::string task_id_;
  std::chrono::milliseconds timeout_;
  std::function<void(TaskOutcome)> done_;
  std::string input_;                       // the task JSON, until written to stdin

  int pid_ = 0;                             // also the process-group id
  Clock::time_point start_time_;            // just before the spawn
  Clock::time_point exit_time_;             // when reaped
  asio::posix::stream_descriptor stdin_pipe_;
  asio::posix::stream_descriptor exit_watch_;  // the pidfd
  TaskPipe stdout_;
  TaskPipe stderr_;
  TaskPipe result_;
  asio::steady_timer deadline_;             // timeout_ after Begin()
  asio::steady_timer drain_deadline_;       // kDrainTime after the exit

  bool timed_out_ = false;                  // we killed it at the deadline
  bool exited_ = false;                     // reaped
  std::optional<int> wait_status_;          // from waitpid; nullopt if lost
  bool finished_ = false;                   // done called, or abandoned
};

Executor::Task::Task(Executor& executor, TaskSpec spec, std::function<void(TaskOutcome)> done)
    : executor_(&executor),
      task_id_(std::move(spec.task_id)),
      timeout_(spec.timeout),
      done_(std::move(done)),
      stdin_pipe_(executor.io_),
      exit_watch_(executor.io_),
      stdout_(executor.io_, executor.options_.output_cap),
      stderr_(executor.io_, executor.options_.output_cap),
      result_(executor.io_, executor.options_.result_cap),
      deadline_(executor.io_),
      drain_deadline_(executor.io_) {
  Json input = Json::object();
  input["program"] = std::move(spec.program);
  input["function"] = std::move(spec.function);
  input["args"] = std::move(spec.args);
  input_ = input.dump(-1, ' ', false, Json::error_handler_t::replace);
}

Status Executor::Task::Adopt(TaskProcess process) {
  pid_ = process.pid;
  start_time_ = process.start_time;
  Status status = AssignFd(stdin_pipe_, process.stdin_pipe);
  if (status.ok()) status = AssignFd(exit_watch_, process.pidfd);
  if (status.ok()) status = AssignFd(stdout_.descriptor, process.stdout_pipe);
  if (status.ok()) status = AssignFd(stderr_.descriptor, process.stderr_pipe);
  if (status.ok()) status = AssignFd(result_.descriptor, process.result_pipe);
  return status;
}

void Executor::Task::Begin() {
  WriteInput();
  Read(stdout_);
  Read(stderr_);
  Read(result_);
  WaitForExit();
  ArmTimeout();
}

void Executor::Task::Abandon() {
  finished_ = true;
  executor_ = nullptr;
  done_ = nullptr;
  if (!exited_) KillAndReap(pid_);
  CloseAll();
}

// Writes the task JSON to the child's stdin, then closes it: end of file tells
// the child it has the whole task. An error means the child died early (EPIPE,
// hence SIGPIPE ignored); its exit status tells why.
void Executor::Task::WriteInput() {
  asio::async_write(stdin_pipe_, asio::buffer(input_),
                    [self = shared_from_this()](const ErrorCode&, std::size_t) {
                      ErrorCode ignored;
                      self->stdin_pipe_.close(ignored);
                      self->input_ = std::string();  // free the program's copy
                    });
}

// Reads `pipe` to end of file, keeping what fits under its cap.
void Executor::Task::Read(TaskPipe& pipe) {
  pipe.descriptor.async_read_some(
      asio::buffer(pipe.buffer),
      [self = shared_from_this(), &pipe](const ErrorCode& error, std::size_t size) {
        if (self->finished_) return;
        pipe.capture.Append(pipe.buffer.data(), size);
        if (error) {  // end of file: every writer has closed the pipe
          pipe.open = false;
          self->MaybeFinish();
          return;
        }
        self->Read(pipe);
      });
}

void Executor::Task::WaitForExit() {
  exit_watch_.async_wait(asio::posix::descriptor_base::wait_read,
                         [self = shared_from_this()](const ErrorCode& error) {
                           if (self->finished_ || error) return;
                           self->OnExit();
                         });
}

// On expiry, kills the whole process group. The leader is not reaped yet (only
// OnExit reaps), so the group id cannot have been reused.
void Executor::Task::ArmTimeout() {
  deadline_.expires_after(timeout_);
  deadline_.async_wait([self = shared_from_this()](const ErrorCode& error) {
    if (error || self->finished_ || self->exited_) return;  // cancelled: it exited in time
    self->timed_out_ = true;
    kill(-self->pid_, SIGKILL);
  });
}

// The process has exited but is not reaped: as a zombie it still holds its pid,
// and with it the process-group id. That makes this the safe moment to kill
// what is left of the group (children the program forked); then reap.
void Executor::Task::OnExit() {
  kill(-pid_, SIGKILL);
  int wait_status = 0;
  pid_t reaped = waitpid(pid_, &wait_status, WNOHANG);
  if (reaped == 0) {  // not exited after all (a pidfd should not say so): wait on
    WaitForExit();
    return;
  }
  exited_ = true;
  exit_time_ = Clock::now();
  if (reaped == pid_) wait_status_ = wait_status;  // else someone else reaped it
  deadline_.cancel();
  ArmDrainDeadline();
  MaybeFinish();
}

// Output written before the exit is already in the pipes and arrives at once;
// this deadline only matters if a process outside the group holds a pipe open.
void Executor::Task::ArmDrainDeadline() {
  drain_deadline_.expires_after(kDrainTime);
  drain_deadline_.async_wait([self = shared_from_this()](const ErrorCode& error) {
    if (error || self->finished_) return;
    self->Finish();
  });
}

void Executor::Task::MaybeFinish() {
  if (exited_ && !stdout_.open && !stderr_.open && !result_.open) Finish();
}

// Runs inside one of our own handlers, which holds a reference to this Task, so
// dropping the Executor's reference below does not destroy it.
void Executor::Task::Finish() {
  finished_ = true;
  CloseAll();
  TaskOutcome outcome = MakeOutcome();
  executor_->running_.erase(pid_);
  executor_ = nullptr;
  auto done = std::move(done_);
  done(std::move(outcome));
}

void Executor::Task::CloseAll() {
  deadline_.cancel();
  drain_deadline_.cancel();
  ErrorCode ignored;
  stdin_pipe_.close(ignored);
  exit_watch_.close(ignored);
  stdout_.descriptor.close(ignored);
  stderr_.descriptor.close(ignored);
  result_.descriptor.close(ignored);
}

TaskOutcome Executor::Task::MakeOutcome() {
  TaskOutcome outcome;
  outcome.status = Judge(outcome.result);
  outcome.stdout_text = std::move(stdout_.capture.text);
  outcome.stderr_text = std::move(stderr_.capture.text);
  outcome.output_truncated = stdout_.capture.truncated() || stderr_.capture.truncated();
  outcome.run_time = std::chrono::duration_cast<std::chrono::milliseconds>(exit_time_ - start_time_);
  outcome.pid = pid_;
  return outcome;
}

// The task's status, by precedence: our timeout kill, then an oversized result
// message, then the message itself, and only without one, how the process died.
Status Executor::Task::Judge(Json& result) const {
  if (timed_out_) {
    return Status::Timeout("task " + task_id_ + " ran past its timeout of " +
                           std::to_string(timeout_.count()) + " ms and was killed");
  }
  const Capture& message = result_.capture;
  if (message.truncated()) {
    return Status::Limit("result of task " + task_id_ + " is " +
                         std::to_string(message.total_bytes) + " bytes, over the limit of " +
                         std::to_string(message.cap) + " bytes");
  }
  if (std::optional<Status> decoded = DecodeResultMessage(message.text, result)) return *decoded;
  return ProcessDied(wait_status_);
}

// ---------------------------------------------------------------------------
// [SECTION] Executor

namespace {

/// Ignores SIGPIPE unless the program already chose what to do with it.
void IgnoreSigpipe() {
  struct sigaction current {};
  if (sigaction(SIGPIPE, nullptr, &current) != 0) return;
  bool is_default = (current.sa_flags & SA_SIGINFO) == 0 && current.sa_handler == SIG_DFL;
  if (is_default) signal(SIGPIPE, SIG_IGN);
}

}  // namespace

Executor::Executor(asio::io_context& io, Options options) : io_(io), options_(std::move(options)) {
  if (options_.task_binary.empty()) options_.task_binary = DefaultTaskBinary();
  IgnoreSigpipe();
}

Executor::~Executor() {
  for (auto& [pid, task] : running_) task->Abandon();
}

Status Executor::Start(TaskSpec spec, std::function<void(TaskOutcome)> done) {
  if (!spec.args.is_array()) {
    return Status::BadRequest("args of task " + spec.task_id + " must be a JSON array");
  }
  Result<TaskProcess> process = SpawnTaskProcess(options_.task_binary, spec.task_id);
  if (!process.ok()) {
    return Status::Internal("cannot start task " + spec.task_id + ": " + process.status().message());
  }
  auto task = std::make_shared<Task>(*this, std::move(spec), std::move(done));
  Status adopted = task->Adopt(std::move(process).value());
  if (!adopted.ok()) {
    task->Abandon();
    return adopted;
  }
  running_.emplace(task->pid(), task);
  task->Begin();
  return Status::Ok();
}

std::size_t Executor::running() const { return running_.size(); }

std::string Executor::DefaultTaskBinary() {
  std::error_code error;
  std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", error);
  if (error) return "osgrid-task";
  return (self.parent_path() / "osgrid-task").string();
}

}  // namespace osgrid::peer
