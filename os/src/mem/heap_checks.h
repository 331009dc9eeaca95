// Test helpers shared by the mem tests: heap invariants and hole building.
#pragma once

#include <catch2/catch.hpp>

#include <tuple>
#include <vector>

#include "osgrid/os/mem/allocator.h"

namespace osgrid::os::testing {

/// The map covers [base, base + size) exactly, blocks in address order, no
/// overlap; allocated + free bytes == heap size; the free list holds the
/// same blocks as the map's free blocks, none overlapping.
inline void CheckHeapInvariants(const HeapAllocator& heap) {
  const std::vector<Block> blocks = heap.Blocks();
  std::int64_t next = heap.base();
  std::int64_t free_bytes = 0;
  std::int64_t free_count = 0;
  for (const Block& block : blocks) {
    REQUIRE(block.addr == next);  // no gap, no overlap
    REQUIRE(block.size > 0);
    next += block.size;
    if (block.free) {
      free_bytes += block.size;
      ++free_count;
    } else {
      REQUIRE(block.requested <= block.size);
    }
  }
  REQUIRE(next == heap.base() + heap.size());
  const HeapMetrics metrics = heap.Metrics();
  REQUIRE(metrics.allocated_bytes + metrics.free_bytes == heap.size());
  REQUIRE(metrics.free_bytes == free_bytes);
  REQUIRE(metrics.free_blocks == free_count);
  REQUIRE(static_cast<std::int64_t>(heap.FreeList().size()) == free_count);
}

/// Every figure of `m`, to compare two HeapMetrics with ==.
inline auto AllFigures(const HeapMetrics& m) {
  return std::tuple(m.heap_size, m.allocated_bytes, m.free_bytes, m.free_blocks, m.largest_free_block,
                    m.external_fragmentation, m.internal_fragmentation, m.alignment_padding, m.header_bytes,
                    m.allocations, m.failed_requests, m.failed_fragmentation, m.frees, m.searched);
}

/// The figures that follow from which blocks are allocated and free, not
/// from the calls that made them.
inline auto LayoutFigures(const HeapMetrics& m) {
  return std::tuple(m.heap_size, m.allocated_bytes, m.free_bytes, m.free_blocks, m.largest_free_block,
                    m.external_fragmentation, m.internal_fragmentation, m.alignment_padding, m.header_bytes);
}

/// Whether two free blocks touch (only possible without coalescing).
inline bool HasAdjacentFreeBlocks(const HeapAllocator& heap) {
  const std::vector<Block> blocks = heap.Blocks();
  for (std::size_t i = 1; i < blocks.size(); ++i) {
    if (blocks[i - 1].free && blocks[i].free) return true;
  }
  return false;
}

/// Carves the heap into holes of the given sizes (in address order), each
/// followed by a 1-byte allocated separator, then frees the holes. Returns
/// the holes' addresses. The heap must be at least sum(holes) + holes.size().
inline std::vector<std::int64_t> MakeHoles(HeapAllocator& heap, const std::vector<std::int64_t>& holes) {
  std::vector<std::int64_t> addrs;
  for (std::int64_t hole : holes) {
    const AllocResult a = heap.Alloc(hole);
    REQUIRE(a.ok());
    REQUIRE(heap.Alloc(1).ok());
    addrs.push_back(a.addr);
  }
  for (std::int64_t addr : addrs) REQUIRE(heap.Free(addr));
  return addrs;
}

}  // namespace osgrid::os::testing
