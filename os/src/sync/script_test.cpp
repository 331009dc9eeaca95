#include <catch2/catch.hpp>

#include "osgrid/os/sync/script.h"

using namespace osgrid::os;

namespace {

Op Parsed(const char* text) {
  auto op = ParseOp(text);
  INFO(text);
  REQUIRE(op.ok());
  return *op;
}

std::string ParseError(const char* text) {
  auto op = ParseOp(text);
  INFO(text);
  REQUIRE_FALSE(op.ok());
  return op.error().message;
}

std::string ValidationError(SyncScript script) {
  auto checked = ValidateScript(std::move(script));
  REQUIRE_FALSE(checked.ok());
  return checked.error().message;
}

}  // namespace

TEST_CASE("ParseOp reads every operation and its aliases", "[sync][script]") {
  CHECK(Parsed("P empty").kind == OpKind::kWait);
  CHECK(Parsed("wait empty").target == "empty");
  CHECK(Parsed("sem_wait s").kind == OpKind::kWait);
  CHECK(Parsed("V full").kind == OpKind::kSignal);
  CHECK(Parsed("signal full").kind == OpKind::kSignal);
  CHECK(Parsed("lock m").kind == OpKind::kLock);
  CHECK(Parsed("release m").kind == OpKind::kUnlock);
  const Op send = Parsed("send mailbox \"hello world\"");
  CHECK(send.kind == OpKind::kSend);
  CHECK(send.target == "mailbox");
  CHECK(send.message == "hello world");
  CHECK(Parsed("recv mailbox").kind == OpKind::kReceive);
  CHECK(Parsed("compute").amount == 1);
  CHECK(Parsed("compute 5").amount == 5);
  CHECK(Parsed("print 'eating now'").message == "eating now");
  const Op inc = Parsed("inc items 2");
  CHECK(inc.kind == OpKind::kIncrement);
  CHECK(inc.amount == 2);
  CHECK(Parsed("dec items").amount == 1);
  CHECK(Parsed("  P   empty  ").text == "P   empty");
}

TEST_CASE("ParseOp reads a guarded op (the reader of Silberschatz 7.1.2)", "[sync][script]") {
  const Op op = Parsed("if read_count == 1 then P rw_mutex");
  CHECK(op.kind == OpKind::kWait);
  CHECK(op.target == "rw_mutex");
  REQUIRE(op.guard.has_value());
  CHECK(op.guard->counter == "read_count");
  CHECK(op.guard->comparison == Comparison::kEqual);
  CHECK(op.guard->value == 1);
  CHECK(Describe(op) == "if read_count == 1 then P rw_mutex");
  CHECK(Parsed("if n >= -2 then inc n").guard->value == -2);
  CHECK(Compare(3, Comparison::kLessEqual, 3));
  CHECK_FALSE(Compare(3, Comparison::kNotEqual, 3));
}

TEST_CASE("ParseOp errors say what is wrong", "[sync][script]") {
  CHECK(ParseError("") == "empty operation");
  CHECK(ParseError("Q s") ==
        "unknown operation 'Q' (expected P, V, lock, unlock, send, recv, compute, print, inc, dec or if)");
  CHECK(ParseError("P") == "P needs a semaphore name");
  CHECK(ParseError("P 3x") == "P: '3x' is not a name (letters, digits, '_' and '-', starting with a letter or '_')");
  CHECK(ParseError("P a b") == "P: too many words in 'P a b'");
  CHECK(ParseError("compute 0") == "compute: ticks must be >= 1, got 0");
  CHECK(ParseError("compute x") == "compute: 'x' is not an integer");
  CHECK(ParseError("send q") == "send: 'send q' has no message (send QUEUE VALUE)");
  CHECK(ParseError("if x = 1 then P s") == "if: '=' is not a comparison (==, !=, <, <=, >, >=)");
  CHECK(ParseError("if x == 1 P s") == "if: expected 'if COUNTER OP VALUE then OPERATION'");
  CHECK(ParseError("if x == 1 then if y == 2 then P s") == "if: an 'if' cannot guard another 'if'");
}

TEST_CASE("Describe gives a canonical form for ops built in code", "[sync][script]") {
  Op p;
  p.kind = OpKind::kWait;
  p.target = "s";
  CHECK(Describe(p) == "P s");
  CHECK(Describe(Repeat(3, {p})) == "repeat 3");
  CHECK(Describe(Repeat(kForever, {p})) == "repeat forever");
}

TEST_CASE("ValidateScript names the process and the op", "[sync][script]") {
  SyncScript script;
  script.semaphores = {{"empty", 3, false}, {"full", 0, false}};
  script.mutexes = {"m"};
  script.processes = {{"producer", {Repeat(5, {Parsed("P empty"), Parsed("inc items"), Parsed("V ful")})}}};
  CHECK(ValidationError(script) == "producer op 1.3: unknown semaphore 'ful'");

  script.processes = {{"producer", {Parsed("compute"), Parsed("lock empty")}}};
  CHECK(ValidationError(script) == "producer op 2: 'empty' is a semaphore, not a mutex (use P/V)");

  script.processes = {{"producer", {Parsed("P m")}}};
  CHECK(ValidationError(script) == "producer op 1: 'm' is a mutex, not a semaphore (use lock/unlock)");

  script.processes = {{"producer", {Parsed("if items > 0 then V full")}}};
  CHECK(ValidationError(script) == "producer op 1: unknown counter 'items'");

  script.processes = {{"producer", {Repeat(0, {Parsed("V full")})}}};
  CHECK(ValidationError(script) == "producer op 1: repeat count must be >= 1 (or forever), got 0");

  script.processes = {{"a", {Parsed("V full")}}, {"a", {Parsed("P full")}}};
  CHECK(ValidationError(script) == "process 'a' is declared twice");

  script.processes = {{"a", {}}};
  CHECK(ValidationError(script) == "process 'a' has no operations");

  script.processes = {};
  CHECK(ValidationError(script) == "the script has no processes");
}

TEST_CASE("ValidateScript checks the declarations", "[sync][script]") {
  SyncScript script;
  script.processes = {{"p", {Parsed("compute")}}};
  script.semaphores = {{"s", -1, false}};
  CHECK(ValidationError(script) == "semaphore 's': initial value must be >= 0, got -1");
  script.semaphores = {{"s", 2, true}};
  CHECK(ValidationError(script) == "binary semaphore 's': initial value must be 0 or 1, got 2");
  script.semaphores = {{"s", 1, false}};
  script.mutexes = {"s"};
  CHECK(ValidationError(script) == "'s' is declared both as a semaphore and as a mutex");
  script.mutexes = {};
  script.queues = {{"q", -1}};
  CHECK(ValidationError(script) == "queue 'q': capacity must be >= 0, got -1");
}

TEST_CASE("counters used by inc/dec are declared at 0 in order of first use", "[sync][script]") {
  SyncScript script;
  script.counters = {{"base", 10}};
  script.processes = {{"a", {Parsed("inc zeta"), Parsed("if alpha == 0 then inc base")}},
                      {"b", {Repeat(2, {Parsed("dec alpha")})}}};
  auto checked = ValidateScript(script);
  REQUIRE(checked.ok());
  REQUIRE(checked->counters.size() == 3);
  CHECK(checked->counters[0].name == "base");
  CHECK(checked->counters[0].initial == 10);
  CHECK(checked->counters[1].name == "zeta");
  CHECK(checked->counters[2].name == "alpha");
}
