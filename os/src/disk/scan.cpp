// SCAN disk scheduling, the elevator algorithm: the head sweeps toward one end
// of the disk serving every request on its way, reverses at the end, and
// serves the rest on the way back.
// Source: Silberschatz 10e, 11.2.2 "SCAN Scheduling" (figure 11.7: from
//         cylinder 53 moving toward 0, the queue 98, 183, 37, 122, 14, 124,
//         65, 67 is served 37, 14, [0], 65, 67, 98, 122, 124, 183: 236
//         cylinders); OSTEP ch. 37.5 "Elevator (a.k.a. SCAN or C-SCAN)".
// Convention: the head goes all the way to the end (cylinder 0 or
// cylinders-1) before reversing, if requests remain behind it; it stops
// after the last request. Requests for the same cylinder: queue order.
#include "sweep.h"

namespace osgrid::os {

std::vector<HeadStop> ScanStops(const DiskProblem& problem) {
  using namespace sweep;
  const HeadDirection out = problem.direction;
  const HeadDirection back = Opposite(out);
  std::vector<HeadStop> stops;
  Serve(problem, InSweepOrder(problem, Requests(problem, out, true), out), stops);
  const std::vector<std::size_t> behind = Requests(problem, out, false);
  if (behind.empty()) return stops;
  if (Position(problem, stops) != EndOfDisk(problem, out)) {
    stops.push_back(HeadStop{EndOfDisk(problem, out), std::nullopt, false});  // on to the end, then reverse
  }
  Serve(problem, InSweepOrder(problem, behind, back), stops);
  return stops;
}

}  // namespace osgrid::os
