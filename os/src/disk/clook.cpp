// C-LOOK disk scheduling: C-SCAN that turns at the last request instead of
// the end of the disk and jumps straight to the farthest pending request.
// Source: Silberschatz 9e, 10.4.5 "LOOK Scheduling" (figure 10.8: from
//         cylinder 53 moving up, the queue 98, 183, 37, 122, 14, 124, 65, 67
//         is served 65, 67, 98, 122, 124, 183, 14, 37).
// Convention: the jump from the last request of the sweep to the first
// request of the next one is the return jump; it counts in the total
// movement when problem.count_return (the default: 322 cylinders for the
// example, 153 without the 169-cylinder jump from 183 to 14).
// When no request lies ahead of the head at the start there is no sweep to
// return from: the first seek is an ordinary move. Requests for the same
// cylinder: queue order.
#include "sweep.h"

namespace osgrid::os {

std::vector<HeadStop> ClookStops(const DiskProblem& problem) {
  using namespace sweep;
  const HeadDirection out = problem.direction;
  std::vector<HeadStop> stops;
  Serve(problem, InSweepOrder(problem, Requests(problem, out, true), out), stops);
  const std::size_t first_after_jump = stops.size();
  Serve(problem, InSweepOrder(problem, Requests(problem, out, false), out), stops);  // same direction again
  if (first_after_jump < stops.size() && first_after_jump > 0) stops[first_after_jump].return_jump = true;
  return stops;
}

}  // namespace osgrid::os
