// C-SCAN disk scheduling, circular SCAN: the head sweeps toward one end
// serving requests; at the end it returns at once to the other end, serving
// nothing on the way, and sweeps again in the same direction. Waiting times
// are more uniform than SCAN's.
// Source: Silberschatz 10e, 11.2.3 "C-SCAN Scheduling" (figure 11.8: from
//         cylinder 53 moving up, the queue 98, 183, 37, 122, 14, 124, 65, 67
//         is served 65, 67, 98, 122, 124, 183, [199], [0], 14, 37).
// Convention: the head goes to the end (cylinders-1 going up, 0 going down)
// only if requests remain behind it; the return jump to the other end counts
// in the total movement when problem.count_return (the default; e.g. 382
// cylinders for figure 11.8, 183 without the 199-cylinder return).
// Requests for the same cylinder: queue order.
#include "sweep.h"

namespace osgrid::os {

std::vector<HeadStop> CscanStops(const DiskProblem& problem) {
  using namespace sweep;
  const HeadDirection out = problem.direction;
  std::vector<HeadStop> stops;
  Serve(problem, InSweepOrder(problem, Requests(problem, out, true), out), stops);
  const std::vector<std::size_t> behind = Requests(problem, out, false);
  if (behind.empty()) return stops;
  if (Position(problem, stops) != EndOfDisk(problem, out)) {
    stops.push_back(HeadStop{EndOfDisk(problem, out), std::nullopt, false});  // on to the end
  }
  stops.push_back(HeadStop{EndOfDisk(problem, Opposite(out)), std::nullopt, true});  // the return jump
  Serve(problem, InSweepOrder(problem, behind, out), stops);                         // sweep again, same direction
  return stops;
}

}  // namespace osgrid::os
