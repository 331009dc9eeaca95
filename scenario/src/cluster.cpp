// LocalCluster: start, watch and stop a tracker and its peers (see cluster.h).
//
// [SECTION] Helpers: ports, paths, exit descriptions, log tails
// [SECTION] The registry of live clusters (for StopAll)
// [SECTION] Start: spawn, wait for the tracker, wait for the peers
// [SECTION] Running: snapshots, KillPeer, CheckChildren
// [SECTION] Stop
#include "osgrid/scenario/cluster.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string_view>
#include <thread>

#include "osgrid/client/ops.h"
#include "osgrid/net/client.h"

extern char** environ;

namespace osgrid::scenario {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr auto kStopGrace = milliseconds(2000);   // SIGTERM -> SIGKILL
constexpr auto kPollInterval = milliseconds(50);  // while waiting for nodes to come up
constexpr int kLogTailLines = 12;                 // shown when a node fails to start

// ---- [SECTION] Helpers --------------------------------------------------------

/// `count` distinct free TCP ports on 127.0.0.1: bind port 0, read it, close.
/// All sockets stay open until every port is chosen, so the ports differ.
Result<std::vector<std::uint16_t>> FreePorts(int count) {
  std::vector<int> sockets;
  std::vector<std::uint16_t> ports;
  Status status;
  for (int i = 0; i < count && status.ok(); ++i) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(address);
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
      status = Status::Unavailable(std::string("cannot find a free loopback port: ") + std::strerror(errno));
    } else {
      ports.push_back(ntohs(address.sin_port));
    }
    if (fd >= 0) sockets.push_back(fd);
  }
  for (int fd : sockets) ::close(fd);
  if (!status.ok()) return status;
  return ports;
}

Result<std::string> MakeRunDir(const std::string& requested) {
  std::error_code error;
  if (!requested.empty()) {
    std::filesystem::create_directories(requested, error);
    if (error) return Status::Io("cannot create run folder '" + requested + "': " + error.message());
    return requested;
  }
  std::string pattern = (std::filesystem::temp_directory_path(error) / "osgrid-run-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    return Status::Io("cannot create a run folder like '" + pattern + "': " + std::strerror(errno));
  }
  return pattern;
}

std::string Seconds(double seconds) {
  std::ostringstream text;
  text << seconds;
  return text.str();
}

std::string DescribeExit(int wait_status) {
  if (WIFEXITED(wait_status)) return "exited with status " + std::to_string(WEXITSTATUS(wait_status));
  if (WIFSIGNALED(wait_status)) {
    int signal_number = WTERMSIG(wait_status);
    return "was killed by signal " + std::to_string(signal_number) + " (" + ::strsignal(signal_number) + ")";
  }
  return "stopped (wait status " + std::to_string(wait_status) + ")";
}

/// The last `lines` lines of a log file, for error details.
std::string LogTail(const std::string& path, int lines) {
  std::ifstream in(path);
  std::vector<std::string> tail;
  for (std::string line; std::getline(in, line);) {
    tail.push_back(line);
    if (static_cast<int>(tail.size()) > lines) tail.erase(tail.begin());
  }
  std::string text;
  for (const std::string& line : tail) text += "  | " + line + "\n";
  return text.empty() ? "  (the log is empty)\n" : text;
}

/// This process's environment for a child: without any OSGRID_SECRET or
/// OSGRID_OBSERVER_SECRET, plus each of them set to `secret` and
/// `observer_secret` when those are not empty. The strings back the pointers.
struct ChildEnvironment {
  std::vector<std::string> strings;
  std::vector<char*> pointers;
  ChildEnvironment(const std::string& secret, const std::string& observer_secret) {
    const std::string prefix = std::string(net::kSecretEnv) + "=";
    const std::string observer_prefix = std::string(net::kObserverSecretEnv) + "=";
    for (char** entry = environ; *entry != nullptr; ++entry) {
      std::string_view text(*entry);
      if (text.rfind(prefix, 0) != 0 && text.rfind(observer_prefix, 0) != 0) strings.emplace_back(text);
    }
    if (!secret.empty()) strings.push_back(prefix + secret);
    if (!observer_secret.empty()) strings.push_back(observer_prefix + observer_secret);
    for (std::string& text : strings) pointers.push_back(text.data());
    pointers.push_back(nullptr);
  }
};

