// Recovery from deadlock by process termination: abort one process at a time
// until the deadlock cycle is eliminated.
//
// Source: Silberschatz, Operating System Concepts 10e, 8.8.1 "Process and
// Thread Termination" and 8.8.2 "Resource Preemption" (selecting a victim:
// "minimum cost"); OSTEP ch. 32.3 "Detect and Recover".
//
// Victim cost (documented, deterministic): among the deadlocked processes,
// abort the one that HOLDS THE FEWEST resource instances (the sum of its
// Allocation row: the least work lost to re-acquire them); on a tie, the
// HIGHEST-numbered process (the youngest, which has likely run the least).
// Every deadlocked process holds something (detection.h: a process holding
// nothing is never deadlocked), so aborting one always frees instances.
#pragma once

#include <cstddef>
#include <vector>

#include "osgrid/os/deadlock/detection.h"
#include "osgrid/os/expected.h"

namespace osgrid::os {

/// One abort.
struct RecoveryStep {
  std::size_t victim = 0;
  ResourceVector released;                     // its Allocation, returned to Available
  std::vector<std::size_t> deadlocked_before;  // what detection found just before
};

struct RecoveryResult {
  std::vector<RecoveryStep> steps;  // in abort order; empty when there was no deadlock
  DetectionState final_state;       // victims hold and request nothing
  DetectionResult final_detection;  // no deadlock
  std::vector<std::size_t> victims() const;
};

/// The victim among `deadlocked` (non-empty, valid indices into `state`) by
/// the cost rule above.
std::size_t ChooseVictim(const DetectionState& state, const std::vector<std::size_t>& deadlocked);

/// Detect (8.7.2); while some process is deadlocked, abort the victim:
/// Available += Allocation_v, Allocation_v = 0, Request_v = 0 (it will be
/// restarted later); detect again. At most n rounds of O(n^2 m).
/// Errors: ValidateDetectionState.
Expected<RecoveryResult> RecoverByAbort(const DetectionState& state);

}  // namespace osgrid::os
