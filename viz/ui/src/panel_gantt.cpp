// The Gantt chart: one row per core of every peer (peers that left stay,
// their rows ending where they went), time to the right. Drawn Tracy's way:
// each frame binary-searches the bars that overlap the visible range
// (Lane::Overlapping), and runs of bars narrower than 3 px fold into one
// hatched block that says how many it holds (FoldForDrawing). Wheel zooms
// around the mouse, left-drag pans, double-click fits everything again.
// The picture's time is a vertical line; in a replay what comes after it is
// greyed, since it has not happened yet at that point.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "draw_util.h"
#include "palette.h"
#include "panels.h"

namespace osgrid::viz::ui {

namespace {

constexpr float kFoldPx = 3.0f;                 // bars narrower than this fold
constexpr double kLiveWindowMs = 60'000;        // live, fitted: the last minute
constexpr std::size_t kMaxLabelledTasks = 400;  // tasks listed in the layout JSON per frame

/// A bar or fold under the mouse.
struct Hovered {
  bool any = false;
  std::string text;
  std::string task_id;  // "" for a fold
};

/// The visible range: the user's, or fitted to the recording.
void FitRange(const PanelContext& ctx) {
  GanttView& view = ctx.ui.gantt;
  if (!view.fit) return;
  const double first = ctx.model.first_t().value_or(0);
  const double last = std::max(ctx.model.timeline().newest_t(), ctx.model.last_t().value_or(0));
  view.t1 = std::max(last, first + 1);
  view.t0 = first;
  if (ctx.ui.live && ctx.model.source().time_unit == "ms") view.t0 = std::max(first, view.t1 - kLiveWindowMs);
  const double margin = (view.t1 - view.t0) * 0.02;
  view.t0 -= margin;
  view.t1 += margin;
}

/// A tick step giving about `ticks` ticks over `span`: 1, 2 or 5 times a power of ten.
double TickStep(double span, int ticks) {
  const double raw = span / std::max(ticks, 1);
  const double power = std::pow(10.0, std::floor(std::log10(raw)));
  for (double factor : {1.0, 2.0, 5.0, 10.0}) {
    if (raw <= factor * power) return factor * power;
  }
  return 10 * power;
}

struct Canvas {
  ImDrawList* draw;
  ImVec2 min, max;  // the bars' area (right of the labels, below the axis)
  double t0, t1;
  float X(double t) const { return min.x + static_cast<float>((t - t0) / (t1 - t0)) * (max.x - min.x); }
  double T(float x) const { return t0 + (x - min.x) / (max.x - min.x) * (t1 - t0); }
};

void DrawAxis(const Canvas& canvas, float axis_y, const std::string& unit) {
  const double step =
      TickStep(canvas.t1 - canvas.t0, std::max(2, static_cast<int>((canvas.max.x - canvas.min.x) / 110)));
  for (double t = std::ceil(canvas.t0 / step) * step; t <= canvas.t1; t += step) {
    const float x = canvas.X(t);
    canvas.draw->AddLine(ImVec2(x, axis_y + ImGui::GetTextLineHeight()), ImVec2(x, canvas.max.y), Rgb(0xE4E4E4));
    canvas.draw->AddText(ImVec2(x + 2, axis_y), kBlack, FormatDuration(t, unit).c_str());
  }
}

/// One bar: its fill by task, its label when it fits, a mark for how it ended.
void DrawBar(const PanelContext& ctx, const Canvas& canvas, const GanttBar& bar, double end, float y0, float y1,
             Hovered& hovered) {
  const float x0 = std::max(canvas.X(bar.start), canvas.min.x), x1 = std::min(canvas.X(end), canvas.max.x);
  if (x1 < x0) return;
  const ImVec2 a(x0, y0), b(std::max(x1, x0 + 1), y1);
  const bool is_switch = bar.kind == BarKind::kSwitch;
  const ImU32 fill = is_switch ? kLightGrey : TaskColour(bar.task_id);
  canvas.draw->AddRectFilled(a, b, fill);
  if (is_switch) DrawHatch(canvas.draw, a, b, kGrey, 4);
  canvas.draw->AddRect(a, b, Rgb(0x000000, 140));
  if (!is_switch && b.x - a.x > 14)
    DrawClippedText(canvas.draw, ImVec2(a.x + 3, a.y + 1), TextOn(fill), bar.task_id, b.x - a.x - 6);
  const float mark = std::min(6.0f, (y1 - y0) / 2);
  if (bar.ended_by == BarEnd::kPreempted) {  // a triangle pointing down at the end: "taken off the CPU"
    canvas.draw->AddTriangleFilled(ImVec2(b.x - mark, y0), ImVec2(b.x, y0), ImVec2(b.x, y0 + mark), kBlack);
  } else if (bar.ended_by == BarEnd::kBlocked) {  // a square at the end: "waits"
    canvas.draw->AddRectFilled(ImVec2(b.x - mark, y1 - mark), b, kBlack);
  }
  if (!ctx.ui.selected_task.empty() && bar.task_id == ctx.ui.selected_task) {
    canvas.draw->AddRect(ImVec2(a.x - 1, a.y - 1), ImVec2(b.x + 1, b.y + 1), kSelected, 0, 0, 3);
  }
  const ImVec2 mouse = ImGui::GetIO().MousePos;
  if (mouse.x >= a.x && mouse.x <= b.x && mouse.y >= a.y && mouse.y <= b.y) {
    const std::string& unit = ctx.model.source().time_unit;
    hovered = {true,
               (is_switch ? "context switch to " : "") + bar.task_id + "\n" + FormatDuration(bar.start, unit) + " .. " +
                   FormatDuration(end, unit) + " (" + FormatDuration(end - bar.start, unit) +
                   ")\nended: " + std::string(BarEndName(bar.ended_by)) +
                   (bar.start_unknown ? "\n(started before the viewer saw it)" : ""),
               bar.task_id};
  }
}

void DrawFold(const Canvas& canvas, const FoldedBar& fold, float y0, float y1, Hovered& hovered) {
  const float x0 = std::max(canvas.X(fold.start), canvas.min.x);
  const float x1 = std::max(std::min(canvas.X(fold.end), canvas.max.x), x0 + kFoldPx);
  const ImVec2 a(x0, y0), b(x1, y1);
  canvas.draw->AddRectFilled(a, b, Rgb(0x7A7A7A));
  DrawHatch(canvas.draw, a, b, kWhite, 4);
  const std::string count = std::to_string(fold.count);
  if (ImGui::CalcTextSize(count.c_str()).x + 4 < x1 - x0) DrawCentredText(canvas.draw, a, b, kWhite, count);
  const ImVec2 mouse = ImGui::GetIO().MousePos;
  if (mouse.x >= a.x && mouse.x <= b.x && mouse.y >= a.y && mouse.y <= b.y) {
    hovered = {true, std::to_string(fold.count) + " bars too small to display: zoom in (wheel)", ""};
  }
}

/// Wheel zooms around the mouse, left-drag pans, double-click fits.
void HandleInput(const PanelContext& ctx, const Canvas& canvas) {
  GanttView& view = ctx.ui.gantt;
  const ImGuiIO& io = ImGui::GetIO();
  if (ImGui::IsItemHovered() && io.MouseWheel != 0) {
    const double factor = std::pow(io.KeyCtrl ? 0.95 : io.KeyShift ? 0.6 : 0.8, io.MouseWheel);
    const double pivot = canvas.T(io.MousePos.x);
    view.t0 = pivot - (pivot - canvas.t0) * factor;
    view.t1 = pivot + (canvas.t1 - pivot) * factor;
    view.fit = false;
  }
  if (ImGui::IsItemActive() && ImGui::IsMouseDragging(ImGuiMouseButton_Left, 2.0f)) {
    const double shift = io.MouseDelta.x / (canvas.max.x - canvas.min.x) * (canvas.t1 - canvas.t0);
    view.t0 -= shift;
    view.t1 -= shift;
    view.fit = false;
  }
  if (ImGui::IsItemHovered() && ImGui::IsMouseDoubleClicked(ImGuiMouseButton_Left)) view.fit = true;
  if (view.t1 - view.t0 < 1e-6) view.t1 = view.t0 + 1e-6;
}

}  // namespace

void DrawGantt(const PanelContext& ctx) {
  PanelRecord& record = BeginPanel(ctx, "gantt", "Gantt: tasks on cores");
  FitRange(ctx);
  const Timeline& timeline = ctx.model.timeline();
  const float line = ImGui::GetTextLineHeight();
  ImGui::TextDisabled("wheel zoom, drag pan, double-click fit   \u25BC preempted  \u25A0 blocked  \u25A8 folded");
  const ImVec2 origin = ImGui::GetCursorScreenPos(), avail = ImGui::GetContentRegionAvail();
  std::size_t rows = 0;
  float label_w = ImGui::CalcTextSize("peer-0 #0").x;
  for (const auto& [id, peer] : timeline.peers()) {
    rows += peer.lanes.size();
    label_w = std::max(label_w, ImGui::CalcTextSize((id + " #0").c_str()).x);
  }
  const float row_h =
      std::clamp((avail.y - line - 4) / std::max<float>(static_cast<float>(rows), 1), line + 2, line * 2);
  Canvas canvas{ImGui::GetWindowDrawList(), ImVec2(origin.x + label_w + 8, origin.y + line + 4),
                ImVec2(origin.x + avail.x, origin.y + avail.y), ctx.ui.gantt.t0, ctx.ui.gantt.t1};
  ImGui::InvisibleButton("canvas", ImVec2(std::max(avail.x, 1.0f), std::max(avail.y, 1.0f)));
  HandleInput(ctx, canvas);
  const bool clicked = ImGui::IsItemClicked(ImGuiMouseButton_Left) && !ImGui::IsMouseDragging(ImGuiMouseButton_Left);
  canvas.draw->PushClipRect(origin, canvas.max, true);
  DrawAxis(canvas, origin.y, ctx.model.source().time_unit);
  const double fold_width = kFoldPx / (canvas.max.x - canvas.min.x) * (canvas.t1 - canvas.t0);
  Hovered hovered;
  std::size_t labelled = 0;
  float y = canvas.min.y;
  for (const auto& [id, peer] : timeline.peers()) {
    record.Add("peers", id);
    for (std::size_t lane = 0; lane < peer.lanes.size(); ++lane, y += row_h) {
      if (y > canvas.max.y) break;
      const float y0 = y + 1, y1 = y + row_h - 1;
      if (lane % 2 == 0)
        canvas.draw->AddRectFilled(ImVec2(canvas.min.x, y), ImVec2(canvas.max.x, y + row_h), Rgb(0xF6F6F6));
      const std::string label = id + " #" + std::to_string(lane) + (peer.lanes[lane].overflow() ? "+" : "");
      canvas.draw->AddText(ImVec2(origin.x, y + (row_h - line) / 2),
                           peer.gone_t && *peer.gone_t <= ctx.now_t ? kGrey : kBlack, label.c_str());
      for (const FoldedBar& item : FoldForDrawing(peer.lanes[lane].Overlapping(canvas.t0, canvas.t1), fold_width)) {
        if (item.count == 1 && item.bar != nullptr) {
          DrawBar(ctx, canvas, *item.bar, item.bar->end, y0, y1, hovered);
          if (labelled++ < kMaxLabelledTasks) record.Add("tasks", item.bar->task_id);
        } else {
          DrawFold(canvas, item, y0, y1, hovered);
          record.Add("marks", "folded");
        }
      }
      if (const GanttBar* open = peer.lanes[lane].open(); open != nullptr && open->start < canvas.t1) {
        DrawBar(ctx, canvas, *open, std::max(open->start, std::max(ctx.now_t, timeline.newest_t())), y0, y1, hovered);
        record.Add("tasks", open->task_id);
      }
    }
  }
  // The picture's time, and (replay) the future greyed.
  const float now_x = canvas.X(ctx.now_t);
  if (now_x >= canvas.min.x && now_x <= canvas.max.x) {
    if (!ctx.ui.live) canvas.draw->AddRectFilled(ImVec2(now_x, canvas.min.y), canvas.max, Rgb(0xFFFFFF, 150));
    canvas.draw->AddLine(ImVec2(now_x, origin.y), ImVec2(now_x, canvas.max.y), kVermillion, 2.0f);
  }
  canvas.draw->PopClipRect();
  if (rows == 0) canvas.draw->AddText(canvas.min, kGrey, "no task has run yet");
  if (hovered.any) ImGui::SetTooltip("%s", hovered.text.c_str());
  if (clicked && hovered.any && !hovered.task_id.empty()) {
    ctx.ui.selected_task = ctx.ui.selected_task == hovered.task_id ? "" : hovered.task_id;
  }
  EndPanel(ctx);
}

}  // namespace osgrid::viz::ui
