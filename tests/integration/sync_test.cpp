// Tasks that share state across the cluster (docs/sync.md): osgrid.mem, and
// the tracker's Locks, Semaphores and MessageQueues; deadlock detection,
// recovery and avoidance on live philosophers; stalls; what a dead peer's
// tasks held; producer-consumer with 10,000 items. The programs are the
// scenarios' own (scenarios/programs/), read from the source tree.
#include <signal.h>

#include <catch2/catch.hpp>

#include <fstream>
#include <future>
#include <set>
#include <sstream>
#include <thread>

#include "osgrid/client/ops.h"
#include "osgrid/net/requests.h"
#include "osgrid/os/events/events.h"
#include "support.h"
#include "tcp_relay.h"

using namespace osgrid;
using namespace osgrid::test;
using namespace std::chrono_literals;
namespace ev = osgrid::os::events;

namespace {

/// Runs program's function(*args) on the peer at `port` and returns its
/// result, or the error of the request as the task's status. Safe to call
/// from several threads: it asserts nothing (Catch2's checks are not).
net::TaskResult Run(std::uint16_t port, const std::string& program, const std::string& function, Json args,
                    std::int64_t timeout_ms = 120000) {
  net::TaskResult failed;
  auto client = net::Client::Connect("127.0.0.1", port);
  if (!client.ok()) {
    failed.status = client.status();
    return failed;
  }
  net::CpuTaskRequest request{net::MakeTask(program, function, std::move(args))};
  request.task.timeout_ms = timeout_ms;
  auto ran = client::Cpu(**client, request, std::chrono::milliseconds(30000));
  if (!ran.ok()) {
    failed.status = ran.status();
    return failed;
  }
  return ran->value;
}

/// The tracker's DEADLOCK reply, switching its mode first when `mode` is given.
Json Deadlock(std::uint16_t tracker, const std::string& mode = "") {
  auto client = Connect(tracker);
  Json request = {{"type", "DEADLOCK"}};
  if (!mode.empty()) request["mode"] = mode;
  return MustCall(*client, request);
}

/// deadlock.* events of the reply's history, of `type`.
std::vector<Json> History(const Json& reply, const std::string& type) {
  std::vector<Json> events;
  for (const Json& event : reply["history"]) {
    if (event["type"] == type) events.push_back(event);
  }
  return events;
}

/// dinner(seed, table, 5, barrier_s, patience_s) for each seed, `parallel` at a time.
std::vector<Json> Dinners(std::uint16_t port, const std::string& prefix, const std::vector<int>& seeds,
                          double barrier_s, double patience_s, std::size_t parallel = 5) {
  const std::string program = ProgramFile("philosophers.py");
  std::vector<Json> results(seeds.size());
  for (std::size_t start = 0; start < seeds.size(); start += parallel) {
    std::vector<std::future<net::TaskResult>> running;
    for (std::size_t k = start; k < std::min(seeds.size(), start + parallel); ++k) {
      running.push_back(std::async(std::launch::async, [&, k] {
        return Run(port, program, "dinner", {seeds[k], prefix + std::to_string(seeds[k]), 5, barrier_s, patience_s});
      }));
    }
    for (std::size_t k = start; k < std::min(seeds.size(), start + parallel); ++k) {
      net::TaskResult result = running[k - start].get();
      INFO("seed " << seeds[k] << ": " << result.status.ToString() << " " << result.status.detail());
      REQUIRE(result.status.ok());
      results[k] = result.result;
    }
  }
  return results;
}

/// Waits until the tracker at `port` lists exactly `ids` as its peers.
void AwaitPeerIds(std::uint16_t port, const std::set<std::string>& ids) {
  auto client = Connect(port);
  std::set<std::string> listed;
  for (int attempt = 0; attempt < 200; ++attempt) {
    listed.clear();
    const Json list = MustCall(*client, {{"type", "PEER_LIST"}});
    for (const Json& peer : list["peers"]) listed.insert(peer["id"]);
    if (listed == ids) return;
    std::this_thread::sleep_for(50ms);
  }
  FAIL("the tracker's peers are " << Json(listed).dump() << ", not " << Json(ids).dump());
}

/// Waits until the tracker at `port` shows `holders` holders and `waiters`
/// waiters on the cluster object `name`.
void AwaitObject(std::uint16_t port, const std::string& name, std::size_t holders, std::size_t waiters) {
  Json object;
  for (int attempt = 0; attempt < 200; ++attempt) {
    const Json reply = Deadlock(port);
    for (const Json& each : reply["objects"]) {
      if (each["name"] == name) object = each;
    }
    if (object.is_object() && object["holders"].size() == holders && object["waiters"].size() == waiters) return;
    std::this_thread::sleep_for(50ms);
  }
  FAIL(name << " at the tracker is " << object.dump() << ", not " << holders << " holders and " << waiters
            << " waiters");
}

/// Now on the steady clock (CLOCK_MONOTONIC, the same for every process on
/// this machine), ms.
double SteadyMs() {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

/// When the tracker at `port` started, on this process's steady clock, ms:
/// event times (t) are ms since then. Good to the millisecond of STATUS's
/// uptime plus half a loopback round trip.
double TrackerStartMs(std::uint16_t port) {
  auto client = Connect(port);
  const double before = SteadyMs();
  const Json status = MustCall(*client, {{"type", "STATUS"}});
  const double after = SteadyMs();
  return (before + after) / 2 - status["uptime_s"].get<double>() * 1000;
}

/// The program of the two partition tests: hold() takes Lock L and keeps it;
/// take() takes it, retrying on an error (as UNAVAILABLE's message says to),
/// and returns the first error, if any, and how many tries it took.
const char* kLockProgram =
    "import osgrid, time\n"
    "def hold():\n"
    "    osgrid.Lock('L').acquire()\n"
    "    time.sleep(60)\n"
    "def take():\n"
    "    first_error = None\n"
    "    for attempt in range(1, 101):\n"
    "        try:\n"
    "            osgrid.Lock('L').acquire()\n"
    "            return {'first_error': first_error, 'attempts': attempt}\n"
    "        except osgrid.Error as e:\n"
    "            first_error = first_error or e.code + ': ' + str(e)\n"
    "            time.sleep(0.1)\n"
    "    return {'first_error': first_error, 'attempts': 100}\n";

/// Runs `function` of kLockProgram on the peer at `port` on a thread of its
/// own; `*ended_ms` gets the steady time its reply came back.
std::future<net::TaskResult> RunLockTask(std::uint16_t port, const std::string& function, double* ended_ms) {
  return std::async(std::launch::async, [port, function, ended_ms] {
    net::TaskResult result = Run(port, kLockProgram, function, Json::array(), 60000);
    *ended_ms = SteadyMs();
    return result;
  });
}

}  // namespace

TEST_CASE("osgrid.mem in a task reaches the memory of the peer it was submitted to, forwarded or not",
          "[integration][sync]") {
  auto cluster = StartCluster(3);
  const std::uint16_t peer1 = PortOf(*cluster, "peer-1");
  REQUIRE(At(peer1, {"mem", "set", "greeting", "hello"}).exit_code == 0);
  const std::string program =
      "import osgrid\n"
      "import time\n"
      "def main(i):\n"
      "    time.sleep(0.3)\n"
      "    osgrid.mem.set(f'seen-{i}', osgrid.getpid())\n"
      "    return [osgrid.mem.get('greeting'), osgrid.mem.get('nothing', 'default'), osgrid.mem.delete('nothing')]\n";
  auto client = Connect(peer1);
  net::CpuBatchRequest batch;
  for (int i = 0; i < 12; ++i) batch.tasks.push_back(net::MakeTask(program, "main", {i}));
  auto ran = client::Batch(*client, batch);
  INFO((ran.ok() ? std::string() : ran.status().ToString()));
  REQUIRE(ran.ok());
  std::set<std::string> peers;
  for (const net::TaskResult& task : ran->value.results) {
    INFO(task.status.ToString());
    REQUIRE(task.status.ok());
    CHECK(task.result == Json::array({"hello", "default", false}));
    peers.insert(task.peer);
  }
  CHECK(peers.size() > 1);  // some ran elsewhere, and still saw peer-1's key
  for (int i = 0; i < 12; ++i) {
    auto value = client::MemGet(*client, "seen-" + std::to_string(i));
    REQUIRE(value.ok());
    CHECK(value->value.get<std::string>().starts_with("peer-1/"));
  }
}

TEST_CASE("cluster objects refuse bad calls with typed errors, change nothing, and osgrid deadlock names them",
          "[integration][sync]") {
  auto cluster = StartCluster(1);
  const std::uint16_t peer = PortOf(*cluster, "peer-1");
  const std::string program =
      "import osgrid\n"
      "def attempt(f):\n"
      "    try:\n"
      "        f()\n"
      "        return 'ok'\n"
      "    except (ValueError, osgrid.Error) as e:\n"
      "        return f'{type(e).__name__}: {e}'\n"
      "def main():\n"
      "    lock, res = osgrid.Lock('L'), osgrid.Resource('R', 2)\n"
      "    first = [attempt(lock.release), lock.acquire(timeout=0)]\n"
      "    return first + [attempt(lambda: osgrid.Semaphore('S', -1).signal()),\n"
      "            attempt(lambda: res.request(3)),\n"
      "            attempt(lambda: res.release(1)),\n"
      "            attempt(lambda: osgrid.Semaphore('L', 1).wait()),\n"
      "            attempt(lambda: osgrid.MessageQueue('Q', 0).send(1)),\n"
      "            lock.acquire(timeout=0), attempt(lock.release), attempt(lock.release)]\n";
  net::TaskResult result = Run(peer, program, "main", Json::array());
  INFO(result.status.ToString() << result.status.detail());
  REQUIRE(result.status.ok());
  const Json& r = result.result;
  CHECK(r[0] == "ValueError: osgrid.Lock.release: task peer-1/1 does not hold lock L (it is free)");
  CHECK(r[1] == true);  // the refused release changed nothing: the lock is free
  CHECK(r[2].get<std::string>().find("initial value must be >= 0, got -1") != std::string::npos);
  CHECK(r[3].get<std::string>().starts_with("ValueError: osgrid.Resource.request:"));
  CHECK(r[4].get<std::string>().starts_with("ValueError: osgrid.Resource.release:"));
  CHECK(r[5] == "ValueError: osgrid.Semaphore.wait: L is a lock, not a semaphore");
  CHECK(r[6].get<std::string>().starts_with("ValueError: osgrid.MessageQueue.send:"));
  CHECK(r[7] == false);  // a Lock is not recursive: a try by its holder fails
  CHECK(r[8] == "ok");
  CHECK(r[9].get<std::string>().starts_with("ValueError: osgrid.Lock.release: task peer-1/1 does not hold lock L"));

  const std::uint16_t tracker = cluster->tracker_port();
  Json objects = JsonOut(At(tracker, {"deadlock", "--json"}))["objects"];
  std::set<std::string> names;
  for (const Json& object : objects) names.insert(object["name"].get<std::string>());
  CHECK(names == std::set<std::string>{"L"});  // the refused calls made nothing: no S, R or Q
  CommandResult unknown = At(tracker, {"deadlock", "no-such-lock"});
  CHECK(unknown.exit_code != 0);
  CHECK(unknown.err.find("NOT_FOUND") != std::string::npos);
}

TEST_CASE("a task waiting for a Lock shows as waiting in ps and as a waiter in the snapshot and osgrid deadlock",
          "[integration][sync]") {
  // A peer timeout of 10 s, not 1.5: nothing here waits for a peer to die,
  // and under a loaded CI run the holder's task once came back without its
  // result (a late heartbeat and a peer declared dead is the likely cause; the
  // INFO below now says what its status was).
  auto cluster = StartCluster(2, 10.0);
  const std::uint16_t tracker = cluster->tracker_port();
  const std::string program =
      "import osgrid, time\n"
      "def hold(s):\n"
      "    with osgrid.Lock('printer'):\n"
      "        time.sleep(s)\n"
      "    return 'held'\n"
      "def take():\n"
      "    return osgrid.Lock('printer').acquire(timeout=30)\n";
  auto holder = std::async(std::launch::async,
                           [&] { return Run(PortOf(*cluster, "peer-1"), program, "hold", Json::array({3})); });
  Json objects;
  for (int attempt = 0; attempt < 100; ++attempt) {
    objects = Deadlock(tracker)["objects"];
    if (!objects.empty() && !objects[0]["holders"].empty()) break;
    std::this_thread::sleep_for(50ms);
  }
  REQUIRE(objects.size() == 1);
  REQUIRE(objects[0]["holders"].size() == 1);
  const std::string holder_id = objects[0]["holders"][0]["task_id"];
  auto taker =
      std::async(std::launch::async, [&] { return Run(PortOf(*cluster, "peer-2"), program, "take", Json::array()); });

  Json tasks;
  std::string seen;
  for (int attempt = 0; attempt < 100; ++attempt) {
    tasks = JsonOut(At(tracker, {"ps", "--json"}))["tasks"];
    seen += tasks.dump() + "\n";
    if (tasks.size() == 2 && tasks[1]["state"] == "waiting") break;
    std::this_thread::sleep_for(50ms);
  }
  INFO(seen);
  REQUIRE(tasks.size() == 2);
  CHECK(tasks[1]["state"] == "waiting");
  Watcher watcher = Watch(tracker, {"resource"});
  const ev::Snapshot& snapshot = watcher.events->snapshot();
  REQUIRE(snapshot.resources.size() == 1);
  CHECK(snapshot.resources[0].name == "printer");
  CHECK(snapshot.resources[0].holders.at(0).task_id == holder_id);
  CHECK(snapshot.resources[0].waiters.at(0).task_id == tasks[1]["task_id"]);
  CHECK(snapshot.resources[0].waiters.at(0).op == "acquire");
  CommandResult text = At(tracker, {"deadlock", "printer"});
  CHECK(text.out.find(holder_id) != std::string::npos);
  CHECK(text.out.find("(acquire)") != std::string::npos);

  const net::TaskResult held = holder.get();
  const net::TaskResult taken = taker.get();
  INFO("holder: " << held.status.ToString() << "; taker: " << taken.status.ToString());
  CHECK(held.result == "held");
  CHECK(taken.result == true);
}

TEST_CASE("philosophers on three peers deadlock every time under detect, and never under avoid (20 seeds each)",
          "[integration][sync][deadlock]") {
  auto cluster = StartCluster(3);
  const std::uint16_t tracker = cluster->tracker_port();
  const std::uint16_t peer1 = PortOf(*cluster, "peer-1");
  std::vector<int> seeds;
  for (int seed = 1; seed <= 20; ++seed) seeds.push_back(seed);

  REQUIRE(Deadlock(tracker, "detect")["mode"] == "detect");
  for (const Json& counts : Dinners(peer1, "detect-", seeds, 60, 1.5)) {
    CHECK(counts["aborted"] == 0);
    CHECK(counts["ate"].get<int>() < 5);  // they gave up: patience ran out in the deadlock
  }
  const std::vector<Json> found = History(Deadlock(tracker), "deadlock.found");
  std::set<std::string> tables;
  int across_peers = 0;  // cycles whose tasks ran on more than one peer
  for (const Json& event : found) {
    CHECK(event["seq"].get<std::uint64_t>() > 0);  // as the stream numbered it
    CHECK(event["algorithm"] == "wait-for graph");
    REQUIRE(event["cycle"].size() == 5);  // all five philosophers, each waiting for the next one's fork
    REQUIRE(event["resources"].size() == 5);
    REQUIRE(event["peers"].size() == 5);
    std::set<std::string> forks, peers;
    for (const Json& fork : event["resources"]) forks.insert(fork.get<std::string>());
    for (const Json& peer : event["peers"]) peers.insert(peer.get<std::string>());
    CHECK(forks.size() == 5);
    if (peers.size() > 1) ++across_peers;
    const std::string fork = *forks.begin();
    tables.insert(fork.substr(0, fork.find('/')));
  }
  CHECK(tables.size() == 20);  // one deadlock per seed
  // Where each philosopher runs is the tracker's choice (the least loaded
  // peer), so on a busy machine one dinner's five may all land on one peer;
  // across 20 dinners, cycles span peers.
  CHECK(across_peers > 0);

  REQUIRE(Deadlock(tracker, "avoid")["mode"] == "avoid");
  for (const Json& counts : Dinners(peer1, "avoid-", seeds, 1.0, 20))
    CHECK(counts == Json{{"ate", 5}, {"starved", 0}, {"aborted", 0}});
  CHECK(History(Deadlock(tracker), "deadlock.found").empty());
}

TEST_CASE("under recover the tracker aborts one philosopher and the other four eat", "[integration][sync][deadlock]") {
  auto cluster = StartCluster(3);
  const std::uint16_t tracker = cluster->tracker_port();
  REQUIRE(Deadlock(tracker, "recover")["mode"] == "recover");
  Watcher watcher = Watch(tracker, {"deadlock", "task.finished"});
  std::vector<Json> results = Dinners(PortOf(*cluster, "peer-1"), "recover-", {1, 2, 3}, 60, 20, 3);
  for (const Json& counts : results) CHECK(counts == Json{{"ate", 4}, {"starved", 0}, {"aborted", 1}});
  const Json reply = Deadlock(tracker);
  const std::vector<Json> victims = History(reply, "deadlock.victim");
  REQUIRE(victims.size() == 3);
  CHECK(History(reply, "deadlock.found").size() == 3);
  const std::string victim = victims[0]["task_id"];
  ev::Event finished = AwaitEvent(
      watcher,
      [&](const ev::Event& e) {
        const auto* f = std::get_if<ev::TaskFinished>(&e.body);
        return f && f->task_id == victim;
      },
      "task.finished of the victim " + victim);
  CHECK(std::get<ev::TaskFinished>(finished.body).outcome == ev::Outcome::kAborted);
}

TEST_CASE("a producer-consumer whose consumer forgets to signal is reported as a stall", "[integration][sync]") {
  auto cluster = StartCluster(3);
  const std::uint16_t tracker = cluster->tracker_port();
  auto run = std::async(std::launch::async, [&] {
    return Run(PortOf(*cluster, "peer-1"), ProgramFile("producer_consumer.py"), "run",
               {100, "buffer", 1, 1, 4, "forgetful", true}, 8000);
  });
  Json stall;
  for (int attempt = 0; attempt < 100 && stall.is_null(); ++attempt) {
    const Json reply = Deadlock(tracker);
    if (reply.contains("stall")) stall = reply["stall"];
    std::this_thread::sleep_for(100ms);
  }
  REQUIRE(stall.is_object());
  CHECK(stall["tasks"].size() == 3);  // run (waiting for its children), the producer and the consumer
  std::set<std::string> waiting;
  for (const Json& what : stall["waiting"]) waiting.insert(what.get<std::string>());
  CHECK(waiting.contains("semaphore forgetful/empty (wait)"));
  CHECK(waiting.contains("semaphore forgetful/full (wait)"));
  CHECK(History(Deadlock(tracker), "deadlock.found").empty());  // a stall is not a deadlock
  CHECK(run.get().status.code() == Code::kTimeout);
}

TEST_CASE("10,000 items through a bounded buffer of Semaphores and osgrid.mem, and through a MessageQueue",
          "[integration][sync]") {
  auto cluster = StartCluster(3);
  const std::string program = ProgramFile("producer_consumer.py");
  for (const char* kind : {"buffer", "queue"}) {
    INFO(kind);
    // Children get 240 s, not the default 60: under a full ctest run a producer
    // of 5,000 items once took longer than 60 s (26 s alone).
    net::TaskResult result =
        Run(PortOf(*cluster, "peer-1"), program, "run", {10000, kind, 2, 2, 16, nullptr, false, 240000}, 300000);
    INFO(result.status.ToString() << result.status.detail());
    REQUIRE(result.status.ok());
    CHECK(result.result["produced"] == 10000);
    CHECK(result.result["consumed"] == 10000);
    CHECK(result.result["lost"] == Json::array());
    CHECK(result.result["duplicated"] == Json::array());
  }
}

TEST_CASE("after kill -9 of a peer whose tasks held Locks, every Lock is free within the peer timeout and a sweep",
          "[integration][sync]") {
  auto cluster = StartCluster(2);
  const std::uint16_t tracker = cluster->tracker_port();
  const std::string program =
      "import osgrid, time\n"
      "def hold():\n"
      "    osgrid.Lock('a').acquire()\n"
      "    osgrid.Lock('b').acquire()\n"
      "    time.sleep(60)\n";
  auto client = Connect(PortOf(*cluster, "peer-2"));
  Json frame = net::Encode(net::CpuTaskRequest{net::MakeTask(program, "hold"), /*confidential=*/true});
  frame["id"] = 1;
  REQUIRE(client->SendJson(frame).ok());
  auto held = [&] {
    int count = 0;
    const Json reply = JsonOut(At(tracker, {"deadlock", "--json"}));
    for (const Json& object : reply["objects"]) {
      count += static_cast<int>(object["holders"].size());
    }
    return count;
  };
  for (int attempt = 0; attempt < 100 && held() < 2; ++attempt) std::this_thread::sleep_for(50ms);
  REQUIRE(held() == 2);

  const auto killed = std::chrono::steady_clock::now();
  REQUIRE(cluster->KillPeer("peer-2").ok());
  while (held() > 0 && std::chrono::steady_clock::now() - killed < 10s) std::this_thread::sleep_for(20ms);
  const double freed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - killed).count();
  CHECK(held() == 0);
  // Peer timeout 1.5 s; the sweep runs every 150 ms; the CLI's own round trips add a little.
  CHECK(freed_s < 1.5 + 0.15 + 0.5);
}

