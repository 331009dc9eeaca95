#include "osgrid/peer/memory_store.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

namespace osgrid::peer {
namespace {

TEST_CASE("set, get, replace and delete a key", "[memory]") {
  MemoryStore store(1024);
  REQUIRE(store.Set("greeting", Json("hello")).ok());
  REQUIRE(store.Get("greeting").ok());
  CHECK(store.Get("greeting").value() == Json("hello"));
  CHECK(store.entries() == 1);
  CHECK(store.bytes() == std::string("greeting").size() + std::string("\"hello\"").size());

  REQUIRE(store.Set("greeting", Json("bye")).ok());
  CHECK(store.Get("greeting").value() == Json("bye"));
  CHECK(store.entries() == 1);
  CHECK(store.bytes() == 8 + 5);  // "greeting" + "\"bye\""

  REQUIRE(store.Delete("greeting").ok());
  CHECK(store.entries() == 0);
  CHECK(store.bytes() == 0);
  CHECK(store.Get("greeting").status().code() == Code::kNotFound);
}

TEST_CASE("values may be any JSON and are charged by their dump", "[memory]") {
  MemoryStore store(1024);
  const Json object = {{"x", 1}, {"list", {1, 2, 3}}};
  REQUIRE(store.Set("object", object).ok());
  REQUIRE(store.Set("number", Json(42.5)).ok());
  REQUIRE(store.Set("string", Json("text")).ok());

  CHECK(store.Get("object").value() == object);
  CHECK(store.Get("number").value() == Json(42.5));
  CHECK(store.Get("string").value().is_string());
  CHECK(store.bytes() == (6 + object.dump().size()) + (6 + 4) + (6 + 6));
  CHECK(MemoryStore::EntryBytes("k", Json{{"a", 1}}) == 1 + 7);
}

TEST_CASE("list is sorted by key and gives each entry's bytes", "[memory]") {
  MemoryStore store(1024);
  REQUIRE(store.Set("b", Json(1)).ok());
  REQUIRE(store.Set("a", Json("xy")).ok());
  REQUIRE(store.Set("c", Json::array()).ok());

  const auto list = store.List();
  REQUIRE(list.size() == 3);
  CHECK(list[0].key == "a");
  CHECK(list[0].bytes == 1 + 4);  // a + "xy"
  CHECK(list[1].key == "b");
  CHECK(list[1].bytes == 1 + 1);  // b + 1
  CHECK(list[2].key == "c");
  CHECK(list[2].bytes == 1 + 2);  // c + []
}

TEST_CASE("an unknown key is NOT_FOUND for get and delete", "[memory]") {
  MemoryStore store;
  const auto got = store.Get("missing");
  REQUIRE_FALSE(got.ok());
  CHECK(got.status().code() == Code::kNotFound);
  CHECK(got.status().message() == "no key 'missing'");

  const Status deleted = store.Delete("missing");
  CHECK(deleted.code() == Code::kNotFound);
  CHECK(store.Get("bad\nkey").status().message() == "no key 'bad?key'");  // sanitised echo
}

TEST_CASE("a set over the limit leaves the store unchanged", "[memory]") {
  MemoryStore store(20);
  REQUIRE(store.Set("a", Json("0123456789")).ok());  // 1 + 12 = 13 bytes
  const std::size_t entries_before = store.entries();
  const std::size_t bytes_before = store.bytes();

  const Status status = store.Set("b", Json("01234"));  // 1 + 7 = 8 bytes: 21 > 20
  CHECK(status.code() == Code::kLimit);
  CHECK(status.message() == "memory limit of 20 bytes reached: 13 used, 8 requested for key 'b'");
  CHECK(store.entries() == entries_before);
  CHECK(store.bytes() == bytes_before);
  CHECK(store.Get("b").status().code() == Code::kNotFound);

  REQUIRE(store.Set("b", Json("0123")).ok());  // 1 + 6 = 7 bytes: exactly 20
  CHECK(store.bytes() == store.limit_bytes());
}

TEST_CASE("replacing a key near the limit frees the old value first", "[memory]") {
  MemoryStore store(20);
  REQUIRE(store.Set("a", Json("0123456789")).ok());  // 13 bytes
  REQUIRE(store.Set("b", Json("0123")).ok());        // 7 bytes: the store is full

  // Same size: fits only because the old value of "a" is freed first.
  REQUIRE(store.Set("a", Json("9876543210")).ok());
  CHECK(store.bytes() == 20);

  // One byte larger: 7 used by "b" + 14 > 20; the old value stays.
  const Status status = store.Set("a", Json("0123456789X"));
  CHECK(status.code() == Code::kLimit);
  CHECK(status.message() == "memory limit of 20 bytes reached: 7 used, 14 requested for key 'a'");
  CHECK(store.Get("a").value() == Json("9876543210"));
  CHECK(store.bytes() == 20);
  CHECK(store.entries() == 2);

  // Shrinking "b" makes room for the larger "a".
  REQUIRE(store.Set("b", Json("012")).ok());  // 6 bytes
  REQUIRE(store.Set("a", Json("0123456789X")).ok());
  CHECK(store.bytes() == 20);
}

TEST_CASE("bad keys are BAD_REQUEST and say which rule they break", "[memory]") {
  MemoryStore store;
  struct Case {
    std::string key;
    std::string message_part;
  };
  const std::vector<Case> cases = {
      {"", "empty"},
      {std::string(params::kMaxKeyBytes + 1, 'k'), "257 bytes, over the limit of 256"},
      {"a\nb", "control character at byte 1"},
      {std::string("tab\there"), "control character at byte 3"},
      {std::string("del\x7f"), "control character at byte 3"},
  };
  for (const Case& bad : cases) {
    const Status status = store.Set(bad.key, Json(1));
    INFO("key: " << bad.key);
    CHECK(status.code() == Code::kBadRequest);
    CHECK_THAT(status.message(), Catch::Contains(bad.message_part));
  }
  CHECK(store.entries() == 0);

  CHECK(store.Set(std::string(params::kMaxKeyBytes, 'k'), Json(1)).ok());
  CHECK(store.Set("spaces and ünïcode are fine", Json(1)).ok());
}

}  // namespace
}  // namespace osgrid::peer
