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
//
// The book stops at the deadlocked set. To say which processes wait for
// whom (deadlock.found, osgrid/os/events/events.h), FindDeadlockCycle names
// one cycle of waits inside it: Pi waits for Pk when Pi requests more of
// some resource type than Work held at the end and Pk, deadlocked too, holds
// some of it. Every deadlocked process waits for another one (whatever the
// finished processes gave back does not cover its request, and the rest of
// that type is held by the deadlocked ones), so such a cycle always exists.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "osgrid/os/deadlock/resource_vector.h"
#include "osgrid/os/events/sink.h"
#include "osgrid/os/expected.h"

namespace osgrid::os {

/// A snapshot for detection (8.7.2).
struct DetectionState {
  ResourceVector available;                 // m: free instances
  ResourceMatrix allocation;                // n x m: instances each process holds
  ResourceMatrix request;                   // n x m: instances each process is waiting for
  std::vector<std::string> resource_names;  // optional, for messages; default A, B, C, ...
  std::vector<std::string> process_names;   // optional, for events; n names, default P0, P1, ...
};

/// Checks shapes and values: at least one process and resource type, rows of
/// length m, no negatives, and no request that could never be granted, i.e.
/// Allocation_i[j] + Request_i[j] <= total[j] ("P1 requests 5 of A but only 3
/// exist and it holds 1 of them"), and n process names when any are given.
/// nullopt when valid.
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

/// The detection algorithm of 8.7.2. O(n^2 m). With `event_sink`, a deadlock
/// is also said as one deadlock.found (t = 0, seq 1, node "sim") with the
/// cycle of FindDeadlockCycle, by name; no deadlock says nothing.
/// Errors: ValidateDetectionState.
Expected<DetectionResult> DetectDeadlock(const DetectionState& state, const events::EventSink& event_sink = nullptr);

/// A cycle of waits: processes[k] waits for an instance of resources[k]
/// that processes[k + 1] holds (the last waits for the first's).
struct DeadlockCycle {
  std::vector<std::size_t> processes;  // process numbers, starting at the lowest-numbered one
  std::vector<std::size_t> resources;  // resource types, as many as processes
};

/// One cycle among `result`'s deadlocked processes (see the header comment):
/// the first one a depth-first search from the lowest-numbered deadlocked
/// process finds, trying processes and resource types in increasing order.
/// Empty when there is no deadlock. Preconditions: `result` is
/// DetectDeadlock(state)'s. O(d^2 m) for d deadlocked processes.
DeadlockCycle FindDeadlockCycle(const DetectionState& state, const DetectionResult& result);

}  // namespace osgrid::os
