// The free list: a contiguous heap managed with one list of free blocks,
// searched linearly -- the textbook reference.
//
// Source: OSTEP ch. 17 "Free-Space Management", 17.2 (splitting and
//         coalescing, tracking allocated sizes with headers) and 17.3 (best,
//         worst, first and next fit); Silberschatz 10e 9.2.2 (first-, best-
//         and worst-fit) and 9.2.3 (compaction). Behaves exactly as OSTEP's
//         homework simulator vm-freespace/malloc.py, including its search
//         counts and list orders.
//
// Alloc(n): the block needs n rounded up to the alignment, plus the header.
// The policy picks a free block of at least that many bytes:
//   FIRST  the first element of the list that is big enough;
//   BEST   the smallest big-enough element; equal sizes: the first in list order;
//   WORST  the largest element; equal sizes: the first in list order;
//   NEXT   like FIRST, but the scan starts at the first element (in list order)
//          that holds or lies above the rover -- the end of the block last
//          allocated -- and wraps around to the head of the list.
// The block is split: its front is allocated, the rest stays on the list at
// the same position (an exact fit removes the element). "searched" counts the
// elements examined (FIRST and NEXT stop at the one they take; BEST and WORST
// examine the whole list).
//
// Free(addr): the block is put on the list as the list order says; with
// coalescing, one pass then merges every element with the next one in list
// order when they are adjacent in memory (with ADDRSORT: all neighbours).
//
// Restore(addr, block_size, requested): the free element holding the whole
// range is replaced, at its list position, by what is left of it below the
// block and above it (below first; either may be empty) -- the position an
// Alloc split keeps, so with ADDRSORT the list stays in address order and the
// other orders are re-sorted at the next Free, as after an Alloc. The rover
// stays where it is.
//
// Cost: O(free-list length) per Alloc, Free and Restore. IndexedHeap gives the
// same answers in O(log n).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <vector>

#include "osgrid/os/expected.h"
#include "osgrid/os/mem/allocator.h"

namespace osgrid::os {

class FreeListHeap final : public HeapAllocator {
 public:
  /// A heap whose free list holds one block, [base, base + size).
  /// Errors: as ValidateHeapConfig.
  static Expected<FreeListHeap> Create(const HeapConfig& config);

  std::string_view name() const override { return FitPolicyName(config_.policy); }
  AllocResult Alloc(std::int64_t size) override;
  std::int64_t BlockBytes(std::int64_t request) const override { return BlockSizeFor(config_, request); }
  bool Free(std::int64_t addr) override;
  bool Restore(std::int64_t addr, std::int64_t block_size, std::int64_t requested) override;
  Expected<Compaction> Compact() override;
  std::vector<Block> Blocks() const override;
  std::vector<FreeChunk> FreeList() const override { return free_list_; }
  void CopyFreeList(std::vector<FreeChunk>& out) const override { out.assign(free_list_.begin(), free_list_.end()); }
  HeapMetrics Metrics() const override;
  std::int64_t base() const override { return config_.base; }
  std::int64_t size() const override { return config_.size; }
  const HeapConfig& config() const { return config_; }

 private:
  struct Allocation {
    std::int64_t size = 0;       // block bytes
    std::int64_t requested = 0;  // bytes asked for
  };

  explicit FreeListHeap(const HeapConfig& config);
  /// Index in the free list of the block the policy picks, or -1; adds the
  /// elements examined to *searched.
  int FindFit(std::int64_t need, std::int64_t* searched) const;
  int FindFirstFrom(std::size_t start, std::int64_t need, std::int64_t* searched) const;
  /// Where NEXT fit starts scanning: the first element holding or above the rover.
  std::size_t NextFitStart() const;
  /// Index in the free list of the element holding all of [addr, addr + size), or -1.
  int FindHolding(std::int64_t addr, std::int64_t size) const;
  /// Books an allocated block: its size, the request, the bytes allocated and
  /// the internal fragmentation (header, and the rest as padding).
  void RecordAllocation(std::int64_t addr, std::int64_t block_size, std::int64_t requested);
  void InsertFree(FreeChunk chunk);
  /// Sorts the free list stably by `before`, as Python's sorted().
  template <typename Before>
  void SortStably(Before before);
  void CoalesceListNeighbours();

  HeapConfig config_;
  std::vector<FreeChunk> free_list_;              // in list order
  std::map<std::int64_t, Allocation> allocated_;  // by address
  std::int64_t rover_ = 0;                        // NEXT fit: end of the block last allocated
  HeapMetrics counters_;                          // allocations, failures, frees, searched, internal
};

/// The linear free list (indexed == false) or the IndexedHeap (true) for
/// `config`. Errors: as ValidateHeapConfig; the indexed heap also needs
/// list_order == ADDRSORT.
Expected<std::unique_ptr<HeapAllocator>> MakeHeap(const HeapConfig& config, bool indexed);

}  // namespace osgrid::os
