#include <algorithm>
#include <catch2/catch.hpp>

#include "osgrid/os/deadlock/recovery.h"
#include "osgrid/os/random.h"

using namespace osgrid::os;

namespace {

// Silberschatz 10e, 8.7.2, after P2 asks for one more C: P1..P4 are deadlocked.
DetectionState BookDeadlock() {
  DetectionState state;
  state.available = {0, 0, 0};
  state.allocation = {{0, 1, 0}, {2, 0, 0}, {3, 0, 3}, {2, 1, 1}, {0, 0, 2}};
  state.request = {{0, 0, 0}, {2, 0, 2}, {0, 0, 1}, {1, 0, 0}, {0, 0, 2}};
  return state;
}

}  // namespace

// P1 and P4 hold the fewest instances (2 each); the tie goes to the higher
// pid, P4. Its two C's let P2 finish, and then everyone else.
TEST_CASE("Recovery: the book's deadlock ends after aborting P4", "[deadlock][recovery]") {
  auto result = RecoverByAbort(BookDeadlock());
  REQUIRE(result.ok());
  CHECK(result->victims() == std::vector<std::size_t>{4});
  REQUIRE(result->steps.size() == 1);
  CHECK(result->steps[0].released == ResourceVector{0, 0, 2});
  CHECK(result->steps[0].deadlocked_before == std::vector<std::size_t>{1, 2, 3, 4});
  CHECK_FALSE(result->final_detection.deadlock());
  CHECK(result->final_detection.sequence == std::vector<std::size_t>{0, 2, 1, 3});
  CHECK(result->final_state.available == ResourceVector{0, 0, 2});
}

TEST_CASE("Recovery: no deadlock, no victims", "[deadlock][recovery]") {
  DetectionState state = BookDeadlock();
  state.request[2] = {0, 0, 0};
  auto result = RecoverByAbort(state);
  REQUIRE(result.ok());
  CHECK(result->steps.empty());
  CHECK(result->final_detection.sequence.size() == 5);
}

TEST_CASE("Recovery: victims are chosen by fewest instances held, then highest pid", "[deadlock][recovery]") {
  // A ring of four over one-instance types; P2 holds two instances.
  DetectionState state;
  state.available = {0, 0, 0, 0, 0};
  state.allocation = {{1, 0, 0, 0, 0}, {0, 1, 0, 0, 0}, {0, 0, 1, 0, 1}, {0, 0, 0, 1, 0}};
  state.request = {{0, 1, 0, 0, 0}, {0, 0, 1, 0, 0}, {0, 0, 0, 1, 0}, {1, 0, 0, 0, 0}};
  CHECK(ChooseVictim(state, {0, 1, 2, 3}) == 3);
  CHECK(ChooseVictim(state, {0, 2}) == 0);
  auto result = RecoverByAbort(state);
  REQUIRE(result.ok());
  CHECK(result->victims() == std::vector<std::size_t>{3});

  state.request[0] = {0, 0, 0, 0, 0};  // invalid input is reported, not recovered from
  state.request[1] = {0, 0, 5, 0, 0};
  CHECK_FALSE(RecoverByAbort(state).ok());
}

TEST_CASE("Recovery: always ends without deadlock, aborting only deadlocked processes",
          "[deadlock][recovery][property]") {
  Rng rng(88);
  for (int trial = 0; trial < 300; ++trial) {
    const auto n = static_cast<std::size_t>(rng.Uniform(1, 7));
    const auto m = static_cast<std::size_t>(rng.Uniform(1, 3));
    DetectionState state;
    ResourceVector left(m);
    for (auto& t : left) t = rng.Uniform(1, 4);
    const ResourceVector total = left;
    state.allocation.assign(n, ResourceVector(m));
    state.request.assign(n, ResourceVector(m));
    for (std::size_t i = 0; i < n; ++i) {
      for (std::size_t j = 0; j < m; ++j) {
        state.allocation[i][j] = rng.Uniform(0, left[j]);
        left[j] -= state.allocation[i][j];
        state.request[i][j] = rng.Uniform(0, total[j] - state.allocation[i][j]);
      }
    }
    state.available = left;
    auto first = DetectDeadlock(state);
    auto result = RecoverByAbort(state);
    REQUIRE(first.ok());
    REQUIRE(result.ok());
    CHECK_FALSE(result->final_detection.deadlock());
    CHECK(result->steps.size() <= first->deadlocked.size());
    for (const RecoveryStep& step : result->steps) {
      CHECK(std::find(step.deadlocked_before.begin(), step.deadlocked_before.end(), step.victim) !=
            step.deadlocked_before.end());
      CHECK_FALSE(IsZero(step.released));
    }
  }
}
