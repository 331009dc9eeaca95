// Disk scheduling: Silberschatz's worked example under every policy, edge
// cases of the conventions, and invariants on random queues.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>
#include <numeric>

#include "osgrid/os/disk/disk_scheduling.h"
#include "osgrid/os/random.h"

using osgrid::os::DiskPolicyNames;
using osgrid::os::DiskProblem;
using osgrid::os::DiskSchedule;
using osgrid::os::HeadDirection;
using osgrid::os::Rng;
using osgrid::os::ScheduleDisk;

namespace {

using Cylinders = std::vector<std::int64_t>;

/// Silberschatz 10e, 11.2 (and 9e 10.4): queue 98, 183, 37, 122, 14, 124,
/// 65, 67; head at 53; cylinders 0-199.
DiskProblem Textbook(HeadDirection direction, bool count_return = true) {
  DiskProblem problem;
  problem.requests = {98, 183, 37, 122, 14, 124, 65, 67};
  problem.head = 53;
  problem.cylinders = 200;
  problem.direction = direction;
  problem.count_return = count_return;
  return problem;
}

DiskSchedule Solve(const std::string& policy, const DiskProblem& problem) {
  auto schedule = ScheduleDisk(policy, problem);
  REQUIRE(schedule.ok());
  return *schedule;
}

constexpr HeadDirection kUp = HeadDirection::kUp;
constexpr HeadDirection kDown = HeadDirection::kDown;

}  // namespace

TEST_CASE("Silberschatz 10e 11.2.1 (figure 11.6): FCFS moves the head 640 cylinders", "[disk][textbook]") {
  const DiskSchedule s = Solve("FCFS", Textbook(kUp));
  CHECK(s.order == Cylinders{98, 183, 37, 122, 14, 124, 65, 67});
  CHECK(s.total_movement == 640);
  CHECK(s.average_seek() == Approx(80.0));
}

TEST_CASE("Silberschatz 9e 10.4.2: SSTF moves the head 236 cylinders", "[disk][textbook]") {
  const DiskSchedule s = Solve("SSTF", Textbook(kUp));
  CHECK(s.order == Cylinders{65, 67, 37, 14, 98, 122, 124, 183});
  CHECK(s.total_movement == 236);
  CHECK(Solve("SSTF", Textbook(kDown)).total_movement == 236);  // no ties on this queue
}

TEST_CASE("Silberschatz 10e 11.2.2 (figure 11.7): SCAN toward 0 moves the head 236 cylinders", "[disk][textbook]") {
  const DiskSchedule s = Solve("SCAN", Textbook(kDown));
  CHECK(s.order == Cylinders{37, 14, 65, 67, 98, 122, 124, 183});
  CHECK(s.total_movement == 236);  // 53 to 0, then 0 to 183
  REQUIRE(s.steps.size() == 9);
  CHECK(s.steps[2].to == 0);  // the sweep reaches the end before reversing
  CHECK_FALSE(s.steps[2].request.has_value());
  // Toward 199: 53 to 199 (146), then back to 14 (185).
  CHECK(Solve("SCAN", Textbook(kUp)).total_movement == 331);
}

TEST_CASE("Silberschatz 10e 11.2.3 (figure 11.8): C-SCAN moving up", "[disk][textbook]") {
  const DiskSchedule s = Solve("C-SCAN", Textbook(kUp));
  CHECK(s.order == Cylinders{65, 67, 98, 122, 124, 183, 14, 37});
  // 53 to 199 (146) + return 199 to 0 (199) + 0 to 37 (37).
  CHECK(s.total_movement == 382);
  CHECK(Solve("C-SCAN", Textbook(kUp, false)).total_movement == 183);
  // Moving down: 53 to 0 (53) + return 0 to 199 (199) + 199 to 65 (134).
  CHECK(Solve("C-SCAN", Textbook(kDown)).total_movement == 386);
  CHECK(Solve("C-SCAN", Textbook(kDown, false)).total_movement == 187);
}

TEST_CASE("Silberschatz 9e 10.4.5: LOOK and C-LOOK", "[disk][textbook]") {
  const DiskSchedule look = Solve("LOOK", Textbook(kDown));
  CHECK(look.order == Cylinders{37, 14, 65, 67, 98, 122, 124, 183});
  CHECK(look.total_movement == 208);                          // 53 to 14 (39), 14 to 183 (169)
  CHECK(Solve("LOOK", Textbook(kUp)).total_movement == 299);  // 53 to 183 (130), 183 to 14 (169)
  // Figure 10.8 (9e): C-LOOK moving up serves 65 ... 183, jumps to 14, then 37.
  const DiskSchedule clook = Solve("C-LOOK", Textbook(kUp));
  CHECK(clook.order == Cylinders{65, 67, 98, 122, 124, 183, 14, 37});
  CHECK(clook.total_movement == 322);  // 130 + jump 169 + 23
  CHECK(clook.steps[6].return_jump);
  CHECK(Solve("C-LOOK", Textbook(kUp, false)).total_movement == 153);
  CHECK(Solve("C-LOOK", Textbook(kDown)).total_movement == 326);  // 39 + jump 169 + 118
}

