// Deadlock detection for several instances per resource type. See detection.h.
// Source: Silberschatz 10e, 8.7.2 "Several Instances of a Resource Type".
#include "osgrid/os/deadlock/detection.h"

#include <algorithm>

#include "osgrid/os/deadlock/wait_for_graph.h"

namespace osgrid::os {
namespace {

/// The resource type Pi waits for and Pk holds (the lowest), if any: Pi
/// requests more than `work` has and Pk holds some.
std::optional<std::size_t> WaitsFor(const DetectionState& state, const ResourceVector& work, std::size_t i,
                                    std::size_t k) {
  for (std::size_t j = 0; j < work.size(); ++j) {
    if (state.request[i][j] > work[j] && state.allocation[k][j] > 0) return j;
  }
  return std::nullopt;
}

/// deadlock.found for `cycle`, by name.
events::DeadlockFound DeadlockEvent(const DetectionState& state, const DeadlockCycle& cycle) {
  events::DeadlockFound found;
  for (std::size_t i : cycle.processes) {
    found.cycle.push_back(state.process_names.empty() ? ProcessName(i) : state.process_names[i]);
  }
  for (std::size_t j : cycle.resources) found.resources.push_back(ResourceName(j, state.resource_names));
  return found;
}

}  // namespace

std::optional<InputError> ValidateDetectionState(const DetectionState& state) {
  const std::size_t n = state.allocation.size();
  const std::size_t m = state.available.size();
  const auto& names = state.resource_names;
  if (m == 0) return Fail("Available is empty: give at least one resource type");
  if (n == 0) return Fail("Allocation is empty: give at least one process");
  if (auto error = CheckVector(state.available, m, "Available", names)) return error;
  if (auto error = CheckMatrix(state.allocation, n, m, "Allocation", "Allocation", names)) return error;
  if (auto error = CheckMatrix(state.request, n, m, "Request", "Allocation", names)) return error;
  if (!state.process_names.empty() && state.process_names.size() != n) {
    return Fail("there are " + std::to_string(n) + " processes but " + std::to_string(state.process_names.size()) +
                " process names");
  }
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

Expected<DetectionResult> DetectDeadlock(const DetectionState& state, const events::EventSink& event_sink) {
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

  events::SimPublisher publisher(event_sink);
  if (publisher.on() && result.deadlock()) publisher.Publish(0, DeadlockEvent(state, FindDeadlockCycle(state, result)));
  return result;
}

DeadlockCycle FindDeadlockCycle(const DetectionState& state, const DetectionResult& result) {
  const std::vector<std::size_t>& stuck = result.deadlocked;  // increasing
  const ResourceVector& work = result.trace.empty() ? result.initial_work : result.trace.back().work;
  Digraph waits(stuck.size());  // vertex a = process stuck[a]
  for (std::size_t a = 0; a < stuck.size(); ++a) {
    for (std::size_t b = 0; b < stuck.size(); ++b) {
      if (a != b && WaitsFor(state, work, stuck[a], stuck[b])) {
        waits.AddEdge(static_cast<std::uint32_t>(a), static_cast<std::uint32_t>(b));
      }
    }
  }
  std::vector<std::uint32_t> cycle = FindCycle(waits);
  std::rotate(cycle.begin(), std::min_element(cycle.begin(), cycle.end()), cycle.end());
  DeadlockCycle found;
  for (std::size_t c = 0; c < cycle.size(); ++c) {
    const std::size_t i = stuck[cycle[c]], k = stuck[cycle[(c + 1) % cycle.size()]];
    found.processes.push_back(i);
    found.resources.push_back(*WaitsFor(state, work, i, k));
  }
  return found;
}

}  // namespace osgrid::os
