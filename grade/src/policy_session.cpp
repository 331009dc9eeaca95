// PolicySession: see policy_session.h. The process is StudentRunner's
// (host_process.h); this file keeps it and speaks grader_host.py's
// interactive mode with it: one request line, then one call line and one
// answer line at a time.
#include "osgrid/grade/policy_session.h"

#include <poll.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <utility>

#include "host_process.h"

namespace osgrid::grade {
namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

constexpr std::size_t kMaxLineBytes = 16u << 20;  // one answer this long is not an answer

/// write(2) with SIGPIPE blocked in this thread: a process that died makes
/// it fail with EPIPE instead of ending ours (a program that has not
/// ignored SIGPIPE: the grader, a test).
ssize_t WriteQuietly(int fd, const char* data, std::size_t size) {
  sigset_t pipe_signal, old;
  sigemptyset(&pipe_signal);
  sigaddset(&pipe_signal, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_signal, &old);
  ssize_t written = write(fd, data, size);
  const int saved = errno;
  if (written < 0 && saved == EPIPE) {
    timespec zero{0, 0};
    sigtimedwait(&pipe_signal, nullptr, &zero);  // the SIGPIPE this write raised
  }
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  errno = saved;
  return written;
}

std::string Ms(std::chrono::milliseconds ms) { return std::to_string(ms.count()) + " ms"; }

/// The end of what it printed, for a message: its last 400 characters, trimmed.
std::string Tail(const std::string& output) {
  std::string tail = output.size() > 400 ? "..." + output.substr(output.size() - 400) : output;
  while (!tail.empty() && (tail.back() == '\n' || tail.back() == ' ')) tail.pop_back();
  return tail;
}

}  // namespace

std::string_view SessionErrorName(SessionError::Kind kind) {
  switch (kind) {
    case SessionError::Kind::kTimeout:
      return "timeout";
    case SessionError::Kind::kCrashed:
      return "crashed";
    case SessionError::Kind::kRaised:
      return "raised";
  }
  return "crashed";
}

struct PolicySession::Impl {
  explicit Impl(StudentRunner folder) : runner(std::move(folder)) {}

  enum class Read { kLine, kTimeout, kEnded, kGarbage };

  /// Writes all of `text` to its fd 3 by `deadline`. False: it timed out
  /// (`timed_out` set) or the process closed its end.
  bool WriteAll(std::string text, Clock::time_point deadline, bool& timed_out) {
    timed_out = false;
    while (!text.empty()) {
      auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
      if (left <= 0) {
        timed_out = true;
        return false;
      }
      pollfd fd{host.request_fd, POLLOUT, 0};
      if (poll(&fd, 1, static_cast<int>(left)) < 0 && errno != EINTR) return false;
      if (fd.revents == 0) continue;
      ssize_t n = WriteQuietly(host.request_fd, text.data(), text.size());
      if (n > 0) text.erase(0, static_cast<std::size_t>(n));
      if (n < 0 && errno != EAGAIN && errno != EINTR) return false;
    }
    return true;
  }

  /// Waits until a whole answer line is in, reading what it prints
  /// meanwhile; the line goes to `line`.
  Read ReadLine(Clock::time_point deadline, std::string& line) {
    for (;;) {
      if (const auto newline = answers.find('\n'); newline != std::string::npos) {
        line = answers.substr(0, newline);
        answers.erase(0, newline + 1);
        return Read::kLine;
      }
      if (answers.size() > kMaxLineBytes) return Read::kGarbage;
      if (host.answer_fd < 0) return Read::kEnded;
      auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
      if (left <= 0) return Read::kTimeout;
      std::array<pollfd, 2> fds{pollfd{host.answer_fd, POLLIN, 0}, pollfd{host.output_fd, POLLIN, 0}};
      if (poll(fds.data(), fds.size(), static_cast<int>(left)) < 0 && errno != EINTR) return Read::kEnded;
      char chunk[65536];
      if (fds[1].revents != 0) {
        ssize_t n = read(host.output_fd, chunk, sizeof chunk);
        if (n <= 0) {
          close(host.output_fd);
          host.output_fd = -1;
        } else {
          output.append(chunk, static_cast<std::size_t>(n));
          if (output.size() > options.output_cap_bytes) output.erase(0, output.size() - options.output_cap_bytes);
        }
      }
      if (fds[0].revents != 0) {
        ssize_t n = read(host.answer_fd, chunk, sizeof chunk);
        if (n <= 0) {
          close(host.answer_fd);
          host.answer_fd = -1;
        } else {
          answers.append(chunk, static_cast<std::size_t>(n));
        }
      }
    }
  }

  /// Kills the process (if it is still there) and says why it is gone.
  void End(std::string why) {
    const int status = host.Kill();
    ended = why.empty() ? DescribeExit(status, options) : std::move(why);
  }

