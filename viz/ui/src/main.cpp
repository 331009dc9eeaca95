// osgrid-viz: the cluster monitor and trace replayer (docs/viz.md).
//
//   osgrid-viz --tracker HOST:PORT [--secret-file F | --observer-secret-file F]   live
//   osgrid-viz FILE.trace                                                         replay
//   ... --screenshot OUT.png (--at T | --after S)                                 save one frame, exit
//   ... --screenshot OUT.png --screenshot-every S                                 save a frame every S s
//
// main() in three acts, as Dear ImGui's own example: 1. flags and the model,
// 2. the window, ImGui and the loop, 3. cleanup in reverse. The loop draws
// only when something changed (input, events, the replay clock, a forward
// in flight, once a second for the "last event" age), never faster than
// --fps, and no faster than --event-fps when only a live cluster's events
// changed the picture (a busy cluster would otherwise keep it at --fps and
// cost a core for no one's benefit); between frames it waits in
// glfwWaitEventsTimeout, which the network thread wakes with glfwPostEmptyEvent.
#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>

#include <GLFW/glfw3.h>
#include <imgui.h>
#include <imgui_impl_glfw.h>
#include <imgui_impl_opengl3.h>
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include "app.h"
#include "bench_stats.h"
#include "capture.h"
#include "live_feed.h"
#include "osgrid/net/auth.h"
#include "osgrid/net/client.h"
#include "osgrid/viz/load_trace.h"

namespace ui = osgrid::viz::ui;
using Clock = std::chrono::steady_clock;

