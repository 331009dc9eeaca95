// osgrid-file-bench: file transfer against the machine's own references
// (issue 14), all measured in one run on the same machine.
//
// It writes a source file of --size-mib MiB of pseudo-random data in a
// scratch folder, starts a standalone osgrid-peer on loopback with its store
// there, and then, --runs times, in this order:
//
//   cp + fsync     `cp SRC DST`, then fsync(DST)
//   nc + fsync     `nc -l` into a file, `nc -N` sending SRC; then fsync
//   nc             the same without the fsync (for reference)
//   put            `osgrid file put SRC` (the CLI, as a user runs it), while
//                  a second connection sends PING after PING and times each
//   get            `osgrid file get`, into a file (hash checked, fsync'ed)
//
// Each figure is MiB/s from spawning the first program to the data being on
// disk. It prints each run, the medians, the ratios put / (cp + fsync) and
// get / (nc + fsync), the PING round trips during the puts (p50, p99, max),
// and the peak RSS of both ends (the CLI's from wait4; the peer's VmHWM,
// reset before each transfer through /proc/PID/clear_refs).
//
//   osgrid-file-bench [--size-mib 1024] [--runs 3] [--dir DIR] [--port 9480]
//
// nc is Debian's netcat-openbsd (scripts/install-deps installs it).
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>

#include "bench_util.h"
#include "osgrid/net/client.h"
#include "osgrid/net/sha256.h"

extern char** environ;

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using osgrid::Json;
using osgrid::bench::Median;
using osgrid::bench::Percentile;

double SecondsSince(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

[[noreturn]] void Die(const std::string& why) {
  std::fprintf(stderr, "osgrid-file-bench: %s\n", why.c_str());
  std::exit(1);
}

/// The folder of this program, where the build puts every osgrid program.
std::string BinDir() { return fs::read_symlink("/proc/self/exe").parent_path().string(); }

// ---- Processes ------------------------------------------------------------------

struct Redirect {
  std::string in = "/dev/null";   // stdin
  std::string out = "/dev/null";  // stdout
};

/// Starts `argv` (searched in PATH) with stdin/stdout redirected, stderr kept.
pid_t Spawn(const std::vector<std::string>& argv, const Redirect& redirect = {}) {
  std::vector<char*> args;
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, redirect.in.c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, redirect.out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  pid_t pid = 0;
  int error = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (error != 0) Die("cannot start " + argv[0] + ": " + std::strerror(error));
  return pid;
}

/// Waits for `pid`; returns its peak RSS in KiB. Dies if it failed.
long Wait(pid_t pid, const std::string& what) {
  int status = 0;
  rusage usage{};
  if (wait4(pid, &status, 0, &usage) != pid) Die("wait for " + what + " failed");
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) Die(what + " failed (status " + std::to_string(status) + ")");
  return usage.ru_maxrss;
}

void Fsync(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0 || ::fsync(fd) != 0) Die("cannot fsync " + path + ": " + std::strerror(errno));
  ::close(fd);
}

/// A process's peak RSS since the last ResetPeak, KiB (VmHWM).
long PeakRssKiB(pid_t pid) { return osgrid::bench::ProcessStatusKiB(pid, "VmHWM"); }

/// Resets VmHWM to the current RSS (Linux: "5" > /proc/PID/clear_refs).
void ResetPeak(pid_t pid) { std::ofstream("/proc/" + std::to_string(pid) + "/clear_refs") << "5"; }

/// True once something listens on 127.0.0.1:`port` (read from /proc/net/tcp,
/// so that nc's one connection is not used up by a probe).
bool Listening(int port) {
  char wanted[32];
  std::snprintf(wanted, sizeof(wanted), "0100007F:%04X", port);
  std::ifstream table("/proc/net/tcp");
  for (std::string line; std::getline(table, line);) {
    if (line.find(wanted) != std::string::npos && line.find(" 0A ") != std::string::npos) return true;
  }
  return false;
}

