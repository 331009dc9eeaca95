// The simulator on the textbooks' worked examples. Each test cites its source.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "osgrid/os/sched/sched_policies.h"
#include "osgrid/os/sched/simulator.h"

using namespace osgrid::os;

namespace {

/// Processes named P1, P2, ... (or A, B, C when `letters`), one CPU burst each.
std::vector<SchedProcess> Jobs(const std::vector<std::int64_t>& bursts, const std::vector<std::int64_t>& arrivals = {},
                               const std::vector<int>& priorities = {}, bool letters = false) {
  std::vector<SchedProcess> jobs;
  for (std::size_t i = 0; i < bursts.size(); ++i) {
    SchedProcess job;
    job.name = letters ? std::string(1, static_cast<char>('A' + i)) : "P" + std::to_string(i + 1);
    job.arrival = arrivals.empty() ? 0 : arrivals[i];
    job.bursts = {bursts[i]};
    job.priority = priorities.empty() ? 0 : priorities[i];
    jobs.push_back(job);
  }
  return jobs;
}

SchedResult Run(const std::string& policy, const std::vector<SchedProcess>& jobs, SchedPolicyParams params = {},
                SchedOptions options = {}) {
  auto made = MakeSchedPolicy(policy, params);
  REQUIRE(made.ok());
  auto result = SimulateScheduling(**made, jobs, options);
  if (!result.ok()) FAIL(result.error().message);
  return *result;
}

/// The timeline as "P1 0-24, P2 24-27, ...", idle as "-" and switches as "cs".
std::string Gantt(const SchedResult& result, const std::vector<SchedProcess>& jobs) {
  std::string text;
  for (const SchedSegment& s : result.timeline) {
    if (!text.empty()) text += ", ";
    if (s.kind == SchedSegment::Kind::kIdle) text += "-";
    if (s.kind == SchedSegment::Kind::kSwitch) text += "cs";
    if (s.kind == SchedSegment::Kind::kRun) text += jobs[s.process].name;
    text += " " + std::to_string(s.start) + "-" + std::to_string(s.end);
  }
  return text;
}

std::vector<std::int64_t> Waiting(const SchedResult& result) {
  std::vector<std::int64_t> waiting;
  for (const SchedProcessResult& p : result.processes) waiting.push_back(p.waiting);
  return waiting;
}

}  // namespace

// Silberschatz 10e, 5.3.1: P1 = 24, P2 = 3, P3 = 3 in that order wait 0, 24,
// 27 (average 17); in the order P2, P3, P1 they wait 6, 0, 3 (average 3).
TEST_CASE("FCFS: Silberschatz 5.3.1, the convoy effect", "[sched][sim][fcfs]") {
  auto jobs = Jobs({24, 3, 3});
  SchedResult result = Run("FCFS", jobs);
  CHECK(Gantt(result, jobs) == "P1 0-24, P2 24-27, P3 27-30");
  CHECK(Waiting(result) == std::vector<std::int64_t>{0, 24, 27});
  CHECK(result.average_waiting == Approx(17));
  CHECK(result.context_switches == 2);
  CHECK(result.utilization == Approx(1.0));
  CHECK(result.throughput == Approx(3.0 / 30));

  SchedResult better = Run("FIFO", Jobs({3, 3, 24}));
  CHECK(better.average_waiting == Approx(3));
}

// Silberschatz 10e, 5.3.2: bursts 6, 8, 7, 3 -> P4, P1, P3, P2; waits 3, 16, 9, 0 (average 7).
TEST_CASE("SJF: Silberschatz 5.3.2", "[sched][sim][sjf]") {
  auto jobs = Jobs({6, 8, 7, 3});
  SchedResult result = Run("SJF", jobs);
  CHECK(Gantt(result, jobs) == "P4 0-3, P1 3-9, P3 9-16, P2 16-24");
  CHECK(Waiting(result) == std::vector<std::int64_t>{3, 16, 9, 0});
  CHECK(result.average_waiting == Approx(7));
}

// Silberschatz 10e, 5.3.2 (preemptive SJF): arrivals 0, 1, 2, 3 and bursts
// 8, 4, 9, 5 -> P1 0-1, P2 1-5, P4 5-10, P1 10-17, P3 17-26; average wait 6.5.
TEST_CASE("SRTF: Silberschatz 5.3.2's preemptive example", "[sched][sim][srtf]") {
  auto jobs = Jobs({8, 4, 9, 5}, {0, 1, 2, 3});
  SchedResult result = Run("SRTF", jobs);
  CHECK(Gantt(result, jobs) == "P1 0-1, P2 1-5, P4 5-10, P1 10-17, P3 17-26");
  CHECK(Waiting(result) == std::vector<std::int64_t>{9, 0, 15, 2});
  CHECK(result.average_waiting == Approx(6.5));
  CHECK(result.context_switches == 4);
}

