// IndexedHeap: the free-list heap's answers in O(log n) per operation.
//
// Source: OSTEP ch. 17.3 (best, worst, first and next fit; "more complex data
//         structures ... balanced binary trees, splay trees, or partially-
//         ordered trees" in the homework discussion) and 17.2 (coalescing);
//         Silberschatz 10e 9.2.2.
//
// The free blocks live in two indexes instead of one list:
//   - a FreeBlockTree by address, where every subtree knows its largest block:
//     first fit = the lowest address >= base whose block is big enough; next
//     fit = the same from the rover (wrapping to base); coalescing looks up
//     the neighbours below and above a freed block;
//   - for BEST and WORST only, an ordered set of (size, address): best fit =
//     the smallest size >= request, worst fit = the largest size; equal sizes
//     go to the lowest address.
// These are exactly the answers of FreeListHeap with list order ADDRSORT (the
// only list order the indexed heap supports; with or without coalescing), for
// every policy -- a property test checks it. "searched" counts the tree's
// nodes and blocks examined (FIRST/NEXT) or 1 per set lookup (BEST/WORST),
// not list elements. Allocated blocks are found by address in a hash table.
//
// Restore(addr, block_size, requested) finds the free block holding the range
// (the tree's Floor of addr) and leaves free what is left of it below and
// above, as the ADDRSORT free list does; the rover stays where it is.
#pragma once

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "osgrid/os/expected.h"
#include "osgrid/os/mem/allocator.h"
#include "osgrid/os/mem/flat_containers.h"
#include "osgrid/os/mem/free_block_tree.h"

namespace osgrid::os {

class IndexedHeap final : public HeapAllocator {
 public:
  /// Errors: as ValidateHeapConfig; list_order must be ADDRSORT.
  static Expected<IndexedHeap> Create(const HeapConfig& config);

  std::string_view name() const override { return FitPolicyName(config_.policy); }
  AllocResult Alloc(std::int64_t size) override;
  std::int64_t BlockBytes(std::int64_t request) const override { return BlockSizeFor(config_, request); }
  bool Free(std::int64_t addr) override;
  bool Restore(std::int64_t addr, std::int64_t block_size, std::int64_t requested) override;
  Expected<Compaction> Compact() override;
  std::vector<Block> Blocks() const override;
  std::vector<FreeChunk> FreeList() const override { return by_addr_.InOrder(); }
  void CopyFreeList(std::vector<FreeChunk>& out) const override { by_addr_.InOrder(out); }
  HeapMetrics Metrics() const override;
  std::int64_t base() const override { return config_.base; }
  std::int64_t size() const override { return config_.size; }

 private:
  struct Allocation {
    std::int64_t size = 0;
    std::int64_t requested = 0;
  };

  explicit IndexedHeap(const HeapConfig& config);
  std::optional<FreeChunk> FindFit(std::int64_t need, std::int64_t* searched) const;
  std::optional<FreeChunk> NextFit(std::int64_t need, std::int64_t* searched) const;
  /// Books an allocated block: its size, the request, the bytes allocated and
  /// the internal fragmentation (header, and the rest as padding).
  void RecordAllocation(std::int64_t addr, std::int64_t block_size, std::int64_t requested);
  void AddFree(FreeChunk chunk);
  void RemoveFree(FreeChunk chunk);
  void ReplaceFree(FreeChunk old_chunk, FreeChunk new_chunk);
  bool UsesSizeIndex() const { return config_.policy == FitPolicy::kBest || config_.policy == FitPolicy::kWorst; }

  HeapConfig config_;
  FreeBlockTree by_addr_;
  BucketedSet<std::pair<std::int64_t, std::int64_t>> by_size_;  // (size, addr); BEST and WORST only
  AddressTable<Allocation> allocated_;                          // by address
  std::int64_t rover_ = 0;
  HeapMetrics counters_;
};

}  // namespace osgrid::os
