// The operations layer (client/ops.h) against a real cluster: each operation
// does its work, decodes what the node answered, and brings errors back as
// values.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "osgrid/client/ops.h"
#include "support.h"

using namespace osgrid;
using namespace osgrid::test;
using namespace std::chrono_literals;

namespace {

client::Target PeerTarget(const std::uint16_t port) {
  client::Target target;
  target.port = port;
  return target;
}

std::unique_ptr<net::Client> MustConnect(const client::Target& target) {
  auto connected = client::Connect(target);
  INFO(connected.status().ToString());
  REQUIRE(connected.ok());
  return std::move(connected).value();
}

}  // namespace

TEST_CASE("ops: a task and a batch run, placed by the tracker, and come back decoded", "[integration][ops]") {
  auto cluster = StartCluster(2);
  auto watcher = Watch(cluster->tracker_port(), {"task.finished"});
  auto peer = MustConnect(PeerTarget(PortOf(*cluster, "peer-1")));

  net::CpuTaskRequest square{net::MakeTask("def main(x):\n    print('squaring', x)\n    return x * x", "main", {7})};
  auto ran = client::Cpu(*peer, square);
  INFO(ran.status().ToString());
  REQUIRE(ran.ok());
  CHECK(ran->value.ok());
  CHECK(ran->value.result == 49);
  CHECK(ran->value.stdout_text == "squaring 7\n");
  CHECK(ran->value.submitted_to == "peer-1");
  CHECK((ran->value.peer == "peer-1" || ran->value.peer == "peer-2"));
  CHECK(ran->raw["type"] == "CPU_RESULT");
  // The task the tracker saw end is this one.
  os::events::Event finished = AwaitEvent(
      watcher, [](const os::events::Event& e) { return std::holds_alternative<os::events::TaskFinished>(e.body); },
      "the task's task.finished");
  CHECK(std::get<os::events::TaskFinished>(finished.body).task_id == ran->value.task_id);

  net::CpuBatchRequest batch;
  for (int i = 0; i < 6; ++i) batch.tasks.push_back(net::MakeTask("def main(x): return 1 // x", "main", {i}));
  auto batched = client::Batch(*peer, batch);
  REQUIRE(batched.ok());
  REQUIRE(batched->value.results.size() == 6);
  CHECK(batched->value.failed() == 1);  // 1 // 0
  CHECK(batched->value.results[0].status.code() == Code::kTaskFailed);
  CHECK_THAT(batched->value.results[0].status.message(), Catch::Contains("ZeroDivisionError"));
  CHECK(batched->value.results[1].result == 1);
  int counted = 0;
  for (const auto& [name, tasks] : batched->value.peers) counted += tasks;
  CHECK(counted == 6);
}

TEST_CASE("ops: a failed, a refused and a tampered task are errors with their codes", "[integration][ops]") {
  auto cluster = StartCluster(1);
  auto peer = MustConnect(PeerTarget(PortOf(*cluster, "peer-1")));

  auto raised = client::Cpu(*peer, {net::MakeTask("def main(): raise ValueError('no')")});
  CHECK(raised.status().code() == Code::kTaskFailed);
  CHECK_THAT(raised.status().detail(), Catch::Contains("ValueError: no"));

  net::CpuTaskRequest late{net::MakeTask("import time\ndef main(): time.sleep(5)")};
  late.task.timeout_ms = 300;
  CHECK(client::Cpu(*peer, late).status().code() == Code::kTimeout);

  net::CpuTaskRequest tampered{net::MakeTask("def main(): return 1")};
  tampered.task.program_sha256 = std::string(64, '0');
  CHECK(client::Cpu(*peer, tampered).status().code() == Code::kIntegrity);

  net::CpuBatchRequest bad_entry;
  bad_entry.tasks = {net::MakeTask("def main(): return 1"), net::MakeTask("def main(): return 2", "")};
  auto refused = client::Batch(*peer, bad_entry);
  CHECK(refused.status().code() == Code::kBadRequest);
  CHECK_THAT(refused.status().message(), Catch::Contains("task 1"));
  // The peer goes on serving.
  CHECK(client::Cpu(*peer, {net::MakeTask("def main(): return 'still here'")}).ok());
}

TEST_CASE("ops: memory, files, status, peers and events", "[integration][ops]") {
  auto cluster = StartCluster(1);
  auto peer = MustConnect(PeerTarget(PortOf(*cluster, "peer-1")));

  auto stored = client::MemSet(*peer, "config", Json{{"rounds", 3}});
  REQUIRE(stored.ok());
  CHECK(stored->value > 0);
  auto read = client::MemGet(*peer, "config");
  REQUIRE(read.ok());
  CHECK(read->value == Json{{"rounds", 3}});
  auto listed = client::MemList(*peer);
  REQUIRE(listed.ok());
  REQUIRE(listed->value.keys.size() == 1);
  CHECK(listed->value.keys[0].key == "config");
  CHECK(listed->value.bytes == stored->value);
  CHECK(client::MemDel(*peer, "config").ok());
  CHECK(client::MemGet(*peer, "config").status().code() == Code::kNotFound);

  TempDir dir;
  std::string local = dir.path + "/notes.txt";
  std::ofstream(local) << "paging, segmentation\n";
  auto put = client::FilePut(*peer, "notes.txt", local);
  REQUIRE(put.ok());
  auto files = client::FileList(*peer);
  REQUIRE(files.ok());
  REQUIRE(files->value.files.size() == 1);
  CHECK(files->value.files[0].name == "notes.txt");
  CHECK(files->value.files[0].size == 21);
  CHECK(files->value.files[0].sha256 == (*put)["sha256"]);
  auto fetched = client::FileGet(*peer, "notes.txt", dir.path + "/copy.txt");
  REQUIRE(fetched.ok());
  CHECK(std::filesystem::file_size(dir.path + "/copy.txt") == 21);
  CHECK(client::FileDel(*peer, "notes.txt").ok());
  CHECK(client::FileDel(*peer, "notes.txt").status().code() == Code::kNotFound);

  auto status = client::NodeStatus(*peer);
  REQUIRE(status.ok());
  CHECK((*status)["role"] == "peer");
  CHECK(client::Peers(*peer).status().code() == Code::kUnknownType);  // a peer has no PEER_LIST

  auto tracker = MustConnect(PeerTarget(cluster->tracker_port()));
  auto peers = client::Peers(*tracker);
  REQUIRE(peers.ok());
  REQUIRE(peers->value.peers.size() == 1);
  CHECK(peers->value.peers[0].id == "peer-1");
  CHECK(peers->value.peers[0].port == PortOf(*cluster, "peer-1"));
  CHECK(peers->value.peers[0].cores == 2);
  auto subscriber = client::Follow(*tracker, {{"peer"}, 0, "ops test"});
  REQUIRE(subscriber.ok());
  CHECK(subscriber->snapshot().peers.size() == 1);
  CHECK(client::Follow(*MustConnect(PeerTarget(cluster->tracker_port())), {{"no-such-type"}, 0, ""}).status().code() ==
        Code::kBadRequest);
}
