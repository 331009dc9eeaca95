// HeapSession's event stream (heap_session.h, "Events"): a malloc.py -A list
// and a list of keys event by event, then random programs on every heap
// (pointers, and in odd rounds keys too), whose memory map,
// rebuilt from the events alone (events/replay.h), must equal the heap's.
#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <vector>

#include "../events/event_test_support.h"
#include "osgrid/os/events/replay.h"
#include "osgrid/os/mem/buddy.h"
#include "osgrid/os/mem/free_list.h"
#include "osgrid/os/mem/heap_session.h"
#include "osgrid/os/random.h"

using namespace osgrid::os;
using events::Event;
using events::HeapBlockView;
using events::testing::Lines;
using events::testing::Recorder;

namespace {

std::unique_ptr<HeapAllocator> Heap(const HeapConfig& config, bool indexed = false) {
  auto heap = MakeHeap(config, indexed);
  REQUIRE(heap.ok());
  return std::move(heap).value();
}

/// The session's map as the replay draws it: owners by name, and free
/// blocks that touch merged into one hole.
std::vector<HeapBlockView> Map(const HeapSession& session) {
  std::vector<HeapBlockView> map;
  for (const Block& block : session.heap().Blocks()) {
    HeapBlockView view{static_cast<std::uint64_t>(block.addr), static_cast<std::uint64_t>(block.size), block.free, "",
                       static_cast<std::uint64_t>(block.requested)};
    if (const std::string* key = block.free ? nullptr : session.keyed().KeyAt(block.addr)) {
      view.owner = *key;
    } else if (!block.free) {
      view.owner = "ptr[" + std::to_string(*session.OwnerOf(block.addr)) + "]";
    }
    if (block.free && !map.empty() && map.back().free && map.back().address + map.back().size == view.address) {
      map.back().size += view.size;
    } else {
      map.push_back(view);
    }
  }
  return map;
}

/// The replay of `events` must draw the session's map and count what its heap counted.
void CheckReplay(const std::vector<Event>& events, const HeapSession& session) {
  events::testing::CheckStamps(events);
  const HeapAllocator& heap = session.heap();
  auto replay =
      events::ReplayHeap(static_cast<std::uint64_t>(heap.base()), static_cast<std::uint64_t>(heap.size()), events);
  INFO((replay.ok() ? "" : replay.error().message));
  REQUIRE(replay.ok());
  CHECK(replay->blocks == Map(session));
  const HeapMetrics metrics = heap.Metrics();
  CHECK(replay->allocated_bytes == static_cast<std::uint64_t>(metrics.allocated_bytes));
  CHECK(replay->free_bytes == static_cast<std::uint64_t>(metrics.free_bytes));
  CHECK(replay->allocations == static_cast<std::uint64_t>(metrics.allocations));
  CHECK(replay->frees == static_cast<std::uint64_t>(metrics.frees));
  CHECK(replay->failures == static_cast<std::uint64_t>(metrics.failed_requests));
  CHECK(replay->fragmentation_failures == static_cast<std::uint64_t>(metrics.failed_fragmentation));
}

}  // namespace

TEST_CASE("A malloc.py program, event by event", "[mem][session][events]") {
  HeapConfig config;  // malloc.py's defaults: 100 bytes at 1000, BEST, ADDRSORT, no coalescing
  HeapSession session(Heap(config));
  Recorder recorder;
  session.set_event_sink(recorder.Sink());
  // ptr[N] counts the allocations, failed ones included: +5 is ptr[2].
  REQUIRE(session.Run(*ParseHeapOps("+10,+20,-0,+5,+90,+72,C,+72,-1,-1,-9")).ok());
  CHECK(Lines(recorder.events) ==
        std::vector<std::string>{
            "0 mem.alloc ptr[0] at 1000 size 10 request 10", "1 mem.alloc ptr[1] at 1010 size 20 request 20",
            "2 mem.free ptr[0] at 1000 size 10", "3 mem.alloc ptr[2] at 1000 size 5 request 5",
            "4 mem.failed ptr[3] request 90 no_space free 75 holes 2 largest 70",
            "5 mem.failed ptr[4] request 72 fragmentation free 75 holes 2 largest 70",
            "6 mem.compact moved 1 bytes 20",  // ptr[1]: 1010 -> 1005
            "7 mem.alloc ptr[5] at 1025 size 72 request 72", "8 mem.free ptr[1] at 1005 size 20",
            // op 9 frees ptr[1] again, op 10 a pointer never returned: nothing happens
        });
  CheckReplay(recorder.events, session);
  auto replay = events::ReplayHeap(1000, 100, recorder.events);
  REQUIRE(replay.ok());
  CHECK(replay->blocks == std::vector<HeapBlockView>{
                              {1000, 5, false, "ptr[2]", 5},
                              {1005, 20, true, "", 0},
                              {1025, 72, false, "ptr[5]", 72},
                              {1097, 3, true, "", 0},
                          });
  CHECK(replay->compactions == 1);
}

