// Every CPU-scheduling policy by name, for the simulator, the CLI and the peer.
//
// Source: OSTEP ch. 7 (FIFO, SJF, STCF, RR) and ch. 9 (lottery, stride);
//         Silberschatz 10e, 5.3 (FCFS, SJF/SRTF, RR, priority).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "osgrid/os/expected.h"
#include "osgrid/os/sched/ready_queue.h"

namespace osgrid::os {

/// The knobs some policies have; the others ignore them.
struct SchedPolicyParams {
  std::int64_t quantum = 1;               // time slice of RR, LOTTERY and STRIDE (time units, > 0)
  std::int64_t aging = 0;                 // PRIORITY(-P): waiting time per priority step; 0 = no aging
  std::uint64_t seed = 0;                 // LOTTERY's random draws
  std::int64_t stride_constant = 10'000;  // STRIDE's L (stride = L / tickets)
};

/// The canonical names: FCFS, SJF, SRTF, PRIORITY, PRIORITY-P, RR, LOTTERY, STRIDE.
std::vector<std::string> SchedPolicyNames();

/// `name` in canonical form, case-insensitive, with the aliases FIFO (FCFS)
/// and STCF or PSJF (SRTF); empty when unknown.
std::string CanonicalSchedPolicy(std::string_view name);

/// A fresh, empty policy. Errors: unknown name (the message lists the known
/// ones); quantum <= 0 for RR, LOTTERY or STRIDE; aging < 0; stride_constant <= 0.
Expected<std::unique_ptr<ReadyQueuePolicy>> MakeSchedPolicy(std::string_view name, const SchedPolicyParams& params);

}  // namespace osgrid::os
