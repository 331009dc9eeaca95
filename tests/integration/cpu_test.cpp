// CPU sharing on a live cluster: placement on the least-loaded peer,
// confidential tasks, batches, task failures and timeouts, dead peers.
#include <catch2/catch.hpp>

#include <set>

#include "osgrid/net/messages.h"
#include "osgrid/os/events/events.h"
#include "support.h"

using namespace osgrid;
using namespace osgrid::test;
using namespace std::chrono_literals;
using os::events::Event;

namespace {

Json Task(const std::string& program, Json args, bool confidential = false) {
  Json task = net::TaskFields(program, "main", args);
  task["type"] = "CPU_TASK";
  task["confidential"] = confidential;
  return task;
}

/// Fills both cores of `peer` with confidential sleeps, without waiting for
/// them; the returned clients hold the connections open.
std::vector<std::unique_ptr<net::Client>> Occupy(const scenario::LocalCluster& cluster, const std::string& peer,
                                                 double seconds) {
  std::vector<std::unique_ptr<net::Client>> clients;
  for (int core = 0; core < 2; ++core) {
    clients.push_back(Connect(PortOf(cluster, peer)));
    Json task = Task(SleepProgram(), {seconds}, true);
    task["id"] = 1;
    REQUIRE(clients.back()->SendJson(task).ok());
  }
  return clients;
}

/// Waits until the tracker has taken from `peer`'s heartbeat that it runs
/// `running` tasks (its peer.load; `watcher` must follow peer.load).
void AwaitReportedRunning(Watcher& watcher, const std::string& peer, int running) {
  AwaitLoad(
      watcher, peer, [&](const os::events::PeerLoad& load) { return load.running == running; },
      std::to_string(running) + " running");
}

}  // namespace

TEST_CASE("a task runs and its result, stdout and timings come back", "[integration][cpu]") {
  auto cluster = StartCluster(1);
  auto client = Connect(PortOf(*cluster, "peer-1"));
  Json reply = MustCall(*client, Task("def main(x):\n    print('squaring', x)\n    return x * x\n", {12}));
  CHECK(reply["type"] == "CPU_RESULT");
  CHECK(reply["result"] == 144);
  CHECK(reply["stdout"] == "squaring 12\n");
  CHECK(reply["peer"] == "peer-1");
  CHECK(reply["forwarded"] == false);
  CHECK(reply["run_ms"].get<int>() >= 0);
  CHECK(reply["total_ms"].get<int>() >= reply["run_ms"].get<int>());
}

TEST_CASE("a task is forwarded to the least-loaded peer", "[integration][cpu]") {
  auto cluster = StartCluster(3);
  // One watcher per peer: each reads its own stream, so neither wait can
  // consume the event the other waits for.
  auto watch1 = Watch(cluster->tracker_port(), {"peer.load"});
  auto watch2 = Watch(cluster->tracker_port(), {"peer.load"});
  auto busy1 = Occupy(*cluster, "peer-1", 6);
  auto busy2 = Occupy(*cluster, "peer-2", 6);
  AwaitReportedRunning(watch1, "peer-1", 2);
  AwaitReportedRunning(watch2, "peer-2", 2);

  auto client = Connect(PortOf(*cluster, "peer-1"));
  Json reply = MustCall(*client, Task("def main(): return 'hello'", Json::array()));
  CHECK(reply["result"] == "hello");
  CHECK(reply["peer"] == "peer-3");  // the only idle peer
  CHECK(reply["submitted_to"] == "peer-1");
  CHECK(reply["forwarded"] == true);
}

TEST_CASE("a confidential task runs where it was submitted, even when that peer is busiest", "[integration][cpu]") {
  auto cluster = StartCluster(3);
  auto watcher = Watch(cluster->tracker_port(), {"peer.load"});
  auto busy = Occupy(*cluster, "peer-2", 3);
  AwaitReportedRunning(watcher, "peer-2", 2);
  auto client = Connect(PortOf(*cluster, "peer-2"));
  Json reply = MustCall(*client, Task("def main(s): return s[::-1]", {"secret"}, true));
  CHECK(reply["result"] == "terces");
  CHECK(reply["peer"] == "peer-2");
  CHECK(reply["forwarded"] == false);
  CHECK(reply["queued_ms"].get<int>() > 500);  // it waited for a core on peer-2 rather than leave
}