TEST_CASE("a peer cut off from the tracker but alive kills its Lock holder before the tracker grants the Lock again",
          "[integration][sync]") {
  TempDir dir;
  const std::uint16_t tracker_port = FreePort(), cut_port = FreePort(), whole_port = FreePort();
  auto tracker = StartTracker(tracker_port, dir.path + "/tracker.log", {"--sync-grace", "0"});
  TcpRelay relay(tracker_port);  // the only way from peer "cut" to the tracker
  auto cut = StartPeer("cut", cut_port, relay.port(), dir);
  auto whole = StartPeer("whole", whole_port, tracker_port, dir);
  AwaitPeerIds(tracker_port, {"cut", "whole"});
  auto watcher = Watch(tracker_port, {"resource.grant", "peer.dead"});

  double holder_ended_ms = 0, taker_ended_ms = 0;
  auto holder = RunLockTask(cut_port, "hold", &holder_ended_ms);
  AwaitObject(tracker_port, "L", 1, 0);
  auto taker = RunLockTask(whole_port, "take", &taker_ended_ms);
  AwaitObject(tracker_port, "L", 1, 1);

  // The partition: both peers live on, but "cut" and the tracker hear
  // nothing more from each other. The holder runs on while the tracker
  // still counts "cut" alive; the peer must kill it before the tracker,
  // after its peer timeout, gives L to the waiting task.
  relay.Cut();
  const net::TaskResult held = holder.get();
  INFO("cut's log:\n" << cut->Log());
  CHECK(held.status.code() == Code::kKilled);
  CHECK_THAT(held.status.message(), Catch::Contains("cut off from the tracker"));

  os::events::Event dead = AwaitEvent(
      watcher, [](const ev::Event& e) { return std::holds_alternative<ev::PeerDead>(e.body); }, "peer.dead of cut", 10);
  CHECK(std::get<ev::PeerDead>(dead.body).peer == "cut");
  os::events::Event grant = AwaitEvent(
      watcher, [](const ev::Event& e) { return std::holds_alternative<ev::ResourceGrant>(e.body); },
      "resource.grant of L", 10);
  CHECK(std::get<ev::ResourceGrant>(grant.body).name == "L");
  CHECK(std::get<ev::ResourceGrant>(grant.body).peer == "whole");
  const net::TaskResult took = taker.get();
  REQUIRE(took.status.ok());
  CHECK(took.result["first_error"].is_null());
  CHECK(took.result["attempts"] == 1);

  // No moment with two holders: the holder's reply (which the peer sends
  // after killing it) came back before the tracker granted L again.
  const double granted_ms = TrackerStartMs(tracker_port) + grant.t;
  INFO("holder ended at " << holder_ended_ms << " ms, L granted again at " << granted_ms << " ms (steady clock)");
  CHECK(holder_ended_ms < granted_ms);
  CHECK(dead.t <= grant.t);
}

