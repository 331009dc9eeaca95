// osgrid-tracker: the registry of live peers. Parses flags (and the
// environment variables TRACKER_HOST, TRACKER_PORT, HEARTBEAT_INTERVAL,
// PEER_TIMEOUT, SOCKET_TIMEOUT, OSGRID_SECRET, OSGRID_OBSERVER_SECRET), builds
// the server and runs it until SIGINT/SIGTERM. `--init [PATH]` only writes a
// new cluster secret, `--init-observer [PATH]` a new observer secret.
//
// Security (docs/auth.md): with a cluster secret every connection is
// authenticated; without one the cluster is open and the tracker listens on
// loopback only (127.0.0.1 by default, any other --host is refused). With an
// observer secret as well, its holders may connect to watch, read-only.
#include <sys/prctl.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <utility>

#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>
#include <boost/asio.hpp>

#include "osgrid/net/auth.h"
#include "osgrid/net/params.h"
#include "osgrid/tracker/tracker_server.h"

namespace params = osgrid::params;
using std::chrono::milliseconds;

static milliseconds Millis(double seconds) { return milliseconds(static_cast<long>(seconds * 1000)); }

/// --init: how to use the new cluster secret at `path`.
static void PrintClusterSecretUse(const char* path) {
  std::printf(
      "osgrid-tracker: wrote a new cluster secret to %s (mode 0600).\n"
      "Give it to every node and client of the cluster, e.g.:\n"
      "  osgrid-tracker --secret-file %s --host 0.0.0.0\n"
      "  osgrid-peer --secret-file %s --tracker TRACKER_IP:8888\n"
      "  osgrid status --secret-file %s          (or: export OSGRID_SECRET=\"$(cat %s)\")\n"
      "Copy it to other machines over a safe channel (e.g. scp) and keep it mode 0600.\n",
      path, path, path, path, path);
}

/// --init-observer: how to use the new observer secret at `path`.
static void PrintObserverSecretUse(const char* path) {
  std::printf(
      "osgrid-tracker: wrote a new observer secret to %s (mode 0600).\n"
      "Its holders may watch the cluster (status, peers, events) but not submit, cancel or change\n"
      "anything. Give it to the tracker and the peers, next to the cluster secret:\n"
      "  osgrid-tracker --secret-file osgrid.secret --observer-secret-file %s --host 0.0.0.0\n"
      "  osgrid-peer --secret-file osgrid.secret --observer-secret-file %s --tracker TRACKER_IP:8888\n"
      "and to whoever may only watch (a viewer, a classroom projector):\n"
      "  osgrid status --observer-secret-file %s   (or: export OSGRID_OBSERVER_SECRET=\"$(cat %s)\")\n",
      path, path, path, path, path);
}

/// --init and --init-observer: writes a new secret of `credential` and says
/// how to use it. Exit status 0, or 2.
static int InitSecret(std::string path, osgrid::net::Access credential) {
  using osgrid::net::Access;
  const bool observer = credential == Access::kObserver;
  if (path.empty()) path = observer ? osgrid::net::kDefaultObserverSecretFile : osgrid::net::kDefaultSecretFile;
  if (auto status = osgrid::net::WriteNewSecretFile(path); !status.ok()) {
    std::fprintf(stderr, "osgrid-tracker: %s: %s\n", observer ? "--init-observer" : "--init", status.message().c_str());
    return 2;
  }
  if (observer) {
    PrintObserverSecretUse(path.c_str());
  } else {
    PrintClusterSecretUse(path.c_str());
  }
  return 0;
}

