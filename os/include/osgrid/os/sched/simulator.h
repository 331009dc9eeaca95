// The CPU-scheduling simulator: a discrete-event simulation that drives any
// ReadyQueuePolicy with simulated time and records what ran when.
//
// Source: OSTEP ch. 7 (the metrics: turnaround, response) and 7.8
//         (incorporating I/O); Silberschatz 10e, 5.1.1 (the CPU-I/O burst
//         cycle), 5.2 (scheduling criteria) and 5.8 (evaluation by simulation).
//
// Time is an integer number of time units and starts at 0.
//
// A process alternates CPU bursts and I/O bursts: CPU, I/O, CPU, ..., CPU.
// While it does I/O it is not ready; devices are unlimited, so I/O bursts
// of different processes overlap. Only the CPU is scheduled (one CPU).
//
// At each instant t the simulator does, in this order:
//   1. The running task's piece ends if its CPU burst ends (it finishes, or
//      starts its next I/O burst) or its quantum expires.
//   2. Tasks that become ready at t (arrivals and I/O completions) join the
//      ready queue, ordered by arrival time, then input index.
//   3. A task whose quantum expired at t joins the ready queue after them
//      (Silberschatz 5.3.3, OSTEP's scheduler.py).
//   4. A context switch that ends at t hands the CPU to its task.
//   5. A preemptive policy may preempt the running task (ShouldPreempt); the
//      preempted task joins the ready queue after the tasks of step 2.
//   6. If the CPU is free, the policy picks the next task (PickNext).
// A task picked in step 6 runs for the slice the policy gives it,
// SliceFor(task) (0: until its CPU burst ends): quantum() for RR, LOTTERY
// and STRIDE, the rest of its level's slice for MLFQ. Whenever a dispatched
// task stops, the policy is told how long it ran in that dispatch and why
// (ReadyQueuePolicy::Ran), before the task joins the ready queue again:
// kSliceExpired or, when its CPU burst ended, kBlocked (an I/O burst
// follows) or kFinished in step 1; kPreempted in step 5. Only MLFQ learns
// from it; the other policies ignore it.
// A preemptive policy is asked (step 5) when tasks have joined the ready
// queue in step 2 since it was last asked, and at the instants it names with
// NextWakeup (priority aging, MLFQ's boost) while a task runs. The task whose quantum
// expired or that was preempted does not count as joining.
//
// Context switch: a dispatch of a task other than the last one dispatched.
// The first dispatch is not one; a task that is picked again after its own
// quantum (nobody else ready) or after idle time with nobody else having run
// is not one; a dispatch after idle time to a different task than the last
// one is one. Each costs `context_switch_cost` time units of CPU time that
// is neither busy nor idle, drawn as a "switch" segment before the task runs;
// once begun a switch is not interrupted. Tasks that join the queue during
// a switch are weighed at its end (the task switched to may then be
// preempted before it runs: it still counts as a switch); aging steps that
// fall inside a switch are noticed at the next aging step. These rules make
// every run finish: a task is only ever preempted with no progress because
// of a new arrival or I/O completion, and there are finitely many.
//
// Events (SchedOptions::event_sink; osgrid/os/events/events.h): the run as a
// stream, t = simulated time, task_id = the job's name (its input index when
// unnamed), node "sim", peer "". At an instant they come in the steps' order:
//   1. task.preempted (reason "quantum") if the quantum expired with work
//      left; task.blocked (on "io") if a CPU burst ended and an I/O burst
//      starts; task.finished (outcome ok) if its last CPU burst ended.
//   2. task.submitted then task.queued for an arrival; task.queued for an
//      I/O completion.
//   3. task.queued for the task whose quantum expired.
//   4. task.running for the task switched to.
//   5. task.preempted (reason "preempted"), then task.queued.
//   6. cpu.switch (from the last task dispatched, cost_ms = the cost) for a
//      context switch, then task.running at once if the cost is 0 (else at
//      step 4 when the switch ends); task.running alone for no switch.
// queue_length counts the ready queue with the task in it (neither the
// running task nor one being switched to is in it). task.finished's wait_ms is SchedProcessResult::waiting
// (ready, or being switched to), cpu_ms its CPU bursts. A task that is picked
// again after its own quantum (nobody else ready) is said as preempted,
// queued and running at one instant; the Gantt chart merges the two bars.
// The chart, rebuilt from the events (events/replay.h): a task runs from its
// task.running to the event that stops it, a switch takes [t, t + cost_ms),
// and the CPU idles in between.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "osgrid/os/events/sink.h"
#include "osgrid/os/expected.h"
#include "osgrid/os/sched/ready_queue.h"

