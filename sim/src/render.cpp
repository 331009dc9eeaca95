// Timelines and SVG documents for `osgrid sim`; see render.h.
#include "render.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

namespace osgrid::sim {
namespace {

std::string FormatTime(double t) {
  char buffer[32];
  if (t == std::floor(t) && std::fabs(t) < 1e15) {
    std::snprintf(buffer, sizeof buffer, "%.0f", t);
  } else {
    std::snprintf(buffer, sizeof buffer, "%.2f", t);
  }
  return buffer;
}

std::string Num(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.1f", v);
  return buffer;
}

/// Adjacent segments with the same label become one; empty ones are dropped.
std::vector<GanttSegment> Merge(const std::vector<GanttSegment>& segments) {
  std::vector<GanttSegment> merged;
  for (const GanttSegment& s : segments) {
    if (s.end <= s.start) continue;
    if (!merged.empty() && merged.back().label == s.label && merged.back().end == s.start) {
      merged.back().end = s.end;
    } else {
      merged.push_back(s);
    }
  }
  return merged;
}

}  // namespace

std::string GanttText(const std::vector<GanttSegment>& segments, int width) {
  GanttTextBuilder builder(width);
  for (const GanttSegment& s : segments) builder.Add(s.label, s.start, s.end);
  return builder.Finish();
}

void GanttTextBuilder::Add(std::string_view label, double start, double end) {
  if (end <= start) return;
  if (open_ && current_.label == label && current_.end == start) {
    current_.end = end;  // adjacent bars with the same label are one
    return;
  }
  if (open_) {
    Close();
  } else if (drawable_.empty()) {
    origin_ = start;
  }
  current_.label.assign(label);
  current_.start = start;
  current_.end = end;
  open_ = true;
}

void GanttTextBuilder::Close() {
  const double label = static_cast<double>(std::max<std::size_t>(current_.label.size(), 1)) + 2;
  widest_ = std::max(widest_, label / (current_.end - current_.start));
  if (drawable_.size() <= static_cast<std::size_t>(width_ / 3 + 1)) drawable_.push_back(current_);
}

std::string GanttTextBuilder::Finish() {
  if (!open_) return "(empty timeline)\n";
  const double last_end = current_.end;
  Close();
  open_ = false;
  // Columns per time unit: the smallest scale that gives every bar room for
  // its label, capped so that short charts are not stretched; long
  // timelines shrink below one column per unit so that they fit.
  double scale = std::min(1.0, (width_ - 1) / std::max(last_end - origin_, 1.0));
  scale = std::min(std::max(scale, widest_), 8.0);
  std::string bars = "|", axis = FormatTime(origin_);
  bool cut = false;
  for (const GanttSegment& s : drawable_) {
    const int end_column = static_cast<int>(std::lround((s.end - origin_) * scale)) + 1;
    const int room = std::max(end_column - static_cast<int>(bars.size()),
                              static_cast<int>(std::max<std::size_t>(s.label.size(), 1)) + 2);
    if (static_cast<int>(bars.size()) + room > width_) {
      cut = true;
      break;
    }
    std::string cell = " " + (s.label.empty() ? std::string("-") : s.label);
    cell.resize(static_cast<std::size_t>(room - 1), ' ');
    bars += cell + "|";
    const std::string time = FormatTime(s.end);
    const std::size_t column = bars.size() - 1;
    if (axis.size() + 1 <= column)
      axis.resize(column, ' ');
    else
      axis += ' ';
    axis += time;
  }
  if (cut) bars += " ... (cut at t=" + FormatTime(last_end) + "; see --svg or --json)";
  return bars + "\n" + axis + "\n";
}

std::string_view Colour(std::size_t n) {
  // Okabe-Ito (colour-blind safe), then lighter variants.
  static constexpr std::string_view kPalette[] = {"#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2",
                                                  "#D55E00", "#CC79A7", "#999999", "#F5C97A", "#A6D7F2",
                                                  "#7FCFB9", "#F7F0A0", "#7FB2D8", "#EAAE80", "#E5BCD3"};
  return kPalette[n % std::size(kPalette)];
}

std::string GanttSvg(const std::vector<GanttSegment>& input, std::string_view title) {
  const std::vector<GanttSegment> segments = Merge(input);
  std::map<std::string, std::size_t> row_of;  // label -> row, in order of first appearance
  std::vector<std::string> rows;
  for (const GanttSegment& s : segments) {
    if (s.label.empty() || row_of.count(s.label)) continue;
    row_of[s.label] = rows.size();
    rows.push_back(s.label);
  }
  const double left = 80, top = 40, row_height = 28, plot_width = 720;
  const double start = segments.empty() ? 0 : segments.front().start;
  const double end = segments.empty() ? 1 : std::max(segments.back().end, start + 1);
  const double x_per_unit = plot_width / (end - start);
  const double height = top + row_height * static_cast<double>(std::max<std::size_t>(rows.size(), 1)) + 50;
  Svg svg(left + plot_width + 30, height);
  svg.Text(left, 22, title, 15, "start");
  for (std::size_t r = 0; r < rows.size(); ++r) {
    svg.Text(left - 8, top + row_height * static_cast<double>(r) + row_height * 0.65, rows[r], 12, "end");
  }
  for (const GanttSegment& s : segments) {
    if (s.label.empty()) continue;
    const std::size_t r = row_of[s.label];
    svg.Rect(left + (s.start - start) * x_per_unit, top + row_height * static_cast<double>(r) + 4,
             (s.end - s.start) * x_per_unit, row_height - 8, Colour(r), "#333",
             s.label + ": " + FormatTime(s.start) + "-" + FormatTime(s.end));
  }
  const double axis_y = top + row_height * static_cast<double>(std::max<std::size_t>(rows.size(), 1)) + 6;
  svg.Line(left, axis_y, left + plot_width, axis_y);
  // Ticks at every segment boundary when there are few, else ten even ones.
  std::vector<double> ticks;
  if (segments.size() <= 24) {
    ticks.push_back(start);
    for (const GanttSegment& s : segments) ticks.push_back(s.end);
  } else {
    for (int i = 0; i <= 10; ++i) ticks.push_back(start + (end - start) * i / 10.0);
  }
  for (double t : ticks) {
    const double x = left + (t - start) * x_per_unit;
    svg.Line(x, axis_y, x, axis_y + 5);
    svg.Text(x, axis_y + 18, FormatTime(t), 11, "middle");
  }
  return svg.Finish();
}

std::string XmlEscape(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

Svg::Svg(double width, double height) : width_(width), height_(height) {}

void Svg::Rect(double x, double y, double w, double h, std::string_view fill, std::string_view stroke,
               std::string_view tooltip) {
  body_ += "<rect x=\"" + Num(x) + "\" y=\"" + Num(y) + "\" width=\"" + Num(w) + "\" height=\"" + Num(h) +
           "\" fill=\"" + std::string(fill) + "\" stroke=\"" + std::string(stroke) + "\"";
  if (tooltip.empty()) {
    body_ += "/>\n";
  } else {
    body_ += "><title>" + XmlEscape(tooltip) + "</title></rect>\n";
  }
}

void Svg::Text(double x, double y, std::string_view text, double size, std::string_view anchor, std::string_view fill) {
  body_ += "<text x=\"" + Num(x) + "\" y=\"" + Num(y) + "\" font-size=\"" + Num(size) + "\" text-anchor=\"" +
           std::string(anchor) + "\" fill=\"" + std::string(fill) + "\">" + XmlEscape(text) + "</text>\n";
}

void Svg::Line(double x1, double y1, double x2, double y2, std::string_view stroke, double width) {
  body_ += "<line x1=\"" + Num(x1) + "\" y1=\"" + Num(y1) + "\" x2=\"" + Num(x2) + "\" y2=\"" + Num(y2) +
           "\" stroke=\"" + std::string(stroke) + "\" stroke-width=\"" + Num(width) + "\"/>\n";
}

void Svg::Arrow(double x1, double y1, double x2, double y2, std::string_view stroke) {
  uses_arrows_ = true;
  body_ += "<line x1=\"" + Num(x1) + "\" y1=\"" + Num(y1) + "\" x2=\"" + Num(x2) + "\" y2=\"" + Num(y2) +
           "\" stroke=\"" + std::string(stroke) + "\" stroke-width=\"1.5\" marker-end=\"url(#arrow)\"/>\n";
}

void Svg::Circle(double cx, double cy, double r, std::string_view fill, std::string_view stroke) {
  body_ += "<circle cx=\"" + Num(cx) + "\" cy=\"" + Num(cy) + "\" r=\"" + Num(r) + "\" fill=\"" + std::string(fill) +
           "\" stroke=\"" + std::string(stroke) + "\"/>\n";
}

std::string Svg::Finish() const {
  std::string doc = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + Num(width_) + "\" height=\"" + Num(height_) +
                    "\" viewBox=\"0 0 " + Num(width_) + " " + Num(height_) +
                    "\" font-family=\"sans-serif\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  if (uses_arrows_) {
    doc +=
        "<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" "
        "markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M 0 0 L 10 5 L 0 10 z\" fill=\"#333\"/>"
        "</marker></defs>\n";
  }
  return doc + body_ + "</svg>\n";
}

}  // namespace osgrid::sim
