// How the tracker's deadlock state reads on screen: a DEADLOCK_REPLY
// (docs/sync.md, docs/protocol-messages.md), as `osgrid deadlock` and the
// scenario runner's `deadlock:` step print it -- the mode, each deadlock in
// force as its cycle of waits, the stall if any, what was found since the
// mode was set (the history, a line per event), and the cluster objects:
//
//   deadlock mode: recover
//   DEADLOCK (wait-for graph): a cycle of 2 tasks
//     peer-1/1 on peer-1 waits for fork-2, held by peer-2/2
//     peer-2/2 on peer-2 waits for fork-1, held by peer-1/1
//   history (since the tracker started or its mode was last set):
//     found at 2102 ms (wait-for graph): peer-1/1 → fork-2 → peer-2/2 → fork-1 → peer-1/1
//     victim at 2103 ms: peer-2/2 on peer-2 (holds the fewest instances (1); the youngest on a tie)
//   KIND  NAME    AVAILABLE  HOLDERS   WAITERS
//   lock  fork-1  0/1        peer-1/1  peer-2/2 (acquire)
//   lock  fork-2  0/1        peer-2/2  peer-1/1 (acquire)
//
// Pure functions of the reply: no connection, no terminal. Text from the
// reply is made safe for a terminal (a control character becomes '?'), and a
// field that is missing or of the wrong type reads "?" rather than throwing.
#pragma once

#include <ostream>
#include <string>
#include <string_view>

#include "osgrid/net/json.h"

namespace osgrid::client {

/// One event of a DEADLOCK_REPLY's history as one line, without a newline:
///   "found at 2102 ms (wait-for graph): peer-1/1 → fork-2 → peer-2/2 → fork-1 → peer-1/1"
///   "victim at 2103 ms: peer-2/5 on peer-2 (holds the fewest instances (1); the youngest on a tie)"
///   "stall at 2104 ms: 2 tasks wait: peer-1/3 on semaphore full (wait), peer-2/4 for a child"
/// A deadlock.found whose deadlocked set is larger than its cycle adds
/// "; deadlocked: N tasks". Another type reads "TYPE at T ms".
std::string DeadlockEventText(const Json& event);

/// The whole reply, every line starting with `indent`: "deadlock mode: M";
/// "grace: ..." while a newly started tracker still holds grants back;
/// each deadlock in force (DEADLOCK ...: its cycle, a line per task); the
/// stall (STALL ...: a line per task); "no deadlock, no stall" when there is
/// neither; the history, when it holds events; then the objects as a table
/// KIND NAME AVAILABLE HOLDERS WAITERS ("no cluster objects yet" without any).
void PrintDeadlock(const Json& reply, std::ostream& out, std::string_view indent = "");

}  // namespace osgrid::client
