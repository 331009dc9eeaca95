// LocalCluster: a real tracker and N real peers on loopback, as child
// processes of this one. Used by `osgrid run`, and reusable by tests and the
// benchmarks:
//
//   auto cluster = osgrid::scenario::LocalCluster::Start({.peers = 3});
//   if (!cluster.ok()) return cluster.status();
//   std::uint16_t port = (*cluster)->Peer("peer-1")->port;   // talk to it with net::Client
//   (*cluster)->KillPeer("peer-3");                          // SIGKILL, as in a crash
//   (*cluster)->Stop();                                      // or let the destructor do it
//
// Processes. Binaries osgrid-tracker and osgrid-peer (none with peers = 0,
// as a benchmark that simulates its peers wants) are started with
// posix_spawn from `bin_dir` (default: the folder of this program, where the
// build puts every executable). Each child gets its own process group, so a
// Ctrl-C typed at the terminal reaches only this process, which then stops
// the children in order (see StopAll). Each child also runs with
// --exit-with-parent (PR_SET_PDEATHSIG): if this process dies without
// cleaning up, even by SIGKILL, the children get SIGTERM. Linux sends that
// signal when the *thread* that started the child ends, so call Start() from
// a thread that outlives the cluster (normally the main thread).
//
// Security. With options.secret every node gets the secret in its environment
// (OSGRID_SECRET; never on a command line, where `ps` would show it) and the
// cluster's own clients use it; without one the children run as an open
// cluster (an OSGRID_SECRET of this process is not passed on). The observer
// secret travels the same way (OSGRID_OBSERVER_SECRET), and only that way. With tls_cert
// and tls_key every node serves TLS only, and that certificate is everyone's CA.
//
// Files. Everything a run writes goes into one run folder (default: a fresh
// /tmp/osgrid-run-XXXXXX): tracker.log, peer-K.log (each child's stdout and
// stderr) and peer-K/ (that peer's file storage). Stop() deletes the folder
// unless KeepRunDir() was called.
//
// Thread safety: every method may be called from any thread; Stop() may run
// concurrently with the others (a signal watcher calls it through StopAll).
#pragma once

#include <sys/types.h>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "osgrid/net/auth.h"
#include "osgrid/net/status.h"

namespace osgrid::net {
class Client;
}  // namespace osgrid::net

namespace osgrid::scenario {

/// "peer-1" .. "peer-N": the name a LocalCluster gives its index-th peer (1-based).
std::string PeerName(int index);

/// The folder of this program (/proc/self/exe; "." if it cannot be read):
/// where LocalCluster finds osgrid-tracker and osgrid-peer unless told
/// otherwise (ClusterOptions::bin_dir), and `osgrid run --viz` osgrid-viz.
std::string ProgramDir();

struct ClusterOptions {
  int peers = 3;                                   // started as peer-1 .. peer-N; 0: the tracker alone
  int cores = 2;                                   // --cores of each peer: tasks it runs at once
  double heartbeat_interval_s = 0.5;               // peers' and tracker's --heartbeat-interval, seconds
  double peer_timeout_s = 2.0;                     // tracker's --peer-timeout, seconds
  std::chrono::milliseconds start_timeout{10000};  // for the tracker to listen and all peers to register
  std::string bin_dir;                             // "" = the folder of /proc/self/exe
  std::string run_dir;                             // "" = a new /tmp/osgrid-run-XXXXXX, removed by Stop;
                                                   // a folder given here is created if needed, never removed
  std::string secret;                              // cluster secret for every node; "" = an open cluster
  std::string observer_secret;                     // observer secret for every node; "" = none. Needs `secret`
  std::string tls_cert;                            // PEM certificate: with tls_key, every node is TLS-only
  std::string tls_key;                             // ... and clients verify against tls_cert as their CA
  std::vector<std::string> tracker_args;           // more flags for osgrid-tracker, e.g. {"--max-subscribers", "80"}
  std::vector<std::string> peer_args;              // more flags for every osgrid-peer, e.g. {"--scheduler", "rr"}
  /// More flags for single peers, by index (1 = peer-1), after peer_args:
  /// {{2, {"--scheduler", "sjf"}}} gives peer-2 its own scheduler.
  std::map<int, std::vector<std::string>> peer_args_by_index;
  /// Called with the tracker's port once it accepts connections, before any
  /// peer starts: to follow its events from the first (osgrid run --record).
  /// An error stops the start and is Start()'s error.
  std::function<Status(std::uint16_t tracker_port)> on_tracker_up;
};

/// One child process, as last seen by the cluster.
struct NodeProcess {
  std::string name;        // "tracker" or "peer-K"
  std::uint16_t port = 0;  // on 127.0.0.1
  pid_t pid = 0;
  std::string log_path;  // its stdout + stderr
  bool running = false;  // false once it exited, was killed or was stopped
  std::string exit;      // how it ended, e.g. "killed by signal 9 (Killed)"; "" while running
};

class LocalCluster {
 public:
  /// Picks free loopback ports, starts the tracker, waits until it accepts
  /// connections, starts the peers and waits until the tracker's PEER_LIST
  /// shows every one of them. On any failure everything started is stopped
  /// and the run folder kept. Errors: BAD_REQUEST (bad options), NOT_FOUND
  /// (a binary is missing), IO (run folder), UNAVAILABLE or TIMEOUT (a node
  /// exited or did not come up in time: the message names it and its log;
  /// detail() holds the log's last lines).
  static Result<std::unique_ptr<LocalCluster>> Start(ClusterOptions options);

