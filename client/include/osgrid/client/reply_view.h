// How each kind of reply reads on screen. The client commands and the
// scenario runner print replies through these, so a student sees the same
// table in `osgrid batch` as in `osgrid run`.
// Every function tolerates missing fields (printed as "?").
#pragma once

#include <map>
#include <ostream>
#include <string>
#include <string_view>

#include "osgrid/net/json.h"

namespace osgrid::client {

/// CPU_RESULT in one line: "(ran on peer-2, forwarded from peer-1, 23 ms)".
std::string CpuWhere(const Json& cpu_result);
/// The task's captured stdout/stderr under headings, each line indented; "" if none.
std::string CapturedOutput(const Json& reply, std::string_view indent);

/// BATCH_RESULT as a table: #, peer, queued, ran (ms), result or error. At most
/// `max_rows` rows (the rest are counted in a last line).
void PrintBatchTable(const Json& batch_result, std::ostream& out, std::string_view indent,
                     std::size_t max_rows = SIZE_MAX);
/// Tasks per peer in a BATCH_RESULT, from its "peers" map or else counted from its results.
std::map<std::string, int> BatchPeerCounts(const Json& batch_result);
/// "peer-1 4, peer-2 4, peer-3 4"
std::string FormatCounts(const std::map<std::string, int>& counts);

/// STATUS_REPLY of a peer or of the tracker ("role" tells), as labelled lines.
void PrintStatus(const Json& status_reply, std::ostream& out, std::string_view indent);
/// PEERS as a table: id, address, cores, load, queue, running, done, memory, disk, heartbeat.
void PrintPeerTable(const Json& peers_reply, std::ostream& out, std::string_view indent);

}  // namespace osgrid::client
