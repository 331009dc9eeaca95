// Private to cli/: one event as one line for people, shared by `osgrid
// events` (live) and `osgrid replay` (a trace):
//
//     1532.2  #42  peer-9001  task.finished  task_id=peer-9001/17 outcome=ok wait_ms=3 cpu_ms=41.5
//
// t (ms on the tracker's clock, or the simulator's unit), seq, node, type,
// then the payload's fields in catalogue order (docs/events.md), name=value.
#pragma once

#include <string>

#include "osgrid/os/events/events.h"

namespace osgrid::cli {

/// The line, without a newline. Never throws.
std::string EventLine(const os::events::Event& event);

}  // namespace osgrid::cli