namespace {

constexpr const char* kFontFile = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";
constexpr int kWarmUpFrames = 3;  // frames drawn before a screenshot (llvmpipe, and ImGui's own layout pass)

struct Flags {
  std::string trace;
  std::string tracker;
  std::string secret_file, observer_secret_file, tls_ca;
  float font_px = 16;
  double fps = 60;
  double event_fps = 30;
  int width = 1280, height = 720;
  std::string screenshot;
  std::string at;  // a trace time, or an event: "deadlock.found" (the first), "mem.failed#2" (the second)
  std::optional<double> after;
  std::optional<double> screenshot_every;  // seconds between saves; unset: one save, then exit
  std::string bench_stats;                 // osgrid-viz-bench: where to write the frame and delay counters
  double bench_t_origin_ms = 0;
  bool verbose = false;
};

/// Set by the GLFW callbacks that ImGui chains to: the user did something.
std::atomic<bool> g_input{false};

void NoteInput(GLFWwindow*) { g_input = true; }

void InstallInputNotes(GLFWwindow* window) {
  glfwSetCursorPosCallback(window, [](GLFWwindow* w, double, double) { NoteInput(w); });
  glfwSetMouseButtonCallback(window, [](GLFWwindow* w, int, int, int) { NoteInput(w); });
  glfwSetScrollCallback(window, [](GLFWwindow* w, double, double) { NoteInput(w); });
  glfwSetKeyCallback(window, [](GLFWwindow* w, int, int, int, int) { NoteInput(w); });
  glfwSetCharCallback(window, [](GLFWwindow* w, unsigned int) { NoteInput(w); });
  glfwSetWindowSizeCallback(window, [](GLFWwindow* w, int, int) { NoteInput(w); });
  glfwSetWindowRefreshCallback(window, NoteInput);
}

/// The fonts at `px` pixels (DejaVu Sans when installed, else ImGui's own),
/// with the style's sizes scaled to match. Call outside a frame.
void LoadFonts(float px, const ImGuiStyle& base_style, bool rebuild_texture) {
  ImGuiIO& io = ImGui::GetIO();
  io.Fonts->Clear();
  if (std::FILE* file = std::fopen(kFontFile, "rb")) {
    std::fclose(file);
    // Latin, arrows, the tree's box-drawing lines, and the legends' triangles and squares.
    static const ImWchar kRanges[] = {0x0020, 0x00FF, 0x2190, 0x21FF, 0x2500, 0x257F, 0x25A0, 0x25FF, 0};
    io.Fonts->AddFontFromFileTTF(kFontFile, px, nullptr, kRanges);
  } else {
    ImFontConfig config;
    config.SizePixels = px;
    io.Fonts->AddFontDefault(&config);
  }
  ImGui::GetStyle() = base_style;
  ImGui::GetStyle().ScaleAllSizes(px / 16.0f);
  if (rebuild_texture) {
    ImGui_ImplOpenGL3_DestroyFontsTexture();
    ImGui_ImplOpenGL3_CreateFontsTexture();
  }
}

/// The light style, which reads best on a projector in a lit room.
ImGuiStyle BaseStyle() {
  ImGuiStyle style;
  ImGui::StyleColorsLight(&style);
  style.WindowRounding = 0;
  style.WindowBorderSize = 1;
  style.Colors[ImGuiCol_TitleBg] = ImVec4(0.86f, 0.89f, 0.93f, 1);
  style.Colors[ImGuiCol_TitleBgActive] = ImVec4(0.80f, 0.86f, 0.93f, 1);
  return style;
}

/// Parses the flags; returns an exit status when the program should stop now.
std::optional<int> ParseFlags(int argc, char** argv, Flags& flags) {
  CLI::App cli{"osgrid-viz: watch a live osgrid cluster, or replay a trace (docs/viz.md)", "osgrid-viz"};
  cli.add_option("trace", flags.trace, "A trace file to replay (osgrid run --record, osgrid sim --trace)");
  cli.add_option("--tracker", flags.tracker, "Attach live to the tracker at HOST:PORT");
  cli.add_option("--secret-file", flags.secret_file, "Cluster secret file (wins over env OSGRID_SECRET)");
  cli.add_option("--observer-secret-file", flags.observer_secret_file,
                 "Observer secret file (wins over env OSGRID_OBSERVER_SECRET): watch only");
  cli.add_option("--tls-ca", flags.tls_ca, "CA certificate (PEM) of a TLS cluster");
  cli.add_option("--font-size", flags.font_px, "Font size in pixels (Ctrl +/- at run time)")
      ->check(CLI::Range(8.0f, 64.0f));
  cli.add_option("--fps", flags.fps, "Frame-rate cap while you interact or a replay plays")
      ->check(CLI::Range(1.0, 240.0))
      ->capture_default_str();
  cli.add_option("--event-fps", flags.event_fps,
                 "Frame-rate cap when only new events from a live cluster call for a redraw")
      ->check(CLI::Range(1.0, 240.0))
      ->capture_default_str();
  cli.add_option("--width", flags.width, "Window width, pixels")->check(CLI::Range(320, 8192));
  cli.add_option("--height", flags.height, "Window height, pixels")->check(CLI::Range(240, 8192));
  cli.add_option("--screenshot", flags.screenshot,
                 "Save one frame to this PNG (and its layout to .layout.json beside it), then exit");
  auto* at = cli.add_option("--at", flags.at,
                            "Replay: start at this trace time, or just after an event: TYPE or TYPE#N (the "
                            "Nth event of that type), e.g. deadlock.found");
  auto* after = cli.add_option("--after", flags.after, "With --screenshot: seconds to wait before the (first) frame");
  auto* every = cli.add_option("--screenshot-every", flags.screenshot_every,
                               "With --screenshot: save a frame every S seconds instead of once, each replacing the "
                               "last, until the viewer is closed (for watching a live view change)")
                    ->check(CLI::PositiveNumber);
  cli.add_flag("-v,--verbose", flags.verbose, "Log more");
  cli.add_option("--bench-stats", flags.bench_stats,
                 "Write frame and event-delay counters to this JSON file about once a second (osgrid-viz-bench)")
      ->group("Benchmark");
  cli.add_option("--bench-t-origin", flags.bench_t_origin_ms,
                 "With --bench-stats: the monotonic clock's ms at which the tracker's t was 0")
      ->group("Benchmark");
  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    return cli.exit(error);
  }
  auto usage = [](const std::string& message) {
    std::fprintf(stderr, "osgrid-viz: %s (see osgrid-viz --help)\n", message.c_str());
    return 2;
  };
  if (flags.trace.empty() == flags.tracker.empty()) return usage("give either a trace file or --tracker HOST:PORT");
  if (after->count() && flags.screenshot.empty()) return usage("--after goes with --screenshot");
  if (every->count() && flags.screenshot.empty()) return usage("--screenshot-every goes with --screenshot");
  if (at->count() && !flags.tracker.empty()) return usage("--at is a trace time: it goes with a trace file");
  return std::nullopt;
}

