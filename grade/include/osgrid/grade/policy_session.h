// A student's object kept alive in the sandbox and asked one call at a time:
// how a live peer's ready queue runs a student's scheduling policy
// (osgrid-peer --scheduler-file, docs/scheduling.md).
//
// The process is the grader's (student_process.h): grader_host.py started
// in a private copy of the file, with the same seccomp filter, rlimits, user
// of its own when we are root, namespaces where allowed, and fds 3 and 4 for
// requests and answers. What differs from a graded test case:
//   - it lives as long as the session (its owner), not one case: it is
//     started once and answers calls until the session is destroyed, which
//     kills its process group; it also dies with the thread that started it
//     (PR_SET_PDEATHSIG) and ends by itself when its request pipe closes;
//   - SandboxOptions::timeout bounds the start only (python3 starting,
//     the import, the constructor); each Call has a wall-clock timeout of
//     its own (the peer's --scheduler-timeout, 50 ms by default);
//   - SandboxOptions::cpu_seconds is the CPU time of its whole life
//     (RLIMIT_CPU): give it room (the peer gives it kPolicyCpuSeconds, an
//     hour). At the limit the kernel kills it and the next Call says crashed.
// Output the student prints is read as calls run (so a chatty policy never
// blocks on a full pipe) and the most recent output_cap_bytes are kept.
//
// Protocol: grader_host.py's interactive mode (labs/common/grader_host.py).
// Not thread-safe; a Call blocks its caller for up to its timeout.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "osgrid/grade/student_process.h"
#include "osgrid/os/expected.h"

namespace osgrid::grade {

/// RLIMIT_CPU for a policy's whole life on a peer: an hour of CPU time. A
/// policy answers in microseconds; one that spins uses this up and is killed.
inline constexpr int kPolicyCpuSeconds = 3600;

/// Why a Call has no answer.
struct SessionError {
  enum class Kind {
    kTimeout,  // no answer within the call's timeout: the process was killed
    kCrashed,  // the process ended (a limit, a signal, exit), or wrote something other than answers
    kRaised,   // the method raised, is missing, or returned what JSON cannot hold; the process lives on
  };
  Kind kind = Kind::kCrashed;
  /// For people: "pick_next raised KeyError: 3 (policy.py line 14)", "no
  /// answer to pick_next within 50 ms", "the process ended (killed by
  /// SIGXCPU (the CPU limit is 3600 s)) during pick_next".
  std::string message;
};

/// "timeout", "crashed" or "raised".
std::string_view SessionErrorName(SessionError::Kind kind);

/// A Call's outcome: the answer, or why there is none.
struct CallResult {
  std::optional<nlohmann::json> answer;  // the method's return value, encoded (osgrid_lab.encode)
  SessionError error;                    // when there is no answer
  bool ok() const { return answer.has_value(); }
};

class PolicySession {
 public:
  /// Copies `file_path` into a private folder, starts its sandboxed process
  /// and builds `class_name(**kwargs)`, where kwargs are those of
  /// `init_kwargs` (a JSON object) that the constructor takes: a key it
  /// does not name is left out, so RR(quantum) gets a quantum and SJF() does
  /// not. An empty `class_name`: the file's only class with a pick_next
  /// method. `options.timeout` bounds the start. Errors, in words for the
  /// person who gave the file: not a file, a syntax error or an exception
  /// at import, no such class (or none or several with pick_next), the
  /// constructor raised, no answer in time, the process died.
  static os::Expected<PolicySession> Start(const std::string& file_path, const std::string& class_name,
                                           const nlohmann::json& init_kwargs, SandboxOptions options = {});
  PolicySession(PolicySession&& other) noexcept;
  PolicySession& operator=(PolicySession&& other) noexcept;
  ~PolicySession();  // kills the process group, removes the folder

  /// Calls `method(*args)` on the object (`args`: a JSON array, decoded by
  /// osgrid_lab.decode: {"__type__": "Task", ...} becomes a Task) and waits
  /// up to `timeout` for its answer. kRaised leaves the session usable;
  /// after kTimeout or kCrashed the process is gone and every later Call
  /// says kCrashed.
  CallResult Call(const std::string& method, const nlohmann::json& args, std::chrono::milliseconds timeout);

  /// What the host said it built: {"target": "SJF", "init": {...} (the
  /// kwargs passed), "preemptive": bool, "quantum": int | null, "methods":
  /// [the ones of admit, pick_next, should_preempt, ran it has]}.
  const nlohmann::json& info() const;
  /// The class it built ("SJF") and the file's name ("policy.py").
  std::string target() const;
  std::string module_file() const;
  /// Whether its process is still there (no timeout, crash or kill yet).
  bool alive() const;
  /// Its pid while alive(), else -1 (for tests and logs).
  pid_t pid() const;
  /// What it printed (stdout and stderr) so far, the most recent
  /// SandboxOptions::output_cap_bytes of it.
  const std::string& output() const;

 private:
  struct Impl;
  explicit PolicySession(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace osgrid::grade
