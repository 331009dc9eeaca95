// StudentRunner: the sandboxed process that runs a student's code (see
// student_process.h for the layers and why each is there).
#include "osgrid/grade/student_process.h"

#include <fcntl.h>
#include <grp.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <utility>
#include <vector>

#include "host_files.h"
#include "host_process.h"

namespace osgrid::grade {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// The student's user when the grader is root: a uid of its own per grader
// process, 61000-64999 (no account has it; inside the 16-bit range every
// container maps). Its own, because RLIMIT_NPROC counts per user: a fork bomb
// graded next door under a shared "nobody" would make this grader's execs fail.
uid_t StudentUid() {
  static const uid_t uid = 61000 + static_cast<uid_t>(getpid()) % 4000;
  return uid;
}
constexpr std::size_t kMaxFiles = 200;
constexpr std::uintmax_t kMaxBytes = 20u << 20;

bool IsRoot() { return geteuid() == 0; }

// ---- The seccomp filter, compiled once in the grader ----

// The syscalls a student's policy never needs and a hostile one would use:
// sockets, ptrace and reading other processes' memory, fork (threads are
// allowed: clone with CLONE_THREAD), namespaces and mounts, signals to other
// processes (kill only to its own process group, pid 0), keyrings, bpf.
// Compiled to BPF here, in the grader, because libseccomp allocates and the
// child of a multi-threaded grader may only make async-signal-safe calls.
struct SeccompProgram {
  std::vector<sock_filter> code;
  std::string problem;  // "" = compiled
};

const SeccompProgram& Seccomp() {
  static const SeccompProgram* program = [] {
    auto* result = new SeccompProgram;
    scmp_filter_ctx filter = seccomp_init(SCMP_ACT_ALLOW);
    if (filter == nullptr) {
      result->problem = "seccomp_init failed";
      return result;
    }
    const auto eperm = SCMP_ACT_ERRNO(EPERM);
    bool ok = true;
    // clang-format off
    for (int call : {SCMP_SYS(socket), SCMP_SYS(socketpair), SCMP_SYS(connect), SCMP_SYS(bind), SCMP_SYS(listen),
                     SCMP_SYS(accept), SCMP_SYS(accept4), SCMP_SYS(ptrace), SCMP_SYS(process_vm_readv),
                     SCMP_SYS(process_vm_writev), SCMP_SYS(kcmp), SCMP_SYS(pidfd_open), SCMP_SYS(pidfd_getfd),
                     SCMP_SYS(pidfd_send_signal), SCMP_SYS(fork), SCMP_SYS(vfork), SCMP_SYS(unshare),
                     SCMP_SYS(setns), SCMP_SYS(mount), SCMP_SYS(bpf), SCMP_SYS(perf_event_open),
                     SCMP_SYS(userfaultfd), SCMP_SYS(keyctl), SCMP_SYS(add_key), SCMP_SYS(request_key),
                     SCMP_SYS(setsid), SCMP_SYS(setpgid), SCMP_SYS(tkill), SCMP_SYS(tgkill)}) {
      // clang-format on
      ok = ok && seccomp_rule_add(filter, eperm, call, 0) == 0;
    }
    // clone3 hides its flags in memory: ENOSYS, and glibc falls back to clone.
    ok = ok && seccomp_rule_add(filter, eperm, SCMP_SYS(clone), 1, SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, 0)) == 0 &&
         seccomp_rule_add(filter, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0) == 0 &&
         seccomp_rule_add(filter, eperm, SCMP_SYS(kill), 1, SCMP_A0(SCMP_CMP_NE, 0)) == 0;
    // Export the BPF through a pipe (libseccomp 2.5 has no in-memory export).
    int fds[2];
    if (ok && pipe2(fds, O_CLOEXEC) == 0) {
      ok = seccomp_export_bpf(filter, fds[1]) == 0;
      close(fds[1]);
      std::string bytes;
      char chunk[4096];
      for (ssize_t n; (n = read(fds[0], chunk, sizeof chunk)) > 0;) bytes.append(chunk, static_cast<std::size_t>(n));
      close(fds[0]);
      result->code.resize(bytes.size() / sizeof(sock_filter));
      std::memcpy(result->code.data(), bytes.data(), result->code.size() * sizeof(sock_filter));
    } else {
      ok = false;
    }
    seccomp_release(filter);
    if (!ok || result->code.empty()) result->problem = "the seccomp filter could not be built";
    return result;
  }();
  return *program;
}

