// The cluster's state, rebuilt from its events: the fold that turns a
// snapshot and the events after it into the picture a viewer draws, a
// replay prints and a test checks. The tracker keeps one to answer
// SUBSCRIBE with a snapshot; `osgrid replay` and the viewer keep their own.
//
// Start from a Snapshot (or from nothing), then Apply() every event in seq
// order. What each event does:
//   peer.joined     the peer is live (a peer that joins again starts afresh)
//   peer.left/dead  the peer is gone; it is remembered in departed()
//   peer.load       its figures (counts, memory, disk) are replaced
//   task.submitted  the task is known, on the peer that accepted it: ready,
//                   with its name, priority and submission time
//   task.forwarded  the task moves to the peer that will run it (still ready)
//   task.queued     it joins that peer's ready queue at its `position` (1 =
//                   the front; the end when the event has none): ready
//   task.running    it leaves the ready queue and runs: running
//   task.preempted  it stops running and is ready again (a later
//                   task.queued puts it back in the queue); its cpu_ms is kept
//   task.blocked    it stops running and waits: waiting, in its peer's
//                   waiting list, until the next task.queued or
//                   task.running; its cpu_ms is kept
//   task.zombie     it has ended and its parent has not waited for it: it
//                   leaves the ready queue, running or waiting list and is
//                   a zombie, in the zombies of the peer it ran on, until
//                   its task.finished
//   task.reparented its parent is the new one (its state is unchanged)
//   task.finished   it is gone; the peer's tasks_finished counts it
// Every other type leaves the cluster's picture as it is. That includes
// resource.* and deadlock.*: the cluster objects' holders and waiters are the
// tracker's own table (docs/sync.md), which fills Snapshot::resources; a
// fold keeps none, so ToSnapshot()'s resources are empty (and a snapshot's
// are not taken in). A deadlock victim's end comes as its task.finished.
// Tasks() lists the unfinished tasks with their state (what `osgrid ps`
// shows); zombies are among them, since a zombie has not finished.
//
// The ready queue's order is the policy's when every task.queued says where
// the task stands (its `position`, which the peer's policy computes: SJF,
// SRTF, priority without aging, stride, FCFS, RR and MLFQ without a boost
// do). A task.queued without a position joins the end, so a queue fed by
// such events (a lottery peer, aging, an older peer) is in arrival order,
// which is the policy's only for FCFS and RR; the fold does not know which
// it is, and a viewer that needs to say so tracks it (viz's ViewState).
//
// Memory grows with live peers and tasks not yet finished (zombies
// included), never with the length of the stream. Apply() is O(the tasks
// in one peer's lists) at worst.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "osgrid/os/events/events.h"

namespace osgrid::os::events {

/// Where an unfinished task is in its life (Silberschatz 3.1.2's ready,
/// running and waiting; "new" is ready here, since a submitted task is
/// on its way to a ready queue; 3.3.2's zombie, terminated but not yet
/// reaped, is the one terminated state a task is listed in).
enum class TaskState {
  kReady,    // "ready": submitted, forwarded, queued, or preempted and back in (or on its way to) a ready queue
  kRunning,  // "running": it has a CPU
  kWaiting,  // "waiting": blocked (task.blocked) until it is queued or runs again
  kZombie,   // "zombie": ended (task.zombie), its parent has not waited for it; until its task.finished
};

/// "ready", "running", "waiting", "zombie".
std::string_view TaskStateName(TaskState state);

/// An unfinished task as the fold knows it.
struct TaskInfo {
  std::string task_id;
  std::optional<std::string> parent;
  std::string name;  // the function's name ("" if the fold never saw its task.submitted)
  std::string peer;  // where it is now (a zombie: where it ran)
  TaskState state = TaskState::kReady;
  std::optional<int> priority;  // from task.submitted; lower = more urgent
  double cpu_ms = 0;            // CPU time used so far, ms: the most its task.preempted and task.blocked said
  double submitted_t = 0;       // t of its task.submitted (or of the first event or snapshot that showed it)

