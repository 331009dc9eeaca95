// The scenario parser: it accepts the shipped quickstart and rejects each kind
// of mistake with the right "file:line:column: message"; the `cluster:`
// scheduler keys and the osgrid-peer flags they become; the scheduling fields
// of cpu and batch steps and a batch's `tasks:`; the deadlock step, its
// expectations (checked against a reply made here) and the tasks' claims.
// No process is started.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "osgrid/scenario/scenario.h"
#include "steps.h"

using namespace osgrid;
using namespace osgrid::scenario;

namespace {

// A valid header for the small scenarios below: 3 peers, steps start at line 3.
const std::string kHead = "name: test\ncluster: {peers: 3}\nsteps:\n";

Result<Scenario> Parse(const std::string& yaml) { return ParseScenario(yaml, "t.yaml"); }

/// The first problem reported for `yaml` ("t.yaml:L:C: ..."); fails if it parses.
std::string FirstError(const std::string& yaml) {
  auto scenario = Parse(yaml);
  REQUIRE_FALSE(scenario.ok());
  CHECK(scenario.status().code() == Code::kBadRequest);
  return scenario.status().message();
}

bool Contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

/// `yaml`, which must parse.
Scenario Parsed(const std::string& yaml) {
  auto scenario = Parse(yaml);
  INFO(scenario.status().detail());
  REQUIRE(scenario.ok());
  return std::move(scenario).value();
}

/// Every problem reported for `yaml`, one per line.
std::string AllErrors(const std::string& yaml) {
  auto scenario = Parse(yaml);
  REQUIRE_FALSE(scenario.ok());
  return scenario.status().detail();
}

const std::string kProgram = "program: 'def main(ms): return ms'";

/// A scenario with these `cluster:` keys and one step.
std::string Cluster(const std::string& keys) { return "name: test\ncluster: {" + keys + "}\nsteps:\n  - say: hi\n"; }

}  // namespace

TEST_CASE("the shipped quickstart scenario parses", "[scenario]") {
  auto scenario = LoadScenario(std::string(OSGRID_SOURCE_DIR) + "/scenarios/quickstart.yaml");
  INFO(scenario.status().ToString() << "\n" << scenario.status().detail());
  REQUIRE(scenario.ok());
  CHECK(scenario->name == "Quickstart: sharing CPU, memory and disk");
  CHECK(scenario->cluster.peers == 3);
  CHECK(scenario->cluster.cores == 2);
  CHECK(scenario->cluster.heartbeat_interval_s == Approx(0.5));
  CHECK(scenario->cluster.peer_timeout_s == Approx(2.0));
  REQUIRE(scenario->steps.size() >= 10);

  const Step& first_cpu = scenario->steps[1];
  REQUIRE(first_cpu.kind == "cpu");
  const auto& cpu = std::get<CpuStep>(first_cpu.action);
  CHECK(cpu.on == "peer-1");
  CHECK(cpu.task.function == "main");
  CHECK(cpu.task.args == Json::array({12}));
  CHECK(Contains(cpu.task.program, "return x * x"));
  CHECK(first_cpu.expect.result == Json(144));
  CHECK(first_cpu.where.line > 0);

  int kinds_seen = 0;
  for (const char* kind : {"say", "cpu", "batch", "mem_set", "mem_get", "file_put", "file_get", "kill_peer",
                           "wait_dead", "list_peers", "status"}) {
    bool found = std::any_of(scenario->steps.begin(), scenario->steps.end(),
                             [&](const Step& step) { return step.kind == kind; });
    INFO(kind);
    CHECK(found);
    kinds_seen += found ? 1 : 0;
  }
  CHECK(kinds_seen == 11);
}

TEST_CASE("defaults, shorthands and YAML typing", "[scenario]") {
  auto scenario = Parse(
      "name: defaults\n"
      "steps:\n"
      "  - mem_set: {on: peer-1, key: a, value: \"42\"}\n"
      "  - mem_set: {on: peer-1, key: b, value: 42}\n"
      "  - mem_set: {on: peer-1, key: c, value: yes}\n"
      "  - mem_set: {on: peer-1, key: d, value: {x: [1, 2.5, true, ~]}}\n"
      "  - mem_get: {on: peer-1, key: a}\n"
      "    expect: \"42\"\n"
      "  - cpu: {on: peer-2, program: 'def main(): return {\"a\": 1}'}\n"
      "    expect: {result: {a: 1}, forwarded: false, ran_on: [peer-1, peer-2]}\n");
  INFO(scenario.status().detail());
  REQUIRE(scenario.ok());
  CHECK(scenario->cluster.peers == 3);                                         // the default cluster
  CHECK(std::get<MemSetStep>(scenario->steps[0].action).value == Json("42"));  // quoted: text
  CHECK(std::get<MemSetStep>(scenario->steps[1].action).value == Json(42));
  CHECK(std::get<MemSetStep>(scenario->steps[2].action).value == Json("yes"));  // YAML 1.2: not a boolean
  CHECK(std::get<MemSetStep>(scenario->steps[3].action).value == Json::parse(R"({"x": [1, 2.5, true, null]})"));
  CHECK(scenario->steps[4].expect.value == Json("42"));
  const Step& cpu = scenario->steps[5];
  CHECK(std::get<CpuStep>(cpu.action).task.args == Json::array());
  CHECK(cpu.expect.result == Json::parse(R"({"a": 1})"));
  CHECK(cpu.expect.ran_on == std::vector<std::string>{"peer-1", "peer-2"});
  CHECK(cpu.expect.CheckCount() == 3);
}

TEST_CASE("a program can come from a file next to the scenario", "[scenario]") {
  auto dir = std::filesystem::temp_directory_path() / "osgrid-scenario-test";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "square.py") << "def main(x):\n    return x * x\n";
  auto scenario = ParseScenario(kHead + "  - cpu: {on: peer-1, file: square.py, args: [3]}\n", "t.yaml", dir.string());
  INFO(scenario.status().detail());
  REQUIRE(scenario.ok());
  CHECK(Contains(std::get<CpuStep>(scenario->steps[0].action).task.program, "return x * x"));

  std::string error = FirstError(kHead + "  - cpu: {on: peer-1, file: missing.py}\n");
  CHECK(Contains(error, "t.yaml:4:29: cpu step: cannot read"));
  CHECK(Contains(error, "missing.py"));
  std::filesystem::remove_all(dir);
}

