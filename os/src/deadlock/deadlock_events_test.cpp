// deadlock.found (detection.h, resource_graph.h): the book's examples, then
// random states, where the cycle said must be one of detection's deadlocked
// processes, each waiting for what the next one holds.
#include <catch2/catch.hpp>

#include <set>
#include <string>
#include <vector>

#include "../events/event_test_support.h"
#include "osgrid/os/deadlock/detection.h"
#include "osgrid/os/deadlock/resource_graph.h"
#include "osgrid/os/random.h"

using namespace osgrid::os;
using events::testing::Lines;
using events::testing::Recorder;

// A namespace of its own, not an anonymous one: the test executables are unity builds
// (OSGRID_UNITY_TESTS), where another file's helpers of the same names would collide.
namespace deadlock_events_test {

// Silberschatz 10e, 8.7.2: P0..P4, A = 7, B = 2, C = 6, Available = (0, 0, 0).
DetectionState BookExample() {
  DetectionState state;
  state.available = {0, 0, 0};
  state.allocation = {{0, 1, 0}, {2, 0, 0}, {3, 0, 3}, {2, 1, 1}, {0, 0, 2}};
  state.request = {{0, 0, 0}, {2, 0, 2}, {0, 0, 0}, {1, 0, 0}, {0, 0, 2}};
  return state;
}

/// Work at the end of detection: Available plus what the finished processes gave back.
ResourceVector FinalWork(const DetectionResult& result) {
  return result.trace.empty() ? result.initial_work : result.trace.back().work;
}

/// A cycle of FindDeadlockCycle must be a real cycle of waits among the deadlocked.
void CheckCycle(const DetectionState& state, const DetectionResult& result, const DeadlockCycle& cycle) {
  const std::set<std::size_t> deadlocked(result.deadlocked.begin(), result.deadlocked.end());
  const ResourceVector work = FinalWork(result);
  REQUIRE(cycle.processes.size() == cycle.resources.size());
  REQUIRE(cycle.processes.size() >= 2);
  CHECK(std::set<std::size_t>(cycle.processes.begin(), cycle.processes.end()).size() == cycle.processes.size());
  CHECK(cycle.processes.front() == *std::min_element(cycle.processes.begin(), cycle.processes.end()));
  for (std::size_t k = 0; k < cycle.processes.size(); ++k) {
    const std::size_t p = cycle.processes[k], next = cycle.processes[(k + 1) % cycle.processes.size()];
    const std::size_t r = cycle.resources[k];
    INFO("P" << p << " waits for resource " << r << " held by P" << next);
    CHECK(deadlocked.count(p) == 1);
    CHECK(state.request[p][r] > work[r]);
    CHECK(state.allocation[next][r] > 0);
  }
}

// P2 asks for one more C: P0 can finish (Work = (0, 1, 0)); P1..P4 are
// deadlocked. P1 waits for A, which P2 holds; P2 waits for C, which P3
// holds; P3 waits for A, which P1 holds.
TEST_CASE("Detection says the book's deadlock as one deadlock.found", "[deadlock][events]") {
  DetectionState state = BookExample();
  state.request[2] = {0, 0, 1};
  Recorder recorder;
  auto result = DetectDeadlock(state, recorder.Sink());
  REQUIRE(result.ok());
  CHECK(result->deadlocked == std::vector<std::size_t>{1, 2, 3, 4});
  CHECK(Lines(recorder.events) == std::vector<std::string>{"0 deadlock.found P1 P2 P3 / A C A"});
  events::testing::CheckStamps(recorder.events);
  CheckCycle(state, *result, FindDeadlockCycle(state, *result));

  // Without a deadlock, nothing is said.
  Recorder quiet;
  REQUIRE(DetectDeadlock(BookExample(), quiet.Sink()).ok());
  CHECK(quiet.events.empty());
}

TEST_CASE("Detection names processes and resources as the state does", "[deadlock][events]") {
  DetectionState state;
  state.available = {0, 0};
  state.allocation = {{1, 0}, {0, 1}};
  state.request = {{0, 1}, {1, 0}};
  state.resource_names = {"disk", "tape"};
  state.process_names = {"copy", "backup"};
  Recorder recorder;
  REQUIRE(DetectDeadlock(state, recorder.Sink()).ok());
  CHECK(Lines(recorder.events) == std::vector<std::string>{"0 deadlock.found copy backup / tape disk"});
  state.process_names = {"copy"};
  CHECK_FALSE(DetectDeadlock(state).ok());  // one name for two processes
}

// Figure 8.5: P1 -> R1 -> P2 -> R3 -> P3 -> R2 -> P1 is one of its cycles.
TEST_CASE("A resource-allocation graph's deadlock is said with its names", "[deadlock][events]") {
  ResourceGraph graph;
  graph.processes = {"P1", "P2", "P3"};
  graph.resources = {"R1", "R2", "R3", "R4"};
  graph.instances = {1, 2, 1, 3};
  graph.requests = {{0, 0}, {1, 2}, {2, 1}};
  graph.assignments = {{1, 0}, {1, 1}, {0, 1}, {2, 2}};
  Recorder recorder;
  auto verdict = AnalyzeResourceGraph(graph, recorder.Sink());
  REQUIRE(verdict.ok());
  CHECK(Lines(recorder.events) == std::vector<std::string>{"0 deadlock.found P1 P2 P3 / R1 R3 R2"});

  // Figure 8.6: a cycle, but P2 and P4 can finish: no deadlock, no event.
  ResourceGraph figure86;
  figure86.processes = {"P1", "P2", "P3", "P4"};
  figure86.resources = {"R1", "R2"};
  figure86.instances = {2, 2};
  figure86.requests = {{0, 0}, {2, 1}};
  figure86.assignments = {{1, 0}, {2, 0}, {0, 1}, {3, 1}};
  Recorder none;
  REQUIRE(AnalyzeResourceGraph(figure86, none.Sink()).ok());
  CHECK(none.events.empty());
}

// Figure 8.11's wait-for graph: P1 -> P2 -> P3 -> P4 -> P1.
TEST_CASE("A wait-for graph's deadlock is said with its cycle", "[deadlock][events]") {
  WaitForGraph graph{{"P1", "P2", "P3", "P4", "P5"}, Digraph(5)};
  for (auto [from, to] :
       std::vector<std::pair<std::uint32_t, std::uint32_t>>{{0, 1}, {1, 2}, {1, 3}, {1, 4}, {2, 3}, {3, 0}}) {
    graph.graph.AddEdge(from, to);
  }
  Recorder recorder;
  const WaitForVerdict verdict = AnalyzeWaitFor(graph, recorder.Sink());
  CHECK(verdict.deadlocked == std::vector<std::size_t>{0, 1, 2, 3});
  CHECK(Lines(recorder.events) == std::vector<std::string>{"0 deadlock.found P1 P2 P3 P4 /"});

  WaitForGraph acyclic{{"P1", "P2"}, Digraph(2)};
  acyclic.graph.AddEdge(0, 1);
  Recorder none;
  AnalyzeWaitFor(acyclic, none.Sink());
  CHECK(none.events.empty());
}

TEST_CASE("Every deadlock found is said with a real cycle of waits", "[deadlock][events][property]") {
  Rng rng(31);
  int deadlocks = 0;
  for (int round = 0; round < 2000; ++round) {
    const auto n = static_cast<std::size_t>(rng.Uniform(1, 7));
    const auto m = static_cast<std::size_t>(rng.Uniform(1, 4));
    DetectionState state;
    ResourceVector left(m);
    for (auto& total : left) total = rng.Uniform(1, 6);
    const ResourceVector total = left;
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
    Recorder recorder;
    auto result = DetectDeadlock(state, recorder.Sink());
    REQUIRE(result.ok());
    INFO("round " << round);
    if (!result->deadlock()) {
      CHECK(recorder.events.empty());
      CHECK(FindDeadlockCycle(state, *result).processes.empty());
      continue;
    }
    ++deadlocks;
    const DeadlockCycle cycle = FindDeadlockCycle(state, *result);
    CheckCycle(state, *result, cycle);
    REQUIRE(recorder.events.size() == 1);
    const auto* found = std::get_if<events::DeadlockFound>(&recorder.events[0].body);
    REQUIRE(found != nullptr);
    REQUIRE(found->cycle.size() == cycle.processes.size());
    for (std::size_t k = 0; k < cycle.processes.size(); ++k) {
      CHECK(found->cycle[k] == ProcessName(cycle.processes[k]));
      CHECK(found->resources[k] == ResourceName(cycle.resources[k], {}));
    }
  }
  CHECK(deadlocks > 100);  // the generator makes plenty
}

}  // namespace deadlock_events_test
