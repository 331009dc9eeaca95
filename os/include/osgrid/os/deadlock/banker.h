// The Banker's algorithm: deadlock avoidance for several instances of each
// resource type.
//
// Source: Silberschatz, Operating System Concepts 10e, 8.6.3 "Banker's
// Algorithm": 8.6.3.1 the safety algorithm, 8.6.3.2 the resource-request
// algorithm, 8.6.3.3 the worked example (P0..P4; A=10, B=5, C=7).
// OSTEP ch. 32 "Common Concurrency Problems" (32.3, avoidance via scheduling)
// mentions it as the classic avoidance scheme.
//
// Shapes: n processes P0..Pn-1 and m resource types (A, B, C, ... unless
// named). Available has length m; Max and Allocation are n x m; Need = Max -
// Allocation. All counts are instances (non-negative integers).
//
// Tie-breaking (stable, documented): the book's safety loop says "find an
// index i such that Finish[i] == false and Need_i <= Work". We always take
// the LOWEST-numbered such process, scanning again from P0 after each step.
// A state usually has several safe sequences; the book's example lists
// <P1, P3, P4, P2, P0>, which IsSafeSequence() accepts, while this rule
// returns <P1, P3, P0, P2, P4> for the same state. Both are correct.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "osgrid/os/deadlock/resource_vector.h"
#include "osgrid/os/expected.h"

namespace osgrid::os {

/// A snapshot the Banker's algorithm works on (8.6.3).
struct BankerState {
  ResourceVector available;                 // m: free instances of each type
  ResourceMatrix max;                       // n x m: each process's declared maximum claim
  ResourceMatrix allocation;                // n x m: instances each process holds now
  std::vector<std::string> resource_names;  // optional, for messages; default A, B, C, ...
};

/// Checks a state: at least one process and one resource type, matching
/// shapes, no negative numbers, Allocation <= Max ("P1 holds 3 of A but its
/// maximum is 2") and Max <= the total instances of each type ("P0 declares a
/// maximum of 11 of A but only 10 exist"). nullopt when valid.
std::optional<InputError> ValidateBankerState(const BankerState& state);

/// Need = Max - Allocation (n x m). Precondition: a valid state.
ResourceMatrix NeedMatrix(const BankerState& state);

/// Total instances of each type: Available + the column sums of Allocation.
ResourceVector TotalResources(const BankerState& state);

/// What the safety algorithm (8.6.3.1) found.
struct SafetyResult {
  bool safe = false;
  std::vector<std::size_t> sequence;    // processes in the order they finished; all n when safe
  ResourceVector initial_work;          // Work = Available at the start
  std::vector<WorkStep> trace;          // one step per finished process, Work after each
  std::vector<std::size_t> unfinished;  // Finish[i] == false at the end (empty when safe)
};

/// The safety algorithm, as in the book: Work = Available, Finish = false;
/// repeatedly pick the lowest-numbered unfinished Pi with Need_i <= Work,
/// Work += Allocation_i, Finish[i] = true; safe iff every Finish[i] is true.
/// O(n^2 m) time. Errors: an invalid state (ValidateBankerState).
Expected<SafetyResult> RunSafetyAlgorithm(const BankerState& state);

/// The same answer as RunSafetyAlgorithm (same sequence, same trace), in
/// O(n m log n): each resource type keeps the unfinished processes sorted by
/// their need for it, and a process becomes ready once Work covers all m of
/// its needs; the ready processes wait in a min-heap so the lowest-numbered
/// still goes first. For large states (bench/os_deadlock_bench.cpp).
Expected<SafetyResult> RunSafetyAlgorithmFast(const BankerState& state);

/// Whether `order` (a permutation of 0..n-1) is a safe sequence: at each
/// turn, the process's Need <= Work, then Work += its Allocation.
/// Returns false for anything that is not a permutation of 0..n-1.
/// Precondition: a valid state.
bool IsSafeSequence(const BankerState& state, const std::vector<std::size_t>& order);

/// The outcome of one request (8.6.3.2).
enum class RequestDecision {
  kGranted,  // the resulting state is safe: the request is granted
  kWait,     // Request_i > Available: Pi must wait, the state is unchanged
  kDenied,   // granting would leave an unsafe state: Pi must wait, the state is restored
};

struct RequestResult {
  RequestDecision decision = RequestDecision::kWait;
  bool granted = false;  // decision == kGranted
  std::string reason;    // "granted: the new state is safe", "not enough available: ...",
                         // "unsafe: no safe sequence after granting"
  BankerState state;     // the state after the request (unchanged unless granted)
  SafetyResult safety;   // the safety check of the tentative state (empty for kWait)
};

/// The resource-request algorithm for process `process` asking for `request`
/// (length m). Errors (InputError): an invalid state; an unknown process
/// ("unknown process P7: there are 5 processes (P0..P4)"); a request of the
/// wrong length or with negative values; a request over the declared
/// remaining need ("P1 requests 4 of B but its remaining need is 2").
/// Otherwise: kWait when Request > Available ("not enough available: P4
/// requests 3 of A but only 2 are available"), kDenied when the tentative
/// state is unsafe, else kGranted with the new state.
Expected<RequestResult> RequestResources(const BankerState& state, std::size_t process, const ResourceVector& request);

}  // namespace osgrid::os
