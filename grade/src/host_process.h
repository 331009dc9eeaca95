// The sandboxed student process itself: grader_host.py started in a work
// folder that StudentRunner prepared, with every layer of student_process.h.
// Shared by StudentRunner::Run (one process per test case) and PolicySession
// (one process for as long as the session lives), so that both run the
// student's code in the same sandbox.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>

#include "osgrid/grade/student_process.h"
#include "osgrid/os/expected.h"

namespace osgrid::grade {

/// A started grader_host.py: its pid (the leader of its own process group)
/// and our ends of its pipes. Move-only; the destructor kills and reaps it.
class HostProcess {
 public:
  HostProcess() = default;
  HostProcess(HostProcess&& other) noexcept;
  HostProcess& operator=(HostProcess&& other) noexcept;
  HostProcess(const HostProcess&) = delete;
  HostProcess& operator=(const HostProcess&) = delete;
  ~HostProcess();

  pid_t pid = -1;
  int request_fd = -1;  // we write; its fd 3 (O_NONBLOCK)
  int answer_fd = -1;   // we read; its fd 4
  int output_fd = -1;   // we read; its stdout and stderr
  std::chrono::steady_clock::time_point started;

  /// Kills its whole process group (SIGKILL), reaps it and closes our ends;
  /// returns its wait status. Called again: the same status.
  int Kill();
  bool running() const { return pid > 0; }

 private:
  int status_ = 0;
};

/// Starts `python3 grader_host.py` in `root`/submission (a folder
/// StudentRunner made: host/ and submission/) with the seccomp filter,
/// rlimits, its own user when we are root, PYTHONHASHSEED=`hash_seed`, and
/// PR_SET_PDEATHSIG, so that it dies with the thread that started it.
/// Errors: the seccomp filter could not be built (nothing runs without
/// it), no pipes, no fork.
os::Expected<HostProcess> StartHost(const std::string& root, const SandboxOptions& options, int hash_seed);

/// "exited with status 1", "killed by SIGXCPU (the CPU limit is 2 s)".
std::string DescribeExit(int status, const SandboxOptions& options);

}  // namespace osgrid::grade
