// The Banker's safety algorithm in O(n m log n): the same answer as the
// book's O(n^2 m) loop (Silberschatz 10e, 8.6.3.1), for large states.
// Source: Silberschatz 10e, 8.6.3.1 (the answer it must match); the sweep over
// sorted needs is osgrid's own, explained below.
//
// Idea: Work only grows. For each resource type j, keep the processes sorted
// by Need[i][j]; a pointer walks that list as Work[j] grows, and every process
// it passes has one more resource type "covered". A process whose m types are
// all covered has Need_i <= Work and waits in a min-heap of ready processes.
// Taking the heap's smallest index is exactly "the lowest-numbered process
// that can finish", because the ready set is the same set the book's scan
// would search. See banker.h.
#include <algorithm>
#include <functional>
#include <queue>

#include "osgrid/os/deadlock/banker.h"

namespace osgrid::os {

Expected<SafetyResult> RunSafetyAlgorithmFast(const BankerState& state) {
  if (auto error = ValidateBankerState(state)) return *error;
  const std::size_t n = state.max.size();
  const std::size_t m = state.available.size();
  const ResourceMatrix need = NeedMatrix(state);

  // by_need[j]: the processes in increasing Need[.][j] (ties by index).
  std::vector<std::vector<std::size_t>> by_need(m);
  for (std::size_t j = 0; j < m; ++j) {
    by_need[j].resize(n);
    for (std::size_t i = 0; i < n; ++i) by_need[j][i] = i;
    std::stable_sort(by_need[j].begin(), by_need[j].end(),
                     [&](std::size_t a, std::size_t b) { return need[a][j] < need[b][j]; });
  }
  std::vector<std::size_t> next(m, 0);     // by_need[j][next[j]..] still have Need > Work[j]
  std::vector<std::size_t> covered(n, 0);  // resource types with Need[i][j] <= Work[j]
  std::priority_queue<std::size_t, std::vector<std::size_t>, std::greater<>> ready;

  SafetyResult result;
  result.initial_work = state.available;
  ResourceVector work = state.available;
  auto advance = [&](std::size_t j) {  // cover every process whose need for j now fits in Work[j]
    while (next[j] < n && need[by_need[j][next[j]]][j] <= work[j]) {
      const std::size_t i = by_need[j][next[j]++];
      if (++covered[i] == m) ready.push(i);
    }
  };
  for (std::size_t j = 0; j < m; ++j) advance(j);

  std::vector<bool> finish(n, false);
  while (!ready.empty()) {
    const std::size_t i = ready.top();
    ready.pop();
    AddTo(work, state.allocation[i]);
    finish[i] = true;
    result.sequence.push_back(i);
    result.trace.push_back({i, need[i], work});
    for (std::size_t j = 0; j < m; ++j) {
      if (state.allocation[i][j] != 0) advance(j);
    }
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (!finish[i]) result.unfinished.push_back(i);
  }
  result.safe = result.unfinished.empty();
  return result;
}

}  // namespace osgrid::os
