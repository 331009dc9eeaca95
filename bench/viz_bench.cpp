// osgrid-viz-bench: what the viewer costs while it watches a busy cluster
// (issue 18).
//
// One run:
//   1. an X server: Xvfb at --width x --height (24 bits, Mesa's software GL
//      draws into it, as in the screenshot tests), or --display to use one
//      already running;
//   2. a real osgrid-tracker on a free loopback port (LocalCluster with no
//      peers of its own) and --peers simulated peers (events_bench_peers.h)
//      that register, heartbeat and send their tasks' events at --rate
//      events/s, stamped on the tracker's time axis as a real peer stamps
//      them;
//   3. osgrid-viz --tracker ... at --width x --height with --bench-stats,
//      which rewrites its counters once a second (viz/ui/src/bench_stats.h).
// Every --interval seconds until --seconds it prints a row for that window:
//
//   fps          frames the viewer drew and swapped per second
//   work p50/p99 the frames' own time (drain, build, render, swap), ms
//   delay        p50 / p99 / max, ms, from a peer's event (its t) to the
//                swap of the first frame that drew it
//   viz cpu      the viewer's CPU (all its threads, from /proc/PID/stat), % of one core
//   of it GL     its Mesa llvmpipe threads' share (/proc/PID/task/*/stat):
//                the rasterising that a GPU would do on a real display
//   X cpu        Xvfb's (where it ran llvmpipe's output to), % of one core
//   tr cpu       the tracker's
//   RSS          the viewer's resident memory at the row's end, MiB
//
// and ends with the medians of the rows (the first --warmup seconds are not
// in any row), the viewer's RSS at the end and its peak (VmHWM), and the
// events it received. --smoke (a ctest): 4 s, 4 peers, 200 events/s; exit 1
// unless the viewer drew frames and events reached the screen.
//
// Nothing here is a timed test: the goals are read from the table
// (bench/README.md).
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <thread>
#include <utility>

#include <CLI/CLI.hpp>
#include <boost/asio/post.hpp>

#include "bench_util.h"
#include "events_bench_peers.h"
#include "io_thread.h"
#include "osgrid/net/client.h"
#include "osgrid/scenario/cluster.h"

extern char** environ;

namespace asio = boost::asio;
using namespace osgrid;
using namespace osgrid::bench;
using Clock = std::chrono::steady_clock;

namespace {

struct Config {
  LoadOptions load;
  double seconds = 600;  // measured, after the warm-up
  double interval = 60;  // one row per interval
  double warmup = 10;    // before the first row
  int width = 1280, height = 720;
  double fps_cap = 60;    // the viewer's --fps
  double event_fps = 30;  // the viewer's --event-fps
  std::string display;    // "": start an Xvfb of our own
  std::string viz_dir;    // where osgrid-viz and osgrid-tracker are; "": this program's folder
  bool json = false;
  bool smoke = false;
};

[[noreturn]] void Die(const std::string& why) {
  std::fprintf(stderr, "osgrid-viz-bench: %s\n", why.c_str());
  std::exit(1);
}

/// A child process started with posix_spawn; killed (SIGTERM, then SIGKILL) and reaped on destruction.
class Child {
 public:
  /// Starts argv[0] (a path) with `argv`, its stdout and stderr to `log`. Dies on failure.
  Child(const std::vector<std::string>& argv, const std::string& log) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    std::vector<char*> args;
    for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);
    const int error = posix_spawn(&pid_, args[0], &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (error != 0) Die("cannot start " + argv[0] + ": " + std::strerror(error));
  }
  ~Child() { Stop(); }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  pid_t pid() const { return pid_; }
  /// Whether it still runs (reaps it if it ended).
  bool Running() {
    if (pid_ <= 0) return false;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == 0) return true;
    pid_ = -1;
    return false;
  }
  void Stop() {
    if (!Running()) return;
    ::kill(pid_, SIGTERM);
    for (int i = 0; i < 100 && Running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (Running()) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    pid_ = -1;
  }

 private:
  pid_t pid_ = -1;
};

