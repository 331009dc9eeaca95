// The buddy system: blocks of power-of-two sizes, split in halves to satisfy
// a request and merged with their buddy when both halves are free.
//
// Source: Silberschatz, Operating System Concepts 10e, 10.8.1 "Buddy System"
//         (the 256 KB segment and the 21 KB request, Figure 10.26);
//         OSTEP ch. 17.4 "Other Approaches: Buddy Allocation".
//
// The heap is one block of `size` bytes (a power of two) at `base`. A request
// of n bytes (plus the header) gets a block of the smallest power of two
// >= max(n + header, min_block). Alloc takes the lowest-addressed free block
// of the smallest size that is available, splitting it in halves (keeping the
// lower half each time) until it has the right size. Free merges a block with
// its buddy -- the other half of the block it was split from, at offset
// (addr - base) XOR block size -- for as long as that buddy is free too.
// The rounding up to a power of two is internal fragmentation.
//
// Restore(addr, block_size, requested) puts back a block found in memory:
// going down from the whole heap along the blocks that hold addr, it takes
// the first free one and splits it as Alloc would (each time freeing the half
// that does not hold addr) until the block of block_size at addr exists. No
// free block on the way means part of the range is allocated: refused.
//
// Cost: O(log(size / min_block)) set operations per Alloc, Free and Restore.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <vector>

#include "osgrid/os/expected.h"
#include "osgrid/os/mem/allocator.h"

namespace osgrid::os {

struct BuddyConfig {
  std::int64_t base = 0;         // address of the first byte
  std::int64_t size = 256;       // bytes managed: a power of two, up to 2^40
  std::int64_t min_block = 1;    // smallest block: a power of two <= size
  std::int64_t header_size = 0;  // bytes of header added to every request, >= 0
};

class BuddyAllocator final : public HeapAllocator {
 public:
  /// Errors: size or min_block not a power of two, min_block > size,
  /// negative header or base; the message names the field and value.
  static Expected<BuddyAllocator> Create(const BuddyConfig& config);

  std::string_view name() const override { return "BUDDY"; }
  /// searched = the free lists examined (one per block size tried);
  /// splits = blocks split in two.
  AllocResult Alloc(std::int64_t size) override;
  /// The smallest power of two >= max(request + header, min_block).
  std::int64_t BlockBytes(std::int64_t request) const override;
  bool Free(std::int64_t addr) override;
  bool Restore(std::int64_t addr, std::int64_t block_size, std::int64_t requested) override;
  /// Always an error: buddy blocks must stay at addresses aligned to their size.
  Expected<Compaction> Compact() override;
  std::vector<Block> Blocks() const override;
  /// Free blocks by address (all sizes).
  std::vector<FreeChunk> FreeList() const override;
  HeapMetrics Metrics() const override;
  std::int64_t base() const override { return config_.base; }
  std::int64_t size() const override { return config_.size; }

  /// Buddy merges done by Free calls so far.
  std::int64_t merges() const { return merges_; }

 private:
  struct Allocation {
    int order = 0;               // block size = min_block << order
    std::int64_t requested = 0;  // bytes asked for (without the header)
  };

  explicit BuddyAllocator(const BuddyConfig& config);
  std::int64_t BlockSize(int order) const { return config_.min_block << order; }
  /// The smallest order whose block holds `need` bytes, or -1 if none does.
  int OrderFor(std::int64_t need) const;
  /// The order of the block Restore's arguments describe, or -1 when it is not
  /// one the buddy system could hand out (see HeapAllocator::Restore).
  int RestoreOrder(std::int64_t addr, std::int64_t block_size, std::int64_t requested) const;
  /// Offset of the block of `order` that holds the byte at `offset`.
  std::int64_t Holding(std::int64_t offset, int order) const { return offset - offset % BlockSize(order); }

  BuddyConfig config_;
  int top_order_ = 0;                             // the whole heap
  std::vector<std::set<std::int64_t>> free_;      // free_[k]: offsets of free blocks of order k
  std::map<std::int64_t, Allocation> allocated_;  // by offset from base
  std::int64_t allocated_bytes_ = 0;
  std::int64_t merges_ = 0;
  HeapMetrics counters_;
};

}  // namespace osgrid::os
