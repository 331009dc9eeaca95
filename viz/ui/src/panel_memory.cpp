// Memory maps: each peer's key-value arena (or a simulation's heap) drawn to
// scale, one bar per arena: allocated blocks filled and labelled with their
// key, holes white and hatched. Above the bar, the figures (used, free,
// holes, largest hole, external fragmentation = 1 - largest hole / free).
// The last failing request is marked: its size drawn to scale as a red
// outline over the largest hole, which it does not fit, and said in words.
#include <algorithm>

#include "draw_util.h"
#include "osgrid/viz/pictures.h"
#include "palette.h"
#include "panels.h"

namespace osgrid::viz::ui {

namespace {

void DrawFigures(const ArenaMap& map) {
  const std::string allocator = map.allocator.empty() ? "" : " (" + map.allocator + ")";
  ImGui::TextWrapped("%s%s: %s used of %s%s, %llu holes, largest %s, ext. fragmentation %.0f%%", map.peer.c_str(),
                     allocator.c_str(), FormatBytes(static_cast<double>(map.used_bytes)).c_str(),
                     FormatBytes(static_cast<double>(map.size)).c_str(), map.size_known ? "" : "?",
                     static_cast<unsigned long long>(map.holes),
                     FormatBytes(static_cast<double>(map.largest_hole)).c_str(), map.external_fragmentation * 100);
}

/// The failing request, to scale, over the largest hole.
void DrawFailure(ImDrawList* draw, const ArenaMap& map, std::uint64_t span, ImVec2 min, float width, float height,
                 PanelRecord& record) {
  const auto& failure = map.last_failure->event;
  const ArenaSlot* largest = nullptr;
  for (const ArenaSlot& slot : map.slots) {
    if (slot.free && (largest == nullptr || slot.size > largest->size)) largest = &slot;
  }
  const double scale = width / static_cast<double>(std::max<std::uint64_t>(span, 1));
  const float x = min.x + static_cast<float>(((largest ? largest->address : map.base) - map.base) * scale);
  const float w = std::max(3.0f, static_cast<float>(failure.request * scale));
  draw->AddRect(ImVec2(x, min.y - 2), ImVec2(std::min(x + w, min.x + width + 40), min.y + height + 2), kAlarm, 0, 0, 3);
  const std::string words = "FAILED: " + FormatBytes(static_cast<double>(failure.request)) + " for " + failure.owner +
                            " (" + failure.reason + "; free " + FormatBytes(static_cast<double>(failure.free_bytes)) +
                            ", largest hole " + FormatBytes(static_cast<double>(failure.largest_hole)) + ")";
  ImGui::PushStyleColor(ImGuiCol_Text, kAlarm);
  ImGui::TextWrapped("%s", words.c_str());
  ImGui::PopStyleColor();
  record.Add("marks", words);
}

/// The bytes the bar spans: the whole arena, or, when everything in use
/// sits in its first tenth (a 64 MiB arena holding a few keys), the first
/// part of it, so that the blocks can be seen; the rest is one hole.
std::uint64_t Span(const ArenaMap& map) {
  std::uint64_t used_end = map.base;
  for (const ArenaSlot& slot : map.slots) {
    if (!slot.free) used_end = std::max(used_end, slot.address + slot.size);
  }
  if (map.last_failure) used_end += map.last_failure->event.request;
  const std::uint64_t used = used_end - map.base;
  if (map.size == 0 || used == 0 || used * 10 >= map.size) return std::max<std::uint64_t>(map.size, 1);
  std::uint64_t span = 64;
  while (span < used + used / 2) span *= 2;
  return std::min(span, map.size);
}

void DrawArena(const ArenaMap& map, PanelRecord& record) {
  DrawFigures(map);
  const std::uint64_t span = Span(map);
  if (span < map.size) {
    ImGui::TextDisabled("showing the first %s (the rest is free)", FormatBytes(static_cast<double>(span)).c_str());
  }
  const float width = ImGui::GetContentRegionAvail().x - 4, height = ImGui::GetTextLineHeight() * 1.8f;
  const ImVec2 min = ImGui::GetCursorScreenPos();
  ImGui::Dummy(ImVec2(width, height + 4));
  ImDrawList* draw = ImGui::GetWindowDrawList();
  const double scale = width / static_cast<double>(span);
  std::string hovered;
  for (const ArenaSlot& slot : map.slots) {
    if (slot.address >= map.base + span) break;
    const std::uint64_t end = std::min(slot.address + slot.size, map.base + span);
    const float x0 = min.x + static_cast<float>((slot.address - map.base) * scale);
    const float x1 = std::max(x0 + 1, min.x + static_cast<float>((end - map.base) * scale));
    const ImVec2 a(x0, min.y), b(x1, min.y + height);
    if (slot.free) {
      draw->AddRectFilled(a, b, kWhite);
      DrawHatch(draw, a, b, kLightGrey, 5);
    } else {
      const ImU32 fill = TaskColour(slot.key);
      draw->AddRectFilled(a, b, fill);
      draw->AddRect(a, b, kBlack);
      DrawClippedText(draw, ImVec2(x0 + 2, min.y + 2), TextOn(fill), slot.key, x1 - x0 - 4);
      record.Add("blocks", slot.key);
    }
    const ImVec2 mouse = ImGui::GetIO().MousePos;
    if (mouse.x >= a.x && mouse.x < b.x && mouse.y >= a.y && mouse.y <= b.y) {
      hovered = (slot.free ? std::string("hole") : "block " + slot.key) + " at " + std::to_string(slot.address) + ", " +
                FormatBytes(static_cast<double>(slot.size));
    }
  }
  draw->AddRect(min, ImVec2(min.x + width, min.y + height), kBlack);
  if (map.last_failure) DrawFailure(draw, map, span, min, width, height, record);
  if (!hovered.empty()) ImGui::SetTooltip("%s", hovered.c_str());
}

}  // namespace

void DrawMemory(const PanelContext& ctx) {
  PanelRecord& record = BeginPanel(ctx, "memory", "Memory maps");
  const ViewState& view = ctx.model.view();
  std::vector<std::string> peers;
  for (const auto& [id, peer] : view.cluster().peers()) peers.push_back(id);
  if (view.source().is_sim() && std::find(peers.begin(), peers.end(), kSimPeer) == peers.end()) {
    peers.emplace_back(kSimPeer);
  }
  bool any = false;
  for (const std::string& peer : peers) {
    std::optional<ArenaMap> map = ArenaOf(view, peer);
    if (!map || (map->slots.empty() && map->size == 0)) continue;
    any = true;
    record.Add("peers", peer);
    ImGui::PushID(peer.c_str());
    DrawArena(*map, record);
    ImGui::PopID();
    ImGui::Spacing();
  }
  if (!any) ImGui::TextDisabled("no arena to show (no mem.* events yet)");
  EndPanel(ctx);
}

}  // namespace osgrid::viz::ui
