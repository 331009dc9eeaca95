// Screenshots and the layout JSON (capture.h).
#include "capture.h"

#include <ctime>
#include <filesystem>
#include <fstream>
#include <vector>

#include <GLFW/glfw3.h>
#include <stb_image_write.h>

#include "osgrid/net/json.h"

namespace osgrid::viz::ui {

namespace {

/// The name a file is written under before it replaces `path`.
std::string PartPath(const std::string& path) { return path + ".part"; }

/// Renames PartPath(path) over `path` (atomic within a file system). Errors: IO naming the path.
Status ReplaceWithPart(const std::string& path) {
  std::error_code error;
  std::filesystem::rename(PartPath(path), path, error);
  if (error) return Status(Code::kIo, path + ": cannot replace it: " + error.message());
  return Status();
}

}  // namespace

PanelRecord& LayoutRecorder::Panel(const std::string& name, const std::string& title, float x, float y, float width,
                                   float height, bool visible) {
  for (PanelRecord& panel : panels_) {
    if (panel.name == name) return panel;
  }
  panels_.push_back(PanelRecord{name, title, x, y, width, height, visible, {}});
  return panels_.back();
}

Status WriteLayoutJson(const std::string& path, const LayoutRecorder& layout, const FrameFacts& facts) {
  Json panels = Json::array();
  for (const PanelRecord& panel : layout.panels()) {
    Json labels = Json::object();
    for (const auto& [kind, shown] : panel.labels)
      labels[kind] = Json(std::vector<std::string>(shown.begin(), shown.end()));
    panels.push_back({{"name", panel.name},
                      {"title", panel.title},
                      {"rect", {panel.x, panel.y, panel.width, panel.height}},
                      {"visible", panel.visible},
                      {"labels", labels}});
  }
  Json root = {{"format", "osgrid-viz-layout"},
               {"version", 1},
               {"width", facts.width},
               {"height", facts.height},
               {"source", facts.source},
               {"time_unit", facts.time_unit},
               {"cursor_t", facts.cursor_t},
               {"link", facts.link},
               {"link_attempts", facts.link_attempts},
               {"panels", panels}};
  std::ofstream out(PartPath(path));
  out << root.dump(1, ' ', false, Json::error_handler_t::replace) << "\n";
  out.close();
  if (!out) return Status(Code::kIo, path + ": cannot write the layout");
  return ReplaceWithPart(path);
}

Status WriteBackBufferPng(const std::string& path, int width, int height) {
  if (width <= 0 || height <= 0) return Status(Code::kIo, path + ": the window has no pixels to save");
  std::vector<unsigned char> pixels(static_cast<std::size_t>(width) * height * 3);
  glPixelStorei(GL_PACK_ALIGNMENT, 1);
  glReadBuffer(GL_BACK);
  glReadPixels(0, 0, width, height, GL_RGB, GL_UNSIGNED_BYTE, pixels.data());
  stbi_flip_vertically_on_write(1);  // GL's rows go bottom-up
  if (stbi_write_png(PartPath(path).c_str(), width, height, 3, pixels.data(), width * 3) == 0) {
    return Status(Code::kIo, path + ": cannot write the PNG");
  }
  return ReplaceWithPart(path);
}

std::string LayoutPathFor(const std::string& png_path) {
  const std::string suffix = ".png";
  if (png_path.size() > suffix.size() &&
      png_path.compare(png_path.size() - suffix.size(), suffix.size(), suffix) == 0) {
    return png_path.substr(0, png_path.size() - suffix.size()) + ".layout.json";
  }
  return png_path + ".layout.json";
}

std::string TimestampedPngName() {
  std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  char name[64];
  std::strftime(name, sizeof name, "osgrid-viz-%Y%m%d-%H%M%S.png", &local);
  return name;
}

}  // namespace osgrid::viz::ui
