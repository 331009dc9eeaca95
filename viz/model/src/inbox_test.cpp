// Tests of inbox.h: a network thread pushes, the UI thread drains a bounded
// amount per frame into the model.
#include "osgrid/viz/inbox.h"

#include <catch2/catch.hpp>

#include <atomic>
#include <thread>

#include "osgrid/viz/model.h"
#include "test_support.h"

namespace osgrid::viz {
namespace {

using namespace testing;

TEST_CASE("events pushed by another thread reach the model in order, a bounded number per frame", "[viz][inbox]") {
  Inbox inbox;
  std::vector<ev::Event> events = VariedStream(20000, 21);
  std::atomic<bool> pushed{false};
  std::thread network([&] {
    for (const ev::Event& event : events) inbox.PushEvent(event);
    pushed = true;  // (no Catch2 assertion off the main thread: they are not thread-safe)
  });
  Model model;
  std::size_t frames = 0;
  std::size_t most_in_a_frame = 0;
  while (!pushed || inbox.pending() > 0) {
    DrainResult drained = model.Drain(inbox, 700);
    most_in_a_frame = std::max(most_in_a_frame, drained.taken);
    ++frames;
  }
  network.join();
  model.Drain(inbox, 700);
  CHECK(most_in_a_frame <= 700);
  CHECK(frames >= events.size() / 700);
  REQUIRE(model.end_index() == events.size());
  for (std::size_t k = 0; k < events.size(); k += 997) CHECK(*model.entry(k).event() == events[k]);
  CHECK(model.entry(0).arrived.has_value());
  CHECK(inbox.dropped() == 0);
  ViewState reference;
  for (const ev::Event& event : events) reference.Apply(event);
  CHECK(model.newest() == reference);
}

TEST_CASE("a full inbox drops events but says so, and never drops a snapshot", "[viz][inbox]") {
  Inbox inbox(3);
  Stream stream;
  for (int k = 0; k < 5; ++k) inbox.PushEvent(stream("tracker", Joined("peer-" + std::to_string(k), 1)));
  inbox.PushSnapshot(ev::Snapshot{5, "e1", 60, {}, {}});
  inbox.PushEvent(stream("tracker", Joined("peer-9", 1)));
  inbox.PushUnknown(UnknownEvent{0, "e1", 80, "peer-1", "gpu.kernel", "{}"});
  inbox.Close("connection closed");
  CHECK(inbox.dropped() == 4);
  REQUIRE(inbox.closed());
  CHECK(*inbox.closed() == "connection closed");

  Model model;
  DrainResult first = model.Drain(inbox, 2);
  CHECK(first.taken == 2);
  CHECK(first.pending == 4);
  model.Drain(inbox, 100);
  CHECK(inbox.pending() == 0);
  REQUIRE(model.end_index() == 6);
  CHECK(model.entry(0).type() == "peer.joined");
  CHECK(model.entry(2).type() == "peer.joined");
  CHECK(model.entry(3).type() == "events.lost");  // where the gap was: peer-3 and peer-4
  CHECK(std::get<ev::EventsLost>(model.entry(3).event()->body).count == 2);
  CHECK(model.entry(4).kind() == EntryKind::kSnapshot);
  // The event and the unknown one after the snapshot were dropped too: said at the end.
  CHECK(model.entry(5).type() == "events.lost");
  CHECK(std::get<ev::EventsLost>(model.entry(5).event()->body).count == 2);
}

}  // namespace
}  // namespace osgrid::viz
