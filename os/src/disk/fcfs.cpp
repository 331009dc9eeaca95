// FCFS disk scheduling: serve the requests in the order they arrived.
// Source: Silberschatz 10e, 11.2.1 "FCFS Scheduling" (figure 11.6: the queue
//         98, 183, 37, 122, 14, 124, 65, 67 from cylinder 53 costs 640
//         cylinders of head movement).
// Tie-breaking: none needed (queue order).
#include "osgrid/os/disk/disk_scheduling.h"

namespace osgrid::os {

std::vector<HeadStop> FcfsStops(const DiskProblem& problem) {
  std::vector<HeadStop> stops;
  for (std::size_t i = 0; i < problem.requests.size(); ++i) stops.push_back(HeadStop{problem.requests[i], i, false});
  return stops;
}

}  // namespace osgrid::os
