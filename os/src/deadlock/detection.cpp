// Deadlock detection for several instances per resource type. See detection.h.
// Source: Silberschatz 10e, 8.7.2 "Several Instances of a Resource Type".
#include "osgrid/os/deadlock/detection.h"

namespace osgrid::os {

std::optional<InputError> ValidateDetectionState(const DetectionState& state) {
  const std::size_t n = state.allocation.size();
  const std::size_t m = state.available.size();
  const auto& names = state.resource_names;
  if (m == 0) return Fail("Available is empty: give at least one resource type");
  if (n == 0) return Fail("Allocation is empty: give at least one process");
  if (auto error = CheckVector(state.available, m, "Available", names)) return error;
  if (auto error = CheckMatrix(state.allocation, n, m, "Allocation", "Allocation", names)) return error;
  if (auto error = CheckMatrix(state.request, n, m, "Request", "Allocation", names)) return error;
  ResourceVector total = state.available;
  AddTo(total, ColumnSums(state.allocation, m));
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < m; ++j) {
      if (state.allocation[i][j] + state.request[i][j] > total[j]) {
        return Fail(ProcessName(i) + " requests " + std::to_string(state.request[i][j]) + " of " +
                    ResourceName(j, names) + " but only " + std::to_string(total[j]) + " exist and it holds " +
                    std::to_string(state.allocation[i][j]) + " of them");
      }
    }
  }
  return std::nullopt;
}

Expected<DetectionResult> DetectDeadlock(const DetectionState& state) {
  if (auto error = ValidateDetectionState(state)) return *error;
  const std::size_t n = state.allocation.size();

  // Step 1: Work = Available; Finish[i] = false if Pi holds something, else true.
  DetectionResult result;
  result.initial_work = state.available;
  ResourceVector work = state.available;
  std::vector<bool> finish(n, false);
  for (std::size_t i = 0; i < n; ++i) {
    if (IsZero(state.allocation[i])) {
      finish[i] = true;
      result.holding_nothing.push_back(i);
    }
  }

  // Steps 2-3: the lowest i with Finish[i] == false and Request_i <= Work can
  // get what it waits for, finish, and return its Allocation.
  for (bool progress = true; progress;) {
    progress = false;
    for (std::size_t i = 0; i < n; ++i) {
      if (finish[i] || !LessOrEqual(state.request[i], work)) continue;
      AddTo(work, state.allocation[i]);
      finish[i] = true;
      result.sequence.push_back(i);
      result.trace.push_back({i, state.request[i], work});
      progress = true;
      break;  // scan again from P0
    }
  }

  // Step 4: every Pi with Finish[i] == false is deadlocked.
  for (std::size_t i = 0; i < n; ++i) {
    if (!finish[i]) result.deadlocked.push_back(i);
  }
  return result;
}

}  // namespace osgrid::os