/// The live options from the flags. Errors: the secrets' (a file that cannot be read).
osgrid::Result<ui::LiveOptions> LiveOptionsOf(const Flags& flags) {
  auto where = osgrid::net::ParseHostPort(flags.tracker);
  if (!where.ok()) return where.status();
  auto secret = osgrid::net::LoadSecret(flags.secret_file, osgrid::net::Access::kMember);
  if (!secret.ok()) return secret.status();
  auto observer = osgrid::net::LoadSecret(flags.observer_secret_file, osgrid::net::Access::kObserver);
  if (!observer.ok()) return observer.status();
  for (const auto* loaded : {&secret.value(), &observer.value()}) {
    if (!loaded->warning.empty()) spdlog::warn("osgrid-viz: {}", loaded->warning);
  }
  return ui::LiveOptions{where->first, where->second, {secret->secret, flags.tls_ca, observer->secret}};
}

/// When --screenshot saves a frame: --after seconds after the start (at
/// once without it); with --screenshot-every, again that many seconds after
/// each save, else the first save ends the viewer. A save falls due, then
/// comes kWarmUpFrames frames later (llvmpipe, and ImGui's own layout pass).
class ShotSchedule {
 public:
  ShotSchedule(const Flags& flags, Clock::time_point start)
      : enabled_(!flags.screenshot.empty()), every_(flags.screenshot_every), next_(start + Seconds(flags.after)) {}

  /// Whether a save is due: the loop then draws at its frame cap.
  bool Due(Clock::time_point now) const { return enabled_ && now >= next_; }
  /// Seconds until the next save falls due: 0 when due, a day when none will.
  double SecondsUntilDue(Clock::time_point now) const {
    if (!enabled_) return 86400;
    return std::max(0.0, std::chrono::duration<double>(next_ - now).count());
  }
  /// Notes a frame drawn at `now`; true when it is the one to save.
  bool FrameDrawn(Clock::time_point now) { return Due(now) && ++warm_frames_ > kWarmUpFrames; }
  /// Notes a save at `now`; true when the viewer should now exit.
  bool Saved(Clock::time_point now) {
    warm_frames_ = 0;
    if (!every_) return true;
    next_ = now + Seconds(every_);
    return false;
  }

 private:
  static Clock::duration Seconds(std::optional<double> seconds) {
    return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds.value_or(0)));
  }

  const bool enabled_;                 // --screenshot given
  const std::optional<double> every_;  // --screenshot-every, seconds
  Clock::time_point next_;             // when the next save falls due
  int warm_frames_ = 0;                // frames drawn since it fell due
};

/// Saves the back buffer and the layout (before the swap). Returns false on error (said on stderr).
bool SaveFrame(const ui::App& app, const std::string& path, int width, int height) {
  if (auto status = ui::WriteBackBufferPng(path, width, height); !status.ok()) {
    std::fprintf(stderr, "osgrid-viz: %s\n", status.message().c_str());
    return false;
  }
  if (auto status = ui::WriteLayoutJson(ui::LayoutPathFor(path), app.layout(), app.Facts(width, height));
      !status.ok()) {
    std::fprintf(stderr, "osgrid-viz: %s\n", status.message().c_str());
    return false;
  }
  spdlog::info("osgrid-viz: saved {} and {}", path, ui::LayoutPathFor(path));
  return true;
}

/// --at: a number is a trace time; anything else names an event, "TYPE" or
/// "TYPE#N", and the picture is put just after it. Errors: BAD_REQUEST when
/// the trace has no such event.
osgrid::Status SeekToFlag(ui::App& app, const std::string& at) {
  double t = 0;
  const auto [end, error] = std::from_chars(at.data(), at.data() + at.size(), t);
  if (error == std::errc() && end == at.data() + at.size()) {
    app.SeekTo(t);
    return osgrid::Status();
  }
  const std::size_t hash = at.find('#');
  const std::string type = at.substr(0, hash);
  const long wanted = hash == std::string::npos ? 1 : std::strtol(at.c_str() + hash + 1, nullptr, 10);
  long seen = 0;
  const osgrid::viz::Model& model = app.model();
  for (std::uint64_t index = model.begin_index(); index < model.end_index(); ++index) {
    if (model.entry(index).type() == type && ++seen == wanted) {
      app.SeekAfter(index);
      return osgrid::Status();
    }
  }
  return osgrid::Status::BadRequest("the trace has " + std::to_string(seen) + " '" + type + "' event(s); not a time " +
                                    "either: give a number (the trace's time) or TYPE or TYPE#N");
}

}  // namespace

