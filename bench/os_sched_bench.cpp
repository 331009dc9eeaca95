// Benchmarks of os/ sched at scale; see bench/README.md.
//
// Speed goal (issue 4): 1,000,000 processes with seeded random arrivals and
// bursts scheduled in under 1 s per policy. One iteration = one whole run.
//   osgrid-os-bench --benchmark_filter=Sched --benchmark_repetitions=5
//                   --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "osgrid/os/random.h"
#include "osgrid/os/sched/sched_policies.h"
#include "osgrid/os/sched/simulator.h"

namespace {

using osgrid::os::SchedProcess;

constexpr int kProcesses = 1'000'000;

/// 1M processes: bursts of 1-20 time units (mean 10.5), arrivals uniform over
/// [0, 10.5 n) so the CPU is loaded ~100% and the ready queue grows large;
/// priorities 0-39, tickets 1-200.
const std::vector<SchedProcess>& Processes() {
  static const std::vector<SchedProcess> processes = [] {
    osgrid::os::Rng rng(2024);
    std::vector<SchedProcess> made(kProcesses);
    for (int i = 0; i < kProcesses; ++i) {
      SchedProcess& p = made[i];
      p.name = std::to_string(i);
      p.arrival = rng.Uniform(0, kProcesses * 21 / 2 - 1);
      p.bursts = {rng.Uniform(1, 20)};
      p.priority = static_cast<int>(rng.Uniform(0, 39));
      p.tickets = rng.Uniform(1, 200);
    }
    return made;
  }();
  return processes;
}

void Schedule(benchmark::State& state, const std::string& policy, bool timeline) {
  const std::vector<SchedProcess>& processes = Processes();
  osgrid::os::SchedPolicyParams params;
  params.quantum = 4;
  params.seed = 7;
  osgrid::os::SchedOptions options;
  options.record_timeline = timeline;
  for (auto _ : state) {
    auto made = osgrid::os::MakeSchedPolicy(policy, params);
    auto result = osgrid::os::SimulateScheduling(**made, processes, options);
    if (!result.ok()) {
      state.SkipWithError(result.error().message.c_str());
      return;
    }
    state.counters["avg_wait"] = result->average_waiting;
    state.counters["segments"] = static_cast<double>(result->timeline.size());
    benchmark::DoNotOptimize(result->makespan);
  }
  state.SetItemsProcessed(state.iterations() * kProcesses);
}

#define OSGRID_SCHED_BENCH(name, policy)                                           \
  void BM_Sched_##name(benchmark::State& state) { Schedule(state, policy, true); } \
  BENCHMARK(BM_Sched_##name)->Unit(benchmark::kMillisecond)->Iterations(1);

OSGRID_SCHED_BENCH(FCFS, "FCFS")
OSGRID_SCHED_BENCH(SJF, "SJF")
OSGRID_SCHED_BENCH(SRTF, "SRTF")
OSGRID_SCHED_BENCH(PRIORITY, "PRIORITY")
OSGRID_SCHED_BENCH(PRIORITY_P, "PRIORITY-P")
OSGRID_SCHED_BENCH(RR, "RR")
OSGRID_SCHED_BENCH(MLFQ, "MLFQ")
OSGRID_SCHED_BENCH(LOTTERY, "LOTTERY")
OSGRID_SCHED_BENCH(STRIDE, "STRIDE")

/// The same runs without recording the Gantt chart: what the timeline costs.
void BM_Sched_RR_NoTimeline(benchmark::State& state) { Schedule(state, "RR", false); }
BENCHMARK(BM_Sched_RR_NoTimeline)->Unit(benchmark::kMillisecond)->Iterations(1);
void BM_Sched_LOTTERY_NoTimeline(benchmark::State& state) { Schedule(state, "LOTTERY", false); }
BENCHMARK(BM_Sched_LOTTERY_NoTimeline)->Unit(benchmark::kMillisecond)->Iterations(1);

}  // namespace
