// Scenario files: a YAML script for a live demo, parsed and validated into
// plain structs before anything is started. The format is documented in
// docs/scenarios.md; scenarios/quickstart.yaml is the worked example.
//
// Validation is strict: an unknown key, a wrong type, a missing field or a
// reference to a peer the cluster does not have is an error that names the
// file, line and column ("quickstart.yaml:12:7: ..."), so a typo is caught
// before class rather than halfway through the demo. Nothing here starts a
// process or opens a socket: the runner (runner.h) does that.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "osgrid/net/json.h"
#include "osgrid/net/status.h"

namespace osgrid::scenario {

/// Where something was written in the scenario file; 1-based, 0 when unknown.
struct SourceLocation {
  int line = 0;
  int column = 0;
};

/// A task's maximum claims on cluster Locks and Resources, by name
/// (net::TaskRequest::claims; docs/sync.md). Empty: none declared.
using Claims = std::map<std::string, std::int64_t>;

/// The `cluster:` section: what `osgrid run` starts before the first step.
struct ClusterSpec {
  int peers = 3;                      // peer-1 .. peer-N, 1..32
  int cores = 2;                      // task slots per peer, 1..64
  double heartbeat_interval_s = 0.5;  // seconds between a peer's heartbeats
  double peer_timeout_s = 2.0;        // seconds of silence before the tracker drops a peer
  double start_timeout_s = 10.0;      // seconds to wait for every peer to register

  // Scheduling: each peer's --scheduler and its knobs (osgrid-peer --help).
  // Unset: the peer's defaults (FCFS).
  std::vector<std::string> scheduler;         // one policy for every peer, or one per peer (peer-1 first)
  std::optional<std::int64_t> quantum_ms;     // --quantum: rr, lottery, stride, mlfq's top queue
  std::optional<std::int64_t> aging_ms;       // --aging: priority, priority-p
  std::optional<std::int64_t> mlfq_queues;    // --mlfq-queues
  std::vector<std::int64_t> mlfq_quantum_ms;  // --mlfq-quantum, top queue first
  std::vector<std::int64_t> mlfq_allotment;   // --mlfq-allotment, top queue first
  std::optional<std::int64_t> mlfq_boost_ms;  // --mlfq-boost

  // Memory: each peer's key-value arena (docs/memory.md). Unset: the peer's
  // defaults (64 MiB, first fit).
  std::optional<std::int64_t> mem_arena_bytes;  // --mem-arena, bytes
  std::vector<std::string> allocator;           // --allocator (first, best, worst, next, buddy): one for
                                                // every peer, or one per peer (peer-1 first); empty = unset

  // Deadlock: the tracker's --deadlock (detect, recover or avoid; docs/sync.md).
  std::string deadlock;  // "" = unset: the tracker's default, detect