  /// Stops the cluster (see Stop).
  ~LocalCluster();
  LocalCluster(const LocalCluster&) = delete;
  LocalCluster& operator=(const LocalCluster&) = delete;

  std::string host() const { return "127.0.0.1"; }
  /// What a client needs to talk to this cluster's nodes (secret, TLS CA).
  net::ClientSecurity security() const;
  std::uint16_t tracker_port() const;
  /// The run folder (see above); "" before Start created it.
  std::string run_dir() const;
  const ClusterOptions& options() const { return options_; }

  /// A snapshot of the tracker's process.
  NodeProcess Tracker() const;
  /// Snapshots of every peer, in order peer-1 .. peer-N.
  std::vector<NodeProcess> Peers() const;
  /// One peer by name; nullopt if there is none by that name.
  std::optional<NodeProcess> Peer(const std::string& name) const;

  /// SIGKILLs a peer (no goodbye to the tracker, as in a crash) and reaps it.
  /// Errors: NOT_FOUND (no such peer), BAD_REQUEST (it is not running).
  Status KillPeer(const std::string& name);

  /// Notices children that exited on their own since the last look; returns
  /// one line per such child ("peer-2 exited with status 1; log: ...").
  std::vector<std::string> CheckChildren();

  /// Keep the run folder (logs, storage) when stopping.
  void KeepRunDir();

  /// SIGTERM to every running peer, up to 2 s for them to exit (each says
  /// goodbye to the tracker: peer.left), SIGKILL to the rest; then the same
  /// for the tracker; reaps all, then removes the run folder unless kept.
  /// Idempotent.
  /// Errors: INTERNAL naming children that ignored SIGTERM (they were killed).
  Status Stop();

  /// Stops every LocalCluster of this process, keeping their run folders, and
  /// returns those folders. For a signal watcher thread (such as `osgrid
  /// run`'s, cli/src/interrupt.h); not async-signal-safe, so never call it
  /// from a signal handler.
  static std::vector<std::string> StopAll();

 private:
  explicit LocalCluster(ClusterOptions options);
  Status Launch();
  Status StartTracker(std::uint16_t port);
  Status StartPeers(const std::vector<std::uint16_t>& ports);
  Status Spawn(NodeProcess& node, const std::vector<std::string>& argv);
  /// Appends --tls-cert/--tls-key when the cluster uses TLS.
  void AddTlsFlags(std::vector<std::string>& argv) const;
  Status WaitForTracker();
  Status WaitForPeers();
  std::set<std::string> RegisteredPeers(std::unique_ptr<net::Client>& client);
  Status StartFailure(const NodeProcess& node, Code code, const std::string& what);
  std::vector<NodeProcess> Snapshot();
  void ReapIfExited(NodeProcess& node);
  std::vector<NodeProcess*> AllNodes();
  std::string TerminateAndWait(const std::vector<NodeProcess*>& nodes);
  void RemoveRunDir();

  const ClusterOptions options_;
  std::string bin_dir_;  // set once by Launch, before any child exists

  mutable std::mutex mutex_;  // guards the fields below
  std::string run_dir_;
  bool created_run_dir_ = false;  // by us, so Stop may delete it
  bool keep_run_dir_ = false;
  NodeProcess tracker_;
  std::vector<NodeProcess> peers_;
};

}  // namespace osgrid::scenario
