// Page-replacement simulations: the textbooks' worked examples, Belady's
// anomaly, and invariants on random reference strings.
#include <catch2/catch.hpp>

#include <algorithm>
#include <set>

#include "osgrid/os/paging/paging_simulation.h"
#include "osgrid/os/random.h"

using osgrid::os::FaultsByCacheSize;
using osgrid::os::Page;
using osgrid::os::PagingResult;
using osgrid::os::PolicyOptions;
using osgrid::os::ReplacementPolicyNames;
using osgrid::os::Rng;
using osgrid::os::SimulatePaging;

namespace {

PagingResult Run(const std::string& policy, const std::vector<Page>& refs, std::size_t frames,
                 const PolicyOptions& options = {}) {
  auto result = SimulatePaging(policy, refs, frames, options);
  REQUIRE(result.ok());
  return *result;
}

/// The frame table's columns at each page fault, as Silberschatz draws them
/// (free frames left out).
std::vector<std::vector<Page>> FaultColumns(const PagingResult& run) {
  std::vector<std::vector<Page>> columns;
  for (const auto& access : run.accesses) {
    if (access.hit) continue;
    std::vector<Page> column;
    for (const auto& frame : access.frames) {
      if (frame) column.push_back(*frame);
    }
    columns.push_back(column);
  }
  return columns;
}

// Silberschatz 10e, 10.4.2 (figures 10.12, 10.14, 10.15): the reference string.
const std::vector<Page> kSilberschatz = {7, 0, 1, 2, 0, 3, 0, 4, 2, 3, 0, 3, 2, 1, 2, 0, 1, 7, 0, 1};
// OSTEP ch. 22.2 (figures 22.1, 22.2, 22.5): the example stream, cache of 3.
const std::vector<Page> kOstep = {0, 1, 2, 0, 1, 3, 0, 3, 1, 2, 1};
// Belady's anomaly: Silberschatz 10e, 10.4.2 (figure 10.13); OSTEP ch. 22.3 aside.
const std::vector<Page> kBelady = {1, 2, 3, 4, 1, 2, 5, 1, 2, 3, 4, 5};

}  // namespace

TEST_CASE("Silberschatz 10.4.2 figure 10.12: FIFO with 3 frames has 15 faults", "[paging][textbook]") {
  const PagingResult run = Run("FIFO", kSilberschatz, 3);
  CHECK(run.misses == 15);
  CHECK(run.hits == 5);
  const std::vector<std::vector<Page>> figure = {{7},       {7, 0},    {7, 0, 1}, {2, 0, 1}, {2, 3, 1},
                                                 {2, 3, 0}, {4, 3, 0}, {4, 2, 0}, {4, 2, 3}, {0, 2, 3},
                                                 {0, 1, 3}, {0, 1, 2}, {7, 1, 2}, {7, 0, 2}, {7, 0, 1}};
  CHECK(FaultColumns(run) == figure);
}

TEST_CASE("Silberschatz 10.4.3 figure 10.14: OPT with 3 frames has 9 faults", "[paging][textbook]") {
  const PagingResult run = Run("OPT", kSilberschatz, 3);
  CHECK(run.misses == 9);
  const std::vector<std::vector<Page>> figure = {{7},       {7, 0},    {7, 0, 1}, {2, 0, 1}, {2, 0, 3},
                                                 {2, 4, 3}, {2, 0, 3}, {2, 0, 1}, {7, 0, 1}};
  CHECK(FaultColumns(run) == figure);
}

TEST_CASE("Silberschatz 10.4.4 figure 10.15: LRU with 3 frames has 12 faults", "[paging][textbook]") {
  const PagingResult run = Run("LRU", kSilberschatz, 3);
  CHECK(run.misses == 12);
  const std::vector<std::vector<Page>> figure = {{7},       {7, 0},    {7, 0, 1}, {2, 0, 1}, {2, 0, 3}, {4, 0, 3},
                                                 {4, 0, 2}, {4, 3, 2}, {0, 3, 2}, {1, 3, 2}, {1, 0, 2}, {1, 0, 7}};
  CHECK(FaultColumns(run) == figure);
}

TEST_CASE("OSTEP 22.2 figure 22.1: OPT on the example stream, 6 hits and 5 misses", "[paging][textbook]") {
  const PagingResult run = Run("OPT", kOstep, 3);
  CHECK(run.hits == 6);
  CHECK(run.misses == 5);
  CHECK(run.hit_rate() == Approx(6.0 / 11.0));
  // Figure 22.1: 3 evicts 2; the final 2 evicts 3, leaving 0, 1, 2.
  CHECK(run.accesses[5].evicted == Page{2});
  CHECK(run.accesses[9].evicted == Page{3});
  CHECK(run.accesses[10].cache == std::vector<Page>{0, 1, 2});
}