  /// The policy peer `index` (1-based) runs, as written; "" when `scheduler` is unset.
  std::string SchedulerOf(int index) const;
  /// The allocator peer `index` (1-based) runs; "" when `allocator` is unset.
  std::string AllocatorOf(int index) const;
  /// osgrid-peer flags every peer gets: the knobs above, and --scheduler or
  /// --allocator when one name is given for all (ClusterOptions::peer_args).
  std::vector<std::string> SharedPeerArgs() const;
  /// osgrid-peer flags for peer `index` alone: --scheduler and --allocator
  /// when they name one per peer, else none (ClusterOptions::peer_args_by_index).
  std::vector<std::string> OwnPeerArgs(int index) const;
  /// osgrid-tracker flags: --deadlock when set (ClusterOptions::tracker_args).
  std::vector<std::string> TrackerArgs() const;
};

/// How a task asks its peer's scheduler to treat it; unset fields: the peer's defaults.
struct TaskSched {
  std::optional<int> priority;           // lower = more urgent; `high`, `medium`, `low` are 0, 1, 2
  std::optional<std::int64_t> burst_ms;  // expected CPU burst, for sjf and srtf
  std::optional<std::int64_t> tickets;   // share, for lottery and stride
  std::string name;                      // in the timeline and ps; "" = the function's name
};

/// One Python call: function(*args) of program.
struct TaskSpec {
  std::string program;  // Python 3 source (inline, or read from `file:`)
  std::string function = "main";
  Json args = Json::array();  // always a JSON array
  TaskSched sched;
  Claims claims;  // its maximum claims on Locks and Resources; empty: none declared
};

/// One task of a batch: its arguments and scheduling fields (the step's, or its own).
struct BatchTask {
  Json args = Json::array();
  TaskSched sched;
  Claims claims;  // the step's, or its own
};

// ---- Steps: one struct per action, named as in the file ---------------------

struct SayStep {  // say: "text"      -- narration, printed as is
  std::string text;
};
struct SleepStep {  // sleep: 1.5       -- seconds
  double seconds = 0;
};
struct CpuStep {   // cpu: {on, program|file, function, args, confidential, timeout, cpu_limit, priority, claims, ...}
  std::string on;  // peer that receives the task
  TaskSpec task;
  bool confidential = false;          // run on `on` only, never forwarded
  std::optional<double> timeout_s;    // task wall-clock limit; the peer's default when unset
  std::optional<double> cpu_limit_s;  // task CPU-time limit; the peer's default when unset
};
struct BatchStep {  // batch: {on, program|file, function, each|tasks, confidential, timeout, priority, claims, ...}
  std::string on;
  std::string program;
  std::string function = "main";
  std::vector<BatchTask> tasks;  // from `each:` (arguments only) or `tasks:` (a mapping per task)
  bool confidential = false;
  std::optional<double> timeout_s;    // per task
  std::optional<double> cpu_limit_s;  // per task
};
struct MemSetStep {  // mem_set: {on, key, value}
  std::string on;
  std::string key;
  Json value;
};
struct MemGetStep {  // mem_get: {on, key}
  std::string on;
  std::string key;
};
struct MemDelStep {  // mem_del: {on, key}
  std::string on;
  std::string key;
};
struct MemMapStep {  // mem_map: {on}  -- the peer's arena, block by block (MEM_MAP)
  std::string on;
};
struct MemCompactStep {  // mem_compact: {on}  -- slides every block down, joining the holes (MEM_COMPACT)
  std::string on;
};
struct FilePutStep {  // file_put: {on, name, size_mb}  -- random bytes, generated locally
  std::string on;
  std::string name;
  double size_mb = 0;  // MiB (1 MiB = 1,048,576 bytes)
};
struct FileGetStep {  // file_get: {on, name}  -- SHA-256 compared with what file_put sent
  std::string on;
  std::string name;
};
struct FileRmStep {  // file_rm: {on, name}
  std::string on;
  std::string name;
};
struct KillPeerStep {  // kill_peer: peer-3  -- SIGKILL, no goodbye to the tracker
  std::string peer;
};
struct WaitDeadStep {  // wait_dead: {peer, within}  -- polls the tracker's PEER_LIST
  std::string peer;
  double within_s = 0;
};
struct StatusStep {  // status: peer-1 | tracker
  std::string on;
};
struct ListPeersStep {};           // list_peers: {}  -- the tracker's PEER_LIST as a table
struct GanttStep {                 // gantt: {peers: [peer-1, peer-2]}  -- each peer's live scheduling
  std::vector<std::string> peers;  // empty: every peer of the cluster
};
struct DeadlockStep {  // deadlock: {} | {mode: recover} | {name: fork-1}  -- the tracker's DEADLOCK
  std::string mode;    // switch the tracker to detect, recover or avoid first (its history starts afresh); "" = leave
  std::string name;    // one cluster object only; "" = every one
};
struct SimStep {                      // sim: sched, with args: "-l 5,10,15" and policies: [FCFS, SJF]
  std::string topic;                  // as in `osgrid sim <topic>`
  std::vector<std::string> args;      // its flags, already split into words
  std::vector<std::string> policies;  // one run per policy, side by side; empty = one run
  std::string policy_flag;            // how the topic takes a policy ("-p")
};

using Action = std::variant<SayStep, SleepStep, CpuStep, BatchStep, MemSetStep, MemGetStep, MemDelStep, MemMapStep,
                            MemCompactStep, FilePutStep, FileGetStep, FileRmStep, KillPeerStep, WaitDeadStep,
                            StatusStep, ListPeersStep, SimStep, GanttStep, DeadlockStep>;

/// What a step's `expect:` asks for. Only the fields that are set are checked;
/// which ones a step accepts is listed in docs/scenarios.md.
struct Expectation {
  std::optional<std::string> error;            // wire code, e.g. "TASK_FAILED": the step must fail so
  std::optional<std::string> error_contains;   // text the error's message or traceback must contain
  std::optional<Json> result;                  // cpu: the function's return value
  std::optional<Json> value;                   // mem_get: the stored value
  std::optional<Json> results;                 // batch: every task's return value, in order
  std::vector<std::string> ran_on;             // cpu, batch: the peer(s) allowed to run the task(s)
  std::optional<bool> forwarded;               // cpu: was it sent on to another peer?
  std::optional<std::string> stdout_contains;  // cpu: text the task printed
  std::optional<bool> spread;                  // batch: true = tasks ran on more than one peer
  std::optional<bool> all_ok;                  // batch: true = no task failed
  std::optional<int> count;                    // list_peers: live peers in the tracker's list
  // mem_map: the arena's free space, as MEM_MAP_REPLY reports it.
  std::optional<std::int64_t> free_holes;        // free blocks
  std::optional<std::int64_t> largest_hole;      // bytes
  std::optional<double> external_fragmentation;  // 1 - largest hole / free, matched within 0.01
  /// sim: {dotted.path: value} in the run's --json object, or with policies
  /// {policy: {dotted.path: value}}; numbers match within 0.01.
  std::optional<Json> answers;
  // gantt: a peer whose average (over its finished tasks) no other charted peer beats.
  std::optional<std::string> lowest_avg_waiting;
  std::optional<std::string> lowest_avg_turnaround;
  std::optional<std::string> lowest_avg_response;
  std::map<std::string, double> avg_waiting_ms_below;  // gantt: peer -> its average waiting time must be below
  // deadlock: the tracker's history (deadlock.* events since it started or its mode was last set).
  std::optional<bool> found;                 // it holds a deadlock.found
  std::optional<std::int64_t> cycle_length;  // the latest deadlock.found's cycle has this many tasks
  std::optional<std::int64_t> victims;       // it holds exactly this many deadlock.victim
  std::optional<bool> stall;                 // it holds a deadlock.stall

  /// How many separate checks this expectation makes.
  int CheckCount() const;
};

struct Step {
  SourceLocation where;  // the step's first line
  std::string kind;      // its action key as written, e.g. "cpu"
  Action action;
  Expectation expect;
};

struct Scenario {
  std::string file;  // as given, for messages
  std::string name;
  std::string description;  // optional, printed under the name
  ClusterSpec cluster;
  std::vector<Step> steps;  // at least one

  /// False when every step is say, sleep or sim: then no cluster is started.
  bool NeedsCluster() const;
};

/// Reads and validates a scenario file. Errors: IO (cannot read the file),
/// BAD_REQUEST for any problem in it. The BAD_REQUEST message is the first
/// problem as "file:line:column: what is wrong"; detail() lists every problem
/// found, one per line in the same form.
Result<Scenario> LoadScenario(const std::string& path);

/// Same, from text: `file` names it in messages, and relative `file:` paths in
/// steps are resolved against `base_dir` (the scenario file's folder).
Result<Scenario> ParseScenario(const std::string& yaml_text, const std::string& file,
                               const std::string& base_dir = ".");

}  // namespace osgrid::scenario
