// Tests of view_state.h: the fold of cluster objects, deadlocks, loads,
// failures, epochs and simulations on top of os::events::ClusterState.
#include "osgrid/viz/view_state.h"

#include <catch2/catch.hpp>

#include "test_support.h"

namespace osgrid::viz {
namespace {

using namespace testing;

ev::Snapshot OnePeerSnapshot() {
  ev::PeerState peer;
  peer.peer = "peer-1";
  peer.cores = 1;
  peer.running = {ev::TaskRef{"peer-1/1", std::nullopt, "main"}};
  peer.ready_queue = {ev::TaskRef{"peer-1/2", std::nullopt, "main"}};
  ev::ResourceState fork{"lock", "fork-1", 1, 0, {ev::ResourceUse{"peer-1/1", "peer-1", 1, ""}}, {}};
  return ev::Snapshot{40, "e1", 400, {peer}, {fork}};
}

TEST_CASE("a snapshot gives the peers, tasks and cluster objects, and events after it apply", "[viz][state]") {
  ViewState state;
  state.ApplySnapshot(OnePeerSnapshot());
  REQUIRE(state.cluster().Find("peer-1") != nullptr);
  CHECK(state.cluster().Find("peer-1")->running.size() == 1);
  CHECK(state.seq() == 40);
  REQUIRE(state.FindResource("lock", "fork-1") != nullptr);
  CHECK(state.FindResource("lock", "fork-1")->holders.front().task_id == "peer-1/1");

  // Already reflected by the snapshot: ignored.
  Stream stream{"e1", 39, 390};
  CHECK_FALSE(state.Apply(stream("peer-1", Finished("peer-1/1", "peer-1"))));
  CHECK(state.cluster().Find("peer-1")->running.size() == 1);
  // After it: applied.
  stream.seq = 40;
  CHECK(state.Apply(stream("tracker", Request("peer-1/2", "fork-1", true, 0))));
  CHECK(state.FindResource("lock", "fork-1")->waiters.front().task_id == "peer-1/2");
  CHECK(state.seq() == 41);
}

TEST_CASE("holders and waiters follow request, grant, release and cancel", "[viz][state]") {
  ViewState state;
  Stream stream;
  state.Apply(stream("tracker", Request("A", "fork-1", false, 0)));
  state.Apply(stream("tracker", Grant("A", "fork-1", 0)));
  state.Apply(stream("tracker", Request("B", "fork-1", true, 0)));
  state.Apply(stream("tracker", Request("C", "fork-1", true, 0)));
  const ev::ResourceState* fork = state.FindResource("lock", "fork-1");
  REQUIRE(fork != nullptr);
  CHECK(fork->instances == 1);
  REQUIRE(fork->holders.size() == 1);
  CHECK(fork->holders[0].task_id == "A");
  REQUIRE(fork->waiters.size() == 2);
  CHECK(fork->waiters[0].task_id == "B");
  CHECK(fork->waiters[0].op == "acquire");
  CHECK(state.WaitForGraph() == std::vector<WaitForEdge>{{"B", "A", "lock", "fork-1"}, {"C", "A", "lock", "fork-1"}});

  state.Apply(stream("tracker", Release("A", "fork-1", 1)));
  state.Apply(stream("tracker", ev::ResourceCancel{"C", "peer-1", "lock", "fork-1", "acquire", 1, "timed out"}));
  state.Apply(stream("tracker", Grant("B", "fork-1", 0)));
  fork = state.FindResource("lock", "fork-1");
  REQUIRE(fork->holders.size() == 1);
  CHECK(fork->holders[0].task_id == "B");
  CHECK(fork->waiters.empty());
  CHECK(fork->available == 0);
  CHECK(state.WaitForGraph().empty());

  // A Resource counts its instances from what is held and free; a semaphore has no holders.
  state.Apply(stream("tracker", ev::ResourceRequest{"D", "peer-1", "resource", "printers", "request", 2, false, 1}));
  state.Apply(stream("tracker", ev::ResourceGrant{"D", "peer-1", "resource", "printers", "request", 2, 0, 1}));
  CHECK(state.FindResource("resource", "printers")->instances == 3);
  state.Apply(stream("tracker", ev::ResourceRequest{"E", "peer-1", "semaphore", "empty", "wait", 1, false, 4}));
  state.Apply(stream("tracker", ev::ResourceGrant{"E", "peer-1", "semaphore", "empty", "wait", 1, 0, 4}));
  CHECK(state.FindResource("semaphore", "empty")->holders.empty());
  CHECK(state.FindResource("semaphore", "empty")->available == 4);
  // By kind, then name.
  REQUIRE(state.resources().size() == 3);
  CHECK(state.resources()[0].kind == "lock");
  CHECK(state.resources()[1].kind == "resource");
  CHECK(state.resources()[2].kind == "semaphore");
}

TEST_CASE("the deadlock in force lasts until a task of it is granted or ends, or another replaces it", "[viz][state]") {
  ViewState state;
  Stream stream;
  const ev::DeadlockFound found{{"A", "B"}, {"fork-1", "fork-2"}, {"peer-1", "peer-2"}, {}, "wait-for graph"};
  state.Apply(stream("tracker", found));
  REQUIRE(state.deadlock());
  CHECK(state.deadlock()->event == found);
  CHECK(state.InDeadlock("A"));
  CHECK_FALSE(state.InDeadlock("C"));
  state.Apply(stream("tracker", Grant("C", "fork-3", 0)));  // another task: still in force
  CHECK(state.deadlock());
  state.Apply(stream("tracker", ev::DeadlockVictim{"B", "peer-2", 1, "fewest"}));
  REQUIRE(state.last_victim());
  CHECK(state.last_victim()->event.task_id == "B");
  state.Apply(stream("peer-2", Finished("B", "peer-2")));
  CHECK_FALSE(state.deadlock());
  CHECK(state.last_victim());  // kept

  state.Apply(stream("tracker", found));
  const ev::DeadlockFound other{{"X", "Y"}, {}, {}, {"X", "Y", "Z"}, "multi-instance detection"};
  state.Apply(stream("tracker", other));
  CHECK(state.deadlock()->event == other);
  CHECK(state.InDeadlock("Z"));
  state.Apply(stream("tracker", Grant("Z", "r", 0)));
  CHECK_FALSE(state.deadlock());

  state.Apply(stream("tracker", ev::DeadlockStall{{"P", "Q"}, {"semaphore full (wait)", "child"}}));
  REQUIRE(state.stall());
  state.Apply(stream("peer-1", Running("Q", "peer-1")));
  CHECK_FALSE(state.stall());
}

TEST_CASE("loads and failed allocations are kept per peer", "[viz][state]") {
  ViewState state;
  Stream stream;
  state.Apply(stream("tracker", Joined("peer-1", 2)));
  state.Apply(stream("peer-1", ev::MemArena{"best", 256, 0}));
  state.Apply(stream("tracker", ev::PeerLoad{"peer-1", 2, 3, 2, 1, 32, 0}));
  state.Apply(stream("peer-1", ev::MemFailed{"big", 300, "no_space", 256, 1, 256}));
  REQUIRE(state.LastLoad("peer-1") != nullptr);
  CHECK(state.LastLoad("peer-1")->event.queued == 3);
  REQUIRE(state.LastMemFailure("peer-1") != nullptr);
  CHECK(state.LastMemFailure("peer-1")->event.request == 300);
  CHECK(state.LastMemFailure("peer-1")->seq == 4);
  state.Apply(stream("peer-1", ev::MemArena{"best", 256, 0}));  // it registered again: afresh
  CHECK(state.LastMemFailure("peer-1") == nullptr);
  state.Apply(stream("tracker", ev::PeerDead{"peer-1", 2000}));
  CHECK(state.LastLoad("peer-1") == nullptr);
  REQUIRE(state.cluster().departed().size() == 1);
  CHECK(state.cluster().departed()[0].dead);
}

TEST_CASE("an event of a new epoch starts a new segment instead of being ignored", "[viz][state]") {
  ViewState state;
  Stream first{"e1"};
  for (int k = 0; k < 5; ++k) state.Apply(first("tracker", Joined("peer-" + std::to_string(k), 1)));
  CHECK(state.seq() == 5);
  Stream second{"e2", 0, 100};
  CHECK(state.Apply(second("tracker", Joined("peer-9", 1))));  // seq 1: not "already reflected"
  CHECK(state.epoch() == "e2");
  CHECK(state.segment() == 1);
  CHECK(state.seq() == 1);
  CHECK(state.cluster().peers().size() == 1);
  CHECK(state.cluster().Find("peer-9") != nullptr);
}

TEST_CASE("a simulation's CPU is one peer with one core, its heap one arena from its base", "[viz][state]") {
  net::TraceHeader header;
  header.source = "sim";
  header.time_unit = "op";
  header.cluster = {{"topic", "mem"}, {"options", {{"--baseAddr", "1000"}, {"--size", "128"}, {"--policy", "FIRST"}}}};
  SourceInfo source = SourceInfo::FromTraceHeader(header);
  CHECK(source.sim_heap_base == 1000);
  CHECK(source.sim_heap_size == 128);
  CHECK(source.sim_allocator == "FIRST");
  ViewState heap(source);
  Stream stream{"sim-mem-1"};
  heap.Apply(stream("sim", ev::MemAlloc{"ptr[0]", 1000, 8, 8}));
  heap.Apply(stream("sim", ev::MemAlloc{"ptr[1]", 1008, 16, 15}));
  heap.Apply(stream("sim", ev::MemFree{"ptr[0]", 1000, 8}));
  const ev::PeerState* sim = heap.cluster().Find(std::string(kSimPeer));
  REQUIRE(sim != nullptr);
  CHECK(sim->mem_limit_bytes == 128);
  REQUIRE(sim->arena.size() == 1);
  CHECK(sim->arena[0].address == 8);  // from the base; the memory map adds it back
  CHECK(sim->arena[0].key == "ptr[1]");

  header.cluster = {{"topic", "sched"}, {"options", Json::object()}};
  ViewState cpu(SourceInfo::FromTraceHeader(header));
  Stream sched{"sim-sched-1"};
  cpu.Apply(sched("sim", ev::TaskSubmitted{"A", std::nullopt, "A", "", std::nullopt}));
  cpu.Apply(sched("sim", ev::TaskQueued{"A", std::nullopt, "", 1}));
  cpu.Apply(sched("sim", ev::TaskSubmitted{"B", std::nullopt, "B", "", std::nullopt}));
  cpu.Apply(sched("sim", ev::TaskQueued{"B", std::nullopt, "", 2}));
  cpu.Apply(sched("sim", ev::TaskRunning{"A", std::nullopt, ""}));
  sim = cpu.cluster().Find(std::string(kSimPeer));
  REQUIRE(sim != nullptr);
  CHECK(sim->cores == 1);
  REQUIRE(sim->running.size() == 1);
  CHECK(sim->running[0].task_id == "A");
  REQUIRE(sim->ready_queue.size() == 1);
  CHECK(sim->ready_queue[0].task_id == "B");
}

TEST_CASE("two states are equal when their dumps are, and differ when a task moves", "[viz][state]") {
  std::vector<ev::Event> events = VariedStream(400, 7);
  ViewState a, b;
  for (const ev::Event& event : events) {
    a.Apply(event);
    b.Apply(event);
  }
  CHECK(a == b);
  CHECK(a.ToJson().dump() == b.ToJson().dump());
  Stream more{"e1", events.back().seq, events.back().t};
  b.Apply(more("tracker", Joined("peer-new", 4)));
  CHECK_FALSE(a == b);
}

}  // namespace
}  // namespace osgrid::viz

