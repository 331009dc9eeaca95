// Calls from this peer to other nodes (tracker placement, forwarding to
// peers). They block, so they run on a small thread pool, never on the io
// thread; each pool thread keeps one connection per remote node.
#pragma once

#include <chrono>
#include <string>

#include "osgrid/net/json.h"
#include "osgrid/net/status.h"

namespace osgrid::peer {

/// Sends `request` to host:port and returns the raw reply, ERROR replies
/// included (callers relay them whole, with their extra fields). A transport
/// failure is a Status: UNAVAILABLE or TIMEOUT. Call only off the io thread.
Result<Json> CallNode(const std::string& node_name, const std::string& host, std::uint16_t port, Json request,
                      std::chrono::milliseconds timeout);

}  // namespace osgrid::peer
