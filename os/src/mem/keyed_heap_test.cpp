// A heap whose blocks belong to keys: the peer's memory store's rules.
#include <catch2/catch.hpp>

#include "osgrid/os/mem/buddy.h"
#include "osgrid/os/mem/free_list.h"
#include "osgrid/os/mem/keyed_heap.h"

namespace {

using osgrid::os::AllocFailure;
using osgrid::os::FitPolicy;
using osgrid::os::HeapConfig;
using osgrid::os::KeyedHeap;

/// A 100-byte coalescing heap at address 0 and the keys over it.
struct Keyed {
  Keyed(FitPolicy policy, bool indexed) : heap(Make(policy, indexed)), keyed(*heap) {}
  static std::unique_ptr<osgrid::os::HeapAllocator> Make(FitPolicy policy, bool indexed) {
    HeapConfig config;
    config.base = 0;
    config.size = 100;
    config.policy = policy;
    config.coalesce = true;
    auto made = osgrid::os::MakeHeap(config, indexed);
    REQUIRE(made.ok());
    return std::move(made).value();
  }
  std::unique_ptr<osgrid::os::HeapAllocator> heap;
  KeyedHeap keyed;
};

}  // namespace

TEST_CASE("A new key gets a block, and an overwrite places the new block before freeing the old", "[mem][keyed]") {
  for (bool indexed : {false, true}) {
    Keyed keyed(FitPolicy::kFirst, indexed);
    KeyedHeap& heap = keyed.keyed;
    REQUIRE(heap.Set("a", 30).alloc.addr == 0);
    REQUIRE(heap.Set("b", 20).alloc.addr == 30);
    auto overwrite = heap.Set("a", 10);  // the old block [0, 30) is still allocated while placing
    REQUIRE(overwrite.alloc.ok());
    CHECK(overwrite.alloc.addr == 50);
    REQUIRE(overwrite.old_block.has_value());
    CHECK(overwrite.old_block->addr == 0);
    CHECK(overwrite.old_block->size == 30);
    CHECK(heap.BlockOf("a")->addr == 50);
    CHECK(heap.KeyAt(0) == nullptr);
    REQUIRE(heap.KeyAt(50) != nullptr);
    CHECK(*heap.KeyAt(50) == "a");
    CHECK(heap.keys() == 2);
    CHECK(heap.heap().Metrics().allocated_bytes == 30);
  }
}

TEST_CASE("A failed overwrite keeps the old block", "[mem][keyed]") {
  Keyed keyed(FitPolicy::kBest, false);
  KeyedHeap& heap = keyed.keyed;
  REQUIRE(heap.Set("a", 60).alloc.ok());
  auto grown = heap.Set("a", 50);  // 40 free: it fails, even though 50 <= 60 + 40
  CHECK(grown.alloc.failure == AllocFailure::kNoSpace);
  CHECK_FALSE(grown.old_block.has_value());
  CHECK(heap.BlockOf("a")->addr == 0);
  CHECK(heap.BlockOf("a")->size == 60);
  CHECK(heap.heap().Metrics().allocated_bytes == 60);
}

TEST_CASE("Delete frees the key's block, and an unknown key changes nothing", "[mem][keyed]") {
  Keyed keyed(FitPolicy::kFirst, true);
  KeyedHeap& heap = keyed.keyed;
  REQUIRE(heap.Set("a", 30).alloc.ok());
  CHECK_FALSE(heap.Delete("nope").has_value());
  auto freed = heap.Delete("a");
  REQUIRE(freed.has_value());
  CHECK(freed->addr == 0);
  CHECK(heap.keys() == 0);
  CHECK(heap.heap().Metrics().free_bytes == 100);
}

TEST_CASE("External fragmentation is told from no space, with the figures", "[mem][keyed]") {
  Keyed keyed(FitPolicy::kFirst, false);
  KeyedHeap& heap = keyed.keyed;
  for (const char* key : {"a", "b", "c", "d", "e"}) REQUIRE(heap.Set(key, 20).alloc.ok());
  REQUIRE(heap.Delete("b"));
  REQUIRE(heap.Delete("d"));
  auto refused = heap.Set("f", 30);  // 40 free in two holes of 20
  CHECK(refused.alloc.failure == AllocFailure::kFragmentation);
  CHECK(osgrid::os::DescribeAllocFailure(refused.alloc, heap.heap().Metrics()) ==
        "external fragmentation: need 30 B; 40 B free in 2 holes, largest 20 B");
  auto too_big = heap.Set("g", 50);
  CHECK(too_big.alloc.failure == AllocFailure::kNoSpace);
  CHECK(osgrid::os::DescribeAllocFailure(too_big.alloc, heap.heap().Metrics()) ==
        "no space: need 50 B; 40 B free of 100 B");
}

