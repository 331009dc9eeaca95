// One io_context per peer: a peer forwards any number of tasks at once over
// its connections, without a thread per call, up to --max-forwards.
#include <catch2/catch.hpp>

#include <fstream>
#include <set>
#include <thread>

#include "osgrid/net/messages.h"
#include "osgrid/net/params.h"
#include "osgrid/os/events/events.h"
#include "support.h"

using namespace osgrid;
using namespace osgrid::test;
using namespace std::chrono_literals;

namespace {

/// Threads of process `pid`, from /proc/PID/status ("Threads:").
int ThreadsOf(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("Threads:", 0) == 0) return std::stoi(line.substr(8));
  }
  FAIL("no Threads: line in /proc/" << pid << "/status");
  return -1;
}

/// Returns `n` once the wall clock has passed `until` (seconds since the
/// epoch): every such task holds its core until then, so the tasks sent
/// after it wait in the ready queue of the peer that runs them.
const char* kUntilProgram =
    "import time\n"
    "def main(n, until):\n"
    "    while time.time() < until:\n"
    "        time.sleep(0.02)\n"
    "    return n\n";

double EpochSeconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

Json UntilTask(int n, double until) {
  Json task = net::TaskFields(kUntilProgram, "main", {n, until});
  task["type"] = "CPU_TASK";
  return task;
}

/// Makes `peer_port`'s peer look busier to the tracker than any other will
/// get in the test: `running` long sleeps on its cores and `queued` more
/// behind them, all confidential (they never leave it). So every task
/// submitted to it afterwards is placed elsewhere. Returns the client that
/// holds them.
std::unique_ptr<net::Client> MakeBusy(std::uint16_t peer_port, int running, int queued) {
  auto client = Connect(peer_port);
  for (int i = 0; i < running + queued; ++i) {
    Json task = net::TaskFields(SleepProgram(), "main", {120});
    task["type"] = "CPU_TASK";
    task["confidential"] = true;
    task["id"] = 100000 + i;
    REQUIRE(client->SendJson(task).ok());
  }
  return client;
}

/// Waits until the tracker's view of `peer` (its peer.load) shows `queued`
/// tasks waiting; `watcher` must follow peer.load.
void AwaitReportedQueue(Watcher& watcher, const std::string& peer, int queued) {
  AwaitLoad(
      watcher, peer, [&](const os::events::PeerLoad& load) { return load.queued == queued; },
      std::to_string(queued) + " queued");
}

/// The tasks a peer holds (running, or in its ready queue), as its events
/// tell: each task.queued there adds one, each task.finished there takes
/// one off. It counts from the events a watcher has not read yet, so a test
/// uses it where the peer held nothing before them.
struct Held {
  std::string peer;
  std::set<std::string> tasks;
  std::size_t most = 0;  // the most it held at once

  /// Applies `event`; false if it is not about this peer's tasks.
  bool Apply(const os::events::Event& event) {
    if (auto* queued = std::get_if<os::events::TaskQueued>(&event.body); queued && queued->peer == peer) {
      tasks.insert(queued->task_id);
      most = std::max(most, tasks.size());
      return true;
    }
    if (auto* finished = std::get_if<os::events::TaskFinished>(&event.body); finished && finished->peer == peer) {
      tasks.erase(finished->task_id);
      return true;
    }
    return false;
  }
};

}  // namespace

TEST_CASE("200 tasks forwarded at once from one peer all complete, on a constant number of threads",
          "[integration][concurrency]") {
  constexpr int kTasks = 200;
  auto cluster = StartCluster(2);
  const pid_t forwarder = cluster->Peer("peer-1")->pid;
  const int idle_threads = ThreadsOf(forwarder);

  // peer-1's load, (2 running + 250 queued) / 2 cores = 126, stays above
  // peer-2's, which at most (200 tasks) / 2 cores = 100: the tracker places
  // every task on peer-2.
  auto watcher = Watch(cluster->tracker_port(), {"peer.load", "task.queued", "task.finished"});
  auto busy = MakeBusy(PortOf(*cluster, "peer-1"), 2, 250);
  AwaitReportedQueue(watcher, "peer-1", 250);

  // Each task holds a core of peer-2 until `until`: the first two run, the
  // other 198 wait in peer-2's ready queue, and all 200 forwards stay in
  // flight at once.
  const double until = EpochSeconds() + 8;
  auto client = Connect(PortOf(*cluster, "peer-1"));
  for (int n = 0; n < kTasks; ++n) {
    Json task = UntilTask(n, until);
    task["id"] = n;
    REQUIRE(client->SendJson(task).ok());
  }

  auto status1 = Connect(PortOf(*cluster, "peer-1"));
  Held held{"peer-2"};
  AwaitEvent(
      watcher, [&](const os::events::Event& e) { return held.Apply(e) && held.tasks.size() == kTasks; },
      "task.queued on peer-2 of all 200 tasks, none finished", 30);
  const int peak_threads = ThreadsOf(forwarder);
  Json peak = MustCall(*status1, {{"type", "STATUS"}});
  CHECK(peak["forwards"]["in_flight"] == kTasks);  // none has come back yet
  CHECK(peak["forwards"]["waiting"] == 0);         // under --max-forwards (256)

  // Threads: the io thread and the server's file threads, whatever the
  // number of forwards. The allowed growth is 0: every forward is a request
  // on a connection of the io thread (numeric addresses, so not even Asio's
  // resolver thread starts). The design this replaced had 16 pool threads,
  // one per forward in flight, and a tracker-link thread.
  INFO("threads of peer-1: idle " << idle_threads << ", with 200 forwards in flight " << peak_threads);
  CHECK(peak_threads <= idle_threads);
  CHECK(idle_threads <= 1 + params::kFileThreads);

  std::set<int> done;
  for (int i = 0; i < kTasks; ++i) {
    auto reply = client->ReadJson(60s);
    INFO(reply.status().ToString());
    REQUIRE(reply.ok());
    INFO(reply->dump());
    REQUIRE(reply->value("type", "") == "CPU_RESULT");
    CHECK((*reply)["result"] == (*reply)["id"]);
    CHECK((*reply)["peer"] == "peer-2");
    CHECK((*reply)["forwarded"] == true);
    done.insert((*reply)["id"].get<int>());
  }
  CHECK(done.size() == kTasks);
  Json after = MustCall(*status1, {{"type", "STATUS"}});
  CHECK(after["forwards"]["in_flight"] == 0);
  CHECK(after["tasks_forwarded"] == kTasks);
  CHECK(ThreadsOf(forwarder) <= idle_threads);
}

