// The event log: every entry received (events, events of unknown types,
// snapshots), one line each, filtered by type family and a search text.
// Only the visible lines are laid out (ImGuiListClipper), and the matches
// are found once and extended as entries arrive, so an hour's log stays
// cheap. The entry the picture is at is highlighted; click a line to go to
// just after it.
#include <algorithm>

#include "draw_util.h"
#include "palette.h"
#include "panels.h"

namespace osgrid::viz::ui {

namespace {

/// The type families the filter offers, in catalogue order, then snapshots.
const std::vector<std::string>& Families() {
  static const std::vector<std::string> families = [] {
    std::vector<std::string> list;
    for (std::string_view type : os::events::AllTypes()) {
      std::string family(type.substr(0, type.find('.')));
      if (std::find(list.begin(), list.end(), family) == list.end()) list.push_back(family);
    }
    list.push_back("snapshot");
    return list;
  }();
  return families;
}

/// The filter the checkboxes and the search box say.
LogFilter CurrentFilter(LogView& view) {
  const auto& families = Families();
  view.family_on.resize(families.size(), true);
  LogFilter filter;
  if (std::find(view.family_on.begin(), view.family_on.end(), false) != view.family_on.end()) {
    for (std::size_t k = 0; k < families.size(); ++k) {
      if (view.family_on[k]) filter.types.push_back(families[k]);
    }
    if (filter.types.empty()) filter.types.push_back("none.");  // selects nothing but events.lost
  }
  filter.text = view.search;
  return filter;
}

/// Brings the cached matches up to date with the model (incrementally when only new entries came).
void UpdateMatches(const Model& model, LogView& view, const LogFilter& filter) {
  std::string key = filter.text;
  for (const std::string& type : filter.types) key += "|" + type;
  if (key != view.cached_key || view.scanned_to > model.end_index()) {
    view.matches.clear();
    view.scanned_to = model.begin_index();
    view.cached_key = key;
  }
  const auto first_kept = std::lower_bound(view.matches.begin(), view.matches.end(), model.begin_index());
  view.matches.erase(view.matches.begin(), first_kept);
  if (view.scanned_to < model.end_index()) {
    std::vector<std::uint64_t> more = model.Filter(filter, view.scanned_to);
    view.matches.insert(view.matches.end(), more.begin(), more.end());
    view.scanned_to = model.end_index();
  }
}

void DrawFilters(LogView& view) {
  const auto& families = Families();
  view.family_on.resize(families.size(), true);
  for (std::size_t k = 0; k < families.size(); ++k) {
    bool on = view.family_on[k];
    if (k > 0) ImGui::SameLine();
    if (ImGui::GetContentRegionAvail().x < ImGui::CalcTextSize(families[k].c_str()).x + 30) ImGui::NewLine();
    if (ImGui::Checkbox(families[k].c_str(), &on)) view.family_on[k] = on;
  }
  ImGui::SetNextItemWidth(-1);
  ImGui::InputTextWithHint("##search", "search (any text of the line)", view.search, sizeof view.search);
}

}  // namespace

void DrawEventLog(const PanelContext& ctx) {
  PanelRecord& record = BeginPanel(ctx, "log", "Event log");
  LogView& view = ctx.ui.log;
  DrawFilters(view);
  const LogFilter filter = CurrentFilter(view);
  UpdateMatches(ctx.model, view, filter);
  const std::uint64_t current = ctx.model.position();  // the last entry applied is current - 1
  ImGui::Text("%zu of %llu entries", view.matches.size(),
              static_cast<unsigned long long>(ctx.model.end_index() - ctx.model.begin_index()));
  record.Add("marks", std::to_string(view.matches.size()) + " entries");
  ImGui::BeginChild("lines", ImVec2(0, 0), true, ImGuiWindowFlags_HorizontalScrollbar);
  const bool at_bottom = ImGui::GetScrollY() >= ImGui::GetScrollMaxY() - 2;
  if (!ctx.model.following() && current != view.shown_position) {  // the cursor moved: bring its line into view
    view.shown_position = current;
    const auto row = std::lower_bound(view.matches.begin(), view.matches.end(), current) - view.matches.begin();
    const float y = static_cast<float>(row) * ImGui::GetTextLineHeightWithSpacing() - ImGui::GetWindowHeight() / 2;
    ImGui::SetScrollY(std::max(0.0f, y));
  }
  ImGuiListClipper clipper;
  clipper.Begin(static_cast<int>(view.matches.size()));
  while (clipper.Step()) {
    for (int row = clipper.DisplayStart; row < clipper.DisplayEnd; ++row) {
      const std::uint64_t index = view.matches[static_cast<std::size_t>(row)];
      const LogEntry& entry = ctx.model.entry(index);
      const std::string line = LogLine(entry);
      const bool unknown = entry.kind() == EntryKind::kUnknown;
      const bool future = index >= current;
      if (unknown) ImGui::PushStyleColor(ImGuiCol_Text, kZombie);
      if (future && !unknown) ImGui::PushStyleColor(ImGuiCol_Text, kGrey);
      ImGui::PushID(static_cast<int>(index));
      if (ImGui::Selectable(line.c_str(), index + 1 == current)) ctx.request.seek_position = index + 1;
      ImGui::PopID();
      if (unknown || future) ImGui::PopStyleColor();
      record.Add("types", std::string(entry.type()));
    }
  }
  if (ctx.ui.live && ctx.model.following() && at_bottom) ImGui::SetScrollHereY(1.0f);
  ImGui::EndChild();
  EndPanel(ctx);
}

}  // namespace osgrid::viz::ui