// ---- In the child, between fork and exec: only async-signal-safe calls ----

// Everything the child needs, built by the grader before fork.
struct ExecPlan {
  std::string work;                     // the submission's copy: the working directory
  std::vector<std::string> candidates;  // python3 paths to try, in order
  std::vector<std::string> argv_text, env_text;
  std::vector<char*> argv, env;  // pointers into the texts, nullptr-terminated
  rlim_t cpu = 2, address_space = 0, file_size = 0;
  const SeccompProgram* seccomp = nullptr;
  int request_fd = -1, answer_fd = -1, output_fd = -1;
  uid_t uid = 0;     // the student's user (and group), when the grader is root
  pid_t parent = 0;  // the grader: the child dies with it (PR_SET_PDEATHSIG)
};

[[noreturn]] void Die(const char* what) {
  // stderr is the captured output: the student's report shows why.
  (void)!write(2, "osgrid sandbox: ", 16);
  (void)!write(2, what, strlen(what));
  (void)!write(2, " failed\n", 8);
  _exit(127);
}

void SetLimit(int resource, rlim_t soft, rlim_t hard) {
  rlimit limit{soft, hard};
  if (setrlimit(resource, &limit) != 0) Die("setrlimit");
}

[[noreturn]] void ExecHost(const ExecPlan& plan) {
  setpgid(0, 0);
  // Move every source above 4 first: dup2 onto the fd it already is keeps
  // O_CLOEXEC, and a source numbered 0-4 could be overwritten before use.
  int sources[4] = {open("/dev/null", O_RDONLY | O_CLOEXEC), plan.output_fd, plan.request_fd, plan.answer_fd};
  for (int& fd : sources) {
    fd = fcntl(fd, F_DUPFD_CLOEXEC, 10);
    if (fd < 0) Die("fcntl");
  }
  if (dup2(sources[0], 0) < 0 || dup2(sources[1], 1) < 0 || dup2(sources[1], 2) < 0 || dup2(sources[2], 3) < 0 ||
      dup2(sources[3], 4) < 0) {
    Die("dup2");
  }
  for (int fd = 5; fd < 1024; ++fd) close(fd);
  if (chdir(plan.work.c_str()) != 0) Die("chdir");

  if (IsRoot()) {
    (void)unshare(CLONE_NEWNET | CLONE_NEWIPC);  // refused in Docker: the other layers stand alone
    if (setgroups(0, nullptr) != 0 || setgid(plan.uid) != 0 || setuid(plan.uid) != 0) Die("setuid");
    SetLimit(RLIMIT_NPROC, 64, 64);  // its own user: a bound on threads and processes
  } else {
    (void)unshare(CLONE_NEWUSER | CLONE_NEWNET | CLONE_NEWIPC);  // where unprivileged namespaces exist
  }
  SetLimit(RLIMIT_CPU, plan.cpu, plan.cpu + 1);  // SIGXCPU at the soft limit, SIGKILL a second later
  SetLimit(RLIMIT_AS, plan.address_space, plan.address_space);
  SetLimit(RLIMIT_FSIZE, plan.file_size, plan.file_size);
  SetLimit(RLIMIT_NOFILE, 64, 64);
  SetLimit(RLIMIT_CORE, 0, 0);
  // After setuid, which clears it: a grader (or peer) that dies, even by
  // SIGKILL, takes the process with it. It may have died already.
  if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0 || getppid() != plan.parent) Die("pdeathsig");
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) Die("no_new_privs");
  sock_fprog program{static_cast<unsigned short>(plan.seccomp->code.size()),
                     const_cast<sock_filter*>(plan.seccomp->code.data())};
  if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program) != 0) Die("seccomp");
  for (const auto& python : plan.candidates) execve(python.c_str(), plan.argv.data(), plan.env.data());
  Die("exec python3");
}