/// RAII for posix_spawn's two attribute objects.
struct SpawnSetup {
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attributes;
  SpawnSetup() {
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attributes);
  }
  ~SpawnSetup() {
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
  }
};

// ---- [SECTION] The registry of live clusters ----------------------------------

std::mutex registry_mutex;
std::set<LocalCluster*>& Registry() {
  static std::set<LocalCluster*> clusters;  // guarded by registry_mutex
  return clusters;
}

}  // namespace

std::string ProgramDir() {
  std::error_code error;
  auto self = std::filesystem::read_symlink("/proc/self/exe", error);
  return error ? "." : self.parent_path().string();
}

// ---- [SECTION] Start ----------------------------------------------------------

std::string PeerName(int index) { return "peer-" + std::to_string(index); }

LocalCluster::LocalCluster(ClusterOptions options) : options_(std::move(options)) {
  std::lock_guard<std::mutex> lock(registry_mutex);
  Registry().insert(this);
}

// Stops first, then leaves the registry: a StopAll() meanwhile still finds
// this cluster and waits for its children to be gone.
LocalCluster::~LocalCluster() {
  Stop();
  std::lock_guard<std::mutex> lock(registry_mutex);
  Registry().erase(this);
}

Result<std::unique_ptr<LocalCluster>> LocalCluster::Start(ClusterOptions options) {
  if (options.peers < 0 || options.cores < 1 || options.heartbeat_interval_s <= 0 || options.peer_timeout_s <= 0) {
    return Status::BadRequest("a local cluster needs 0 or more peers, 1 core and positive intervals");
  }
  if (Status s = net::CheckObserverSecret(options.secret, options.observer_secret); !s.ok()) return s;
  std::unique_ptr<LocalCluster> cluster(new LocalCluster(std::move(options)));
  if (Status status = cluster->Launch(); !status.ok()) {
    cluster->KeepRunDir();
    cluster->Stop();
    return status;
  }
  return cluster;
}

// 1. binaries and run folder, 2. ports, 3. the tracker, 4. the peers.
Status LocalCluster::Launch() {
  bin_dir_ = options_.bin_dir.empty() ? ProgramDir() : options_.bin_dir;
  for (const char* program : {"osgrid-tracker", "osgrid-peer"}) {
    if (options_.peers == 0 && std::string_view(program) == "osgrid-peer") continue;
    if (::access((bin_dir_ + "/" + program).c_str(), X_OK) != 0) {
      return Status::NotFound(std::string("cannot find ") + program + " in " + bin_dir_ + " (build it: ninja " +
                              program + ")");
    }
  }
  auto run_dir = MakeRunDir(options_.run_dir);
  if (!run_dir.ok()) return run_dir.status();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    run_dir_ = *run_dir;
    created_run_dir_ = options_.run_dir.empty();
  }
  auto ports = FreePorts(options_.peers + 1);
  if (!ports.ok()) return ports.status();
  if (Status status = StartTracker((*ports)[0]); !status.ok()) return status;
  if (Status status = WaitForTracker(); !status.ok()) return status;
  if (options_.on_tracker_up) {
    if (Status status = options_.on_tracker_up((*ports)[0]); !status.ok()) return status;
  }
  if (Status status = StartPeers({ports->begin() + 1, ports->end()}); !status.ok()) return status;
  return WaitForPeers();
}

Status LocalCluster::StartTracker(std::uint16_t port) {
  std::lock_guard<std::mutex> lock(mutex_);
  tracker_ = NodeProcess{"tracker", port, 0, run_dir_ + "/tracker.log", false, ""};
  std::vector<std::string> argv = {bin_dir_ + "/osgrid-tracker",
                                   "--host",
                                   host(),
                                   "--port",
                                   std::to_string(port),
                                   "--heartbeat-interval",
                                   Seconds(options_.heartbeat_interval_s),
                                   "--peer-timeout",
                                   Seconds(options_.peer_timeout_s),
                                   "--exit-with-parent"};
  // Every peer of a LocalCluster starts after its tracker, so no task can
  // hold a Lock from an earlier run: no grace is needed (docs/sync.md).
  if (std::find(options_.tracker_args.begin(), options_.tracker_args.end(), "--sync-grace") ==
      options_.tracker_args.end()) {
    argv.insert(argv.end(), {"--sync-grace", "0"});
  }
  argv.insert(argv.end(), options_.tracker_args.begin(), options_.tracker_args.end());
  AddTlsFlags(argv);
  return Spawn(tracker_, argv);
}

