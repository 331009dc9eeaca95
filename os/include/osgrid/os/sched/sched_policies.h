// Every CPU-scheduling policy by name, for the simulator, the CLI and the peer:
// one table, one row per policy.
//
// Source: OSTEP ch. 7 (FIFO, SJF, STCF, RR), ch. 8 (MLFQ) and ch. 9 (lottery,
//         stride); Silberschatz 10e, 5.3 (FCFS, SJF/SRTF, RR, priority,
//         multilevel feedback queue).
//
// Adding a policy: write its class in one file (a ReadyQueuePolicy, see
// ready_queue.h) and add one row to the table in sched_policies.cpp.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "osgrid/os/expected.h"
#include "osgrid/os/sched/ready_queue.h"

namespace osgrid::os {

/// The knobs some policies have; the others ignore them. Times are in the
/// caller's unit (ms on the peer, time units in the simulator).
struct SchedPolicyParams {
  std::int64_t quantum = 1;               // time slice of RR, LOTTERY and STRIDE (> 0)
  std::int64_t aging = 0;                 // PRIORITY(-P): waiting time per priority step; 0 = no aging
  std::uint64_t seed = 0;                 // LOTTERY's random draws
  std::int64_t stride_constant = 10'000;  // STRIDE's L (stride = L / tickets)
  /// MLFQ: each queue's time slice, TOP QUEUE FIRST (as mlfq.py's -Q); its
  /// size is the number of queues. Empty: 3 queues, each with `quantum`.
  std::vector<std::int64_t> mlfq_quanta;
  /// MLFQ: each queue's allotment in quanta, top queue first (as -A); empty:
  /// 1 at every queue. Same size as mlfq_quanta when both are given.
  std::vector<std::int64_t> mlfq_allotments;
  std::int64_t mlfq_boost = 0;  // MLFQ: priority boost period S (Rule 5); 0 = never
};

/// One policy: what it is called, where it comes from, what it uses, and how
/// to build one.
struct SchedPolicyInfo {
  std::string_view name;                  // canonical, upper case: "FCFS", "PRIORITY-P", "MLFQ"
  std::vector<std::string_view> aliases;  // other names, upper case: "FIFO"; "STCF", "PSJF"
  std::string_view summary;               // one line for --help: "first-come, first-served"
  std::string_view source;                // "OSTEP 7.3; Silberschatz 10e 5.3.1"
  bool preemptive = false;                // may take the CPU from a running task because of the ready queue
  bool sliced = false;                    // runs tasks in time slices (needs a quantum > 0)
  bool uses_priority = false;             // orders by ReadyTask::priority
  bool uses_tickets = false;              // draws or strides by ReadyTask::tickets
  bool uses_burst = false;                // orders by ReadyTask::expected_burst_ms
  /// A fresh, empty policy; `params` already checked by MakeSchedPolicy for
  /// the common knobs, the factory checks its own (MLFQ's lists).
  Expected<std::unique_ptr<ReadyQueuePolicy>> (*make)(const SchedPolicyParams& params) = nullptr;
};

/// The table, in the order the docs and --help list it: FCFS, SJF, SRTF,
/// PRIORITY, PRIORITY-P, RR, MLFQ, LOTTERY, STRIDE.
const std::vector<SchedPolicyInfo>& SchedPolicies();

/// The row for `name` or one of its aliases, case-insensitive; nullptr when
/// unknown.
const SchedPolicyInfo* FindSchedPolicy(std::string_view name);

/// The canonical names, in table order.
std::vector<std::string> SchedPolicyNames();

/// `name` in canonical form, case-insensitive, aliases resolved; empty when unknown.
std::string CanonicalSchedPolicy(std::string_view name);

/// A fresh, empty policy: looks up the row, checks the common knobs, then
/// calls the row's factory. Errors: unknown name (the message lists the
/// known ones and the aliases); quantum <= 0 for a sliced policy (MLFQ
/// included, even with its own lists); aging < 0; stride_constant <= 0; the
/// MLFQ lists or boost that MlfqQueue::Create refuses (mlfq_queue.h: 1..100
/// queues, as many allotments as quanta, each quantum in 1..10^12, each
/// allotment in 1..10^6, boost >= 0).
Expected<std::unique_ptr<ReadyQueuePolicy>> MakeSchedPolicy(std::string_view name, const SchedPolicyParams& params);

}  // namespace osgrid::os
