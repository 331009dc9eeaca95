// KeyedHeap: a heap whose blocks belong to keys, as the entries of a
// key-value store do. The peer's memory store keeps every entry in a block of
// its arena through this class, and `osgrid sim mem` replays the same
// operations ("key=N", "-key" in -A), so a live sequence and its simulation
// give the same addresses.
//
// Source: OSTEP ch. 17 "Free-Space Management" (17.2 splitting and
//         coalescing, 17.3 the fit policies); Silberschatz 10e 9.2.2
//         "Memory allocation" and 9.2.3 "Fragmentation" (external
//         fragmentation, compaction).
//
// The rules:
//   - Set(key, n) allocates a new block for n bytes, and only if that
//     succeeds frees the key's old block. So a failed overwrite keeps the old
//     value, and an overwrite never reuses the old block's own space: the old
//     block is still allocated while the new one is placed (as in a store that
//     must not lose the old value if writing the new one fails).
//   - Delete(key) frees the key's block.
//   - Compact() slides every block down in address order (allocator.h); each
//     key follows its block.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "osgrid/os/expected.h"
#include "osgrid/os/mem/allocator.h"

namespace osgrid::os {

/// What Set did.
struct KeyedSet {
  AllocResult alloc;               // the new block, or why there is none (then nothing changed)
  std::optional<Block> old_block;  // the key's previous block, freed after the new one was placed
};

class KeyedHeap {
 public:
  /// Keys the blocks of `heap`, the allocator policy that places them
  /// (FreeListHeap, IndexedHeap or BuddyAllocator), which must outlive this.
  /// Other blocks of the same heap (a simulation's numbered pointers) are
  /// left alone; whoever compacts the heap without Compact() below passes
  /// the result to FollowMoves.
  explicit KeyedHeap(HeapAllocator& heap) : heap_(&heap) {}

  /// Gives `key` a block for `bytes` bytes (> 0). On success the key's old
  /// block, if any, is freed after the new one was placed; on failure
  /// (AllocResult::failure) nothing changes.
  KeyedSet Set(const std::string& key, std::int64_t bytes);
  /// Frees `key`'s block and returns it; nullopt (and nothing changes) when
  /// the key has none.
  std::optional<Block> Delete(const std::string& key);
  /// Gives `key` the block of `block_size` bytes for `bytes` bytes that is
  /// already at `addr` (HeapAllocator::Restore): how a restarted store
  /// rebuilds its keys from the blocks it finds. False, and nothing changes,
  /// when the key has a block already or the heap refuses the block.
  bool Restore(const std::string& key, std::int64_t addr, std::int64_t block_size, std::int64_t bytes);
  /// Compacts the heap; every key follows its block. Errors: as the
  /// allocator's (the buddy system cannot compact).
  Expected<Compaction> Compact();
  /// Moves the keys whose blocks `compaction` moved (HeapAllocator::Compact's
  /// result for this heap).
  void FollowMoves(const Compaction& compaction);

  /// The block of `key`: its address and size; nullopt if none.
  std::optional<Block> BlockOf(const std::string& key) const;
  /// The key whose block starts at `addr`, or nullptr.
  const std::string* KeyAt(std::int64_t addr) const;
  /// Keys with a block.
  std::size_t keys() const { return address_of_.size(); }

  const HeapAllocator& heap() const { return *heap_; }

 private:
  HeapAllocator* heap_;
  std::unordered_map<std::string, Block> address_of_;  // key -> its block
  std::map<std::int64_t, std::string> key_at_;         // block address -> key
};

/// The failure of `result` in words, with the heap's figures just after it:
///   "external fragmentation: need 304 B; 1,000 B free in 5 holes, largest 250 B"
///   "no space: need 304 B; 200 B free of 4,096 B"
///   "bad size: 0 B"
/// "need" is the block size (request, alignment and header). Empty when
/// result.ok().
std::string DescribeAllocFailure(const AllocResult& result, const HeapMetrics& after);

/// 1234567 -> "1,234,567".
std::string GroupThousands(std::int64_t value);

}  // namespace osgrid::os
