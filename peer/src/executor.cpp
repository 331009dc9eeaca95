// The task executor: starts, watches and judges task processes. The process
// model and the lifecycle of a task are described at the top of executor.h.
//
// [SECTION] File descriptors and pipes
// [SECTION] HandOff: the one place a task process gets its task
// [SECTION] Judging how a task ended
// [SECTION] Executor::Task: one running task
// [SECTION] Executor
#include "osgrid/peer/executor.h"

#include <utility>  // before Boost.Asio: GCC 12 + C++20 (docs/toolchain.md)

#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string_view>
#include <system_error>

#include <spdlog/spdlog.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include "call_channel.h"
#include "unique_fd.h"
#include "warm_pool.h"
#include "zygote_protocol.h"

namespace osgrid::peer {
namespace {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;
using ErrorCode = boost::system::error_code;

// ---------------------------------------------------------------------------
// [SECTION] File descriptors and pipes

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

/// Kills the process group `pgid` and reaps its leader. Blocks, but only until
/// the SIGKILL lands; for error paths and the Executor's destructor.
void KillAndReap(int pgid) {
  kill(-pgid, SIGKILL);
  while (waitpid(pgid, nullptr, 0) < 0 && errno == EINTR) {
  }
}

// ---------------------------------------------------------------------------
// [SECTION] HandOff: the one place a task process gets its task

/// A task process that has its task, as the peer holds it.
struct TaskProcess {
  int pid = 0;                   // also the id of its process group
  Clock::time_point start_time;  // just before the hand-off
  UniqueFd pidfd;                // readable once the process has exited
  UniqueFd socket;               // our end of its socket, held until it ends
  UniqueFd stdin_pipe;           // write end of the child's fd 0
  UniqueFd stdout_pipe;          // read end of the child's fd 1
  UniqueFd stderr_pipe;          // read end of the child's fd 2
  UniqueFd result_pipe;          // read end of the child's fd 3
};

/// The four pipes of one task (or call): fds 0-3 of its process.
Status MakePipes(std::array<Pipe, 4>& pipes) {
  for (Pipe& pipe : pipes) {
    Result<Pipe> made = MakePipe();
    if (!made.ok()) return made.status();
    pipe = std::move(made).value();
  }
  return Status::Ok();
}

/// Keeps the peer's ends of `pipes` in `process`; the child's ends close
/// with `pipes`, so the child's closing them brings end of file.
void KeepPeerEnds(std::array<Pipe, 4>& pipes, TaskProcess& process) {
  process.stdin_pipe = std::move(pipes[0].write_end);
  process.stdout_pipe = std::move(pipes[1].read_end);
  process.stderr_pipe = std::move(pipes[2].read_end);
  process.result_pipe = std::move(pipes[3].read_end);
}

/// Gives a warm task process (warm_pool.h) the four pipes of its task and its
/// limits; `worker`: it becomes a worker of the task's job. Errors: INTERNAL
/// naming the failed call, e.g. "pipe2: Too many open files"; the child is
/// then killed and reaped.
Result<TaskProcess> HandOff(WarmChild child, const std::string& task_id, const TaskLimits& limits, bool worker) {
  std::array<Pipe, 4> pipes;
  Status status = MakePipes(pipes);
  TaskProcess process;
  process.start_time = Clock::now();
  if (status.ok()) {
    const int child_fds[4] = {pipes[0].read_end.get(), pipes[1].write_end.get(), pipes[2].write_end.get(),
                              pipes[3].write_end.get()};
    status = WarmPool::Handoff(child, child_fds, limits, task_id, worker);
  }
  if (!status.ok()) {
    KillAndReap(child.pid);
    return status;
  }
  process.pid = child.pid;
  process.pidfd = std::move(child.pidfd);
  process.socket = std::move(child.socket);
  KeepPeerEnds(pipes, process);
  return process;
}

// ---------------------------------------------------------------------------
// [SECTION] Judging how a task ended

/// The text of a string field of `object`; "" if missing or not a string.
std::string StringField(const Json& object, const char* key) {
  auto field = object.find(key);
  return field != object.end() && field->is_string() ? field->get<std::string>() : "";
}

/// Decodes the fd-3 message (see executor.h) into `result`, and the CPU
/// time the task reports into `cpu_time`. Returns ok, or TASK_FAILED with the
/// program's exception line and traceback; nullopt if the message is
/// malformed (the process died while writing it, or the program wrote to
/// fd 3 itself).
std::optional<Status> DecodeResultMessage(const std::string& text, Json& result, std::chrono::microseconds& cpu_time) {
  Json message = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  auto ok = message.is_object() ? message.find("ok") : message.end();
  if (!message.is_object() || ok == message.end() || !ok->is_boolean()) return std::nullopt;
  if (auto cpu = message.find("cpu_ms"); cpu != message.end() && cpu->is_number() && *cpu >= 0 && *cpu < 1e12) {
    cpu_time = std::chrono::microseconds(static_cast<std::int64_t>(cpu->get<double>() * 1000));
  }
  if (ok->get<bool>()) {
    auto value = message.find("result");
    if (value == message.end()) return std::nullopt;
    result = std::move(*value);
    return Status::Ok();
  }
  return Status(Code::kTaskFailed, StringField(message, "error"), StringField(message, "traceback"));
}

/// Why a process that left no result ended, from its waitpid status:
/// "task process died: killed by signal 6 (Aborted)", or
/// "task process died: exited with status 3 without a result".
Status ProcessDied(std::optional<int> wait_status) {
  if (!wait_status) return Status::Internal("task process ended, but its exit status was lost");
  if (WIFSIGNALED(*wait_status)) {
    int signal_number = WTERMSIG(*wait_status);
    const char* name = sigdescr_np(signal_number);
    return Status(Code::kTaskFailed, "task process died: killed by signal " + std::to_string(signal_number) + " (" +
                                         (name != nullptr ? name : "unknown signal") + ")");
  }
  return Status(Code::kTaskFailed, "task process died: exited with status " +
                                       std::to_string(WEXITSTATUS(*wait_status)) + " without a result");
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
// [SECTION] Executor::IdleWorker: a worker between two calls

/// A worker process between two calls of its job (executor.h), blocked on its
/// fd 4 until the next call's RunCall comes. It is nobody's task: it stays
/// with its job until EndJob, its idle time or the idle cap retires it.
struct Executor::IdleWorker {
  explicit IdleWorker(asio::io_context& io) : idle_timer(io) {}
  std::string job;
  int pid = 0;                           // also its process-group id
  UniqueFd pidfd;                        // readable once it has exited (it has not been reaped)
  std::shared_ptr<CallChannel> channel;  // our end of its fd 4
  asio::steady_timer idle_timer;         // kWorkerIdleTime after it was parked
};

// ---------------------------------------------------------------------------
// [SECTION] Executor::Task: one running task
//
// Every asynchronous step holds a shared_ptr to its Task, so a Task lives until
// its last step ran; `finished_` turns late steps (cancelled reads and timers)
// into no-ops.

class Executor::Task : public std::enable_shared_from_this<Task> {
 public:
  Task(Executor& executor, std::uint64_t id, TaskSpec spec, std::function<void(TaskOutcome)> done);

  /// Called by the warm pool with this task's process (or why there is none):
  /// hands the task over and starts watching it, or finishes with the error.
  /// A task with a job makes its process a worker of that job.
  void Launch(Result<WarmChild> child, const TaskLimits& limits);
  /// Hands this call to `worker`, an idle worker of its job (zygote::RunCall
  /// on its fd 4), and starts watching it. False, with `worker` untouched, if
  /// the worker cannot take it (it died while idle): then retire it.
  bool LaunchInWorker(IdleWorker& worker, const TaskLimits& limits);
  const std::string& job() const { return job_; }
  /// For ~Executor: kills and reaps the process; `done` is never called.
  void Abandon();
  std::uint64_t id() const { return id_; }
  bool finished() const { return finished_; }
  void OnLaunch(std::function<void()> launched) { launched_ = std::move(launched); }
  bool launched() const { return pid_ != 0; }
  /// SIGSTOP / SIGCONT through the pidfd; before launch, remembered.
  Status Stop();
  Status Continue();
  /// CPU time used so far (0 before launch).
  std::chrono::microseconds CpuTime() const;
  std::chrono::microseconds RunDelay() const;
  /// Kills the process group; the outcome will be `why`.
  void Kill(Status why);
  /// Answers its oldest unanswered system call.
  void Reply(const Json& reply);

 private:
  Status Adopt(TaskProcess process, std::shared_ptr<CallChannel> channel);
  CallChannel::OnCall CallHandler();
  void Started();
  void Begin();
  void FailToStart(const Status& status);
  void WriteInput();
  void Read(TaskPipe& pipe);
  void WaitForExit();
  void ArmTimeout();
  void ArmCpuCheck(std::chrono::milliseconds after);
  Status Signal(int signal_number);
  void OnExit();
  void ArmDrainDeadline();
  void MaybeFinish();
  void Finish();
  /// A worker whose call ended well, and can take the job's next one.
  bool CanPark() const;
  void CloseAll();
  TaskOutcome MakeOutcome();
  Status Judge(Json& result, std::chrono::microseconds& cpu_time) const;

  Executor* executor_;  // null once finished or abandoned
  std::uint64_t id_;    // the executor's key for this task
  std::string task_id_;
  std::chrono::milliseconds timeout_;
  std::chrono::milliseconds cpu_limit_;  // 0: none of its own
  std::function<void(TaskOutcome)> done_;
  std::function<void()> launched_;                          // Start's `launched`, called once in Launch
  std::function<void(Json, TaskSpec::CallReply)> on_call_;  // TaskSpec::on_call
  std::string job_;                                         // TaskSpec::job; "" = a process of its own
  std::string program_;                                     // until launched
  std::string function_;                                    // until launched
  Json args_;                                               // until launched
  std::string input_;                                       // the task JSON, until written to stdin

  int pid_ = 0;                           // also the process-group id; 0 until launched
  std::shared_ptr<CallChannel> channel_;  // our end of the task's socket: its system calls
  Clock::time_point start_time_;          // just before the hand-off
  Clock::time_point exit_time_;           // when reaped
  asio::posix::stream_descriptor stdin_pipe_;
  asio::posix::stream_descriptor exit_watch_;  // the pidfd
  TaskPipe stdout_;
  TaskPipe stderr_;
  TaskPipe result_;
  asio::steady_timer deadline_;        // timeout_ after Begin()
  asio::steady_timer drain_deadline_;  // kDrainTime after the exit
  asio::steady_timer cpu_check_;       // when the CPU-time limit could be reached at the earliest

  bool timed_out_ = false;                               // we killed it at the deadline
  bool over_cpu_limit_ = false;                          // we killed it when its CPU time reached cpu_limit_
  bool stop_pending_ = false;                            // Stop() before it had a process: stop it at launch
  std::optional<Status> killed_;                         // Kill(): why, the outcome's status
  std::optional<std::chrono::microseconds> reaped_cpu_;  // from wait4's rusage, less cpu_baseline_
  /// A worker's call that ended with its process alive: its CPU time then.
  std::optional<std::chrono::microseconds> finish_cpu_;
  /// CPU time the warm process had used before its hand-off (starting up,
  /// warming up): not the task's.
  std::chrono::microseconds cpu_baseline_{0};
  std::chrono::microseconds ProcessCpuTime() const;
  bool printed_too_much_ = false;   // we killed it for output past output_limit
  bool unreadable_result_ = false;  // a worker closed its pipes without a whole result: we killed it
  bool drain_armed_ = false;        // ArmDrainDeadline() was called
  bool exited_ = false;             // reaped
  std::optional<int> wait_status_;  // from waitpid; nullopt if lost
  bool finished_ = false;           // done called, or abandoned
};

Executor::Task::Task(Executor& executor, std::uint64_t id, TaskSpec spec, std::function<void(TaskOutcome)> done)
    : executor_(&executor),
      id_(id),
      task_id_(std::move(spec.task_id)),
      timeout_(spec.timeout),
      cpu_limit_(spec.cpu_limit),
      done_(std::move(done)),
      on_call_(std::move(spec.on_call)),
      job_(std::move(spec.job)),
      program_(std::move(spec.program)),
      function_(std::move(spec.function)),
      args_(std::move(spec.args)),
      stdin_pipe_(executor.io_),
      exit_watch_(executor.io_),
      stdout_(executor.io_, executor.options_.output_cap),
      stderr_(executor.io_, executor.options_.output_cap),
      result_(executor.io_, executor.options_.result_cap),
      deadline_(executor.io_),
      drain_deadline_(executor.io_),
      cpu_check_(executor.io_) {}

namespace {

/// What a task process reads on its stdin: {"program", "function", "args"};
/// a worker's later calls leave the program out (it has it).
std::string TaskInputText(std::string program, std::string function, Json args, bool with_program) {
  Json input = Json::object();
  if (with_program) input["program"] = std::move(program);
  input["function"] = std::move(function);
  input["args"] = std::move(args);
  return input.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace

void Executor::Task::Launch(Result<WarmChild> child, const TaskLimits& limits) {
  if (!child.ok()) return FailToStart(child.status());
  Result<TaskProcess> process = HandOff(std::move(child).value(), task_id_, limits, !job_.empty());
  if (!process.ok()) return FailToStart(process.status());
  if (Status adopted = Adopt(std::move(process).value(), nullptr); !adopted.ok()) {
    KillAndReap(pid_);
    exited_ = true;
    return FailToStart(adopted);
  }
  input_ = TaskInputText(std::move(program_), std::move(function_), std::move(args_), /*with_program=*/true);
  Started();
}

bool Executor::Task::LaunchInWorker(IdleWorker& worker, const TaskLimits& limits) {
  std::array<Pipe, 4> pipes;
  if (!MakePipes(pipes).ok()) return false;  // the warm pool's path reports it
  zygote::RunCall order;
  order.cpu_seconds = limits.cpu_seconds;
  std::size_t length = std::min(task_id_.size(), sizeof order.task_id - 1);
  std::memcpy(order.task_id, task_id_.data(), length);
  const int child_fds[4] = {pipes[0].read_end.get(), pipes[1].write_end.get(), pipes[2].write_end.get(),
                            pipes[3].write_end.get()};
  TaskProcess process;
  process.start_time = Clock::now();
  if (worker.channel->SendWithFds(&order, sizeof order, child_fds, 4) != 0) return false;
  process.pid = worker.pid;
  process.pidfd = std::move(worker.pidfd);
  KeepPeerEnds(pipes, process);
  if (Status adopted = Adopt(std::move(process), std::move(worker.channel)); !adopted.ok()) {
    KillAndReap(pid_);
    exited_ = true;
    FailToStart(adopted);
    return true;
  }
  program_ = std::string();
  input_ = TaskInputText("", std::move(function_), std::move(args_), /*with_program=*/false);
  Started();
  return true;
}

// The task has its process: from here its time and CPU count.
void Executor::Task::Started() {
  cpu_baseline_ = ProcessCpuTime();
  if (stop_pending_) (void)Signal(SIGSTOP);  // it reads its task once continued
  Begin();
  if (launched_) {
    auto launched = std::move(launched_);
    launched();
  }
}

Status Executor::Task::Signal(int signal_number) {
  if (finished_ || exited_) return Status::NotFound("task " + task_id_ + " has ended");
  if (syscall(SYS_pidfd_send_signal, exit_watch_.native_handle(), signal_number, nullptr, 0) != 0) {
    return Status::Internal("cannot signal task " + task_id_ + ": " + strerror(errno));
  }
  return Status::Ok();
}

Status Executor::Task::Stop() {
  if (pid_ == 0) {
    stop_pending_ = true;
    return Status::Ok();
  }
  return Signal(SIGSTOP);
}

Status Executor::Task::Continue() {
  if (pid_ == 0) {
    stop_pending_ = false;
    return Status::Ok();
  }
  return Signal(SIGCONT);
}

std::chrono::microseconds Executor::Task::CpuTime() const {
  if (reaped_cpu_) return *reaped_cpu_;
  if (pid_ == 0 || exited_) return std::chrono::microseconds{0};
  return std::max(std::chrono::microseconds{0}, ProcessCpuTime() - cpu_baseline_);
}

std::chrono::microseconds Executor::Task::ProcessCpuTime() const {
  clockid_t clock = 0;
  timespec now{};
  if (clock_getcpuclockid(pid_, &clock) != 0 || clock_gettime(clock, &now) != 0) return std::chrono::microseconds{0};
  return std::chrono::seconds(now.tv_sec) +
         std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::nanoseconds(now.tv_nsec));
}

std::chrono::microseconds Executor::Task::RunDelay() const {
  if (pid_ == 0 || exited_) return std::chrono::microseconds{0};
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/schedstat", pid_);
  FILE* file = std::fopen(path, "r");
  if (file == nullptr) return std::chrono::microseconds{0};
  unsigned long long on_cpu_ns = 0, waiting_ns = 0;
  const int read = std::fscanf(file, "%llu %llu", &on_cpu_ns, &waiting_ns);
  std::fclose(file);
  if (read != 2) return std::chrono::microseconds{0};
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::nanoseconds(waiting_ns));
}

void Executor::Task::Kill(Status why) {
  if (finished_) return;
  if (!killed_) killed_ = std::move(why);
  if (pid_ != 0) {
    if (!exited_) kill(-pid_, SIGKILL);  // OnExit then finishes with *killed_
    return;
  }
  // Not launched yet, and now it never will be (Start's Acquire callback
  // finds it finished and drops its process). `done` runs later, never
  // inside the caller's Kill.
  finished_ = true;
  CloseAll();
  TaskOutcome outcome;
  outcome.status = *killed_;
  asio::io_context& io = executor_->io_;
  executor_->running_.erase(id_);
  executor_ = nullptr;
  asio::post(io, [done = std::move(done_), outcome = std::move(outcome)]() mutable { done(std::move(outcome)); });
}

// The task never ran: `done` gets INTERNAL "cannot start task <id>: <why>".
void Executor::Task::FailToStart(const Status& status) {
  finished_ = true;
  CloseAll();
  TaskOutcome outcome;
  outcome.status = Status::Internal("cannot start task " + task_id_ + ": " + status.message());
  executor_->running_.erase(id_);
  executor_ = nullptr;
  auto done = std::move(done_);
  done(std::move(outcome));
}

// A call is handled only while the task lives; one that arrives as it
// ends is dropped with it.
CallChannel::OnCall Executor::Task::CallHandler() {
  std::weak_ptr<Task> weak = shared_from_this();
  return [weak](Json call) {
    std::shared_ptr<Task> self = weak.lock();
    if (!self || self->finished_) return;
    if (!self->on_call_) {
      return self->Reply({{"ok", false},
                          {"code", "UNAVAILABLE"},
                          {"error", "this peer takes no system calls from task " + self->task_id_}});
    }
    self->on_call_(std::move(call), [weak](const Json& reply) {
      if (std::shared_ptr<Task> task = weak.lock(); task && !task->finished_) task->Reply(reply);
    });
  };
}

// `channel`: a worker's, which this call takes over; null: a new one on
// process.socket.
Status Executor::Task::Adopt(TaskProcess process, std::shared_ptr<CallChannel> channel) {
  pid_ = process.pid;
  start_time_ = process.start_time;
  if (channel) {
    channel_ = std::move(channel);
    channel_->SetOnCall(CallHandler());
  } else {
    channel_ = std::make_shared<CallChannel>(executor_->io_, std::move(process.socket), CallHandler());
    channel_->Start();
  }
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
  if (cpu_limit_.count() > 0) ArmCpuCheck(cpu_limit_);
}

void Executor::Task::Abandon() {
  finished_ = true;
  executor_ = nullptr;
  done_ = nullptr;
  if (!exited_ && pid_ > 0) KillAndReap(pid_);
  CloseAll();
}

// Writes the task JSON to the child's stdin, then closes it: end of file tells
// the child it has the whole task. An error means the child died early (EPIPE,
// hence SIGPIPE ignored); its exit status tells why.
void Executor::Task::WriteInput() {
  asio::async_write(stdin_pipe_, asio::buffer(input_), [self = shared_from_this()](const ErrorCode&, std::size_t) {
    ErrorCode ignored;
    self->stdin_pipe_.close(ignored);
    self->input_ = std::string();  // free the program's copy
  });
}

// Reads `pipe` to end of file, keeping what fits under its cap.
void Executor::Task::Read(TaskPipe& pipe) {
  pipe.descriptor.async_read_some(asio::buffer(pipe.buffer),
                                  [self = shared_from_this(), &pipe](const ErrorCode& error, std::size_t size) {
                                    if (self->finished_) return;
                                    pipe.capture.Append(pipe.buffer.data(), size);
                                    if (&pipe != &self->result_ && !self->printed_too_much_ &&
                                        pipe.capture.total_bytes > self->executor_->options_.output_limit) {
                                      self->printed_too_much_ = true;  // it may print forever: stop it
                                      kill(-self->pid_, SIGKILL);
                                    }
                                    if (error) {  // end of file: every writer has closed the pipe
                                      pipe.open = false;
                                      self->MaybeFinish();
                                      return;
                                    }
                                    self->Read(pipe);
                                  });
}

void Executor::Task::WaitForExit() {
  exit_watch_.async_wait(asio::posix::descriptor_base::wait_read, [self = shared_from_this()](const ErrorCode& error) {
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

// CPU time grows no faster than the wall clock (one thread; a task that uses
// threads may reach the limit sooner, and RLIMIT_CPU stops it), so the limit
// cannot be reached before `after` of wall time: check then, and again after
// what is left, at least 10 ms apart.
void Executor::Task::ArmCpuCheck(std::chrono::milliseconds after) {
  cpu_check_.expires_after(std::max(after, std::chrono::milliseconds(10)));
  cpu_check_.async_wait([self = shared_from_this()](const ErrorCode& error) {
    if (error || self->finished_ || self->exited_) return;
    auto used = std::chrono::duration_cast<std::chrono::milliseconds>(self->CpuTime());
    if (used < self->cpu_limit_) return self->ArmCpuCheck(self->cpu_limit_ - used);
    self->over_cpu_limit_ = true;
    kill(-self->pid_, SIGKILL);
  });
}

// The process has exited but is not reaped: as a zombie it still holds its pid,
// and with it the process-group id. That makes this the safe moment to kill
// what is left of the group (children the program forked); then reap.
void Executor::Task::OnExit() {
  kill(-pid_, SIGKILL);
  int wait_status = 0;
  rusage usage{};
  pid_t reaped = wait4(pid_, &wait_status, WNOHANG, &usage);
  if (reaped == 0) {  // not exited after all (a pidfd should not say so): wait on
    WaitForExit();
    return;
  }
  exited_ = true;
  exit_time_ = Clock::now();
  if (reaped == pid_) {  // else someone else reaped it
    wait_status_ = wait_status;
    auto micros = [](const timeval& tv) {
      return std::chrono::seconds(tv.tv_sec) + std::chrono::microseconds(tv.tv_usec);
    };
    reaped_cpu_ =
        std::max(std::chrono::microseconds{0}, micros(usage.ru_utime) + micros(usage.ru_stime) - cpu_baseline_);
  }
  deadline_.cancel();
  cpu_check_.cancel();
  ArmDrainDeadline();
  MaybeFinish();
}

// Output written before the exit is already in the pipes and arrives at once;
// this deadline only matters if a process outside the group holds a pipe open.
void Executor::Task::ArmDrainDeadline() {
  drain_armed_ = true;
  drain_deadline_.expires_after(kDrainTime);
  drain_deadline_.async_wait([self = shared_from_this()](const ErrorCode& error) {
    if (error || self->finished_) return;
    self->Finish();
  });
}

// Done when every pipe is at end of file and either the process has exited or
// its result message is whole: a task process closes its pipes before it
// exits, and tearing down a process takes milliseconds on these machines, so
// waiting for the exit would put that teardown on every task's path. A process
// not yet exited is reaped in the background (Executor::ReapLater).
//
// A worker does not exit after a call; it closes the call's pipes and waits
// for the next. So with its pipes closed and no whole result, it is killed
// (it would wait forever); with a whole result but output still open (a
// process it started holds the pipe), the output gets kDrainTime more.
void Executor::Task::MaybeFinish() {
  if (result_.open) return;
  Json ignored;
  std::chrono::microseconds unused{0};
  bool result_is_whole =
      !result_.capture.truncated() && DecodeResultMessage(result_.capture.text, ignored, unused).has_value();
  const bool worker_alive = !job_.empty() && !exited_;
  if (stdout_.open || stderr_.open) {
    if (worker_alive && result_is_whole && !drain_armed_) ArmDrainDeadline();
    return;
  }
  if (exited_ || result_is_whole) return Finish();
  if (worker_alive && !unreadable_result_) {
    unreadable_result_ = true;
    kill(-pid_, SIGKILL);  // OnExit finishes it
  }
}

bool Executor::Task::CanPark() const {
  constexpr std::string_view kNext = ",\"next\":true}";  // the bootstrap's osgrid_run_call
  const std::string& message = result_.capture.text;
  const bool goes_on = !result_.capture.truncated() && message.size() >= kNext.size() &&
                       message.compare(message.size() - kNext.size(), kNext.size(), kNext) == 0;
  return goes_on && !job_.empty() && !exited_ && !killed_ && !timed_out_ && !over_cpu_limit_ && !printed_too_much_ &&
         !stdout_.open && !stderr_.open;
}

// Runs inside one of our own handlers, which holds a reference to this Task, so
// dropping the Executor's reference below does not destroy it.
void Executor::Task::Finish() {
  finished_ = true;
  if (!exited_) {  // its result is whole; the kernel is still tearing it down, or a worker waits
    exit_time_ = Clock::now();
    deadline_.cancel();
    if (!job_.empty()) finish_cpu_ = CpuTime();
    if (CanPark()) {
      executor_->Park(job_, pid_, UniqueFd(exit_watch_.release()), std::move(channel_));
    } else {
      if (!job_.empty()) kill(-pid_, SIGKILL);  // a worker would wait for a next call
      executor_->ReapLater(pid_, UniqueFd(exit_watch_.release()));
    }
  }
  CloseAll();
  TaskOutcome outcome = MakeOutcome();
  executor_->running_.erase(id_);
  executor_ = nullptr;
  auto done = std::move(done_);
  done(std::move(outcome));
}

void Executor::Task::Reply(const Json& reply) {
  if (channel_) channel_->Reply(reply);
}

void Executor::Task::CloseAll() {
  if (channel_) channel_->Close();
  deadline_.cancel();
  drain_deadline_.cancel();
  cpu_check_.cancel();
  ErrorCode ignored;
  stdin_pipe_.close(ignored);
  exit_watch_.close(ignored);
  stdout_.descriptor.close(ignored);
  stderr_.descriptor.close(ignored);
  result_.descriptor.close(ignored);
}

TaskOutcome Executor::Task::MakeOutcome() {
  TaskOutcome outcome;
  outcome.status = Judge(outcome.result, outcome.cpu_time);
  if (reaped_cpu_) outcome.cpu_time = *reaped_cpu_;  // the kernel's figure, over the task's own
  if (finish_cpu_) outcome.cpu_time = *finish_cpu_;
  outcome.stdout_text = std::move(stdout_.capture.text);
  outcome.stderr_text = std::move(stderr_.capture.text);
  outcome.output_truncated = stdout_.capture.truncated() || stderr_.capture.truncated();
  outcome.run_time = std::chrono::duration_cast<std::chrono::milliseconds>(exit_time_ - start_time_);
  outcome.pid = pid_;
  return outcome;
}

// The task's status, by precedence: our timeout kill, then an oversized result
// message, then the message itself, and only without one, how the process died.
Status Executor::Task::Judge(Json& result, std::chrono::microseconds& cpu_time) const {
  if (killed_) return *killed_;
  if (over_cpu_limit_) {
    return Status::Timeout("task " + task_id_ + " used its CPU-time limit of " + std::to_string(cpu_limit_.count()) +
                           " ms and was killed");
  }
  if (timed_out_) {
    return Status::Timeout("task " + task_id_ + " ran past its timeout of " + std::to_string(timeout_.count()) +
                           " ms and was killed");
  }
  if (printed_too_much_) {
    return Status::Limit("task " + task_id_ + " printed more than " + std::to_string(executor_->options_.output_limit) +
                         " bytes and was killed");
  }
  const Capture& message = result_.capture;
  if (message.truncated()) {
    return Status::Limit("result of task " + task_id_ + " is " + std::to_string(message.total_bytes) +
                         " bytes, over the limit of " + std::to_string(message.cap) + " bytes");
  }
  if (unreadable_result_) {
    return Status(Code::kTaskFailed, "task " + task_id_ + " left no readable result (did it write to fd 3?)");
  }
  if (std::optional<Status> decoded = DecodeResultMessage(message.text, result, cpu_time)) return *decoded;
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
  for (auto& [id, task] : running_) task->Abandon();
  for (auto& [pid, watch] : exiting_) KillAndReap(pid);
  for (auto& worker : idle_) {
    worker->idle_timer.cancel();
    worker->channel->Close();
    KillAndReap(worker->pid);
  }
}

struct Executor::ExitWatch {
  explicit ExitWatch(asio::io_context& io) : pidfd(io) {}
  asio::posix::stream_descriptor pidfd;
};

void Executor::ReapLater(int pid, UniqueFd pidfd) {
  auto watch = std::make_shared<ExitWatch>(io_);
  ErrorCode error;
  watch->pidfd.assign(pidfd.get(), error);
  if (error) {  // cannot watch it: wait for it now (it is exiting anyway)
    KillAndReap(pid);
    return;
  }
  pidfd.release();
  exiting_.emplace(pid, watch);
  watch->pidfd.async_wait(asio::posix::descriptor_base::wait_read, [this, pid, watch](const ErrorCode& error) {
    if (error) return;  // cancelled: ~Executor reaps it
    waitpid(pid, nullptr, WNOHANG);
    exiting_.erase(pid);
  });
}

Status Executor::Open() {
  WarmPool::Options pool_options;
  pool_options.task_binary = options_.task_binary;
  pool_options.mode = options_.sandbox;
  pool_options.tmp_bytes = options_.limits.file_bytes;
  pool_options.warm_target = options_.warm_target;
  auto pool = std::make_unique<WarmPool>(io_, pool_options);
  if (Status opened = pool->Open(); !opened.ok()) return opened;
  pool_ = std::move(pool);
  return Status::Ok();
}

Result<Executor::TaskHandle> Executor::Start(TaskSpec spec, std::function<void(TaskOutcome)> done,
                                             std::function<void()> launched) {
  if (!spec.args.is_array()) {
    return Status::BadRequest("args of task " + spec.task_id + " must be a JSON array");
  }
  if (!pool_) return Status::Internal("the executor is not open: call Executor::Open() first");
  if (options_.sandbox == SandboxMode::kOff) {
    spdlog::warn("task {} runs WITHOUT a sandbox (--sandbox off): it can do anything this peer's user can",
                 spec.task_id);
  }
  TaskLimits limits = options_.limits;
  // RLIMIT_CPU backs up the CPU-time check: a second more than the limit, rounded up.
  if (spec.cpu_limit.count() <= 0 || spec.cpu_limit > spec.timeout) spec.cpu_limit = spec.timeout;
  limits.cpu_seconds = static_cast<std::uint64_t>((spec.cpu_limit.count() + 999) / 1000) + 1;
  const TaskHandle handle = next_task_id_++;
  auto task = std::make_shared<Task>(*this, handle, std::move(spec), std::move(done));
  task->OnLaunch(std::move(launched));
  running_.emplace(task->id(), task);
  if (std::shared_ptr<IdleWorker> worker = TakeIdle(task->job())) {
    // Launched from the io loop, as the warm pool launches: never inside Start.
    asio::post(io_, [this, alive = std::weak_ptr<bool>(alive_), weak = std::weak_ptr<Task>(task), worker, limits] {
      if (alive.expired()) return KillAndReap(worker->pid);
      std::shared_ptr<Task> task = weak.lock();
      if (!task || task->finished()) return Park(worker);  // cancelled meanwhile
      if (task->LaunchInWorker(*worker, limits)) return;
      Retire(*worker);  // it died while idle: the call gets a fresh process
      Acquire(task, limits);
    });
    return handle;
  }
  Acquire(task, limits);
  return handle;
}

void Executor::Acquire(const std::shared_ptr<Task>& task, const TaskLimits& limits) {
  pool_->Acquire([weak = std::weak_ptr<Task>(task), limits](Result<WarmChild> child) {
    std::shared_ptr<Task> task = weak.lock();
    if (!task || task->finished()) {  // the executor went away meanwhile
      if (child.ok()) KillAndReap(child->pid);
      return;
    }
    task->Launch(std::move(child), limits);
  });
}

// [SECTION] Workers between calls
//
// A worker whose call ended well is parked here for its job's next call:
// the most recently parked first (its caches are warm). It leaves at the
// job's next Start, at EndJob, after kWorkerIdleTime, or as the oldest of
// more than Options::max_idle_workers.

void Executor::Park(const std::string& job, int pid, UniqueFd pidfd, std::shared_ptr<CallChannel> channel) {
  auto worker = std::make_shared<IdleWorker>(io_);
  worker->job = job;
  worker->pid = pid;
  worker->pidfd = std::move(pidfd);
  worker->channel = std::move(channel);
  // A SIGSTOP that came as its call ended would leave it deaf to the next one.
  syscall(SYS_pidfd_send_signal, worker->pidfd.get(), SIGCONT, nullptr, 0);
  Park(worker);
}

void Executor::Park(const std::shared_ptr<IdleWorker>& worker) {
  worker->idle_timer.expires_after(kWorkerIdleTime);
  worker->idle_timer.async_wait([this, weak = std::weak_ptr<IdleWorker>(worker)](const ErrorCode& error) {
    std::shared_ptr<IdleWorker> idle = weak.lock();
    if (error || !idle) return;  // taken, retired, or the executor is gone
    std::erase(idle_, idle);
    Retire(*idle);
  });
  idle_.push_back(worker);
  while (idle_.size() > options_.max_idle_workers) {
    std::shared_ptr<IdleWorker> oldest = idle_.front();
    idle_.pop_front();
    Retire(*oldest);
  }
}

std::shared_ptr<Executor::IdleWorker> Executor::TakeIdle(const std::string& job) {
  if (job.empty()) return nullptr;
  for (auto it = idle_.rbegin(); it != idle_.rend(); ++it) {
    if ((*it)->job != job) continue;
    std::shared_ptr<IdleWorker> worker = *it;
    idle_.erase(std::next(it).base());
    worker->idle_timer.cancel();
    return worker;
  }
  return nullptr;
}

// Its process group is killed (the worker is not reaped yet, so the id is
// still its own) and the worker is reaped once its pidfd says it exited.
void Executor::Retire(IdleWorker& worker) {
  worker.idle_timer.cancel();
  if (worker.channel) worker.channel->Close();
  if (!worker.pidfd.valid()) return;  // a call took it over
  kill(-worker.pid, SIGKILL);
  ReapLater(worker.pid, std::move(worker.pidfd));
}

void Executor::EndJob(const std::string& job) {
  std::vector<std::shared_ptr<IdleWorker>> ended;
  std::erase_if(idle_, [&](const std::shared_ptr<IdleWorker>& worker) {
    if (worker->job != job) return false;
    ended.push_back(worker);
    return true;
  });
  for (const auto& worker : ended) Retire(*worker);
}

std::size_t Executor::idle_workers() const { return idle_.size(); }

Status Executor::Stop(TaskHandle task) {
  auto it = running_.find(task);
  if (it == running_.end()) return Status::NotFound("no running task " + std::to_string(task));
  return it->second->Stop();
}

Status Executor::Continue(TaskHandle task) {
  auto it = running_.find(task);
  if (it == running_.end()) return Status::NotFound("no running task " + std::to_string(task));
  return it->second->Continue();
}

std::chrono::microseconds Executor::CpuTime(TaskHandle task) const {
  auto it = running_.find(task);
  return it == running_.end() ? std::chrono::microseconds{0} : it->second->CpuTime();
}

bool Executor::Launched(TaskHandle task) const {
  auto it = running_.find(task);
  return it != running_.end() && it->second->launched();
}

std::chrono::microseconds Executor::RunDelay(TaskHandle task) const {
  auto it = running_.find(task);
  return it == running_.end() ? std::chrono::microseconds{0} : it->second->RunDelay();
}

Status Executor::Kill(TaskHandle task, Status why) {
  auto it = running_.find(task);
  if (it == running_.end()) return Status::NotFound("no running task " + std::to_string(task));
  std::shared_ptr<Task> held = it->second;  // FailToStart erases it from running_
  held->Kill(std::move(why));
  return Status::Ok();
}

std::uint32_t Executor::sandbox_layers() const { return pool_ ? pool_->layers() : 0; }

std::string Executor::sandbox_problems() const { return pool_ ? pool_->problems() : "not open"; }

std::string Executor::python_version() const { return pool_ ? pool_->python_version() : ""; }

std::string Executor::python_home() const { return pool_ ? pool_->python_home() : ""; }

std::size_t Executor::running() const { return running_.size(); }

std::string Executor::DefaultTaskBinary() {
  std::error_code error;
  std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", error);
  if (error) return "osgrid-task";
  return (self.parent_path() / "osgrid-task").string();
}

}  // namespace osgrid::peer