TEST_CASE("Disk conventions: head's own cylinder, duplicates, SSTF ties, no requests", "[disk][conventions]") {
  DiskProblem p;
  p.cylinders = 100;
  p.head = 50;
  p.requests = {40, 60, 50, 60};
  SECTION("SSTF tie at equal distance keeps the current direction") {
    p.direction = kUp;
    CHECK(Solve("SSTF", p).order_index == std::vector<std::size_t>{2, 1, 3, 0});
    p.direction = kDown;
    CHECK(Solve("SSTF", p).order_index == std::vector<std::size_t>{2, 0, 1, 3});
  }
  SECTION("A request at the head is served first; same cylinder in queue order") {
    p.direction = kDown;
    const DiskSchedule scan = Solve("SCAN", p);
    CHECK(scan.order_index == std::vector<std::size_t>{2, 0, 1, 3});
    CHECK(scan.total_movement == 50 + 60);  // 50 to 0, 0 to 60
    CHECK(scan.steps[0].movement == 0);
  }
  SECTION("SCAN goes to the end even with nothing ahead, if requests remain behind") {
    p.requests = {70, 90};
    p.direction = kDown;
    CHECK(Solve("SCAN", p).total_movement == 50 + 90);
    CHECK(Solve("LOOK", p).total_movement == 40);
    CHECK(Solve("C-SCAN", p).total_movement == 50 + 99 + 29);  // to 0, return to 99, down to 70
    CHECK(Solve("C-LOOK", p).total_movement == 40 + 20);       // an ordinary seek to 90, then 70
  }
  SECTION("SCAN stops at the last request when nothing remains behind") {
    p.requests = {70, 90};
    p.direction = kUp;
    CHECK(Solve("SCAN", p).total_movement == 40);
    CHECK(Solve("C-SCAN", p).total_movement == 40);
  }
  SECTION("An empty queue costs nothing") {
    p.requests = {};
    for (const std::string& policy : DiskPolicyNames()) {
      const DiskSchedule s = Solve(policy, p);
      CHECK(s.total_movement == 0);
      CHECK(s.steps.empty());
      CHECK(s.average_seek() == 0.0);
    }
  }
}

TEST_CASE("ScheduleDisk refuses bad input with a message naming it", "[disk][errors]") {
  DiskProblem p = Textbook(kUp);
  auto unknown = ScheduleDisk("ELEVATOR", p);
  REQUIRE_FALSE(unknown.ok());
  CHECK_THAT(unknown.error().message, Catch::Contains("unknown disk-scheduling policy 'ELEVATOR'"));
  p.requests[2] = 250;
  auto outside = ScheduleDisk("FCFS", p);
  REQUIRE_FALSE(outside.ok());
  CHECK(outside.error().message == "request 3: cylinder 250 is outside 0..199");
  p = Textbook(kUp);
  p.head = -1;
  auto head = ScheduleDisk("SSTF", p);
  REQUIRE_FALSE(head.ok());
  CHECK(head.error().message == "head: cylinder -1 is outside 0..199");
  p.head = 0;
  p.cylinders = 0;
  auto none = ScheduleDisk("SCAN", p);
  REQUIRE_FALSE(none.ok());
  CHECK_THAT(none.error().message, Catch::Contains("at least 1 cylinder"));
}

TEST_CASE("Invariants on random queues, every policy", "[disk][property]") {
  Rng rng(11);
  for (int trial = 0; trial < 400; ++trial) {
    DiskProblem p;
    p.cylinders = rng.Uniform(1, 300);
    p.head = rng.Uniform(0, p.cylinders - 1);
    p.direction = rng.Uniform(0, 1) == 0 ? kUp : kDown;
    p.count_return = rng.Uniform(0, 1) == 0;
    const auto n = static_cast<std::size_t>(rng.Uniform(0, 25));
    for (std::size_t i = 0; i < n; ++i) p.requests.push_back(rng.Uniform(0, p.cylinders - 1));
    std::int64_t scan = 0, look = 0, cscan = 0, clook = 0;
    for (const std::string& policy : DiskPolicyNames()) {
      INFO("trial " << trial << " policy " << policy);
      const DiskSchedule s = Solve(policy, p);
      // Every request served exactly once: order_index is a permutation of the queue.
      std::vector<std::size_t> indices = s.order_index;
      std::sort(indices.begin(), indices.end());
      std::vector<std::size_t> all(n);
      std::iota(all.begin(), all.end(), std::size_t{0});
      CHECK(indices == all);
      Cylinders sorted_order = s.order, sorted_queue = p.requests;
      std::sort(sorted_order.begin(), sorted_order.end());
      std::sort(sorted_queue.begin(), sorted_queue.end());
      CHECK(sorted_order == sorted_queue);
      // The steps chain from the head and add up to the total.
      std::int64_t at = p.head, sum = 0;
      for (const auto& step : s.steps) {
        CHECK(step.from == at);
        CHECK(step.to >= 0);
        CHECK(step.to < p.cylinders);
        if (!step.return_jump || p.count_return) CHECK(step.movement == std::abs(step.to - step.from));
        at = step.to;
        sum += step.movement;
      }
      CHECK(sum == s.total_movement);
      if (policy == "SCAN") scan = s.total_movement;
      if (policy == "LOOK") look = s.total_movement;
      if (policy == "C-SCAN") cscan = s.total_movement;
      if (policy == "C-LOOK") clook = s.total_movement;
    }
    CHECK(look <= scan);
    if (p.count_return) CHECK(clook <= cscan);
    // SSTF is greedy: each request served is one of the nearest still pending.
    const DiskSchedule sstf = Solve("SSTF", p);
    std::vector<std::int64_t> pending = p.requests;
    std::int64_t head = p.head;
    for (std::int64_t cylinder : sstf.order) {
      std::int64_t nearest = INT64_MAX;
      for (std::int64_t c : pending) nearest = std::min(nearest, std::abs(c - head));
      CHECK(std::abs(cylinder - head) == nearest);
      pending.erase(std::find(pending.begin(), pending.end(), cylinder));
      head = cylinder;
    }
  }
}
