// The peer's side of the zygote; see warm_pool.h, and zygote.cpp for the design.
//
// [SECTION] Starting and stopping the zygote
// [SECTION] Messages from the zygote
// [SECTION] Children: starting -> warm -> handed out (or dropped)
// [SECTION] Acquire and hand-off
#include "warm_pool.h"

#include <utility>  // before Boost.Asio: GCC 12 + C++20 (docs/toolchain.md)

#include <fcntl.h>
#include <linux/capability.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <system_error>

#include <spdlog/spdlog.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>

#include "seqpacket.h"
#include "zygote_protocol.h"

namespace osgrid::peer {
namespace {

namespace asio = boost::asio;
using ErrorCode = boost::system::error_code;

// The zygote and its task processes get this small fixed environment, not the
// peer's own (which may hold the cluster secret, tokens or paths).
constexpr const char* kTaskEnvironment[] = {"PATH=/usr/local/bin:/usr/bin:/bin", "LANG=C.UTF-8", "HOME=/tmp",
                                            "TMPDIR=/tmp", nullptr};

std::string ErrnoText(int error) { return std::generic_category().message(error); }

/// "exited with status 3" / "killed by signal 9 (Killed)".
std::string DescribeExit(int wait_status) {
  if (WIFSIGNALED(wait_status)) {
    const char* name = sigdescr_np(WTERMSIG(wait_status));
    return "killed by signal " + std::to_string(WTERMSIG(wait_status)) + " (" + (name != nullptr ? name : "unknown") +
           ")";
  }
  return "exited with status " + std::to_string(WEXITSTATUS(wait_status));
}

/// Kills our child `pid` and reaps it; returns how it ended.
std::string KillAndReap(pid_t pid) {
  kill(pid, SIGKILL);
  int wait_status = 0;
  while (waitpid(pid, &wait_status, 0) < 0) {
    if (errno != EINTR) return "already reaped";
  }
  return DescribeExit(wait_status);
}

/// A pidfd for our child `pid` (pidfd_open(2)); invalid on error.
UniqueFd OpenPidfd(pid_t pid) {
  long fd = syscall(SYS_pidfd_open, pid, 0);
  return UniqueFd(fd < 0 ? -1 : static_cast<int>(fd));
}

/// Sets the scheduling policy of process `pid`: SCHED_IDLE or SCHED_OTHER
/// (nice unchanged). Returns 0 or the errno.
int SetIdle(pid_t pid, bool idle) {
  sched_param none{};
  return sched_setscheduler(pid, idle ? SCHED_IDLE : SCHED_OTHER, &none) == 0 ? 0 : errno;
}

/// Whether this process may raise others out of SCHED_IDLE: CAP_SYS_NICE in
/// its effective set (capget(2)). Root has it, except in a container that
/// drops it, as Docker does by default (Gradescope's autograders run there).
bool MayRaisePriority() {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2] = {};
  if (syscall(SYS_capget, &header, data) != 0) return false;
  return (data[CAP_SYS_NICE / 32].effective & (1u << (CAP_SYS_NICE % 32))) != 0;
}

}  // namespace

struct WarmPool::Zygote {
  explicit Zygote(asio::io_context& io) : control(io) {}
  pid_t pid = 0;
  bool reaped = false;                     // waited for: `pid` may belong to someone else now
  asio::posix::stream_descriptor control;  // our end of its fd 3
};

struct WarmPool::Child {
  Child(asio::io_context& io, pid_t pid, int socket_fd) : pid(pid), socket(io) {
    ErrorCode ignored;
    socket.assign(socket_fd, ignored);
  }
  pid_t pid;
  UniqueFd pidfd;
  asio::posix::stream_descriptor socket;  // our end of the child's socket
  bool gone = false;                      // handed out or dropped: ignore late events
};

WarmPool::WarmPool(asio::io_context& io, Options options) : io_(io), options_(std::move(options)) {}

