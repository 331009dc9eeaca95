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
  const EventOutbox::Batch batch = outbox.StartBatch(1000);
  for (std::size_t i = 0; i < batch.count; ++i) {
    const Event& e = outbox.at(batch.first + i);
    if (auto* load = std::get_if<PeerLoad>(&e.body)) sent.push_back("load:" + std::to_string(load->running));
    if (auto* lost = std::get_if<EventsLost>(&e.body)) sent.push_back("lost:" + std::to_string(lost->count));
  }
  outbox.Acknowledge(batch);
  return sent;
}

}  // namespace

TEST_CASE("events leave in order, in pipelined batches, only when acknowledged", "[outbox]") {
  EventOutbox outbox(100);
  for (int i = 1; i <= 5; ++i) REQUIRE(outbox.Push(Load(i)));
  auto first = outbox.StartBatch(3);
  REQUIRE(first.count == 3);
  auto second = outbox.StartBatch(3);  // a second batch follows the first on the same connection
  REQUIRE(second.count == 2);
  CHECK(second.first == 3);
  CHECK(outbox.StartBatch(3).count == 0);  // nothing left to send
  CHECK(std::get<PeerLoad>(outbox.at(0).body).running == 1);
  outbox.Failed(first);        // the connection broke: both batches are void
  outbox.Acknowledge(second);  // a late answer to a void batch changes nothing
  CHECK(outbox.size() == 5);
  auto again = outbox.StartBatch(3);
  REQUIRE(again.count == 3);
  CHECK(again.first == 0);
  CHECK(std::get<PeerLoad>(outbox.at(0).body).running == 1);
  outbox.Failed(second);  // void already: ignored
  CHECK(outbox.in_flight() == 3);
  outbox.Acknowledge(again);
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
  auto batch = outbox.StartBatch(10);
  REQUIRE(batch.count == 3);
  CHECK_FALSE(outbox.Push(Load(4)));
  outbox.Acknowledge(batch);
  REQUIRE(outbox.Push(Load(5)));  // the marker and the event both fit now
  CHECK(SendAll(outbox) == std::vector<std::string>{"lost:1", "load:5"});
}
