// The sandbox vocabulary the peer and its zygote share: modes, isolation
// layers and the resource limits of one task.
//
// How a task is isolated is described in docs/security.md; how the processes
// are arranged (peer -> zygote -> warm child) in peer/src/zygote.cpp.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace osgrid::peer {

/// `--sandbox` of osgrid-peer.
///   strict  every layer below, or the peer refuses to start (the default)
///   auto    the layers this machine allows; the rest is reported in the log
///           and in `osgrid status`
///   off     no isolation at all, for debugging; every task logs a warning
enum class SandboxMode { kStrict, kAuto, kOff };

/// "strict" | "auto" | "off" -> mode; nullopt for anything else.
std::optional<SandboxMode> ParseSandboxMode(std::string_view text);
std::string_view SandboxModeName(SandboxMode mode);

/// The isolation layers, as bits of a mask. Each is one kernel mechanism.
enum SandboxLayer : std::uint32_t {
  kPidNamespace = 1u << 0,  // the task is pid 1 of its own namespace: it sees and
                            // can signal no other process
  kNetNamespace = 1u << 1,  // a network namespace with no interface up
  kIpcNamespace = 1u << 2,  // its own System V IPC and POSIX message queues
  kMountJail = 1u << 3,     // a private, read-only root: /usr (and the embedded
                            // Python's prefix when outside it), a few /etc files,
                            // /dev/{null,zero,full,random,urandom}; no /proc, no
                            // /home, no peer storage; a private tmpfs at /tmp
  kNoPrivileges = 1u << 4,  // a uid of its own (or, unprivileged, the peer's uid in
                            // a user namespace), no capabilities, no_new_privs
  kSeccomp = 1u << 5,       // system-call filter: no ptrace, mount, new processes,
                            // non-local sockets, kernel modules, reboot, ...
  kRlimits = 1u << 6,       // address space, CPU seconds, file size, open files,
                            // threads, no core dumps
};
inline constexpr std::uint32_t kAllLayers = (1u << 7) - 1;

/// Short names of the layers in `layers`, in bit order: "pid-ns", "net-ns",
/// "ipc-ns", "mount-jail", "no-privileges", "seccomp", "rlimits".
std::vector<std::string> LayerNames(std::uint32_t layers);

/// Limits of one task process (setrlimit(2)), applied just before its code runs.
/// Plain data: it crosses a socket to the task process as bytes.
struct TaskLimits {
  std::uint64_t memory_bytes = 512ull << 20;  // RLIMIT_AS: address space
  std::uint64_t cpu_seconds = 61;             // RLIMIT_CPU: then SIGKILL
  std::uint64_t file_bytes = 64ull << 20;     // RLIMIT_FSIZE, and the size of /tmp
  std::uint64_t open_files = 256;             // RLIMIT_NOFILE
  std::uint64_t threads = 64;                 // RLIMIT_NPROC (with a uid per task)
};

}  // namespace osgrid::peer
