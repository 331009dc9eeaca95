// The observer credential on live processes (docs/auth.md, "Watching: the
// observer credential"): a tracker and peers started with a cluster secret
// and an observer secret let an observer STATUS, PEER_LIST and TASK_LIST, refuse its
// placement, registration, tasks and memory with FORBIDDEN while they keep
// serving; `osgrid` with only OSGRID_OBSERVER_SECRET can watch and not
// submit; nodes refuse an observer secret that makes no sense; `osgrid run`
// with an observer secret and an open cluster still runs.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "osgrid/net/auth.h"
#include "osgrid/net/messages.h"
#include "osgrid/net/sha256.h"
#include "osgrid/net/subscriber.h"
#include "support.h"

using namespace osgrid;
using namespace osgrid::test;

// A namespace of its own, not an anonymous one: the test executables are unity builds
// (OSGRID_UNITY_TESTS), where another file's helpers of the same names would collide.
namespace observer_test {

const std::string kSecret = "integration-test-secret-0123456789";
const std::string kObserverSecret = "integration-observer-secret-9876543210";

std::unique_ptr<scenario::LocalCluster> StartWatched(int peers) {
  scenario::ClusterOptions options = TestClusterOptions(peers, 3);
  options.secret = kSecret;
  options.observer_secret = kObserverSecret;
  return StartCluster(options);
}

/// A client of 127.0.0.1:port with these secrets; fails the test if it cannot connect.
std::unique_ptr<net::Client> ConnectAs(std::uint16_t port, net::ClientSecurity security) {
  net::ClientOptions options;
  options.security = std::move(security);
  auto client = net::Client::Connect("127.0.0.1", port, options);
  INFO(client.status().ToString());
  REQUIRE(client.ok());
  return std::move(client).value();
}

/// `request` is refused with FORBIDDEN, naming the request.
void ExpectForbidden(net::Client& client, const Json& request) {
  auto reply = client.Call(request);
  INFO(request.dump() << " -> " << reply.status().ToString());
  CHECK(reply.status().code() == Code::kForbidden);
  CHECK(reply.status().message().rfind(request["type"].get<std::string>() +
                                           " needs the cluster secret: this connection holds the observer credential",
                                       0) == 0);
}

std::string WriteFile(const TempDir& dir, const std::string& name, const std::string& text) {
  std::string path = dir.path + "/" + name;
  std::ofstream(path) << text << "\n";
  std::filesystem::permissions(path, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  return path;
}

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST_CASE("an observer watches the tracker and is refused the rest with FORBIDDEN", "[integration][auth][observer]") {
  auto cluster = StartWatched(2);  // both peers registered: members, although the nodes take observers too
  auto observer = ConnectAs(cluster->tracker_port(), {"", "", kObserverSecret});
  CHECK(observer->server_hello()["credential"] == "observer");

  Json status = MustCall(*observer, {{"type", "STATUS"}});
  CHECK(status["access"] == "observer");
  CHECK(status["observers"] == true);
  CHECK(status["peers"] == 2);
  CHECK(MustCall(*observer, {{"type", "PEER_LIST"}})["peers"].size() == 2);
  CHECK(MustCall(*observer, {{"type", "TASK_LIST"}})["tasks"].is_array());  // `osgrid ps` watches too

  ExpectForbidden(*observer, {{"type", "PICK_PEER"}});
  ExpectForbidden(*observer, {{"type", "REGISTER"}, {"peer_id", "peer-fake"}, {"port", 1}, {"cores", 64}});
  ExpectForbidden(*observer, {{"type", "EVENTS"}, {"peer_id", "peer-1"}, {"events", Json::array({Json::object()})}});
  ExpectForbidden(*observer, {{"type", "UNREGISTER"}, {"peer_id", "peer-1"}});
  auto reply = observer->Call({{"type", "PICK_PEER"}});  // the list grows with the tracker's read-only requests
  CHECK(reply.status().message().find(
            "which may only watch (PING, DEADLOCK, PEER_LIST, STATUS, SUBSCRIBE, TASK_LIST)") != std::string::npos);
  ExpectForbidden(
      *observer,
      {{"type", "SYNC"}, {"op", "lock.acquire"}, {"name", "L"}, {"task_id", "peer-1/1"}, {"peer_id", "peer-1"}});
  CHECK(MustCall(*observer, {{"type", "DEADLOCK"}})["mode"] == "detect");  // `osgrid deadlock` watches
  ExpectForbidden(*observer, {{"type", "DEADLOCK"}, {"mode", "avoid"}});   // but may not change the mode

  // The tracker keeps serving: the observer still watches, nothing changed, and a member may act.
  CHECK(MustCall(*observer, {{"type", "PEER_LIST"}})["peers"].size() == 2);
  auto member = ConnectAs(cluster->tracker_port(), {kSecret, "", kObserverSecret});
  CHECK(MustCall(*member, {{"type", "STATUS"}})["access"] == "member");
  CHECK(MustCall(*member, {{"type", "PICK_PEER"}})["peers"].size() == 1);
  CHECK(cluster->CheckChildren().empty());
  CHECK(Slurp(cluster->Tracker().log_path).find("observer secret: its holders may watch, read-only") !=
        std::string::npos);
}

TEST_CASE("a viewer with the observer credential follows the events, and its attempt to submit is refused",
          "[integration][auth][observer][events]") {
  auto cluster = StartWatched(1);
  auto viewer = ConnectAs(cluster->tracker_port(), {"", "", kObserverSecret});
  auto events = net::Subscriber::Start(*viewer, {{"task"}, 0, "viewer"});
  INFO(events.status().ToString());
  REQUIRE(events.ok());
  CHECK(events->snapshot().peers.size() == 1);

  // Its submission to a peer is refused there; the peer and the stream go on.
  auto at_peer = ConnectAs(PortOf(*cluster, "peer-1"), {"", "", kObserverSecret});
  const std::string program = "def main(x):\n    return x\n";
  Json task = {{"type", "CPU_TASK"},
               {"program", program},
               {"program_sha256", net::Sha256Hex(program)},
               {"function", "main"},
               {"args", {1}}};
  ExpectForbidden(*at_peer, task);
  auto member = ConnectAs(PortOf(*cluster, "peer-1"), {kSecret, "", ""});
  CHECK(MustCall(*member, task)["result"] == 1);
  auto event = events->Next(std::chrono::seconds(20));
  INFO(event.status().ToString());
  REQUIRE(event.ok());
  CHECK(os::events::TypeOf(event->body) == "task.submitted");  // the member's task, not the observer's
}

TEST_CASE("an observer may read a peer's STATUS, not run tasks or touch memory and files",
          "[integration][auth][observer]") {
  auto cluster = StartWatched(1);
  std::uint16_t peer = PortOf(*cluster, "peer-1");
  auto observer = ConnectAs(peer, {"", "", kObserverSecret});
  Json status = MustCall(*observer, {{"type", "STATUS"}});
  CHECK(status["node"] == "peer-1");
  CHECK(MustCall(*observer, {{"type", "LIST_MEM"}})["entries"] == 0);

  Json task = net::TaskFields("def main(x): return x * x", "main", {7});
  task["type"] = "CPU_TASK";
  ExpectForbidden(*observer, task);
  ExpectForbidden(*observer, {{"type", "SET_MEM"}, {"key", "k"}, {"value", 1}});
  ExpectForbidden(*observer, {{"type", "GET_MEM"}, {"key", "k"}});
  ExpectForbidden(*observer, {{"type", "GET_FILE"}, {"name", "f"}});
  ExpectForbidden(*observer, {{"type", "LIST_FILES"}});

  // The peer keeps serving, and the observer changed nothing.
  CHECK(MustCall(*observer, {{"type", "STATUS"}})["tasks_done"] == 0);
  auto member = ConnectAs(peer, {kSecret, ""});
  CHECK(MustCall(*member, task)["result"] == 49);
  CHECK(member->Call({{"type", "GET_MEM"}, {"key", "k"}}).status().code() == Code::kNotFound);
  CHECK(cluster->CheckChildren().empty());
}

TEST_CASE("osgrid with only OSGRID_OBSERVER_SECRET can watch and not submit", "[integration][auth][observer]") {
  auto cluster = StartWatched(1);
  const std::string tracker = std::to_string(cluster->tracker_port());
  const std::string peer = std::to_string(PortOf(*cluster, "peer-1"));
  const std::vector<std::string> observer_env = {"OSGRID_OBSERVER_SECRET=" + kObserverSecret};
  const std::vector<std::string> no_secret = {"OSGRID_SECRET"};

  auto status = RunProgram(BinPath("osgrid"), {"status", "--port", tracker}, observer_env, no_secret);
  INFO(status.err);
  CHECK(status.exit_code == 0);
  CHECK(status.out.find("auth: hmac-sha256, tls: off, observers: yes") != std::string::npos);
  CHECK(status.out.find("access     observer: this connection may watch") != std::string::npos);
  CHECK(RunProgram(BinPath("osgrid"), {"peers", "--port", tracker}, observer_env, no_secret).exit_code == 0);

  const std::vector<std::string> cpu = {"cpu",    "--port", peer, "--program", "def main(x): return x * x",
                                        "--args", "[7]"};
  auto refused = RunProgram(BinPath("osgrid"), cpu, observer_env, no_secret);
  CHECK(refused.exit_code == 1);
  CHECK(refused.err.rfind("osgrid: FORBIDDEN: CPU_TASK needs the cluster secret: this connection holds the observer "
                          "credential, which may only watch (PING, LIST_MEM, MEM_MAP, STATUS)\n",
                          0) == 0);

  // From a file too; with the cluster secret as well, the member wins.
  TempDir dir;
  std::string observer_file = WriteFile(dir, "observer.secret", kObserverSecret);
  auto from_file = RunProgram(BinPath("osgrid"), {"status", "--port", peer, "--observer-secret-file", observer_file},
                              {}, {"OSGRID_SECRET", "OSGRID_OBSERVER_SECRET"});
  CHECK(from_file.exit_code == 0);
  auto both = RunProgram(BinPath("osgrid"), cpu, {"OSGRID_SECRET=" + kSecret, observer_env[0]});
  INFO(both.err);
  CHECK(both.exit_code == 0);
  CHECK(both.out.find("49") != std::string::npos);

  auto wrong = RunProgram(BinPath("osgrid"), {"status", "--port", tracker},
                          {"OSGRID_OBSERVER_SECRET=not-the-observer-secret"}, no_secret);
  CHECK(wrong.exit_code == 1);
  CHECK(wrong.err.find("osgrid: AUTH: 127.0.0.1:" + tracker + " does not know our observer secret") !=
        std::string::npos);
  auto too_short = RunProgram(BinPath("osgrid"), {"status", "--port", tracker}, {"OSGRID_OBSERVER_SECRET=short"});
  CHECK(too_short.exit_code == 2);
  CHECK(too_short.err.find("the observer secret from OSGRID_OBSERVER_SECRET is 5 bytes") != std::string::npos);
}

TEST_CASE("nodes refuse an observer secret without a cluster secret or equal to it", "[integration][auth][observer]") {
  TempDir dir;
  std::string cluster_file = WriteFile(dir, "cluster.secret", kSecret);
  for (const std::string program : {"osgrid-tracker", "osgrid-peer"}) {
    INFO(program);
    std::vector<std::string> args = {"--port", "0"};
    if (program == "osgrid-peer") args.insert(args.end(), {"--standalone", "--storage", dir.path + "/storage"});
    auto alone =
        RunProgram(BinPath(program), args, {"OSGRID_OBSERVER_SECRET=" + kObserverSecret}, {"OSGRID_SECRET"}, 10);
    CHECK(alone.exit_code == 2);
    CHECK(alone.err.find(program + ": an observer secret needs a cluster secret") != std::string::npos);

    args.insert(args.end(), {"--secret-file", cluster_file, "--observer-secret-file", cluster_file});
    auto same = RunProgram(BinPath(program), args, {}, {"OSGRID_SECRET", "OSGRID_OBSERVER_SECRET"}, 10);
    CHECK(same.exit_code == 2);
    CHECK(same.err.find(program + ": the observer secret is the cluster secret") != std::string::npos);
  }
}

TEST_CASE("osgrid-tracker --init-observer writes a 0600 observer secret", "[integration][auth][observer]") {
  TempDir dir;
  std::string path = dir.path + "/observer.secret";
  auto first = RunProgram(BinPath("osgrid-tracker"), {"--init-observer", path});
  CHECK(first.exit_code == 0);
  CHECK(first.out.find("wrote a new observer secret to " + path) != std::string::npos);
  CHECK(first.out.find("--observer-secret-file " + path) != std::string::npos);
  struct stat info {};
  REQUIRE(::stat(path.c_str(), &info) == 0);
  CHECK((info.st_mode & 0777) == 0600);
  auto secret = net::ReadSecretFile(path, net::Access::kObserver);
  REQUIRE(secret.ok());
  CHECK(secret->secret.size() == 64);
  auto again = RunProgram(BinPath("osgrid-tracker"), {"--init-observer", path});
  CHECK(again.exit_code == 2);
  CHECK(again.err.find("--init-observer: '" + path + "' already exists") != std::string::npos);
}

TEST_CASE("osgrid run with an observer secret and no cluster secret runs an open cluster",
          "[integration][auth][observer]") {
  TempDir dir;
  std::string scenario = dir.path + "/watch.yaml";
  std::ofstream(scenario) << "name: observer secret, open cluster\n"
                             "cluster:\n  peers: 1\n"
                             "steps:\n  - status: tracker\n  - mem_set: {on: peer-1, key: k, value: 1}\n";
  auto run = RunProgram(BinPath("osgrid"), {"run", scenario}, {"OSGRID_OBSERVER_SECRET=" + kObserverSecret},
                        {"OSGRID_SECRET"});
  INFO(run.out << run.err);
  CHECK(run.exit_code == 0);
  CHECK(run.err.find("osgrid: warning: the observer secret is not used: the cluster this run starts is open") !=
        std::string::npos);
}

}  // namespace observer_test
