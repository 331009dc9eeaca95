// The key-value memory in its arena: blocks placed by an os/ allocator.
#include "osgrid/peer/memory_store.h"

#include <stdlib.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <variant>
#include <vector>

namespace osgrid::peer {
namespace {

std::unique_ptr<MemoryStore> Store(std::uint64_t arena_bytes = 4096, const std::string& allocator = "first") {
  auto store = MemoryStore::Create({arena_bytes, allocator});
  REQUIRE(store.ok());
  return std::move(store).value();
}

/// The block a request of `bytes` takes: rounded up to 8, plus the 24-byte header.
std::size_t BlockFor(std::size_t bytes) { return (bytes + 7) / 8 * 8 + 24; }

TEST_CASE("set, get, replace and delete a key", "[memory]") {
  auto store = Store();
  REQUIRE(store->Set("greeting", Json("hello")).ok());  // 8 + 7 = 15 bytes: a 40-byte block
  CHECK(store->Get("greeting").value() == Json("hello"));
  CHECK(store->entries() == 1);
  CHECK(store->bytes() == BlockFor(15));
  CHECK(store->address_of("greeting") == 0);

  REQUIRE(store->Set("greeting", Json("bye")).ok());  // placed after the old block, which is then freed
  CHECK(store->Get("greeting").value() == Json("bye"));
  CHECK(store->address_of("greeting") == 40);
  CHECK(store->entries() == 1);
  CHECK(store->bytes() == BlockFor(13));

  REQUIRE(store->Delete("greeting").ok());
  CHECK(store->entries() == 0);
  CHECK(store->bytes() == 0);
  CHECK(store->Get("greeting").status().code() == Code::kNotFound);
  CHECK(store->Delete("greeting").code() == Code::kNotFound);
}

TEST_CASE("values may be any JSON and read back from the arena unchanged", "[memory]") {
  auto store = Store();
  const Json object = {{"x", 1}, {"list", {1, 2, 3}}, {"text", "ünï"}, {"none", nullptr}};
  REQUIRE(store->Set("object", object).ok());
  REQUIRE(store->Set("number", Json(42.5)).ok());
  REQUIRE(store->Set("string", Json("text")).ok());
  CHECK(store->Get("object").value() == object);
  CHECK(store->Get("number").value() == Json(42.5));
  CHECK(store->Get("string").value() == Json("text"));
  CHECK(MemoryStore::EntryBytes("k", Json{{"a", 1}}) == 1 + 7);
  CHECK(store->charged("object") == BlockFor(6 + object.dump().size()));
}

TEST_CASE("list is sorted by key and gives each block's bytes", "[memory]") {
  auto store = Store();
  REQUIRE(store->Set("b", Json(1)).ok());
  REQUIRE(store->Set("a", Json("0123456789")).ok());
  const auto entries = store->List();
  REQUIRE(entries.size() == 2);
  CHECK(entries[0].key == "a");
  CHECK(entries[0].bytes == BlockFor(13));
  CHECK(entries[1].key == "b");
  CHECK(entries[1].bytes == BlockFor(2));
}

TEST_CASE("a failed overwrite keeps the old value", "[memory]") {
  auto store = Store(128);           // room for one 64-byte block and a bit
  const std::string forty(36, 'x');  // "x...x" as JSON: 38 bytes, + key 2 = 40: a 64-byte block
  REQUIRE(store->Set("k1", Json(forty)).ok());
  const Status grown = store->Set("k1", Json(std::string(70, 'y')));  // 74 bytes: a 104-byte block
  CHECK(grown.code() == Code::kLimit);
  CHECK_THAT(grown.message(), Catch::Contains("no space: need 104 B; 64 B free of 128 B"));
  CHECK(store->Get("k1").value() == Json(forty));
  CHECK(store->bytes() == 64);
}

TEST_CASE("external fragmentation has its own error, with the figures", "[memory]") {
  auto store = Store(160);  // five 32-byte blocks fill it
  for (const char* key : {"a", "b", "c", "d", "e"}) REQUIRE(store->Set(key, Json(1)).ok());
  REQUIRE(store->Delete("b").ok());
  REQUIRE(store->Delete("d").ok());
  const Status refused = store->Set("f", Json("0123456789abc"));  // 1 + 15 = 16: a 40-byte block
  CHECK(refused.code() == Code::kFragmented);
  CHECK(refused.message() == "external fragmentation: need 40 B; 64 B free in 2 holes, largest 32 B");
  CHECK(store->entries() == 3);

  std::vector<std::string> seen;
  store->set_event_sink([&](os::events::Payload event) {
    if (auto* failed = std::get_if<os::events::MemFailed>(&event)) {
      seen.push_back(failed->owner + " " + failed->reason + " " + std::to_string(failed->largest_hole));
    }
  });
  CHECK(store->Set("f", Json("0123456789abc")).code() == Code::kFragmented);
  CHECK(seen == std::vector<std::string>{"f fragmentation 32"});

  const auto compacted = store->Compact();  // c: 64 -> 32, e: 128 -> 64
  REQUIRE(compacted.ok());
  REQUIRE(compacted->moves.size() == 2);
  CHECK(compacted->moves[0].key == "c");
  CHECK(compacted->moves[0].from == 64);
  CHECK(compacted->moves[0].to == 32);
  CHECK(compacted->moves[1].key == "e");
  CHECK(store->Set("f", Json("0123456789abc")).ok());
  CHECK(store->address_of("f") == 96);
  for (const char* key : {"a", "c", "e"}) CHECK(store->Get(key).value() == Json(1));
  CHECK(store->Get("f").value() == Json("0123456789abc"));
}

TEST_CASE("a value bigger than the whole arena says so", "[memory]") {
  auto store = Store(64);
  const Status status = store->Set("big", Json(std::string(100, 'z')));
  CHECK(status.code() == Code::kLimit);
  CHECK_THAT(status.message(), Catch::Contains("more than the whole arena (64 B, --mem-arena)"));
  CHECK(store->entries() == 0);
}

TEST_CASE("the map covers the arena and names each block's key", "[memory]") {
  auto store = Store(256, "best");
  REQUIRE(store->Set("a", Json(1)).ok());
  REQUIRE(store->Set("b", Json("0123456789abc")).ok());
  REQUIRE(store->Delete("a").ok());
  const net::MemMap map = store->Describe(100);
  CHECK(map.allocator == "best");
  CHECK(map.arena_bytes == 256);
  CHECK(map.header_bytes == 24);
  REQUIRE(map.blocks.size() == 3);
  CHECK(map.blocks[0].free);
  CHECK(map.blocks[1].key == "b");
  CHECK(map.blocks[1].address == 32);
  CHECK(map.blocks[1].size == 40);
  CHECK(map.blocks[1].request == 16);
  CHECK(map.blocks[2].free);
  CHECK(map.free_holes == 2);
  CHECK(map.largest_hole == 184);
  CHECK(map.free_bytes == 216);
  CHECK_FALSE(map.truncated);
  CHECK(store->Describe(2).truncated);
  CHECK(store->Describe(2).blocks.size() == 2);
}

TEST_CASE("the buddy system places entries in power-of-two blocks and cannot compact", "[memory]") {
  auto store = Store(1024, "buddy");
  REQUIRE(store->Set("a", Json(1)).ok());
  CHECK(store->charged("a") == 32);
  REQUIRE(store->Set("b", Json(std::string(40, 'q'))).ok());  // 43 + 24 = 67: 128
  CHECK(store->charged("b") == 128);
  CHECK(store->Compact().status().code() == Code::kBadRequest);
}

TEST_CASE("a bad arena or allocator is refused with a clear error", "[memory]") {
  auto tiny = MemoryStore::Create({16, "first"});
  CHECK(tiny.status().code() == Code::kBadRequest);
  CHECK_THAT(tiny.status().message(), Catch::Contains("--mem-arena must be 32 bytes"));
  auto unknown = MemoryStore::Create({4096, "fastest"});
  CHECK_THAT(unknown.status().message(), Catch::Contains("unknown --allocator 'fastest': use one of first|best"));
  auto upper = MemoryStore::Create({4096, "FIRST"});
  CHECK(upper.status().code() == Code::kBadRequest);
  auto buddy = MemoryStore::Create({1000, "buddy"});
  CHECK_THAT(buddy.status().message(), Catch::Contains("power-of-two --mem-arena"));
}

TEST_CASE("bad keys are BAD_REQUEST and say which rule they break", "[memory]") {
  auto store = Store();
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
    const Status status = store->Set(bad.key, Json(1));
    INFO("key: " << bad.key);
    CHECK(status.code() == Code::kBadRequest);
    CHECK_THAT(status.message(), Catch::Contains(bad.message_part));
  }
  CHECK(store->entries() == 0);

