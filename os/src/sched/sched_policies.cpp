// Every scheduling policy by name: one table, one row per policy; see
// sched_policies.h.
// Source: the policies' own files cite theirs (OSTEP ch. 7-9, Silberschatz
// 10e, 5.3); each row names its source too. The names and aliases follow
// OSTEP (FIFO, STCF, MLFQ) and Silberschatz (FCFS, SRTF).
#include "osgrid/os/sched/sched_policies.h"

#include <cctype>

#include "osgrid/os/sched/lottery_queue.h"
#include "osgrid/os/sched/mlfq_queue.h"
#include "osgrid/os/sched/priority_queue.h"
#include "osgrid/os/sched/round_robin_queue.h"
#include "osgrid/os/sched/sjf_queue.h"
#include "osgrid/os/sched/srtf_queue.h"
#include "osgrid/os/sched/stride_queue.h"

namespace osgrid::os {
namespace {

/// The table. Adding a policy: its class and factory in one file, one row
/// here. Traits left out are false.
std::vector<SchedPolicyInfo> BuildTable() {
  std::vector<SchedPolicyInfo> rows;
  rows.push_back({.name = "FCFS",
                  .aliases = {"FIFO"},
                  .summary = "first-come, first-served",
                  .source = "OSTEP 7.3; Silberschatz 10e 5.3.1",
                  .make = MakeFcfs});
  rows.push_back({.name = "SJF",
                  .summary = "shortest job (next CPU burst) first",
                  .source = "OSTEP 7.4; Silberschatz 10e 5.3.2",
                  .uses_burst = true,
                  .make = MakeSjf});
  rows.push_back({.name = "SRTF",
                  .aliases = {"STCF", "PSJF"},
                  .summary = "shortest remaining time first (preemptive SJF)",
                  .source = "OSTEP 7.5; Silberschatz 10e 5.3.2",
                  .preemptive = true,
                  .uses_burst = true,
                  .make = MakeSrtf});
  rows.push_back({.name = "PRIORITY",
                  .summary = "lowest priority number first",
                  .source = "Silberschatz 10e 5.3.4",
                  .uses_priority = true,
                  .make = MakePriority});
  rows.push_back({.name = "PRIORITY-P",
                  .summary = "lowest priority number first, preemptive",
                  .source = "Silberschatz 10e 5.3.4",
                  .preemptive = true,
                  .uses_priority = true,
                  .make = MakePreemptivePriority});
  rows.push_back({.name = "RR",
                  .summary = "round robin: one time slice (quantum) at a time",
                  .source = "OSTEP 7.7; Silberschatz 10e 5.3.3",
                  .sliced = true,
                  .make = MakeRoundRobin});
  rows.push_back({.name = "MLFQ",
                  .summary = "multi-level feedback queue: a slice per level, demotion, boost",
                  .source = "OSTEP ch. 8; Silberschatz 10e 5.3.6",
                  .preemptive = true,
                  .sliced = true,
                  .make = MakeMlfq});
  rows.push_back({.name = "LOTTERY",
                  .summary = "a random ticket drawn every quantum",
                  .source = "OSTEP 9.1-9.3",
                  .sliced = true,
                  .uses_tickets = true,
                  .make = MakeLottery});
  rows.push_back({.name = "STRIDE",
                  .summary = "lowest pass value every quantum",
                  .source = "OSTEP 9.6",
                  .sliced = true,
                  .uses_tickets = true,
                  .make = MakeStride});
  return rows;
}

std::string Upper(std::string_view text) {
  std::string upper(text);
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return upper;
}

/// "FCFS, SJF, ...; FIFO = FCFS, STCF = SRTF, PSJF = SRTF": for the unknown-name message.
std::string KnownNames() {
  std::string names, aliases;
  for (const SchedPolicyInfo& row : SchedPolicies()) {
    names += (names.empty() ? "" : ", ") + std::string(row.name);
    for (std::string_view alias : row.aliases) {
      aliases += (aliases.empty() ? "" : ", ") + std::string(alias) + " = " + std::string(row.name);
    }
  }
  return names + "; " + aliases;
}

/// The knobs every policy shares. Errors: a sliced policy with quantum <= 0,
/// aging < 0, stride_constant <= 0.
Expected<bool> CheckCommonKnobs(const SchedPolicyInfo& row, const SchedPolicyParams& params) {
  if (row.sliced && params.quantum <= 0) {
    return Fail(std::string(row.name) + ": quantum must be > 0, got " + std::to_string(params.quantum));
  }
  if (params.aging < 0) return Fail("aging must be >= 0, got " + std::to_string(params.aging));
  if (params.stride_constant <= 0) {
    return Fail("stride constant L must be > 0, got " + std::to_string(params.stride_constant));
  }
  return true;
}

}  // namespace

const std::vector<SchedPolicyInfo>& SchedPolicies() {
  static const std::vector<SchedPolicyInfo> table = BuildTable();
  return table;
}

const SchedPolicyInfo* FindSchedPolicy(std::string_view name) {
  const std::string upper = Upper(name);
  for (const SchedPolicyInfo& row : SchedPolicies()) {
    if (upper == row.name) return &row;
    for (std::string_view alias : row.aliases) {
      if (upper == alias) return &row;
    }
  }
  return nullptr;
}

std::vector<std::string> SchedPolicyNames() {
  std::vector<std::string> names;
  for (const SchedPolicyInfo& row : SchedPolicies()) names.emplace_back(row.name);
  return names;
}

std::string CanonicalSchedPolicy(std::string_view name) {
  const SchedPolicyInfo* row = FindSchedPolicy(name);
  return row == nullptr ? std::string() : std::string(row->name);
}

Expected<std::unique_ptr<ReadyQueuePolicy>> MakeSchedPolicy(std::string_view name, const SchedPolicyParams& params) {
  const SchedPolicyInfo* row = FindSchedPolicy(name);
  if (row == nullptr) return Fail("unknown policy '" + std::string(name) + "' (known: " + KnownNames() + ")");
  if (Expected<bool> valid = CheckCommonKnobs(*row, params); !valid) return valid.error();
  return row->make(params);
}

}  // namespace osgrid::os
