#include <algorithm>
#include <catch2/catch.hpp>
#include <numeric>
#include <set>

#include "osgrid/os/deadlock/detection.h"
#include "osgrid/os/random.h"

using namespace osgrid::os;

// A namespace of its own, not an anonymous one: the test executables are unity builds
// (OSGRID_UNITY_TESTS), where another file's helpers of the same names would collide.
namespace detection_test {

// Silberschatz 10e, 8.7.2: five processes P0..P4, A = 7, B = 2, C = 6
// instances; Available = (0, 0, 0) at time T0.
DetectionState BookExample() {
  DetectionState state;
  state.available = {0, 0, 0};
  state.allocation = {{0, 1, 0}, {2, 0, 0}, {3, 0, 3}, {2, 1, 1}, {0, 0, 2}};
  state.request = {{0, 0, 0}, {2, 0, 2}, {0, 0, 0}, {1, 0, 0}, {0, 0, 2}};
  return state;
}

/// Processes that can finish in SOME order (every order of the processes that
/// hold something is tried; each finishes when its Request <= Work). The rest
/// of the holders are deadlocked.
std::vector<std::size_t> BruteForceDeadlocked(const DetectionState& state) {
  std::vector<std::size_t> holders;
  for (std::size_t i = 0; i < state.allocation.size(); ++i) {
    if (!IsZero(state.allocation[i])) holders.push_back(i);
  }
  std::set<std::size_t> can_finish;
  std::vector<std::size_t> order = holders;
  do {
    ResourceVector work = state.available;
    for (std::size_t i : order) {
      if (!LessOrEqual(state.request[i], work)) break;  // this order gets stuck here
      AddTo(work, state.allocation[i]);
      can_finish.insert(i);
    }
  } while (std::next_permutation(order.begin(), order.end()));
  std::vector<std::size_t> deadlocked;
  for (std::size_t i : holders) {
    if (can_finish.count(i) == 0) deadlocked.push_back(i);
  }
  return deadlocked;
}

DetectionState RandomState(Rng& rng, std::size_t n, std::size_t m) {
  DetectionState state;
  ResourceVector total(m);
  for (auto& t : total) t = rng.Uniform(1, 6);
  ResourceVector left = total;
  state.allocation.assign(n, ResourceVector(m));
  state.request.assign(n, ResourceVector(m));
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < m; ++j) {
      state.allocation[i][j] = rng.Uniform(0, std::min<std::int64_t>(left[j], 2));
      left[j] -= state.allocation[i][j];
      state.request[i][j] = rng.Uniform(0, total[j] - state.allocation[i][j]);
    }
  }
  state.available = left;
  return state;
}

// Silberschatz 10e, 8.7.2: "the system is not in a deadlocked state. Indeed,
// if we execute our algorithm, we will find that the sequence
// <P0, P2, P3, P1, P4> results in Finish[i] == true for all i." Our rule
// (lowest-numbered first) finds <P0, P2, P1, P3, P4>: after P0 and P2, Work =
// (3, 1, 3) already covers P1's Request (2, 0, 2).
TEST_CASE("Detection: the book's state has no deadlock", "[deadlock][detection]") {
  auto result = DetectDeadlock(BookExample());
  REQUIRE(result.ok());
  CHECK_FALSE(result->deadlock());
  CHECK(result->deadlocked.empty());
  CHECK(result->sequence == std::vector<std::size_t>{0, 2, 1, 3, 4});
  CHECK(result->holding_nothing.empty());
  REQUIRE(result->trace.size() == 5);
  CHECK(result->trace[0].work == ResourceVector{0, 1, 0});
  CHECK(result->trace[1].work == ResourceVector{3, 1, 3});
  CHECK(result->trace[4].work == ResourceVector{7, 2, 6});

  // The book's own order is also a valid finishing order.
  const DetectionState state = BookExample();
  ResourceVector work = state.available;
  for (std::size_t i : {0, 2, 3, 1, 4}) {
    CHECK(LessOrEqual(state.request[i], work));
    AddTo(work, state.allocation[i]);
  }
}

// Silberschatz 10e, 8.7.2: "suppose now that process P2 makes one additional
// request for an instance of type C ... a deadlock exists, consisting of
// processes P1, P2, P3, and P4." P0 can still finish.
TEST_CASE("Detection: one more C for P2 deadlocks P1..P4", "[deadlock][detection]") {
  DetectionState state = BookExample();
  state.request[2] = {0, 0, 1};
  auto result = DetectDeadlock(state);
  REQUIRE(result.ok());
  CHECK(result->deadlock());
  CHECK(result->deadlocked == std::vector<std::size_t>{1, 2, 3, 4});
  CHECK(result->sequence == std::vector<std::size_t>{0});
  CHECK(BruteForceDeadlocked(state) == result->deadlocked);
}

TEST_CASE("Detection: a process holding nothing is never deadlocked", "[deadlock][detection]") {
  // P0 and P1 wait for each other's single A; P2 holds nothing and waits too.
  DetectionState state;
  state.available = {0, 0};
  state.allocation = {{1, 0}, {0, 1}, {0, 0}};
  state.request = {{0, 1}, {1, 0}, {1, 1}};
  auto result = DetectDeadlock(state);
  REQUIRE(result.ok());
  CHECK(result->deadlocked == std::vector<std::size_t>{0, 1});
  CHECK(result->holding_nothing == std::vector<std::size_t>{2});
  CHECK(result->sequence.empty());
}

TEST_CASE("Detection: invalid states name the offending item", "[deadlock][detection]") {
  auto message = [](const DetectionState& s) { return ValidateDetectionState(s).value_or(InputError{"ok"}).message; };
  DetectionState state = BookExample();
  state.request.pop_back();
  CHECK(message(state) == "Request has 4 rows but Allocation has 5");
  state = BookExample();
  state.request[3] = {1, 0, -2};
  CHECK(message(state) == "Request row P3: C is -2, must be >= 0");
  state = BookExample();
  state.request[1] = {6, 0, 0};  // 7 A exist and P1 holds 2
  CHECK(message(state) == "P1 requests 6 of A but only 7 exist and it holds 2 of them");
  state = BookExample();
  state.allocation[0] = {0, 1};
  CHECK(message(state) == "Allocation row P0 has 2 values but there are 3 resource types");
  CHECK_FALSE(DetectDeadlock(DetectionState{}).ok());
}

TEST_CASE("Detection: the deadlocked set matches brute force", "[deadlock][detection][property]") {
  Rng rng(424242);
  int with_deadlock = 0;
  for (int trial = 0; trial < 400; ++trial) {
    const auto n = static_cast<std::size_t>(rng.Uniform(1, 6));
    const auto m = static_cast<std::size_t>(rng.Uniform(1, 3));
    const DetectionState state = RandomState(rng, n, m);
    auto result = DetectDeadlock(state);
    REQUIRE(result.ok());
    CHECK(result->deadlocked == BruteForceDeadlocked(state));
    CHECK(result->deadlocked.size() + result->sequence.size() + result->holding_nothing.size() == n);
    if (result->deadlock()) ++with_deadlock;
  }
  CHECK(with_deadlock > 20);
  CHECK(with_deadlock < 380);
}

}  // namespace detection_test
