// Tests of the Multi-Level Feedback Queue (OSTEP ch. 8) and of its simulator
// against OSTEP's mlfq.py (ostep-homework/cpu-sched-mlfq). Golden numbers
// come from `python3 mlfq.py <command line> -c` (the only change to mlfq.py
// was moving `from __future__ import print_function` to the top so that
// Python 3 runs it); each test quotes its command line.
#include "osgrid/os/sched/mlfq.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <map>
#include <numeric>
#include <string>
#include <vector>

#include "osgrid/os/random.h"

namespace osgrid::os {
namespace {

/// mlfq.py's -n N -q Q -a A (N queues, same quantum and allotment).
MlfqSimConfig Uniform(int queues, std::int64_t quantum, std::int64_t allotment = 1) {
  MlfqSimConfig config;
  config.scheduler.quanta.assign(static_cast<std::size_t>(queues), quantum);
  config.scheduler.allotments.assign(static_cast<std::size_t>(queues), allotment);
  return config;
}

MlfqResult Run(const MlfqSimConfig& config, const std::vector<MlfqJob>& jobs) {
  Expected<MlfqResult> result = SimulateMlfq(config, jobs);
  INFO((result ? "" : result.error().message));
  REQUIRE(result.ok());
  return std::move(result).value();
}

/// Ticks job `job` ran in queue `queue`.
std::int64_t TicksIn(const MlfqResult& result, int job, int queue) {
  std::int64_t ticks = 0;
  for (const MlfqSegment& s : result.timeline) {
    if (s.job == job && s.queue == queue) ticks += s.end - s.start;
  }
  return ticks;
}

/// Ticks job `job` ran in [from, to).
std::int64_t TicksBetween(const MlfqResult& result, int job, std::int64_t from, std::int64_t to) {
  std::int64_t ticks = 0;
  for (const MlfqSegment& s : result.timeline) {
    if (s.job == job) ticks += std::max<std::int64_t>(0, std::min(s.end, to) - std::max(s.start, from));
  }
  return ticks;
}

/// Every queue job `job` ran in, in order (consecutive repeats merged).
std::vector<int> QueuesRun(const MlfqResult& result, int job) {
  std::vector<int> queues;
  for (const MlfqSegment& s : result.timeline) {
    if (s.job == job && (queues.empty() || queues.back() != s.queue)) queues.push_back(s.queue);
  }
  return queues;
}

/// (response, turnaround) of every job, for comparing with mlfq.py's "Final statistics".
std::vector<std::pair<std::int64_t, std::int64_t>> Answers(const MlfqResult& result) {
  std::vector<std::pair<std::int64_t, std::int64_t>> answers;
  for (const MlfqJobStats& job : result.jobs) answers.emplace_back(job.response, job.turnaround);
  return answers;
}

using Answer = std::vector<std::pair<std::int64_t, std::int64_t>>;

}  // namespace

// ---- OSTEP ch. 8 figures ---------------------------------------------------------

// OSTEP Fig. 8.2 "Long-running Job Over Time": a three-queue scheduler with a
// 10 ms quantum; a long job enters Q2, spends one slice there and one in Q1,
// then stays in Q0.  mlfq.py -n 3 -q 10 -l 0,200,0 -c: response 0, turnaround 200.
TEST_CASE("Fig 8.2: a long-running job descends the three queues", "[mlfq][ostep]") {
  const MlfqResult r = Run(Uniform(3, 10), {{0, 200, 0}});
  REQUIRE(r.timeline.size() == 3);
  CHECK(r.timeline[0].queue == 2);
  CHECK(r.timeline[0].start == 0);
  CHECK(r.timeline[0].end == 10);
  CHECK(r.timeline[1].queue == 1);
  CHECK(r.timeline[1].end == 20);
  CHECK(r.timeline[2].queue == 0);
  CHECK(r.timeline[2].end == 200);
  const std::vector<MlfqLevelChange>& levels = r.jobs[0].levels;
  REQUIRE(levels.size() == 3);
  CHECK((levels[0].time == 0 && levels[0].queue == 2));
  CHECK((levels[1].time == 10 && levels[1].queue == 1));
  CHECK((levels[2].time == 20 && levels[2].queue == 0));
  CHECK(r.jobs[0].turnaround == 200);
}

// OSTEP Fig. 8.3 "Along Came An Interactive Job": long job A is in Q0 when
// short job B (20 ms) arrives at T=100; B enters the top queue (Rule 3),
// preempts A, runs its two slices (Q2, Q1) and completes at 120, then A resumes.
// mlfq.py -n 3 -q 10 -l 0,200,0:100,20,0 -c: A 0/220, B 0/20, avg 0.00 / 120.00.
TEST_CASE("Fig 8.3: a short job arrives, runs at the top and finishes quickly", "[mlfq][ostep]") {
  const MlfqResult r = Run(Uniform(3, 10), {{0, 200, 0}, {100, 20, 0}});
  CHECK(QueuesRun(r, 1) == std::vector<int>{2, 1});
  CHECK(r.jobs[1].first_run == 100);
  CHECK(r.jobs[1].completion == 120);
  CHECK(TicksBetween(r, 0, 100, 120) == 0);  // A waits in Q0 while B runs
  CHECK(Answers(r) == Answer{{0, 220}, {0, 20}});
  CHECK(r.average_response == Approx(0.0));
  CHECK(r.average_turnaround == Approx(120.0));
}

// OSTEP Fig. 8.4 "A Mixed I/O-intensive and CPU-intensive Workload": under
// the original Rule 4b (mlfq.py -S) interactive job B runs 1 ms and then does
// I/O, so it never uses a whole slice and stays at the top priority while A
// runs in Q0 in the gaps.  mlfq.py -n 3 -q 10 -i 1 -S -l 0,175,0:50,25,1 -c:
// A 0/200, B 0/49.
TEST_CASE("Fig 8.4: an I/O-bound job stays at the top queue", "[mlfq][ostep]") {
  MlfqSimConfig config = Uniform(3, 10);
  config.io_time = 1;
  config.scheduler.stay = true;
  const MlfqResult r = Run(config, {{0, 175, 0}, {50, 25, 1}});
  CHECK(QueuesRun(r, 1) == std::vector<int>{2});
  CHECK(r.jobs[1].levels.size() == 1);
  CHECK(r.jobs[1].ios == 24);
  CHECK(TicksBetween(r, 0, 50, 99) == 24);  // A runs while B does I/O
  CHECK(Answers(r) == Answer{{0, 200}, {0, 49}});
}

// OSTEP Fig. 8.5 "Without (Left) and With (Right) Priority Boost": two
// interactive jobs keep the top queue busy and long job A starves in a lower
// queue; a boost every S ms moves A back to the top so it makes progress.
//   mlfq.py -n 3 -q 10 -i 1 -S -l 0,30,0:0,200,1:0,200,1 -c:       A 0/430, B 10/409, C 11/410
//   mlfq.py -n 3 -q 10 -i 1 -S -B 20 -l 0,30,0:0,200,1:0,200,1 -c: A 0/51,  B 10/429, C 11/430
TEST_CASE("Fig 8.5: the priority boost prevents starvation", "[mlfq][ostep]") {
  MlfqSimConfig config = Uniform(3, 10);
  config.io_time = 1;
  config.scheduler.stay = true;
  const std::vector<MlfqJob> jobs = {{0, 30, 0}, {0, 200, 1}, {0, 200, 1}};

  const MlfqResult starved = Run(config, jobs);
  CHECK(TicksBetween(starved, 0, 20, 400) == 0);  // A gets nothing while B and C run
  CHECK(Answers(starved) == Answer{{0, 430}, {10, 409}, {11, 410}});

  config.scheduler.boost = 20;
  const MlfqResult boosted = Run(config, jobs);
  CHECK(TicksBetween(boosted, 0, 20, 400) == 20);  // A finishes its remaining 20 ticks
  CHECK(boosted.jobs[0].levels.size() > 3);        // back to the top at every boost
  CHECK(std::count_if(boosted.trace.begin(), boosted.trace.end(),
                      [](const MlfqEvent& e) { return e.kind == MlfqEvent::Kind::kBoost; }) == 21);
  CHECK(Answers(boosted) == Answer{{0, 51}, {10, 429}, {11, 430}});
}

// The same starvation under OSTEP's text reading of Rule 5 (a boost gives a
// fresh top-queue quantum and allotment): A runs a whole 10 ms slice at the top.
TEST_CASE("Fig 8.5 with the textbook boost: a whole slice at the top", "[mlfq][ostep]") {
  MlfqSimConfig config = Uniform(3, 10);
  config.io_time = 1;
  config.scheduler.stay = true;
  config.scheduler.boost = 50;
  config.scheduler.mlfq_py_boost = false;
  const MlfqResult r = Run(config, {{0, 30, 0}, {0, 200, 1}, {0, 200, 1}});
  // Boost at 50: A is behind B and C in Q2 and then holds the CPU for its quantum.
  CHECK(TicksBetween(r, 0, 50, 70) == 10);
  CHECK(TicksIn(r, 0, 2) == 30);  // a whole top-queue slice at arrival and after the boosts at 50 and 100
  CHECK(r.jobs[0].completion < 120);
}

// OSTEP Fig. 8.6 "Without (Left) and With (Right) Gaming Tolerance": job B
// issues an I/O just before its 10 ms slice ends (every 9 ms). With the old
// rules (mlfq.py -S) it keeps the top priority and monopolises the CPU; with
// the better accounting of Rule 4 (default) it is demoted like any CPU hog.
//   mlfq.py -n 3 -q 10 -i 1 -S -l 0,200,0:50,100,9 -c: A 0/300, B 0/111
//   mlfq.py -n 3 -q 10 -i 1 -l 0,200,0:50,100,9 -c:    A 0/290, B 0/251
TEST_CASE("Fig 8.6: gaming the scheduler, without and with better accounting", "[mlfq][ostep]") {
  MlfqSimConfig config = Uniform(3, 10);
  config.io_time = 1;
  const std::vector<MlfqJob> jobs = {{0, 200, 0}, {50, 100, 9}};

  config.scheduler.stay = true;
  const MlfqResult gamed = Run(config, jobs);
  CHECK(QueuesRun(gamed, 1) == std::vector<int>{2});
  CHECK(TicksBetween(gamed, 1, 50, 161) == 100);  // B gets 90% of the CPU: all its work in 111 ticks
  CHECK(Answers(gamed) == Answer{{0, 300}, {0, 111}});

  config.scheduler.stay = false;
  const MlfqResult fair = Run(config, jobs);
  CHECK(QueuesRun(fair, 1) == std::vector<int>{2, 1, 0});
  CHECK(TicksIn(fair, 1, 2) == 10);  // one allotment per level, I/O or not
  CHECK(TicksIn(fair, 1, 1) == 10);
  CHECK(Answers(fair) == Answer{{0, 290}, {0, 251}});
}

// ---- Golden answers from mlfq.py ---------------------------------------------------

// mlfq.py -l 0,20,0:5,10,2 -c (defaults: -n 3 -q 10 -a 1 -i 5)
TEST_CASE("mlfq.py: default parameters with I/O", "[mlfq][golden]") {
  const MlfqResult r = Run(Uniform(3, 10), {{0, 20, 0}, {5, 10, 2}});
  CHECK(Answers(r) == Answer{{0, 24}, {5, 35}});
  CHECK(r.average_response == Approx(2.5));
  CHECK(r.average_turnaround == Approx(29.5));
  // Its trace: J1 issues its first I/O at 12 (2 ticks of CPU), idle 26..30.
  const auto io = std::find_if(r.trace.begin(), r.trace.end(),
                               [](const MlfqEvent& e) { return e.kind == MlfqEvent::Kind::kIoStart; });
  REQUIRE(io != r.trace.end());
  CHECK(io->job == 1);
  CHECK(io->time == 12);
  CHECK(std::count_if(r.trace.begin(), r.trace.end(),
                      [](const MlfqEvent& e) { return e.kind == MlfqEvent::Kind::kIdle; }) == 10);
}

// mlfq.py -Q 2,4,8 -A 3,2,1 -i 3 -I -l 0,30,4:2,25,3:8,12,0 -c
TEST_CASE("mlfq.py: quantum and allotment lists with iobump", "[mlfq][golden]") {
  MlfqSimConfig config;
  config.scheduler.quanta = {2, 4, 8};
  config.scheduler.allotments = {3, 2, 1};
  config.scheduler.iobump = true;
  config.io_time = 3;
  const MlfqResult r = Run(config, {{0, 30, 4}, {2, 25, 3}, {8, 12, 0}});
  CHECK(Answers(r) == Answer{{0, 73}, {2, 65}, {1, 32}});
  CHECK(r.average_response == Approx(1.0));
  CHECK(r.average_turnaround == Approx(56.67).epsilon(1e-3));
}

// mlfq.py -n 2 -q 5 -a 2 -B 30 -i 4 -S -I -l 0,40,7:0,35,0:20,10,2 -c
TEST_CASE("mlfq.py: boost, stay and iobump together", "[mlfq][golden]") {
  MlfqSimConfig config = Uniform(2, 5, 2);
  config.scheduler.boost = 30;
  config.scheduler.stay = true;
  config.scheduler.iobump = true;
  config.io_time = 4;
  const MlfqResult r = Run(config, {{0, 40, 7}, {0, 35, 0}, {20, 10, 2}});
  CHECK(Answers(r) == Answer{{0, 78}, {5, 85}, {2, 33}});
  CHECK(r.average_turnaround == Approx(65.33).epsilon(1e-3));
}

// mlfq.py -n 1 -q 3 -i 0 -l 0,10,2:1,7,3 -c (one queue: round robin; zero-time I/O)
TEST_CASE("mlfq.py: a single queue with instant I/O", "[mlfq][golden]") {
  MlfqSimConfig config = Uniform(1, 3);
  config.io_time = 0;
  const MlfqResult r = Run(config, {{0, 10, 2}, {1, 7, 3}});
  CHECK(Answers(r) == Answer{{0, 17}, {1, 10}});
  CHECK(r.end_time == 17);
  CHECK(r.busy_ticks == 17);
}

// mlfq.py -s 3 -j 4 -m 40 -M 0 -Q 4,8 -A 2,2 -c: -M 0 makes jobs without I/O;
// its job list was 0,10,0:0,15,0:0,25,0:0,1,0.
TEST_CASE("mlfq.py: -M 0 workload on two queues", "[mlfq][golden]") {
  MlfqSimConfig config;
  config.scheduler.quanta = {4, 8};
  config.scheduler.allotments = {2, 2};
  const MlfqResult r = Run(config, {{0, 10, 0}, {0, 15, 0}, {0, 25, 0}, {0, 1, 0}});
  CHECK(Answers(r) == Answer{{0, 27}, {4, 34}, {8, 51}, {12, 13}});
  CHECK(r.average_response == Approx(6.0));
  CHECK(r.average_turnaround == Approx(31.25));
}

// mlfq.py -Q 1,2,3,4 -A 1,1,1,1 -B 15 -i 2 -l 3,20,5:0,18,4:10,9,1 -c
TEST_CASE("mlfq.py: four queues, boost every 15", "[mlfq][golden]") {
  MlfqSimConfig config;
  config.scheduler.quanta = {1, 2, 3, 4};
  config.scheduler.allotments = {1, 1, 1, 1};
  config.scheduler.boost = 15;
  config.io_time = 2;
  const MlfqResult r = Run(config, {{3, 20, 5}, {0, 18, 4}, {10, 9, 1}});
  CHECK(Answers(r) == Answer{{0, 44}, {0, 45}, {0, 31}});
  CHECK(r.average_turnaround == Approx(40.0));
}

// mlfq.py -s 5 -n 3 -q 6 -a 2 -B 40 -i 2 -c; its random job list was
// 0,62,7:0,79,9:0,74,9.
TEST_CASE("mlfq.py: a random workload with boost and allotment 2", "[mlfq][golden]") {
  MlfqSimConfig config = Uniform(3, 6, 2);
  config.scheduler.boost = 40;
  config.io_time = 2;
  const MlfqResult r = Run(config, {{0, 62, 7}, {0, 79, 9}, {0, 74, 9}});
  CHECK(Answers(r) == Answer{{0, 170}, {6, 218}, {12, 206}});
  CHECK(r.average_response == Approx(6.0));
  CHECK(r.average_turnaround == Approx(198.0));
}

// ---- The policy object ---------------------------------------------------------

TEST_CASE("MlfqScheduler: Admit, PickNext, Tick, IoDone, Boost", "[mlfq]") {
  MlfqConfig config;
  config.quanta = {2, 4};
  config.allotments = {1, 1};
  Expected<MlfqScheduler> created = MlfqScheduler::Create(config);
  REQUIRE(created.ok());
  MlfqScheduler& s = created.value();
  CHECK(s.num_queues() == 2);
  CHECK(s.QuantumOf(1) == 2);  // top queue first in the config
  CHECK(s.QuantumOf(0) == 4);
  CHECK(!s.PickNext());

  REQUIRE(s.Admit(7).ok());
  REQUIRE(s.Admit(8).ok());
  CHECK(!s.Admit(7).ok());  // already there
  CHECK(s.PickNext()->id == 7);
  CHECK(!s.Tick(8, MlfqTickEnd::kKeepsRunning).ok());  // 8 is not running

  // 7 uses its 2-tick slice: demoted to queue 0, behind nobody.
  CHECK(!s.Tick(7, MlfqTickEnd::kKeepsRunning)->quantum_expired);
  const MlfqTickResult expired = s.Tick(7, MlfqTickEnd::kKeepsRunning).value();
  CHECK(expired.quantum_expired);
  CHECK(expired.demoted);
  CHECK(expired.queue == 0);
  CHECK(s.PickNext()->id == 8);  // Rule 1: queue 1 first

  // 8 blocks for I/O after one tick; 7 runs; 8 returns to the top.
  CHECK(s.Tick(8, MlfqTickEnd::kIssuesIo).ok());
  CHECK(s.PickNext()->id == 7);
  CHECK(s.TicksLeft(8) == 1);  // better accounting: the slice is remembered
  CHECK(!s.IoDone(7).ok());
  REQUIRE(s.IoDone(8).ok());
  CHECK(s.PickNext()->id == 8);

  // 8 uses the rest of its slice and drops behind 7 in queue 0.
  CHECK(s.Tick(8, MlfqTickEnd::kKeepsRunning)->demoted);
  CHECK(s.ReadyQueue(0) == std::deque<std::uint64_t>{7, 8});

  s.Boost();  // Rule 5
  CHECK(s.ReadyQueue(1) == std::deque<std::uint64_t>{7, 8});
  CHECK(s.QueueOf(8) == 1);
  CHECK(s.TicksLeft(8) == 1);  // mlfq.py: the top queue's allotment, 1

  CHECK(s.Tick(7, MlfqTickEnd::kFinished).ok());
  CHECK(!s.QueueOf(7));
  CHECK(s.size() == 1);
}

TEST_CASE("MlfqScheduler: stay resets, iobump goes to the front", "[mlfq]") {
  MlfqConfig config;
  config.quanta = {5};
  config.allotments = {1};
  config.stay = true;
  config.iobump = true;
  MlfqScheduler s = MlfqScheduler::Create(config).value();
  REQUIRE(s.Admit(1).ok());
  REQUIRE(s.Admit(2).ok());
  REQUIRE(s.Tick(1, MlfqTickEnd::kIssuesIo).ok());
  CHECK(s.TicksLeft(1) == 5);  // -S: a fresh slice after I/O
  REQUIRE(s.IoDone(1).ok());
  CHECK(s.PickNext()->id == 1);  // -I: ahead of job 2
}

// ---- Input validation -------------------------------------------------------------

TEST_CASE("MLFQ: bad input gives a clear error", "[mlfq]") {
  MlfqSimConfig config = Uniform(3, 10);
  auto message = [](const Expected<MlfqResult>& r) { return r ? std::string() : r.error().message; };

  config.scheduler.quanta = {10, 0, 10};
  CHECK(message(SimulateMlfq(config, {{0, 5, 0}})) == "quantum of queue 1 must be > 0, got 0");
  config.scheduler.quanta = {10, 10};
  CHECK(message(SimulateMlfq(config, {{0, 5, 0}})) ==
        "there are 2 queues but 3 allotments: give one allotment per queue");
  config.scheduler.quanta.clear();
  CHECK(message(SimulateMlfq(config, {{0, 5, 0}})) == "MLFQ needs at least one queue");

  config = Uniform(3, 10);
  config.scheduler.allotments = {1, -1, 1};
  CHECK(message(SimulateMlfq(config, {{0, 5, 0}})) == "allotment of queue 1 must be > 0 quanta, got -1");
  config = Uniform(3, 10);
  config.scheduler.boost = -1;
  CHECK(message(SimulateMlfq(config, {{0, 5, 0}})).find("boost") != std::string::npos);
  config = Uniform(3, 10);
  CHECK(message(SimulateMlfq(config, {})) == "no jobs to schedule");
  CHECK(message(SimulateMlfq(config, {{0, 5, 0}, {1, 0, 0}})) == "job 1: run time must be > 0, got 0");
  CHECK(message(SimulateMlfq(config, {{-2, 5, 0}})) == "job 0: start time must be >= 0, got -2");
  CHECK(message(SimulateMlfq(config, {{0, 5, -1}})) == "job 0: I/O frequency must be >= 0 (0 = no I/O), got -1");
  config.io_time = -1;
  CHECK(message(SimulateMlfq(config, {{0, 5, 1}})) == "I/O time must be >= 0, got -1");
  config.io_time = 5;
  CHECK(message(SimulateMlfq(config, {{0, 2'000'000, 0}})).find("not simulated") != std::string::npos);
  CHECK(message(SimulateMlfq(config, {{0, 900'000, 0}, {0, 900'000, 0}})).find("runs past") != std::string::npos);

  CHECK(!RandomMlfqJobs(1, 0, 100, 10).ok());
  CHECK(!RandomMlfqJobs(1, 3, 0, 10).ok());
  CHECK(!RandomMlfqJobs(1, 3, 100, -1).ok());
}

TEST_CASE("RandomMlfqJobs: ranges as mlfq.py, same seed same jobs", "[mlfq]") {
  const std::vector<MlfqJob> a = RandomMlfqJobs(42, 50, 100, 10).value();
  const std::vector<MlfqJob> b = RandomMlfqJobs(42, 50, 100, 10).value();
  REQUIRE(a.size() == 50);
  for (std::size_t i = 0; i < a.size(); ++i) {
    CHECK(a[i].arrival == 0);
    CHECK((a[i].burst >= 1 && a[i].burst <= 99));
    CHECK((a[i].io_frequency >= 1 && a[i].io_frequency <= 9));
    CHECK((a[i].burst == b[i].burst && a[i].io_frequency == b[i].io_frequency));
  }
  const std::vector<MlfqJob> tiny = RandomMlfqJobs(7, 20, 1, 0).value();
  for (const MlfqJob& job : tiny) {
    CHECK(job.burst == 1);         // -m 1
    CHECK(job.io_frequency == 0);  // -M 0: no I/O
  }
}

// ---- Properties on random workloads ----------------------------------------------------

namespace {

/// Job `job`'s queue at tick t, from its level history.
int QueueAt(const MlfqJobStats& job, std::int64_t t) {
  int queue = -1;
  for (const MlfqLevelChange& change : job.levels) {
    if (change.time <= t) queue = change.queue;
  }
  return queue;
}

}  // namespace

TEST_CASE("MLFQ properties on 300 random workloads", "[mlfq][property]") {
  Rng rng(2024);
  for (int round = 0; round < 300; ++round) {
    MlfqSimConfig config;
    config.scheduler.quanta.clear();
    config.scheduler.allotments.clear();
    const int queues = static_cast<int>(rng.Uniform(1, 4));
    for (int q = 0; q < queues; ++q) {
      config.scheduler.quanta.push_back(rng.Uniform(1, 8));
      config.scheduler.allotments.push_back(rng.Uniform(1, 3));
    }
    config.scheduler.boost = rng.Uniform(0, 1) == 0 ? 0 : rng.Uniform(1, 40);
    config.scheduler.stay = rng.Uniform(0, 2) == 0;
    config.scheduler.iobump = rng.Uniform(0, 2) == 0;
    config.scheduler.mlfq_py_boost = rng.Uniform(0, 3) != 0;
    config.io_time = rng.Uniform(0, 6);
    std::vector<MlfqJob> jobs;
    for (std::int64_t n = rng.Uniform(1, 6); n > 0; --n) {
      jobs.push_back({rng.Uniform(0, 30), rng.Uniform(1, 40), rng.Uniform(0, 2) == 0 ? 0 : rng.Uniform(1, 8)});
    }
    INFO("round " << round);
    const MlfqResult r = Run(config, jobs);
    const int n = static_cast<int>(jobs.size());

    // Where each job was at each tick: running, blocked in I/O, or neither.
    std::map<std::int64_t, int> running;  // tick -> job
    for (const MlfqSegment& s : r.timeline) {
      for (std::int64_t t = s.start; t < s.end; ++t) {
        CHECK(running.count(t) == 0);
        running[t] = s.job;
        CHECK(QueueAt(r.jobs[static_cast<std::size_t>(s.job)], t) == s.queue);  // ran in its own queue
      }
    }
    std::vector<std::vector<std::pair<std::int64_t, std::int64_t>>> io(static_cast<std::size_t>(n));
    for (const MlfqEvent& e : r.trace) {
      if (e.kind == MlfqEvent::Kind::kIoStart)
        io[static_cast<std::size_t>(e.job)].push_back({e.time, e.time + config.io_time});
    }
    auto blocked = [&](int job, std::int64_t t) {
      for (const auto& [from, to] : io[static_cast<std::size_t>(job)]) {
        if (from <= t && t < to) return true;
      }
      return false;
    };

    for (int j = 0; j < n; ++j) {
      const MlfqJobStats& stats = r.jobs[static_cast<std::size_t>(j)];
      // Every job finishes, having run exactly its burst.
      CHECK(stats.completion >= stats.job.arrival + stats.job.burst);
      CHECK(TicksBetween(r, j, 0, r.end_time) == stats.job.burst);
      CHECK(stats.first_run >= stats.job.arrival);
      CHECK(stats.response == stats.first_run - stats.job.arrival);
      CHECK(stats.turnaround == stats.completion - stats.job.arrival);
      CHECK(stats.levels.front().queue == queues - 1);  // Rule 3
      // Waiting = ticks ready but neither running nor in I/O.
      std::int64_t ready = 0;
      for (std::int64_t t = stats.job.arrival; t < stats.completion; ++t) {
        if (!(running.count(t) && running[t] == j) && !blocked(j, t)) ++ready;
      }
      CHECK(stats.waiting == ready);
    }

    // Rule 1: nothing runs while a higher queue has a ready job; and the CPU
    // is never idle while some job is ready.
    for (std::int64_t t = 0; t < r.end_time; ++t) {
      const bool busy = running.count(t) != 0;
      const int run_queue = busy ? QueueAt(r.jobs[static_cast<std::size_t>(running[t])], t) : -1;
      for (int j = 0; j < n; ++j) {
        const MlfqJobStats& stats = r.jobs[static_cast<std::size_t>(j)];
        const bool is_ready =
            stats.job.arrival <= t && t < stats.completion && !blocked(j, t) && !(busy && running[t] == j);
        if (is_ready) {
          INFO("t=" << t << " job " << j);
          CHECK(busy);
          CHECK(QueueAt(stats, t) <= run_queue);
        }
      }
    }

    // Rule 4 with better accounting: without boost or -S, a job spends
    // exactly quantum x allotment ticks at every level above the one it ends in.
    if (config.scheduler.boost == 0 && !config.scheduler.stay) {
      for (int j = 0; j < n; ++j) {
        const int last = QueueAt(r.jobs[static_cast<std::size_t>(j)], r.end_time);
        for (int q = queues - 1; q > last; --q) {
          const std::size_t i = static_cast<std::size_t>(queues - 1 - q);
          CHECK(TicksIn(r, j, q) == config.scheduler.quanta[i] * config.scheduler.allotments[i]);
        }
      }
    }
    const double sum = std::accumulate(r.jobs.begin(), r.jobs.end(), 0.0, [](double a, const MlfqJobStats& s) {
      return a + static_cast<double>(s.turnaround);
    });
    CHECK(r.average_turnaround == Approx(sum / n));
  }
}

}  // namespace osgrid::os
