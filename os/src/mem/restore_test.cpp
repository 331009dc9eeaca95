// Restore: rebuilding a heap from the blocks found in memory, as a restarted
// peer does from its arena -- the same map and free list as the heap that
// placed the blocks, whatever the order they are found in.
#include <catch2/catch.hpp>

#include <algorithm>
#include <limits>
#include <memory>

#include "heap_checks.h"
#include "osgrid/os/mem/buddy.h"
#include "osgrid/os/mem/free_list.h"
#include "osgrid/os/random.h"

// A namespace of its own, not an anonymous one: the test executables are unity builds
// (OSGRID_UNITY_TESTS), where another file's helpers of the same names would collide.
namespace restore_test {

using osgrid::os::Block;
using osgrid::os::BlockSizeFor;
using osgrid::os::BuddyAllocator;
using osgrid::os::BuddyConfig;
using osgrid::os::FitPolicy;
using osgrid::os::FreeChunk;
using osgrid::os::HeapAllocator;
using osgrid::os::HeapConfig;
using osgrid::os::ListOrder;
using osgrid::os::Rng;
using osgrid::os::testing::AllFigures;
using osgrid::os::testing::CheckHeapInvariants;
using osgrid::os::testing::LayoutFigures;
using osgrid::os::testing::MakeHoles;

constexpr std::int64_t kHuge = std::numeric_limits<std::int64_t>::max();

std::unique_ptr<HeapAllocator> Heap(const HeapConfig& config, bool indexed) {
  auto heap = osgrid::os::MakeHeap(config, indexed);
  REQUIRE(heap.ok());
  return std::move(heap).value();
}

/// A 100-byte heap at 1000.
HeapConfig Config(FitPolicy policy, bool coalesce) {
  HeapConfig config;
  config.base = 1000;
  config.size = 100;
  config.policy = policy;
  config.coalesce = coalesce;
  return config;
}

std::unique_ptr<HeapAllocator> Buddy(const BuddyConfig& config) {
  auto buddy = BuddyAllocator::Create(config);
  REQUIRE(buddy.ok());
  return std::make_unique<BuddyAllocator>(std::move(buddy).value());
}

/// The allocated blocks of `heap`, shuffled (Fisher-Yates).
std::vector<Block> ShuffledAllocatedBlocks(const HeapAllocator& heap, Rng& rng) {
  std::vector<Block> blocks;
  for (const Block& block : heap.Blocks()) {
    if (!block.free) blocks.push_back(block);
  }
  for (std::size_t i = blocks.size(); i > 1; --i) {
    std::swap(blocks[i - 1], blocks[static_cast<std::size_t>(rng.Uniform(0, static_cast<std::int64_t>(i) - 1))]);
  }
  return blocks;
}

/// `ops` random calls, each made on every heap of `heaps`, which must answer
/// alike: Alloc of 1..largest bytes (60%), Free of a block in `live`, or (when
/// `compact`, 5%) Compact.
void RunSameOps(const std::vector<HeapAllocator*>& heaps, std::vector<std::int64_t>& live, Rng& rng, int ops,
                std::int64_t largest, bool compact) {
  for (int op = 0; op < ops; ++op) {
    INFO("op " << op);
    const std::int64_t roll = rng.Uniform(0, 99);
    if (compact && roll < 5) {
      const auto first = heaps[0]->Compact();
      REQUIRE(first.ok());
      for (std::size_t i = 1; i < heaps.size(); ++i) REQUIRE(heaps[i]->Compact()->moved_bytes == first->moved_bytes);
      for (const auto& move : first->moves) std::replace(live.begin(), live.end(), move.from, move.to);
    } else if (live.empty() || roll < 60) {
      const std::int64_t size = rng.Uniform(1, largest);
      const auto first = heaps[0]->Alloc(size);
      for (std::size_t i = 1; i < heaps.size(); ++i) REQUIRE(heaps[i]->Alloc(size).addr == first.addr);
      if (first.ok()) live.push_back(first.addr);
    } else {
      const auto pick = static_cast<std::size_t>(rng.Uniform(0, static_cast<std::int64_t>(live.size()) - 1));
      for (HeapAllocator* heap : heaps) REQUIRE(heap->Free(live[pick]));
      live.erase(live.begin() + static_cast<std::ptrdiff_t>(pick));
    }
  }
}

/// Restores the allocated blocks of `original` into the new heap `fresh`, in
/// a random order, and checks that `fresh` has the same map, free list and
/// layout figures (and no allocation calls).
void CheckRestoresInto(const HeapAllocator& original, HeapAllocator& fresh, Rng& rng) {
  for (const Block& block : ShuffledAllocatedBlocks(original, rng)) {
    INFO("block at " << block.addr << " of " << block.size << " for " << block.requested);
    REQUIRE(fresh.Restore(block.addr, block.size, block.requested));
  }
  REQUIRE(fresh.Blocks() == original.Blocks());
  REQUIRE(fresh.FreeList() == original.FreeList());
  REQUIRE(LayoutFigures(fresh.Metrics()) == LayoutFigures(original.Metrics()));
  CHECK(fresh.Metrics().allocations == 0);
  CheckHeapInvariants(fresh);
}

/// Frees every block in `live`; the heap must then be one free block again.
void CheckFreesAll(HeapAllocator& heap, const std::vector<std::int64_t>& live) {
  for (std::int64_t addr : live) REQUIRE(heap.Free(addr));
  REQUIRE(heap.FreeList() == std::vector<FreeChunk>{{heap.base(), heap.size()}});
}

/// Restore(addr, block_size, requested) must be refused and leave the map,
/// the free list and every figure as they were.
void CheckRefused(HeapAllocator& heap, std::int64_t addr, std::int64_t block_size, std::int64_t requested) {
  INFO("Restore(" << addr << ", " << block_size << ", " << requested << ")");
  const std::vector<Block> blocks = heap.Blocks();
  const std::vector<FreeChunk> free_list = heap.FreeList();
  const auto figures = AllFigures(heap.Metrics());
  CHECK_FALSE(heap.Restore(addr, block_size, requested));
  CHECK(heap.Blocks() == blocks);
  CHECK(heap.FreeList() == free_list);
  CHECK(AllFigures(heap.Metrics()) == figures);
}

TEST_CASE("Restore splits the free block around the restored one, and Free gives it back", "[mem][restore]") {
  for (bool indexed : {false, true}) {
    INFO("indexed " << indexed);
    auto heap = Heap(Config(FitPolicy::kFirst, true), indexed);
    REQUIRE(heap->Restore(1040, 20, 20));
    CHECK(heap->FreeList() == std::vector<FreeChunk>{{1000, 40}, {1060, 40}});
    CHECK(heap->Blocks() == std::vector<Block>{{1000, 40, true, 0}, {1040, 20, false, 20}, {1060, 40, true, 0}});
    CHECK(heap->Metrics().allocated_bytes == 20);
    CHECK(heap->Metrics().allocations == 0);
    CHECK(heap->Alloc(30).addr == 1000);  // allocation goes on around the restored block
    CHECK(heap->Free(1040));              // coalesces with the 10 bytes below and the 40 above
    CHECK(heap->FreeList() == std::vector<FreeChunk>{{1030, 70}});
  }
}

TEST_CASE("Compaction moves a restored block like any other", "[mem][restore]") {
  for (bool indexed : {false, true}) {
    INFO("indexed " << indexed);
    auto heap = Heap(Config(FitPolicy::kBest, false), indexed);
    REQUIRE(heap->Restore(1040, 20, 15));
    const auto compaction = heap->Compact();
    REQUIRE(compaction.ok());
    REQUIRE(compaction->moves.size() == 1);
    CHECK(compaction->moves[0].from == 1040);
    CHECK(compaction->moves[0].to == 1000);
    CHECK(heap->Blocks() == std::vector<Block>{{1000, 20, false, 15}, {1020, 80, true, 0}});
    CHECK(heap->Free(1000));
  }
}

// Header and alignment: a 13-byte request aligned to 8 and given a 4-byte
// header takes 16 + 4 = 20 bytes, 3 of padding.
TEST_CASE("A restored block counts its header and padding as an allocated one does", "[mem][restore]") {
  HeapConfig config = Config(FitPolicy::kFirst, true);
  config.header_size = 4;
  config.alignment = 8;
  REQUIRE(BlockSizeFor(config, 13) == 20);
  for (bool indexed : {false, true}) {
    INFO("indexed " << indexed);
    auto allocated = Heap(config, indexed);
    auto restored = Heap(config, indexed);
    REQUIRE(allocated->Alloc(13).addr == 1000);
    REQUIRE(restored->Restore(1000, 20, 13));
    CHECK(LayoutFigures(restored->Metrics()) == LayoutFigures(allocated->Metrics()));
    CHECK(restored->Metrics().header_bytes == 4);
    CHECK(restored->Metrics().alignment_padding == 3);
    REQUIRE(restored->Restore(1040, 30, 13));  // bigger than needed: the extra 10 bytes count as padding
    CHECK(restored->Metrics().alignment_padding == 3 + 13);
    CHECK(restored->Metrics().internal_fragmentation == 3 + 13 + 2 * 4);
  }
}

// The free list 10-30-20 of OSTEP 17.3, in two list orders that are not by
// address. Restoring 5 bytes inside the 30-byte hole at 11 leaves 10 below and
// 15 above, in the hole's place, below first; SIZESORT+ is re-sorted at the
// next Free, as after an Alloc split.
TEST_CASE("Restore leaves the free parts at the list position of the block it splits", "[mem][restore][free_list]") {
  HeapConfig config = Config(FitPolicy::kFirst, false);
  config.base = 0;
  config.size = 63;
  config.list_order = ListOrder::kInsertFront;
  auto front = Heap(config, false);
  MakeHoles(*front, {10, 30, 20});
  REQUIRE(front->FreeList() == std::vector<FreeChunk>{{42, 20}, {11, 30}, {0, 10}});
  REQUIRE(front->Restore(21, 5, 5));
  CHECK(front->FreeList() == std::vector<FreeChunk>{{42, 20}, {11, 10}, {26, 15}, {0, 10}});

  config.list_order = ListOrder::kSizeSortUp;
  auto sorted = Heap(config, false);
  MakeHoles(*sorted, {10, 30, 20});
  REQUIRE(sorted->FreeList() == std::vector<FreeChunk>{{0, 10}, {42, 20}, {11, 30}});
  REQUIRE(sorted->Restore(21, 5, 5));
  CHECK(sorted->FreeList() == std::vector<FreeChunk>{{0, 10}, {42, 20}, {11, 10}, {26, 15}});
  REQUIRE(sorted->Free(21));
  CHECK(sorted->FreeList() == std::vector<FreeChunk>{{21, 5}, {0, 10}, {11, 10}, {26, 15}, {42, 20}});
}

TEST_CASE("Restore refuses ranges that are not inside one free block, and changes nothing", "[mem][restore][errors]") {
  HeapConfig config = Config(FitPolicy::kFirst, false);  // no coalescing: free neighbours stay apart
  config.header_size = 2;
  config.alignment = 4;  // a block for 1 byte takes 4 + 2 = 6
  for (bool indexed : {false, true}) {
    INFO("indexed " << indexed);
    auto heap = Heap(config, indexed);
    const auto a = heap->Alloc(10), b = heap->Alloc(10), c = heap->Alloc(10);  // 14 bytes each
    REQUIRE(c.addr == 1028);
    REQUIRE(heap->Free(a.addr));
    REQUIRE(heap->Free(b.addr));                    // [1000, 1014) and [1014, 1028) free, side by side
    CheckRefused(*heap, c.addr, c.block_size, 10);  // allocated
    CheckRefused(*heap, c.addr - 2, 8, 1);          // half free, half allocated
    CheckRefused(*heap, b.addr - 4, 8, 1);          // straddles two free blocks
    CheckRefused(*heap, 996, 8, 1);                 // starts below the heap
    CheckRefused(*heap, 1096, 8, 1);                // ends above it
    CheckRefused(*heap, 1100, 8, 1);
    CheckRefused(*heap, kHuge - 4, 8, 1);
    CheckRefused(*heap, 1050, kHuge, 1);
    CheckRefused(*heap, 1050, 8, kHuge);
    CheckRefused(*heap, 1050, 0, 1);  // bad sizes
    CheckRefused(*heap, 1050, -8, 1);
    CheckRefused(*heap, 1050, 8, 0);
    CheckRefused(*heap, 1050, 8, -1);
    CheckRefused(*heap, 1050, 5, 1);  // needs 6
    CheckRefused(*heap, 1050, 9, 5);  // needs 8 + 2
    REQUIRE(heap->Restore(1050, 8, 1));
    CheckRefused(*heap, 1050, 8, 1);  // restored twice
    CheckRefused(*heap, 1054, 8, 1);
    CheckHeapInvariants(*heap);
  }
}

// Silberschatz 10.8.1's 256 KB segment: restoring the 32 KB block at 96
// splits the segment (freeing AR at 128), then its lower half (freeing BL at
// 0), then BR (freeing 64..96). Freeing it merges all three back.
TEST_CASE("Buddy Restore splits the blocks above the restored one, and Free merges them back",
          "[mem][restore][buddy]") {
  auto buddy = Buddy(BuddyConfig{0, 256, 1, 0});
  REQUIRE(buddy->Restore(96, 32, 21));
  CHECK(buddy->FreeList() == std::vector<FreeChunk>{{0, 64}, {64, 32}, {128, 128}});
  CHECK(buddy->Metrics().internal_fragmentation == 11);
  CHECK(buddy->Metrics().allocations == 0);
  CHECK(buddy->Alloc(21).addr == 64);  // the free 32 KB buddy
  CHECK(buddy->Free(64));
  CHECK(buddy->Free(96));
  CHECK(buddy->FreeList() == std::vector<FreeChunk>{{0, 256}});
}

TEST_CASE("Buddy Restore refuses blocks the buddy system could not hand out, and changes nothing",
          "[mem][restore][buddy][errors]") {
  auto buddy = Buddy(BuddyConfig{1000, 256, 8, 2});
  REQUIRE(buddy->Alloc(20).addr == 1000);  // a 32-byte block
  CheckRefused(*buddy, 1000, 32, 20);      // allocated
  CheckRefused(*buddy, 1008, 8, 1);        // inside an allocated block
  CheckRefused(*buddy, 1000, 64, 20);      // holds one
  CheckRefused(*buddy, 1000, 256, 20);
  CheckRefused(*buddy, 1128, 24, 4);   // not a power of two
  CheckRefused(*buddy, 1128, 4, 1);    // below min_block
  CheckRefused(*buddy, 1000, 512, 1);  // bigger than the heap
  CheckRefused(*buddy, 1048, 32, 4);   // offset 48 is not a multiple of 32
  CheckRefused(*buddy, 1128, 8, 7);    // 7 + 2 bytes of header do not fit in 8
  CheckRefused(*buddy, 992, 8, 1);     // out of the heap
  CheckRefused(*buddy, 1256, 8, 1);
  CheckRefused(*buddy, kHuge - 7, 8, 1);
  CheckRefused(*buddy, 1128, 8, kHuge);
  CheckRefused(*buddy, 1128, 0, 1);  // bad sizes
  CheckRefused(*buddy, 1128, -8, 1);
  CheckRefused(*buddy, 1128, 8, 0);
  REQUIRE(buddy->Restore(1128, 8, 6));
  CheckRefused(*buddy, 1128, 8, 6);  // restored twice
  CheckRefused(*buddy, 1128, 16, 6);
  CheckHeapInvariants(*buddy);
}

// The peer's restart: the blocks found in the arena, restored in whatever
// order the scan finds them, give back the heap that placed them. Later calls
// get the same answers, except under NEXT fit, whose rover (the end of the
// last allocation) the restored heap cannot know.
TEST_CASE("Property: restoring a heap's blocks in any order rebuilds its map and free list",
          "[mem][restore][property]") {
  Rng rng(2024);
  const FitPolicy policies[] = {FitPolicy::kFirst, FitPolicy::kBest, FitPolicy::kWorst, FitPolicy::kNext};
  for (int round = 0; round < 400; ++round) {
    HeapConfig config;
    config.policy = policies[round % 4];
    config.coalesce = true;
    config.alignment = rng.Uniform(0, 1) == 0 ? -1 : rng.Uniform(1, 8);
    config.header_size = rng.Uniform(0, 4);
    config.base = rng.Uniform(0, 5000);
    config.size = rng.Uniform(30, 500);
    const bool indexed = round % 8 >= 4;
    INFO("round " << round << " policy " << osgrid::os::FitPolicyName(config.policy) << " indexed " << indexed);
    auto original = Heap(config, indexed);
    std::vector<std::int64_t> live;
    RunSameOps({original.get()}, live, rng, 60, 40, true);
    auto fresh = Heap(config, indexed);
    CheckRestoresInto(*original, *fresh, rng);
    if (config.policy != FitPolicy::kNext) RunSameOps({original.get(), fresh.get()}, live, rng, 60, 40, true);
    CheckFreesAll(*fresh, live);
  }
}

TEST_CASE("Property: restoring a buddy heap's blocks in any order rebuilds it", "[mem][restore][buddy][property]") {
  Rng rng(17);
  for (int round = 0; round < 300; ++round) {
    const std::int64_t size = std::int64_t{1} << rng.Uniform(4, 10);
    const BuddyConfig config{rng.Uniform(0, 100), size, std::int64_t{1} << rng.Uniform(0, 3), rng.Uniform(0, 2)};
    INFO("round " << round);
    auto original = Buddy(config);
    std::vector<std::int64_t> live;
    RunSameOps({original.get()}, live, rng, 60, size / 4, false);
    auto fresh = Buddy(config);
    CheckRestoresInto(*original, *fresh, rng);
    RunSameOps({original.get(), fresh.get()}, live, rng, 60, size / 4, false);
    CheckFreesAll(*fresh, live);
  }
}

}  // namespace restore_test
