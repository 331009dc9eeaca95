// FreeBlockTree: the free blocks of a heap in address order, in a B-tree of
// height two -- a list of nodes ("buckets") of up to 512 blocks each --
// where every node also knows the largest free block it holds.
//
// Source: the augmented search tree of Cormen et al., "Introduction to
// Algorithms" 3e, ch. 14 "Augmenting Data Structures" (here augmented with
// the maximum block size), laid out as the B-tree of ch. 18 with two levels
// so that a search reads contiguous memory. It answers first fit (OSTEP
// 17.3) quickly: the lowest-addressed free block at or above an address that
// is big enough -- a node whose largest block is too small is skipped whole.
//
// Cost with n blocks and nodes of B = 512: Insert, Erase, Replace, Floor and
// Ceiling O(log n + B) (a memmove of at most B blocks); FirstFit O(n / B + B). For the heaps of this project
// (up to a few hundred thousand free blocks) that is a few hundred cheap,
// cache-friendly steps per operation.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "osgrid/os/mem/allocator.h"

namespace osgrid::os {

class FreeBlockTree {
 public:
  std::size_t size() const { return count_; }
  bool empty() const { return count_ == 0; }

  /// Adds a free block. Precondition: no block starts at chunk.addr.
  void Insert(FreeChunk chunk);
  /// Removes the block starting at addr; false if there is none.
  bool Erase(std::int64_t addr);
  /// Changes the block starting at `addr` to `chunk` (a split moves its
  /// start up, coalescing grows it). Precondition: the block exists and the
  /// new start keeps the address order (it stays between its neighbours).
  void Replace(std::int64_t addr, FreeChunk chunk);

  /// The lowest-addressed block with addr >= from and size >= need, if any.
  /// Adds the nodes skipped and blocks examined to *visited.
  std::optional<FreeChunk> FirstFit(std::int64_t from, std::int64_t need, std::int64_t* visited) const;
  /// The block with the greatest start <= addr / the least start >= addr.
  std::optional<FreeChunk> Floor(std::int64_t addr) const;
  std::optional<FreeChunk> Ceiling(std::int64_t addr) const;
  /// The largest block size (0 when empty).
  std::int64_t LargestSize() const;
  /// Every block, by address.
  std::vector<FreeChunk> InOrder() const;
  /// The same, written into `out` (its storage reused).
  void InOrder(std::vector<FreeChunk>& out) const;
  void Clear();

 private:
  static constexpr std::size_t kNodeMax = 512;  // a full node splits in two

  struct Node {
    std::int64_t first = 0;            // address of chunks.front(): the node's key
    mutable std::int64_t largest = 0;  // largest chunk size in this node, unless stale
    mutable bool stale = false;        // the largest chunk shrank or left: recount before use
    std::vector<FreeChunk> chunks;     // by address, never empty
  };

  /// The last node whose first address is <= addr (0 if none is).
  std::size_t NodeFor(std::int64_t addr) const;
  /// node.largest, recounted first if it is stale. Recounting lazily keeps
  /// best and worst fit, which never ask, from paying for it.
  static std::int64_t Largest(const Node& node);
  void SplitIfFull(std::size_t index);

  std::vector<Node> nodes_;  // by address
  std::size_t count_ = 0;
};

}  // namespace osgrid::os
