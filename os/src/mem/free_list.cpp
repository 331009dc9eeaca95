// The free list: first, best, worst and next fit over one linear list.
// Source: OSTEP ch. 17.2-17.3; Silberschatz 10e 9.2.2-9.2.3; answers as
// OSTEP's vm-freespace/malloc.py (see free_list.h for the rules).
#include "osgrid/os/mem/free_list.h"

#include <algorithm>

#include "osgrid/os/mem/indexed_heap.h"

namespace osgrid::os {
namespace {

/// Requests above this are never rounded (no block can be that big anyway).
constexpr std::int64_t kLargestRoundedRequest = std::int64_t{1} << 40;

}  // namespace

Expected<FreeListHeap> FreeListHeap::Create(const HeapConfig& config) {
  Expected<HeapConfig> valid = ValidateHeapConfig(config);
  if (!valid) return valid.error();
  return FreeListHeap(config);
}

FreeListHeap::FreeListHeap(const HeapConfig& config) : config_(config), rover_(config.base) {
  free_list_.push_back({config.base, config.size});
}

AllocResult FreeListHeap::Alloc(std::int64_t size) {
  AllocResult result;
  if (size <= 0) {
    result.failure = AllocFailure::kBadSize;
    return result;
  }
  const std::int64_t need = size > kLargestRoundedRequest ? size : BlockSizeFor(config_, size);
  result.block_size = need;
  const int index = FindFit(need, &result.searched);
  counters_.searched += result.searched;
  if (index < 0) {
    const std::int64_t free_bytes = config_.size - counters_.allocated_bytes;
    result.failure = free_bytes >= need ? AllocFailure::kFragmentation : AllocFailure::kNoSpace;
    ++counters_.failed_requests;
    if (result.failure == AllocFailure::kFragmentation) ++counters_.failed_fragmentation;
    return result;
  }
  // Split: the front of the chunk is allocated, the rest keeps its list position.
  FreeChunk& chunk = free_list_[static_cast<std::size_t>(index)];
  result.addr = chunk.addr;
  if (chunk.size > need) {
    chunk = {chunk.addr + need, chunk.size - need};
  } else {
    free_list_.erase(free_list_.begin() + index);
  }
  RecordAllocation(result.addr, need, size);
  rover_ = result.addr + need;
  ++counters_.allocations;
  return result;
}

void FreeListHeap::RecordAllocation(std::int64_t addr, std::int64_t block_size, std::int64_t requested) {
  allocated_[addr] = {block_size, requested};
  counters_.allocated_bytes += block_size;
  counters_.header_bytes += config_.header_size;
  counters_.alignment_padding += block_size - config_.header_size - requested;
}

int FreeListHeap::FindFit(std::int64_t need, std::int64_t* searched) const {
  switch (config_.policy) {
    case FitPolicy::kFirst:
      return FindFirstFrom(0, need, searched);
    case FitPolicy::kNext:
      return FindFirstFrom(NextFitStart(), need, searched);
    case FitPolicy::kBest:
    case FitPolicy::kWorst:
      break;
  }
  // Best and worst fit examine every element; a later element wins only if
  // strictly better, so ties go to the first in list order.
  int chosen = -1;
  for (std::size_t i = 0; i < free_list_.size(); ++i) {
    ++*searched;
    const std::int64_t size = free_list_[i].size;
    if (size < need) continue;
    const bool better =
        chosen < 0 || (config_.policy == FitPolicy::kBest ? size < free_list_[static_cast<std::size_t>(chosen)].size
                                                          : size > free_list_[static_cast<std::size_t>(chosen)].size);
    if (better) chosen = static_cast<int>(i);
  }
  return chosen;
}

int FreeListHeap::FindFirstFrom(std::size_t start, std::int64_t need, std::int64_t* searched) const {
  const std::size_t n = free_list_.size();
  for (std::size_t step = 0; step < n; ++step) {
    const std::size_t i = (start + step) % n;
    ++*searched;
    if (free_list_[i].size >= need) return static_cast<int>(i);
  }
  return -1;
}

std::size_t FreeListHeap::NextFitStart() const {
  for (std::size_t i = 0; i < free_list_.size(); ++i) {
    if (free_list_[i].addr + free_list_[i].size > rover_) return i;
  }
  return 0;  // nothing at or above the rover: wrap to the head of the list
}

bool FreeListHeap::Restore(std::int64_t addr, std::int64_t block_size, std::int64_t requested) {
  if (!IsRestorableBlock(config_, addr, block_size, requested)) return false;
  const int index = FindHolding(addr, block_size);
  if (index < 0) return false;
  // Split the element in up to three: the free part below the block and the
  // free part above it take its list position, below first.
  const FreeChunk chunk = free_list_[static_cast<std::size_t>(index)];
  const FreeChunk below{chunk.addr, addr - chunk.addr};
  const FreeChunk above{addr + block_size, chunk.addr + chunk.size - (addr + block_size)};
  auto at = free_list_.erase(free_list_.begin() + index);
  if (above.size > 0) at = free_list_.insert(at, above);
  if (below.size > 0) free_list_.insert(at, below);
  RecordAllocation(addr, block_size, requested);
  return true;
}

int FreeListHeap::FindHolding(std::int64_t addr, std::int64_t size) const {
  for (std::size_t i = 0; i < free_list_.size(); ++i) {
    const FreeChunk& chunk = free_list_[i];
    if (chunk.addr <= addr && addr + size <= chunk.addr + chunk.size) return static_cast<int>(i);
  }
  return -1;
}

bool FreeListHeap::Free(std::int64_t addr) {
  auto it = allocated_.find(addr);
  if (it == allocated_.end()) return false;
  const Allocation block = it->second;
  allocated_.erase(it);
  InsertFree({addr, block.size});
  if (config_.coalesce) CoalesceListNeighbours();
  ++counters_.frees;
  counters_.allocated_bytes -= block.size;
  counters_.header_bytes -= config_.header_size;
  counters_.alignment_padding -= block.size - config_.header_size - block.requested;
  return true;
}

template <typename Before>
void FreeListHeap::SortStably(Before before) {
  // malloc.py appends the block and sorts the whole list with Python's stable
  // sorted(). Splits since the last Free may have shrunk a few blocks, so the
  // list is almost sorted: an insertion sort (stable) is linear on it.
  for (std::size_t i = 1; i < free_list_.size(); ++i) {
    const FreeChunk chunk = free_list_[i];
    std::size_t j = i;
    for (; j > 0 && before(chunk, free_list_[j - 1]); --j) free_list_[j] = free_list_[j - 1];
    free_list_[j] = chunk;
  }
}

void FreeListHeap::InsertFree(FreeChunk chunk) {
  switch (config_.list_order) {
    case ListOrder::kInsertFront:
      free_list_.insert(free_list_.begin(), chunk);
      return;
    case ListOrder::kInsertBack:
      free_list_.push_back(chunk);
      return;
    case ListOrder::kAddrSort: {
      // The list is always in address order (a split only moves a block's
      // start up, never past the next block), so the block goes to its place.
      auto place = std::upper_bound(free_list_.begin(), free_list_.end(), chunk,
                                    [](const FreeChunk& a, const FreeChunk& b) { return a.addr < b.addr; });
      free_list_.insert(place, chunk);
      return;
    }
    case ListOrder::kSizeSortUp:
      free_list_.push_back(chunk);
      SortStably([](const FreeChunk& a, const FreeChunk& b) { return a.size < b.size; });
      return;
    case ListOrder::kSizeSortDown:
      free_list_.push_back(chunk);
      SortStably([](const FreeChunk& a, const FreeChunk& b) { return a.size > b.size; });
      return;
  }
}

void FreeListHeap::CoalesceListNeighbours() {
  // One pass in list order, merging each element into the one before it
  // when they touch in memory (in place: `kept` elements survive).
  std::size_t kept = 0;
  for (std::size_t i = 0; i < free_list_.size(); ++i) {
    const FreeChunk chunk = free_list_[i];
    if (kept > 0 && free_list_[kept - 1].addr + free_list_[kept - 1].size == chunk.addr) {
      free_list_[kept - 1].size += chunk.size;
    } else {
      free_list_[kept++] = chunk;
    }
  }
  free_list_.resize(kept);
}

Expected<Compaction> FreeListHeap::Compact() {
  Compaction compaction;
  std::map<std::int64_t, Allocation> moved;
  std::int64_t next = config_.base;
  for (const auto& [addr, block] : allocated_) {  // address order
    if (addr != next) {
      compaction.moves.push_back({addr, next, block.size});
      compaction.moved_bytes += block.size;
    }
    moved[next] = block;
    next += block.size;
  }
  allocated_ = std::move(moved);
  free_list_.clear();
  if (next < config_.base + config_.size) free_list_.push_back({next, config_.base + config_.size - next});
  rover_ = config_.base;
  return compaction;
}

std::vector<Block> FreeListHeap::Blocks() const {
  std::vector<Block> blocks;
  blocks.reserve(allocated_.size() + free_list_.size());
  for (const auto& [addr, block] : allocated_) blocks.push_back({addr, block.size, false, block.requested});
  for (const FreeChunk& chunk : free_list_) blocks.push_back({chunk.addr, chunk.size, true, 0});
  std::sort(blocks.begin(), blocks.end(), [](const Block& a, const Block& b) { return a.addr < b.addr; });
  return blocks;
}

HeapMetrics FreeListHeap::Metrics() const {
  std::int64_t largest = 0;
  for (const FreeChunk& chunk : free_list_) largest = std::max(largest, chunk.size);
  return DeriveMetrics(counters_, config_.size, static_cast<std::int64_t>(free_list_.size()), largest);
}

Expected<std::unique_ptr<HeapAllocator>> MakeHeap(const HeapConfig& config, bool indexed) {
  if (indexed) {
    Expected<IndexedHeap> heap = IndexedHeap::Create(config);
    if (!heap) return heap.error();
    return std::unique_ptr<HeapAllocator>(std::make_unique<IndexedHeap>(std::move(heap).value()));
  }
  Expected<FreeListHeap> heap = FreeListHeap::Create(config);
  if (!heap) return heap.error();
  return std::unique_ptr<HeapAllocator>(std::make_unique<FreeListHeap>(std::move(heap).value()));
}

}  // namespace osgrid::os
