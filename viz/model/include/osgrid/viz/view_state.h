// The viewer's picture of the cluster at one point of a recording: what the
// events received so far say, folded. No drawing here (viz/ui draws it), no
// threads, no sockets: a value that can be copied (the checkpoints of
// model.h are copies of it) and compared.
//
// What it keeps, and from which events:
//   cluster()      peers, ready queues, running, waiting and zombie tasks, the
//                  live peers' memory arenas (os::events::ClusterState: the
//                  same fold the tracker and `osgrid replay` use)
//   ReadyQueueInPolicyOrder()  whether a peer's ready queue is known to be in
//                  the order its policy will run it, or only in arrival
//                  order: from task.queued's position (see below)
//   resources()    the cluster objects (Locks, Resources, Semaphores,
//                  MessageQueues) with holders and waiters: from the
//                  snapshot, then resource.request/grant/release/cancel
//   deadlock()     the deadlock in force: the last deadlock.found, until a
//                  task of it ends, is granted or stops waiting, or another
//                  deadlock.found replaces it
//   last_victim()  the last deadlock.victim; stall(): the deadlock.stall in
//                  force (until one of its tasks runs, is granted or ends)
//   LastLoad()     each live peer's last peer.load
//   LastMemFailure() each arena's last mem.failed
//   frame_table()  a paging simulation's frames, hits, faults and evictions
//
// Units: t and every *_ms are ms on a live cluster, the simulator's unit in a
// simulation (SourceInfo::time_unit); sizes are bytes.
//
// A simulation (a trace whose source is "sim") has no peers: its events come
// from node "sim" with peer "". The state shows it as one peer, kSimPeer,
// with one core (the simulated CPU: its ready queue, its running task) and
// one arena (the simulated heap, from SourceInfo's base and size; the heap's
// addresses are kept from the base, as the simulator printed them).
//
// The ready queue's order. A peer whose policy's order is fixed between
// events says in each task.queued where the task stands (`position`), and
// the fold puts it there (ClusterState). A task.queued without one (a
// lottery peer, aging, an MLFQ boost, an older peer or trace) joins the end:
// from then on, while two or more tasks wait, that queue is in arrival
// order, and the viewer says so rather than number it as the policy's. A
// snapshot's queues are taken as arrival order too (it cannot say how they
// were built). A queue of one task or none is in every order, and starts
// afresh.
//
// Epochs: a tracker that restarts numbers its events from seq 1 again, under
// a new epoch, and its clock (t) starts again near 0. An event of another
// epoch than the state's starts a new segment: the state starts afresh (as a
// new subscriber would see the new tracker, whose snapshot at seq 0 is
// empty) and segment() counts one more. A snapshot (a live reconnect)
// replaces the state whole (ApplySnapshot). The state's times are the
// events' own; time_shift() puts them on the recording's one time axis
// (model.h), on which each segment goes on from where the one before ended.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "osgrid/net/json.h"
#include "osgrid/net/trace.h"
#include "osgrid/os/events/cluster_state.h"
#include "osgrid/os/events/events.h"

namespace osgrid::viz {

/// The peer that stands for a simulation's CPU and heap.
inline constexpr std::string_view kSimPeer = "sim";

/// Where the events come from: a live cluster, or a trace file's header.
struct SourceInfo {
  std::string source = "cluster";   // "cluster" (live, or a recorded run) or "sim" (`osgrid sim ... --trace`)
  std::string time_unit = "ms";     // the unit of every t and *_ms: "ms", or the simulator's ("time unit", "op"...)
  std::string topic;                // a simulation's topic ("sched", "mlfq", "mem", "page", "deadlock"); "" live
  std::uint64_t sim_heap_base = 0;  // a "mem" simulation: the heap's first address (-b; default 1000)
  std::uint64_t sim_heap_size = 0;  // a "mem" simulation: the heap's size, bytes (-S; default 100)
  std::string sim_allocator;        // a "mem" simulation: its policy as given (-p; default "BEST")
  std::string sim_policy;           // a "sched" simulation: its CPU policy as given (-p; default "FIFO"); "MLFQ"

  bool is_sim() const { return source == "sim"; }

  /// What a trace's header says: its source, time unit, and for a sim its
  /// topic and (mem) the heap's base, size and policy from the options it
  /// was run with (their defaults when not given).
  static SourceInfo FromTraceHeader(const net::TraceHeader& header);

  bool operator==(const SourceInfo&) const = default;
};

/// An event remembered with where it was in the stream.
template <typename Payload>
struct Marked {
  std::uint64_t seq = 0;
  double t = 0;  // the event's own t (add ViewState::time_shift() for the recording's axis)
  std::string node;
  Payload event;

  bool operator==(const Marked&) const = default;
};

/// An arc of the wait-for graph (Silberschatz 8.7.1): `waiter` waits for an
/// object that `holder` holds.
struct WaitForEdge {
  std::string waiter;  // task_id
  std::string holder;  // task_id
  std::string kind;    // the object's: "lock" or "resource"
  std::string name;    // the object's name

  bool operator==(const WaitForEdge&) const = default;
};

/// A simulated memory's frame table (page.hit, page.fault, page.evict of
/// `osgrid sim page`; Silberschatz 10.4, OSTEP ch. 22), as
/// os::events::ReplayPaging folds it, one event at a time.
struct FrameTable {
  std::uint64_t hits = 0;
  std::uint64_t faults = 0;  // misses, cold ones included
  std::uint64_t evictions = 0;
  std::vector<std::optional<std::int64_t>> frames;  // frames[i]: the page in frame i (nullopt: free)

  bool operator==(const FrameTable&) const = default;
};

class ViewState {
 public:
  /// The empty state of a live cluster (no peers, seq 0).
  ViewState() = default;
  /// The empty state of `source`: for a simulation, kSimPeer with one core
  /// (and, for "mem", its heap as the peer's arena).
  explicit ViewState(SourceInfo source);

