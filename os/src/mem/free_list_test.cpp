// The free-list heap: textbook examples and properties.
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>

#include "heap_checks.h"
#include "osgrid/os/mem/free_list.h"
#include "osgrid/os/random.h"

namespace {

using osgrid::os::AllocFailure;
using osgrid::os::FitPolicy;
using osgrid::os::FreeChunk;
using osgrid::os::FreeListHeap;
using osgrid::os::HeapConfig;
using osgrid::os::ListOrder;
using osgrid::os::testing::CheckHeapInvariants;
using osgrid::os::testing::HasAdjacentFreeBlocks;
using osgrid::os::testing::MakeHoles;

FreeListHeap Heap(FitPolicy policy, std::int64_t size, std::int64_t base = 0) {
  HeapConfig config;
  config.base = base;
  config.size = size;
  config.policy = policy;
  auto heap = FreeListHeap::Create(config);
  REQUIRE(heap.ok());
  return std::move(heap).value();
}

}  // namespace

// OSTEP ch. 17.3 "Basic Strategies": a free list of 10, 30 and 20 bytes and a
// request for 15. Best fit takes the 20 (leaving 10 -> 30 -> 5), worst fit
// the 30 (leaving 10 -> 15 -> 20); first fit also finds the 30 first.
TEST_CASE("OSTEP 17.3: best, worst and first fit on the 10-30-20 free list", "[mem][free_list][ostep]") {
  const std::vector<std::int64_t> holes{10, 30, 20};
  struct Expect {
    FitPolicy policy;
    std::size_t hole;
    std::int64_t searched;
    std::vector<std::int64_t> sizes_after;
  };
  for (const Expect& e : {Expect{FitPolicy::kBest, 2, 3, {10, 30, 5}}, Expect{FitPolicy::kWorst, 1, 3, {10, 15, 20}},
                          Expect{FitPolicy::kFirst, 1, 2, {10, 15, 20}}}) {
    FreeListHeap heap = Heap(e.policy, 63);
    const std::vector<std::int64_t> addrs = MakeHoles(heap, holes);
    REQUIRE(heap.FreeList().size() == 3);
    const auto result = heap.Alloc(15);
    CHECK(result.addr == addrs[e.hole]);
    CHECK(result.searched == e.searched);
    std::vector<std::int64_t> sizes;
    for (const FreeChunk& chunk : heap.FreeList()) sizes.push_back(chunk.size);
    CHECK(sizes == e.sizes_after);
  }
}

// Silberschatz 10e, ch. 9 exercises: memory partitions of 300, 600, 350, 200,
// 750 and 125 KB (in order); processes of 115, 500, 358, 200 and 375 KB
// arrive in order. (1 byte stands for 1 KB; the partitions are holes.)
TEST_CASE("Silberschatz ch. 9: first, best and worst fit of five processes in six partitions",
          "[mem][free_list][silberschatz]") {
  const std::vector<std::int64_t> partitions{300, 600, 350, 200, 750, 125};
  const std::vector<std::int64_t> processes{115, 500, 358, 200, 375};
  struct Expect {
    FitPolicy policy;
    std::vector<int> partition;  // index of the partition each process lands in; -1 = must wait
  };
  for (const Expect& e : {Expect{FitPolicy::kFirst, {0, 1, 4, 2, 4}}, Expect{FitPolicy::kBest, {5, 1, 4, 3, 4}},
                          Expect{FitPolicy::kWorst, {4, 4, 1, 2, -1}}}) {
    FreeListHeap heap = Heap(e.policy, 2325 + 6);
    const std::vector<std::int64_t> addrs = MakeHoles(heap, partitions);
    for (std::size_t i = 0; i < processes.size(); ++i) {
      const auto result = heap.Alloc(processes[i]);
      INFO(osgrid::os::FitPolicyName(e.policy) << " process " << processes[i] << " KB");
      if (e.partition[i] < 0) {
        CHECK(result.addr == -1);
        // 375 KB is not free in one piece, though 1,152 KB are free in total.
        CHECK(result.failure == AllocFailure::kFragmentation);
        continue;
      }
      const std::int64_t start = addrs[static_cast<std::size_t>(e.partition[i])];
      const std::int64_t end = start + partitions[static_cast<std::size_t>(e.partition[i])];
      CHECK(result.addr >= start);
      CHECK(result.addr + processes[i] <= end);
    }
  }
}

