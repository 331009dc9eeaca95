#include "event_outbox.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

using namespace osgrid;
using namespace osgrid::os::events;
using peer::EventOutbox;

namespace {

Event Load(int running) { return Event{0, "", static_cast<double>(running), "p", PeerLoad{"p", running, 0, 1}}; }

/// What the outbox would send now, as "load:N" / "lost:N", sending everything.
std::vector<std::string> SendAll(EventOutbox& outbox) {
  std::vector<std::string> sent;
  const std::size_t n = outbox.StartBatch(1000);
  for (std::size_t i = 0; i < n; ++i) {
    const Event& e = outbox.at(i);
    if (auto* load = std::get_if<PeerLoad>(&e.body)) sent.push_back("load:" + std::to_string(load->running));
    if (auto* lost = std::get_if<EventsLost>(&e.body)) sent.push_back("lost:" + std::to_string(lost->count));
  }
  outbox.Acknowledge();
  return sent;
}

}  // namespace

TEST_CASE("events leave in order, a batch at a time, only when acknowledged", "[outbox]") {
  EventOutbox outbox(100);
  for (int i = 1; i <= 5; ++i) REQUIRE(outbox.Push(Load(i)));
  REQUIRE(outbox.StartBatch(3) == 3);
  CHECK(outbox.StartBatch(3) == 0);  // one batch in flight at a time
  CHECK(std::get<PeerLoad>(outbox.at(0).body).running == 1);
  outbox.Failed();  // the send failed: the same events go again
  REQUIRE(outbox.StartBatch(3) == 3);
  CHECK(std::get<PeerLoad>(outbox.at(0).body).running == 1);
  outbox.Acknowledge();
  CHECK(outbox.size() == 2);
  CHECK(SendAll(outbox) == std::vector<std::string>{"load:4", "load:5"});
  CHECK(outbox.empty());
}

TEST_CASE("a full outbox drops the newest and marks the gap where it was", "[outbox]") {
  EventOutbox outbox(4);
  for (int i = 1; i <= 4; ++i) REQUIRE(outbox.Push(Load(i)));
  CHECK_FALSE(outbox.Push(Load(5)));
  CHECK_FALSE(outbox.Push(Load(6)));
  CHECK(outbox.lost() == 2);
  CHECK(SendAll(outbox) == std::vector<std::string>{"load:1", "load:2", "load:3", "load:4"});
  REQUIRE(outbox.Push(Load(7)));
  CHECK(outbox.lost() == 0);
  CHECK(outbox.lost_total() == 2);
  CHECK(SendAll(outbox) == std::vector<std::string>{"lost:2", "load:7"});
}

TEST_CASE("events in flight count against the bound", "[outbox]") {
  EventOutbox outbox(3);
  for (int i = 1; i <= 3; ++i) REQUIRE(outbox.Push(Load(i)));
  REQUIRE(outbox.StartBatch(10) == 3);
  CHECK_FALSE(outbox.Push(Load(4)));
  outbox.Acknowledge();
  REQUIRE(outbox.Push(Load(5)));  // the marker and the event both fit now
  CHECK(SendAll(outbox) == std::vector<std::string>{"lost:1", "load:5"});
}
