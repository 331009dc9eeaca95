#include "osgrid/os/events/events.h"

#include <catch2/catch.hpp>
#include <set>
#include <string>

using namespace osgrid::os::events;

TEST_CASE("each payload names its own dotted type", "[events]") {
  CHECK(TypeOf(Payload{TaskRunning{"p/1", std::nullopt, "peer-1"}}) == "task.running");
  CHECK(TypeOf(Payload{PeerDead{"peer-2", 3000}}) == "peer.dead");
  CHECK(TypeOf(Payload{EventsLost{5}}) == "events.lost");
}

TEST_CASE("the catalogue lists every type once, in declaration order", "[events]") {
  const auto& types = AllTypes();
  REQUIRE(types.size() == std::variant_size_v<Payload>);
  CHECK(types.front() == "peer.joined");
  CHECK(types.back() == "events.lost");
  CHECK(std::set<std::string_view>(types.begin(), types.end()).size() == types.size());
  for (std::string_view type : types) {
    INFO(type);
    CHECK(type.find('.') != std::string_view::npos);
  }
}

TEST_CASE("outcomes go to their wire names and back", "[events]") {
  for (Outcome o : {Outcome::kOk, Outcome::kFailed, Outcome::kTimeout, Outcome::kCancelled, Outcome::kKilled,
                    Outcome::kAborted, Outcome::kLost}) {
    auto back = ParseOutcome(OutcomeName(o));
    REQUIRE(back.has_value());
    CHECK(*back == o);
  }
  CHECK(OutcomeName(Outcome::kAborted) == "aborted");
  CHECK_FALSE(ParseOutcome("OK").has_value());
  CHECK_FALSE(ParseOutcome("").has_value());
}
