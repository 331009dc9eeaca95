// The Multi-Level Feedback Queue (MLFQ) scheduler and its simulator.
//
// Source: OSTEP ch. 8 "Scheduling: The Multi-Level Feedback Queue"
//         (8.1 Rules 1-2, 8.2 Rules 3-4, 8.3 Rule 5 priority boost,
//         8.4 better accounting), and its homework simulator mlfq.py
//         (ostep-homework/cpu-sched-mlfq, as of its "allotment bug fix" of
//         2023-09-27, commit ee2e067), whose answers we reproduce exactly.
//         Silberschatz, Operating System Concepts 10e, 5.3.6 (multilevel
//         feedback queue scheduling).
//
// The rules, as OSTEP states them:
//   Rule 1: If Priority(A) > Priority(B), A runs (B doesn't).
//   Rule 2: If Priority(A) = Priority(B), A & B run in round-robin fashion
//           using the time slice (quantum) of the given queue.
//   Rule 3: When a job enters the system, it is placed at the highest
//           priority (the topmost queue).
//   Rule 4: Once a job uses up its time allotment at a given level
//           (regardless of how many times it has given up the CPU), its
//           priority is reduced (it moves down one queue).
//   Rule 5: After some time period S, move all the jobs in the system to the
//           topmost queue (priority boost).
//
// Queue numbers follow OSTEP's figures and mlfq.py: with n queues, queue n-1
// is the top (highest priority) and queue 0 the bottom. Time is counted in
// ticks (mlfq.py's time units). A job's allotment at a level is a number of
// quanta: it moves down after `allotment` full quanta at that level.
//
// Two objects:
//   MlfqScheduler: the policy alone (Admit / PickNext / Tick / IoDone / Boost),
//                  usable by a live node that owns the clock and the jobs.
//   SimulateMlfq:  mlfq.py's whole simulation (jobs with arrival, burst and
//                  I/O frequency) on top of MlfqScheduler. It reports every
//                  trace line, timeline piece and change of queue as it
//                  happens (MlfqSimOptions), so a caller can print a run of
//                  any length in memory that grows only with the jobs.
//
// Events (MlfqSimOptions::event_sink; osgrid/os/events/events.h): the same
// task.* stream as SimulateScheduling's (sched/simulator.h), t = tick,
// task_id = the job's index ("0", "1", ...) as mlfq.py prints it, node "sim",
// peer "". At the instant t, in SimulateMlfq's order:
//   4. (of the tick that ended at t) task.finished (outcome ok); or
//      task.blocked (on "io"); or, if the quantum ran out, task.preempted
//      (reason "quantum") and task.queued;
//   2. task.submitted and task.queued for an arrival, task.queued for an I/O
//      completion;
//   3. if the job picked is not the one that ran the tick before while that
//      one is still ready (a higher queue got a job, an I/O completion was
//      bumped ahead of it, a boost moved it behind others): task.preempted
//      (reason "preempted") and task.queued for that one. Then cpu.switch
//      (cost 0) if the job picked is not the last job that ran, and
//      task.running. A job that keeps the CPU from one tick to the next says
//      nothing.
// A boost (step 1) or a demotion changes a job's queue, not whether it is
// ready, so neither says anything (MlfqSimOptions::on_level tells them).
// queue_length counts the ready jobs of every queue, the job on the CPU not
// included; task.finished's wait_ms is MlfqJobStats::waiting.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <unordered_map>
#include <vector>

#include "osgrid/os/events/sink.h"
#include "osgrid/os/expected.h"

