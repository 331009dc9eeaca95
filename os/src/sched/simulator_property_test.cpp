// Invariants of every policy on random inputs (seeded, so failures repeat).
#include <catch2/catch.hpp>

#include <algorithm>
#include <numeric>
#include <string>
#include <vector>

#include "osgrid/os/random.h"
#include "osgrid/os/sched/sched_policies.h"
#include "osgrid/os/sched/simulator.h"
#include "sched_test_support.h"

using namespace osgrid::os;
using Kind = SchedSegment::Kind;

namespace {

struct Case {
  std::vector<SchedProcess> jobs;
  SchedPolicyParams params;
  SchedOptions options;
};

Case RandomCase(Rng& rng, bool with_io, bool with_switches) {
  Case c;
  c.jobs = testing::RandomSchedJobs(rng, with_io);
  c.params.quantum = rng.Uniform(1, 5);
  c.params.aging = rng.Uniform(0, 1) == 0 ? 0 : rng.Uniform(1, 6);
  c.params.seed = rng.Next();
  c.options.context_switch_cost = with_switches ? rng.Uniform(0, 2) : 0;
  return c;
}

SchedResult Simulate(const std::string& policy, const Case& c) {
  auto made = MakeSchedPolicy(policy, c.params);
  REQUIRE(made.ok());
  auto result = SimulateScheduling(**made, c.jobs, c.options);
  REQUIRE(result.ok());
  return *result;
}

/// Each process's intervals of I/O, rebuilt from its run segments: a CPU burst
/// ends where its cumulative CPU time reaches the burst's end, and its I/O follows.
std::vector<std::vector<std::pair<std::int64_t, std::int64_t>>> IoIntervals(const SchedResult& r, const Case& c) {
  std::vector<std::vector<std::pair<std::int64_t, std::int64_t>>> io(c.jobs.size());
  std::vector<std::int64_t> ran(c.jobs.size(), 0);
  std::vector<std::size_t> burst(c.jobs.size(), 0);
  std::vector<std::int64_t> burst_end(c.jobs.size());
  for (std::size_t p = 0; p < c.jobs.size(); ++p) burst_end[p] = c.jobs[p].bursts[0];
  for (const SchedSegment& s : r.timeline) {
    if (s.kind != Kind::kRun) continue;
    const std::size_t p = s.process;
    ran[p] += s.end - s.start;
    REQUIRE(ran[p] <= burst_end[p]);  // a segment never spans two CPU bursts
    if (ran[p] == burst_end[p] && burst[p] + 1 < c.jobs[p].bursts.size()) {
      const std::int64_t length = c.jobs[p].bursts[burst[p] + 1];
      io[p].push_back({s.end, s.end + length});
      burst[p] += 2;
      burst_end[p] += c.jobs[p].bursts[burst[p]];
    }
  }
  return io;
}

void CheckInvariants(const std::string& policy, const SchedResult& r, const Case& c) {
  INFO("policy " << policy);
  const std::size_t n = c.jobs.size();
  // Every process finishes; the metrics follow their definitions.
  for (std::size_t p = 0; p < n; ++p) {
    const SchedProcess& job = c.jobs[p];
    const SchedProcessResult& m = r.processes[p];
    CHECK(m.first_run >= job.arrival);
    CHECK(m.completion >= job.arrival + job.cpu_time() + job.io_time());
    CHECK(m.response == m.first_run - job.arrival);
    CHECK(m.turnaround == m.completion - job.arrival);
    CHECK(m.response <= m.turnaround);
    CHECK(m.waiting == m.turnaround - m.cpu - m.io);
    CHECK(m.waiting >= 0);
  }
  // The timeline: time-ordered, gap-free from 0 to the makespan, never overlapping.
  REQUIRE_FALSE(r.timeline.empty());
  CHECK(r.timeline.front().start == 0);
  CHECK(r.timeline.back().end == r.makespan);
  std::vector<std::int64_t> cpu(n, 0);
  std::int64_t idle = 0, switching = 0;
  for (std::size_t i = 0; i < r.timeline.size(); ++i) {
    const SchedSegment& s = r.timeline[i];
    CHECK(s.start < s.end);
    if (i > 0) CHECK(r.timeline[i - 1].end == s.start);
    if (s.kind == Kind::kRun) cpu[s.process] += s.end - s.start;
    if (s.kind == Kind::kIdle) idle += s.end - s.start;
    if (s.kind == Kind::kSwitch) switching += s.end - s.start;
  }
  for (std::size_t p = 0; p < n; ++p) CHECK(cpu[p] == c.jobs[p].cpu_time());
  CHECK(r.busy + idle + switching == r.makespan);
  CHECK(r.switching == switching);
  CHECK(r.switching == r.context_switches * c.options.context_switch_cost);
  // Context switches: without a cost, the changes of process between consecutive runs.
  if (c.options.context_switch_cost == 0) {
    std::int64_t changes = 0;
    std::size_t last = n;
    for (const SchedSegment& s : r.timeline) {
      if (s.kind != Kind::kRun) continue;
      if (last != n && last != s.process) ++changes;
      last = s.process;
    }
    CHECK(r.context_switches == changes);
  }
  // Work-conserving: while the CPU idles, every process is absent, doing I/O or done.
  const auto io = IoIntervals(r, c);
  for (const SchedSegment& s : r.timeline) {
    if (s.kind != Kind::kIdle) continue;
    for (std::size_t p = 0; p < n; ++p) {
      if (s.end <= c.jobs[p].arrival || s.start >= r.processes[p].completion) continue;
      const bool in_io = std::any_of(io[p].begin(), io[p].end(), [&](const auto& interval) {
        return interval.first <= s.start && s.end <= interval.second;
      });
      INFO("idle " << s.start << "-" << s.end << " while job " << p << " is ready");
      CHECK(in_io);
    }
  }
  // Non-preemptive policies without a quantum run each CPU burst in one piece.
  if (policy == "FCFS" || policy == "SJF" || policy == "PRIORITY") {
    std::size_t bursts = 0;
    for (const SchedProcess& job : c.jobs) bursts += (job.bursts.size() + 1) / 2;
    CHECK(static_cast<std::size_t>(std::count_if(r.timeline.begin(), r.timeline.end(), [](const SchedSegment& s) {
            return s.kind == Kind::kRun;
          })) == bursts);
  }
}

}  // namespace

