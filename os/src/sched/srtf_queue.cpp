// Shortest-remaining-time-first (preemptive SJF, OSTEP's STCF).
// Source: OSTEP ch. 7.5; Silberschatz 10e, 5.3.2.
// Tie-breaking: remaining -> arrival -> id; an equal remaining time never preempts.
#include "osgrid/os/sched/srtf_queue.h"

namespace osgrid::os {

bool SrtfQueue::ShouldPreempt(const ReadyTask& running) const {
  const ReadyTask* shortest = Shortest();
  return shortest != nullptr && shortest->expected_burst_ms < running.expected_burst_ms;
}

Expected<std::unique_ptr<ReadyQueuePolicy>> MakeSrtf(const SchedPolicyParams& /*params*/) {
  return std::unique_ptr<ReadyQueuePolicy>(std::make_unique<SrtfQueue>());
}

}  // namespace osgrid::os