TEST_CASE("an unknown step type is reported with its line and a suggestion", "[scenario]") {
  std::string error = FirstError(kHead +
                                 "  - say: hello\n"
                                 "  - cpuu: {on: peer-1, program: 'def main(): return 1'}\n");
  CHECK(Contains(error, "t.yaml:5:5: unknown step type 'cpuu' (did you mean 'cpu'?)"));
  CHECK(Contains(error, "steps are: say, sleep, cpu, batch"));

  CHECK(Contains(FirstError(kHead + "  - teleport: {on: peer-1}\n"), "t.yaml:4:5: unknown step type 'teleport';"));
}

TEST_CASE("an unknown key is reported where it is written", "[scenario]") {
  std::string error = FirstError(kHead + "  - cpu: {on: peer-1, progam: 'def main(): return 1'}\n");
  CHECK(Contains(error, "t.yaml:4:23: unknown key 'progam' in cpu step (did you mean 'program'?)"));

  CHECK(Contains(FirstError("name: x\nclustr: {peers: 2}\nsteps: [say: hi]\n"),
                 "t.yaml:2:1: unknown key 'clustr' in a scenario file (did you mean 'cluster'?)"));
  CHECK(Contains(FirstError(kHead + "  - say: hi\n    expct: 1\n"),
                 "t.yaml:5:5: unknown key 'expct' in a step (did you mean 'expect'?)"));
  CHECK(Contains(FirstError(kHead + "  - cpu: {on: peer-1, program: p}\n    expect: {reslt: 1}\n"),
                 "t.yaml:5:14: unknown expectation 'reslt' for a cpu step (did you mean 'result'?)"));
}

TEST_CASE("a key indented one level too little gets a hint", "[scenario]") {
  auto scenario = Parse(kHead + "  - cpu:\n    on: peer-1\n    program: 'def main(): return 1'\n");
  REQUIRE_FALSE(scenario.ok());
  CHECK(scenario.status().message() == "t.yaml:5:5: 'on' belongs to the cpu step: indent it under 'cpu:'");
  CHECK(Contains(scenario.status().detail(), "t.yaml:6:5: 'program' belongs to the cpu step"));
}

TEST_CASE("a value of the wrong type is reported with what was found", "[scenario]") {
  CHECK(Contains(FirstError("name: x\ncluster: {peers: three}\nsteps: [say: hi]\n"),
                 "t.yaml:2:18: cluster: peers must be a whole number, got the text 'three'"));
  CHECK(Contains(FirstError(kHead + "  - cpu: {on: peer-1, program: p, confidential: yes}\n"),
                 "t.yaml:4:49: cpu step: confidential must be true or false, got the text 'yes'"));
  CHECK(Contains(FirstError(kHead + "  - cpu: {on: peer-1, program: p, timeout: 5s}\n"),
                 "t.yaml:4:44: cpu step: timeout must be a number, got the text '5s'"));
  CHECK(Contains(FirstError(kHead + "  - cpu: {on: peer-1, program: p, args: 12}\n"),
                 "t.yaml:4:41: cpu step: args must be a list of arguments such as [12], got the number 12"));
  CHECK(Contains(FirstError(kHead + "  - batch: {on: peer-1, program: p, each: [1, 2, 3]}\n"),
                 "batch step: each must be a non-empty list with one argument list per task"));
  CHECK(Contains(FirstError("name: x\nsteps: {say: hi}\n"), "t.yaml:2:8: steps must be a list of steps"));
  CHECK(Contains(FirstError(kHead + "  - wait_dead: {peer: peer-1, within: -1}\n"),
                 "t.yaml:4:39: wait_dead step: within must be a number of seconds above 0"));
  CHECK(Contains(FirstError(kHead + "  - say: hi\n    expect: 1\n"), "t.yaml:5:5: a say step takes no 'expect'"));
}

TEST_CASE("a missing field is reported at the step that lacks it", "[scenario]") {
  CHECK(Contains(FirstError(kHead + "  - cpu: {on: peer-1, args: [1]}\n"),
                 "t.yaml:4:10: cpu step is missing 'program' (Python source) or 'file' (a .py file)"));
  CHECK(Contains(FirstError(kHead + "  - mem_get: {on: peer-1}\n"), "t.yaml:4:14: mem_get step is missing 'key'"));
  CHECK(Contains(FirstError(kHead + "  - file_put: {on: peer-1, name: a.bin}\n"),
                 "t.yaml:4:15: file_put step is missing 'size_mb'"));
  CHECK(Contains(FirstError("name: x\ncluster: {peers: 2}\n"), "t.yaml:1:1: scenario is missing 'steps'"));
  CHECK(Contains(FirstError("steps: [say: hi]\n"), "t.yaml:1:1: scenario is missing 'name'"));
  CHECK(Contains(FirstError(kHead + "  - {expect: 1}\n"), "t.yaml:4:5: this step has no action"));
}

TEST_CASE("malformed YAML is reported with its position", "[scenario]") {
  CHECK(Contains(FirstError("name: x\nsteps:\n  - cpu: {on: peer-1, args: [1, 2}\n"), "t.yaml:3:"));
  CHECK(Contains(FirstError("name: x\nsteps:\n  - cpu: {on: peer-1, args: [1, 2}\n"), "not valid YAML"));
  CHECK(Contains(FirstError("name: Quickstart: sharing\nsteps: []\n"), "t.yaml:1:17: not valid YAML"));
  CHECK(Contains(FirstError(""), "a scenario file must be a mapping"));
}

TEST_CASE("a reference to a peer the cluster lacks is refused", "[scenario]") {
  CHECK(Contains(FirstError(kHead + "  - cpu: {on: peer-7, program: p}\n"),
                 "t.yaml:4:15: cpu step: on: unknown peer 'peer-7'; this cluster has peer-1 .. peer-3"));
  CHECK(Contains(FirstError(kHead + "  - kill_peer: tracker\n"), "t.yaml:4:16: kill_peer: unknown peer 'tracker'"));
  CHECK(Contains(FirstError(kHead + "  - wait_dead: {peer: peer-0, within: 5}\n"), "unknown peer 'peer-0'"));
  CHECK(Contains(FirstError(kHead + "  - status: peer-4\n"),
                 "unknown node 'peer-4'; this cluster has peer-1 .. "
                 "peer-3 and the tracker"));
  CHECK(Contains(FirstError(kHead + "  - cpu: {on: peer-1, program: p}\n    expect: {ran_on: [peer-1, peer-9]}\n"),
                 "t.yaml:5:31: expect: ran_on: unknown peer 'peer-9'"));
  CHECK(Parse(kHead + "  - status: tracker\n").ok());
}

