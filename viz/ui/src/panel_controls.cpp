// The top bar: what is shown, the connection, the replay controls, the time
// slider, and the "last event" age that tells how fresh the picture is.
#include <algorithm>
#include <cstdio>

#include "draw_util.h"
#include "palette.h"
#include "panels.h"

namespace osgrid::viz::ui {

namespace {

constexpr double kSpeeds[] = {0.25, 0.5, 1, 2, 4, 8, 16};

/// "last event 1.2 s ago": live, by the wall clock since it arrived; in a
/// replay, by trace time from the last entry applied to the cursor's time.
std::string LastEventAge(const PanelContext& ctx) {
  const Model& model = ctx.model;
  char text[96];
  if (ctx.ui.live) {
    if (!model.newest_arrival()) return "no event yet";
    const double age_s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - *model.newest_arrival()).count();
    std::snprintf(text, sizeof text, "last event %.1f s ago", age_s);
    return text;
  }
  const std::uint64_t position = model.position();
  if (position <= model.begin_index()) return "before the first event";
  const LogEntry& last = model.entry(position - 1);
  return "last event " + FormatDuration(std::max(0.0, ctx.now_t - last.t()), model.source().time_unit) + " ago (seq " +
         std::to_string(last.seq()) + ")";
}

/// Line 1: the source, the connection, the time, the age, truncation and the selection.
void DrawStatusLine(const PanelContext& ctx, PanelRecord& record) {
  const Model& model = ctx.model;
  const UiState& ui = ctx.ui;
  const bool alarm = ui.live && !ui.link_ok;
  std::string what = ui.live ? "LIVE " + ui.title : "REPLAY " + ui.title;
  if (ui.live && !alarm) what += ": " + ui.link;
  if (alarm) what += ": DISCONNECTED";
  if (model.source().is_sim()) what += "  (simulation: " + model.source().topic + ")";
  if (alarm) ImGui::PushStyleColor(ImGuiCol_Text, kVermillion);
  ImGui::TextUnformatted(what.c_str());
  if (alarm) ImGui::PopStyleColor();
  record.Add("status", what);
  if (alarm) record.Add("status", ui.link);
  const std::string time = "t = " + FormatDuration(ctx.now_t, model.source().time_unit);
  const std::string age = LastEventAge(ctx);
  ImGui::SameLine(0, 24);
  ImGui::TextUnformatted(time.c_str());
  ImGui::SameLine(0, 24);
  ImGui::TextUnformatted(age.c_str());
  record.Add("status", age);
  if (model.truncation().history_truncated) {
    ImGui::SameLine(0, 24);
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(kVermillion), "history truncated (%llu older entries folded)",
                       static_cast<unsigned long long>(model.truncation().entries));
    record.Add("status", "history truncated");
  }
  if (!ui.selected_task.empty()) {
    ImGui::SameLine(0, 24);
    ImGui::Text("selected: %s (Esc clears)", ui.selected_task.c_str());
  }
}

/// Line 2, a replay: |< < play > >| speed, and the time slider.
void DrawReplayLine(const PanelContext& ctx) {
  const Model& model = ctx.model;
  UiState& ui = ctx.ui;
  ReplayRequest& request = ctx.request;
  const double first = model.first_t().value_or(0), last = model.last_t().value_or(0);
  if (ImGui::Button("|<")) request.seek_position = model.begin_index();
  TooltipOnHover("back to the start");
  ImGui::SameLine();
  if (ImGui::Button("<")) request.step = -1;
  TooltipOnHover("one event back (Left)");
  ImGui::SameLine();
  if (ImGui::Button(ui.playing ? "Pause" : "Play ")) request.play = !ui.playing;
  TooltipOnHover("play or pause (Space)");
  ImGui::SameLine();
  if (ImGui::Button(">")) request.step = 1;
  TooltipOnHover("one event forward (Right)");
  ImGui::SameLine();
  if (ImGui::Button(">|")) request.seek_position = model.end_index();
  TooltipOnHover("to the end");
  ImGui::SameLine();
  ImGui::SetNextItemWidth(ImGui::CalcTextSize("16x   ").x + ImGui::GetFrameHeight());
  char speed[16];
  std::snprintf(speed, sizeof speed, "%gx", ui.speed);
  if (ImGui::BeginCombo("speed", speed)) {
    for (double choice : kSpeeds) {
      std::snprintf(speed, sizeof speed, "%gx", choice);
      if (ImGui::Selectable(speed, choice == ui.speed)) request.speed = choice;
    }
    ImGui::EndCombo();
  }
  ImGui::SameLine();
  double t = ui.playing ? ui.play_t : model.cursor_t();
  ImGui::SetNextItemWidth(-1);
  const std::string format = "%.1f " + model.source().time_unit;
  if (ImGui::SliderScalar("##time", ImGuiDataType_Double, &t, &first, &last, format.c_str())) request.seek_t = t;
}

/// Line 2, live: follow or hold, and a slider over what was received.
void DrawLiveLine(const PanelContext& ctx) {
  const Model& model = ctx.model;
  ReplayRequest& request = ctx.request;
  const bool following = model.following();
  if (ImGui::Button(following ? "Hold" : "Live")) request.follow = !following;
  TooltipOnHover(following ? "freeze the picture here (the cluster goes on; events keep arriving)"
                           : "follow the newest events again");
  ImGui::SameLine();
  if (ImGui::Button("<")) request.step = -1;
  ImGui::SameLine();
  if (ImGui::Button(">")) request.step = 1;
  ImGui::SameLine();
  ImGui::TextUnformatted(following ? "following" : "HOLDING (not live)");
  ImGui::SameLine();
  const double first = model.first_t().value_or(0), last = model.last_t().value_or(0);
  double t = model.cursor_t();
  ImGui::SetNextItemWidth(-1);
  if (ImGui::SliderScalar("##time", ImGuiDataType_Double, &t, &first, &last, "%.0f ms")) request.seek_t = t;
}

}  // namespace

void DrawControls(const PanelContext& ctx) {
  ImGui::SetNextWindowPos(ctx.pos);
  ImGui::SetNextWindowSize(ctx.size);
  ImGui::Begin("##controls", nullptr,
               ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoSavedSettings |
                   ImGuiWindowFlags_NoBringToFrontOnFocus);
  const ImVec2 pos = ImGui::GetWindowPos(), size = ImGui::GetWindowSize();
  PanelRecord& record = ctx.layout.Panel("controls", "Controls", pos.x, pos.y, size.x, size.y);
  DrawStatusLine(ctx, record);
  if (ctx.ui.live) {
    DrawLiveLine(ctx);
  } else {
    DrawReplayLine(ctx);
  }
  if (ctx.ui.live && !ctx.ui.link_ok) {  // why, on a line of its own: it can be long
    ImGui::PushStyleColor(ImGuiCol_Text, kVermillion);
    ImGui::TextUnformatted(ctx.ui.link.c_str());
    ImGui::PopStyleColor();
  }
  ImGui::End();
}

}  // namespace osgrid::viz::ui
