// The indexed heap and its tree: same answers as the ADDRSORT free list.
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <set>

#include "heap_checks.h"
#include "osgrid/os/mem/flat_containers.h"
#include "osgrid/os/mem/free_block_tree.h"
#include "osgrid/os/mem/free_list.h"
#include "osgrid/os/mem/indexed_heap.h"
#include "osgrid/os/random.h"

namespace {

using osgrid::os::FitPolicy;
using osgrid::os::FreeBlockTree;
using osgrid::os::FreeChunk;
using osgrid::os::FreeListHeap;
using osgrid::os::HeapConfig;
using osgrid::os::IndexedHeap;
using osgrid::os::ListOrder;
using osgrid::os::testing::CheckHeapInvariants;
using osgrid::os::testing::HasAdjacentFreeBlocks;
using osgrid::os::testing::LayoutFigures;
using osgrid::os::testing::MakeHoles;

struct RestoreArgs {
  std::int64_t addr = 0;
  std::int64_t block_size = 0;
  std::int64_t requested = 0;
};

/// Arguments for Restore: mostly a range inside one of `heap`'s free blocks
/// (still refused when the sizes do not fit the config), else anything near
/// the heap, often refused.
RestoreArgs RandomRestoreArgs(const osgrid::os::HeapAllocator& heap, osgrid::os::Rng& rng) {
  const std::vector<FreeChunk> free_list = heap.FreeList();
  if (free_list.empty() || rng.Uniform(0, 3) == 0) {
    return {rng.Uniform(heap.base() - 5, heap.base() + heap.size() + 5), rng.Uniform(-1, 40), rng.Uniform(0, 40)};
  }
  const FreeChunk chunk =
      free_list[static_cast<std::size_t>(rng.Uniform(0, static_cast<std::int64_t>(free_list.size()) - 1))];
  const std::int64_t addr = chunk.addr + rng.Uniform(0, chunk.size - 1);
  const std::int64_t block_size = rng.Uniform(1, chunk.addr + chunk.size - addr);
  return {addr, block_size, rng.Uniform(1, block_size)};
}

}  // namespace

TEST_CASE("FreeBlockTree answers first fit like a scan of the address-ordered list", "[mem][tree][property]") {
  osgrid::os::Rng rng(7);
  for (int round = 0; round < 200; ++round) {
    FreeBlockTree tree;
    std::map<std::int64_t, std::int64_t> reference;  // addr -> size
    for (int op = 0; op < 80; ++op) {
      const std::int64_t addr = rng.Uniform(0, 200) * 10;
      if (reference.count(addr) == 0 && rng.Uniform(0, 2) > 0) {
        const std::int64_t size = rng.Uniform(1, 9);
        tree.Insert({addr, size});
        reference[addr] = size;
      } else if (reference.count(addr) != 0 && rng.Uniform(0, 1) == 0) {
        CHECK(tree.Erase(addr));
        reference.erase(addr);
      } else if (reference.count(addr) != 0) {
        const std::int64_t size = rng.Uniform(1, 9);  // same start: the order is kept
        tree.Replace(addr, {addr, size});
        reference[addr] = size;
      } else {
        CHECK_FALSE(tree.Erase(addr));
      }
      const std::int64_t from = rng.Uniform(-10, 2010), need = rng.Uniform(1, 10);
      std::optional<FreeChunk> expected;
      for (auto it = reference.lower_bound(from); it != reference.end(); ++it) {
        if (it->second >= need) {
          expected = FreeChunk{it->first, it->second};
          break;
        }
      }
      std::int64_t visited = 0;
      CHECK(tree.FirstFit(from, need, &visited) == expected);
      REQUIRE(tree.size() == reference.size());
      std::int64_t largest = 0;
      for (const auto& [a, s] : reference) largest = std::max(largest, s);
      CHECK(tree.LargestSize() == largest);
      auto floor = reference.upper_bound(from);
      if (floor == reference.begin()) {
        CHECK_FALSE(tree.Floor(from).has_value());
      } else {
        CHECK(tree.Floor(from)->addr == std::prev(floor)->first);
      }
    }
  }
}

TEST_CASE("AddressTable and BucketedSet behave as std::map and std::set", "[mem][containers][property]") {
  osgrid::os::Rng rng(3);
  osgrid::os::AddressTable<std::int64_t> table;
  osgrid::os::BucketedSet<std::pair<std::int64_t, std::int64_t>> set;
  std::map<std::int64_t, std::int64_t> table_reference;
  std::set<std::pair<std::int64_t, std::int64_t>> set_reference;
  for (int op = 0; op < 200000; ++op) {
    const std::int64_t key = rng.Uniform(0, 5000) * 8;  // many collisions in a growing table
    const std::pair<std::int64_t, std::int64_t> item{rng.Uniform(1, 300), key};
    switch (rng.Uniform(0, 2)) {
      case 0:
        table.Put(key, op);
        table_reference[key] = op;
        if (set_reference.insert(item).second) set.Insert(item);
        break;
      case 1:
        CHECK(table.Erase(key) == (table_reference.erase(key) == 1));
        CHECK(set.Erase(item) == (set_reference.erase(item) == 1));
        break;
      default: {
        const std::int64_t* found = table.Find(key);
        auto it = table_reference.find(key);
        REQUIRE((found != nullptr) == (it != table_reference.end()));
        if (found != nullptr) CHECK(*found == it->second);
        auto lower = set_reference.lower_bound(item);
        auto ours = set.LowerBound(item);
        REQUIRE(ours.has_value() == (lower != set_reference.end()));
        if (ours) CHECK(*ours == *lower);
      }
    }
    REQUIRE(table.size() == table_reference.size());
    REQUIRE(set.size() == set_reference.size());
  }
  CHECK(*set.Last() == *set_reference.rbegin());
}

