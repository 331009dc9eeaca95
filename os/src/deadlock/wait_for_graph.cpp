// Three-colour depth-first search for a cycle; see wait_for_graph.h.
// Source: Silberschatz 10e, 8.7.1 (a deadlock exists iff the wait-for graph
// has a cycle); Cormen et al., Introduction to Algorithms 3e, 22.3 (the search).
#include "osgrid/os/deadlock/wait_for_graph.h"

#include <algorithm>

namespace osgrid::os {
namespace {

enum class Colour : std::uint8_t {
  kWhite,  // not reached yet
  kGrey,   // on the current depth-first path
  kBlack,  // finished: no cycle passes through it
};

/// One frame of the explicit DFS stack: a vertex and the next edge to try.
struct Frame {
  std::uint32_t vertex;
  std::size_t next_edge;
};

/// The cycle closed by the back edge path.back() -> target: the part of the
/// grey path from `target` to its end.
std::vector<std::uint32_t> CycleOnPath(const std::vector<Frame>& path, std::uint32_t target) {
  auto start = std::find_if(path.begin(), path.end(), [&](const Frame& f) { return f.vertex == target; });
  std::vector<std::uint32_t> cycle;
  for (auto it = start; it != path.end(); ++it) cycle.push_back(it->vertex);
  return cycle;
}

}  // namespace

std::vector<std::uint32_t> FindCycle(const Digraph& graph) {
  std::vector<Colour> colour(graph.vertex_count(), Colour::kWhite);
  std::vector<Frame> path;  // the grey vertices, root first
  for (std::uint32_t root = 0; root < graph.vertex_count(); ++root) {
    if (colour[root] != Colour::kWhite) continue;
    colour[root] = Colour::kGrey;
    path.push_back({root, 0});
    while (!path.empty()) {
      Frame& top = path.back();
      const auto& next = graph.successors(top.vertex);
      if (top.next_edge == next.size()) {  // every edge explored: retreat
        colour[top.vertex] = Colour::kBlack;
        path.pop_back();
        continue;
      }
      const std::uint32_t to = next[top.next_edge++];
      if (colour[to] == Colour::kGrey) return CycleOnPath(path, to);  // back edge
      if (colour[to] == Colour::kWhite) {
        colour[to] = Colour::kGrey;
        path.push_back({to, 0});
      }
    }
  }
  return {};
}

}  // namespace osgrid::os
