// osgrid-microbench: the tracker's per-request work at cluster scale, and the
// per-frame work every node does. Google Benchmark; run
//   build/bin/osgrid-microbench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include "osgrid/net/frame.h"
#include "osgrid/net/messages.h"
#include "osgrid/tracker/registry.h"

using namespace osgrid;

namespace {

tracker::Registry MakeRegistry(int peers) {
  tracker::Registry registry;
  auto now = tracker::Clock::now();
  for (int i = 0; i < peers; ++i) {
    tracker::PeerInfo peer;
    peer.id = "peer-" + std::to_string(10000 + i);
    peer.host = "10.0.0.1";
    peer.port = 9000;
    peer.cores = 1 + i % 8;
    registry.Register(peer, now);
  }
  return registry;
}

/// PICK_PEER for one task: the request a forwarding peer makes per task.
void BM_PickOne(benchmark::State& state) {
  auto registry = MakeRegistry(static_cast<int>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(registry.Pick(1));
}
BENCHMARK(BM_PickOne)->Arg(3)->Arg(100)->Arg(500)->Arg(2000);

/// PICK_PEER for a 1,000-task batch.
void BM_PickBatch1000(benchmark::State& state) {
  auto registry = MakeRegistry(static_cast<int>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(registry.Pick(1000));
}
BENCHMARK(BM_PickBatch1000)->Arg(3)->Arg(500);

/// One HEARTBEAT: what 500 peers cost the tracker every interval.
void BM_Heartbeat(benchmark::State& state) {
  const int peers = static_cast<int>(state.range(0));
  auto registry = MakeRegistry(peers);
  tracker::LoadReport report;
  int i = 0;
  for (auto _ : state) {
    registry.Heartbeat("peer-" + std::to_string(10000 + i), report, tracker::Clock::now());
    i = (i + 1) % peers;
  }
}
BENCHMARK(BM_Heartbeat)->Arg(500);

/// Parse + validate of a typical CPU_TASK frame, as every server does.
void BM_ParseAndValidateCpuTask(benchmark::State& state) {
  std::string body = R"({"type":"CPU_TASK","id":7,"program":"def main(x): return x*x",)"
                     R"("program_sha256":"0d3c4b0a2ad0f4e1a5c7c8d5d9b1d4b2f0a4e6c8b1d3f5a7c9e1b3d5f7a9c1e3",)"
                     R"("function":"main","args":[5]})";
  for (auto _ : state) {
    Json message = Json::parse(body);
    benchmark::DoNotOptimize(net::ValidateRequest(message));
  }
}
BENCHMARK(BM_ParseAndValidateCpuTask);

}  // namespace

BENCHMARK_MAIN();