TEST_CASE("OSTEP 22.3 figure 22.2: FIFO on the example stream, 4 hits and 7 misses", "[paging][textbook]") {
  const PagingResult run = Run("FIFO", kOstep, 3);
  CHECK(run.hits == 4);
  CHECK(run.misses == 7);
  // First-in first: 0,1,2 -> 3 evicts 0 (1,2,3) -> 0 evicts 1 (2,3,0) -> 3 hit
  // -> 1 evicts 2 (3,0,1) -> 2 evicts 3 (0,1,2) -> 1 hit.
  CHECK(run.accesses[10].cache == std::vector<Page>{0, 1, 2});
  CHECK(run.accesses[9].evicted == Page{3});
}

TEST_CASE("OSTEP 22.5 figure 22.5: LRU on the example stream matches OPT, 6 hits", "[paging][textbook]") {
  const PagingResult run = Run("LRU", kOstep, 3);
  CHECK(run.hits == 6);
  CHECK(run.misses == 5);
  // LRU first, MRU last, as paging-policy.py prints it: 3 evicts 2; 2 evicts 0.
  CHECK(run.accesses[5].evicted == Page{2});
  CHECK(run.accesses[9].evicted == Page{0});
  CHECK(run.accesses[10].cache == std::vector<Page>{3, 2, 1});
}

TEST_CASE("Belady's anomaly: FIFO faults 9 times with 3 frames and 10 times with 4", "[paging][belady]") {
  CHECK(Run("FIFO", kBelady, 3).misses == 9);
  CHECK(Run("FIFO", kBelady, 4).misses == 10);
  auto curve = FaultsByCacheSize("FIFO", kBelady, 1, 5);
  REQUIRE(curve.ok());
  std::vector<std::size_t> misses;
  for (const auto& point : *curve) misses.push_back(point.misses);
  CHECK(misses == std::vector<std::size_t>{12, 12, 9, 10, 5});  // Silberschatz figure 10.13
  // LRU and OPT are stack algorithms: no anomaly on the same string.
  CHECK(Run("LRU", kBelady, 4).misses <= Run("LRU", kBelady, 3).misses);
  CHECK(Run("OPT", kBelady, 4).misses <= Run("OPT", kBelady, 3).misses);
}

TEST_CASE("Golden traces from paging-policy.py", "[paging][ostep]") {
  // python3 paging-policy.py -a 1,2,3,4,1,2,5,1,2,3,4,5 -p MRU -C 3 -c
  //   Replaced: - - - 3 - - 2 - 1 2 - -   FINALSTATS hits 5   misses 7
  const PagingResult mru = Run("MRU", kBelady, 3);
  std::vector<Page> victims;
  for (const auto& a : mru.accesses) victims.push_back(a.evicted.value_or(-1));
  CHECK(victims == std::vector<Page>{-1, -1, -1, 3, -1, -1, 2, -1, 1, 2, -1, -1});
  CHECK(mru.hits == 5);
  CHECK(mru.accesses[11].cache == std::vector<Page>{3, 4, 5});
  // python3 paging-policy.py -a 7,0,1,2,0,3,0,4,2,3,0,3,2,1,2,0,1,7,0,1 -p UNOPT -C 3 -c
  //   FINALSTATS hits 0   misses 20
  CHECK(Run("UNOPT", kSilberschatz, 3).misses == 20);
}

TEST_CASE("SimulatePaging refuses bad input with a message naming it", "[paging][errors]") {
  auto negative = SimulatePaging("FIFO", {1, 2, -2}, 3);
  REQUIRE_FALSE(negative.ok());
  CHECK(negative.error().message == "reference 3: page must be >= 0, got -2");
  auto zero = SimulatePaging("LRU", {1}, 0);
  REQUIRE_FALSE(zero.ok());
  CHECK_THAT(zero.error().message, Catch::Contains("cache size must be >= 1"));
  auto unknown = SimulatePaging("LIFO", {1}, 3);
  REQUIRE_FALSE(unknown.ok());
  CHECK_THAT(unknown.error().message, Catch::Contains("unknown replacement policy 'LIFO'"));
  auto range = FaultsByCacheSize("FIFO", {1}, 4, 3);
  REQUIRE_FALSE(range.ok());
  CHECK_THAT(range.error().message, Catch::Contains("4-3"));
  auto empty = SimulatePaging("FIFO", {}, 3);
  REQUIRE(empty.ok());
  CHECK(empty->hit_rate() == 0.0);
}

