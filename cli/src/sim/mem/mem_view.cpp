// `osgrid sim mem`: JSON, text and SVG of one run; see mem_view.h.
#include "mem_view.h"

#include <algorithm>
#include <cstdio>
#include <sstream>

#include "../render.h"
#include "format.h"

namespace osgrid::cli::sim {
namespace {

constexpr int kMapWidth = 64;
constexpr std::size_t kMaxSvgRows = 40;

std::string Fixed2(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.2f", value);
  return buffer;
}

/// The map character of pointer `ptr`: 0-9, a-z, A-Z, then again.
char PtrChar(std::int64_t ptr) {
  static const char kDigits[] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  return kDigits[ptr % 62];
}

Json FreeListJson(const std::vector<os::FreeChunk>& list) {
  Json chunks = Json::array();
  for (const os::FreeChunk& chunk : list) chunks.push_back({{"addr", chunk.addr}, {"size", chunk.size}});
  return chunks;
}

Json BlocksJson(const std::vector<os::Block>& blocks, const std::vector<std::int64_t>& owners) {
  Json out = Json::array();
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    const os::Block& block = blocks[i];
    Json b{{"addr", block.addr}, {"size", block.size}, {"free", block.free}};
    b["ptr"] = owners[i] >= 0 ? Json(owners[i]) : Json(nullptr);
    if (!block.free) b["requested"] = block.requested;
    out.push_back(std::move(b));
  }
  return out;
}

Json StepJson(const os::HeapStep& step, bool buddy, bool recorded) {
  Json op;
  switch (step.op.kind) {
    case os::HeapOp::Kind::kAlloc:
      op = {{"op", "alloc"},     {"size", step.op.value},           {"ptr", step.ptr},
            {"addr", step.addr}, {"searched", step.alloc.searched}, {"block_size", step.alloc.block_size}};
      op["failure"] = step.alloc.ok() ? Json(nullptr) : Json(std::string(os::AllocFailureName(step.alloc.failure)));
      if (buddy) op["splits"] = step.alloc.splits;
      break;
    case os::HeapOp::Kind::kFree:
      op = {{"op", "free"},  {"size", step.freed_size},   {"ptr", step.ptr},        {"addr", step.addr},
            {"searched", 0}, {"returned", step.returned}, {"skipped", step.skipped}};
      break;
    case os::HeapOp::Kind::kCompact: {
      Json moves = Json::array();
      for (const os::Move& move : step.compaction.moves) {
        moves.push_back({{"from", move.from}, {"to", move.to}, {"size", move.size}});
      }
      op = {{"op", "compact"}, {"moved_bytes", step.compaction.moved_bytes}, {"moves", std::move(moves)}};
      break;
    }
  }
  if (recorded) op["free_list"] = FreeListJson(step.free_list);
  return op;
}

std::string FreeListLine(const std::vector<os::FreeChunk>& list) {
  std::string line = "Free List [ Size " + std::to_string(list.size()) + " ]: ";
  for (const os::FreeChunk& chunk : list) {
    line += "[ addr:" + std::to_string(chunk.addr) + " sz:" + std::to_string(chunk.size) + " ]";
  }
  return line;
}

/// One op as malloc.py prints it (plus our compaction and buddy details).
void PrintStep(std::ostream& out, const os::HeapStep& step, bool solve, bool buddy, bool recorded) {
  switch (step.op.kind) {
    case os::HeapOp::Kind::kAlloc:
      out << "ptr[" << step.ptr << "] = Alloc(" << step.op.value << ") returned ";
      if (!solve) {
        out << "?\n";
        break;
      }
      out << step.addr << " (searched " << step.alloc.searched << (buddy ? " free lists" : " elements");
      if (buddy && step.alloc.ok())
        out << "; " << step.alloc.block_size << "-byte block, " << step.alloc.splits << " splits";
      out << ")";
      if (!step.alloc.ok()) out << "  [" << os::AllocFailureName(step.alloc.failure) << "]";
      out << "\n";
      break;
    case os::HeapOp::Kind::kFree:
      if (step.skipped) {
        out << "Invalid Free: Skipping\n\n";  // ptr[K] was never returned; malloc.py shows no list either
        return;
      }
      out << "Free(ptr[" << step.ptr << "])\nreturned " << (solve ? std::to_string(step.returned) : "?") << "\n";
      break;
    case os::HeapOp::Kind::kCompact:
      out << "Compact()\n";
      if (!solve) {
        out << "moved ?\n";
        break;
      }
      out << "moved " << step.compaction.moved_bytes << " bytes";
      for (std::size_t i = 0; i < step.compaction.moves.size(); ++i) {
        const os::Move& move = step.compaction.moves[i];
        out << (i == 0 ? ": " : ", ") << move.from << "->" << move.to;
      }
      out << "\n";
      break;
  }
  if (!solve) {
    out << "List?\n\n";
  } else if (recorded) {
    out << FreeListLine(step.free_list) << "\n\n";
  } else {
    out << "\n";
  }
}

void PrintSummary(std::ostream& out, const MemRun& run) {
  const os::HeapMetrics& m = run.metrics;
  const bool buddy = run.policy == "BUDDY";
  std::int64_t frees = 0;
  for (const os::HeapStep& step : run.steps) {
    if (step.op.kind == os::HeapOp::Kind::kFree && step.returned == 0) ++frees;
  }
  Table table({"figure", "value"});
  table.AddRow(
      {"allocations", std::to_string(m.allocations + m.failed_requests) + " (" + std::to_string(m.failed_requests) +
                          " failed: " + std::to_string(m.failed_requests - m.failed_fragmentation) + " no space, " +
                          std::to_string(m.failed_fragmentation) + " external fragmentation)"});
  table.AddRow({"frees", std::to_string(frees)});
  table.AddRow({"external fragmentation", Fixed2(m.external_fragmentation) + " (largest free block " +
                                              std::to_string(m.largest_free_block) + " of " +
                                              std::to_string(m.free_bytes) + " free bytes)"});
  table.AddRow({"internal fragmentation", std::to_string(m.internal_fragmentation) + " bytes (" +
                                              std::to_string(m.alignment_padding) +
                                              (buddy ? " power-of-two rounding, " : " alignment, ") +
                                              std::to_string(m.header_bytes) + " headers)"});
  table.AddRow({"allocated / free", std::to_string(m.allocated_bytes) + " / " + std::to_string(m.free_bytes) +
                                        " bytes (" + std::to_string(m.free_blocks) +
                                        (m.free_blocks == 1 ? " free block)" : " free blocks)")});
  table.AddRow({buddy ? "free lists searched" : "elements searched", std::to_string(m.searched)});
  out << "Summary\n";
  table.Print(out, "  ");
}

void PrintMap(std::ostream& out, const MemRun& run, const Json& blocks) {
  const int width = static_cast<int>(std::min<std::int64_t>(kMapWidth, run.size));
  out << "\nMemory map (" << (run.size == width ? std::string("1 byte") : Fixed2(double(run.size) / width) + " bytes")
      << " per column; ptr[N] shows as N, free as .)\n";
  const std::string start = std::to_string(run.base);
  out << start << " |" << MemMapLine(blocks, run.base, run.size, width) << "| " << run.base + run.size << "\n";
  std::string legend, line;
  for (const Json& block : blocks) {
    if (block["free"].get<bool>()) continue;
    const std::int64_t ptr = block["ptr"].is_null() ? -1 : block["ptr"].get<std::int64_t>();
    const std::string item = std::string(1, ptr >= 0 ? PtrChar(ptr) : '#') + "=ptr[" + std::to_string(ptr) + "] " +
                             std::to_string(block["addr"].get<std::int64_t>()) + "+" +
                             std::to_string(block["size"].get<std::int64_t>());
    if (!line.empty() && line.size() + item.size() > 76) {
      legend += line + "\n";
      line.clear();
    }
    line += "  " + item;
  }
  legend += line;
  if (!legend.empty()) out << legend << "\n";
}

}  // namespace

