// The scheduling simulator's event stream (simulator.h, "Events"): hand-
// checked runs, then every policy on random inputs, where the Gantt chart and
// the metrics rebuilt from the events alone (events/replay.h) must equal the
// simulator's own.
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "../events/event_test_support.h"
#include "osgrid/os/events/replay.h"
#include "osgrid/os/random.h"
#include "osgrid/os/sched/sched_policies.h"
#include "osgrid/os/sched/simulator.h"
#include "sched_test_support.h"

using namespace osgrid::os;
using events::Event;
using events::GanttBar;
using events::testing::CheckCausalOrder;
using events::testing::CheckQueueLengths;
using events::testing::CheckStamps;
using events::testing::Line;
using events::testing::Lines;
using events::testing::Recorder;
using events::testing::Show;

// A namespace of its own, not an anonymous one: the test executables are unity builds
// (OSGRID_UNITY_TESTS), where another file's helpers of the same names would collide.
namespace simulator_events_test {

struct Run {
  SchedResult result;
  std::vector<Event> events;
};

Run Simulate(const std::string& policy, const std::vector<SchedProcess>& jobs, SchedPolicyParams params = {},
             SchedOptions options = {}) {
  Recorder recorder;
  options.event_sink = recorder.Sink();
  auto made = MakeSchedPolicy(policy, params);
  REQUIRE(made.ok());
  auto result = SimulateScheduling(**made, jobs, options);
  REQUIRE(result.ok());
  return {std::move(result).value(), std::move(recorder.events)};
}

/// The simulator's timeline in the replay's terms (a job's name for its index).
std::vector<GanttBar> Bars(const SchedResult& result, const std::vector<SchedProcess>& jobs) {
  std::vector<GanttBar> bars;
  for (const SchedSegment& s : result.timeline) {
    GanttBar bar{GanttBar::Kind::kRun, static_cast<double>(s.start), static_cast<double>(s.end), jobs[s.process].name};
    if (s.kind == SchedSegment::Kind::kIdle) bar = {GanttBar::Kind::kIdle, bar.start, bar.end, ""};
    if (s.kind == SchedSegment::Kind::kSwitch) bar.kind = GanttBar::Kind::kSwitch;
    bars.push_back(bar);
  }
  return bars;
}

/// Everything the events must say about a run of `jobs` (named uniquely).
void CheckStream(const Run& run, const std::vector<SchedProcess>& jobs) {
  CheckStamps(run.events);
  CheckQueueLengths(run.events);
  CHECK(CheckCausalOrder(run.events) == jobs.size());

  auto replay = events::ReplaySchedule(run.events);
  INFO((replay.ok() ? "" : replay.error().message));
  REQUIRE(replay.ok());
  const std::vector<GanttBar> expected = Bars(run.result, jobs);
  INFO("from the events: " << Show(replay->gantt));
  INFO("the simulator's: " << Show(expected));
  CHECK(replay->gantt == expected);
  CHECK(replay->context_switches == run.result.context_switches);
  CHECK(replay->switching == static_cast<double>(run.result.switching));

  REQUIRE(replay->tasks.size() == jobs.size());
  for (const events::TaskTimes& task : replay->tasks) {
    const auto job =
        std::find_if(jobs.begin(), jobs.end(), [&](const SchedProcess& j) { return j.name == task.task_id; });
    REQUIRE(job != jobs.end());
    const SchedProcessResult& m = run.result.processes[static_cast<std::size_t>(job - jobs.begin())];
    INFO("task " << task.task_id);
    CHECK(task.submitted == static_cast<double>(job->arrival));
    REQUIRE(task.first_run.has_value());
    CHECK(*task.first_run == static_cast<double>(m.first_run));
    REQUIRE(task.finished.has_value());
    CHECK(*task.finished == static_cast<double>(m.completion));
    CHECK(task.wait == static_cast<double>(m.waiting));
    CHECK(task.cpu == static_cast<double>(m.cpu));
    CHECK(task.io == static_cast<double>(m.io));
    // What task.finished says of itself.
    REQUIRE(task.report.has_value());
    CHECK(task.report->outcome == events::Outcome::kOk);
    CHECK(task.report->wait_ms == static_cast<double>(m.waiting));
    CHECK(task.report->cpu_ms == static_cast<double>(m.cpu));
    CHECK(task.report->turnaround_ms == static_cast<double>(m.turnaround));
    CHECK(task.report->peer.empty());
  }
}

TEST_CASE("Round robin with a context-switch cost, event by event", "[sched][sim][events]") {
  const std::vector<SchedProcess> jobs = {{"A", 0, {3}}, {"B", 1, {2}}};
  SchedPolicyParams params;
  params.quantum = 2;
  SchedOptions options;
  options.context_switch_cost = 1;
  const Run run = Simulate("RR", jobs, params, options);
  CHECK(Lines(run.events) == std::vector<std::string>{
                                 "0 task.submitted A",
                                 "0 task.queued A 1",
                                 "0 task.running A",
                                 "1 task.submitted B",
                                 "1 task.queued B 1",
                                 "2 task.preempted A quantum",
                                 "2 task.queued A 2",
                                 "2 cpu.switch A>B 1",
                                 "3 task.running B",
                                 "5 task.finished B ok wait 2 cpu 2 turnaround 4",
                                 "5 cpu.switch B>A 1",
                                 "6 task.running A",
                                 "7 task.finished A ok wait 4 cpu 3 turnaround 7",
                             });
  CheckStream(run, jobs);
}

TEST_CASE("An I/O burst is task.blocked, then task.queued when it ends", "[sched][sim][events]") {
  const std::vector<SchedProcess> jobs = {{"A", 0, {2, 3, 1}}, {"B", 0, {4}}};
  const Run run = Simulate("FCFS", jobs);
  CHECK(Lines(run.events) == std::vector<std::string>{
                                 "0 task.submitted A",
                                 "0 task.queued A 1",
                                 "0 task.submitted B",
                                 "0 task.queued B 2",
                                 "0 task.running A",
                                 "2 task.blocked A io",
                                 "2 cpu.switch A>B 0",
                                 "2 task.running B",
                                 "5 task.queued A 1",
                                 "6 task.finished B ok wait 2 cpu 4 turnaround 6",
                                 "6 cpu.switch B>A 0",
                                 "6 task.running A",
                                 "7 task.finished A ok wait 1 cpu 3 turnaround 7",
                             });
  CheckStream(run, jobs);
}

TEST_CASE("A shorter arrival preempts: task.preempted, then task.queued", "[sched][sim][events]") {
  const std::vector<SchedProcess> jobs = {{"A", 0, {5}}, {"B", 1, {1}}};
  const Run run = Simulate("SRTF", jobs);
  CHECK(Lines(run.events) == std::vector<std::string>{
                                 "0 task.submitted A",
                                 "0 task.queued A 1",
                                 "0 task.running A",
                                 "1 task.submitted B",
                                 "1 task.queued B 1",
                                 "1 task.preempted A preempted",
                                 "1 task.queued A 2",
                                 "1 cpu.switch A>B 0",
                                 "1 task.running B",
                                 "2 task.finished B ok wait 0 cpu 1 turnaround 1",
                                 "2 cpu.switch B>A 0",
                                 "2 task.running A",
                                 "6 task.finished A ok wait 1 cpu 5 turnaround 6",
                             });
  CheckStream(run, jobs);
}

TEST_CASE("Unnamed jobs are named by their input index", "[sched][sim][events]") {
  const std::vector<SchedProcess> jobs = {{"", 0, {1}}, {"", 0, {1}}};
  const Run run = Simulate("FCFS", jobs);
  REQUIRE_FALSE(run.events.empty());
  CHECK(Line(run.events.front()) == "0 task.submitted 0");
  CHECK(Line(run.events.back()) == "2 task.finished 1 ok wait 1 cpu 1 turnaround 2");
}

TEST_CASE("Every policy's events rebuild its Gantt chart and metrics", "[sched][sim][events][property]") {
  Rng rng(20250115);
  for (int round = 0; round < 300; ++round) {
    const bool with_io = round % 2 == 1, with_switches = round % 4 >= 2;
    const std::vector<SchedProcess> jobs = testing::RandomSchedJobs(rng, with_io);
    SchedPolicyParams params;
    params.quantum = rng.Uniform(1, 5);
    params.aging = rng.Uniform(0, 1) == 0 ? 0 : rng.Uniform(1, 6);
    params.seed = rng.Next();
    SchedOptions options;
    options.context_switch_cost = with_switches ? rng.Uniform(0, 3) : 0;
    for (const std::string& policy : SchedPolicyNames()) {
      INFO("round " << round << ", policy " << policy << ", switch cost " << options.context_switch_cost);
      const Run run = Simulate(policy, jobs, params, options);
      CheckStream(run, jobs);
      // Listening changes nothing.
      auto made = MakeSchedPolicy(policy, params);
      REQUIRE(made.ok());
      SchedOptions quiet = options;
      quiet.event_sink = nullptr;
      auto silent = SimulateScheduling(**made, jobs, quiet);
      REQUIRE(silent.ok());
      CHECK(Bars(silent.value(), jobs) == Bars(run.result, jobs));
      CHECK(silent->context_switches == run.result.context_switches);
    }
  }
}

}  // namespace simulator_events_test