/// Starts Xvfb on a free display (it writes the number to -displayfd) and
/// returns it with its ":N". Dies when Xvfb is missing or does not start.
std::pair<std::unique_ptr<Child>, std::string> StartXvfb(const Config& config, const std::string& dir) {
  const std::string xvfb = "/usr/bin/Xvfb";
  if (::access(xvfb.c_str(), X_OK) != 0) Die("Xvfb is not installed (apt-get install xvfb), or give --display");
  const std::string fd_file = dir + "/displayfd";
  // Xvfb writes the display number to a descriptor: give it a file's.
  const int fd = ::open(fd_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) Die("cannot create " + fd_file);
  const std::string screen = std::to_string(config.width) + "x" + std::to_string(config.height) + "x24";
  auto server = std::make_unique<Child>(
      std::vector<std::string>{xvfb, "-displayfd", std::to_string(fd), "-screen", "0", screen, "-nolisten", "tcp"},
      dir + "/xvfb.log");
  ::close(fd);
  for (int i = 0; i < 100; ++i) {
    std::string number;
    std::ifstream(fd_file) >> number;
    if (!number.empty()) return {std::move(server), ":" + number};
    if (!server->Running()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  Die("Xvfb did not start; see " + dir + "/xvfb.log");
}

/// CPU seconds used so far by the threads of `pid` whose name starts with
/// `prefix` (Mesa names its rasteriser threads "llvmpipe-N").
double ThreadsCpuSeconds(pid_t pid, const std::string& prefix) {
  double seconds = 0;
  std::error_code error;
  for (const auto& task : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task", error)) {
    std::string name;
    std::getline(std::ifstream(task.path() / "comm"), name);
    if (name.rfind(prefix, 0) != 0) continue;
    const double thread_seconds = StatCpuSeconds(task.path() / "stat");
    if (thread_seconds > 0) seconds += thread_seconds;
  }
  return seconds;
}

/// The viewer's counters as read from its --bench-stats file.
struct VizStats {
  double steady_ms = 0;
  std::uint64_t frames = 0, events = 0;
  std::map<std::size_t, std::uint64_t> work, delay;  // histogram bin -> count
  double work_bin_ms = 0.25, delay_bin_ms = 0.25;
};

std::optional<VizStats> ReadStats(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  Json json = Json::parse(in, nullptr, false);
  if (json.is_discarded() || json.value("format", "") != "osgrid-viz-bench-stats") return std::nullopt;
  VizStats stats;
  stats.steady_ms = json["steady_ms"].get<double>();
  stats.frames = json["frames"].get<std::uint64_t>();
  stats.events = json["events"].get<std::uint64_t>();
  auto histogram = [&](const char* key, std::map<std::size_t, std::uint64_t>& bins, double& bin_ms) {
    bin_ms = json[key]["bin_ms"].get<double>();
    for (const Json& pair : json[key]["counts"]) bins[pair[0].get<std::size_t>()] = pair[1].get<std::uint64_t>();
  };
  histogram("frame_work_ms", stats.work, stats.work_bin_ms);
  histogram("delay_ms", stats.delay, stats.delay_bin_ms);
  return stats;
}

/// The counts of `end` not yet in `start`.
std::map<std::size_t, std::uint64_t> Difference(const std::map<std::size_t, std::uint64_t>& end,
                                                const std::map<std::size_t, std::uint64_t>& start) {
  std::map<std::size_t, std::uint64_t> window;
  for (const auto& [bin, count] : end) {
    const auto before = start.find(bin);
    const std::uint64_t added = count - (before == start.end() ? 0 : before->second);
    if (added > 0) window[bin] = added;
  }
  return window;
}

/// The `p`-quantile (0..1) of a histogram, as its bin's middle, ms; p = 1: the top bin's upper edge.
double Quantile(const std::map<std::size_t, std::uint64_t>& bins, double bin_ms, double p) {
  std::uint64_t total = 0;
  for (const auto& [bin, count] : bins) total += count;
  if (total == 0) return 0;
  if (p >= 1) return static_cast<double>(bins.rbegin()->first + 1) * bin_ms;
  const auto rank = static_cast<std::uint64_t>(p * static_cast<double>(total - 1)) + 1;
  std::uint64_t seen = 0;
  for (const auto& [bin, count] : bins) {
    seen += count;
    if (seen >= rank) return (static_cast<double>(bin) + 0.5) * bin_ms;
  }
  return 0;
}

/// What is read at each row's edge.
struct Sample {
  Clock::time_point when;
  VizStats viz;
  double viz_cpu_s = 0, gl_cpu_s = 0, xvfb_cpu_s = 0, tracker_cpu_s = 0;
  std::uint64_t sent = 0;  // events the peers sent
};

struct Row {
  double seconds_in = 0;  // since the measuring began, at the row's end
  double offered = 0;     // events/s the peers sent
  double fps = 0;
  double work_p50 = 0, work_p99 = 0;
  double delay_p50 = 0, delay_p99 = 0, delay_max = 0;
  std::uint64_t delay_samples = 0;
  double viz_cpu = 0, gl_cpu = 0, xvfb_cpu = 0, tracker_cpu = 0;  // % of one core
  double viz_rss_mib = 0;
  std::string load_average;
};

Row RowOf(const Sample& start, const Sample& end, pid_t viz_pid, Clock::time_point began) {
  const double seconds = std::chrono::duration<double>(end.when - start.when).count();
  const double viz_seconds = (end.viz.steady_ms - start.viz.steady_ms) / 1000;
  Row row;
  row.seconds_in = std::chrono::duration<double>(end.when - began).count();
  row.offered = static_cast<double>(end.sent - start.sent) / seconds;
  row.fps = viz_seconds > 0 ? static_cast<double>(end.viz.frames - start.viz.frames) / viz_seconds : 0;
  const auto work = Difference(end.viz.work, start.viz.work), delay = Difference(end.viz.delay, start.viz.delay);
  row.work_p50 = Quantile(work, end.viz.work_bin_ms, 0.5);
  row.work_p99 = Quantile(work, end.viz.work_bin_ms, 0.99);
  row.delay_p50 = Quantile(delay, end.viz.delay_bin_ms, 0.5);
  row.delay_p99 = Quantile(delay, end.viz.delay_bin_ms, 0.99);
  row.delay_max = Quantile(delay, end.viz.delay_bin_ms, 1);
  for (const auto& [bin, count] : delay) row.delay_samples += count;
  row.viz_cpu = 100 * (end.viz_cpu_s - start.viz_cpu_s) / seconds;
  row.gl_cpu = 100 * (end.gl_cpu_s - start.gl_cpu_s) / seconds;
  row.xvfb_cpu = 100 * (end.xvfb_cpu_s - start.xvfb_cpu_s) / seconds;
  row.tracker_cpu = 100 * (end.tracker_cpu_s - start.tracker_cpu_s) / seconds;
  row.viz_rss_mib = static_cast<double>(ProcessStatusKiB(viz_pid, "VmRSS")) / 1024;
  row.load_average = LoadAverage();
  return row;
}

void PrintHeader() {
  std::printf("%7s %9s %6s %8s %8s %8s %8s %8s %8s %7s %7s %7s %8s %8s\n", "t s", "offered/s", "fps", "work p50",
              "work p99", "dly p50", "dly p99", "dly max", "viz cpu", "of it GL", "X cpu", "tr cpu", "viz MiB", "load");
}

void PrintRow(const Row& r) {
  std::printf("%7.0f %9.0f %6.1f %8.2f %8.2f %8.2f %8.2f %8.1f %7.1f%% %6.1f%% %6.1f%% %6.1f%% %8.1f %8s\n",
              r.seconds_in, r.offered, r.fps, r.work_p50, r.work_p99, r.delay_p50, r.delay_p99, r.delay_max, r.viz_cpu,
              r.gl_cpu, r.xvfb_cpu, r.tracker_cpu, r.viz_rss_mib, r.load_average.c_str());
}

Row Medians(const std::vector<Row>& rows) {
  Row m = rows.back();
  for (double Row::*field : {&Row::offered, &Row::fps, &Row::work_p50, &Row::work_p99, &Row::delay_p50, &Row::delay_p99,
                             &Row::delay_max, &Row::viz_cpu, &Row::gl_cpu, &Row::xvfb_cpu, &Row::tracker_cpu}) {
    std::vector<double> values;
    for (const Row& row : rows) values.push_back(row.*field);
    m.*field = Median(values);
  }
  m.seconds_in = 0;
  m.load_average = "median";
  return m;
}

Json ToJson(const Row& r) {
  return {{"seconds_in", r.seconds_in},       {"offered_per_s", r.offered},   {"fps", r.fps},
          {"work_p50_ms", r.work_p50},        {"work_p99_ms", r.work_p99},    {"delay_p50_ms", r.delay_p50},
          {"delay_p99_ms", r.delay_p99},      {"delay_max_ms", r.delay_max},  {"delay_samples", r.delay_samples},
          {"viz_cpu_pct", r.viz_cpu},         {"gl_cpu_pct", r.gl_cpu},       {"xvfb_cpu_pct", r.xvfb_cpu},
          {"tracker_cpu_pct", r.tracker_cpu}, {"viz_rss_mib", r.viz_rss_mib}, {"load_average", r.load_average}};
}

/// The tracker's t = 0 on this machine's monotonic clock, ms: its STATUS
/// uptime, taken from the middle of the round trip.
double TrackerOriginMs(std::uint16_t port) {
  auto client = net::Client::Connect("127.0.0.1", port, {.role = "client"});
  if (!client.ok()) Die(client.status().ToString());
  const double before = SteadyNowMs();
  auto status = (*client)->Call({{"type", "STATUS"}});
  const double after = SteadyNowMs();
  if (!status.ok()) Die("STATUS: " + status.status().ToString());
  return (before + after) / 2 - status->value("uptime_s", 0.0) * 1000;
}

std::unique_ptr<scenario::LocalCluster> StartTracker(const Config& config) {
  scenario::ClusterOptions options;
  options.peers = 0;
  options.bin_dir = config.viz_dir;
  options.heartbeat_interval_s = 1;
  options.peer_timeout_s = 10;
  auto cluster = scenario::LocalCluster::Start(options);
  if (!cluster.ok()) Die(cluster.status().ToString() + "\n" + cluster.status().detail());
  return std::move(cluster).value();
}

/// Waits until the viewer's stats show it drew a frame with a peer's event in it.
VizStats AwaitFirstEvents(Child& viz, const std::string& stats_path, const std::string& log) {
  const auto deadline = Clock::now() + std::chrono::seconds(30);
  for (;;) {
    if (auto stats = ReadStats(stats_path); stats && !stats->delay.empty()) return *stats;
    if (!viz.Running()) Die("osgrid-viz ended early; its log, " + log + ", says why");
    if (Clock::now() > deadline) Die("osgrid-viz drew no event in 30 s; see " + log);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

void SleepSeconds(double seconds) { std::this_thread::sleep_for(std::chrono::duration<double>(seconds)); }

void AddFlags(CLI::App& app, Config& config) {
  app.add_option("--peers", config.load.peers, "Simulated peers")->capture_default_str();
  app.add_option("--rate", config.load.rate, "Task events per second, all peers together")->capture_default_str();
  app.add_option("--seconds", config.seconds, "Measured seconds (after the warm-up)")->capture_default_str();
  app.add_option("--interval", config.interval, "Seconds per row")->capture_default_str();
  app.add_option("--warmup", config.warmup, "Seconds after the first event is drawn, before measuring")
      ->capture_default_str();
  app.add_option("--width", config.width, "Window (and Xvfb screen) width, pixels")->capture_default_str();
  app.add_option("--height", config.height, "Window (and Xvfb screen) height, pixels")->capture_default_str();
  app.add_option("--fps", config.fps_cap, "The viewer's frame-rate cap (its --fps)")->capture_default_str();
  app.add_option("--event-fps", config.event_fps, "The viewer's cap when only events redraw (its --event-fps)")
      ->capture_default_str();
  app.add_option("--display", config.display, "Use this X display instead of starting Xvfb (e.g. :0)");
  app.add_option("--bin-dir", config.viz_dir, "Folder of osgrid-viz and osgrid-tracker; default: this program's");
  app.add_flag("--json", config.json, "Also print one JSON object per row");
  app.add_flag("--smoke", config.smoke, "4 s, 4 peers, 200 events/s; exit 1 unless events reached the screen");
}

}  // namespace

int main(int argc, char** argv) {
  Config config;
  config.load.rate = 1000;
  CLI::App app{
      "osgrid-viz-bench: the viewer's frame rate, CPU, event-to-screen delay and memory while it watches "
      "a busy cluster (issue 18)"};
  AddFlags(app, config);
  CLI11_PARSE(app, argc, argv);
  if (config.smoke) {
    config.load.peers = 4;
    config.load.rate = 200;
    config.seconds = 2;
    config.interval = 2;
    config.warmup = 1;
  }
  const std::string bin_dir = config.viz_dir.empty() ? scenario::ProgramDir() : config.viz_dir;
  const std::string viz_path = bin_dir + "/osgrid-viz";
  if (::access(viz_path.c_str(), X_OK) != 0) {
    std::fprintf(stderr, "osgrid-viz-bench: no %s (the viewer is optional: see docs/viz.md)\n", viz_path.c_str());
    return config.smoke ? 77 : 1;  // 77: ctest's skip
  }
  char dir_template[] = "/tmp/osgrid-viz-bench-XXXXXX";
  if (::mkdtemp(dir_template) == nullptr) Die("mkdtemp failed");
  const std::string dir = dir_template;

  // 1. The X server.
  std::unique_ptr<Child> xvfb;
  std::string display = config.display;
  if (display.empty()) {
    if (::access("/usr/bin/Xvfb", X_OK) != 0 && config.smoke) {
      std::fprintf(stderr, "osgrid-viz-bench: Xvfb is not installed; skipping\n");
      return 77;
    }
    std::tie(xvfb, display) = StartXvfb(config, dir);
  }
  ::setenv("DISPLAY", display.c_str(), 1);

  // 2. The tracker and the simulated peers.
  auto tracker = StartTracker(config);
  const pid_t tracker_pid = tracker->Tracker().pid;
  LoadOptions load = config.load;
  load.port = tracker->tracker_port();
  load.t_origin_ms = TrackerOriginMs(load.port);
  IoThread peer_thread;
  SimulatedPeers peers(peer_thread.io(), load);
  asio::post(peer_thread.io(), [&peers] { peers.Start(); });
  if (!peers.AwaitRegistered(std::chrono::seconds(10))) {
    Die("the simulated peers did not register in 10 s: " + peers.first_error());
  }

  // 3. The viewer.
  const std::string stats_path = dir + "/stats.json", viz_log = dir + "/osgrid-viz.log";
  char origin[32];
  std::snprintf(origin, sizeof origin, "%.3f", load.t_origin_ms);
  Child viz({viz_path, "--tracker", "127.0.0.1:" + std::to_string(load.port), "--width", std::to_string(config.width),
             "--height", std::to_string(config.height), "--fps", std::to_string(config.fps_cap), "--event-fps",
             std::to_string(config.event_fps), "--bench-stats", stats_path, "--bench-t-origin", origin},
            viz_log);
  std::printf(
      "osgrid-viz-bench: %d simulated peers offering %.0f task events/s to a tracker; osgrid-viz at %dx%d on %s "
      "(%s), fps caps %.0f (input) and %.0f (events); %.0f s measured in rows of %.0f s after %.0f s of warm-up (nproc "
      "%u)\n",
      load.peers, load.rate, config.width, config.height, display.c_str(), xvfb ? "Xvfb" : "given", config.fps_cap,
      config.event_fps, config.seconds, config.interval, config.warmup, std::thread::hardware_concurrency());
  AwaitFirstEvents(viz, stats_path, viz_log);
  SleepSeconds(config.warmup);

  auto sample = [&]() {
    Sample s;
    s.when = Clock::now();
    auto stats = ReadStats(stats_path);
    if (!stats) Die("cannot read " + stats_path);
    s.viz = *stats;
    s.viz_cpu_s = ProcessCpuSeconds(viz.pid());
    s.gl_cpu_s = ThreadsCpuSeconds(viz.pid(), "llvmpipe");
    s.xvfb_cpu_s = xvfb ? ProcessCpuSeconds(xvfb->pid()) : 0;
    s.tracker_cpu_s = ProcessCpuSeconds(tracker_pid);
    s.sent = peers.counters().sent.load();
    return s;
  };
  PrintHeader();
  std::vector<Row> rows;
  const Clock::time_point began = Clock::now();
  Sample start = sample();
  while (std::chrono::duration<double>(Clock::now() - began).count() + 0.5 < config.seconds) {
    SleepSeconds(
        std::min(config.interval, config.seconds - std::chrono::duration<double>(Clock::now() - began).count()));
    if (!viz.Running()) Die("osgrid-viz ended during the run; see " + viz_log);
    Sample end = sample();
    rows.push_back(RowOf(start, end, viz.pid(), began));
    PrintRow(rows.back());
    if (config.json) std::printf("%s\n", ToJson(rows.back()).dump().c_str());
    std::fflush(stdout);
    start = std::move(end);
  }
  const double rss_mib = static_cast<double>(ProcessStatusKiB(viz.pid(), "VmRSS")) / 1024;
  const double peak_mib = static_cast<double>(ProcessStatusKiB(viz.pid(), "VmHWM")) / 1024;
  const std::uint64_t events = start.viz.events;

  viz.Stop();
  asio::post(peer_thread.io(), [&peers] { peers.Stop(); });
  peer_thread.Stop();
  tracker->Stop();
  if (xvfb) xvfb->Stop();

  const Row median = Medians(rows);
  std::printf("medians of %zu row(s):\n", rows.size());
  PrintRow(median);
  std::printf("osgrid-viz after %.0f s: RSS %.1f MiB (peak %.1f MiB), %llu events received; peer failures %llu%s%s\n",
              config.warmup + config.seconds, rss_mib, peak_mib, static_cast<unsigned long long>(events),
              static_cast<unsigned long long>(peers.counters().failures.load()),
              peers.first_error().empty() ? "" : ": ", peers.first_error().c_str());
  if (config.smoke) {
    const bool ok = median.fps > 0 && rows.back().delay_samples > 0;
    std::printf("smoke: %s\n", ok ? "ok (frames drawn, events on screen)" : "FAILED");
    if (!ok) return 1;
  }
  std::filesystem::remove_all(dir);
  return 0;
}
