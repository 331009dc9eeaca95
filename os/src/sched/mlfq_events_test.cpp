// MLFQ's event stream (mlfq.h, "Events"): a hand-checked run with a
// preemption by a higher queue, then random workloads (boosts, I/O, -S, -I)
// whose chart and metrics, rebuilt from the events alone (events/replay.h),
// must equal SimulateMlfq's.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "../events/event_test_support.h"
#include "osgrid/os/events/replay.h"
#include "osgrid/os/random.h"
#include "osgrid/os/sched/mlfq.h"

using namespace osgrid::os;
using events::Event;
using events::GanttBar;
using events::testing::Lines;
using events::testing::Recorder;
using events::testing::Show;

// A namespace of its own, not an anonymous one: the test executables are unity builds
// (OSGRID_UNITY_TESTS), where another file's helpers of the same names would collide.
namespace mlfq_events_test {

struct Run {
  MlfqResult result;
  std::vector<Event> events;
};

Run Simulate(const MlfqSimConfig& config, const std::vector<MlfqJob>& jobs) {
  Recorder recorder;
  MlfqSimOptions options;
  options.event_sink = recorder.Sink();
  auto result = SimulateMlfq(config, jobs, options);
  REQUIRE(result.ok());
  return {std::move(result).value(), std::move(recorder.events)};
}

/// MLFQ's timeline in the replay's terms: a job's pieces in different queues
/// merged when they touch (events do not say queues), idle gaps filled.
std::vector<GanttBar> Bars(const MlfqResult& result) {
  std::vector<GanttBar> bars;
  std::int64_t at = 0;
  for (const MlfqSegment& s : result.timeline) {
    const std::string job = std::to_string(s.job);
    if (s.start > at)
      bars.push_back({GanttBar::Kind::kIdle, static_cast<double>(at), static_cast<double>(s.start), ""});
    if (!bars.empty() && bars.back().kind == GanttBar::Kind::kRun && bars.back().task_id == job &&
        bars.back().end == static_cast<double>(s.start)) {
      bars.back().end = static_cast<double>(s.end);
    } else {
      bars.push_back({GanttBar::Kind::kRun, static_cast<double>(s.start), static_cast<double>(s.end), job});
    }
    at = s.end;
  }
  return bars;
}

void CheckStream(const Run& run, const MlfqSimConfig& config) {
  events::testing::CheckStamps(run.events);
  events::testing::CheckQueueLengths(run.events);
  CHECK(events::testing::CheckCausalOrder(run.events) == run.result.jobs.size());
  auto replay = events::ReplaySchedule(run.events);
  INFO((replay.ok() ? "" : replay.error().message));
  REQUIRE(replay.ok());
  INFO("from the events: " << Show(replay->gantt));
  INFO("mlfq's: " << Show(Bars(run.result)));
  CHECK(replay->gantt == Bars(run.result));
  CHECK(replay->context_switches == run.result.context_switches);
  CHECK(replay->switching == 0);
  REQUIRE(replay->tasks.size() == run.result.jobs.size());
  for (const events::TaskTimes& task : replay->tasks) {
    const MlfqJobStats& stats = run.result.jobs.at(std::stoul(task.task_id));
    INFO("job " << task.task_id);
    CHECK(task.submitted == static_cast<double>(stats.job.arrival));
    CHECK(task.first_run == static_cast<double>(stats.first_run));
    CHECK(task.finished == static_cast<double>(stats.completion));
    CHECK(task.wait == static_cast<double>(stats.waiting));
    CHECK(task.cpu == static_cast<double>(stats.job.burst));
    CHECK(task.io == static_cast<double>(stats.ios * config.io_time));
    REQUIRE(task.report.has_value());
    CHECK(task.report->wait_ms == static_cast<double>(stats.waiting));
    CHECK(task.report->cpu_ms == static_cast<double>(stats.job.burst));
    CHECK(task.report->turnaround_ms == static_cast<double>(stats.turnaround));
  }
}

// mlfq.py -n 3 -q 10 -a 1 -l 0,30,0:15,5,0: job 0 is in the middle queue
// when job 1 arrives at the top, so job 1 preempts it; job 0 then finishes
// the rest of its slice there (5 ticks) and moves down.
TEST_CASE("MLFQ says a preemption by a higher queue and each used-up slice", "[mlfq][events]") {
  MlfqSimConfig config;
  config.scheduler.quanta = {10, 10, 10};
  config.scheduler.allotments = {1, 1, 1};
  const Run run = Simulate(config, {{0, 30, 0}, {15, 5, 0}});
  CHECK(Lines(run.events) == std::vector<std::string>{
                                 "0 task.submitted 0",
                                 "0 task.queued 0 1",
                                 "0 task.running 0",
                                 "10 task.preempted 0 quantum",
                                 "10 task.queued 0 1",
                                 "10 task.running 0",
                                 "15 task.submitted 1",
                                 "15 task.queued 1 1",
                                 "15 task.preempted 0 preempted",
                                 "15 task.queued 0 2",
                                 "15 cpu.switch 0>1 0",
                                 "15 task.running 1",
                                 "20 task.finished 1 ok wait 0 cpu 5 turnaround 5",
                                 "20 cpu.switch 1>0 0",
                                 "20 task.running 0",
                                 "25 task.preempted 0 quantum",
                                 "25 task.queued 0 1",
                                 "25 task.running 0",
                                 "35 task.finished 0 ok wait 5 cpu 30 turnaround 35",
                             });
  CheckStream(run, config);
}

TEST_CASE("MLFQ's I/O: task.blocked, then task.queued when it completes", "[mlfq][events]") {
  MlfqSimConfig config;
  config.scheduler.quanta = {10};
  config.scheduler.allotments = {1};
  config.io_time = 3;
  const Run run = Simulate(config, {{0, 4, 2}});
  CHECK(Lines(run.events) == std::vector<std::string>{
                                 "0 task.submitted 0",
                                 "0 task.queued 0 1",
                                 "0 task.running 0",
                                 "2 task.blocked 0 io",
                                 "5 task.queued 0 1",
                                 "5 task.running 0",
                                 "7 task.finished 0 ok wait 0 cpu 4 turnaround 7",
                             });
  CheckStream(run, config);
}

TEST_CASE("MLFQ's events rebuild its chart and metrics, boosts and I/O included", "[mlfq][events][property]") {
  Rng rng(8);
  for (int round = 0; round < 400; ++round) {
    MlfqSimConfig config;
    const auto queues = static_cast<std::size_t>(rng.Uniform(1, 4));
    for (std::size_t q = 0; q < queues; ++q) {
      config.scheduler.quanta.push_back(rng.Uniform(1, 6));
      config.scheduler.allotments.push_back(rng.Uniform(1, 3));
    }
    config.scheduler.boost = rng.Uniform(0, 1) == 0 ? 0 : rng.Uniform(1, 25);
    config.scheduler.stay = rng.Uniform(0, 1) == 1;
    config.scheduler.iobump = rng.Uniform(0, 1) == 1;
    config.io_time = rng.Uniform(0, 5);
    std::vector<MlfqJob> jobs;
    const int n = static_cast<int>(rng.Uniform(1, 6));
    for (int i = 0; i < n; ++i) jobs.push_back({rng.Uniform(0, 20), rng.Uniform(1, 25), rng.Uniform(0, 6)});
    INFO("round " << round);
    CheckStream(Simulate(config, jobs), config);
  }
}

}  // namespace mlfq_events_test
