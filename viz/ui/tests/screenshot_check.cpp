// osgrid-viz-check: checks a screenshot of osgrid-viz by its layout JSON
// (capture.h), never pixel for pixel. A plain test driver: one line per
// check, exit status 0 when all pass, 1 when any fails, 2 for bad usage.
//
//   osgrid-viz-check LAYOUT.json [--png FILE.png] [--panels a,b,...] [--min-colours N]
//                    [--expect PANEL:KIND:LABEL]... [--no-overlap PANEL]...
//
// --panels   each must be present, visible, with a rectangle of some size;
//            with --png, the rectangle must hold at least --min-colours
//            distinct colours (default 4): a panel that drew nothing is one
//            or two flat colours
// --expect   the panel lists LABEL among its KIND labels ("gantt:tasks:peer-1/3");
//            a LABEL ending in '*' matches any label it begins
// --no-overlap  the panel's text labels (its "label_boxes": "X,Y,W,H TEXT",
//            pixels) lie inside its rectangle and no two overlap: readable
#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <stb_image.h>
#include <nlohmann/json.hpp>

using Json = nlohmann::json;

namespace {

struct Image {
  int width = 0, height = 0;
  std::vector<unsigned char> rgb;
};

int failures = 0;

void Report(bool ok, const std::string& what) {
  std::printf("%s %s\n", ok ? "ok  " : "FAIL", what.c_str());
  if (!ok) ++failures;
}

std::vector<std::string> Split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::stringstream stream(text);
  for (std::string part; std::getline(stream, part, separator);) parts.push_back(part);
  return parts;
}

const Json* FindPanel(const Json& layout, const std::string& name) {
  if (!layout.contains("panels") || !layout["panels"].is_array()) return nullptr;
  for (const Json& panel : layout["panels"]) {
    if (panel.value("name", "") == name) return &panel;
  }
  return nullptr;
}

std::size_t DistinctColours(const Image& image, const Json& rect) {
  const int x0 = std::max(0, rect[0].get<int>()), y0 = std::max(0, rect[1].get<int>());
  const int x1 = std::min(image.width, x0 + rect[2].get<int>()), y1 = std::min(image.height, y0 + rect[3].get<int>());
  std::set<unsigned> colours;
  for (int y = y0; y < y1; ++y) {
    for (int x = x0; x < x1; ++x) {
      const unsigned char* p = &image.rgb[(static_cast<std::size_t>(y) * image.width + x) * 3];
      colours.insert((p[0] << 16) | (p[1] << 8) | p[2]);
    }
  }
  return colours.size();
}

void CheckPanel(const Json& layout, const std::string& name, const Image* image, std::size_t min_colours) {
  const Json* panel = FindPanel(layout, name);
  if (panel == nullptr) return Report(false, "panel " + name + " is in the layout");
  const Json& rect = (*panel)["rect"];
  const bool sized = rect.size() == 4 && rect[2].get<double>() >= 20 && rect[3].get<double>() >= 20;
  Report(panel->value("visible", false) && sized, "panel " + name + " is visible with a rectangle " + rect.dump());
  if (image == nullptr || !sized) return;
  const std::size_t colours = DistinctColours(*image, rect);
  Report(colours >= min_colours, "panel " + name + " is not blank: " + std::to_string(colours) +
                                     " colours (want >= " + std::to_string(min_colours) + ")");
}

void CheckExpect(const Json& layout, const std::string& expect) {
  const std::size_t first = expect.find(':'), second = expect.find(':', first + 1);
  if (first == std::string::npos || second == std::string::npos)
    return Report(false, "--expect " + expect + " is PANEL:KIND:LABEL");
  const std::string name = expect.substr(0, first), kind = expect.substr(first + 1, second - first - 1);
  const std::string label = expect.substr(second + 1);
  const Json* panel = FindPanel(layout, name);
  bool found = false;
  if (panel != nullptr) {
    for (const Json& shown : (*panel)["labels"].value(kind, Json::array())) {
      const std::string text = shown.get<std::string>();
      found |=
          !label.empty() && label.back() == '*' ? text.rfind(label.substr(0, label.size() - 1), 0) == 0 : text == label;
    }
  }
  std::string shown = panel == nullptr ? "no such panel" : (*panel)["labels"].value(kind, Json::array()).dump();
  if (shown.size() > 300) shown = shown.substr(0, 300) + "...";
  Report(found, name + " shows " + kind + " '" + label + "' (it shows " + shown + ")");
}

