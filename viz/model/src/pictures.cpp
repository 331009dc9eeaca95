// Pictures of a ViewState: see pictures.h.
//
// Source: the memory map and its figures are Silberschatz 10e 9.2.2-9.2.3
//         (holes, external fragmentation) and OSTEP ch. 17; the tree is
//         Silberschatz 3.3.1's process tree, drawn as pstree draws it.
#include "osgrid/viz/pictures.h"

#include <algorithm>
#include <functional>
#include <map>
#include <set>

#include "osgrid/os/mem/allocator.h"

namespace osgrid::viz {

namespace ev = os::events;

// ---- the memory map ----------------------------------------------------------------

namespace {

/// Adds the hole [from, to) to `map`, if it is not empty.
void AddHole(ArenaMap& map, std::uint64_t from, std::uint64_t to) {
  if (to <= from) return;
  const std::uint64_t size = to - from;
  map.slots.push_back(ArenaSlot{from, size, true, ""});
  map.free_bytes += size;
  ++map.holes;
  map.largest_hole = std::max(map.largest_hole, size);
}

}  // namespace

std::optional<ArenaMap> ArenaOf(const ViewState& state, std::string_view peer) {
  const ev::PeerState* live = state.cluster().Find(std::string(peer));
  if (live == nullptr) return std::nullopt;
  ArenaMap map;
  map.peer = live->peer;
  map.allocator = live->mem_allocator;
  const bool simulated = state.source().is_sim() && peer == kSimPeer;
  map.base = simulated ? state.source().sim_heap_base : 0;
  std::uint64_t end_of_blocks = 0;
  for (const ev::ArenaBlock& block : live->arena) end_of_blocks = std::max(end_of_blocks, block.address + block.size);
  map.size_known = live->mem_limit_bytes > 0;
  map.size = std::max(live->mem_limit_bytes, end_of_blocks);  // a block past the end (a gap in the stream) still shows

  std::uint64_t at = 0;  // from the arena's start, as the fold keeps addresses
  for (const ev::ArenaBlock& block : live->arena) {
    AddHole(map, map.base + at, map.base + block.address);
    map.slots.push_back(ArenaSlot{map.base + block.address, block.size, false, block.key});
    map.used_bytes += block.size;
    at = std::max(at, block.address + block.size);
  }
  AddHole(map, map.base + at, map.base + map.size);
  map.external_fragmentation =
      os::ExternalFragmentation(static_cast<std::int64_t>(map.largest_hole), static_cast<std::int64_t>(map.free_bytes));
  if (const auto* failure = state.LastMemFailure(peer)) map.last_failure = *failure;
  return map;
}

// ---- the process tree ----------------------------------------------------------------

std::vector<TreeRow> ProcessTree(const ViewState& state) {
  const std::vector<ev::TaskInfo> tasks = state.cluster().Tasks();  // sorted by TaskIdLess
  std::map<std::string, std::size_t> by_id;
  for (std::size_t k = 0; k < tasks.size(); ++k) by_id[tasks[k].task_id] = k;
  std::vector<std::vector<std::size_t>> children(tasks.size());  // in id order, as `tasks` is
  std::vector<std::size_t> roots;
  for (std::size_t k = 0; k < tasks.size(); ++k) {
    auto parent = tasks[k].parent ? by_id.find(*tasks[k].parent) : by_id.end();
    if (parent == by_id.end()) {
      roots.push_back(k);
    } else {
      children[parent->second].push_back(k);
    }
  }

  std::vector<TreeRow> rows;
  std::vector<bool> shown(tasks.size(), false);
  // Depth first; `lines` is what goes before a child of this task: "│  " or "   " per ancestor.
  std::function<void(std::size_t, int, const std::string&, const std::string&)> visit =
      [&](std::size_t k, int depth, const std::string& prefix, const std::string& lines) {
        shown[k] = true;
        const bool gone = depth == 0 && tasks[k].parent && by_id.count(*tasks[k].parent) == 0;
        rows.push_back(TreeRow{tasks[k], depth, gone, !children[k].empty(), prefix});
        for (std::size_t c = 0; c < children[k].size(); ++c) {
          if (shown[children[k][c]]) continue;  // back to where a cycle was entered
          const bool last = c + 1 == children[k].size();
          visit(children[k][c], depth + 1, lines + (last ? "└─ " : "├─ "), lines + (last ? "   " : "│  "));
        }
      };
  for (std::size_t root : roots) visit(root, 0, "", "");
  // Parents in a cycle: never reached from a root. Each is shown once, from the first by id.
  for (std::size_t k = 0; k < tasks.size(); ++k) {
    if (!shown[k]) visit(k, 0, "", "");
  }
  return rows;
}

}  // namespace osgrid::viz
