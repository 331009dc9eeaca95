// The steps that isolate a task process, in the order they run. Used only by
// osgrid-task (the zygote and its children); zygote.cpp explains the process
// arrangement. Each step returns "" on success or a one-line reason such as
// "unshare: Operation not permitted" (osgrid-task does not link the net module,
// so errors are plain strings here and become Status values in the peer).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

#include "osgrid/peer/sandbox.h"

namespace osgrid::peer::sandbox {

/// Which layers are in force, and why the others are not.
struct Report {
  std::uint32_t layers = kAllLayers;
  std::string problems;  // "; "-separated reasons, "" when every layer works

  /// Clears `layer` bits and records why.
  void Missing(std::uint32_t layer, const std::string& why);
};

/// Zygote, once, before any child: a user namespace when not root, then a
/// private mount namespace whose root is the read-only jail (see sandbox.cpp),
/// which also holds `python_home`, the embedded Python's prefix, read-only at
/// the same path. Clears the layers it cannot provide.
void BuildJail(Report& report, const std::string& python_home);

/// Zygote, once: tries the per-task namespaces and the seccomp filter in
/// throwaway children and clears the layers that fail.
void ProbeChildLayers(Report& report);

/// Zygote, once, after probing: compiles the seccomp filter to BPF, so that
/// LockDown installs it with one prctl. Returns "" or why it failed (LockDown
/// then compiles it in each child).
std::string CompileSeccompFilter();

/// Intermediate process, before forking the task process: new pid, network,
/// IPC/UTS and mount namespaces (those in `layers`), and a private tmpfs of
/// `tmp_bytes` at /tmp owned by `owner`.
std::string EnterTaskNamespaces(std::uint32_t layers, uid_t owner, std::uint64_t tmp_bytes);

/// Warm child, before it runs any Python: becomes `task_uid` (when the zygote
/// is root), drops every capability, sets no_new_privs and loads the seccomp
/// filter (those in `layers`).
std::string LockDown(std::uint32_t layers, uid_t task_uid);

/// Task process, at hand-off, just before the task's code runs: setrlimit for
/// each limit, soft = hard (when kRlimits is in `layers`).
std::string ApplyLimits(std::uint32_t layers, const TaskLimits& limits);

}  // namespace osgrid::peer::sandbox