std::string MemMapLine(const Json& blocks, std::int64_t base, std::int64_t size, int width) {
  std::string line;
  std::size_t b = 0;
  for (int column = 0; column < width; ++column) {
    // The byte in the middle of this column decides its character.
    const std::int64_t byte = base + ((2 * column + 1) * size) / (2 * width);
    while (b + 1 < blocks.size() &&
           blocks[b]["addr"].get<std::int64_t>() + blocks[b]["size"].get<std::int64_t>() <= byte) {
      ++b;
    }
    if (b >= blocks.size() || blocks[b]["free"].get<bool>()) {
      line += '.';
    } else {
      const Json& ptr = blocks[b]["ptr"];
      line += ptr.is_null() ? '#' : PtrChar(ptr.get<std::int64_t>());
    }
  }
  return line;
}

Json MemJson(const MemRun& run) {
  const bool buddy = run.policy == "BUDDY";
  const bool recorded = run.steps.empty() || !run.steps.front().blocks.empty();
  Json json;
  json["policy"] = run.policy;
  json["list_order"] = buddy ? Json(nullptr) : Json(run.list_order);
  json["coalesce"] = run.coalesce;
  json["indexed"] = run.indexed;
  json["heap"] = {{"base", run.base}, {"size", run.size}, {"header_size", run.header}, {"alignment", run.alignment}};
  json["seed"] = run.seed ? Json(*run.seed) : Json(nullptr);
  std::vector<os::HeapOp> ops;
  for (const os::HeapStep& step : run.steps) ops.push_back(step.op);
  json["alloc_list"] = os::FormatHeapOps(ops);
  Json steps = Json::array();
  for (const os::HeapStep& step : run.steps) steps.push_back(StepJson(step, buddy, recorded));
  json["ops"] = std::move(steps);
  const os::HeapMetrics& m = run.metrics;
  json["external_fragmentation"] = m.external_fragmentation;
  json["internal_fragmentation"] = m.internal_fragmentation;
  json["alignment_padding"] = m.alignment_padding;
  json["header_bytes"] = m.header_bytes;
  json["failed"] = m.failed_requests;
  json["failed_fragmentation"] = m.failed_fragmentation;
  json["largest_free_block"] = m.largest_free_block;
  json["free_bytes"] = m.free_bytes;
  json["allocated_bytes"] = m.allocated_bytes;
  json["free_blocks"] = m.free_blocks;
  json["searched_total"] = m.searched;
  json["blocks"] = BlocksJson(run.blocks, run.owners);
  return json;
}

