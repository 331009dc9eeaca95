// osgrid-sched-bench: what round-robin costs on a live peer, as the task
// processes themselves see it.
//
// Each quantum Q of --quantum gets its own cluster: a tracker and one peer
// with one core, `--scheduler rr --quantum Q` (LocalCluster on loopback).
// A run sends two CPU-bound tasks, A and B, together as one confidential
// CPU_BATCH. Each task is a Python loop that reads time.monotonic()
// (CLOCK_MONOTONIC, one clock for every process of the machine) over and
// over for --run-ms of wall time and records every gap longer than 1 ms as
// (last time seen running, first time seen again); it returns them as JSON.
//
//   preempt/s  the peer's STATUS scheduling.preemptions, after the batch
//              minus before, over the batch's wall time (sent -> answered)
//   switch/s   the same from the tasks: gaps of one task in which the other
//              was seen running (below), over the same wall time
//   switch     delay from a task's last time seen before a gap to the other
//              task's first time seen after it resumed (the other task's
//              first appearance within [last - 1 ms, end of the gap)):
//              p50, p99, max over every switch of the run. A gap of one task
//              in which the other did not appear is not a switch (the
//              machine's other processes had the CPU); the other task's very
//              first start (a new process) is not one either: it is printed
//              as "first dispatch"
//   run - Q    how precisely slices end: the time a task ran between two
//              switches (from first seen after one to last seen before the
//              next; its first and last turns are left out) minus Q, p50 and
//              p99. "wall" counts the whole stretch; "net" subtracts the
//              task's own gaps within it that were not switches (a slice
//              ends on Q of CPU time, or Q + 5 ms held besides the run
//              delay: docs/scheduling.md)
//
// Each quantum is run --runs times (after one short warm-up batch) and the
// table ends with the medians of the runs. On a machine shared with other
// work, read the load average it prints.
//
// Usage: build/bin/osgrid-sched-bench [--quantum 20] [--run-ms 3000] [--runs 5]
//        --quantum takes a list: --quantum 10,20,50 runs each in turn.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "bench_util.h"
#include "osgrid/client/ops.h"
#include "osgrid/net/client.h"
#include "osgrid/net/messages.h"
#include "osgrid/scenario/cluster.h"

using namespace osgrid;
using osgrid::bench::Median;
using osgrid::bench::Percentile;
using Clock = std::chrono::steady_clock;

namespace {

// The task: spin on time.monotonic() for run_ms of wall time; every gap
// over 1 ms is (last seen, first seen again). Times in ms, CLOCK_MONOTONIC.
constexpr const char* kSpinner = R"(import time

def main(run_ms):
    mono = time.monotonic
    start = mono()
    end = start + run_ms / 1000.0
    last = start
    gaps = []
    while last < end:
        now = mono()
        if now - last > 0.001:
            gaps.append([last * 1000.0, now * 1000.0])
        last = now
    return {"start": start * 1000.0, "end": last * 1000.0, "gaps": gaps}
)";

struct Gap {
  double last_seen = 0, seen_again = 0;
};

/// What one task saw of itself.
struct Trace {
  double start = 0, end = 0;
  std::vector<Gap> gaps;
};

struct RunFigures {
  double wall_s = 0;
  std::int64_t preemptions = 0;
  int switches = 0;
  double preempt_per_s = 0, switch_per_s = 0;
  double switch_p50 = 0, switch_p99 = 0, switch_max = 0;
  double first_dispatch_ms = -1;
  int runs_measured = 0;  // turns between two switches
  double run_wall_p50 = 0, run_wall_p99 = 0, run_net_p50 = 0, run_net_p99 = 0;
};

[[noreturn]] void Die(const std::string& why) {
  std::fprintf(stderr, "osgrid-sched-bench: %s\n", why.c_str());
  std::exit(1);
}

double MillisSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

std::int64_t Preemptions(net::Client& client) {
  auto status = client::NodeStatus(client);
  if (!status.ok()) Die("STATUS: " + status.status().ToString());
  const Json& scheduling = (*status)["scheduling"];
  if (!scheduling.is_object() || !scheduling.contains("preemptions")) Die("STATUS has no scheduling.preemptions");
  return scheduling["preemptions"].get<std::int64_t>();
}

Trace DecodeTrace(const Json& result) {
  Trace trace;
  trace.start = result.at("start").get<double>();
  trace.end = result.at("end").get<double>();
  for (const auto& gap : result.at("gaps")) trace.gaps.push_back({gap.at(0).get<double>(), gap.at(1).get<double>()});
  return trace;
}

