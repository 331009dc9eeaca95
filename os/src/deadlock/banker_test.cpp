#include <algorithm>
#include <catch2/catch.hpp>
#include <numeric>

#include "osgrid/os/deadlock/banker.h"
#include "osgrid/os/random.h"

using namespace osgrid::os;

namespace {

// Silberschatz 10e, 8.6.3.3 "An Illustrative Example": five processes P0..P4,
// three resource types A (10 instances), B (5) and C (7), at time T0.
BankerState BookExample() {
  BankerState state;
  state.available = {3, 3, 2};
  state.allocation = {{0, 1, 0}, {2, 0, 0}, {3, 0, 2}, {2, 1, 1}, {0, 0, 2}};
  state.max = {{7, 5, 3}, {3, 2, 2}, {9, 0, 2}, {2, 2, 2}, {4, 3, 3}};
  return state;
}

/// A random valid state: n processes, m types, at most `cap` instances of a type.
BankerState RandomState(Rng& rng, std::size_t n, std::size_t m, std::int64_t cap) {
  BankerState state;
  ResourceVector total(m);
  for (auto& t : total) t = rng.Uniform(0, cap);
  ResourceVector left = total;
  state.max.assign(n, ResourceVector(m));
  state.allocation.assign(n, ResourceVector(m));
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < m; ++j) {
      state.max[i][j] = rng.Uniform(0, total[j]);
      state.allocation[i][j] = rng.Uniform(0, std::min(state.max[i][j], left[j]));
      left[j] -= state.allocation[i][j];
    }
  }
  state.available = left;
  return state;
}

/// Safe iff SOME order of all processes is a safe sequence (8.6.3: the definition).
bool BruteForceSafe(const BankerState& state) {
  std::vector<std::size_t> order(state.max.size());
  std::iota(order.begin(), order.end(), 0);
  do {
    if (IsSafeSequence(state, order)) return true;
  } while (std::next_permutation(order.begin(), order.end()));
  return false;
}

}  // namespace

// Silberschatz 10e, 8.6.3.3: Need = Max - Allocation as printed in the book.
TEST_CASE("Banker: the book's Need matrix and total", "[deadlock][banker]") {
  const BankerState state = BookExample();
  REQUIRE_FALSE(ValidateBankerState(state).has_value());
  CHECK(NeedMatrix(state) == ResourceMatrix{{7, 4, 3}, {1, 2, 2}, {6, 0, 0}, {0, 1, 1}, {4, 3, 1}});
  CHECK(TotalResources(state) == ResourceVector{10, 5, 7});
}

// Silberschatz 10e, 8.6.3.3: "the system is currently in a safe state. Indeed,
// the sequence <P1, P3, P4, P2, P0> satisfies the safety criteria." Our rule
// (lowest-numbered process that can finish first) finds <P1, P3, P0, P2, P4>:
// after P1 and P3, Work = (7, 4, 3) covers P0's Need (7, 4, 3).
TEST_CASE("Banker: the book's state is safe", "[deadlock][banker]") {
  const BankerState state = BookExample();
  CHECK(IsSafeSequence(state, {1, 3, 4, 2, 0}));  // the book's sequence
  auto result = RunSafetyAlgorithm(state);
  REQUIRE(result.ok());
  CHECK(result->safe);
  CHECK(result->sequence == std::vector<std::size_t>{1, 3, 0, 2, 4});
  CHECK(result->unfinished.empty());
  CHECK(result->initial_work == ResourceVector{3, 3, 2});
  REQUIRE(result->trace.size() == 5);
  CHECK(result->trace[0].work == ResourceVector{5, 3, 2});   // + P1's (2, 0, 0)
  CHECK(result->trace[1].work == ResourceVector{7, 4, 3});   // + P3's (2, 1, 1)
  CHECK(result->trace[2].work == ResourceVector{7, 5, 3});   // + P0's (0, 1, 0)
  CHECK(result->trace[3].work == ResourceVector{10, 5, 5});  // + P2's (3, 0, 2)
  CHECK(result->trace[4].work == ResourceVector{10, 5, 7});  // + P4's (0, 0, 2): everything
  CHECK(result->trace[2].wanted == ResourceVector{7, 4, 3});
  CHECK(IsSafeSequence(state, result->sequence));
}

