// The event log: every item the viewer received, in order, as the model
// keeps it (model.h) and the log panel lists it: events, events of a type
// this build does not know (kept, shown, never dropped silently), and the
// snapshots of a live connection (on connect and on reconnect).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "osgrid/net/json.h"
#include "osgrid/os/events/events.h"

namespace osgrid::viz {

/// An event whose type this build does not know (a newer tracker's or
/// trace's): its header as far as it could be read, and its JSON.
struct UnknownEvent {
  std::uint64_t seq = 0;  // 0 when the JSON had none (or not a number)
  std::string epoch;
  double t = 0;
  std::string node;
  std::string type;  // as received (made safe for a terminal)
  std::string json;  // the event's JSON text as received (a trace line, or the frame re-dumped)

  bool operator==(const UnknownEvent&) const = default;

  /// The unknown event in `json`, an object whose "type" this build does not
  /// know: seq, epoch, t and node taken when present with the right JSON
  /// type; `text` is kept as its json (json.dump() when empty). Never throws.
  static UnknownEvent FromJson(const Json& json, std::string text = "");
};

/// A snapshot the model started from (a live connection's, on connect or reconnect).
struct SnapshotMark {
  std::shared_ptr<const os::events::Snapshot> snapshot;  // shared: an entry is cheap to copy
};

/// What a log entry holds.
enum class EntryKind : std::uint8_t { kEvent, kUnknown, kSnapshot };

/// One entry of the log.
struct LogEntry {
  std::uint64_t index = 0;  // its place in the recording, from 0; dropped entries keep theirs counted
  std::variant<os::events::Event, UnknownEvent, SnapshotMark> item;
  std::uint64_t line = 0;  // its line in the trace file (line 1 is the header); 0 when live
  double time = 0;         // its t on the recording's time axis: t, shifted after a tracker restart (model.h)
  double max_t = 0;        // the largest `time` of this entry and every one before it (Model::SeekTo's key)
  std::optional<std::chrono::steady_clock::time_point> arrived;  // when it reached the viewer (live)

  EntryKind kind() const { return static_cast<EntryKind>(item.index()); }
  /// The event, or nullptr for an unknown event or a snapshot.
  const os::events::Event* event() const { return std::get_if<os::events::Event>(&item); }
  std::uint64_t seq() const;
  double t() const;
  const std::string& epoch() const;
  /// "tracker", a peer's id, "sim"; "" for a snapshot.
  const std::string& node() const;
  /// The dotted type ("task.running"); an unknown event's as received; "snapshot" for a snapshot.
  std::string_view type() const;
};

/// The entry as one line of the log panel, without a newline:
///   an event:    client::EventLine's line ("  1532.25      42  peer-9001   task.finished   task_id=...")
///   unknown:     the same columns, then "(unknown type) " and its JSON (cut at 200 characters)
///   a snapshot:  the same columns, type "snapshot", then "3 peers, 5 tasks, 2 objects (epoch t-5f3a)"
/// Safe for display (control characters become '?'). Never throws.
std::string LogLine(const LogEntry& entry);

/// What the log panel shows.
struct LogFilter {
  /// Type prefixes, as `osgrid events --type` takes them ("task", "mem.alloc");
  /// empty: every type. Unknown types pass when a prefix selects them;
  /// events.lost passes every filter (os::events::PassesFilter: a gap is
  /// never hidden); "snapshot" selects the snapshots.
  std::vector<std::string> types;
  std::string text;  // a case-insensitive substring of LogLine(entry); empty: any
};

/// Whether `entry` passes `filter`. O(line length) when text is set.
bool Matches(const LogEntry& entry, const LogFilter& filter);

}  // namespace osgrid::viz
