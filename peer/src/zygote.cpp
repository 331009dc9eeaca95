// The zygote: starts CPython once and forks sandboxed task processes from it.
//
// Starting `python3` takes about 20 ms and forking an initialised CPython
// about 1 ms, and the first Python code a forked child runs copies several
// hundred pages (copy-on-write faults: another 7 ms on these VMs). None of that
// may sit between a task's arrival and its start, so the work is done ahead:
//
//   osgrid-peer ──posix_spawn──> zygote (`osgrid-task --zygote`, one per peer)
//        │                          │  1. CPython started, bootstrap defined, gc.freeze()
//        │                          │  2. mount jail built (sandbox.cpp), layers probed
//        │                          │  3. ZygoteHello to the peer (layers, Python home)
//        │   ForkRequest ─────────> │  4. per request: fork an intermediate process
//        │                          └──> intermediate: new pid/net/ipc/mount namespaces,
//        │                                 private tmpfs /tmp; forks the task process, exits
//        │ <── reparented (the peer is a child subreaper) ──┐
//        │                                            warm child (pid 1 of its namespace)
//        │                                              5. uid, capabilities,
//        │                                                 seccomp (sandbox.cpp)
//        │ <─────────────────── ChildWarm ───────────── 6. warm-up run, setsid, waits
//        │ ─── Handoff + fds 0-3 (the task's pipes) ──> 7. rlimits, read the task from
//        │                                                 stdin, run it, result on fd 3,
//        │ <── system calls on fd 4 (the same socket) ───     _exit
//        │     (call_channel.h, docs/syscalls.md)
//        │ ─── RunCall + fds 0-3 on fd 4 ─────────────> 8. a worker (Handoff::worker)
//        │                                                 runs its job's next call, and
//        │                                                 so on (RunWorker, executor.h)
//
// The double fork has two purposes: the task process must be the first
// process of its new pid namespace (unshare(CLONE_NEWPID) applies to the
// caller's next child), and it must be the peer's child, so that the peer
// alone reaps it, reads its exit status and holds a pidfd for it (one task =
// one process with a known pid, as the scheduler needs). The peer sets
// PR_SET_CHILD_SUBREAPER; when the intermediate exits, the kernel hands its
// child to the peer.
//
// The zygote is single-threaded, never runs task code, and talks only to the
// peer over fd 3 (zygote_protocol.h). It dies with the peer (PR_SET_PDEATHSIG,
// and end of file on fd 3).
#include <Python.h>  // first, as the CPython docs ask

#include "zygote.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>

#include "fd_io.h"
#include "python_runner.h"
#include "sandbox_impl.h"
#include "seqpacket.h"
#include "zygote_protocol.h"

