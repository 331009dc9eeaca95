// osgrid-viz-model-bench: what the viewer's model costs (issue 18's "seeking
// far is fast"), without a window. Google Benchmark; run
//   build/bin/osgrid-viz-model-bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
//
// The recording: 64 peers join, then each runs tasks one after another,
// each task four events (task.submitted, task.queued, task.running,
// task.finished) 1 ms apart, the peers taking turns: the load of
// osgrid-viz-bench's simulated peers. 200,000 entries, the model's default
// bound.
//
//   AddEvent        appending one entry while following (the live path), per entry
//   SeekFar         the cursor from one end of the recording to the other and
//                   back, with checkpoints every 1,000 entries (the default)
//   ReplayFromStart the same seek without checkpoints: the state rebuilt
//                   from the first entry, as a viewer without them would
#include <benchmark/benchmark.h>

#include <string>

#include "osgrid/viz/model.h"

using namespace osgrid;
namespace ev = os::events;

namespace {

constexpr int kPeers = 64;
constexpr std::size_t kEntries = 200'000;

/// Entry `n` of the recording (n >= kPeers: a task event; below: a join).
ev::Event NthEvent(std::uint64_t n) {
  const double t = static_cast<double>(n);
  if (n < kPeers) {
    const std::string peer = "peer-" + std::to_string(n + 1);
    return ev::Event{n + 1, "bench", t, "tracker", ev::PeerJoined{peer, "127.0.0.1:" + std::to_string(9000 + n), 1}};
  }
  const std::uint64_t k = n - kPeers, round = k / (4 * kPeers);
  const std::uint64_t peer_index = (k / 4) % kPeers, step = k % 4;
  const std::string peer = "peer-" + std::to_string(peer_index + 1);
  const std::string task = peer + "/" + std::to_string(round);
  ev::Payload body;
  switch (step) {
    case 0:
      body = ev::TaskSubmitted{task, std::nullopt, "main", peer};
      break;
    case 1:
      body = ev::TaskQueued{task, std::nullopt, peer, 1};
      break;
    case 2:
      body = ev::TaskRunning{task, std::nullopt, peer};
      break;
    default:
      body = ev::TaskFinished{task, std::nullopt, peer, ev::Outcome::kOk, 1, 1, 3};
  }
  return ev::Event{n + 1, "bench", t, peer, std::move(body)};
}

viz::Model Recording(std::size_t checkpoint_every) {
  viz::ModelOptions options;
  options.checkpoint_every = checkpoint_every;
  viz::Model model({}, options);
  for (std::uint64_t n = 0; n < kEntries; ++n) model.AddEvent(NthEvent(n));
  return model;
}

void BM_AddEvent(benchmark::State& state) {
  viz::Model model;
  std::uint64_t n = 0;
  for (auto _ : state) {
    model.AddEvent(NthEvent(n++ % kEntries));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_AddEvent);

/// One seek near the far end and one near the start per iteration, each to
/// the entry just before a checkpoint (the most a seek applies: 999 entries
/// with checkpoints; not the very end, which is the newest state, kept).
void SeekBackAndForth(benchmark::State& state, std::size_t checkpoint_every) {
  viz::Model model = Recording(checkpoint_every);
  const std::uint64_t near_end = model.end_index() - 1002, near_start = model.begin_index() + 998;
  std::uint64_t applied = 0;
  for (auto _ : state) {
    model.SeekToIndex(near_end);
    applied += model.last_seek_applied();
    benchmark::DoNotOptimize(model.view().cluster().peers().size());
    model.SeekToIndex(near_start);
    applied += model.last_seek_applied();
    benchmark::DoNotOptimize(model.view().cluster().peers().size());
  }
  state.SetItemsProcessed(2 * state.iterations());  // seeks
  state.counters["applied_per_seek"] = static_cast<double>(applied) / static_cast<double>(2 * state.iterations());
}

void BM_SeekFar(benchmark::State& state) { SeekBackAndForth(state, 1000); }
BENCHMARK(BM_SeekFar)->Unit(benchmark::kMillisecond);

void BM_ReplayFromStart(benchmark::State& state) { SeekBackAndForth(state, kEntries * 2); }
BENCHMARK(BM_ReplayFromStart)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
