// `osgrid sim mem`: the summary, the memory map and the SVG; see mem_view.h.
#include "mem_view.h"

#include <algorithm>
#include <sstream>

#include "../render.h"
#include "osgrid/client/text.h"

namespace osgrid::sim {

using client::Table;

namespace {

constexpr int kMapWidth = 64;

std::string Fixed2(double value) { return fmt::format("{:.2f}", value); }

/// The map character of pointer `ptr`: 0-9, a-z, A-Z, then again.
char PtrChar(std::int64_t ptr) {
  static const char kDigits[] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  return ptr < 0 ? '#' : kDigits[ptr % 62];
}

/// The map character of each block (MemMapLine): a pointer's PtrChar, the
/// n-th keyed block by address 'A' + n (mod 26), '.' when free.
std::vector<char> BlockChars(const std::vector<MapBlock>& blocks) {
  std::vector<char> chars;
  chars.reserve(blocks.size());
  std::size_t keyed = 0;
  for (const MapBlock& block : blocks) {
    if (block.free) {
      chars.push_back('.');
    } else if (block.key.empty()) {
      chars.push_back(PtrChar(block.ptr));
    } else {
      chars.push_back(static_cast<char>('A' + keyed++ % 26));
    }
  }
  return chars;
}

bool HasKeys(const std::vector<MapBlock>& blocks) {
  return std::any_of(blocks.begin(), blocks.end(), [](const MapBlock& block) { return !block.key.empty(); });
}

/// The SVG colour of a key's block: from the key itself (FNV-1a), so it
/// stays the same from row to row while the block moves.
std::string_view KeyColour(const std::string& key) {
  std::uint64_t hash = 14695981039346656037ULL;
  for (const char c : key) hash = (hash ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
  return Colour(static_cast<std::size_t>(hash));
}

/// The map blocks of a run's JSON "blocks".
std::vector<MapBlock> BlocksOf(const Json& blocks) {
  std::vector<MapBlock> map;
  for (const Json& block : blocks) {
    MapBlock b;
    b.addr = block.value("addr", std::int64_t{0});
    b.size = block.value("size", std::int64_t{0});
    b.free = block.value("free", true);
    const Json ptr = block.value("ptr", Json());
    b.ptr = ptr.is_number() ? ptr.get<std::int64_t>() : -1;
    const Json key = block.value("key", Json());
    if (key.is_string()) b.key = key.get<std::string>();
    map.push_back(b);
  }
  return map;
}

}  // namespace

std::vector<MapBlock> MapOf(const os::HeapSession& session) {
  std::vector<MapBlock> map;
  for (const os::Block& block : session.heap().Blocks()) {
    const std::int64_t ptr = block.free ? -1 : session.OwnerOf(block.addr).value_or(-1);
    const std::string* key = block.free ? nullptr : session.keyed().KeyAt(block.addr);
    map.push_back({block.addr, block.size, block.free, ptr, block.requested, key != nullptr ? *key : ""});
  }
  return map;
}

void WriteMemSummary(TextOut& out, const os::HeapMetrics& m, std::int64_t frees, bool buddy) {
  Table table({"figure", "value"});
  table.AddRow({"allocations",
                fmt::format("{} ({} failed: {} no space, {} external fragmentation)", m.allocations + m.failed_requests,
                            m.failed_requests, m.failed_requests - m.failed_fragmentation, m.failed_fragmentation)});
  table.AddRow({"frees", std::to_string(frees)});
  table.AddRow(
      {"external fragmentation", fmt::format("{} (largest free block {} of {} free bytes)",
                                             Fixed2(m.external_fragmentation), m.largest_free_block, m.free_bytes)});
  table.AddRow({"internal fragmentation",
                fmt::format("{} bytes ({} {}, {} headers)", m.internal_fragmentation, m.alignment_padding,
                            buddy ? "power-of-two rounding" : "alignment", m.header_bytes)});
  table.AddRow({"allocated / free", fmt::format("{} / {} bytes ({} free {})", m.allocated_bytes, m.free_bytes,
                                                m.free_blocks, m.free_blocks == 1 ? "block" : "blocks")});
  table.AddRow({buddy ? "free lists searched" : "elements searched", std::to_string(m.searched)});
  std::ostringstream text;
  table.Print(text, "  ");
  out.Write("Summary\n");
  out.Write(text.str());
}

void WriteMemMap(TextOut& out, const std::vector<MapBlock>& blocks, std::int64_t base, std::int64_t size) {
  const int width = static_cast<int>(std::min<std::int64_t>(kMapWidth, size));
  out.Print("\nMemory map ({} per column; ptr[N] shows as N, {}free as .)\n",
            size == width ? std::string("1 byte") : Fixed2(double(size) / width) + " bytes",
            HasKeys(blocks) ? "a key as its letter below, " : "");
  out.Print("{} |{}| {}\n", base, MemMapLine(blocks, base, size, width), base + size);
  const std::vector<char> chars = BlockChars(blocks);
  std::string line;
  for (std::size_t b = 0; b < blocks.size(); ++b) {
    const MapBlock& block = blocks[b];
    if (block.free) continue;
    const std::string owner = block.key.empty() ? fmt::format("ptr[{}]", block.ptr) : block.key;
    const std::string item = fmt::format("{}={} {}+{}", chars[b], owner, block.addr, block.size);
    if (!line.empty() && line.size() + item.size() > 76) {
      out.Write(line);
      out.Put('\n');
      line.clear();
    }
    line += "  " + item;
  }
  if (!line.empty()) {
    out.Write(line);
    out.Put('\n');
  }
}

std::string MemMapLine(const std::vector<MapBlock>& blocks, std::int64_t base, std::int64_t size, int width) {
  const std::vector<char> chars = BlockChars(blocks);
  std::string line;
  std::size_t b = 0;
  for (int column = 0; column < width; ++column) {
    // The byte in the middle of this column decides its character.
    const std::int64_t byte = base + ((2 * column + 1) * size) / (2 * width);
    while (b + 1 < blocks.size() && blocks[b].addr + blocks[b].size <= byte) ++b;
    line += b >= blocks.size() ? '.' : chars[b];
  }
  return line;
}

namespace {

/// One allocated block of an SVG row, `row_height` high at (x, y), `w`
/// wide: coloured and labelled by its owner, the span in its tooltip.
void DrawOwnedBlock(Svg& svg, const MapBlock& block, double x, double y, double w, double row_height,
                    const std::string& span) {
  if (block.key.empty()) {
    svg.Rect(x, y, w, row_height, Colour(static_cast<std::size_t>(std::max<std::int64_t>(block.ptr, 0))), "#333",
             fmt::format("ptr[{}] {}", block.ptr, span));
    if (w >= 14) svg.Text(x + w / 2, y + 14, std::to_string(block.ptr), 11, "middle");
    return;
  }
  svg.Rect(x, y, w, row_height, KeyColour(block.key), "#333", block.key + " " + span);
  // About 6.6 px a character at 11 px: the key is written only if it fits whole.
  if (w >= 6.6 * static_cast<double>(block.key.size()) + 4) svg.Text(x + w / 2, y + 14, block.key, 11, "middle");
}

}  // namespace

std::string MemSvg(const std::string& title, std::int64_t base, std::int64_t size, const std::vector<MemSvgRow>& rows) {
  constexpr double kLeft = 190, kBar = 560, kRow = 20, kGap = 6, kTop = 40;
  const double height = kTop + static_cast<double>(rows.size()) * (kRow + kGap) + 30;
  Svg svg(kLeft + kBar + 20, height);
  svg.Text(10, 22, title, 15);
  double y = kTop;
  for (const MemSvgRow& row : rows) {
    svg.Text(kLeft - 8, y + 14, row.label, 12, "end");
    for (const MapBlock& block : row.blocks) {
      const double x = kLeft + kBar * static_cast<double>(block.addr - base) / static_cast<double>(size);
      const double w = kBar * static_cast<double>(block.size) / static_cast<double>(size);
      const std::string span = fmt::format("{}-{} ({} B)", block.addr, block.addr + block.size - 1, block.size);
      if (block.free) {
        svg.Rect(x, y, w, kRow, "#f4f4f4", "#999", "free " + span);
      } else {
        DrawOwnedBlock(svg, block, x, y, w, kRow, span);
      }
    }
    y += kRow + kGap;
  }
  svg.Text(kLeft, y + 8, std::to_string(base), 11, "start");
  svg.Text(kLeft + kBar, y + 8, std::to_string(base + size), 11, "end");
  return svg.Finish();
}

std::vector<std::pair<std::string, std::string>> MemSummary(const Json& run) {
  return {{"failed", std::to_string(run.value("failed", std::int64_t{0}))},
          {"ext. fragmentation", Fixed2(run.value("external_fragmentation", 0.0))},
          {"largest free", std::to_string(run.value("largest_free_block", std::int64_t{0}))},
          {"searched", std::to_string(run.value("searched_total", std::int64_t{0}))}};
}

std::string MemBrief(const Json& run) {
  if (!run.contains("blocks") || !run.contains("heap")) return "";
  const std::int64_t base = run["heap"].value("base", std::int64_t{0});
  const std::int64_t size = run["heap"].value("size", std::int64_t{1});
  const int width = static_cast<int>(std::min<std::int64_t>(kMapWidth, size));
  return fmt::format("{} |{}| {}", base, MemMapLine(BlocksOf(run["blocks"]), base, size, width), base + size);
}

}  // namespace osgrid::sim
