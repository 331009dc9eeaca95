#include <catch2/catch.hpp>

#include <set>

#include "osgrid/net/messages.h"

using namespace osgrid;
using namespace osgrid::net;

TEST_CASE("every catalogue entry is unique and documented", "[messages]") {
  std::set<std::string_view> seen;
  for (const auto& spec : Catalogue()) {
    CHECK(seen.insert(spec.type).second);
    CHECK_FALSE(spec.summary.empty());
    CHECK_FALSE(spec.reply.empty());
    for (const auto& field : spec.fields) CHECK_FALSE(field.meaning.empty());
  }
  CHECK(FindSpec("CPU_TASK") != nullptr);
  CHECK(FindSpec("NOPE") == nullptr);
}

TEST_CASE("ValidateRequest names what is wrong", "[messages]") {
  auto check = [](const Json& msg) { return ValidateRequest(msg); };

  CHECK(check(Json::array()).message() == "a message must be a JSON object");
  CHECK(check({{"id", 1}}).message() == "missing field 'type' (string)");

  Status unknown = check({{"type", "FORMAT_DISK\n"}, {"id", 1}});
  CHECK(unknown.code() == Code::kUnknownType);
  CHECK(unknown.message() == "unknown message type 'FORMAT_DISK?'");

  CHECK(check({{"type", "GET_MEM"}, {"key", "a"}}).message() == "GET_MEM: missing field 'id' (integer)");
  CHECK(check({{"type", "GET_MEM"}, {"id", 1}}).message() == "GET_MEM: missing field 'key' (string)");
  CHECK(check({{"type", "GET_MEM"}, {"id", 1}, {"key", 5}}).message() ==
        "GET_MEM: field 'key' must be string, got number");
  CHECK(check({{"type", "CPU_TASK"},
               {"id", 1},
               {"program", "x"},
               {"program_sha256", "0"},
               {"function", "f"},
               {"args", "[1]"}})
            .message() == "CPU_TASK: field 'args' must be array, got string");
  // An optional field is left out or has its type: handlers read it with a default.
  CHECK(check({{"type", "PICK_PEER"}, {"id", 1}, {"count", nullptr}}).message() ==
        "PICK_PEER: field 'count' must be integer, got null (leave it out to get its default)");
  CHECK(check({{"type", "PICK_PEER"}, {"id", 1}}).ok());
  CHECK(check({{"type", "GET_MEM"}, {"id", 1}, {"key", "a"}}).ok());
  CHECK(check({{"type", "SET_MEM"}, {"id", 2}, {"key", "a"}, {"value", {{"nested", true}}}}).ok());
}

TEST_CASE("errors survive the trip through an ERROR frame", "[messages]") {
  Status original(Code::kTaskFailed, "ZeroDivisionError: division by zero", "Traceback ...");
  Json frame = MakeError(7, original);
  CHECK(frame["type"] == "ERROR");
  CHECK(frame["code"] == "TASK_FAILED");
  CHECK(frame["id"] == 7);
  Status back = StatusFromReply(frame);
  CHECK(back.code() == Code::kTaskFailed);
  CHECK(back.message() == original.message());
  CHECK(back.detail() == "Traceback ...");
  CHECK(StatusFromReply({{"type", "OK"}}).ok());
  CHECK(StatusFromReply({{"type", "ERROR"}, {"code", 5}}).code() == Code::kInternal);
}

TEST_CASE("Sanitize removes control characters and cuts long text", "[messages]") {
  CHECK(Sanitize("a\x01"
                 "b") == "a?b");
  CHECK(Sanitize(std::string(100, 'x'), 10) == std::string(10, 'x') + "...");
}

// Found by fuzz_message/fuzz_frame (tests/fuzz/): both used to kill a node.
TEST_CASE("ParseMessage refuses out-of-range numbers and deep nesting without throwing", "[messages]") {
  auto huge = ParseMessage(R"({"type":"PING","id":2,"x":1e999})");
  REQUIRE_FALSE(huge.ok());
  CHECK(huge.status().code() == Code::kBadRequest);
  CHECK(huge.status().message().rfind("malformed JSON: ", 0) == 0);

  std::string deep = std::string(120000, '[') + std::string(120000, ']');
  auto nested = ParseMessage(deep);
  REQUIRE_FALSE(nested.ok());
  CHECK(nested.status().message() == "malformed JSON: nested deeper than 128 levels");

  std::string allowed = std::string(kMaxJsonDepth, '[') + std::string(kMaxJsonDepth, ']');
  CHECK(ParseMessage(allowed).ok());
  CHECK(ParseMessage(R"({"s":"[[[[ brackets in a string do not count"})").ok());
  CHECK_FALSE(ParseMessage("{").ok());
}
