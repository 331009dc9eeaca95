// The `gantt` step: its parsing, its rendering as a pure function of STATUS
// replies, and its expectations; and the shipped live-scheduling.yaml. (The
// `cluster:` scheduler keys and the tasks' scheduling fields are parser
// tests, in scenario_test.cpp.) No process is started.
#include <catch2/catch.hpp>

#include <algorithm>
#include <sstream>

#include "gantt_step.h"
#include "osgrid/scenario/scenario.h"

using namespace osgrid;
using namespace osgrid::scenario;

// A namespace of its own, not an anonymous one: the test executables are unity builds
// (OSGRID_UNITY_TESTS), where another file's helpers of the same names would collide.
namespace gantt_step_test {

const std::string kHead = "name: test\ncluster: {peers: 3}\nsteps:\n";

bool Contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

Scenario Parsed(const std::string& yaml) {
  auto scenario = ParseScenario(yaml, "t.yaml");
  INFO(scenario.status().detail());
  REQUIRE(scenario.ok());
  return std::move(scenario).value();
}

std::string FirstError(const std::string& yaml) {
  auto scenario = ParseScenario(yaml, "t.yaml");
  REQUIRE_FALSE(scenario.ok());
  return scenario.status().message();
}

/// Characters on the screen: UTF-8 continuation bytes do not count.
std::size_t Columns(const std::string& line) {
  return static_cast<std::size_t>(
      std::count_if(line.begin(), line.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

Json Segment(const std::string& id, const std::string& name, double start, double end, const std::string& how) {
  return {{"task_id", id}, {"name", name}, {"core", 0}, {"start_t", start}, {"end_t", end}, {"end", how}};
}

Json Done(const std::string& id, const std::string& name, int response, int waiting, int turnaround, int cpu,
          int preemptions) {
  return {{"task_id", id},
          {"name", name},
          {"response_ms", response},
          {"waiting_ms", waiting},
          {"turnaround_ms", turnaround},
          {"run_ms", cpu},
          {"cpu_ms", cpu},
          {"preemptions", preemptions}};
}

// Two tasks submitted together at t = 10000 (the tracker's clock): A needs
// 400 ms, B 100 ms. FCFS runs A then B; RR with a 100 ms quantum runs A, B,
// then A to its end.
Json FcfsStatus() {
  return Json{
      {"scheduler", {{"policy", "FCFS"}}},
      {"scheduling",
       {{"summary", "first-come, first-served"},
        {"cores", 1},
        {"timeline",
         {Segment("peer-1/1", "A", 10000, 10400, "finished"), Segment("peer-1/2", "B", 10400, 10500, "finished")}},
        {"finished", {Done("peer-1/1", "A", 0, 0, 400, 400, 0), Done("peer-1/2", "B", 400, 400, 500, 100, 0)}},
        {"preemptions", 0},
        {"context_switches", 1}}}};
}

Json RrStatus() {
  return Json{
      {"scheduler", {{"policy", "RR"}, {"quantum_ms", 100}}},
      {"scheduling",
       {{"summary", "round robin: one time slice (quantum) at a time"},
        {"cores", 1},
        {"timeline",
         {Segment("peer-2/1", "A", 20000, 20100, "quantum"), Segment("peer-2/2", "B", 20100, 20200, "finished"),
          Segment("peer-2/1", "A", 20200, 20500, "finished")}},
        {"finished", {Done("peer-2/2", "B", 100, 100, 200, 100, 0), Done("peer-2/1", "A", 0, 100, 500, 400, 1)}},
        {"preemptions", 1},
        {"context_switches", 2}}}};
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

/// The chart row of `label` under the title that starts with `title`.
std::string ChartRow(const std::string& text, const std::string& title, const std::string& label) {
  bool in_peer = false;
  for (const std::string& line : Lines(text)) {
    if (line.rfind(title, 0) == 0) in_peer = true;
    if (in_peer && line.rfind("  " + label + " ", 0) == 0 && Contains(line, "█")) return line;
  }
  return "";
}

TEST_CASE("a gantt step parses, with its peers and expectations", "[scenario][gantt]") {
  Scenario scenario = Parsed(kHead +
                             "  - gantt: {}\n"
                             "  - gantt: {peers: [peer-3, peer-1]}\n"
                             "    expect:\n"
                             "      lowest_avg_waiting: peer-1\n"
                             "      lowest_avg_response: peer-3\n"
                             "      avg_waiting_ms_below: {peer-1: 500, peer-3: 800.5}\n");
  CHECK(scenario.NeedsCluster());
  CHECK(std::get<GanttStep>(scenario.steps[0].action).peers.empty());
  CHECK(std::get<GanttStep>(scenario.steps[1].action).peers == std::vector<std::string>{"peer-3", "peer-1"});
  const Expectation& expect = scenario.steps[1].expect;
  CHECK(expect.lowest_avg_waiting == "peer-1");
  CHECK(expect.lowest_avg_response == "peer-3");
  CHECK(expect.avg_waiting_ms_below.at("peer-3") == Approx(800.5));
  CHECK(expect.CheckCount() == 4);

  CHECK(Contains(FirstError(kHead + "  - gantt: {peers: [peer-9]}\n"), "gantt step: peers: unknown peer 'peer-9'"));
  CHECK(Contains(FirstError(kHead + "  - gantt: {peers: [peer-1, peer-1]}\n"), "peers names peer-1 twice"));
  CHECK(Contains(FirstError(kHead + "  - gantt: {peer: peer-1}\n"), "(did you mean 'peers'?)"));
  CHECK(Contains(FirstError(kHead + "  - gantt: {}\n    expect: {lowest_avg_waiting: peer-7}\n"), "unknown peer"));
  CHECK(Contains(FirstError(kHead + "  - gantt: {}\n    expect: {avg_waiting_ms_below: 5}\n"),
                 "avg_waiting_ms_below must map peers to milliseconds"));
  CHECK(Contains(FirstError(kHead + "  - gantt: {}\n    expect: {avg_waiting_ms_below: {peer-1: 0}}\n"),
                 "must be above 0 ms"));
  CHECK(Contains(FirstError(kHead + "  - gantt: {}\n    expect: {result: 1}\n"),
                 "unknown expectation 'result' for a gantt step"));
}

TEST_CASE("the gantt chart shows each peer's timeline, times and averages", "[scenario][gantt]") {
  const std::vector<PeerSchedule> peers = {{"peer-1", FcfsStatus()}, {"peer-2", RrStatus()}};
  const std::string text = RenderGantt(peers, 93);
  INFO(text);
  CHECK(Contains(text, "peer-1: FCFS -- first-come, first-served\n"));
  CHECK(Contains(text, "peer-2: RR, quantum 100 ms -- round robin"));
  for (const std::string& line : Lines(text)) {
    INFO(line);
    CHECK(Columns(line) <= 93);
  }
  // FCFS: A runs first; B waits all through A, then runs.
  const std::string fcfs_b = ChartRow(text, "peer-1", "B");
  CHECK(fcfs_b.find("·") < fcfs_b.find("█"));
  CHECK(ChartRow(text, "peer-1", "A").find("·") == std::string::npos);
  // RR: A is preempted after one quantum, waits while B runs, then runs again: a gap of dots.
  const std::string rr_a = ChartRow(text, "peer-2", "A");
  CHECK(Contains(rr_a, "█·"));
  CHECK(Contains(rr_a, "·█"));
  // Both charts on one scale (500 ms is the longest span): their rows end in the same column.
  CHECK(Columns(ChartRow(text, "peer-1", "B")) == Columns(rr_a));
  // Under each chart, a time axis from 0 to about 500 ms.
  int axes = 0;
  for (const std::string& line : Lines(text)) {
    const std::size_t first = line.find_first_not_of(' ');
    if (first != std::string::npos && line.compare(first, 2, "0 ") == 0 && Contains(line, "500 ms")) ++axes;
  }
  CHECK(axes == 2);
  // The tables: per task, the averages, then the peers side by side.
  CHECK(Contains(text, "task     CPU     response  waiting  turnaround  preempted"));
  CHECK(Contains(text, "\n  average          200 ms    200 ms   450 ms\n"));  // FCFS: waiting (0 + 400) / 2
  CHECK(Contains(text, "\n  average          50 ms     100 ms   350 ms\n"));  // RR: waiting (100 + 100) / 2
  CHECK(Contains(text, "peer    scheduler           tasks  response  waiting  turnaround  preempted  switches\n"));
  CHECK(Contains(text, "peer-1  FCFS                2      200 ms    200 ms   450 ms      0          1\n"));
  CHECK(Contains(text, "peer-2  RR, quantum 100 ms  2      50 ms     100 ms   350 ms      1          2\n"));

  const Json fcfs = ScheduleSummary(FcfsStatus());
  CHECK(fcfs["policy"] == "FCFS");
  CHECK(fcfs["tasks"] == 2);
  CHECK(fcfs["avg_waiting_ms"].get<double>() == Approx(200));
  CHECK(fcfs["avg_turnaround_ms"].get<double>() == Approx(450));
  CHECK(ScheduleSummary(Json::object())["tasks"] == 0);  // a peer without a scheduler report
}

TEST_CASE("the gantt chart copes with odd reports", "[scenario][gantt]") {
  // Two tasks with one name are told apart; a report without scheduling draws no rows.
  Json status = FcfsStatus();
  for (Json& segment : status["scheduling"]["timeline"]) segment["name"] = "main";
  for (Json& done : status["scheduling"]["finished"]) done["name"] = "main";
  const std::string text = RenderGantt({{"peer-1", status}, {"peer-2", Json::object()}}, 60, 20);
  INFO(text);
  CHECK(Contains(text, "  main 1  "));
  CHECK(Contains(text, "  main 2  "));
  CHECK(Contains(text, "peer-2: ?\n  (no task has run here yet)"));
  CHECK(Contains(text, "\npeer-2  ?          0      -         -        -           0          0\n"));  // no averages
  for (const std::string& line : Lines(text)) {
    if (Contains(line, "█") || Contains(line, "peer-1:")) CHECK(Columns(line) <= 60);  // charts and titles
  }
  // Rows past max_rows are counted, not drawn.
  const std::string cut = RenderGantt({{"peer-1", FcfsStatus()}}, 93, 1);
  CHECK(Contains(cut, "(1 more tasks not shown; all with --verbose)"));
  CHECK(ChartRow(cut, "peer-1", "B").empty());
}

TEST_CASE("the gantt chart shows a task blocked in a system call apart from one in the ready queue",
          "[scenario][gantt]") {
  // P waits for its child C (osgrid.wait) from 10100 to 10400, then in the
  // ready queue behind Q until 10500; Q waits in the ready queue from 10100.
  Json status = FcfsStatus();
  status["scheduling"]["timeline"] = {
      Segment("peer-1/1", "P", 10000, 10100, "blocked"), Segment("peer-1/2", "C", 10100, 10400, "finished"),
      Segment("peer-1/3", "Q", 10400, 10500, "finished"), Segment("peer-1/1", "P", 10500, 10600, "finished")};
  status["scheduling"]["blocked"] = {
      {{"task_id", "peer-1/1"}, {"name", "P"}, {"on", "wait peer-1/2"}, {"start_t", 10100}, {"end_t", 10400}}};
  status["scheduling"]["finished"] = {Done("peer-1/2", "C", 0, 0, 300, 300, 0),
                                      Done("peer-1/3", "Q", 300, 300, 400, 100, 0),
                                      Done("peer-1/1", "P", 0, 400, 600, 200, 0)};
  const std::string text = RenderGantt({{"peer-1", status}}, 60, 20);
  INFO(text);
  CHECK(Contains(text, "- blocked in a system call"));
  const std::string p = ChartRow(text, "peer-1", "P");
  const std::string q = ChartRow(text, "peer-1", "Q");
  CHECK(Contains(p, "█---"));
  CHECK(Contains(p, "-··"));  // blocked, then ready once C ended
  CHECK(Contains(q, "···"));
  CHECK_FALSE(Contains(q, "-"));
}

TEST_CASE("gantt expectations compare the peers' averages", "[scenario][gantt]") {
  const Json reply = {{"peer-1", ScheduleSummary(FcfsStatus())}, {"peer-2", ScheduleSummary(RrStatus())}};
  Expectation expect;
  expect.lowest_avg_waiting = "peer-2";
  expect.lowest_avg_response = "peer-1";
  expect.lowest_avg_turnaround = "peer-3";  // not charted
  expect.avg_waiting_ms_below = {{"peer-1", 300}, {"peer-2", 100}};
  const std::vector<Check> checks = GanttChecks(expect, reply);
  REQUIRE(checks.size() == 5);
  CHECK(checks[0].passed);
  CHECK(checks[0].text == "lowest average waiting: peer-2 (RR) 100 ms; then peer-1 (FCFS) 200 ms");
  CHECK_FALSE(checks[1].passed);  // peer-3 is checked first: not charted
  CHECK(checks[1].text == "lowest average turnaround: peer-3 was not charted by this step");
  CHECK_FALSE(checks[2].passed);
  CHECK(checks[2].text == "lowest average response: expected peer-1 (FCFS) 200 ms, but peer-2 (RR) 50 ms is lower");
  CHECK(checks[3].passed);
  CHECK(checks[3].text == "peer-1 (FCFS) average waiting 200 ms, below 300 ms");
  CHECK_FALSE(checks[4].passed);  // 100 is not below 100
  CHECK(checks[4].text == "peer-2 (RR) average waiting: expected below 100 ms, got 100 ms");
}

TEST_CASE("the shipped live-scheduling scenario parses", "[scenario][gantt]") {
  auto scenario = LoadScenario(std::string(OSGRID_SOURCE_DIR) + "/scenarios/live-scheduling.yaml");
  INFO(scenario.status().ToString() << "\n" << scenario.status().detail());
  REQUIRE(scenario.ok());
  CHECK(scenario->cluster.peers == 3);
  CHECK(scenario->cluster.cores == 1);
  CHECK(scenario->cluster.scheduler == std::vector<std::string>{"fcfs", "sjf", "rr"});
  CHECK(scenario->cluster.quantum_ms == 100);
  int batches = 0;
  for (const Step& step : scenario->steps) {
    const auto* batch = std::get_if<BatchStep>(&step.action);
    if (batch == nullptr) continue;
    ++batches;
    CHECK(batch->confidential);
    REQUIRE(batch->tasks.size() == 4);
    for (const BatchTask& task : batch->tasks) {
      CHECK(task.sched.burst_ms == task.args[0].get<std::int64_t>());  // SJF is told the true bursts
    }
    CHECK(batch->tasks[1].sched.name == "B");
  }
  CHECK(batches == 3);
  auto gantt = std::find_if(scenario->steps.begin(), scenario->steps.end(),
                            [](const Step& step) { return std::holds_alternative<GanttStep>(step.action); });
  REQUIRE(gantt != scenario->steps.end());
  CHECK(gantt->expect.lowest_avg_waiting == "peer-2");
  CHECK(gantt->expect.lowest_avg_response == "peer-3");
}

}  // namespace gantt_step_test
