// Benchmarks of os/ deadlock at scale; see bench/README.md.
//
// Speed goals (issue 4): cycle detection on a wait-for graph with 1,000,000
// edges in under 0.5 s, both when the graph is acyclic (the whole graph is
// searched) and when its only cycle is found last; the Banker's safety
// algorithm for 1,000 processes x 10 resource types, the book's O(n^2 m)
// loop and the O(n m log n) version (same answer, tested in banker_test.cpp).
//
//   osgrid-os-bench --benchmark_filter=Deadlock --benchmark_repetitions=5
//                   --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include "osgrid/os/deadlock/banker.h"
#include "osgrid/os/deadlock/wait_for_graph.h"
#include "osgrid/os/random.h"

namespace {

using osgrid::os::Digraph;

constexpr std::uint32_t kVertices = 250000;
constexpr std::size_t kEdges = 1000000;

/// A random DAG on vertices 0..vertices-1: `edges` edges, each from a vertex
/// to a larger one, so the search must visit everything and finds nothing.
Digraph RandomDag(std::uint32_t vertices, std::size_t edges, std::uint32_t graph_size) {
  osgrid::os::Rng rng(2024);
  Digraph graph(graph_size);
  for (std::size_t e = 0; e < edges; ++e) {
    const auto from = static_cast<std::uint32_t>(rng.Uniform(0, vertices - 2));
    const auto to = static_cast<std::uint32_t>(rng.Uniform(from + 1, vertices - 1));
    graph.AddEdge(from, to);
  }
  return graph;
}

void BM_DeadlockFindCycleAcyclic1M(benchmark::State& state) {
  const Digraph graph = RandomDag(kVertices, kEdges, kVertices);
  for (auto _ : state) {
    auto cycle = osgrid::os::FindCycle(graph);
    if (!cycle.empty()) state.SkipWithError("the DAG has a cycle");
    benchmark::DoNotOptimize(cycle);
  }
  state.counters["edges"] = static_cast<double>(graph.edge_count());
}
BENCHMARK(BM_DeadlockFindCycleAcyclic1M)->Unit(benchmark::kMillisecond);

/// The same DAG plus a two-process cycle on the last two vertices, which no
/// other vertex reaches: the search meets it only after everything else.
void BM_DeadlockFindCycleLate1M(benchmark::State& state) {
  Digraph graph = RandomDag(kVertices - 2, kEdges - 2, kVertices);
  graph.AddEdge(kVertices - 2, kVertices - 1);
  graph.AddEdge(kVertices - 1, kVertices - 2);
  for (auto _ : state) {
    auto cycle = osgrid::os::FindCycle(graph);
    if (cycle.size() != 2) state.SkipWithError("expected the late cycle");
    benchmark::DoNotOptimize(cycle);
  }
  state.counters["edges"] = static_cast<double>(graph.edge_count());
}
BENCHMARK(BM_DeadlockFindCycleLate1M)->Unit(benchmark::kMillisecond);

/// The book loop's worst case: a safe state in which only the highest-numbered
/// unfinished process can finish, so every scan walks past all the others.
/// Each process holds one of every type and needs n-1-i more.
osgrid::os::BankerState ReverseOrderState(std::size_t n, std::size_t m) {
  osgrid::os::BankerState banker;
  banker.available.assign(m, 0);
  for (std::size_t i = 0; i < n; ++i) {
    banker.allocation.emplace_back(m, 1);
    banker.max.emplace_back(m, static_cast<std::int64_t>(n - i));
  }
  return banker;
}

void BM_DeadlockBankerSafetyBook(benchmark::State& state) {
  const auto banker = ReverseOrderState(static_cast<std::size_t>(state.range(0)), 10);
  for (auto _ : state) {
    auto result = osgrid::os::RunSafetyAlgorithm(banker);
    if (!result.ok() || !result->safe) state.SkipWithError("expected a safe state");
    benchmark::DoNotOptimize(result);
  }
}
BENCHMARK(BM_DeadlockBankerSafetyBook)->Arg(1000)->Unit(benchmark::kMillisecond);

void BM_DeadlockBankerSafetyFast(benchmark::State& state) {
  const auto banker = ReverseOrderState(static_cast<std::size_t>(state.range(0)), 10);
  for (auto _ : state) {
    auto result = osgrid::os::RunSafetyAlgorithmFast(banker);
    if (!result.ok() || !result->safe) state.SkipWithError("expected a safe state");
    benchmark::DoNotOptimize(result);
  }
}
BENCHMARK(BM_DeadlockBankerSafetyFast)->Arg(1000)->Unit(benchmark::kMillisecond);

}  // namespace
