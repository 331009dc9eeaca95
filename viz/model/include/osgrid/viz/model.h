// The viewer's model: what was received, kept in order (the recording), and
// the state rebuilt from it at any point of it (time travel). osgrid-viz's
// panels draw only from here; nothing here draws (no UI toolkit), so it is tested
// without a window, as Tracy keeps its Worker apart from its View.
//
//   Model model(source);                   // or LoadTrace(path) (load_trace.h) for a trace file
//   model.AddEvent(event);                 // live: as they arrive (or Drain(inbox, ...))
//   model.view().cluster().Find("peer-1")  // the state at the cursor
//   model.SeekTo(1500.0);                  // replay: the state as of t = 1500
//   model.Step(-1);                        // one entry back
//
// The recording. Every item received is a LogEntry (event_log.h) with an
// index from 0: events, events of unknown types, and snapshots. The cursor
// is a position p between begin_index() and end_index(): view() is the state
// after every entry with index < p. Following (live, by default) keeps the
// cursor at the end as entries arrive; any seek or step pauses that, and
// Follow(true) resumes. Pausing only freezes what view() shows: entries keep
// arriving and newest() keeps up.
//
// Checkpoints. Every `checkpoint_every` entries the model keeps a copy of
// the state (ViewState); a seek copies the nearest checkpoint at or before
// the target and applies the entries after it, so a seek costs at most
// checkpoint_every applies (or fewer, going forward from the cursor),
// however far it goes.
//
// Bounds. At most max_entries entries are kept (once there are two
// checkpoints): past it the oldest interval is dropped, with its checkpoint,
// and counted in truncation() (counts by type, the t range dropped); the
// timeline drops what came from those entries. Seeking before what is kept
// clamps to the oldest checkpoint. The timeline's bars and load samples have
// caps of their own. An entry takes about 350 bytes plus its longer
// strings, so the default 200,000 entries take some 70-100 MB.
//
// Times. The state's times (view().t(), a task's submitted_t, a mark's t)
// are the events' own. The recording's (LogEntry::time, first_t(),
// last_t(), cursor_t(), SeekTo, the timeline) are on one axis: the events'
// t, except that after a tracker restart (a new epoch, whose clock starts
// again near 0) they are shifted to go on from where the epoch before
// ended (ViewState::time_shift()). Units: ms live, the simulator's unit in
// a simulation.
//
// Threads: none. The UI thread owns the model; a network thread hands
// items over through an Inbox (inbox.h).
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "osgrid/os/events/cluster_state.h"
#include "osgrid/os/events/events.h"
#include "osgrid/viz/event_log.h"
#include "osgrid/viz/inbox.h"
#include "osgrid/viz/timeline.h"
#include "osgrid/viz/view_state.h"

namespace osgrid::viz {

/// The model's bounds and checkpoint interval.
struct ModelOptions {
  std::size_t checkpoint_every = 1000;   // entries between state checkpoints (>= 1)
  std::size_t max_entries = 200'000;     // log entries kept (+ up to one checkpoint interval)
  std::size_t max_bars = 200'000;        // closed Gantt bars kept, over all lanes
  std::size_t max_load_samples = 7'200;  // peer.load samples kept per peer (an hour of 2 per second)
};

/// What the bounds dropped from the front of the recording.
struct Truncation {
  bool history_truncated = false;  // anything dropped at all: the UI says "history truncated"
  std::uint64_t entries = 0;       // log entries dropped
  std::optional<double> first_t;   // the time range of the entries dropped (on the recording's axis)
  std::optional<double> last_t;
  std::map<std::string, std::uint64_t, std::less<>> by_type;  // entries dropped, by type (LogEntry::type)
  std::uint64_t bars = 0;          // Gantt bars dropped (with their entries, or past max_bars)
  std::uint64_t load_samples = 0;  // load samples dropped
};

/// A task as the viewer shows it when it is selected, at the cursor.
struct TaskDetail {
  std::string task_id;
  std::optional<os::events::TaskInfo> info;          // nullopt when it is not unfinished at the cursor
  std::vector<os::events::ResourceState> holds;      // the objects it holds (holders entry)
  std::vector<os::events::ResourceState> waits_for;  // the objects it waits for (waiters entry)
  bool in_deadlock = false;                          // in the deadlock in force
  std::vector<BarRef> bars;                          // its Gantt bars (the whole timeline)
};

/// The result of Drain.
struct DrainResult {
  std::size_t taken = 0;    // items moved from the inbox into the model
  std::size_t pending = 0;  // items still waiting in the inbox
};

class Model {
 public:
  /// An empty model of events from `source` (a live cluster by default).
  explicit Model(SourceInfo source = {}, ModelOptions options = {});

  // ---- feeding -------------------------------------------------------------------

