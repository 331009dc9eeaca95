// The buddy system: Silberschatz 10e 10.8.1 and properties.
#include <catch2/catch.hpp>

#include <algorithm>

#include "heap_checks.h"
#include "osgrid/os/mem/buddy.h"
#include "osgrid/os/random.h"

namespace {

using osgrid::os::AllocFailure;
using osgrid::os::BuddyAllocator;
using osgrid::os::BuddyConfig;
using osgrid::os::FreeChunk;
using osgrid::os::testing::CheckHeapInvariants;

BuddyAllocator Buddy(std::int64_t size, std::int64_t min_block = 1, std::int64_t base = 0) {
  auto buddy = BuddyAllocator::Create(BuddyConfig{base, size, min_block, 0});
  REQUIRE(buddy.ok());
  return std::move(buddy).value();
}

}  // namespace

// Silberschatz 10e 10.8.1, Figure 10.26: a 256 KB segment and a 21 KB
// request. The segment splits into AL and AR (128 KB), AL into BL and BR
// (64 KB), BL into CL and CR (32 KB); CL satisfies the request. (1 byte
// stands for 1 KB.)
TEST_CASE("Silberschatz 10.8.1: 21 KB from a 256 KB segment gets a 32 KB block", "[mem][buddy][silberschatz]") {
  BuddyAllocator buddy = Buddy(256);
  const auto cl = buddy.Alloc(21);
  REQUIRE(cl.ok());
  CHECK(cl.addr == 0);  // CL
  CHECK(cl.block_size == 32);
  CHECK(cl.splits == 3);                                                              // 256 -> 128 -> 64 -> 32
  CHECK(buddy.FreeList() == std::vector<FreeChunk>{{32, 32}, {64, 64}, {128, 128}});  // CR, BR, AR
  CHECK(buddy.Metrics().internal_fragmentation == 11);                                // 32 - 21
  // Freeing CL coalesces CR, BR and AR back into the 256 KB segment.
  CHECK(buddy.Free(cl.addr));
  CHECK(buddy.FreeList() == std::vector<FreeChunk>{{0, 256}});
  CHECK(buddy.merges() == 3);
}

// OSTEP 17.4: a 64 KB space and a 7 KB request are split down to an 8 KB block.
TEST_CASE("OSTEP 17.4: 7 KB from a 64 KB heap gets an 8 KB block", "[mem][buddy][ostep]") {
  BuddyAllocator buddy = Buddy(64);
  const auto block = buddy.Alloc(7);
  CHECK(block.block_size == 8);
  CHECK(block.splits == 3);
  CHECK(buddy.FreeList().size() == 3);
}

TEST_CASE("Buddies merge only with their own buddy", "[mem][buddy]") {
  BuddyAllocator buddy = Buddy(64, 8, 1000);
  const auto a = buddy.Alloc(8), b = buddy.Alloc(8), c = buddy.Alloc(8);
  CHECK(a.addr == 1000);
  CHECK(b.addr == 1008);
  CHECK(c.addr == 1016);
  buddy.Free(b.addr);  // b's buddy a is busy: no merge
  CHECK(buddy.merges() == 0);
  buddy.Free(c.addr);  // c's buddy (1024) is free: merge to 16 at 1016; its buddy (1000) is busy
  CHECK(buddy.merges() == 1);
  // 1008 (8) and 1016 (16) are adjacent and free, but they are not buddies.
  CHECK(buddy.FreeList() == std::vector<FreeChunk>{{1008, 8}, {1016, 16}, {1032, 32}});
  CHECK_FALSE(buddy.Free(b.addr));
  CHECK(buddy.Alloc(40).failure == AllocFailure::kNoSpace);  // a 64-byte block; 56 bytes are free
  CHECK_FALSE(buddy.Compact().ok());
}

TEST_CASE("Free bytes in pieces that are not buddies are external fragmentation", "[mem][buddy]") {
  BuddyAllocator buddy = Buddy(32, 8);
  std::vector<std::int64_t> addrs;
  for (int i = 0; i < 4; ++i) addrs.push_back(buddy.Alloc(8).addr);
  buddy.Free(addrs[0]);
  buddy.Free(addrs[2]);  // 16 bytes free, as two 8-byte blocks
  const auto result = buddy.Alloc(16);
  CHECK(result.failure == AllocFailure::kFragmentation);
  CHECK(result.searched == 2);  // the 16- and 32-byte lists
  CHECK(buddy.Metrics().external_fragmentation == Approx(0.5));
}

TEST_CASE("Buddy sizes must be powers of two", "[mem][buddy][errors]") {
  auto bad = BuddyAllocator::Create(BuddyConfig{0, 100, 1, 0});
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message.find("power of two") != std::string::npos);
  CHECK_FALSE(BuddyAllocator::Create(BuddyConfig{0, 64, 3, 0}).ok());
  CHECK_FALSE(BuddyAllocator::Create(BuddyConfig{0, 64, 128, 0}).ok());
}

TEST_CASE("Property: buddy blocks are powers of two at aligned offsets, free buddies are merged",
          "[mem][buddy][property]") {
  osgrid::os::Rng rng(31);
  for (int round = 0; round < 300; ++round) {
    const std::int64_t size = std::int64_t{1} << rng.Uniform(4, 10);
    const std::int64_t min_block = std::int64_t{1} << rng.Uniform(0, 3);
    const std::int64_t header = rng.Uniform(0, 2);
    auto created = BuddyAllocator::Create(BuddyConfig{rng.Uniform(0, 100), size, min_block, header});
    REQUIRE(created.ok());
    BuddyAllocator& buddy = *created;
    std::vector<std::int64_t> live;
    for (int op = 0; op < 60; ++op) {
      if (live.empty() || rng.Uniform(0, 99) < 60) {
        const std::int64_t request = rng.Uniform(1, size / 4);
        const auto result = buddy.Alloc(request);
        if (result.ok()) {
          CHECK(result.block_size >= request + header);
          CHECK((result.block_size == min_block || result.block_size / 2 < std::max(request + header, min_block)));
          live.push_back(result.addr);
        }
      } else {
        const auto pick = static_cast<std::size_t>(rng.Uniform(0, static_cast<std::int64_t>(live.size()) - 1));
        REQUIRE(buddy.Free(live[pick]));
        live.erase(live.begin() + static_cast<std::ptrdiff_t>(pick));
      }
      CheckHeapInvariants(buddy);
      const auto blocks = buddy.Blocks();
      for (const auto& block : blocks) {
        const std::int64_t offset = block.addr - buddy.base();
        CHECK((block.size & (block.size - 1)) == 0);
        CHECK(offset % block.size == 0);
        if (!block.free || block.size == size) continue;
        const std::int64_t buddy_addr = buddy.base() + (offset ^ block.size);
        const bool buddy_free = std::any_of(blocks.begin(), blocks.end(), [&](const auto& other) {
          return other.free && other.addr == buddy_addr && other.size == block.size;
        });
        CHECK_FALSE(buddy_free);  // two free buddies would have been merged
      }
    }
  }
}
