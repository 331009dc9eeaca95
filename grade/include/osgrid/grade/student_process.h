// Running a student's code: one sandboxed python3 process per test case.
//
// The grader never imports student code. It copies the submission into a
// private work folder and, per test case, starts `python3 grader_host.py`
// (labs/common/grader_host.py, built into the grader) in that folder:
//   - as another user when the grader runs as root (a uid of its own per
//     grader process, 61000-64999, that no account has), so the grader's
//     files (mode 0600/0700) and its results are out of reach;
//   - with resource limits (CPU seconds, address space, file size, open files,
//     and processes when it has a user of its own) and no core dumps;
//   - under a seccomp filter (no_new_privs): no sockets, no ptrace or reading
//     other processes' memory, no fork (threads are allowed), no signals to
//     other processes;
//   - in new network and IPC namespaces where the kernel allows it (Docker,
//     as Gradescope runs it, refuses them: the layers above do not need them);
//   - with an environment of our own (PATH, LANG, HOME, PYTHONHASHSEED) and
//     only fds 0-4: stdin /dev/null, stdout and stderr captured as data
//     (capped), 3 = the request, 4 = the answers;
//   - killed by the kernel if the grader dies first (PR_SET_PDEATHSIG).
// The wall-clock timeout kills the whole process group. Whatever the
// process does, Run returns a CaseRun; it never throws and never trusts
// anything but fd 4's answers, which the grader checks itself.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "osgrid/grade/lab.h"
#include "osgrid/os/expected.h"

namespace osgrid::grade {

struct SandboxOptions {
  std::chrono::milliseconds timeout{2000};                     // wall clock per test case
  int cpu_seconds = 2;                                         // RLIMIT_CPU per test case
  std::uint64_t address_space_bytes = std::uint64_t{1} << 30;  // RLIMIT_AS
  std::uint64_t file_size_bytes = std::uint64_t{1} << 20;      // RLIMIT_FSIZE: largest file it may write
  std::size_t output_cap_bytes = 8 * 1024;                     // stdout + stderr kept per case
  std::string python = "python3";                              // found on PATH unless absolute
};

/// What the host reported instead of an answer (grader_host.py's "error").
struct HostError {
  std::string kind;     // missing-file, syntax, import, missing-name, signature, exception, encode
  std::string message;  // for the student: "pick_next raised KeyError: 3 (policy.py line 14)"
  std::optional<int> line;
};

/// One test case's run in the student process.
struct CaseRun {
  enum class End {
    kAnswered,  // every step answered (answers.size() == steps)
    kError,     // the host reported `error` (its code raised, a name is missing, ...)
    kTimeout,   // killed after SandboxOptions::timeout
    kCrashed,   // ended without answering every step and without an error line
  };
  End end = End::kCrashed;
  bool loaded = false;                  // the module imported and the object was built
  std::vector<nlohmann::json> answers;  // one per step answered, in order
  std::optional<HostError> error;       // with End::kError
  std::string why;                      // for kTimeout/kCrashed: "killed by SIGXCPU (CPU limit 2 s)"
  std::string output;                   // what it printed (stdout and stderr), capped
  double seconds = 0;                   // wall time of the process
};

/// A submission copied into a private folder, ready to run cases.
class StudentRunner {
 public:
  /// Copies `submission_dir` (regular files only, at most 200 files and 20 MB;
  /// when `module_file` is not at its top but in exactly one subfolder, that
  /// subfolder: a zipped folder is a common slip) and the host into a new
  /// folder under $TMPDIR. Errors: the folder is missing or unreadable, or too big.
  static os::Expected<StudentRunner> Prepare(const std::string& submission_dir, std::string module_file,
                                             SandboxOptions options = {});
  /// The same for one file (`module_path`, e.g. a policy.py given to a
  /// peer): only that file is copied; the module file is its name. Errors:
  /// it is not a readable file, or it is bigger than 20 MB.
  static os::Expected<StudentRunner> PrepareFile(const std::string& module_path, SandboxOptions options = {});
  StudentRunner(StudentRunner&& other) noexcept;
  StudentRunner& operator=(StudentRunner&&) = delete;
  ~StudentRunner();  // removes the folder

  /// Runs `test` in a fresh process with PYTHONHASHSEED=`hash_seed`.
  CaseRun Run(const Case& test, int hash_seed = 0) const;

  /// The layers in force for this grader process, e.g. "user nobody (65534),
  /// rlimits, seccomp, network namespace"; and what is missing and why.
  static std::string Layers();
  /// Whether the module file was found in the submission (Prepare succeeded
  /// either way; the cases then fail with missing-file).
  bool has_module() const { return has_module_; }

 private:
  friend class PolicySession;  // starts its one long-lived process in the folder (policy_session.h)
  StudentRunner() = default;
  std::string root_;  // the private folder: host/ and submission/
  std::string module_file_;
  SandboxOptions options_;
  bool has_module_ = false;
};

}  // namespace osgrid::grade
