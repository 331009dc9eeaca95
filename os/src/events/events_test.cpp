#include "osgrid/os/events/events.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <set>
#include <string>

#include "event_test_support.h"

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

TEST_CASE("the cluster objects' and deadlock's types come between paging and events.lost", "[events]") {
  const auto& types = AllTypes();
  auto at = std::find(types.begin(), types.end(), "page.evict");
  REQUIRE(at != types.end());
  const std::vector<std::string_view> after(at + 1, types.end());
  CHECK(after == std::vector<std::string_view>{"resource.request", "resource.grant", "resource.release",
                                               "resource.cancel", "deadlock.found", "deadlock.victim", "deadlock.stall",
                                               "events.lost"});
  CHECK(TypeOf(Payload{ResourceGrant{}}) == "resource.grant");
  CHECK(TypeOf(Payload{DeadlockStall{}}) == "deadlock.stall");
  CHECK_FALSE(UnknownPrefix({"resource", "resource.cancel", "deadlock", "deadlock.victim"}).has_value());
  CHECK(UnknownPrefix({"resources"}) == std::optional<std::string>("resources"));
  CHECK(PassesFilter({"deadlock"}, "deadlock.stall"));
  CHECK_FALSE(PassesFilter({"deadlock.found"}, "deadlock.victim"));
}

TEST_CASE("a test's line of each cluster object and deadlock event says what it did", "[events]") {
  using testing::Line;
  CHECK(Line({1, "e", 5, "tracker", ResourceRequest{"p/1", "p", "lock", "fork-1", "acquire", 1, true, 0}}) ==
        "5 resource.request p/1 acquire lock fork-1 x1 waits available 0");
  CHECK(Line({2, "e", 6, "tracker", ResourceGrant{"p/1", "p", "resource", "tape", "request", 2, 1.5, 1}}) ==
        "6 resource.grant p/1 request resource tape x2 waited 1.5 available 1");
  CHECK(Line({3, "e", 7, "tracker", ResourceRelease{"p/1", "p", "semaphore", "full", "signal", 1, "released", 4}}) ==
        "7 resource.release p/1 signal semaphore full x1 (released) available 4");
  CHECK(Line({4, "e", 8, "tracker", ResourceCancel{"p/2", "p", "queue", "jobs", "receive", 1, "timed out"}}) ==
        "8 resource.cancel p/2 receive queue jobs x1 (timed out)");
  CHECK(Line({5, "e", 9, "tracker", DeadlockFound{{"p/1", "q/2"}, {"b", "a"}, {"p", "q"}, {}, "wait-for graph"}}) ==
        "9 deadlock.found p/1 q/2 / b a / on p q (wait-for graph)");
  CHECK(Line({5, "e", 9, "sim", DeadlockFound{{"P1", "P2"}, {"R1", "R2"}}}) == "9 deadlock.found P1 P2 / R1 R2");
  CHECK(Line({6, "e", 9, "tracker", DeadlockVictim{"q/2", "q", 1, "the fewest"}}) ==
        "9 deadlock.victim q/2 held 1 (the fewest)");
  CHECK(Line({7, "e", 10, "tracker", DeadlockStall{{"p/1", "q/2"}, {"semaphore full (wait)", "child"}}}) ==
        "10 deadlock.stall p/1:semaphore full (wait) q/2:child");
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