void AwaitListening(int port) {
  auto give_up = Clock::now() + std::chrono::seconds(10);
  while (!Listening(port)) {
    if (Clock::now() > give_up) Die("nothing listens on port " + std::to_string(port));
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

// ---- The measurements -------------------------------------------------------------

struct Setup {
  std::string dir;  // scratch folder
  std::string source;
  std::uint64_t bytes = 0;
  int peer_port = 0;
  int nc_port = 0;
  pid_t peer = 0;
  std::string osgrid;  // the CLI
};

double MiBps(std::uint64_t bytes, double seconds) { return static_cast<double>(bytes) / (1 << 20) / seconds; }

/// Between two measurements, untimed: what the last one left (dirty pages of
/// a file written without fsync, the extents of a deleted file, which this
/// disk discards at the next journal commit) is written out now, so that the
/// next measurement does not pay for it.
void Settle() {
  ::sync();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
}

double CopyAndFsync(const Setup& setup) {
  const std::string target = setup.dir + "/cp.out";
  auto start = Clock::now();
  Wait(Spawn({"cp", setup.source, target}), "cp");
  Fsync(target);
  double seconds = SecondsSince(start);
  fs::remove(target);
  return MiBps(setup.bytes, seconds);
}

double Netcat(const Setup& setup, bool fsync) {
  const std::string target = setup.dir + "/nc.out";
  pid_t receiver = Spawn({"nc", "-l", "127.0.0.1", std::to_string(setup.nc_port)}, {"/dev/null", target});
  AwaitListening(setup.nc_port);
  auto start = Clock::now();
  pid_t sender = Spawn({"nc", "-N", "127.0.0.1", std::to_string(setup.nc_port)}, {setup.source, "/dev/null"});
  Wait(sender, "nc -N");
  Wait(receiver, "nc -l");
  if (fsync) Fsync(target);
  double seconds = SecondsSince(start);
  if (fs::file_size(target) != setup.bytes) Die("nc delivered " + std::to_string(fs::file_size(target)) + " bytes");
  fs::remove(target);
  return MiBps(setup.bytes, seconds);
}

/// PINGs the peer on its own connection, back to back with `pause`, until
/// stopped; keeps each round trip in ms.
class PingProbe {
 public:
  PingProbe(int port, std::chrono::milliseconds pause) {
    auto client = osgrid::net::Client::Connect("127.0.0.1", static_cast<std::uint16_t>(port));
    if (!client.ok()) Die("PING connection: " + client.status().ToString());
    thread_ = std::thread([this, client = std::move(client).value(), pause] {
      while (!stop_) {
        auto start = Clock::now();
        auto pong = client->Call({{"type", "PING"}});
        if (!pong.ok()) Die("PING during the put failed: " + pong.status().ToString());
        samples_.push_back(SecondsSince(start) * 1000);
        std::this_thread::sleep_for(pause);
      }
    });
  }
  /// Stops and returns the round trips, ms.
  std::vector<double> Stop() {
    stop_ = true;
    thread_.join();
    return samples_;
  }

 private:
  std::atomic<bool> stop_{false};
  std::vector<double> samples_;  // written by thread_ until Stop()
  std::thread thread_;
};

struct Transfer {
  double mib_per_s = 0;
  long client_rss_kib = 0;
  long peer_rss_kib = 0;
  std::vector<double> ping_ms;  // put only
};

Transfer Put(const Setup& setup, std::chrono::milliseconds ping_pause) {
  ResetPeak(setup.peer);
  PingProbe probe(setup.peer_port, ping_pause);
  auto start = Clock::now();
  pid_t cli = Spawn(
      {setup.osgrid, "file", "put", setup.source, "--name", "bench.bin", "--port", std::to_string(setup.peer_port)});
  Transfer result;
  result.client_rss_kib = Wait(cli, "osgrid file put");
  result.mib_per_s = MiBps(setup.bytes, SecondsSince(start));
  result.ping_ms = probe.Stop();
  result.peer_rss_kib = PeakRssKiB(setup.peer);
  return result;
}

Transfer Get(const Setup& setup, const std::string& target) {
  ResetPeak(setup.peer);
  auto start = Clock::now();
  pid_t cli =
      Spawn({setup.osgrid, "file", "get", "bench.bin", "-o", target, "--port", std::to_string(setup.peer_port)});
  Transfer result;
  result.client_rss_kib = Wait(cli, "osgrid file get");
  result.mib_per_s = MiBps(setup.bytes, SecondsSince(start));
  result.peer_rss_kib = PeakRssKiB(setup.peer);
  return result;
}

/// `bytes` of pseudo-random data at `path`, synced; returns its SHA-256.
std::string WriteSource(const std::string& path, std::uint64_t bytes) {
  std::ofstream out(path, std::ios::binary);
  std::mt19937_64 random(14);
  std::vector<std::uint64_t> block((1 << 20) / 8);
  osgrid::net::Sha256 hash;
  for (std::uint64_t written = 0; written < bytes; written += 1 << 20) {
    for (auto& word : block) word = random();
    auto size = static_cast<std::size_t>(std::min<std::uint64_t>(1 << 20, bytes - written));
    out.write(reinterpret_cast<const char*>(block.data()), static_cast<std::streamsize>(size));
    hash.Update(std::string_view(reinterpret_cast<const char*>(block.data()), size));
  }
  out.close();
  if (!out) Die("cannot write " + path);
  Fsync(path);
  return hash.HexDigest();
}

pid_t StartPeer(const Setup& setup) {
  return Spawn({BinDir() + "/osgrid-peer", "--standalone", "--host", "127.0.0.1", "--port",
                std::to_string(setup.peer_port), "--storage", setup.dir + "/store", "--sandbox", "auto", "--disk-limit",
                std::to_string(2 * setup.bytes + (64 << 20)), "--log-level", "warn"});
}

void AwaitPeer(int port) {
  auto give_up = Clock::now() + std::chrono::seconds(10);
  while (!osgrid::net::Client::Connect("127.0.0.1", static_cast<std::uint16_t>(port)).ok()) {
    if (Clock::now() > give_up) Die("the peer did not start");
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

void PrintRow(const char* name, const std::vector<double>& samples) {
  std::printf("  %-12s median %7.1f MiB/s   runs:", name, Median(samples));
  for (double sample : samples) std::printf(" %.1f", sample);
  std::printf("\n");
}

}  // namespace

int main(int argc, char** argv) {
  int size_mib = 1024;
  int runs = 3;
  int port = 9480;
  int ping_pause_ms = 5;
  std::string dir;
  CLI::App app{"osgrid-file-bench: osgrid file put/get against cp + fsync and nc, in one run"};
  app.add_option("--size-mib", size_mib, "File size, MiB")->capture_default_str()->check(CLI::Range(1, 65536));
  app.add_option("--runs", runs, "Runs of each measurement")->capture_default_str()->check(CLI::Range(1, 100));
  app.add_option("--port", port, "Peer port; nc uses the next one")->capture_default_str();
  app.add_option("--ping-pause-ms", ping_pause_ms, "Pause between PINGs during a put, ms")->capture_default_str();
  app.add_option("--dir", dir, "Scratch folder (default: a new one under the temp folder, removed at the end)");
  CLI11_PARSE(app, argc, argv);

  bool own_dir = dir.empty();
  if (own_dir) {
    std::string pattern = (fs::temp_directory_path() / "osgrid-file-bench-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) Die("cannot make a scratch folder");
    dir = pattern;
  }
  Setup setup;
  setup.dir = dir;
  setup.source = dir + "/source.bin";
  setup.bytes = static_cast<std::uint64_t>(size_mib) << 20;
  setup.peer_port = port;
  setup.nc_port = port + 1;
  setup.osgrid = BinDir() + "/osgrid";
  const std::string expected_sha = WriteSource(setup.source, setup.bytes);
  setup.peer = StartPeer(setup);
  AwaitPeer(port);

  std::printf("%d MiB over loopback, %d runs, in %s (load average %s)\n", size_mib, runs, dir.c_str(),
              osgrid::bench::LoadAverage().c_str());
  std::vector<double> cp, nc_fsync, nc, put, get, pings;
  long put_client_rss = 0, put_peer_rss = 0, get_client_rss = 0, get_peer_rss = 0;
  const std::string fetched = dir + "/fetched.bin";
  for (int run = 0; run < runs; ++run) {
    Settle();
    cp.push_back(CopyAndFsync(setup));
    Settle();
    nc_fsync.push_back(Netcat(setup, true));
    Settle();
    nc.push_back(Netcat(setup, false));
    Settle();
    Transfer up = Put(setup, std::chrono::milliseconds(ping_pause_ms));
    Settle();
    Transfer down = Get(setup, fetched);
    if (run == 0 && osgrid::net::Sha256File(fetched).value() != expected_sha) Die("get returned other bytes");
    fs::remove(fetched);
    put.push_back(up.mib_per_s);
    get.push_back(down.mib_per_s);
    pings.insert(pings.end(), up.ping_ms.begin(), up.ping_ms.end());
    put_client_rss = std::max(put_client_rss, up.client_rss_kib);
    put_peer_rss = std::max(put_peer_rss, up.peer_rss_kib);
    get_client_rss = std::max(get_client_rss, down.client_rss_kib);
    get_peer_rss = std::max(get_peer_rss, down.peer_rss_kib);
    std::printf("  run %d: cp+fsync %.1f, nc+fsync %.1f, nc %.1f, put %.1f, get %.1f MiB/s\n", run + 1, cp.back(),
                nc_fsync.back(), nc.back(), put.back(), get.back());
  }
  kill(setup.peer, SIGTERM);
  waitpid(setup.peer, nullptr, 0);
  if (own_dir) fs::remove_all(dir);

  std::printf("medians of %d runs:\n", runs);
  PrintRow("cp + fsync", cp);
  PrintRow("nc + fsync", nc_fsync);
  PrintRow("nc", nc);
  PrintRow("osgrid put", put);
  PrintRow("osgrid get", get);
  std::printf("ratios of the medians:\n");
  std::printf("  put / (cp + fsync)  %.2f   [goal >= 0.80]\n", Median(put) / Median(cp));
  std::printf("  get / (nc + fsync)  %.2f   [goal >= 0.70]\n", Median(get) / Median(nc_fsync));
  std::printf("  get / nc            %.2f   (nc without fsync; get always fsyncs)\n", Median(get) / Median(nc));
  std::printf(
      "PING from a second connection during the puts: %zu round trips, p50 %.2f ms, p99 %.2f ms, max %.2f ms"
      "   [goal p99 < 20 ms]\n",
      pings.size(), Percentile(pings, 0.5), Percentile(pings, 0.99), Percentile(pings, 1.0));
  std::printf("peak RSS [goal < 64 MiB]: put: client %.1f MiB, peer %.1f MiB; get: client %.1f MiB, peer %.1f MiB\n",
              put_client_rss / 1024.0, put_peer_rss / 1024.0, get_client_rss / 1024.0, get_peer_rss / 1024.0);
  return 0;
}
