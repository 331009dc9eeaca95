// FreeBlockTree: address-ordered free blocks in a two-level B-tree whose
// nodes know their largest block. See the header.
// Source: Cormen et al., Introduction to Algorithms 3e, ch. 14 (augmenting a
// tree with a per-node maximum) and ch. 18 (B-trees).
#include "osgrid/os/mem/free_block_tree.h"

#include <algorithm>
#include <iterator>

namespace osgrid::os {
namespace {

bool AddrLess(const FreeChunk& chunk, std::int64_t addr) { return chunk.addr < addr; }

}  // namespace

std::size_t FreeBlockTree::NodeFor(std::int64_t addr) const {
  auto after = std::upper_bound(nodes_.begin(), nodes_.end(), addr,
                                [](std::int64_t a, const Node& node) { return a < node.first; });
  return after == nodes_.begin() ? 0 : static_cast<std::size_t>(std::distance(nodes_.begin(), after) - 1);
}

std::int64_t FreeBlockTree::Largest(const Node& node) {
  if (node.stale) {
    node.largest = 0;
    for (const FreeChunk& chunk : node.chunks) node.largest = std::max(node.largest, chunk.size);
    node.stale = false;
  }
  return node.largest;
}

void FreeBlockTree::SplitIfFull(std::size_t index) {
  if (nodes_[index].chunks.size() <= kNodeMax) return;
  Node upper;
  auto middle = nodes_[index].chunks.begin() + static_cast<std::ptrdiff_t>(kNodeMax / 2);
  upper.chunks.assign(middle, nodes_[index].chunks.end());
  nodes_[index].chunks.erase(middle, nodes_[index].chunks.end());
  nodes_[index].stale = true;
  upper.first = upper.chunks.front().addr;
  upper.stale = true;
  nodes_.insert(nodes_.begin() + static_cast<std::ptrdiff_t>(index) + 1, std::move(upper));
}

void FreeBlockTree::Insert(FreeChunk chunk) {
  ++count_;
  if (nodes_.empty()) {
    nodes_.push_back(Node{chunk.addr, chunk.size, false, {chunk}});
    return;
  }
  const std::size_t index = NodeFor(chunk.addr);
  Node& node = nodes_[index];
  node.chunks.insert(std::lower_bound(node.chunks.begin(), node.chunks.end(), chunk.addr, AddrLess), chunk);
  node.first = node.chunks.front().addr;
  if (!node.stale) node.largest = std::max(node.largest, chunk.size);
  SplitIfFull(index);
}

bool FreeBlockTree::Erase(std::int64_t addr) {
  if (nodes_.empty()) return false;
  const std::size_t index = NodeFor(addr);
  Node& node = nodes_[index];
  auto it = std::lower_bound(node.chunks.begin(), node.chunks.end(), addr, AddrLess);
  if (it == node.chunks.end() || it->addr != addr) return false;
  if (it->size == node.largest) node.stale = true;
  node.chunks.erase(it);
  --count_;
  if (node.chunks.empty()) {
    nodes_.erase(nodes_.begin() + static_cast<std::ptrdiff_t>(index));
  } else {
    node.first = node.chunks.front().addr;
  }
  return true;
}

void FreeBlockTree::Replace(std::int64_t addr, FreeChunk chunk) {
  if (nodes_.empty()) return;
  Node& node = nodes_[NodeFor(addr)];
  auto it = std::lower_bound(node.chunks.begin(), node.chunks.end(), addr, AddrLess);
  if (it == node.chunks.end() || it->addr != addr) return;
  const std::int64_t old_size = it->size;
  *it = chunk;
  if (it == node.chunks.begin()) node.first = chunk.addr;
  if (node.stale) return;
  if (chunk.size >= node.largest) {
    node.largest = chunk.size;
  } else if (old_size == node.largest) {
    node.stale = true;
  }
}

std::optional<FreeChunk> FreeBlockTree::FirstFit(std::int64_t from, std::int64_t need, std::int64_t* visited) const {
  for (std::size_t index = nodes_.empty() ? 0 : NodeFor(from); index < nodes_.size(); ++index) {
    const Node& node = nodes_[index];
    ++*visited;
    if (Largest(node) < need) continue;  // nothing big enough in this node
    auto it = std::lower_bound(node.chunks.begin(), node.chunks.end(), from, AddrLess);
    for (; it != node.chunks.end(); ++it) {
      ++*visited;
      if (it->size >= need) return *it;
    }
  }
  return std::nullopt;
}

std::optional<FreeChunk> FreeBlockTree::Floor(std::int64_t addr) const {
  if (nodes_.empty()) return std::nullopt;
  const Node& node = nodes_[NodeFor(addr)];
  auto it = std::upper_bound(node.chunks.begin(), node.chunks.end(), addr,
                             [](std::int64_t a, const FreeChunk& chunk) { return a < chunk.addr; });
  if (it == node.chunks.begin()) return std::nullopt;  // only when addr is below every block
  return *std::prev(it);
}

std::optional<FreeChunk> FreeBlockTree::Ceiling(std::int64_t addr) const {
  if (nodes_.empty()) return std::nullopt;
  const std::size_t index = NodeFor(addr);
  const Node& node = nodes_[index];
  auto it = std::lower_bound(node.chunks.begin(), node.chunks.end(), addr, AddrLess);
  if (it != node.chunks.end()) return *it;
  if (index + 1 < nodes_.size()) return nodes_[index + 1].chunks.front();
  return std::nullopt;
}

std::int64_t FreeBlockTree::LargestSize() const {
  std::int64_t largest = 0;
  for (const Node& node : nodes_) largest = std::max(largest, Largest(node));
  return largest;
}

std::vector<FreeChunk> FreeBlockTree::InOrder() const {
  std::vector<FreeChunk> chunks;
  InOrder(chunks);
  return chunks;
}

void FreeBlockTree::InOrder(std::vector<FreeChunk>& out) const {
  out.clear();
  out.reserve(count_);
  for (const Node& node : nodes_) out.insert(out.end(), node.chunks.begin(), node.chunks.end());
}

void FreeBlockTree::Clear() {
  nodes_.clear();
  count_ = 0;
}

}  // namespace osgrid::os