namespace osgrid::peer {
namespace {

// Root peers give each task process a uid of its own, never a real user's:
// kTaskUidBase + (task number mod kTaskUidCount).
constexpr uid_t kTaskUidBase = 2'000'000'000;
constexpr uid_t kTaskUidCount = 1'000'000;

/// Copies `text` into a fixed-size message field, cut if need be.
template <std::size_t N>
void CopyField(char (&field)[N], const std::string& text) {
  std::size_t length = std::min(text.size(), N - 1);
  std::memcpy(field, text.data(), length);
  field[length] = '\0';
}

[[noreturn]] void FailChild(int socket, const std::string& reason) {
  zygote::ChildFailed failed;
  CopyField(failed.reason, reason);
  SendPacket(socket, &failed, sizeof failed, nullptr, 0);
  _exit(1);
}

// ---------------------------------------------------------------------------
// The task process, from the moment it is forked to its exit.

/// Step 7: makes the four received descriptors this process's fds 0-3 and
/// its socket to the peer fd 4 (zygote::kCallFd, the system-call channel),
/// and closes every other descriptor.
bool InstallTaskFds(int (&fds)[4], int socket) {
  int wanted[5] = {fds[0], fds[1], fds[2], fds[3], socket};
  for (int& fd : wanted) {  // first lift them above 0..4, so no dup2 below clobbers one
    int lifted = fcntl(fd, F_DUPFD_CLOEXEC, 10);
    if (lifted < 0) return false;
    close(fd);
    fd = lifted;
  }
  for (int target = 0; target < 5; ++target) {
    if (dup2(wanted[target], target) < 0) return false;  // dup2 clears close-on-exec
  }
  close_range(5, ~0u, 0);
  return true;
}

/// A worker, between calls: makes the four descriptors of its next call
/// (RunCall) fds 0-3, leaving every other descriptor as the job's calls left
/// it. Returns false if a dup2 failed.
bool InstallCallFds(int (&fds)[4]) {
  int lifted[4];
  for (int i = 0; i < 4; ++i) {  // above 0..4 first, so no dup2 below clobbers one
    lifted[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, 10);
    close(fds[i]);
    if (lifted[i] < 0) return false;
  }
  bool ok = true;
  for (int target = 0; target < 4; ++target) {
    ok = ok && dup2(lifted[target], target) == target;
    close(lifted[target]);
  }
  return ok;
}

/// Sets this process's soft RLIMIT_CPU to `seconds` more than it has used:
/// a worker's per-call backup of the peer's own CPU-time check.
void SetCallCpuLimit(std::uint64_t seconds) {
  rusage usage{};
  if (getrusage(RUSAGE_SELF, &usage) != 0) return;
  const std::uint64_t used =
      static_cast<std::uint64_t>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + 1;  // rounded up
  rlimit limit{};
  if (getrlimit(RLIMIT_CPU, &limit) != 0) return;
  limit.rlim_cur = std::min<rlim_t>(used + seconds, limit.rlim_max);
  setrlimit(RLIMIT_CPU, &limit);
}

/// A worker (Handoff::worker): runs the calls of one job one after another,
/// as a shell runs commands. Each call comes with its own fds 0-3 (the first
/// with the Handoff, the others with a RunCall on fd 4) and reads the call
/// from its stdin: the program only the first time, which is loaded once.
/// Closing fds 0-3 after the result ends the call for the peer; a worker
/// that cannot go on (python_runner.h, RunPythonCall) exits instead.
[[noreturn]] void RunWorker(std::uint64_t cpu_seconds) {
  for (bool first = true;; first = false) {
    SetCallCpuLimit(cpu_seconds);
    std::optional<std::string> input = ReadAll(STDIN_FILENO);
    std::optional<TaskInput> call = input ? ParseTaskInput(*input, first) : std::nullopt;
    if (!call) _exit(2);
    input.reset();
    std::optional<CallMessage> message = RunPythonCall(*call, first);
    if (!message || !WriteAll(3, message->text)) _exit(4);
    std::fflush(stderr);
    if (!message->next) {
      close_range(0, zygote::kCallFd, 0);
      _exit(0);
    }
    close_range(0, 3, 0);  // the call's end, for the peer
    zygote::RunCall order;
    int fds[kMaxPassedFds];
    int fd_count = 0;
    ssize_t size = ReceivePacket(zygote::kCallFd, &order, sizeof order, fds, &fd_count, 0);
    bool well_formed = size == static_cast<ssize_t>(sizeof order) && order.op == zygote::Op::kRunCall && fd_count == 4;
    if (!well_formed) _exit(0);  // the peer closed: the job is over here
    if (!InstallCallFds(fds)) _exit(4);
    order.task_id[sizeof order.task_id - 1] = '\0';
    char title[16];
    std::snprintf(title, sizeof title, "task %s", order.task_id);
    prctl(PR_SET_NAME, title);
    cpu_seconds = order.cpu_seconds;
  }
}

/// Step 7: the peer's Handoff arrived; run the task and exit (or, as a
/// worker, the calls of its job).
[[noreturn]] void RunHandedOffTask(int socket, const zygote::Handoff& handoff, int (&fds)[4], std::uint32_t layers) {
  // Die with the peer from now on. The peer holds its end of `socket` until
  // the task ends, so a hang-up here means it died before the prctl.
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  pollfd peer_end{socket, POLLRDHUP, 0};
  if (poll(&peer_end, 1, 0) > 0 && (peer_end.revents & (POLLRDHUP | POLLHUP))) _exit(1);
  if (!InstallTaskFds(fds, socket)) _exit(4);

  char title[16];  // ps shows at most 15 characters of a process name
  std::snprintf(title, sizeof title, "task %s", handoff.task_id);
  prctl(PR_SET_NAME, title);

  TaskLimits limits = handoff.limits;
  if (handoff.worker) limits.cpu_seconds = RLIM_INFINITY;  // per call: SetCallCpuLimit
  if (std::string error = sandbox::ApplyLimits(layers, limits); !error.empty()) {
    std::fprintf(stderr, "osgrid-task: %s\n", error.c_str());
    _exit(5);
  }
  if (handoff.worker) RunWorker(handoff.limits.cpu_seconds);
  std::optional<std::string> input = ReadAll(STDIN_FILENO);
  std::optional<TaskInput> task = input ? ParseTaskInput(*input) : std::nullopt;
  if (!task) _exit(2);
  input.reset();
  std::optional<std::string> message = RunPythonTask(*task);
  if (!message || !WriteAll(3, *message)) _exit(4);
  // Close the pipes first: the peer has the whole task once they reach end of
  // file, and need not wait for the kernel to tear this process down.
  std::fflush(stderr);
  close_range(0, zygote::kCallFd, 0);
  _exit(0);  // no Py_FinalizeEx: see task_main.cpp
}

/// Steps 5 and 6: the warm child sandboxes itself, warms up and waits.
[[noreturn]] void RunWarmChild(int socket, std::uint32_t layers, uid_t task_uid) {
  PyOS_AfterFork_Child();
  if ((layers & kMountJail) && chdir("/tmp") != 0) FailChild(socket, "chdir /tmp failed");
  if (std::string error = sandbox::LockDown(layers, task_uid); !error.empty()) {
    FailChild(socket, error);
  }
  WarmUpPython();
  // A session and process group of its own (pgid = pid), only now: a new
  // session is also a new scheduling autogroup (sched(7)), which competes
  // with the peer's as an equal, so the warm-up above stays in the zygote's
  // group, where a root peer's SCHED_IDLE ranks it below everything else.
  setsid();
  zygote::ChildWarm warm;
  if (SendPacket(socket, &warm, sizeof warm, nullptr, 0) != 0) _exit(1);

  zygote::Handoff handoff;
  int fds[kMaxPassedFds];
  int fd_count = 0;
  ssize_t size = ReceivePacket(socket, &handoff, sizeof handoff, fds, &fd_count, 0);
  bool well_formed =
      size == static_cast<ssize_t>(sizeof handoff) && handoff.op == zygote::Op::kHandoff && fd_count == 4;
  if (!well_formed) _exit(0);  // the peer closed: it is shutting down
  handoff.task_id[sizeof handoff.task_id - 1] = '\0';
  RunHandedOffTask(socket, handoff, fds, layers);
}

// ---------------------------------------------------------------------------
// The zygote

class Zygote {
 public:
  explicit Zygote(const ZygoteConfig& config) : config_(config) {}

