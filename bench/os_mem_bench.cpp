// Benchmarks of os/ mem at scale; see bench/README.md.
//
// IndexedHeap (OSTEP 17.3 fits in O(log n)): a heap fragmented into about
// 100,000 free blocks, then 1,000,000 mixed Alloc/Free ops (half each, sizes
// 16..512 bytes, frees of a random live block), with coalescing, per policy.
// One iteration = the 1M ops; the fragmented heap is copied in untimed.
//   osgrid-os-bench --benchmark_filter=Mem --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
//
// The linear free list (the textbook reference) is timed on a heap of 2,000
// free blocks for contrast: its cost per op grows with the list.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <vector>

#include "osgrid/os/mem/free_list.h"
#include "osgrid/os/mem/indexed_heap.h"
#include "osgrid/os/random.h"

namespace {

using osgrid::os::FitPolicy;
using osgrid::os::HeapAllocator;
using osgrid::os::HeapConfig;

constexpr std::int64_t kMinSize = 16;
constexpr std::int64_t kMaxSize = 512;

struct Op {
  bool alloc = true;
  std::int64_t size = 0;   // alloc
  std::uint64_t pick = 0;  // free: which live block (mod live count)
};

std::vector<Op> MakeOps(std::size_t count, std::uint64_t seed) {
  osgrid::os::Rng rng(seed);
  std::vector<Op> ops(count);
  for (Op& op : ops) {
    op.alloc = rng.Uniform(0, 1) == 0;
    op.size = rng.Uniform(kMinSize, kMaxSize);
    op.pick = rng.Next();
  }
  return ops;
}

/// Fills `heap` with 2 * free_blocks blocks and frees every other one:
/// free_blocks holes that cannot coalesce. Returns the live blocks.
std::vector<std::int64_t> Fragment(HeapAllocator& heap, std::int64_t free_blocks) {
  osgrid::os::Rng rng(1);
  std::vector<std::int64_t> all;
  for (std::int64_t i = 0; i < 2 * free_blocks; ++i) all.push_back(heap.Alloc(rng.Uniform(kMinSize, kMaxSize)).addr);
  std::vector<std::int64_t> live;
  for (std::size_t i = 0; i < all.size(); ++i) {
    if (i % 2 == 0) {
      heap.Free(all[i]);
    } else {
      live.push_back(all[i]);
    }
  }
  return live;
}

HeapConfig Config(FitPolicy policy, std::int64_t free_blocks) {
  HeapConfig config;
  config.base = 0;
  config.size = 2 * free_blocks * kMaxSize;  // the fragmented part fills about half of it
  config.policy = policy;
  config.coalesce = true;
  return config;
}

/// Runs the ops; live blocks are removed by swapping with the last one.
void Run(HeapAllocator& heap, std::vector<std::int64_t>& live, const std::vector<Op>& ops) {
  for (const Op& op : ops) {
    if (op.alloc || live.empty()) {
      const auto result = heap.Alloc(op.size);
      if (result.ok()) live.push_back(result.addr);
    } else {
      const std::size_t i = op.pick % live.size();
      heap.Free(live[i]);
      live[i] = live.back();
      live.pop_back();
    }
  }
}

template <class Heap>
void BenchHeap(benchmark::State& state, FitPolicy policy, std::int64_t free_blocks, std::size_t op_count) {
  auto created = Heap::Create(Config(policy, free_blocks));
  if (!created.ok()) {
    state.SkipWithError(created.error().message.c_str());
    return;
  }
  Heap setup = std::move(created).value();
  const std::vector<std::int64_t> live_at_start = Fragment(setup, free_blocks);
  const std::vector<Op> ops = MakeOps(op_count, 42);
  std::int64_t free_list_length = 0;
  for (auto _ : state) {
    state.PauseTiming();
    Heap heap = setup;
    std::vector<std::int64_t> live = live_at_start;
    state.ResumeTiming();
    Run(heap, live, ops);
    benchmark::DoNotOptimize(live.data());
    state.PauseTiming();
    free_list_length = heap.Metrics().free_blocks;
    state.ResumeTiming();
  }
  state.counters["free_blocks_start"] = static_cast<double>(setup.Metrics().free_blocks);
  state.counters["free_blocks_end"] = static_cast<double>(free_list_length);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * op_count));
}

void BM_MemIndexed(benchmark::State& state, FitPolicy policy) {
  BenchHeap<osgrid::os::IndexedHeap>(state, policy, 100'000, 1'000'000);
}

void BM_MemLinear(benchmark::State& state, FitPolicy policy) {
  BenchHeap<osgrid::os::FreeListHeap>(state, policy, 2'000, 10'000);
}

BENCHMARK_CAPTURE(BM_MemIndexed, FIRST, FitPolicy::kFirst)->Unit(benchmark::kMillisecond)->Iterations(1);
BENCHMARK_CAPTURE(BM_MemIndexed, BEST, FitPolicy::kBest)->Unit(benchmark::kMillisecond)->Iterations(1);
BENCHMARK_CAPTURE(BM_MemIndexed, WORST, FitPolicy::kWorst)->Unit(benchmark::kMillisecond)->Iterations(1);
BENCHMARK_CAPTURE(BM_MemIndexed, NEXT, FitPolicy::kNext)->Unit(benchmark::kMillisecond)->Iterations(1);
BENCHMARK_CAPTURE(BM_MemLinear, FIRST_2k_blocks_10k_ops, FitPolicy::kFirst)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_MemLinear, BEST_2k_blocks_10k_ops, FitPolicy::kBest)->Unit(benchmark::kMillisecond);

}  // namespace