WarmPool::~WarmPool() {
  StopZygote();  // first: it may be making a child we do not know of yet
  for (auto* list : {&starting_, &warm_}) {
    for (auto& child : *list) {
      child->gone = true;
      KillChild(child->pid);
    }
  }
}

// ---------------------------------------------------------------------------
// [SECTION] Starting and stopping the zygote

Status WarmPool::Open() {
  // Orphans of our descendants come to us, not to init: this is how the task
  // processes, grandchildren of the zygote, become our children.
  if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) {
    return Status::Internal("prctl(PR_SET_CHILD_SUBREAPER): " + ErrnoText(errno));
  }
  if (Status started = StartZygote(); !started.ok()) return started;
  if (options_.mode == SandboxMode::kStrict && layers_ != kAllLayers) {
    StopZygote();
    return Status::Internal("--sandbox strict: this machine cannot isolate tasks: " + problems_ +
                            "; use --sandbox auto to run with what it allows");
  }
  Refill();
  return Status::Ok();
}

Status WarmPool::StartZygote() {
  int sockets[2];  // [0] ours, [1] the zygote's fd 3
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sockets) != 0) {
    return Status::Internal("socketpair: " + ErrnoText(errno));
  }
  UniqueFd ours(sockets[0]);
  UniqueFd theirs(sockets[1]);

  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attributes;
  posix_spawn_file_actions_init(&actions);
  posix_spawnattr_init(&attributes);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, 2, 1);  // stray prints go to our log
  posix_spawn_file_actions_adddup2(&actions, theirs.get(), zygote::kControlFd);
  posix_spawn_file_actions_addclosefrom_np(&actions, zygote::kControlFd + 1);
  sigset_t all_signals;
  sigset_t no_signals;
  sigfillset(&all_signals);
  sigemptyset(&no_signals);
  posix_spawnattr_setpgroup(&attributes, 0);  // Ctrl-C reaches the peer, not the zygote
  posix_spawnattr_setsigdefault(&attributes, &all_signals);
  posix_spawnattr_setsigmask(&attributes, &no_signals);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);

  std::string peer_pid = std::to_string(getpid());
  std::string mode(SandboxModeName(options_.mode));
  std::string tmp_bytes = std::to_string(options_.tmp_bytes);
  const char* argv[] = {options_.task_binary.c_str(),
                        "--zygote",
                        "--peer-pid",
                        peer_pid.c_str(),
                        "--sandbox",
                        mode.c_str(),
                        "--tmp-bytes",
                        tmp_bytes.c_str(),
                        nullptr};
  pid_t pid = 0;
  int error = posix_spawn(&pid, options_.task_binary.c_str(), &actions, &attributes, const_cast<char* const*>(argv),
                          const_cast<char* const*>(kTaskEnvironment));
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (error != 0) {
    return Status::Internal("cannot start the zygote " + options_.task_binary + ": " + ErrnoText(error));
  }
  theirs.reset();

  // Its hello: CPython started and the jail built. Tens of milliseconds.
  pollfd ready{ours.get(), POLLIN, 0};
  int polled = poll(&ready, 1, kHelloTimeoutMs);
  zygote::ZygoteHello hello;
  int fds[kMaxPassedFds];
  int fd_count = 0;
  ssize_t size = polled > 0 ? ReceivePacket(ours.get(), &hello, sizeof hello, fds, &fd_count, 0) : -1;
  for (int i = 0; i < fd_count; ++i) close(fds[i]);
  if (size != static_cast<ssize_t>(sizeof hello) || hello.op != zygote::Op::kZygoteHello) {
    std::string how =
        polled == 0 ? "did not answer within " + std::to_string(kHelloTimeoutMs) + " ms (" + KillAndReap(pid) + ")"
                    : KillAndReap(pid);
    return Status::Internal("the zygote (" + options_.task_binary + " --zygote) " + how +
                            " before it was ready; see the messages above");
  }
  hello.problems[sizeof hello.problems - 1] = '\0';
  hello.python_version[sizeof hello.python_version - 1] = '\0';
  hello.python_home[sizeof hello.python_home - 1] = '\0';
  layers_ = hello.layers;
  problems_ = hello.problems;
  python_version_ = hello.python_version;
  python_home_ = hello.python_home;

  zygote_ = std::make_unique<Zygote>(io_);
  zygote_->pid = pid;
  ErrorCode assign_error;
  zygote_->control.assign(ours.release(), assign_error);
  if (assign_error) {
    StopZygote();
    return Status::Internal("cannot watch the zygote's socket: " + assign_error.message());
  }
  WatchZygote();
  // Only CAP_SYS_NICE can raise a process out of SCHED_IDLE again (Handoff must).
  idle_warmup_ = MayRaisePriority() && SetIdle(pid, true) == 0;
  boosted_ = false;
  return Status::Ok();
}

