#include <algorithm>
#include <catch2/catch.hpp>
#include <set>
#include <utility>

#include "osgrid/os/deadlock/resource_graph.h"
#include "osgrid/os/random.h"

using namespace osgrid::os;

namespace {

using Edges = std::set<std::pair<std::uint32_t, std::uint32_t>>;

Edges EdgesOf(const Digraph& graph) {
  Edges edges;
  for (std::uint32_t v = 0; v < graph.vertex_count(); ++v) {
    for (std::uint32_t w : graph.successors(v)) edges.insert({v, w});
  }
  return edges;
}

// Silberschatz 10e, 8.3.2, the resource-allocation graph of Figure 8.4:
// P = {P1, P2, P3}, R = {R1, R2, R3, R4} with 1, 2, 1 and 3 instances;
// E = {P1 -> R1, P2 -> R3, R1 -> P2, R2 -> P2, R2 -> P1, R3 -> P3}.
ResourceGraph Figure84() {
  ResourceGraph graph;
  graph.processes = {"P1", "P2", "P3"};
  graph.resources = {"R1", "R2", "R3", "R4"};
  graph.instances = {1, 2, 1, 3};
  graph.requests = {{0, 0}, {1, 2}};
  graph.assignments = {{1, 0}, {1, 1}, {0, 1}, {2, 2}};
  return graph;
}

}  // namespace

// Figure 8.4 has no cycle, so no process is deadlocked: P3 finishes, R3
// goes to P2, and R1 to P1.
TEST_CASE("RAG: Figure 8.4 has no cycle and no deadlock", "[deadlock][graph]") {
  auto verdict = AnalyzeResourceGraph(Figure84());
  REQUIRE(verdict.ok());
  CHECK(verdict->cycle.empty());
  CHECK_FALSE(verdict->deadlock());
  CHECK_FALSE(verdict->single_instance);
  CHECK(verdict->detection.sequence == std::vector<std::size_t>{2, 1, 0});
  CHECK(verdict->state.available == ResourceVector{0, 0, 0, 3});
}

// Silberschatz 10e, 8.3.2, Figure 8.5: Figure 8.4 plus P3 -> R2. Two cycles,
// P1 -> R1 -> P2 -> R3 -> P3 -> R2 -> P1 and P2 -> R3 -> P3 -> R2 -> P2;
// "Processes P1, P2, and P3 are deadlocked." The depth-first search from P1
// closes the second cycle first.
TEST_CASE("RAG: Figure 8.5 has a cycle and a deadlock", "[deadlock][graph]") {
  ResourceGraph graph = Figure84();
  graph.requests.push_back({2, 1});  // P3 -> R2
  auto verdict = AnalyzeResourceGraph(graph);
  REQUIRE(verdict.ok());
  CHECK(verdict->cycle == std::vector<std::string>{"P2", "R3", "P3", "R2"});
  CHECK(verdict->deadlock());
  CHECK(verdict->detection.deadlocked == std::vector<std::size_t>{0, 1, 2});
  CHECK(verdict->detection.sequence.empty());
}

// Silberschatz 10e, 8.3.2, Figure 8.6: a cycle P1 -> R1 -> P3 -> R2 -> P1 but
// no deadlock: R1 and R2 have two instances each, and P4 (holding an R2) and
// P2 (holding an R1) can finish and release them. A cycle is necessary, not
// sufficient, with several instances: detection (8.7.2) decides.
TEST_CASE("RAG: Figure 8.6 has a cycle but no deadlock", "[deadlock][graph]") {
  ResourceGraph graph;
  graph.processes = {"P1", "P2", "P3", "P4"};
  graph.resources = {"R1", "R2"};
  graph.instances = {2, 2};
  graph.requests = {{0, 0}, {2, 1}};                     // P1 -> R1, P3 -> R2
  graph.assignments = {{1, 0}, {2, 0}, {0, 1}, {3, 1}};  // R1 -> P2, R1 -> P3, R2 -> P1, R2 -> P4
  auto verdict = AnalyzeResourceGraph(graph);
  REQUIRE(verdict.ok());
  CHECK(verdict->cycle == std::vector<std::string>{"P1", "R1", "P3", "R2"});
  CHECK_FALSE(verdict->single_instance);
  CHECK_FALSE(verdict->deadlock());
  CHECK(verdict->detection.sequence == std::vector<std::size_t>{1, 0, 2, 3});  // P2, P1, P3, P4
}

