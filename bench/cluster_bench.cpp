// osgrid-bench: end-to-end figures of a live cluster on loopback.
//
//   1. Round trip of a trivial CPU task (def main(): return 1) from a client,
//      submitted to peer-1 and placed by the tracker (so it may be forwarded),
//      and the same task marked confidential (always local), after --warmup
//      untimed ones. Median, p90 and p99.
//   2. Throughput of one CPU_BATCH of --batch trivial tasks over the cluster:
//      tasks per second, median of --batch-runs.
//   3. Connect + handshake (TCP, TLS when on, HELLO, AUTH when a secret is
//      set) and a PING round trip: medians.
//
// --json adds one JSON object with every figure as the last line (what
// bench/vs_dask.py reads).
//
// Usage: build/bin/osgrid-bench [--runs 200] [--warmup 10] [--batch 1000] [--peers 3] [--cores 2]
//        [--secret-file PATH (or env OSGRID_SECRET)] [--tls-cert CERT --tls-key KEY] [--json]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

#include <CLI/CLI.hpp>

#include "bench_util.h"
#include "osgrid/client/ops.h"
#include "osgrid/net/auth.h"
#include "osgrid/net/client.h"
#include "osgrid/net/json.h"
#include "osgrid/net/messages.h"
#include "osgrid/scenario/cluster.h"

using namespace osgrid;
using Clock = std::chrono::steady_clock;
using osgrid::bench::Percentile;

namespace {

double MillisSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

net::CpuTaskRequest TrivialTask(bool confidential) {
  net::CpuTaskRequest task{net::MakeTask("def main(): return 1")};
  task.confidential = confidential;
  return task;
}

/// Round trips of `runs` sequential tasks, ms. Exits on the first failure.
std::vector<double> RoundTrips(net::Client& client, int runs, bool confidential, int* forwarded) {
  std::vector<double> samples;
  for (int i = 0; i < runs; ++i) {
    auto start = Clock::now();
    auto reply = client::Cpu(client, TrivialTask(confidential));
    if (!reply.ok()) {
      std::fprintf(stderr, "osgrid-bench: task failed: %s\n", reply.status().ToString().c_str());
      std::exit(1);
    }
    samples.push_back(MillisSince(start));
    if (forwarded && reply->value.forwarded) ++*forwarded;
  }
  return samples;
}

/// Seconds for one batch of `size` trivial tasks.
double BatchSeconds(net::Client& client, int size) {
  net::CpuBatchRequest batch;
  for (int i = 0; i < size; ++i) batch.tasks.push_back(net::MakeTask("def main(i): return i", "main", {i}));
  auto start = Clock::now();
  auto reply = client::Batch(client, batch);
  if (!reply.ok()) {
    std::fprintf(stderr, "osgrid-bench: batch failed: %s\n", reply.status().ToString().c_str());
    std::exit(1);
  }
  double seconds = MillisSince(start) / 1000;
  std::printf("    batch of %d in %.2f s:", size, seconds);
  for (const auto& [peer, count] : reply->value.peers) std::printf(" %s=%d", peer.c_str(), count);
  std::printf("\n");
  return seconds;
}

/// Median connect+handshake and PING round trip to `port`, ms, into `json`.
void HandshakeFigures(std::uint16_t port, int runs, Json& json) {
  std::vector<double> connects, pings;
  for (int i = 0; i < runs; ++i) {
    auto start = Clock::now();
    auto client = net::Client::Connect("127.0.0.1", port);
    if (!client.ok()) {
      std::fprintf(stderr, "osgrid-bench: connect failed: %s\n", client.status().ToString().c_str());
      std::exit(1);
    }
    connects.push_back(MillisSince(start));
    start = Clock::now();
    if (!(*client)->Call({{"type", "PING"}}).ok()) std::exit(1);
    pings.push_back(MillisSince(start));
  }
  std::printf("  connect + handshake: median %.3f ms; PING round trip: median %.3f ms (%d connections)\n",
              Percentile(connects, 0.5), Percentile(pings, 0.5), runs);
  json["connect_ms_p50"] = Percentile(connects, 0.5);
  json["ping_ms_p50"] = Percentile(pings, 0.5);
}

/// p50, p90, p99 and the count of `samples`, ms.
Json Quantiles(const std::vector<double>& samples) {
  return {{"p50", Percentile(samples, 0.5)},
          {"p90", Percentile(samples, 0.9)},
          {"p99", Percentile(samples, 0.99)},
          {"n", samples.size()}};
}

}  // namespace