TEST_CASE("expectations are checked as strictly as steps", "[scenario]") {
  CHECK(Contains(FirstError(kHead + "  - cpu: {on: peer-1, program: p}\n    expect: {error: TASKFAILED}\n"),
                 "unknown error code 'TASKFAILED' (did you mean TASK_FAILED?)"));
  CHECK(Contains(FirstError(kHead + "  - cpu: {on: peer-1, program: p}\n    expect: {a: 1}\n"),
                 "To expect a mapping as the result, write expect: {result: {...}}"));
  CHECK(Contains(FirstError(kHead + "  - mem_set: {on: peer-1, key: k, value: v}\n    expect: 1\n"),
                 "t.yaml:5:13: expect of a mem_set step must be a mapping such as {error: NOT_FOUND}"));
  CHECK(
      Contains(FirstError(kHead + "  - list_peers: {}\n    expect: {count: -1}\n"), "expect: count must be 0 or more"));
}

TEST_CASE("every problem of a file is reported at once, in file order", "[scenario]") {
  auto scenario = Parse(
      "name: x\n"
      "cluster: {peers: 2, cores: 0}\n"
      "steps:\n"
      "  - cpu: {on: peer-3, program: p}\n"
      "  - jump: 1\n"
      "  - mem_get: {on: peer-1, key: k, extra: 1}\n");
  REQUIRE_FALSE(scenario.ok());
  const std::string& all = scenario.status().detail();
  CHECK(Contains(all, "t.yaml:2:28: cluster: cores must be from 1 to 64\n"));
  CHECK(Contains(all, "t.yaml:4:15: cpu step: on: unknown peer 'peer-3'"));
  CHECK(Contains(all, "t.yaml:5:5: unknown step type 'jump'"));
  CHECK(Contains(all, "t.yaml:6:35: unknown key 'extra' in mem_get step"));
  CHECK(std::count(all.begin(), all.end(), '\n') == 4);
  CHECK(all.find("2:28") < all.find("4:15"));
  CHECK(scenario.status().message() == all.substr(0, all.find('\n')));
}

TEST_CASE("a file full of mistakes gets one screenful of problems", "[scenario]") {
  // A step repeated through an alias is reported once, at the anchor.
  auto aliased = Parse(kHead + "  - &bad {jump: 1}\n  - *bad\n  - *bad\n");
  REQUIRE_FALSE(aliased.ok());
  const std::string& once = aliased.status().detail();
  CHECK(once.rfind("t.yaml:4:11: unknown step type 'jump'", 0) == 0);
  CHECK(std::count(once.begin(), once.end(), '\n') == 1);
  // A good step repeated through an alias is that step each time, even after
  // another step (which once was written into the anchor: YAML::Node's operator=).
  auto repeated = Parse(kHead + "  - &hi {say: hi}\n  - *hi\n  - say: bye\n  - *hi\n");
  INFO(repeated.status().detail());
  REQUIRE(repeated.ok());
  REQUIRE(repeated->steps.size() == 4);
  CHECK(repeated->steps[3].where.line == 4);  // an alias's position is its anchor's
  CHECK(std::get<SayStep>(repeated->steps[3].action).text == "hi");
  CHECK(std::get<SayStep>(repeated->steps[2].action).text == "bye");

  std::string many = kHead;
  for (int i = 0; i < 80; ++i) many += "  - jump: " + std::to_string(i) + "\n";
  auto scenario = Parse(many);
  REQUIRE_FALSE(scenario.ok());
  const std::string& all = scenario.status().detail();
  CHECK(std::count(all.begin(), all.end(), '\n') == 51);
  CHECK(Contains(all, "t.yaml:53:5: unknown step type 'jump'"));  // the 50th
  CHECK_FALSE(Contains(all, "t.yaml:54:5:"));
  CHECK(Contains(all, "\nt.yaml: 30 more problems not shown; fix the ones above first\n"));
}

TEST_CASE("duplicate keys are refused", "[scenario]") {
  CHECK(Contains(FirstError(kHead + "  - cpu: {on: peer-1, on: peer-2, program: p}\n"),
                 "t.yaml:4:23: duplicate key 'on' in cpu step"));
  CHECK(Contains(FirstError(kHead + "  - say: a\n    say: b\n"), "t.yaml:5:5: a step has one action"));
}

TEST_CASE("a missing scenario file is an IO error", "[scenario]") {
  auto scenario = LoadScenario("/nonexistent/x.yaml");
  REQUIRE_FALSE(scenario.ok());
  CHECK(scenario.status().code() == Code::kIo);
  CHECK(Contains(scenario.status().message(), "/nonexistent/x.yaml"));
}

TEST_CASE("a number too large for a double stays text", "[scenario]") {
  auto scenario = Parse(kHead + "  - mem_set: {on: peer-1, key: a, value: 1e999}\n");
  INFO(scenario.status().detail());
  REQUIRE(scenario.ok());
  CHECK(std::get<MemSetStep>(scenario->steps[0].action).value == Json("1e999"));
}

TEST_CASE("alias bombs and deep nesting are refused before they are expanded", "[scenario]") {
  // Each level is ten aliases of the one before: 5 * 10^5 items once expanded.
  std::string items = FirstError(
      "name: laughs\nsteps:\n"
      "  - mem_set: {on: peer-1, key: a, value: &l0 [lol, lol, lol, lol, lol]}\n"
      "  - mem_set: {on: peer-1, key: b, value: &l1 [*l0, *l0, *l0, *l0, *l0, *l0, *l0, *l0, *l0, *l0]}\n"
      "  - mem_set: {on: peer-1, key: c, value: &l2 [*l1, *l1, *l1, *l1, *l1, *l1, *l1, *l1, *l1, *l1]}\n"
      "  - mem_set: {on: peer-1, key: d, value: &l3 [*l2, *l2, *l2, *l2, *l2, *l2, *l2, *l2, *l2, *l2]}\n"
      "  - mem_set: {on: peer-1, key: e, value: &l4 [*l3, *l3, *l3, *l3, *l3, *l3, *l3, *l3, *l3, *l3]}\n"
      "  - mem_set: {on: peer-1, key: f, value: [*l4, *l4, *l4, *l4, *l4, *l4, *l4, *l4, *l4, *l4]}\n");
  CHECK(Contains(items, "t.yaml:8:"));  // the value, not the anchor it repeats
  CHECK(Contains(items, "this value takes the file's values past 100000 items (every use of an alias"));

  // No one value is too large, but the file's values add up: the budget is the file's.
  std::string shared = "name: shared\nsteps:\n  - mem_set: {on: peer-1, key: k0, value: &big [";
  for (int i = 0; i < 30000; ++i) shared += i ? ",0" : "0";
  shared += "]}\n";
  for (int i = 1; i <= 4; ++i) shared += "  - mem_set: {on: peer-1, key: k" + std::to_string(i) + ", value: *big}\n";
  auto summed = Parse(shared);
  REQUIRE_FALSE(summed.ok());
  INFO(summed.status().detail());
  CHECK(summed.status().message().rfind("t.yaml:6:", 0) == 0);  // the 4th use passes 100,000
  CHECK(Contains(summed.status().detail(), "past 100000 items"));
  CHECK(std::count(summed.status().detail().begin(), summed.status().detail().end(), '\n') == 1);

  // Few items, but each alias repeats 64 KiB of text: 2 MiB once expanded.
  std::string text = "name: text\nsteps:\n  - mem_set: {on: peer-1, key: a, value: &big '" + std::string(65536, 'x') +
                     "'}\n  - mem_set: {on: peer-1, key: b, value: [";
  for (int i = 0; i < 32; ++i) text += (i ? ", " : "") + std::string("*big");
  text += "]}\n";
  std::string bytes = FirstError(text);
  CHECK(Contains(bytes, "t.yaml:4:"));
  CHECK(Contains(bytes, "past 1048576 bytes of text"));

  std::string deep =
      kHead + "  - mem_set: {on: peer-1, key: a, value: " + std::string(200, '[') + std::string(200, ']') + "}\n";
  CHECK(Contains(FirstError(deep), "nests lists and mappings more than 128 deep"));
}

