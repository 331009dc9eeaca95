// Private to the sched tests: random inputs for the property tests
// (seeded, so a failure repeats).
#pragma once

#include <string>
#include <vector>

#include "osgrid/os/random.h"
#include "osgrid/os/sched/simulator.h"

namespace osgrid::os::testing {

/// 1 to 8 jobs named P0, P1...: arrivals in [0, 20], CPU bursts in [1, 10],
/// with `with_io` 1 to 3 CPU bursts with I/O bursts in [1, 8] between them;
/// priorities in [0, 5], tickets in [1, 300].
inline std::vector<SchedProcess> RandomSchedJobs(Rng& rng, bool with_io) {
  std::vector<SchedProcess> jobs;
  const int n = static_cast<int>(rng.Uniform(1, 8));
  for (int i = 0; i < n; ++i) {
    SchedProcess job;
    job.name = "P" + std::to_string(i);
    job.arrival = rng.Uniform(0, 20);
    const int cpu_bursts = with_io ? static_cast<int>(rng.Uniform(1, 3)) : 1;
    for (int b = 0; b < cpu_bursts; ++b) {
      if (b > 0) job.bursts.push_back(rng.Uniform(1, 8));  // I/O
      job.bursts.push_back(rng.Uniform(1, 10));            // CPU
    }
    job.priority = static_cast<int>(rng.Uniform(0, 5));
    job.tickets = rng.Uniform(1, 300);
    jobs.push_back(job);
  }
  return jobs;
}

}  // namespace osgrid::os::testing
