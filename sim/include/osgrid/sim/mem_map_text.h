// A live peer's memory map and compaction as text: what `osgrid mem map` and
// `osgrid mem compact` print, and what a scenario's mem_map and mem_compact
// steps print in their reports (docs/memory.md). One renderer, so the command
// line and the classroom report read the same.
#pragma once

#include <string>
#include <vector>

#include "osgrid/net/requests.h"
#include "osgrid/sim/mem_picture.h"

namespace osgrid::sim {

/// The blocks of a MEM_MAP reply as the pictures (MemMapLine, MemSvg) take them.
std::vector<MapBlock> MapBlocksOf(const net::MemMap& map);

/// "free: .  A=a 0+32  B=c 64+32": which key each letter of MemMapLine's
/// picture stands for, with its block's address and size.
std::string MemMapLegend(const net::MemMap& map);

/// The map of `node`'s arena: a heading, one row per block, the one-line
/// picture and legend (unless the reply was truncated), the free space, the
/// fragmentation and the refused SETs. Lines end in '\n'.
std::string MemMapText(const net::MemMap& map, const std::string& node);

/// What MEM_COMPACT moved on `node`: a count line, then a table of the moves
/// (key, from, to, size) when any block moved. Lines end in '\n'.
std::string MemCompactedText(const net::MemCompacted& compacted, const std::string& node);

}  // namespace osgrid::sim
