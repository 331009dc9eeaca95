// Resource-allocation graphs and wait-for graphs: deadlock as a cycle.
//
// Source: Silberschatz, Operating System Concepts 10e, 8.3.2
// "Resource-Allocation Graph" (request edges Pi -> Rj, assignment edges
// Rj -> Pi; Figures 8.4-8.6) and 8.7.1 "Single Instance of Each Resource
// Type" (the wait-for graph, Figure 8.11). The cycle search is FindCycle in
// wait_for_graph.h.
//
// Which algorithm answers "is there a deadlock?":
//  - every resource has ONE instance: a cycle in the resource-allocation
//    graph (equivalently, in its wait-for graph) is necessary AND sufficient;
//  - some resource has SEVERAL instances: a cycle is necessary but not
//    sufficient (Figure 8.6: P1 -> R1 -> P3 -> R2 -> P1 is a cycle, yet P2 and
//    P4 can finish and break it), so AnalyzeResourceGraph runs the detection
//    algorithm of 8.7.2 (detection.h) on the graph's matrices. It does so in
//    both cases, and the two answers agree when every resource has one
//    instance (tested).
//
// Cycles are reported by name, rotated to start at their lowest-numbered
// process: {"P1", "R1", "P2", "R2"} reads P1 -> R1 -> P2 -> R2 -> P1.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "osgrid/os/deadlock/detection.h"
#include "osgrid/os/deadlock/wait_for_graph.h"
#include "osgrid/os/expected.h"

namespace osgrid::os {

/// An edge between process `process` and resource `resource` (indices into
/// ResourceGraph::processes and ::resources); its direction depends on the
/// list it is in.
struct GraphEdge {
  std::size_t process = 0;
  std::size_t resource = 0;
};

/// A resource-allocation graph (8.3.2).
struct ResourceGraph {
  std::vector<std::string> processes;   // names, e.g. "P1"; unique
  std::vector<std::string> resources;   // names, e.g. "R1"; unique, distinct from the processes'
  std::vector<std::int64_t> instances;  // instances of each resource (>= 1); empty = one each
  std::vector<GraphEdge> requests;      // request edges Pi -> Rj: Pi waits for one instance
  std::vector<GraphEdge> assignments;   // assignment edges Rj -> Pi: one per instance Pi holds
};

/// Checks names (non-empty, unique), instance counts (>= 1, one per
/// resource), edge indices, that no resource has more instances assigned
/// than it has ("R1 has 1 instance but 2 are assigned") and that no request
/// can never be granted (held + requested > instances). nullopt when valid.
std::optional<InputError> ValidateResourceGraph(const ResourceGraph& graph);

/// Instances of resource j (1 when `instances` is empty).
std::int64_t InstancesOf(const ResourceGraph& graph, std::size_t resource);

/// True when every resource has exactly one instance.
bool IsSingleInstance(const ResourceGraph& graph);

/// The graph as a Digraph: processes are vertices 0..n-1, resources n..n+m-1.
/// Precondition: valid.
Digraph ToDigraph(const ResourceGraph& graph);

/// One cycle of the resource-allocation graph, by name, starting at its
/// lowest-numbered process; empty when the graph is acyclic. The search tries
/// vertices in order (processes first) and edges in the order given.
Expected<std::vector<std::string>> FindResourceGraphCycle(const ResourceGraph& graph);

/// The matrices of 8.7.2: Allocation[i][j] = assignment edges Rj -> Pi,
/// Request[i][j] = request edges Pi -> Rj, Available[j] = instances - assigned;
/// the graph's process and resource names.
Expected<DetectionState> ToDetectionState(const ResourceGraph& graph);

/// A wait-for graph (8.7.1): vertex i is process `processes[i]`; an edge
/// Pi -> Pj means Pi waits for a resource that Pj holds.
struct WaitForGraph {
  std::vector<std::string> processes;
  Digraph graph{0};
};

/// Collapses a resource-allocation graph: Pi -> Pj for each request edge
/// Pi -> Rq and assignment edge Rq -> Pj (once per pair; never Pi -> Pi),
/// in the order of the request edges. Exact for single-instance resources;
/// with several instances it only says whom Pi might be waiting for.
Expected<WaitForGraph> CollapseToWaitFor(const ResourceGraph& graph);

/// One cycle of a wait-for graph by name, starting at its lowest-numbered
/// process; empty when acyclic (no deadlock).
std::vector<std::string> FindWaitForCycle(const WaitForGraph& graph);

/// Who can finish in a wait-for graph: a process finishes once every process
/// it waits for has finished (lowest-numbered first, as in 8.7.2). The others
/// are stuck for ever: on a cycle, or waiting (directly or not) for one.
/// With `event_sink`, a deadlock is also said as one deadlock.found (t = 0,
/// seq 1) with FindWaitForCycle's cycle and no resources (the graph names none).
struct WaitForVerdict {
  std::vector<std::size_t> deadlocked;  // cannot finish, increasing
  std::vector<std::size_t> sequence;    // the others, in the order they finish
};
WaitForVerdict AnalyzeWaitFor(const WaitForGraph& graph, const events::EventSink& event_sink = nullptr);

/// Everything known about a resource-allocation graph.
struct ResourceGraphVerdict {
  bool single_instance = true;     // every resource has one instance
  std::vector<std::string> cycle;  // FindResourceGraphCycle (empty = no cycle)
  DetectionState state;            // ToDetectionState
  DetectionResult detection;       // 8.7.2 on `state`: the deadlocked set
  bool deadlock() const { return detection.deadlock(); }
};
/// With `event_sink`, a deadlock (by 8.7.2) is also said as DetectDeadlock
/// says it, with the graph's names. Errors: ValidateResourceGraph.
Expected<ResourceGraphVerdict> AnalyzeResourceGraph(const ResourceGraph& graph,
                                                    const events::EventSink& event_sink = nullptr);

}  // namespace osgrid::os