  /// Appends an event: to the log, to newest(), to the timeline (and to
  /// view() when following). `line`: its trace line (0 live); `arrived`:
  /// when it reached the viewer (live). O(1) amortised, plus a state copy
  /// every checkpoint_every entries.
  void AddEvent(os::events::Event event, std::uint64_t line = 0,
                std::optional<std::chrono::steady_clock::time_point> arrived = std::nullopt);
  /// Appends an event of a type this build does not know: to the log only.
  void AddUnknown(UnknownEvent unknown, std::uint64_t line = 0,
                  std::optional<std::chrono::steady_clock::time_point> arrived = std::nullopt);
  /// Appends a snapshot (a live connection's, on connect or reconnect): the
  /// state starts again from it (ViewState::ApplySnapshot; another epoch is
  /// a new segment), the timeline resyncs its open bars (Timeline::ApplySnapshot).
  void AddSnapshot(os::events::Snapshot snapshot,
                   std::optional<std::chrono::steady_clock::time_point> arrived = std::nullopt);
  /// Moves up to `max_items` items from `inbox` into the model, in order
  /// (bounded work per frame). UI thread.
  DrainResult Drain(Inbox& inbox, std::size_t max_items = 5'000);

  // ---- the recording ----------------------------------------------------------------

  const SourceInfo& source() const { return source_; }
  const ModelOptions& options() const { return options_; }
  /// The index of the oldest entry kept (0 until the bounds drop some).
  std::uint64_t begin_index() const { return begin_index_; }
  /// One past the newest entry's index: the number of entries ever received.
  std::uint64_t end_index() const { return begin_index_ + entries_.size(); }
  /// Entries kept.
  std::size_t size() const { return entries_.size(); }
  /// The entry `index`. Precondition: begin_index() <= index < end_index().
  const LogEntry& entry(std::uint64_t index) const { return entries_[index - begin_index_]; }
  /// The time range kept, on the recording's axis: the oldest entry's
  /// time and the largest time (nullopt when none).
  std::optional<double> first_t() const;
  std::optional<double> last_t() const;
  /// What the bounds dropped.
  const Truncation& truncation() const { return truncation_; }
  /// The indices of the entries kept, from `from` (clamped to
  /// begin_index()), that pass `filter`, in order. O(entries scanned); the
  /// log panel can call it with `from` = the end of its last call to add the
  /// new ones.
  std::vector<std::uint64_t> Filter(const LogFilter& filter, std::uint64_t from = 0) const;
  /// The time of the newest entry received (on the recording's axis), and
  /// when it arrived (live; nullopt for a trace): the "last event" age.
  double newest_t() const { return newest_t_; }
  std::optional<std::chrono::steady_clock::time_point> newest_arrival() const { return newest_arrival_; }
  /// Checkpoints kept (for tests and a debug overlay).
  std::size_t checkpoint_count() const { return checkpoints_.size(); }
  /// Entries the last seek or step applied to rebuild view() (for tests and
  /// a debug overlay): at most checkpoint_every.
  std::uint64_t last_seek_applied() const { return last_seek_applied_; }

  // ---- the cursor -----------------------------------------------------------------------

  /// view() is the state after every entry with index < position().
  std::uint64_t position() const { return following_ ? end_index() : position_; }
  /// The time of the cursor on the recording's axis: the time of the last
  /// entry applied, or, at begin_index(), the state's t (shifted).
  double cursor_t() const;
  /// Whether the cursor follows the newest entry (live playback).
  bool following() const { return following_; }
  /// Follow the newest entries (true), or hold the cursor where it is (false).
  void Follow(bool follow);
  /// Moves the cursor to `position`, clamped to [begin_index(), end_index()];
  /// stops following. O(checkpoint_every) applies at most.
  void SeekToPosition(std::uint64_t position);
  /// The state just after entry `index` was applied (position index + 1).
  void SeekToIndex(std::uint64_t index);
  /// The state as of time t (on the recording's axis): after every entry
  /// up to the last one whose max_t is <= t (none: begin_index()). Binary
  /// search, then as SeekToPosition.
  void SeekTo(double t);
  /// `delta` entries forward (+1) or back (-1), clamped; stops following.
  void Step(std::int64_t delta);

  // ---- what the panels draw ------------------------------------------------------------

  /// The state at the cursor.
  const ViewState& view() const { return following_ ? newest_ : view_; }
  /// The state after every entry received.
  const ViewState& newest() const { return newest_; }
  /// The Gantt chart, load history and forwards of the whole recording kept.
  const Timeline& timeline() const { return timeline_; }
  /// The task `task_id` at the cursor: its state, the objects it holds and
  /// waits for, whether it is deadlocked, and its bars. O(tasks + objects + bars).
  TaskDetail DescribeTask(std::string_view task_id) const;

 private:
  struct Checkpoint {
    std::uint64_t position = 0;  // the state after every entry with index < position
    ViewState state;
  };

  void Append(LogEntry entry);
  /// Applies `entry` to `state`; false when it changed nothing (already
  /// reflected, or an unknown type).
  static bool ApplyEntry(ViewState& state, const LogEntry& entry);
  void Trim();
  /// The checkpoint nearest at or before `position`.
  const Checkpoint& CheckpointAtOrBefore(std::uint64_t position) const;

  SourceInfo source_;
  ModelOptions options_;
  std::deque<LogEntry> entries_;
  std::uint64_t begin_index_ = 0;
  std::deque<Checkpoint> checkpoints_;  // by position; the first at begin_index_
  ViewState newest_;
  ViewState view_;  // when not following
  std::uint64_t position_ = 0;
  bool following_ = true;
  std::uint64_t last_seek_applied_ = 0;
  Timeline timeline_;
  Truncation truncation_;
  double newest_t_ = 0;
  double max_t_ = 0;
  std::optional<std::chrono::steady_clock::time_point> newest_arrival_;
};

}  // namespace osgrid::viz
