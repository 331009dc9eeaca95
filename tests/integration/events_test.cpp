// The event stream of a live cluster (issue 15): causal order of a task's
// life, a dead peer and its lost tasks, many subscribers and a stalled one,
// and `osgrid events` as a user runs it. Every wait here is on an event.
#include <catch2/catch.hpp>
#include <chrono>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "osgrid/net/events.h"
#include "osgrid/net/sha256.h"
#include "osgrid/net/trace.h"
#include "osgrid/os/events/cluster_state.h"
#include "osgrid/os/events/events.h"
#include "support.h"

using namespace osgrid;
using namespace osgrid::test;
using namespace std::chrono_literals;
using os::events::Event;
using os::events::TypeOf;

namespace {

Json Task(const std::string& program, Json args, bool confidential = false) {
  return {{"type", "CPU_TASK"}, {"program", program},      {"program_sha256", net::Sha256Hex(program)},
          {"function", "main"}, {"args", std::move(args)}, {"confidential", confidential}};
}

/// The task id an event names, or "" for events that name none.
std::string TaskIdOf(const Event& event) {
  return std::visit(
      [](const auto& body) -> std::string {
        if constexpr (requires { body.task_id; }) {
          return body.task_id;
        } else {
          return "";
        }
      },
      event.body);
}

bool IsType(const Event& event, std::string_view type) { return TypeOf(event.body) == type; }

/// Keeps `peer` busy: `count` confidential tasks that sleep for a minute
/// (the cluster's stop ends them). Returns the connection that holds them.
std::unique_ptr<net::Client> MakeBusy(std::uint16_t peer_port, int count) {
  auto client = Connect(peer_port);
  for (int i = 0; i < count; ++i) {
    Json task = Task(SleepProgram(), Json::array({60}), true);
    task["id"] = 1000 + i;
    REQUIRE(client->SendJson(task).ok());
  }
  return client;
}

/// Waits for the tracker's peer.load of `peer` showing `tasks` tasks (running + queued).
void AwaitTasks(Watcher& watcher, const std::string& peer, int tasks) {
  AwaitLoad(
      watcher, peer, [&](const os::events::PeerLoad& load) { return load.running + load.queued == tasks; },
      std::to_string(tasks) + " tasks");
}

/// A batch of `count` mem.set events from the simulated peer `node`, keys
/// "<prefix>0", "<prefix>1", ...
Json MemSetBatch(const std::string& node, const std::string& prefix, int count) {
  Json events = Json::array();
  for (int i = 0; i < count; ++i) {
    events.push_back(net::EncodeEvent(Event{0, "", 0, node, os::events::MemSet{node, prefix + std::to_string(i), 10}}));
  }
  return {{"type", "EVENTS"}, {"peer_id", node}, {"events", std::move(events)}};
}

}  // namespace

TEST_CASE("a task a busy peer forwards is seen submitted, forwarded, queued, running, finished: 200 of 200",
          "[integration][events]") {
  constexpr int kRepetitions = 200;
  auto cluster = StartCluster(2);
  auto watcher = Watch(cluster->tracker_port(), {"task", "peer.load"});
  // peer-1 runs two sleepers and queues 248 more: its load, 250 / 2 cores,
  // stays above what the tracker counts for peer-2 between two heartbeats
  // (each placement raises it by 1/2; 200 at most: 100). Once the tracker
  // knows (peer.load), it places every new task on peer-2.
  auto busy = MakeBusy(PortOf(*cluster, "peer-1"), 250);
  AwaitTasks(watcher, "peer-1", 250);

  const std::vector<std::string_view> expected = {"task.submitted", "task.forwarded", "task.queued", "task.running",
                                                  "task.finished"};
  auto client = Connect(PortOf(*cluster, "peer-1"));
  int in_order = 0;
  for (int n = 0; n < kRepetitions; ++n) {
    INFO("repetition " << n);
    Json reply = MustCall(*client, Task("def main(x):\n    return x\n", Json::array({n})));
    REQUIRE(reply["peer"] == "peer-2");
    const std::string task_id = reply["task_id"];
    std::vector<std::string_view> seen;
    std::uint64_t last_seq = 0;
    AwaitEvent(
        watcher,
        [&](const Event& e) {
          if (TaskIdOf(e) != task_id) return false;
          CHECK(e.seq > last_seq);
          last_seq = e.seq;
          seen.push_back(TypeOf(e.body));
          if (auto* forwarded = std::get_if<os::events::TaskForwarded>(&e.body)) {
            CHECK(forwarded->from == "peer-1");
            CHECK(forwarded->to == "peer-2");
          }
          return IsType(e, "task.finished");
        },
        "task.finished of " + task_id);
    INFO("task " << task_id);
    CHECK(seen == expected);
    if (seen == expected) ++in_order;
  }
  CHECK(in_order == kRepetitions);
}

