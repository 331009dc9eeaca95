// Prints docs/events.md: the hand-written text below, and the tables of the
// event catalogue in net/src/events.cpp and of the trace header in
// net/src/trace.cpp. The test `events_doc_is_current` fails when the file and
// this output differ; regenerate with:
//   build/bin/osgrid-events-doc > docs/events.md
#include <iostream>
#include <string>

#include "osgrid/net/events.h"
#include "osgrid/net/trace.h"

using namespace osgrid::net;

namespace {

namespace ev = osgrid::os::events;

constexpr const char* kPreamble = R"(# Events

Generated from the catalogue in `net/src/events.cpp` by `osgrid-events-doc`; do not edit by hand.
The events are plain C++ values in `os/include/osgrid/os/events/events.h`; the JSON codec
is `net/include/osgrid/net/events.h`, the trace files `net/include/osgrid/net/trace.h`.

Everything that happens in osgrid is said in one vocabulary of events: by the live
cluster (the tracker and the peers) and by the simulators of `osgrid sim`. A viewer
draws them, a recording keeps them in a trace file, a grader checks them.

## Every event

An event is one flat JSON object: the common fields below, then the fields of its
type (the sections further down). Written as text, `type` comes first:

)";

constexpr const char* kUnits = R"(
**Units.** On the live cluster `t` and every `*_ms` field are milliseconds. `t` is on
the tracker's clock, stamped where the event happened: the tracker stamps its own
events; a peer stamps with its monotonic clock corrected by an offset to the tracker's
clock, which it measures when it registers and measures again while it runs. The offset
is an estimate (a few ms on a LAN), so compare the `t` of two nodes with that in mind.
In a simulation, `t` and the `*_ms` fields are in the simulator's own time unit (the
field names keep their `_ms`), and the trace header's `time_unit` says which. Sizes are
bytes.

**Numbers.** An `integer` field is a JSON number without fraction or exponent, within
the range of its C++ member: counts, sizes, addresses and `seq` are 0 to 2^64-1, page
and frame numbers 64-bit signed, cores and queue lengths 32-bit signed. A value out of
range is refused, never wrapped. A `number` field may have a fraction.

**Strings** are UTF-8; a writer replaces invalid UTF-8 with U+FFFD.

**Flags** (`boolean`) are JSON `true` or `false`.

**Optional fields** (required: no) are left out when they have no value; `null` is
refused. A field added to a type after its first release is never required, so that
traces and peers written before it still read: a string or integer one is left out when
it has no value (`priority` of `task.submitted`), a number one is always written and reads
as 0 when it is absent (`cpu_ms` of `task.preempted` and `task.blocked`), and an array
one is always written and reads as empty when it is absent (`waiting` and `zombies` of a
snapshot's peer, the snapshot's `resources`). A string or array one that most writers
leave empty is left out when empty and reads as empty when absent, so that their events
keep the bytes they had before it (`peers`, `deadlocked` and `algorithm` of
`deadlock.found`, which a simulation never fills).

## Order

* Subscribers see each node's events in the order that node produced them: a node
  sends its events over its one connection to the tracker, in order, and the tracker
  numbers them (`seq`) in the order they arrive.
* For one task, subscribers see `task.submitted`, `task.forwarded`, `task.queued`,
  `task.running`, ... `task.finished` in causal order. This is guaranteed by design,
  not by timing: the peer that accepts a task publishes `task.submitted` before it asks
  the tracker where to run it (both go over its one connection to the tracker, in that
  order); the tracker, which makes the placement, publishes
  `task.forwarded` itself before it answers that peer; only then does the peer send the
  task on, so the peer that runs it can publish `task.queued` (and all that follows)
  only after `task.forwarded` has its `seq`.
* A task submitted by a task lives in a process tree (fork and wait): if it ends before
  its parent waits for it, its parent's peer publishes `task.zombie`, and its
  `task.finished` follows when the parent reaps it or ends; if its parent ends first, a
  `task.reparented` names its new parent, `<peer>/init`, at some point before its
  `task.finished`.
* Replay orders by `seq`; `t` gives the times. Two nodes' clocks differ by the error of
  the offset estimate, so `t` may not grow across nodes even where `seq` does.
