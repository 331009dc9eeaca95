// Typed requests and replies: the messages a client sends to run work and the
// replies it reads back, as plain structs with one encoder and one decoder
// each. The catalogue (messages.h) checks a request's shape, field by field;
// the decoders here check what a shape cannot: ranges, the program's digest,
// every entry of a batch, the types inside a reply. The peer decodes the
// CPU requests with them, and the client library (client/ops.h) builds every
// request with them, so a CPU_TASK is put together and checked in exactly one
// place (docs/protocol.md has the wire shapes).
//
//   net::CpuTaskRequest request;
//   request.task = net::MakeTask("def main(x): return x * x", "main", {7});
//   Json frame = net::Encode(request);          // {"type":"CPU_TASK", "program": ..., "program_sha256": ...}
//   auto decoded = net::DecodeCpuTask(frame);   // what the peer does: BAD_REQUEST / INTEGRITY, or the struct
//
// Replies are decoded tolerantly of fields a node may leave out (defaults:
// 0, "", false) and strictly of fields present with the wrong type: a reply
// with a number where text belongs is an INTERNAL error that names the field
// (the node answered out of protocol), never a crash.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "osgrid/net/json.h"
#include "osgrid/net/status.h"

namespace osgrid::net {

/// The longest wall-clock limit a task may ask for: 24 h, in ms.
inline constexpr std::int64_t kMaxTaskTimeoutMs = 24LL * 3600 * 1000;

/// The range of a task's priority: -kMaxPriority (most urgent) .. kMaxPriority.
inline constexpr int kMaxPriority = 1'000'000;
/// The most lottery tickets one task may hold.
inline constexpr std::int64_t kMaxTickets = 1'000'000;

/// "high", "medium" and "low" as priorities 0, 1 and 2 (seed 002's names), or
/// an integer in range written as text. Errors: BAD_REQUEST naming the value.
Result<int> ParsePriority(std::string_view text);

/// One task, as CPU_TASK carries it and as each entry of CPU_BATCH does.
struct TaskRequest {
  std::string program;                       // Python 3 source
  std::string function = "main";             // the function to call, non-empty
  Json args = Json::array();                 // its arguments, a JSON array
  std::optional<std::int64_t> timeout_ms;    // wall-clock limit, 1..kMaxTaskTimeoutMs ms; none: the peer's default
  std::optional<std::int64_t> cpu_limit_ms;  // CPU-time limit, 1..kMaxTaskTimeoutMs ms; none: the peer's default
  // Scheduling fields (docs/scheduling.md); none: the peer's defaults.
  std::optional<int> priority;           // lower = more urgent (Silberschatz), -kMaxPriority..kMaxPriority
  std::optional<std::int64_t> burst_ms;  // expected CPU burst for SJF/SRTF, 0..kMaxTaskTimeoutMs ms
  std::optional<std::int64_t> tickets;   // share for LOTTERY/STRIDE, 1..kMaxTickets
  std::string name;                      // for ps, events and burst prediction; "": the function's name
  std::string task_id;                   // cluster-wide id; "": the peer it is submitted to assigns one
  std::optional<double> submitted_t;     // set by a forwarding peer: ms on the tracker's clock (events' t)
  // The process tree (docs/syscalls.md). Peers honour them only on a
  // forwarded task; a client's task is always a root.
  std::string parent;  // the task that submitted it (osgrid.submit); "": none
  std::string root;    // the root of its tree; "": it is a root
  /// Hex SHA-256 of `program`. Decoding keeps what was sent (after checking
  /// it); encoding computes it when empty.
  std::string program_sha256;
  /// Its maximum claims on cluster Locks and Resources, by name, for the
  /// tracker's Banker's algorithm (docs/sync.md); empty: none declared.
  std::map<std::string, std::int64_t> claims;
};

/// The most claims one task may declare, and the largest claim.
inline constexpr std::size_t kMaxClaims = 1000;
inline constexpr std::int64_t kMaxClaim = 1000000;

/// A task's `claims` object ({"fork-1": 1, "printers": 2}): 1..kMaxClaims
/// names, each a cluster object name (1..128 printable characters), each
/// claim an integer 1..kMaxClaim. Errors: BAD_REQUEST saying which.
Result<std::map<std::string, std::int64_t>> DecodeClaims(const Json& claims);

/// A task with its program, function and arguments; the rest defaulted.
TaskRequest MakeTask(std::string program, std::string function = "main", Json args = Json::array());

/// CPU_TASK: run one task, placed by the tracker unless confidential.
struct CpuTaskRequest {
  TaskRequest task;
  bool confidential = false;  // run on the peer it is sent to, never forwarded
  bool forwarded = false;     // set by a forwarding peer: run here
  std::string origin;         // set by a forwarding peer: where it was submitted
};

/// CPU_BATCH: run 1..params::kBatchMax tasks, spread across the cluster.
struct CpuBatchRequest {
  std::vector<TaskRequest> tasks;
  bool confidential = false;
  bool forwarded = false;
  std::string origin;
};

/// The frames, with "type" and without "id" (the client numbers requests).
Json Encode(const CpuTaskRequest& request);
Json Encode(const CpuBatchRequest& request);
/// One task's fields as they appear in a request ({program, program_sha256,
/// function, args[, timeout_ms][, cpu_limit_ms][, priority][, burst_ms][, tickets][, name]
/// [, task_id][, submitted_t]}).
Json EncodeTask(const TaskRequest& task);

/// Decodes and checks one task's fields: program (string), function
/// (non-empty string), program_sha256 (64 lowercase hex digits, equal to the
/// program's digest), args (array), timeout_ms and cpu_limit_ms (integers
/// 1..kMaxTaskTimeoutMs), priority (integer within +-kMaxPriority), burst_ms
/// (integer 0..kMaxTaskTimeoutMs), tickets (integer 1..kMaxTickets), name
/// (string of at most 64 characters), task_id (string), submitted_t (number).
/// Errors: BAD_REQUEST naming the field ("task: ..."); INTEGRITY when the
/// program does not hash to its program_sha256.
Result<TaskRequest> DecodeTask(const Json& fields);
/// A CPU_TASK request (after ValidateRequest or not): the task's fields, then
/// confidential/forwarded (booleans) and origin (string). Errors: as DecodeTask.
Result<CpuTaskRequest> DecodeCpuTask(const Json& request);
/// A CPU_BATCH request: 1..params::kBatchMax entries, each as DecodeTask;
/// one bad entry refuses the whole batch. Errors: BAD_REQUEST or INTEGRITY,
/// "CPU_BATCH: task 3: ..." naming the first bad entry.
Result<CpuBatchRequest> DecodeCpuBatch(const Json& request);

/// How one task ended: CPU_RESULT (or its ERROR), and each BATCH_RESULT entry.
struct TaskResult {
  Status status;            // OK, or what failed (code, message, detail: e.g. the traceback)
  Json result;              // the function's return value, when ok
  std::string task_id;      // cluster-wide id
  std::string peer;         // the peer that ran it (or refused it)
  std::string stdout_text;  // captured output, at most params::kTaskOutputBytes with stderr
  std::string stderr_text;
  bool output_truncated = false;     // output past that bound was dropped
  std::int64_t queued_ms = 0;        // time in the ready queue
  std::int64_t run_ms = 0;           // wall time on a core (stopped time not counted)
  std::int64_t cpu_ms = 0;           // CPU time the process used, measured by the peer
  std::int64_t response_ms = 0;      // queued -> first on a core
  std::int64_t preemptions = 0;      // times the scheduler stopped it and continued it later
  std::int64_t total_ms = 0;         // submitted -> answered, at the peer it was submitted to
  std::string submitted_to;          // CPU_RESULT: the peer it was sent to
  bool forwarded = false;            // CPU_RESULT: it ran elsewhere than submitted_to
  std::optional<std::size_t> index;  // BATCH_RESULT: its place in the request