TEST_CASE("osgrid events --json shows one osgrid cpu task's life with one task_id", "[integration][events]") {
  auto cluster = StartCluster(2);
  auto watcher = Watch(cluster->tracker_port(), {"peer.load"});
  auto busy = MakeBusy(PortOf(*cluster, "peer-1"), 2);
  AwaitTasks(watcher, "peer-1", 2);

  const std::string tracker = std::to_string(cluster->tracker_port());
  CommandResult events;
  std::thread follower([&] {
    events = RunOsgrid({"events", "--port", tracker, "--json", "--type", "task", "--count", "5"});
  });
  // Go on once the tracker counts the follower among its subscribers.
  auto status = Connect(cluster->tracker_port());
  for (int i = 0; i < 200 && MustCall(*status, {{"type", "STATUS"}})["events"]["subscribers"].size() < 2; ++i) {
    std::this_thread::sleep_for(25ms);
  }
  CommandResult cpu = RunOsgrid({"cpu", "--port", std::to_string(PortOf(*cluster, "peer-1")), "--program",
                                 "def main(x): return x * x", "--args", "[7]"});
  follower.join();
  INFO(cpu.out << cpu.err << events.out << events.err);
  REQUIRE(cpu.exit_code == 0);
  CHECK(cpu.out.find("forwarded from peer-1") != std::string::npos);
  REQUIRE(events.exit_code == 0);
  CHECK(events.err.find("following the tracker at 127.0.0.1:" + tracker) != std::string::npos);
  std::vector<std::string> types;
  std::set<std::string> task_ids;
  std::istringstream lines(events.out);
  for (std::string line; std::getline(lines, line);) {
    Json json = Json::parse(line);
    types.push_back(json["type"]);
    task_ids.insert(json["task_id"].get<std::string>());
  }
  CHECK(types ==
        std::vector<std::string>{"task.submitted", "task.forwarded", "task.queued", "task.running", "task.finished"});
  CHECK(task_ids.size() == 1);
}

TEST_CASE("a killed peer is declared dead within its timeout, a sweep and 1 s, and its task is lost",
          "[integration][events]") {
  constexpr double kPeerTimeoutS = 1.5;
  constexpr double kSweepS = 0.15;  // the tracker's cron: peer_timeout / 10, at least 50 ms
  auto cluster = StartCluster(2, kPeerTimeoutS);
  auto watcher = Watch(cluster->tracker_port(), {"peer.dead", "task"});
  auto busy = MakeBusy(PortOf(*cluster, "peer-2"), 1);
  Event running = AwaitEvent(
      watcher, [](const Event& e) { return IsType(e, "task.running"); }, "task.running on peer-2");
  const std::string task_id = TaskIdOf(running);

  const auto killed = std::chrono::steady_clock::now();
  REQUIRE(cluster->KillPeer("peer-2").ok());
  Event dead = AwaitEvent(
      watcher, [](const Event& e) { return IsType(e, "peer.dead"); }, "peer.dead");
  const double after_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - killed).count();
  CHECK(std::get<os::events::PeerDead>(dead.body).peer == "peer-2");
  CHECK(dead.node == "tracker");
  INFO("peer.dead " << after_s << " s after kill -9");
  CHECK(after_s <= kPeerTimeoutS + kSweepS + 1.0);

  Event lost = AwaitEvent(
      watcher, [](const Event& e) { return IsType(e, "task.finished"); }, "task.finished of the lost task");
  const auto& finished = std::get<os::events::TaskFinished>(lost.body);
  CHECK(finished.task_id == task_id);
  CHECK(finished.outcome == os::events::Outcome::kLost);
  CHECK(lost.seq == dead.seq + 1);
}

