// A student's policy ordering a real one-core peer's ready queue:
// osgrid-peer --scheduler-file (docs/scheduling.md, "Your own policy").
// The policy runs in a sandboxed process of its own; these tests check that
// the peer runs tasks exactly in the order it decides, as the event stream,
// `osgrid ps` and STATUS show, and that a policy that fails hands the ready
// queue to FCFS without losing a task, saying so in the stream.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <map>
#include <thread>

#include "osgrid/net/requests.h"
#include "osgrid/os/events/events.h"
#include "support.h"

using namespace osgrid;
using namespace osgrid::test;
using namespace std::chrono_literals;
namespace ev = os::events;

// A namespace of its own, not an anonymous one: the test executables are unity builds
// (OSGRID_UNITY_TESTS), where another file's helpers of the same names would collide.
namespace policy_file_test {

/// The newest task first (last in, first out): an order FCFS never gives.
const char* kLifo = R"(from osgrid_lab import Task


class LIFO:
    """The newest ready task runs next."""

    def __init__(self):
        self.ready = []

    def admit(self, task: Task) -> None:
        self.ready.append(task)

    def pick_next(self):
        return self.ready.pop() if self.ready else None
)";

/// Picks like FCFS while at most one task is ready, then raises.
const char* kBroken = R"(class Broken:
    def __init__(self):
        self.ready = []

    def admit(self, task):
        self.ready.append(task)

    def pick_next(self):
        if len(self.ready) > 1:
            raise RuntimeError("too many to choose from")
        return self.ready.pop(0) if self.ready else None
)";

/// Writes `text` to DIR/name and returns the path.
std::string WriteFile(const TempDir& dir, const std::string& name, const std::string& text) {
  const std::string path = dir.path + "/" + name;
  std::ofstream(path) << text;
  return path;
}

/// One tracker and one peer with a single core and `flags`.
std::unique_ptr<scenario::LocalCluster> OneCorePeer(std::vector<std::string> flags) {
  scenario::ClusterOptions options = TestClusterOptions(1, 1.5);
  options.cores = 1;
  options.peer_args = std::move(flags);
  return StartCluster(options);
}

/// Sends one confidential task (it runs on peer-1) without waiting for it.
Submitted Submit(const scenario::LocalCluster& cluster, std::int64_t burn_ms, const std::string& name) {
  net::CpuTaskRequest request{net::MakeTask(BurnProgram(), "main", {burn_ms})};
  request.confidential = true;
  request.task.name = name;
  return SendTask(PortOf(cluster, "peer-1"), request);
}

/// peer-1's STATUS.
Json PeerStatus(const scenario::LocalCluster& cluster) {
  auto client = Connect(PortOf(cluster, "peer-1"));
  return MustCall(*client, {{"type", "STATUS"}});
}

/// Waits until `count` tasks are in peer-1's ready queue, `running` on its core.
void AwaitQueue(const scenario::LocalCluster& cluster, const std::string& running, std::size_t count) {
  auto client = Connect(PortOf(cluster, "peer-1"));
  AwaitStatus(
      *client,
      [&](const Json& status) {
        const Json& report = status["scheduling"];
        return report["ready"].size() == count && report["running"].size() == 1 &&
               report["running"][0]["name"] == running;
      },
      running + " running and " + std::to_string(count) + " tasks ready");
}

/// `osgrid ps --json`'s state of each task, by name.
std::map<std::string, std::string> PsStates(std::uint16_t tracker) {
  std::map<std::string, std::string> states;
  const Json listed = JsonOut(At(tracker, {"ps", "--json"}));  // kept: the loop reads into it
  for (const Json& task : listed["tasks"]) states[task["name"]] = task["state"];
  return states;
}

/// Polls `osgrid ps` until it shows `name` running, and returns what it shows then.
std::map<std::string, std::string> AwaitPsRunning(std::uint16_t tracker, const std::string& name) {
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  std::map<std::string, std::string> states;
  std::vector<std::string> seen;  // each different listing, for the message
  while (std::chrono::steady_clock::now() < deadline) {
    states = PsStates(tracker);
    if (states.count(name) > 0 && states[name] == "running") return states;
    if (seen.empty() || seen.back() != Json(states).dump()) seen.push_back(Json(states).dump());
    std::this_thread::sleep_for(10ms);
  }
  FAIL("osgrid ps never showed " << name << " running; it showed: " << Json(seen).dump());
  return states;
}

