// SimulatePaging's event stream (paging_simulation.h, "Events"): a FIFO run
// event by event, then every policy on random strings, where hits, faults
// and the frame table rebuilt from the events alone (events/replay.h) must
// equal the simulation's.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "../events/event_test_support.h"
#include "osgrid/os/events/replay.h"
#include "osgrid/os/paging/paging_simulation.h"
#include "osgrid/os/random.h"

using namespace osgrid::os;
using events::Event;
using events::testing::Lines;
using events::testing::Recorder;

namespace {

/// The events of references 0..last.
std::vector<Event> Upto(const std::vector<Event>& events, std::size_t last) {
  std::vector<Event> prefix;
  for (const Event& event : events) {
    if (event.t <= static_cast<double>(last)) prefix.push_back(event);
  }
  return prefix;
}

/// `frames` as the replay knows them: up to the highest frame used.
std::vector<std::optional<Page>> Used(std::vector<std::optional<Page>> frames) {
  while (!frames.empty() && !frames.back()) frames.pop_back();
  return frames;
}

}  // namespace

TEST_CASE("FIFO's references, event by event", "[paging][events]") {
  Recorder recorder;
  auto result = SimulatePaging("FIFO", {1, 2, 3, 1, 4, 1}, 3, {}, nullptr, recorder.Sink());
  REQUIRE(result.ok());
  CHECK(Lines(recorder.events) == std::vector<std::string>{
                                      "0 page.fault 1 in 0",
                                      "1 page.fault 2 in 1",
                                      "2 page.fault 3 in 2",
                                      "3 page.hit 1 in 0",
                                      "4 page.evict 1 in 0",  // the victim, before the fault it serves
                                      "4 page.fault 4 in 0",
                                      "5 page.evict 2 in 1",
                                      "5 page.fault 1 in 1",
                                  });
  events::testing::CheckStamps(recorder.events);
}

TEST_CASE("Every policy's events rebuild its hits, faults and frames", "[paging][events][property]") {
  Rng rng(4096);
  for (int round = 0; round < 150; ++round) {
    std::vector<Page> references(static_cast<std::size_t>(rng.Uniform(0, 50)));
    const std::int64_t pages = rng.Uniform(1, 10);
    for (Page& page : references) page = rng.Uniform(0, pages - 1);
    const auto frames = static_cast<std::size_t>(rng.Uniform(1, 6));
    PolicyOptions options;
    options.seed = static_cast<std::int64_t>(rng.Uniform(0, 1000));
    for (const std::string& policy : ReplacementPolicyNames()) {
      INFO("round " << round << ", " << policy << ", " << frames << " frames");
      Recorder recorder;
      auto result = SimulatePaging(policy, references, frames, options, nullptr, recorder.Sink());
      REQUIRE(result.ok());
      events::testing::CheckStamps(recorder.events);
      auto replay = events::ReplayPaging(recorder.events);
      INFO((replay.ok() ? "" : replay.error().message));
      REQUIRE(replay.ok());
      CHECK(replay->hits == result->hits);
      CHECK(replay->faults == result->misses);
      std::size_t evictions = 0;
      for (const PageAccess& access : result->accesses) evictions += access.evicted ? 1 : 0;
      CHECK(replay->evictions == evictions);
      // The frame table after every reference.
      for (std::size_t i = 0; i < references.size(); ++i) {
        auto upto = events::ReplayPaging(Upto(recorder.events, i));
        REQUIRE(upto.ok());
        INFO("reference " << i);
        CHECK(upto->frames == Used(result->accesses[i].frames));
      }
      // With an access observer too, the events are the same.
      Recorder again;
      std::size_t observed = 0;
      auto observed_run = SimulatePaging(
          policy, references, frames, options, [&](const PageAccess&) { ++observed; }, again.Sink());
      REQUIRE(observed_run.ok());
      CHECK(observed == references.size());
      CHECK(Lines(again.events) == Lines(recorder.events));
    }
  }
}
