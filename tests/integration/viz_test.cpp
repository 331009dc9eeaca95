// osgrid-viz attached to a live cluster (viz/ui/tests has the replays): the
// viewer subscribes, draws, saves a frame with --screenshot --after S, and
// osgrid-viz-check reads the layout JSON written beside it: every panel
// present and not blank, the cluster's peers shown, and the tasks running
// at that moment listed on their peer and in the Gantt chart. Hidden from
// the usual discovery ([.viz]): tests/CMakeLists.txt runs these only when
// osgrid-viz was built, under the shared Xvfb of the viz_xvfb fixture.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <set>

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
