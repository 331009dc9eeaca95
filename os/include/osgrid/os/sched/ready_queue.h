// The ready queue as a pluggable scheduling policy.
//
// Source: OSTEP ch. 7 "Scheduling: Introduction" (7.3 FIFO);
//         Silberschatz, Operating System Concepts 10e, 5.1.2 (the ready queue),
//         5.1.3 (preemptive and nonpreemptive scheduling) and 5.3.1
//         (first-come, first-served).
//
// A policy answers two questions about the ready set at time t: which task
// runs next (PickNext), and whether the running task must give the CPU up
// now (ShouldPreempt: a shorter job or a more urgent one arrived) or after a
// time slice (quantum). The live peer admits each task it must run here and
// asks PickNext() whenever a core is free, on the wall clock; the simulator
// (sched/simulator.h) drives the same objects with simulated time. Same
// object, two clocks: every time below is in the caller's unit (ms for the
// peer, time units for the simulator).
//
// The policies, one per file: FcfsQueue (here), SjfQueue (sjf_queue.h),
// SrtfQueue (srtf_queue.h), PriorityQueue (priority_queue.h),
// RoundRobinQueue (round_robin_queue.h), MlfqQueue (mlfq_queue.h),
// LotteryQueue (lottery_queue.h), StrideQueue (stride_queue.h). Each header
// also declares its policy's factory (MakeFcfs, MakeSjf, ...), the function
// the table of sched_policies.cpp calls; MakeSchedPolicy (sched_policies.h)
// builds one by name.
//
// Tie-breaking, for every policy that orders by a key (burst, priority,
// pass): equal keys -> earlier arrival_ms -> lower id. FCFS and RR order by
// admission, so the caller decides ties by the order in which it admits.
#pragma once

#include <algorithm>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "osgrid/os/expected.h"

namespace osgrid::os {

struct SchedPolicyParams;  // sched_policies.h: the knobs the factories read

/// A task waiting for a CPU, as a scheduler sees it: the scheduling part of
/// its process control block. The caller keeps it while the task runs or
/// waits for I/O and admits it again with the fields brought up to date.
struct ReadyTask {
  std::uint64_t id = 0;                // unique per caller; the last tie-breaker (lower first)
  std::int64_t arrival_ms = 0;         // when the task entered the system; tie-breaker after the key
  int priority = 0;                    // lower number = more urgent (Silberschatz convention)
  std::int64_t expected_burst_ms = 0;  // SJF: length of its next CPU burst; SRTF: what is left of it; 0 = unknown
  std::int64_t tickets = 100;          // its share for LOTTERY and STRIDE (OSTEP ch. 9); >= 1
  std::int64_t ready_since_ms = 0;     // when it last joined the ready queue (aging counts from here)
  std::int64_t pass = 0;               // STRIDE's pass value (OSTEP 9.6), kept with the task between runs
};

/// Why a task left the CPU (ReadyQueuePolicy::Ran).
enum class RunEnd {
  kSliceExpired,  // its time slice ran out; it is admitted again
  kPreempted,     // a more urgent task took the CPU; it is admitted again
  kBlocked,       // it gave the CPU up to wait (I/O, a system call); admitted when it is ready
  kFinished,      // its (last) CPU burst ended; it leaves
  kCancelled,     // it was ended from outside; it leaves
};

class ReadyQueuePolicy {
 public:
  virtual ~ReadyQueuePolicy() = default;
  /// "FCFS", "SJF", ...
  virtual std::string_view name() const = 0;
  /// The task joins the ready queue.
  virtual void Admit(const ReadyTask& task) = 0;
  /// Removes and returns the task to run next; nullopt when the queue is empty.
  virtual std::optional<ReadyTask> PickNext() = 0;
  /// Removes a waiting task (cancellation). Returns false if it is not queued.
  virtual bool Remove(std::uint64_t id) = 0;
  virtual std::size_t size() const = 0;
  /// Where the ready task `id` stands in the order the policy would run the
  /// ready queue if nothing else arrived: 0 = PickNext returns it next, 1 =
  /// the one after, ... A viewer that hears only "task X joined the queue"
  /// (task.queued) can then keep the queue in the policy's order. nullopt
  /// when `id` is not ready, or when the order can change while nothing is
  /// admitted or picked (LOTTERY draws; PRIORITY with aging; MLFQ with a
  /// boost period). Default: nullopt. O(n).
  virtual std::optional<std::size_t> PositionOf(std::uint64_t id) const {
    (void)id;
    return std::nullopt;
  }

  // ---- Preemption and time (defaults: a non-preemptive policy without time slices) ----