// The ready queue's order (view_state.h, "The ready queue's order").
namespace osgrid::viz {
namespace {

using namespace testing;

ev::Payload QueuedAt(const std::string& task, const std::string& peer, int length, std::optional<int> position) {
  return ev::TaskQueued{task, std::nullopt, peer, length, position};
}

std::vector<std::string> ReadyIds(const ViewState& state, const std::string& peer) {
  std::vector<std::string> ids;
  for (const ev::TaskRef& task : state.cluster().Find(peer)->ready_queue) ids.push_back(task.task_id);
  return ids;
}

// Silberschatz 10e 5.3.2's bursts (P1 6, P2 8, P3 7, P4 3), arriving in that
// order at an SJF peer that is busy with P0: each task.queued says where.
TEST_CASE("an SJF peer's ready queue is shown in SJF order from task.queued's positions", "[viz][state][order]") {
  ViewState state;
  Stream stream;
  state.Apply(stream("tracker", Joined("sjf", 1)));
  state.Apply(stream("sjf", QueuedAt("P0", "sjf", 1, 1)));
  state.Apply(stream("sjf", Running("P0", "sjf")));
  state.Apply(stream("sjf", QueuedAt("P1", "sjf", 1, 1)));
  state.Apply(stream("sjf", QueuedAt("P2", "sjf", 2, 2)));
  state.Apply(stream("sjf", QueuedAt("P3", "sjf", 3, 2)));
  state.Apply(stream("sjf", QueuedAt("P4", "sjf", 4, 1)));
  CHECK(ReadyIds(state, "sjf") == std::vector<std::string>{"P4", "P1", "P3", "P2"});
  CHECK(state.ReadyQueueInPolicyOrder("sjf"));
  state.Apply(stream("sjf", Finished("P0", "sjf")));
  state.Apply(stream("sjf", Running("P4", "sjf")));  // the shortest runs next, as the panel numbered it
  CHECK(ReadyIds(state, "sjf") == std::vector<std::string>{"P1", "P3", "P2"});
  CHECK(state.ReadyQueueInPolicyOrder("sjf"));
}

// Silberschatz 10e 5.3.4's priorities (P1 3, P2 1, P3 4, P4 5, P5 2), on a
// preemptive-priority peer running P0: a preempted task goes back where its
// priority puts it, not to the end.
TEST_CASE("a priority peer's queue follows the positions, preempted tasks included", "[viz][state][order]") {
  ViewState state;
  Stream stream;
  state.Apply(stream("tracker", Joined("prio", 1)));
  state.Apply(stream("prio", Running("P0", "prio")));
  state.Apply(stream("prio", QueuedAt("P1", "prio", 1, 1)));  // 3
  state.Apply(stream("prio", QueuedAt("P2", "prio", 2, 1)));  // 1
  state.Apply(stream("prio", QueuedAt("P3", "prio", 3, 3)));  // 4
  state.Apply(stream("prio", QueuedAt("P4", "prio", 4, 4)));  // 5
  state.Apply(stream("prio", QueuedAt("P5", "prio", 5, 2)));  // 2
  CHECK(ReadyIds(state, "prio") == std::vector<std::string>{"P2", "P5", "P1", "P3", "P4"});
  state.Apply(stream("prio", Preempted("P0", "prio")));  // P0 has priority 2, arrived before P5
  state.Apply(stream("prio", QueuedAt("P0", "prio", 6, 2)));
  state.Apply(stream("prio", Running("P2", "prio")));
  CHECK(ReadyIds(state, "prio") == std::vector<std::string>{"P0", "P5", "P1", "P3", "P4"});
  CHECK(state.ReadyQueueInPolicyOrder("prio"));
}

TEST_CASE("without positions a queue of two or more is in arrival order, until it is down to one",
          "[viz][state][order]") {
  ViewState state;
  Stream stream;
  state.Apply(stream("tracker", Joined("old", 1)));
  state.Apply(stream("old", Running("A", "old")));
  state.Apply(stream("old", Queued("B", "old", 1)));
  CHECK(state.ReadyQueueInPolicyOrder("old"));  // one task: any order is the policy's
  state.Apply(stream("old", Queued("C", "old", 2)));
  CHECK_FALSE(state.ReadyQueueInPolicyOrder("old"));
  state.Apply(stream("old", QueuedAt("D", "old", 3, 1)));  // a position now: the others' order is still not known
  CHECK(ReadyIds(state, "old") == std::vector<std::string>{"D", "B", "C"});
  CHECK_FALSE(state.ReadyQueueInPolicyOrder("old"));
  state.Apply(stream("old", Running("D", "old")));
  state.Apply(stream("old", Running("B", "old")));
  CHECK(state.ReadyQueueInPolicyOrder("old"));  // C alone
  CHECK(state.ToJson()["ready_queues_in_arrival_order"].empty());
  CHECK(state.ReadyQueueInPolicyOrder("no-such-peer"));
}

TEST_CASE("a snapshot's queues of two or more are taken as arrival order", "[viz][state][order]") {
  ev::Snapshot snapshot{7, "e1", 100, {}, {}};
  ev::PeerState busy;
  busy.peer = "busy";
  busy.cores = 1;
  busy.ready_queue = {{"X", std::nullopt, "main"}, {"Y", std::nullopt, "main"}};
  ev::PeerState calm;
  calm.peer = "calm";
  calm.cores = 1;
  calm.ready_queue = {{"Z", std::nullopt, "main"}};
  snapshot.peers = {busy, calm};
  ViewState state;
  state.ApplySnapshot(snapshot);
  CHECK_FALSE(state.ReadyQueueInPolicyOrder("busy"));
  CHECK(state.ReadyQueueInPolicyOrder("calm"));
  CHECK(state.ToJson()["ready_queues_in_arrival_order"] == Json::array({"busy"}));
}

}  // namespace
}  // namespace osgrid::viz
