// osgrid-microbench: the tracker's per-request work at cluster scale, and the
// per-frame work every node does. Google Benchmark; run
//   build/bin/osgrid-microbench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include "osgrid/net/events.h"
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

/// A task.finished as a peer sends it and the tracker publishes it.
os::events::Event FinishedEvent() {
  return {123456, "t-5f3a0c21", 1532.25, "peer-17",
          os::events::TaskFinished{"peer-17/4711", std::nullopt, "peer-17", os::events::Outcome::kOk, 1.75, 17, 19.75}};
}

/// The text of one event, as the tracker writes it once per published event
/// for its subscribers (DumpEvent: straight into a string)...
void BM_DumpEvent(benchmark::State& state) {
  const os::events::Event event = FinishedEvent();
  for (auto _ : state) benchmark::DoNotOptimize(net::DumpEvent(event));
}
BENCHMARK(BM_DumpEvent);

/// ...and through a Json tree (EncodeEvent, then dump(); sorted keys), much
/// as DumpEvent wrote it before 2026-12-05 (with an ordered_json tree).
void BM_EncodeEventThenDump(benchmark::State& state) {
  const os::events::Event event = FinishedEvent();
  for (auto _ : state) benchmark::DoNotOptimize(net::EncodeEvent(event).dump());
}
BENCHMARK(BM_EncodeEventThenDump);

/// An EVENTS request of 8 task events, as the tracker takes it in: parse +
/// validate the frame, then decode each event.
void BM_ParseAndDecodeEvents8(benchmark::State& state) {
  Json events = Json::array();
  for (int i = 0; i < 8; ++i) events.push_back(net::EncodeEvent(FinishedEvent()));
  const std::string body = Json{{"type", "EVENTS"}, {"id", 7}, {"peer_id", "peer-17"}, {"events", events}}.dump();
  for (auto _ : state) {
    Json message = Json::parse(body);
    benchmark::DoNotOptimize(net::ValidateRequest(message));
    for (const Json& event : message["events"]) benchmark::DoNotOptimize(net::DecodeEvent(event));
  }
}
BENCHMARK(BM_ParseAndDecodeEvents8);

}  // namespace

BENCHMARK_MAIN();
