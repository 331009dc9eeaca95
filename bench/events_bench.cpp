// osgrid-events-bench: how fast the tracker's event hub delivers (issue 15).
//
// A run starts a real osgrid-tracker on a free loopback port (LocalCluster
// with no peers of its own), subscribes S subscribers on connections of
// their own (events_bench_subscribers.h), then starts 64 simulated peers
// that register, heartbeat and send their tasks' events in EVENTS batches
// at an offered rate, or as fast as the tracker takes them
// (events_bench_peers.h). After a warm-up it measures for --seconds:
//
//   published   events the tracker numbered per second (its STATUS seq)
//   delivered   events per second each subscriber read: min and median
//   delay       p50 / p99 / max of (read time - the event's t), over one
//               frame in --sample per subscriber, peers' events only
//   gaps, cut   seq jumps seen by the subscribers; subscribers cut off
//   cpu         the tracker's (from /proc/PID/stat) and this program's own
//               (both io threads), % of one core; the tracker's RSS
//   wait        % of the time the tracker was runnable but waited for a CPU
//               (/proc/PID/schedstat): cpu + wait near 100% means it never
//               idled, and wait is what the machine's other load took
//
// Each subscriber count of --subscribers is run --runs times, each run with
// a fresh tracker; the table ends with the medians of the runs. --json adds
// one JSON object per run. --smoke is the ctest: 1 s, 2 peers, 1 subscriber,
// and it fails unless events arrived with contiguous seq.
//
// Threads: the simulated peers run on one io thread, the subscribers' reads
// on another; the main thread starts, samples and stops. Nothing here is a
// timed test: the goals are read from the table (bench/README.md).
#include <sys/resource.h>

#include <cstdio>
#include <thread>

#include <CLI/CLI.hpp>
#include <boost/asio/post.hpp>

#include "bench_util.h"
#include "events_bench_peers.h"
#include "events_bench_subscribers.h"
#include "io_thread.h"
#include "osgrid/net/client.h"
#include "osgrid/scenario/cluster.h"

namespace asio = boost::asio;
using namespace osgrid;
using namespace osgrid::bench;
using Clock = std::chrono::steady_clock;