TEST_CASE("eight subscribers get the same contiguous stream, and a stalled one is cut off within its bound",
          "[integration][events]") {
  constexpr int kReaders = 8;
  constexpr int kBatches = 100;  // of 1,000 events: ~12 MB, past what socket buffers hold
  auto cluster = StartCluster(1);
  const std::uint16_t tracker = cluster->tracker_port();
  Watcher stalled = Watch(tracker, {}, 1024);  // never reads until the end

  // Each reader checks, as it goes, that seq grows by exactly one, and keeps
  // a digest of the (seq, type, node) it saw, to compare with the others.
  // The readers' bound (32 MiB) holds the whole stream, so on a loaded
  // machine a reader thread that falls behind is slowed, never cut off; the
  // default 4 MiB would cut it off, rightly, and this test is not about that.
  std::vector<Watcher> readers;
  for (int i = 0; i < kReaders; ++i) readers.push_back(Watch(tracker, {}, 32u << 20));
  std::vector<std::string> digests(kReaders);
  std::vector<std::uint64_t> counts(kReaders, 0);
  std::vector<std::string> problems(kReaders);
  std::vector<std::thread> threads;
  for (int i = 0; i < kReaders; ++i) {
    threads.emplace_back([&, i] {
      std::uint64_t expect = readers[i].events->snapshot().seq + 1;
      std::string seen;
      while (true) {
        auto event = readers[i].events->Next(60s);
        if (!event.ok()) {
          problems[i] = event.status().ToString();
          return;
        }
        if (event->seq != expect) {
          problems[i] = "seq " + std::to_string(event->seq) + " where " + std::to_string(expect) + " was due";
          return;
        }
        ++expect;
        ++counts[i];
        seen = net::Sha256Hex(seen + std::to_string(event->seq) + std::string(TypeOf(event->body)) + event->node);
        auto* set = std::get_if<os::events::MemSet>(&event->body);
        if (set && set->key == "last") break;
      }
      digests[i] = seen;
    });
  }

  auto sender = Connect(tracker);  // a simulated peer: events over EVENTS, as a peer sends them
  auto status = Connect(tracker);
  std::size_t most_queued = 0;
  for (int b = 0; b < kBatches; ++b) {
    Json ok = MustCall(*sender, MemSetBatch("sim-1", "b" + std::to_string(b) + "-", 1000));
    CHECK(ok["accepted"] == 1000);
    Json now = MustCall(*status, {{"type", "STATUS"}});
    for (const Json& s : now["events"]["subscribers"]) {
      CHECK(s["queued_bytes"].get<std::size_t>() <= s["max_queue_bytes"].get<std::size_t>());
      most_queued = std::max(most_queued, s["queued_bytes"].get<std::size_t>());
    }
  }
  Json last = MemSetBatch("sim-1", "", 1);
  last["events"][0]["key"] = "last";
  MustCall(*sender, last);
  for (auto& thread : threads) thread.join();

  for (int i = 0; i < kReaders; ++i) {
    INFO("reader " << i << ": " << problems[i]);
    CHECK(problems[i].empty());
    CHECK(counts[i] >= kBatches * 1000 + 1);
    CHECK(digests[i] == digests[0]);
  }
  // The stalled one is gone from STATUS (cut off), and when it finally
  // reads it finds what fitted, in order, then why it was cut off.
  Json after = MustCall(*status, {{"type", "STATUS"}});
  CHECK(after["events"]["subscribers"].size() == kReaders);
  std::uint64_t expect = stalled.events->snapshot().seq + 1;
  Status end;
  while (true) {
    auto event = stalled.events->Next(30s);
    if (!event.ok()) {
      end = event.status();
      break;
    }
    REQUIRE(event->seq == expect);
    ++expect;
  }
  INFO(end.ToString() << "; most queued for a subscriber: " << most_queued << " bytes");
  CHECK(end.code() == Code::kLimit);
  CHECK(end.message().find("bound of 1024 bytes") != std::string::npos);
  CHECK(expect < stalled.events->snapshot().seq + kBatches * 1000);  // it did not get everything
}

TEST_CASE("SUBSCRIBE refuses what it cannot serve, and the tracker goes on", "[integration][events]") {
  auto cluster = StartCluster(1);
  auto client = Connect(cluster->tracker_port());
  auto refused = [&](Json request, Code code, const std::string& words) {
    request["type"] = "SUBSCRIBE";
    auto reply = client->Call(request);
    INFO(request.dump() << " -> " << reply.status().ToString());
    CHECK(reply.status().code() == code);
    CHECK(reply.status().message().find(words) != std::string::npos);
  };
  refused({{"types", {"nope"}}}, Code::kBadRequest, "unknown event type filter 'nope'");
  refused({{"types", {7}}}, Code::kBadRequest, "types must be strings");
  refused({{"types", "task"}}, Code::kBadRequest, "types");
  refused({{"queue_bytes", 10}}, Code::kBadRequest, "queue_bytes must be 1024..");
  refused({{"queue_bytes", -1}}, Code::kBadRequest, "queue_bytes must be 1024..");
  auto events = client->Call({{"type", "EVENTS"}, {"peer_id", "peer-1"}, {"events", Json::array({{{"type", "x"}}})}});
  CHECK(events.status().code() == Code::kUnknownType);
  Json forged = MemSetBatch("peer-9", "k", 1);
  forged["peer_id"] = "peer-1";
  CHECK(client->Call(forged).status().message().find("is not the sender") != std::string::npos);
  Json dead = {
      {"type", "EVENTS"},
      {"peer_id", "peer-1"},
      {"events", Json::array({net::EncodeEvent(Event{0, "", 0, "peer-1", os::events::PeerDead{"peer-1", 1}})})}};
  CHECK(client->Call(dead).status().message().find("peer.* events are the tracker's") != std::string::npos);
  // Still serving: a good subscription works on the same connection.
  auto subscribed = net::Subscriber::Start(*client, {{"peer"}, 0, "after"});
  REQUIRE(subscribed.ok());
  CHECK(subscribed->snapshot().peers.size() == 1);
}