TEST_CASE("an alias bomb of 10^40 items, past what a size_t counts, is refused", "[scenario]") {
  // Forty levels of ten aliases each: 10^40 items, more than a size_t counts.
  std::string yaml = "name: laughs\nsteps:\n  - mem_set: {on: peer-1, key: a, value: {l0: &l0 [lol, lol]";
  for (int level = 1; level <= 40; ++level) {
    std::string previous = "*l" + std::to_string(level - 1);
    yaml += ", l" + std::to_string(level) + ": &l" + std::to_string(level) + " [" + previous;
    for (int i = 1; i < 10; ++i) yaml += ", " + previous;
    yaml += "]";
  }
  yaml += "}}\n";
  std::string error = FirstError(yaml);
  CHECK(Contains(error, "t.yaml:3:"));
  CHECK(Contains(error, "past 100000 items"));
}

TEST_CASE("an anchor that contains its own alias is refused as too deep", "[scenario]") {
  // yaml-cpp registers the anchor before its contents, so *a here is the list itself.
  std::string error = FirstError(kHead + "  - mem_set: {on: peer-1, key: a, value: &a [*a, *a, *a, *a, *a, *a]}\n");
  CHECK(Contains(error, "nests lists and mappings more than 128 deep"));
}

TEST_CASE("a program file must be a regular file of at most 8 MiB", "[scenario]") {
  auto dir = std::filesystem::temp_directory_path() / "osgrid-scenario-limits";
  std::filesystem::create_directories(dir / "folder.py");
  std::ofstream(dir / "huge.py").close();
  std::filesystem::resize_file(dir / "huge.py", 9u << 20);  // sparse: no 9 MiB written
  std::string base = dir.string();
  auto folder = ParseScenario(kHead + "  - cpu: {on: peer-1, file: folder.py}\n", "t.yaml", base);
  REQUIRE_FALSE(folder.ok());
  CHECK(Contains(folder.status().message(), "folder.py' is not a regular file"));
  auto huge = ParseScenario(kHead + "  - cpu: {on: peer-1, file: huge.py}\n", "t.yaml", base);
  REQUIRE_FALSE(huge.ok());
  CHECK(Contains(huge.status().message(), "huge.py' is 9437184 bytes; a program file may have at most 8388608"));
  auto device = ParseScenario(kHead + "  - cpu: {on: peer-1, file: /dev/zero}\n", "t.yaml", base);
  REQUIRE_FALSE(device.ok());
  CHECK(Contains(device.status().message(), "'/dev/zero' is not a regular file"));
  std::filesystem::remove_all(dir);
}

TEST_CASE("cluster scheduler keys become osgrid-peer flags", "[scenario]") {
  Scenario one = Parsed(Cluster("peers: 2, scheduler: rr, quantum: 50"));
  CHECK(one.cluster.scheduler == std::vector<std::string>{"rr"});
  CHECK(one.cluster.SharedPeerArgs() == std::vector<std::string>{"--scheduler", "rr", "--quantum", "50"});
  CHECK(one.cluster.OwnPeerArgs(1).empty());
  CHECK(one.cluster.SchedulerOf(2) == "rr");

  Scenario each = Parsed(Cluster("peers: 3, scheduler: [fcfs, SJF, rr], quantum: 100"));
  CHECK(each.cluster.SharedPeerArgs() == std::vector<std::string>{"--quantum", "100"});
  CHECK(each.cluster.OwnPeerArgs(2) == std::vector<std::string>{"--scheduler", "SJF"});
  CHECK(each.cluster.OwnPeerArgs(3) == std::vector<std::string>{"--scheduler", "rr"});
  CHECK(each.cluster.SchedulerOf(1) == "fcfs");

  Scenario mlfq =
      Parsed(Cluster("peers: 1, scheduler: mlfq, mlfq_quantum: [10, 20, 40], mlfq_allotment: 2, "
                     "mlfq_boost: 1000"));
  CHECK(mlfq.cluster.SharedPeerArgs() == std::vector<std::string>{"--scheduler", "mlfq", "--mlfq-quantum", "10,20,40",
                                                                  "--mlfq-allotment", "2", "--mlfq-boost", "1000"});
  Scenario priority = Parsed(Cluster("peers: 1, scheduler: priority-p, aging: 200"));
  CHECK(priority.cluster.SharedPeerArgs() == std::vector<std::string>{"--scheduler", "priority-p", "--aging", "200"});
  CHECK(Parsed(Cluster("peers: 2")).cluster.SharedPeerArgs().empty());  // the peers' defaults
}

TEST_CASE("cluster memory keys become the peers' --mem-arena and --allocator", "[scenario]") {
  Scenario memory = Parsed(Cluster("peers: 1, mem_arena: 4096, allocator: best"));
  CHECK(memory.cluster.SharedPeerArgs() == std::vector<std::string>{"--mem-arena", "4096", "--allocator", "best"});
  CHECK(Parsed(Cluster("allocator: buddy")).cluster.SharedPeerArgs() ==
        std::vector<std::string>{"--allocator", "buddy"});  // the default 64 MiB is a power of two
  CHECK(Contains(FirstError(Cluster("allocator: fastest")),
                 "cluster: unknown allocator 'fastest': use one of first, best, worst, next, buddy"));
  CHECK(Contains(FirstError(Cluster("mem_arena: 16")), "cluster: mem_arena must be from 32 bytes (one block)"));
  CHECK(Contains(FirstError(Cluster("mem_arena: 1000, allocator: buddy")),
                 "cluster: allocator buddy needs a power-of-two mem_arena, got 1000"));
}