// Silberschatz 10e, 5.3.3: q = 4, bursts 24, 3, 3 -> P1 0-4, P2 4-7, P3 7-10,
// P1 10-30; waits 6, 4, 7 (average 17/3 = 5.66).
TEST_CASE("RR: Silberschatz 5.3.3 with a quantum of 4", "[sched][sim][rr]") {
  auto jobs = Jobs({24, 3, 3});
  SchedPolicyParams params;
  params.quantum = 4;
  SchedResult result = Run("RR", jobs, params);
  CHECK(Gantt(result, jobs) == "P1 0-4, P2 4-7, P3 7-10, P1 10-30");  // P1's five last quanta merge
  CHECK(Waiting(result) == std::vector<std::int64_t>{6, 4, 7});
  CHECK(result.average_waiting == Approx(17.0 / 3));
  CHECK(result.context_switches == 3);  // P1->P2->P3->P1; P1 continuing is no switch
}

// Silberschatz 10e, 5.3.4: bursts 10, 1, 2, 1, 5, priorities 3, 1, 4, 5, 2 ->
// P2, P5, P1, P3, P4; average wait 8.2.
TEST_CASE("PRIORITY: Silberschatz 5.3.4", "[sched][sim][priority]") {
  auto jobs = Jobs({10, 1, 2, 1, 5}, {}, {3, 1, 4, 5, 2});
  SchedResult result = Run("PRIORITY", jobs);
  CHECK(Gantt(result, jobs) == "P2 0-1, P5 1-6, P1 6-16, P3 16-18, P4 18-19");
  CHECK(Waiting(result) == std::vector<std::int64_t>{6, 0, 16, 18, 1});
  CHECK(result.average_waiting == Approx(8.2));
  // With everybody there at t=0, preemption changes nothing.
  CHECK(Run("PRIORITY-P", jobs).average_waiting == Approx(8.2));
}

TEST_CASE("PRIORITY-P: a more urgent arrival takes the CPU", "[sched][sim][priority]") {
  auto jobs = Jobs({10, 4, 2}, {0, 2, 3}, {3, 1, 2});
  CHECK(Gantt(Run("PRIORITY-P", jobs), jobs) == "P1 0-2, P2 2-6, P3 6-8, P1 8-16");
  CHECK(Gantt(Run("PRIORITY", jobs), jobs) == "P1 0-10, P2 10-14, P3 14-16");
}

TEST_CASE("Aging lets a starving low-priority job in", "[sched][sim][priority][aging]") {
  // P1 (priority 5) competes with a stream of urgent jobs (priority 1), each
  // arriving as the previous one ends. Without aging it waits for all of them.
  std::vector<std::int64_t> bursts{4, 4, 4, 4, 4, 4}, arrivals{0, 0, 4, 8, 12, 16};
  auto jobs = Jobs(bursts, arrivals, {1, 5, 1, 1, 1, 1});
  CHECK(Run("PRIORITY", jobs).processes[1].first_run == 20);
  SchedPolicyParams params;
  params.aging = 2;  // P2 reaches priority 1 at t=8 and wins the tie at t=8 by its earlier arrival
  SchedResult aged = Run("PRIORITY", jobs, params);
  CHECK(aged.processes[1].first_run == 8);
  // Preemptive with aging: the running job is overtaken when a waiting one ages past it.
  auto pair = Jobs({10, 3}, {0, 1}, {2, 4});
  params.aging = 1;  // P2: 4 at t=1, 3 at t=2, 2 at t=3, 1 at t=4 -> preempts P1 (2)
  // Then P1 waits and ages in turn (1 at t=5) while P2 runs with its base 4:
  // they take turns, each preempting the other as it ages past the runner.
  CHECK(Gantt(Run("PRIORITY-P", pair, params), pair) == "P1 0-4, P2 4-5, P1 5-8, P2 8-9, P1 9-12, P2 12-13");
}

// OSTEP ch. 7.3: A, B, C of 10 each under FIFO: average turnaround 20.
// Then A = 100, B = C = 10: FIFO 110, SJF 50 (7.4).
TEST_CASE("OSTEP 7.3-7.4: FIFO and SJF turnaround", "[sched][sim][ostep]") {
  CHECK(Run("FIFO", Jobs({10, 10, 10}, {}, {}, true)).average_turnaround == Approx(20));
  auto convoy = Jobs({100, 10, 10}, {}, {}, true);
  CHECK(Run("FIFO", convoy).average_turnaround == Approx(110));
  CHECK(Run("SJF", convoy).average_turnaround == Approx(50));
}

