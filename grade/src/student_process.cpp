// StudentRunner: the sandboxed process that runs a student's code (see
// student_process.h for the layers and why each is there).
#include "osgrid/grade/student_process.h"

#include <fcntl.h>
#include <grp.h>
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

#include "host_files.h"

namespace osgrid::grade {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr uid_t kStudentUid = 65534;  // "nobody" on Debian and Ubuntu
constexpr gid_t kStudentGid = 65534;  // "nogroup"
constexpr std::size_t kMaxFiles = 200;
constexpr std::uintmax_t kMaxBytes = 20u << 20;

bool IsRoot() { return geteuid() == 0; }

// ---- In the child, between fork and exec: only async-signal-safe calls ----

[[noreturn]] void Die(const char* what) {
  // stderr is the captured output: the student's output shows why.
  const char* reason = strerror(errno);
  (void)!write(2, "osgrid sandbox: ", 16);
  (void)!write(2, what, strlen(what));
  (void)!write(2, ": ", 2);
  (void)!write(2, reason, strlen(reason));
  (void)!write(2, "\n", 1);
  _exit(127);
}

void SetLimit(int resource, rlim_t soft, rlim_t hard) {
  rlimit limit{soft, hard};
  if (setrlimit(resource, &limit) != 0) Die("setrlimit");
}

// The syscalls a student's policy never needs and a hostile one would use.
// Not async-signal-safe in theory (libseccomp allocates), but the child is
// single-threaded after fork, which is what matters here.
bool LoadSeccomp() {
  scmp_filter_ctx filter = seccomp_init(SCMP_ACT_ALLOW);
  if (filter == nullptr) return false;
  const int eperm = SCMP_ACT_ERRNO(EPERM);
  for (int call : {SCMP_SYS(socket),
                   SCMP_SYS(socketpair),
                   SCMP_SYS(connect),
                   SCMP_SYS(bind),
                   SCMP_SYS(listen),
                   SCMP_SYS(accept),
                   SCMP_SYS(accept4),
                   SCMP_SYS(ptrace),
                   SCMP_SYS(process_vm_readv),
                   SCMP_SYS(process_vm_writev),
                   SCMP_SYS(kcmp),
                   SCMP_SYS(pidfd_open),
                   SCMP_SYS(pidfd_getfd),
                   SCMP_SYS(fork),
                   SCMP_SYS(vfork),
                   SCMP_SYS(unshare),
                   SCMP_SYS(setns),
                   SCMP_SYS(mount),
                   SCMP_SYS(bpf),
                   SCMP_SYS(perf_event_open),
                   SCMP_SYS(userfaultfd),
                   SCMP_SYS(keyctl),
                   SCMP_SYS(add_key),
                   SCMP_SYS(request_key),
                   SCMP_SYS(setsid),
                   SCMP_SYS(setpgid)}) {
    if (seccomp_rule_add(filter, eperm, call, 0) != 0) {
      seccomp_release(filter);
      return false;
    }
  }
  // clone: threads only (CLONE_THREAD set); clone3 hides its flags in
  // memory, so it says ENOSYS and glibc falls back to clone.
  bool ok = seccomp_rule_add(filter, eperm, SCMP_SYS(clone), 1, SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, 0)) == 0 &&
            seccomp_rule_add(filter, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0) == 0;
  // Signals only to itself: kill(pid, ...) with another pid (or a group) is refused.
  const auto self = static_cast<scmp_datum_t>(getpid());
  ok = ok && seccomp_rule_add(filter, eperm, SCMP_SYS(kill), 1, SCMP_A0(SCMP_CMP_NE, self)) == 0 &&
       seccomp_rule_add(filter, eperm, SCMP_SYS(tgkill), 1, SCMP_A0(SCMP_CMP_NE, self)) == 0 &&
       seccomp_rule_add(filter, eperm, SCMP_SYS(tkill), 0) == 0;
  ok = ok && seccomp_load(filter) == 0;
  seccomp_release(filter);
  return ok;
}