/// The names of the tasks in the order their task.running came, until `count` came.
std::vector<std::string> RunningOrder(Watcher& watcher, std::size_t count) {
  std::map<std::string, std::string> names;  // task_id -> name, from task.submitted
  std::vector<std::string> order;
  AwaitEvent(
      watcher,
      [&](const ev::Event& e) {
        if (const auto* submitted = std::get_if<ev::TaskSubmitted>(&e.body))
          names[submitted->task_id] = submitted->name;
        if (const auto* running = std::get_if<ev::TaskRunning>(&e.body)) order.push_back(names[running->task_id]);
        return order.size() >= count;
      },
      std::to_string(count) + " task.running events");
  return order;
}

std::vector<std::string> FinishOrder(const Json& report) {
  std::vector<std::string> names;
  for (const Json& task : report["finished"]) names.push_back(task["name"]);
  return names;
}

TEST_CASE("a student's LIFO policy from --scheduler-file runs the newest ready task first on a one-core peer",
          "[integration][sched][policy-file]") {
  TempDir dir;
  // A generous per-call timeout: this test checks the order, not the speed
  // (tests beside it load the machine).
  auto cluster = OneCorePeer({"--scheduler-file", WriteFile(dir, "lifo.py", kLifo), "--scheduler-timeout", "5000"});
  const std::uint16_t tracker = cluster->tracker_port();
  auto watcher = Watch(tracker, {"task.submitted", "task.running", "sched"});

  // "long" takes the core; s1, s2, s3 arrive while it runs.
  std::vector<Submitted> tasks;
  tasks.push_back(Submit(*cluster, 1500, "long"));
  AwaitQueue(*cluster, "long", 0);
  for (const char* name : {"s1", "s2", "s3"}) {
    tasks.push_back(Submit(*cluster, 300, name));
    AwaitQueue(*cluster, "long", tasks.size() - 1);  // in this order: admitted one after the other
  }
  const Json settings = PeerStatus(*cluster)["scheduler"];
  INFO(settings.dump());
  CHECK(settings["policy"] == "LIFO (lifo.py)");
  CHECK(settings["policy_file"]["class"] == "LIFO");
  CHECK_FALSE(settings["policy_file"].contains("fallback"));

  // osgrid ps: when s3, the newest, runs, the two older ones still wait;
  // then s2 runs while s1 waits.
  std::map<std::string, std::string> states = AwaitPsRunning(tracker, "s3");
  INFO("ps: " << Json(states).dump());
  CHECK(states["s2"] == "ready");
  CHECK(states["s1"] == "ready");
  states = AwaitPsRunning(tracker, "s2");
  CHECK(states["s1"] == "ready");

  for (Submitted& task : tasks) AwaitResult(task);
  // The stream: the tasks got the CPU in exactly the order LIFO chose.
  CHECK(RunningOrder(watcher, 4) == std::vector<std::string>{"long", "s3", "s2", "s1"});
  const Json status = PeerStatus(*cluster);
  CHECK(FinishOrder(status["scheduling"]) == std::vector<std::string>{"long", "s3", "s2", "s1"});
  CHECK(status["scheduler"]["policy"] == "LIFO (lifo.py)");            // it never fell back
  CHECK(status["scheduler"]["policy_file"]["calls"].get<int>() >= 8);  // 4 admits, 4 picks
}