// OSTEP ch. 7.4-7.5, figures 7.4 and 7.5: A = 100 at t=0, B and C = 10 at
// t=10. SJF: 103.33 (B and C wait behind A); STCF preempts A: 50.
TEST_CASE("OSTEP 7.5: STCF with late arrivals", "[sched][sim][ostep]") {
  auto jobs = Jobs({100, 10, 10}, {0, 10, 10}, {}, true);
  CHECK(Run("SJF", jobs).average_turnaround == Approx(310.0 / 3));
  SchedResult stcf = Run("STCF", jobs);
  CHECK(Gantt(stcf, jobs) == "A 0-10, B 10-20, C 20-30, A 30-120");
  CHECK(stcf.average_turnaround == Approx(50));
}

// OSTEP ch. 7.6-7.7, figures 7.6 and 7.7: A, B, C of 5 each. SJF's average
// response time is (0 + 5 + 10) / 3 = 5; RR with a 1-unit slice: (0 + 1 + 2) / 3 = 1,
// but its average turnaround is 14 (A 13, B 14, C 15).
TEST_CASE("OSTEP 7.7: round robin's response time", "[sched][sim][ostep]") {
  auto jobs = Jobs({5, 5, 5}, {}, {}, true);
  CHECK(Run("SJF", jobs).average_response == Approx(5));
  SchedResult rr = Run("RR", jobs);
  CHECK(rr.average_response == Approx(1));
  CHECK(rr.average_turnaround == Approx(14));
  CHECK(rr.context_switches == 14);
}

// OSTEP ch. 7.8, figure 7.9: A does 10 ms of CPU and 10 ms of I/O five times
// (here: 10, 10, 10, 10, 10, 10, 10, 10, 10: five CPU bursts), B needs 60 ms
// of CPU. Under STCF the CPU runs B while A does I/O: overlap. (With B = 50,
// at t=80 B and A would both have 10 left, and an equal time never preempts.)
TEST_CASE("OSTEP 7.8: STCF overlaps I/O with computation", "[sched][sim][ostep][io]") {
  std::vector<SchedProcess> jobs(2);
  jobs[0].name = "A";
  jobs[0].bursts = {10, 10, 10, 10, 10, 10, 10, 10, 10};
  jobs[1].name = "B";
  jobs[1].bursts = {60};
  SchedResult result = Run("STCF", jobs);
  CHECK(Gantt(result, jobs) ==
        "A 0-10, B 10-20, A 20-30, B 30-40, A 40-50, B 50-60, A 60-70, B 70-80, A 80-90, "
        "B 90-110");
  CHECK(result.utilization == Approx(1.0));
  CHECK(result.processes[0].completion == 90);
  CHECK(result.processes[0].waiting == 0);
  CHECK(result.processes[1].waiting == 50);
}

TEST_CASE("Idle time appears as idle segments", "[sched][sim]") {
  auto jobs = Jobs({3, 2}, {2, 10});
  SchedResult result = Run("FCFS", jobs);
  CHECK(Gantt(result, jobs) == "- 0-2, P1 2-5, - 5-10, P2 10-12");
  CHECK(result.makespan == 12);
  CHECK(result.utilization == Approx(5.0 / 12));
  CHECK(result.context_switches == 1);
}

TEST_CASE("Context switches cost time", "[sched][sim][cs]") {
  auto jobs = Jobs({24, 3, 3});
  SchedPolicyParams params;
  params.quantum = 4;
  SchedOptions options;
  options.context_switch_cost = 1;
  SchedResult result = Run("RR", jobs, params, options);
  CHECK(Gantt(result, jobs) == "P1 0-4, cs 4-5, P2 5-8, cs 8-9, P3 9-12, cs 12-13, P1 13-33");
  CHECK(result.context_switches == 3);
  CHECK(result.switching == 3);
  CHECK(result.busy == 30);
  CHECK(result.utilization == Approx(30.0 / 33));
  CHECK(result.processes[1].response == 5);
  CHECK(result.processes[0].waiting == 9);  // 33 - 24
}

TEST_CASE("Same-instant rule for RR: the arrival queues before the expired task", "[sched][sim][rr]") {
  // P1 (6) runs 0-2; P2 arrives at 2, the instant P1's quantum expires: P2 runs next.
  auto jobs = Jobs({6, 2}, {0, 2});
  SchedPolicyParams params;
  params.quantum = 2;
  CHECK(Gantt(Run("RR", jobs, params), jobs) == "P1 0-2, P2 2-4, P1 4-8");
}

