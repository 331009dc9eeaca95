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
  REQUIRE(AllOutcomes().size() == 7);
  CHECK(AllOutcomes().front() == Outcome::kOk);
  CHECK(AllOutcomes().back() == Outcome::kLost);
  for (Outcome o : AllOutcomes()) {
    auto back = ParseOutcome(OutcomeName(o));
    REQUIRE(back.has_value());
    CHECK(*back == o);
  }
  CHECK(OutcomeName(Outcome::kAborted) == "aborted");
  CHECK_FALSE(ParseOutcome("OK").has_value());
  CHECK_FALSE(ParseOutcome("").has_value());
}

TEST_CASE("events compare by value, payload and header alike", "[events]") {
  Event a{7, "e1", 12.5, "peer-1", TaskQueued{"p/1", "p/0", "peer-1", 2}};
  Event b = a;
  CHECK(a == b);
  std::get<TaskQueued>(b.body).parent.reset();
  CHECK(a != b);
  b = a;
  b.seq = 8;
  CHECK(a != b);
  b = a;
  b.body = TaskRunning{"p/1", "p/0", "peer-1"};
  CHECK(a != b);
  CHECK(Snapshot{} == Snapshot{});
  Snapshot s;
  s.peers.push_back(PeerState{});
  s.peers[0].running.push_back(TaskRef{"p/2", std::nullopt, "main"});
  CHECK(s != Snapshot{});
}

TEST_CASE("a type prefix selects the type itself or its dotted family", "[events]") {
  CHECK(PrefixSelects("task.finished", "task.finished"));
  CHECK(PrefixSelects("task", "task.running"));
  CHECK(PrefixSelects("task.", "task.running"));
  CHECK_FALSE(PrefixSelects("tas", "task.running"));
  CHECK_FALSE(PrefixSelects("task.run", "task.running"));
  CHECK_FALSE(PrefixSelects("task.finished", "task.running"));
  CHECK_FALSE(PrefixSelects("", "task.running"));
  CHECK_FALSE(PrefixSelects("task.running.x", "task.running"));
}

TEST_CASE("a filter passes what one of its prefixes selects, and always events.lost", "[events]") {
  CHECK(PassesFilter({}, "mem.set"));
  CHECK(PassesFilter({"page", "mem.alloc"}, "mem.alloc"));
  CHECK(PassesFilter({"page", "mem.alloc"}, "page.fault"));
  CHECK_FALSE(PassesFilter({"page", "mem.alloc"}, "mem.free"));
  CHECK(PassesFilter({"peer"}, "events.lost"));
}

TEST_CASE("a prefix that selects no known type is named", "[events]") {
  CHECK_FALSE(UnknownPrefix({}).has_value());
  CHECK_FALSE(UnknownPrefix({"task", "page.", "deadlock.found", "events"}).has_value());
  CHECK(UnknownPrefix({"task", "tsk", "bogus"}) == std::optional<std::string>("tsk"));
  CHECK(UnknownPrefix({"task.finish"}) == std::optional<std::string>("task.finish"));
  CHECK(UnknownPrefix({""}) == std::optional<std::string>(""));
}
