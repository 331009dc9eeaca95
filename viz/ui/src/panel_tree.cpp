// The process tree, as `osgrid ps --tree` shows it: every unfinished task
// under the task that submitted it, with its state in words and colour, the
// peer it is on, its function and its CPU time. Click a row to select it.
#include "draw_util.h"
#include "osgrid/viz/pictures.h"
#include "palette.h"
#include "panels.h"

namespace osgrid::viz::ui {

void DrawProcessTree(const PanelContext& ctx) {
  PanelRecord& record = BeginPanel(ctx, "tree", "Process tree");
  const std::vector<TreeRow> rows = ProcessTree(ctx.model.view());
  if (rows.empty()) ImGui::TextDisabled("no unfinished task");
  const ImGuiTableFlags flags =
      ImGuiTableFlags_RowBg | ImGuiTableFlags_ScrollY | ImGuiTableFlags_SizingFixedFit | ImGuiTableFlags_BordersInnerV;
  if (!rows.empty() && ImGui::BeginTable("tree", 4, flags)) {
    ImGui::TableSetupScrollFreeze(0, 1);
    ImGui::TableSetupColumn("task");
    ImGui::TableSetupColumn("state");
    ImGui::TableSetupColumn("peer");
    ImGui::TableSetupColumn("function", ImGuiTableColumnFlags_WidthStretch);
    ImGui::TableHeadersRow();
    for (const TreeRow& row : rows) {
      const os::events::TaskInfo& task = row.task;
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      const bool selected = ctx.ui.selected_task == task.task_id;
      const std::string label = row.prefix + task.task_id + (row.parent_gone ? " (parent gone)" : "");
      if (ImGui::Selectable(label.c_str(), selected, ImGuiSelectableFlags_SpanAllColumns)) {
        ctx.ui.selected_task = selected ? "" : task.task_id;
      }
      ImGui::TableNextColumn();
      const ImU32 colour = StateColour(task.state);
      const ImVec2 min = ImGui::GetCursorScreenPos();
      const float box = ImGui::GetTextLineHeight() - 4;
      ImGui::GetWindowDrawList()->AddRectFilled(ImVec2(min.x, min.y + 2), ImVec2(min.x + box, min.y + 2 + box), colour);
      ImGui::Dummy(ImVec2(box + 2, box));
      ImGui::SameLine();
      ImGui::TextUnformatted(StateWord(task.state));
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(task.peer.c_str());
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(task.name.c_str());
      record.Add("tasks", task.task_id);
    }
    ImGui::EndTable();
  }
  EndPanel(ctx);
}

}  // namespace osgrid::viz::ui
