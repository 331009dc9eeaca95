// A live peer's memory map and compaction as text; see osgrid/sim/mem_map_text.h.
#include "osgrid/sim/mem_map_text.h"

#include <cstdint>
#include <cstdio>
#include <sstream>

#include "osgrid/client/text.h"

namespace osgrid::sim {

using client::GroupDigits;
using client::Table;

namespace {

constexpr int kPictureWidth = 64;  // columns of the one-line picture

std::string Fixed2(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f", value);
  return text;
}

/// One row per block: its address, size and owner ("free" or "key (N B asked)").
void PrintBlockTable(const net::MemMap& map, std::ostream& out) {
  Table table({"address", "size", "block"});
  for (const net::MemMap::Block& block : map.blocks) {
    table.AddRow({std::to_string(block.address), std::to_string(block.size),
                  block.free ? "free" : block.key + " (" + std::to_string(block.request) + " B asked)"});
  }
  table.Print(out);
}

}  // namespace

std::vector<MapBlock> MapBlocksOf(const net::MemMap& map) {
  std::vector<MapBlock> blocks;
  for (const net::MemMap::Block& block : map.blocks) {
    blocks.push_back({static_cast<std::int64_t>(block.address), static_cast<std::int64_t>(block.size), block.free, -1,
                      static_cast<std::int64_t>(block.request), block.key});
  }
  return blocks;
}

std::string MemMapLegend(const net::MemMap& map) {
  std::string legend = "free: .";
  int letter = 0;
  for (const net::MemMap::Block& block : map.blocks) {
    if (block.free) continue;
    legend += "  " + std::string(1, static_cast<char>('A' + letter++ % 26)) + "=" + block.key + " " +
              std::to_string(block.address) + "+" + std::to_string(block.size);
  }
  return legend;
}

std::string MemMapText(const net::MemMap& map, const std::string& node) {
  std::ostringstream out;
  out << node << "'s memory: a " << GroupDigits(map.arena_bytes) << "-byte arena, --allocator " << map.allocator
      << " (blocks: " << map.header_bytes << "-byte header + key + value, rounded up to " << map.alignment << ")\n";
  PrintBlockTable(map, out);
  if (map.truncated) {
    out << "(only the first " << map.blocks.size() << " blocks: --max-blocks)\n";
  } else {
    const auto arena = static_cast<std::int64_t>(map.arena_bytes);
    out << "0 |" << MemMapLine(MapBlocksOf(map), 0, arena, kPictureWidth) << "| " << map.arena_bytes << "\n  "
        << MemMapLegend(map) << "\n";
  }
  out << "used " << GroupDigits(map.used_bytes) << " B, free " << GroupDigits(map.free_bytes) << " B in "
      << map.free_holes << (map.free_holes == 1 ? " hole" : " holes") << ", largest " << GroupDigits(map.largest_hole)
      << " B\n"
      << "external fragmentation " << Fixed2(map.external_fragmentation) << " (1 - largest hole / free)"
      << ", internal " << GroupDigits(map.internal_fragmentation) << " B (headers and padding)\n"
      << "refused so far: " << map.failed_fragmentation << " for external fragmentation, " << map.failed_no_space
      << " for too little free space\n";
  return out.str();
}

std::string MemCompactedText(const net::MemCompacted& compacted, const std::string& node) {
  std::ostringstream out;
  out << "compacted " << node << "'s memory: " << compacted.moves.size()
      << (compacted.moves.size() == 1 ? " block" : " blocks") << " moved, " << GroupDigits(compacted.moved_bytes)
      << " bytes copied\n";
  if (compacted.moves.empty()) return out.str();
  Table table({"key", "from", "to", "size"});
  for (const net::MemCompacted::Move& move : compacted.moves) {
    table.AddRow({move.key, std::to_string(move.from), std::to_string(move.to), std::to_string(move.size)});
  }
  table.Print(out);
  return out.str();
}

}  // namespace osgrid::sim
