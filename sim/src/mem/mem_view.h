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

namespace osgrid::sim {

/// One block of the address space map, with the pointer or key that owns it.
struct MapBlock {
  std::int64_t addr = 0;
  std::int64_t size = 0;
  bool free = true;
  std::int64_t ptr = -1;       // allocated blocks: ptr[N] that owns it (-1: none, or a key)
  std::int64_t requested = 0;  // allocated blocks: bytes asked for
  std::string key;             // allocated blocks owned by a key ("KEY=N" ops): the key; "" otherwise
};

/// The heap's map now, by address, each allocated block with its owner
/// (pointer or key).
std::vector<MapBlock> MapOf(const os::HeapSession& session);

/// "Summary" and its table: allocations and failures, frees, external and
/// internal fragmentation, bytes and elements searched.
void WriteMemSummary(TextOut& out, const os::HeapMetrics& metrics, std::int64_t frees, bool buddy);
/// "Memory map (...)", the map in up to 64 columns and its legend.
void WriteMemMap(TextOut& out, const std::vector<MapBlock>& blocks, std::int64_t base, std::int64_t size);

/// "0000111....22..AAA": the map in `width` columns; allocated blocks show
/// their pointer's digit/letter (0-9, a-z, A-Z, then again), blocks owned by
/// keys a capital letter (A, B, ... Z, then again, in address order), free
/// bytes '.'.
std::string MemMapLine(const std::vector<MapBlock>& blocks, std::int64_t base, std::int64_t size, int width);

/// One row of the SVG: a label and the map after that op.
struct MemSvgRow {
  std::string label;
  std::vector<MapBlock> blocks;
};
/// The heap after every op given (one row each) and at the end.
std::string MemSvg(const std::string& title, std::int64_t base, std::int64_t size, const std::vector<MemSvgRow>& rows);

/// Scenario views of one run's JSON: key figures, and the one-line map.
std::vector<std::pair<std::string, std::string>> MemSummary(const Json& run);
std::string MemBrief(const Json& run);

}  // namespace osgrid::sim