// Children the zygote has made but not yet told us about would outlive it
// (they are the peer's children, not the zygote's), so it is stopped in an
// order that leaves none unknown: end of file on its requests lets it finish
// the child it is making and exit; its ChildCreated messages are still in the
// socket, and each child they name is killed.
void WarmPool::StopZygote() {
  if (!zygote_) return;
  int control = zygote_->control.native_handle();
  if (!zygote_->reaped) {
    if (idle_warmup_) SetIdle(zygote_->pid, false);  // finish now, not on idle time
    shutdown(control, SHUT_WR);
    UniqueFd pidfd = OpenPidfd(zygote_->pid);
    pollfd exited{pidfd.get(), POLLIN, 0};
    if (pidfd.get() >= 0) poll(&exited, 1, kStopTimeoutMs);
    KillAndReap(zygote_->pid);  // exited by now, or stuck: either way, gone
    zygote_->reaped = true;
  }
  for (;;) {
    zygote::ChildCreated created;
    int fds[kMaxPassedFds];
    int fd_count = 0;
    ssize_t size = ReceivePacket(control, &created, sizeof created, fds, &fd_count, MSG_DONTWAIT);
    for (int i = 0; i < fd_count; ++i) close(fds[i]);
    if (size <= 0) break;
    bool names_a_child =
        size == static_cast<ssize_t>(sizeof created) && created.op == zygote::Op::kChildCreated && created.pid > 0;
    if (names_a_child) KillChild(created.pid);
  }
  ErrorCode ignored;
  zygote_->control.close(ignored);
  zygote_.reset();
  requested_ = 0;
}

// ---------------------------------------------------------------------------
// [SECTION] Messages from the zygote

void WarmPool::WatchZygote() {
  zygote_->control.async_wait(asio::posix::stream_descriptor::wait_read,
                              [this, zygote = zygote_.get()](const ErrorCode& error) {
                                if (error || zygote != zygote_.get()) return;
                                OnZygoteMessage();
                              });
}

void WarmPool::OnZygoteMessage() {
  for (;;) {
    alignas(8) char buffer[zygote::kMaxMessageBytes];
    int fds[kMaxPassedFds];
    int fd_count = 0;
    ssize_t size = ReceivePacket(zygote_->control.native_handle(), buffer, sizeof buffer, fds, &fd_count, MSG_DONTWAIT);
    if (size == -EAGAIN) break;
    if (size <= 0) {  // the zygote died: start another, or fail the waiters
      std::string how = KillAndReap(zygote_->pid);
      zygote_->reaped = true;
      spdlog::error("the zygote {}; starting a new one", how);
      StopZygote();
      if (Status restarted = StartZygote(); !restarted.ok()) {
        last_failure_ = restarted.message();
        failures_in_a_row_ = kMaxFailuresInARow;
        Serve();
        return;
      }
      Refill();
      return;
    }
    zygote::ChildCreated created;
    bool is_created = size == static_cast<ssize_t>(sizeof created) && fd_count == 1;
    if (is_created) std::memcpy(&created, buffer, sizeof created);
    if (is_created && created.op == zygote::Op::kChildCreated) {
      OnChildCreated(created.pid, UniqueFd(fds[0]));
    } else {
      for (int i = 0; i < fd_count; ++i) close(fds[i]);
    }
  }
  WatchZygote();
}

