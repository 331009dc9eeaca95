// Topology: the tracker in the middle, its peers around it. A peer's fill is
// its load (running / cores) and its label says the figures; a peer that
// left or died stays on the ring, grey and hatched, labelled DEAD or LEFT.
// A forwarded task is a dot travelling from the busy peer to the one that
// will run it, for 1.5 s of trace time after its task.forwarded.
//
// Many peers. Labels must not overlap, so the ring is laid out one of two
// ways (PlanRing):
//   full     every peer's name and figures, above the nodes of the ring's
//            upper half and below the others, when no two labels overlap
//            (a class's few peers);
//   compact  otherwise (64 peers in a 320 px panel): a larger ring, nodes
//            as small as their spacing needs (at least a dot), short names
//            ("peer-9001" -> "9001", the prefix all names share dropped)
//            beside the nodes, on every k-th node for the smallest k at
//            which no two of them overlap; the figures go inside a node only
//            when they fit.
// Hovering a node always shows its full name and figures.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <map>

#include "draw_util.h"
#include "palette.h"
#include "panels.h"

namespace osgrid::viz::ui {

namespace {

constexpr double kTravelMs = 1500;
constexpr float kPi = 3.14159265f;
constexpr float kGap = 3;  // px between a node and its label, and between two labels

/// A node on the ring.
struct Node {
  std::string peer;
  const os::events::PeerState* live = nullptr;  // nullptr: departed
  bool dead = false;                            // departed by peer.dead (else peer.left)
  ImVec2 centre;
  std::string short_name;  // the compact layout's label
};

/// A text label and where it goes, px.
struct Label {
  std::string text;
  ImVec2 min, max;
  ImU32 colour = 0;
};

/// How the ring is drawn (see the top).
struct RingPlan {
  float ring = 0;               // its radius, px
  float node_radius = 0;        // px
  bool compact = false;         // short names beside the nodes, every label_every-th
  std::size_t label_every = 1;  // compact: label nodes 0, k, 2k, ...
};

/// Every peer to draw, live ones and departed ones not back since, by id.
std::vector<Node> Nodes(const ViewState& view) {
  std::map<std::string, Node> nodes;
  for (const auto& [id, peer] : view.cluster().peers()) nodes[id] = Node{id, &peer, false, {}, {}};
  for (const os::events::DepartedPeer& gone : view.cluster().departed()) {
    if (nodes.count(gone.peer) == 0 || nodes[gone.peer].live == nullptr) {
      nodes[gone.peer] = Node{gone.peer, nullptr, gone.dead, {}, {}};
    }
  }
  std::vector<Node> list;
  for (auto& [id, node] : nodes) list.push_back(node);
  return list;
}

/// Fills each node's short_name: its name without the prefix that all names
/// share, cut back to a non-digit so that numbers stay whole ("peer-9001",
/// "peer-9064" -> "9001", "9064"); the full name when that leaves nothing.
void ShortenNames(std::vector<Node>& nodes) {
  std::size_t shared = nodes.empty() ? 0 : nodes.front().peer.size();
  for (const Node& node : nodes) {
    const auto [mismatch, ignored] = std::mismatch(nodes.front().peer.begin(), nodes.front().peer.begin() + shared,
                                                   node.peer.begin(), node.peer.end());
    shared = static_cast<std::size_t>(mismatch - nodes.front().peer.begin());
  }
  while (shared > 0 && std::isdigit(static_cast<unsigned char>(nodes.front().peer[shared - 1]))) --shared;
  for (Node& node : nodes) node.short_name = shared < node.peer.size() ? node.peer.substr(shared) : node.peer;
}

/// "2/4": running / cores inside a live node; "DEAD" or "LEFT" for a departed one.
std::string Inside(const Node& node) {
  if (node.live == nullptr) return node.dead ? "DEAD" : "LEFT";
  return std::to_string(node.live->running.size()) + "/" + std::to_string(node.live->cores);
}

/// "2/4 run, 1 ready", or "DEAD" / "LEFT".
std::string Figures(const Node& node) {
  if (node.live == nullptr) return Inside(node);
  return Inside(node) + " run, " + std::to_string(node.live->ready_queue.size()) + " ready";
}

bool Overlap(const Label& a, const Label& b) {
  return a.min.x < b.max.x + kGap && b.min.x < a.max.x + kGap && a.min.y < b.max.y && b.min.y < a.max.y;
}

bool AnyOverlap(const std::vector<Label>& labels) {
  for (std::size_t i = 0; i < labels.size(); ++i) {
    for (std::size_t j = i + 1; j < labels.size(); ++j) {
      if (Overlap(labels[i], labels[j])) return true;
    }
  }
  return false;
}

/// The point on the ring of node k of n around `centre`, from the top, clockwise.
ImVec2 OnRing(ImVec2 centre, float ring, std::size_t k, std::size_t n) {
  if (n == 1) return centre;
  const float angle = -kPi / 2 + 2 * kPi * static_cast<float>(k) / static_cast<float>(n);
  return ImVec2(centre.x + ring * std::cos(angle), centre.y + ring * std::sin(angle));
}

/// The full layout's labels: name over figures, above a node of the upper half, below the others.
std::vector<Label> FullLabels(const std::vector<Node>& nodes, ImVec2 centre, float radius) {
  const float line = ImGui::GetTextLineHeight();
  std::vector<Label> labels;
  for (const Node& node : nodes) {
    const ImVec2 c = node.centre;
    const bool above = nodes.size() > 1 && c.y < centre.y - 1;
    const float top = above ? c.y - radius - 2 - 2 * line : c.y + radius + 2;
    const ImU32 colour = node.live ? kBlack : kGrey;
    const float name_width = ImGui::CalcTextSize(node.peer.c_str()).x;
    labels.push_back(
        Label{node.peer, ImVec2(c.x - name_width / 2, top), ImVec2(c.x + name_width / 2, top + line), colour});
    if (node.live != nullptr) {
      const std::string figures = std::to_string(node.live->ready_queue.size()) + " ready";
      const float width = ImGui::CalcTextSize(figures.c_str()).x;
      labels.push_back(
          Label{figures, ImVec2(c.x - width / 2, top + line), ImVec2(c.x + width / 2, top + 2 * line), kGrey});
    }
  }
  return labels;
}

/// The compact layout's label of `node`: its short name just outside the
/// ring, moved outward along the node's direction from `centre`.
Label CompactLabel(const Node& node, ImVec2 centre, float radius) {
  const ImVec2 size = ImGui::CalcTextSize(node.short_name.c_str());
  const float dx = node.centre.x - centre.x, dy = node.centre.y - centre.y;
  const float length = std::max(1.0f, std::sqrt(dx * dx + dy * dy));
  const ImVec2 direction(dx / length, dy / length);
  const ImVec2 anchor(node.centre.x + direction.x * (radius + kGap), node.centre.y + direction.y * (radius + kGap));
  // The box's centre sits half its size further out, so it never covers its node.
  const ImVec2 min(anchor.x - size.x / 2 + direction.x * size.x / 2, anchor.y - size.y / 2 + direction.y * size.y / 2);
  return Label{node.short_name, min, ImVec2(min.x + size.x, min.y + size.y), node.live ? kBlack : kGrey};
}

std::vector<Label> CompactLabels(const std::vector<Node>& nodes, ImVec2 centre, float radius, std::size_t every) {
  std::vector<Label> labels;
  for (std::size_t k = 0; k < nodes.size(); k += every) labels.push_back(CompactLabel(nodes[k], centre, radius));
  return labels;
}

/// Chooses the layout for `nodes` in a panel area of `area` px around
/// `centre`, and puts each node on the ring.
RingPlan PlanRing(std::vector<Node>& nodes, ImVec2 centre, ImVec2 area) {
  const float line = ImGui::GetTextLineHeight();
  const std::size_t n = nodes.size();
  RingPlan plan;
  plan.ring = std::max(10.0f, std::min(area.x / 2 - 50, area.y / 2 - 4.5f * line));
  plan.node_radius =
      std::clamp(plan.ring / static_cast<float>(std::max<std::size_t>(n, 4)) * 1.6f, line * 0.9f, line * 1.6f);
  for (std::size_t k = 0; k < n; ++k) nodes[k].centre = OnRing(centre, plan.ring, k, n);
  if (!AnyOverlap(FullLabels(nodes, centre, plan.node_radius))) return plan;

  plan.compact = true;
  ShortenNames(nodes);
  ImVec2 widest(0, line);
  for (const Node& node : nodes) widest.x = std::max(widest.x, ImGui::CalcTextSize(node.short_name.c_str()).x);
  const float margin = line * 0.9f + kGap;  // the largest node and the gap to its label
  plan.ring = std::max(10.0f, std::min(area.x / 2 - widest.x - margin, area.y / 2 - widest.y - margin));
  const float spacing = 2 * plan.ring * std::sin(kPi / static_cast<float>(n));  // between neighbours' centres
  plan.node_radius = std::clamp(spacing * 0.42f, 3.0f, line * 0.9f);
  for (std::size_t k = 0; k < n; ++k) nodes[k].centre = OnRing(centre, plan.ring, k, n);
  while (plan.label_every < n && AnyOverlap(CompactLabels(nodes, centre, plan.node_radius, plan.label_every))) {
    ++plan.label_every;
  }
  return plan;
}

/// The node's circle: its load's fill (hatched grey when departed), and
/// running / cores inside when that fits.
void DrawNodeMark(ImDrawList* draw, const Node& node, float radius) {
  const ImVec2 c = node.centre;
  ImU32 fill = kDead;
  if (node.live != nullptr) {
    const int cores = std::max(node.live->cores, 1);
    fill = LoadColour(static_cast<double>(node.live->running.size()) / cores);
  }
  draw->AddCircleFilled(c, radius, fill, 32);
  if (node.live == nullptr) {
    DrawHatch(draw, ImVec2(c.x - radius, c.y - radius), ImVec2(c.x + radius, c.y + radius), kWhite,
              std::min(5.0f, radius));
  }
  draw->AddCircle(c, radius, kBlack, 32, node.live ? 1.5f : 1.0f);
  const std::string inside = Inside(node);
  const ImVec2 size = ImGui::CalcTextSize(inside.c_str());
  if (size.x <= 2 * radius - 2 && size.y <= 2 * radius + 2) {
    draw->AddText(ImVec2(c.x - size.x / 2, c.y - size.y / 2), node.live ? TextOn(fill) : kBlack, inside.c_str());
  }
}

/// The full name and figures of the node under the mouse, as a tooltip.
void HoverTooltip(const std::vector<Node>& nodes, float radius) {
  if (!ImGui::IsWindowHovered()) return;
  const ImVec2 mouse = ImGui::GetIO().MousePos;
  const float reach = std::max(radius, 6.0f);
  for (const Node& node : nodes) {
    const float dx = mouse.x - node.centre.x, dy = mouse.y - node.centre.y;
    if (dx * dx + dy * dy <= reach * reach) {
      ImGui::SetTooltip("%s: %s", node.peer.c_str(), Figures(node).c_str());
      return;
    }
  }
}

/// Draws the labels and notes each, with its box, in the layout record.
void DrawLabels(ImDrawList* draw, const std::vector<Label>& labels, PanelRecord& record) {
  for (const Label& label : labels) {
    draw->AddText(label.min, label.colour, label.text.c_str());
    char box[64];
    std::snprintf(box, sizeof box, "%.0f,%.0f,%.0f,%.0f ", label.min.x, label.min.y, label.max.x - label.min.x,
                  label.max.y - label.min.y);
    record.Add("label_boxes", box + label.text);
  }
}

/// The dots of tasks forwarded in the last kTravelMs, each on its way.
void DrawForwards(const PanelContext& ctx, ImDrawList* draw, const std::map<std::string, ImVec2>& at,
                  PanelRecord& record) {
  float stagger = 0;  // forwards at the same moment: their labels one under the other
  for (const Forward& forward : ctx.model.timeline().ForwardsBetween(ctx.now_t - kTravelMs, ctx.now_t + 1)) {
    auto from = at.find(forward.from), to = at.find(forward.to);
    if (from == at.end() || to == at.end()) continue;
    const float progress = static_cast<float>(std::clamp((ctx.now_t - forward.t) / kTravelMs, 0.0, 1.0));
    const ImVec2 dot(from->second.x + (to->second.x - from->second.x) * progress,
                     from->second.y + (to->second.y - from->second.y) * progress);
    DrawArrow(draw, from->second, to->second, Rgb(0x0072B2, 90), 1.5f);
    const bool selected = ctx.ui.selected_task == forward.task_id;
    draw->AddCircleFilled(dot, 7, TaskColour(forward.task_id));
    draw->AddCircle(dot, 7, selected ? kSelected : kBlack, 16, selected ? 3.0f : 1.0f);
    draw->AddText(ImVec2(dot.x + 9, dot.y - 8 + stagger), kBlue, ("\u2192 " + forward.task_id).c_str());
    stagger += ImGui::GetTextLineHeight();
    record.Add("tasks", forward.task_id);
    record.Add("marks", "forwarding " + forward.task_id + " " + forward.from + " -> " + forward.to);
  }
}

void DrawTracker(ImDrawList* draw, ImVec2 centre, const std::vector<Node>& nodes, PanelRecord& record) {
  for (const Node& node : nodes) draw->AddLine(centre, node.centre, node.live ? kGrey : kLightGrey, 1.0f);
  const ImVec2 min(centre.x - 34, centre.y - 12), max(centre.x + 34, centre.y + 12);
  draw->AddRectFilled(min, max, kLightGrey, 4);
  draw->AddRect(min, max, kBlack, 4);
  DrawCentredText(draw, min, max, kBlack, "tracker");
  record.Add("peers", "tracker");
}

/// The load colours with their words, along the panel's bottom line.
void DrawLegend(ImDrawList* draw, ImVec2 origin, ImVec2 avail) {
  const float line = ImGui::GetTextLineHeight();
  float x = origin.x;
  const float y = origin.y + avail.y - line;
  for (auto [colour, word] :
       {std::pair{kSkyBlue, "idle"}, {kYellow, "<50%"}, {kOrange, "busy"}, {kVermillion, "full"}, {kDead, "gone"}}) {
    draw->AddRectFilled(ImVec2(x, y + 2), ImVec2(x + line - 4, y + line - 2), colour);
    draw->AddText(ImVec2(x + line, y), kBlack, word);
    x += line + ImGui::CalcTextSize(word).x + 10;
  }
}

}  // namespace

void DrawTopology(const PanelContext& ctx) {
  PanelRecord& record = BeginPanel(ctx, "topology", "Topology");
  const ViewState& view = ctx.model.view();
  std::vector<Node> nodes = Nodes(view);
  const ImVec2 origin = ImGui::GetCursorScreenPos(), avail = ImGui::GetContentRegionAvail();
  ImDrawList* draw = ImGui::GetWindowDrawList();
  const float line = ImGui::GetTextLineHeight();
  const ImVec2 centre(origin.x + avail.x / 2, origin.y + avail.y / 2 - line / 2);
  const RingPlan plan = PlanRing(nodes, centre, ImVec2(avail.x, avail.y - line));  // the legend's line kept free
  std::map<std::string, ImVec2> at;
  for (const Node& node : nodes) at[node.peer] = node.centre;
  if (!ctx.model.source().is_sim()) DrawTracker(draw, centre, nodes, record);
  for (const Node& node : nodes) {
    DrawNodeMark(draw, node, plan.node_radius);
    record.Add("peers", node.peer);
    record.Add("marks", node.peer + " " + Figures(node));
  }
  DrawLabels(draw,
             plan.compact ? CompactLabels(nodes, centre, plan.node_radius, plan.label_every)
                          : FullLabels(nodes, centre, plan.node_radius),
             record);
  if (plan.compact) {
    const std::string which = plan.label_every == 1 ? "" : " on one node in " + std::to_string(plan.label_every);
    record.Add("marks", "labels: short names" + which + "; hover a node for its name");
  }
  DrawForwards(ctx, draw, at, record);
  HoverTooltip(nodes, plan.node_radius);
  if (nodes.empty()) ImGui::TextDisabled(ctx.ui.live ? "no peers yet" : "no peers at this time");
  DrawLegend(draw, origin, avail);
  EndPanel(ctx);
}

}  // namespace osgrid::viz::ui
