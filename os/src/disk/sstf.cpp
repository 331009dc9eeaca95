// SSTF disk scheduling: serve the pending request closest to the head
// (shortest seek time first). Like SJF it can starve far-away requests.
// Source: Silberschatz 9e, 10.4.2 "SSTF Scheduling" (the queue 98, 183, 37,
//         122, 14, 124, 65, 67 from cylinder 53: 236 cylinders), mentioned in
//         10e 11.2; OSTEP ch. 37.5 "SSTF: Shortest Seek Time First".
// Tie-breaking: two pending requests at the same distance on either side of
// the head: the one in the head's current direction of travel (the initial
// direction at the start, then that of the last move). Requests for the same
// cylinder: queue order.
#include <cstdlib>

#include "osgrid/os/disk/disk_scheduling.h"

namespace osgrid::os {
namespace {

/// Whether request cylinder `a` should be served before `b` from `head`.
bool Closer(std::int64_t a, std::int64_t b, std::int64_t head, HeadDirection direction) {
  const std::int64_t da = std::abs(a - head), db = std::abs(b - head);
  if (da != db) return da < db;
  if (a == b) return false;  // same cylinder: keep queue order
  return direction == HeadDirection::kUp ? a > b : a < b;
}

}  // namespace

std::vector<HeadStop> SstfStops(const DiskProblem& problem) {
  std::vector<bool> served(problem.requests.size(), false);
  std::vector<HeadStop> stops;
  std::int64_t head = problem.head;
  HeadDirection direction = problem.direction;
  for (std::size_t step = 0; step < problem.requests.size(); ++step) {
    std::optional<std::size_t> next;
    for (std::size_t i = 0; i < problem.requests.size(); ++i) {
      if (served[i]) continue;
      if (!next || Closer(problem.requests[i], problem.requests[*next], head, direction)) next = i;
    }
    const std::int64_t cylinder = problem.requests[*next];
    if (cylinder != head) direction = cylinder > head ? HeadDirection::kUp : HeadDirection::kDown;
    served[*next] = true;
    stops.push_back(HeadStop{cylinder, *next, false});
    head = cylinder;
  }
  return stops;
}

}  // namespace osgrid::os