ExecPlan MakePlan(const std::string& root, const SandboxOptions& options, int hash_seed) {
  ExecPlan plan;
  plan.work = root + "/submission";
  if (options.python.find('/') != std::string::npos) {
    plan.candidates = {options.python};
  } else {
    for (const char* dir : {"/usr/local/bin/", "/usr/bin/", "/bin/"}) plan.candidates.push_back(dir + options.python);
  }
  // -s: no user site; -S: no site at all (faster, and nothing installed leaks in); -B: no .pyc
  // writes; -u: unbuffered, so what it printed before a crash is not lost.
  plan.argv_text = {options.python, "-s", "-S", "-B", "-u", root + "/host/grader_host.py"};
  plan.env_text = {"PATH=/usr/local/bin:/usr/bin:/bin", "LANG=C.UTF-8", "PYTHONIOENCODING=utf-8",
                   "PYTHONHASHSEED=" + std::to_string(hash_seed), "HOME=" + plan.work};
  for (auto& text : plan.argv_text) plan.argv.push_back(text.data());
  for (auto& text : plan.env_text) plan.env.push_back(text.data());
  plan.argv.push_back(nullptr);
  plan.env.push_back(nullptr);
  plan.cpu = static_cast<rlim_t>(options.cpu_seconds);
  plan.address_space = options.address_space_bytes;
  plan.file_size = options.file_size_bytes;
  plan.seccomp = &Seccomp();
  plan.uid = StudentUid();
  plan.parent = getpid();
  return plan;
}

// ---- In the grader ----

std::string SignalName(int signal) {
  switch (signal) {
    case SIGKILL:
      return "SIGKILL";
    case SIGXCPU:
      return "SIGXCPU";
    case SIGXFSZ:
      return "SIGXFSZ";
    case SIGSEGV:
      return "SIGSEGV";
    case SIGABRT:
      return "SIGABRT";
    case SIGSYS:
      return "SIGSYS";
    default:
      return "signal " + std::to_string(signal);
  }
}

struct Pipe {
  int read = -1;
  int write = -1;
  bool Open() {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) return false;
    read = fds[0];
    write = fds[1];
    return true;
  }
  void Close() {
    if (read >= 0) close(read);
    if (write >= 0) close(write);
    read = write = -1;
  }
};

void CloseFd(int& fd) {
  if (fd >= 0) close(fd);
  fd = -1;
}

// Parses the complete lines of `buffer` into `run`; returns false on a line
// that is not the protocol (then the process is treated as crashed).
bool TakeAnswers(std::string& buffer, CaseRun& run) {
  std::size_t newline;
  while ((newline = buffer.find('\n')) != std::string::npos) {
    auto line = nlohmann::json::parse(buffer.substr(0, newline), nullptr, /*allow_exceptions=*/false);
    buffer.erase(0, newline + 1);
    if (!line.is_object()) return false;
    if (line.contains("loaded")) {
      run.loaded = true;
    } else if (line.contains("ok")) {
      run.answers.push_back(line["ok"]);
    } else if (line.contains("error") && line["error"].is_object()) {
      const auto& error = line["error"];
      HostError host{error.value("kind", "exception"), error.value("message", "an error"), std::nullopt};
      if (error.contains("line") && error["line"].is_number_integer()) host.line = error["line"].get<int>();
      run.error = std::move(host);
    } else {
      return false;
    }
  }
  return true;
}

