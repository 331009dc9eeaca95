// The buddy system: split on Alloc, merge buddies on Free.
// Source: Silberschatz 10e 10.8.1 "Buddy System"; OSTEP ch. 17.4 (see buddy.h).
#include "osgrid/os/mem/buddy.h"

#include <algorithm>

namespace osgrid::os {
namespace {

constexpr std::int64_t kMaxSize = std::int64_t{1} << 40;

bool IsPowerOfTwo(std::int64_t n) { return n > 0 && (n & (n - 1)) == 0; }

}  // namespace

Expected<BuddyAllocator> BuddyAllocator::Create(const BuddyConfig& config) {
  if (!IsPowerOfTwo(config.size) || config.size > kMaxSize) {
    return Fail("buddy system: heap size must be a power of two up to 2^40, got " + std::to_string(config.size));
  }
  if (!IsPowerOfTwo(config.min_block) || config.min_block > config.size) {
    return Fail("buddy system: smallest block must be a power of two no larger than the heap (" +
                std::to_string(config.size) + "), got " + std::to_string(config.min_block));
  }
  if (config.base < 0 || config.base > (std::int64_t{1} << 60)) {
    return Fail("buddy system: base address must be between 0 and 2^60, got " + std::to_string(config.base));
  }
  if (config.header_size < 0 || config.header_size > kMaxSize) {
    return Fail("buddy system: header size must be between 0 and 2^40, got " + std::to_string(config.header_size));
  }
  return BuddyAllocator(config);
}

BuddyAllocator::BuddyAllocator(const BuddyConfig& config) : config_(config) {
  while (BlockSize(top_order_) < config_.size) ++top_order_;
  free_.resize(static_cast<std::size_t>(top_order_) + 1);
  free_[static_cast<std::size_t>(top_order_)].insert(0);
}

int BuddyAllocator::OrderFor(std::int64_t need) const {
  for (int order = 0; order <= top_order_; ++order) {
    if (BlockSize(order) >= need) return order;
  }
  return -1;
}

std::int64_t BuddyAllocator::BlockBytes(std::int64_t request) const {
  const int order = request > kMaxSize ? -1 : OrderFor(request + config_.header_size);
  return order < 0 ? request + config_.header_size : BlockSize(order);
}

AllocResult BuddyAllocator::Alloc(std::int64_t size) {
  AllocResult result;
  if (size <= 0) {
    result.failure = AllocFailure::kBadSize;
    return result;
  }
  const int order = size > kMaxSize ? -1 : OrderFor(size + config_.header_size);
  result.block_size = BlockBytes(size);
  // The smallest order >= `order` with a free block.
  int from = -1;
  for (int k = std::max(order, 0); order >= 0 && k <= top_order_; ++k) {
    ++result.searched;
    if (!free_[static_cast<std::size_t>(k)].empty()) {
      from = k;
      break;
    }
  }
  counters_.searched += result.searched;
  if (from < 0) {
    const std::int64_t free_bytes = config_.size - allocated_bytes_;
    result.failure =
        order >= 0 && free_bytes >= result.block_size ? AllocFailure::kFragmentation : AllocFailure::kNoSpace;
    ++counters_.failed_requests;
    if (result.failure == AllocFailure::kFragmentation) ++counters_.failed_fragmentation;
    return result;
  }
  auto& list = free_[static_cast<std::size_t>(from)];
  const std::int64_t offset = *list.begin();  // lowest address
  list.erase(list.begin());
  // Split down to the size needed: keep the lower half, free the upper half.
  for (int k = from; k > order; --k) {
    free_[static_cast<std::size_t>(k - 1)].insert(offset + BlockSize(k - 1));
    ++result.splits;
  }
  allocated_[offset] = {order, size};
  allocated_bytes_ += result.block_size;
  ++counters_.allocations;
  result.addr = config_.base + offset;
  return result;
}

bool BuddyAllocator::Free(std::int64_t addr) {
  auto it = allocated_.find(addr - config_.base);
  if (it == allocated_.end()) return false;
  std::int64_t offset = it->first;
  int order = it->second.order;
  allocated_bytes_ -= BlockSize(order);
  allocated_.erase(it);
  // Merge with the buddy while it is free.
  while (order < top_order_) {
    const std::int64_t buddy = offset ^ BlockSize(order);
    auto& list = free_[static_cast<std::size_t>(order)];
    if (list.erase(buddy) == 0) break;
    offset = std::min(offset, buddy);
    ++order;
    ++merges_;
  }
  free_[static_cast<std::size_t>(order)].insert(offset);
  ++counters_.frees;
  return true;
}

bool BuddyAllocator::Restore(std::int64_t addr, std::int64_t block_size, std::int64_t requested) {
  const int order = RestoreOrder(addr, block_size, requested);
  if (order < 0) return false;
  const std::int64_t offset = addr - config_.base;
  // From the whole heap down: the first free block on the way to the target.
  int k = top_order_;
  while (k >= order && free_[static_cast<std::size_t>(k)].count(Holding(offset, k)) == 0) --k;
  if (k < order) return false;  // an allocated block holds or overlaps the range
  free_[static_cast<std::size_t>(k)].erase(Holding(offset, k));
  // Split down as Alloc does, freeing each time the half that does not hold the target.
  for (; k > order; --k) {
    free_[static_cast<std::size_t>(k - 1)].insert(Holding(offset, k - 1) ^ BlockSize(k - 1));
  }
  allocated_[offset] = {order, requested};
  allocated_bytes_ += block_size;
  return true;
}

int BuddyAllocator::RestoreOrder(std::int64_t addr, std::int64_t block_size, std::int64_t requested) const {
  if (requested <= 0 || !IsPowerOfTwo(block_size)) return -1;
  if (block_size < config_.min_block || block_size > config_.size) return -1;
  if (requested > block_size - config_.header_size) return -1;  // too small for request + header
  if (addr < config_.base || addr - config_.base > config_.size - block_size) return -1;
  if ((addr - config_.base) % block_size != 0) return -1;  // not where a buddy block of that size starts
  return OrderFor(block_size);
}

Expected<Compaction> BuddyAllocator::Compact() {
  return Fail("the buddy system cannot compact: every block must stay at an address aligned to its size");
}

std::vector<FreeChunk> BuddyAllocator::FreeList() const {
  std::vector<FreeChunk> chunks;
  for (int order = 0; order <= top_order_; ++order) {
    for (std::int64_t offset : free_[static_cast<std::size_t>(order)]) {
      chunks.push_back({config_.base + offset, BlockSize(order)});
    }
  }
  std::sort(chunks.begin(), chunks.end(), [](const FreeChunk& a, const FreeChunk& b) { return a.addr < b.addr; });
  return chunks;
}

std::vector<Block> BuddyAllocator::Blocks() const {
  std::vector<Block> blocks;
  for (const FreeChunk& chunk : FreeList()) blocks.push_back({chunk.addr, chunk.size, true, 0});
  for (const auto& [offset, block] : allocated_) {
    blocks.push_back({config_.base + offset, BlockSize(block.order), false, block.requested});
  }
  std::sort(blocks.begin(), blocks.end(), [](const Block& a, const Block& b) { return a.addr < b.addr; });
  return blocks;
}

HeapMetrics BuddyAllocator::Metrics() const {
  HeapMetrics counters = counters_;
  counters.allocated_bytes = allocated_bytes_;
  for (const auto& [offset, block] : allocated_) {  // internal: headers plus power-of-two rounding
    counters.header_bytes += config_.header_size;
    counters.alignment_padding += BlockSize(block.order) - config_.header_size - block.requested;
  }
  std::int64_t free_blocks = 0, largest = 0;
  for (int order = 0; order <= top_order_; ++order) {
    const auto& list = free_[static_cast<std::size_t>(order)];
    free_blocks += static_cast<std::int64_t>(list.size());
    if (!list.empty()) largest = BlockSize(order);
  }
  return DeriveMetrics(counters, config_.size, free_blocks, largest);
}

}  // namespace osgrid::os
