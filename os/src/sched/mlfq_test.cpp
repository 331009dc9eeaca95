// Tests of the Multi-Level Feedback Queue (OSTEP ch. 8) and of its simulator
// against OSTEP's mlfq.py (ostep-homework/cpu-sched-mlfq, commit ee2e067 of
// 2023-09-27 "allotment bug fix" or later). Golden numbers come from
// `python3 mlfq.py <command line> -c`; each test quotes its command line.
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

/// The "Run JOB" line of tick t.
MlfqEvent RunAt(const MlfqResult& result, std::int64_t t) {
  for (const MlfqEvent& e : result.trace) {
    if (e.kind == MlfqEvent::Kind::kRun && e.time == t) return e;
  }
  FAIL("nothing ran at " << t);
  return {};
}

/// The ticks at which mlfq.py printed BOOST.
std::vector<std::int64_t> Boosts(const MlfqResult& result) {
  std::vector<std::int64_t> times;
  for (const MlfqEvent& e : result.trace) {
    if (e.kind == MlfqEvent::Kind::kBoost) times.push_back(e.time);
  }
  return times;
}

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
//   mlfq.py -n 3 -q 10 -i 1 -S -B 20 -l 0,30,0:0,200,1:0,200,1 -c: A 0/50,  B 10/429, C 11/430
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
  CHECK(Answers(boosted) == Answer{{0, 50}, {10, 429}, {11, 430}});
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

// ---- Rule 5: the priority boost ------------------------------------------------------

// The issue's example. At every boost each unfinished job gets the top queue's
// quantum (5) as its slice and the top queue's allotment (1): the job at the
// head runs a whole 5-tick slice at the top before it moves down again. (The
// mlfq.py of before 2023-09-27 gave a slice of the top queue's ALLOTMENT,
// 1 tick, and printed 144/179/180.)
//   mlfq.py -l 0,60,0:0,60,0:0,60,0 -n 3 -q 5 -B 20 -c: 0/120, 5/175, 10/180
TEST_CASE("Rule 5: a boost gives the top queue's quantum and allotment", "[mlfq][boost][golden]") {
  MlfqSimConfig config = Uniform(3, 5);
  config.scheduler.boost = 20;
  const MlfqResult r = Run(config, {{0, 60, 0}, {0, 60, 0}, {0, 60, 0}});
  CHECK(Answers(r) == Answer{{0, 120}, {5, 175}, {10, 180}});
  CHECK(r.average_turnaround == Approx(475.0 / 3));
  const std::vector<std::int64_t> boosts = Boosts(r);
  REQUIRE(boosts.size() == 8);  // 20, 40, ..., 160 (the run ends at 180)
  for (std::int64_t t : boosts) {
    INFO("boost at " << t);
    const MlfqEvent first = RunAt(r, t);
    CHECK(first.queue == 2);
    CHECK(first.ticks_left == 4);  // a fresh 5-tick slice, one tick used
    CHECK(first.allot_left == 1);
    const MlfqEvent fifth = RunAt(r, t + 4);  // the whole slice at the top
    CHECK(fifth.job == first.job);
    CHECK(fifth.queue == 2);
    CHECK(fifth.ticks_left == 0);
  }
  // At 20, job 0 had just used its slice in queue 1 and was at the head of it.
  CHECK(RunAt(r, 19).queue == 1);
  CHECK(RunAt(r, 20).job == 0);
}

