// How the cluster's live tasks read on screen: the TASKS reply of the
// tracker's TASK_LIST (net::TaskList), as `osgrid ps` prints it -- a table
// sorted by id, or a tree of tasks under the tasks that submitted them, drawn
// as pstree draws processes:
//
//   ID              NAME    PEER    STATE    PRI  CPU
//   peer-1/1        render  peer-2  running  -    1.2 s
//   ├─ peer-1/2     tile    peer-1  waiting  2    35 ms
//   │  └─ peer-1/4  pixel   peer-1  ready    -    0 ms
//   └─ peer-1/3     tile    peer-2  ready    -    0 ms
//   peer-2/7        main    peer-2  ready    -    0 ms   (parent peer-1/0 gone)
//
// Pure functions of the list: no connection, no terminal.
#pragma once

#include <ostream>
#include <string>
#include <string_view>

#include "osgrid/net/requests.h"

namespace osgrid::client {

/// CPU time as the CPU column shows it: "35 ms" below a second, then "1.2 s",
/// "2m 5s", "1h 2m" (HumanSeconds).
std::string CpuTime(double ms);

/// The last line of `osgrid ps`: "3 tasks: 1 running, 2 ready, 0 waiting"
/// ("1 task: ..."), then ", 1 zombie" ("2 zombies") when there are any;
/// "no live tasks" when there are none.
std::string TaskSummary(const net::TaskList& list);

/// The table ID NAME PEER STATE PRI CPU PARENT, one row per task sorted by id
/// (peer, then number: os::events::TaskIdLess); "-" for no priority or no
/// parent. Prints nothing when there are no tasks.
void PrintTaskTable(const net::TaskList& list, std::ostream& out, std::string_view indent = "");

/// The tree: ID NAME PEER STATE PRI CPU, each task indented under its parent
/// ("├─ ", "└─ ", with "│  " below a parent that has more children), the
/// roots and each task's children sorted by id. A task whose parent is not
/// in the list (it finished, or the list never had it) is a root, its row
/// ending "(parent X gone)". Every task is shown once: tasks whose parents
/// form a cycle (which a live cluster cannot make) after the roots, from the
/// first by id. Prints nothing when there are no tasks.
void PrintTaskTree(const net::TaskList& list, std::ostream& out, std::string_view indent = "");

}  // namespace osgrid::client
