// Small drawing helpers the panels share (ImDrawList on top of ImGui 1.86).
#pragma once

#include <string>
#include <string_view>

#include <imgui.h>

namespace osgrid::viz::ui {

/// `text` at `pos` if it fits in `max_width` px; else as much as fits, ending
/// in "..", or nothing when not even one character fits. Returns whether
/// anything was drawn.
bool DrawClippedText(ImDrawList* draw, ImVec2 pos, ImU32 colour, std::string_view text, float max_width);

/// `text` centred in the rectangle [min, max] when it fits (else clipped as
/// DrawClippedText, from the left edge).
void DrawCentredText(ImDrawList* draw, ImVec2 min, ImVec2 max, ImU32 colour, std::string_view text);

/// Diagonal hatching over [min, max]: the pattern that tells a hole, a
/// departed peer or a folded run of bars apart without colour.
void DrawHatch(ImDrawList* draw, ImVec2 min, ImVec2 max, ImU32 colour, float spacing = 6.0f);

/// An arrow from `from` to `to`, its head at `to`.
void DrawArrow(ImDrawList* draw, ImVec2 from, ImVec2 to, ImU32 colour, float thickness);

/// "1.5 s", "230 ms", "12 units": a duration in the source's time unit.
std::string FormatDuration(double amount, std::string_view time_unit);

/// "512 B", "3.0 KiB", "1.2 MiB".
std::string FormatBytes(double bytes);

/// A tooltip with `text` when the last item is hovered.
void TooltipOnHover(const std::string& text);

}  // namespace osgrid::viz::ui