TEST_CASE("allocator may name one allocator per peer, peer-1 first", "[scenario]") {
  Scenario one = Parsed(Cluster("peers: 2, allocator: best"));
  CHECK(one.cluster.OwnPeerArgs(1).empty());
  CHECK(one.cluster.AllocatorOf(2) == "best");

  Scenario each = Parsed(Cluster("peers: 2, mem_arena: 1024, allocator: [first, best]"));
  CHECK(each.cluster.SharedPeerArgs() == std::vector<std::string>{"--mem-arena", "1024"});
  CHECK(each.cluster.OwnPeerArgs(1) == std::vector<std::string>{"--allocator", "first"});
  CHECK(each.cluster.OwnPeerArgs(2) == std::vector<std::string>{"--allocator", "best"});
  CHECK(each.cluster.AllocatorOf(2) == "best");

  Scenario both = Parsed(Cluster("peers: 2, scheduler: [fcfs, rr], allocator: [worst, next]"));
  CHECK(both.cluster.OwnPeerArgs(2) == std::vector<std::string>{"--scheduler", "rr", "--allocator", "next"});
}

TEST_CASE("an allocator list of the wrong length or with a wrong name is refused at its line", "[scenario]") {
  CHECK(Contains(FirstError(Cluster("peers: 3, allocator: [first, best]")),
                 "t.yaml:2:32: cluster: allocator lists 2 allocators for 3 peers; give one per peer (peer-1 "
                 "first), or a single name for every peer"));
  CHECK(Contains(FirstError(Cluster("peers: 2, allocator: [first, fastest]")),
                 "t.yaml:2:40: cluster: unknown allocator 'fastest': use one of first, best, worst, next, buddy"));
  CHECK(Contains(FirstError(Cluster("peers: 2, mem_arena: 1000, allocator: [first, buddy]")),
                 "cluster: allocator buddy needs a power-of-two mem_arena, got 1000"));
}

TEST_CASE("mem_map and mem_compact steps name a peer and take free-space expectations", "[scenario]") {
  Scenario scenario = Parsed(kHead +
                             "  - mem_map: {on: peer-2}\n"
                             "    expect: {free_holes: 2, largest_hole: 64, external_fragmentation: 0.5}\n"
                             "  - mem_compact: {on: peer-3}\n");
  REQUIRE(scenario.steps.size() == 2);
  CHECK(std::get<MemMapStep>(scenario.steps[0].action).on == "peer-2");
  const Expectation& expect = scenario.steps[0].expect;
  CHECK(expect.free_holes == 2);
  CHECK(expect.largest_hole == 64);
  CHECK(expect.external_fragmentation == 0.5);
  CHECK(expect.CheckCount() == 3);
  CHECK(std::get<MemCompactStep>(scenario.steps[1].action).on == "peer-3");
  CHECK(scenario.steps[1].kind == "mem_compact");
}

TEST_CASE("the shipped live-memory scenario parses", "[scenario]") {
  auto scenario = LoadScenario(std::string(OSGRID_SOURCE_DIR) + "/scenarios/live-memory.yaml");
  INFO(scenario.status().ToString() << "\n" << scenario.status().detail());
  REQUIRE(scenario.ok());
  CHECK(scenario->cluster.peers == 2);
  CHECK(scenario->cluster.mem_arena_bytes == 256);
  CHECK(scenario->cluster.allocator == std::vector<std::string>{"first", "best"});
  auto refused = std::find_if(scenario->steps.begin(), scenario->steps.end(),
                              [](const Step& step) { return step.expect.error == "FRAGMENTATION"; });
  REQUIRE(refused != scenario->steps.end());
  CHECK(std::get<MemSetStep>(refused->action).on == "peer-2");
  CHECK(std::any_of(refused, scenario->steps.end(),
                    [](const Step& step) { return std::holds_alternative<MemCompactStep>(step.action); }));
}

TEST_CASE("mem_map and mem_compact mistakes are file:line problems", "[scenario]") {
  CHECK(Contains(FirstError(kHead + "  - mem_map: {on: peer-7}\n"),
                 "t.yaml:4:19: mem_map step: on: unknown peer 'peer-7'"));
  CHECK(Contains(FirstError(kHead + "  - mem_compact: {}\n"), "t.yaml:4:18: mem_compact step is missing 'on'"));
  CHECK(Contains(FirstError(kHead + "  - mem_map: {on: peer-1, key: k}\n"), "unknown key 'key' in mem_map step"));
  CHECK(Contains(FirstError(kHead + "  - mem_map: {on: peer-1}\n    expect: {free_holes: -1}\n"),
                 "t.yaml:5:26: expect: free_holes must be 0 or more"));
  CHECK(Contains(FirstError(kHead + "  - mem_map: {on: peer-1}\n    expect: {external_fragmentation: 2}\n"),
                 "expect: external_fragmentation must be from 0"));
  CHECK(Contains(FirstError(kHead + "  - mem_compact: {on: peer-1}\n    expect: {free_holes: 1}\n"),
                 "unknown expectation 'free_holes' for a mem_compact step"));
}