TEST_CASE("A failed allocation says whether space or fragmentation was the problem", "[mem][free_list]") {
  FreeListHeap heap = Heap(FitPolicy::kFirst, 21);
  MakeHoles(heap, {10, 9});  // 19 bytes free, in pieces of 10 and 9
  const auto split = heap.Alloc(15);
  CHECK(split.addr == -1);
  CHECK(split.failure == AllocFailure::kFragmentation);
  const auto none = heap.Alloc(20);
  CHECK(none.failure == AllocFailure::kNoSpace);
  CHECK(heap.Metrics().failed_requests == 2);
  CHECK(heap.Metrics().failed_fragmentation == 1);
  CHECK(heap.Alloc(0).failure == AllocFailure::kBadSize);
  CHECK(heap.Alloc(-4).failure == AllocFailure::kBadSize);
}

// OSTEP 17.3 "Next Fit": the search starts where the last one ended.
TEST_CASE("Next fit resumes at the rover and wraps around", "[mem][free_list][next]") {
  FreeListHeap first = Heap(FitPolicy::kFirst, 73);
  FreeListHeap next = Heap(FitPolicy::kNext, 73);
  const auto holes = MakeHoles(first, {10, 30, 30});
  MakeHoles(next, {10, 30, 30});
  CHECK(first.Alloc(20).addr == holes[1]);
  CHECK(next.Alloc(20).addr == holes[1]);
  // First fit goes back to the 10-byte hole; next fit carries on in the 30.
  CHECK(first.Alloc(5).addr == holes[0]);
  const auto resumed = next.Alloc(5);
  CHECK(resumed.addr == holes[1] + 20);
  CHECK(resumed.searched == 1);
  // 5 bytes are left in the second hole: 8 bytes go to the third one.
  const auto third = next.Alloc(8);
  CHECK(third.addr == holes[2]);
  CHECK(third.searched == 2);
  // 22 bytes are left at the rover; 20 of them go, leaving 2 on top.
  const auto at_rover = next.Alloc(20);
  CHECK(at_rover.addr == holes[2] + 8);
  CHECK(at_rover.searched == 1);
  // 4 bytes: the 2 on top are too few, so the scan wraps to the list's head.
  const auto wrapped = next.Alloc(4);
  CHECK(wrapped.addr == holes[0]);
  CHECK(wrapped.searched == 2);
}

TEST_CASE("Coalescing merges a freed block with both neighbours", "[mem][free_list][coalesce]") {
  HeapConfig config;
  config.size = 30;
  config.base = 0;
  config.coalesce = true;
  auto heap = FreeListHeap::Create(config);
  REQUIRE(heap.ok());
  const auto a = heap->Alloc(10), b = heap->Alloc(10), c = heap->Alloc(10);
  REQUIRE(heap->FreeList().empty());
  heap->Free(a.addr);
  heap->Free(c.addr);
  CHECK(heap->FreeList().size() == 2);
  CHECK(heap->Metrics().external_fragmentation == Approx(0.5));
  heap->Free(b.addr);
  CHECK(heap->FreeList() == std::vector<FreeChunk>{{0, 30}});
  CHECK(heap->Metrics().external_fragmentation == 0);
  CHECK_FALSE(heap->Free(b.addr));  // already freed: malloc.py's "returned -1"
  CHECK_FALSE(heap->Free(7));       // never allocated
}

TEST_CASE("Alignment and headers are internal fragmentation", "[mem][free_list][internal]") {
  HeapConfig config;  // malloc.py -S 100 -b 1000 -H 4 -a 4
  config.header_size = 4;
  config.alignment = 4;
  auto heap = FreeListHeap::Create(config);
  REQUIRE(heap.ok());
  const auto a = heap->Alloc(10);  // 10 -> 12 aligned, + 4 header = 16
  CHECK(a.block_size == 16);
  heap->Alloc(3);  // 3 -> 4, + 4 = 8
  const auto metrics = heap->Metrics();
  CHECK(metrics.alignment_padding == 2 + 1);
  CHECK(metrics.header_bytes == 8);
  CHECK(metrics.internal_fragmentation == 11);
  CHECK(metrics.allocated_bytes == 24);
  heap->Free(a.addr);
  CHECK(heap->Metrics().internal_fragmentation == 1 + 4);
}

TEST_CASE("Compaction slides allocated blocks down and leaves one free block on top", "[mem][free_list][compact]") {
  FreeListHeap heap = Heap(FitPolicy::kFirst, 100, 1000);
  const auto a = heap.Alloc(10), b = heap.Alloc(20), c = heap.Alloc(30);
  heap.Free(a.addr);
  heap.Free(c.addr);
  const auto d = heap.Alloc(5);  // lands in a's old place
  REQUIRE(d.addr == 1000);
  auto compaction = heap.Compact();
  REQUIRE(compaction.ok());
  // d stays at 1000; b moves from 1010 down to 1005.
  REQUIRE(compaction->moves.size() == 1);
  CHECK(compaction->moves[0].from == b.addr);
  CHECK(compaction->moves[0].to == 1005);
  CHECK(compaction->moved_bytes == 20);
  CHECK(heap.FreeList() == std::vector<FreeChunk>{{1025, 75}});
  CHECK(heap.Free(1005));
  CHECK_FALSE(heap.Free(b.addr));
}

