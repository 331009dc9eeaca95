// Per peer: its policy and cores, the running tasks, the ready queue in the
// order the policy will run it, numbered (when the events say that order:
// task.queued's position; otherwise in arrival order, not numbered, and the
// panel says so: ViewState::ReadyQueueInPolicyOrder), the waiting and zombie tasks,
// and a sparkline of its utilisation up to the picture's time: busy
// core-time / (cores x bucket) per bucket of 1 s (a simulation: 1 time
// unit), from the Gantt bars (viz/model's utilisation.h), so that it has a
// figure for every second, not only when a heartbeat said one. A peer with
// no bar but load samples (a stream without its task events) shows those.
#include <algorithm>
#include <cstdio>
#include <utility>

#include "draw_util.h"
#include "osgrid/viz/utilisation.h"
#include "palette.h"
#include "panels.h"

namespace osgrid::viz::ui {

namespace {

/// One row of chips: "WORD:" then each task, wrapping at the panel's edge.
void ChipRow(const PanelContext& ctx, PanelRecord& record, const char* word, ImU32 fill,
             const std::vector<os::events::TaskRef>& tasks, bool numbered) {
  ImGui::TextUnformatted(word);
  if (tasks.empty()) {
    ImGui::SameLine();
    ImGui::TextDisabled("-");
    return;
  }
  const float right = ImGui::GetWindowPos().x + ImGui::GetWindowContentRegionMax().x;
  for (std::size_t k = 0; k < tasks.size(); ++k) {
    const std::string& id = tasks[k].task_id;
    std::string text = numbered ? std::to_string(k + 1) + ". " + id : id;
    if (!tasks[k].name.empty() && tasks[k].name != id) text += " " + tasks[k].name;
    const float width = ImGui::CalcTextSize(text.c_str()).x + 12;
    ImGui::SameLine();
    if (ImGui::GetCursorScreenPos().x + width > right) ImGui::NewLine();
    TaskChip(ctx.ui, id, text, fill);
    record.Add("tasks", id);
  }
}

/// Buckets the sparkline shows: a minute live, 60 time units in a simulation.
constexpr std::size_t kSparkBuckets = 60;

/// The sparkline's frame, `height` px tall across the panel; returns its corners.
std::pair<ImVec2, ImVec2> SparkFrame(ImDrawList* draw, float height) {
  const float width = ImGui::GetContentRegionAvail().x;
  const ImVec2 min = ImGui::GetCursorScreenPos(), max(min.x + width, min.y + height);
  ImGui::Dummy(ImVec2(width, height));
  draw->AddRectFilled(min, max, Rgb(0xF4F4F4));
  draw->AddRect(min, max, kLightGrey);
  return {min, max};
}

/// The fallback for a peer without Gantt bars (a stream without its task
/// events): its last 60 peer.load samples up to the picture's time.
void LoadSampleLine(const PanelContext& ctx, const PeerTimeline* timeline, ImDrawList* draw, ImVec2 min, ImVec2 max) {
  std::vector<const LoadSample*> samples;
  if (timeline != nullptr) {
    for (const LoadSample& sample : timeline->load) {
      if (sample.t <= ctx.now_t) samples.push_back(&sample);
    }
  }
  if (samples.size() > 60) samples.erase(samples.begin(), samples.end() - 60);
  if (samples.size() < 2) {
    draw->AddText(ImVec2(min.x + 4, min.y + 2), kGrey, "utilisation: no tasks run yet");
    return;
  }
  std::vector<ImVec2> points;
  for (std::size_t k = 0; k < samples.size(); ++k) {
    const float x = min.x + (max.x - min.x) * static_cast<float>(k) / static_cast<float>(samples.size() - 1);
    const float y = max.y - 2 - (max.y - min.y - 4) * static_cast<float>(std::clamp(samples[k]->utilisation, 0.0, 1.0));
    points.push_back(ImVec2(x, y));
  }
  draw->AddPolyline(points.data(), static_cast<int>(points.size()), kBlue, 0, 2.0f);
  char label[64];
  std::snprintf(label, sizeof label, "util %.0f%% (heartbeats)", samples.back()->utilisation * 100);
  draw->AddText(ImVec2(min.x + 4, min.y + 1), kBlack, label);
}

/// The utilisation sparkline of `peer` (with `cores` cores) up to the
/// picture's time: one bar per bucket of its busy core-time (utilisation.h),
/// newest on the right, and "util NN%" over the buckets shown.
void Sparkline(const PanelContext& ctx, PanelRecord& record, const std::string& peer, int cores) {
  ImDrawList* draw = ImGui::GetWindowDrawList();
  const auto [min, max] = SparkFrame(draw, ImGui::GetTextLineHeight() * 1.6f);
  const PeerTimeline* timeline = ctx.model.timeline().Find(peer);
  if (timeline == nullptr || (!HasBars(*timeline) && !timeline->load.empty())) {
    return LoadSampleLine(ctx, timeline, draw, min, max);
  }
  const double bucket = UtilisationBucket(ctx.model.source());
  const UtilisationHistory history =
      Utilisation(*timeline, cores, ctx.now_t, bucket, kSparkBuckets, ctx.model.first_t().value_or(0));
  if (history.empty()) {
    draw->AddText(ImVec2(min.x + 4, min.y + 2), kGrey, "utilisation: nothing yet");
    return;
  }
  // Newest on the right; a short history is drawn in wider slots (at least a tenth of the line each).
  const float slot = (max.x - min.x - 2) / static_cast<float>(std::max<std::size_t>(history.buckets.size(), 10));
  const float left = max.x - 1 - slot * static_cast<float>(history.buckets.size());
  for (std::size_t k = 0; k < history.buckets.size(); ++k) {
    const float height = (max.y - min.y - 2) * static_cast<float>(std::clamp(history.buckets[k], 0.0, 1.0));
    const float x = left + slot * static_cast<float>(k);
    if (height > 0)
      draw->AddRectFilled(ImVec2(x, max.y - 1 - height), ImVec2(x + std::max(slot - 1, 1.0f), max.y - 1),
                          Rgb(0x0072B2, 150));
  }
  const std::string span = FormatDuration(history.end - history.start, ctx.model.source().time_unit);
  char label[96];
  std::snprintf(label, sizeof label, "util %.0f%% over %s", history.average * 100, span.c_str());
  draw->AddText(ImVec2(min.x + 4, min.y + 1), kBlack, label);
  record.Add("marks", peer + " " + label);
}

}  // namespace

void DrawPeers(const PanelContext& ctx) {
  PanelRecord& record = BeginPanel(ctx, "peers", "Peers: queues and CPUs");
  const auto& peers = ctx.model.view().cluster().peers();
  if (peers.empty()) ImGui::TextDisabled("no live peers");
  for (const auto& [id, peer] : peers) {
    record.Add("peers", id);
    ImGui::PushID(id.c_str());
    const std::string policy = peer.policy.empty() ? "" : ", " + peer.policy;
    ImGui::Text("%s  (%d %s%s)", id.c_str(), peer.cores, peer.cores == 1 ? "core" : "cores", policy.c_str());
    ChipRow(ctx, record, "RUN  ", kRunning, peer.running, false);
    const bool policy_order = ctx.model.view().ReadyQueueInPolicyOrder(id);
    ChipRow(ctx, record, "READY", kReady, peer.ready_queue, policy_order);
    if (!policy_order) {
      ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled));
      ImGui::TextWrapped("shown in arrival order: the order the policy will run them in is not known");
      ImGui::PopStyleColor();
      record.Add("marks", id + " ready queue in arrival order");
    }
    if (!peer.waiting.empty()) ChipRow(ctx, record, "WAIT ", kWaiting, peer.waiting, false);
    if (!peer.zombies.empty()) ChipRow(ctx, record, "ZOMBIE", kZombie, peer.zombies, false);
    Sparkline(ctx, record, id, peer.cores);
    ImGui::Separator();
    ImGui::PopID();
  }
  EndPanel(ctx);
}

}  // namespace osgrid::viz::ui
