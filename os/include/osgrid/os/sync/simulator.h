// The synchronisation simulator: scripted processes on one CPU, a
// deterministic scheduler, and deadlock detection with a wait-for graph.
//
// Source: OSTEP ch. 26-31 (threads interleaved by the scheduler; locks,
//         condition of progress, semaphores) and its homework simulators'
//         style (x86.py: which thread runs at each step);
//         Silberschatz, Operating System Concepts 10e, 6.6 (semaphores with
//         a waiting list), 7.1 (bounded buffer, readers-writers, dining
//         philosophers), 8.6.1 (the wait-for graph: a cycle is a deadlock).
//
// Time. One step = one operation of one process = one tick, t = 0, 1, 2...
// `compute N` takes N steps. A blocking operation takes its step too: the
// process blocks during it and is not ready until another process's
// operation wakes it; the wake-up completes the blocked operation (a woken
// P has decremented the semaphore; a woken lock owns the mutex; a woken
// recv has its message; a woken send has queued or delivered its message),
// so a woken process goes on with its next operation.
//
// Scheduling.
//   * Round robin (the default): the ready queue is FIFO, starting in script
//     order; the running process runs `quantum` operations (fewer if it
//     blocks or finishes), then goes to the back of the ready queue.
//   * Random: whenever a process must be chosen (quantum over, blocked or
//     finished), the next one is drawn uniformly from the ready processes
//     (including the one whose quantum just ended) with Rng(seed).
//   A process woken during step t joins the back of the ready queue during
//   step t, so it is ahead of the running process if that one's quantum
//   ends at step t.
//
// The run ends when
//   * every process has finished;
//   * no process is ready but some have not finished: deadlock. The
//     simulator builds the wait-for graph and reports a cycle found by
//     FindCycle (deadlock/wait_for_graph.h). The edges of a blocked process:
//       - mutex m: to m's owner (possibly itself: the lock is not recursive);
//       - semaphore s: to the *holders* of s: the other unfinished
//         processes whose successful P(s) outnumber their V(s) and whose
//         script contains V(s). A semaphore has no owner, so this is an
//         approximation; it is exact for semaphores used as locks (forks,
//         `mutex`). When s has no such holder (a signalling semaphore like
//         `full`, where one process waits and another signals), the edges
//         go to every other unfinished process whose script contains V(s):
//         the processes that could still signal it;
//       - queue q: full on send, to every other unfinished process whose
//         script receives from q; empty on recv, to those that send to q.
//     With no cycle (e.g. a consumer waiting for a producer that has
//     finished) the run is still reported as deadlocked, with an empty cycle:
//     no process can ever run again;
//   * `max_steps` steps have run and some process has not finished: the run
//     is stopped (an infinite loop, e.g. `repeat forever`, or a livelock).
//
// Watching a run. Each step is reported as it happens to
// SyncOptions::on_step, as a SyncStepView into the simulator's own state
// (nothing is copied for it), and kept in SyncRun::trace unless
// record_trace is false. A caller that prints the steps as they come and
// keeps no trace runs in memory that grows with the script, not with the
// number of steps.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "osgrid/os/expected.h"
#include "osgrid/os/sync/script.h"

