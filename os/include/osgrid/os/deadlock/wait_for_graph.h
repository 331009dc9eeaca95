// Cycle detection on a directed graph: the wait-for graph of a deadlock.
//
// Source: Silberschatz, Operating System Concepts 10e, 8.6.1 "Single Instance
// of Each Resource Type" (a deadlock exists iff the wait-for graph has a
// cycle) and 8.3.2 (resource-allocation graphs); the search is the
// three-colour depth-first search of Cormen et al., Introduction to
// Algorithms 3e, 22.3 (a back edge to a grey vertex closes a cycle).
//
// Vertices are numbered 0..n-1. A wait-for graph has an edge p -> q when
// process p waits for a resource that q holds; a resource-allocation graph
// numbers processes and resources together and has request edges P -> R and
// assignment edges R -> P. The search is iterative, so a million-vertex chain
// does not overflow the stack, and deterministic: vertices are tried in
// increasing order and each vertex's edges in the order they were added.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace osgrid::os {

/// A directed graph on vertices 0..vertex_count()-1, as adjacency lists.
class Digraph {
 public:
  explicit Digraph(std::size_t vertex_count) : successors_(vertex_count) {}

  /// Adds the edge from -> to. Precondition: both < vertex_count().
  /// Parallel edges and self-loops are allowed (a self-loop is a cycle of one).
  void AddEdge(std::uint32_t from, std::uint32_t to) {
    successors_[from].push_back(to);
    ++edge_count_;
  }

  std::size_t vertex_count() const { return successors_.size(); }
  std::size_t edge_count() const { return edge_count_; }
  const std::vector<std::uint32_t>& successors(std::uint32_t vertex) const { return successors_[vertex]; }

 private:
  std::vector<std::vector<std::uint32_t>> successors_;
  std::size_t edge_count_ = 0;
};

/// Finds one cycle. Returns its vertices [v0, v1, ..., vk] such that every
/// vi -> vi+1 and vk -> v0 is an edge, starting from the vertex where the
/// search entered the cycle; empty when the graph is acyclic.
/// O(vertices + edges) time and O(vertices) extra memory.
std::vector<std::uint32_t> FindCycle(const Digraph& graph);

}  // namespace osgrid::os