namespace {

struct Config {
  LoadOptions load;
  std::vector<int> subscribers = {1, 8, 64};
  int runs = 3;
  double seconds = 5;           // measured
  double warmup = 1;            // before measuring
  double heartbeat_s = 1;       // the tracker's --heartbeat-interval
  std::size_t queue_bytes = 0;  // each subscriber's bound; 0: the tracker's default
  std::uint64_t sample_every = 100;
  std::string tracker_dir;  // where osgrid-tracker is; "": this program's folder
  bool json = false;
  bool smoke = false;
};

/// One run's figures.
struct RunResult {
  int subscribers = 0;
  double offered = 0;        // events/s the peers sent
  double published = 0;      // events/s the tracker numbered
  double delivered_min = 0;  // events/s read by the slowest subscriber
  double delivered_median = 0;
  double delay_p50 = 0, delay_p99 = 0, delay_max = 0;  // ms
  std::size_t delay_samples = 0;
  std::uint64_t gaps = 0;
  int cut_off = 0;
  std::uint64_t failures = 0;  // the peers' failed requests
  double tracker_cpu = 0;      // % of one core
  double tracker_wait = 0;     // % of the time it was runnable but waited for a CPU
  double tracker_rss_mib = 0;
  double bench_cpu = 0;  // % of one core
  std::string load_average;
  std::string notes;  // the first failure, the first subscriber that ended
};

double CpuSecondsOfThisProcess() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

/// What is counted at the start and at the end of the measured window.
struct Counts {
  Clock::time_point when;
  std::uint64_t published = 0;  // the tracker's seq
  std::uint64_t sent = 0;       // by the peers
  std::vector<std::uint64_t> frames;
  double tracker_cpu_s = 0;
  double tracker_wait_s = 0;
  double bench_cpu_s = 0;
};

Counts Take(net::Client& status_client, pid_t tracker, const SimulatedPeers& peers,
            const std::vector<std::unique_ptr<CountingSubscriber>>& subscribers) {
  Counts counts;
  counts.when = Clock::now();
  for (const auto& subscriber : subscribers) counts.frames.push_back(subscriber->frames());
  counts.sent = peers.counters().sent.load();
  counts.tracker_cpu_s = ProcessCpuSeconds(tracker);
  counts.tracker_wait_s = ProcessRunDelaySeconds(tracker);
  counts.bench_cpu_s = CpuSecondsOfThisProcess();
  auto status = status_client.Call({{"type", "STATUS"}});
  if (status.ok()) counts.published = (*status)["events"].value("seq", std::uint64_t{0});
  return counts;
}

/// The figures of the window between `start` and `end`.
RunResult Figures(const Counts& start, const Counts& end,
                  const std::vector<std::unique_ptr<CountingSubscriber>>& subs) {
  RunResult result;
  const double seconds = std::chrono::duration<double>(end.when - start.when).count();
  result.subscribers = static_cast<int>(subs.size());
  result.offered = static_cast<double>(end.sent - start.sent) / seconds;
  result.published = static_cast<double>(end.published - start.published) / seconds;
  std::vector<double> rates, delays;
  for (std::size_t i = 0; i < subs.size(); ++i) {
    rates.push_back(static_cast<double>(end.frames[i] - start.frames[i]) / seconds);
    delays.insert(delays.end(), subs[i]->delays_ms().begin(), subs[i]->delays_ms().end());
    result.gaps += subs[i]->gaps();
    result.cut_off += subs[i]->cut_off() ? 1 : 0;
    if (result.notes.empty() && !subs[i]->ended().empty())
      result.notes = "subscriber " + std::to_string(i + 1) + ": " + subs[i]->ended();
  }
  result.delivered_min = rates.empty() ? 0 : *std::min_element(rates.begin(), rates.end());
  result.delivered_median = Median(rates);
  result.delay_samples = delays.size();
  result.delay_p50 = Percentile(delays, 0.5);
  result.delay_p99 = Percentile(delays, 0.99);
  result.delay_max = Percentile(delays, 1.0);
  result.tracker_cpu = 100 * (end.tracker_cpu_s - start.tracker_cpu_s) / seconds;
  result.tracker_wait = 100 * (end.tracker_wait_s - start.tracker_wait_s) / seconds;
  result.bench_cpu = 100 * (end.bench_cpu_s - start.bench_cpu_s) / seconds;
  return result;
}

[[noreturn]] void Die(const std::string& why) {
  std::fprintf(stderr, "osgrid-events-bench: %s\n", why.c_str());
  std::exit(1);
}

std::unique_ptr<scenario::LocalCluster> StartTracker(const Config& config, int subscribers) {
  scenario::ClusterOptions options;
  options.peers = 0;
  options.bin_dir = config.tracker_dir;
  options.heartbeat_interval_s = config.heartbeat_s;
  options.peer_timeout_s = std::max(10.0, 10 * config.heartbeat_s);
  options.tracker_args = {"--max-subscribers", std::to_string(subscribers + 4), "--max-subscriber-queue",
                          std::to_string(std::max<std::size_t>(config.queue_bytes, 64u << 20))};
  auto cluster = scenario::LocalCluster::Start(options);
  if (!cluster.ok()) Die(cluster.status().ToString() + "\n" + cluster.status().detail());
  return std::move(cluster).value();
}

std::vector<std::unique_ptr<CountingSubscriber>> Subscribe(const Config& config, asio::io_context& io,
                                                           std::uint16_t port, int count) {
  std::vector<std::unique_ptr<CountingSubscriber>> subscribers;
  for (int i = 1; i <= count; ++i) {
    SubscriberOptions options{"127.0.0.1", port, "bench-" + std::to_string(i), config.queue_bytes, config.sample_every};
    auto subscriber = CountingSubscriber::Start(io, options);
    if (!subscriber.ok()) Die("subscriber " + std::to_string(i) + ": " + subscriber.status().ToString());
    subscribers.push_back(std::move(subscriber).value());
  }
  return subscribers;
}

void SleepSeconds(double seconds) { std::this_thread::sleep_for(std::chrono::duration<double>(seconds)); }

/// 1. tracker, 2. subscribers, 3. peers, 4. warm-up, 5. the measured window, 6. stop.
RunResult RunOnce(const Config& config, int subscriber_count) {
  auto tracker = StartTracker(config, subscriber_count);
  const pid_t tracker_pid = tracker->Tracker().pid;
  IoThread subscriber_thread, peer_thread;
  auto subscribers = Subscribe(config, subscriber_thread.io(), tracker->tracker_port(), subscriber_count);
  LoadOptions load = config.load;
  load.port = tracker->tracker_port();
  SimulatedPeers peers(peer_thread.io(), load);
  asio::post(peer_thread.io(), [&peers] { peers.Start(); });
  if (!peers.AwaitRegistered(std::chrono::seconds(10))) {
    Die("the simulated peers did not register in 10 s: " + peers.first_error());
  }
  auto status_client = net::Client::Connect("127.0.0.1", tracker->tracker_port(), {.role = "client"});
  if (!status_client.ok()) Die(status_client.status().ToString());

  SleepSeconds(config.warmup);
  for (auto& subscriber : subscribers) subscriber->Record(true);
  Counts start = Take(**status_client, tracker_pid, peers, subscribers);
  SleepSeconds(config.seconds);
  Counts end = Take(**status_client, tracker_pid, peers, subscribers);
  for (auto& subscriber : subscribers) subscriber->Record(false);
  const double rss_mib = static_cast<double>(ProcessStatusKiB(tracker_pid, "VmRSS")) / 1024;

  asio::post(peer_thread.io(), [&peers] { peers.Stop(); });
  peer_thread.Stop();
  subscriber_thread.Stop();
  RunResult result = Figures(start, end, subscribers);
  result.tracker_rss_mib = rss_mib;
  result.failures = peers.counters().failures.load();
  result.load_average = LoadAverage();
  if (std::string error = peers.first_error(); !error.empty()) result.notes = "peers: " + error;
  return result;
}

Json ToJson(const RunResult& r, const Config& config) {
  return {{"subscribers", r.subscribers},
          {"peers", config.load.peers},
          {"rate", config.load.rate},
          {"offered_per_s", r.offered},
          {"published_per_s", r.published},
          {"delivered_min_per_s", r.delivered_min},
          {"delivered_median_per_s", r.delivered_median},
          {"delay_p50_ms", r.delay_p50},
          {"delay_p99_ms", r.delay_p99},
          {"delay_max_ms", r.delay_max},
          {"delay_samples", r.delay_samples},
          {"gaps", r.gaps},
          {"cut_off", r.cut_off},
          {"peer_failures", r.failures},
          {"tracker_cpu_pct", r.tracker_cpu},
          {"tracker_wait_pct", r.tracker_wait},
          {"tracker_rss_mib", r.tracker_rss_mib},
          {"bench_cpu_pct", r.bench_cpu},
          {"load_average", r.load_average},
          {"notes", r.notes}};
}

void PrintHeader() {
  std::printf("%-10s %4s %9s %9s %9s %9s %7s %7s %7s %6s %4s %6s %7s %6s %6s\n", "", "subs", "offered/s", "publish/s",
              "deliv min", "deliv med", "p50 ms", "p99 ms", "max ms", "gaps", "cut", "tr cpu", "tr wait", "tr MiB",
              "bench");
}

void PrintRow(const std::string& label, const RunResult& r) {
  std::printf("%-10s %4d %9.0f %9.0f %9.0f %9.0f %7.2f %7.2f %7.1f %6llu %4d %5.0f%% %6.0f%% %6.1f %5.0f%%\n",
              label.c_str(), r.subscribers, r.offered, r.published, r.delivered_min, r.delivered_median, r.delay_p50,
              r.delay_p99, r.delay_max, static_cast<unsigned long long>(r.gaps), r.cut_off, r.tracker_cpu,
              r.tracker_wait, r.tracker_rss_mib, r.bench_cpu);
}

/// The median of each figure over `runs`; the delays' over the runs that
/// sampled any (a run whose subscribers were all cut off early has none).
/// Gaps and cut-offs: the most in any run.
RunResult Medians(const std::vector<RunResult>& runs) {
  auto median = [&](double RunResult::*field, bool sampled_only) {
    std::vector<double> values;
    for (const RunResult& r : runs) {
      if (!sampled_only || r.delay_samples > 0) values.push_back(r.*field);
    }
    return Median(values);
  };
  RunResult m = runs.front();
  for (double RunResult::*field :
       {&RunResult::offered, &RunResult::published, &RunResult::delivered_min, &RunResult::delivered_median,
        &RunResult::tracker_cpu, &RunResult::tracker_wait, &RunResult::tracker_rss_mib, &RunResult::bench_cpu}) {
    m.*field = median(field, false);
  }
  for (double RunResult::*field : {&RunResult::delay_p50, &RunResult::delay_p99, &RunResult::delay_max}) {
    m.*field = median(field, true);
  }
  for (const RunResult& r : runs) {
    m.gaps = std::max(m.gaps, r.gaps);
    m.cut_off = std::max(m.cut_off, r.cut_off);
  }
  return m;
}

/// --smoke's verdict: events arrived, in order, none missing, nobody cut off.
int SmokeVerdict(const RunResult& r) {
  if (r.delivered_min > 0 && r.gaps == 0 && r.cut_off == 0 && r.failures == 0) {
    std::printf("smoke: ok (%.0f events/s delivered, seq contiguous)\n", r.delivered_min);
    return 0;
  }
  std::fprintf(stderr, "smoke: FAILED: delivered %.0f/s, gaps %llu, cut off %d, peer failures %llu; %s\n",
               r.delivered_min, static_cast<unsigned long long>(r.gaps), r.cut_off,
               static_cast<unsigned long long>(r.failures), r.notes.c_str());
  return 1;
}

std::string DescribeLoad(const LoadOptions& load) {
  if (load.rate > 0) {
    return "offering " + std::to_string(static_cast<long>(load.rate)) + " task events/s, sent every " +
           std::to_string(load.tick.count()) + " ms";
  }
  return "as fast as the tracker takes them, " + std::to_string(load.window) + " x " + std::to_string(load.batch) +
         " events in flight per peer";
}

void AddFlags(CLI::App& app, Config& config) {
  app.add_option("--subscribers", config.subscribers, "Subscriber counts, one configuration each (e.g. 1,8,64)")
      ->delimiter(',')
      ->capture_default_str();
  app.add_option("--runs", config.runs, "Runs of each configuration (a fresh tracker each)")->capture_default_str();
  app.add_option("--peers", config.load.peers, "Simulated peers")->capture_default_str();
  app.add_option("--rate", config.load.rate, "Task events per second offered by all peers; 0: as fast as taken")
      ->capture_default_str();
  app.add_option("--tick-ms", config.load.tick, "Rate mode: each peer sends what it produced this often")
      ->capture_default_str();
  app.add_option("--batch", config.load.batch, "Ceiling mode (--rate 0): events per EVENTS request")
      ->capture_default_str();
  app.add_option("--window", config.load.window, "Ceiling mode: EVENTS requests in flight per peer")
      ->capture_default_str();
  app.add_option("--seconds", config.seconds, "Measured seconds per run")->capture_default_str();
  app.add_option("--warmup", config.warmup, "Seconds of load before measuring")->capture_default_str();
  app.add_option("--heartbeat-interval", config.heartbeat_s, "The tracker's heartbeat interval, seconds")
      ->capture_default_str();
  app.add_option("--queue-bytes", config.queue_bytes, "Each subscriber's queue bound; 0: the tracker's default")
      ->capture_default_str();
  app.add_option("--sample", config.sample_every, "Parse one frame in this many for its delay")->capture_default_str();
  app.add_option("--tracker-dir", config.tracker_dir,
                 "Folder of the osgrid-tracker to measure (e.g. a copy of an older build); default: this program's");
  app.add_flag("--json", config.json, "Also print one JSON object per run");
  app.add_flag("--smoke", config.smoke, "1 s, 2 peers, 1 subscriber; exit 1 unless seq arrived contiguous");
}

}  // namespace

