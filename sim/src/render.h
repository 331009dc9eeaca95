// Private to sim/: pictures for `osgrid sim`, in the terminal and as SVG.
//
// GanttText / GanttSvg draw a timeline (CPU scheduling, MLFQ, disk head, the
// sync simulator's run order); Svg is the small document builder the topics
// use for their own pictures (memory maps, resource-allocation graphs,
// process trees). No layout engine: coordinates are in SVG user units (px).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace osgrid::sim {

/// One bar of a timeline: `label` ran from `start` to `end` (the topic's
/// time unit). An empty label draws idle time.
struct GanttSegment {
  std::string label;
  double start = 0;
  double end = 0;
};

/// The chart as text, Silberschatz style, at most `width` columns wide:
///   | A        | B   | C              |
///   0          10    15               30
/// Adjacent segments with the same label are merged. Very long timelines are
/// cut at `width`, ending with "..." and the time where the cut fell.
std::string GanttText(const std::vector<GanttSegment>& segments, int width = 78);

/// GanttText for a run too long to keep: takes the segments one at a time,
/// in time order, and keeps only what the chart needs (the first bars that
/// can fit in `width` columns, the scale, the last end), so its memory does
/// not grow with the run. Finish() gives what GanttText would give for the
/// same segments.
class GanttTextBuilder {
 public:
  explicit GanttTextBuilder(int width = 78) : width_(width) {}
  void Add(std::string_view label, double start, double end);
  std::string Finish();

 private:
  void Close();  // the open bar is complete: count it for the scale, keep it if it may be drawn

  int width_;
  bool open_ = false;
  GanttSegment current_;                // the last bar, still growing while the same label goes on
  std::vector<GanttSegment> drawable_;  // the first bars; each takes >= 3 columns, so width_ / 3 + 1 suffice
  double origin_ = 0;
  double widest_ = 0;  // the most columns per time unit any bar's label asks for
};

/// The same chart as an SVG document: one row per label (in order of first
/// appearance) with a time axis, titled `title`.
std::string GanttSvg(const std::vector<GanttSegment>& segments, std::string_view title);

/// A fill colour for the n-th thing (process, block, ...): a fixed palette
/// that projects well and stays readable in greyscale.
std::string_view Colour(std::size_t n);

/// An SVG document built element by element. Text is XML-escaped.
class Svg {
 public:
  Svg(double width, double height);
  void Rect(double x, double y, double w, double h, std::string_view fill, std::string_view stroke = "#333",
            std::string_view tooltip = {});
  /// anchor: "start", "middle" or "end".
  void Text(double x, double y, std::string_view text, double size = 12, std::string_view anchor = "start",
            std::string_view fill = "#111");
  void Line(double x1, double y1, double x2, double y2, std::string_view stroke = "#333", double width = 1);
  /// A line ending in an arrowhead at (x2, y2): graph edges.
  void Arrow(double x1, double y1, double x2, double y2, std::string_view stroke = "#333");
  void Circle(double cx, double cy, double r, std::string_view fill, std::string_view stroke = "#333");
  /// The whole document.
  std::string Finish() const;

 private:
  double width_, height_;
  bool uses_arrows_ = false;
  std::string body_;
};

/// `text` with &, <, > and " escaped for XML.
std::string XmlEscape(std::string_view text);

}  // namespace osgrid::sim