Status LocalCluster::StartPeers(const std::vector<std::uint16_t>& ports) {
  std::lock_guard<std::mutex> lock(mutex_);
  peers_.reserve(ports.size());
  for (std::size_t i = 0; i < ports.size(); ++i) {
    std::string name = PeerName(static_cast<int>(i) + 1);
    std::string storage = run_dir_ + "/" + name;
    std::error_code ignored;
    std::filesystem::create_directories(storage, ignored);
    peers_.push_back(NodeProcess{name, ports[i], 0, run_dir_ + "/" + name + ".log", false, ""});
    std::vector<std::string> argv = {bin_dir_ + "/osgrid-peer",
                                     "--host",
                                     host(),
                                     "--port",
                                     std::to_string(ports[i]),
                                     "--tracker",
                                     host() + ":" + std::to_string(tracker_.port),
                                     "--name",
                                     name,
                                     "--cores",
                                     std::to_string(options_.cores),
                                     "--storage",
                                     storage,
                                     "--heartbeat-interval",
                                     Seconds(options_.heartbeat_interval_s),
                                     "--exit-with-parent"};
    argv.insert(argv.end(), options_.peer_args.begin(), options_.peer_args.end());
    if (auto own = options_.peer_args_by_index.find(static_cast<int>(i) + 1);
        own != options_.peer_args_by_index.end()) {
      argv.insert(argv.end(), own->second.begin(), own->second.end());
    }
    AddTlsFlags(argv);
    Status status = Spawn(peers_.back(), argv);
    if (!status.ok()) return status;
  }
  return Status::Ok();
}

void LocalCluster::AddTlsFlags(std::vector<std::string>& argv) const {
  if (options_.tls_cert.empty()) return;
  argv.insert(argv.end(), {"--tls-cert", options_.tls_cert, "--tls-key", options_.tls_key});
}

net::ClientSecurity LocalCluster::security() const { return {options_.secret, options_.tls_cert}; }

// REQUIRES: mutex_ held. Starts argv with stdin from /dev/null and stdout and
// stderr appended to node.log_path; the child gets default signal handling,
// an empty signal mask, its own process group and the cluster's secret.
Status LocalCluster::Spawn(NodeProcess& node, const std::vector<std::string>& argv) {
  SpawnSetup setup;
  posix_spawn_file_actions_addopen(&setup.actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&setup.actions, STDOUT_FILENO, node.log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND,
                                   0644);
  posix_spawn_file_actions_adddup2(&setup.actions, STDOUT_FILENO, STDERR_FILENO);
  sigset_t empty, defaults;
  sigemptyset(&empty);
  sigemptyset(&defaults);
  for (int signal_number : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE, SIGCHLD}) {
    sigaddset(&defaults, signal_number);
  }
  posix_spawnattr_setsigmask(&setup.attributes, &empty);
  posix_spawnattr_setsigdefault(&setup.attributes, &defaults);
  posix_spawnattr_setpgroup(&setup.attributes, 0);
  posix_spawnattr_setflags(&setup.attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);
  std::vector<char*> args;
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  ChildEnvironment environment(options_.secret, options_.observer_secret);
  int error = ::posix_spawn(&pid, args[0], &setup.actions, &setup.attributes, args.data(), environment.pointers.data());
  if (error != 0) {
    return Status::Unavailable("cannot start " + node.name + " (" + argv[0] + "): " + std::strerror(error));
  }
  node.pid = pid;
  node.running = true;
  return Status::Ok();
}

Status LocalCluster::StartFailure(const NodeProcess& node, Code code, const std::string& what) {
  return Status(code, what + "; see its log: " + node.log_path,
                "last lines of " + node.log_path + ":\n" + LogTail(node.log_path, kLogTailLines));
}