int main(int argc, char** argv) {
  Config config;
  CLI::App app{"osgrid-events-bench: events/s the tracker delivers to each subscriber, and the delay (issue 15)"};
  AddFlags(app, config);
  CLI11_PARSE(app, argc, argv);
  if (config.smoke) {
    config.load.peers = 2;
    config.load.rate = 2000;
    config.subscribers = {1};
    config.runs = 1;
    config.seconds = 1;
    config.warmup = 0.3;
  }
  std::printf("osgrid-events-bench: %d peers, %s, %.0f s per run after %.1f s warm-up, %d run(s) each (nproc %u)\n",
              config.load.peers, DescribeLoad(config.load).c_str(), config.seconds, config.warmup, config.runs,
              std::thread::hardware_concurrency());
  PrintHeader();
  std::vector<RunResult> medians;
  for (int count : config.subscribers) {
    std::vector<RunResult> runs;
    for (int run = 1; run <= config.runs; ++run) {
      runs.push_back(RunOnce(config, count));
      PrintRow("run " + std::to_string(run), runs.back());
      if (!runs.back().notes.empty()) std::printf("           note: %s\n", runs.back().notes.c_str());
      if (config.json) std::printf("%s\n", ToJson(runs.back(), config).dump().c_str());
    }
    medians.push_back(Medians(runs));
  }
  std::printf(
      "medians of %d run(s) (delays: of the runs with samples; gaps, cut: the most in any run); load average %s\n",
      config.runs, LoadAverage().c_str());
  PrintHeader();
  for (const RunResult& m : medians) PrintRow("median", m);
  return config.smoke ? SmokeVerdict(medians.front()) : 0;
}