/// The times `trace`'s task was first seen running again: its start, then
/// the end of each gap.
std::vector<double> Appearances(const Trace& trace) {
  std::vector<double> times{trace.start};
  for (const auto& gap : trace.gaps) times.push_back(gap.seen_again);
  return times;
}

/// Sends the batch of two spinners and returns their traces; `wall_s` gets
/// the batch's wall time.
std::vector<Trace> RunBatch(net::Client& client, int run_ms, double* wall_s) {
  net::CpuBatchRequest batch;
  batch.confidential = true;
  for (const char* name : {"A", "B"}) {
    auto task = net::MakeTask(kSpinner, "main", {run_ms});
    task.name = name;
    batch.tasks.push_back(std::move(task));
  }
  const auto start = Clock::now();
  auto reply = client::Batch(client, batch);
  if (!reply.ok()) Die("batch: " + reply.status().ToString());
  if (wall_s) *wall_s = MillisSince(start) / 1000;
  std::vector<Trace> traces;
  for (const auto& result : reply->value.results) {
    if (!result.ok()) Die("task " + result.task_id + ": " + result.status.ToString() + "\n" + result.status.detail());
    traces.push_back(DecodeTrace(result.result));
  }
  if (traces.size() != 2) Die("batch answered " + std::to_string(traces.size()) + " results, not 2");
  return traces;
}

/// The figures the tasks' traces give (everything but the peer's count).
void Analyse(const std::vector<Trace>& traces, double quantum_ms, RunFigures& figures) {
  std::vector<double> delays, run_wall, run_net;
  for (std::size_t self = 0; self < 2; ++self) {
    const Trace& mine = traces[self];
    const Trace& other = traces[1 - self];
    const auto other_appears = Appearances(other);
    // Per gap of mine: is it a switch, and when did the other task appear?
    std::vector<bool> is_switch(mine.gaps.size(), false);
    for (std::size_t g = 0; g < mine.gaps.size(); ++g) {
      const Gap& gap = mine.gaps[g];
      auto it = std::lower_bound(other_appears.begin(), other_appears.end(), gap.last_seen - 1.0);
      if (it == other_appears.end() || *it >= gap.seen_again) continue;  // the machine's other load, not a switch
      if (it == other_appears.begin()) {  // the other task's process starting: not a quantum switch
        figures.first_dispatch_ms = *it - gap.last_seen;
        continue;
      }
      is_switch[g] = true;
      delays.push_back(*it - gap.last_seen);
    }
    // Turns between two switches: from the end of one switch gap to the
    // start of the next; the gaps between that were not switches are the
    // machine's.
    std::optional<std::size_t> turn_from;  // index of the switch gap the turn began after
    double interference = 0;
    for (std::size_t g = 0; g < mine.gaps.size(); ++g) {
      if (!is_switch[g]) {
        if (turn_from) interference += mine.gaps[g].seen_again - mine.gaps[g].last_seen;
        continue;
      }
      if (turn_from) {
        const double wall = mine.gaps[g].last_seen - mine.gaps[*turn_from].seen_again;
        run_wall.push_back(wall - quantum_ms);
        run_net.push_back(wall - interference - quantum_ms);
      }
      turn_from = g;
      interference = 0;
    }
  }
  figures.switches = static_cast<int>(delays.size());
  figures.switch_p50 = Percentile(delays, 0.5);
  figures.switch_p99 = Percentile(delays, 0.99);
  figures.switch_max = delays.empty() ? 0 : *std::max_element(delays.begin(), delays.end());
  figures.runs_measured = static_cast<int>(run_wall.size());
  figures.run_wall_p50 = Percentile(run_wall, 0.5);
  figures.run_wall_p99 = Percentile(run_wall, 0.99);
  figures.run_net_p50 = Percentile(run_net, 0.5);
  figures.run_net_p99 = Percentile(run_net, 0.99);
}

RunFigures RunOnce(net::Client& client, int quantum_ms, int run_ms) {
  RunFigures figures;
  const std::int64_t before = Preemptions(client);
  auto traces = RunBatch(client, run_ms, &figures.wall_s);
  figures.preemptions = Preemptions(client) - before;
  Analyse(traces, quantum_ms, figures);
  figures.preempt_per_s = static_cast<double>(figures.preemptions) / figures.wall_s;
  figures.switch_per_s = figures.switches / figures.wall_s;
  return figures;
}

