// What happened over time, across the whole recording kept: the Gantt chart
// of every peer's cores (utilisation.h derives utilisation from it), each
// peer's peer.load samples and the tasks forwarded between peers. The viewer
// draws these against a time axis and puts the cursor (model.h) on it as a
// line; they do not change when the cursor moves. Built as events arrive (Model feeds it), in the same order.
//
// Lanes: a live peer does not say which core ran a task, so the timeline
// gives each task that starts running the lowest free lane of its peer (a
// peer has as many lanes as cores). If more tasks run than the peer has
// cores (a gap in the stream, or cores not yet known), an extra lane is
// opened, marked overflow. A bar runs from the task.running to the event
// that stops it: task.preempted (marked), task.blocked, task.zombie,
// task.finished; also a task.running on another peer, the peer's departure,
// or a snapshot that no longer shows it running (a reconnect, a new epoch).
// A simulation's CPU is the peer kSimPeer with one lane, where a cpu.switch
// with a cost is a bar of its own.
//
// Bars in one lane never overlap and are kept by start (t may step back a
// little between two nodes' clocks: a bar is clamped to start at the end of
// the one before it, and to end no earlier than it starts), so the bars that
// overlap a window are found by binary search (Lane::Overlapping).
//
// Units: t in ms on a live cluster, the simulator's unit in a simulation.
// Every time here is on the recording's axis (LogEntry::time, model.h): the
// events' t, a later epoch's shifted to go on from where the one before ended.
// Memory: bounded by Model's options (max_bars, max_load_samples): the
// oldest bars, samples and forwards are dropped with the events they came from.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "osgrid/os/events/events.h"
#include "osgrid/viz/view_state.h"

namespace osgrid::viz {

/// Why a Gantt bar ended.
enum class BarEnd : std::uint8_t {
  kOpen,       // it has not: the task runs still (its end is the newest t received)
  kPreempted,  // task.preempted: quantum, or a more urgent task came
  kBlocked,    // task.blocked: it waits for a resource, a child, I/O
  kZombie,     // task.zombie: it ended, its parent has not waited yet
  kFinished,   // task.finished
  kMoved,      // a task.running elsewhere came first (a gap in the stream)
  kPeerGone,   // its peer left or died
  kResync,     // a snapshot (reconnect, new epoch) does not show it running
  kSwitched,   // a context-switch bar (BarKind::kSwitch): its cost elapsed
};

/// "open", "preempted", "blocked", "zombie", "finished", "moved", "peer gone", "resync", "switched".
std::string_view BarEndName(BarEnd end);

/// What a bar shows.
enum class BarKind : std::uint8_t {
  kRun,     // a task on a core
  kSwitch,  // a context switch to `task_id` (a simulation's cpu.switch with a cost)
};

/// One bar of the Gantt chart: [start, end) on one lane of one peer.
struct GanttBar {
  std::string task_id;
  double start = 0;
  double end = 0;  // > = start; an open bar's is the newest t received
  BarKind kind = BarKind::kRun;
  BarEnd ended_by = BarEnd::kOpen;
  bool start_unknown = false;     // it ran before the model saw it: start is when it was first seen (a snapshot)
  std::uint64_t start_index = 0;  // the log entry that started it (model.h)
  std::uint64_t end_index = 0;    // the log entry that ended it (an open bar: its start_index)

  bool operator==(const GanttBar&) const = default;
};

/// One core of a peer, as the timeline assigns them.
class Lane {
 public:
  /// The closed bars, by start; they do not overlap.
  const std::vector<GanttBar>& bars() const { return bars_; }
  /// The bar running now, or nullptr.
  const GanttBar* open() const { return open_ ? &*open_ : nullptr; }
  /// The closed bars that overlap [t0, t1), by start: two binary searches,
  /// O(log bars). (The open bar, if any, is open().)
  std::span<const GanttBar> Overlapping(double t0, double t1) const;
  /// True for a lane beyond the peer's cores (see the top).
  bool overflow() const { return overflow_; }

 private:
  friend class Timeline;
  std::vector<GanttBar> bars_;
  std::optional<GanttBar> open_;
  bool overflow_ = false;
};

/// A peer's load at one time (a peer.load).
struct LoadSample {
  double t = 0;
  int running = 0;       // tasks running
  int queue_length = 0;  // tasks in its ready queue
  int cores = 0;
  double utilisation = 0;   // running / cores (0 when cores is 0)
  std::uint64_t index = 0;  // its log entry

  bool operator==(const LoadSample&) const = default;
};

/// A task.forwarded: the task travels from `from` to `to` at t (the viewer
/// animates it for a while after t).
struct Forward {
  double t = 0;
  std::string task_id;
  std::string from;
  std::string to;
  std::uint64_t index = 0;  // its log entry

