// One frame of osgrid-viz: the layout of the panels and the replay clock (app.h).
#include "app.h"

#include <algorithm>
#include <cmath>

#include <GLFW/glfw3.h>

#include "palette.h"

namespace osgrid::viz::ui {

namespace {

/// How long a forwarded task is shown travelling, ms of trace time.
constexpr double kTravelMs = 1500;
/// Below this width the bottom panels share one tabbed window.
constexpr float kNarrowWidth = 1000;

/// Trace time per second of wall time at 1x: real time for a cluster (ms),
/// one unit per second for a simulation's own unit.
double UnitsPerSecond(const Model& model) { return model.source().time_unit == "ms" ? 1000.0 : 1.0; }

}  // namespace

App::App(Model model, Inbox* inbox, LiveFeed* feed, float font_px, std::string load_error)
    : model_(std::move(model)), inbox_(inbox), feed_(feed) {
  ui_.font_px = font_px;
  ui_.live = feed != nullptr;
  ui_.load_error = std::move(load_error);
  ui_.play_t = model_.first_t().value_or(0);
}

bool App::Drain() {
  bool changed = false;
  if (feed_ != nullptr) {
    const LinkStatus status = feed_->status();
    std::string link = DescribeLink(status, feed_->options());
    const bool ok = status.state == LinkStatus::State::kConnected;
    changed = link != ui_.link || ok != ui_.link_ok;
    ui_.link = std::move(link);
    ui_.link_ok = ok;
    ui_.link_attempts = status.attempts;
  }
  if (inbox_ != nullptr && model_.Drain(*inbox_).taken > 0) changed = true;
  return changed;
}

bool App::Tick(double dt_s) {
  if (!ui_.playing || ui_.live) return false;
  const double end = model_.last_t().value_or(0);
  ui_.play_t = std::min(end, ui_.play_t + dt_s * ui_.speed * UnitsPerSecond(model_));
  if (ui_.play_t >= end) ui_.playing = false;
  model_.SeekTo(ui_.play_t);
  return true;
}

double App::NowT() const {
  if (ui_.playing) return ui_.play_t;
  if (ui_.live && model_.following() && model_.newest_arrival() && model_.source().time_unit == "ms") {
    const double since_ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - *model_.newest_arrival()).count();
    return model_.newest_t() + std::min(since_ms, kTravelMs);
  }
  return model_.cursor_t();
}

bool App::Animating() const {
  if (ui_.playing) return true;
  const double now = NowT();
  return !model_.timeline().ForwardsBetween(now - kTravelMs, now + 1).empty();
}

void App::SeekTo(double t) {
  model_.SeekTo(t);
  ui_.play_t = t;
  ui_.playing = false;
}

void App::SeekAfter(std::uint64_t index) {
  model_.SeekToIndex(index);
  ui_.play_t = model_.cursor_t();
  ui_.playing = false;
}

FrameFacts App::Facts(int width, int height) const {
  return FrameFacts{width,
                    height,
                    model_.source().source,
                    model_.source().time_unit,
                    model_.cursor_t(),
                    ui_.live ? ui_.link : "",
                    ui_.live ? ui_.link_attempts : 0};
}

void App::Frame(float width, float height) {
  layout_.Clear();
  if (!ui_.load_error.empty()) {
    DrawLoadError(width, height);
    return;
  }
  ReplayRequest request;
  const ImGuiIO& io = ImGui::GetIO();
  if (!io.WantTextInput) {
    if (ImGui::IsKeyPressed(GLFW_KEY_SPACE, false)) request.play = !ui_.playing;
    if (ImGui::IsKeyPressed(GLFW_KEY_RIGHT)) request.step = 1;
    if (ImGui::IsKeyPressed(GLFW_KEY_LEFT)) request.step = -1;
    if (ImGui::IsKeyPressed(GLFW_KEY_ESCAPE, false)) ui_.selected_task.clear();
  }
  LayOut(width, height, request);
  Apply(request);
}