  StudentRunner runner;  // the folder: destroyed after the process
  HostProcess host;
  SandboxOptions options;
  json info;
  std::string answers;  // what fd 4 gave that is not a whole line yet
  std::string output;   // the most recent output_cap_bytes it printed
  std::string ended;    // why the process is gone; empty while it lives
};

PolicySession::PolicySession(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
PolicySession::PolicySession(PolicySession&& other) noexcept = default;
PolicySession& PolicySession::operator=(PolicySession&& other) noexcept = default;
PolicySession::~PolicySession() = default;

os::Expected<PolicySession> PolicySession::Start(const std::string& file_path, const std::string& class_name,
                                                 const json& init_kwargs, SandboxOptions options) {
  auto folder = StudentRunner::PrepareFile(file_path, options);
  if (!folder) return folder.error();
  auto started = StartHost(folder->root_, options, /*hash_seed=*/0);
  if (!started) return started.error();
  auto impl = std::make_unique<Impl>(std::move(folder).value());
  impl->host = std::move(started).value();
  impl->options = options;
  const std::string module_file = impl->runner.module_file_;

  const json request = {{"module", module_file},
                        {"target", class_name},
                        {"init", init_kwargs.is_object() ? init_kwargs : json::object()},
                        {"interactive", true}};
  const Clock::time_point deadline = impl->host.started + options.timeout;
  bool timed_out = false;
  std::string line;
  Impl::Read read = Impl::Read::kEnded;
  if (impl->WriteAll(request.dump() + "\n", deadline, timed_out)) read = impl->ReadLine(deadline, line);
  const std::string printed = Tail(impl->output);
  const std::string said = printed.empty() ? "" : "; it printed: " + printed;
  if (timed_out || read == Impl::Read::kTimeout) {
    return os::Fail(module_file + " did not load within " + Ms(options.timeout) + said);
  }
  if (read != Impl::Read::kLine) {
    impl->End("");
    return os::Fail("the process of " + module_file + " ended before it loaded (" + impl->ended + ")" + said);
  }
  json reply = json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (reply.is_object() && reply.contains("error") && reply["error"].is_object()) {
    return os::Fail(reply["error"].value("message", module_file + " did not load"));
  }
  if (!reply.is_object() || reply.value("loaded", false) != true || !reply.value("target", json()).is_string()) {
    return os::Fail("the process of " + module_file + " wrote something other than its loaded line" + said);
  }
  reply.erase("loaded");
  impl->info = std::move(reply);
  return PolicySession(std::move(impl));
}

CallResult PolicySession::Call(const std::string& method, const json& args, std::chrono::milliseconds timeout) {
  Impl& s = *impl_;
  CallResult result;
  result.error.kind = SessionError::Kind::kCrashed;
  if (!s.ended.empty()) {
    result.error.message = "the process has ended (" + s.ended + ")";
    return result;
  }
  const Clock::time_point deadline = Clock::now() + timeout;
  const json call = {{"call", method}, {"args", args.is_array() ? args : json::array()}};
  bool timed_out = false;
  std::string line;
  Impl::Read read = Impl::Read::kEnded;
  if (s.WriteAll(call.dump() + "\n", deadline, timed_out)) read = s.ReadLine(deadline, line);
  if (timed_out || read == Impl::Read::kTimeout) {
    s.End("killed: no answer to " + method + " within " + Ms(timeout));
    result.error = {SessionError::Kind::kTimeout, "no answer to " + method + " within " + Ms(timeout)};
    return result;
  }
  if (read == Impl::Read::kEnded) {
    s.End("");
    result.error.message = "the process ended (" + s.ended + ") during " + method;
    return result;
  }
  json reply = read == Impl::Read::kLine ? json::parse(line, nullptr, /*allow_exceptions=*/false) : json();
  if (reply.is_object() && reply.contains("ok")) {
    result.answer = std::move(reply["ok"]);
    return result;
  }
  if (reply.is_object() && reply.contains("error") && reply["error"].is_object()) {
    result.error = {SessionError::Kind::kRaised, reply["error"].value("message", method + " failed")};
    return result;
  }
  s.End("killed: it wrote something other than answers on its channel");
  result.error.message = "the process wrote something other than an answer to " + method + " on its channel";
  return result;
}

const json& PolicySession::info() const { return impl_->info; }

std::string PolicySession::target() const { return impl_->info.value("target", ""); }

std::string PolicySession::module_file() const { return impl_->runner.module_file_; }

bool PolicySession::alive() const { return impl_ && impl_->ended.empty() && impl_->host.running(); }

pid_t PolicySession::pid() const { return alive() ? impl_->host.pid : -1; }

const std::string& PolicySession::output() const { return impl_->output; }

}  // namespace osgrid::grade
