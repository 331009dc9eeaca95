// `osgrid ps` and client::Tasks against a real cluster: the tracker's
// TASK_LIST shows a task while it runs, on its peer, with its name, and
// forgets it once it has finished. Every wait is on an event.
#include <catch2/catch.hpp>

#include <chrono>

#include "osgrid/client/ops.h"
#include "osgrid/net/messages.h"
#include "osgrid/os/events/events.h"
#include "support.h"

using namespace osgrid;
using namespace osgrid::test;
using namespace std::chrono_literals;
using os::events::Event;

namespace {

/// The text of `osgrid ps` (with `extra` flags), which must succeed.
std::string PsText(std::uint16_t tracker, std::vector<std::string> extra = {}) {
  extra.insert(extra.begin(), "ps");
  CommandResult result = At(tracker, extra);
  INFO("stderr: " << result.err);
  CHECK(result.exit_code == 0);
  return result.out;
}

}  // namespace

TEST_CASE("ps: a running task is listed on its peer with its name, and is gone once it has finished",
          "[integration][ps][cli]") {
  auto cluster = StartCluster(2);
  const std::uint16_t tracker_port = cluster->tracker_port();
  auto watcher = Watch(tracker_port, {"task"});
  CHECK(PsText(tracker_port) == "no live tasks\n");

  // A task that sleeps, kept on peer-2 (confidential), its reply read later.
  auto peer = Connect(PortOf(*cluster, "peer-2"));
  Json task = net::TaskFields("import time\ndef main():\n    time.sleep(5)\n    return 1\n", "main", Json::array());
  task["type"] = "CPU_TASK";
  task["confidential"] = true;
  task["id"] = 1;
  REQUIRE(peer->SendJson(task).ok());
  const Event running = AwaitEvent(
      watcher, [](const Event& e) { return std::holds_alternative<os::events::TaskRunning>(e.body); },
      "the task's task.running");
  const std::string task_id = std::get<os::events::TaskRunning>(running.body).task_id;
  INFO("task " << task_id);

  // While it runs: the tracker has applied its task.running before publishing it.
  auto tracker = Connect(tracker_port);
  auto listed = client::Tasks(*tracker);
  INFO(listed.status().ToString());
  REQUIRE(listed.ok());
  CHECK(listed->value.seq >= running.seq);
  REQUIRE(listed->value.tasks.size() == 1);
  const net::TaskList::Entry& entry = listed->value.tasks[0];
  CHECK(entry.task_id == task_id);
  CHECK(entry.name == "main");
  CHECK(entry.peer == "peer-2");
  CHECK(entry.state == "running");
  CHECK_FALSE(entry.parent.has_value());
  CHECK(entry.submitted_t > 0);
  CHECK(entry.submitted_t <= running.t);

  Json json = JsonOut(At(tracker_port, {"ps", "--json"}));
  CHECK(json["type"] == "TASKS");
  REQUIRE(json["tasks"].size() == 1);
  CHECK(json["tasks"][0]["task_id"] == task_id);
  CHECK(json["tasks"][0]["name"] == "main");
  CHECK(json["tasks"][0]["peer"] == "peer-2");
  CHECK(json["tasks"][0]["state"] == "running");

  const std::string table = PsText(tracker_port);
  CHECK(table.rfind("ID", 0) == 0);
  CHECK(table.find(task_id + "  main  peer-2  running") != std::string::npos);
  CHECK(table.ends_with("\n1 task: 1 running, 0 ready, 0 waiting\n"));
  const std::string tree = PsText(tracker_port, {"--tree"});
  CHECK(tree.find(task_id + "  main  peer-2  running") != std::string::npos);
  CHECK(tree.find("PARENT") == std::string::npos);

  // Once it has finished, it is gone.
  auto reply = peer->ReadJson(60s);
  REQUIRE(reply.ok());
  CHECK(reply->value("result", Json()) == 1);
  AwaitEvent(
      watcher,
      [&](const Event& e) {
        auto* finished = std::get_if<os::events::TaskFinished>(&e.body);
        return finished != nullptr && finished->task_id == task_id;
      },
      "the task's task.finished");
  auto after = client::Tasks(*tracker);
  REQUIRE(after.ok());
  CHECK(after->value.tasks.empty());
  CHECK(PsText(tracker_port) == "no live tasks\n");
  CHECK(PsText(tracker_port, {"--tree"}) == "no live tasks\n");
  CHECK(JsonOut(At(tracker_port, {"ps", "--json"}))["tasks"].empty());

  // A peer has no TASK_LIST: the error says where to point --port.
  CommandResult at_peer = At(PortOf(*cluster, "peer-1"), {"ps"});
  CHECK(at_peer.exit_code == 1);
  CHECK(at_peer.err.find("UNKNOWN_TYPE") != std::string::npos);
  CHECK(at_peer.err.find("is a peer; point --port at the tracker") != std::string::npos);
}
