// Tests of utilisation.h: busy core-time over buckets, from the Gantt bars.
#include "osgrid/viz/utilisation.h"

#include <catch2/catch.hpp>

#include "osgrid/viz/model.h"
#include "test_support.h"

namespace osgrid::viz {
namespace {

using namespace testing;

constexpr double kSecond = 1000;  // ms: the live bucket

TEST_CASE("one bar over half a bucket of a 2-core peer is 25 percent", "[viz][utilisation]") {
  Model model;
  Stream stream;
  model.AddEvent(stream.At(0, "tracker", Joined("peer-1", 2)));
  model.AddEvent(stream.At(0, "peer-1", Running("A", "peer-1")));
  model.AddEvent(stream.At(500, "peer-1", Finished("A", "peer-1")));

  const PeerTimeline& peer = *model.timeline().Find("peer-1");
  UtilisationHistory history = Utilisation(peer, 2, 1000, kSecond, 60);
  REQUIRE(history.buckets.size() == 1);  // none before the recording's start (t = 0)
  CHECK(history.start == 0);
  CHECK(history.buckets[0] == 0.25);  // 500 ms busy / (2 cores x 1000 ms)
  CHECK(history.busy == 500);
  CHECK(history.average == 0.25);

  // Two seconds later: the same bucket, then two idle ones.
  history = Utilisation(peer, 2, 3000, kSecond, 60);
  CHECK(history.buckets == std::vector<double>{0.25, 0, 0});
  CHECK(history.average == Approx(500.0 / (2 * 3000)));
}

TEST_CASE("a bar across bucket boundaries is split between them, and only the last count buckets are kept",
          "[viz][utilisation]") {
  Model model;
  Stream stream;
  model.AddEvent(stream.At(0, "tracker", Joined("peer-1", 1)));
  model.AddEvent(stream.At(750, "peer-1", Running("A", "peer-1")));
  model.AddEvent(stream.At(2250, "peer-1", Preempted("A", "peer-1")));
  model.AddEvent(stream.At(2250, "peer-1", Running("B", "peer-1")));
  model.AddEvent(stream.At(2500, "peer-1", Finished("B", "peer-1")));

  const PeerTimeline& peer = *model.timeline().Find("peer-1");
  UtilisationHistory all = Utilisation(peer, 1, 4000, kSecond, 60);
  CHECK(all.buckets == std::vector<double>{0.25, 1.0, 0.5, 0});  // A 750..2250, B 2250..2500

  UtilisationHistory last_two = Utilisation(peer, 1, 4000, kSecond, 2);
  CHECK(last_two.start == 2000);
  CHECK(last_two.buckets == std::vector<double>{0.5, 0});
  CHECK(last_two.busy == 500);
  CHECK(last_two.average == 0.25);
}

TEST_CASE("an open bar counts up to the picture's time, and the last bucket over its part so far",
          "[viz][utilisation]") {
  Model model;
  Stream stream;
  model.AddEvent(stream.At(0, "tracker", Joined("peer-1", 2)));
  model.AddEvent(stream.At(300, "peer-1", Running("A", "peer-1")));  // runs still

  const PeerTimeline& peer = *model.timeline().Find("peer-1");
  REQUIRE(peer.lanes[0].open() != nullptr);
  // Live, the picture's time runs ahead of the last event (t = 300).
  UtilisationHistory history = Utilisation(peer, 2, 800, kSecond, 60);
  REQUIRE(history.buckets.size() == 1);
  CHECK(history.buckets[0] == 0.3125);  // 500 ms busy / (2 cores x 800 ms so far)
  history = Utilisation(peer, 2, 1500, kSecond, 60);
  CHECK(history.buckets == std::vector<double>{0.35, 0.5});  // 700 / 2000; 500 / (2 x 500)
}

TEST_CASE("seeking back counts only what ran before the cursor, though the timeline holds the whole run",
          "[viz][utilisation]") {
  Model model;
  Stream stream;
  model.AddEvent(stream.At(0, "tracker", Joined("peer-1", 2)));
  model.AddEvent(stream.At(0, "peer-1", Running("A", "peer-1")));
  model.AddEvent(stream.At(0, "peer-1", Running("B", "peer-1")));
  model.AddEvent(stream.At(1000, "peer-1", Finished("B", "peer-1")));
  model.AddEvent(stream.At(2000, "peer-1", Finished("A", "peer-1")));
  model.AddEvent(stream.At(3000, "tracker", ev::PeerLoad{"peer-1", 0, 0, 2}));

  const PeerTimeline& peer = *model.timeline().Find("peer-1");
  CHECK(Utilisation(peer, 2, model.cursor_t(), kSecond, 60).buckets == std::vector<double>{1.0, 0.5, 0});

  model.SeekTo(500);  // the cursor: after the last event at or before 500 (t = 0); A and B run
  REQUIRE(model.cursor_t() == 0);
  CHECK(Utilisation(peer, 2, model.cursor_t(), kSecond, 60).empty());  // nothing has run yet
  // A replay playing between two events: the picture's time is past the cursor's event.
  CHECK(Utilisation(peer, 2, 500, kSecond, 60).buckets == std::vector<double>{1.0});  // both busy so far
  UtilisationHistory at_1500 = Utilisation(peer, 2, 1500, kSecond, 60);
  CHECK(at_1500.buckets == std::vector<double>{1.0, 0.5});  // B is over; A runs on
  CHECK(at_1500.average == Approx(2500.0 / (2 * 1500)));
}

TEST_CASE("context switches are not busy time, and cores not told are the peer's lanes", "[viz][utilisation]") {
  SourceInfo source;
  source.source = "sim";
  source.time_unit = "time unit";
  Model model(source);
  Stream stream{"sim-1"};
  auto at = [&](double t, ev::Payload body) { model.AddEvent(stream.At(t, "sim", std::move(body))); };
  at(0, ev::TaskRunning{"0", std::nullopt, ""});
  at(2, ev::TaskPreempted{"0", std::nullopt, "", "quantum", 0});
  at(2, ev::CpuSwitch{"0", "1", "", 1});  // [2, 3): a switch
  at(3, ev::TaskRunning{"1", std::nullopt, ""});
  at(4, ev::TaskFinished{"1", std::nullopt, "", ev::Outcome::kOk, 0, 1, 4});

  const PeerTimeline& sim = *model.timeline().Find(kSimPeer);
  CHECK(UtilisationBucket(model.source()) == 1);
  UtilisationHistory history = Utilisation(sim, 0, 4, UtilisationBucket(model.source()), 60);
  CHECK(history.buckets == std::vector<double>{1, 1, 0, 1});
  CHECK(history.average == 0.75);  // 3 units run of 4, as the simulator's utilization says
}

TEST_CASE("the first bucket is the one holding the recording's start", "[viz][utilisation]") {
  Model model;
  Stream stream;
  model.AddEvent(stream.At(5200, "tracker", Joined("peer-1", 1)));
  model.AddEvent(stream.At(5200, "peer-1", Running("A", "peer-1")));
  model.AddEvent(stream.At(5600, "peer-1", Finished("A", "peer-1")));

  const PeerTimeline& peer = *model.timeline().Find("peer-1");
  UtilisationHistory history = Utilisation(peer, 1, 6000, kSecond, 60, *model.first_t());
  CHECK(history.start == 5000);
  CHECK(history.buckets == std::vector<double>{0.4});
  CHECK(Utilisation(peer, 1, 6000, kSecond, 0).empty());
  CHECK(Utilisation(peer, 1, 5000, kSecond, 60, 5200).empty());  // before the start
}

TEST_CASE("a peer with no bar has none, one that has run has some", "[viz][utilisation]") {
  Model model;
  Stream stream;
  model.AddEvent(stream("tracker", Joined("peer-1", 1)));
  model.AddEvent(stream("tracker", Joined("peer-2", 1)));
  model.AddEvent(stream("tracker", ev::PeerLoad{"peer-1", 1, 0, 1}));
  model.AddEvent(stream("peer-2", Running("A", "peer-2")));
  CHECK_FALSE(HasBars(*model.timeline().Find("peer-1")));
  CHECK(HasBars(*model.timeline().Find("peer-2")));  // an open bar
}

}  // namespace
}  // namespace osgrid::viz