TEST_CASE("cluster scheduler mistakes name the key before anything starts", "[scenario]") {
  std::string typo = FirstError(Cluster("peers: 3, scheduler: [fcfs, sfj, rr]"));
  CHECK(Contains(typo, "t.yaml:2:39: cluster: scheduler: unknown policy 'sfj' (did you mean 'sjf'?)"));
  CHECK(Contains(typo, "the policies are: fcfs, sjf, srtf, priority, priority-p, rr, mlfq, lottery, stride"));
  CHECK(Contains(FirstError(Cluster("peers: 3, scheduler: [fcfs, sjf]")),
                 "cluster: scheduler lists 2 policies for 3 peers; give one per peer"));
  CHECK(Contains(FirstError(Cluster("scheduler: [fcfs, sjf]")), "for 3 peers"));  // the default cluster
  CHECK(Contains(FirstError(Cluster("scheduler: 5")), "cluster: scheduler must be text"));
  CHECK(Contains(FirstError(Cluster("scheduler: rr, quantum: 0")), "cluster: quantum must be from 1 to"));
  CHECK(Contains(FirstError(Cluster("scheduler: rr, quantum: 0.5")), "cluster: quantum must be a whole number"));
  CHECK(Contains(FirstError(Cluster("scheduler: [fcfs, sjf, fcfs], quantum: 100")),
                 "cluster: quantum is set, but no peer's scheduler uses it; it is for rr, mlfq, lottery, stride"));
  CHECK(Contains(FirstError(Cluster("quantum: 100")), "(set 'scheduler'; the peers' default is fcfs)"));
  CHECK(Contains(FirstError(Cluster("scheduler: rr, aging: 10")), "aging is set, but no peer's scheduler uses it"));
  CHECK(Contains(FirstError(Cluster("scheduler: rr, mlfq_boost: 10")), "mlfq_boost is set"));
  CHECK(Contains(FirstError(Cluster("scheduler: mlfq, mlfq_queues: 2, mlfq_quantum: [10, 20, 40]")),
                 "mlfq_quantum lists 3 quanta, but mlfq_queues is 2"));
  CHECK(Contains(FirstError(Cluster("scheduler: mlfq, mlfq_allotment: [1, 2]")),
                 "mlfq_allotment lists 2 allotments for 3 queues"));
  CHECK(Contains(FirstError(Cluster("scheduler: mlfq, mlfq_quantum: [10, 0]")),
                 "cluster: mlfq_quantum: each value must be from 1 to"));
  CHECK(
      Contains(FirstError(Cluster("schedular: rr")), "unknown key 'schedular' in cluster (did you mean 'scheduler'?)"));
  // A refused scheduler is reported once, not again as "quantum is set, but ...".
  std::string refused = AllErrors(Cluster("scheduler: rrr, quantum: 100"));
  CHECK(Contains(refused, "unknown policy 'rrr'"));
  CHECK_FALSE(Contains(refused, "quantum is set"));
}

TEST_CASE("cpu and batch steps carry scheduling fields", "[scenario]") {
  Scenario scenario = Parsed(kHead + "  - cpu: {on: peer-1, " + kProgram +
                             ", args: [1], priority: high, burst_ms: 300, tickets: 50, name: render, cpu_limit: 2}\n" +
                             "  - batch: {on: peer-2, " + kProgram + ", each: [[1], [2]], priority: 7, name: job}\n" +
                             "  - batch:\n"
                             "      on: peer-3\n"
                             "      " +
                             kProgram +
                             "\n"
                             "      priority: low\n"
                             "      tasks:\n"
                             "        - {args: [400], name: A, burst_ms: 400}\n"
                             "        - {args: [100], name: B, burst_ms: 100, priority: '-3', tickets: 9}\n");
  const auto& cpu = std::get<CpuStep>(scenario.steps[0].action);
  CHECK(cpu.task.sched.priority == 0);
  CHECK(cpu.task.sched.burst_ms == 300);
  CHECK(cpu.task.sched.tickets == 50);
  CHECK(cpu.task.sched.name == "render");
  CHECK(cpu.cpu_limit_s == Approx(2.0));
  const auto& each = std::get<BatchStep>(scenario.steps[1].action);
  REQUIRE(each.tasks.size() == 2);
  CHECK(each.tasks[1].args == Json::array({2}));
  CHECK(each.tasks[1].sched.priority == 7);  // the step's fields apply to every task
  CHECK(each.tasks[1].sched.name == "job");
  const auto& tasks = std::get<BatchStep>(scenario.steps[2].action);
  REQUIRE(tasks.tasks.size() == 2);
  CHECK(tasks.tasks[0].args == Json::array({400}));
  CHECK(tasks.tasks[0].sched.name == "A");
  CHECK(tasks.tasks[0].sched.burst_ms == 400);
  CHECK(tasks.tasks[0].sched.priority == 2);   // the step's `low`
  CHECK(tasks.tasks[1].sched.priority == -3);  // its own, written as text
  CHECK(tasks.tasks[1].sched.tickets == 9);
  CHECK_FALSE(tasks.tasks[0].sched.tickets.has_value());
}

TEST_CASE("scheduling field mistakes are file:line problems", "[scenario]") {
  const std::string cpu = kHead + "  - cpu: {on: peer-1, " + kProgram + ", ";
  CHECK(Contains(FirstError(cpu + "priority: urgent}\n"), "cpu step: priority must be high, medium, low (0, 1, 2)"));
  CHECK(Contains(FirstError(cpu + "priority: 99999999}\n"), "priority must be high"));
  CHECK(Contains(FirstError(cpu + "burst_ms: -1}\n"), "cpu step: burst_ms must be from 0 to"));
  CHECK(Contains(FirstError(cpu + "tickets: 0}\n"), "cpu step: tickets must be from 1 to"));
  CHECK(Contains(FirstError(cpu + "name: ''}\n"), "cpu step: name must be 1 to 64 characters"));
  CHECK(Contains(FirstError(cpu + "cpu_limit: 0}\n"), "cpu step: cpu_limit must be a number of seconds"));
  CHECK(Contains(FirstError(cpu + "burst: 5}\n"), "unknown key 'burst' in cpu step (did you mean 'burst_ms'?)"));

  const std::string batch = kHead + "  - batch:\n      on: peer-1\n      " + kProgram + "\n";
  CHECK(Contains(FirstError(batch + "      each: [[1]]\n      tasks: [{args: [1]}]\n"),
                 "t.yaml:8:7: batch step: give either 'each' (one argument list per task) or 'tasks'"));
  CHECK(Contains(FirstError(batch), "batch step is missing 'each'"));
  CHECK(Contains(FirstError(batch + "      tasks: []\n"), "batch step: tasks must be a non-empty list"));
  CHECK(Contains(FirstError(batch + "      tasks: [{args: [1], nmae: A}]\n"),
                 "unknown key 'nmae' in batch step: tasks[0] (did you mean 'name'?)"));
  CHECK(Contains(FirstError(batch + "      tasks: [{args: [1]}, {args: 2}]\n"),
                 "batch step: tasks[1]: args must be a list of arguments"));
  CHECK(Contains(FirstError(batch + "      tasks: [{args: [1], burst_ms: lots}]\n"),
                 "batch step: tasks[0]: burst_ms must be a whole number"));
}

