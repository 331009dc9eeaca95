// Building a scheduling policy by name; see sched_policies.h.
// Source: the policies' own files cite theirs (OSTEP ch. 7-9, Silberschatz
// 10e, 5.3); the names and aliases follow OSTEP (FIFO, STCF) and Silberschatz (FCFS, SRTF).
#include "osgrid/os/sched/sched_policies.h"

#include <cctype>

#include "osgrid/os/sched/lottery_queue.h"
#include "osgrid/os/sched/priority_queue.h"
#include "osgrid/os/sched/round_robin_queue.h"
#include "osgrid/os/sched/sjf_queue.h"
#include "osgrid/os/sched/srtf_queue.h"
#include "osgrid/os/sched/stride_queue.h"

namespace osgrid::os {

std::vector<std::string> SchedPolicyNames() {
  return {"FCFS", "SJF", "SRTF", "PRIORITY", "PRIORITY-P", "RR", "LOTTERY", "STRIDE"};
}

std::string CanonicalSchedPolicy(std::string_view name) {
  std::string upper(name);
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (upper == "FIFO") return "FCFS";
  if (upper == "STCF" || upper == "PSJF") return "SRTF";
  for (const std::string& known : SchedPolicyNames()) {
    if (upper == known) return upper;
  }
  return "";
}

Expected<std::unique_ptr<ReadyQueuePolicy>> MakeSchedPolicy(std::string_view name, const SchedPolicyParams& params) {
  const std::string policy = CanonicalSchedPolicy(name);
  if (policy.empty()) {
    std::string known;
    for (const std::string& n : SchedPolicyNames()) known += (known.empty() ? "" : ", ") + n;
    return Fail("unknown policy '" + std::string(name) + "' (known: " + known + "; FIFO = FCFS, STCF = SRTF)");
  }
  const bool sliced = policy == "RR" || policy == "LOTTERY" || policy == "STRIDE";
  if (sliced && params.quantum <= 0) {
    return Fail(policy + ": quantum must be > 0, got " + std::to_string(params.quantum));
  }
  if (params.aging < 0) return Fail("aging must be >= 0, got " + std::to_string(params.aging));
  if (params.stride_constant <= 0) {
    return Fail("stride constant L must be > 0, got " + std::to_string(params.stride_constant));
  }
  std::unique_ptr<ReadyQueuePolicy> made;
  if (policy == "FCFS") made = std::make_unique<FcfsQueue>();
  if (policy == "SJF") made = std::make_unique<SjfQueue>();
  if (policy == "SRTF") made = std::make_unique<SrtfQueue>();
  if (policy == "PRIORITY") made = std::make_unique<PriorityQueue>(false, params.aging);
  if (policy == "PRIORITY-P") made = std::make_unique<PriorityQueue>(true, params.aging);
  if (policy == "RR") made = std::make_unique<RoundRobinQueue>(params.quantum);
  if (policy == "LOTTERY") made = std::make_unique<LotteryQueue>(params.quantum, params.seed);
  if (policy == "STRIDE") made = std::make_unique<StrideQueue>(params.quantum, params.stride_constant);
  return made;
}

}  // namespace osgrid::os