// A new private folder under $TMPDIR with host/ (the grader's Python files)
// and an empty submission/, 0711: the student's user may pass through to
// host/ and submission/ but not list the folder.
os::Expected<std::string> MakeWorkFolder() {
  std::string pattern = (fs::temp_directory_path() / "osgrid-grade-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) return os::Fail("cannot make a work folder: " + std::string(strerror(errno)));
  const fs::path root(pattern);
  std::error_code error;
  fs::permissions(root, fs::perms::owner_all | fs::perms::group_exec | fs::perms::others_exec, error);
  fs::create_directories(root / "host");
  fs::create_directories(root / "submission");
  for (const auto& [name, text] : HostFiles()) {
    std::ofstream(root / "host" / name) << text;
  }
  return pattern;
}

// Everything under `root` readable (the student's user reads its own code),
// nothing writable but by the grader.
void OpenUpForReading(const fs::path& root) {
  std::error_code error;
  for (auto it = fs::recursive_directory_iterator(root, error); !error && it != fs::end(it); it.increment(error)) {
    fs::permissions(it->path(),
                    it->is_directory() ? fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                             fs::perms::others_read | fs::perms::others_exec
                                       : fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                                             fs::perms::others_read,
                    error);
  }
}

}  // namespace

std::string DescribeExit(int status, const SandboxOptions& options) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (!WIFSIGNALED(status)) return "ended";
  int signal = WTERMSIG(status);
  std::string why = "killed by " + SignalName(signal);
  if (signal == SIGXCPU || signal == SIGKILL)
    why += " (the CPU limit is " + std::to_string(options.cpu_seconds) + " s)";
  if (signal == SIGXFSZ) why += " (it wrote a file larger than " + std::to_string(options.file_size_bytes) + " bytes)";
  return why;
}

// ---- HostProcess ----

HostProcess::HostProcess(HostProcess&& other) noexcept { *this = std::move(other); }

HostProcess& HostProcess::operator=(HostProcess&& other) noexcept {
  if (this == &other) return *this;
  Kill();
  pid = std::exchange(other.pid, -1);
  request_fd = std::exchange(other.request_fd, -1);
  answer_fd = std::exchange(other.answer_fd, -1);
  output_fd = std::exchange(other.output_fd, -1);
  started = other.started;
  status_ = other.status_;
  return *this;
}

HostProcess::~HostProcess() { Kill(); }

int HostProcess::Kill() {
  if (pid > 0) {
    kill(-pid, SIGKILL);  // the whole group: whatever it left running
    kill(pid, SIGKILL);
    while (waitpid(pid, &status_, 0) < 0 && errno == EINTR) {
    }
    pid = -1;
  }
  CloseFd(request_fd);
  CloseFd(answer_fd);
  CloseFd(output_fd);
  return status_;
}

os::Expected<HostProcess> StartHost(const std::string& root, const SandboxOptions& options, int hash_seed) {
  ExecPlan plan = MakePlan(root, options, hash_seed);
  if (!plan.seccomp->problem.empty()) return os::Fail(plan.seccomp->problem);  // never run student code without it
  Pipe request_pipe, answer_pipe, output_pipe;
  if (!request_pipe.Open() || !answer_pipe.Open() || !output_pipe.Open()) {
    std::string why = std::string("cannot make pipes: ") + strerror(errno);
    request_pipe.Close(), answer_pipe.Close(), output_pipe.Close();
    return os::Fail(why);
  }
  plan.request_fd = request_pipe.read;
  plan.answer_fd = answer_pipe.write;
  plan.output_fd = output_pipe.write;
  HostProcess host;
  host.started = Clock::now();
  pid_t child = fork();
  if (child < 0) {
    std::string why = std::string("cannot fork: ") + strerror(errno);
    request_pipe.Close(), answer_pipe.Close(), output_pipe.Close();
    return os::Fail(why);
  }
  if (child == 0) ExecHost(plan);
  setpgid(child, child);  // also here: no race with a kill of the group
  host.pid = child;
  CloseFd(request_pipe.read);
  CloseFd(answer_pipe.write);
  CloseFd(output_pipe.write);
  host.request_fd = request_pipe.write;
  host.answer_fd = answer_pipe.read;
  host.output_fd = output_pipe.read;
  fcntl(host.request_fd, F_SETFL, O_NONBLOCK);
  return host;
}

