// Topology: the tracker in the middle, its peers around it. A peer's fill is
// its load (running / cores) and its label says the figures; a peer that
// left or died stays on the ring, grey and hatched, labelled DEAD or LEFT.
// A forwarded task is a dot travelling from the busy peer to the one that
// will run it, for 1.5 s of trace time after its task.forwarded.
#include <algorithm>
#include <cmath>
#include <map>

#include "draw_util.h"
#include "palette.h"
#include "panels.h"

namespace osgrid::viz::ui {

namespace {

constexpr double kTravelMs = 1500;
constexpr float kPi = 3.14159265f;

/// A node on the ring.
struct Node {
  std::string peer;
  const os::events::PeerState* live = nullptr;  // nullptr: departed
  bool dead = false;                            // departed by peer.dead (else peer.left)
  ImVec2 centre;
};

/// Every peer to draw, live ones and departed ones not back since, by id.
std::vector<Node> Nodes(const ViewState& view) {
  std::map<std::string, Node> nodes;
  for (const auto& [id, peer] : view.cluster().peers()) nodes[id] = Node{id, &peer, false, {}};
  for (const os::events::DepartedPeer& gone : view.cluster().departed()) {
    if (nodes.count(gone.peer) == 0 || nodes[gone.peer].live == nullptr) {
      nodes[gone.peer] = Node{gone.peer, nullptr, gone.dead, {}};
    }
  }
  std::vector<Node> list;
  for (auto& [id, node] : nodes) list.push_back(node);
  return list;
}

void DrawPeerNode(ImDrawList* draw, const Node& node, float radius, bool above, PanelRecord& record) {
  const ImVec2 c = node.centre;
  std::string inside, figures;
  ImU32 fill = kDead;
  if (node.live != nullptr) {
    const auto& peer = *node.live;
    const int cores = std::max(peer.cores, 1);
    const double utilisation = static_cast<double>(peer.running.size()) / cores;
    fill = LoadColour(utilisation);
    inside = std::to_string(peer.running.size()) + "/" + std::to_string(peer.cores);
    figures = std::to_string(peer.ready_queue.size()) + " ready";  // inside: running / cores
  } else {
    inside = figures = node.dead ? "DEAD" : "LEFT";
  }
  draw->AddCircleFilled(c, radius, fill, 32);
  if (node.live == nullptr) {
    DrawHatch(draw, ImVec2(c.x - radius, c.y - radius), ImVec2(c.x + radius, c.y + radius), kWhite, 5);
  }
  draw->AddCircle(c, radius, kBlack, 32, node.live ? 1.5f : 1.0f);
  const float line = ImGui::GetTextLineHeight();
  // The name and figures outside the ring: above the nodes of its upper half, below the others.
  const float top = above ? c.y - radius - 2 - 2 * line : c.y + radius + 2;
  DrawCentredText(draw, ImVec2(c.x - 4 * radius, top), ImVec2(c.x + 4 * radius, top + line), node.live ? kBlack : kGrey,
                  node.peer);
  if (node.live != nullptr) {
    DrawCentredText(draw, ImVec2(c.x - 4 * radius, top + line), ImVec2(c.x + 4 * radius, top + 2 * line), kGrey,
                    figures);
  }
  DrawCentredText(draw, ImVec2(c.x - radius, c.y - line / 2), ImVec2(c.x + radius, c.y + line / 2),
                  node.live ? TextOn(fill) : kBlack, inside);
  record.Add("peers", node.peer);
  record.Add("marks", node.peer + " " + inside + (node.live ? " run, " + figures : ""));
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

}  // namespace

void DrawTopology(const PanelContext& ctx) {
  PanelRecord& record = BeginPanel(ctx, "topology", "Topology");
  const ViewState& view = ctx.model.view();
  std::vector<Node> nodes = Nodes(view);
  const ImVec2 origin = ImGui::GetCursorScreenPos(), avail = ImGui::GetContentRegionAvail();
  ImDrawList* draw = ImGui::GetWindowDrawList();
  const ImVec2 centre(origin.x + avail.x / 2, origin.y + avail.y / 2 - ImGui::GetTextLineHeight() / 2);
  const float line = ImGui::GetTextLineHeight();
  const float ring = std::max(10.0f, std::min(avail.x / 2 - 50, avail.y / 2 - 5.0f * line));
  const float radius =
      std::clamp(ring / static_cast<float>(std::max<std::size_t>(nodes.size(), 4)) * 1.6f, line * 0.9f, line * 1.6f);
  std::map<std::string, ImVec2> at;
  for (std::size_t k = 0; k < nodes.size(); ++k) {
    const float angle = -kPi / 2 + 2 * kPi * static_cast<float>(k) / static_cast<float>(nodes.size());
    nodes[k].centre =
        nodes.size() == 1 ? centre : ImVec2(centre.x + ring * std::cos(angle), centre.y + ring * std::sin(angle));
    at[nodes[k].peer] = nodes[k].centre;
  }
  const bool sim = ctx.model.source().is_sim();
  if (!sim) {
    for (const Node& node : nodes) draw->AddLine(centre, node.centre, node.live ? kGrey : kLightGrey, 1.0f);
    draw->AddRectFilled(ImVec2(centre.x - 34, centre.y - 12), ImVec2(centre.x + 34, centre.y + 12), kLightGrey, 4);
    draw->AddRect(ImVec2(centre.x - 34, centre.y - 12), ImVec2(centre.x + 34, centre.y + 12), kBlack, 4);
    DrawCentredText(draw, ImVec2(centre.x - 34, centre.y - 12), ImVec2(centre.x + 34, centre.y + 12), kBlack,
                    "tracker");
    record.Add("peers", "tracker");
  }
  for (const Node& node : nodes)
    DrawPeerNode(draw, node, radius, nodes.size() > 1 && node.centre.y < centre.y - 1, record);
  DrawForwards(ctx, draw, at, record);
  if (nodes.empty()) ImGui::TextDisabled(ctx.ui.live ? "no peers yet" : "no peers at this time");
  // Legend: the load colours with their words.
  float x = origin.x;
  const float y = origin.y + avail.y - line;
  for (auto [colour, word] :
       {std::pair{kSkyBlue, "idle"}, {kYellow, "<50%"}, {kOrange, "busy"}, {kVermillion, "full"}, {kDead, "gone"}}) {
    draw->AddRectFilled(ImVec2(x, y + 2), ImVec2(x + line - 4, y + line - 2), colour);
    draw->AddText(ImVec2(x + line, y), kBlack, word);
    x += line + ImGui::CalcTextSize(word).x + 10;
  }
  EndPanel(ctx);
}

}  // namespace osgrid::viz::ui
