// Deadlock detection with several instances of each resource type.
//
// Source: Silberschatz, Operating System Concepts 10e, 8.7.2 "Several
// Instances of a Resource Type" (the algorithm and its example: P0..P4,
// A=7, B=2, C=6). OSTEP ch. 32.3 "Detect and Recover".
//
// Shapes: n processes P0..Pn-1, m resource types. Available has length m;
// Allocation and Request are n x m, where Request_i is what Pi is blocked
// waiting for right now (not its maximum claim, unlike the Banker's Need).
//
// The algorithm is the safety algorithm with Request in place of Need, plus
// the book's rule that a process holding nothing (Allocation_i == 0) starts
// with Finish[i] = true: it cannot be part of a deadlock, since nobody can be
// waiting for it. Those processes are listed in `holding_nothing`, not in the
// finish `sequence`. Tie-breaking as in banker.h: the lowest-numbered process
// that can finish goes first.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "osgrid/os/deadlock/resource_vector.h"
#include "osgrid/os/expected.h"

namespace osgrid::os {

/// A snapshot for detection (8.7.2).
struct DetectionState {
  ResourceVector available;                 // m: free instances
  ResourceMatrix allocation;                // n x m: instances each process holds
  ResourceMatrix request;                   // n x m: instances each process is waiting for
  std::vector<std::string> resource_names;  // optional, for messages; default A, B, C, ...
};

/// Checks shapes and values: at least one process and resource type, rows of
/// length m, no negatives, and no request that could never be granted, i.e.
/// Allocation_i[j] + Request_i[j] <= total[j] ("P1 requests 5 of A but only 3
/// exist and it holds 1 of them"). nullopt when valid.
std::optional<InputError> ValidateDetectionState(const DetectionState& state);

/// What detection found.
struct DetectionResult {
  std::vector<std::size_t> deadlocked;       // Finish[i] == false at the end; empty = no deadlock
  std::vector<std::size_t> sequence;         // the others, in the order they can finish
  std::vector<std::size_t> holding_nothing;  // Allocation_i == 0: Finish[i] = true from the start
  ResourceVector initial_work;               // Available
  std::vector<WorkStep> trace;               // Work after each process in `sequence`
  bool deadlock() const { return !deadlocked.empty(); }
};

/// The detection algorithm of 8.7.2. O(n^2 m). Errors: ValidateDetectionState.
Expected<DetectionResult> DetectDeadlock(const DetectionState& state);

}  // namespace osgrid::os