  bool ok() const { return status.ok(); }
};

/// BATCH_RESULT: one entry per task, in request order.
struct BatchResult {
  std::vector<TaskResult> results;
  std::map<std::string, int> peers;  // tasks per peer that ran them
  std::int64_t total_ms = 0;         // the batch's wall time at the peer it was submitted to

  /// Entries that did not end ok.
  std::size_t failed() const;
};

/// A CPU_RESULT, an ERROR reply to CPU_TASK, or a BATCH_RESULT entry
/// ({"ok": bool, ...}). Errors: INTERNAL naming a field of the wrong type, or
/// a reply of another type.
Result<TaskResult> DecodeTaskResult(const Json& reply);
/// A BATCH_RESULT. An ERROR reply (the whole batch refused) is returned as
/// its Status. Errors: as DecodeTaskResult, "BATCH_RESULT: entry 3: ...".
Result<BatchResult> DecodeBatchResult(const Json& reply);
/// The entry of a task that ended here ({type CPU_RESULT | ERROR, result |
/// code/message/detail, task_id, peer, stdout, stderr, output_truncated,
/// queued_ms, run_ms}); what the peer sends and DecodeTaskResult reads.
Json EncodeTaskResult(const TaskResult& result);

/// LIST_MEM's MEM_LIST.
struct MemList {
  struct Entry {
    std::string key;
    std::uint64_t bytes = 0;  // the value's size as stored
  };
  std::vector<Entry> keys;
  std::uint64_t bytes = 0;        // held in all
  std::uint64_t limit_bytes = 0;  // the arena's size, --mem-arena
};
Result<MemList> DecodeMemList(const Json& reply);

/// MEM_MAP's reply: a peer's memory arena block by block (memory_store.h).
struct MemMap {
  struct Block {
    std::uint64_t address = 0;  // the block's first byte (its header), from the arena's start
    std::uint64_t size = 0;     // bytes, header and padding included
    bool free = true;
    std::string key;            // allocated: whose entry
    std::uint64_t request = 0;  // allocated: key + value bytes asked for
  };
  std::string allocator;  // "first", "best", "worst", "next" or "buddy"
  std::uint64_t arena_bytes = 0;
  std::uint64_t header_bytes = 0;  // of every block
  std::uint64_t alignment = 0;     // requests are rounded up to a multiple of this
  std::vector<Block> blocks;       // by address; the first max_blocks only when truncated
  bool truncated = false;          // more blocks than the request's max_blocks
  std::uint64_t used_bytes = 0;    // in allocated blocks
  std::uint64_t free_bytes = 0;
  std::uint64_t free_holes = 0;              // free blocks
  std::uint64_t largest_hole = 0;            // bytes
  double external_fragmentation = 0;         // 1 - largest_hole / free_bytes (Silberschatz 10e 9.2.3)
  std::uint64_t internal_fragmentation = 0;  // bytes in blocks not asked for: headers and padding
  std::uint64_t failed_fragmentation = 0;    // SETs refused for external fragmentation since the peer started
  std::uint64_t failed_no_space = 0;         // SETs refused for too few free bytes
};
Json EncodeMemMap(const MemMap& map);
Result<MemMap> DecodeMemMap(const Json& reply);

/// MEM_COMPACT's MEM_COMPACTED: every block that moved, in address order.
struct MemCompacted {
  struct Move {
    std::string key;
    std::uint64_t from = 0;
    std::uint64_t to = 0;
    std::uint64_t size = 0;  // bytes
  };
  std::vector<Move> moves;
  std::uint64_t moved_bytes = 0;
};
Json EncodeMemCompacted(const MemCompacted& compacted);
Result<MemCompacted> DecodeMemCompacted(const Json& reply);

/// LIST_FILES's FILE_LIST.
struct FileList {
  struct Entry {
    std::string name;
    std::uint64_t size = 0;  // bytes
    std::string sha256;      // hex
    double mtime_ms = 0;     // last change, ms since the Unix epoch
  };
  std::vector<Entry> files;
  std::uint64_t used_bytes = 0;
  std::uint64_t limit_bytes = 0;  // the store's --disk-limit
};
Result<FileList> DecodeFileList(const Json& reply);

/// PEER_LIST's PEERS: every live peer with its last reported load.
struct PeerList {
  struct Entry {
    std::string id;    // "peer-1"
    std::string host;  // where it serves
    std::uint64_t port = 0;
    std::int64_t cores = 0;              // task slots
    double load = 0;                     // (running + queue_length) / cores
    std::int64_t queue_length = 0;       // tasks in its ready queue
    std::int64_t running = 0;            // tasks running
    std::int64_t tasks_done = 0;         // since it started
    std::uint64_t mem_bytes = 0;         // in its memory store
    std::uint64_t disk_bytes = 0;        // in its file store
    std::int64_t last_heartbeat_ms = 0;  // since its last heartbeat
  };
  std::vector<Entry> peers;  // sorted by id
};
Result<PeerList> DecodePeerList(const Json& reply);

/// TASK_LIST's TASKS: every unfinished task of the cluster, as the tracker's
/// fold of the event stream knows it (os/events/cluster_state.h).
struct TaskList {
  struct Entry {
    std::string task_id;                   // cluster-wide, "peer-9001/17"
    std::string name;                      // the function's name ("" if the tracker never saw its task.submitted)
    std::string peer;                      // where it is now
    std::string state;                     // "ready", "running", "waiting" or "zombie" (os::events::TaskStateName)
    std::optional<std::int64_t> priority;  // lower = more urgent; none: it has none
    double cpu_ms = 0;                     // CPU time used so far, as its last task.preempted / task.blocked said
    std::optional<std::string> parent;     // the task that submitted it, if a task did
    double submitted_t = 0;                // when it was submitted, ms on the tracker's clock (events' t)

    bool operator==(const Entry&) const = default;
  };
  std::vector<Entry> tasks;  // sorted by id: peer, then number (os::events::TaskIdLess)
  std::uint64_t seq = 0;     // the last event the list reflects

  bool operator==(const TaskList&) const = default;
};
/// The TASKS reply, without id: {type, tasks: [{task_id, name, peer, state,
/// priority?, cpu_ms, parent?, submitted_t}], seq}; priority and parent are
/// left out when there are none.
Json EncodeTaskList(const TaskList& list);
/// A TASKS reply. Errors: INTERNAL naming a field of the wrong type ("TASKS
/// task: field 'cpu_ms' must be a number, got string"), or the ERROR the reply is.
Result<TaskList> DecodeTaskList(const Json& reply);

}  // namespace osgrid::net
