// Private to viz/model: a simulation's event as the folds take it.
#pragma once

#include "osgrid/os/events/events.h"
#include "osgrid/viz/view_state.h"

namespace osgrid::viz {

/// `event` as the folds take it. For a simulation (source "sim"): the task
/// events' peer "" (and a node "") becomes kSimPeer, and the heap's
/// addresses count from its base (as a peer's arena counts from 0). Returns
/// `event` itself for a live cluster's events, else `scratch`, filled.
const os::events::Event& ForFold(const SourceInfo& source, const os::events::Event& event, os::events::Event& scratch);

}  // namespace osgrid::viz