namespace osgrid::os {

enum class Interleave { kRoundRobin, kRandom };

/// The largest step limit. There must be one, so that a `repeat: forever`
/// ends; with record_trace each step is kept (~200 bytes), so a caller that
/// keeps the trace should keep max_steps far below this.
inline constexpr std::int64_t kMaxSyncSteps = 10000000;
/// The most processes a script may have.
inline constexpr std::size_t kMaxSyncProcesses = 64;

enum class SyncProcessState : std::uint8_t { kReady, kRunning, kBlocked, kDone };
/// "ready", "running", "blocked", "done".
std::string_view SyncStateName(SyncProcessState state);

/// One step of the run, as SyncRun::trace keeps it.
struct SyncStep {
  std::int64_t t = 0;
  std::size_t process = 0;  // index into SyncScript::processes
  std::string op;           // as written, e.g. "P empty"; compute shows "compute 3"
  /// "ok", "ok (1 of 3)", "ok: got 7", "blocked", "woke consumer",
  /// "skipped (read_count = 2)" (an `if` that did not hold),
  /// "error: consumer does not hold m" (the op did nothing).
  std::string outcome;
  bool blocked = false;                  // the process blocked in this step
  bool error = false;                    // the op was an error (unlock by a non-owner)
  std::vector<std::size_t> woken;        // processes this step made ready
  std::vector<SyncProcessState> states;  // every process during this step (this one: running)
  std::vector<std::int64_t> semaphores;  // every semaphore's value after the step
  std::vector<std::int64_t> counters;    // every counter's value after the step
};

/// The same step as it happens, for SyncOptions::on_step: a view into the
/// simulator's own state, valid only during the call (copy what you keep).
struct SyncStepView {
  std::int64_t t = 0;
  std::size_t process = 0;
  std::string_view op;
  std::string_view outcome;
  bool blocked = false;
  bool error = false;
  std::span<const std::size_t> woken;
  std::span<const SyncProcessState> states;
  std::span<const std::int64_t> semaphores;
  std::span<const std::int64_t> counters;
};

struct SyncOptions {
  Interleave interleave = Interleave::kRoundRobin;
  std::int64_t quantum = 1;        // operations per turn, >= 1
  std::uint64_t seed = 0;          // for Interleave::kRandom
  std::int64_t max_steps = 10000;  // 1..kMaxSyncSteps
  /// false: SyncRun::trace stays empty, so memory does not grow with the
  /// number of steps (watch them with on_step instead).
  bool record_trace = true;
  /// If set, called after each step, in time order, with what it did.
  std::function<void(const SyncStepView&)> on_step;
};

/// One edge of the wait-for graph at a deadlock: `from` waits for `to`.
struct WaitForEdge {
  std::size_t from = 0;
  std::size_t to = 0;
  std::string resource;  // the semaphore, mutex or queue
  /// The edge in words: "phil0 waits for fork1 held by phil1", "consumer
  /// waits for full, which producer signals", "producer waits to send to
  /// mailbox (full), which consumer receives from".
  std::string description;
};

enum class SyncEnd { kFinished, kDeadlock, kStepLimit };

struct SyncRun {
  SyncScript script;  // the validated script (every counter declared)
  SyncEnd end = SyncEnd::kFinished;
  std::int64_t steps = 0;       // steps run; the run ended at t = steps
  std::vector<SyncStep> trace;  // every step; empty when !SyncOptions::record_trace
  std::vector<SyncProcessState> final_states;
  std::vector<std::string> waiting_for;          // per process: "P full", "lock m", ... or "" when not blocked
  std::vector<std::int64_t> semaphores;          // final values, in script order
  std::vector<std::int64_t> counters;            // final values, in script order
  std::vector<std::vector<std::string>> queues;  // final contents of each queue, oldest first
  std::vector<WaitForEdge> wait_for;             // the wait-for graph at a deadlock (else empty)
  std::vector<std::size_t> cycle;                // processes on a cycle of it, in wait order; empty if none
  std::vector<std::string> errors;   // "t=4: consumer: unlock m: consumer does not hold m (owner: producer)"
  std::vector<std::string> printed;  // what `print` wrote, "t=3 producer: hello"
  /// "all processes finished at t=30", "deadlock at t=15: phil0 waits for
  /// fork1 held by phil1, ..., phil4 waits for fork0 held by phil0", or
  /// "stopped at the step limit t=10000: ...".
  std::string message;
};

/// Runs `script` under `options`. Errors: the script's (ValidateScript),
/// "quantum must be >= 1, got 0", "max steps must be 1..10000000, got 0",
/// "too many processes (65; at most 64)".
Expected<SyncRun> Simulate(SyncScript script, const SyncOptions& options);

/// The checks Simulate makes before it runs, with the same errors: for a
/// caller that reports bad input before it runs anything. Returns the script
/// as Simulate would run it (ValidateScript's: every counter declared).
Expected<SyncScript> ValidateSyncInput(SyncScript script, const SyncOptions& options);

}  // namespace osgrid::os