  bool operator==(const Forward&) const = default;
};

/// A peer's rows of the timeline.
struct PeerTimeline {
  std::string peer;
  std::vector<Lane> lanes;       // lanes[k] is core k (overflow lanes last)
  std::vector<LoadSample> load;  // by arrival
  std::optional<double> gone_t;  // when it left or died (the latest time), if it has
};

/// Where a task's bar is.
struct BarRef {
  std::string peer;
  std::size_t lane = 0;
  GanttBar bar;
};

/// A level-of-detail item: one bar, or a run of bars too narrow to draw
/// apart (Tracy's "N zones too small to display").
struct FoldedBar {
  double start = 0;
  double end = 0;
  std::size_t count = 1;          // bars folded into it
  const GanttBar* bar = nullptr;  // the bar when count == 1; nullptr for a fold
};

/// Folds `bars` (by start, not overlapping) for drawing: consecutive bars
/// each narrower than `min_width` (in t units; e.g. 3 px worth of time) that
/// lie within min_width of each other become one FoldedBar with their count.
/// O(bars). The pointers point into `bars`.
std::vector<FoldedBar> FoldForDrawing(std::span<const GanttBar> bars, double min_width);

class Timeline {
 public:
  /// Every peer that has had a lane or a load sample, by id (departed ones included).
  const std::map<std::string, PeerTimeline, std::less<>>& peers() const { return peers_; }
  /// The peer's rows, or nullptr.
  const PeerTimeline* Find(std::string_view peer) const;
  /// The bars of lane `lane` of `peer` overlapping [t0, t1), the open one
  /// last (copies; Lane::Overlapping gives the closed ones without copying).
  /// Empty for an unknown peer or lane.
  std::vector<GanttBar> Overlapping(std::string_view peer, std::size_t lane, double t0, double t1) const;
  /// Every bar of `task_id` (closed and open), by peer then lane then start.
  /// O(all bars): call it when a task is selected, not every frame.
  std::vector<BarRef> BarsOf(std::string_view task_id) const;
  /// The forwards by arrival. ForwardsBetween: those with t0 <= t < t1. O(forwards).
  const std::vector<Forward>& forwards() const { return forwards_; }
  std::vector<Forward> ForwardsBetween(double t0, double t1) const;
  /// Closed bars kept, over every lane.
  std::size_t bar_count() const { return bar_count_; }
  /// The newest t received (the end of the open bars).
  double newest_t() const { return newest_t_; }

  // ---- building (Model calls these; a test may too) ----

  /// Takes in one event (as received) at log index `index`, at time `t` on
  /// the recording's axis (its LogEntry::time); `after` is the state once
  /// the event is applied (for the peers' cores). Call it only for events
  /// the state applied (ViewState::Apply returned true).
  void Apply(const os::events::Event& event, std::uint64_t index, double t, const ViewState& after);
  /// A snapshot at log index `index`, time `t` on the axis (reconnect, new
  /// epoch): open bars of tasks it does not show running end (kResync); its
  /// running tasks without a bar get one from t, start_unknown.
  void ApplySnapshot(const os::events::Snapshot& snapshot, std::uint64_t index, double t, const ViewState& after);
  /// Drops what came from log entries before `index` (bars that ended
  /// before it, samples and forwards before it); returns the bars dropped.
  std::size_t DropBefore(std::uint64_t index);
  /// When more than `max_bars` closed bars are kept, drops the oldest (by
  /// start, over all lanes) down to 90% of max_bars (so that dropping is
  /// rare); returns how many were dropped.
  std::size_t CapBars(std::size_t max_bars);
  /// Drops each peer's oldest load samples until at most `max_samples` are kept; returns how many.
  std::size_t CapLoadSamples(std::size_t max_samples);

 private:
  PeerTimeline& Peer(const std::string& peer);
  void Start(const std::string& peer, const std::string& task_id, double t, std::uint64_t index, int cores,
             BarKind kind, bool start_unknown);
  void Stop(const std::string& task_id, double t, std::uint64_t index, BarEnd why);
  void StopPeer(const std::string& peer, double t, std::uint64_t index, BarEnd why);
  void Close(Lane& lane, double t, std::uint64_t index, BarEnd why);
  void AddSwitch(const std::string& peer, const std::string& to, double t, double cost, std::uint64_t index, int cores);
  void Touch(double t);

  std::map<std::string, PeerTimeline, std::less<>> peers_;
  std::map<std::string, std::pair<std::string, std::size_t>, std::less<>> running_;  // task -> (peer, lane)
  std::vector<Forward> forwards_;
  std::size_t bar_count_ = 0;
  double newest_t_ = 0;
};

}  // namespace osgrid::viz