// ---------------------------------------------------------------------------
// [SECTION] Children: starting -> warm -> handed out (or dropped)

void WarmPool::OnChildCreated(pid_t pid, UniqueFd socket) {
  requested_ = std::max(0, requested_ - 1);
  auto child = std::make_shared<Child>(io_, pid, socket.release());
  if (pid <= 0) {  // no process: the socket holds the reason
    child->pid = 0;
    zygote::ChildFailed failed;
    int fds[kMaxPassedFds];
    int fd_count = 0;
    ssize_t size = ReceivePacket(child->socket.native_handle(), &failed, sizeof failed, fds, &fd_count, MSG_DONTWAIT);
    for (int i = 0; i < fd_count; ++i) close(fds[i]);
    failed.reason[sizeof failed.reason - 1] = '\0';
    bool has_reason = size == static_cast<ssize_t>(sizeof failed) && failed.op == zygote::Op::kChildFailed;
    DropChild(child, has_reason ? failed.reason : "the zygote could not fork");
    return;
  }
  child->pidfd = OpenPidfd(pid);
  starting_.push_back(child);
  WatchChild(child);
}

void WarmPool::WatchChild(const std::shared_ptr<Child>& child) {
  child->socket.async_wait(asio::posix::stream_descriptor::wait_read, [this, child](const ErrorCode& error) {
    if (error || child->gone) return;
    OnChildMessage(child);
  });
}

void WarmPool::OnChildMessage(const std::shared_ptr<Child>& child) {
  alignas(8) char buffer[zygote::kMaxMessageBytes];
  int fds[kMaxPassedFds];
  int fd_count = 0;
  ssize_t size = ReceivePacket(child->socket.native_handle(), buffer, sizeof buffer, fds, &fd_count, MSG_DONTWAIT);
  for (int i = 0; i < fd_count; ++i) close(fds[i]);
  if (size == -EAGAIN) return WatchChild(child);
  zygote::Op op{};
  if (size >= static_cast<ssize_t>(sizeof op)) std::memcpy(&op, buffer, sizeof op);

  auto starting = std::find(starting_.begin(), starting_.end(), child);
  if (op == zygote::Op::kChildWarm && starting != starting_.end()) {
    starting_.erase(starting);
    warm_.push_back(child);
    failures_in_a_row_ = 0;
    WatchChild(child);  // to notice if it dies while it waits
    Serve();
    return;
  }
  if (op == zygote::Op::kChildFailed && size == static_cast<ssize_t>(sizeof(zygote::ChildFailed))) {
    zygote::ChildFailed failed;
    std::memcpy(&failed, buffer, sizeof failed);
    failed.reason[sizeof failed.reason - 1] = '\0';
    return DropChild(child, failed.reason);
  }
  DropChild(child, size == 0 ? "the task process exited before its task" : "unexpected message");
}

void WarmPool::DropChild(const std::shared_ptr<Child>& child, const std::string& why) {
  bool was_starting = std::find(starting_.begin(), starting_.end(), child) != starting_.end() || child->pid == 0;
  child->gone = true;
  starting_.erase(std::remove(starting_.begin(), starting_.end(), child), starting_.end());
  warm_.erase(std::remove(warm_.begin(), warm_.end(), child), warm_.end());
  ErrorCode ignored;
  child->socket.close(ignored);
  std::string how = child->pid > 0 ? " (" + KillChild(child->pid) + ")" : "";
  if (was_starting) {
    failures_in_a_row_++;
    last_failure_ = why;
    spdlog::warn("a task process could not get ready: {}{}", why, how);
  } else {
    spdlog::warn("a warm task process ended while waiting{}", how);
  }
  Serve();
  Refill();
}

// ---------------------------------------------------------------------------
// [SECTION] Acquire and hand-off

