// Disk (HDD) scheduling: in which order the head serves a queue of cylinder
// requests, and how far it moves.
//
// Sources: Silberschatz, Operating System Concepts 10e, 11.2 "HDD Scheduling"
//          (11.2.1 FCFS, 11.2.2 SCAN, 11.2.3 C-SCAN); SSTF, LOOK and C-LOOK
//          from 9e 10.4.2 and 10.4.5; OSTEP ch. 37.5 "Disk Scheduling" (SSTF,
//          the elevator SCAN and C-SCAN).
//
// Conventions (the same for every policy, documented in docs/sim/disk.md):
//  * Cylinders are numbered 0 .. cylinders-1; movement is counted in cylinders.
//  * Direction "up" means toward higher cylinder numbers, "down" toward 0.
//  * A request at the head's current cylinder is "ahead" in either direction:
//    it is served first, with movement 0.
//  * Requests for the same cylinder are served in queue order.
//  * SCAN and C-SCAN travel to the end of the disk (cylinders-1 going up, 0
//    going down) before reversing or jumping, but only when requests remain
//    behind the head; after the last request the head stops.
//  * The return jump of C-SCAN (end to end) and of C-LOOK (last request of
//    the sweep to the farthest pending one) counts in the total movement when
//    count_return is true (the default: the head does travel that far, and
//    Silberschatz's exercise answers count it).
//  * SSTF ties (two pending cylinders at the same distance on either side)
//    keep the head's current direction (the initial direction at the start,
//    then the direction of the last move).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "osgrid/os/expected.h"

namespace osgrid::os {

/// Toward higher cylinders (up) or toward cylinder 0 (down).
enum class HeadDirection { kUp, kDown };

/// A disk-scheduling problem.
struct DiskProblem {
  std::vector<std::int64_t> requests;            // cylinders, in queue (arrival) order
  std::int64_t head = 0;                         // the head's starting cylinder
  std::int64_t cylinders = 200;                  // the disk has cylinders 0 .. cylinders-1
  HeadDirection direction = HeadDirection::kUp;  // the head's direction of travel at the start
  bool count_return = true;                      // C-SCAN/C-LOOK: count the return jump
};

/// One place the head goes to, as a policy decides it.
struct HeadStop {
  std::int64_t cylinder = 0;
  std::optional<std::size_t> request;  // the queue index served there; none for an end of the disk
  bool return_jump = false;            // reached by C-SCAN's or C-LOOK's return jump
};

/// One move of the head.
struct HeadMove {
  std::int64_t from = 0;
  std::int64_t to = 0;
  std::int64_t movement = 0;           // |to - from| in cylinders; 0 for an uncounted return jump
  std::optional<std::size_t> request;  // the queue index served at `to`, if any
  bool return_jump = false;
};

/// A solved problem.
struct DiskSchedule {
  std::string policy;
  std::vector<std::int64_t> order;       // cylinders in service order (a permutation of the queue)
  std::vector<std::size_t> order_index;  // the same as queue indices (0-based)
  std::vector<HeadMove> steps;           // every move, including trips to an end and return jumps
  std::int64_t total_movement = 0;       // sum of the steps' movement, in cylinders
  /// total_movement / number of requests (0 for an empty queue), cylinders.
  double average_seek() const;
};

// The policies, one per file: each returns where the head goes, in order.
// Preconditions: the problem passed ValidateDiskProblem().

/// FCFS: the queue order (Silberschatz 10e 11.2.1).
std::vector<HeadStop> FcfsStops(const DiskProblem& problem);
/// SSTF: always the pending request closest to the head (9e 10.4.2; OSTEP 37.5).
std::vector<HeadStop> SstfStops(const DiskProblem& problem);
/// SCAN, the elevator: sweep to the end, reverse (11.2.2; OSTEP 37.5).
std::vector<HeadStop> ScanStops(const DiskProblem& problem);
/// C-SCAN: sweep to the end, jump to the other end, sweep again (11.2.3).
std::vector<HeadStop> CscanStops(const DiskProblem& problem);
/// LOOK: SCAN that reverses at the last request instead of the end (9e 10.4.5).
std::vector<HeadStop> LookStops(const DiskProblem& problem);
/// C-LOOK: C-SCAN that jumps from the last request to the farthest pending one (9e 10.4.5).
std::vector<HeadStop> ClookStops(const DiskProblem& problem);

/// "FCFS", "SSTF", "SCAN", "C-SCAN", "LOOK", "C-LOOK".
const std::vector<std::string>& DiskPolicyNames();

/// Checks the problem: cylinders >= 1; head and every request in
/// [0, cylinders-1]. Errors name the item ("request 3: cylinder 250 is
/// outside 0..199").
Expected<bool> ValidateDiskProblem(const DiskProblem& problem);

/// Solves `problem` with `policy` (one of DiskPolicyNames(), exact spelling).
/// Errors: unknown policy, and those of ValidateDiskProblem().
Expected<DiskSchedule> ScheduleDisk(const std::string& policy, const DiskProblem& problem);

}  // namespace osgrid::os
