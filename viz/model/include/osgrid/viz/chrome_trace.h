// A recording in Chrome's trace-event format, so that Perfetto
// (ui.perfetto.dev) and chrome://tracing open an osgrid run too
// (`osgrid replay FILE --chrome OUT.json`). The JSON object form:
//
//   {"displayTimeUnit": "ms",
//    "otherData": {"source": "cluster", "time_unit": "ms", "osgrid_events": 469},
//    "traceEvents": [
//      {"ph": "M", "name": "process_name", "pid": 1, "args": {"name": "peer-1"}},
//      {"ph": "M", "name": "thread_name", "pid": 1, "tid": 0, "args": {"name": "core 0"}},
//      {"ph": "X", "name": "peer-1/3 dinner", "pid": 1, "tid": 0, "ts": 805000, "dur": 1200,
//       "args": {"task_id": "peer-1/3", "ended_by": "preempted"}},
//      {"ph": "i", "s": "g", "name": "deadlock.found", "pid": 0, "tid": 0, "ts": 805323, "args": {...}}]}
//
// Each peer is a process (pid 1, 2, ... in id order; pid 0 is the cluster,
// for instants that belong to no peer), each of its lanes (the viewer's
// Gantt rows, timeline.h) a thread named "core K". Each Gantt bar is a
// complete event ("X"): its name is the task id and, when known, the
// function's name; a bar still open at the end of the recording ends there.
// Events a class looks for are instants ("i"): deadlock.found,
// deadlock.victim, deadlock.stall, mem.failed, mem.compact, peer.dead,
// peer.left, events.lost, on the peer they concern (or pid 0), with the
// event's fields as args. Perfetto labels rows only from the "M" events,
// so every pid and tid used has one.
//
// Times: ts and dur are microseconds, as the format wants: a cluster's ms
// times 1,000. A simulation's unit (a "time unit", an operation) is taken as
// one ms, and otherData.time_unit says what it really was.
#pragma once

#include "osgrid/net/json.h"
#include "osgrid/viz/model.h"

namespace osgrid::viz {

/// The whole recording the model keeps, as above. O(bars + entries). Never throws.
Json ChromeTrace(const Model& model);

}  // namespace osgrid::viz
