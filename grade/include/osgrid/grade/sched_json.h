// How a student's scheduling policy (lab 01, labs/01-cpu-scheduling) sees
// the scheduler's values: the shapes both the grader (grade/src/labs/
// cpu_scheduling.cpp) and a live peer running a --scheduler-file send it.
#pragma once

#include <string_view>

#include <nlohmann/json.hpp>

#include "osgrid/os/sched/ready_queue.h"

namespace osgrid::grade {

/// An os::ReadyTask as osgrid_lab.Task: {"__type__": "Task", "id",
/// "arrival" (arrival_ms), "burst" (expected_burst_ms), "priority"}.
inline nlohmann::json TaskJson(const os::ReadyTask& task) {
  return {{"__type__", "Task"},
          {"id", task.id},
          {"arrival", task.arrival_ms},
          {"burst", task.expected_burst_ms},
          {"priority", task.priority}};
}

/// The `end` argument of Policy.ran: "slice_expired", "preempted",
/// "blocked", "finished" or "cancelled" (osgrid_lab's names).
inline std::string_view RunEndName(os::RunEnd end) {
  switch (end) {
    case os::RunEnd::kSliceExpired:
      return "slice_expired";
    case os::RunEnd::kPreempted:
      return "preempted";
    case os::RunEnd::kBlocked:
      return "blocked";
    case os::RunEnd::kFinished:
      return "finished";
    case os::RunEnd::kCancelled:
      return "cancelled";
  }
  return "finished";
}

}  // namespace osgrid::grade
