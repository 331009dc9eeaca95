// osgrid-arena-bench: allocator operations per second in a peer's live
// memory arena (issue 17): MemoryStore on its mapped file, as the peer runs
// it, 10,000 keys in a 16 MiB arena (about half full), under each
// --allocator. Google Benchmark; run
//   build/bin/osgrid-arena-bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "osgrid/peer/memory_store.h"

using namespace osgrid;

namespace {

constexpr int kKeys = 10000;
constexpr std::uint64_t kArenaBytes = 16u << 20;
const char* const kAllocators[] = {"first", "best", "worst", "next", "buddy"};

/// A store on a fresh arena file, filled with kKeys values of 16..1600 bytes.
struct Filled {
  explicit Filled(const char* allocator) {
    char pattern[] = "/tmp/osgrid-arena-bench-XXXXXX";
    dir = mkdtemp(pattern);
    auto opened = peer::MemoryStore::Open({kArenaBytes, allocator}, dir + "/memory.arena");
    if (!opened.ok()) return;
    store = std::move(opened).value();
    for (int i = 0; i < kKeys; ++i) store->Set(Key(i), Json(std::string(Size(), 'v')));
  }
  ~Filled() {
    store.reset();
    std::filesystem::remove_all(dir);
  }
  static std::string Key(int i) { return "key-" + std::to_string(i); }
  std::size_t Size() { return 16 + random() % 1585; }

  std::string dir;
  std::mt19937 random{42};
  std::unique_ptr<peer::MemoryStore> store;
};

/// SET of an existing key to a value of a new size: one allocation and one
/// free (KeyedHeap's overwrite), plus writing the block.
void BM_ArenaOverwrite(benchmark::State& state) {
  Filled filled(kAllocators[state.range(0)]);
  if (!filled.store) return state.SkipWithError("cannot open the arena file");
  std::vector<std::string> values;
  for (int i = 0; i < 64; ++i) values.emplace_back(filled.Size(), 'w');
  std::int64_t refused = 0;
  for (auto _ : state) {
    const int key = static_cast<int>(filled.random() % kKeys);
    refused += !filled.store->Set(Filled::Key(key), Json(values[filled.random() % values.size()])).ok();
  }
  state.SetItemsProcessed(state.iterations());
  state.SetLabel(std::string(kAllocators[state.range(0)]) + ", " + std::to_string(refused) + " refused");
}
BENCHMARK(BM_ArenaOverwrite)->DenseRange(0, 4);

/// GET: find the block, parse the value's JSON text.
void BM_ArenaGet(benchmark::State& state) {
  Filled filled("first");
  if (!filled.store) return state.SkipWithError("cannot open the arena file");
  for (auto _ : state) {
    benchmark::DoNotOptimize(filled.store->Get(Filled::Key(static_cast<int>(filled.random() % kKeys))));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ArenaGet);

/// Opening a 16 MiB arena file with 10,000 keys: the restart's scan and rebuild.
void BM_ArenaRecover(benchmark::State& state) {
  Filled filled("first");
  if (!filled.store) return state.SkipWithError("cannot open the arena file");
  filled.store.reset();
  for (auto _ : state) {
    auto again = peer::MemoryStore::Open({kArenaBytes, "first"}, filled.dir + "/memory.arena");
    benchmark::DoNotOptimize(again);
  }
}
BENCHMARK(BM_ArenaRecover)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