TEST_CASE("a peer forwards at most --max-forwards tasks at once, and the rest wait their turn",
          "[integration][concurrency]") {
  auto cluster = StartCluster(1);
  auto watcher = Watch(cluster->tracker_port(), {"peer.joined", "peer.load", "task.queued", "task.finished"});
  TempDir dir;
  const std::uint16_t port = FreePort();
  PeerProcess limited(
      {BinPath("osgrid-peer"), "--host", "127.0.0.1", "--port", std::to_string(port), "--tracker",
       "127.0.0.1:" + std::to_string(cluster->tracker_port()), "--name", "limited", "--cores", "1", "--storage",
       dir.path + "/storage", "--heartbeat-interval", "0.3", "--max-forwards", "3", "--exit-with-parent"},
      dir.path + "/limited.log");
  auto status = limited.Connect(port);
  INFO("peer log:\n" << limited.Log());
  AwaitEvent(
      watcher,
      [](const os::events::Event& e) {
        auto* joined = std::get_if<os::events::PeerJoined>(&e.body);
        return joined && joined->peer == "limited";
      },
      "peer.joined of limited");
  CHECK(MustCall(*status, {{"type", "STATUS"}})["forwards"]["max"] == 3);

  // limited's load, (1 + 30) / 1 core, stays above peer-1's (12 / 2 cores).
  auto busy = MakeBusy(port, 1, 30);
  AwaitReportedQueue(watcher, "limited", 30);
  CHECK(MustCall(*status, {{"type", "STATUS"}})["registered"] == true);  // it has sent a heartbeat since

  const double until = EpochSeconds() + 5;
  auto client = limited.Connect(port);
  for (int n = 0; n < 12; ++n) {
    Json task = UntilTask(n, until);
    task["id"] = n;
    REQUIRE(client->SendJson(task).ok());
  }
  Json waiting = AwaitStatus(
      *status, [](const Json& s) { return s["forwards"]["waiting"] == 9; }, "9 forwards waiting");
  CHECK(waiting["forwards"]["in_flight"] == 3);
  auto peer1 = Connect(PortOf(*cluster, "peer-1"));
  Json target = MustCall(*peer1, {{"type", "STATUS"}});
  CHECK(target["running"].get<int>() + target["queue_length"].get<int>() <= 3);  // never more at once

  for (int i = 0; i < 12; ++i) {
    auto reply = client->ReadJson(60s);
    INFO(reply.status().ToString());
    REQUIRE(reply.ok());
    CHECK((*reply)["peer"] == "peer-1");
    CHECK((*reply)["result"] == (*reply)["id"]);
  }
  // Over the whole run, as peer-1's own events tell: all 12 ran there, never
  // more than 3 at once. (The events of limited's confidential sleepers are
  // limited's, not peer-1's.)
  Held on_peer1{"peer-1"};
  int finished = 0;
  AwaitEvent(
      watcher,
      [&](const os::events::Event& e) {
        if (!on_peer1.Apply(e)) return false;
        if (std::holds_alternative<os::events::TaskFinished>(e.body)) ++finished;
        return finished == 12;
      },
      "task.finished on peer-1 of all 12 tasks");
  CHECK(on_peer1.tasks.empty());
  CHECK(on_peer1.most <= 3);
  Json after = MustCall(*status, {{"type", "STATUS"}});
  CHECK(after["forwards"]["in_flight"] == 0);
  CHECK(after["forwards"]["waiting"] == 0);
  CHECK(after["tasks_forwarded"] == 12);
}

TEST_CASE("osgrid-peer checks its --max-forwards flag", "[integration][concurrency]") {
  auto result = RunProgram(BinPath("osgrid-peer"), {"--standalone", "--max-forwards", "0"});
  CHECK(result.exit_code != 0);
  CHECK(result.err.find("--max-forwards") != std::string::npos);
}
