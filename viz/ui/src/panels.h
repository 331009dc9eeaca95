// The panels of osgrid-viz: one draw function each, in its own panel_*.cpp.
// Each reads the model only (the state at the cursor, the timeline, the
// log) and the viewer's own UiState (selection, zoom, filters); none changes
// the model. What a panel asks the model to do (seek, step, play) it returns
// as a ReplayRequest, which the app carries out between frames.
//
// Each panel is an ImGui window placed by the app (Debian's ImGui 1.86 has
// no docking) and records in the LayoutRecorder what it shows: that record
// is the screenshot's layout JSON, which the tests check.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <imgui.h>

#include "capture.h"
#include "osgrid/viz/event_log.h"
#include "osgrid/viz/model.h"

namespace osgrid::viz::ui {

/// The Gantt chart's window onto time.
struct GanttView {
  double t0 = 0, t1 = 1;  // the visible range, in the source's time unit
  bool fit = true;        // follow the whole recording (until the user zooms or pans)
};

/// The event log panel's filters, and its cached list of matching entries.
struct LogView {
  std::vector<std::string> families;  // type families shown ("peer", "task", ...); all when empty
  std::vector<bool> family_on;        // per AllFamilies() entry
  char search[128] = "";
  // The cache: the entries that pass, up to scanned_to (the filter's key: see panel_log.cpp).
  std::vector<std::uint64_t> matches;
  std::uint64_t scanned_to = 0;
  std::string cached_key;
  std::uint64_t shown_position = ~std::uint64_t{0};  // the cursor the list last scrolled to
};

/// The viewer's own state: what the user chose, not what the cluster did.
struct UiState {
  std::string selected_task;  // "" = none; clicking a task anywhere selects it everywhere
  bool playing = false;       // replay: the clock runs
  double speed = 1.0;         // replay speed, 0.25x .. 16x
  double play_t = 0;          // replay: the clock's trace time
  float font_px = 16;         // the font size in use
  GanttView gantt;
  LogView log;
  bool live = false;                // attached to a tracker
  std::string title;                // what is shown: "trace philo.trace", "tracker 127.0.0.1:8888"
  std::string link;                 // live: the connection in words (DescribeLink)
  bool link_ok = true;              // live: connected
  std::uint64_t link_attempts = 0;  // live: failed attempts since the last success (LinkStatus::attempts)
  std::string load_error;           // a trace that failed to load: its error, shown instead of the panels
};

/// What a panel asks of the model; the app applies it after the frame.
struct ReplayRequest {
  std::optional<double> seek_t;                // go to this trace time
  std::optional<std::uint64_t> seek_position;  // go to just before this log index
  std::int64_t step = 0;                       // entries forward (+) or back (-)
  std::optional<bool> follow;                  // live: follow the newest (true) or hold (false)
  std::optional<bool> play;                    // replay: play (true) or pause (false)
  std::optional<double> speed;
};

/// What every panel gets.
struct PanelContext {
  const Model& model;
  UiState& ui;
  LayoutRecorder& layout;
  ReplayRequest& request;
  ImVec2 pos, size;     // where the app puts the panel
  bool tabbed = false;  // drawn inside the app's tab bar (a narrow window): a child, not a window
  double now_t = 0;     // the time the picture stands for (the cursor; live: the tracker's time now, estimated)
};

/// Opens the panel's window at ctx.pos/ctx.size (fixed, not movable; a child
/// when tabbed) and returns its layout record. Call EndPanel after, always.
PanelRecord& BeginPanel(const PanelContext& ctx, const char* name, const char* title);
void EndPanel(const PanelContext& ctx);

// ---- the panels ------------------------------------------------------------------------

/// The top bar: source, connection, replay controls, time slider, "last event" age.
void DrawControls(const PanelContext& ctx);
/// The tracker and its peers as a graph: load colours, dead peers greyed, forwarded tasks travelling.
void DrawTopology(const PanelContext& ctx);
/// Per peer: policy, the ready queue in policy order, the running tasks, utilisation history.
void DrawPeers(const PanelContext& ctx);
/// The Gantt chart across peers and cores: wheel zooms around the cursor, left-drag pans.
void DrawGantt(const PanelContext& ctx);
/// Per peer: the arena to scale, with its fragmentation figures and the failing request marked.
void DrawMemory(const PanelContext& ctx);
/// The resource-allocation graph (holders and waiters) with the deadlock cycle labelled.
void DrawResources(const PanelContext& ctx);
/// The process tree, as `osgrid ps --tree` shows it.
void DrawProcessTree(const PanelContext& ctx);
/// The event log: type filters, search, one line per entry (ImGuiListClipper).
void DrawEventLog(const PanelContext& ctx);

// ---- shared by the panels ------------------------------------------------------------

/// A clickable task label: selects it on click; outlined when selected. Returns true when clicked.
bool TaskChip(UiState& ui, const std::string& task_id, const std::string& text, ImU32 fill);

/// "RUN", "READY", "WAIT", "ZOMBIE": the word that goes with a state's colour.
const char* StateWord(os::events::TaskState state);
/// The colour of a task state (palette.h).
ImU32 StateColour(os::events::TaskState state);

}  // namespace osgrid::viz::ui
