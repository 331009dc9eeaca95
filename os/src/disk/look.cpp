// LOOK disk scheduling: SCAN that only goes as far as the last request in
// each direction ("looks" for a request before continuing) and reverses
// there instead of at the end of the disk.
// Source: Silberschatz 9e, 10.4.5 "LOOK Scheduling"; from cylinder 53 moving toward 0 the queue 98, 183, 37, 122, 14,
//         124, 65, 67 is served 37, 14, 65, 67, 98, 122, 124, 183: 208
//         cylinders.
// Requests for the same cylinder: queue order.
#include "sweep.h"

namespace osgrid::os {

std::vector<HeadStop> LookStops(const DiskProblem& problem) {
  using namespace sweep;
  const HeadDirection out = problem.direction;
  std::vector<HeadStop> stops;
  Serve(problem, InSweepOrder(problem, Requests(problem, out, true), out), stops);
  Serve(problem, InSweepOrder(problem, Requests(problem, out, false), Opposite(out)), stops);  // reverse
  return stops;
}

}  // namespace osgrid::os
