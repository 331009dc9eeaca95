// One event as one line for people, shared by `osgrid events` (live) and
// `osgrid replay` (a trace):
//
//          t     seq  node        type            fields
//     1532.25     42  peer-9001   task.finished   task_id=peer-9001/17 peer=peer-9001 outcome=ok wait_ms=3
//
// t (ms on the tracker's clock, or the simulator's unit), seq, node, type,
// then the payload's fields in catalogue order (docs/events.md) as
// name=value, empty strings left out. Text from the stream is made safe for
// a terminal: a control character (an escape sequence in a task's name)
// becomes '?'.
#pragma once

#include <string>

#include "osgrid/os/events/events.h"

namespace osgrid::client {

/// The line, without a newline. Never throws.
std::string EventLine(const os::events::Event& event);

/// The column titles above such lines.
std::string EventLineHeader();

}  // namespace osgrid::client