namespace osgrid::os {

/// The scheduler's parameters (mlfq.py's -n/-q/-a/-Q/-A/-S/-I/-B).
struct MlfqConfig {
  /// Quantum (time slice) of each queue in ticks, TOP QUEUE FIRST, as
  /// mlfq.py's -Q "x,y,z": quanta[0] belongs to queue n-1, quanta[n-1] to
  /// queue 0. Its size is the number of queues n (1..100). As in mlfq.py, a
  /// quantum <= 0 never runs out: the slice is counted down past 0.
  std::vector<std::int64_t> quanta = {10, 10, 10};
  /// Allotment of each queue in quanta (not ticks), top queue first, as -A.
  /// Same size as `quanta`. As in mlfq.py, an allotment <= 0 never runs out:
  /// a job never moves down from that queue.
  std::vector<std::int64_t> allotments = {1, 1, 1};
  /// -B: boost period S in ticks; every S ticks (at t = S, 2S, ...) all jobs
  /// move to the top queue (Rule 5). 0 (or less) = never.
  std::int64_t boost = 0;
  /// -S (stay): a job that issues an I/O gets a fresh quantum and allotment at
  /// its level: OSTEP's original, gameable Rules 4a/4b. Without it (default)
  /// time used at a level is remembered across I/O: the "better accounting"
  /// of 8.4, Rule 4.
  bool stay = false;
  /// -I (iobump): a job whose I/O completes goes to the FRONT of its queue
  /// instead of the back.
  bool iobump = false;
};

/// Checks a config: 1..100 queues, as many allotments as quanta. Errors name
/// the item ("there are 2 queues but 3 allotments: ...").
Expected<MlfqConfig> ValidateMlfqConfig(MlfqConfig config);

/// The job the scheduler wants on the CPU: the head of the highest non-empty
/// queue.
struct MlfqPick {
  std::uint64_t id = 0;
  int queue = 0;  // 0 = bottom, n-1 = top
};

/// How the running job's tick ended, as the caller (who runs the job) saw it.
enum class MlfqTickEnd {
  kKeepsRunning,  // still runnable: stays at the head of its queue
  kIssuesIo,      // blocks for I/O: leaves the queues until IoDone()
  kFinished,      // done: leaves the scheduler
};

/// What the policy did at the end of a tick.
struct MlfqTickResult {
  bool quantum_expired = false;  // the time slice ran out at this tick
  bool demoted = false;          // ... and the allotment too: moved down one queue (Rule 4)
  int queue = 0;                 // the job's queue after the tick
};

/// The MLFQ policy: several ready queues, FIFO each, highest first.
///
/// Job state: queue (priority), ticks left in the current quantum, quanta
/// left in the allotment at this level. The running job stays at the HEAD of
/// its queue while it runs (as in mlfq.py), so a job preempted by a
/// higher-priority arrival resumes its unfinished quantum later.
///
/// Tie-breaking (deterministic): within a queue, first in, first out.
/// Admitted jobs join the back; a job whose quantum expires goes to the back
/// of its (possibly lower) queue; an I/O completion goes to the back, or the
/// front with iobump. A boost appends the jobs of queue 0, then queue 1, ...
/// (each in queue order) behind the jobs already in the top queue.
///
/// Ids are the caller's; an id must not be admitted twice while it is in
/// the scheduler. Methods that name a job return an InputError for an id in
/// the wrong state (never admitted, not running, not blocked).
class MlfqScheduler {
 public:
  /// Errors: those of ValidateMlfqConfig.
  static Expected<MlfqScheduler> Create(const MlfqConfig& config);

  int num_queues() const { return static_cast<int>(queues_.size()); }
  int top_queue() const { return num_queues() - 1; }
  /// Quantum and allotment of queue q (0 = bottom), ticks and quanta.
  std::int64_t QuantumOf(int queue) const;
  std::int64_t AllotmentOf(int queue) const;

