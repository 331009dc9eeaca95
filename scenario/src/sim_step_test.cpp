// The scenario step `sim:`: parsing (checked by running the simulation once),
// side-by-side runs without a cluster, and `expect: {answers: ...}`.
// The disk example is Silberschatz 10e, 11.2 (queue 98, 183, 37, 122, 14,
// 124, 65, 67; head at 53): FCFS moves 640 cylinders, SSTF 236.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "osgrid/scenario/runner.h"
#include "osgrid/scenario/scenario.h"
#include "sim_step.h"

using namespace osgrid;
using namespace osgrid::scenario;

// A namespace of its own, not an anonymous one: the test executables are unity builds
// (OSGRID_UNITY_TESTS), where another file's helpers of the same names would collide.
namespace sim_step_test {

const std::string kHead = "name: sims\nsteps:\n";
const std::string kDisk =
    "  - sim: disk\n"
    "    args: -r 98,183,37,122,14,124,65,67 -H 53\n"
    "    policies: [FCFS, SSTF]\n";

bool Contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::string FirstError(const std::string& yaml) {
  auto scenario = ParseScenario(yaml, "t.yaml");
  REQUIRE_FALSE(scenario.ok());
  return scenario.status().message();
}

/// Runs a cluster-free scenario; returns its summary and fills `report`.
RunSummary RunText(const std::string& yaml, std::string& report, const RunOptions& options = {}) {
  auto scenario = ParseScenario(yaml, "t.yaml");
  INFO(scenario.status().ToString());
  REQUIRE(scenario.ok());
  REQUIRE_FALSE(scenario->NeedsCluster());
  std::ostringstream out;
  auto summary = RunScenario(*scenario, options, out);
  REQUIRE(summary.ok());
  report = out.str();
  return *summary;
}

TEST_CASE("SplitWords splits like a shell", "[scenario][sim]") {
  auto Words = [](const std::string& text) {
    auto words = SplitWords(text);
    REQUIRE(words.ok());
    return words.value();
  };
  CHECK(Words("-l 5,10,15  -q 2") == std::vector<std::string>{"-l", "5,10,15", "-q", "2"});
  CHECK(Words("--ops \"fork A B; exit B\" 'x y'") == std::vector<std::string>{"--ops", "fork A B; exit B", "x y"});
  CHECK(Words("a\\ b \"\"") == std::vector<std::string>{"a b", ""});
  CHECK(Words("").empty());
  auto open = SplitWords("-A '+10,-0");
  REQUIRE_FALSE(open.ok());
  CHECK(Contains(open.status().message(), "unterminated"));
}

TEST_CASE("a sim step parses, and the scenario needs no cluster", "[scenario][sim]") {
  auto scenario = ParseScenario(kHead + "  - say: hi\n" + kDisk, "t.yaml");
  INFO(scenario.status().ToString());
  REQUIRE(scenario.ok());
  CHECK_FALSE(scenario->NeedsCluster());
  const auto& step = std::get<SimStep>(scenario->steps[1].action);
  CHECK(step.topic == "disk");
  CHECK(step.args == std::vector<std::string>{"-r", "98,183,37,122,14,124,65,67", "-H", "53"});
  CHECK(step.policies == std::vector<std::string>{"FCFS", "SSTF"});
  CHECK(step.policy_flag == "-p");
  auto live = ParseScenario(kHead + kDisk + "  - status: tracker\n", "t.yaml");
  REQUIRE(live.ok());
  CHECK(live->NeedsCluster());
}

TEST_CASE("sim step mistakes are file:line problems", "[scenario][sim]") {
  CHECK(Contains(FirstError(kHead + "  - sim: shed\n"), "t.yaml:3:10: sim: unknown simulation 'shed'"));
  CHECK(Contains(FirstError(kHead + "  - sim: disk\n    arg: -H 5\n"), "(did you mean 'args'?)"));
  // The args are run once when the file is loaded: a bad policy or list is caught here.
  std::string bad_policy = FirstError(kHead + "  - sim: disk\n    args: -r 1,2\n    policies: [FCFS, SCANN]\n");
  CHECK(Contains(bad_policy, "t.yaml:4:11: sim step: SCANN: "));
  CHECK(Contains(FirstError(kHead + "  - sim: disk\n    args: -r 1,x\n"), "t.yaml:4:11: sim step: "));
  CHECK(Contains(FirstError(kHead + "  - sim: disk\n    args: -r '1,2\n"), "unterminated"));
  CHECK(Contains(FirstError(kHead + "  - sim: disk\n    policies: FCFS\n"), "policies must be a list"));
  CHECK(Contains(FirstError(kHead + "  - sim: disk\n    args: -r 1\n    expect: {answers: 5}\n"),
                 "answers must be a mapping"));
}

TEST_CASE("sim steps run side by side and check answers by JSON path", "[scenario][sim]") {
  std::string report;
  RunSummary passed = RunText(kHead + kDisk +
                                  "    expect:\n      answers:\n"
                                  "        FCFS: {total_movement: 640, order.0: 98}\n"
                                  "        SSTF: {total_movement: 236.004}\n",
                              report);
  INFO(report);
  CHECK(passed.ok());
  CHECK(passed.passed == 3);
  CHECK(Contains(report, "no cluster needed"));
  CHECK(Contains(report, "FCFS total_movement: 640"));
  CHECK(Contains(report, "SSTF total_movement: 236"));

  RunSummary failed =
      RunText(kHead + kDisk +
                  "    expect:\n      answers:\n"
                  "        SSTF: {total_movement: 640, nonexistent.path: 1, order.99999999999999999999999: 1}\n"
                  "        SCAN: {total_movement: 1}\n",
              report);
  CHECK_FALSE(failed.ok());
  CHECK(failed.failed == 4);  // an index past any integer is no such answer, not a crash
  CHECK(Contains(report, "SSTF total_movement: expected 640, got 236"));
  CHECK(Contains(report, "no such answer"));
  CHECK(Contains(report, "'SCAN' is not one of this step's policies"));
}

TEST_CASE("before_step (osgrid run --step) is called once before each step, with its number", "[scenario][sim]") {
  std::vector<std::string> calls;
  RunOptions options;
  options.before_step = [&](std::size_t number, std::size_t steps) {
    calls.push_back(std::to_string(number) + "/" + std::to_string(steps));
  };
  std::string report;
  RunSummary summary = RunText(kHead + kDisk + kDisk, report, options);
  INFO(report);
  CHECK(summary.steps == 2);
  CHECK(calls == std::vector<std::string>{"1/2", "2/2"});
}

}  // namespace sim_step_test
