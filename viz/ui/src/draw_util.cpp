// The panels' shared drawing helpers, and the palette's functions.
#include "draw_util.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>

#include "palette.h"

namespace osgrid::viz::ui {

ImU32 TaskColour(std::string_view task_id) {
  static constexpr ImU32 kChoices[] = {kSkyBlue, kOrange, kBluishGreen, kYellow, kReddishPurple, Rgb(0x8FB8DE)};
  const std::size_t hash = std::hash<std::string_view>{}(task_id);
  return kChoices[hash % std::size(kChoices)];
}

ImU32 TextOn(ImU32 background) {
  const double red = background & 0xFF, green = (background >> 8) & 0xFF, blue = (background >> 16) & 0xFF;
  const double luminance = 0.299 * red + 0.587 * green + 0.114 * blue;
  return luminance > 140 ? kBlack : kWhite;
}

ImU32 LoadColour(double utilisation) {
  if (utilisation >= 0.999) return kVermillion;
  if (utilisation >= 0.5) return kOrange;
  if (utilisation > 0) return kYellow;
  return kSkyBlue;
}

bool DrawClippedText(ImDrawList* draw, ImVec2 pos, ImU32 colour, std::string_view text, float max_width) {
  if (text.empty() || max_width <= 0) return false;
  const char* begin = text.data();
  const char* end = text.data() + text.size();
  if (ImGui::CalcTextSize(begin, end).x <= max_width) {
    draw->AddText(pos, colour, begin, end);
    return true;
  }
  const float dots = ImGui::CalcTextSize("..").x;
  while (end > begin && ImGui::CalcTextSize(begin, end).x + dots > max_width) --end;
  if (end == begin) return false;
  std::string cut(begin, end);
  cut += "..";
  draw->AddText(pos, colour, cut.c_str());
  return true;
}

void DrawCentredText(ImDrawList* draw, ImVec2 min, ImVec2 max, ImU32 colour, std::string_view text) {
  const ImVec2 size = ImGui::CalcTextSize(text.data(), text.data() + text.size());
  const float width = max.x - min.x;
  const float y = min.y + std::max(0.0f, (max.y - min.y - size.y) / 2);
  if (size.x <= width) {
    draw->AddText(ImVec2(min.x + (width - size.x) / 2, y), colour, text.data(), text.data() + text.size());
  } else {
    DrawClippedText(draw, ImVec2(min.x + 1, y), colour, text, width - 2);
  }
}

void DrawHatch(ImDrawList* draw, ImVec2 min, ImVec2 max, ImU32 colour, float spacing) {
  draw->PushClipRect(min, max, true);
  const float height = max.y - min.y;
  for (float x = min.x - height; x < max.x; x += spacing) {
    draw->AddLine(ImVec2(x, max.y), ImVec2(x + height, min.y), colour, 1.0f);
  }
  draw->PopClipRect();
}

void DrawArrow(ImDrawList* draw, ImVec2 from, ImVec2 to, ImU32 colour, float thickness) {
  const float dx = to.x - from.x, dy = to.y - from.y;
  const float length = std::sqrt(dx * dx + dy * dy);
  if (length < 1) return;
  const float ux = dx / length, uy = dy / length;
  const float head = 6.0f + 2.0f * thickness;
  const ImVec2 base(to.x - ux * head, to.y - uy * head);
  draw->AddLine(from, base, colour, thickness);
  draw->AddTriangleFilled(to, ImVec2(base.x - uy * head * 0.5f, base.y + ux * head * 0.5f),
                          ImVec2(base.x + uy * head * 0.5f, base.y - ux * head * 0.5f), colour);
}

std::string FormatDuration(double amount, std::string_view time_unit) {
  char text[64];
  if (std::fabs(amount) < 1e-9) amount = 0;  // no "-0 ms"
  if (time_unit == "ms") {
    if (std::fabs(amount) >= 1000) {
      std::snprintf(text, sizeof text, "%.2f s", amount / 1000);
    } else {
      std::snprintf(text, sizeof text, "%.0f ms", amount);
    }
  } else {
    std::snprintf(text, sizeof text, "%g %.*s", amount, static_cast<int>(time_unit.size()), time_unit.data());
  }
  return text;
}

std::string FormatBytes(double bytes) {
  char text[32];
  if (bytes >= 1024.0 * 1024) {
    std::snprintf(text, sizeof text, "%.1f MiB", bytes / (1024.0 * 1024));
  } else if (bytes >= 1024) {
    std::snprintf(text, sizeof text, "%.1f KiB", bytes / 1024);
  } else {
    std::snprintf(text, sizeof text, "%.0f B", bytes);
  }
  return text;
}

void TooltipOnHover(const std::string& text) {
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", text.c_str());
}

}  // namespace osgrid::viz::ui