  bool operator==(const TaskInfo&) const = default;
};

/// The order of task ids: by the peer part, then by the number after the
/// last '/', digits compared as numbers ("peer-9/2" < "peer-9/10" <
/// "peer-10/1"); ids equal as numbers ("a/01", "a/1") by their text.
bool TaskIdLess(std::string_view a, std::string_view b);

/// A peer that left or died, and when.
struct DepartedPeer {
  std::string peer;
  bool dead = false;  // peer.dead (true) or peer.left (false)
  double t = 0;       // the event's time
  std::uint64_t tasks_finished = 0;
};

class ClusterState {
 public:
  ClusterState() = default;
  /// Starts from `snapshot`: its peers, and their ready queues, running,
  /// waiting and zombie tasks (each in that state), at its seq. Its
  /// resources are not kept (see the top of this file).
  explicit ClusterState(const Snapshot& snapshot);

  /// Applies one event. Events must come in seq order; one at or below
  /// seq() (already reflected) is ignored and returns false. Events with
  /// seq 0 (not numbered, e.g. a node's own view before publishing) are
  /// always applied.
  bool Apply(const Event& event);

  /// The state now, as a subscriber's snapshot would give it (peers sorted by id).
  Snapshot ToSnapshot() const;

  /// The last seq applied (0: none).
  std::uint64_t seq() const { return seq_; }
  /// The live peer `peer`, or nullptr.
  const PeerState* Find(const std::string& peer) const;
  /// The live peers, by id (what ToSnapshot() copies, without copying).
  const std::map<std::string, PeerState>& peers() const { return peers_; }
  /// The peer a task is on now ("" if unknown or finished).
  std::string PeerOf(const std::string& task_id) const;
  /// The unfinished tasks on `peer` (queued, running, waiting, or on their
  /// way to it), by task_id; a departed peer's too, until they finish. A
  /// zombie is not among them: it has ended, and its task.finished comes
  /// from its parent's peer, not from the peer it ran on. O(tasks).
  std::vector<TaskRef> TasksOn(const std::string& peer) const;
  /// Tasks submitted and not finished.
  std::size_t tasks_in_flight() const { return tasks_.size(); }
  /// Every unfinished task (on live and departed peers), sorted by TaskIdLess. O(tasks log tasks).
  std::vector<TaskInfo> Tasks() const;
  /// Peers that left or died, in the order they went.
  const std::vector<DepartedPeer>& departed() const { return departed_; }

 private:
  struct Task {
    TaskRef ref;
    std::string peer;  // where it is now
    TaskState state = TaskState::kReady;
    std::optional<int> priority;
    double cpu_ms = 0;
    double submitted_t = 0;
  };

  void Join(const PeerJoined& joined, double t);
  void Depart(const std::string& peer, bool dead, double t);
  void Load(const PeerLoad& load, double t);
  // A live peer's arena (mem.arena, mem.alloc, mem.free, mem.compact from that peer).
  void ArenaReset(const std::string& node, const MemArena& arena);
  void ArenaAlloc(const std::string& node, const MemAlloc& alloc);
  void ArenaFree(const std::string& node, const MemFree& free);
  void ArenaCompact(const std::string& node);
  void Submit(const TaskSubmitted& submitted, double t);
  void Forward(const TaskForwarded& forwarded, double t);
  void Enqueue(const TaskQueued& queued, double t);
  void Run(const TaskRunning& running, double t);
  /// Moves the task to `peer`, in `state`: out of every list it was in (on
  /// the peer it was on, and on `peer`), then to the end of `list`
  /// (ready_queue, running, waiting or zombies) of `peer`; nullptr: in none.
  Task& Place(const std::string& task_id, const std::optional<std::string>& parent, const std::string& peer,
              std::vector<TaskRef> PeerState::*list, TaskState state, double t);
  /// It stops running on `peer`: ready again (preempted) or waiting (blocked), with its CPU time so far.
  void Stop(const std::string& task_id, const std::optional<std::string>& parent, const std::string& peer,
            TaskState state, double cpu_ms, double t);
  void Zombie(const TaskZombie& zombie, double t);
  void Reparent(const TaskReparented& reparented, double t);
  void Finish(const TaskFinished& finished);
  /// Takes the task out of every list of `peer` (if it is live).
  void Unlist(const std::string& peer, const std::string& task_id);
  /// The task's entry, made from what the event says if it was not known
  /// (a subscriber that attached after task.submitted), first seen at `t`.
  Task& Known(const std::string& task_id, const std::optional<std::string>& parent, const std::string& peer, double t);

  std::uint64_t seq_ = 0;
  std::string epoch_;
  double t_ = 0;
  std::map<std::string, PeerState> peers_;  // live, by id
  std::map<std::string, Task> tasks_;       // not finished, by task_id
  std::vector<DepartedPeer> departed_;
};

}  // namespace osgrid::os::events
