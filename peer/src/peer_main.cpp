// osgrid-peer: shares this machine's CPU, memory and disk with the cluster.
// Parses flags (and PEER_PORT, TRACKER_HOST, TRACKER_PORT, TASK_TIMEOUT,
// SOCKET_TIMEOUT, HEARTBEAT_INTERVAL, OSGRID_SECRET, OSGRID_OBSERVER_SECRET
// from the environment), starts the peer server and runs it until
// SIGINT/SIGTERM.
//
// Security (docs/auth.md): the cluster secret authenticates every connection,
// in (our server) and out (tracker link, forwarding: the process-wide
// net::DefaultClientSecurity). Without one the peer listens on loopback only.
// The observer secret only lets others in to watch (our STATUS); the peer
// never uses it to connect out.
// --tls-cert/--tls-key make our server TLS-only; --tls-ca (default: the
// --tls-cert file, for a cluster sharing one self-signed certificate) turns
// TLS on for our outgoing connections.
#include <sys/prctl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <csignal>
#include <thread>
#include <utility>
#include <vector>

#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>
#include <boost/asio.hpp>

#include "osgrid/net/auth.h"
#include "osgrid/net/client.h"
#include "osgrid/net/params.h"
#include "osgrid/peer/peer_server.h"

namespace params = osgrid::params;
using std::chrono::milliseconds;

static milliseconds Millis(double seconds) { return milliseconds(static_cast<long>(seconds * 1000)); }

/// The scheduling flags, as given (0 / empty: not given).
struct SchedulingFlags {
  std::string policy = "fcfs";
  std::int64_t quantum_ms = 100;
  std::int64_t aging_ms = 0;
  int mlfq_queues = 0;
  std::vector<std::int64_t> mlfq_quantum, mlfq_allotment;
  std::int64_t mlfq_boost_ms = 0;
};

/// The policy's settings from the flags, checked by building the policy once.
/// MLFQ without --mlfq-quantum: --mlfq-queues (default 3) queues whose slice
/// doubles from --quantum at the top (Silberschatz 10e 5.3.6's 8, 16 ms
/// example); one --mlfq-quantum or --mlfq-allotment value applies to every
/// queue. Errors: the policy's own message ("unknown policy ...",
/// "quantum must be > 0 ...").
static osgrid::Result<osgrid::os::SchedPolicyParams> SchedulingParams(const SchedulingFlags& flags) {
  osgrid::os::SchedPolicyParams params;
  params.quantum = flags.quantum_ms;
  params.aging = flags.aging_ms;
  params.mlfq_boost = flags.mlfq_boost_ms;
  const osgrid::os::SchedPolicyInfo* info = osgrid::os::FindSchedPolicy(flags.policy);
  if (info != nullptr && info->name == "MLFQ") {
    std::size_t queues = flags.mlfq_queues > 0           ? static_cast<std::size_t>(flags.mlfq_queues)
                         : flags.mlfq_quantum.size() > 1 ? flags.mlfq_quantum.size()
                                                         : 3;
    params.mlfq_quanta = flags.mlfq_quantum;
    if (params.mlfq_quanta.empty()) {
      for (std::size_t q = 0; q < queues; ++q)
        params.mlfq_quanta.push_back(flags.quantum_ms << std::min<std::size_t>(q, 20));
    } else if (params.mlfq_quanta.size() == 1) {
      params.mlfq_quanta.assign(queues, params.mlfq_quanta[0]);
    }
    params.mlfq_allotments = flags.mlfq_allotment;
    if (params.mlfq_allotments.empty()) params.mlfq_allotments.assign(params.mlfq_quanta.size(), 1);
    if (params.mlfq_allotments.size() == 1)
      params.mlfq_allotments.assign(params.mlfq_quanta.size(), flags.mlfq_allotment[0]);
    if (flags.mlfq_queues > 0 && params.mlfq_quanta.size() != queues) {
      return osgrid::Status::BadRequest("--mlfq-queues " + std::to_string(queues) + " but --mlfq-quantum lists " +
                                        std::to_string(params.mlfq_quanta.size()) + " quanta");
    }
  }
  auto made = osgrid::os::MakeSchedPolicy(flags.policy, params);
  if (!made.ok()) return osgrid::Status::BadRequest(made.error().message);
  return params;
}