void PrintRow(const char* label, const RunFigures& f) {
  std::printf("  %-8s %6.2f %7lld %9.1f %6d %9.1f %7.3f %7.3f %7.2f %8.1f %6d %7.2f %7.2f %7.2f %7.2f\n", label,
              f.wall_s, static_cast<long long>(f.preemptions), f.preempt_per_s, f.switches, f.switch_per_s,
              f.switch_p50, f.switch_p99, f.switch_max, f.first_dispatch_ms, f.runs_measured, f.run_wall_p50,
              f.run_wall_p99, f.run_net_p50, f.run_net_p99);
}

/// The median of each column over `runs`.
RunFigures Medians(const std::vector<RunFigures>& runs) {
  auto median = [&runs](auto field) {
    std::vector<double> values;
    for (const auto& run : runs) values.push_back(static_cast<double>(run.*field));
    return Median(values);
  };
  RunFigures m;
  m.wall_s = median(&RunFigures::wall_s);
  m.preemptions = static_cast<std::int64_t>(median(&RunFigures::preemptions));
  m.preempt_per_s = median(&RunFigures::preempt_per_s);
  m.switches = static_cast<int>(median(&RunFigures::switches));
  m.switch_per_s = median(&RunFigures::switch_per_s);
  m.switch_p50 = median(&RunFigures::switch_p50);
  m.switch_p99 = median(&RunFigures::switch_p99);
  m.switch_max = median(&RunFigures::switch_max);
  m.first_dispatch_ms = median(&RunFigures::first_dispatch_ms);
  m.runs_measured = static_cast<int>(median(&RunFigures::runs_measured));
  m.run_wall_p50 = median(&RunFigures::run_wall_p50);
  m.run_wall_p99 = median(&RunFigures::run_wall_p99);
  m.run_net_p50 = median(&RunFigures::run_net_p50);
  m.run_net_p99 = median(&RunFigures::run_net_p99);
  return m;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<int> quanta{20};
  int run_ms = 3000, runs = 5;
  CLI::App app{"osgrid-sched-bench: preemptions/s and switch delay of RR on a live one-core peer"};
  app.add_option("--quantum", quanta, "RR quantum, ms; a list runs each (10,20,50)")
      ->delimiter(',')
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--run-ms", run_ms, "Wall time each task spins, ms")
      ->check(CLI::Range(100, 50000))
      ->capture_default_str();
  app.add_option("--runs", runs, "Batches per quantum")->check(CLI::PositiveNumber)->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  std::printf(
      "osgrid-sched-bench: 1 peer x 1 core, RR, 2 tasks spinning %d ms each per batch, %d runs (load average %s)\n",
      run_ms, runs, bench::LoadAverage().c_str());
  std::printf(
      "  times in ms; preempt = peer's STATUS, switch = seen by the tasks; run - Q: wall / net of the machine's "
      "gaps\n");
  for (int quantum : quanta) {
    scenario::ClusterOptions options;
    options.peers = 1;
    options.cores = 1;
    options.peer_args = {"--scheduler", "rr", "--quantum", std::to_string(quantum)};
    auto cluster = scenario::LocalCluster::Start(options);
    if (!cluster.ok()) Die(cluster.status().ToString() + "\n" + cluster.status().detail());
    auto client = net::Client::Connect("127.0.0.1", (*cluster)->Peer("peer-1")->port);
    if (!client.ok()) Die(client.status().ToString());
    RunBatch(**client, std::min(run_ms, 300), nullptr);  // warm-up: the zygote, the page cache

    std::printf("\nQ = %d ms (ideal %.1f preemptions/s)\n", quantum, 1000.0 / quantum);
    std::printf("  %-8s %6s %7s %9s %6s %9s %7s %7s %7s %8s %6s %7s %7s %7s %7s\n", "run", "wall s", "preempt",
                "preempt/s", "switch", "switch/s", "sw p50", "sw p99", "sw max", "1st disp", "turns", "wall50",
                "wall99", "net50", "net99");
    std::vector<RunFigures> all;
    for (int run = 1; run <= runs; ++run) {
      all.push_back(RunOnce(**client, quantum, run_ms));
      PrintRow(std::to_string(run).c_str(), all.back());
      std::fflush(stdout);
    }
    PrintRow("median", Medians(all));
    (*cluster)->Stop();
  }
  std::printf("\nload average at the end %s\n", bench::LoadAverage().c_str());
  return 0;
}