  CHECK(store->Set(std::string(params::kMaxKeyBytes, 'k'), Json(1)).ok());
  CHECK(store->Set("spaces and ünïcode are fine", Json(1)).ok());
}

}  // namespace
}  // namespace osgrid::peer

// ---- Persistence: the arena in a mapped file --------------------------------------

namespace osgrid::peer {
namespace {

/// A fresh file path in a folder of its own, removed at the end.
struct ArenaFile {
  ArenaFile() {
    char pattern[] = "/tmp/osgrid-arena-test-XXXXXX";
    dir = mkdtemp(pattern);
    path = dir + "/memory.arena";
  }
  ~ArenaFile() { std::filesystem::remove_all(dir); }
  std::string dir, path;
};

std::unique_ptr<MemoryStore> OpenStore(const std::string& path, std::uint64_t arena = 4096,
                                       const std::string& allocator = "first") {
  auto store = MemoryStore::Open({arena, allocator}, path);
  INFO(store.status().ToString());
  REQUIRE(store.ok());
  return std::move(store).value();
}

std::vector<std::pair<std::int64_t, std::string>> Layout(const MemoryStore& store) {
  std::vector<std::pair<std::int64_t, std::string>> layout;
  for (const auto& block : store.Describe(SIZE_MAX).blocks) {
    layout.emplace_back(static_cast<std::int64_t>(block.address), block.free ? "." : block.key);
  }
  return layout;
}

TEST_CASE("a reopened arena file serves every key at the address it had", "[memory][persist]") {
  ArenaFile file;
  std::vector<std::pair<std::int64_t, std::string>> before;
  {
    auto store = OpenStore(file.path);
    for (int i = 0; i < 20; ++i) REQUIRE(store->Set("k" + std::to_string(i), Json(std::string(i * 7, 'v'))).ok());
    for (int i = 0; i < 20; i += 3) REQUIRE(store->Delete("k" + std::to_string(i)).ok());
    REQUIRE(store->Set("k4", Json({{"list", {1, 2, 3}}})).ok());  // an overwrite: old block freed
    before = Layout(*store);
  }
  auto again = OpenStore(file.path);
  CHECK(again->recovery().keys == 13);
  CHECK(again->recovery().stale == 0);
  CHECK(again->recovery().damaged == 0);
  CHECK(Layout(*again) == before);
  CHECK(again->Get("k4").value() == Json({{"list", {1, 2, 3}}}));
  CHECK(again->Get("k5").value() == Json(std::string(35, 'v')));
  CHECK(again->Get("k3").status().code() == Code::kNotFound);
  REQUIRE(again->Set("k5", Json("newer")).ok());  // and it goes on allocating around them
  CHECK(again->Get("k5").value() == Json("newer"));
}

TEST_CASE("a compaction cut short by a crash is finished when the file is opened again", "[memory][persist]") {
  ArenaFile file;
  {
    auto store = OpenStore(file.path);
    REQUIRE(store->Set("a", Json(1)).ok());                      // 32 bytes at 0
    REQUIRE(store->Set("b", Json(std::string(300, 'b'))).ok());  // 328 bytes at 32
    REQUIRE(store->Set("c", Json(std::string(500, 'c'))).ok());  // 528 bytes at 360
    REQUIRE(store->Delete("a").ok());                            // c moves down by 328, onto itself
    store->CrashDuringCompactionForTest(1);                      // b moved whole; c's first chunk of 32
  }
  auto again = OpenStore(file.path);
  CHECK(again->recovery().finished_move);
  CHECK(again->recovery().keys == 2);
  CHECK(again->Get("b").value() == Json(std::string(300, 'b')));
  CHECK(again->Get("c").value() == Json(std::string(500, 'c')));
  CHECK(again->address_of("b") == 0);
  CHECK(again->address_of("c") == 360);  // never moved: the file says where it is
  CHECK(again->Describe(SIZE_MAX).free_holes == 2);
  REQUIRE(again->Compact().ok());
  CHECK(again->address_of("c") == 328);
  CHECK(again->Get("c").value() == Json(std::string(500, 'c')));
}

TEST_CASE("a block whose checksum fails is dropped, the others kept", "[memory][persist]") {
  ArenaFile file;
  std::int64_t damaged_at = 0;
  {
    auto store = OpenStore(file.path);
    REQUIRE(store->Set("good", Json("fine")).ok());
    REQUIRE(store->Set("torn", Json("half written")).ok());
    damaged_at = store->address_of("torn");
  }
  {
    std::fstream bytes(file.path, std::ios::in | std::ios::out | std::ios::binary);
    bytes.seekp(4096 + damaged_at + 24 + 6);  // inside the value's text
    bytes.put('X');
  }
  auto again = OpenStore(file.path);
  CHECK(again->recovery().keys == 1);
  CHECK(again->recovery().damaged == 1);
  CHECK(again->Get("good").value() == Json("fine"));
  CHECK(again->Get("torn").status().code() == Code::kNotFound);
  CHECK(again->bytes() == again->charged("good"));
}

TEST_CASE("an arena file made with other flags, or held by another store, is refused", "[memory][persist]") {
  ArenaFile file;
  auto held = OpenStore(file.path, 4096, "best");
  auto locked = MemoryStore::Open({4096, "best"}, file.path);
  CHECK(locked.status().code() == Code::kIo);
  CHECK_THAT(locked.status().message(), Catch::Contains("another process holds the memory arena file"));
  held.reset();
  auto other = MemoryStore::Open({8192, "first"}, file.path);
  CHECK(other.status().code() == Code::kBadRequest);
  CHECK_THAT(other.status().message(), Catch::Contains("was made with --mem-arena 4096 --allocator best, not "
                                                       "--mem-arena 8192 --allocator first"));
  std::ofstream(file.dir + "/junk") << "not an arena";
  auto junk = MemoryStore::Open({4096, "first"}, file.dir + "/junk");
  CHECK(junk.status().code() == Code::kIo);
  CHECK_THAT(junk.status().message(), Catch::Contains("is not an osgrid memory arena file"));
}

}  // namespace
}  // namespace osgrid::peer
