// What the panels share: their windows, task chips and state words (panels.h).
#include "draw_util.h"
#include "palette.h"
#include "panels.h"

namespace osgrid::viz::ui {

PanelRecord& BeginPanel(const PanelContext& ctx, const char* name, const char* title) {
  if (ctx.tabbed) {
    ImGui::BeginChild(name, ctx.size, false);
  } else {
    ImGui::SetNextWindowPos(ctx.pos);
    ImGui::SetNextWindowSize(ctx.size);
    const std::string label = std::string(title) + "###" + name;
    ImGui::Begin(label.c_str(), nullptr,
                 ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoResize | ImGuiWindowFlags_NoCollapse |
                     ImGuiWindowFlags_NoSavedSettings | ImGuiWindowFlags_NoBringToFrontOnFocus);
  }
  const ImVec2 pos = ImGui::GetWindowPos(), size = ImGui::GetWindowSize();
  return ctx.layout.Panel(name, title, pos.x, pos.y, size.x, size.y);
}

void EndPanel(const PanelContext& ctx) {
  if (ctx.tabbed) {
    ImGui::EndChild();
  } else {
    ImGui::End();
  }
}

bool TaskChip(UiState& ui, const std::string& task_id, const std::string& text, ImU32 fill) {
  const ImVec2 pad(4, 1);
  const ImVec2 text_size = ImGui::CalcTextSize(text.c_str());
  const ImVec2 size(text_size.x + 2 * pad.x, text_size.y + 2 * pad.y);
  const ImVec2 min = ImGui::GetCursorScreenPos();
  ImGui::PushID(task_id.c_str());
  const bool clicked = ImGui::InvisibleButton("chip", size);
  ImGui::PopID();
  ImDrawList* draw = ImGui::GetWindowDrawList();
  const ImVec2 max(min.x + size.x, min.y + size.y);
  draw->AddRectFilled(min, max, fill, 3);
  const bool selected = !ui.selected_task.empty() && ui.selected_task == task_id;
  if (selected) draw->AddRect(ImVec2(min.x - 1, min.y - 1), ImVec2(max.x + 1, max.y + 1), kSelected, 3, 0, 3);
  draw->AddText(ImVec2(min.x + pad.x, min.y + pad.y), TextOn(fill), text.c_str());
  if (clicked) ui.selected_task = selected ? "" : task_id;
  TooltipOnHover(task_id + (selected ? " (selected; click again to clear)" : " (click to select everywhere)"));
  return clicked;
}

const char* StateWord(os::events::TaskState state) {
  switch (state) {
    case os::events::TaskState::kReady:
      return "READY";
    case os::events::TaskState::kRunning:
      return "RUN";
    case os::events::TaskState::kWaiting:
      return "WAIT";
    case os::events::TaskState::kZombie:
      return "ZOMBIE";
  }
  return "?";
}

ImU32 StateColour(os::events::TaskState state) {
  switch (state) {
    case os::events::TaskState::kReady:
      return kReady;
    case os::events::TaskState::kRunning:
      return kRunning;
    case os::events::TaskState::kWaiting:
      return kWaiting;
    case os::events::TaskState::kZombie:
      return kZombie;
  }
  return kGrey;
}

}  // namespace osgrid::viz::ui
