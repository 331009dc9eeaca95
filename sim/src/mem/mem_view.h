// Private to `osgrid sim mem`: osgrid's pictures of a heap -- the summary
// table and the ASCII memory map printed after malloc.py's lines, the SVG,
// and the side-by-side views of scenarios -- apart from the command itself.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "../out.h"
#include "osgrid/net/json.h"
#include "osgrid/os/mem/heap_session.h"
#include "osgrid/sim/mem_picture.h"

namespace osgrid::sim {

/// The heap's map now, by address, each allocated block with its owner
/// (pointer or key).
std::vector<MapBlock> MapOf(const os::HeapSession& session);

/// "Summary" and its table: allocations and failures, frees, external and
/// internal fragmentation, bytes and elements searched.
void WriteMemSummary(TextOut& out, const os::HeapMetrics& metrics, std::int64_t frees, bool buddy);
/// "Memory map (...)", the map in up to 64 columns and its legend.
void WriteMemMap(TextOut& out, const std::vector<MapBlock>& blocks, std::int64_t base, std::int64_t size);

/// Scenario views of one run's JSON: key figures, and the one-line map.
std::vector<std::pair<std::string, std::string>> MemSummary(const Json& run);
std::string MemBrief(const Json& run);

}  // namespace osgrid::sim
