// IndexedHeap: first, best, worst and next fit in O(log n), with the same
// answers as the ADDRSORT free list (see indexed_heap.h).
// Source: OSTEP ch. 17.2-17.3; Silberschatz 10e 9.2.2.
#include "osgrid/os/mem/indexed_heap.h"

#include <algorithm>
#include <limits>

namespace osgrid::os {
namespace {

constexpr std::int64_t kLowest = std::numeric_limits<std::int64_t>::min();
constexpr std::int64_t kLargestRoundedRequest = std::int64_t{1} << 40;

}  // namespace

Expected<IndexedHeap> IndexedHeap::Create(const HeapConfig& config) {
  Expected<HeapConfig> valid = ValidateHeapConfig(config);
  if (!valid) return valid.error();
  if (config.list_order != ListOrder::kAddrSort) {
    return Fail("the indexed heap keeps its free blocks in address order: list order must be ADDRSORT, got " +
                std::string(ListOrderName(config.list_order)));
  }
  return IndexedHeap(config);
}

IndexedHeap::IndexedHeap(const HeapConfig& config) : config_(config), rover_(config.base) {
  AddFree({config.base, config.size});
}

AllocResult IndexedHeap::Alloc(std::int64_t size) {
  AllocResult result;
  if (size <= 0) {
    result.failure = AllocFailure::kBadSize;
    return result;
  }
  const std::int64_t need = size > kLargestRoundedRequest ? size : BlockSizeFor(config_, size);
  result.block_size = need;
  const std::optional<FreeChunk> chunk = FindFit(need, &result.searched);
  counters_.searched += result.searched;
  if (!chunk) {
    const std::int64_t free_bytes = config_.size - counters_.allocated_bytes;
    result.failure = free_bytes >= need ? AllocFailure::kFragmentation : AllocFailure::kNoSpace;
    ++counters_.failed_requests;
    if (result.failure == AllocFailure::kFragmentation) ++counters_.failed_fragmentation;
    return result;
  }
  // Split: the front is allocated, the rest stays free.
  if (chunk->size > need) {
    ReplaceFree(*chunk, {chunk->addr + need, chunk->size - need});
  } else {
    RemoveFree(*chunk);
  }
  result.addr = chunk->addr;
  RecordAllocation(result.addr, need, size);
  rover_ = result.addr + need;
  ++counters_.allocations;
  return result;
}

void IndexedHeap::RecordAllocation(std::int64_t addr, std::int64_t block_size, std::int64_t requested) {
  allocated_.Put(addr, {block_size, requested});
  counters_.allocated_bytes += block_size;
  counters_.header_bytes += config_.header_size;
  counters_.alignment_padding += block_size - config_.header_size - requested;
}

std::optional<FreeChunk> IndexedHeap::FindFit(std::int64_t need, std::int64_t* searched) const {
  switch (config_.policy) {
    case FitPolicy::kFirst:
      return by_addr_.FirstFit(kLowest, need, searched);
    case FitPolicy::kNext:
      return NextFit(need, searched);
    case FitPolicy::kBest: {
      ++*searched;
      const auto best = by_size_.LowerBound({need, kLowest});  // smallest size >= need, lowest address
      if (!best) return std::nullopt;
      return FreeChunk{best->second, best->first};
    }
    case FitPolicy::kWorst: {
      ++*searched;
      const auto largest = by_size_.Last();
      if (!largest || largest->first < need) return std::nullopt;
      const auto worst = by_size_.LowerBound({largest->first, kLowest});  // largest size, lowest address
      return FreeChunk{worst->second, worst->first};
    }
  }
  return std::nullopt;
}

std::optional<FreeChunk> IndexedHeap::NextFit(std::int64_t need, std::int64_t* searched) const {
  // Start at the block holding the rover, or else the first block above it.
  std::int64_t from = rover_;
  const std::optional<FreeChunk> below = by_addr_.Floor(rover_);
  if (below && below->addr + below->size > rover_) from = below->addr;
  std::optional<FreeChunk> found = by_addr_.FirstFit(from, need, searched);
  if (!found) found = by_addr_.FirstFit(kLowest, need, searched);  // wrap around
  return found;
}

bool IndexedHeap::Restore(std::int64_t addr, std::int64_t block_size, std::int64_t requested) {
  if (!IsRestorableBlock(config_, addr, block_size, requested)) return false;
  const std::optional<FreeChunk> chunk = by_addr_.Floor(addr);  // the only free block that can hold addr
  if (!chunk || chunk->addr + chunk->size < addr + block_size) return false;
  // What is left of the free block below and above the restored one stays free.
  const FreeChunk below{chunk->addr, addr - chunk->addr};
  const FreeChunk above{addr + block_size, chunk->addr + chunk->size - (addr + block_size)};
  if (below.size > 0) {
    ReplaceFree(*chunk, below);
  } else {
    RemoveFree(*chunk);
  }
  if (above.size > 0) AddFree(above);
  RecordAllocation(addr, block_size, requested);
  return true;
}

bool IndexedHeap::Free(std::int64_t addr) {
  const Allocation* found = allocated_.Find(addr);
  if (found == nullptr) return false;
  const Allocation block = *found;
  allocated_.Erase(addr);
  FreeChunk chunk{addr, block.size};
  if (config_.coalesce) {
    const std::optional<FreeChunk> above = by_addr_.Ceiling(addr);
    if (above && above->addr == addr + block.size) {
      RemoveFree(*above);
      chunk.size += above->size;
    }
    const std::optional<FreeChunk> below = by_addr_.Floor(addr);
    if (below && below->addr + below->size == addr) {
      ReplaceFree(*below, {below->addr, below->size + chunk.size});
      chunk.size = 0;
    }
  }
  if (chunk.size > 0) AddFree(chunk);
  ++counters_.frees;
  counters_.allocated_bytes -= block.size;
  counters_.header_bytes -= config_.header_size;
  counters_.alignment_padding -= block.size - config_.header_size - block.requested;
  return true;
}

void IndexedHeap::AddFree(FreeChunk chunk) {
  by_addr_.Insert(chunk);
  if (UsesSizeIndex()) by_size_.Insert({chunk.size, chunk.addr});
}

void IndexedHeap::RemoveFree(FreeChunk chunk) {
  by_addr_.Erase(chunk.addr);
  if (UsesSizeIndex()) by_size_.Erase({chunk.size, chunk.addr});
}

void IndexedHeap::ReplaceFree(FreeChunk old_chunk, FreeChunk new_chunk) {
  by_addr_.Replace(old_chunk.addr, new_chunk);
  if (!UsesSizeIndex()) return;
  by_size_.Erase({old_chunk.size, old_chunk.addr});
  by_size_.Insert({new_chunk.size, new_chunk.addr});
}

Expected<Compaction> IndexedHeap::Compact() {
  std::vector<std::pair<std::int64_t, Allocation>> blocks;
  allocated_.ForEach([&blocks](std::int64_t addr, const Allocation& block) { blocks.emplace_back(addr, block); });
  std::sort(blocks.begin(), blocks.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  Compaction compaction;
  allocated_.Clear();
  std::int64_t next = config_.base;
  for (const auto& [addr, block] : blocks) {
    if (addr != next) {
      compaction.moves.push_back({addr, next, block.size});
      compaction.moved_bytes += block.size;
    }
    allocated_.Put(next, block);
    next += block.size;
  }
  by_addr_.Clear();
  by_size_.Clear();
  if (next < config_.base + config_.size) AddFree({next, config_.base + config_.size - next});
  rover_ = config_.base;
  return compaction;
}

std::vector<Block> IndexedHeap::Blocks() const {
  std::vector<Block> blocks;
  blocks.reserve(allocated_.size() + by_addr_.size());
  allocated_.ForEach([&blocks](std::int64_t addr, const Allocation& block) {
    blocks.push_back({addr, block.size, false, block.requested});
  });
  for (const FreeChunk& chunk : by_addr_.InOrder()) blocks.push_back({chunk.addr, chunk.size, true, 0});
  std::sort(blocks.begin(), blocks.end(), [](const Block& a, const Block& b) { return a.addr < b.addr; });
  return blocks;
}

HeapMetrics IndexedHeap::Metrics() const {
  return DeriveMetrics(counters_, config_.size, static_cast<std::int64_t>(by_addr_.size()), by_addr_.LargestSize());
}

}  // namespace osgrid::os