  /// Whether the policy may take the CPU from a running task before its burst
  /// ends because of what is in the ready queue (SRTF, preemptive priority).
  virtual bool preemptive() const { return false; }
  /// The time slice: a running task is stopped and admitted again after this
  /// long (RR, LOTTERY, STRIDE). 0 = no slice, it runs until its burst ends.
  virtual std::int64_t quantum() const { return 0; }
  /// Whether `running` (expected_burst_ms = what is left of its burst) should
  /// give the CPU to a task in the ready queue now. Only asked when preemptive().
  virtual bool ShouldPreempt(const ReadyTask& running) const {
    (void)running;
    return false;
  }
  /// The caller's clock now reads `now`: policies whose choice depends on
  /// time (priority aging) use it in the next PickNext and ShouldPreempt.
  virtual void AdvanceTo(std::int64_t now) { (void)now; }
  /// The first time after the last AdvanceTo at which the policy's choice can
  /// change although nothing is admitted (a waiting task ages one step), or
  /// nullopt if none. A preemptive caller must check ShouldPreempt then.
  virtual std::optional<std::int64_t> NextWakeup() const { return std::nullopt; }

  // ---- Feedback (defaults: the policy does not learn from how a task ran) ----

  /// The time slice `task`, just returned by PickNext, gets now; 0 = it runs
  /// until its burst ends or it is preempted. MLFQ gives each queue its own
  /// and resumes an unfinished slice. Default: quantum().
  virtual std::int64_t SliceFor(const ReadyTask& task) const {
    (void)task;
    return quantum();
  }
  /// Which of the policy's queues the task is in, for policies with several
  /// (MLFQ: 0 = bottom); nullopt for one-queue policies and unknown ids.
  virtual std::optional<int> QueueOf(std::uint64_t id) const {
    (void)id;
    return std::nullopt;
  }
  /// The caller took the CPU back from `task`, which had used `cpu` of CPU
  /// time since PickNext returned it (the peer measures it from the process;
  /// the simulator knows it). Called once per dispatch, before the task is
  /// admitted again (kSliceExpired, kPreempted, kBlocked) or forgotten
  /// (kFinished, kCancelled). MLFQ charges `cpu` to the task's allotment
  /// (OSTEP 8.4, Rule 4) and forgets finished tasks. Default: nothing.
  virtual void Ran(const ReadyTask& task, std::int64_t cpu, RunEnd end) {
    (void)task;
    (void)cpu;
    (void)end;
  }
};

/// PositionOf for a queue kept in run order (FCFS, RR, one MLFQ level):
/// the index of `id` in `queue`, or nullopt. O(n).
inline std::optional<std::size_t> PositionInQueue(const std::deque<ReadyTask>& queue, std::uint64_t id) {
  auto it = std::find_if(queue.begin(), queue.end(), [id](const ReadyTask& task) { return task.id == id; });
  if (it == queue.end()) return std::nullopt;
  return static_cast<std::size_t>(it - queue.begin());
}

/// PositionOf for a policy that orders by a key (a heap, or no order kept):
/// how many of `tasks` run before `id`, where runs_later(a, b) says that a
/// runs after b (a strict order: keys, then arrival, then id); nullopt when
/// `id` is not among them. O(n).
template <typename RunsLater>
std::optional<std::size_t> PositionByKey(const std::vector<ReadyTask>& tasks, std::uint64_t id, RunsLater runs_later) {
  auto it = std::find_if(tasks.begin(), tasks.end(), [id](const ReadyTask& task) { return task.id == id; });
  if (it == tasks.end()) return std::nullopt;
  const ReadyTask& self = *it;
  return static_cast<std::size_t>(
      std::count_if(tasks.begin(), tasks.end(), [&](const ReadyTask& other) { return runs_later(self, other); }));
}

/// First-come, first-served: tasks run in the order they were admitted.
/// Non-preemptive. O(1) Admit and PickNext, O(n) Remove.
class FcfsQueue final : public ReadyQueuePolicy {
 public:
  std::string_view name() const override { return "FCFS"; }
  void Admit(const ReadyTask& task) override;
  std::optional<ReadyTask> PickNext() override;
  bool Remove(std::uint64_t id) override;
  std::size_t size() const override { return ready_queue_.size(); }
  /// Its index in admission order.
  std::optional<std::size_t> PositionOf(std::uint64_t id) const override { return PositionInQueue(ready_queue_, id); }

 private:
  std::deque<ReadyTask> ready_queue_;  // front = arrived first
};

/// A fresh FcfsQueue (the FCFS row of sched_policies.cpp). It has no knobs:
/// `params` is ignored and it never fails.
Expected<std::unique_ptr<ReadyQueuePolicy>> MakeFcfs(const SchedPolicyParams& params);

}  // namespace osgrid::os
