// Fenwick tree (binary indexed tree); see fenwick_tree.h.
// Source: P. M. Fenwick, "A New Data Structure for Cumulative Frequency
// Tables", Software: Practice and Experience 24(3), 1994.
#include "osgrid/os/sched/fenwick_tree.h"

namespace osgrid::os {
namespace {

std::size_t LowBit(std::size_t i) { return i & (~i + 1); }

}  // namespace

void FenwickTree::Resize(std::size_t size) {
  weight_.resize(size, 0);
  tree_.assign(size + 1, 0);
  for (std::size_t i = 1; i <= size; ++i) {  // O(n) build: push each node's sum to its parent
    tree_[i] += weight_[i - 1];
    const std::size_t parent = i + LowBit(i);
    if (parent <= size) tree_[parent] += tree_[i];
  }
}

void FenwickTree::Add(std::size_t i, std::int64_t delta) {
  weight_[i] += delta;
  for (std::size_t node = i + 1; node < tree_.size(); node += LowBit(node)) tree_[node] += delta;
}

std::int64_t FenwickTree::PrefixSum(std::size_t i) const {
  std::int64_t sum = 0;
  for (std::size_t node = i; node > 0; node -= LowBit(node)) sum += tree_[node];
  return sum;
}

std::size_t FenwickTree::Find(std::int64_t k) const {
  std::size_t step = 1;
  while (step * 2 < tree_.size()) step *= 2;
  std::size_t position = 0;  // PrefixSum(position) <= k throughout
  for (; step > 0; step /= 2) {
    const std::size_t next = position + step;
    if (next < tree_.size() && tree_[next] <= k) {
      position = next;
      k -= tree_[next];
    }
  }
  return position;
}

}  // namespace osgrid::os
