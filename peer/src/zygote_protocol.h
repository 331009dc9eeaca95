// The messages between the peer, its zygote and the warm task processes.
//
// Three kinds of process take part (see zygote.cpp for the whole picture):
//   peer         osgrid-peer: decides what runs and when (the executor)
//   zygote       `osgrid-task --zygote`: CPython initialised once; forks warm
//                children on request
//   warm child   one future task process, already sandboxed, waiting for its
//                task; a child of the peer (the zygote double-forks it and the
//                peer is a child subreaper)
//
// Every channel is a Unix SOCK_SEQPACKET socket: messages keep their
// boundaries and can carry file descriptors (SCM_RIGHTS). Messages are the
// plain structs below, sent as bytes; both ends are built from the same source,
// so no versioning is needed. Every message starts with its Op.
//
//   peer   -> zygote  ForkRequest             make `count` more warm children
//   zygote -> peer    ZygoteHello             once, after start: what it can isolate
//   zygote -> peer    ChildCreated + 1 fd     a new child's pid and the peer's end
//                                             of the child's socket
//   child  -> peer    ChildWarm               sandboxed and warmed up: ready
//   child  -> peer    ChildFailed             could not sandbox itself; exits
//   peer   -> child   Handoff + 4 fds         the task's fds 0-3 and limits: run now
//   peer   -> worker  RunCall + 4 fds         (on fd 4) the next call of a worker's
//                                             job, with that call's fds 0-3
//
// After the Handoff the same socket becomes the task's fd 4 (kCallFd): the
// channel of its system calls (`import osgrid`), JSON messages in packets
// as call_channel.h describes.
#pragma once

#include <cstdint>

#include "osgrid/peer/sandbox.h"

namespace osgrid::peer::zygote {

enum class Op : std::uint32_t {
  kForkRequest = 1,
  kZygoteHello = 2,
  kChildCreated = 3,
  kChildWarm = 4,
  kChildFailed = 5,
  kHandoff = 6,
  kRunCall = 7,
};

struct ForkRequest {
  Op op = Op::kForkRequest;
  std::uint32_t count = 1;
};

struct ZygoteHello {
  Op op = Op::kZygoteHello;
  std::uint32_t layers = 0;      // SandboxLayer bits that every child will have
  char problems[1024] = {};      // why the missing layers are missing; "" if none
  char python_version[32] = {};  // of the embedded CPython: "3.11.7"
  char python_home[4096] = {};   // its sys.prefix: "/usr", "/root/.pyenv/versions/3.11.7"
};

struct ChildCreated {
  Op op = Op::kChildCreated;
  std::int32_t pid = 0;  // in the peer's pid namespace
};

struct ChildWarm {
  Op op = Op::kChildWarm;
};

struct ChildFailed {
  Op op = Op::kChildFailed;
  char reason[256] = {};  // "unshare(CLONE_NEWPID): Operation not permitted"
};

struct Handoff {
  Op op = Op::kHandoff;
  TaskLimits limits;
  char task_id[128] = {};  // for the process title in `ps`; may be cut
  /// 1: the process is a worker (executor.h): it runs this task, then waits
  /// on fd 4 for RunCall messages, each one more call of the same job. Its
  /// RLIMIT_CPU is then a soft limit of limits.cpu_seconds per call.
  std::uint32_t worker = 0;
};

/// The next call for a worker, sent on its fd 4 between calls (never while
/// a call runs, when fd 4 carries that call's system calls).
struct RunCall {
  Op op = Op::kRunCall;
  std::uint64_t cpu_seconds = 0;  // this call's soft RLIMIT_CPU, from its start
  char task_id[128] = {};         // for the process title; may be cut
};

/// The largest message above: the receive buffer size.
inline constexpr unsigned kMaxMessageBytes = sizeof(ZygoteHello);

/// The zygote's fd for its socket to the peer (argv: --zygote).
inline constexpr int kControlFd = 3;

/// A task process's fd for its socket to the peer: its system calls.
inline constexpr int kCallFd = 4;

}  // namespace osgrid::peer::zygote
