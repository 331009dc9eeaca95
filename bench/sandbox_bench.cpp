// osgrid-sandbox-bench: what the sandbox costs a task's round trip.
//
// Starts one standalone osgrid-peer per mode (--sandbox strict, then off) on
// loopback and sends it trivial CPU_TASKs over one connection, one at a time,
// measuring each round trip at the client: request out -> CPU_RESULT in. A
// pause between tasks (--pause-ms, default 20) measures the latency a task sees
// on an idle peer, whose warm pool has refilled; --pause-ms 0 measures tasks
// back to back, where the pool's refill rate shows. A PING after the same
// pause alternates with the tasks, as the floor: what the machine adds after
// an idle pause without any task. Prints min, median and p90 per mode, the
// PING median, and the difference of the medians.
//
//   osgrid-sandbox-bench [--runs 200] [--pause-ms 20] [--modes strict,off]
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>

#include "osgrid/client/ops.h"
#include "osgrid/net/client.h"
#include "osgrid/net/messages.h"

namespace {

using Clock = std::chrono::steady_clock;
using osgrid::Json;

struct Figures {
  double min_ms = 0, median_ms = 0, p90_ms = 0;
};

Figures Summarise(std::vector<double> samples) {
  std::sort(samples.begin(), samples.end());
  return {samples.front(), samples[samples.size() / 2], samples[samples.size() * 9 / 10]};
}

/// The folder of this program, where the build puts every osgrid program.
std::string BinDir() { return std::filesystem::read_symlink("/proc/self/exe").parent_path().string(); }

/// Starts `osgrid-peer --standalone` in `mode` on `port`; returns its pid, or 0.
pid_t StartPeer(const std::string& mode, int port, const std::string& storage) {
  std::string binary = BinDir() + "/osgrid-peer";
  std::string port_text = std::to_string(port);
  const char* argv[] = {binary.c_str(),    "--standalone",  "--host", "127.0.0.1", "--port",
                        port_text.c_str(), "--cores",       "2",      "--sandbox", mode.c_str(),
                        "--storage",       storage.c_str(), nullptr};
  posix_spawn_file_actions_t actions;  // its log (a warning per task when off) is not ours
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  pid_t pid = 0;
  int error = posix_spawn(&pid, binary.c_str(), &actions, nullptr, const_cast<char* const*>(argv), environ);
  posix_spawn_file_actions_destroy(&actions);
  return error == 0 ? pid : 0;
}

/// Connects, retrying while the peer starts (at most 10 s).
std::unique_ptr<osgrid::net::Client> ConnectWhenUp(int port) {
  auto give_up = Clock::now() + std::chrono::seconds(10);
  while (Clock::now() < give_up) {
    auto client = osgrid::net::Client::Connect("127.0.0.1", static_cast<std::uint16_t>(port));
    if (client.ok()) return std::move(client).value();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return nullptr;
}

/// Round trips after the same pause, ms: `tasks` of the trivial task and
/// `pings` of a PING, which shows what the machine itself adds after an idle
/// pause (waking a vCPU and the peer's thread) before any task is involved.
struct Samples {
  std::vector<double> tasks;
  std::vector<double> pings;
};

/// `runs` tasks and `runs` PINGs in `mode`, alternating; empty on failure.
Samples Measure(const std::string& mode, int runs, int pause_ms, int port) {
  std::string storage = std::filesystem::temp_directory_path() / ("osgrid-sandbox-bench-" + mode);
  pid_t peer = StartPeer(mode, port, storage);
  Samples samples;
  auto client = peer > 0 ? ConnectWhenUp(port) : nullptr;
  if (client) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));  // the warm pool fills
    const osgrid::net::CpuTaskRequest task{osgrid::net::MakeTask("def main(x):\n    return x * x\n", "main", {7})};
    for (int i = 0; i < 2 * runs; ++i) {
      bool is_task = i % 2 == 0;
      auto start = Clock::now();
      osgrid::Result<osgrid::Json> reply = osgrid::Status::Internal("not run");
      if (is_task) {
        auto ran = osgrid::client::Cpu(*client, task);
        reply = ran.ok() ? osgrid::Result<osgrid::Json>(ran->raw) : osgrid::Result<osgrid::Json>(ran.status());
      } else {
        reply = client->Call({{"type", "PING"}});
      }
      double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
      if (!reply.ok() || (is_task && (*reply)["result"] != 49)) {
        std::fprintf(stderr, "osgrid-sandbox-bench: %s: %s failed: %s\n", mode.c_str(), is_task ? "task" : "PING",
                     reply.ok() ? reply->dump().c_str() : reply.status().ToString().c_str());
        samples = {};
        break;
      }
      (is_task ? samples.tasks : samples.pings).push_back(ms);
      if (pause_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(pause_ms));
    }
  } else {
    std::fprintf(stderr, "osgrid-sandbox-bench: the %s peer did not start\n", mode.c_str());
  }
  if (peer > 0) {
    kill(peer, SIGTERM);
    waitpid(peer, nullptr, 0);
  }
  std::error_code ignored;
  std::filesystem::remove_all(storage, ignored);
  return samples;
}

}  // namespace

int main(int argc, char** argv) {
  int runs = 200;
  int pause_ms = 20;
  std::vector<std::string> modes = {"strict", "off"};
  int port = 9470;
  CLI::App app{"osgrid-sandbox-bench: round trip of a trivial task under --sandbox strict and off"};
  app.add_option("--runs", runs, "Tasks per mode")->capture_default_str()->check(CLI::Range(3, 100000));
  app.add_option("--pause-ms", pause_ms, "Pause between tasks, ms (0: back to back)")
      ->capture_default_str()
      ->check(CLI::Range(0, 10000));
  app.add_option("--modes", modes, "Sandbox modes to compare")
      ->delimiter(',')
      ->capture_default_str()
      ->check(CLI::IsMember({"strict", "auto", "off"}));
  app.add_option("--port", port, "Port for the peer under test")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  std::printf("trivial task round trip, %d runs per mode, %d ms between tasks (client -> peer -> result)\n", runs,
              pause_ms);
  std::vector<std::pair<std::string, Figures>> results;
  for (const std::string& mode : modes) {
    Samples samples = Measure(mode, runs, pause_ms, port);
    if (samples.tasks.empty()) return 1;
    Figures figures = Summarise(samples.tasks);
    Figures ping = Summarise(samples.pings);
    results.emplace_back(mode, figures);
    std::printf(
        "  --sandbox %-6s  median %6.2f ms   min %6.2f ms   p90 %6.2f ms"
        "   (PING after the same pause: median %.2f ms)\n",
        mode.c_str(), figures.median_ms, figures.min_ms, figures.p90_ms, ping.median_ms);
  }
  if (results.size() == 2) {
    std::printf("  difference of the medians (%s - %s): %+.2f ms\n", results[0].first.c_str(), results[1].first.c_str(),
                results[0].second.median_ms - results[1].second.median_ms);
  }
  return 0;
}
