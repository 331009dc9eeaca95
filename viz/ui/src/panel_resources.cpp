// The resource-allocation graph (Silberschatz 8.3.2): tasks are circles,
// cluster objects squares with their free instances as dots. A solid arrow
// from an object to a task is an assignment (the task holds it); a dashed
// arrow from a task to an object is a request (it waits). Nodes sit on a
// ring, in cycle order when there is a deadlock, so the cycle reads as a
// loop. The deadlock's arcs and tasks are vermillion, thick, and labelled
// DEADLOCK, with the cycle spelled out above the graph.
#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "draw_util.h"
#include "palette.h"
#include "panels.h"

namespace osgrid::viz::ui {

namespace {

constexpr float kPi = 3.14159265f;

std::string ObjectKey(const os::events::ResourceState& object) { return object.kind + ":" + object.name; }

/// The ring's order: the deadlock's cycle first (task, what it waits for,
/// the next task...), then each object with its holders before it and its
/// waiters after it.
std::vector<std::string> RingOrder(const ViewState& view) {
  std::vector<std::string> order;
  std::set<std::string> placed;
  auto place = [&](const std::string& node) {
    if (placed.insert(node).second) order.push_back(node);
  };
  std::map<std::string, std::string> key_of_name;
  for (const auto& object : view.resources()) key_of_name[object.name] = "obj " + ObjectKey(object);
  if (view.deadlock()) {
    const auto& found = view.deadlock()->event;
    for (std::size_t k = 0; k < found.cycle.size(); ++k) {
      place("task " + found.cycle[k]);
      if (k < found.resources.size() && key_of_name.count(found.resources[k])) place(key_of_name[found.resources[k]]);
    }
  }
  for (const auto& object : view.resources()) {
    if (object.holders.empty() && object.waiters.empty()) continue;
    for (const auto& use : object.holders) place("task " + use.task_id);
    place("obj " + ObjectKey(object));
    for (const auto& use : object.waiters) place("task " + use.task_id);
  }
  return order;
}

/// A node's label on the ring: a task's id; an object's name after its last
/// '/' (the square says it is an object; its tooltip and the layout have it whole).
std::string Shown(const std::string& node) {
  if (node.rfind("task ", 0) == 0) return node.substr(5);
  const std::string name = node.substr(4);
  const std::size_t slash = name.rfind('/');
  return slash == std::string::npos ? name.substr(name.find(':') + 1) : name.substr(slash + 1);
}

void DrawDashed(ImDrawList* draw, ImVec2 from, ImVec2 to, ImU32 colour, float thickness) {
  const float dx = to.x - from.x, dy = to.y - from.y;
  const float length = std::sqrt(dx * dx + dy * dy);
  if (length < 1) return;
  const float dash = 6, gap = 4;
  for (float s = 0; s + dash < length - 12; s += dash + gap) {
    draw->AddLine(ImVec2(from.x + dx * s / length, from.y + dy * s / length),
                  ImVec2(from.x + dx * (s + dash) / length, from.y + dy * (s + dash) / length), colour, thickness);
  }
  DrawArrow(draw, ImVec2(to.x - dx * 14 / length, to.y - dy * 14 / length), to, colour, thickness);
}

/// Where an arrow should stop short of a node of radius `r` at `to`.
ImVec2 ShortOf(ImVec2 from, ImVec2 to, float r) {
  const float dx = to.x - from.x, dy = to.y - from.y;
  const float length = std::max(1.0f, std::sqrt(dx * dx + dy * dy));
  return ImVec2(to.x - dx * r / length, to.y - dy * r / length);
}

void DrawDeadlockLine(const ViewState& view, PanelRecord& record) {
  if (view.deadlock()) {
    const auto& found = view.deadlock()->event;
    std::string cycle;
    for (const std::string& task : found.cycle) cycle += task + " -> ";
    if (!found.cycle.empty()) cycle += found.cycle.front();
    const std::string words = "DEADLOCK: " + cycle;
    ImGui::PushStyleColor(ImGuiCol_Text, kAlarm);
    ImGui::TextWrapped("%s", words.c_str());
    ImGui::PopStyleColor();
    record.Add("marks", words);
  } else if (view.stall()) {
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(kAlarm), "STALL: every live task waits (a lost wake-up?)");
    record.Add("marks", "STALL");
  } else {
    ImGui::TextDisabled("no deadlock");
  }
  if (view.last_victim()) {
    const auto& victim = view.last_victim()->event;
    ImGui::TextWrapped("last victim: %s (%s)", victim.task_id.c_str(), victim.rule.c_str());
  }
}

}  // namespace