// A job doing I/O at the boost rejoins the top queue with a fresh slice.
// Job 1 used 3 of its 4 ticks at the top, issued an I/O at 7 and is still
// in it at the boost (10); back at 13, it runs a whole 4-tick slice at the
// top (without the boost it would have had 1 tick left there).
//   mlfq.py -n 2 -q 4 -B 10 -i 6 -l 0,30,0:0,20,3 -c: 0/42, 4/63
TEST_CASE("Rule 5: a boost while a job is doing I/O", "[mlfq][boost][golden]") {
  MlfqSimConfig config = Uniform(2, 4);
  config.scheduler.boost = 10;
  config.io_time = 6;
  const MlfqResult r = Run(config, {{0, 30, 0}, {0, 20, 3}});
  CHECK(Answers(r) == Answer{{0, 42}, {4, 63}});
  CHECK(RunAt(r, 6).ticks_left == 1);  // job 1, before its I/O
  const MlfqEvent back = RunAt(r, 14);
  CHECK(back.job == 1);
  CHECK(back.queue == 1);
  CHECK(back.ticks_left == 3);
  CHECK(back.allot_left == 1);
  CHECK(RunAt(r, 16).job == 1);  // 3 ticks, then its next I/O (every 3 ticks of CPU)
  // Job 0, demoted at 4, was boosted at 10 and ran at the top until job 1 came back.
  CHECK(RunAt(r, 9).queue == 0);
  CHECK(RunAt(r, 10).queue == 1);
  CHECK(RunAt(r, 10).ticks_left == 3);
  CHECK(r.jobs[1].levels.size() == 1);  // job 1 never left the top: the boost changed nothing for it
}

// A boost before a job arrives does not touch it: it arrives (Rule 3) with
// the top queue's quantum and allotment, as any job does.
//   mlfq.py -n 3 -q 3 -a 2 -B 5 -l 0,20,0:7,6,0 -c: 0/26, 1/12
TEST_CASE("Rule 5: a boost before a job arrives", "[mlfq][boost][golden]") {
  MlfqSimConfig config = Uniform(3, 3, 2);
  config.scheduler.boost = 5;
  const MlfqResult r = Run(config, {{0, 20, 0}, {7, 6, 0}});
  CHECK(Answers(r) == Answer{{0, 26}, {1, 12}});
  const MlfqEvent boosted = RunAt(r, 5);  // job 0: a fresh slice and allotment at the boost
  CHECK(boosted.ticks_left == 2);
  CHECK(boosted.allot_left == 2);
  const MlfqEvent arrived = RunAt(r, 8);  // job 1, arrived at 7
  CHECK(arrived.job == 1);
  CHECK(arrived.queue == 2);
  CHECK(arrived.ticks_left == 2);
  CHECK(arrived.allot_left == 2);
  CHECK(r.jobs[1].levels.front().time == 7);
}

// -S and -I with boosts, on two queues with an allotment of 2.
//   mlfq.py -n 2 -q 5 -a 2 -B 30 -i 4 -S -I -l 0,40,7:0,35,0:20,10,2 -c: 0/81, 5/85, 2/28
TEST_CASE("Rule 5 with -S and -I", "[mlfq][boost][golden]") {
  MlfqSimConfig config = Uniform(2, 5, 2);
  config.scheduler.boost = 30;
  config.scheduler.stay = true;
  config.scheduler.iobump = true;
  config.io_time = 4;
  const MlfqResult r = Run(config, {{0, 40, 7}, {0, 35, 0}, {20, 10, 2}});
  CHECK(Answers(r) == Answer{{0, 81}, {5, 85}, {2, 28}});
  CHECK(r.average_turnaround == Approx(194.0 / 3));
  for (std::int64_t t : Boosts(r)) {
    const MlfqEvent first = RunAt(r, t);
    CHECK(first.queue == 1);
    CHECK(first.ticks_left == 4);
    CHECK(first.allot_left == 2);
  }
}