TEST_CASE("Invariants on random reference strings, every policy", "[paging][property]") {
  Rng rng(2024);
  for (int trial = 0; trial < 300; ++trial) {
    const auto length = static_cast<std::size_t>(rng.Uniform(1, 60));
    const auto max_page = rng.Uniform(1, 12);
    const auto frames = static_cast<std::size_t>(rng.Uniform(1, 6));
    std::vector<Page> refs;
    for (std::size_t i = 0; i < length; ++i) refs.push_back(rng.Uniform(0, max_page));
    PolicyOptions options;
    options.seed = static_cast<std::uint64_t>(trial);
    options.clock_bits = static_cast<int>(rng.Uniform(1, 3));
    const std::size_t opt_misses = Run("OPT", refs, frames).misses;
    for (const std::string& policy : ReplacementPolicyNames()) {
      INFO("trial " << trial << " policy " << policy << " frames " << frames);
      const PagingResult run = Run(policy, refs, frames, options);
      CHECK(run.hits + run.misses == refs.size());
      CHECK(run.misses >= opt_misses);  // OPT has the fewest misses of all
      for (const auto& access : run.accesses) {
        CHECK(access.cache.size() <= frames);
        CHECK(std::count(access.cache.begin(), access.cache.end(), access.page) == 1);
        if (access.evicted) CHECK(std::count(access.cache.begin(), access.cache.end(), *access.evicted) == 0);
        // The frame table holds exactly the cache's pages.
        std::multiset<Page> in_frames;
        for (const auto& frame : access.frames) {
          if (frame) in_frames.insert(*frame);
        }
        CHECK(in_frames == std::multiset<Page>(access.cache.begin(), access.cache.end()));
        CHECK(access.frames.size() == frames);
      }
    }
  }
}

TEST_CASE("LRU and OPT are stack algorithms: faults never increase with more frames", "[paging][property]") {
  Rng rng(7);
  for (int trial = 0; trial < 200; ++trial) {
    const auto length = static_cast<std::size_t>(rng.Uniform(1, 50));
    std::vector<Page> refs;
    for (std::size_t i = 0; i < length; ++i) refs.push_back(rng.Uniform(0, 7));
    for (const std::string policy : {"LRU", "OPT"}) {
      auto curve = FaultsByCacheSize(policy, refs, 1, 9);
      REQUIRE(curve.ok());
      for (std::size_t i = 1; i < curve->size(); ++i) {
        INFO("trial " << trial << " " << policy << " at " << (*curve)[i].cache_size << " frames");
        CHECK((*curve)[i].misses <= (*curve)[i - 1].misses);
      }
    }
  }
}

TEST_CASE("An observer sees every access as it is made, and the result keeps none", "[paging][stream]") {
  for (const std::string& policy : ReplacementPolicyNames()) {
    INFO(policy);
    PolicyOptions options;
    options.seed = 5;
    const PagingResult recorded = Run(policy, kSilberschatz, 3, options);
    std::vector<osgrid::os::PageAccess> seen;
    auto streamed = SimulatePaging(policy, kSilberschatz, 3, options,
                                   [&](const osgrid::os::PageAccess& access) { seen.push_back(access); });
    REQUIRE(streamed.ok());
    CHECK(streamed->accesses.empty());
    CHECK(streamed->hits == recorded.hits);
    CHECK(streamed->misses == recorded.misses);
    REQUIRE(seen.size() == recorded.accesses.size());
    for (std::size_t i = 0; i < seen.size(); ++i) {
      CHECK(seen[i].page == recorded.accesses[i].page);
      CHECK(seen[i].evicted == recorded.accesses[i].evicted);
      CHECK(seen[i].cache == recorded.accesses[i].cache);
      CHECK(seen[i].frames == recorded.accesses[i].frames);
    }
  }
}

TEST_CASE("RAND and CLOCK draw from a shared stream, each cache size of a sweep starts from the same state",
          "[paging][rand][clock]") {
  for (const std::string policy : {"RAND", "CLOCK"}) {
    INFO(policy);
    osgrid::os::PyRandom stream(11);
    stream.Random();  // as if a reference string had been drawn first
    for (std::size_t frames = 1; frames <= 4; ++frames) {
      osgrid::os::PyRandom copy = stream;
      PolicyOptions options;
      options.random = &copy;
      const std::size_t misses = Run(policy, kSilberschatz, frames, options).misses;
      osgrid::os::PyRandom again = stream;
      options.random = &again;
      auto curve = FaultsByCacheSize(policy, kSilberschatz, frames, frames, options);
      REQUIRE(curve.ok());
      CHECK(curve->front().misses == misses);
      // The sweep copies the stream: the caller's is left where it was.
      osgrid::os::PyRandom untouched = stream;
      CHECK(again.Random() == untouched.Random());
    }
  }
}
