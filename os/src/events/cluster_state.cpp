// The cluster's state rebuilt from events (see cluster_state.h for what
// each event does).
//
// Source: Silberschatz 10e 3.1.2 (process states: a task goes new -> ready
//         -> running -> waiting/ready -> terminated, here across peers),
//         3.2.1 (the ready queue) and 3.3.2 (zombies until the parent
//         waits, orphans adopted by init); the fold itself is event sourcing
//         (M. Fowler, "Event Sourcing", 2005): state = apply(events).
#include "osgrid/os/events/cluster_state.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <type_traits>
#include <utility>

namespace osgrid::os::events {

namespace {

/// The lists of a peer that a task is in, one at a time (or in none: on its
/// way to a ready queue).
constexpr std::array<std::vector<TaskRef> PeerState::*, 4> kTaskLists = {&PeerState::ready_queue, &PeerState::running,
                                                                         &PeerState::waiting, &PeerState::zombies};

/// Removes the task `task_id` from `tasks`, if it is there.
void Erase(std::vector<TaskRef>& tasks, const std::string& task_id) {
  std::erase_if(tasks, [&](const TaskRef& ref) { return ref.task_id == task_id; });
}

bool IsDigit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }

/// Compares `a` and `b` with runs of digits compared as numbers: <0, 0, >0.
/// Texts that differ only in leading zeros compare equal.
int NaturalCompare(std::string_view a, std::string_view b) {
  std::size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    if (IsDigit(a[i]) && IsDigit(b[j])) {
      while (i < a.size() && a[i] == '0') ++i;  // leading zeros say nothing of the value
      while (j < b.size() && b[j] == '0') ++j;
      std::size_t end_a = i, end_b = j;
      while (end_a < a.size() && IsDigit(a[end_a])) ++end_a;
      while (end_b < b.size() && IsDigit(b[end_b])) ++end_b;
      if (end_a - i != end_b - j) return end_a - i < end_b - j ? -1 : 1;  // more digits, larger number
      if (int order = a.substr(i, end_a - i).compare(b.substr(j, end_b - j)); order != 0) return order;
      i = end_a;
      j = end_b;
    } else {
      if (a[i] != b[j]) return static_cast<unsigned char>(a[i]) < static_cast<unsigned char>(b[j]) ? -1 : 1;
      ++i;
      ++j;
    }
  }
  if (i < a.size()) return 1;
  if (j < b.size()) return -1;
  return 0;
}

/// "peer-9001/17" -> {"peer-9001", "17"}; an id without '/' is all peer part.
std::pair<std::string_view, std::string_view> SplitTaskId(std::string_view id) {
  std::size_t slash = id.rfind('/');
  if (slash == std::string_view::npos) return {id, {}};
  return {id.substr(0, slash), id.substr(slash + 1)};
}

}  // namespace

std::string_view TaskStateName(TaskState state) {
  switch (state) {
    case TaskState::kReady:
      return "ready";
    case TaskState::kRunning:
      return "running";
    case TaskState::kWaiting:
      return "waiting";
    case TaskState::kZombie:
      return "zombie";
  }
  return "ready";
}

bool TaskIdLess(std::string_view a, std::string_view b) {
  auto [peer_a, number_a] = SplitTaskId(a);
  auto [peer_b, number_b] = SplitTaskId(b);
  if (int order = NaturalCompare(peer_a, peer_b); order != 0) return order < 0;
  if (int order = NaturalCompare(number_a, number_b); order != 0) return order < 0;
  return a < b;  // equal as numbers ("a/01", "a/1"): a strict order still
}

