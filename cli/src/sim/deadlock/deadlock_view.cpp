// `osgrid sim deadlock`: texts and pictures; see deadlock_view.h.
#include "deadlock_view.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <set>
#include <sstream>
#include <utility>

#include "../../format.h"
#include "../render.h"

namespace osgrid::cli::sim::deadlock {
namespace {

using os::ProcessName;
using os::ResourceMatrix;
using os::ResourceVector;

std::string Name(std::size_t process, const std::vector<std::string>& names) {
  return process < names.size() ? names[process] : ProcessName(process);
}

std::string Sequence(const std::vector<std::size_t>& processes, const std::vector<std::string>& names = {}) {
  std::string text = "<";
  for (std::size_t k = 0; k < processes.size(); ++k) text += (k ? ", " : "") + Name(processes[k], names);
  return text + ">";
}

std::string Listing(const std::vector<std::size_t>& processes, const std::vector<std::string>& names = {}) {
  std::string text;
  for (std::size_t k = 0; k < processes.size(); ++k) text += (k ? ", " : "") + Name(processes[k], names);
  return text;
}

std::string PadLeft(const std::string& text, std::size_t width) {
  return text.size() >= width ? text : std::string(width - text.size(), ' ') + text;
}

/// Right-aligns each resource's column to a shared width, so every vector
/// lines up under the resource labels.
class Columns {
 public:
  Columns(const std::vector<std::string>& labels, const std::vector<const ResourceMatrix*>& matrices,
          const std::vector<const ResourceVector*>& vectors)
      : labels_(labels), widths_(labels.size(), 1) {
    for (std::size_t j = 0; j < labels.size(); ++j) widths_[j] = labels[j].size();
    auto widen = [&](const ResourceVector& row) {
      for (std::size_t j = 0; j < row.size() && j < widths_.size(); ++j) {
        widths_[j] = std::max(widths_[j], std::to_string(row[j]).size());
      }
    };
    for (const ResourceMatrix* matrix : matrices) std::for_each(matrix->begin(), matrix->end(), widen);
    for (const ResourceVector* vector : vectors) widen(*vector);
  }
  std::string Row(const ResourceVector& row) const {
    std::string text;
    for (std::size_t j = 0; j < row.size(); ++j) text += (j ? " " : "") + PadLeft(std::to_string(row[j]), widths_[j]);
    return text;
  }
  std::string Header() const {
    std::string text;
    for (std::size_t j = 0; j < labels_.size(); ++j) text += (j ? " " : "") + PadLeft(labels_[j], widths_[j]);
    return text;
  }