// OSTEP ch. 9.6: stride scheduling with tickets 100, 50, 250 runs A B C C C A C C ...
TEST_CASE("STRIDE in the simulator follows OSTEP figure 9.3", "[sched][sim][stride]") {
  auto jobs = Jobs({3, 2, 5}, {}, {}, true);
  jobs[0].tickets = 100;
  jobs[1].tickets = 50;
  jobs[2].tickets = 250;
  SchedResult result = Run("STRIDE", jobs);
  CHECK(Gantt(result, jobs) == "A 0-1, B 1-2, C 2-5, A 5-6, C 6-8, A 8-9, B 9-10");
}

TEST_CASE("LOTTERY in the simulator is reproducible for a seed", "[sched][sim][lottery]") {
  auto jobs = Jobs({400, 400}, {}, {}, true);
  jobs[0].tickets = 75;
  jobs[1].tickets = 25;
  SchedPolicyParams params;
  params.seed = 3;
  SchedResult a = Run("LOTTERY", jobs, params);
  CHECK(Gantt(a, jobs) == Gantt(Run("LOTTERY", jobs, params), jobs));
  // A's share while both run: ~75% of the time until A finishes.
  const std::int64_t a_done = a.processes[0].completion;
  CHECK(static_cast<double>(400) / static_cast<double>(a_done) == Approx(0.75).margin(0.05));
}

// The worked example of mlfq_queue.h, by hand: 2 queues, quanta 2 (top) and
// 4, allotment 1. A (7) at 0, B (3) at 1, C (1) at 5. A and B use their top
// allotment and move down; C, new, preempts A at 5 (Rule 1); A resumes the
// rest of its slice (3) at 7, spends its bottom allotment at 10, and runs on.
TEST_CASE("MLFQ without I/O or boost follows the hand-computed timeline", "[sched][sim][mlfq]") {
  auto jobs = Jobs({7, 3, 1}, {0, 1, 5}, {}, true);
  SchedPolicyParams params;
  params.mlfq_quanta = {2, 4};
  std::vector<std::string> pieces;
  SchedOptions options;
  options.on_segment = [&](const SchedSegment& s) {
    pieces.push_back(jobs[s.process].name + " " + std::to_string(s.start) + "-" + std::to_string(s.end));
  };
  SchedResult result = Run("MLFQ", jobs, params, options);
  CHECK(result.policy == "MLFQ");
  CHECK(Gantt(result, jobs) == "A 0-2, B 2-4, A 4-5, C 5-6, B 6-7, A 7-11");
  CHECK(pieces == std::vector<std::string>{"A 0-2", "B 2-4", "A 4-5", "C 5-6", "B 6-7", "A 7-10", "A 10-11"});
  CHECK(result.processes[0].response == 0);
  CHECK(result.processes[1].response == 1);
  CHECK(result.processes[2].response == 0);
  CHECK(result.processes[0].completion == 11);
  CHECK(result.processes[1].completion == 7);
  CHECK(result.processes[2].completion == 6);
  CHECK(result.context_switches == 5);
}

// OSTEP 8.2's point: a job that computes a little and does I/O stays in the
// top queue and gets the CPU the moment it is ready, while a CPU hog sinks.
// Quanta 4, 8, 16. The hog (50) runs alone until 10 (and leaves the top queue
// at 4); from 10 the interactive job's 1-unit bursts, 3 of I/O apart, each
// preempt the hog at once.
TEST_CASE("MLFQ gives an interactive job better response than a CPU hog", "[sched][sim][mlfq][io]") {
  auto jobs = Jobs({50, 1}, {0, 10}, {}, true);
  jobs[0].name = "hog";
  jobs[1].name = "io";
  jobs[1].bursts = {1, 3, 1, 3, 1, 3, 1};
  SchedPolicyParams params;
  params.quantum = 4;
  params.mlfq_quanta = {4, 8, 16};
  SchedResult mlfq = Run("MLFQ", jobs, params);
  CHECK(Gantt(mlfq, jobs) ==
        "hog 0-10, io 10-11, hog 11-14, io 14-15, hog 15-18, io 18-19, hog 19-22, io 22-23, hog 23-54");
  CHECK(mlfq.processes[1].response == 0);
  CHECK(mlfq.processes[1].waiting == 0);  // every burst runs the instant its I/O ends
  CHECK(mlfq.processes[0].completion == 54);
  const SchedResult rr = Run("RR", jobs, params);  // the same quantum as MLFQ's top queue
  CHECK(rr.processes[1].waiting > 0);
  const SchedResult fcfs = Run("FCFS", jobs);
  CHECK(fcfs.processes[1].response == 40);  // behind the whole hog
}

