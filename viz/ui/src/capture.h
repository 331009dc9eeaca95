// Screenshots: the frame as a PNG, and beside it the frame's layout as JSON,
// which is what the tests check (no pixel-exact golden images):
//
//   {"format":"osgrid-viz-layout","version":1,"width":1280,"height":720,
//    "source":"cluster","time_unit":"ms","cursor_t":1532.0,"link":"connected ...",
//    "link_attempts":0,"panels":[{"name":"gantt","title":"Gantt","rect":[x,y,w,h],"visible":true,
//               "labels":{"peers":["peer-1"],"tasks":["peer-1/3"]}}, ...]}
//
// rect is in pixels from the window's top-left corner, y down. The labels
// are what the panel shows in that frame, by kind: "peers", "tasks",
// "blocks" (arena keys), "resources" ("lock:fork-1"), and a few panel-own
// kinds ("status", "marks", and the topology's "label_boxes": each text
// label with its box, "X,Y,W,H TEXT", for the check that none overlap).
// "link" is the live connection as the window words it ("connected to ...",
// "DISCONNECTED (retrying in 0.5 s): why"), and "link_attempts" the attempts
// that failed since the last success ("" and 0 for a trace).
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "osgrid/net/status.h"

namespace osgrid::viz::ui {

/// One panel as drawn in a frame.
struct PanelRecord {
  std::string name;   // "topology", "peers", "gantt", "memory", "resources", "tree", "log", "controls"
  std::string title;  // its window title
  float x = 0, y = 0, width = 0, height = 0;            // pixels, from the top-left corner
  bool visible = true;                                  // false: in a tab not shown this frame
  std::map<std::string, std::set<std::string>> labels;  // kind -> labels shown

  /// Notes that the panel shows `label` of `kind` this frame.
  void Add(const std::string& kind, const std::string& label) { labels[kind].insert(label); }
};

/// The panels of one frame; the app starts it afresh each frame.
class LayoutRecorder {
 public:
  void Clear() { panels_.clear(); }
  /// The record of panel `name` (made on first use) with its rectangle.
  PanelRecord& Panel(const std::string& name, const std::string& title, float x, float y, float width, float height,
                     bool visible = true);
  const std::vector<PanelRecord>& panels() const { return panels_; }

 private:
  std::vector<PanelRecord> panels_;
};

/// The frame's facts besides the panels.
struct FrameFacts {
  int width = 0, height = 0;  // the framebuffer, pixels
  std::string source;         // "cluster" or "sim"
  std::string time_unit;
  double cursor_t = 0;
  std::string link;                 // live: the connection's state in words; "" for a trace
  std::uint64_t link_attempts = 0;  // live: failed attempts since the last success
};

/// Writes `layout` and `facts` as JSON (the shape at the top) to `path`,
/// whole: under a temporary name beside it, then renamed over it, so that a
/// reader never sees half a file. Errors: IO naming the path.
Status WriteLayoutJson(const std::string& path, const LayoutRecorder& layout, const FrameFacts& facts);

/// Reads the current GL framebuffer (the back buffer: call before swapping)
/// of `width` x `height` pixels and writes it to `path` as an RGB PNG,
/// whole, as WriteLayoutJson does. Errors: IO naming the path.
Status WriteBackBufferPng(const std::string& path, int width, int height);

/// "FILE.png" -> "FILE.layout.json" (any other name gets ".layout.json" added).
std::string LayoutPathFor(const std::string& png_path);

/// "osgrid-viz-20261206-053012.png": the name F12 saves to, in the current folder.
std::string TimestampedPngName();

}  // namespace osgrid::viz::ui