 private:
  std::vector<std::string> labels_;
  std::vector<std::size_t> widths_;
};

/// Process rows with one column group per matrix.
std::string MatrixTable(const std::vector<std::string>& titles, const std::vector<const ResourceMatrix*>& matrices,
                        const Columns& columns) {
  std::vector<std::string> header{"Process"};
  std::vector<std::string> labels{""};
  for (const auto& title : titles) {
    header.push_back(title);
    labels.push_back(columns.Header());
  }
  Table table(header);
  table.AddRow(labels);
  for (std::size_t i = 0; i < matrices[0]->size(); ++i) {
    std::vector<std::string> row{ProcessName(i)};
    for (const ResourceMatrix* matrix : matrices) row.push_back(columns.Row((*matrix)[i]));
    table.AddRow(row);
  }
  std::ostringstream out;
  table.Print(out, "  ");
  return out.str();
}

std::string Plural(std::size_t count, const std::string& word) {
  if (count == 1) return "1 " + word;
  return std::to_string(count) + " " + word + (word.back() == 's' ? "es" : "s");
}

}  // namespace

std::vector<std::string> ResourceLabels(const std::vector<std::string>& names, std::size_t m) {
  std::vector<std::string> labels;
  for (std::size_t j = 0; j < m; ++j) labels.push_back(os::ResourceName(j, names));
  return labels;
}

// ---- Banker's ----------------------------------------------------------------

std::string BankerProblemText(const os::BankerState& state, const std::vector<Request>& requests) {
  const auto labels = ResourceLabels(state.resource_names, state.available.size());
  const ResourceMatrix need = os::NeedMatrix(state);
  const ResourceVector total = os::TotalResources(state);
  const Columns columns(labels, {&state.allocation, &state.max, &need}, {&state.available, &total});
  std::ostringstream out;
  out << "Banker's algorithm (Silberschatz 10e, 8.6.3): " << Plural(state.max.size(), "process") << ", "
      << Plural(labels.size(), "resource type") << ".\n\n";
  out << MatrixTable({"Allocation", "Max", "Need"}, {&state.allocation, &state.max, &need}, columns);
  out << "  Available  " << columns.Header() << "\n";
  out << "             " << columns.Row(state.available) << "   (total " << columns.Row(total) << ")\n\n";
  out << "Is the state safe? If so, give a safe sequence.\n";
  for (std::size_t k = 0; k < requests.size(); ++k) {
    out << "Request " << k + 1 << ": " << ProcessName(requests[k].process) << " requests "
        << os::FormatVector(requests[k].amounts) << ". Can it be granted at once?\n";
  }
  if (requests.size() > 1) out << "(Each request is made in the state the previous ones leave.)\n";
  return out.str();
}

std::string SafetyAnswerText(const os::BankerState& state, const os::SafetyResult& safety) {
  const auto labels = ResourceLabels(state.resource_names, state.available.size());
  std::vector<const ResourceVector*> vectors{&safety.initial_work};
  for (const auto& step : safety.trace) vectors.push_back(&step.work);
  const ResourceMatrix need = os::NeedMatrix(state);
  const Columns columns(labels, {&need}, vectors);
  std::ostringstream out;
  out << "Safety algorithm (8.6.3.1): Work = Available; the lowest-numbered process\n"
         "with Need <= Work finishes and returns its Allocation (Work += Allocation).\n";
  Table table({"Step", "Process", "Need", "Work after"});
  table.AddRow({"", "", columns.Header(), columns.Header()});
  table.AddRow({"0", "", "", columns.Row(safety.initial_work)});
  for (std::size_t k = 0; k < safety.trace.size(); ++k) {
    table.AddRow({std::to_string(k + 1), ProcessName(safety.trace[k].process), columns.Row(safety.trace[k].wanted),
                  columns.Row(safety.trace[k].work)});
  }
  table.Print(out, "  ");
  if (safety.safe) {
    out << "Answer: SAFE. Safe sequence " << Sequence(safety.sequence) << ".\n";
  } else {
    out << "Answer: UNSAFE. No process among " << Listing(safety.unfinished)
        << " has Need <= Work, so no safe sequence exists.\n";
  }
  return out.str();
}

std::string RequestAnswerText(std::size_t number, std::size_t process, const os::ResourceVector& amounts,
                              const os::RequestResult& result) {
  std::ostringstream out;
  out << "\nRequest " << number << ": " << ProcessName(process) << " requests " << os::FormatVector(amounts) << ": ";
  switch (result.decision) {
    case os::RequestDecision::kGranted:
      out << "GRANTED.\n  The new state is safe: " << Sequence(result.safety.sequence) << "; Available is now "
          << os::FormatVector(result.state.available) << ".\n";
      break;
    case os::RequestDecision::kWait:
      out << "MUST WAIT.\n  " << result.reason << ".\n";
      break;
    case os::RequestDecision::kDenied:
      out << "DENIED, " << ProcessName(process) << " must wait.\n  " << result.reason
          << ".\n  Granting it would leave Available " << os::FormatVector(result.safety.initial_work) << ", and then "
          << (result.safety.sequence.empty() ? std::string("no process could finish")
                                             : "only " + Sequence(result.safety.sequence) + " could finish")
          << ".\n";
      break;
  }
  return out.str();
}

// ---- detection ---------------------------------------------------------------------

std::string DetectionProblemText(const os::DetectionState& state, bool recover) {
  const auto labels = ResourceLabels(state.resource_names, state.available.size());
  const Columns columns(labels, {&state.allocation, &state.request}, {&state.available});
  std::ostringstream out;
  out << "Deadlock detection (Silberschatz 10e, 8.7.2): " << Plural(state.allocation.size(), "process") << ", "
      << Plural(labels.size(), "resource type") << ".\n\n";
  out << MatrixTable({"Allocation", "Request"}, {&state.allocation, &state.request}, columns);
  out << "  Available  " << columns.Header() << "\n";
  out << "             " << columns.Row(state.available) << "\n\n";
  out << "Is the system deadlocked? If so, which processes are deadlocked?\n";
  if (recover) out << "Recover by aborting processes: which victims, in which order?\n";
  return out.str();
}

std::string DetectionAnswerText(const os::DetectionState& state, const os::DetectionResult& result) {
  const auto labels = ResourceLabels(state.resource_names, state.available.size());
  std::vector<const ResourceVector*> vectors{&result.initial_work};
  for (const auto& step : result.trace) vectors.push_back(&step.work);
  const Columns columns(labels, {&state.request}, vectors);
  std::ostringstream out;
  out << "Detection (8.7.2): Work = Available; a process holding nothing starts with\n"
         "Finish = true; the lowest-numbered process with Request <= Work finishes.\n";
  if (!result.holding_nothing.empty()) out << "  Holding nothing: " << Listing(result.holding_nothing) << "\n";
  Table table({"Step", "Process", "Request", "Work after"});
  table.AddRow({"", "", columns.Header(), columns.Header()});
  table.AddRow({"0", "", "", columns.Row(result.initial_work)});
  for (std::size_t k = 0; k < result.trace.size(); ++k) {
    table.AddRow({std::to_string(k + 1), ProcessName(result.trace[k].process), columns.Row(result.trace[k].wanted),
                  columns.Row(result.trace[k].work)});
  }
  table.Print(out, "  ");
  if (result.deadlock()) {
    out << "Answer: DEADLOCK. " << Listing(result.deadlocked) << (result.deadlocked.size() == 1 ? " is" : " are")
        << " deadlocked (Finish == false).\n";
  } else {
    out << "Answer: no deadlock; the processes can finish in the order " << Sequence(result.sequence) << ".\n";
  }
  return out.str();
}

namespace {

/// "(0, 0, 2)", or by name when the resources have names: "R3, 2 x R2".
std::string Released(const ResourceVector& released, const std::vector<std::string>& resources) {
  if (resources.empty()) return os::FormatVector(released);
  std::string text;
  for (std::size_t j = 0; j < released.size(); ++j) {
    if (released[j] == 0) continue;
    text += (text.empty() ? "" : ", ") + (released[j] == 1 ? "" : std::to_string(released[j]) + " x ") + resources[j];
  }
  return text;
}

}  // namespace

std::string RecoveryText(const os::RecoveryResult& recovery, const std::vector<std::string>& names,
                         const std::vector<std::string>& resources, bool show_released) {
  std::ostringstream out;
  out << "\nRecovery (8.8.1): abort one deadlocked process at a time, the one holding\n"
         "the fewest instances (ties: the highest-numbered), until detection finds none.\n";
  if (recovery.steps.empty()) out << "  No deadlock: no victim.\n";
  for (std::size_t k = 0; k < recovery.steps.size(); ++k) {
    const os::RecoveryStep& step = recovery.steps[k];
    const auto held = std::accumulate(step.released.begin(), step.released.end(), std::int64_t{0});
    out << "  " << k + 1 << ". deadlocked " << Listing(step.deadlocked_before, names) << ": abort "
        << Name(step.victim, names);
    if (show_released) out << " (holds " << held << "), releasing " << Released(step.released, resources);
    out << "\n";
  }
  if (!recovery.steps.empty()) {
    std::vector<std::size_t> victims = recovery.victims();
    out << "Victims: " << Listing(victims, names)
        << ". The others finish: " << Sequence(recovery.final_detection.sequence, names) << ".\n";
  }
  return out.str();
}

// ---- graphs -----------------------------------------------------------------------

std::string GraphProblemText(const os::ResourceGraph& graph, bool recover) {
  std::ostringstream out;
  out << "Resource-allocation graph (Silberschatz 10e, 8.3.2): " << Plural(graph.processes.size(), "process") << ", "
      << Plural(graph.resources.size(), "resource") << ".\n";
  std::string requests, assignments, instances;
  for (const auto& e : graph.requests) {
    requests += (requests.empty() ? "" : ", ") + graph.processes[e.process] + "->" + graph.resources[e.resource];
  }
  for (const auto& e : graph.assignments) {
    assignments += (assignments.empty() ? "" : ", ") + graph.resources[e.resource] + "->" + graph.processes[e.process];
  }
  for (std::size_t j = 0; j < graph.resources.size(); ++j) {
    instances += (j ? ", " : "") + graph.resources[j] + " x" + std::to_string(os::InstancesOf(graph, j));
  }
  out << "  Request edges (P waits for R):    " << (requests.empty() ? "none" : requests) << "\n";
  out << "  Assignment edges (R held by P):   " << (assignments.empty() ? "none" : assignments) << "\n";
  out << "  Instances:                        " << instances << "\n\n";
  out << "Does the graph have a cycle? Is the system deadlocked? Which processes?\n";
  if (recover) out << "Recover by aborting processes: which victims, in which order?\n";
  return out.str();
}

std::string GraphAnswerText(const os::ResourceGraph& graph, const os::ResourceGraphVerdict& verdict,
                            const os::WaitForGraph& collapsed) {
  std::ostringstream out;
  std::string cycle;
  for (const auto& name : verdict.cycle) cycle += name + " -> ";
  out << "Cycle: " << (verdict.cycle.empty() ? "none" : cycle + verdict.cycle.front()) << "\n";
  if (verdict.single_instance) {
    std::string edges;
    for (std::uint32_t v = 0; v < collapsed.graph.vertex_count(); ++v) {
      for (std::uint32_t w : collapsed.graph.successors(v)) {
        edges += (edges.empty() ? "" : ", ") + collapsed.processes[v] + "->" + collapsed.processes[w];
      }
    }
    out << "Wait-for graph (8.7.1): " << (edges.empty() ? "no edges" : edges) << "\n";
    out << "Every resource has one instance: a cycle means deadlock (8.3.2).\n";
  } else {
    out << "Some resource has several instances: a cycle is necessary but not sufficient,\n"
           "so the detection algorithm (8.7.2) decides.\n";
  }
  const auto& detection = verdict.detection;
  if (detection.deadlock()) {
    out << "Answer: DEADLOCK. Deadlocked: " << Listing(detection.deadlocked, graph.processes) << ".\n";
  } else {
    out << "Answer: no deadlock; the processes can finish in the order "
        << Sequence(detection.sequence, graph.processes) << ".\n";
  }
  if (!detection.holding_nothing.empty()) {
    out << "(" << Listing(detection.holding_nothing, graph.processes) << " hold"
        << (detection.holding_nothing.size() == 1 ? "s" : "") << " nothing, so 8.7.2 never counts "
        << (detection.holding_nothing.size() == 1 ? "it" : "them") << " as deadlocked.)\n";
  }
  return out.str();
}

std::string WaitForProblemText(const os::WaitForGraph& graph, bool recover) {
  std::ostringstream out;
  std::string edges;
  for (std::uint32_t v = 0; v < graph.graph.vertex_count(); ++v) {
    for (std::uint32_t w : graph.graph.successors(v)) {
      edges += (edges.empty() ? "" : ", ") + graph.processes[v] + "->" + graph.processes[w];
    }
  }
  out << "Wait-for graph (Silberschatz 10e, 8.7.1): " << Plural(graph.processes.size(), "process") << ".\n";
  out << "  Pi->Pj means Pi waits for a resource Pj holds: " << edges << "\n\n";
  out << "Is there a cycle (a deadlock)? Which processes can never finish?\n";
  if (recover) out << "Recover by aborting processes: which victims, in which order?\n";
  return out.str();
}

std::string WaitForAnswerText(const os::WaitForGraph& graph, const std::vector<std::string>& cycle,
                              const os::WaitForVerdict& verdict) {
  std::ostringstream out;
  std::string text;
  for (const auto& name : cycle) text += name + " -> ";
  out << "Cycle: " << (cycle.empty() ? "none" : text + cycle.front()) << "\n";
  if (cycle.empty()) {
    out << "Answer: no deadlock; the processes can finish in the order " << Sequence(verdict.sequence, graph.processes)
        << ".\n";
  } else {
    out << "Answer: DEADLOCK. Never finishing (on a cycle or waiting for one):\n  "
        << Listing(verdict.deadlocked, graph.processes) << ".\n";
  }
  return out.str();
}

// ---- pictures -----------------------------------------------------------------------

namespace {

struct Vertex {
  std::string name;
  bool process = true;
  std::int64_t instances = 0;
  double x = 0, y = 0;
};

constexpr double kRadius = 22;  // a process circle; a resource square is 2*kRadius wide

/// The point where the segment from a to b leaves a's shape.
std::pair<double, double> Border(const Vertex& a, const Vertex& b) {
  const double dx = b.x - a.x, dy = b.y - a.y;
  const double length = std::max(1e-9, std::hypot(dx, dy));
  double t = kRadius / length;
  if (!a.process) t = kRadius / std::max(std::abs(dx), std::abs(dy)) * (1 + 1e-9);  // the square's edge
  return {a.x + dx * t, a.y + dy * t};
}

struct DrawnEdge {
  std::size_t from, to;
};

std::string DrawGraph(std::vector<Vertex> vertices, const std::vector<DrawnEdge>& edges,
                      const std::vector<std::string>& cycle, const std::string& title) {
  const std::size_t count = vertices.size();
  const double ring = std::max(90.0, 28.0 * static_cast<double>(count));
  const double size = 2 * ring + 140;
  const double centre = size / 2;
  for (std::size_t k = 0; k < count; ++k) {  // on a circle, clockwise from the top
    const double angle = 2 * M_PI * static_cast<double>(k) / static_cast<double>(count) - M_PI / 2;
    vertices[k].x = centre + ring * std::cos(angle);
    vertices[k].y = centre + 20 + ring * std::sin(angle);
  }
  std::set<std::pair<std::string, std::string>> red;
  for (std::size_t k = 0; k < cycle.size(); ++k) red.insert({cycle[k], cycle[(k + 1) % cycle.size()]});

  Svg svg(size, size + 56);
  svg.Text(centre, 24, title, 15, "middle");
  for (const DrawnEdge& edge : edges) {
    const Vertex& a = vertices[edge.from];
    const Vertex& b = vertices[edge.to];
    const auto [x1, y1] = Border(a, b);
    const auto [x2, y2] = Border(b, a);
    svg.Arrow(x1, y1, x2, y2, red.count({a.name, b.name}) ? "#d62728" : "#555");
  }
  for (std::size_t k = 0; k < count; ++k) {
    const Vertex& v = vertices[k];
    if (v.process) {
      svg.Circle(v.x, v.y, kRadius, "#cfe3f7");
      svg.Text(v.x, v.y + 4, v.name, 12, "middle");
    } else {
      svg.Rect(v.x - kRadius, v.y - kRadius, 2 * kRadius, 2 * kRadius, "#fdf1d6");
      svg.Text(v.x, v.y - kRadius - 5, v.name, 12, "middle");
      const std::int64_t dots = std::min<std::int64_t>(v.instances, 9);
      for (std::int64_t d = 0; d < dots; ++d) {  // up to a 3 x 3 grid of instance dots
        svg.Circle(v.x - 12 + 12 * static_cast<double>(d % 3), v.y - 12 + 12 * static_cast<double>(d / 3), 3.5, "#333",
                   "#333");
      }
      if (v.instances > 9) svg.Text(v.x, v.y + kRadius + 14, "x" + std::to_string(v.instances), 11, "middle");
    }
  }
  // Two short lines: the picture can be as narrow as 360 px.
  svg.Text(10, size + 26, cycle.empty() ? "No cycle." : "Red: the cycle.", 11);
  svg.Text(10, size + 42, "Circles: processes; squares: resources, one dot per instance.", 11);
  return svg.Finish();
}

}  // namespace

std::string GraphSvg(const os::ResourceGraph& graph, const std::vector<std::string>& cycle) {
  // Interleave processes and resources around the circle: P1, R1, P2, R2, ...
  std::vector<Vertex> vertices;
  std::vector<std::size_t> process_at(graph.processes.size()), resource_at(graph.resources.size());
  for (std::size_t k = 0; k < std::max(graph.processes.size(), graph.resources.size()); ++k) {
    if (k < graph.processes.size()) {
      process_at[k] = vertices.size();
      vertices.push_back({graph.processes[k], true, 0});
    }
    if (k < graph.resources.size()) {
      resource_at[k] = vertices.size();
      vertices.push_back({graph.resources[k], false, os::InstancesOf(graph, k)});
    }
  }
  std::vector<DrawnEdge> edges;
  for (const auto& e : graph.requests) edges.push_back({process_at[e.process], resource_at[e.resource]});
  std::set<std::pair<std::size_t, std::size_t>> drawn;  // one arrow per assignment pair
  for (const auto& e : graph.assignments) {
    if (drawn.insert({e.resource, e.process}).second) edges.push_back({resource_at[e.resource], process_at[e.process]});
  }
  return DrawGraph(vertices, edges, cycle, "Resource-allocation graph");
}

std::string WaitForSvg(const os::WaitForGraph& graph, const std::vector<std::string>& cycle) {
  std::vector<Vertex> vertices;
  for (const auto& name : graph.processes) vertices.push_back({name, true, 0});
  std::vector<DrawnEdge> edges;
  for (std::uint32_t v = 0; v < graph.graph.vertex_count(); ++v) {
    for (std::uint32_t w : graph.graph.successors(v)) edges.push_back({v, w});
  }
  return DrawGraph(vertices, edges, cycle, "Wait-for graph");
}

namespace {

std::string TableSvg(const std::string& title, const std::vector<std::string>& labels,
                     const std::vector<std::pair<std::string, const ResourceMatrix*>>& groups,
                     const std::vector<bool>& highlight, const std::string& footer) {
  const double cell = 28, name_width = 50, gap = 16, row_height = 24;
  const std::size_t n = groups[0].second->size();
  const std::size_t m = labels.size();
  const double group_width = cell * static_cast<double>(m);
  const double width = name_width + static_cast<double>(groups.size()) * (group_width + gap) + 20;
  const double height = 90 + row_height * static_cast<double>(n) + 40;
  Svg svg(std::max(width, 360.0), height);
  svg.Text(10, 22, title, 15);
  for (std::size_t g = 0; g < groups.size(); ++g) {
    const double x0 = name_width + static_cast<double>(g) * (group_width + gap);
    svg.Text(x0 + group_width / 2, 48, groups[g].first, 12, "middle");
    for (std::size_t j = 0; j < m; ++j)
      svg.Text(x0 + cell * (static_cast<double>(j) + 0.5), 66, labels[j], 11, "middle");
    for (std::size_t i = 0; i < n; ++i) {
      const double y = 74 + row_height * static_cast<double>(i);
      for (std::size_t j = 0; j < m; ++j) {
        const double x = x0 + cell * static_cast<double>(j);
        svg.Rect(x, y, cell, row_height, highlight[i] ? "#f8d0d0" : "#ffffff", "#999");
        svg.Text(x + cell / 2, y + 16, std::to_string((*groups[g].second)[i][j]), 12, "middle");
      }
    }
  }
  for (std::size_t i = 0; i < n; ++i) svg.Text(10, 74 + row_height * static_cast<double>(i) + 16, ProcessName(i), 12);
  svg.Text(10, height - 14, footer, 12);
  return svg.Finish();
}

}  // namespace

std::string BankerSvg(const os::BankerState& state, const os::SafetyResult& safety) {
  const ResourceMatrix need = os::NeedMatrix(state);
  std::vector<bool> highlight(state.max.size(), false);
  for (std::size_t i : safety.unfinished) highlight[i] = true;
  return TableSvg("Banker's algorithm", ResourceLabels(state.resource_names, state.available.size()),
                  {{"Allocation", &state.allocation}, {"Max", &state.max}, {"Need", &need}}, highlight,
                  "Available " + os::FormatVector(state.available) + ": " +
                      (safety.safe ? "safe, " + Sequence(safety.sequence) : "UNSAFE"));
}

std::string DetectionSvg(const os::DetectionState& state, const os::DetectionResult& result) {
  std::vector<bool> highlight(state.allocation.size(), false);
  for (std::size_t i : result.deadlocked) highlight[i] = true;
  return TableSvg("Deadlock detection", ResourceLabels(state.resource_names, state.available.size()),
                  {{"Allocation", &state.allocation}, {"Request", &state.request}}, highlight,
                  "Available " + os::FormatVector(state.available) + ": " +
                      (result.deadlock() ? "deadlocked " + Listing(result.deadlocked)
                                         : "no deadlock, " + Sequence(result.sequence)));
}

}  // namespace osgrid::cli::sim::deadlock
