// Solving a disk-scheduling problem with a policy chosen by name: checks the
// input, asks the policy where the head goes, and adds up the movement.
// Source: Silberschatz 10e, 11.2 "HDD Scheduling" (total head movement in
//         cylinders as the measure of a schedule).
#include <cstdlib>

#include "osgrid/os/disk/disk_scheduling.h"

namespace osgrid::os {
namespace {

using Policy = std::vector<HeadStop> (*)(const DiskProblem&);

struct NamedPolicy {
  const char* name;
  Policy stops;
};

const std::vector<NamedPolicy>& Policies() {
  static const std::vector<NamedPolicy> policies = {{"FCFS", FcfsStops}, {"SSTF", SstfStops},
                                                    {"SCAN", ScanStops}, {"C-SCAN", CscanStops},
                                                    {"LOOK", LookStops}, {"C-LOOK", ClookStops}};
  return policies;
}

std::string Range(const DiskProblem& problem) { return "0.." + std::to_string(problem.cylinders - 1); }

}  // namespace

double DiskSchedule::average_seek() const {
  return order.empty() ? 0.0 : static_cast<double>(total_movement) / static_cast<double>(order.size());
}

const std::vector<std::string>& DiskPolicyNames() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> all;
    for (const NamedPolicy& p : Policies()) all.emplace_back(p.name);
    return all;
  }();
  return names;
}

Expected<bool> ValidateDiskProblem(const DiskProblem& problem) {
  if (problem.cylinders < 1) {
    return Fail("the disk must have at least 1 cylinder, got " + std::to_string(problem.cylinders));
  }
  if (problem.head < 0 || problem.head >= problem.cylinders) {
    return Fail("head: cylinder " + std::to_string(problem.head) + " is outside " + Range(problem));
  }
  for (std::size_t i = 0; i < problem.requests.size(); ++i) {
    const std::int64_t c = problem.requests[i];
    if (c < 0 || c >= problem.cylinders) {
      return Fail("request " + std::to_string(i + 1) + ": cylinder " + std::to_string(c) + " is outside " +
                  Range(problem));
    }
  }
  return true;
}

Expected<DiskSchedule> ScheduleDisk(const std::string& policy, const DiskProblem& problem) {
  Policy stops_of = nullptr;
  for (const NamedPolicy& p : Policies()) {
    if (policy == p.name) stops_of = p.stops;
  }
  if (stops_of == nullptr) {
    return Fail("unknown disk-scheduling policy '" + policy + "' (known: FCFS, SSTF, SCAN, C-SCAN, LOOK, C-LOOK)");
  }
  Expected<bool> valid = ValidateDiskProblem(problem);
  if (!valid) return valid.error();

  DiskSchedule schedule;
  schedule.policy = policy;
  std::int64_t head = problem.head;
  for (const HeadStop& stop : stops_of(problem)) {
    HeadMove move{head, stop.cylinder, std::abs(stop.cylinder - head), stop.request, stop.return_jump};
    if (stop.return_jump && !problem.count_return) move.movement = 0;
    schedule.total_movement += move.movement;
    if (stop.request) {
      schedule.order.push_back(stop.cylinder);
      schedule.order_index.push_back(*stop.request);
    }
    schedule.steps.push_back(move);
    head = stop.cylinder;
  }
  return schedule;
}

}  // namespace osgrid::os