TEST_CASE("a batch is spread across the peers and returned in order", "[integration][cpu]") {
  auto cluster = StartCluster(3);
  auto client = Connect(PortOf(*cluster, "peer-1"));
  Json tasks = Json::array();
  for (int i = 0; i < 30; ++i) tasks.push_back(net::TaskFields("def main(n): return n * 10", "main", {i}));
  Json reply = MustCall(*client, {{"type", "CPU_BATCH"}, {"tasks", tasks}});
  REQUIRE(reply["results"].size() == 30);
  std::set<std::string> peers;
  for (int i = 0; i < 30; ++i) {
    CHECK(reply["results"][i]["index"] == i);
    CHECK(reply["results"][i]["ok"] == true);
    CHECK(reply["results"][i]["result"] == i * 10);
    peers.insert(reply["results"][i]["peer"]);
  }
  CHECK(peers == std::set<std::string>{"peer-1", "peer-2", "peer-3"});
  CHECK(reply["peers"]["peer-1"].get<int>() + reply["peers"]["peer-2"].get<int>() +
            reply["peers"]["peer-3"].get<int>() ==
        30);
}

TEST_CASE("task failures come back as typed errors with the traceback", "[integration][cpu]") {
  auto cluster = StartCluster(1);
  auto client = Connect(PortOf(*cluster, "peer-1"));

  auto exception = client->Call(Task("def main(x):\n    return x / 0\n", {1}));
  CHECK(exception.status().code() == Code::kTaskFailed);
  CHECK(exception.status().message() == "ZeroDivisionError: division by zero");
  CHECK(exception.status().detail().find("line 2, in main") != std::string::npos);

  auto syntax = client->Call(Task("def main(:\n", Json::array()));
  CHECK(syntax.status().code() == Code::kTaskFailed);
  CHECK(syntax.status().message().find("SyntaxError") != std::string::npos);

  auto missing = client->Call(Task("def other(): pass", Json::array()));
  CHECK(missing.status().code() == Code::kTaskFailed);
  CHECK(missing.status().message().find("main") != std::string::npos);

  auto crash = client->Call(Task("import os\ndef main(): os._exit(3)", Json::array()));
  CHECK(crash.status().code() == Code::kTaskFailed);

  CHECK(MustCall(*client, Task("def main(): return 'still here'", Json::array()))["result"] == "still here");
}

TEST_CASE("a task past its timeout is killed and the peer carries on", "[integration][cpu]") {
  auto cluster = StartCluster(1);
  auto client = Connect(PortOf(*cluster, "peer-1"));
  Json task = Task("def main():\n    while True:\n        pass\n", Json::array());
  task["timeout_ms"] = 500;
  auto start = std::chrono::steady_clock::now();
  auto reply = client->Call(task);
  CHECK(reply.status().code() == Code::kTimeout);
  CHECK(reply.status().message().find("500 ms") != std::string::npos);
  CHECK(std::chrono::steady_clock::now() - start < 5s);
  Json status = MustCall(*client, {{"type", "STATUS"}});
  CHECK(status["running"] == 0);
  CHECK(status["tasks_failed"] == 1);
  CHECK(MustCall(*client, Task("def main(): return 1", Json::array()))["result"] == 1);
}

