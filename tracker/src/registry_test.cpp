#include <catch2/catch.hpp>

#include "osgrid/tracker/registry.h"

using namespace osgrid;
using namespace osgrid::tracker;
using namespace std::chrono_literals;

namespace {
PeerInfo MakePeer(const std::string& id, int cores = 1) {
  PeerInfo peer;
  peer.id = id;
  peer.host = "127.0.0.1";
  peer.port = 9000;
  peer.cores = cores;
  return peer;
}
LoadReport Busy(int running, int queued) {
  LoadReport report;
  report.running = running;
  report.queue_length = queued;
  return report;
}
}  // namespace

TEST_CASE("register, heartbeat and unregister", "[registry]") {
  Registry registry;
  auto t0 = Clock::now();
  REQUIRE(registry.Register(MakePeer("a"), t0).ok());
  CHECK(registry.size() == 1);
  CHECK(registry.Heartbeat("a", Busy(1, 2), t0 + 1s).ok());
  CHECK(registry.Find("a")->report.queue_length == 2);
  CHECK(registry.Heartbeat("ghost", {}, t0).code() == Code::kNotFound);
  CHECK(registry.Unregister("a").ok());
  CHECK(registry.Unregister("a").code() == Code::kNotFound);
  CHECK(registry.Register(MakePeer(""), t0).code() == Code::kBadRequest);
  CHECK(registry.Register(MakePeer("z", 0), t0).code() == Code::kBadRequest);
}

TEST_CASE("dead peers are reaped after the timeout, and only they", "[registry]") {
  Registry registry;
  auto t0 = Clock::now();
  registry.Register(MakePeer("a"), t0);
  registry.Register(MakePeer("b"), t0);
  registry.Heartbeat("b", {}, t0 + 2s);
  CHECK(registry.ReapDead(t0 + 2s, 3s).empty());
  auto dead = registry.ReapDead(t0 + 3500ms, 3s);
  CHECK(dead == std::vector<std::string>{"a"});
  CHECK(registry.Find("b") != nullptr);
  CHECK(registry.Heartbeat("a", {}, t0 + 4s).code() == Code::kNotFound);  // must register again
}

TEST_CASE("Pick chooses the least-loaded peer per core", "[registry]") {
  Registry registry;
  auto now = Clock::now();
  registry.Register(MakePeer("a", 1), now);
  registry.Register(MakePeer("b", 4), now);
  registry.Heartbeat("a", Busy(1, 0), now);  // load 1.0
  registry.Heartbeat("b", Busy(2, 0), now);  // load 0.5
  auto picked = registry.Pick(1);
  REQUIRE(picked.size() == 1);
  CHECK(picked[0].id == "b");
  CHECK(registry.Pick(1, {"b"})[0].id == "a");
  CHECK(registry.Pick(1, {"a", "b"}).empty());
}

TEST_CASE("Pick water-fills a batch and remembers its placements", "[registry]") {
  Registry registry;
  auto now = Clock::now();
  for (std::string id : {"a", "b", "c"}) registry.Register(MakePeer(id, 2), now);
  registry.Heartbeat("a", Busy(2, 2), now);  // load 2
  auto picked = registry.Pick(8);
  REQUIRE(picked.size() == 8);
  std::map<std::string, int> per_peer;
  for (const auto& peer : picked) per_peer[peer.id]++;
  // b and c start empty: they take tasks until their load reaches a's (2 per core = 4 tasks each)
  CHECK(per_peer["a"] == 0);
  CHECK(per_peer["b"] == 4);
  CHECK(per_peer["c"] == 4);
  // The next single pick sees the placements: all three are at load 2, a wins the tie by id.
  CHECK(registry.Pick(1)[0].id == "a");
  // A heartbeat replaces the estimate with the peer's own count.
  registry.Heartbeat("b", Busy(0, 0), now);
  CHECK(registry.Pick(1)[0].id == "b");
}

TEST_CASE("Pick balances load across hundreds of peers of different sizes", "[registry]") {
  Registry registry;
  auto now = Clock::now();
  for (int i = 0; i < 500; ++i) registry.Register(MakePeer("p" + std::to_string(1000 + i), 1 + i % 4), now);
  auto picked = registry.Pick(5000);
  REQUIRE(picked.size() == 5000);
  // Water-filling balances load: max and min load differ by at most one task per core.
  double lowest = 1e9, highest = 0;
  for (const auto& peer : registry.List()) {
    lowest = std::min(lowest, peer.Load());
    highest = std::max(highest, peer.Load());
  }
  CHECK(highest - lowest <= 1.0);
}