TEST_CASE("Every policy keeps the invariants on random inputs", "[sched][sim][property]") {
  Rng rng(20240917);
  for (int round = 0; round < 400; ++round) {
    const Case c = RandomCase(rng, round % 2 == 1, round % 4 >= 2);
    for (const std::string& policy : SchedPolicyNames()) {
      CheckInvariants(policy, Simulate(policy, c), c);
    }
  }
}

TEST_CASE("The aging scan and the heap agree when nobody ages", "[sched][sim][property][aging]") {
  Rng rng(7);
  for (int round = 0; round < 300; ++round) {
    Case c = RandomCase(rng, round % 2 == 1, false);
    for (const char* policy : {"PRIORITY", "PRIORITY-P"}) {
      c.params.aging = 0;
      const SchedResult heap = Simulate(policy, c);
      c.params.aging = 1'000'000;  // the linear scan, but no task waits that long
      const SchedResult scan = Simulate(policy, c);
      REQUIRE(heap.timeline.size() == scan.timeline.size());
      for (std::size_t i = 0; i < heap.timeline.size(); ++i) {
        CHECK(heap.timeline[i].process == scan.timeline[i].process);
        CHECK(heap.timeline[i].end == scan.timeline[i].end);
      }
    }
  }
}

TEST_CASE("The same seed gives the same lottery", "[sched][sim][property][lottery]") {
  Rng rng(99);
  for (int round = 0; round < 50; ++round) {
    const Case c = RandomCase(rng, true, false);
    const SchedResult a = Simulate("LOTTERY", c);
    const SchedResult b = Simulate("LOTTERY", c);
    REQUIRE(a.timeline.size() == b.timeline.size());
    for (std::size_t i = 0; i < a.timeline.size(); ++i) CHECK(a.timeline[i].process == b.timeline[i].process);
  }
}

// SJF is optimal for average waiting time among non-preemptive schedules of
// jobs that all arrive together (Silberschatz 10e, 5.3.2): compare with every
// order, by brute force.
TEST_CASE("SJF minimises average waiting for simultaneous arrivals", "[sched][sim][property][sjf]") {
  Rng rng(5);
  for (int round = 0; round < 200; ++round) {
    Case c;
    const int n = static_cast<int>(rng.Uniform(1, 6));
    for (int i = 0; i < n; ++i) c.jobs.push_back(SchedProcess{"P" + std::to_string(i), 0, {rng.Uniform(1, 20)}});
    std::vector<std::size_t> order(c.jobs.size());
    std::iota(order.begin(), order.end(), 0);
    std::int64_t best = -1;
    do {
      std::int64_t clock = 0, waiting = 0;
      for (std::size_t p : order) {
        waiting += clock;
        clock += c.jobs[p].bursts[0];
      }
      if (best < 0 || waiting < best) best = waiting;
    } while (std::next_permutation(order.begin(), order.end()));
    const SchedResult sjf = Simulate("SJF", c);
    CHECK(sjf.average_waiting == Approx(static_cast<double>(best) / n));
    CHECK(Simulate("FCFS", c).average_waiting >= sjf.average_waiting);
  }
}