  /// Applies one event, as received (a simulation's as its trace has it).
  /// An event of another epoch first starts a new segment (see the top).
  /// Returns false, changing nothing, for an event already reflected (its
  /// seq at or below seq() in the same epoch, e.g. one that a snapshot
  /// already counts); seq 0 is always applied.
  bool Apply(const os::events::Event& event);

  /// Replaces the state with `snapshot` (a subscriber's, on connect or
  /// reconnect): peers, tasks and cluster objects as it says, at its seq;
  /// the peers' last loads and marks (deadlock, failures) are dropped. A
  /// snapshot of another epoch than the state's counts a new segment.
  void ApplySnapshot(const os::events::Snapshot& snapshot);

  /// Peers, tasks, queues and the live arenas.
  const os::events::ClusterState& cluster() const { return cluster_; }
  /// Whether `peer`'s ready queue (cluster().Find(peer)->ready_queue) is in
  /// the order its policy will run it: true unless, since it last held one
  /// task or none, a task joined it without a position or a snapshot showed
  /// it (see the top); then it is in arrival order. True for an unknown peer.
  bool ReadyQueueInPolicyOrder(std::string_view peer) const;
  /// The cluster objects, by kind then name (as Snapshot::resources). An
  /// object first seen in an event (not in a snapshot) has `instances` 1 for
  /// a lock, the most ever seen in use (held + available) for a resource,
  /// and 0 (not known) for a semaphore or a queue.
  const std::vector<os::events::ResourceState>& resources() const { return resources_; }
  /// The object `kind`/`name`, or nullptr.
  const os::events::ResourceState* FindResource(std::string_view kind, std::string_view name) const;
  /// The arcs of the wait-for graph now: each waiter of a lock or resource to
  /// each of its holders, in resources() order. O(waiters x holders).
  std::vector<WaitForEdge> WaitForGraph() const;

  /// The deadlock in force, or nullopt (see the top for when it ends).
  const std::optional<Marked<os::events::DeadlockFound>>& deadlock() const { return deadlock_; }
  /// Whether `task_id` is in the deadlock in force (its cycle or deadlocked set).
  bool InDeadlock(std::string_view task_id) const;
  /// The last deadlock victim chosen (kept until the next one).
  const std::optional<Marked<os::events::DeadlockVictim>>& last_victim() const { return victim_; }
  /// The stall in force, or nullopt.
  const std::optional<Marked<os::events::DeadlockStall>>& stall() const { return stall_; }

  /// The frame table of a paging simulation (empty when no page.* came).
  const FrameTable& frame_table() const { return frame_table_; }

  /// The last peer.load of the live peer `peer`, or nullptr (none since it joined).
  const Marked<os::events::PeerLoad>* LastLoad(std::string_view peer) const;
  /// The last mem.failed of `peer`'s arena (kSimPeer: the simulated heap's),
  /// or nullptr; dropped when its arena starts afresh (mem.arena).
  const Marked<os::events::MemFailed>* LastMemFailure(std::string_view peer) const;

  /// The epoch of the events reflected ("" before the first).
  const std::string& epoch() const { return epoch_; }
  /// The last seq reflected (0: none).
  std::uint64_t seq() const { return cluster_.seq(); }
  /// The largest t reflected (0: none).
  double t() const { return t_; }
  /// Epoch changes seen (0 in the first epoch).
  std::uint64_t segment() const { return segment_; }
  /// What to add to this state's times (t(), the marks', the tasks' and
  /// peers') to put them on the recording's time axis, where a new epoch's
  /// clock goes on from the largest t of the epoch before: 0 in the first
  /// epoch; at a new epoch, (the old t() + its shift) - the new first t.
  double time_shift() const { return time_shift_; }
  const SourceInfo& source() const { return source_; }

  /// The whole state as canonical JSON (keys sorted, lists in their fold
  /// order): for tests (two states are equal when their dumps are) and for
  /// a "copy state" button. O(state).
  Json ToJson() const;
  /// Equal dumps. O(state): for tests.
  bool operator==(const ViewState& other) const { return ToJson() == other.ToJson(); }

 private:
  void StartSegment(const std::string& epoch, double t);
  void ApplyResource(const os::events::Event& event);
  void ApplyMarks(const os::events::Event& event);
  void ApplyPaging(const os::events::Event& event);
  /// After `event`: a task queued without a position in a queue of two or
  /// more puts its peer in arrival_order_; a queue down to one task or none
  /// (or a peer gone) takes it out.
  void TrackQueueOrder(const os::events::Event& event);
  /// A task was granted, stopped waiting, ran or ended: the deadlock (when
  /// `ends_deadlock`) and the stall it is in are over.
  void EndMarksOf(std::string_view task_id, bool ends_deadlock);

  SourceInfo source_;
  os::events::ClusterState cluster_;
  std::vector<os::events::ResourceState> resources_;  // by kind, then name
  std::optional<Marked<os::events::DeadlockFound>> deadlock_;
  std::optional<Marked<os::events::DeadlockVictim>> victim_;
  std::optional<Marked<os::events::DeadlockStall>> stall_;
  FrameTable frame_table_;
  std::map<std::string, Marked<os::events::PeerLoad>, std::less<>> loads_;        // by peer
  std::map<std::string, Marked<os::events::MemFailed>, std::less<>> mem_failed_;  // by peer (or kSimPeer)
  std::set<std::string, std::less<>> arrival_order_;  // peers whose ready queue is in arrival order
  std::string epoch_;
  double t_ = 0;
  std::uint64_t segment_ = 0;
  double time_shift_ = 0;
};

}  // namespace osgrid::viz