TEST_CASE(
    "when the tracker restarts, a waiting call fails saying to retry, the holder is killed, and a retry gets "
    "the Lock only after the grace",
    "[integration][sync]") {
  TempDir dir;
  const std::uint16_t tracker_port = FreePort(), peer_port = FreePort();
  auto tracker = StartTracker(tracker_port, dir.path + "/tracker-1.log", {"--sync-grace", "0"});
  auto peer = StartPeer("solo", peer_port, tracker_port, dir);
  AwaitPeerIds(tracker_port, {"solo"});

  double holder_ended_ms = 0, taker_ended_ms = 0;
  auto holder = RunLockTask(peer_port, "hold", &holder_ended_ms);
  AwaitObject(tracker_port, "L", 1, 0);
  auto taker = RunLockTask(peer_port, "take", &taker_ended_ms);
  AwaitObject(tracker_port, "L", 1, 1);

  // The tracker dies and a new run starts on the same port, with the
  // default grace (the peer timeout, 1.5 s).
  REQUIRE(kill(tracker->pid(), SIGKILL) == 0);
  tracker.reset();
  tracker = StartTracker(tracker_port, dir.path + "/tracker-2.log");
  const double restarted_ms = TrackerStartMs(tracker_port);
  auto watcher = Watch(tracker_port, {"resource.grant"});
  CHECK_THAT(At(tracker_port, {"deadlock"}).out,
             Catch::Contains("grace: the tracker grants Locks and Resources only 1500 ms after it starts"));

  INFO("solo's log:\n" << peer->Log());
  const net::TaskResult held = holder.get();
  CHECK(held.status.code() == Code::kKilled);
  CHECK_THAT(held.status.message(), Catch::Contains("tracker"));

  const net::TaskResult took = taker.get();
  REQUIRE(took.status.ok());
  INFO("take() returned " << took.result.dump());
  REQUIRE(took.result["first_error"].is_string());
  const std::string first_error = took.result["first_error"];
  CHECK_THAT(first_error, Catch::Contains("UNAVAILABLE") && Catch::Contains("retry"));
  CHECK(took.result["attempts"] >= 2);

  os::events::Event grant = AwaitEvent(
      watcher, [](const ev::Event& e) { return std::holds_alternative<ev::ResourceGrant>(e.body); },
      "resource.grant of L", 10);
  CHECK(grant.t >= 1500 - 5);  // held back for the grace, ms since the new run started
  CHECK(holder_ended_ms < restarted_ms + grant.t);
}