TEST_CASE("cluster deadlock becomes the tracker's --deadlock", "[scenario][deadlock]") {
  CHECK(Parsed(Cluster("peers: 2")).cluster.TrackerArgs().empty());  // the tracker's default, detect
  for (const char* mode : {"detect", "recover", "avoid"}) {
    Scenario scenario = Parsed(Cluster(std::string("deadlock: ") + mode));
    CHECK(scenario.cluster.deadlock == mode);
    CHECK(scenario.cluster.TrackerArgs() == std::vector<std::string>{"--deadlock", mode});
    CHECK(scenario.cluster.SharedPeerArgs().empty());  // the peers know nothing of it
  }
  CHECK(Contains(FirstError(Cluster("deadlock: recovr")),
                 "t.yaml:2:21: cluster: deadlock: unknown deadlock mode 'recovr' (did you mean 'recover'?): use one "
                 "of detect, recover, avoid"));
  CHECK(Contains(FirstError(Cluster("deadlock: banker")),
                 "t.yaml:2:21: cluster: deadlock: unknown deadlock mode 'banker': use one of detect, recover, avoid"));
  CHECK(Contains(FirstError(Cluster("deadlock: [detect]")), "cluster: deadlock must be text"));
  CHECK(
      Contains(FirstError(Cluster("dedlock: detect")), "unknown key 'dedlock' in cluster (did you mean 'deadlock'?)"));
}

TEST_CASE("a deadlock step prints the state, switches the mode or shows one object", "[scenario][deadlock]") {
  Scenario scenario = Parsed(kHead +
                             "  - deadlock: {}\n"
                             "  - deadlock: {mode: recover}\n"
                             "  - deadlock: {name: fork-1}\n"
                             "    expect: {error: NOT_FOUND}\n"
                             "  - deadlock: {mode: avoid, name: printers}\n");
  REQUIRE(scenario.steps.size() == 4);
  CHECK(scenario.steps[0].kind == "deadlock");
  const auto& state = std::get<DeadlockStep>(scenario.steps[0].action);
  CHECK(state.mode.empty());
  CHECK(state.name.empty());
  CHECK(scenario.steps[0].expect.CheckCount() == 0);
  CHECK(std::get<DeadlockStep>(scenario.steps[1].action).mode == "recover");
  CHECK(std::get<DeadlockStep>(scenario.steps[2].action).name == "fork-1");
  CHECK(scenario.steps[2].expect.error == "NOT_FOUND");
  const auto& both = std::get<DeadlockStep>(scenario.steps[3].action);
  CHECK(both.mode == "avoid");
  CHECK(both.name == "printers");
  CHECK(scenario.NeedsCluster());

  CHECK(Describe(state) == "deadlock: the tracker's deadlock state");
  CHECK(Describe(scenario.steps[1].action) == "deadlock: switch the tracker to recover, then its state");
  CHECK(Describe(scenario.steps[2].action) == "deadlock: the holders and waiters of fork-1");
  CHECK(Describe(both) == "deadlock: switch the tracker to avoid, then the holders and waiters of printers");
}

TEST_CASE("a deadlock step's expectations are parsed and counted", "[scenario][deadlock]") {
  Scenario scenario = Parsed(kHead +
                             "  - deadlock: {}\n"
                             "    expect: {found: true, cycle_length: 5, victims: 1, stall: false}\n"
                             "  - deadlock: {}\n"
                             "    expect: {found: false, victims: 0}\n");
  const Expectation& expect = scenario.steps[0].expect;
  CHECK(expect.found == true);
  CHECK(expect.cycle_length == 5);
  CHECK(expect.victims == 1);
  CHECK(expect.stall == false);
  CHECK(expect.CheckCount() == 4);
  CHECK(scenario.steps[1].expect.found == false);
  CHECK(scenario.steps[1].expect.victims == 0);
  CHECK_FALSE(scenario.steps[1].expect.stall.has_value());
  CHECK(scenario.steps[1].expect.CheckCount() == 2);
}

TEST_CASE("deadlock step mistakes are file:line problems", "[scenario][deadlock]") {
  CHECK(Contains(FirstError(kHead + "  - deadlock: {mode: recovr}\n"),
                 "t.yaml:4:22: deadlock step: mode: unknown deadlock mode 'recovr' (did you mean 'recover'?): use "
                 "one of detect, recover, avoid"));
  CHECK(Contains(FirstError(kHead + "  - deadlock: {mode: Avoid}\n"), "unknown deadlock mode 'Avoid'"));
  CHECK(Contains(FirstError(kHead + "  - deadlock: {name: ''}\n"),
                 "t.yaml:4:22: deadlock step: name must be a cluster object's name, 1 to 128 printable characters"));
  CHECK(Contains(FirstError(kHead + "  - deadlock: {name: [fork-1]}\n"), "deadlock step: name must be text"));
  CHECK(Contains(FirstError(kHead + "  - deadlock: {on: tracker}\n"),
                 "unknown key 'on' in deadlock step; allowed: mode, name"));
  CHECK(Contains(FirstError(kHead + "  - deadlock: recover\n"), "deadlock step must be a mapping"));
  CHECK(Contains(FirstError(kHead + "  - deadlock: {}\n    expect: {cycle_length: 0}\n"),
                 "t.yaml:5:28: expect: cycle_length must be 1 or more"));
  CHECK(Contains(FirstError(kHead + "  - deadlock: {}\n    expect: {victims: -1}\n"),
                 "expect: victims must be 0 or more"));
  CHECK(Contains(FirstError(kHead + "  - deadlock: {}\n    expect: {found: yes}\n"),
                 "expect: found must be true or false"));
  CHECK(Contains(FirstError(kHead + "  - deadlock: {}\n    expect: {stalled: true}\n"),
                 "unknown expectation 'stalled' for a deadlock step (did you mean 'stall'?)"));
  CHECK(Contains(FirstError(kHead + "  - deadlock: {}\n    expect: true\n"),
                 "expect of a deadlock step must be a mapping such as {error: NOT_FOUND}"));
  CHECK(Contains(FirstError(kHead + "  - cpu: {on: peer-1, " + kProgram + "}\n    expect: {found: true}\n"),
                 "unknown expectation 'found' for a cpu step"));
  // Both mistakes of one step are reported.
  std::string both = AllErrors(kHead + "  - deadlock: {mode: x, name: ''}\n");
  CHECK(Contains(both, "unknown deadlock mode 'x'"));
  CHECK(Contains(both, "name must be a cluster object's name"));
}