TEST_CASE("The indexed heap refuses list orders other than ADDRSORT", "[mem][indexed]") {
  HeapConfig config;
  config.list_order = ListOrder::kSizeSortUp;
  auto heap = IndexedHeap::Create(config);
  REQUIRE_FALSE(heap.ok());
  CHECK(heap.error().message.find("ADDRSORT") != std::string::npos);
}

// OSTEP 17.3: the 10-30-20 free list and a request for 15, indexed.
TEST_CASE("OSTEP 17.3 on the indexed heap", "[mem][indexed][ostep]") {
  for (auto [policy, hole] : {std::pair{FitPolicy::kBest, 2}, {FitPolicy::kWorst, 1}, {FitPolicy::kFirst, 1}}) {
    HeapConfig config;
    config.base = 0;
    config.size = 63;
    config.policy = policy;
    auto heap = IndexedHeap::Create(config);
    REQUIRE(heap.ok());
    const auto holes = MakeHoles(*heap, {10, 30, 20});
    CHECK(heap->Alloc(15).addr == holes[static_cast<std::size_t>(hole)]);
  }
}

// The point of the indexed heap: identical addresses, failures and free
// lists to the textbook list (ADDRSORT), for every policy -- also around
// restored blocks.
TEST_CASE("Property: the indexed heap gives the free list's answers", "[mem][indexed][property]") {
  osgrid::os::Rng rng(99);
  const FitPolicy policies[] = {FitPolicy::kFirst, FitPolicy::kBest, FitPolicy::kWorst, FitPolicy::kNext};
  for (int round = 0; round < 500; ++round) {
    HeapConfig config;
    config.policy = policies[round % 4];
    config.coalesce = rng.Uniform(0, 1) == 1;
    config.alignment = rng.Uniform(0, 1) == 0 ? -1 : rng.Uniform(1, 8);
    config.header_size = rng.Uniform(0, 4);
    config.base = rng.Uniform(0, 5000);
    config.size = rng.Uniform(30, 500);
    auto linear = FreeListHeap::Create(config);
    auto indexed = IndexedHeap::Create(config);
    REQUIRE(linear.ok());
    REQUIRE(indexed.ok());
    INFO("round " << round << " policy " << osgrid::os::FitPolicyName(config.policy) << " coalesce "
                  << config.coalesce);
    std::vector<std::int64_t> live;
    for (int op = 0; op < 80; ++op) {
      INFO("op " << op);
      const std::int64_t roll = rng.Uniform(0, 99);
      if (live.empty() || roll < 55) {
        const std::int64_t size = rng.Uniform(1, 40);
        const auto a = linear->Alloc(size);
        const auto b = indexed->Alloc(size);
        REQUIRE(a.addr == b.addr);
        REQUIRE(a.failure == b.failure);
        REQUIRE(a.block_size == b.block_size);
        if (a.ok()) live.push_back(a.addr);
      } else if (roll < 60) {
        auto a = linear->Compact();
        auto b = indexed->Compact();
        REQUIRE(a->moved_bytes == b->moved_bytes);
        for (const auto& move : a->moves) std::replace(live.begin(), live.end(), move.from, move.to);
      } else if (roll < 70) {
        const RestoreArgs args = RandomRestoreArgs(*linear, rng);
        const bool restored = linear->Restore(args.addr, args.block_size, args.requested);
        REQUIRE(indexed->Restore(args.addr, args.block_size, args.requested) == restored);
        if (restored) live.push_back(args.addr);
      } else {
        const auto pick = static_cast<std::size_t>(rng.Uniform(0, static_cast<std::int64_t>(live.size()) - 1));
        REQUIRE(linear->Free(live[pick]));
        REQUIRE(indexed->Free(live[pick]));
        live.erase(live.begin() + static_cast<std::ptrdiff_t>(pick));
      }
      REQUIRE(linear->FreeList() == indexed->FreeList());
      REQUIRE(linear->Blocks() == indexed->Blocks());
      const auto ma = linear->Metrics(), mb = indexed->Metrics();
      REQUIRE(LayoutFigures(ma) == LayoutFigures(mb));
      REQUIRE(ma.allocations == mb.allocations);
      REQUIRE(ma.failed_requests == mb.failed_requests);
      CheckHeapInvariants(*indexed);
      if (config.coalesce) CHECK_FALSE(HasAdjacentFreeBlocks(*indexed));
    }
  }
}