void App::LayOut(float width, float height, ReplayRequest& request) {
  const ImGuiStyle& style = ImGui::GetStyle();
  const int control_lines = ui_.live && !ui_.link_ok ? 3 : 2;  // a third says why the link is down
  const float controls_h = control_lines * ImGui::GetFrameHeightWithSpacing() + 2 * style.WindowPadding.y + 2;
  auto context = [&](float x, float y, float w, float h, bool tabbed = false) {
    return PanelContext{model_, ui_, layout_, request, ImVec2(x, y), ImVec2(w, h), tabbed, NowT()};
  };
  DrawControls(context(0, 0, width, controls_h));
  const float top = controls_h, rest = height - controls_h;
  if (width >= kNarrowWidth) {
    const float top_h = std::floor(rest * 0.46f), bottom_y = top + top_h, bottom_h = rest - top_h;
    DrawTopology(context(0, top, width * 0.25f, top_h));
    DrawGantt(context(width * 0.25f, top, width * 0.50f, top_h));
    DrawPeers(context(width * 0.75f, top, width * 0.25f, top_h));
    DrawMemory(context(0, bottom_y, width * 0.28f, bottom_h));
    DrawResources(context(width * 0.28f, bottom_y, width * 0.24f, bottom_h));
    DrawProcessTree(context(width * 0.52f, bottom_y, width * 0.20f, bottom_h));
    DrawEventLog(context(width * 0.72f, bottom_y, width * 0.28f, bottom_h));
    return;
  }
  // Narrow: topology and peers, the Gantt chart, then the rest as tabs.
  const float row_h = std::floor(rest * 0.30f);
  DrawTopology(context(0, top, width * 0.4f, row_h));
  DrawPeers(context(width * 0.4f, top, width * 0.6f, row_h));
  DrawGantt(context(0, top + row_h, width, row_h));
  const float tabs_y = top + 2 * row_h, tabs_h = rest - 2 * row_h;
  ImGui::SetNextWindowPos(ImVec2(0, tabs_y));
  ImGui::SetNextWindowSize(ImVec2(width, tabs_h));
  ImGui::Begin("##tabs", nullptr,
               ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoSavedSettings |
                   ImGuiWindowFlags_NoBringToFrontOnFocus);
  struct Tab {
    const char* name;
    const char* title;
    void (*draw)(const PanelContext&);
  };
  static constexpr Tab kTabs[] = {{"memory", "Memory", DrawMemory},
                                  {"resources", "Resources", DrawResources},
                                  {"tree", "Process tree", DrawProcessTree},
                                  {"log", "Event log", DrawEventLog}};
  if (ImGui::BeginTabBar("panels")) {
    for (const Tab& tab : kTabs) {
      if (ImGui::BeginTabItem(tab.title)) {
        const ImVec2 at = ImGui::GetCursorScreenPos(), avail = ImGui::GetContentRegionAvail();
        tab.draw(context(at.x, at.y, avail.x, avail.y, true));
        ImGui::EndTabItem();
      } else {
        layout_.Panel(tab.name, tab.title, 0, tabs_y, width, tabs_h, false);
      }
    }
    ImGui::EndTabBar();
  }
  ImGui::End();
}

void App::Apply(const ReplayRequest& request) {
  if (request.speed) ui_.speed = std::clamp(*request.speed, 0.25, 16.0);
  if (request.follow) {
    model_.Follow(*request.follow);
    ui_.play_t = model_.cursor_t();
  }
  if (request.seek_t) SeekTo(*request.seek_t);
  if (request.seek_position) {
    model_.SeekToPosition(*request.seek_position);
    ui_.play_t = model_.cursor_t();
    ui_.playing = false;
  }
  if (request.step != 0) {
    model_.Step(request.step);
    ui_.play_t = model_.cursor_t();
    ui_.playing = false;
  }
  if (request.play && !ui_.live) {
    ui_.playing = *request.play;
    const double end = model_.last_t().value_or(0);
    if (ui_.playing && ui_.play_t >= end) {
      ui_.play_t = model_.first_t().value_or(0);  // at the end: play again from the start
      model_.SeekTo(ui_.play_t);
    }
  }
}

void App::DrawLoadError(float width, float height) {
  ImGui::SetNextWindowPos(ImVec2(0, 0));
  ImGui::SetNextWindowSize(ImVec2(width, height));
  ImGui::Begin("osgrid-viz###error", nullptr,
               ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoResize | ImGuiWindowFlags_NoSavedSettings |
                   ImGuiWindowFlags_NoCollapse);
  PanelRecord& panel = layout_.Panel("error", "osgrid-viz", 0, 0, width, height);
  panel.Add("status", ui_.load_error);
  ImGui::PushStyleColor(ImGuiCol_Text, kVermillion);
  ImGui::TextUnformatted("osgrid-viz could not read the trace; nothing is drawn from it:");
  ImGui::PopStyleColor();
  ImGui::TextWrapped("%s", ui_.load_error.c_str());
  ImGui::End();
}

}  // namespace osgrid::viz::ui
