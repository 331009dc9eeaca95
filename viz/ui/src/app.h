// One osgrid-viz window's worth of state and its frame: where each panel
// goes, the replay clock, the font size, and the hand-over from the
// network thread. main.cpp owns the window and the loop; App draws.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "capture.h"
#include "live_feed.h"
#include "osgrid/viz/inbox.h"
#include "osgrid/viz/model.h"
#include "panels.h"

namespace osgrid::viz::ui {

class App {
 public:
  /// A replay of `model` (loaded from a trace), or a live view when `feed`
  /// is given (the model then fills from `inbox`). `load_error`: a trace
  /// that failed to load, shown in the window instead of the panels.
  App(Model model, Inbox* inbox, LiveFeed* feed, float font_px, std::string load_error = "");

  /// Moves what the network thread pushed into the model (bounded work);
  /// returns true when anything arrived. UI thread.
  bool Drain();
  /// Advances the replay clock by `dt_s` seconds of wall time (when
  /// playing); returns true when the picture changed.
  bool Tick(double dt_s);
  /// Builds the frame's windows (between ImGui::NewFrame and ImGui::Render)
  /// for a window of `width` x `height` pixels, then carries out what the
  /// panels asked (seek, step, play).
  void Frame(float width, float height);
  /// Whether something moves on its own (playing, a forward in flight): the
  /// loop then draws at its frame cap instead of waiting for input.
  bool Animating() const;
  /// Whether the network thread handed over items not yet drained. Any time.
  bool Pending() const { return inbox_ != nullptr && inbox_->pending() > 0; }

  /// Replay: puts the cursor at trace time `t` and pauses.
  void SeekTo(double t);
  /// Puts the cursor just after the log entry `index` and pauses.
  void SeekAfter(std::uint64_t index);
  /// The layout of the last frame built.
  const LayoutRecorder& layout() const { return layout_; }
  /// The facts the layout JSON carries besides its panels.
  FrameFacts Facts(int width, int height) const;

  UiState& ui() { return ui_; }
  const Model& model() const { return model_; }

 private:
  void Apply(const ReplayRequest& request);
  /// The time the picture stands for: the cursor, or live the tracker's now.
  double NowT() const;
  void LayOut(float width, float height, ReplayRequest& request);
  void DrawLoadError(float width, float height);

  Model model_;
  Inbox* inbox_;
  LiveFeed* feed_;
  UiState ui_;
  LayoutRecorder layout_;
};

}  // namespace osgrid::viz::ui
