// Each replacement policy on its own, driven reference by reference as a live
// page cache would drive it.
#include <catch2/catch.hpp>

#include "osgrid/os/paging/replacement_policy.h"

using osgrid::os::MakeClock;
using osgrid::os::MakeClockHand;
using osgrid::os::MakeFifo;
using osgrid::os::MakeLfu;
using osgrid::os::MakeLru;
using osgrid::os::MakeMru;
using osgrid::os::MakeOpt;
using osgrid::os::MakeRandom;
using osgrid::os::MakeReplacementPolicy;
using osgrid::os::MakeUnopt;
using osgrid::os::Page;
using osgrid::os::PolicyOptions;
using osgrid::os::PyRandom;
using osgrid::os::Reference;
using osgrid::os::ReplacementPolicy;
using osgrid::os::ReplacementPolicyNames;

namespace {

/// Victims, in order, with -1 for "no victim" and -2 for a hit.
std::vector<Page> Victims(ReplacementPolicy& cache, const std::vector<Page>& refs) {
  std::vector<Page> victims;
  for (Page page : refs) {
    const Reference r = cache.Access(page);
    victims.push_back(r.hit ? -2 : r.evicted.value_or(-1));
  }
  return victims;
}

}  // namespace

TEST_CASE("FIFO evicts the page loaded first, even if it was just used", "[paging][fifo]") {
  auto fifo = MakeFifo(2);
  CHECK(fifo->name() == "FIFO");
  CHECK(fifo->capacity() == 2);
  // 1 and 2 loaded; 1 hit (no change); 3 evicts 1 all the same.
  CHECK(Victims(*fifo, {1, 2, 1, 3}) == std::vector<Page>{-1, -1, -2, 1});
  CHECK(fifo->Contents() == std::vector<Page>{2, 3});
  CHECK(fifo->Contains(3));
  CHECK_FALSE(fifo->Contains(1));
}

TEST_CASE("LRU evicts the least recently used page, MRU the most recently used", "[paging][lru][mru]") {
  auto lru = MakeLru(2);
  CHECK(Victims(*lru, {1, 2, 1, 3}) == std::vector<Page>{-1, -1, -2, 2});
  CHECK(lru->Contents() == std::vector<Page>{1, 3});  // LRU first, as paging-policy.py prints it
  auto mru = MakeMru(2);
  CHECK(Victims(*mru, {1, 2, 1, 3}) == std::vector<Page>{-1, -1, -2, 1});
  CHECK(mru->Contents() == std::vector<Page>{2, 3});
}

TEST_CASE("OPT evicts the page used farthest in the future, ties go to the latest loaded", "[paging][opt]") {
  // At the reference to 4 (position 3): 1 is next used at 4, 2 at 5, 3 never -> evict 3.
  const std::vector<Page> refs = {1, 2, 3, 4, 1, 2};
  auto opt = MakeOpt(3, refs);
  CHECK(Victims(*opt, refs) == std::vector<Page>{-1, -1, -1, 3, -2, -2});
  // No page is used again at the reference to 4: all tie; paging-policy.py
  // (">=" over its memory list) evicts the most recently loaded one, 3.
  const std::vector<Page> none_again = {1, 2, 3, 4};
  auto tie = MakeOpt(3, none_again);
  CHECK(Victims(*tie, none_again) == std::vector<Page>{-1, -1, -1, 3});
  CHECK(tie->Contents() == std::vector<Page>{1, 2, 4});
}

TEST_CASE("UNOPT evicts the page used soonest, ties go to the oldest loaded", "[paging][unopt]") {
  const std::vector<Page> refs = {1, 2, 3, 4, 1, 2};
  auto unopt = MakeUnopt(3, refs);
  CHECK(Victims(*unopt, refs) == std::vector<Page>{-1, -1, -1, 1, 2, 3});
  const std::vector<Page> none_again = {1, 2, 3, 4};
  auto tie = MakeUnopt(3, none_again);
  CHECK(Victims(*tie, none_again) == std::vector<Page>{-1, -1, -1, 1});
}

TEST_CASE("CLOCK-HAND gives referenced pages a second chance", "[paging][clock]") {
  // Silberschatz 10e 10.4.5.2. Frames fill 0,1,2 with 1,2,3 (use bits 1,1,1).
  // 4: the hand clears 1, 2, 3 and comes back to frame 0: victim 1.
  // 2: hit, sets 2's bit. 5: hand at frame 1 (page 2, bit 1): cleared, skip;
  // frame 2 (page 3, bit 0): victim 3.
  auto clock = MakeClockHand(3, 1);
  CHECK(clock->name() == "CLOCK-HAND");
  CHECK(Victims(*clock, {1, 2, 3, 4, 2, 5}) == std::vector<Page>{-1, -1, -1, 1, -2, 3});
  CHECK(clock->Contents() == std::vector<Page>{2, 4, 5});  // oldest loaded first
}

TEST_CASE("CLOCK-HAND with two clock bits: a page hit twice survives two sweeps", "[paging][clock]") {
  // 1 is hit twice (counter 2), 2 and 3 once loaded (counter 1).
  // 4: frame0 (1: 2->1), frame1 (2: 1->0), frame2 (3: 1->0), frame0 (1: 1->0),
  // frame1 (2: 0) -> victim 2.
  auto clock = MakeClockHand(3, 2);
  CHECK(Victims(*clock, {1, 1, 2, 3, 4}) == std::vector<Page>{-1, -2, -1, -1, 2});
  auto one_bit = MakeClockHand(3, 1);
  CHECK(Victims(*one_bit, {1, 1, 2, 3, 4}) == std::vector<Page>{-1, -2, -1, -1, 1});
}