namespace {

/// Tasks that succeeded, per peer, as `osgrid run`'s report tells them: the
/// "(ran on peer-N" of each single task and the "per peer: peer-1 4, ..."
/// line of each batch.
std::map<std::string, std::uint64_t> ReportedTasks(const std::string& report) {
  std::map<std::string, std::uint64_t> tasks;
  std::istringstream lines(report);
  for (std::string line; std::getline(lines, line);) {
    if (auto at = line.find("(ran on "); at != std::string::npos) {
      std::string peer = line.substr(at + 8);
      ++tasks[peer.substr(0, peer.find_first_of(", "))];
    }
    if (auto at = line.find("per peer: "); at != std::string::npos) {
      std::istringstream counts(line.substr(at + 10));
      std::string peer;
      std::uint64_t count = 0;
      while (counts >> peer >> count) {
        tasks[peer] += count;
        counts.ignore(1, ',');
      }
    }
  }
  return tasks;
}

}  // namespace

TEST_CASE("osgrid run --record writes a trace from which the run's report can be rebuilt", "[integration][events]") {
  TempDir dir;
  const std::string trace = dir.path + "/q.trace";
  CommandResult run =
      RunOsgrid({"run", std::string(OSGRID_SOURCE_DIR) + "/scenarios/quickstart.yaml", "--record", trace});
  INFO(run.out << run.err);
  REQUIRE(run.exit_code == 0);
  CHECK(run.out.find("recorded ") != std::string::npos);

  auto reader = net::TraceReader::Open(trace);
  REQUIRE(reader.ok());
  CHECK(reader->header().source == "cluster");
  CHECK(reader->header().cluster["peers"] == 3);
  os::events::ClusterState state;
  std::map<std::string, std::uint64_t> ok_per_peer;
  std::set<std::string> joined;
  std::uint64_t failed = 0, seq = 0;
  while (true) {
    auto next = reader->Next();
    INFO(next.status().ToString());
    REQUIRE(next.ok());
    if (!next->has_value()) break;
    const Event& event = **next;
    CHECK(event.seq == ++seq);  // the whole stream, from the tracker's first event
    CHECK(event.epoch == reader->header().epoch);
    state.Apply(event);
    if (auto* peer = std::get_if<os::events::PeerJoined>(&event.body)) joined.insert(peer->peer);
    if (auto* finished = std::get_if<os::events::TaskFinished>(&event.body)) {
      if (finished->outcome == os::events::Outcome::kOk) ++ok_per_peer[finished->peer];
      if (finished->outcome == os::events::Outcome::kFailed) ++failed;
    }
  }
  // The report: 3 peers registered; peer-3 was killed and dropped; 2 live after; one task raised.
  CHECK(joined == std::set<std::string>{"peer-1", "peer-2", "peer-3"});
  CHECK(run.out.find("all 3 peers registered") != std::string::npos);
  std::vector<std::string> dead, left;
  for (const auto& departed : state.departed()) (departed.dead ? dead : left).push_back(departed.peer);
  CHECK(dead == std::vector<std::string>{"peer-3"});
  CHECK(run.out.find("the tracker dropped peer-3") != std::string::npos);
  CHECK(run.out.find("2 live, 1 declared dead") != std::string::npos);
  CHECK(std::set<std::string>(left.begin(), left.end()) == std::set<std::string>{"peer-1", "peer-2"});  // at the end
  CHECK(state.tasks_in_flight() == 0);
  // Every task the report shows on a peer finished there, in the trace too.
  CHECK(ok_per_peer == ReportedTasks(run.out));
  CHECK(failed == 1);  // the ZeroDivisionError
}
