// Private to sim/: `osgrid sim TOPIC ... --trace FILE`, a simulation's event
// stream written as a trace file (osgrid/net/trace.h, docs/events.md "Trace
// files") for `osgrid replay`, a viewer or a grader to read back.
//
// The header: source "sim"; time_unit the topic's (Topic::time_unit); cluster
//   {"topic":"sched","options":{"--jlist":"5,10,15","--policy":"SJF"}}
// (the options given on the command line, as given; those that only change
// how the run is shown, such as -c and --json, left out); and epoch
// "sim-sched-" + the first 8 hex digits of the SHA-256 of that object, so
// one command line always writes the same bytes. Then every event the
// simulator makes, as it makes them: seq 1, 2, 3, ..., node "sim", the
// header's epoch.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "osgrid/net/json.h"
#include "osgrid/net/status.h"
#include "osgrid/net/trace.h"
#include "topic.h"

namespace osgrid::sim {

/// OK when `topic` makes events; else BAD_REQUEST for --trace, naming the
/// topics that do: "--trace: 'osgrid sim disk' makes no events to trace
/// (the topics that do: sched, mlfq, mem, page, deadlock)".
Status CheckTraceable(const Topic& topic);

/// The options given to `command`, a topic's parsed subcommand, as a JSON
/// object keyed by each option's long name ("--policy"): a flag is true, an
/// option its text as given, an option given several times an array of them.
/// The output-only options (-c, --json, --svg, --ostep, --trace) are left out.
Json GivenOptions(const CLI::App& command);

/// The header of the trace of a run of `topic` with `options` (GivenOptions).
net::TraceHeader SimTraceHeader(const Topic& topic, const Json& options);

/// Runs `simulation` once more and writes its events to `path` ("-":
/// stdout) under `header`. Errors (nothing is printed): IO when the file
/// cannot be created or written ("PATH: No space left on device").
Status WriteTrace(const Simulation& simulation, const net::TraceHeader& header, const std::string& path);

}  // namespace osgrid::sim
