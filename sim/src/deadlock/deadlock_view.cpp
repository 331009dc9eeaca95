// `osgrid sim deadlock`: texts and pictures; see deadlock_view.h.
#include "deadlock_view.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <set>
#include <sstream>
#include <utility>

#include "../render.h"

namespace osgrid::sim::deadlock {
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

/// Characters of `value` in decimal.
std::size_t Digits(std::int64_t value) {
  std::size_t digits = value < 0 ? 2 : 1;
  for (std::uint64_t rest = value < 0 ? 0 - static_cast<std::uint64_t>(value) : static_cast<std::uint64_t>(value);
       rest >= 10; rest /= 10) {
    ++digits;
  }
  return digits;
}

/// Display width of UTF-8 text, as text.h's Table counts it: code points.
std::size_t Width(std::string_view text) {
  return static_cast<std::size_t>(
      std::count_if(text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

/// Right-aligns each resource's column to a shared width, so every vector
/// lines up under the resource labels.
class Columns {
 public:
  Columns(const std::vector<std::string>& labels, const std::vector<const ResourceMatrix*>& matrices,
          const std::vector<const ResourceVector*>& vectors)
      : labels_(labels), widths_(labels.size(), 1) {
    for (std::size_t j = 0; j < labels.size(); ++j) widths_[j] = labels[j].size();
    for (const ResourceMatrix* matrix : matrices) {
      for (const ResourceVector& row : *matrix) Widen(row);
    }
    for (const ResourceVector* vector : vectors) Widen(*vector);
  }
  void Widen(const ResourceVector& row) {
    for (std::size_t j = 0; j < row.size() && j < widths_.size(); ++j)
      widths_[j] = std::max(widths_[j], Digits(row[j]));
  }
  /// The row's values, each right-aligned in its column, one space apart.
  void Write(TextOut& out, const ResourceVector& row) const {
    for (std::size_t j = 0; j < row.size(); ++j) {
      if (j) out.Put(' ');
      const std::size_t digits = Digits(row[j]);
      if (digits < widths_[j]) out.Pad(widths_[j] - digits);
      out.Int(row[j]);
    }
  }
  /// The characters Write() takes for a row of every resource type.
  std::size_t RowWidth() const {
    std::size_t width = widths_.empty() ? 0 : widths_.size() - 1;
    for (std::size_t w : widths_) width += w;
    return width;
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

/// A table laid out as text.h's Table lays one out (cells left-aligned, two
/// spaces apart, the last cell of a line unpadded, every line indented by two
/// spaces), written row by row with no string per cell. `rows(table)` adds
/// the rows; it is called twice: once to measure the columns, once to write.
class TableWriter {
 public:
  template <typename Rows>
  static void Print(TextOut& out, Rows rows) {
    TableWriter measure(nullptr, {});
    rows(measure);
    TableWriter write(&out, std::move(measure.widths_));
    rows(write);
  }

  TableWriter& Text(std::string_view cell) {
    Next(Width(cell));
    if (out_) out_->Write(cell);
    return *this;
  }
  TableWriter& Number(std::int64_t cell) {
    Next(Digits(cell));
    if (out_) out_->Int(cell);
    return *this;
  }
  TableWriter& Process(std::size_t process) {
    Next(1 + Digits(static_cast<std::int64_t>(process)));
    if (out_) out_->Put('P'), out_->Int(static_cast<std::int64_t>(process));
    return *this;
  }
  TableWriter& Vector(const Columns& columns, const ResourceVector& row) {
    Next(columns.RowWidth());
    if (out_) columns.Write(*out_, row);
    return *this;
  }
  void EndRow() {
    if (out_) out_->Put('\n');
    column_ = 0;
  }

 private:
  TableWriter(TextOut* out, std::vector<std::size_t> widths) : out_(out), widths_(std::move(widths)) {}

  /// Before a cell `width` wide: the indent, or the padding after the cell before.
  void Next(std::size_t width) {
    if (out_ == nullptr) {
      if (widths_.size() <= column_) widths_.resize(column_ + 1, 0);
      widths_[column_] = std::max(widths_[column_], width);
    } else if (column_ == 0) {
      out_->Write("  ");
    } else {
      out_->Pad(widths_[column_ - 1] - previous_ + 2);
    }
    previous_ = width;
    ++column_;
  }

  TextOut* out_;  // nullptr while measuring
  std::vector<std::size_t> widths_;
  std::size_t column_ = 0;
  std::size_t previous_ = 0;  // the width of the cell before
};

/// Process rows with one column group per matrix.
void WriteMatrixTable(TextOut& out, const std::vector<std::string>& titles,
                      const std::vector<const ResourceMatrix*>& matrices, const Columns& columns) {
  const std::string header = columns.Header();
  TableWriter::Print(out, [&](TableWriter& table) {
    table.Text("Process");
    for (const auto& title : titles) table.Text(title);
    table.EndRow();
    table.Text("");
    for (std::size_t g = 0; g < titles.size(); ++g) table.Text(header);
    table.EndRow();
    for (std::size_t i = 0; i < matrices[0]->size(); ++i) {
      table.Process(i);
      for (const ResourceMatrix* matrix : matrices) table.Vector(columns, (*matrix)[i]);
      table.EndRow();
    }
  });
}

/// The Work/Finish loop's steps: its table (8.6.3.1, 8.7.2).
void WriteWorkTable(TextOut& out, const char* wanted, const Columns& columns, const ResourceVector& initial_work,
                    const std::vector<os::WorkStep>& trace) {
  const std::string header = columns.Header();
  TableWriter::Print(out, [&](TableWriter& table) {
    table.Text("Step").Text("Process").Text(wanted).Text("Work after").EndRow();
    table.Text("").Text("").Text(header).Text(header).EndRow();
    table.Text("0").Text("").Text("").Vector(columns, initial_work).EndRow();
    for (std::size_t k = 0; k < trace.size(); ++k) {
      table.Number(static_cast<std::int64_t>(k + 1))
          .Process(trace[k].process)
          .Vector(columns, trace[k].wanted)
          .Vector(columns, trace[k].work)
          .EndRow();
    }
  });
}

/// "<P1, P3, P0>" or "P1, P3, P0", written name by name.
void WriteListing(TextOut& out, const std::vector<std::size_t>& processes) {
  for (std::size_t k = 0; k < processes.size(); ++k) {
    if (k) out.Write(", ");
    out.Put('P');
    out.Int(static_cast<std::int64_t>(processes[k]));
  }
}
void WriteSequence(TextOut& out, const std::vector<std::size_t>& processes) {
  out.Put('<');
  WriteListing(out, processes);
  out.Put('>');
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

void WriteBankerProblem(TextOut& out, const os::BankerState& state, const ResourceMatrix& need,
                        const std::vector<Request>& requests) {
  const auto labels = ResourceLabels(state.resource_names, state.available.size());
  const ResourceVector total = os::TotalResources(state);
  const Columns columns(labels, {&state.allocation, &state.max, &need}, {&state.available, &total});
  out.Print("Banker's algorithm (Silberschatz 10e, 8.6.3): {}, {}.\n\n", Plural(state.max.size(), "process"),
            Plural(labels.size(), "resource type"));
  WriteMatrixTable(out, {"Allocation", "Max", "Need"}, {&state.allocation, &state.max, &need}, columns);
  out.Print("  Available  {}\n             ", columns.Header());
  columns.Write(out, state.available);
  out.Write("   (total ");
  columns.Write(out, total);
  out.Write(")\n\nIs the state safe? If so, give a safe sequence.\n");
  for (std::size_t k = 0; k < requests.size(); ++k) {
    out.Print("Request {}: {} requests {}. Can it be granted at once?\n", k + 1, ProcessName(requests[k].process),
              os::FormatVector(requests[k].amounts));
  }
  if (requests.size() > 1) out.Write("(Each request is made in the state the previous ones leave.)\n");
}

void WriteSafetyAnswer(TextOut& out, const os::BankerState& state, const ResourceMatrix& need,
                       const os::SafetyResult& safety) {
  const auto labels = ResourceLabels(state.resource_names, state.available.size());
  Columns columns(labels, {&need}, {&safety.initial_work});
  for (const auto& step : safety.trace) columns.Widen(step.work);
  out.Write(
      "Safety algorithm (8.6.3.1): Work = Available; the lowest-numbered process\n"
      "with Need <= Work finishes and returns its Allocation (Work += Allocation).\n");
  WriteWorkTable(out, "Need", columns, safety.initial_work, safety.trace);
  if (safety.safe) {
    out.Write("Answer: SAFE. Safe sequence ");
    WriteSequence(out, safety.sequence);
    out.Write(".\n");
  } else {
    out.Write("Answer: UNSAFE. No process among ");
    WriteListing(out, safety.unfinished);
    out.Write(" has Need <= Work, so no safe sequence exists.\n");
  }
}

std::string RequestAnswerText(std::size_t number, std::size_t process, const os::ResourceVector& amounts,
                              const RequestAnswer& answer) {
  std::ostringstream out;
  out << "\nRequest " << number << ": " << ProcessName(process) << " requests " << os::FormatVector(amounts) << ": ";
  switch (answer.decision) {
    case os::RequestDecision::kGranted:
      out << "GRANTED.\n  The new state is safe: " << Sequence(answer.sequence) << "; Available is now "
          << os::FormatVector(answer.available) << ".\n";
      break;
    case os::RequestDecision::kWait:
      out << "MUST WAIT.\n  " << answer.reason << ".\n";
      break;
    case os::RequestDecision::kDenied:
      out << "DENIED, " << ProcessName(process) << " must wait.\n  " << answer.reason
          << ".\n  Granting it would leave Available " << os::FormatVector(answer.tentative_available) << ", and then "
          << (answer.sequence.empty() ? std::string("no process could finish")
                                      : "only " + Sequence(answer.sequence) + " could finish")
          << ".\n";
      break;
  }
  return out.str();
}

// ---- detection ---------------------------------------------------------------------

void WriteDetectionProblem(TextOut& out, const os::DetectionState& state, bool recover) {
  const auto labels = ResourceLabels(state.resource_names, state.available.size());
  const Columns columns(labels, {&state.allocation, &state.request}, {&state.available});
  out.Print("Deadlock detection (Silberschatz 10e, 8.7.2): {}, {}.\n\n", Plural(state.allocation.size(), "process"),
            Plural(labels.size(), "resource type"));
  WriteMatrixTable(out, {"Allocation", "Request"}, {&state.allocation, &state.request}, columns);
  out.Print("  Available  {}\n             ", columns.Header());
  columns.Write(out, state.available);
  out.Write("\n\nIs the system deadlocked? If so, which processes are deadlocked?\n");
  if (recover) out.Write("Recover by aborting processes: which victims, in which order?\n");
}

void WriteDetectionAnswer(TextOut& out, const os::DetectionState& state, const os::DetectionResult& result) {
  const auto labels = ResourceLabels(state.resource_names, state.available.size());
  Columns columns(labels, {&state.request}, {&result.initial_work});
  for (const auto& step : result.trace) columns.Widen(step.work);
  out.Write(
      "Detection (8.7.2): Work = Available; a process holding nothing starts with\n"
      "Finish = true; the lowest-numbered process with Request <= Work finishes.\n");
  if (!result.holding_nothing.empty()) {
    out.Write("  Holding nothing: ");
    WriteListing(out, result.holding_nothing);
    out.Put('\n');
  }
  WriteWorkTable(out, "Request", columns, result.initial_work, result.trace);
  if (result.deadlock()) {
    out.Write("Answer: DEADLOCK. ");
    WriteListing(out, result.deadlocked);
    out.Write(result.deadlocked.size() == 1 ? " is deadlocked (Finish == false).\n"
                                            : " are deadlocked (Finish == false).\n");
  } else {
    out.Write("Answer: no deadlock; the processes can finish in the order ");
    WriteSequence(out, result.sequence);
    out.Write(".\n");
  }
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

}  // namespace osgrid::sim::deadlock