std::string MemText(const MemRun& run, bool solve) {
  std::ostringstream out;
  const bool buddy = run.policy == "BUDDY";
  std::vector<os::HeapOp> ops;
  for (const os::HeapStep& step : run.steps) ops.push_back(step.op);
  if (run.seed) out << "seed " << *run.seed << "\n";
  out << "size " << run.size << "\nbaseAddr " << run.base << "\nheaderSize " << run.header << "\nalignment "
      << run.alignment << "\npolicy " << run.policy << "\n";
  if (!buddy) out << "listOrder " << run.list_order << "\ncoalesce " << (run.coalesce ? "True" : "False") << "\n";
  if (run.seed) out << "numOps " << run.num_ops << "\nrange " << run.range << "\npercentAlloc " << run.percent << "\n";
  out << "allocList " << os::FormatHeapOps(ops) << "\n";
  if (run.indexed) out << "indexed True\n";
  out << "compute " << (solve ? "True" : "False") << "\n\n";
  const bool recorded = run.steps.empty() || !run.steps.front().blocks.empty();
  for (const os::HeapStep& step : run.steps) PrintStep(out, step, solve, buddy, recorded);
  if (!recorded && solve) out << "(free lists are not shown for programs of more than 1000 ops)\n\n";
  if (!solve) {
    out << "Compute the address each Alloc returns (-1 if it fails), the number of free-list\n"
           "elements searched, the value each Free returns, and the free list after each op.\n";
    return out.str();
  }
  PrintSummary(out, run);
  PrintMap(out, run, BlocksJson(run.blocks, run.owners));
  return out.str();
}

