// The tracker's deadlock state on screen: `osgrid deadlock`'s text and the
// scenario runner's `deadlock:` step, from a DEADLOCK_REPLY.
#include <catch2/catch.hpp>

#include <sstream>

#include "osgrid/client/deadlock_view.h"

using namespace osgrid;
using namespace osgrid::client;

namespace {

std::string Printed(const Json& reply, std::string_view indent = "") {
  std::ostringstream out;
  PrintDeadlock(reply, out, indent);
  return out.str();
}

// Two philosophers, each holding one fork and waiting for the other's, as
// the tracker writes the events (net::EncodeEvent).
const Json kFound = Json::parse(R"j({"type":"deadlock.found","seq":0,"epoch":"t-5f3a","t":2102.4,"node":"tracker",
  "cycle":["peer-1/1","peer-2/2"],"resources":["fork-2","fork-1"],"peers":["peer-1","peer-2"],
  "algorithm":"wait-for graph"})j");
const Json kVictim = Json::parse(R"j({"type":"deadlock.victim","seq":0,"epoch":"t-5f3a","t":2103,"node":"tracker",
  "task_id":"peer-2/2","peer":"peer-2","held":1,"rule":"holds the fewest instances (1); youngest on a tie"})j");
const Json kStall = Json::parse(R"j({"type":"deadlock.stall","seq":0,"epoch":"t-5f3a","t":2500,"node":"tracker",
  "tasks":["peer-1/3","peer-2/4"],"waiting":["semaphore full (wait)","child"]})j");

Json Objects() {
  return Json::parse(R"j([
    {"kind":"lock","name":"fork-1","instances":1,"available":0,
     "holders":[{"task_id":"peer-1/1","peer":"peer-1","count":1,"op":"acquire"}],
     "waiters":[{"task_id":"peer-2/2","peer":"peer-2","count":1,"op":"acquire"}]},
    {"kind":"resource","name":"tape","instances":3,"available":1,
     "holders":[{"task_id":"peer-1/5","peer":"peer-1","count":2,"op":"request"}],"waiters":[]},
    {"kind":"semaphore","name":"full","instances":0,"available":0,"holders":[],"waiters":[]}])j");
}

}  // namespace

TEST_CASE("history events read as one line each", "[deadlock_view]") {
  CHECK(DeadlockEventText(kFound) ==
        "found at 2102 ms (wait-for graph): peer-1/1 → fork-2 → peer-2/2 → fork-1 → peer-1/1");
  CHECK(DeadlockEventText(kVictim) ==
        "victim at 2103 ms: peer-2/2 on peer-2 (holds the fewest instances (1); youngest on a tie)");
  CHECK(DeadlockEventText(kStall) ==
        "stall at 2500 ms: 2 tasks wait: peer-1/3 on semaphore full (wait), peer-2/4 for a child");

  Json set = kFound;
  set["algorithm"] = "multi-instance detection";
  set["deadlocked"] = {"peer-1/1", "peer-2/2", "peer-3/1"};
  CHECK(DeadlockEventText(set) ==
        "found at 2102 ms (multi-instance detection): peer-1/1 → fork-2 → peer-2/2 → "
        "fork-1 → peer-1/1; deadlocked: 3 tasks");
  Json self = {{"type", "deadlock.found"}, {"t", 7}, {"cycle", {"peer-1/1"}}, {"resources", {"fork-1"}}};
  CHECK(DeadlockEventText(self) == "found at 7 ms: peer-1/1 → fork-1 → peer-1/1");  // a Lock it holds itself
  CHECK(DeadlockEventText({{"type", "deadlock.later"}, {"t", 1}}) == "deadlock.later at 1 ms");
}

TEST_CASE("a reply with no deadlock, no stall and no objects says so", "[deadlock_view]") {
  const Json reply = {{"type", "DEADLOCK_REPLY"},
                      {"mode", "detect"},
                      {"objects", Json::array()},
                      {"deadlocks", Json::array()},
                      {"history", Json::array()}};
  CHECK(Printed(reply) == "deadlock mode: detect\nno deadlock, no stall\nno cluster objects yet\n");
}