// Several queues with different quanta and allotments: after a boost a job
// gets the TOP queue's (2 ticks, 3 quanta), whatever queue it was in.
//   mlfq.py -Q 2,4,8 -A 3,2,1 -B 25 -i 3 -l 0,30,4:2,25,3:8,12,0 -c: 0/69, 2/68, 1/23
//   mlfq.py -Q 1,2,3,4 -A 1,1,1,1 -B 15 -i 2 -l 3,20,5:0,18,4:10,9,1 -c: 0/44, 0/45, 0/31
TEST_CASE("Rule 5 with different quanta and allotments per queue", "[mlfq][boost][golden]") {
  MlfqSimConfig config;
  config.scheduler.quanta = {2, 4, 8};
  config.scheduler.allotments = {3, 2, 1};
  config.scheduler.boost = 25;
  config.io_time = 3;
  const MlfqResult r = Run(config, {{0, 30, 4}, {2, 25, 3}, {8, 12, 0}});
  CHECK(Answers(r) == Answer{{0, 69}, {2, 68}, {1, 23}});
  for (std::int64_t t : Boosts(r)) {
    // The first job to run at the top after the boost has a whole top-queue slice and allotment.
    for (std::int64_t u = t; u < r.end_time; ++u) {
      const auto e = std::find_if(r.trace.begin(), r.trace.end(),
                                  [&](const MlfqEvent& x) { return x.kind == MlfqEvent::Kind::kRun && x.time == u; });
      if (e == r.trace.end()) continue;
      INFO("boost at " << t << ", first run at " << u);
      CHECK(e->queue == 2);
      CHECK(e->ticks_left == 1);
      CHECK(e->allot_left == 3);
      break;
    }
  }

  MlfqSimConfig four;
  four.scheduler.quanta = {1, 2, 3, 4};
  four.scheduler.allotments = {1, 1, 1, 1};
  four.scheduler.boost = 15;
  four.io_time = 2;
  const MlfqResult f = Run(four, {{3, 20, 5}, {0, 18, 4}, {10, 9, 1}});
  CHECK(Answers(f) == Answer{{0, 44}, {0, 45}, {0, 31}});
  CHECK(f.average_turnaround == Approx(40.0));
}