* `seq` starts again at 1 when the tracker restarts; `epoch` names the tracker's run,
  so (`epoch`, `seq`) is unique.
* A gap is never silent: where events had to be dropped (a peer's buffer full while the
  tracker was unreachable, a subscriber cut off), an `events.lost` event says how many.

## What events reveal

Ids, names, sizes, states and times: task ids and function names, peer ids and
addresses, memory keys and file names with their sizes, queue lengths, outcomes and
durations. Never program text, arguments, results, memory values or file contents. A
viewer or a classroom projector can show the stream without showing anyone's data.

## Forward compatibility

* A reader ignores fields it does not know. Fields are added as optional ones, so an
  older writer's events still decode.
* A type a reader does not know is reported (`UNKNOWN_TYPE`), not fatal: a trace reader
  skips the event and counts it, so an old `osgrid replay` reads a newer trace.
* A change that old readers could not read bumps the trace format's `version`; a reader
  refuses a version newer than its own with a clear error.

## Following the stream

* **Who publishes.** The tracker publishes its own events (`peer.*`, `task.forwarded`,
  `task.finished` with outcome `lost` for the tasks of a dead peer, and the cluster
  objects' `resource.*` and `deadlock.*`, [sync.md](sync.md)). A peer sends
  its events to the tracker in `EVENTS` batches over its one connection, ahead of any
  other request; while the tracker is unreachable it keeps up to 100,000 and then
  drops the newest, marking the gap with `events.lost`.
* **Subscribing.** `SUBSCRIBE` ([protocol.md](protocol.md)) answers with a snapshot that
  names the `seq` it is consistent with; every later event follows on the same
  connection as one frame whose payload is the event object above (no `id`).
  `osgrid events` and the recorder of `osgrid run --record` are subscribers; so is a
  viewer. An observer (docs/auth.md) may subscribe.
* **Back pressure.** Each subscriber has a queue bounded in bytes (the tracker's
  `--subscriber-queue`, 4 MiB by default; a subscriber may ask for up to
  `--max-subscriber-queue`, 64 MiB, as the recorder does). A subscriber whose next
  event would pass its bound is cut off: it gets an `ERROR` (`LIMIT`) naming the bound,
  and the connection closes. The tracker's memory stays bounded and the other
  subscribers are not slowed. `STATUS` on the tracker lists each subscriber with its
  queued bytes; `--max-subscribers` caps how many there are.

## Types

)";

constexpr const char* kSnapshot = R"(
## The snapshot

What a subscriber gets first: the cluster's state consistent with `seq` (every event
up to and including it is reflected, none after it), so a viewer that attaches mid-run
draws the true state and then applies the events whose `seq` is greater. Readers ignore
fields they do not know: later issues add to it. The cluster objects (`resources`) are
the tracker's own table, not a fold of the events: a viewer takes them from a snapshot,
and the `resource.*` events tell what changes after it. A snapshot of one peer running
one task, with another in its ready queue and a third a zombie (it ended, and the task
running has not waited for it yet); the task running holds a Lock:

)";

constexpr const char* kTrace = R"(
## Trace files

`osgrid run FILE --record run.trace` records a live run, `osgrid sim TOPIC ... --trace
FILE` a simulation, and `osgrid replay FILE` prints either. A trace is JSON Lines: one
JSON object per line, each line ending with a newline:

)";

constexpr const char* kTraceHeader = R"(
Line 1 is the header:

)";

constexpr const char* kTraceRules = R"(
Then one event per line, as above, in `seq` order: `seq` never goes backwards within
an epoch, and a new epoch (the tracker restarted during the run) numbers again from its
start. A reader reports, as `FILE:LINE: ...`, a missing or foreign header, a format
version newer than its own, a line that is not JSON, an event that does not decode, a
`seq` that goes backwards, a line over 16 MiB, and a trace whose last line is cut
(no newline, incomplete JSON: the recording stopped mid-write). A complete last line
without its newline is read. Events of types the reader does not know are skipped and
counted.

A simulation's trace (`osgrid sim TOPIC ... --trace FILE`) has `source` sim; its
`time_unit` is the simulator's (sched: time unit; mlfq: tick; mem: op, the op's index;
page: reference, the reference's index; deadlock: step, always 0); `cluster` is the
topic and the options given, as given, e.g.
`{"topic":"sched","options":{"--jlist":"5,10,15","--policy":"SJF"}}`; and the epoch is
`sim-TOPIC-` and the first 8 hex digits of the SHA-256 of that object, so one command
line always writes the same file. Its events come from node sim, numbered 1, 2, 3, ...
in the order the simulator makes them.
)";