namespace osgrid::os {

/// One process of the input ("job" in OSTEP).
struct SchedProcess {
  std::string name;                  // "P1", "A", "0": for messages and output
  std::int64_t arrival = 0;          // time units, >= 0
  std::vector<std::int64_t> bursts;  // CPU, I/O, CPU, ...: odd count, each > 0; one entry = CPU only
  int priority = 0;                  // lower = more urgent (PRIORITY, PRIORITY-P)
  std::int64_t tickets = 100;        // share for LOTTERY and STRIDE, >= 1

  /// Total of the CPU bursts (even positions) and of the I/O bursts (odd positions).
  std::int64_t cpu_time() const;
  std::int64_t io_time() const;
};

/// One bar of the Gantt chart.
struct SchedSegment {
  enum class Kind : std::uint8_t { kRun, kIdle, kSwitch };
  std::int64_t start = 0;  // time units, start < end
  std::int64_t end = 0;
  std::uint32_t process = 0;  // input index: who runs (kRun) or who is switched to (kSwitch); 0 for kIdle
  Kind kind = Kind::kRun;
};

struct SchedOptions {
  std::int64_t context_switch_cost = 0;  // time units per context switch, >= 0
  bool record_timeline = true;           // false: only the statistics (saves memory for huge runs)
  /// If set, called with each piece of the run as it ends, in time order and
  /// before adjacent bars are merged: every dispatch of a task (a whole CPU
  /// burst, one quantum of it, or until it was preempted), every idle gap and
  /// every context switch. OSTEP's execution trace prints one line per piece;
  /// with record_timeline = false, a trace of any length takes no memory.
  std::function<void(const SchedSegment&)> on_segment;
  /// If set, receives the run as events, numbered from seq 1 (see the
  /// header comment, "Events"). Unset, nothing is built.
  events::EventSink event_sink;
};

/// What happened to one process. All times in time units.
struct SchedProcessResult {
  std::int64_t first_run = 0;   // when it first got the CPU
  std::int64_t completion = 0;  // when its last CPU burst ended
  std::int64_t response = 0;    // first_run - arrival (OSTEP 7.6)
  std::int64_t turnaround = 0;  // completion - arrival
  std::int64_t waiting = 0;     // turnaround - cpu - io: time spent in the ready queue (and in switches)
  std::int64_t cpu = 0;         // total CPU bursts
  std::int64_t io = 0;          // total I/O bursts
};

struct SchedResult {
  std::string policy;                         // the policy's name()
  std::vector<SchedSegment> timeline;         // time-ordered, gap-free from 0 to makespan; adjacent equal bars merged
  std::vector<SchedProcessResult> processes;  // in input order
  double average_response = 0;
  double average_turnaround = 0;
  double average_waiting = 0;
  std::int64_t context_switches = 0;
  std::int64_t busy = 0;       // time the CPU ran processes
  std::int64_t switching = 0;  // time spent in context switches
  std::int64_t makespan = 0;   // the last completion (the clock starts at 0)
  double utilization = 0;      // busy / makespan, in [0, 1]
  double throughput = 0;       // processes per time unit: n / makespan
};

/// Checks the input: at least one process (at most 2^32 - 1); arrival >= 0; an odd number of
/// bursts, each > 0; tickets >= 1; times at most 10^12. The message names
/// the process: "job 2: burst must be > 0, got -3".
Expected<bool> ValidateSchedProcesses(const std::vector<SchedProcess>& processes);

/// Runs `processes` under `policy` (which must be fresh: empty, never used)
/// until every process has finished. The ids the policy sees are arrival
/// ranks: 0 for the first process by (arrival, input index), 1 for the next,
/// so "lower id" in a tie means "arrived first, or listed first". Errors: those of ValidateSchedProcesses; a policy
/// that is not empty; a negative context-switch cost. Cost: O(log n) per event with the heap/deque/Fenwick policies.
Expected<SchedResult> SimulateScheduling(ReadyQueuePolicy& policy, const std::vector<SchedProcess>& processes,
                                         const SchedOptions& options = {});

}  // namespace osgrid::os
