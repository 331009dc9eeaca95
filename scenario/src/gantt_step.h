// Private to scenario/: the scenario step `gantt:`, which asks peers for
// STATUS and draws what their schedulers did -- the live counterpart of
// `osgrid sim sched`'s Gantt chart and per-job table:
//
//   - gantt: {peers: [peer-1, peer-2, peer-3]}   # default: every peer
//     expect:
//       lowest_avg_waiting: peer-2               # SJF's point
//       avg_waiting_ms_below: {peer-2: 800}
//
// For each peer, from its STATUS reply's "scheduler" (the policy and its
// settings) and "scheduling" (the timeline of who was on a core, and each
// finished task's times), one under another:
//
//   peer-3: RR, quantum 100 ms -- round robin: one time slice (quantum) at a time
//     A     ██████·········██████·········█████████
//     B     ······██████████
//           0         250       500 ms
//     task     CPU     response  waiting  turnaround  preempted
//     A        402 ms  3 ms      1027 ms  1588 ms     5
//     ...
//     average          161 ms    782 ms   1127 ms
//
// (█ on a core, · in the ready queue), then, with more than one peer, a
// table of their averages side by side. The
// charts share one time scale, so a longer bar is a longer time on every
// peer. A step that names a peer with no finished task fails (NOT_FOUND):
// there is nothing to chart, most likely because no task was sent to it.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "osgrid/net/json.h"
#include "osgrid/scenario/scenario.h"
#include "scenario_parser.h"
#include "steps.h"

namespace osgrid::scenario {

/// The `gantt` row of the step table: `gantt: {}` or `gantt: {peers: [...]}`.
std::optional<Action> ParseGanttStep(StepParser& parser, const YamlEntry& action);

/// Asks each peer for STATUS, prints RenderGantt, and returns
/// {peer: ScheduleSummary} as the reply; fails if a peer cannot be asked or
/// has no finished task.
StepResult RunGanttStep(const GanttStep& step, StepContext& context);

/// "gantt of peer-1, peer-2: the peers' live schedules"
std::string DescribeGanttStep(const GanttStep& step);

/// One peer's STATUS reply, by name.
struct PeerSchedule {
  std::string peer;
  Json status;  // with "scheduler" and "scheduling" (peer/src/live_scheduler.cpp Report())
};

/// The charts and tables described above. The charts and their titles fit in
/// `width` columns (each character counts as one); the tables are as wide as
/// their cells (under 93 columns for a handful of peers with short names).
/// Chart and table rows past `max_rows` per peer are left out, with a line
/// saying how many. A pure function of the replies.
std::string RenderGantt(const std::vector<PeerSchedule>& peers, int width = 93, std::size_t max_rows = 20);

/// What the expectations look at, from one STATUS reply: {"policy": "RR",
/// "scheduler": "RR, quantum 100 ms", "tasks": finished tasks, "avg_response_ms",
/// "avg_waiting_ms", "avg_turnaround_ms", "preemptions", "context_switches"}.
/// Averages are over the peer's finished tasks (0 when there are none).
Json ScheduleSummary(const Json& status);

/// One check per gantt expectation, against RunGanttStep's reply.
std::vector<Check> GanttChecks(const Expectation& expect, const Json& reply);

}  // namespace osgrid::scenario