[[noreturn]] void ExecHost(const std::string& work, const std::string& host, const SandboxOptions& options,
                           int hash_seed, int request_fd, int answer_fd, int output_fd) {
  setpgid(0, 0);
  // Move every source above 4 first: dup2 onto the fd it already is keeps
  // O_CLOEXEC, and a source numbered 0-4 could be overwritten before use.
  int sources[4] = {open("/dev/null", O_RDONLY | O_CLOEXEC), output_fd, request_fd, answer_fd};
  for (int& fd : sources) {
    fd = fcntl(fd, F_DUPFD_CLOEXEC, 10);
    if (fd < 0) Die("fcntl");
  }
  if (dup2(sources[0], 0) < 0 || dup2(sources[1], 1) < 0 || dup2(sources[1], 2) < 0 || dup2(sources[2], 3) < 0 ||
      dup2(sources[3], 4) < 0) {
    Die("dup2");
  }
  for (int fd = 5; fd < 1024; ++fd)
    close(fd);  // close_range is glibc 2.34+: Ubuntu 22.04 has 2.35, fine, but keep it plain
  if (chdir(work.c_str()) != 0) Die("chdir");

  if (IsRoot()) {
    (void)unshare(CLONE_NEWNET | CLONE_NEWIPC);  // refused in Docker: the other layers stand alone
    if (setgroups(0, nullptr) != 0 || setgid(kStudentGid) != 0 || setuid(kStudentUid) != 0) Die("setuid");
    SetLimit(RLIMIT_NPROC, 64, 64);  // its own user: a bound on threads and processes
  } else {
    (void)unshare(CLONE_NEWUSER | CLONE_NEWNET | CLONE_NEWIPC);  // where unprivileged namespaces exist
  }
  const auto cpu = static_cast<rlim_t>(options.cpu_seconds);
  SetLimit(RLIMIT_CPU, cpu, cpu + 1);  // SIGXCPU at the soft limit, SIGKILL a second later
  SetLimit(RLIMIT_AS, options.address_space_bytes, options.address_space_bytes);
  SetLimit(RLIMIT_FSIZE, options.file_size_bytes, options.file_size_bytes);
  SetLimit(RLIMIT_NOFILE, 64, 64);
  SetLimit(RLIMIT_CORE, 0, 0);
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) Die("no_new_privs");
  if (!LoadSeccomp()) Die("seccomp");

  std::string seed = "PYTHONHASHSEED=" + std::to_string(hash_seed);
  std::string home = "HOME=" + work;
  std::array<char*, 6> env{const_cast<char*>("PATH=/usr/local/bin:/usr/bin:/bin"),
                           const_cast<char*>("LANG=C.UTF-8"),
                           seed.data(),
                           home.data(),
                           const_cast<char*>("PYTHONIOENCODING=utf-8"),
                           nullptr};
  // -s: no user site; -S: no site at all (faster, nothing installed leaks in); -B: no .pyc
  // writes; -u: unbuffered, so what it printed before a crash is not lost.
  std::array<char*, 7> argv{const_cast<char*>(options.python.c_str()),
                            const_cast<char*>("-s"),
                            const_cast<char*>("-S"),
                            const_cast<char*>("-B"),
                            const_cast<char*>("-u"),
                            const_cast<char*>(host.c_str()),
                            nullptr};
  if (options.python.find('/') != std::string::npos) {
    execve(options.python.c_str(), argv.data(), env.data());
  } else {
    for (const char* dir : {"/usr/local/bin/", "/usr/bin/", "/bin/"}) {
      std::string path = std::string(dir) + options.python;
      execve(path.c_str(), argv.data(), env.data());
    }
  }
  Die("exec python3");
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