/// A text label's box, from "X,Y,W,H TEXT".
struct Box {
  double x = 0, y = 0, width = 0, height = 0;
  std::string text;
};

std::vector<Box> LabelBoxes(const Json& panel) {
  std::vector<Box> boxes;
  for (const Json& shown : panel["labels"].value("label_boxes", Json::array())) {
    const std::string entry = shown.get<std::string>();
    Box box;
    const std::size_t space = entry.find(' ');
    std::vector<std::string> numbers = Split(entry.substr(0, space), ',');
    if (numbers.size() != 4) continue;
    box.x = std::stod(numbers[0]), box.y = std::stod(numbers[1]);
    box.width = std::stod(numbers[2]), box.height = std::stod(numbers[3]);
    box.text = space == std::string::npos ? "" : entry.substr(space + 1);
    boxes.push_back(box);
  }
  return boxes;
}

bool Overlap(const Box& a, const Box& b) {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

void CheckNoOverlap(const Json& layout, const std::string& name) {
  const Json* panel = FindPanel(layout, name);
  if (panel == nullptr) return Report(false, "panel " + name + " is in the layout");
  const std::vector<Box> boxes = LabelBoxes(*panel);
  Report(!boxes.empty(), "panel " + name + " lists its labels' boxes (" + std::to_string(boxes.size()) + ")");
  const Json& rect = (*panel)["rect"];
  const double left = rect[0].get<double>(), top = rect[1].get<double>();
  const double right = left + rect[2].get<double>(), bottom = top + rect[3].get<double>();
  for (const Box& box : boxes) {
    const bool inside =
        box.x >= left - 1 && box.y >= top - 1 && box.x + box.width <= right + 1 && box.y + box.height <= bottom + 1;
    if (!inside) Report(false, "panel " + name + ": label '" + box.text + "' lies inside the panel");
  }
  std::size_t overlaps = 0;
  for (std::size_t i = 0; i < boxes.size(); ++i) {
    for (std::size_t j = i + 1; j < boxes.size(); ++j) {
      if (!Overlap(boxes[i], boxes[j])) continue;
      ++overlaps;
      Report(false, "panel " + name + ": labels '" + boxes[i].text + "' and '" + boxes[j].text + "' do not overlap");
    }
  }
  if (overlaps == 0)
    Report(true, "panel " + name + ": no two of its " + std::to_string(boxes.size()) + " labels overlap");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr,
                 "usage: osgrid-viz-check LAYOUT.json [--png F] [--panels a,b] [--min-colours N] [--expect P:K:L]... "
                 "[--no-overlap P]...\n");
    return 2;
  }
  std::ifstream in(argv[1]);
  Json layout = Json::parse(in, nullptr, false);
  if (!in || layout.is_discarded()) {
    std::fprintf(stderr, "osgrid-viz-check: %s: not a layout JSON\n", argv[1]);
    return 1;
  }
  std::string png;
  std::vector<std::string> panels, expects, no_overlap;
  std::size_t min_colours = 4;
  for (int k = 2; k + 1 < argc; k += 2) {
    const std::string flag = argv[k], value = argv[k + 1];
    if (flag == "--png")
      png = value;
    else if (flag == "--panels")
      panels = Split(value, ',');
    else if (flag == "--min-colours")
      min_colours = std::stoul(value);
    else if (flag == "--expect")
      expects.push_back(value);
    else if (flag == "--no-overlap")
      no_overlap.push_back(value);
    else
      return std::fprintf(stderr, "osgrid-viz-check: unknown flag %s\n", flag.c_str()), 2;
  }
  Image image;
  if (!png.empty()) {
    int channels = 0;
    unsigned char* data = stbi_load(png.c_str(), &image.width, &image.height, &channels, 3);
    Report(data != nullptr, png + " is a PNG");
    if (data != nullptr) {
      image.rgb.assign(data, data + static_cast<std::size_t>(image.width) * image.height * 3);
      stbi_image_free(data);
      Report(image.width == layout.value("width", 0) && image.height == layout.value("height", 0),
             "the PNG is " + std::to_string(image.width) + "x" + std::to_string(image.height) + " as the layout says");
    }
  }
  for (const std::string& name : panels) CheckPanel(layout, name, image.rgb.empty() ? nullptr : &image, min_colours);
  for (const std::string& expect : expects) CheckExpect(layout, expect);
  for (const std::string& name : no_overlap) CheckNoOverlap(layout, name);
  std::printf("%d check(s) failed\n", failures);
  return failures == 0 ? 0 : 1;
}