void WarmPool::Acquire(Ready ready) {
  waiters_.push_back(std::move(ready));
  if (failures_in_a_row_ >= kMaxFailuresInARow && starting_.empty() && requested_ == 0) {
    failures_in_a_row_ = kMaxFailuresInARow - 1;  // one more try for this caller
    if (!zygote_) {
      if (Status restarted = StartZygote(); !restarted.ok()) last_failure_ = restarted.message();
    }
  }
  Serve();
  if (!waiters_.empty()) SetBoost(true);  // no child was warm: this caller waits
  Refill();
}

// A SCHED_IDLE process dies only once it gets a CPU: raise it first, so that
// waiting for it does not wait for the machine to go idle.
std::string WarmPool::KillChild(pid_t pid) {
  if (idle_warmup_) SetIdle(pid, false);
  return KillAndReap(pid);
}

void WarmPool::SetBoost(bool boost) {
  if (!idle_warmup_ || !zygote_ || boost == boosted_) return;
  boosted_ = boost;
  if (int error = SetIdle(zygote_->pid, !boost); error != 0) {
    spdlog::warn("cannot set the zygote's priority: {}", ErrnoText(error));
  }
  if (!boost) return;  // children already boosted finish their warm-up as they are
  for (const auto& child : starting_) SetIdle(child->pid, false);
}

// Callbacks are posted, never called from here: a callback may call Acquire.
void WarmPool::Serve() {
  while (!waiters_.empty() && !warm_.empty()) {
    std::shared_ptr<Child> child = warm_.front();
    warm_.pop_front();
    child->gone = true;
    WarmChild handed;
    handed.pid = child->pid;
    handed.pidfd = std::move(child->pidfd);
    handed.socket = UniqueFd(child->socket.release());
    handed.idle_priority = idle_warmup_;
    Ready ready = std::move(waiters_.front());
    waiters_.pop_front();
    asio::post(io_, [ready = std::move(ready), handed = std::make_shared<WarmChild>(std::move(handed))]() {
      ready(std::move(*handed));
    });
  }
  bool hopeless = failures_in_a_row_ >= kMaxFailuresInARow && starting_.empty();
  while (hopeless && !waiters_.empty()) {
    Ready ready = std::move(waiters_.front());
    waiters_.pop_front();
    Status failed = Status::Internal("cannot prepare a sandboxed task process: " + last_failure_);
    asio::post(io_, [ready = std::move(ready), failed]() { ready(failed); });
  }
  if (waiters_.empty()) SetBoost(false);  // nobody waits: back to idle time only
}

void WarmPool::Refill() {
  if (!zygote_ || failures_in_a_row_ >= kMaxFailuresInARow) return;
  int wanted = std::min<int>(options_.warm_target + static_cast<int>(waiters_.size()), 64);
  int have = static_cast<int>(warm_.size() + starting_.size()) + requested_;
  if (wanted <= have) return;
  zygote::ForkRequest request;
  request.count = static_cast<std::uint32_t>(wanted - have);
  if (SendPacket(zygote_->control.native_handle(), &request, sizeof request, nullptr, 0) == 0) {
    requested_ += static_cast<int>(request.count);
  }
}

Status WarmPool::Handoff(WarmChild& child, const int (&fds)[4], const TaskLimits& limits, const std::string& task_id,
                         bool worker) {
  // Warmed up on idle time; its task runs as any other process. (A child the
  // zygote made while boosted is SCHED_OTHER already: then this is a no-op.)
  if (child.idle_priority) {
    if (int error = SetIdle(child.pid, false); error != 0) {
      return Status::Internal("cannot raise the task process out of SCHED_IDLE: " + ErrnoText(error));
    }
  }
  zygote::Handoff handoff;
  handoff.limits = limits;
  handoff.worker = worker ? 1 : 0;
  std::size_t length = std::min(task_id.size(), sizeof handoff.task_id - 1);
  std::memcpy(handoff.task_id, task_id.data(), length);
  int error = SendPacket(child.socket.get(), &handoff, sizeof handoff, fds, 4);
  if (error != 0) return Status::Internal("cannot hand the task to its process: " + ErrnoText(error));
  return Status::Ok();
}

}  // namespace osgrid::peer