Status LocalCluster::WaitForTracker() {
  auto deadline = Clock::now() + options_.start_timeout;
  net::ClientOptions quick;
  quick.connect_timeout = milliseconds(500);
  quick.role = "runner";
  quick.security = security();
  for (;;) {
    NodeProcess tracker = Snapshot().front();
    if (!tracker.running) {
      return StartFailure(tracker, Code::kUnavailable, "the tracker " + tracker.exit + " while starting");
    }
    if (net::Client::Connect(host(), tracker.port, quick).ok()) return Status::Ok();
    if (Clock::now() > deadline) {
      return StartFailure(
          tracker, Code::kTimeout,
          "the tracker did not accept connections on port " + std::to_string(tracker.port) + " in time");
    }
    std::this_thread::sleep_for(kPollInterval);
  }
}

Status LocalCluster::WaitForPeers() {
  auto deadline = Clock::now() + options_.start_timeout;
  std::unique_ptr<net::Client> client;
  for (;;) {
    std::set<std::string> registered = RegisteredPeers(client);
    const NodeProcess* missing = nullptr;
    std::vector<NodeProcess> nodes = Snapshot();
    for (const NodeProcess& node : nodes) {
      if (!node.running) return StartFailure(node, Code::kUnavailable, node.name + " " + node.exit + " while starting");
      if (node.name != "tracker" && registered.count(node.name) == 0 && missing == nullptr) missing = &node;
    }
    if (missing == nullptr) return Status::Ok();
    if (Clock::now() > deadline) {
      return StartFailure(*missing, Code::kTimeout,
                          missing->name + " did not register with the tracker within " +
                              Seconds(options_.start_timeout.count() / 1000.0) + " s");
    }
    std::this_thread::sleep_for(kPollInterval);
  }
}

// The ids in the tracker's PEER_LIST; empty when it cannot be asked. Connects
// `client` if needed, and keeps it for the next call.
std::set<std::string> LocalCluster::RegisteredPeers(std::unique_ptr<net::Client>& client) {
  std::set<std::string> ids;
  if (!client || !client->is_open()) {
    net::ClientOptions runner;
    runner.role = "runner";
    runner.connect_timeout = milliseconds(500);
    runner.security = security();
    auto connected = net::Client::Connect(host(), tracker_port(), runner);
    if (!connected.ok()) return ids;
    client = std::move(*connected);
  }
  auto reply = osgrid::client::Peers(*client, milliseconds(2000));
  if (!reply.ok()) return ids;
  for (const net::PeerList::Entry& peer : reply->value.peers) ids.insert(peer.id);
  return ids;
}

// ---- [SECTION] Running ------------------------------------------------------------

std::string LocalCluster::run_dir() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return run_dir_;
}

std::uint16_t LocalCluster::tracker_port() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return tracker_.port;
}

NodeProcess LocalCluster::Tracker() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return tracker_;
}

std::vector<NodeProcess> LocalCluster::Peers() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return peers_;
}

std::optional<NodeProcess> LocalCluster::Peer(const std::string& name) const {
  std::lock_guard<std::mutex> lock(mutex_);
  for (const NodeProcess& peer : peers_) {
    if (peer.name == name) return peer;
  }
  return std::nullopt;
}

std::vector<NodeProcess> LocalCluster::Snapshot() {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<NodeProcess> nodes;
  for (NodeProcess* node : AllNodes()) {
    ReapIfExited(*node);
    nodes.push_back(*node);
  }
  return nodes;
}

Status LocalCluster::KillPeer(const std::string& name) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto peer = std::find_if(peers_.begin(), peers_.end(), [&](const NodeProcess& p) { return p.name == name; });
  if (peer == peers_.end()) return Status::NotFound("no peer named '" + name + "' in this cluster");
  ReapIfExited(*peer);
  if (!peer->running) return Status::BadRequest(name + " is not running (it " + peer->exit + ")");
  ::kill(peer->pid, SIGKILL);
  int wait_status = 0;
  ::waitpid(peer->pid, &wait_status, 0);
  peer->running = false;
  peer->exit = DescribeExit(wait_status);
  return Status::Ok();
}

