// The event codec: os::events values (osgrid/os/events/events.h) to JSON and
// back, and the catalogue that docs/events.md is generated from.
//
// An event on the wire is one flat JSON object: the common header, then the
// payload's fields (type first when written as text by DumpEvent):
//   {"type":"task.finished","seq":42,"epoch":"t-5f3a","t":1532.25,"node":"peer-9001",
//    "task_id":"peer-9001/17","peer":"peer-9001","outcome":"ok","wait_ms":3,"cpu_ms":41.5,
//    "turnaround_ms":50}
// An optional field (`parent`) is left out when it has no value, and a few
// fields added later are left out when empty (deadlock.found's `peers`,
// `deadlocked` and `algorithm`, which a simulation never fills); an Outcome is
// its wire name ("ok", "failed", ...). Times are numbers (ms on the cluster,
// the simulator's unit in a simulation), sizes and counts whole numbers,
// flags true or false.
//
// The catalogue is declared once, as data, in net/src/events.cpp: per payload
// type a table of its fields (name, member, meaning). Encoding, decoding,
// EventCatalogue() and the docs all read that table, so a field cannot be
// documented but not sent, or sent but not read.
//
// Forward compatibility: a decoder ignores fields it does not know, so a
// newer writer may add fields without breaking older readers; and a field
// added to a type is optional or defaulted (required: no; a defaulted
// number reads as 0 when absent, e.g. task.preempted's cpu_ms), so a newer
// reader still reads what older writers wrote. A type it does not know is UNKNOWN_TYPE, which a trace reader
// skips and counts (osgrid/net/trace.h) rather than stopping.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "osgrid/net/json.h"
#include "osgrid/net/messages.h"
#include "osgrid/net/status.h"
#include "osgrid/os/events/events.h"

namespace osgrid::net {

/// One record of the catalogue: an event type and its payload's fields, or
/// one of the snapshot's objects.
struct EventSpec {
  std::string_view type;          // "task.finished" (for the snapshot: "Snapshot", "PeerState", "TaskRef", ...)
  std::string_view summary;       // one line for docs
  std::vector<FieldSpec> fields;  // in wire order; `required` is false for std::optional and defaulted members
};

/// The fields every event has, before its payload's: type, seq, epoch, t, node.
const std::vector<FieldSpec>& EventHeaderFields();

/// Every event type with its payload's fields, in os::events::AllTypes() order.
const std::vector<EventSpec>& EventCatalogue();

/// The spec of an event type, or nullptr.
const EventSpec* FindEventSpec(std::string_view type);

/// An event as a flat JSON object (see the top of this file). Never throws.
/// Times must be finite: JSON has no NaN or infinity, and a non-finite number
/// is written as null, which DecodeEvent refuses.
Json EncodeEvent(const os::events::Event& event);

/// The same encoding as compact JSON text with the keys in catalogue order
/// (type, seq, epoch, t, node, then the payload's fields in table order), as
/// trace lines and subscriber frames carry it. EncodeEvent(e).dump() has the
/// same content with its keys sorted (Json's objects are std::map). Invalid UTF-8 in
/// a string is replaced with U+FFFD, never thrown on.
std::string DumpEvent(const os::events::Event& event);

/// A JSON value -> an event, checked deeply: an object with a string "type"
/// that is in the catalogue, every header and payload field present (but
/// optional and defaulted ones) with its JSON type, integers within the range of their C++
/// member (an error, never a wrap), outcomes among their names. Fields it does
/// not know are ignored. Never throws. Errors:
///   UNKNOWN_TYPE  unknown event type "nope.x" (sanitised)
///   BAD_REQUEST   naming the event type, the field and what was expected:
///                 event task.finished: field "outcome" must be one of ok, failed,
///                 timeout, cancelled, killed, aborted, lost; got "done"
Result<os::events::Event> DecodeEvent(const Json& json);

/// The snapshot's objects, for docs: Snapshot, PeerState, TaskRef, ArenaBlock,
/// ResourceState, ResourceUse (a record's table before those it nests).
const std::vector<EventSpec>& SnapshotCatalogue();

/// A snapshot as JSON:
///   {"seq":41,"epoch":"t-5f3a","t":1530,"peers":[{"peer":"peer-9001","address":"127.0.0.1:9001",
///    "cores":2,"policy":"fcfs","ready_queue":[{"task_id":"peer-9001/18","name":"main"}],
///    "running":[...],"mem_used_bytes":0,...}]}
/// Never throws.
Json EncodeSnapshot(const os::events::Snapshot& snapshot);

/// The same as compact JSON text, keys in table order (seq, epoch, t, peers;
/// in a peer, peer first), as DumpEvent writes an event.
std::string DumpSnapshot(const os::events::Snapshot& snapshot);

/// JSON -> a snapshot, checked as DecodeEvent checks an event; unknown fields
/// are ignored (later issues add to it). Never throws. Errors: BAD_REQUEST
/// with the path of the field, e.g.
///   snapshot: field "peers[0].ready_queue[2].task_id" must be a string; got 7
Result<os::events::Snapshot> DecodeSnapshot(const Json& json);

}  // namespace osgrid::net
