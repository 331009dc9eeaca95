// A Fenwick tree (binary indexed tree) of non-negative weights: add to one
// weight and find "the item holding the k-th unit" in O(log n). Lottery
// scheduling uses it to find the winning ticket's holder without walking
// the whole job list.
//
// Source: P. M. Fenwick, "A New Data Structure for Cumulative Frequency
// Tables", Software: Practice and Experience 24(3), 1994.
#pragma once

#include <cstdint>
#include <vector>

namespace osgrid::os {

class FenwickTree {
 public:
  /// Items 0..size()-1, all of weight 0.
  explicit FenwickTree(std::size_t size = 0) { Resize(size); }

  std::size_t size() const { return weight_.size(); }
  /// Grows (or shrinks) to `size` items, keeping the weights of those that
  /// remain; new items weigh 0. O(size).
  void Resize(std::size_t size);
  /// weight[i] += delta. Precondition: i < size(), the result stays >= 0.
  void Add(std::size_t i, std::int64_t delta);
  std::int64_t Weight(std::size_t i) const { return weight_[i]; }
  /// weight[0] + ... + weight[i-1].
  std::int64_t PrefixSum(std::size_t i) const;
  /// The item holding unit `k` when units are counted from item 0 on: the
  /// smallest i with PrefixSum(i + 1) > k. Precondition: 0 <= k < total weight.
  std::size_t Find(std::int64_t k) const;

 private:
  std::vector<std::int64_t> weight_;  // the weights themselves
  std::vector<std::int64_t> tree_;    // 1-based: tree_[i] = sum of weight_[i - lowbit(i), i)
};

}  // namespace osgrid::os
