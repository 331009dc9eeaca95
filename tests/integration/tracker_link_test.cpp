// The peer's tracker link, a timer on the peer's io_context: it keeps trying
// while the tracker is away, registers again with a new tracker, and says
// goodbye when it stops.
#include <catch2/catch.hpp>

#include <thread>

#include "support.h"

using namespace osgrid;
using namespace osgrid::test;
using namespace std::chrono_literals;

namespace {

/// An osgrid-tracker on 127.0.0.1:port (heartbeat 0.3 s, peers dead after 1.5 s).
std::unique_ptr<PeerProcess> StartTracker(std::uint16_t port, const std::string& log) {
  return std::make_unique<PeerProcess>(
      std::vector<std::string>{BinPath("osgrid-tracker"), "--host", "127.0.0.1", "--port", std::to_string(port),
                               "--heartbeat-interval", "0.3", "--peer-timeout", "1.5", "--exit-with-parent"},
      log);
}

/// The ids in the tracker's PEER_LIST.
std::vector<std::string> PeerIds(net::Client& tracker) {
  Json list = MustCall(tracker, {{"type", "PEER_LIST"}});
  std::vector<std::string> ids;
  for (const auto& peer : list["peers"]) ids.push_back(peer["id"]);
  return ids;
}

/// Polls the tracker at 127.0.0.1:port until its PEER_LIST is `expected`;
/// returns how long that took.
std::chrono::milliseconds AwaitPeers(const PeerProcess& tracker, std::uint16_t port,
                                     const std::vector<std::string>& expected) {
  auto client = tracker.Connect(port);
  auto start = std::chrono::steady_clock::now();
  std::vector<std::string> ids;
  while (std::chrono::steady_clock::now() - start < 10s) {
    ids = PeerIds(*client);
    if (ids == expected) {
      return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
    }
    std::this_thread::sleep_for(20ms);
  }
  FAIL("the tracker's peers never became the expected ones; last: " << Json(ids).dump());
  return {};
}

}  // namespace

TEST_CASE("a peer retries until its tracker is up, registers with a new one, and unregisters when it stops",
          "[integration][tracker-link]") {
  TempDir dir;
  const std::uint16_t tracker_port = FreePort(), peer_port = FreePort();
  auto peer = std::make_unique<PeerProcess>(
      std::vector<std::string>{BinPath("osgrid-peer"), "--host", "127.0.0.1", "--port", std::to_string(peer_port),
                               "--tracker", "127.0.0.1:" + std::to_string(tracker_port), "--name", "linked", "--cores",
                               "1", "--storage", dir.path + "/storage", "--heartbeat-interval", "0.3",
                               "--exit-with-parent"},
      dir.path + "/peer.log");
  auto status = peer->Connect(peer_port);  // it serves while the tracker is away
  CHECK(MustCall(*status, {{"type", "STATUS"}})["registered"] == false);

  // The tracker comes up: the peer, retrying every 0.3 s, joins.
  auto tracker = StartTracker(tracker_port, dir.path + "/tracker-1.log");
  INFO("peer log:\n" << peer->Log());
  AwaitPeers(*tracker, tracker_port, {"linked"});

  // A new tracker on the same port, which has never heard of the peer: the
  // next heartbeat fails (connection lost, or NOT_FOUND), and the peer
  // registers again.
  tracker.reset();
  tracker = StartTracker(tracker_port, dir.path + "/tracker-2.log");
  AwaitPeers(*tracker, tracker_port, {"linked"});

  // A clean stop says UNREGISTER: the peer is gone at once, long before the
  // tracker's 1.5 s timeout would notice.
  auto watcher = tracker->Connect(tracker_port);
  REQUIRE(PeerIds(*watcher) == std::vector<std::string>{"linked"});
  auto stopping = std::chrono::steady_clock::now();
  peer.reset();  // SIGTERM, and waits for the exit
  auto stopped = std::chrono::steady_clock::now() - stopping;
  CHECK(PeerIds(*watcher).empty());
  CHECK(stopped < 1500ms);
}