// Silberschatz 10e, 8.7.1, Figure 8.11: a resource-allocation graph with one
// instance of each resource, and the wait-for graph obtained "by removing the
// resource nodes and collapsing the appropriate edges". The wait-for graph is
// P1 -> P2, P2 -> P3, P2 -> P4, P2 -> P5, P3 -> P4, P4 -> P1, with the cycles
// P1 -> P2 -> P4 -> P1 and P1 -> P2 -> P3 -> P4 -> P1.
TEST_CASE("Wait-for graph: Figure 8.11 collapses to a deadlocked wait-for graph", "[deadlock][graph]") {
  ResourceGraph rag;
  rag.processes = {"P1", "P2", "P3", "P4", "P5"};
  rag.resources = {"R1", "R2", "R3", "R4", "R5"};
  // P1 waits for R1 (held by P2); P2 waits for R3 (P4), R4 (P3) and R5 (P5);
  // P3 waits for R3 (P4); P4 waits for R2 (P1).
  rag.requests = {{0, 0}, {1, 3}, {1, 2}, {1, 4}, {2, 2}, {3, 1}};
  rag.assignments = {{1, 0}, {0, 1}, {3, 2}, {2, 3}, {4, 4}};
  auto wait_for = CollapseToWaitFor(rag);
  REQUIRE(wait_for.ok());
  CHECK(EdgesOf(wait_for->graph) == Edges{{0, 1}, {1, 2}, {1, 3}, {1, 4}, {2, 3}, {3, 0}});
  CHECK(FindWaitForCycle(*wait_for) == std::vector<std::string>{"P1", "P2", "P3", "P4"});
  const WaitForVerdict verdict = AnalyzeWaitFor(*wait_for);
  CHECK(verdict.deadlocked == std::vector<std::size_t>{0, 1, 2, 3});
  CHECK(verdict.sequence == std::vector<std::size_t>{4});  // P5 waits for nobody

  // Single instances: the graph's own cycle and 8.7.2 agree.
  auto verdict_rag = AnalyzeResourceGraph(rag);
  REQUIRE(verdict_rag.ok());
  CHECK(verdict_rag->single_instance);
  CHECK_FALSE(verdict_rag->cycle.empty());
  CHECK(verdict_rag->detection.deadlocked == std::vector<std::size_t>{0, 1, 2, 3});
}

TEST_CASE("RAG: the cycle starts at its lowest-numbered process", "[deadlock][graph]") {
  // R1 -> P2 is added first, but the cycle is reported from P1.
  ResourceGraph graph;
  graph.processes = {"P1", "P2"};
  graph.resources = {"R1", "R2"};
  graph.requests = {{1, 1}, {0, 0}};     // P2 -> R2, P1 -> R1
  graph.assignments = {{1, 0}, {0, 1}};  // R1 -> P2, R2 -> P1
  auto cycle = FindResourceGraphCycle(graph);
  REQUIRE(cycle.ok());
  CHECK(*cycle == std::vector<std::string>{"P1", "R1", "P2", "R2"});
}

TEST_CASE("RAG: invalid graphs name the offending item", "[deadlock][graph]") {
  auto message = [](const ResourceGraph& g) { return ValidateResourceGraph(g).value_or(InputError{"ok"}).message; };
  ResourceGraph graph = Figure84();
  graph.assignments.push_back({0, 0});  // a second R1 -> P1, but R1 has one instance
  CHECK(message(graph) == "R1 has 1 instance but 2 are assigned");
  graph = Figure84();
  graph.resources[3] = "P1";
  CHECK(message(graph) == "the name 'P1' is used twice");
  graph = Figure84();
  graph.instances[1] = 0;
  CHECK(message(graph) == "R2 has 0 instances: must be >= 1");
  graph = Figure84();
  graph.requests.push_back({7, 0});
  CHECK(message(graph) == "request edge 2 names a process or resource that does not exist");
  graph = Figure84();
  graph.requests.push_back({1, 0});  // P2 holds the only R1 and asks for it again
  auto state = ToDetectionState(graph);
  REQUIRE_FALSE(state.ok());
  CHECK(state.error().message ==
        "P2 requests 1 of R1 but R1 has 1 instance(s) and P2 holds 1: it could never be granted");
}

// With one instance of each resource, "a cycle in the graph" and "detection
// finds a deadlock" are the same question (8.3.2, 8.7.1), and the collapsed
// wait-for graph has a cycle exactly when the resource-allocation graph does.
TEST_CASE("RAG: single instances: cycle <=> deadlock <=> wait-for cycle", "[deadlock][graph][property]") {
  Rng rng(8312);
  int deadlocks = 0;
  for (int trial = 0; trial < 400; ++trial) {
    const auto n = static_cast<std::size_t>(rng.Uniform(1, 6));
    const auto m = static_cast<std::size_t>(rng.Uniform(1, 6));
    ResourceGraph graph;
    for (std::size_t i = 0; i < n; ++i) graph.processes.push_back("P" + std::to_string(i + 1));
    for (std::size_t j = 0; j < m; ++j) graph.resources.push_back("R" + std::to_string(j + 1));
    std::vector<std::int64_t> holder(m, -1);
    for (std::size_t j = 0; j < m; ++j) {
      const std::int64_t p = rng.Uniform(-1, static_cast<std::int64_t>(n) - 1);  // -1: free
      holder[j] = p;
      if (p >= 0) graph.assignments.push_back({static_cast<std::size_t>(p), j});
    }
    for (std::size_t i = 0; i < n; ++i) {
      for (std::size_t j = 0; j < m; ++j) {
        if (holder[j] != static_cast<std::int64_t>(i) && rng.Uniform(0, 2) == 0) graph.requests.push_back({i, j});
      }
    }
    auto verdict = AnalyzeResourceGraph(graph);
    REQUIRE(verdict.ok());
    CHECK(verdict->deadlock() == !verdict->cycle.empty());
    auto wait_for = CollapseToWaitFor(graph);
    REQUIRE(wait_for.ok());
    CHECK(FindWaitForCycle(*wait_for).empty() == verdict->cycle.empty());
    if (verdict->deadlock()) ++deadlocks;
  }
  CHECK(deadlocks > 20);
}