TEST_CASE("a tracker still in its grace says how long Locks wait, with control characters made safe",
          "[deadlock_view]") {
  const Json reply = {{"mode", "detect"},
                      {"grace_ms", 900},
                      {"grace_message", "Locks are granted in 900 ms\x1b[2J"},
                      {"objects", Json::array()}};
  CHECK(
      Printed(reply) ==
      "deadlock mode: detect\ngrace: Locks are granted in 900 ms?[2J\nno deadlock, no stall\nno cluster objects yet\n");
}

TEST_CASE("a deadlock in force, the stall, the history and the objects", "[deadlock_view]") {
  const Json reply = {{"type", "DEADLOCK_REPLY"}, {"mode", "recover"}, {"objects", Objects()},
                      {"deadlocks", {kFound}},    {"stall", kStall},   {"history", {kFound, kVictim, kStall}}};
  CHECK(Printed(reply, "  ") ==
        "  deadlock mode: recover\n"
        "  DEADLOCK (wait-for graph): a cycle of 2 tasks\n"
        "    peer-1/1 on peer-1 waits for fork-2, held by peer-2/2\n"
        "    peer-2/2 on peer-2 waits for fork-1, held by peer-1/1\n"
        "  STALL: every live task waits, and nothing can wake them (a lost wake-up?)\n"
        "    peer-1/3 waits on semaphore full (wait)\n"
        "    peer-2/4 waits for a child\n"
        "  history (since the tracker started or its mode was last set):\n"
        "    found at 2102 ms (wait-for graph): peer-1/1 → fork-2 → peer-2/2 → fork-1 → peer-1/1\n"
        "    victim at 2103 ms: peer-2/2 on peer-2 (holds the fewest instances (1); youngest on a tie)\n"
        "    stall at 2500 ms: 2 tasks wait: peer-1/3 on semaphore full (wait), peer-2/4 for a child\n"
        "  KIND       NAME    AVAILABLE  HOLDERS      WAITERS\n"
        "  lock       fork-1  0/1        peer-1/1     peer-2/2 (acquire)\n"
        "  resource   tape    1/3        peer-1/5 x2  -\n"
        "  semaphore  full    0          -            -\n");
}

TEST_CASE("a turn in a Resource's queue is not a holder, and a larger deadlocked set is listed", "[deadlock_view]") {
  Json found = kFound;
  found["algorithm"] = "multi-instance detection";
  found["resources"] = {"tape (its turn, after peer-2/2)", "tape"};
  found["deadlocked"] = {"peer-1/1", "peer-2/2", "peer-3/1"};
  const std::string text = Printed({{"mode", "detect"}, {"deadlocks", {found}}});
  CHECK(text.find("  peer-1/1 on peer-1 waits for tape (its turn, after peer-2/2)\n") != std::string::npos);
  CHECK(text.find("  peer-2/2 on peer-2 waits for tape, held by peer-1/1\n") != std::string::npos);
  CHECK(text.find("  deadlocked in all: peer-1/1, peer-2/2, peer-3/1\n") != std::string::npos);
}

TEST_CASE("a reply out of protocol prints question marks, never throws", "[deadlock_view]") {
  const Json odd = {{"mode", 3},
                    {"deadlocks", {{{"cycle", {"a/1", 2}}, {"resources", "r"}}}},
                    {"stall", {{"tasks", {"b/1"}}}},
                    {"history", {42, {{"type", "deadlock.victim"}, {"t", "soon"}}}},
                    {"objects", {{{"kind", "lock"}, {"name", "x\x1b[2J"}, {"holders", "none"}}}}};
  std::string text;
  REQUIRE_NOTHROW(text = Printed(odd));
  CHECK(text.find("deadlock mode: 3\n") != std::string::npos);
  CHECK(text.find("DEADLOCK: a cycle of 2 tasks\n  a/1\n  2\n") != std::string::npos);
  CHECK(text.find("  b/1 waits on ?\n") != std::string::npos);
  CHECK(text.find("  ? at ? ms\n") != std::string::npos);
  CHECK(text.find("  victim at ? ms: ?\n") != std::string::npos);
  CHECK(text.find('\x1b') == std::string::npos);  // a control character in a name is not sent to the terminal
  CHECK_NOTHROW(Printed(Json("not an object")));
  CHECK_NOTHROW(Printed(Json()));
}
