// Private to os/src/disk: the pieces the sweeping policies (SCAN, C-SCAN,
// LOOK, C-LOOK) share: which requests lie ahead of the head, and the order in
// which a sweep meets them.
// Source: Silberschatz 10e, 11.2.2-11.2.3.
#pragma once

#include <algorithm>
#include <vector>

#include "osgrid/os/disk/disk_scheduling.h"

namespace osgrid::os::sweep {

inline HeadDirection Opposite(HeadDirection d) {
  return d == HeadDirection::kUp ? HeadDirection::kDown : HeadDirection::kUp;
}

/// The last cylinder a sweep in `direction` can reach: cylinders-1 or 0.
inline std::int64_t EndOfDisk(const DiskProblem& problem, HeadDirection direction) {
  return direction == HeadDirection::kUp ? problem.cylinders - 1 : 0;
}

/// Whether a request at `cylinder` lies ahead of the head moving in
/// `direction`. The head's own cylinder counts as ahead.
inline bool IsAhead(const DiskProblem& problem, std::int64_t cylinder, HeadDirection direction) {
  return direction == HeadDirection::kUp ? cylinder >= problem.head : cylinder <= problem.head;
}

/// Queue indices of the requests ahead (ahead == true) or behind the head.
inline std::vector<std::size_t> Requests(const DiskProblem& problem, HeadDirection direction, bool ahead) {
  std::vector<std::size_t> picked;
  for (std::size_t i = 0; i < problem.requests.size(); ++i) {
    if (IsAhead(problem, problem.requests[i], direction) == ahead) picked.push_back(i);
  }
  return picked;
}

/// `indices` in the order a sweep in `direction` meets their cylinders
/// (ascending going up, descending going down); same cylinder: queue order.
inline std::vector<std::size_t> InSweepOrder(const DiskProblem& problem, std::vector<std::size_t> indices,
                                             HeadDirection direction) {
  std::stable_sort(indices.begin(), indices.end(), [&](std::size_t a, std::size_t b) {
    const std::int64_t ca = problem.requests[a], cb = problem.requests[b];
    return direction == HeadDirection::kUp ? ca < cb : ca > cb;
  });
  return indices;
}

/// Appends a stop that serves each request of `indices`, in that order.
inline void Serve(const DiskProblem& problem, const std::vector<std::size_t>& indices, std::vector<HeadStop>& stops) {
  for (std::size_t i : indices) stops.push_back(HeadStop{problem.requests[i], i, false});
}

/// Where the head is after `stops` (its start when there are none).
inline std::int64_t Position(const DiskProblem& problem, const std::vector<HeadStop>& stops) {
  return stops.empty() ? problem.head : stops.back().cylinder;
}

}  // namespace osgrid::os::sweep