  /// Rule 3: a new job joins the back of the top queue with a full quantum
  /// and allotment.
  Expected<bool> Admit(std::uint64_t id);
  /// Rules 1-2: the head of the highest non-empty queue; nullopt = idle.
  /// Does not remove it: the caller runs it for one tick and calls Tick().
  std::optional<MlfqPick> PickNext() const;
  /// Charges one tick to the running job (`id` must be PickNext()'s), then:
  /// kFinished -> it leaves; kIssuesIo -> it blocks (with `stay`, its quantum
  /// and allotment are reset at this level); and if the tick used up its
  /// quantum, one quantum of allotment is spent and, when the allotment is
  /// gone, the job moves down a queue (Rule 4; at the bottom it gets a new
  /// allotment there). A job not blocked goes to the back of its queue.
  Expected<MlfqTickResult> Tick(std::uint64_t id, MlfqTickEnd end);
  /// The job's I/O completed: it rejoins its queue (back, or front with iobump).
  Expected<bool> IoDone(std::uint64_t id);
  /// Rule 5: every job in the system (ready or doing I/O) moves to the top
  /// queue with the top queue's quantum and allotment, as if it had just
  /// arrived (see mlfq.cpp).
  void Boost();

  /// The queue (0 = bottom) a job is in, or will rejoin after its I/O;
  /// nullopt for unknown or finished ids.
  std::optional<int> QueueOf(std::uint64_t id) const;
  /// Ticks left in the job's current time slice / quanta left in its allotment.
  std::int64_t TicksLeft(std::uint64_t id) const;
  std::int64_t AllotmentLeft(std::uint64_t id) const;
  /// Ready jobs of queue q, head first.
  const std::deque<std::uint64_t>& ReadyQueue(int queue) const { return queues_.at(static_cast<std::size_t>(queue)); }
  /// Jobs admitted and not finished (ready, running or blocked).
  std::size_t size() const { return jobs_.size(); }

 private:
  struct JobState {
    int queue = 0;
    std::int64_t ticks_left = 0;  // of the current time slice
    std::int64_t allot_left = 0;  // quanta left at this level
    bool blocked = false;         // doing I/O
  };

  explicit MlfqScheduler(MlfqConfig config);
  void ExpireQuantum(std::uint64_t id, JobState& job, MlfqTickResult& result);