std::vector<std::string> LocalCluster::CheckChildren() {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<std::string> lines;
  for (NodeProcess* node : AllNodes()) {
    if (!node->running) continue;
    ReapIfExited(*node);
    if (!node->running) lines.push_back(node->name + " " + node->exit + "; log: " + node->log_path);
  }
  return lines;
}

void LocalCluster::KeepRunDir() {
  std::lock_guard<std::mutex> lock(mutex_);
  keep_run_dir_ = true;
}

// REQUIRES: mutex_ held.
void LocalCluster::ReapIfExited(NodeProcess& node) {
  if (!node.running) return;
  int wait_status = 0;
  pid_t reaped = ::waitpid(node.pid, &wait_status, WNOHANG);
  if (reaped == node.pid) {
    node.running = false;
    node.exit = DescribeExit(wait_status);
  } else if (reaped < 0 && errno == ECHILD) {
    node.running = false;
    node.exit = "exited (reaped elsewhere)";
  }
}

// REQUIRES: mutex_ held. The tracker first, then the peers in order.
std::vector<NodeProcess*> LocalCluster::AllNodes() {
  std::vector<NodeProcess*> nodes;
  if (tracker_.pid != 0) nodes.push_back(&tracker_);
  for (NodeProcess& peer : peers_) nodes.push_back(&peer);
  return nodes;
}

// ---- [SECTION] Stop -----------------------------------------------------------------

Status LocalCluster::Stop() {
  std::lock_guard<std::mutex> lock(mutex_);
  // The peers first, so that each says goodbye (UNREGISTER: peer.left) to a
  // tracker still there to hear it; then the tracker.
  std::vector<NodeProcess*> peers;
  for (NodeProcess& peer : peers_) peers.push_back(&peer);
  std::string stubborn = TerminateAndWait(peers);
  const std::string tracker = TerminateAndWait({&tracker_});
  stubborn += (stubborn.empty() || tracker.empty() ? "" : ", ") + tracker;
  RemoveRunDir();
  if (stubborn.empty()) return Status::Ok();
  return Status::Internal(stubborn + " did not exit within 2 s of SIGTERM and had to be killed");
}

// REQUIRES: mutex_ held. SIGTERM to every node still running, then SIGKILL
// to those still running kStopGrace later; returns their names.
std::string LocalCluster::TerminateAndWait(const std::vector<NodeProcess*>& nodes) {
  std::vector<NodeProcess*> running;
  for (NodeProcess* node : nodes) {
    ReapIfExited(*node);
    if (node->running) running.push_back(node);
  }
  for (NodeProcess* node : running) ::kill(node->pid, SIGTERM);
  auto deadline = Clock::now() + kStopGrace;
  auto still_running = [&] {
    return std::any_of(running.begin(), running.end(), [](NodeProcess* node) { return node->running; });
  };
  while (still_running() && Clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(20));
    for (NodeProcess* node : running) ReapIfExited(*node);
  }
  std::string stubborn;
  for (NodeProcess* node : running) {
    if (!node->running) continue;
    ::kill(node->pid, SIGKILL);
    int wait_status = 0;
    ::waitpid(node->pid, &wait_status, 0);
    node->running = false;
    node->exit = "ignored SIGTERM for 2 s and was killed";
    stubborn += (stubborn.empty() ? "" : ", ") + node->name;
  }
  return stubborn;
}

// REQUIRES: mutex_ held. Removes the run folder once, if this cluster made it
// and nobody asked to keep it.
void LocalCluster::RemoveRunDir() {
  if (run_dir_.empty() || keep_run_dir_ || !created_run_dir_) return;
  std::error_code ignored;
  std::filesystem::remove_all(run_dir_, ignored);
  created_run_dir_ = false;
}

std::vector<std::string> LocalCluster::StopAll() {
  std::lock_guard<std::mutex> lock(registry_mutex);
  std::vector<std::string> run_dirs;
  for (LocalCluster* cluster : Registry()) {
    cluster->KeepRunDir();
    cluster->Stop();
    std::string run_dir = cluster->run_dir();
    if (!run_dir.empty()) run_dirs.push_back(run_dir);
  }
  return run_dirs;
}

}  // namespace osgrid::scenario
