// The cluster's state rebuilt from events (see cluster_state.h for what
// each event does).
//
// Source: Silberschatz 10e 3.1.2 (process states: a task goes new -> ready
//         -> running -> waiting/ready -> terminated, here across peers) and
//         3.2.1 (the ready queue); the fold itself is event sourcing
//         (M. Fowler, "Event Sourcing", 2005): state = apply(events).
#include "osgrid/os/events/cluster_state.h"

#include <algorithm>
#include <type_traits>
#include <utility>

namespace osgrid::os::events {

namespace {

/// Removes the task `task_id` from `tasks`, if it is there.
void Erase(std::vector<TaskRef>& tasks, const std::string& task_id) {
  std::erase_if(tasks, [&](const TaskRef& ref) { return ref.task_id == task_id; });
}

}  // namespace

ClusterState::ClusterState(const Snapshot& snapshot) : seq_(snapshot.seq), epoch_(snapshot.epoch), t_(snapshot.t) {
  for (const PeerState& peer : snapshot.peers) {
    peers_[peer.peer] = peer;
    for (const auto* list : {&peer.ready_queue, &peer.running}) {
      for (const TaskRef& ref : *list) tasks_[ref.task_id] = Task{ref, peer.peer};
    }
  }
}

bool ClusterState::Apply(const Event& event) {
  if (event.seq != 0 && event.seq <= seq_) return false;
  if (event.seq != 0) seq_ = event.seq;
  if (!event.epoch.empty()) epoch_ = event.epoch;
  t_ = std::max(t_, event.t);
  std::visit(
      [&](const auto& body) {
        using T = std::decay_t<decltype(body)>;
        if constexpr (std::is_same_v<T, PeerJoined>) Join(body, event.t);
        if constexpr (std::is_same_v<T, PeerLeft>) Depart(body.peer, false, event.t);
        if constexpr (std::is_same_v<T, PeerDead>) Depart(body.peer, true, event.t);
        if constexpr (std::is_same_v<T, PeerLoad>) Load(body, event.t);
        if constexpr (std::is_same_v<T, TaskSubmitted>) Submit(body);
        if constexpr (std::is_same_v<T, TaskForwarded>) Forward(body);
        if constexpr (std::is_same_v<T, TaskQueued>) Enqueue(body);
        if constexpr (std::is_same_v<T, TaskRunning>) Run(body);
        if constexpr (std::is_same_v<T, TaskPreempted> || std::is_same_v<T, TaskBlocked>) Stop(body.task_id, body.peer);
        if constexpr (std::is_same_v<T, TaskFinished>) Finish(body);
      },
      event.body);
  return true;
}

Snapshot ClusterState::ToSnapshot() const {
  Snapshot snapshot{seq_, epoch_, t_, {}};
  snapshot.peers.reserve(peers_.size());
  for (const auto& [id, peer] : peers_) snapshot.peers.push_back(peer);
  return snapshot;
}

const PeerState* ClusterState::Find(const std::string& peer) const {
  auto it = peers_.find(peer);
  return it == peers_.end() ? nullptr : &it->second;
}

std::string ClusterState::PeerOf(const std::string& task_id) const {
  auto it = tasks_.find(task_id);
  return it == tasks_.end() ? std::string() : it->second.peer;
}

std::vector<TaskRef> ClusterState::TasksOn(const std::string& peer) const {
  std::vector<TaskRef> on;
  for (const auto& [id, task] : tasks_) {
    if (task.peer == peer) on.push_back(task.ref);
  }
  return on;
}

// ---- peers ---------------------------------------------------------------------

void ClusterState::Join(const PeerJoined& joined, double t) {
  PeerState& peer = peers_[joined.peer];
  peer = PeerState{};
  peer.peer = joined.peer;
  peer.address = joined.address;
  peer.cores = joined.cores;
  peer.last_heartbeat_t = t;
}

void ClusterState::Depart(const std::string& id, bool dead, double t) {
  auto it = peers_.find(id);
  if (it == peers_.end()) return;
  departed_.push_back(DepartedPeer{id, dead, t, it->second.tasks_finished});
  peers_.erase(it);
  // Its tasks stay known until their task.finished (outcome "lost") says they ended.
}

void ClusterState::Load(const PeerLoad& load, double t) {
  auto it = peers_.find(load.peer);
  if (it == peers_.end()) return;
  PeerState& peer = it->second;
  peer.cores = load.cores;
  peer.mem_keys = load.mem_keys;
  peer.mem_used_bytes = load.mem_used_bytes;
  peer.disk_used_bytes = load.disk_used_bytes;
  peer.last_heartbeat_t = t;
}

// ---- tasks ---------------------------------------------------------------------

ClusterState::Task& ClusterState::Known(const std::string& task_id, const std::optional<std::string>& parent,
                                        const std::string& peer) {
  auto [it, added] = tasks_.try_emplace(task_id);
  if (added) it->second = Task{TaskRef{task_id, parent, ""}, peer};
  return it->second;
}

void ClusterState::Submit(const TaskSubmitted& submitted) {
  Task& task = Known(submitted.task_id, submitted.parent, submitted.peer);
  task.ref.name = submitted.name;
  task.peer = submitted.peer;
}

void ClusterState::Forward(const TaskForwarded& forwarded) {
  Known(forwarded.task_id, forwarded.parent, forwarded.from).peer = forwarded.to;
}

void ClusterState::Enqueue(const TaskQueued& queued) {
  Place(queued.task_id, queued.parent, queued.peer, &PeerState::ready_queue);
}

void ClusterState::Run(const TaskRunning& running) {
  Place(running.task_id, running.parent, running.peer, &PeerState::running);
}

void ClusterState::Place(const std::string& task_id, const std::optional<std::string>& parent, const std::string& peer,
                         std::vector<TaskRef> PeerState::*list) {
  Task& task = Known(task_id, parent, peer);
  task.peer = peer;
  auto it = peers_.find(peer);
  if (it == peers_.end()) return;
  Erase(it->second.ready_queue, task_id);
  Erase(it->second.running, task_id);
  (it->second.*list).push_back(task.ref);
}

void ClusterState::Stop(const std::string& task_id, const std::string& peer) {
  auto it = peers_.find(peer);
  if (it != peers_.end()) Erase(it->second.running, task_id);
}

void ClusterState::Finish(const TaskFinished& finished) {
  tasks_.erase(finished.task_id);
  auto it = peers_.find(finished.peer);
  if (it == peers_.end()) return;
  Erase(it->second.ready_queue, finished.task_id);
  Erase(it->second.running, finished.task_id);
  ++it->second.tasks_finished;
}

}  // namespace osgrid::os::events