TEST_CASE("Compaction moves every key with its block, and the refused request then fits", "[mem][keyed]") {
  Keyed keyed(FitPolicy::kFirst, true);
  KeyedHeap& heap = keyed.keyed;
  for (const char* key : {"a", "b", "c", "d", "e"}) REQUIRE(heap.Set(key, 20).alloc.ok());
  REQUIRE(heap.Delete("b"));
  REQUIRE(heap.Delete("d"));
  REQUIRE_FALSE(heap.Set("f", 30).alloc.ok());
  auto compaction = heap.Compact();
  REQUIRE(compaction.ok());
  CHECK(compaction->moves.size() == 2);  // c: 40 -> 20, e: 80 -> 40
  CHECK(heap.BlockOf("a")->addr == 0);
  CHECK(heap.BlockOf("c")->addr == 20);
  CHECK(heap.BlockOf("e")->addr == 40);
  CHECK(*heap.KeyAt(20) == "c");
  CHECK(*heap.KeyAt(40) == "e");
  CHECK(heap.KeyAt(80) == nullptr);
  CHECK(heap.Set("f", 30).alloc.addr == 60);
}

TEST_CASE("The buddy system places keyed blocks but cannot compact", "[mem][keyed]") {
  osgrid::os::BuddyConfig config;
  config.size = 64;
  auto buddy = osgrid::os::BuddyAllocator::Create(config);
  REQUIRE(buddy.ok());
  KeyedHeap heap(*buddy);
  CHECK(heap.Set("a", 20).alloc.addr == 0);
  CHECK(heap.Set("a", 20).alloc.addr == 32);
  CHECK_FALSE(heap.Compact().ok());
  CHECK(heap.BlockOf("a")->addr == 32);
}

TEST_CASE("GroupThousands writes the figures of the messages", "[mem][keyed]") {
  CHECK(osgrid::os::GroupThousands(0) == "0");
  CHECK(osgrid::os::GroupThousands(999) == "999");
  CHECK(osgrid::os::GroupThousands(1000) == "1,000");
  CHECK(osgrid::os::GroupThousands(67108864) == "67,108,864");
  CHECK(osgrid::os::GroupThousands(-1234) == "-1,234");
}

TEST_CASE("Restore gives a key the block it already has, once", "[mem][keyed]") {
  Keyed keyed(FitPolicy::kBest, true);
  KeyedHeap& heap = keyed.keyed;
  CHECK(heap.Restore("b", 40, 20, 20));
  CHECK_FALSE(heap.Restore("b", 0, 10, 10));   // the key has a block
  CHECK_FALSE(heap.Restore("c", 50, 20, 20));  // overlaps b's
  CHECK(heap.BlockOf("b")->addr == 40);
  CHECK(*heap.KeyAt(40) == "b");
  CHECK(heap.Set("a", 40).alloc.addr == 0);  // best fit: the 40-byte hole below b
  CHECK(heap.Delete("b").has_value());
  CHECK(heap.heap().Metrics().free_bytes == 60);
}

TEST_CASE("BlockBytes is the block Alloc gives a request, under each policy", "[mem][keyed]") {
  HeapConfig config;
  config.base = 0;
  config.size = 1024;
  config.header_size = 24;
  config.alignment = 8;
  for (bool indexed : {false, true}) {
    auto heap = osgrid::os::MakeHeap(config, indexed);
    REQUIRE(heap.ok());
    CHECK((*heap)->BlockBytes(15) == 40);
    CHECK((*heap)->Alloc(15).block_size == (*heap)->BlockBytes(15));
  }
  auto buddy = osgrid::os::BuddyAllocator::Create({0, 1024, 32, 24});
  REQUIRE(buddy.ok());
  CHECK(buddy->BlockBytes(2) == 32);
  CHECK(buddy->BlockBytes(43) == 128);
  CHECK(buddy->Alloc(43).block_size == 128);
}
