// The viewer's colours: Okabe and Ito's palette ("Color Universal Design",
// 2002), which people with any common colour-vision deficiency can tell
// apart. A state is never told by colour alone: every coloured thing also
// carries a label, a mark or a pattern (docs/viz.md, "For a room").
#pragma once

#include <cstdint>
#include <string_view>

#include <imgui.h>

namespace osgrid::viz::ui {

/// An opaque colour from 0xRRGGBB, as ImGui's packed ABGR.
constexpr ImU32 Rgb(std::uint32_t rgb, std::uint8_t alpha = 255) {
  return (static_cast<ImU32>(alpha) << 24) | ((rgb & 0xFF) << 16) | (rgb & 0xFF00) | ((rgb >> 16) & 0xFF);
}

// Okabe-Ito.
inline constexpr ImU32 kBlack = Rgb(0x000000);
inline constexpr ImU32 kOrange = Rgb(0xE69F00);
inline constexpr ImU32 kSkyBlue = Rgb(0x56B4E9);
inline constexpr ImU32 kBluishGreen = Rgb(0x009E73);
inline constexpr ImU32 kYellow = Rgb(0xF0E442);
inline constexpr ImU32 kBlue = Rgb(0x0072B2);
inline constexpr ImU32 kVermillion = Rgb(0xD55E00);
inline constexpr ImU32 kReddishPurple = Rgb(0xCC79A7);
// Neutrals.
inline constexpr ImU32 kGrey = Rgb(0x9A9A9A);
inline constexpr ImU32 kLightGrey = Rgb(0xD8D8D8);
inline constexpr ImU32 kWhite = Rgb(0xFFFFFF);

// What each colour means, everywhere (each also has a label: see the panels).
inline constexpr ImU32 kRunning = kBluishGreen;   // a task on a CPU        ("RUN")
inline constexpr ImU32 kReady = kOrange;          // in a ready queue       ("READY")
inline constexpr ImU32 kWaiting = kSkyBlue;       // blocked                ("WAIT")
inline constexpr ImU32 kZombie = kReddishPurple;  // ended, not yet reaped  ("ZOMBIE")
inline constexpr ImU32 kAlarm = kVermillion;      // deadlock, failed request ("DEADLOCK", "FAILED")
inline constexpr ImU32 kSelected = kBlue;         // the task selected      (thick outline)
inline constexpr ImU32 kDead = kGrey;             // a departed peer        ("DEAD", "LEFT")

/// The fill of a task's Gantt bar: one of six palette colours, by its id, so
/// the same task keeps its colour across lanes and peers.
ImU32 TaskColour(std::string_view task_id);

/// Black or white, whichever reads better on `background`.
ImU32 TextOn(ImU32 background);

/// A peer's load colour for a utilisation in [0, 1] (sky blue idle, orange
/// busy, vermillion saturated); its label says the figure too.
ImU32 LoadColour(double utilisation);

}  // namespace osgrid::viz::ui
