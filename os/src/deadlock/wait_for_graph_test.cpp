#include <catch2/catch.hpp>
#include <deque>
#include <set>
#include <utility>

#include "osgrid/os/deadlock/wait_for_graph.h"
#include "osgrid/os/random.h"

using namespace osgrid::os;

namespace {

/// Kahn's algorithm: true when every vertex can be put in a topological order.
bool HasTopologicalOrder(const Digraph& graph) {
  const std::size_t n = graph.vertex_count();
  std::vector<std::size_t> in_degree(n, 0);
  for (std::uint32_t v = 0; v < n; ++v) {
    for (std::uint32_t w : graph.successors(v)) ++in_degree[w];
  }
  std::deque<std::uint32_t> ready;
  for (std::uint32_t v = 0; v < n; ++v) {
    if (in_degree[v] == 0) ready.push_back(v);
  }
  std::size_t ordered = 0;
  while (!ready.empty()) {
    const std::uint32_t v = ready.front();
    ready.pop_front();
    ++ordered;
    for (std::uint32_t w : graph.successors(v)) {
      if (--in_degree[w] == 0) ready.push_back(w);
    }
  }
  return ordered == n;
}

bool HasEdge(const Digraph& graph, std::uint32_t from, std::uint32_t to) {
  for (std::uint32_t w : graph.successors(from)) {
    if (w == to) return true;
  }
  return false;
}

/// Every vi -> vi+1 and vk -> v0 is an edge, and no vertex repeats.
bool IsCycle(const Digraph& graph, const std::vector<std::uint32_t>& cycle) {
  if (cycle.empty()) return false;
  if (std::set<std::uint32_t>(cycle.begin(), cycle.end()).size() != cycle.size()) return false;
  for (std::size_t k = 0; k < cycle.size(); ++k) {
    if (!HasEdge(graph, cycle[k], cycle[(k + 1) % cycle.size()])) return false;
  }
  return true;
}

}  // namespace

TEST_CASE("FindCycle: small graphs", "[deadlock][wait-for]") {
  Digraph empty(0);
  CHECK(FindCycle(empty).empty());

  Digraph self_loop(2);
  self_loop.AddEdge(1, 1);
  CHECK(FindCycle(self_loop) == std::vector<std::uint32_t>{1});

  // P0 -> P1 -> P2 -> P0, entered at P0.
  Digraph triangle(3);
  triangle.AddEdge(0, 1);
  triangle.AddEdge(1, 2);
  triangle.AddEdge(2, 0);
  CHECK(FindCycle(triangle) == std::vector<std::uint32_t>{0, 1, 2});
  CHECK(triangle.edge_count() == 3);

  // A diamond is acyclic although vertex 3 is reached twice.
  Digraph diamond(4);
  diamond.AddEdge(0, 1);
  diamond.AddEdge(0, 2);
  diamond.AddEdge(1, 3);
  diamond.AddEdge(2, 3);
  CHECK(FindCycle(diamond).empty());
}

TEST_CASE("FindCycle: a long chain does not overflow the stack", "[deadlock][wait-for]") {
  const std::uint32_t n = 300000;
  Digraph chain(n);
  for (std::uint32_t v = 0; v + 1 < n; ++v) chain.AddEdge(v, v + 1);
  CHECK(FindCycle(chain).empty());
  chain.AddEdge(n - 1, 0);
  CHECK(FindCycle(chain).size() == n);
}

// Properties: a returned cycle is real (every edge exists), and the result is
// empty exactly when a topological order exists (Kahn's algorithm).
TEST_CASE("FindCycle: real cycles, empty iff a topological order exists", "[deadlock][wait-for][property]") {
  Rng rng(32);
  int cyclic = 0;
  for (int trial = 0; trial < 500; ++trial) {
    const auto n = static_cast<std::uint32_t>(rng.Uniform(1, 12));
    Digraph graph(n);
    const bool dag = rng.Uniform(0, 1) == 0;  // half the graphs only have edges to larger vertices
    const std::int64_t edges = rng.Uniform(0, 2 * n);
    for (std::int64_t e = 0; e < edges; ++e) {
      auto from = static_cast<std::uint32_t>(rng.Uniform(0, n - 1));
      auto to = static_cast<std::uint32_t>(rng.Uniform(0, n - 1));
      if (dag && from >= to) continue;
      graph.AddEdge(from, to);
    }
    const std::vector<std::uint32_t> cycle = FindCycle(graph);
    CHECK(cycle.empty() == HasTopologicalOrder(graph));
    if (!cycle.empty()) {
      ++cyclic;
      CHECK(IsCycle(graph, cycle));
    }
  }
  CHECK(cyclic > 50);
}