  MlfqConfig config_;
  std::vector<std::deque<std::uint64_t>> queues_;  // index = queue number; front = head
  std::unordered_map<std::uint64_t, JobState> jobs_;
};

// ---- The simulator (mlfq.py) -----------------------------------------------------

/// One job of a workload (mlfq.py's -l "startTime,runTime,ioFreq").
struct MlfqJob {
  std::int64_t arrival = 0;       // ticks; >= 0
  std::int64_t burst = 0;         // total CPU ticks needed; > 0
  std::int64_t io_frequency = 0;  // issues an I/O after every io_frequency ticks of CPU; <= 0 = never
};

/// The simulator's parameters: the policy's plus the I/O model.
struct MlfqSimConfig {
  MlfqConfig scheduler;
  std::int64_t io_time = 5;  // -i: every I/O takes this many ticks; >= 0
};

/// One line of mlfq.py's execution trace.
struct MlfqEvent {
  enum class Kind { kBoost, kJobBegins, kIoDone, kRun, kFinished, kIoStart, kIdle };
  Kind kind = Kind::kRun;
  std::int64_t time = 0;        // tick number
  int job = -1;                 // index into the job list; -1 for kBoost and kIdle
  int queue = -1;               // kRun: the queue it ran in
  std::int64_t ticks_left = 0;  // kRun, as mlfq.py prints them: TICKS = slice left after this tick,
  std::int64_t allot_left = 0;  //   ALLOT = quanta of allotment left before this tick's accounting,
  std::int64_t time_left = 0;   //   TIME = CPU ticks the job still needs
};

/// A stretch of consecutive ticks in which one job ran in one queue: [start, end).
struct MlfqSegment {
  int job = 0;
  std::int64_t start = 0;
  std::int64_t end = 0;
  int queue = 0;
};

/// From `time` on, the job's queue was `queue` (arrival, demotion, boost).
struct MlfqLevelChange {
  std::int64_t time = 0;
  int queue = 0;
};

/// One job's answers. All in ticks.
struct MlfqJobStats {
  MlfqJob job;
  std::int64_t first_run = 0;
  std::int64_t completion = 0;
  std::int64_t response = 0;            // first_run - arrival
  std::int64_t turnaround = 0;          // completion - arrival
  std::int64_t waiting = 0;             // ticks ready but not running = turnaround - burst - ios * io_time
  std::int64_t ios = 0;                 // I/Os issued
  std::vector<MlfqLevelChange> levels;  // the queue it was in over time, from its arrival (when recorded)
};

struct MlfqResult {
  std::vector<MlfqEvent> trace;       // in mlfq.py's order (when recorded)
  std::vector<MlfqSegment> timeline;  // what ran; gaps are idle time (when recorded)
  std::vector<MlfqJobStats> jobs;     // in input order
  double average_response = 0;
  double average_turnaround = 0;
  double average_waiting = 0;
  std::int64_t end_time = 0;    // when the last job finished
  std::int64_t busy_ticks = 0;  // ticks in which some job ran
  /// Times the CPU went from one job to a different one (idle gaps are not
  /// jobs: A, idle, A is no switch; A, idle, B is one).
  std::int64_t context_switches = 0;
};

/// What SimulateMlfq keeps and whom it tells as it runs.
struct MlfqSimOptions {
  /// Keep the trace, the timeline and each job's levels in MlfqResult. False:
  /// only the per-job answers are kept, so memory grows with the number of
  /// jobs and not with the length of the run; use the callbacks instead.
  bool record = true;
  /// Each trace line, in mlfq.py's order, as it happens.
  std::function<void(const MlfqEvent&)> on_event;
  /// Each timeline piece, in time order, once it is complete.
  std::function<void(const MlfqSegment&)> on_segment;
  /// Each change of a job's queue (its arrival, a demotion, a boost), in time order.
  std::function<void(int job, const MlfqLevelChange&)> on_level;
  /// If set, receives the run as events, numbered from seq 1 (see the header
  /// comment, "Events"). Unset, nothing is built.
  events::EventSink event_sink;
};

/// The largest start time, run time or I/O time accepted (ticks): sums of
/// them stay far from overflow.
inline constexpr std::int64_t kMlfqMaxTime = 1'000'000'000'000;

/// Checks a workload: a valid config, at least one job, start times >= 0,
/// run times > 0, I/O time >= 0, none above kMlfqMaxTime. SimulateMlfq
/// cannot fail on input that passes. Errors: "job 2: run time must be > 0, got 0".
Expected<bool> ValidateMlfq(const MlfqSimConfig& config, const std::vector<MlfqJob>& jobs);

/// Runs `jobs` under MLFQ exactly as mlfq.py -c does. Each tick t, in order:
///   1. boost, if boost > 0 and t is a non-zero multiple of it (Rule 5);
///   2. arrivals (input order) then I/O completions at t (in the order the
///      I/Os were issued) join their queues;
///   3. the head of the highest non-empty queue runs one tick (or idle);
///   4. at t+1: finished? else I/O (after every io_frequency ticks of CPU; it
///      completes at t+1+io_time)? then quantum/allotment accounting (Rule 4).
/// Errors: those of ValidateMlfq.
Expected<MlfqResult> SimulateMlfq(const MlfqSimConfig& config, const std::vector<MlfqJob>& jobs,
                                  const MlfqSimOptions& options = {});

/// A random workload as mlfq.py makes one from -s seed -j count -m max_len
/// -M max_io: from random.seed(seed) (os::PyRandom), for each job in turn,
/// runTime = int(random() * (max_len - 1) + 1) and then
/// ioFreq = int(random() * (max_io - 1) + 1); every job starts at 0.
/// Errors: count outside 1..1,000,000; max_len outside 1..kMlfqMaxTime (a
/// run time would be <= 0 or too long); |max_io| above kMlfqMaxTime.
Expected<std::vector<MlfqJob>> RandomMlfqJobs(std::int64_t seed, std::int64_t count, std::int64_t max_len,
                                              std::int64_t max_io);

}  // namespace osgrid::os