int main(int argc, char** argv) {
  int runs = 200, warmup = 10, batch = 1000, batch_runs = 3;
  bool json_out = false;
  scenario::ClusterOptions options;
  CLI::App app{"osgrid-bench: round trip and batch throughput of a live local cluster"};
  app.add_option("--runs", runs, "Sequential tasks per round-trip measurement")->capture_default_str();
  app.add_option("--warmup", warmup, "Untimed tasks before the round trips")->capture_default_str();
  app.add_option("--batch", batch, "Tasks in one batch")->capture_default_str();
  app.add_option("--batch-runs", batch_runs, "Batches to time")->capture_default_str();
  app.add_option("--peers", options.peers, "Peers in the cluster")->capture_default_str();
  app.add_option("--cores", options.cores, "Cores per peer")->capture_default_str();
  std::string secret_file;
  app.add_option("--secret-file", secret_file, "Cluster secret file (wins over env OSGRID_SECRET); none: open");
  auto* cert = app.add_option("--tls-cert", options.tls_cert, "Run the cluster TLS-only with this PEM certificate");
  auto* key = app.add_option("--tls-key", options.tls_key, "Private key of --tls-cert");
  app.add_flag("--json", json_out, "Also print every figure as one JSON object, the last line");
  cert->needs(key);
  key->needs(cert);
  CLI11_PARSE(app, argc, argv);
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // a line at a time, also into a pipe (bench/vs_dask.py)
  auto secret = net::LoadSecret(secret_file);
  if (!secret.ok()) {
    std::fprintf(stderr, "osgrid-bench: %s\n", secret.status().message().c_str());
    return 2;
  }
  options.secret = secret->secret;
  net::SetDefaultClientSecurity({options.secret, options.tls_cert});

  auto cluster = scenario::LocalCluster::Start(options);
  if (!cluster.ok()) {
    std::fprintf(stderr, "osgrid-bench: %s\n%s\n", cluster.status().ToString().c_str(),
                 cluster.status().detail().c_str());
    return 1;
  }
  auto client = net::Client::Connect("127.0.0.1", (*cluster)->Peer("peer-1")->port);
  if (!client.ok()) return 1;

  std::printf("osgrid-bench: %d peers x %d cores on loopback (auth: %s, tls: %s)\n", options.peers, options.cores,
              options.secret.empty() ? "open" : "hmac-sha256", options.tls_cert.empty() ? "off" : "on");
  Json json = {{"peers", options.peers}, {"cores", options.cores}, {"runs", runs}, {"warmup", warmup}};
  HandshakeFigures((*cluster)->Peer("peer-1")->port, runs, json);
  RoundTrips(**client, warmup, false, nullptr);  // warm up page cache and connections
  int forwarded = 0;
  auto placed = RoundTrips(**client, runs, false, &forwarded);
  auto local = RoundTrips(**client, runs, true, nullptr);
  std::printf(
      "  trivial task round trip, placed by tracker: median %.2f ms, p90 %.2f ms, p99 %.2f ms (%d of %d forwarded)\n",
      Percentile(placed, 0.5), Percentile(placed, 0.9), Percentile(placed, 0.99), forwarded, runs);
  std::printf("  trivial task round trip, confidential:      median %.2f ms, p90 %.2f ms, p99 %.2f ms\n",
              Percentile(local, 0.5), Percentile(local, 0.9), Percentile(local, 0.99));
  json["placed_ms"] = Quantiles(placed);
  json["placed_ms"]["forwarded"] = forwarded;
  json["confidential_ms"] = Quantiles(local);

  std::vector<double> rates;
  for (int i = 0; i < batch_runs; ++i) rates.push_back(batch / BatchSeconds(**client, batch));
  std::printf("  batch throughput: median %.0f tasks/s over %d batches of %d\n", Percentile(rates, 0.5), batch_runs,
              batch);
  json["batch"] = {{"size", batch}, {"tasks_per_s", rates}, {"tasks_per_s_median", Percentile(rates, 0.5)}};
  if (json_out) std::printf("%s\n", json.dump().c_str());
  return 0;
}