std::string Describe(int status, const SandboxOptions& options) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (!WIFSIGNALED(status)) return "ended";
  int signal = WTERMSIG(status);
  std::string why = "killed by " + SignalName(signal);
  if (signal == SIGXCPU || signal == SIGKILL)
    why += " (the CPU limit is " + std::to_string(options.cpu_seconds) + " s)";
  if (signal == SIGXFSZ) why += " (it wrote a file larger than " + std::to_string(options.file_size_bytes) + " bytes)";
  return why;
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

}  // namespace

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

  std::string pattern = (fs::temp_directory_path() / "osgrid-grade-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) return os::Fail("cannot make a work folder: " + std::string(strerror(errno)));
  StudentRunner runner;
  runner.root_ = pattern;
  runner.module_file_ = std::move(module_file);
  runner.options_ = options;
  fs::path root(runner.root_);
  // 0711: the student's user may pass through to host/ and submission/ but not list the folder.
  fs::permissions(root, fs::perms::owner_all | fs::perms::group_exec | fs::perms::others_exec, error);
  fs::create_directories(root / "host");
  fs::create_directories(root / "submission");
  for (const auto& [name, text] : HostFiles()) {
    std::ofstream(root / "host" / name) << text;
  }
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
  // Everything readable (the student's user reads its own code), nothing writable but by the grader.
  for (auto it = fs::recursive_directory_iterator(root, error); !error && it != fs::end(it); it.increment(error)) {
    fs::permissions(it->path(),
                    it->is_directory() ? fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                             fs::perms::others_read | fs::perms::others_exec
                                       : fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                                             fs::perms::others_read,
                    error);
  }
  runner.has_module_ = fs::is_regular_file(root / "submission" / runner.module_file_);
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

  Pipe request_pipe, answer_pipe, output_pipe;
  if (!request_pipe.Open() || !answer_pipe.Open() || !output_pipe.Open()) {
    run.why = std::string("cannot make pipes: ") + strerror(errno);
    return run;
  }
  const std::string work = root_ + "/submission";
  const std::string host = root_ + "/host/grader_host.py";
  const auto started = Clock::now();
  pid_t child = fork();
  if (child < 0) {
    run.why = std::string("cannot fork: ") + strerror(errno);
    request_pipe.Close(), answer_pipe.Close(), output_pipe.Close();
    return run;
  }
  if (child == 0) ExecHost(work, host, options_, hash_seed, request_pipe.read, answer_pipe.write, output_pipe.write);
  setpgid(child, child);  // also here: no race with the kill below
  CloseFd(request_pipe.read);
  CloseFd(answer_pipe.write);
  CloseFd(output_pipe.write);
  fcntl(request_pipe.write, F_SETFL, O_NONBLOCK);

  std::string answers_buffer;
  std::size_t output_dropped = 0;
  bool protocol_ok = true;
  bool timed_out = false;
  const auto deadline = started + options_.timeout;
  while (answer_pipe.read >= 0 || output_pipe.read >= 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) {
      timed_out = true;
      break;
    }
    std::array<pollfd, 3> fds{pollfd{answer_pipe.read, POLLIN, 0}, pollfd{output_pipe.read, POLLIN, 0},
                              pollfd{pending.empty() ? -1 : request_pipe.write, POLLOUT, 0}};
    if (poll(fds.data(), fds.size(), static_cast<int>(left)) < 0 && errno != EINTR) break;
    if (fds[2].revents != 0) {
      ssize_t n = write(request_pipe.write, pending.data(), pending.size());
      if (n > 0) pending.erase(0, static_cast<std::size_t>(n));
      if (n < 0 && errno != EAGAIN) pending.clear();  // it closed fd 3 (or died): nothing more to send
      if (pending.empty()) CloseFd(request_pipe.write);
    }
    char chunk[65536];
    if (fds[0].revents != 0) {
      ssize_t n = read(answer_pipe.read, chunk, sizeof chunk);
      if (n <= 0) {
        CloseFd(answer_pipe.read);
      } else {
        answers_buffer.append(chunk, static_cast<std::size_t>(n));
        protocol_ok = protocol_ok && TakeAnswers(answers_buffer, run);
        if (answers_buffer.size() > (16u << 20)) protocol_ok = false;  // one line this long is not an answer
        if (!protocol_ok) break;
      }
    }
    if (fds[1].revents != 0) {
      ssize_t n = read(output_pipe.read, chunk, sizeof chunk);
      if (n <= 0) {
        CloseFd(output_pipe.read);
      } else {
        std::size_t keep = std::min(static_cast<std::size_t>(n),
                                    options_.output_cap_bytes - std::min(options_.output_cap_bytes, run.output.size()));
        run.output.append(chunk, keep);
        output_dropped += static_cast<std::size_t>(n) - keep;
      }
    }
  }
  kill(-child, SIGKILL);  // the whole group: whatever it left running
  kill(child, SIGKILL);
  int status = 0;
  while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  request_pipe.Close(), answer_pipe.Close(), output_pipe.Close();
  run.seconds = std::chrono::duration<double>(Clock::now() - started).count();
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
    run.why = protocol_ok ? Describe(status, options_) : "wrote something other than answers on the grader's channel";
  }
  return run;
}

std::string StudentRunner::Layers() {
  std::string layers = IsRoot() ? "user nobody (65534), " : "the grader's own user (not root: no separate user), ";
  return layers + "rlimits (CPU, memory, file size, open files), seccomp (no sockets, ptrace or fork)";
}

}  // namespace osgrid::grade
