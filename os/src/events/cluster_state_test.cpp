#include "osgrid/os/events/cluster_state.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

using namespace osgrid::os::events;

// A namespace of its own, not an anonymous one: the test executables are unity builds
// (OSGRID_UNITY_TESTS), where another file's helpers of the same names would collide.
namespace cluster_state_test {

/// Numbers events 1, 2, 3... as the tracker would publish them.
class Stream {
 public:
  Event Next(Payload body, double t = 0) { return From("tracker", std::move(body), t); }
  /// An event a node published (a peer's mem.* events name it only as their node).
  Event From(const std::string& node, Payload body, double t = 0) {
    ++seq_;
    return Event{seq_, "e1", t == 0 ? static_cast<double>(seq_) : t, node, std::move(body)};
  }

 private:
  std::uint64_t seq_ = 0;
};

std::vector<std::string> Ids(const std::vector<TaskRef>& tasks) {
  std::vector<std::string> ids;
  for (const TaskRef& ref : tasks) ids.push_back(ref.task_id);
  return ids;
}

TEST_CASE("a forwarded task moves from queue to CPU to done on the peer that runs it", "[events][state]") {
  ClusterState state;
  Stream s;
  state.Apply(s.Next(PeerJoined{"a", "127.0.0.1:9001", 2}));
  state.Apply(s.Next(PeerJoined{"b", "127.0.0.1:9002", 1}));
  state.Apply(s.Next(TaskSubmitted{"a/1", std::nullopt, "square", "a"}));
  CHECK(state.PeerOf("a/1") == "a");
  state.Apply(s.Next(TaskForwarded{"a/1", std::nullopt, "a", "b"}));
  CHECK(state.PeerOf("a/1") == "b");
  state.Apply(s.Next(TaskQueued{"a/1", std::nullopt, "b", 1}));
  CHECK(Ids(state.Find("b")->ready_queue) == std::vector<std::string>{"a/1"});
  CHECK(state.Find("b")->ready_queue[0].name == "square");
  state.Apply(s.Next(TaskRunning{"a/1", std::nullopt, "b"}));
  CHECK(state.Find("b")->ready_queue.empty());
  CHECK(Ids(state.Find("b")->running) == std::vector<std::string>{"a/1"});
  state.Apply(s.Next(TaskFinished{"a/1", std::nullopt, "b", Outcome::kOk, 1, 2, 3}));
  CHECK(state.Find("b")->running.empty());
  CHECK(state.Find("b")->tasks_finished == 1);
  CHECK(state.Find("a")->tasks_finished == 0);
  CHECK(state.tasks_in_flight() == 0);
  CHECK(state.seq() == 7);
}

TEST_CASE("preemption sends a task back to the end of the ready queue", "[events][state]") {
  ClusterState state;
  Stream s;
  state.Apply(s.Next(PeerJoined{"p", "h:1", 1}));
  for (const char* id : {"t1", "t2"}) {
    state.Apply(s.Next(TaskSubmitted{id, std::nullopt, id, "p"}));
    state.Apply(s.Next(TaskQueued{id, std::nullopt, "p", 1}));
  }
  state.Apply(s.Next(TaskRunning{"t1", std::nullopt, "p"}));
  state.Apply(s.Next(TaskPreempted{"t1", std::nullopt, "p", "quantum"}));
  state.Apply(s.Next(TaskQueued{"t1", std::nullopt, "p", 2}));
  state.Apply(s.Next(TaskRunning{"t2", std::nullopt, "p"}));
  CHECK(Ids(state.Find("p")->ready_queue) == std::vector<std::string>{"t1"});
  CHECK(Ids(state.Find("p")->running) == std::vector<std::string>{"t2"});
  state.Apply(s.Next(TaskBlocked{"t2", std::nullopt, "p", "sem:mutex"}));
  CHECK(state.Find("p")->running.empty());
  CHECK(state.PeerOf("t2") == "p");  // blocked, not gone
}

// Silberschatz 10e 5.3.2: bursts 6, 8, 7, 3 arrive in that order on an SJF
// peer, which says where each stands (task.queued's position).
TEST_CASE("task.queued with a position puts the task there: an SJF peer's queue in SJF order", "[events][state]") {
  ClusterState state;
  Stream s;
  state.Apply(s.Next(PeerJoined{"p", "h:1", 1}));
  auto queued = [&](const char* id, int length, std::optional<int> position) {
    state.Apply(s.From("p", TaskQueued{id, std::nullopt, "p", length, position}));
  };
  queued("P1", 1, 1);  // burst 6
  queued("P2", 2, 2);  // 8: after P1
  queued("P3", 3, 2);  // 7: between them
  queued("P4", 4, 1);  // 3: first
  CHECK(Ids(state.Find("p")->ready_queue) == std::vector<std::string>{"P4", "P1", "P3", "P2"});
  state.Apply(s.From("p", TaskRunning{"P4", std::nullopt, "p"}));
  CHECK(Ids(state.Find("p")->ready_queue) == std::vector<std::string>{"P1", "P3", "P2"});

  queued("P5", 4, 9);             // past the end (a gap in the stream): the end
  queued("P6", 5, 0);             // not a position: the front
  queued("P7", 6, std::nullopt);  // not said: the end, as it arrived
  CHECK(Ids(state.Find("p")->ready_queue) == std::vector<std::string>{"P6", "P1", "P3", "P2", "P5", "P7"});
  queued("P3", 6, 6);  // queued again while queued (a gap): moved, not doubled
  CHECK(Ids(state.Find("p")->ready_queue) == std::vector<std::string>{"P6", "P1", "P2", "P5", "P7", "P3"});
}

TEST_CASE("a dead peer is remembered, and its lost tasks end", "[events][state]") {
  ClusterState state;
  Stream s;
  state.Apply(s.Next(PeerJoined{"p", "h:1", 1}));
  state.Apply(s.Next(TaskSubmitted{"t", std::string("parent-7"), "f", "p"}));
  state.Apply(s.Next(TaskQueued{"t", std::string("parent-7"), "p", 1}));
  state.Apply(s.Next(TaskRunning{"t", std::string("parent-7"), "p"}));
  state.Apply(s.Next(TaskFinished{"x", std::nullopt, "p", Outcome::kOk, 0, 0, 0}));
  state.Apply(s.Next(PeerDead{"p", 3500}, 100.0));
  CHECK(state.Find("p") == nullptr);
  REQUIRE(state.departed().size() == 1);
  CHECK(state.departed()[0].peer == "p");
  CHECK(state.departed()[0].dead);
  CHECK(state.departed()[0].t == 100.0);
  CHECK(state.departed()[0].tasks_finished == 1);
  CHECK(state.tasks_in_flight() == 1);
  REQUIRE(state.TasksOn("p").size() == 1);  // what the tracker reports lost
  CHECK(state.TasksOn("p")[0] == TaskRef{"t", std::string("parent-7"), "f"});
  CHECK(state.TasksOn("q").empty());
  state.Apply(s.Next(TaskFinished{"t", std::string("parent-7"), "p", Outcome::kLost, 0, 0, 0}));
  CHECK(state.TasksOn("p").empty());
  CHECK(state.tasks_in_flight() == 0);
}

TEST_CASE("events already in the state are ignored, unnumbered ones applied", "[events][state]") {
  ClusterState state;
  Stream s;
  Event joined = s.Next(PeerJoined{"p", "h:1", 4});
  CHECK(state.Apply(joined));
  CHECK_FALSE(state.Apply(joined));  // a duplicate (e.g. snapshot overlap)
  Event load{0, "", 5, "p", PeerLoad{"p", 1, 2, 4, 3, 300, 4096}};
  CHECK(state.Apply(load));
  const PeerState* p = state.Find("p");
  REQUIRE(p != nullptr);
  CHECK(p->mem_keys == 3);
  CHECK(p->mem_used_bytes == 300);
  CHECK(p->disk_used_bytes == 4096);
  CHECK(p->last_heartbeat_t == 5);
  CHECK(state.seq() == 1);
}

TEST_CASE("the cluster objects' and deadlock's events are applied and leave peers and tasks as they are",
          "[events][state]") {
  ClusterState state;
  Stream s;
  state.Apply(s.Next(PeerJoined{"a", "127.0.0.1:9001", 1}));
  state.Apply(s.Next(PeerJoined{"b", "127.0.0.1:9002", 1}));
  for (const char* peer : {"a", "b"}) {
    const std::string task = std::string(peer) + "/1";
    state.Apply(s.From(peer, TaskSubmitted{task, std::nullopt, "philosopher", peer}));
    state.Apply(s.From(peer, TaskQueued{task, std::nullopt, peer, 1}));
    state.Apply(s.From(peer, TaskRunning{task, std::nullopt, peer}));
  }
  state.Apply(s.From("b", TaskBlocked{"b/1", std::nullopt, "b", "lock fork-1", 3}));
  const Snapshot before = state.ToSnapshot();
  const std::vector<TaskInfo> tasks = state.Tasks();

  const std::vector<Payload> bodies = {
      ResourceRequest{"a/1", "a", "lock", "fork-1", "acquire", 1, false, 0},
      ResourceGrant{"a/1", "a", "lock", "fork-1", "acquire", 1, 0, 0},
      ResourceRequest{"b/1", "b", "lock", "fork-1", "acquire", 1, true, 0},
      ResourceCancel{"b/1", "b", "lock", "fork-1", "acquire", 1, "timed out"},
      DeadlockFound{{"a/1", "b/1"}, {"fork-2", "fork-1"}, {"a", "b"}, {}, "wait-for graph"},
      DeadlockVictim{"b/1", "b", 1, "holds the fewest instances (1); youngest on a tie"},
      ResourceRelease{"a/1", "a", "lock", "fork-1", "release", 1, "released", 1},
      DeadlockStall{{"a/1", "b/1"}, {"semaphore full (wait)", "child"}},
  };
  for (const Payload& body : bodies) {
    INFO(TypeOf(body));
    const Event event = s.Next(body);
    CHECK(state.Apply(event));
    CHECK(state.seq() == event.seq);
  }
  Snapshot after = state.ToSnapshot();
  CHECK(after.seq == before.seq + bodies.size());
  CHECK(after.resources.empty());  // the tracker's table, not the fold's
  after.seq = before.seq;
  after.t = before.t;
  CHECK(after == before);
  CHECK(state.Tasks() == tasks);
  CHECK(state.departed().empty());
}

TEST_CASE("a state started from a snapshot goes on from its seq", "[events][state]") {
  Snapshot snapshot;
  snapshot.seq = 40;
  snapshot.epoch = "e9";
  PeerState peer;
  peer.peer = "b";
  peer.cores = 2;
  peer.ready_queue = {TaskRef{"q1", std::nullopt, "f"}};
  peer.running = {TaskRef{"r1", std::string("q0"), "g"}};
  snapshot.peers = {peer};

  ClusterState state(snapshot);
  CHECK(state.seq() == 40);
  CHECK(state.PeerOf("r1") == "b");
  CHECK_FALSE(state.Apply(Event{40, "e9", 1, "tracker", TaskRunning{"q1", std::nullopt, "b"}}));
  CHECK(state.Apply(Event{41, "e9", 2, "b", TaskRunning{"q1", std::nullopt, "b"}}));
  Snapshot after = state.ToSnapshot();
  CHECK(after.seq == 41);
  CHECK(after.epoch == "e9");
  REQUIRE(after.peers.size() == 1);
  CHECK(after.peers[0].ready_queue.empty());
  CHECK(Ids(after.peers[0].running) == std::vector<std::string>{"r1", "q1"});
  CHECK(after.peers[0].running[0].parent == std::optional<std::string>("q0"));

  // The cluster objects are the tracker's table: a fold does not carry them on.
  snapshot.resources = {ResourceState{"lock", "fork-1", 1, 0, {{"r1", "b", 1, ""}}, {}}};
  CHECK(ClusterState(snapshot).ToSnapshot().resources.empty());
}

TEST_CASE("a task first seen running (attached late) is still tracked", "[events][state]") {
  ClusterState state;
  Stream s;
  state.Apply(s.Next(PeerJoined{"p", "h:1", 1}));
  state.Apply(s.Next(TaskRunning{"late", std::nullopt, "p"}));
  CHECK(state.PeerOf("late") == "p");
  CHECK(Ids(state.Find("p")->running) == std::vector<std::string>{"late"});
}

/// The task `id` of state.Tasks(); fails the test if it is not there.
TaskInfo TaskOf(const ClusterState& state, const std::string& id) {
  for (const TaskInfo& task : state.Tasks()) {
    if (task.task_id == id) return task;
  }
  FAIL("no task " << id);
  return {};
}

std::vector<std::string> TaskIds(const std::vector<TaskInfo>& tasks) {
  std::vector<std::string> ids;
  for (const TaskInfo& task : tasks) ids.push_back(task.task_id);
  return ids;
}

TEST_CASE("each task goes ready, running, waiting and ready again, with its name, priority and CPU time",
          "[events][state][tasks]") {
  ClusterState state;
  Stream s;
  state.Apply(s.Next(PeerJoined{"a", "h:1", 1}));
  state.Apply(s.Next(PeerJoined{"b", "h:2", 1}));
  state.Apply(s.Next(TaskSubmitted{"a/1", std::nullopt, "work", "a", 3}, 10.0));
  TaskInfo task = TaskOf(state, "a/1");
  CHECK(task == TaskInfo{"a/1", std::nullopt, "work", "a", TaskState::kReady, 3, 0, 10.0});
  state.Apply(s.Next(TaskForwarded{"a/1", std::nullopt, "a", "b"}, 11.0));
  CHECK(TaskOf(state, "a/1").peer == "b");
  CHECK(TaskOf(state, "a/1").state == TaskState::kReady);  // forwarded, not yet queued
  state.Apply(s.Next(TaskQueued{"a/1", std::nullopt, "b", 1}, 12.0));
  CHECK(TaskOf(state, "a/1").state == TaskState::kReady);
  state.Apply(s.Next(TaskRunning{"a/1", std::nullopt, "b"}, 13.0));
  CHECK(TaskOf(state, "a/1").state == TaskState::kRunning);
  state.Apply(s.Next(TaskBlocked{"a/1", std::nullopt, "b", "sem:mutex", 35}, 14.0));
  task = TaskOf(state, "a/1");
  CHECK(task.state == TaskState::kWaiting);
  CHECK(task.cpu_ms == 35);
  CHECK(state.Find("b")->running.empty());
  state.Apply(s.Next(TaskQueued{"a/1", std::nullopt, "b", 1}, 15.0));
  CHECK(TaskOf(state, "a/1").state == TaskState::kReady);
  state.Apply(s.Next(TaskRunning{"a/1", std::nullopt, "b"}, 16.0));
  state.Apply(s.Next(TaskPreempted{"a/1", std::nullopt, "b", "quantum", 1200}, 17.0));
  task = TaskOf(state, "a/1");
  CHECK(task.state == TaskState::kReady);  // preempted: back to the ready queue
  CHECK(task.cpu_ms == 1200);
  CHECK(task.priority == 3);
  CHECK(task.submitted_t == 10.0);
  CHECK(task.name == "work");
  // A publisher that does not say its CPU time (0) does not make it shrink.
  state.Apply(s.Next(TaskRunning{"a/1", std::nullopt, "b"}, 18.0));
  state.Apply(s.Next(TaskBlocked{"a/1", std::nullopt, "b", "io"}, 19.0));
  CHECK(TaskOf(state, "a/1").cpu_ms == 1200);
  CHECK(TaskOf(state, "a/1").state == TaskState::kWaiting);
  state.Apply(s.Next(TaskRunning{"a/1", std::nullopt, "b"}, 20.0));
  CHECK(TaskOf(state, "a/1").state == TaskState::kRunning);
  state.Apply(s.Next(TaskFinished{"a/1", std::nullopt, "b", Outcome::kOk, 1, 1300, 11}, 21.0));
  CHECK(state.Tasks().empty());

  CHECK(TaskStateName(TaskState::kReady) == "ready");
  CHECK(TaskStateName(TaskState::kRunning) == "running");
  CHECK(TaskStateName(TaskState::kWaiting) == "waiting");
}

TEST_CASE("Tasks() lists every unfinished task by id, peer then number", "[events][state][tasks]") {
  ClusterState state;
  Stream s;
  state.Apply(s.Next(PeerJoined{"peer-9", "h:1", 1}));
  for (const char* id : {"peer-10/1", "peer-9/10", "peer-9/2", "peer-9/1", "peer-10/03"}) {
    state.Apply(s.Next(TaskSubmitted{id, std::nullopt, "f", "peer-9"}));
  }
  state.Apply(s.Next(TaskSubmitted{"peer-9/7", std::string("peer-9/2"), "child", "peer-9"}));
  state.Apply(s.Next(TaskFinished{"peer-9/1", std::nullopt, "peer-9", Outcome::kOk, 0, 0, 0}));
  const std::vector<TaskInfo> tasks = state.Tasks();
  CHECK(TaskIds(tasks) == std::vector<std::string>{"peer-9/2", "peer-9/7", "peer-9/10", "peer-10/1", "peer-10/03"});
  CHECK(tasks[1].parent == std::optional<std::string>("peer-9/2"));
  CHECK_FALSE(tasks[0].priority.has_value());

  CHECK(TaskIdLess("peer-9/2", "peer-9/10"));
  CHECK_FALSE(TaskIdLess("peer-9/10", "peer-9/2"));
  CHECK(TaskIdLess("peer-9/10", "peer-10/1"));
  CHECK(TaskIdLess("a/01", "a/1"));  // equal as numbers: by text, so the order stays strict
  CHECK_FALSE(TaskIdLess("a/1", "a/01"));
  CHECK_FALSE(TaskIdLess("a/1", "a/1"));
  CHECK(TaskIdLess("A", "B"));  // a simulation's job names
  CHECK(TaskIdLess("job2", "job10"));
}

TEST_CASE("a task first seen stopped, or in a snapshot, is listed with what is known of it", "[events][state][tasks]") {
  Snapshot snapshot;
  snapshot.seq = 5;
  snapshot.t = 500;
  PeerState peer;
  peer.peer = "p";
  peer.ready_queue = {TaskRef{"p/2", std::nullopt, "f"}};
  peer.running = {TaskRef{"p/1", std::nullopt, "g"}};
  snapshot.peers = {peer};
  ClusterState state(snapshot);
  std::vector<TaskInfo> tasks = state.Tasks();
  REQUIRE(tasks.size() == 2);
  CHECK(tasks[0] == TaskInfo{"p/1", std::nullopt, "g", "p", TaskState::kRunning, std::nullopt, 0, 500});
  CHECK(tasks[1] == TaskInfo{"p/2", std::nullopt, "f", "p", TaskState::kReady, std::nullopt, 0, 500});

  // Attached after its task.submitted and task.running: its task.blocked says it exists.
  CHECK(state.Apply(Event{6, "e", 600, "p", TaskBlocked{"p/3", std::string("p/1"), "p", "io", 20}}));
  TaskInfo late = TaskOf(state, "p/3");
  CHECK(late == TaskInfo{"p/3", std::string("p/1"), "", "p", TaskState::kWaiting, std::nullopt, 20, 600});
  CHECK(state.TasksOn("p").size() == 3);  // what the tracker would report lost if p died
}

TEST_CASE("a child that ends before its parent waits is a zombie until its task.finished", "[events][state][tree]") {
  ClusterState state;
  Stream s;
  state.Apply(s.Next(PeerJoined{"p", "h:1", 2}));
  state.Apply(s.Next(PeerJoined{"q", "h:2", 1}));
  state.Apply(s.Next(TaskSubmitted{"p/3", std::nullopt, "main", "p"}));
  state.Apply(s.Next(TaskRunning{"p/3", std::nullopt, "p"}));
  state.Apply(s.Next(TaskSubmitted{"p/5", std::string("p/3"), "leaf", "p"}, 20.0));
  state.Apply(s.Next(TaskForwarded{"p/5", std::string("p/3"), "p", "q"}));
  state.Apply(s.Next(TaskQueued{"p/5", std::string("p/3"), "q", 1}));
  state.Apply(s.Next(TaskRunning{"p/5", std::string("p/3"), "q"}));
  state.Apply(s.Next(TaskPreempted{"p/5", std::string("p/3"), "q", "quantum", 40}));
  state.Apply(s.Next(TaskQueued{"p/5", std::string("p/3"), "q", 1}));
  state.Apply(s.Next(TaskRunning{"p/5", std::string("p/3"), "q"}));

  // Published by the parent's peer, p: the child ran on q.
  CHECK(state.Apply(s.Next(TaskZombie{"p/5", std::string("p/3"), "q", Outcome::kFailed}, 30.0)));
  TaskInfo zombie = TaskOf(state, "p/5");
  CHECK(zombie == TaskInfo{"p/5", std::string("p/3"), "leaf", "q", TaskState::kZombie, std::nullopt, 40, 20.0});
  CHECK(TaskStateName(TaskState::kZombie) == "zombie");
  const PeerState* q = state.Find("q");
  REQUIRE(q != nullptr);
  CHECK(q->running.empty());
  CHECK(q->ready_queue.empty());
  CHECK(q->zombies == std::vector<TaskRef>{TaskRef{"p/5", std::string("p/3"), "leaf"}});
  CHECK(state.tasks_in_flight() == 2);  // not finished: still listed
  CHECK(TaskIds(state.Tasks()) == std::vector<std::string>{"p/3", "p/5"});
  CHECK(state.TasksOn("q").empty());  // if q died now, the zombie would not be lost: it has ended

  // The parent reaps it (osgrid.wait): its task.finished, said by p.
  state.Apply(s.Next(TaskFinished{"p/5", std::string("p/3"), "q", Outcome::kFailed, 1, 45, 12}));
  CHECK(TaskIds(state.Tasks()) == std::vector<std::string>{"p/3"});
  CHECK(state.Find("q")->zombies.empty());
  CHECK(state.Find("q")->tasks_finished == 1);
  CHECK(state.PeerOf("p/5").empty());
}

TEST_CASE("an orphan is reparented to init and keeps its state", "[events][state][tree]") {
  ClusterState state;
  Stream s;
  state.Apply(s.Next(PeerJoined{"p", "h:1", 2}));
  state.Apply(s.Next(PeerJoined{"q", "h:2", 1}));
  state.Apply(s.Next(TaskSubmitted{"p/6", std::string("p/3"), "leaf", "p"}));
  state.Apply(s.Next(TaskQueued{"p/6", std::string("p/3"), "p", 1}));
  state.Apply(s.Next(TaskRunning{"p/6", std::string("p/3"), "p"}));
  state.Apply(s.Next(TaskBlocked{"p/6", std::string("p/3"), "p", "sem:mutex", 15}));
  REQUIRE(TaskOf(state, "p/6").state == TaskState::kWaiting);
  CHECK(Ids(state.Find("p")->waiting) == std::vector<std::string>{"p/6"});

  state.Apply(s.Next(TaskReparented{"p/6", std::string("p/init"), "p/3", "p"}));
  TaskInfo orphan = TaskOf(state, "p/6");
  CHECK(orphan.parent == std::optional<std::string>("p/init"));
  CHECK(orphan.state == TaskState::kWaiting);  // a new parent changes nothing else
  CHECK(orphan.peer == "p");
  CHECK(orphan.cpu_ms == 15);
  CHECK(state.Find("p")->waiting == std::vector<TaskRef>{TaskRef{"p/6", std::string("p/init"), "leaf"}});

  state.Apply(s.Next(TaskRunning{"p/6", std::string("p/init"), "p"}));
  CHECK(state.Find("p")->waiting.empty());
  CHECK(state.Find("p")->running[0].parent == std::optional<std::string>("p/init"));
  state.Apply(s.Next(TaskFinished{"p/6", std::string("p/init"), "p", Outcome::kOk, 0, 20, 9}));
  CHECK(state.Tasks().empty());

  // A zombie reparented keeps being a zombie, where it ran; its task.finished
  // clears it there even when it names another peer.
  state.Apply(s.Next(TaskRunning{"p/7", std::string("p/3"), "q"}));
  state.Apply(s.Next(TaskZombie{"p/7", std::string("p/3"), "q", Outcome::kOk}));
  state.Apply(s.Next(TaskReparented{"p/7", std::string("p/init"), "p/3", "p"}));
  TaskInfo zombie = TaskOf(state, "p/7");
  CHECK(zombie.state == TaskState::kZombie);
  CHECK(zombie.peer == "q");
  CHECK(state.Find("q")->zombies == std::vector<TaskRef>{TaskRef{"p/7", std::string("p/init"), ""}});
  state.Apply(s.Next(TaskFinished{"p/7", std::string("p/init"), "p", Outcome::kOk, 0, 20, 9}));
  CHECK(state.Find("q")->zombies.empty());
  CHECK(state.Tasks().empty());

  // Attached late: a task.reparented is the first the fold hears of a task.
  state.Apply(s.Next(TaskReparented{"p/9", std::string("p/init"), "p/4", "p"}));
  CHECK(TaskOf(state, "p/9").parent == std::optional<std::string>("p/init"));
}

TEST_CASE("a snapshot keeps waiting and zombie tasks, with their parents and states", "[events][state][tree]") {
  ClusterState state;
  Stream s;
  state.Apply(s.Next(PeerJoined{"p", "h:1", 2}));
  state.Apply(s.Next(TaskSubmitted{"p/1", std::nullopt, "main", "p"}));
  state.Apply(s.Next(TaskRunning{"p/1", std::nullopt, "p"}));
  for (const char* child : {"p/2", "p/3", "p/4"}) {
    state.Apply(s.Next(TaskSubmitted{child, std::string("p/1"), "leaf", "p"}));
    state.Apply(s.Next(TaskQueued{child, std::string("p/1"), "p", 1}));
  }
  state.Apply(s.Next(TaskRunning{"p/2", std::string("p/1"), "p"}));
  state.Apply(s.Next(TaskBlocked{"p/2", std::string("p/1"), "p", "io", 5}));
  state.Apply(s.Next(TaskRunning{"p/3", std::string("p/1"), "p"}));
  state.Apply(s.Next(TaskZombie{"p/3", std::string("p/1"), "p", Outcome::kOk}));

  const Snapshot snapshot = state.ToSnapshot();
  REQUIRE(snapshot.peers.size() == 1);
  const PeerState& peer = snapshot.peers[0];
  CHECK(Ids(peer.ready_queue) == std::vector<std::string>{"p/4"});
  CHECK(Ids(peer.running) == std::vector<std::string>{"p/1"});
  CHECK(peer.waiting == std::vector<TaskRef>{TaskRef{"p/2", std::string("p/1"), "leaf"}});
  CHECK(peer.zombies == std::vector<TaskRef>{TaskRef{"p/3", std::string("p/1"), "leaf"}});

  // A subscriber that starts from it sees the same tasks in the same states.
  ClusterState attached(snapshot);
  REQUIRE(attached.Tasks().size() == 4);
  CHECK(TaskOf(attached, "p/2").state == TaskState::kWaiting);
  CHECK(TaskOf(attached, "p/2").parent == std::optional<std::string>("p/1"));
  CHECK(TaskOf(attached, "p/3").state == TaskState::kZombie);
  CHECK(TaskOf(attached, "p/3").parent == std::optional<std::string>("p/1"));
  CHECK(TaskOf(attached, "p/4").state == TaskState::kReady);
  CHECK(attached.ToSnapshot() == snapshot);

  // And goes on from there: the zombie is reaped, the waiting task runs.
  CHECK(attached.Apply(s.Next(TaskFinished{"p/3", std::string("p/1"), "p", Outcome::kOk, 0, 1, 2})));
  CHECK(attached.Apply(s.Next(TaskRunning{"p/2", std::string("p/1"), "p"})));
  CHECK(attached.Find("p")->zombies.empty());
  CHECK(attached.Find("p")->waiting.empty());
  CHECK(Ids(attached.Find("p")->running) == std::vector<std::string>{"p/1", "p/2"});
}

TEST_CASE("a peer's arena follows its mem events: alloc, free, compact, and a fresh start at mem.arena",
          "[events][state]") {
  ClusterState state;
  Stream s;
  state.Apply(s.Next(PeerJoined{"a", "127.0.0.1:9001", 1}));
  state.Apply(s.From("a", MemArena{"best", 160, 0}));
  state.Apply(s.From("a", MemAlloc{"k1", 0, 32, 2}));
  state.Apply(s.From("a", MemAlloc{"k2", 32, 40, 16}));
  state.Apply(s.From("a", MemAlloc{"k3", 72, 32, 2}));
  state.Apply(s.From("a", MemFree{"k2", 32, 40}));
  state.Apply(s.From("sim", MemAlloc{"ptr[0]", 0, 10, 10}));  // a simulation's: no peer of that name
  const PeerState* a = state.Find("a");
  REQUIRE(a != nullptr);
  CHECK(a->mem_allocator == "best");
  CHECK(a->mem_limit_bytes == 160);
  CHECK(a->arena == std::vector<ArenaBlock>{{0, 32, "k1"}, {72, 32, "k3"}});
  state.Apply(s.From("a", MemCompact{1, 32}));
  CHECK(state.Find("a")->arena == std::vector<ArenaBlock>{{0, 32, "k1"}, {32, 32, "k3"}});
  CHECK(state.ToSnapshot().peers[0].arena.size() == 2);
  // The peer registers again (the tracker restarted, say): its arena is told afresh.
  state.Apply(s.From("a", MemArena{"best", 160, 1}));
  state.Apply(s.From("a", MemAlloc{"k3", 32, 32, 2}));
  CHECK(state.Find("a")->arena == std::vector<ArenaBlock>{{32, 32, "k3"}});
}

}  // namespace cluster_state_test