// mlfq.py accepts a quantum or an allotment of 0 (or less): it counts down
// past 0, so that quantum never expires and that allotment never runs out.
//   mlfq.py -n 2 -q 0 -l 0,5,0:0,3,2 -c: 0/5, 5/13 (TICKS -1, -2, ...)
//   mlfq.py -n 2 -q 2 -A 1,0 -B -3 -l 0,5,-2:0,3,0 -c: 0/8, 2/7 (no boost, no I/O)
TEST_CASE("mlfq.py: a quantum or allotment <= 0 never runs out", "[mlfq][golden]") {
  MlfqSimConfig config = Uniform(2, 0);
  const MlfqResult r = Run(config, {{0, 5, 0}, {0, 3, 2}});
  CHECK(Answers(r) == Answer{{0, 5}, {5, 13}});
  CHECK(RunAt(r, 4).ticks_left == -5);
  CHECK(QueuesRun(r, 0) == std::vector<int>{1});

  MlfqSimConfig bottom = Uniform(2, 2);
  bottom.scheduler.allotments = {1, 0};
  bottom.scheduler.boost = -3;                                // <= 0: no boost
  const MlfqResult b = Run(bottom, {{0, 5, -2}, {0, 3, 0}});  // an I/O frequency <= 0: no I/O
  CHECK(Answers(b) == Answer{{0, 8}, {2, 7}});
  CHECK(RunAt(b, 7).allot_left == -1);
  CHECK(Boosts(b).empty());
  CHECK(b.jobs[0].ios == 0);
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

// mlfq.py -s 5 -n 3 -q 6 -a 2 -B 40 -i 2 -c; its random job list is
// 0,62,7:0,79,9:0,74,9 (RandomMlfqJobs(5, 3, 100, 10), checked below).
TEST_CASE("mlfq.py: a random workload with boost and allotment 2", "[mlfq][golden]") {
  MlfqSimConfig config = Uniform(3, 6, 2);
  config.scheduler.boost = 40;
  config.io_time = 2;
  const MlfqResult r = Run(config, {{0, 62, 7}, {0, 79, 9}, {0, 74, 9}});
  CHECK(Answers(r) == Answer{{0, 185}, {6, 215}, {12, 208}});
  CHECK(r.average_response == Approx(6.0));
  CHECK(r.average_turnaround == Approx(608.0 / 3));
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
  CHECK(s.TicksLeft(8) == 2);  // the top queue's quantum
  CHECK(s.AllotmentLeft(8) == 1);

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

TEST_CASE("MlfqScheduler: Boost gives every job a fresh start at the top (Rule 5)", "[mlfq][boost]") {
  MlfqConfig config;
  config.quanta = {3, 5, 7};  // top first: queue 2, 1, 0
  config.allotments = {2, 3, 1};
  MlfqScheduler s = MlfqScheduler::Create(config).value();
  auto run = [&](std::uint64_t id, int ticks) {
    for (int i = 0; i < ticks; ++i) REQUIRE(s.Tick(id, MlfqTickEnd::kKeepsRunning).ok());
  };
  REQUIRE(s.Admit(1).ok());
  REQUIRE(s.Admit(2).ok());
  // Round robin at the top, two 3-tick quanta each, then both move to queue 1.
  run(1, 3);
  run(2, 3);
  run(1, 3);
  run(2, 3);
  CHECK(s.ReadyQueue(1) == std::deque<std::uint64_t>{1, 2});
  // Job 1 runs 2 ticks at queue 1 and issues an I/O; job 2 runs 1 tick.
  run(1, 1);
  REQUIRE(s.Tick(1, MlfqTickEnd::kIssuesIo).ok());
  run(2, 1);
  CHECK(s.TicksLeft(1) == 3);
  CHECK(s.TicksLeft(2) == 4);
  CHECK(s.AllotmentLeft(2) == 3);

  s.Boost();
  for (std::uint64_t id : {1, 2}) {
    INFO("job " << id);
    CHECK(s.QueueOf(id) == 2);
    CHECK(s.TicksLeft(id) == 3);      // the top queue's quantum
    CHECK(s.AllotmentLeft(id) == 2);  // and its allotment
  }
  CHECK(s.ReadyQueue(2) == std::deque<std::uint64_t>{2});  // job 1 is still doing I/O
  CHECK(s.ReadyQueue(1).empty());
  REQUIRE(s.IoDone(1).ok());
  CHECK(s.ReadyQueue(2) == std::deque<std::uint64_t>{2, 1});  // it rejoins the top queue
}

// ---- Input validation -------------------------------------------------------------

TEST_CASE("MLFQ: bad input gives a clear error", "[mlfq]") {
  MlfqSimConfig config = Uniform(3, 10);
  auto message = [](const Expected<MlfqResult>& r) { return r ? std::string() : r.error().message; };

  config.scheduler.quanta = {10, 10};
  CHECK(message(SimulateMlfq(config, {{0, 5, 0}})) ==
        "there are 2 queues but 3 allotments: give one allotment per queue");
  config.scheduler.quanta.clear();
  CHECK(message(SimulateMlfq(config, {{0, 5, 0}})) == "MLFQ needs at least one queue");
  config = Uniform(101, 10);
  CHECK(message(SimulateMlfq(config, {{0, 5, 0}})) == "at most 100 queues, got 101");

  config = Uniform(3, 10);
  CHECK(message(SimulateMlfq(config, {})) == "no jobs to schedule");
  CHECK(message(SimulateMlfq(config, {{0, 5, 0}, {1, 0, 0}})) == "job 1: run time must be > 0, got 0");
  CHECK(message(SimulateMlfq(config, {{-2, 5, 0}})) == "job 0: start time must be >= 0, got -2");
  config.io_time = -1;
  CHECK(message(SimulateMlfq(config, {{0, 5, 1}})) == "I/O time must be >= 0, got -1");
  config.io_time = 5;
  CHECK(message(SimulateMlfq(config, {{0, 2'000'000'000'000, 0}})) ==
        "job 0: a run time above 1000000000000 ticks is not simulated");
  CHECK(ValidateMlfq(config, {{0, 5, -1}}).ok());  // an I/O frequency <= 0 means no I/O, as in mlfq.py

  CHECK(!RandomMlfqJobs(1, 0, 100, 10).ok());
  CHECK(!RandomMlfqJobs(1, 3, 0, 10).ok());  // every run time would be 0
  CHECK(!RandomMlfqJobs(1, 3, 100, 10'000'000'000'000).ok());
}

// The job lists mlfq.py printed for these seeds and flags.
TEST_CASE("RandomMlfqJobs: mlfq.py's jobs for the same seed", "[mlfq]") {
  auto list = [](const std::vector<MlfqJob>& jobs) {
    std::vector<std::pair<std::int64_t, std::int64_t>> pairs;
    for (const MlfqJob& job : jobs) {
      CHECK(job.arrival == 0);
      pairs.emplace_back(job.burst, job.io_frequency);
    }
    return pairs;
  };
  using Pairs = std::vector<std::pair<std::int64_t, std::int64_t>>;
  // mlfq.py -s 1 (defaults -j 3 -m 100 -M 10)
  CHECK(list(RandomMlfqJobs(1, 3, 100, 10).value()) == Pairs{{14, 8}, {76, 3}, {50, 5}});
  // mlfq.py -s 5
  CHECK(list(RandomMlfqJobs(5, 3, 100, 10).value()) == Pairs{{62, 7}, {79, 9}, {74, 9}});
  // mlfq.py -s 3 -j 4 -m 40 -M 0: no I/O
  CHECK(list(RandomMlfqJobs(3, 4, 40, 0).value()) == Pairs{{10, 0}, {15, 0}, {25, 0}, {1, 0}});
  // mlfq.py -s -7 -j 3 -M -5 -m 1000 (and -s 7: Python seeds with |seed|)
  CHECK(list(RandomMlfqJobs(-7, 3, 1000, -5).value()) == Pairs{{324, 0}, {651, 0}, {536, -1}});
  CHECK(list(RandomMlfqJobs(7, 3, 1000, -5).value()) == list(RandomMlfqJobs(-7, 3, 1000, -5).value()));
  // mlfq.py -s 7 -j 2 -M 1 -m 1: the shortest jobs, an I/O after every tick
  CHECK(list(RandomMlfqJobs(7, 2, 1, 1).value()) == Pairs{{1, 1}, {1, 1}});
}

// The callbacks see what record = true keeps, in the same order.
TEST_CASE("SimulateMlfq: the callbacks report the run as it goes", "[mlfq]") {
  MlfqSimConfig config = Uniform(3, 4, 2);
  config.scheduler.boost = 17;
  config.io_time = 3;
  const std::vector<MlfqJob> jobs = {{0, 30, 5}, {3, 12, 0}, {40, 9, 2}};
  const MlfqResult recorded = Run(config, jobs);

  MlfqSimOptions options;
  options.record = false;
  std::vector<MlfqEvent> events;
  std::vector<MlfqSegment> segments;
  std::vector<std::vector<MlfqLevelChange>> levels(jobs.size());
  options.on_event = [&](const MlfqEvent& e) { events.push_back(e); };
  options.on_segment = [&](const MlfqSegment& s) { segments.push_back(s); };
  options.on_level = [&](int job, const MlfqLevelChange& c) { levels[static_cast<std::size_t>(job)].push_back(c); };
  const MlfqResult streamed = SimulateMlfq(config, jobs, options).value();

  CHECK(streamed.trace.empty());
  CHECK(streamed.timeline.empty());
  REQUIRE(events.size() == recorded.trace.size());
  for (std::size_t i = 0; i < events.size(); ++i) {
    CHECK(events[i].kind == recorded.trace[i].kind);
    CHECK(events[i].time == recorded.trace[i].time);
    CHECK(events[i].job == recorded.trace[i].job);
    CHECK(events[i].ticks_left == recorded.trace[i].ticks_left);
  }
  REQUIRE(segments.size() == recorded.timeline.size());
  for (std::size_t i = 0; i < segments.size(); ++i) {
    CHECK(segments[i].job == recorded.timeline[i].job);
    CHECK(segments[i].start == recorded.timeline[i].start);
    CHECK(segments[i].end == recorded.timeline[i].end);
    CHECK(segments[i].queue == recorded.timeline[i].queue);
  }
  for (std::size_t j = 0; j < jobs.size(); ++j) {
    CHECK(streamed.jobs[j].levels.empty());
    REQUIRE(levels[j].size() == recorded.jobs[j].levels.size());
    for (std::size_t i = 0; i < levels[j].size(); ++i) {
      CHECK(levels[j][i].time == recorded.jobs[j].levels[i].time);
      CHECK(levels[j][i].queue == recorded.jobs[j].levels[i].queue);
    }
  }
  CHECK(Answers(streamed) == Answers(recorded));
  CHECK(streamed.context_switches == recorded.context_switches);
  CHECK(streamed.end_time == recorded.end_time);
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