TEST_CASE("a --scheduler-file policy whose pick_next raises gives the ready queue to FCFS, and every task finishes",
          "[integration][sched][policy-file]") {
  TempDir dir;
  auto cluster = OneCorePeer({"--scheduler-file", WriteFile(dir, "broken.py", kBroken)});
  const std::uint16_t tracker = cluster->tracker_port();
  auto watcher = Watch(tracker, {"task.submitted", "task.running", "sched"});

  // "long" is picked while it is alone (the policy answers); s1, s2, s3
  // arrive while it runs, and the next pick, among three, raises.
  std::vector<Submitted> tasks;
  tasks.push_back(Submit(*cluster, 800, "long"));
  AwaitQueue(*cluster, "long", 0);
  for (const char* name : {"s1", "s2", "s3"}) {
    tasks.push_back(Submit(*cluster, 100, name));
    AwaitQueue(*cluster, "long", tasks.size() - 1);
  }
  for (Submitted& task : tasks) AwaitResult(task);  // none is lost

  std::vector<std::string> order;
  std::map<std::string, std::string> names;
  std::optional<ev::SchedPolicyFallback> fallback;
  AwaitEvent(
      watcher,
      [&](const ev::Event& e) {
        if (const auto* submitted = std::get_if<ev::TaskSubmitted>(&e.body))
          names[submitted->task_id] = submitted->name;
        if (const auto* running = std::get_if<ev::TaskRunning>(&e.body)) order.push_back(names[running->task_id]);
        if (const auto* fell = std::get_if<ev::SchedPolicyFallback>(&e.body)) {
          CHECK(e.node == "peer-1");
          CHECK(order == std::vector<std::string>{"long"});  // it fell back at the pick after long
          fallback = *fell;
        }
        return order.size() >= 4 && fallback.has_value();
      },
      "4 task.running and a sched.policy_fallback");
  REQUIRE(fallback.has_value());
  CHECK(fallback->peer == "peer-1");
  CHECK(fallback->policy == "Broken (broken.py)");
  CHECK(fallback->reason == "pick_next raised RuntimeError: too many to choose from (broken.py line 10)");
  CHECK(order == std::vector<std::string>{"long", "s1", "s2", "s3"});  // FCFS from then on

  const Json status = PeerStatus(*cluster);
  CHECK(FinishOrder(status["scheduling"]) == std::vector<std::string>{"long", "s1", "s2", "s3"});
  CHECK(status["scheduler"]["policy"] ==
        "FCFS (fallback: pick_next raised RuntimeError: too many to choose from (broken.py line 10))");
  CHECK(status["scheduler"]["policy_file"]["fallback"] == fallback->reason);
  // osgrid status says it too.
  CommandResult shown = At(PortOf(*cluster, "peer-1"), {"status"});
  INFO(shown.out << shown.err);
  CHECK(shown.out.find("scheduler FCFS (fallback: pick_next raised RuntimeError") != std::string::npos);
}

TEST_CASE("lab 01's reference RR runs on a live peer as --scheduler-file with --quantum, slicing two tasks",
          "[integration][sched][policy-file]") {
  const std::string reference = std::string(OSGRID_SOURCE_DIR) + "/labs/01-cpu-scheduling/reference/policy.py";
  auto cluster = OneCorePeer(
      {"--scheduler-file", reference, "--scheduler-class", "RR", "--quantum", "50", "--scheduler-timeout", "5000"});
  std::vector<Submitted> tasks;
  tasks.push_back(Submit(*cluster, 400, "A"));
  tasks.push_back(Submit(*cluster, 400, "B"));
  for (Submitted& task : tasks) AwaitResult(task);
  const Json status = PeerStatus(*cluster);
  INFO(status["scheduler"].dump());
  CHECK(status["scheduler"]["policy"] == "RR (policy.py)");
  CHECK(status["scheduler"]["quantum_ms"] == 50);                   // RR(quantum=50): its `quantum` attribute
  CHECK(status["scheduler"]["policy_file"]["preemptive"] == true);  // it has should_preempt (Policy's)
  int switches = 0;                                                 // A, B, A, B, ...
  std::string last;
  for (const Json& segment : status["scheduling"]["timeline"]) {
    if (segment["name"] != last) ++switches;
    last = segment["name"];
  }
  CHECK(switches >= 6);
}

TEST_CASE("osgrid-peer refuses a --scheduler-file with several policy classes and no --scheduler-class",
          "[integration][sched][policy-file]") {
  TempDir dir;
  const std::string reference = std::string(OSGRID_SOURCE_DIR) + "/labs/01-cpu-scheduling/reference/policy.py";
  CommandResult result = RunProgram(BinPath("osgrid-peer"),
                                    {"--standalone", "--port", std::to_string(FreePort()), "--storage",
                                     dir.path + "/storage", "--scheduler-file", reference},
                                    {}, {}, 30);
  INFO(result.out << result.err);
  CHECK(result.exit_code == 2);
  CHECK((result.out + result.err)
            .find("--scheduler-file " + reference +
                  ": policy.py defines 3 classes with a pick_next method (SJF, SRTF, RR): name the one to use with "
                  "--scheduler-class NAME") != std::string::npos);
}

}  // namespace policy_file_test