// Rule 5 under the simulator (OSTEP 8.3's starvation). Quanta 1 (top) and
// 100, allotments 10 and 1. A (30) uses its 10 at the top and sinks at 10;
// then B and C, 10 bursts of 1 with 1 of I/O between, arriving at 10 and 11,
// take turns at the top and starve A until 30. With S = 15 the boost puts A
// back in the top queue at 15, ahead of C (back from I/O at 15), so it runs.
TEST_CASE("MLFQ's boost ends a starvation in the simulator", "[sched][sim][mlfq]") {
  auto jobs = Jobs({30, 1, 1}, {0, 10, 11}, {}, true);
  for (std::size_t j : {1, 2}) {
    jobs[j].bursts = {1};
    for (int b = 1; b < 10; ++b) jobs[j].bursts.insert(jobs[j].bursts.end(), {1, 1});
  }
  SchedPolicyParams params;
  params.mlfq_quanta = {1, 100};
  params.mlfq_allotments = {10, 1};
  const std::string starved = Gantt(Run("MLFQ", jobs, params), jobs);
  CHECK(starved.rfind("A 0-10, B 10-11, C 11-12, B 12-13, ", 0) == 0);
  CHECK(starved.size() > 30);
  CHECK(starved.substr(starved.size() - 25) == "B 28-29, C 29-30, A 30-50");
  params.mlfq_boost = 15;
  const std::string boosted = Gantt(Run("MLFQ", jobs, params), jobs);
  CHECK(boosted.rfind("A 0-10, B 10-11, C 11-12, B 12-13, C 13-14, B 14-15, A 15-16, ", 0) == 0);
}

TEST_CASE("Bad input is refused with a message naming the job", "[sched][sim][errors]") {
  auto policy = MakeSchedPolicy("FCFS", {});
  REQUIRE(policy.ok());
  auto jobs = Jobs({5, 10, -3});
  auto bad = SimulateScheduling(**policy, jobs);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message == "job P3: burst must be > 0, got -3");
  CHECK(SimulateScheduling(**policy, {}).error().message == "no jobs to schedule");
  jobs = Jobs({5});
  jobs[0].bursts = {5, 2};
  CHECK(SimulateScheduling(**policy, jobs).error().message.find("must be odd") != std::string::npos);
  jobs[0].bursts = {5, 0, 3};
  CHECK(SimulateScheduling(**policy, jobs).error().message == "job P1: I/O burst must be > 0, got 0");
  jobs = Jobs({5}, {-1});
  CHECK(SimulateScheduling(**policy, jobs).error().message == "job P1: arrival must be >= 0, got -1");
  jobs = Jobs({5});
  jobs[0].tickets = 0;
  CHECK(SimulateScheduling(**policy, jobs).error().message == "job P1: tickets must be >= 1, got 0");
  SchedOptions options;
  options.context_switch_cost = -1;
  CHECK_FALSE(SimulateScheduling(**policy, Jobs({5}), options).ok());
}

TEST_CASE("on_segment sees every piece as it ends, before bars are merged (OSTEP's trace lines)", "[sched]") {
  // RR, quantum 1: P1 runs alone for its last two quanta; the timeline merges
  // them into one bar, the observer sees each quantum (scheduler.py prints each).
  std::vector<SchedSegment> pieces;
  SchedOptions options;
  options.record_timeline = false;
  options.on_segment = [&](const SchedSegment& s) { pieces.push_back(s); };
  SchedPolicyParams params;
  params.quantum = 1;
  const SchedResult streamed = Run("RR", Jobs({3, 1}), params, options);
  CHECK(streamed.timeline.empty());
  REQUIRE(pieces.size() == 4);
  const std::vector<std::pair<std::int64_t, std::uint32_t>> starts{{0, 0}, {1, 1}, {2, 0}, {3, 0}};
  for (std::size_t i = 0; i < pieces.size(); ++i) {
    CHECK(pieces[i].start == starts[i].first);
    CHECK(pieces[i].end == starts[i].first + 1);
    CHECK(pieces[i].process == starts[i].second);
  }
  const SchedResult recorded = Run("RR", Jobs({3, 1}), params);
  CHECK(recorded.timeline.size() == 3);  // P1 0-1, P2 1-2, P1 2-4
  CHECK(recorded.average_turnaround == streamed.average_turnaround);
}
