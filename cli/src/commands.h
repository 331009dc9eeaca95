// Private to cli/: the client subcommands of `osgrid` (docs/cli.md).
//
// Each command takes its parsed options, prepares the request locally
// (problems there exit with 2 before anything is sent), talks to one node, and
// prints for people -- or, with --json, the raw reply object on one line.
// Errors print one line "osgrid: CODE: message" on stderr (plus the traceback
// of a TASK_FAILED) and exit with 1.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "osgrid/net/client.h"
#include "osgrid/net/json.h"
#include "osgrid/net/params.h"
#include "osgrid/net/requests.h"
#include "osgrid/net/status.h"

namespace osgrid::cli {

/// Process exit statuses of `osgrid`.
enum ExitStatus : int {
  kExitOk = 0,
  kExitRemote = 1,  // the cluster or the network reported an error
  kExitUsage = 2,   // bad usage or input, found before anything was sent
};

/// Where a command connects, and how it prints. Every client command has these.
struct Connection {
  std::string host = "127.0.0.1";
  int port = params::kDefaultPeerPort;
  bool json = false;                           // print raw reply objects, one per line
  double timeout_s = params::kSocketTimeoutS;  // network timeout, seconds
};

/// The security flags of every command that talks to a cluster (docs/auth.md).
struct SecurityFlags {
  std::string secret_file;           // --secret-file; "" = env OSGRID_SECRET, or none
  std::string tls_ca;                // --tls-ca: verify nodes' TLS certificates against this CA; "" = plain TCP
  std::string observer_secret_file;  // --observer-secret-file; "" = env OSGRID_OBSERVER_SECRET, or none
};

/// Loads the cluster secret and the observer secret (a warning about a
/// file's mode goes to stderr) and returns what this process's clients
/// should use: they prove the cluster secret when there is one, else the
/// observer secret (net::ChooseCredential).
/// Errors: BAD_REQUEST (a secret too short), IO (a secret file unreadable).
Result<net::ClientSecurity> LoadClientSecurity(const SecurityFlags& flags);

/// Prints `status` the one way every error is printed (see the file comment),
/// and with --json also the ERROR object on stdout. Returns `exit_status`.
int Fail(const Status& status, int exit_status, bool json);

/// Connects to conn.host:conn.port (HELLO as a "client"), waiting up to
/// `io_timeout` for each reply. Errors: UNAVAILABLE, TIMEOUT, VERSION.
Result<std::unique_ptr<net::Client>> Open(const Connection& conn, std::chrono::milliseconds io_timeout);
/// The node name the server gave in its HELLO, e.g. "peer-9000".
std::string NodeName(const net::Client& client);
/// Prints a successful reply: the JSON line with --json, else runs `text`.
/// Returns kExitOk.
int PrintReply(const Connection& conn, const Json& reply, const std::function<void()>& text);

// ---- CPU --------------------------------------------------------------------

/// A task's scheduling fields and CPU-time limit, as `osgrid cpu` and `osgrid
/// batch` take them (docs/scheduling.md). Empty / negative: the peer's default.
struct SchedFlags {
  std::string priority;        // high|medium|low or an integer; lower = more urgent
  std::int64_t burst_ms = -1;  // expected CPU burst (SJF, SRTF)
  std::int64_t tickets = 0;    // LOTTERY, STRIDE
  std::string name;            // for ps, events and burst prediction
  double cpu_limit_s = 0;      // CPU time it may use
  std::string claims;          // JSON {"name": count}: maximum claims on cluster objects (docs/sync.md)
};
/// Sets `task`'s fields from `flags`. Errors: BAD_REQUEST for a priority that
/// is not high, medium, low or an integer in range.
Status ApplySchedFlags(const SchedFlags& flags, net::TaskRequest& task);

struct CpuOptions {
  Connection conn;
  std::string program;  // Python source, or
  std::string file;     // a .py file to read it from
  std::string function = "main";
  std::string args = "[]";  // JSON array
  bool confidential = false;
  double task_timeout_s = 0;  // 0 = the peer's default (TASK_TIMEOUT)
  SchedFlags sched;
};
int CpuCommand(const CpuOptions& options);

struct BatchOptions {
  Connection conn;
  std::string program;
  std::string file;
  std::string function = "main";
  std::string each;        // JSON array of argument arrays, or
  std::string tasks_file;  // a JSON file: [{program?, function?, args?}, ...]
  bool confidential = false;
  double task_timeout_s = 0;  // per task; 0 = the peer's default
  SchedFlags sched;           // for every task (a --tasks entry's own fields win)
};
int BatchCommand(const BatchOptions& options);

struct CancelOptions {
  Connection conn;  // the tracker (default), or the peer the task was submitted to
  std::string task_id;
  bool group = false;  // `osgrid kill --group`: the task and its descendants, outcome KILLED
};
/// `osgrid cancel ID` and `osgrid kill --group ID`: asks the tracker where
/// the peer the id names is, then that peer to end it (a peer relays to the
/// one running it, and a group kill follows the tree).
int CancelCommand(const CancelOptions& options);

// ---- Nodes --------------------------------------------------------------------

int StatusCommand(const Connection& conn);
int PeersCommand(const Connection& conn);
int VersionCommand();

struct PsOptions {
  Connection conn;    // the tracker
  bool tree = false;  // --tree: tasks under their parents
};
/// `osgrid ps`: the cluster's live tasks from the tracker (TASK_LIST), as a
/// table or a tree (osgrid/client/task_view.h) and a summary line; with
/// --json the TASKS reply.
int PsCommand(const PsOptions& options);

struct DeadlockOptions {
  Connection conn;   // the tracker
  std::string name;  // one object; "": every one
  std::string mode;  // --mode: switch the tracker to detect, recover or avoid first; "": leave it
};
/// `osgrid deadlock [NAME]`: the tracker's deadlock mode, the deadlocks and
/// stall it knows now, what it found since its mode was set (the history),
/// and the cluster objects with their holders and waiters (DEADLOCK, printed
/// by osgrid/client/deadlock_view.h); with --json its reply. NOT_FOUND for
/// an unknown NAME.
int DeadlockCommand(const DeadlockOptions& options);

// ---- Memory and files (store_commands.cpp) -------------------------------------

struct MemOptions {
  Connection conn;
  std::string key;
  std::string value;                 // mem set: JSON if it parses, else text
  bool force_string = false;         // mem set --string
  std::string svg;                   // mem map --svg FILE
  std::uint64_t max_blocks = 10000;  // mem map --max-blocks
};
int MemSetCommand(const MemOptions& options);
int MemGetCommand(const MemOptions& options);
int MemDelCommand(const MemOptions& options);
int MemListCommand(const MemOptions& options);
int MemMapCommand(const MemOptions& options);
int MemCompactCommand(const MemOptions& options);

struct FileOptions {
  Connection conn;
  std::string local;   // file put: the file to send
  std::string name;    // the name on the peer
  std::string output;  // file get -o; "" = ./NAME
};
int FilePutCommand(const FileOptions& options);
int FileGetCommand(const FileOptions& options);
int FileListCommand(const FileOptions& options);
int FileRmCommand(const FileOptions& options);

// ---- Events -------------------------------------------------------------------

struct EventsOptions {
  Connection conn;                 // the tracker
  std::vector<std::string> types;  // --type prefixes; empty: every event
  std::uint64_t count = 0;         // stop after this many events; 0: until Ctrl-C
};
/// `osgrid events`: follows the tracker's event stream (SUBSCRIBE), one line
/// per event (osgrid/client/event_line.h), or with --json the event objects as JSON Lines.
/// A line on stderr first says what it follows (and the state at that seq).
int EventsCommand(const EventsOptions& options);

}  // namespace osgrid::cli
