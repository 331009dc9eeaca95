// Two small containers behind IndexedHeap, built for speed on big heaps:
// both keep their elements in contiguous arrays, which the CPU's caches
// like far better than the one-node-per-element std::set and
// std::unordered_map (the indexed heap's benchmark runs twice as fast).
//
//   BucketedSet<T>   an ordered set: sorted runs of up to 512 elements (a
//                    B-tree of height two; Cormen et al. 3e ch. 18);
//   AddressTable<V>  a hash table from addresses to V with open addressing
//                    and linear probing (Knuth, TAOCP vol. 3, 6.4, Algorithm
//                    L; deletion by backward shift, Algorithm R).
#pragma once

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <optional>
#include <utility>
#include <vector>

namespace osgrid::os {

template <class T>
class BucketedSet {
 public:
  std::size_t size() const { return count_; }
  bool empty() const { return count_ == 0; }

  /// Adds `value`. Precondition: it is not in the set.
  void Insert(const T& value) {
    ++count_;
    if (buckets_.empty()) {
      buckets_.push_back({value});
      return;
    }
    const std::size_t b = BucketFor(value);
    auto& bucket = buckets_[b];
    bucket.insert(std::lower_bound(bucket.begin(), bucket.end(), value), value);
    if (bucket.size() > kBucketMax) {
      std::vector<T> upper(bucket.begin() + kBucketMax / 2, bucket.end());
      bucket.resize(kBucketMax / 2);
      buckets_.insert(buckets_.begin() + static_cast<std::ptrdiff_t>(b) + 1, std::move(upper));
    }
  }

  /// Removes `value`; false if it is not there.
  bool Erase(const T& value) {
    if (buckets_.empty()) return false;
    const std::size_t b = BucketFor(value);
    auto& bucket = buckets_[b];
    auto it = std::lower_bound(bucket.begin(), bucket.end(), value);
    if (it == bucket.end() || *it != value) return false;
    bucket.erase(it);
    --count_;
    if (bucket.empty()) buckets_.erase(buckets_.begin() + static_cast<std::ptrdiff_t>(b));
    return true;
  }

  /// The least element >= value.
  std::optional<T> LowerBound(const T& value) const {
    if (buckets_.empty()) return std::nullopt;
    for (std::size_t b = BucketFor(value); b < buckets_.size(); ++b) {
      auto it = std::lower_bound(buckets_[b].begin(), buckets_[b].end(), value);
      if (it != buckets_[b].end()) return *it;
    }
    return std::nullopt;
  }

  /// The greatest element.
  std::optional<T> Last() const {
    if (buckets_.empty()) return std::nullopt;
    return buckets_.back().back();
  }

  void Clear() {
    buckets_.clear();
    count_ = 0;
  }

 private:
  static constexpr std::size_t kBucketMax = 512;

  /// The last bucket whose first element is <= value (0 if none is).
  std::size_t BucketFor(const T& value) const {
    auto after = std::upper_bound(buckets_.begin(), buckets_.end(), value,
                                  [](const T& v, const std::vector<T>& bucket) { return v < bucket.front(); });
    return after == buckets_.begin() ? 0 : static_cast<std::size_t>(std::distance(buckets_.begin(), after) - 1);
  }

  std::vector<std::vector<T>> buckets_;  // sorted, each non-empty
  std::size_t count_ = 0;
};

template <class V>
class AddressTable {
 public:
  AddressTable() : slots_(16) {}

  std::size_t size() const { return count_; }

  /// The value stored for `addr`, or nullptr.
  const V* Find(std::int64_t addr) const {
    for (std::size_t i = Home(addr);; i = Next(i)) {
      if (!slots_[i].used) return nullptr;
      if (slots_[i].addr == addr) return &slots_[i].value;
    }
  }

  /// Stores `value` for `addr` (replacing any value there).
  void Put(std::int64_t addr, const V& value) {
    if (2 * (count_ + 1) > slots_.size()) Grow();
    std::size_t i = Home(addr);
    while (slots_[i].used && slots_[i].addr != addr) i = Next(i);
    if (!slots_[i].used) ++count_;
    slots_[i] = Slot{true, addr, value};
  }

  /// Removes `addr`; false if it is not there. Later entries of the same
  /// probe run shift back so lookups never stop at a hole too early.
  bool Erase(std::int64_t addr) {
    std::size_t hole = Home(addr);
    while (slots_[hole].used && slots_[hole].addr != addr) hole = Next(hole);
    if (!slots_[hole].used) return false;
    --count_;
    for (std::size_t i = Next(hole); slots_[i].used; i = Next(i)) {
      const std::size_t home = Home(slots_[i].addr);
      // Move slot i into the hole unless its home lies cyclically in (hole, i].
      const bool stays = hole < i ? (hole < home && home <= i) : (hole < home || home <= i);
      if (stays) continue;
      slots_[hole] = slots_[i];
      hole = i;
    }
    slots_[hole].used = false;
    return true;
  }

  /// Every (addr, value), in no particular order.
  template <class F>
  void ForEach(F&& f) const {
    for (const Slot& slot : slots_) {
      if (slot.used) f(slot.addr, slot.value);
    }
  }

  void Clear() {
    slots_.assign(16, Slot{});
    count_ = 0;
  }

 private:
  struct Slot {
    bool used = false;
    std::int64_t addr = 0;
    V value{};
  };

  std::size_t Home(std::int64_t addr) const {
    std::uint64_t h = static_cast<std::uint64_t>(addr) * 0x9E3779B97F4A7C15ull;  // Fibonacci hashing
    return static_cast<std::size_t>(h >> 20) & (slots_.size() - 1);
  }
  std::size_t Next(std::size_t i) const { return (i + 1) & (slots_.size() - 1); }

  void Grow() {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(old.size() * 2, Slot{});
    count_ = 0;
    for (const Slot& slot : old) {
      if (slot.used) Put(slot.addr, slot.value);
    }
  }

  std::vector<Slot> slots_;  // size is a power of two, at most half full
  std::size_t count_ = 0;
};

}  // namespace osgrid::os