  int Run();

 private:
  bool SendHello();
  void MakeWarmChild();
  [[noreturn]] void RunIntermediate(int child_socket, int pid_pipe, uid_t task_uid);

  ZygoteConfig config_;
  EmbeddedPython python_;  // its home is bound into the jail
  sandbox::Report report_;
  std::uint64_t children_made_ = 0;
};

int Zygote::Run() {
  if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != config_.peer_pid) return 1;
  if (!StartPython()) return 3;
  python_ = DescribePython();
  if (config_.mode == SandboxMode::kOff) {
    report_.layers = 0;
    report_.problems = "--sandbox off";
  } else {
    sandbox::BuildJail(report_, python_.home);
    sandbox::ProbeChildLayers(report_);
    if (report_.layers & kSeccomp) sandbox::CompileSeccompFilter();
  }
  if (!SendHello()) return 1;
  for (;;) {
    zygote::ForkRequest request;
    int fds[kMaxPassedFds];
    int fd_count = 0;
    ssize_t size = ReceivePacket(zygote::kControlFd, &request, sizeof request, fds, &fd_count, 0);
    for (int i = 0; i < fd_count; ++i) close(fds[i]);
    if (size <= 0) return 0;  // the peer closed its end: it is shutting down
    if (size != sizeof request || request.op != zygote::Op::kForkRequest) continue;
    for (std::uint32_t i = 0; i < std::min<std::uint32_t>(request.count, 64); ++i) MakeWarmChild();
  }
}

bool Zygote::SendHello() {
  zygote::ZygoteHello hello;
  hello.layers = report_.layers;
  CopyField(hello.problems, report_.problems);
  CopyField(hello.python_version, python_.version);
  CopyField(hello.python_home, python_.home);
  return SendPacket(zygote::kControlFd, &hello, sizeof hello, nullptr, 0) == 0;
}

// Step 4. Any failure is reported to the peer as a ChildCreated with pid 0 and
// a socket carrying the reason (a ChildFailed), so the peer has one path.
void Zygote::MakeWarmChild() {
  std::uint64_t number = children_made_++;
  uid_t task_uid = geteuid() == 0 ? kTaskUidBase + static_cast<uid_t>(number % kTaskUidCount) : geteuid();
  int sockets[2];  // [0] goes to the peer, [1] stays with the child
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sockets) != 0) return;
  int pid_pipe[2];
  if (pipe2(pid_pipe, O_CLOEXEC) != 0) {
    close(sockets[0]);
    close(sockets[1]);
    return;
  }
  PyOS_BeforeFork();
  pid_t middle = fork();
  if (middle == 0) {
    close(sockets[0]);
    close(pid_pipe[0]);
    RunIntermediate(sockets[1], pid_pipe[1], task_uid);
  }
  PyOS_AfterFork_Parent();
  zygote::ChildCreated created;
  if (middle < 0) {  // leave the reason in the child's end for the peer to read
    zygote::ChildFailed failed;
    CopyField(failed.reason, std::string("fork: ") + std::strerror(errno));
    SendPacket(sockets[1], &failed, sizeof failed, nullptr, 0);
  }
  close(sockets[1]);
  close(pid_pipe[1]);
  if (middle > 0) {
    ssize_t got;
    do {
      got = read(pid_pipe[0], &created.pid, sizeof created.pid);
    } while (got < 0 && errno == EINTR);
    if (got != sizeof created.pid) created.pid = 0;  // the intermediate failed; the socket says why
    while (waitpid(middle, nullptr, 0) < 0 && errno == EINTR) {
    }
  }
  close(pid_pipe[0]);
  // Only now, with the intermediate gone, is the task process the peer's child.
  SendPacket(zygote::kControlFd, &created, sizeof created, &sockets[0], 1);
  close(sockets[0]);
}

[[noreturn]] void Zygote::RunIntermediate(int child_socket, int pid_pipe, uid_t task_uid) {
  close(zygote::kControlFd);
  std::string error = sandbox::EnterTaskNamespaces(report_.layers, task_uid, config_.tmp_bytes);
  if (!error.empty()) FailChild(child_socket, error);
  pid_t task = fork();
  if (task == 0) {
    close(pid_pipe);
    RunWarmChild(child_socket, report_.layers, task_uid);
  }
  if (task < 0) FailChild(child_socket, std::string("fork: ") + std::strerror(errno));
  std::int32_t pid = task;
  ssize_t ignored = write(pid_pipe, &pid, sizeof pid);
  (void)ignored;
  _exit(0);
}

}  // namespace

int RunZygote(const ZygoteConfig& config) {
  Zygote zygote(config);
  return zygote.Run();
}

}  // namespace osgrid::peer