TEST_CASE("the tracker detects a killed peer within the configured timeout", "[integration][cpu]") {
  const double timeout_s = 1.5;
  const double heartbeat_s = 0.3;
  const double cron_s = timeout_s / 10;  // the tracker's sweep: peer_timeout / 10, at least 50 ms
  auto cluster = StartCluster(3, timeout_s);
  auto tracker = Connect(cluster->tracker_port());
  REQUIRE(MustCall(*tracker, {{"type", "PEER_LIST"}})["peers"].size() == 3);
  auto watcher = Watch(cluster->tracker_port(), {"peer.dead"});

  // We measure on our own clock: the event's t is on the tracker's, which
  // has no reading of the kill to compare with. The kill happens between
  // these two readings; the tracker's peer.dead reaches us a moment (one
  // loopback frame, no polling) after it is published.
  const auto before_kill = std::chrono::steady_clock::now();
  REQUIRE(cluster->KillPeer("peer-3").ok());
  const auto killed = std::chrono::steady_clock::now();
  Event dead = AwaitEvent(
      watcher, [](const Event& e) { return std::holds_alternative<os::events::PeerDead>(e.body); },
      "peer.dead of peer-3", 10);
  const auto received = std::chrono::steady_clock::now();
  const auto& death = std::get<os::events::PeerDead>(dead.body);
  CHECK(death.peer == "peer-3");
  CHECK(dead.node == "tracker");
  Json list = MustCall(*tracker, {{"type", "PEER_LIST"}});
  std::set<std::string> live;
  for (const auto& peer : list["peers"]) live.insert(peer["id"]);
  CHECK(live == std::set<std::string>{"peer-1", "peer-2"});

  const double after_s = std::chrono::duration<double>(received - killed).count();
  const double at_most_s = std::chrono::duration<double>(received - before_kill).count();
  INFO("peer.dead received " << after_s << " s after the kill returned (" << at_most_s
                             << " s after it began); the tracker heard nothing for " << death.silent_ms << " ms");
  // Not before the timeout minus one heartbeat interval (counted from the
  // kill's return): the last heartbeat may precede the kill by up to that.
  // Not after the timeout plus one cron period and slack (counted from
  // before the kill).
  CHECK(after_s >= timeout_s - heartbeat_s - 0.05);
  CHECK(at_most_s <= timeout_s + cron_s + 0.2);
  // On the tracker's own clock: it declared the peer dead only once it had
  // been silent for longer than the timeout, and at the first sweep after.
  CHECK(death.silent_ms >= timeout_s * 1000);
  CHECK(death.silent_ms <= (timeout_s + cron_s + 0.2) * 1000);
  Json status = MustCall(*tracker, {{"type", "STATUS"}});
  CHECK(status["peers_died"] == 1);

  // Work submitted afterwards only goes to live peers.
  auto client = Connect(PortOf(*cluster, "peer-1"));
  Json tasks = Json::array();
  for (int i = 0; i < 12; ++i) tasks.push_back(net::TaskFields("def main(): return 1", "main"));
  Json batch = MustCall(*client, {{"type", "CPU_BATCH"}, {"tasks", tasks}});
  CHECK_FALSE(batch["peers"].contains("peer-3"));
}

TEST_CASE("a batch on a one-core peer runs as one job: calls share a worker, each is its own task",
          "[integration][cpu]") {
  scenario::ClusterOptions options = TestClusterOptions(1, 1.5);
  options.cores = 1;
  auto cluster = StartCluster(options);
  auto client = Connect(PortOf(*cluster, "peer-1"));
  // `calls` counts the calls this process has run: the program's globals
  // live on from call to call in a worker (docs/security.md).
  const char* program = R"py(
import osgrid
calls = 0
def main(i, spin):
    global calls
    calls += 1
    print("call", i)
    while spin:
        pass
    return [i * 2, calls, osgrid.getpid()]
)py";
  constexpr int kCalls = 200;
  constexpr int kSpinner = 50;  // over its CPU-time limit: its worker is killed, the job goes on
  Json tasks = Json::array();
  for (int i = 0; i < kCalls; ++i) {
    Json task = net::TaskFields(program, "main", {i, i == kSpinner});
    if (i == kSpinner) task["cpu_limit_ms"] = 300;
    tasks.push_back(task);
  }
  Json reply = MustCall(*client, {{"type", "CPU_BATCH"}, {"tasks", tasks}});
  REQUIRE(reply["results"].size() == kCalls);
  int fresh_processes = 0;
  std::set<std::string> task_ids;
  for (int i = 0; i < kCalls; ++i) {
    const Json& entry = reply["results"][i];
    INFO(entry.dump());
    task_ids.insert(entry["task_id"].get<std::string>());
    if (i == kSpinner) {
      CHECK(entry["ok"] == false);
      CHECK(entry["code"] == "TIMEOUT");
      CHECK(entry["cpu_ms"].get<int>() >= 300);
      continue;
    }
    REQUIRE(entry["ok"] == true);
    CHECK(entry["result"][0] == i * 2);
    CHECK(entry["result"][2] == entry["task_id"]);  // osgrid.getpid(): the call's own task id
    CHECK(entry["stdout"] == "call " + std::to_string(i) + "\n");
    CHECK(entry["cpu_ms"].get<int>() < 200);  // the call's CPU time, not its worker's
    if (entry["result"][1] == 1) ++fresh_processes;
  }
  CHECK(task_ids.size() == kCalls);
  CHECK(fresh_processes >= 2);  // the first call, and the one after the spinner
  CHECK(fresh_processes <= 4);  // one core: a worker at a time, replaced only when killed

  // The scheduler saw each call as a task of its own.
  Json status = MustCall(*client, {{"type", "STATUS"}});
  const Json& finished = status["scheduling"]["finished"];
  REQUIRE(finished.size() == kCalls);
  std::set<std::string> scheduled;
  for (const Json& task : finished) scheduled.insert(task["task_id"].get<std::string>());
  CHECK(scheduled == task_ids);
  CHECK(status["scheduling"]["timeline"].size() >= static_cast<std::size_t>(kCalls));
}