int main(int argc, char** argv) {
  // 1. Flags, with the environment as defaults.
  osgrid::peer::PeerOptions options;
  options.port = params::EnvPort("PEER_PORT", params::kDefaultPeerPort);
  options.cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  std::string tracker = params::EnvString("TRACKER_HOST", "127.0.0.1") + ":" +
                        std::to_string(params::EnvPort("TRACKER_PORT", params::kDefaultTrackerPort));
  double task_timeout_s = params::EnvSeconds("TASK_TIMEOUT", params::kTaskTimeoutS);
  double socket_timeout_s = params::EnvSeconds("SOCKET_TIMEOUT", params::kSocketTimeoutS);
  double heartbeat_s = params::EnvSeconds("HEARTBEAT_INTERVAL", 0);
  bool standalone = false;
  std::string log_level = "info";
  bool exit_with_parent = false;

  CLI::App app{
      "osgrid-peer: shares this machine's CPU (Python tasks), memory (key-value) and\n"
      "disk (files) with an osgrid cluster. Registers with the tracker and sends heartbeats."};
  app.add_option("--host", options.host, "Address to listen on")->capture_default_str();
  app.add_option("--port", options.port, "Port to listen on [env PEER_PORT]")->capture_default_str();
  app.add_option("--tracker", tracker, "Tracker HOST:PORT [env TRACKER_HOST, TRACKER_PORT]")->capture_default_str();
  app.add_flag("--standalone", standalone, "Run without a tracker: every task runs here");
  app.add_option("--name", options.name, "Peer id in the cluster (default: peer-<port>)");
  app.add_option("--advertise", options.advertise_host,
                 "Address other nodes use to reach this peer (default: as the tracker sees it)");
  app.add_option("--cores", options.cores, "Tasks run at once (default: this machine's cores)")
      ->capture_default_str()
      ->check(CLI::Range(1, 1024));
  app.add_option("--storage", options.storage_dir, "File store directory (default: ./osgrid-storage/<name>)");
  app.add_option("--disk-limit", options.disk_limit_bytes, "File store limit, bytes")->capture_default_str();
  app.add_option("--mem-arena", options.memory.arena_bytes,
                 "Size of the key-value memory's arena, bytes; takes KiB, MiB, GiB (docs/memory.md)")
      ->transform(CLI::AsSizeValue(false))
      ->capture_default_str();
  app.add_option("--allocator", options.memory.allocator,
                 "How the arena places entries: " + osgrid::peer::AllocatorNames() + " (OSTEP 17.3)")
      ->capture_default_str();
  std::string removed_mem_limit;  // refused below, with the flags that replace it
  app.add_option("--mem-limit", removed_mem_limit)->group("");
  app.add_option("--task-timeout", task_timeout_s, "Default task timeout, seconds [env TASK_TIMEOUT]")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  double task_cpu_limit_s = params::EnvSeconds("TASK_CPU_LIMIT", params::kTaskCpuLimitS);
  app.add_option("--task-cpu-limit", task_cpu_limit_s,
                 "Default CPU time a task may use, seconds; at most its timeout [env TASK_CPU_LIMIT]")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  SchedulingFlags scheduling;
  std::string policies;
  for (const auto& row : osgrid::os::SchedPolicies()) {
    std::string name(row.name);
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    policies += (policies.empty() ? "" : "|") + name;
  }
  auto* scheduler_flag = app.add_option("--scheduler", scheduling.policy,
                                        "The ready queue's policy: " + policies + " (docs/scheduling.md)")
                             ->capture_default_str()
                             ->group("Scheduling");
  auto* scheduler_file =
      app.add_option("--scheduler-file", options.scheduler_file,
                     "Your own policy orders the ready queue: a .py file with lab 01's API (admit, pick_next, ...), "
                     "run in a sandboxed process; if it fails or is too slow, FCFS from then on (docs/scheduling.md)")
          ->excludes(scheduler_flag)
          ->group("Scheduling");
  app.add_option("--scheduler-class", options.scheduler_class,
                 "The class of --scheduler-file to use (default: the file's only class with pick_next)")
      ->needs(scheduler_file)
      ->group("Scheduling");
  std::int64_t scheduler_timeout_ms = options.scheduler_timeout.count();
  app.add_option("--scheduler-timeout", scheduler_timeout_ms,
                 "--scheduler-file: the longest a call to the policy may take, ms; a slower one means FCFS from "
                 "then on")
      ->capture_default_str()
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{60'000}))
      ->needs(scheduler_file)
      ->group("Scheduling");
  app.add_option("--quantum", scheduling.quantum_ms,
                 "Time slice of rr, lottery and stride, ms (mlfq: the top queue's; --scheduler-file: given to a "
                 "class whose __init__ takes quantum)")
      ->capture_default_str()
      ->group("Scheduling");
  app.add_option("--aging", scheduling.aging_ms,
                 "priority, priority-p: one step more urgent per this long waiting, ms; 0 = none")
      ->capture_default_str()
      ->group("Scheduling");
  app.add_option("--mlfq-queues", scheduling.mlfq_queues, "mlfq: number of queues (default 3)")->group("Scheduling");
  app.add_option("--mlfq-quantum", scheduling.mlfq_quantum,
                 "mlfq: each queue's slice in ms, top queue first, e.g. 10,20,40 (default: --quantum, doubling)")
      ->delimiter(',')
      ->group("Scheduling");
  app.add_option("--mlfq-allotment", scheduling.mlfq_allotment,
                 "mlfq: quanta of CPU time a task may use in each queue before it moves down, top first (default 1)")
      ->delimiter(',')
      ->group("Scheduling");
  app.add_option("--mlfq-boost", scheduling.mlfq_boost_ms,
                 "mlfq: move every task to the top queue this often, ms; 0 = never")
      ->capture_default_str()
      ->group("Scheduling");
  app.add_option("--heartbeat-interval", heartbeat_s,
                 "Seconds between heartbeats (default: what the tracker says) [env HEARTBEAT_INTERVAL]")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--socket-timeout", socket_timeout_s, "Seconds a started frame may take [env SOCKET_TIMEOUT]")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--max-frame", options.server.max_frame_bytes, "Largest frame accepted, bytes")->capture_default_str();
  app.add_option("--max-connections", options.server.max_connections, "Most connections at once")
      ->capture_default_str();
  app.add_option("--ready-queue-max", options.ready_queue_max, "Most tasks waiting in the ready queue")
      ->capture_default_str();
  app.add_option("--max-forwards", options.max_forwards,
                 "Most tasks forwarded to other peers at once; more wait for one to end")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 20));
  app.add_option("--max-send-queue", options.max_send_queue,
                 "Bytes waiting to be sent on each connection to another node; past that a forward runs here")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{1} << 10, std::size_t{1} << 40));
  app.add_option("--task-binary", options.task_binary, "Path of osgrid-task (default: next to osgrid-peer)");
  std::string sandbox = "strict";
  app.add_option("--sandbox", sandbox,
                 "Task isolation: strict (refuse to start without every layer), auto (what this "
                 "machine allows; see `osgrid status`), off (none; debugging only)")
      ->capture_default_str()
      ->check(CLI::IsMember({"strict", "auto", "off"}));
  std::uint64_t inject_seed = 0;
  app.add_option("--inject-seed", inject_seed,
                 "Delay each task system call and its reply by times drawn from seed N, so that a program's "
                 "interleavings vary (lab 05; docs/sync.md). Default: no delays")
      ->group("Testing");
  int inject_max_delay_ms = 20;
  app.add_option("--inject-max-delay-ms", inject_max_delay_ms, "With --inject-seed: the longest delay, ms")
      ->capture_default_str()
      ->check(CLI::Range(0, 10000))
      ->group("Testing");
  app.add_option("--task-memory", options.task_limits.memory_bytes, "Address-space limit of each task, bytes")
      ->capture_default_str();
  app.add_option("--task-file-size", options.task_limits.file_bytes,
                 "Largest file a task may write, and the size of its private /tmp, bytes")
      ->capture_default_str();
  app.add_option("--task-max-children", options.task_max_children,
                 "Children (osgrid.submit) a task may have that it has not waited for")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{1}, std::size_t{100000}));
  app.add_option("--task-max-tree", options.task_max_tree,
                 "Tasks of one root task's tree this peer submits and holds at once (like RLIMIT_NPROC)")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{1}, std::size_t{1000000}));
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error")->capture_default_str();
  app.add_flag("--exit-with-parent", exit_with_parent, "Exit when the parent process dies (used by `osgrid run`)");
  std::string secret_file, tls_ca;
  app.add_option("--secret-file", secret_file,
                 "Cluster secret file (wins over env OSGRID_SECRET); none: open, loopback only")
      ->group("Security");
  std::string observer_secret_file;
  app.add_option("--observer-secret-file", observer_secret_file,
                 "Observer secret file (wins over env OSGRID_OBSERVER_SECRET): its holders may only watch; "
                 "needs a cluster secret")
      ->group("Security");
  auto* tls_cert = app.add_option("--tls-cert", options.server.tls_cert, "PEM certificate (chain): serve TLS only")
                       ->group("Security");
  auto* tls_key =
      app.add_option("--tls-key", options.server.tls_key, "PEM private key of --tls-cert")->group("Security");
  tls_cert->needs(tls_key);
  tls_key->needs(tls_cert);
  app.add_option("--tls-ca", tls_ca,
                 "PEM CA that signed the other nodes' certificates: connect to them with TLS "
                 "(default: --tls-cert)")
      ->group("Security");
  CLI11_PARSE(app, argc, argv);
  auto secrets = osgrid::net::LoadNodeSecrets(secret_file, observer_secret_file);
  if (!secrets.ok()) {
    std::fprintf(stderr, "osgrid-peer: %s\n", secrets.status().message().c_str());
    return 2;
  }
  const osgrid::net::LoadedSecret& secret = secrets->cluster;
  const osgrid::net::LoadedSecret& observer = secrets->observer;
  options.server.secret = secret.secret;
  options.server.observer_secret = observer.secret;
  if (tls_ca.empty()) tls_ca = options.server.tls_cert;
  osgrid::net::SetDefaultClientSecurity({secret.secret, tls_ca});                     // out: always as a member
  if (secret.secret.empty() && app.count("--host") == 0) options.host = "127.0.0.1";  // open: loopback only

  if (app.count("--mem-limit") > 0) {
    std::fprintf(stderr,
                 "osgrid-peer: --mem-limit is gone: the key-value memory is an arena now; give its size with "
                 "--mem-arena SIZE (e.g. --mem-arena 64MiB) and its policy with --allocator %s\n",
                 osgrid::peer::AllocatorNames().c_str());
    return 2;
  }
  if (exit_with_parent) {
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() == 1) return 1;
  }
  if (standalone) {
    options.tracker_host.clear();
  } else {
    auto endpoint = osgrid::net::ParseHostPort(tracker);
    if (!endpoint.ok()) {
      std::fprintf(stderr, "osgrid-peer: --tracker: %s\n", endpoint.status().message().c_str());
      return 2;
    }
    std::tie(options.tracker_host, options.tracker_port) = *endpoint;
  }
  if (app.count("--inject-seed") > 0) options.inject_seed = inject_seed;
  options.inject_max_delay = milliseconds(inject_max_delay_ms);
  options.sandbox = *osgrid::peer::ParseSandboxMode(sandbox);  // checked by IsMember above
  options.task_timeout = Millis(task_timeout_s);
  options.task_cpu_limit = std::min(Millis(task_cpu_limit_s), options.task_timeout);
  auto sched_params = SchedulingParams(scheduling);
  if (!sched_params.ok()) {
    std::fprintf(stderr, "osgrid-peer: --scheduler %s: %s\n", scheduling.policy.c_str(),
                 sched_params.status().message().c_str());
    return 2;
  }
  options.scheduler = scheduling.policy;
  options.sched_params = *sched_params;
  options.scheduler_timeout = milliseconds(scheduler_timeout_ms);
  if (!options.scheduler_file.empty() && scheduling.quantum_ms <= 0) {
    std::fprintf(stderr, "osgrid-peer: --quantum must be > 0, got %lld\n",
                 static_cast<long long>(scheduling.quantum_ms));
    return 2;
  }
  options.server.socket_timeout = Millis(socket_timeout_s);
  if (heartbeat_s > 0) options.heartbeat_interval = Millis(heartbeat_s);
  std::string label = options.name.empty() ? "peer-" + std::to_string(options.port) : options.name;
  spdlog::set_pattern("[%H:%M:%S.%e] [" + label + "] %^%l%$: %v");
  spdlog::set_level(spdlog::level::from_str(log_level));
  for (const auto* loaded : {&secret, &observer}) {
    if (!loaded->warning.empty()) spdlog::warn("{}", loaded->warning);
  }

  // 2. Build and start.
  boost::asio::io_context io;
  osgrid::peer::PeerServer peer(io, options);
  if (auto status = peer.Start(); !status.ok()) {
    spdlog::error("{}", status.ToString());
    return status.code() == osgrid::Code::kBadRequest ? 2 : 1;
  }
  for (const std::string& line : osgrid::net::DescribeSecrets(*secrets)) spdlog::info("{}", line);
  spdlog::info("tls: {}{}",
               options.server.tls_cert.empty() ? "off" : "on (TLS only), certificate " + options.server.tls_cert,
               tls_ca.empty() ? "" : "; outgoing connections verified against " + tls_ca);
  spdlog::info("listening on {}:{} with {} cores; storage {}; tracker {}", options.host, peer.port(),
               peer.options().cores, peer.options().storage_dir, standalone ? "none (standalone)" : tracker);

  // 3. Run until SIGINT/SIGTERM. Then leave: stop serving, unregister (up
  // to 1 s for the tracker's answer), and exit without waiting for forwarded
  // calls in flight (task processes die with us: they are started with
  // PR_SET_PDEATHSIG).
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code&, int signal) {
    spdlog::info("signal {}: shutting down", signal);
    peer.Stop([&io] { io.stop(); });
  });
  io.run();
  spdlog::default_logger()->flush();
  std::fflush(nullptr);
  _exit(0);
}