TEST_CASE("mem.alloc gives the block's size, header and padding included", "[mem][session][events]") {
  HeapConfig config;
  config.header_size = 4;
  config.alignment = 4;
  HeapSession session(Heap(config));
  Recorder recorder;
  session.set_event_sink(recorder.Sink());
  REQUIRE(session.Run(*ParseHeapOps("+3,+8,-0")).ok());
  CHECK(Lines(recorder.events) == std::vector<std::string>{
                                      "0 mem.alloc ptr[0] at 1000 size 8 request 3",
                                      "1 mem.alloc ptr[1] at 1008 size 12 request 8",
                                      "2 mem.free ptr[0] at 1000 size 8",
                                  });
  CheckReplay(recorder.events, session);
}

TEST_CASE("A dangling free names the block's owner", "[mem][session][events]") {
  HeapSession session(Heap(HeapConfig{}));
  Recorder recorder;
  session.set_event_sink(recorder.Sink());
  // ptr[1] reuses ptr[0]'s address, so the second -0 frees ptr[1]'s block.
  REQUIRE(session.Run(*ParseHeapOps("+10,-0,+10,-0")).ok());
  REQUIRE(recorder.events.size() == 4);
  CHECK(events::testing::Line(recorder.events[3]) == "3 mem.free ptr[1] at 1000 size 10");
  CheckReplay(recorder.events, session);
}

TEST_CASE("An allocation of 0 bytes fails as bad_size", "[mem][session][events]") {
  HeapSession session(Heap(HeapConfig{}));
  Recorder recorder;
  session.set_event_sink(recorder.Sink());
  REQUIRE(session.Apply(HeapOp::Alloc(0)).ok());
  REQUIRE(recorder.events.size() == 1);
  CHECK(events::testing::Line(recorder.events[0]) ==
        "0 mem.failed ptr[0] request 0 bad_size free 100 holes 1 largest 100");
}

// The live peer's store says the same: SET and DEL of keys (keyed_heap.h).
TEST_CASE("Keys, event by event: an overwrite says the new block, then the old one freed", "[mem][session][events]") {
  HeapConfig config;
  config.base = 0;
  config.policy = FitPolicy::kFirst;
  config.coalesce = true;
  HeapSession session(Heap(config));
  Recorder recorder;
  session.set_event_sink(recorder.Sink());
  REQUIRE(session.Run(*ParseHeapOps("a=30,b=20,a=10,-b,-nope,f=60,+5,C,f=60")).ok());
  CHECK(Lines(recorder.events) == std::vector<std::string>{
                                      "0 mem.alloc a at 0 size 30 request 30",
                                      "1 mem.alloc b at 30 size 20 request 20",
                                      "2 mem.alloc a at 50 size 10 request 10",
                                      "2 mem.free a at 0 size 30",
                                      "3 mem.free b at 30 size 20",
                                      // op 4 deletes a key with no block: nothing happens
                                      "5 mem.failed f request 60 fragmentation free 90 holes 2 largest 50",
                                      "6 mem.alloc ptr[0] at 0 size 5 request 5",
                                      "7 mem.compact moved 1 bytes 10",  // a: 50 -> 5
                                      "8 mem.alloc f at 15 size 60 request 60",
                                  });
  CheckReplay(recorder.events, session);
}

TEST_CASE("The buddy system's events rebuild its map", "[mem][session][events]") {
  auto buddy = BuddyAllocator::Create(BuddyConfig{0, 64, 4, 0});
  REQUIRE(buddy.ok());
  HeapSession session(std::make_unique<BuddyAllocator>(std::move(buddy).value()));
  Recorder recorder;
  session.set_event_sink(recorder.Sink());
  // Two free 16-byte blocks that are not buddies: 32 bytes free, no 32-byte block.
  REQUIRE(session.Run(*ParseHeapOps("+13,+16,+16,+16,-1,-3,+40,+17")).ok());
  CHECK(Lines(recorder.events) == std::vector<std::string>{
                                      "0 mem.alloc ptr[0] at 0 size 16 request 13",
                                      "1 mem.alloc ptr[1] at 16 size 16 request 16",
                                      "2 mem.alloc ptr[2] at 32 size 16 request 16",
                                      "3 mem.alloc ptr[3] at 48 size 16 request 16",
                                      "4 mem.free ptr[1] at 16 size 16",
                                      "5 mem.free ptr[3] at 48 size 16",
                                      "6 mem.failed ptr[4] request 40 no_space free 32 holes 2 largest 16",
                                      "7 mem.failed ptr[5] request 17 fragmentation free 32 holes 2 largest 16",
                                  });
  CheckReplay(recorder.events, session);
  CHECK_FALSE(session.Apply(HeapOp::Compact()).ok());  // the buddy system cannot compact: no op, no event
  CHECK(recorder.events.size() == 8);
}