void DrawResources(const PanelContext& ctx) {
  PanelRecord& record = BeginPanel(ctx, "resources", "Resources and deadlock");
  const ViewState& view = ctx.model.view();
  DrawDeadlockLine(view, record);
  const std::vector<std::string> order = RingOrder(view);
  const ImVec2 origin = ImGui::GetCursorScreenPos(), avail = ImGui::GetContentRegionAvail();
  ImDrawList* draw = ImGui::GetWindowDrawList();
  if (order.empty()) {
    ImGui::TextDisabled(view.resources().empty() ? "no cluster objects" : "no object held or awaited");
    for (const auto& object : view.resources()) record.Add("resources", ObjectKey(object));
    EndPanel(ctx);
    return;
  }
  float label_w = 0;
  for (const std::string& node : order) label_w = std::max(label_w, ImGui::CalcTextSize(Shown(node).c_str()).x);
  const float line = ImGui::GetTextLineHeight();
  const float ring = std::max(20.0f, std::min(avail.x * 0.5f - label_w - 16, avail.y * 0.5f - 1.5f * line));
  const ImVec2 centre(origin.x + avail.x / 2, origin.y + avail.y / 2 - line / 2);
  std::map<std::string, ImVec2> at;
  for (std::size_t k = 0; k < order.size(); ++k) {
    const float angle = -kPi / 2 + 2 * kPi * static_cast<float>(k) / static_cast<float>(order.size());
    at[order[k]] = ImVec2(centre.x + ring * std::cos(angle), centre.y + ring * std::sin(angle));
  }
  const float r = 9;
  // Arcs first, nodes over them.
  for (const auto& object : view.resources()) {
    const std::string key = "obj " + ObjectKey(object);
    if (!at.count(key)) continue;
    for (const auto& use : object.holders) {
      const bool hot = view.InDeadlock(use.task_id);
      const ImVec2 task = at["task " + use.task_id];
      DrawArrow(draw, at[key], ShortOf(at[key], task, r), hot ? kAlarm : kBlack, hot ? 3.0f : 1.5f);
    }
    for (const auto& use : object.waiters) {
      const bool hot = view.InDeadlock(use.task_id);
      const ImVec2 task = at["task " + use.task_id];
      DrawDashed(draw, task, ShortOf(task, at[key], r), hot ? kAlarm : kOrange, hot ? 3.0f : 1.5f);
    }
  }
  for (const std::string& node : order) {
    const ImVec2 c = at[node];
    const bool is_task = node.rfind("task ", 0) == 0;
    const std::string name = node.substr(is_task ? 5 : 4), shown = Shown(node);
    const float dx = c.x - centre.x;
    const ImVec2 label(dx >= 0 ? c.x + r + 4 : c.x - r - 4 - ImGui::CalcTextSize(shown.c_str()).x, c.y - 8);
    if (is_task) {
      const bool hot = view.InDeadlock(name);
      const bool selected = ctx.ui.selected_task == name;
      draw->AddCircleFilled(c, r, hot ? kAlarm : kSkyBlue, 20);
      draw->AddCircle(c, r + (selected ? 2 : 0), selected ? kSelected : kBlack, 20, selected ? 3.0f : 1.0f);
      if (hot) draw->AddCircle(c, r + 4, kAlarm, 20, 2.0f);  // a double ring: in the deadlock (and said above)
      draw->AddText(label, hot ? kAlarm : kBlack, shown.c_str());
      record.Add("tasks", name);
      const ImVec2 mouse = ImGui::GetIO().MousePos;
      if (ImGui::IsMouseClicked(ImGuiMouseButton_Left) && std::fabs(mouse.x - c.x) <= r &&
          std::fabs(mouse.y - c.y) <= r && ImGui::IsWindowHovered()) {
        ctx.ui.selected_task = selected ? "" : name;
      }
    } else {
      draw->AddRectFilled(ImVec2(c.x - r, c.y - r), ImVec2(c.x + r, c.y + r), kYellow);
      draw->AddRect(ImVec2(c.x - r, c.y - r), ImVec2(c.x + r, c.y + r), kBlack);
      draw->AddText(label, kBlack, shown.c_str());
      record.Add("resources", name);
      if (ImGui::IsMouseHoveringRect(ImVec2(c.x - r, c.y - r), ImVec2(c.x + r, c.y + r)))
        ImGui::SetTooltip("%s", name.c_str());
    }
  }
  for (const auto& object : view.resources()) record.Add("resources", ObjectKey(object));
  // Legend.
  draw->AddText(ImVec2(origin.x, origin.y + avail.y - line), kGrey,
                "\u25A0 object  \u25CF task  solid: holds  dashed: waits  double ring: deadlocked");
  EndPanel(ctx);
}

}  // namespace osgrid::viz::ui
