// The peer's tracker link, a timer on the peer's io_context: it keeps trying
// while the tracker is away, registers again with a new tracker, and says
// goodbye when it stops.
#include <catch2/catch.hpp>

#include <set>

#include "osgrid/os/events/events.h"
#include "support.h"

using namespace osgrid;
using namespace osgrid::test;
using namespace std::chrono_literals;

namespace {

/// The ids in the tracker's PEER_LIST.
std::vector<std::string> PeerIds(net::Client& tracker) {
  Json list = MustCall(tracker, {{"type", "PEER_LIST"}});
  std::vector<std::string> ids;
  for (const auto& peer : list["peers"]) ids.push_back(peer["id"]);
  return ids;
}

/// Subscribes to the peers' comings and goings at the tracker on
/// 127.0.0.1:port, as soon as it listens. A tracker that restarts is a new
/// stream: watch the new one with a new Watcher.
Watcher WatchPeers(const PeerProcess& tracker, std::uint16_t port) {
  return Watch(tracker.Connect(port), {"peer.joined", "peer.left", "peer.dead"});
}

/// Waits until the tracker's live peers are exactly `expected`: its snapshot's
/// peers, then each peer.joined, peer.left and peer.dead applied in order.
void AwaitPeers(Watcher& watcher, const std::set<std::string>& expected) {
  std::set<std::string> live;
  for (const auto& peer : watcher.events->snapshot().peers) live.insert(peer.peer);
  if (live == expected) return;
  AwaitEvent(
      watcher,
      [&](const os::events::Event& e) {
        if (auto* joined = std::get_if<os::events::PeerJoined>(&e.body)) live.insert(joined->peer);
        if (auto* left = std::get_if<os::events::PeerLeft>(&e.body)) live.erase(left->peer);
        if (auto* dead = std::get_if<os::events::PeerDead>(&e.body)) live.erase(dead->peer);
        return live == expected;
      },
      "the tracker's peers to become " + Json(expected).dump(), 10);
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

  // The tracker comes up: the peer, retrying every 0.3 s, joins. Whether it
  // joined before we subscribed (then the snapshot has it) or after (then a
  // peer.joined follows), the watcher sees it.
  auto tracker = StartTracker(tracker_port, dir.path + "/tracker-1.log");
  INFO("peer log:\n" << peer->Log());
  {
    auto watcher = WatchPeers(*tracker, tracker_port);
    AwaitPeers(watcher, {"linked"});
  }

  // A new tracker on the same port, which has never heard of the peer: the
  // next heartbeat fails (connection lost, or NOT_FOUND), and the peer
  // registers again.
  tracker.reset();
  tracker = StartTracker(tracker_port, dir.path + "/tracker-2.log");
  auto watcher = WatchPeers(*tracker, tracker_port);
  AwaitPeers(watcher, {"linked"});

  // A clean stop says UNREGISTER: the peer is gone at once, long before the
  // tracker's 1.5 s timeout would notice.
  auto lister = tracker->Connect(tracker_port);
  REQUIRE(PeerIds(*lister) == std::vector<std::string>{"linked"});
  auto stopping = std::chrono::steady_clock::now();
  peer.reset();  // SIGTERM, and waits for the exit
  auto stopped = std::chrono::steady_clock::now() - stopping;
  CHECK(PeerIds(*lister).empty());
  CHECK(stopped < 1500ms);
  // ... and the tracker says so: it left (shutdown), it did not die.
  os::events::Event gone = AwaitEvent(
      watcher,
      [](const os::events::Event& e) {
        return std::holds_alternative<os::events::PeerLeft>(e.body) ||
               std::holds_alternative<os::events::PeerDead>(e.body);
      },
      "peer.left of linked", 5);
  auto* left = std::get_if<os::events::PeerLeft>(&gone.body);
  REQUIRE(left != nullptr);
  CHECK(left->peer == "linked");
  CHECK(left->reason == "shutdown");
}