TEST_CASE("CLOCK scans random pages as paging-policy.py does", "[paging][clock][ostep]") {
  // python3 paging-policy.py -a 1,1,2,3,4,2,5,1,6 -p CLOCK -C 3 -s 7 -c (-b 2, its default)
  //   Replaced: - - - - 1 - 3 2 4
  const std::vector<Page> refs = {1, 1, 2, 3, 4, 2, 5, 1, 6};
  auto clock = MakeClock(3, 2, std::int64_t{7});
  CHECK(clock->name() == "CLOCK");
  CHECK(Victims(*clock, refs) == std::vector<Page>{-1, -2, -1, -1, 1, -2, 3, 2, 4});
  CHECK(clock->Contents() == std::vector<Page>{5, 1, 6});  // load order, as its list
  // The stream is the caller's: the same draws from a shared PyRandom.
  PyRandom stream(7);
  auto shared = MakeClock(3, 2, stream);
  CHECK(Victims(*shared, refs) == std::vector<Page>{-1, -2, -1, -1, 1, -2, 3, 2, 4});
  PyRandom fresh(7);
  CHECK(stream.Random() != fresh.Random());  // the policy advanced the caller's stream
}

TEST_CASE("CLOCK with clock bits 0: a hit clears the counter, so the first page looked at goes", "[paging][clock]") {
  // paging-policy.py sets the counter to 1 on a load and to min(counter + 1,
  // -b) on a hit: with -b 0 a hit leaves 0, and a scan takes that page at once.
  PyRandom stream(3), expected(3);
  auto clock = MakeClock(2, 0, stream);
  CHECK(Victims(*clock, {1, 2, 1, 2}) == std::vector<Page>{-1, -1, -2, -2});
  const Page first_looked_at = expected.Random() < 0.5 ? 1 : 2;
  CHECK(clock->Access(3).evicted == first_looked_at);
  CHECK(stream.Random() == expected.Random());  // exactly one draw was taken
}

TEST_CASE("LFU evicts the least-counted page, ties by least recently used", "[paging][lfu]") {
  auto lfu = MakeLfu(3);
  // Counts after 1,1,2,3: 1->2, 2->1, 3->1. 4: 2 and 3 tie at 1; 2 was used
  // less recently -> victim 2. Then 3 (count 1) vs 4 (count 1): 5 evicts 3.
  CHECK(Victims(*lfu, {1, 1, 2, 3, 4, 5}) == std::vector<Page>{-1, -2, -1, -1, 2, 3});
  CHECK(lfu->Contents() == std::vector<Page>{1, 4, 5});
  // Newcomers start at count 1 and lose to 1 (count 2): 3 evicts 4, 6 evicts 5.
  CHECK(Victims(*lfu, {3, 6}) == std::vector<Page>{4, 5});
}

TEST_CASE("RAND evicts the page at int(random() * frames), as paging-policy.py", "[paging][rand][ostep]") {
  // python3 paging-policy.py -a 1,2,3,4,5,6,1,2,7,8,9,3 -p RAND -C 3 -s 42 -c
  //   Replaced: - - - 2 1 3 4 1 2 7 5 8
  const std::vector<Page> refs = {1, 2, 3, 4, 5, 6, 1, 2, 7, 8, 9, 3};
  auto a = MakeRandom(3, std::int64_t{42});
  CHECK(a->name() == "RAND");
  CHECK(Victims(*a, refs) == std::vector<Page>{-1, -1, -1, 2, 1, 3, 4, 1, 2, 7, 5, 8});
  CHECK(a->Contents() == std::vector<Page>{6, 9, 3});
  // A shared stream continues where the caller left it: one draw taken
  // first shifts every victim choice by one draw.
  PyRandom stream(42);
  PyRandom expected(42);
  stream.Random();
  expected.Random();
  auto b = MakeRandom(2, stream);
  std::vector<Page> memory = {1, 2};
  Victims(*b, {1, 2});
  for (Page page : {3, 4, 5, 6}) {
    const auto index = static_cast<std::size_t>(expected.Random() * 2);
    const Page victim = memory[index];
    memory.erase(memory.begin() + static_cast<std::ptrdiff_t>(index));
    memory.push_back(page);
    CHECK(b->Access(page).evicted == victim);
  }
}

TEST_CASE("MakeReplacementPolicy builds every policy by name and refuses bad input", "[paging][factory]") {
  for (const std::string& name : ReplacementPolicyNames()) {
    auto made = MakeReplacementPolicy(name, 3);
    REQUIRE(made.ok());
    CHECK((*made)->name() == name);
    CHECK((*made)->capacity() == 3);
  }
  auto unknown = MakeReplacementPolicy("NRU", 3);
  REQUIRE_FALSE(unknown.ok());
  CHECK_THAT(unknown.error().message, Catch::Contains("unknown replacement policy 'NRU'"));
  auto zero = MakeReplacementPolicy("FIFO", 0);
  REQUIRE_FALSE(zero.ok());
  CHECK_THAT(zero.error().message, Catch::Contains("cache size must be >= 1"));
  PolicyOptions no_bits;  // paging-policy.py accepts any -b, and so do CLOCK and CLOCK-HAND
  no_bits.clock_bits = 0;
  CHECK(MakeReplacementPolicy("CLOCK", 3, no_bits).ok());
  CHECK(MakeReplacementPolicy("CLOCK-HAND", 3, no_bits).ok());
}
