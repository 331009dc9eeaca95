// osgrid-sync-table-bench: what deadlock detection costs the tracker per
// blocking request (issue 17), with 1,000 tasks and 1,000 Locks in the
// table. Google Benchmark; run
//   build/bin/osgrid-sync-table-bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
//
// The state: task i holds lock i (i = 0..999), and tasks 1..998 each wait
// for the lock of the task before them, a chain of 998 waits with no cycle:
// the longest path a wait-for graph search can be made to walk without
// finding a deadlock. Each iteration is one more blocking request (task 999
// asks for lock 998, so the search walks the whole chain) and its
// cancellation. The same chain with the wait-for graph's Locks replaced by
// one-instance Resources measures the multi-instance algorithm (8.7.2),
// which is O(n^2 m) and is why Locks alone use the graph.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "osgrid/tracker/sync_table.h"

using namespace osgrid;
using namespace osgrid::tracker;

namespace {

constexpr int kTasks = 1000;

std::string Task(int i) { return "peer-1/" + std::to_string(i); }
std::string Object(int i) { return "object-" + std::to_string(i); }

SyncRequest Ask(int task, int object, bool resource) {
  SyncRequest request;
  request.op = resource ? "resource.request" : "lock.acquire";
  request.name = Object(object);
  request.task_id = Task(task);
  request.peer = "peer-1";
  if (resource) request.instances = 1;
  return request;
}

/// The table with the chain described above, and nothing published.
std::unique_ptr<SyncTable> Chain(DeadlockMode mode, bool resources, int tasks) {
  auto table = std::make_unique<SyncTable>(
      mode, [](os::events::Payload) {}, [] { return 0.0; });
  for (int i = 0; i < tasks; ++i) table->Submit(Ask(i, i, resources));
  for (int i = 1; i < tasks - 1; ++i) table->Submit(Ask(i, i - 1, resources));
  return table;
}

void BM_BlockingRequest(benchmark::State& state) {
  const bool resources = state.range(0) != 0;
  const int tasks = static_cast<int>(state.range(1));
  auto table = Chain(DeadlockMode::kDetect, resources, tasks);
  for (auto _ : state) {
    SyncAnswer answer = table->Submit(Ask(tasks - 1, tasks - 2, resources));
    if (!answer.status.ok() || !answer.waiting) return state.SkipWithError("the request did not wait");
    table->Cancel(answer.ticket, "bench");
  }
  state.SetItemsProcessed(state.iterations());
  state.SetLabel(std::string(resources ? "Resources: multi-instance detection" : "Locks: wait-for graph") + ", " +
                 std::to_string(tasks) + " tasks");
}
BENCHMARK(BM_BlockingRequest)->Args({0, kTasks})->Args({1, 100})->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_BlockingRequest)->Args({1, kTasks})->Iterations(3)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