// ---- StudentRunner ----

os::Expected<StudentRunner> StudentRunner::Prepare(const std::string& submission_dir, std::string module_file,
                                                   SandboxOptions options) {
  std::error_code error;
  fs::path source(submission_dir);
  if (!fs::is_directory(source, error)) return os::Fail("the submission folder " + submission_dir + " does not exist");
  // A zipped folder: the module sits one or more folders down, in exactly one place.
  if (!fs::exists(source / module_file)) {
    std::vector<fs::path> found;
    for (auto it = fs::recursive_directory_iterator(source, error); !error && it != fs::end(it); it.increment(error)) {
      if (it->is_regular_file() && it->path().filename() == module_file) found.push_back(it->path().parent_path());
    }
    if (found.size() == 1) source = found.front();
  }

  auto folder = MakeWorkFolder();
  if (!folder) return folder.error();
  StudentRunner runner;
  runner.root_ = std::move(folder).value();
  runner.module_file_ = std::move(module_file);
  runner.options_ = options;
  fs::path root(runner.root_);
  std::size_t files = 0;
  std::uintmax_t bytes = 0;
  for (auto it = fs::recursive_directory_iterator(source, error); !error && it != fs::end(it); it.increment(error)) {
    const auto relative = fs::relative(it->path(), source, error);
    if (it->is_directory()) {
      fs::create_directories(root / "submission" / relative, error);
      continue;
    }
    if (!it->is_regular_file()) continue;  // links, devices: not copied
    bytes += it->file_size();
    if (++files > kMaxFiles || bytes > kMaxBytes) {
      return os::Fail("the submission is too big (more than 200 files or 20 MB): submit only your " +
                      runner.module_file_);
    }
    fs::copy_file(it->path(), root / "submission" / relative, error);
    if (error) return os::Fail("cannot copy " + it->path().string() + ": " + error.message());
  }
  if (error) return os::Fail("cannot read the submission folder " + submission_dir + ": " + error.message());
  OpenUpForReading(root);
  runner.has_module_ = fs::is_regular_file(root / "submission" / runner.module_file_);
  return runner;
}

os::Expected<StudentRunner> StudentRunner::PrepareFile(const std::string& module_path, SandboxOptions options) {
  std::error_code error;
  const fs::path source(module_path);
  if (!fs::is_regular_file(source, error)) return os::Fail(module_path + " is not a file");
  const std::uintmax_t size = fs::file_size(source, error);
  if (error) return os::Fail("cannot read " + module_path + ": " + error.message());
  if (size > kMaxBytes) return os::Fail(module_path + " is too big (more than 20 MB)");
  auto folder = MakeWorkFolder();
  if (!folder) return folder.error();
  StudentRunner runner;
  runner.root_ = std::move(folder).value();
  runner.module_file_ = source.filename().string();
  runner.options_ = options;
  const fs::path root(runner.root_);
  fs::copy_file(source, root / "submission" / runner.module_file_, error);
  if (error) return os::Fail("cannot copy " + module_path + ": " + error.message());
  OpenUpForReading(root);
  runner.has_module_ = true;
  return runner;
}

StudentRunner::StudentRunner(StudentRunner&& other) noexcept
    : root_(std::move(other.root_)),
      module_file_(std::move(other.module_file_)),
      options_(other.options_),
      has_module_(other.has_module_) {
  other.root_.clear();
}

