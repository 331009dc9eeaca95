// Helpers for the integration tests: a fresh cluster per test case, clients,
// and running the `osgrid` command as a user would.
#pragma once

#include <sys/types.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "osgrid/net/client.h"
#include "osgrid/net/json.h"
#include "osgrid/net/requests.h"
#include "osgrid/net/subscriber.h"
#include "osgrid/scenario/cluster.h"

namespace osgrid::test {

/// Starts a tracker and `peers` peers (2 cores each, heartbeat 0.3 s, peer
/// timeout 1.5 s); fails the test if it cannot.
std::unique_ptr<scenario::LocalCluster> StartCluster(int peers = 3, double peer_timeout_s = 1.5);
/// Those options (2 cores, heartbeat 0.3 s), for a test to add to.
scenario::ClusterOptions TestClusterOptions(int peers, double peer_timeout_s);
/// Starts a cluster with `options`; fails the test, quoting why, if it cannot.
std::unique_ptr<scenario::LocalCluster> StartCluster(const scenario::ClusterOptions& options);

/// A connected client to 127.0.0.1:port; fails the test if it cannot connect.
std::unique_ptr<net::Client> Connect(std::uint16_t port);

/// A subscriber to a tracker's events, on a connection of its own.
struct Watcher {
  std::unique_ptr<net::Client> client;
  std::unique_ptr<net::Subscriber> events;
};
/// Subscribes to the tracker on `port` (types: prefixes; queue_bytes 0: the
/// tracker's default); fails the test if it cannot. The connection uses this
/// process's default client security, as Connect does.
Watcher Watch(std::uint16_t port, std::vector<std::string> types = {}, std::size_t queue_bytes = 0);
/// The same on `client`, a connection to a tracker made by the caller: one
/// with other secrets, or to a tracker the test started by itself
/// (PeerProcess::Connect, which waits until it listens).
Watcher Watch(std::unique_ptr<net::Client> client, std::vector<std::string> types = {}, std::size_t queue_bytes = 0);
/// Reads events until one satisfies `match` and returns it; fails the test,
/// naming `what`, if none comes within `timeout_s`.
os::events::Event AwaitEvent(Watcher& watcher, const std::function<bool(const os::events::Event&)>& match,
                             const std::string& what, double timeout_s = 20);
/// Waits until the tracker has taken from a heartbeat of `peer` a load that
/// satisfies `match`, and returns it. That is its peer.load event: the tracker
/// publishes it once the load is in the table that PEER_LIST shows and
/// placement reads, so after it the tracker places tasks knowing that load.
/// `watcher` must follow peer.load. Fails the test, saying "peer.load of PEER
/// with `what`", if none comes within `timeout_s`.
os::events::PeerLoad AwaitLoad(Watcher& watcher, const std::string& peer,
                               const std::function<bool(const os::events::PeerLoad&)>& match, const std::string& what,
                               double timeout_s = 20);

/// The port of "peer-K".
std::uint16_t PortOf(const scenario::LocalCluster& cluster, const std::string& peer);

/// Calls and requires success.
Json MustCall(net::Client& client, Json request);

struct CommandResult {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};
/// Runs build/bin/osgrid with `args` (no shell), stdin closed.
CommandResult RunOsgrid(const std::vector<std::string>& args);
/// Runs `osgrid <args> --port <port>`.
CommandResult At(std::uint16_t port, std::vector<std::string> args);
/// The stdout of a command that must have succeeded, parsed as JSON.
Json JsonOut(const CommandResult& result);
/// Polls `client`'s node until its STATUS satisfies `done` and returns that
/// STATUS; fails the test, naming `what`, after 30 s.
Json AwaitStatus(net::Client& client, const std::function<bool(const Json&)>& done, const std::string& what);

/// The path of a program built next to the tests, e.g. BinPath("osgrid-tracker").
std::string BinPath(const std::string& name);

/// Runs `program` (a path) with `args` (no shell), stdin closed, with
/// `extra_env` ("NAME=value") added to this process's environment and
/// `unset_env` names removed. A program still running after `timeout_s` is
/// killed (exit_code 128 + 9) and the test fails.
CommandResult RunProgram(const std::string& program, const std::vector<std::string>& args,
                         const std::vector<std::string>& extra_env = {}, const std::vector<std::string>& unset_env = {},
                         double timeout_s = 60);

/// A Python program that sleeps `seconds` and returns its argument.
std::string SleepProgram();

/// A Python program whose main(ms) burns `ms` of CPU time (process_time: a
/// stopped task does not advance), then returns `ms`.
std::string BurnProgram();

/// The text of scenarios/programs/FILE (e.g. producer_consumer.py); fails the test if it cannot be read.
std::string ProgramFile(const std::string& file);

/// A task sent on a connection of its own, its reply not read yet.
struct Submitted {
  std::unique_ptr<net::Client> client;
  std::string name;  // the task's name, for messages
};

/// Sends `request` (CPU_TASK) to the node at `port` without waiting for its reply.
Submitted SendTask(std::uint16_t port, const net::CpuTaskRequest& request);

/// The reply the submitter gets: REQUIREs a CPU_RESULT within 60 s.
Json AwaitResult(Submitted& submitted);

/// A port on 127.0.0.1 that was free a moment ago.
std::uint16_t FreePort();

/// An osgrid-peer a test starts by itself, for a command line LocalCluster
/// does not make (another user, another osgrid-task), or any other program
/// that runs beside a test (a tracker, a viewer): `argv` is the whole
/// command, its stdout and stderr go to `log_path`, and its environment is
/// this process's with `extra_env` ("NAME=value") added. The destructor
/// stops it (SIGTERM) and reaps it, whether the test passed or failed.
class PeerProcess {
 public:
  /// Fails the test if it cannot start.
  PeerProcess(std::vector<std::string> argv, std::string log_path, std::vector<std::string> extra_env = {});
  ~PeerProcess();
  PeerProcess(const PeerProcess&) = delete;
  PeerProcess& operator=(const PeerProcess&) = delete;

  /// A client to 127.0.0.1:port as soon as the peer listens there; fails the
  /// test, quoting the peer's log, if it does not within 10 s.
  std::unique_ptr<net::Client> Connect(std::uint16_t port) const;

  /// What the peer has printed so far.
  std::string Log() const;

  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = 0;
  std::string log_path_;
};

/// A unique temporary directory, removed by the destructor.
struct TempDir {
  TempDir();
  ~TempDir();
  std::string path;
};

/// An osgrid-tracker on 127.0.0.1:port (heartbeat 0.3 s, peers dead after
/// 1.5 s), its output in `log`, once it listens; `extra`: more flags (e.g.
/// --sync-grace). Fails the test if it does not listen within 10 s.
std::unique_ptr<PeerProcess> StartTracker(std::uint16_t port, const std::string& log,
                                          const std::vector<std::string>& extra = {});
/// An osgrid-peer `name` on 127.0.0.1:port with 2 cores, heartbeat 0.3 s,
/// whose tracker is at 127.0.0.1:tracker (maybe a TcpRelay); its storage and
/// its log (NAME.log) in `dir`.
std::unique_ptr<PeerProcess> StartPeer(const std::string& name, std::uint16_t port, std::uint16_t tracker,
                                       const TempDir& dir);

}  // namespace osgrid::test