int main(int argc, char** argv) {
  // 1. Flags, and what to show: a trace loaded whole, or a live feed.
  Flags flags;
  if (auto exit_status = ParseFlags(argc, argv, flags)) return *exit_status;
  spdlog::set_pattern("%v");
  spdlog::set_level(flags.verbose ? spdlog::level::debug : spdlog::level::warn);
  const bool shooting = !flags.screenshot.empty();

  osgrid::viz::Inbox inbox;
  std::optional<ui::LiveOptions> live;
  osgrid::viz::Model model;
  std::string load_error;
  if (!flags.tracker.empty()) {
    auto options = LiveOptionsOf(flags);
    if (!options.ok()) {
      std::fprintf(stderr, "osgrid-viz: %s\n", options.status().message().c_str());
      return 2;
    }
    live = *options;
  } else {
    auto loaded = osgrid::viz::LoadTrace(flags.trace);
    if (loaded.ok()) {
      model = std::move(*loaded);
    } else {
      load_error = loaded.status().message();
      std::fprintf(stderr, "osgrid-viz: %s\n", load_error.c_str());
      if (shooting) return 2;
    }
  }

  // 2. The window, ImGui, and the loop.
  glfwSetErrorCallback(
      [](int code, const char* what) { std::fprintf(stderr, "osgrid-viz: GLFW %d: %s\n", code, what); });
  if (!glfwInit()) {
    std::fprintf(stderr, "osgrid-viz: cannot open a window (is DISPLAY set? for tests: xvfb-run -a osgrid-viz ...)\n");
    return 1;
  }
  glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
  glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 3);
  glfwWindowHint(GLFW_OPENGL_PROFILE, GLFW_OPENGL_CORE_PROFILE);
  const std::string title = live ? "osgrid-viz: tracker " + flags.tracker : "osgrid-viz: " + flags.trace;
  GLFWwindow* window = glfwCreateWindow(flags.width, flags.height, title.c_str(), nullptr, nullptr);
  if (window == nullptr) {
    std::fprintf(stderr, "osgrid-viz: cannot create an OpenGL 3.3 window\n");
    glfwTerminate();
    return 1;
  }
  glfwMakeContextCurrent(window);
  glfwSwapInterval(0);  // the loop caps the rate itself

  IMGUI_CHECKVERSION();
  ImGui::CreateContext();
  ImGui::GetIO().IniFilename = nullptr;  // no saved layout: every run (and every test) starts the same
  InstallInputNotes(window);             // before the backend, which chains to these
  ImGui_ImplGlfw_InitForOpenGL(window, true);
  ImGui_ImplOpenGL3_Init("#version 330");
  const ImGuiStyle base_style = BaseStyle();
  float font_px = flags.font_px;
  LoadFonts(font_px, base_style, false);

  std::unique_ptr<ui::LiveFeed> feed;
  if (live) feed = std::make_unique<ui::LiveFeed>(*live, inbox, [] { glfwPostEmptyEvent(); });
  ui::App app(std::move(model), live ? &inbox : nullptr, feed.get(), font_px, load_error);
  app.ui().title = live ? "tracker " + flags.tracker : flags.trace;
  if (!flags.at.empty() && load_error.empty()) {
    if (auto status = SeekToFlag(app, flags.at); !status.ok()) {
      std::fprintf(stderr, "osgrid-viz: --at: %s\n", status.message().c_str());
      if (shooting) return 2;
    }
  }

  std::optional<ui::BenchStats> bench;
  if (!flags.bench_stats.empty()) bench.emplace(flags.bench_stats, flags.bench_t_origin_ms);
  std::uint64_t drawn_end = 0;  // entries before this index were drawn in an earlier frame

  ShotSchedule shots(flags, Clock::now());
  const double frame_interval = 1.0 / flags.fps;        // while the user interacts or a replay plays
  const double event_interval = 1.0 / flags.event_fps;  // when only new events call for a redraw
  // When the last frame was due: frames keep to a grid of the cap's interval
  // while the viewer keeps up, so the cap is the rate reached, not a bound
  // that wake-up delays keep it just under.
  Clock::time_point last_frame = Clock::now() - std::chrono::seconds(1);
  int frames_due = kWarmUpFrames;  // draw this many frames at the full rate (after input)
  bool settle = false;             // draw one more frame after a change: ImGui settles sizes a frame late
  bool save_requested = false;
  int exit_status = 0;
  while (!glfwWindowShouldClose(window)) {
    // Wait for input, events, or the next tick of something that moves.
    const bool interacting = app.Animating() || frames_due > 0 || shots.Due(Clock::now());
    const double interval = interacting ? frame_interval : event_interval;
    const bool moving = interacting || settle || app.Pending();
    const double since_frame = std::chrono::duration<double>(Clock::now() - last_frame).count();
    glfwWaitEventsTimeout(moving ? std::max(0.0, interval - since_frame)
                                 : std::min(0.5, shots.SecondsUntilDue(Clock::now())));
    if (g_input.exchange(false)) frames_due = std::max(frames_due, 3);
    const double dt = std::chrono::duration<double>(Clock::now() - last_frame).count();
    const bool shot_due = shots.Due(Clock::now());
    const bool full_rate = app.Animating() || frames_due > 0;
    const double cap = full_rate ? frame_interval : event_interval;
    if (!shot_due && dt < cap) continue;  // the caps
    const Clock::time_point frame_start = Clock::now();
    bool changed = app.Drain();
    changed |= app.Tick(std::min(dt, 0.25));
    if (!changed && !full_rate && !settle && !shot_due && dt < 1.0) continue;
    frames_due = std::max(0, frames_due - 1);
    settle = changed;
    const auto on_grid = last_frame + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(cap));
    last_frame = dt < 2 * cap ? on_grid : frame_start;

    // Ctrl +/- resizes the fonts (outside the frame: the atlas is rebuilt).
    const ImGuiIO& io = ImGui::GetIO();
    if (io.KeyCtrl && (ImGui::IsKeyPressed(GLFW_KEY_EQUAL) || ImGui::IsKeyPressed(GLFW_KEY_KP_ADD) ||
                       ImGui::IsKeyPressed(GLFW_KEY_MINUS) || ImGui::IsKeyPressed(GLFW_KEY_KP_SUBTRACT))) {
      const bool bigger = ImGui::IsKeyPressed(GLFW_KEY_EQUAL) || ImGui::IsKeyPressed(GLFW_KEY_KP_ADD);
      font_px = std::clamp(font_px + (bigger ? 2.0f : -2.0f), 8.0f, 64.0f);
      LoadFonts(font_px, base_style, true);
      app.ui().font_px = font_px;
    }

    ImGui_ImplOpenGL3_NewFrame();
    ImGui_ImplGlfw_NewFrame();
    ImGui::NewFrame();
    int width = 0, height = 0;
    glfwGetFramebufferSize(window, &width, &height);
    app.Frame(static_cast<float>(width), static_cast<float>(height));
    if (!io.WantTextInput && (ImGui::IsKeyPressed(GLFW_KEY_F12, false) || ImGui::IsKeyPressed(GLFW_KEY_P, false))) {
      save_requested = true;
    }
    ImGui::Render();
    glViewport(0, 0, width, height);
    glClearColor(0.94f, 0.94f, 0.94f, 1.0f);
    glClear(GL_COLOR_BUFFER_BIT);
    ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());

    // Screenshots read the back buffer before the swap.
    if (save_requested) {
      save_requested = false;
      const std::string name = ui::TimestampedPngName();
      if (SaveFrame(app, name, width, height)) std::fprintf(stderr, "osgrid-viz: saved %s\n", name.c_str());
    }
    if (shots.FrameDrawn(Clock::now())) {
      const bool saved = SaveFrame(app, flags.screenshot, width, height);
      if (!saved) exit_status = 1;
      if (!saved || shots.Saved(Clock::now())) glfwSetWindowShouldClose(window, GLFW_TRUE);
    }
    glfwSwapBuffers(window);
    if (bench) {
      bench->FrameShown(app.model(), drawn_end,
                        std::chrono::duration<double, std::milli>(Clock::now() - frame_start).count());
      drawn_end = app.model().end_index();
    }
  }
  if (bench) bench->Write(true);

  // 3. Cleanup, in reverse.
  feed.reset();
  ImGui_ImplOpenGL3_Shutdown();
  ImGui_ImplGlfw_Shutdown();
  ImGui::DestroyContext();
  glfwDestroyWindow(window);
  glfwTerminate();
  return exit_status;
}