TEST_CASE("cpu and batch steps carry the tasks' claims", "[scenario][deadlock]") {
  Scenario scenario = Parsed(kHead + "  - cpu: {on: peer-1, " + kProgram + ", claims: {fork-1: 1, fork-2: 1}}\n" +
                             "  - batch: {on: peer-2, " + kProgram + ", each: [[1], [2]], claims: {printers: 2}}\n" +
                             "  - batch:\n"
                             "      on: peer-3\n"
                             "      " +
                             kProgram +
                             "\n"
                             "      claims: {tape: 1}\n"
                             "      tasks:\n"
                             "        - {args: [1]}\n"
                             "        - {args: [2], claims: {tape: 3, fork-1: 1}}\n"
                             "  - cpu: {on: peer-1, " +
                             kProgram + "}\n");
  CHECK(std::get<CpuStep>(scenario.steps[0].action).task.claims == Claims{{"fork-1", 1}, {"fork-2", 1}});
  const auto& each = std::get<BatchStep>(scenario.steps[1].action);
  REQUIRE(each.tasks.size() == 2);
  CHECK(each.tasks[0].claims == Claims{{"printers", 2}});  // the step's claims are every task's
  CHECK(each.tasks[1].claims == Claims{{"printers", 2}});
  const auto& tasks = std::get<BatchStep>(scenario.steps[2].action);
  REQUIRE(tasks.tasks.size() == 2);
  CHECK(tasks.tasks[0].claims == Claims{{"tape", 1}});
  CHECK(tasks.tasks[1].claims == Claims{{"fork-1", 1}, {"tape", 3}});      // its own, instead of the step's
  CHECK(std::get<CpuStep>(scenario.steps[3].action).task.claims.empty());  // none declared
}

TEST_CASE("a bad claim is a file:line problem at the claim", "[scenario][deadlock]") {
  const std::string cpu = kHead + "  - cpu: {on: peer-1, " + kProgram + ", claims: ";
  const std::string column = std::to_string(cpu.size() - kHead.size() + 1);  // where the claims value starts
  CHECK(Contains(FirstError(cpu + "{fork-1: 0}}\n"),
                 "t.yaml:4:" + std::to_string(cpu.size() - kHead.size() + 10) +
                     ": cpu step: claims: the claim on fork-1 must be an integer 1..1000000, got 0"));
  CHECK(Contains(FirstError(cpu + "{fork-1: 1, fork-2: 1.5}}\n"), "the claim on fork-2 must be an integer 1..1000000"));
  CHECK(Contains(FirstError(cpu + "{fork-1: many}}\n"), "the claim on fork-1 must be an integer"));
  CHECK(Contains(FirstError(cpu + "{}}\n"), "t.yaml:4:" + column + ": cpu step: claims must name 1..1000 objects"));
  CHECK(
      Contains(FirstError(cpu + "[fork-1]}\n"),
               "t.yaml:4:" + column +
                   ": cpu step: claims must map cluster objects to counts, e.g. {fork-1: 1, printers: 2}; got a list"));
  CHECK(Contains(FirstError(cpu + "{\"fork\\t1\": 1}}\n"), "is not an object name (1..128 printable characters)"));
  CHECK(Contains(FirstError(cpu + "{" + std::string(129, 'x') + ": 1}}\n"), "is not an object name"));

  const std::string batch = kHead + "  - batch:\n      on: peer-1\n      " + kProgram + "\n";
  CHECK(Contains(FirstError(batch + "      each: [[1]]\n      claims: {tape: -1}\n"),
                 "t.yaml:8:22: batch step: claims: the claim on tape must be an integer 1..1000000, got -1"));
  CHECK(Contains(FirstError(batch + "      tasks: [{args: [1]}, {args: [2], claims: {tape: 0}}]\n"),
                 "batch step: tasks[1]: claims: the claim on tape must be an integer 1..1000000, got 0"));
  CHECK(Contains(FirstError(batch + "      tasks: [{args: [1], claim: {tape: 1}}]\n"),
                 "unknown key 'claim' in batch step: tasks[0] (did you mean 'claims'?)"));
}

TEST_CASE("deadlock expectations are checked against the tracker's history", "[scenario][deadlock]") {
  const Json found = {{"type", "deadlock.found"},
                      {"t", 2102.4},
                      {"cycle", {"peer-1/1", "peer-2/2"}},
                      {"resources", {"fork-2", "fork-1"}}};
  const Json victim = {{"type", "deadlock.victim"}, {"t", 2103}, {"task_id", "peer-2/2"}, {"peer", "peer-2"}};
  const Json stall = {{"type", "deadlock.stall"}, {"t", 2500}, {"tasks", {"peer-1/3"}}, {"waiting", {"child"}}};
  auto checks = [](const std::string& expect_yaml, const Json& reply) {
    Scenario scenario = Parsed(kHead + "  - deadlock: {}\n    expect: " + expect_yaml + "\n");
    const Step& step = scenario.steps.at(0);
    std::vector<std::string> lines;
    for (const Check& check : CheckExpectation(step.expect, step.action, StepResult{Status::Ok(), reply, {}})) {
      lines.push_back((check.passed ? "ok: " : "FAILED: ") + check.text);
    }
    return lines;
  };
  const Json deadlocked = {{"mode", "recover"}, {"deadlocks", Json::array()}, {"history", {found, victim}}};
  CHECK(checks("{found: true, cycle_length: 2, victims: 1, stall: false}", deadlocked) ==
        std::vector<std::string>{"ok: a deadlock was found at 2102 ms", "ok: the deadlock's cycle has 2 tasks",
                                 "ok: victims: 1 (peer-2/2)", "ok: no stall was found"});
  CHECK(checks("{found: false, cycle_length: 5, victims: 0, stall: true}", deadlocked) ==
        std::vector<std::string>{"FAILED: found: expected no deadlock, but one was found at 2102 ms",
                                 "FAILED: cycle_length: expected 5, the latest deadlock's cycle has 2 tasks",
                                 "FAILED: victims: expected 0, got 1 (peer-2/2)",
                                 "FAILED: stall: expected a stall, none was found"});
  const Json quiet = {{"mode", "detect"}, {"deadlocks", Json::array()}, {"history", {stall}}};
  CHECK(checks("{found: false, victims: 0, stall: true}", quiet) ==
        std::vector<std::string>{"ok: no deadlock was found", "ok: victims: 0", "ok: a stall was found at 2500 ms"});
  CHECK(checks("{found: true, cycle_length: 2}", quiet) ==
        std::vector<std::string>{"FAILED: found: expected a deadlock, none was found",
                                 "FAILED: cycle_length: expected 2 tasks, but no deadlock was found"});
  // After a mode switch the history starts afresh; a deadlock still in force is not in it.
  const Json switched = {{"mode", "recover"}, {"deadlocks", {found}}, {"history", Json::array()}};
  CHECK(checks("{found: true}", switched) ==
        std::vector<std::string>{
            "FAILED: found: expected a deadlock, none was found since the mode was set (1 found before is still in "
            "force)"});
  // A reply out of protocol fails the checks; it does not throw.
  CHECK(checks("{found: true, victims: 0}", Json{{"history", "none"}}) ==
        std::vector<std::string>{"FAILED: found: expected a deadlock, none was found", "ok: victims: 0"});
}
