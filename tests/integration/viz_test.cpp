// osgrid-viz attached to a live cluster (viz/ui/tests has the replays): the
// viewer subscribes, draws, saves a frame with --screenshot --after S, and
// osgrid-viz-check reads the layout JSON written beside it: every panel
// present and not blank, the cluster's peers shown, and the tasks running
// at that moment listed on their peer and in the Gantt chart. A viewer that
// saves a frame every 0.5 s (--screenshot-every) watches its tracker die and
// a new one start on the same port. Hidden from the usual discovery
// ([.viz]): tests/CMakeLists.txt runs these only when osgrid-viz was built,
// under the shared Xvfb of the viz_xvfb fixture.
#include <signal.h>

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <set>
#include <thread>

#include "osgrid/net/messages.h"
#include "osgrid/os/events/events.h"
#include "support.h"

using namespace osgrid;
using namespace osgrid::test;
using os::events::Event;

namespace {

constexpr const char* kPanels = "controls,topology,gantt,peers,memory,resources,tree,log";

/// The shared X display (viz/ui/tests/xvfb.sh), or "none".
std::string Display() {
  const char* state = std::getenv("OSGRID_VIZ_STATE");
  REQUIRE(state != nullptr);
  std::ifstream in(std::string(state) + "/display");
  std::string display;
  std::getline(in, display);
  return display.empty() ? "none" : display;
}

/// Runs osgrid-viz with `args` on `display`, with Mesa's software GL.
CommandResult RunViewer(const std::string& display, const std::vector<std::string>& args) {
  return RunProgram(BinPath("osgrid-viz"), args, {"DISPLAY=" + display, "LIBGL_ALWAYS_SOFTWARE=1"}, {}, 90);
}

/// Starts osgrid-viz on `display` attached to the tracker at `where`, saving
/// a frame every 0.5 s to `png` (its layout beside it), its stderr in `log`;
/// the destructor stops it.
std::unique_ptr<PeerProcess> StartViewer(const std::string& display, const std::string& where, const std::string& png,
                                         const std::string& log) {
  return std::make_unique<PeerProcess>(
      std::vector<std::string>{BinPath("osgrid-viz"), "--tracker", where, "--screenshot", png, "--screenshot-every",
                               "0.5", "--fps", "20"},
      log, std::vector<std::string>{"DISPLAY=" + display, "LIBGL_ALWAYS_SOFTWARE=1"});
}

/// The labels of `kind` that `layout` (capture.h) lists for its panel `panel`.
std::set<std::string> Labels(const Json& layout, const std::string& panel, const std::string& kind) {
  for (const Json& record : layout.value("panels", Json::array())) {
    if (record.value("name", "") == panel)
      return record.value("labels", Json::object()).value(kind, std::set<std::string>{});
  }
  return {};
}

/// Waits until the layout the viewer keeps saving at `path` satisfies
/// `done`, and returns it. Fails the test, naming `what` and quoting the
/// last layout and the viewer's stderr, after `timeout_s`.
Json AwaitLayout(const std::string& path, const PeerProcess& viewer, const std::function<bool(const Json&)>& done,
                 const std::string& what, double timeout_s = 30) {
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(static_cast<long>(timeout_s * 1000));
  Json layout;
  while (std::chrono::steady_clock::now() < deadline) {
    std::ifstream in(path);  // each save replaces the file whole
    layout = in ? Json::parse(in, nullptr, false) : Json();
    if (layout.is_object() && done(layout)) return layout;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  FAIL("the viewer's layout never showed " << what << " within " << timeout_s << " s; the last:\n"
                                           << layout.dump(1) << "\nits stderr:\n"
                                           << viewer.Log());
  return layout;
}

/// How many times `text` holds `what`.
int Count(const std::string& text, const std::string& what) {
  int count = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++count;
  return count;
}

/// Whether the layout says connected to `where`, with peer `peer` on the topology ring.
bool ConnectedWith(const Json& layout, const std::string& where, const std::string& peer) {
  return layout.value("link", "") == "connected to " + where && Labels(layout, "topology", "peers").count(peer) > 0;
}

}  // namespace

TEST_CASE("viz: attached to a live cluster, the viewer shows its peers and the tasks running now", "[.viz]") {
  const std::string display = Display();
  if (display == "none") {
    WARN("skipped: no X display (install xvfb)");
    return;
  }
  auto cluster = StartCluster(2);
  const std::uint16_t tracker_port = cluster->tracker_port();
  auto watcher = Watch(tracker_port, {"task"});

  // Three tasks that sleep 10 s, submitted to peer-1 (2 cores): two run there.
  auto peer = Connect(PortOf(*cluster, "peer-1"));
  for (int id = 1; id <= 3; ++id) {
    Json task = net::TaskFields("import time\ndef nap():\n    time.sleep(10)\n    return 1\n", "nap", Json::array());
    task["type"] = "CPU_TASK";
    task["id"] = id;
    REQUIRE(peer->SendJson(task).ok());
  }
  std::set<std::string> running;
  while (running.size() < 2) {
    const Event event = AwaitEvent(
        watcher, [](const Event& e) { return std::holds_alternative<os::events::TaskRunning>(e.body); },
        "two tasks' task.running");
    running.insert(std::get<os::events::TaskRunning>(event.body).task_id);
  }

  const std::string png = cluster->run_dir() + "/live.png";
  const std::string layout = cluster->run_dir() + "/live.layout.json";
  CommandResult viewer = RunViewer(
      display, {"--tracker", "127.0.0.1:" + std::to_string(tracker_port), "--screenshot", png, "--after", "2"});
  INFO("viewer stderr: " << viewer.err);
  REQUIRE(viewer.exit_code == 0);

  std::vector<std::string> check{layout, "--png", png, "--panels", kPanels};
  for (const char* expect : {"topology:peers:peer-1", "topology:peers:peer-2", "peers:peers:peer-1",
                             "gantt:peers:peer-1", "controls:status:LIVE *"}) {
    check.insert(check.end(), {"--expect", expect});
  }
  for (const std::string& task_id : running) {
    check.insert(check.end(), {"--expect", "peers:tasks:" + task_id, "--expect", "gantt:tasks:" + task_id, "--expect",
                               "tree:tasks:" + task_id});
  }
  CommandResult checked = RunProgram(BinPath("osgrid-viz-check"), check, {}, {}, 30);
  INFO("osgrid-viz-check:\n" << checked.out << checked.err);
  CHECK(checked.exit_code == 0);
}

TEST_CASE("viz: with no tracker to reach, the viewer says so in the window and on stderr, and keeps trying", "[.viz]") {
  const std::string display = Display();
  if (display == "none") {
    WARN("skipped: no X display (install xvfb)");
    return;
  }
  test::TempDir dir;
  const std::string png = dir.path + "/nolink.png";
  CommandResult viewer = RunViewer(display, {"--tracker", "127.0.0.1:1", "--screenshot", png, "--after", "2.5"});
  INFO("viewer stderr: " << viewer.err);
  REQUIRE(viewer.exit_code == 0);
  CHECK(viewer.err.find("cannot reach the tracker at 127.0.0.1:1") != std::string::npos);
  std::ifstream in(dir.path + "/nolink.layout.json");
  const Json layout = Json::parse(in, nullptr, false);
  REQUIRE(layout.is_object());
  const std::string link = layout.value("link", "");
  CHECK(link.rfind("DISCONNECTED (retrying in", 0) == 0);
  CHECK(link.find("cannot reach the tracker at 127.0.0.1:1") != std::string::npos);
}

TEST_CASE("viz: when the tracker dies the live viewer says so and retries, and it follows the tracker's restart",
          "[.viz]") {
  const std::string display = Display();
  if (display == "none") {
    WARN("skipped: no X display (install xvfb)");
    return;
  }
  TempDir dir;
  const std::uint16_t tracker_port = FreePort(), first_port = FreePort(), second_port = FreePort();
  const std::string where = "127.0.0.1:" + std::to_string(tracker_port);
  auto tracker = StartTracker(tracker_port, dir.path + "/tracker-1.log", {"--sync-grace", "0"});
  auto first = StartPeer("first", first_port, tracker_port, dir);
  const std::string png = dir.path + "/live.png", layout = dir.path + "/live.layout.json";
  auto viewer = StartViewer(display, where, png, dir.path + "/viewer.log");
  AwaitLayout(
      layout, *viewer, [&](const Json& shown) { return ConnectedWith(shown, where, "first"); },
      "the first run's peer, connected");

  // kill -9: the window says DISCONNECTED, why, and that it retries. After
  // three failed attempts (the lost connection, then two refused connects)
  // stderr has said each reason once.
  REQUIRE(kill(tracker->pid(), SIGKILL) == 0);
  tracker.reset();
  const Json down = AwaitLayout(
      layout, *viewer, [](const Json& shown) { return shown.value("link_attempts", 0) >= 3; },
      "three failed attempts to reach the tracker");
  const std::string link = down.value("link", "");
  CHECK(link.rfind("DISCONNECTED (retrying in ", 0) == 0);
  CHECK_THAT(link, Catch::Contains("cannot reach the tracker at " + where));
  CHECK(Labels(down, "controls", "status").count("LIVE tracker " + where + ": DISCONNECTED") == 1);
  CHECK(Labels(down, "controls", "status").count(link) == 1);
  const std::string said = viewer->Log();
  INFO("the viewer's stderr:\n" << said);
  CHECK(Count(said, "osgrid-viz: lost the tracker at " + where) == 1);
  CHECK(Count(said, "osgrid-viz: cannot reach the tracker at " + where) == 1);

  // A new run on the same port, and a peer only it knows: the same viewer
  // subscribes again by itself and shows that peer.
  tracker = StartTracker(tracker_port, dir.path + "/tracker-2.log", {"--sync-grace", "0"});
  auto second = StartPeer("second", second_port, tracker_port, dir);
  const Json up = AwaitLayout(
      layout, *viewer, [&](const Json& shown) { return ConnectedWith(shown, where, "second"); },
      "the second run's peer, connected again");
  CHECK(up.value("link_attempts", -1) == 0);
  CHECK(Count(viewer->Log(), "osgrid-viz: subscribed to the tracker at " + where) == 2);
  CHECK(Labels(up, "controls", "status").count("LIVE tracker " + where + ": connected to " + where) == 1);
}
