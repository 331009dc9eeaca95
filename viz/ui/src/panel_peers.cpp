// Per peer: its policy and cores, the running tasks, the ready queue in the
// order the policy will run it (numbered), the waiting and zombie tasks,
// and a sparkline of its utilisation (running / cores) from its peer.load
// samples up to the picture's time.
#include <algorithm>
#include <cstdio>

#include "draw_util.h"
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

/// The utilisation sparkline of `peer` up to `now_t`: the last 60 samples.
void Sparkline(const PanelContext& ctx, const std::string& peer) {
  const PeerTimeline* timeline = ctx.model.timeline().Find(peer);
  const float width = ImGui::GetContentRegionAvail().x, height = ImGui::GetTextLineHeight() * 1.6f;
  const ImVec2 min = ImGui::GetCursorScreenPos(), max(min.x + width, min.y + height);
  ImGui::Dummy(ImVec2(width, height));
  ImDrawList* draw = ImGui::GetWindowDrawList();
  draw->AddRectFilled(min, max, Rgb(0xF4F4F4));
  draw->AddRect(min, max, kLightGrey);
  std::vector<const LoadSample*> samples;
  if (timeline != nullptr) {
    for (const LoadSample& sample : timeline->load) {
      if (sample.t <= ctx.now_t) samples.push_back(&sample);
    }
  }
  if (samples.size() > 60) samples.erase(samples.begin(), samples.end() - 60);
  if (samples.size() < 2) {
    draw->AddText(ImVec2(min.x + 4, min.y + 2), kGrey, "utilisation: no load samples yet");
    return;
  }
  std::vector<ImVec2> points;
  for (std::size_t k = 0; k < samples.size(); ++k) {
    const float x = min.x + width * static_cast<float>(k) / static_cast<float>(samples.size() - 1);
    const float y = max.y - 2 - (height - 4) * static_cast<float>(std::clamp(samples[k]->utilisation, 0.0, 1.0));
    points.push_back(ImVec2(x, y));
  }
  draw->AddPolyline(points.data(), static_cast<int>(points.size()), kBlue, 0, 2.0f);
  char label[48];
  std::snprintf(label, sizeof label, "util %.0f%%", samples.back()->utilisation * 100);
  draw->AddText(ImVec2(min.x + 4, min.y + 1), kBlack, label);
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
    ChipRow(ctx, record, "READY", kReady, peer.ready_queue, true);
    if (!peer.waiting.empty()) ChipRow(ctx, record, "WAIT ", kWaiting, peer.waiting, false);
    if (!peer.zombies.empty()) ChipRow(ctx, record, "ZOMBIE", kZombie, peer.zombies, false);
    Sparkline(ctx, id);
    ImGui::Separator();
    ImGui::PopID();
  }
  EndPanel(ctx);
}

}  // namespace osgrid::viz::ui