TEST_CASE("Bad heap configurations are refused with the field named", "[mem][free_list][errors]") {
  HeapConfig config;
  config.size = 0;
  auto zero = FreeListHeap::Create(config);
  REQUIRE_FALSE(zero.ok());
  CHECK(zero.error().message.find("heap size") != std::string::npos);
  config.size = 100;
  config.alignment = 0;
  REQUIRE_FALSE(FreeListHeap::Create(config).ok());
  config.alignment = -1;
  config.header_size = -2;
  REQUIRE_FALSE(FreeListHeap::Create(config).ok());
  CHECK_FALSE(osgrid::os::ParseFitPolicy("GOOD").ok());
  CHECK(osgrid::os::ParseListOrder("SIZESORT-").value() == ListOrder::kSizeSortDown);
}

// Random op sequences under every policy, list order and setting.
TEST_CASE("Property: the free-list heap keeps its map exact on random programs", "[mem][free_list][property]") {
  osgrid::os::Rng rng(2024);
  const FitPolicy policies[] = {FitPolicy::kFirst, FitPolicy::kBest, FitPolicy::kWorst, FitPolicy::kNext};
  const ListOrder orders[] = {ListOrder::kAddrSort, ListOrder::kSizeSortUp, ListOrder::kSizeSortDown,
                              ListOrder::kInsertFront, ListOrder::kInsertBack};
  for (int round = 0; round < 400; ++round) {
    HeapConfig config;
    config.alignment = rng.Uniform(0, 2) == 0 ? -1 : std::int64_t{1} << rng.Uniform(0, 3);
    const std::int64_t unit = config.alignment > 0 ? config.alignment : 1;
    config.base = unit * rng.Uniform(0, 100);
    config.header_size = unit * rng.Uniform(0, 2);
    config.size = rng.Uniform(20, 300);
    config.policy = policies[rng.Uniform(0, 3)];
    config.list_order = orders[rng.Uniform(0, 4)];
    config.coalesce = rng.Uniform(0, 1) == 1;
    auto heap = FreeListHeap::Create(config);
    REQUIRE(heap.ok());
    std::vector<std::int64_t> live;
    for (int op = 0; op < 60; ++op) {
      if (live.empty() || rng.Uniform(0, 99) < 55) {
        const auto result = heap->Alloc(rng.Uniform(1, 30));
        if (result.ok()) {
          CHECK((result.addr - config.base) % unit == 0);  // aligned (the header is a multiple of the alignment)
          live.push_back(result.addr);
        }
      } else if (rng.Uniform(0, 9) == 0) {
        std::vector<osgrid::os::Block> before;
        for (const auto& block : heap->Blocks()) {
          if (!block.free) before.push_back(block);
        }
        auto compaction = heap->Compact();
        REQUIRE(compaction.ok());
        // Same blocks, same order, packed from the base; one free block on top;
        // every block is where the remapping says.
        std::map<std::int64_t, std::int64_t> moved_to;
        std::int64_t moved_bytes = 0;
        for (const auto& move : compaction->moves) {
          moved_to[move.from] = move.to;
          moved_bytes += move.size;
        }
        CHECK(moved_bytes == compaction->moved_bytes);
        const auto after = heap->Blocks();
        std::int64_t next = config.base;
        for (std::size_t i = 0; i < before.size(); ++i) {
          REQUIRE(i < after.size());
          CHECK_FALSE(after[i].free);
          CHECK(after[i].addr == next);
          CHECK(after[i].size == before[i].size);
          CHECK(after[i].requested == before[i].requested);
          const auto it = moved_to.find(before[i].addr);
          CHECK(after[i].addr == (it == moved_to.end() ? before[i].addr : it->second));
          next += before[i].size;
        }
        CHECK(after.size() <= before.size() + 1);
        CHECK(heap->FreeList().size() == after.size() - before.size());
        for (const auto& move : compaction->moves) std::replace(live.begin(), live.end(), move.from, move.to);
      } else {
        const auto pick = static_cast<std::size_t>(rng.Uniform(0, static_cast<std::int64_t>(live.size()) - 1));
        REQUIRE(heap->Free(live[pick]));
        live.erase(live.begin() + static_cast<std::ptrdiff_t>(pick));
      }
      CheckHeapInvariants(*heap);
      if (config.coalesce && config.list_order == ListOrder::kAddrSort) CHECK_FALSE(HasAdjacentFreeBlocks(*heap));
      CHECK(heap->Metrics().allocations - heap->Metrics().frees == static_cast<std::int64_t>(live.size()));
    }
  }
}
