// Private to cli/: `osgrid replay FILE`, a trace file (osgrid/net/trace.h;
// `osgrid sim ... --trace`, `osgrid run --record`) printed for people, or
// its events as JSON lines for programs (docs/cli.md).
//
// Text: the header in one line, then a line per event -- t, seq, node, type
// and the payload's fields as name=value (empty strings left out) -- and at
// the end one line that counts the events read and shown, the events of
// types this build does not know (skipped), and the gaps: each events.lost
// with the events it says were dropped, and each jump of seq within an epoch.
//
//   s.trace: sim sched --jlist 5,10 --policy SJF (epoch sim-sched-1f0c2a9e; unit of t: time unit; osgrid 0.1.0)
//            t     seq  node        type            fields
//            0       1  sim         task.submitted  task_id=0 name=0
//   ...
//   s.trace: 16 events read, 0 skipped (unknown types), no gaps
//
// --json: each event as DumpEvent writes it (the trace's own line, for a
// trace osgrid wrote), nothing else. --type keeps the events whose type a
// prefix selects (os::events::PassesFilter, the tracker's rule; events.lost
// always passes).
//
// --chrome OUT.json: instead, the run in Chrome's trace-event format
// (osgrid/viz/chrome_trace.h), for Perfetto: a row per peer's core with its
// tasks' bars, and instants for deadlocks, failures and departures.
#pragma once

#include <string>
#include <vector>

namespace osgrid::cli {

struct ReplayOptions {
  std::string path;                // the trace; "-" reads stdin
  bool json = false;               // the events as JSON lines, without header or summary
  std::vector<std::string> types;  // --type prefixes ("task", "page.fault"); empty: every type
  std::string chrome;              // --chrome: write Chrome trace-event JSON here ("-": stdout) instead
};

/// Prints the trace at options.path on stdout; problems go to stderr as
/// "osgrid: CODE: message". Returns the exit status: 0; 1 when the trace
/// cannot be opened, or is cut or corrupt ("osgrid: BAD_REQUEST: FILE:LINE:
/// ...", after the events before that line and the summary); 2 when a --type
/// prefix selects no event type (nothing is read). With --chrome, a cut or
/// corrupt trace writes nothing (exit 1), and a file that cannot be written
/// is exit 1 too.
int ReplayCommand(const ReplayOptions& options);

}  // namespace osgrid::cli
