// Resource-allocation graphs and wait-for graphs. See resource_graph.h.
// Source: Silberschatz 10e, 8.3.2 "Resource-Allocation Graph" and 8.7.1
// "Single Instance of Each Resource Type" (the wait-for graph).
#include "osgrid/os/deadlock/resource_graph.h"

#include <algorithm>
#include <functional>
#include <queue>
#include <set>
#include <utility>

namespace osgrid::os {
namespace {

std::optional<InputError> CheckNames(const ResourceGraph& graph) {
  std::set<std::string> seen;
  auto check = [&](const std::string& name, const char* kind) -> std::optional<InputError> {
    if (name.empty()) return Fail(std::string("a ") + kind + " has an empty name");
    if (!seen.insert(name).second) return Fail("the name '" + name + "' is used twice");
    return std::nullopt;
  };
  for (const auto& name : graph.processes) {
    if (auto error = check(name, "process")) return error;
  }
  for (const auto& name : graph.resources) {
    if (auto error = check(name, "resource")) return error;
  }
  return std::nullopt;
}

std::optional<InputError> CheckEdges(const ResourceGraph& graph, const std::vector<GraphEdge>& edges,
                                     const char* kind) {
  for (std::size_t e = 0; e < edges.size(); ++e) {
    if (edges[e].process >= graph.processes.size() || edges[e].resource >= graph.resources.size()) {
      return Fail(std::string(kind) + " edge " + std::to_string(e) +
                  " names a process or resource that does not exist");
    }
  }
  return std::nullopt;
}

/// `cycle` rotated so that its smallest vertex below `first_non_process` leads.
std::vector<std::uint32_t> RotateToLowestProcess(std::vector<std::uint32_t> cycle, std::size_t first_non_process) {
  auto lowest = cycle.begin();
  for (auto it = cycle.begin(); it != cycle.end(); ++it) {
    if (*it < first_non_process && (*lowest >= first_non_process || *it < *lowest)) lowest = it;
  }
  std::rotate(cycle.begin(), lowest, cycle.end());
  return cycle;
}

}  // namespace

std::int64_t InstancesOf(const ResourceGraph& graph, std::size_t resource) {
  return graph.instances.empty() ? 1 : graph.instances[resource];
}

bool IsSingleInstance(const ResourceGraph& graph) {
  for (std::size_t j = 0; j < graph.resources.size(); ++j) {
    if (InstancesOf(graph, j) != 1) return false;
  }
  return true;
}

std::optional<InputError> ValidateResourceGraph(const ResourceGraph& graph) {
  if (auto error = CheckNames(graph)) return error;
  if (!graph.instances.empty() && graph.instances.size() != graph.resources.size()) {
    return Fail("instances: " + std::to_string(graph.instances.size()) + " counts for " +
                std::to_string(graph.resources.size()) + " resources");
  }
  for (std::size_t j = 0; j < graph.instances.size(); ++j) {
    if (graph.instances[j] < 1) {
      return Fail(graph.resources[j] + " has " + std::to_string(graph.instances[j]) + " instances: must be >= 1");
    }
  }
  if (auto error = CheckEdges(graph, graph.requests, "request")) return error;
  if (auto error = CheckEdges(graph, graph.assignments, "assignment")) return error;
  std::vector<std::int64_t> assigned(graph.resources.size(), 0);
  for (const GraphEdge& edge : graph.assignments) ++assigned[edge.resource];
  for (std::size_t j = 0; j < graph.resources.size(); ++j) {
    const std::int64_t instances = InstancesOf(graph, j);
    if (assigned[j] > instances) {
      return Fail(graph.resources[j] + " has " + std::to_string(instances) + " instance" + (instances == 1 ? "" : "s") +
                  " but " + std::to_string(assigned[j]) + " are assigned");
    }
  }
  return std::nullopt;
}

Digraph ToDigraph(const ResourceGraph& graph) {
  const std::size_t n = graph.processes.size();
  Digraph digraph(n + graph.resources.size());
  for (const GraphEdge& edge : graph.requests) {
    digraph.AddEdge(static_cast<std::uint32_t>(edge.process), static_cast<std::uint32_t>(n + edge.resource));
  }
  for (const GraphEdge& edge : graph.assignments) {
    digraph.AddEdge(static_cast<std::uint32_t>(n + edge.resource), static_cast<std::uint32_t>(edge.process));
  }
  return digraph;
}

Expected<std::vector<std::string>> FindResourceGraphCycle(const ResourceGraph& graph) {
  if (auto error = ValidateResourceGraph(graph)) return *error;
  const std::size_t n = graph.processes.size();
  std::vector<std::string> names;
  for (std::uint32_t v : RotateToLowestProcess(FindCycle(ToDigraph(graph)), n)) {
    names.push_back(v < n ? graph.processes[v] : graph.resources[v - n]);
  }
  return names;
}

Expected<DetectionState> ToDetectionState(const ResourceGraph& graph) {
  if (auto error = ValidateResourceGraph(graph)) return *error;
  const std::size_t n = graph.processes.size();
  const std::size_t m = graph.resources.size();
  DetectionState state;
  state.resource_names = graph.resources;
  state.process_names = graph.processes;
  state.available.resize(m);
  for (std::size_t j = 0; j < m; ++j) state.available[j] = InstancesOf(graph, j);
  state.allocation.assign(n, ResourceVector(m, 0));
  state.request.assign(n, ResourceVector(m, 0));
  for (const GraphEdge& edge : graph.assignments) {
    ++state.allocation[edge.process][edge.resource];
    --state.available[edge.resource];
  }
  for (const GraphEdge& edge : graph.requests) ++state.request[edge.process][edge.resource];
  for (std::size_t i = 0; i < n; ++i) {  // the same check as ValidateDetectionState, in graph words
    for (std::size_t j = 0; j < m; ++j) {
      if (state.allocation[i][j] + state.request[i][j] > InstancesOf(graph, j)) {
        return Fail(graph.processes[i] + " requests " + std::to_string(state.request[i][j]) + " of " +
                    graph.resources[j] + " but " + graph.resources[j] + " has " +
                    std::to_string(InstancesOf(graph, j)) + " instance(s) and " + graph.processes[i] + " holds " +
                    std::to_string(state.allocation[i][j]) + ": it could never be granted");
      }
    }
  }
  return state;
}

Expected<WaitForGraph> CollapseToWaitFor(const ResourceGraph& graph) {
  if (auto error = ValidateResourceGraph(graph)) return *error;
  std::vector<std::vector<std::size_t>> holders(graph.resources.size());
  for (const GraphEdge& edge : graph.assignments) holders[edge.resource].push_back(edge.process);
  WaitForGraph wait_for{graph.processes, Digraph(graph.processes.size())};
  std::set<std::pair<std::size_t, std::size_t>> added;
  for (const GraphEdge& request : graph.requests) {
    for (std::size_t holder : holders[request.resource]) {
      if (holder == request.process || !added.insert({request.process, holder}).second) continue;
      wait_for.graph.AddEdge(static_cast<std::uint32_t>(request.process), static_cast<std::uint32_t>(holder));
    }
  }
  return wait_for;
}

std::vector<std::string> FindWaitForCycle(const WaitForGraph& graph) {
  std::vector<std::string> names;
  for (std::uint32_t v : RotateToLowestProcess(FindCycle(graph.graph), graph.processes.size())) {
    names.push_back(graph.processes[v]);
  }
  return names;
}

WaitForVerdict AnalyzeWaitFor(const WaitForGraph& graph, const events::EventSink& event_sink) {
  const std::size_t n = graph.graph.vertex_count();
  std::vector<std::vector<std::uint32_t>> waited_on_by(n);  // reversed edges
  std::vector<std::size_t> waiting_for(n, 0);               // unfinished out-edges
  for (std::uint32_t v = 0; v < n; ++v) {
    for (std::uint32_t w : graph.graph.successors(v)) {
      waited_on_by[w].push_back(v);
      ++waiting_for[v];
    }
  }
  std::priority_queue<std::uint32_t, std::vector<std::uint32_t>, std::greater<>> can_finish;
  for (std::uint32_t v = 0; v < n; ++v) {
    if (waiting_for[v] == 0) can_finish.push(v);
  }
  WaitForVerdict verdict;
  std::vector<bool> finished(n, false);
  while (!can_finish.empty()) {
    const std::uint32_t v = can_finish.top();
    can_finish.pop();
    finished[v] = true;
    verdict.sequence.push_back(v);
    for (std::uint32_t waiter : waited_on_by[v]) {
      if (--waiting_for[waiter] == 0) can_finish.push(waiter);
    }
  }
  for (std::size_t v = 0; v < n; ++v) {
    if (!finished[v]) verdict.deadlocked.push_back(v);
  }
  events::SimPublisher publisher(event_sink);
  if (publisher.on() && !verdict.deadlocked.empty()) {  // a process stuck for ever means a cycle
    publisher.Publish(0, events::DeadlockFound{.cycle = FindWaitForCycle(graph)});
  }
  return verdict;
}

Expected<ResourceGraphVerdict> AnalyzeResourceGraph(const ResourceGraph& graph, const events::EventSink& event_sink) {
  Expected<std::vector<std::string>> cycle = FindResourceGraphCycle(graph);
  if (!cycle) return cycle.error();
  Expected<DetectionState> state = ToDetectionState(graph);
  if (!state) return state.error();
  ResourceGraphVerdict verdict;
  verdict.single_instance = IsSingleInstance(graph);
  verdict.cycle = std::move(cycle).value();
  verdict.state = std::move(state).value();
  Expected<DetectionResult> detection = DetectDeadlock(verdict.state, event_sink);
  if (!detection) return detection.error();
  verdict.detection = std::move(detection).value();
  return verdict;
}

}  // namespace osgrid::os