std::string MemSvg(const MemRun& run) {
  constexpr double kLeft = 190, kBar = 560, kRow = 20, kGap = 6, kTop = 40;
  std::vector<std::pair<std::string, const os::HeapStep*>> rows;
  const bool recorded = !run.steps.empty() && !run.steps.front().blocks.empty();
  if (recorded && run.steps.size() <= kMaxSvgRows) {
    for (const os::HeapStep& step : run.steps) {
      std::string label;
      switch (step.op.kind) {
        case os::HeapOp::Kind::kAlloc:
          label = "ptr[" + std::to_string(step.ptr) + "]=Alloc(" + std::to_string(step.op.value) + ") " +
                  (step.addr < 0 ? "fails" : "@" + std::to_string(step.addr));
          break;
        case os::HeapOp::Kind::kFree:
          label = "Free(ptr[" + std::to_string(step.ptr) + "])" + (step.returned == 0 ? "" : " -> -1");
          break;
        case os::HeapOp::Kind::kCompact:
          label = "Compact()";
          break;
      }
      rows.emplace_back(label, &step);
    }
  }
  rows.emplace_back("end", nullptr);
  const double height = kTop + static_cast<double>(rows.size()) * (kRow + kGap) + 30;
  Svg svg(kLeft + kBar + 20, height);
  std::string title = "Heap " + std::to_string(run.base) + ".." + std::to_string(run.base + run.size) + ": " +
                      run.policy + (run.policy == "BUDDY" ? " system" : " fit, " + run.list_order) +
                      (run.coalesce && run.policy != "BUDDY" ? ", coalescing" : "");
  svg.Text(10, 22, title, 15);
  auto draw = [&](double y, const std::vector<os::Block>& blocks, const std::vector<std::int64_t>& owners) {
    for (std::size_t i = 0; i < blocks.size(); ++i) {
      const os::Block& block = blocks[i];
      const double x = kLeft + kBar * static_cast<double>(block.addr - run.base) / static_cast<double>(run.size);
      const double w = kBar * static_cast<double>(block.size) / static_cast<double>(run.size);
      const std::string span = std::to_string(block.addr) + "-" + std::to_string(block.addr + block.size - 1) + " (" +
                               std::to_string(block.size) + " B)";
      if (block.free) {
        svg.Rect(x, y, w, kRow, "#f4f4f4", "#999", "free " + span);
        continue;
      }
      const std::int64_t ptr = owners[i];
      svg.Rect(x, y, w, kRow, Colour(static_cast<std::size_t>(std::max<std::int64_t>(ptr, 0))), "#333",
               "ptr[" + std::to_string(ptr) + "] " + span);
      if (w >= 14) svg.Text(x + w / 2, y + 14, std::to_string(ptr), 11, "middle");
    }
  };
  double y = kTop;
  for (const auto& [label, step] : rows) {
    svg.Text(kLeft - 8, y + 14, label, 12, "end");
    if (step != nullptr) {
      draw(y, step->blocks, step->owners);
    } else {
      draw(y, run.blocks, run.owners);
    }
    y += kRow + kGap;
  }
  svg.Text(kLeft, y + 8, std::to_string(run.base), 11, "start");
  svg.Text(kLeft + kBar, y + 8, std::to_string(run.base + run.size), 11, "end");
  return svg.Finish();
}

std::vector<std::pair<std::string, std::string>> MemSummary(const Json& run) {
  std::int64_t searched = run.value("searched_total", std::int64_t{0});
  return {{"failed", std::to_string(run.value("failed", std::int64_t{0}))},
          {"ext. fragmentation", Fixed2(run.value("external_fragmentation", 0.0))},
          {"largest free", std::to_string(run.value("largest_free_block", std::int64_t{0}))},
          {"searched", std::to_string(searched)}};
}

std::string MemBrief(const Json& run) {
  if (!run.contains("blocks") || !run.contains("heap")) return "";
  const std::int64_t base = run["heap"]["base"].get<std::int64_t>();
  const std::int64_t size = run["heap"]["size"].get<std::int64_t>();
  const int width = static_cast<int>(std::min<std::int64_t>(kMapWidth, size));
  return std::to_string(base) + " |" + MemMapLine(run["blocks"], base, size, width) + "| " +
         std::to_string(base + size);
}

}  // namespace osgrid::cli::sim
