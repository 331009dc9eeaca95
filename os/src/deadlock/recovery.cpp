// Recovery by aborting victims until detection finds no deadlock. See recovery.h.
// Source: Silberschatz 10e, 8.8 "Recovery from Deadlock" (8.8.1 process termination).
#include "osgrid/os/deadlock/recovery.h"

#include <numeric>

namespace osgrid::os {
namespace {

std::int64_t InstancesHeld(const DetectionState& state, std::size_t process) {
  const ResourceVector& row = state.allocation[process];
  return std::accumulate(row.begin(), row.end(), std::int64_t{0});
}

/// Pi terminates: what it holds goes back to Available and it waits for nothing.
void Abort(DetectionState& state, std::size_t victim) {
  AddTo(state.available, state.allocation[victim]);
  for (auto& value : state.allocation[victim]) value = 0;
  for (auto& value : state.request[victim]) value = 0;
}

}  // namespace

std::vector<std::size_t> RecoveryResult::victims() const {
  std::vector<std::size_t> order;
  for (const RecoveryStep& step : steps) order.push_back(step.victim);
  return order;
}

std::size_t ChooseVictim(const DetectionState& state, const std::vector<std::size_t>& deadlocked) {
  std::size_t victim = deadlocked.front();
  for (std::size_t candidate : deadlocked) {
    const std::int64_t held = InstancesHeld(state, candidate);
    const std::int64_t best = InstancesHeld(state, victim);
    if (held < best || (held == best && candidate > victim)) victim = candidate;
  }
  return victim;
}

Expected<RecoveryResult> RecoverByAbort(const DetectionState& state) {
  if (auto error = ValidateDetectionState(state)) return *error;
  RecoveryResult result;
  result.final_state = state;
  while (true) {
    Expected<DetectionResult> detection = DetectDeadlock(result.final_state);
    if (!detection) return detection.error();  // cannot happen: aborting keeps a state valid
    if (!detection->deadlock()) {
      result.final_detection = std::move(detection).value();
      return result;
    }
    RecoveryStep step;
    step.deadlocked_before = detection->deadlocked;
    step.victim = ChooseVictim(result.final_state, step.deadlocked_before);
    step.released = result.final_state.allocation[step.victim];
    Abort(result.final_state, step.victim);
    result.steps.push_back(std::move(step));
  }
}

}  // namespace osgrid::os