// Silberschatz 10e, 8.6.3.3: P1 requests (1, 0, 2): granted, the new state is
// safe (the book gives <P1, P3, P4, P0, P2>). Then P4's (3, 3, 0) cannot be
// granted, "since the resources are not available", and P0's (0, 2, 0) cannot
// be granted "even though the resources are available, since the resulting
// state is unsafe".
TEST_CASE("Banker: the book's three requests", "[deadlock][banker]") {
  auto first = RequestResources(BookExample(), 1, {1, 0, 2});
  REQUIRE(first.ok());
  CHECK(first->granted);
  CHECK(first->decision == RequestDecision::kGranted);
  CHECK(first->state.available == ResourceVector{2, 3, 0});
  CHECK(first->state.allocation[1] == ResourceVector{3, 0, 2});
  CHECK(NeedMatrix(first->state)[1] == ResourceVector{0, 2, 0});
  CHECK(first->safety.safe);
  CHECK(first->safety.sequence == std::vector<std::size_t>{1, 3, 0, 2, 4});
  CHECK(IsSafeSequence(first->state, {1, 3, 4, 0, 2}));  // the book's sequence

  auto second = RequestResources(first->state, 4, {3, 3, 0});
  REQUIRE(second.ok());
  CHECK_FALSE(second->granted);
  CHECK(second->decision == RequestDecision::kWait);
  CHECK(second->reason == "not enough available: P4 requests 3 of A but only 2 are available");
  CHECK(second->state.available == first->state.available);

  auto third = RequestResources(first->state, 0, {0, 2, 0});
  REQUIRE(third.ok());
  CHECK_FALSE(third->granted);
  CHECK(third->decision == RequestDecision::kDenied);
  CHECK(third->reason == "unsafe: no safe sequence after granting");
  CHECK_FALSE(third->safety.safe);
  CHECK(third->safety.sequence.empty());                      // Work = (2, 1, 0) covers nobody's Need
  CHECK(third->state.allocation == first->state.allocation);  // restored
}

TEST_CASE("Banker: a request over the remaining need is an input error", "[deadlock][banker]") {
  auto result = RequestResources(BookExample(), 1, {0, 4, 0});
  REQUIRE_FALSE(result.ok());
  CHECK(result.error().message == "P1 requests 4 of B but its remaining need is 2");

  auto named = BookExample();
  named.resource_names = {"tape", "printer", "disk"};
  auto with_names = RequestResources(named, 1, {0, 4, 0});
  REQUIRE_FALSE(with_names.ok());
  CHECK(with_names.error().message == "P1 requests 4 of printer but its remaining need is 2");

  auto unknown = RequestResources(BookExample(), 7, {0, 0, 0});
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.error().message == "unknown process P7: there are 5 processes (P0..P4)");

  auto short_request = RequestResources(BookExample(), 1, {1, 0});
  REQUIRE_FALSE(short_request.ok());
  CHECK(short_request.error().message == "P1's request has 2 values but there are 3 resource types");

  auto negative = RequestResources(BookExample(), 1, {1, -1, 0});
  REQUIRE_FALSE(negative.ok());
  CHECK(negative.error().message == "P1's request: B is -1, must be >= 0");
}

TEST_CASE("Banker: invalid states name the offending item", "[deadlock][banker]") {
  auto message = [](const BankerState& s) { return ValidateBankerState(s).value_or(InputError{"ok"}).message; };
  BankerState state = BookExample();
  state.max[2] = {9, 0};
  CHECK(message(state) == "Max row P2 has 2 values but there are 3 resource types");

  state = BookExample();
  state.allocation.pop_back();
  CHECK(message(state) == "Allocation has 4 rows but Max has 5");

  state = BookExample();
  state.allocation[1][0] = -1;
  CHECK(message(state) == "Allocation row P1: A is -1, must be >= 0");

  state = BookExample();
  state.allocation[1][0] = 4;  // Max is 3
  CHECK(message(state) == "P1 holds 4 of A but its maximum is 3");

  state = BookExample();
  state.max[0][0] = 11;
  CHECK(message(state) == "P0 declares a maximum of 11 of A but only 10 exist");

  state = BookExample();
  state.available = {3, 3};
  CHECK(message(state) == "Max row P0 has 3 values but there are 2 resource types");

  CHECK(message(BankerState{}) == "Available is empty: give at least one resource type");
  CHECK_FALSE(RunSafetyAlgorithm(BankerState{}).ok());
}

