// Pictures derived from a ViewState for the viewer's panels: a peer's memory
// map drawn to scale, and the process tree. Pure functions of the state,
// computed when asked (O(blocks), O(tasks log tasks)): cheap enough to call
// once per frame for a class-sized cluster; cache them if a panel is big.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "osgrid/os/events/cluster_state.h"
#include "osgrid/os/events/events.h"
#include "osgrid/viz/view_state.h"

namespace osgrid::viz {

// ---- the memory map (Silberschatz 10e 9.2.2-9.2.3; OSTEP ch. 17) ---------------

/// One stretch of an arena: an allocated block or a hole.
struct ArenaSlot {
  std::uint64_t address = 0;  // its first byte (a peer's arena counts from 0; a simulated heap from its base)
  std::uint64_t size = 0;     // bytes
  bool free = false;          // a hole
  std::string key;            // allocated: whose entry (a key on a peer, "ptr[3]" in a simulation); "" for a hole

  bool operator==(const ArenaSlot&) const = default;
};

/// A peer's arena as the memory-map panel draws it.
struct ArenaMap {
  std::string peer;
  std::string allocator;         // "first", "best", "worst", "next", "buddy" (a simulation: its -p as given)
  std::uint64_t base = 0;        // the first address (0 on a peer)
  std::uint64_t size = 0;        // bytes; when not known, the end of the last block
  bool size_known = false;       // false: the arena's size was never said (mem.arena, or the snapshot)
  std::vector<ArenaSlot> slots;  // by address, covering [base, base + size): every block, one hole per gap
  std::uint64_t used_bytes = 0;  // in allocated blocks (headers and padding included)
  std::uint64_t free_bytes = 0;
  std::uint64_t holes = 0;
  std::uint64_t largest_hole = 0;
  double external_fragmentation = 0;                          // 1 - largest hole / free bytes; 0 when nothing is free
  std::optional<Marked<os::events::MemFailed>> last_failure;  // the last failing request (size, why)
};

/// The arena of `peer` in `state` (a live peer, or kSimPeer), or nullopt when
/// it is not a live peer. Holes are the gaps between allocated blocks: the
/// events say where blocks are, not how the allocator splits its free list,
/// so two neighbouring free-list entries show as one hole (as in
/// os::events::ReplayHeap).
std::optional<ArenaMap> ArenaOf(const ViewState& state, std::string_view peer);

// ---- the process tree (as `osgrid ps --tree`) --------------------------------------

/// One row of the process tree.
struct TreeRow {
  os::events::TaskInfo task;
  int depth = 0;             // 0 for a root
  bool parent_gone = false;  // a root whose parent is not among the unfinished tasks
  bool has_children = false;
  std::string prefix;  // what `osgrid ps --tree` draws before the id: "", "├─ ", "│  └─ "...
};

/// The unfinished tasks of `state` (os::events::ClusterState::Tasks()) as a
/// tree in display order: each task under the task that submitted it (its
/// parent), roots and siblings by id (os::events::TaskIdLess). A task whose
/// parent is not unfinished is a root with parent_gone; tasks whose parents
/// form a cycle (which a live cluster cannot make) come last, as roots.
std::vector<TreeRow> ProcessTree(const ViewState& state);

}  // namespace osgrid::viz