int main(int argc, char** argv) {
  // 1. Flags, with the environment as defaults.
  std::string host = params::EnvString("TRACKER_HOST", params::kDefaultTrackerHost);
  std::uint16_t port = params::EnvPort("TRACKER_PORT", params::kDefaultTrackerPort);
  double heartbeat_s = params::EnvSeconds("HEARTBEAT_INTERVAL", params::kHeartbeatIntervalS);
  double timeout_s = params::EnvSeconds("PEER_TIMEOUT", params::kPeerTimeoutS);
  double socket_timeout_s = params::EnvSeconds("SOCKET_TIMEOUT", params::kSocketTimeoutS);
  std::size_t max_frame = params::kMaxFrameBytes;
  int max_connections = params::kMaxConnections;
  std::string name = "tracker";
  std::string log_level = "info";
  bool exit_with_parent = false;
  std::string secret_file, observer_secret_file, init_path, init_observer_path;
  osgrid::net::ServerOptions security;

  CLI::App app{
      "osgrid-tracker: keeps the registry of live peers, their load and heartbeats,\n"
      "names the least-loaded peer for each task, and streams the cluster's events\n"
      "to subscribers (osgrid events, osgrid run --record, the viewer)."};
  app.add_option("--host", host, "Address to listen on [env TRACKER_HOST]")->capture_default_str();
  app.add_option("--port", port, "Port to listen on [env TRACKER_PORT]")->capture_default_str();
  app.add_option("--heartbeat-interval", heartbeat_s, "Seconds between peer heartbeats [env HEARTBEAT_INTERVAL]")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--peer-timeout", timeout_s,
                 "Seconds without a heartbeat before a peer is declared dead [env PEER_TIMEOUT]")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--socket-timeout", socket_timeout_s,
                 "Seconds a started frame may take to arrive [env SOCKET_TIMEOUT]")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--max-frame", max_frame, "Largest frame accepted, bytes")->capture_default_str();
  app.add_option("--max-connections", max_connections, "Most client connections at once")->capture_default_str();
  app.add_option("--name", name, "Node name shown to clients")->capture_default_str();
  osgrid::tracker::TrackerOptions options;
  app.add_option("--max-subscribers", options.max_subscribers, "Most event subscribers (SUBSCRIBE) at once")
      ->capture_default_str()
      ->check(CLI::PositiveNumber)
      ->group("Events");
  app.add_option("--subscriber-queue", options.subscriber_queue_bytes,
                 "Bytes of events a subscriber may fall behind before it is cut off")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{1024}, std::size_t{1} << 30))
      ->group("Events");
  app.add_option("--max-subscriber-queue", options.max_subscriber_queue_bytes,
                 "The largest such bound a subscriber may ask for (a recorder asks for it)")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{1024}, std::size_t{1} << 30))
      ->group("Events");
  app.add_option("--deadlock", options.deadlock,
                 "What the tracker does about deadlock among tasks' Locks and Resources (docs/sync.md): detect "
                 "(report it), recover (report it and abort a victim) or avoid (Banker's algorithm on declared "
                 "claims)")
      ->capture_default_str()
      ->check(CLI::IsMember({"detect", "recover", "avoid"}))
      ->group("Cluster objects");
  double sync_grace_s = -1;
  app.add_option("--sync-grace", sync_grace_s,
                 "Seconds after start before Locks and Resources are granted, so that tasks holding them under a "
                 "previous run of the tracker are gone (docs/sync.md) [default: the peer timeout; give 0 for a new "
                 "cluster whose peers start after the tracker]")
      ->check(CLI::NonNegativeNumber)
      ->group("Cluster objects");
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error")->capture_default_str();
  app.add_flag("--exit-with-parent", exit_with_parent, "Exit when the parent process dies (used by `osgrid run`)");
  app.add_option("--secret-file", secret_file,
                 "Cluster secret file (wins over env OSGRID_SECRET); none: open, loopback only")
      ->group("Security");
  app.add_option("--observer-secret-file", observer_secret_file,
                 "Observer secret file (wins over env OSGRID_OBSERVER_SECRET): its holders may only watch; "
                 "needs a cluster secret")
      ->group("Security");
  auto* init =
      app.add_option("--init", init_path, "Write a new cluster secret to PATH (default ./osgrid.secret) and exit")
          ->expected(0, 1)
          ->type_name("[PATH]")
          ->group("Security");
  auto* init_observer =
      app.add_option("--init-observer", init_observer_path,
                     "Write a new observer secret to PATH (default ./osgrid-observer.secret) and exit")
          ->expected(0, 1)
          ->type_name("[PATH]")
          ->group("Security")
          ->excludes(init);
  auto* cert =
      app.add_option("--tls-cert", security.tls_cert, "PEM certificate (chain): serve TLS only")->group("Security");
  auto* key = app.add_option("--tls-key", security.tls_key, "PEM private key of --tls-cert")->group("Security");
  cert->needs(key);
  key->needs(cert);
  CLI11_PARSE(app, argc, argv);
  if (init->count() > 0) return InitSecret(init_path, osgrid::net::Access::kMember);
  if (init_observer->count() > 0) return InitSecret(init_observer_path, osgrid::net::Access::kObserver);
  auto secrets = osgrid::net::LoadNodeSecrets(secret_file, observer_secret_file);
  if (!secrets.ok()) {
    std::fprintf(stderr, "osgrid-tracker: %s\n", secrets.status().message().c_str());
    return 2;
  }
  const osgrid::net::LoadedSecret& secret = secrets->cluster;
  const osgrid::net::LoadedSecret& observer = secrets->observer;
  // An open cluster defaults to loopback; an explicit other address is refused by Listen().
  if (secret.secret.empty() && app.count("--host") == 0 && std::getenv("TRACKER_HOST") == nullptr) {
    host = "127.0.0.1";
  }

  if (exit_with_parent) {
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() == 1) return 1;  // the parent is already gone
  }
  spdlog::set_pattern("[%H:%M:%S.%e] [" + name + "] %^%l%$: %v");
  spdlog::set_level(spdlog::level::from_str(log_level));

  // 2. Build and start.
  boost::asio::io_context io;
  options.host = host;
  options.port = port;
  options.name = name;
  options.heartbeat_interval = Millis(heartbeat_s);
  options.peer_timeout = Millis(timeout_s);
  if (sync_grace_s >= 0) options.sync_grace = Millis(sync_grace_s);
  options.server.max_frame_bytes = max_frame;
  options.server.socket_timeout = Millis(socket_timeout_s);
  options.server.max_connections = max_connections;
  options.server.secret = secret.secret;
  options.server.observer_secret = observer.secret;
  options.server.tls_cert = security.tls_cert;
  options.server.tls_key = security.tls_key;
  for (const auto* loaded : {&secret, &observer}) {
    if (!loaded->warning.empty()) spdlog::warn("{}", loaded->warning);
  }
  osgrid::tracker::TrackerServer tracker(io, options);
  if (auto status = tracker.Start(); !status.ok()) {
    spdlog::error("{}", status.ToString());
    return status.code() == osgrid::Code::kBadRequest ? 2 : 1;
  }
  spdlog::info("listening on {}:{} (heartbeat every {} s, peers dead after {} s of silence)", host, tracker.port(),
               heartbeat_s, timeout_s);
  for (const std::string& line : osgrid::net::DescribeSecrets(*secrets)) spdlog::info("{}", line);
  spdlog::info("tls: {}", security.tls_cert.empty() ? "off" : "on (TLS only), certificate " + security.tls_cert);
  spdlog::info("deadlock: {} (cluster Locks, Resources, Semaphores and MessageQueues; docs/sync.md)", options.deadlock);
  if (const double grace_s = sync_grace_s >= 0 ? sync_grace_s : timeout_s; grace_s > 0) {
    spdlog::info(
        "Locks and Resources are granted from {} s after start: tasks holding them under a previous run "
        "are gone by then (--sync-grace)",
        grace_s);
  }

  // 3. Run until SIGINT/SIGTERM, then stop cleanly.
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code&, int signal) {
    spdlog::info("signal {}: shutting down", signal);
    tracker.Stop();
    io.stop();
  });
  io.run();
  return 0;
}