ClusterState::ClusterState(const Snapshot& snapshot) : seq_(snapshot.seq), epoch_(snapshot.epoch), t_(snapshot.t) {
  for (const PeerState& peer : snapshot.peers) {
    peers_[peer.peer] = peer;
    for (const TaskRef& ref : peer.ready_queue) tasks_[ref.task_id] = Task{ref, peer.peer};
    for (const TaskRef& ref : peer.running) tasks_[ref.task_id] = Task{ref, peer.peer, TaskState::kRunning};
    for (const TaskRef& ref : peer.waiting) tasks_[ref.task_id] = Task{ref, peer.peer, TaskState::kWaiting};
    for (const TaskRef& ref : peer.zombies) tasks_[ref.task_id] = Task{ref, peer.peer, TaskState::kZombie};
  }
  // What the snapshot does not carry (priority, CPU time, submission time) is
  // unknown; the snapshot's time stands for when the task was first seen.
  for (auto& [id, task] : tasks_) task.submitted_t = snapshot.t;
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
        if constexpr (std::is_same_v<T, TaskSubmitted>) Submit(body, event.t);
        if constexpr (std::is_same_v<T, TaskForwarded>) Forward(body, event.t);
        if constexpr (std::is_same_v<T, TaskQueued>) Enqueue(body, event.t);
        if constexpr (std::is_same_v<T, TaskRunning>) Run(body, event.t);
        if constexpr (std::is_same_v<T, TaskPreempted>) {
          Stop(body.task_id, body.parent, body.peer, TaskState::kReady, body.cpu_ms, event.t);
        }
        if constexpr (std::is_same_v<T, TaskBlocked>) {
          Stop(body.task_id, body.parent, body.peer, TaskState::kWaiting, body.cpu_ms, event.t);
        }
        if constexpr (std::is_same_v<T, TaskZombie>) Zombie(body, event.t);
        if constexpr (std::is_same_v<T, TaskReparented>) Reparent(body, event.t);
        if constexpr (std::is_same_v<T, TaskFinished>) Finish(body);
        if constexpr (std::is_same_v<T, MemArena>) ArenaReset(event.node, body);
        if constexpr (std::is_same_v<T, MemAlloc>) ArenaAlloc(event.node, body);
        if constexpr (std::is_same_v<T, MemFree>) ArenaFree(event.node, body);
        if constexpr (std::is_same_v<T, MemCompact>) ArenaCompact(event.node);
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

std::vector<TaskInfo> ClusterState::Tasks() const {
  std::vector<TaskInfo> tasks;
  tasks.reserve(tasks_.size());
  for (const auto& [id, task] : tasks_) {
    tasks.push_back(TaskInfo{task.ref.task_id, task.ref.parent, task.ref.name, task.peer, task.state, task.priority,
                             task.cpu_ms, task.submitted_t});
  }
  std::sort(tasks.begin(), tasks.end(),
            [](const TaskInfo& a, const TaskInfo& b) { return TaskIdLess(a.task_id, b.task_id); });
  return tasks;
}

std::vector<TaskRef> ClusterState::TasksOn(const std::string& peer) const {
  std::vector<TaskRef> on;
  for (const auto& [id, task] : tasks_) {
    if (task.peer == peer && task.state != TaskState::kZombie) on.push_back(task.ref);
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

// ---- a peer's memory arena -----------------------------------------------------
// Only a live peer's (a simulation's mem.* events have node "sim": no peer).

namespace {

/// The first of `blocks` (sorted by address) at or above `address`.
std::vector<ArenaBlock>::iterator BlockAtOrAbove(std::vector<ArenaBlock>& blocks, std::uint64_t address) {
  return std::lower_bound(blocks.begin(), blocks.end(), address,
                          [](const ArenaBlock& block, std::uint64_t at) { return block.address < at; });
}

}  // namespace

void ClusterState::ArenaReset(const std::string& node, const MemArena& arena) {
  auto it = peers_.find(node);
  if (it == peers_.end()) return;
  it->second.arena.clear();
  it->second.mem_allocator = arena.allocator;
  it->second.mem_limit_bytes = arena.arena_bytes;
}

void ClusterState::ArenaAlloc(const std::string& node, const MemAlloc& alloc) {
  auto it = peers_.find(node);
  if (it == peers_.end()) return;
  std::vector<ArenaBlock>& blocks = it->second.arena;
  auto at = BlockAtOrAbove(blocks, alloc.address);
  if (at != blocks.end() && at->address == alloc.address) {
    *at = ArenaBlock{alloc.address, alloc.size, alloc.owner};  // a gap in the stream: the newest wins
  } else {
    blocks.insert(at, ArenaBlock{alloc.address, alloc.size, alloc.owner});
  }
}

void ClusterState::ArenaFree(const std::string& node, const MemFree& free) {
  auto it = peers_.find(node);
  if (it == peers_.end()) return;
  std::vector<ArenaBlock>& blocks = it->second.arena;
  auto at = BlockAtOrAbove(blocks, free.address);
  if (at != blocks.end() && at->address == free.address) blocks.erase(at);
}

void ClusterState::ArenaCompact(const std::string& node) {
  // Compaction slides every block down, in address order, from the arena's
  // start (Silberschatz 10e 9.2.3), so the moves need not be told.
  auto it = peers_.find(node);
  if (it == peers_.end()) return;
  std::uint64_t next = 0;
  for (ArenaBlock& block : it->second.arena) {
    block.address = next;
    next += block.size;
  }
}

// ---- tasks ---------------------------------------------------------------------

ClusterState::Task& ClusterState::Known(const std::string& task_id, const std::optional<std::string>& parent,
                                        const std::string& peer, double t) {
  auto [it, added] = tasks_.try_emplace(task_id);
  if (added) {
    it->second = Task{TaskRef{task_id, parent, ""}, peer};
    it->second.submitted_t = t;
  }
  return it->second;
}

void ClusterState::Submit(const TaskSubmitted& submitted, double t) {
  Task& task = Known(submitted.task_id, submitted.parent, submitted.peer, t);
  task.ref.name = submitted.name;
  task.peer = submitted.peer;
  task.priority = submitted.priority;
  task.submitted_t = t;
}

void ClusterState::Forward(const TaskForwarded& forwarded, double t) {
  Task& task = Known(forwarded.task_id, forwarded.parent, forwarded.from, t);
  task.peer = forwarded.to;
  task.state = TaskState::kReady;  // on its way to the ready queue of `to`
}

void ClusterState::Enqueue(const TaskQueued& queued, double t) {
  if (!queued.position) {  // the publisher does not say where: the end, arrival order
    Place(queued.task_id, queued.parent, queued.peer, &PeerState::ready_queue, TaskState::kReady, t);
    return;
  }
  Task& task = Place(queued.task_id, queued.parent, queued.peer, nullptr, TaskState::kReady, t);
  auto it = peers_.find(queued.peer);
  if (it == peers_.end()) return;
  std::vector<TaskRef>& ready_queue = it->second.ready_queue;
  // 1 = the front; a position past the end (a gap in the stream) is the end.
  const auto index =
      std::clamp<std::size_t>(static_cast<std::size_t>(std::max(*queued.position, 1)) - 1, 0, ready_queue.size());
  ready_queue.insert(ready_queue.begin() + static_cast<std::ptrdiff_t>(index), task.ref);
}

void ClusterState::Run(const TaskRunning& running, double t) {
  Place(running.task_id, running.parent, running.peer, &PeerState::running, TaskState::kRunning, t);
}

ClusterState::Task& ClusterState::Place(const std::string& task_id, const std::optional<std::string>& parent,
                                        const std::string& peer, std::vector<TaskRef> PeerState::*list, TaskState state,
                                        double t) {
  Task& task = Known(task_id, parent, peer, t);
  Unlist(task.peer, task_id);  // where it was (a task.forwarded moved it since)
  Unlist(peer, task_id);
  task.peer = peer;
  task.state = state;
  auto it = peers_.find(peer);
  if (list != nullptr && it != peers_.end()) (it->second.*list).push_back(task.ref);
  return task;
}

void ClusterState::Stop(const std::string& task_id, const std::optional<std::string>& parent, const std::string& peer,
                        TaskState state, double cpu_ms, double t) {
  // Preempted, it is in no list until its task.queued; blocked, it waits.
  Task& task = Place(task_id, parent, peer, state == TaskState::kWaiting ? &PeerState::waiting : nullptr, state, t);
  task.cpu_ms = std::max(task.cpu_ms, cpu_ms);  // it only grows; a publisher that does not say sends 0
}

void ClusterState::Zombie(const TaskZombie& zombie, double t) {
  auto known = tasks_.find(zombie.task_id);
  if (known != tasks_.end() && zombie.parent) known->second.ref.parent = zombie.parent;  // before Place copies it
  Place(zombie.task_id, zombie.parent, zombie.peer, &PeerState::zombies, TaskState::kZombie, t);
}

void ClusterState::Reparent(const TaskReparented& reparented, double t) {
  // Where it is and what it does are unchanged; a task not known yet (the
  // fold attached after its other events) is made known where it was adopted.
  Task& task = Known(reparented.task_id, reparented.parent, reparented.peer, t);
  task.ref.parent = reparented.parent;
  auto it = peers_.find(task.peer);
  if (it == peers_.end()) return;
  for (auto list : kTaskLists) {
    for (TaskRef& ref : it->second.*list) {
      if (ref.task_id == reparented.task_id) ref.parent = reparented.parent;
    }
  }
}

void ClusterState::Finish(const TaskFinished& finished) {
  if (auto known = tasks_.find(finished.task_id); known != tasks_.end()) {
    Unlist(known->second.peer, finished.task_id);  // a zombie: where it ran, which the parent's peer may not say
    tasks_.erase(known);
  }
  Unlist(finished.peer, finished.task_id);
  auto it = peers_.find(finished.peer);
  if (it != peers_.end()) ++it->second.tasks_finished;
}

void ClusterState::Unlist(const std::string& peer, const std::string& task_id) {
  auto it = peers_.find(peer);
  if (it == peers_.end()) return;
  for (auto list : kTaskLists) Erase(it->second.*list, task_id);
}

}  // namespace osgrid::os::events
