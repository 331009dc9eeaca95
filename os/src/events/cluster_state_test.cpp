#include "osgrid/os/events/cluster_state.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

using namespace osgrid::os::events;

namespace {

/// Numbers events 1, 2, 3... as the tracker would publish them.
class Stream {
 public:
  Event Next(Payload body, double t = 0) {
    ++seq_;
    return Event{seq_, "e1", t == 0 ? static_cast<double>(seq_) : t, "tracker", std::move(body)};
  }

 private:
  std::uint64_t seq_ = 0;
};

std::vector<std::string> Ids(const std::vector<TaskRef>& tasks) {
  std::vector<std::string> ids;
  for (const TaskRef& ref : tasks) ids.push_back(ref.task_id);
  return ids;
}

}  // namespace

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
}

TEST_CASE("a task first seen running (attached late) is still tracked", "[events][state]") {
  ClusterState state;
  Stream s;
  state.Apply(s.Next(PeerJoined{"p", "h:1", 1}));
  state.Apply(s.Next(TaskRunning{"late", std::nullopt, "p"}));
  CHECK(state.PeerOf("late") == "p");
  CHECK(Ids(state.Find("p")->running) == std::vector<std::string>{"late"});
}
