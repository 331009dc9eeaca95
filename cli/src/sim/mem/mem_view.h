// Private to `osgrid sim mem`: one run's answers as JSON, text (malloc.py's
// lines, a summary table, an ASCII memory map) and SVG.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "osgrid/net/json.h"
#include "osgrid/os/mem/heap_session.h"

namespace osgrid::cli::sim {

/// Everything a finished run shows.
struct MemRun {
  std::string policy;      // "BEST", ..., "BUDDY"
  std::string list_order;  // "ADDRSORT", ...; empty for BUDDY
  bool coalesce = false;
  bool indexed = false;
  std::int64_t base = 0, size = 0, header = 0, alignment = -1;
  std::optional<std::uint64_t> seed;  // random program: its seed; -A list: none
  std::int64_t num_ops = 0, range = 0, percent = 0;
  std::vector<os::HeapStep> steps;
  os::HeapMetrics metrics;           // at the end
  std::vector<os::Block> blocks;     // the final map
  std::vector<std::int64_t> owners;  // per final block: its pointer, or -1 when free
};

Json MemJson(const MemRun& run);
/// malloc.py's output (answers only when `solve`), then, when solving, the
/// summary table and the memory map.
std::string MemText(const MemRun& run, bool solve);
/// The heap after every op (one row each, up to 40 ops) and at the end.
std::string MemSvg(const MemRun& run);

/// "0000111....22..": the map in `width` columns; allocated blocks show
/// their pointer's digit/letter, free bytes '.'. Works on the JSON "blocks".
std::string MemMapLine(const Json& blocks, std::int64_t base, std::int64_t size, int width);

std::vector<std::pair<std::string, std::string>> MemSummary(const Json& run);
std::string MemBrief(const Json& run);

}  // namespace osgrid::cli::sim