/// A fenced block of JSON lines.
void PrintJson(const std::vector<std::string>& lines) {
  std::cout << "```json\n";
  for (const std::string& line : lines) std::cout << line << "\n";
  std::cout << "```\n";
}

/// The anchor GitHub gives a heading "`task.finished`": "taskfinished".
std::string Anchor(std::string_view type) {
  std::string anchor;
  for (char c : type) {
    if (c != '.') anchor += c;
  }
  return anchor;
}

ev::Snapshot ExampleSnapshot() {
  ev::PeerState peer;
  peer.peer = "peer-9001";
  peer.address = "127.0.0.1:9001";
  peer.cores = 1;
  peer.policy = "fcfs";
  peer.ready_queue = {{"peer-9001/18", std::nullopt, "main"}};
  peer.running = {{"peer-9001/17", std::nullopt, "main"}};
  peer.zombies = {{"peer-9001/19", "peer-9001/17", "square"}};
  peer.mem_used_bytes = 12;
  peer.mem_limit_bytes = 64u << 20;
  peer.mem_keys = 2;
  peer.disk_limit_bytes = 4ull << 30;
  peer.last_heartbeat_t = 1500;
  peer.tasks_finished = 4;
  ev::ResourceState lock;
  lock.kind = "lock";
  lock.name = "fork-1";
  lock.instances = 1;
  lock.available = 0;
  lock.holders = {{"peer-9001/17", "peer-9001", 1, ""}};
  return {41, "t-5f3a", 1530.5, {peer}, {lock}};
}

void PrintTable(const std::vector<FieldSpec>& fields) {
  if (fields.empty()) {
    std::cout << "No fields.\n";
    return;
  }
  std::cout << "| field | type | required | meaning |\n|---|---|---|---|\n";
  for (const FieldSpec& field : fields) {
    std::cout << "| `" << field.name << "` | " << FieldTypeName(field.type) << " | " << (field.required ? "yes" : "no")
              << " | " << field.meaning << " |\n";
  }
}

}  // namespace

int main() {
  std::cout << kPreamble;
  PrintJson({DumpEvent({42, "t-5f3a", 1532.25, "peer-9001",
                        ev::TaskFinished{"peer-9001/17", std::nullopt, "peer-9001", ev::Outcome::kOk, 3, 41.5, 50}})});
  std::cout << "\n";
  PrintTable(EventHeaderFields());
  std::cout << kUnits;
  for (const EventSpec& spec : EventCatalogue()) {
    std::cout << "* [`" << spec.type << "`](#" << Anchor(spec.type) << "): " << spec.summary << "\n";
  }
  for (const EventSpec& spec : EventCatalogue()) {
    std::cout << "\n### `" << spec.type << "`\n\n" << spec.summary << "\n\n";
    PrintTable(spec.fields);
  }
  std::cout << kSnapshot;
  PrintJson({DumpSnapshot(ExampleSnapshot())});
  for (const EventSpec& spec : SnapshotCatalogue()) {
    std::cout << "\n### " << spec.type << "\n\n" << spec.summary << "\n\n";
    PrintTable(spec.fields);
  }
  std::cout << kTrace;
  TraceHeader header;
  header.osgrid_version = "0.1.0";
  header.epoch = "t-5f3a";
  header.source = "cluster";
  header.time_unit = "ms";
  header.cluster = {{"scenario", "quickstart"}, {"peers", {"peer-9001", "peer-9002", "peer-9003"}}};
  PrintJson({DumpTraceHeader(header),
             DumpEvent({1, "t-5f3a", 12, "tracker", ev::PeerJoined{"peer-9001", "127.0.0.1:9001", 2}}),
             DumpEvent({2, "t-5f3a", 40.5, "peer-9001",
                        ev::TaskSubmitted{"peer-9001/1", std::nullopt, "main", "peer-9001"}})});
  std::cout << kTraceHeader;
  PrintTable(TraceHeaderFields());
  std::cout << kTraceRules;
}