TEST_CASE("Banker: an unsafe state lists who cannot finish", "[deadlock][banker]") {
  // Two processes, one type with 2 instances: each holds 1 and may want 2 in all.
  BankerState state;
  state.available = {0};
  state.max = {{2}, {2}};
  state.allocation = {{1}, {1}};
  auto result = RunSafetyAlgorithm(state);
  REQUIRE(result.ok());
  CHECK_FALSE(result->safe);
  CHECK(result->sequence.empty());
  CHECK(result->unfinished == std::vector<std::size_t>{0, 1});
  CHECK_FALSE(BruteForceSafe(state));
}

// Properties on random states (seeded, so reproducible).
TEST_CASE("Banker: safe sequences are safe and 'safe' agrees with brute force", "[deadlock][banker][property]") {
  Rng rng(20240801);
  int safe_count = 0;
  for (int trial = 0; trial < 400; ++trial) {
    const auto n = static_cast<std::size_t>(rng.Uniform(1, 6));
    const auto m = static_cast<std::size_t>(rng.Uniform(1, 4));
    const BankerState state = RandomState(rng, n, m, 9);
    REQUIRE_FALSE(ValidateBankerState(state).has_value());
    auto result = RunSafetyAlgorithm(state);
    REQUIRE(result.ok());
    CHECK(result->safe == BruteForceSafe(state));
    if (result->safe) {
      ++safe_count;
      // Simulate the sequence step by step: each Need <= Work at its turn.
      CHECK(IsSafeSequence(state, result->sequence));
    }
    CHECK(result->sequence.size() + result->unfinished.size() == n);
    // The fast version gives exactly the same answer.
    auto fast = RunSafetyAlgorithmFast(state);
    REQUIRE(fast.ok());
    CHECK(fast->safe == result->safe);
    CHECK(fast->sequence == result->sequence);
    CHECK(fast->unfinished == result->unfinished);
  }
  CHECK(safe_count > 50);  // the generator makes both kinds
  CHECK(safe_count < 390);
}

TEST_CASE("Banker: fast safety equals the book's loop on large states", "[deadlock][banker][property]") {
  Rng rng(7);
  for (int trial = 0; trial < 20; ++trial) {
    const BankerState state = RandomState(rng, 200, 6, 400);
    auto slow = RunSafetyAlgorithm(state);
    auto fast = RunSafetyAlgorithmFast(state);
    REQUIRE(slow.ok());
    REQUIRE(fast.ok());
    CHECK(fast->safe == slow->safe);
    CHECK(fast->sequence == slow->sequence);
    CHECK(fast->unfinished == slow->unfinished);
    CHECK(fast->initial_work == slow->initial_work);
    REQUIRE(fast->trace.size() == slow->trace.size());
    for (std::size_t k = 0; k < slow->trace.size(); ++k) {
      CHECK(fast->trace[k].process == slow->trace[k].process);
      CHECK(fast->trace[k].wanted == slow->trace[k].wanted);
      CHECK(fast->trace[k].work == slow->trace[k].work);
    }
  }
}

TEST_CASE("Banker: a granted request leaves a safe state, a denied one changes nothing",
          "[deadlock][banker][property]") {
  Rng rng(99);
  int granted = 0, denied = 0, waits = 0;
  for (int trial = 0; trial < 300; ++trial) {
    const auto n = static_cast<std::size_t>(rng.Uniform(1, 5));
    const auto m = static_cast<std::size_t>(rng.Uniform(1, 3));
    const BankerState state = RandomState(rng, n, m, 8);
    const auto process = static_cast<std::size_t>(rng.Uniform(0, static_cast<std::int64_t>(n) - 1));
    const ResourceVector need = NeedMatrix(state)[process];
    ResourceVector request(m);
    for (std::size_t j = 0; j < m; ++j) request[j] = rng.Uniform(0, need[j]);
    auto result = RequestResources(state, process, request);
    REQUIRE(result.ok());
    switch (result->decision) {
      case RequestDecision::kGranted:
        ++granted;
        CHECK(BruteForceSafe(result->state));
        CHECK((result->state.allocation[process] != state.allocation[process] || request == ResourceVector(m, 0)));
        break;
      case RequestDecision::kDenied:
        ++denied;
        CHECK(result->state.allocation == state.allocation);
        break;
      case RequestDecision::kWait:
        ++waits;
        CHECK_FALSE(LessOrEqual(request, state.available));
        break;
    }
  }
  CHECK(granted > 0);
  CHECK(denied + waits > 0);
}
