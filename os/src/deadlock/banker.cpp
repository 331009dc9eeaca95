// The Banker's algorithm. See banker.h.
// Source: Silberschatz 10e, 8.6.3.1 "Safety Algorithm" and 8.6.3.2
// "Resource-Request Algorithm"; Dijkstra, EWD 108 (1965).
#include "osgrid/os/deadlock/banker.h"

namespace osgrid::os {
namespace {

std::string Describe(const BankerState& state, std::size_t resource) {
  return ResourceName(resource, state.resource_names);
}

std::optional<InputError> CheckShapes(const BankerState& state) {
  const std::size_t n = state.max.size();
  const std::size_t m = state.available.size();
  if (m == 0) return Fail("Available is empty: give at least one resource type");
  if (n == 0) return Fail("Max is empty: give at least one process");
  if (auto error = CheckVector(state.available, m, "Available", state.resource_names)) return error;
  if (auto error = CheckMatrix(state.max, n, m, "Max", "Max", state.resource_names)) return error;
  return CheckMatrix(state.allocation, n, m, "Allocation", "Max", state.resource_names);
}

}  // namespace

std::optional<InputError> ValidateBankerState(const BankerState& state) {
  if (auto error = CheckShapes(state)) return error;
  const ResourceVector total = TotalResources(state);
  for (std::size_t i = 0; i < state.max.size(); ++i) {
    for (std::size_t j = 0; j < total.size(); ++j) {
      if (state.allocation[i][j] > state.max[i][j]) {
        return Fail(ProcessName(i) + " holds " + std::to_string(state.allocation[i][j]) + " of " + Describe(state, j) +
                    " but its maximum is " + std::to_string(state.max[i][j]));
      }
      if (state.max[i][j] > total[j]) {
        return Fail(ProcessName(i) + " declares a maximum of " + std::to_string(state.max[i][j]) + " of " +
                    Describe(state, j) + " but only " + std::to_string(total[j]) + " exist");
      }
    }
  }
  return std::nullopt;
}

ResourceMatrix NeedMatrix(const BankerState& state) {
  ResourceMatrix need = state.max;
  for (std::size_t i = 0; i < need.size(); ++i) SubtractFrom(need[i], state.allocation[i]);
  return need;
}

ResourceVector TotalResources(const BankerState& state) {
  ResourceVector total = state.available;
  AddTo(total, ColumnSums(state.allocation, state.available.size()));
  return total;
}

Expected<SafetyResult> RunSafetyAlgorithm(const BankerState& state) {
  if (auto error = ValidateBankerState(state)) return *error;
  const std::size_t n = state.max.size();
  const ResourceMatrix need = NeedMatrix(state);

  // Step 1: Work = Available; Finish[i] = false for every i.
  SafetyResult result;
  result.initial_work = state.available;
  ResourceVector work = state.available;
  std::vector<bool> finish(n, false);

  // Steps 2-3: find the lowest i with Finish[i] == false and Need_i <= Work;
  // it can run to completion and return its Allocation. Repeat until none.
  for (bool progress = true; progress;) {
    progress = false;
    for (std::size_t i = 0; i < n; ++i) {
      if (finish[i] || !LessOrEqual(need[i], work)) continue;
      AddTo(work, state.allocation[i]);
      finish[i] = true;
      result.sequence.push_back(i);
      result.trace.push_back({i, need[i], work});
      progress = true;
      break;  // scan again from P0: the lowest-numbered process goes first
    }
  }

  // Step 4: the state is safe iff Finish[i] == true for every i.
  for (std::size_t i = 0; i < n; ++i) {
    if (!finish[i]) result.unfinished.push_back(i);
  }
  result.safe = result.unfinished.empty();
  return result;
}

bool IsSafeSequence(const BankerState& state, const std::vector<std::size_t>& order) {
  const std::size_t n = state.max.size();
  if (order.size() != n) return false;
  const ResourceMatrix need = NeedMatrix(state);
  ResourceVector work = state.available;
  std::vector<bool> finished(n, false);
  for (std::size_t i : order) {
    if (i >= n || finished[i] || !LessOrEqual(need[i], work)) return false;
    AddTo(work, state.allocation[i]);
    finished[i] = true;
  }
  return true;
}

Expected<RequestResult> RequestResources(const BankerState& state, std::size_t process, const ResourceVector& request) {
  if (auto error = ValidateBankerState(state)) return *error;
  const std::size_t n = state.max.size();
  if (process >= n) {
    return Fail("unknown process " + ProcessName(process) + ": there are " + std::to_string(n) + " processes (P0.." +
                ProcessName(n - 1) + ")");
  }
  const std::string who = ProcessName(process);
  if (auto error = CheckVector(request, state.available.size(), who + "'s request", state.resource_names)) {
    return *error;
  }
  const ResourceVector need = NeedMatrix(state)[process];

  RequestResult result;
  result.state = state;
  // Step 1: Request_i <= Need_i, else an error: the process exceeded its maximum claim.
  for (std::size_t j = 0; j < request.size(); ++j) {
    if (request[j] > need[j]) {
      return Fail(who + " requests " + std::to_string(request[j]) + " of " + Describe(state, j) +
                  " but its remaining need is " + std::to_string(need[j]));
    }
  }
  // Step 2: Request_i <= Available, else Pi must wait.
  for (std::size_t j = 0; j < request.size(); ++j) {
    if (request[j] > state.available[j]) {
      result.decision = RequestDecision::kWait;
      result.reason = "not enough available: " + who + " requests " + std::to_string(request[j]) + " of " +
                      Describe(state, j) + " but only " + std::to_string(state.available[j]) + " are available";
      return result;
    }
  }
  // Step 3: pretend to allocate, then ask the safety algorithm.
  BankerState tentative = state;
  SubtractFrom(tentative.available, request);
  AddTo(tentative.allocation[process], request);
  Expected<SafetyResult> safety = RunSafetyAlgorithm(tentative);
  if (!safety) return safety.error();  // cannot happen for a validated state and request
  result.safety = std::move(safety).value();
  if (!result.safety.safe) {
    result.decision = RequestDecision::kDenied;
    result.reason = "unsafe: no safe sequence after granting";
    return result;  // the old resource-allocation state is restored (unchanged)
  }
  result.decision = RequestDecision::kGranted;
  result.granted = true;
  result.reason = "granted: the new state is safe";
  result.state = std::move(tentative);
  return result;
}

}  // namespace osgrid::os