StudentRunner::~StudentRunner() {
  if (root_.empty()) return;
  std::error_code error;
  fs::remove_all(root_, error);
}

CaseRun StudentRunner::Run(const Case& test, int hash_seed) const {
  CaseRun run;
  nlohmann::json request = {{"module", module_file_}, {"target", test.target}, {"init", test.init}};
  auto& steps = request["steps"] = nlohmann::json::array();
  for (const auto& step : test.steps) steps.push_back({{"call", step.call}, {"args", step.args}});
  std::string pending = request.dump() + "\n";

  auto started = StartHost(root_, options_, hash_seed);
  if (!started) {
    run.why = started.error().message;
    return run;
  }
  HostProcess host = std::move(started).value();

  std::string answers_buffer;
  std::size_t output_dropped = 0;
  bool protocol_ok = true;
  bool timed_out = false;
  const auto deadline = host.started + options_.timeout;
  while (host.answer_fd >= 0 || host.output_fd >= 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) {
      timed_out = true;
      break;
    }
    std::array<pollfd, 3> fds{pollfd{host.answer_fd, POLLIN, 0}, pollfd{host.output_fd, POLLIN, 0},
                              pollfd{pending.empty() ? -1 : host.request_fd, POLLOUT, 0}};
    if (poll(fds.data(), fds.size(), static_cast<int>(left)) < 0 && errno != EINTR) break;
    if (fds[2].revents != 0) {
      ssize_t n = write(host.request_fd, pending.data(), pending.size());
      if (n > 0) pending.erase(0, static_cast<std::size_t>(n));
      if (n < 0 && errno != EAGAIN) pending.clear();  // it closed fd 3 (or died): nothing more to send
      if (pending.empty()) CloseFd(host.request_fd);
    }
    char chunk[65536];
    if (fds[0].revents != 0) {
      ssize_t n = read(host.answer_fd, chunk, sizeof chunk);
      if (n <= 0) {
        CloseFd(host.answer_fd);
      } else {
        answers_buffer.append(chunk, static_cast<std::size_t>(n));
        protocol_ok = protocol_ok && TakeAnswers(answers_buffer, run);
        if (answers_buffer.size() > (16u << 20)) protocol_ok = false;  // one line this long is not an answer
        if (!protocol_ok) break;
      }
    }
    if (fds[1].revents != 0) {
      ssize_t n = read(host.output_fd, chunk, sizeof chunk);
      if (n <= 0) {
        CloseFd(host.output_fd);
      } else {
        std::size_t keep = std::min(static_cast<std::size_t>(n),
                                    options_.output_cap_bytes - std::min(options_.output_cap_bytes, run.output.size()));
        run.output.append(chunk, keep);
        output_dropped += static_cast<std::size_t>(n) - keep;
      }
    }
  }
  const int status = host.Kill();
  run.seconds = std::chrono::duration<double>(Clock::now() - host.started).count();
  if (output_dropped > 0) run.output += "\n[... " + std::to_string(output_dropped) + " more bytes not kept]";

  if (run.error) {
    run.end = CaseRun::End::kError;
  } else if (run.answers.size() == test.steps.size() && run.loaded && protocol_ok) {
    run.end = CaseRun::End::kAnswered;
  } else if (timed_out) {
    run.end = CaseRun::End::kTimeout;
    run.why = "timed out after " + std::to_string(options_.timeout.count()) + " ms";
  } else {
    run.end = CaseRun::End::kCrashed;
    run.why =
        protocol_ok ? DescribeExit(status, options_) : "wrote something other than answers on the grader's channel";
  }
  return run;
}

std::string StudentRunner::Layers() {
  std::string layers = IsRoot() ? "a user of its own (uid " + std::to_string(StudentUid()) + "), "
                                : "the grader's own user (not root: no separate user), ";
  return layers + "rlimits (CPU, memory, file size, open files), seccomp (no sockets, ptrace or fork)";
}

}  // namespace osgrid::grade
