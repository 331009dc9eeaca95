// KeyedHeap: see keyed_heap.h.
//
// Source: OSTEP ch. 17 "Free-Space Management"; Silberschatz 10e 9.2.2-9.2.3.
#include "osgrid/os/mem/keyed_heap.h"

#include <cstdlib>
#include <utility>

namespace osgrid::os {

KeyedSet KeyedHeap::Set(const std::string& key, std::int64_t bytes) {
  KeyedSet set;
  set.alloc = heap_->Alloc(bytes);  // first the new block: the old one stays if this fails
  if (!set.alloc.ok()) return set;
  const Block placed{set.alloc.addr, set.alloc.block_size, false, bytes};
  auto found = address_of_.find(key);
  if (found != address_of_.end()) {
    set.old_block = found->second;
    heap_->Free(found->second.addr);
    key_at_.erase(found->second.addr);
    found->second = placed;
  } else {
    address_of_.emplace(key, placed);
  }
  key_at_[placed.addr] = key;
  return set;
}

bool KeyedHeap::Restore(const std::string& key, std::int64_t addr, std::int64_t block_size, std::int64_t bytes) {
  if (address_of_.count(key) != 0 || !heap_->Restore(addr, block_size, bytes)) return false;
  address_of_.emplace(key, Block{addr, block_size, false, bytes});
  key_at_[addr] = key;
  return true;
}

std::optional<Block> KeyedHeap::Delete(const std::string& key) {
  auto found = address_of_.find(key);
  if (found == address_of_.end()) return std::nullopt;
  Block freed = found->second;
  heap_->Free(freed.addr);
  key_at_.erase(freed.addr);
  address_of_.erase(found);
  return freed;
}

Expected<Compaction> KeyedHeap::Compact() {
  Expected<Compaction> compaction = heap_->Compact();
  if (compaction) FollowMoves(*compaction);
  return compaction;
}

void KeyedHeap::FollowMoves(const Compaction& compaction) {
  // Moves come in address order and only downwards, so re-keying them in that
  // order never overwrites a block's entry before it has moved.
  for (const Move& move : compaction.moves) {
    auto owner = key_at_.find(move.from);
    if (owner == key_at_.end()) continue;
    std::string key = std::move(owner->second);
    key_at_.erase(owner);
    address_of_[key].addr = move.to;
    key_at_[move.to] = std::move(key);
  }
}

std::optional<Block> KeyedHeap::BlockOf(const std::string& key) const {
  auto found = address_of_.find(key);
  if (found == address_of_.end()) return std::nullopt;
  return found->second;
}

const std::string* KeyedHeap::KeyAt(std::int64_t addr) const {
  auto found = key_at_.find(addr);
  return found == key_at_.end() ? nullptr : &found->second;
}

std::string GroupThousands(std::int64_t value) {
  std::string digits = std::to_string(std::llabs(value));
  for (int at = static_cast<int>(digits.size()) - 3; at > 0; at -= 3) digits.insert(static_cast<std::size_t>(at), ",");
  return value < 0 ? "-" + digits : digits;
}

std::string DescribeAllocFailure(const AllocResult& result, const HeapMetrics& after) {
  const std::string need = GroupThousands(result.block_size) + " B";
  switch (result.failure) {
    case AllocFailure::kNone:
      return "";
    case AllocFailure::kBadSize:
      return "bad size: " + need;
    case AllocFailure::kNoSpace:
      return "no space: need " + need + "; " + GroupThousands(after.free_bytes) + " B free of " +
             GroupThousands(after.heap_size) + " B";
    case AllocFailure::kFragmentation:
      return "external fragmentation: need " + need + "; " + GroupThousands(after.free_bytes) + " B free in " +
             GroupThousands(after.free_blocks) + (after.free_blocks == 1 ? " hole" : " holes") + ", largest " +
             GroupThousands(after.largest_free_block) + " B";
  }
  return "";
}

}  // namespace osgrid::os