TEST_CASE("Random programs on every heap: the events rebuild the map", "[mem][session][events][property]") {
  Rng rng(1717);
  const std::vector<FitPolicy> policies = {FitPolicy::kFirst, FitPolicy::kBest, FitPolicy::kWorst, FitPolicy::kNext};
  const std::vector<ListOrder> orders = {ListOrder::kAddrSort, ListOrder::kSizeSortUp, ListOrder::kSizeSortDown,
                                         ListOrder::kInsertFront, ListOrder::kInsertBack};
  for (int round = 0; round < 300; ++round) {
    HeapConfig config;
    config.base = rng.Uniform(0, 2000);
    config.size = rng.Uniform(20, 200);
    config.header_size = rng.Uniform(0, 1) == 0 ? 0 : rng.Uniform(1, 4);
    config.alignment = rng.Uniform(0, 1) == 0 ? -1 : rng.Uniform(1, 8);
    config.policy = policies[static_cast<std::size_t>(rng.Uniform(0, 3))];
    config.list_order = orders[static_cast<std::size_t>(rng.Uniform(0, 4))];
    config.coalesce = rng.Uniform(0, 1) == 1;
    const bool indexed = config.list_order == ListOrder::kAddrSort && rng.Uniform(0, 1) == 1;
    const bool buddy = round % 5 == 4;
    std::unique_ptr<HeapAllocator> heap;
    if (buddy) {
      auto made = BuddyAllocator::Create(BuddyConfig{config.base, std::int64_t{1} << rng.Uniform(5, 8), 2, 0});
      REQUIRE(made.ok());
      heap = std::make_unique<BuddyAllocator>(std::move(made).value());
    } else {
      heap = Heap(config, indexed);
    }
    HeapSession session(std::move(heap));
    session.set_record_maps(false);
    Recorder recorder;
    session.set_event_sink(recorder.Sink());
    INFO("round " << round << (buddy ? " (buddy)" : "") << ", coalesce " << config.coalesce);
    for (int op = 0; op < 60; ++op) {
      const std::int64_t draw = rng.Uniform(0, 99);
      HeapOp next = HeapOp::Alloc(rng.Uniform(1, 40));
      // Odd rounds also set and delete four keys on the same heap.
      const bool keys = round % 2 == 1;
      const auto key = [&rng] { return "k" + std::to_string(rng.Uniform(0, 3)); };
      if (keys && draw >= 40 && draw < 55) next = HeapOp::Set(key(), rng.Uniform(1, 40));
      if (draw >= 55) next = HeapOp::Free(rng.Uniform(0, session.pointers_issued()));
      if (keys && draw >= 80 && draw < 96) next = HeapOp::Delete(key());
      if (draw >= 96 && !buddy) next = HeapOp::Compact();
      const std::size_t before = recorder.events.size();
      auto step = session.Apply(next);
      REQUIRE(step.ok());
      // A failed allocation says why, with the heap's figures just after it.
      if ((next.kind == HeapOp::Kind::kAlloc || next.kind == HeapOp::Kind::kSet) && !step->alloc.ok()) {
        REQUIRE(recorder.events.size() == before + 1);
        const auto* failed = std::get_if<events::MemFailed>(&recorder.events.back().body);
        REQUIRE(failed != nullptr);
        const HeapMetrics metrics = session.heap().Metrics();
        CHECK(failed->reason == (step->alloc.failure == AllocFailure::kNoSpace ? "no_space" : "fragmentation"));
        CHECK(failed->free_bytes == static_cast<std::uint64_t>(metrics.free_bytes));
        CHECK(failed->free_holes == static_cast<std::uint64_t>(metrics.free_blocks));
        CHECK(failed->largest_hole == static_cast<std::uint64_t>(metrics.largest_free_block));
        CHECK((failed->free_bytes < static_cast<std::uint64_t>(step->alloc.block_size)) ==
              (failed->reason == "no_space"));
      }
      // Frees and deletes that fail or are skipped say nothing.
      if (next.kind == HeapOp::Kind::kFree || next.kind == HeapOp::Kind::kDelete) {
        CHECK(recorder.events.size() == before + (step->returned == 0 ? 1 : 0));
      }
    }
    CheckReplay(recorder.events, session);
    // With coalescing in an address-ordered list, each hole is one free-list entry.
    if (!buddy && config.coalesce && config.list_order == ListOrder::kAddrSort) {
      auto replay = events::ReplayHeap(static_cast<std::uint64_t>(session.heap().base()),
                                       static_cast<std::uint64_t>(session.heap().size()), recorder.events);
      REQUIRE(replay.ok());
      std::vector<FreeChunk> holes;
      for (const HeapBlockView& block : replay->blocks) {
        if (block.free)
          holes.push_back({static_cast<std::int64_t>(block.address), static_cast<std::int64_t>(block.size)});
      }
      CHECK(holes == session.heap().FreeList());
    }
  }
}
