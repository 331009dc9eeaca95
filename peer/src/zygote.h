// The zygote of osgrid-task: see zygote.cpp for the whole design.
#pragma once

#include <sys/types.h>

#include <cstdint>

#include "osgrid/peer/sandbox.h"

namespace osgrid::peer {

/// What the peer tells its zygote on the command line.
struct ZygoteConfig {
  SandboxMode mode = SandboxMode::kStrict;
  pid_t peer_pid = 0;                     // the zygote exits if its parent is not this
  std::uint64_t tmp_bytes = 64ull << 20;  // size of each task's private /tmp
};

/// Runs the zygote until the peer closes fd 3 (zygote_protocol.h). Returns the
/// exit status: 0 after an orderly end, 1 if the peer is gone or unreachable,
/// 3 if CPython cannot start.
int RunZygote(const ZygoteConfig& config);

}  // namespace osgrid::peer
