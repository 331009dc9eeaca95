// Cancelling tasks on a live cluster: queued, running, forwarded, finished
// and unknown ones (TASK_CANCEL, osgrid cancel).
#include <catch2/catch.hpp>

#include <thread>

#include "osgrid/net/requests.h"
#include "osgrid/os/events/events.h"
#include "support.h"

using namespace osgrid;
using namespace osgrid::test;
using namespace std::chrono_literals;

namespace {

const char* kSleep =
    "import time\n"
    "def main(s):\n"
    "    time.sleep(s)\n"
    "    return s\n";

Submitted Submit(std::uint16_t port, const std::string& name, double seconds, bool confidential = true) {
  net::CpuTaskRequest request{net::MakeTask(kSleep, "main", {seconds})};
  request.confidential = confidential;
  request.task.name = name;
  return SendTask(port, request);
}

/// The reply the submitter gets.
Json Answer(Submitted& submitted) {
  auto reply = submitted.client->ReadJson(30s);
  REQUIRE(reply.ok());
  return *reply;
}

/// The id of the task named `name` on the peer at `port`, once it is in
/// `list` ("running" or "ready") of its scheduling report.
std::string AwaitTask(std::uint16_t port, const std::string& name, const std::string& list) {
  auto client = Connect(port);
  std::string id;
  AwaitStatus(
      *client,
      [&](const Json& status) {
        for (const Json& task : status["scheduling"][list]) {
          if (task["name"] == name) id = task["task_id"];
        }
        return !id.empty();
      },
      name + " " + list);
  return id;
}

Json Cancel(std::uint16_t port, const std::string& task_id) {
  auto client = Connect(port);
  auto reply = client->Call({{"type", "TASK_CANCEL"}, {"task_id", task_id}}, 10s);
  REQUIRE(reply.ok());
  return *reply;
}

}  // namespace

TEST_CASE("cancelling a queued and a running task ends each with CANCELLED", "[integration][cancel]") {
  scenario::ClusterOptions options = TestClusterOptions(1, 1.5);
  options.cores = 1;
  auto cluster = StartCluster(options);
  auto watcher = Watch(cluster->tracker_port(), {"task.finished"});
  const std::uint16_t port = PortOf(*cluster, "peer-1");
  Submitted running = Submit(port, "running", 20);
  const std::string running_id = AwaitTask(port, "running", "running");
  Submitted queued = Submit(port, "queued", 1);
  const std::string queued_id = AwaitTask(port, "queued", "ready");

  Json cancelled = Cancel(port, queued_id);
  CHECK(cancelled["type"] == "CANCELLED");
  CHECK(cancelled["was"] == "ready");
  Json answer = Answer(queued);
  CHECK(answer["type"] == "ERROR");
  CHECK(answer["code"] == "CANCELLED");

  cancelled = Cancel(port, running_id);
  CHECK(cancelled["was"] == "running");
  answer = Answer(running);
  CHECK(answer["code"] == "CANCELLED");
  CHECK(answer["run_ms"].get<int>() < 15000);  // it did not sleep its 20 s

  for (const std::string& id : {queued_id, running_id}) {
    AwaitEvent(
        watcher,
        [&](const os::events::Event& e) {
          auto* finished = std::get_if<os::events::TaskFinished>(&e.body);
          return finished && finished->task_id == id && finished->outcome == os::events::Outcome::kCancelled;
        },
        "task.finished (cancelled) of " + id);
  }
}

TEST_CASE("osgrid cancel ends a forwarded task where it runs", "[integration][cancel]") {
  scenario::ClusterOptions options = TestClusterOptions(2, 1.5);
  options.cores = 1;
  auto cluster = StartCluster(options);
  auto watcher = Watch(cluster->tracker_port(), {"task.forwarded", "peer.load"});
  const std::uint16_t port1 = PortOf(*cluster, "peer-1");
  Submitted busy = Submit(port1, "busy", 20);  // peer-1's only core
  AwaitTask(port1, "busy", "running");
  AwaitLoad(
      watcher, "peer-1", [](const os::events::PeerLoad& load) { return load.running == 1; }, "1 running");

  Submitted forwarded = Submit(port1, "far", 20, /*confidential=*/false);
  auto event = AwaitEvent(
      watcher, [](const os::events::Event& e) { return std::holds_alternative<os::events::TaskForwarded>(e.body); },
      "task.forwarded");
  const auto& moved = std::get<os::events::TaskForwarded>(event.body);
  REQUIRE(moved.to == "peer-2");
  AwaitTask(PortOf(*cluster, "peer-2"), "far", "running");

  auto ran = RunOsgrid({"cancel", moved.task_id, "--port", std::to_string(cluster->tracker_port())});
  INFO(ran.out << ran.err);
  CHECK(ran.exit_code == 0);
  CHECK(ran.out.find("cancelled " + moved.task_id + " on peer-2 (it was running)") != std::string::npos);
  Json answer = Answer(forwarded);
  CHECK(answer["code"] == "CANCELLED");
  CHECK(answer["peer"] == "peer-2");

  // The first task is untouched; cancel it too, so the test ends at once.
  CHECK(Cancel(port1, AwaitTask(port1, "busy", "running"))["was"] == "running");
  CHECK(Answer(busy)["code"] == "CANCELLED");
}

TEST_CASE("cancelling a finished or unknown task says so and changes nothing", "[integration][cancel]") {
  auto cluster = StartCluster(1);
  const std::uint16_t port = PortOf(*cluster, "peer-1");
  Submitted done = Submit(port, "quick", 0.01);
  Json answer = Answer(done);
  REQUIRE(answer["type"] == "CPU_RESULT");
  const std::string id = answer["task_id"];

  auto client = Connect(port);
  auto finished = client->Call({{"type", "TASK_CANCEL"}, {"task_id", id}}, 10s);
  CHECK(finished.status().code() == Code::kNotFound);
  CHECK(finished.status().message() == "task " + id + " already finished (ok); nothing to cancel");

  auto unknown = client->Call({{"type", "TASK_CANCEL"}, {"task_id", "peer-1/999"}}, 10s);
  CHECK(unknown.status().code() == Code::kNotFound);
  CHECK(unknown.status().message() == "no task peer-1/999 on peer-1");

  auto ran = RunOsgrid({"cancel", "nobody/3", "--port", std::to_string(cluster->tracker_port())});
  CHECK(ran.exit_code == 1);
  CHECK(ran.err.find("names no live peer") != std::string::npos);
  // The peer still serves.
  CHECK(MustCall(*client, {{"type", "STATUS"}})["tasks_done"] == 1);
}
