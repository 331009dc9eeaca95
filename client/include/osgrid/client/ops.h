// The operations layer: every request a person or a program makes of an
// osgrid cluster -- cpu, batch, mem, file, status, peers, tasks, events -- as one
// function each. The `osgrid` commands, the scenario steps and the
// benchmarks call these (and next the viewer and the lab grader), so none
// of them builds a request by hand, and each waits for its reply as long as
// its work may take.
//
//   auto peer = client::Connect({.port = 9000});
//   if (!peer.ok()) return peer.status();
//   net::CpuTaskRequest square{net::MakeTask("def main(x): return x * x", "main", {7})};
//   auto ran = client::Cpu(**peer, square);
//   if (ran.ok()) std::cout << ran->value.result << " on " << ran->value.peer;   // 49 on peer-2
//
// Every call blocks on a net::Client the caller opened (a Client is for one
// thread) and returns what the node answered, decoded (net/requests.h), with
// the reply as the node sent it beside it for `--json`. Errors come back as
// values: the node's ERROR as its Status (BAD_REQUEST, NOT_FOUND, LIMIT,
// FORBIDDEN, TASK_FAILED, ...), and the connection's (UNAVAILABLE, TIMEOUT).
// The wire shapes are in docs/protocol.md.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "osgrid/net/client.h"
#include "osgrid/net/json.h"
#include "osgrid/net/requests.h"
#include "osgrid/net/status.h"
#include "osgrid/net/subscriber.h"

namespace osgrid::client {

/// A node to talk to: its address and how to connect (timeouts, role, the
/// secrets and TLS CA of net::ClientOptions).
struct Target {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  net::ClientOptions options;
};

/// Connects and shakes hands (net::Client::Connect). Errors: UNAVAILABLE
/// naming host:port, TIMEOUT, VERSION, AUTH.
Result<std::unique_ptr<net::Client>> Connect(const Target& target);

/// How long a call waits for its reply beyond the work itself: the network
/// and the queues. Default: SOCKET_TIMEOUT (30 s).
inline constexpr std::chrono::milliseconds kDefaultSlack{static_cast<int>(params::kSocketTimeoutS * 1000)};

/// A decoded reply, and the reply as the node sent it (what `--json` prints).
template <class T>
struct Reply {
  T value;
  Json raw;
};

// ---- cpu, batch ---------------------------------------------------------------------

/// How long a task may take to answer: its own timeout (or TASK_TIMEOUT,
/// 60 s) plus `slack`.
std::chrono::milliseconds TaskDeadline(const net::TaskRequest& task, std::chrono::milliseconds slack = kDefaultSlack);
/// How long a batch may take: its tasks' timeouts one after another (the
/// worst case, one core) plus `slack`.
std::chrono::milliseconds BatchDeadline(const net::CpuBatchRequest& batch,
                                        std::chrono::milliseconds slack = kDefaultSlack);

/// CPU_TASK: runs one task, on the peer `client` talks to or wherever the
/// tracker places it, and waits TaskDeadline() for it. A task that raised
/// or ran out of time is its error (TASK_FAILED with the traceback as
/// detail, TIMEOUT); a refused one BAD_REQUEST, INTEGRITY, LIMIT, FORBIDDEN.
Result<Reply<net::TaskResult>> Cpu(net::Client& client, const net::CpuTaskRequest& request,
                                   std::chrono::milliseconds slack = kDefaultSlack);

/// CPU_BATCH: runs every task of `request`, spread across the cluster by
/// load, and waits BatchDeadline(). The whole batch is refused (BAD_REQUEST
/// naming the first bad task, INTEGRITY, ...) or answered: a task that
/// failed is an entry whose status says so (BatchResult::failed()).
Result<Reply<net::BatchResult>> Batch(net::Client& client, const net::CpuBatchRequest& request,
                                      std::chrono::milliseconds slack = kDefaultSlack);

// ---- mem -------------------------------------------------------------------------------

/// SET_MEM: stores `value` (a string or any JSON) under `key` (1..256 bytes,
/// no control characters) in a new block of the peer's arena. Returns the
/// bytes the node's memory holds now (the reply also has the block's
/// `address` and `block_bytes`). Errors: BAD_REQUEST (key), LIMIT (too few
/// free bytes in the arena, or a value bigger than it), FRAGMENTATION (enough
/// free bytes, in no single hole).
Result<Reply<std::uint64_t>> MemSet(net::Client& client, const std::string& key, const Json& value,
                                    std::chrono::milliseconds wait = kDefaultSlack);
/// GET_MEM: the value stored under `key`. Errors: NOT_FOUND.
Result<Reply<Json>> MemGet(net::Client& client, const std::string& key, std::chrono::milliseconds wait = kDefaultSlack);
/// DEL_MEM: deletes `key`; returns the OK reply {key}. Errors: NOT_FOUND.
Result<Json> MemDel(net::Client& client, const std::string& key, std::chrono::milliseconds wait = kDefaultSlack);
/// LIST_MEM: every key with its size, and the store's use and limit.
Result<Reply<net::MemList>> MemList(net::Client& client, std::chrono::milliseconds wait = kDefaultSlack);
/// MEM_MAP: the arena block by block (at most `max_blocks`, lowest addresses
/// first) and its fragmentation figures.
Result<Reply<net::MemMap>> MemMap(net::Client& client, std::uint64_t max_blocks = 10000,
                                  std::chrono::milliseconds wait = kDefaultSlack);
/// MEM_COMPACT: compacts the arena; what moved. Errors: BAD_REQUEST (buddy).
Result<Reply<net::MemCompacted>> MemCompact(net::Client& client, std::chrono::milliseconds wait = kDefaultSlack);

// ---- file ------------------------------------------------------------------------------

/// Uploads the local file `local_path` as `name` (net::PutFile: streamed,
/// verified by SHA-256, synced before the reply). Returns FILE_STORED
/// {name, size, sha256, mtime_ms}. Errors: IO (local), BAD_REQUEST (name),
/// LIMIT (disk), INTEGRITY, UNAVAILABLE, TIMEOUT.
Result<Json> FilePut(net::Client& client, const std::string& name, const std::string& local_path);
/// Downloads `name` into `local_path` (net::GetFile: only a verified copy
/// replaces it). Returns FILE_DATA with "sha256". Errors: NOT_FOUND, IO,
/// INTEGRITY, UNAVAILABLE, TIMEOUT.
Result<Json> FileGet(net::Client& client, const std::string& name, const std::string& local_path);
/// LIST_FILES: every stored file with size and SHA-256, and the store's use and limit.
Result<Reply<net::FileList>> FileList(net::Client& client, std::chrono::milliseconds wait = kDefaultSlack);
/// DEL_FILE: deletes `name`; returns the OK reply {name}. Errors: NOT_FOUND,
/// BAD_REQUEST (name).
Result<Json> FileDel(net::Client& client, const std::string& name, std::chrono::milliseconds wait = kDefaultSlack);

/// TASK_CANCEL, to the peer the task was submitted to (or the one running
/// it): ends the task with outcome CANCELLED wherever it runs; with `group`,
/// kills it and all its descendants (outcome KILLED). Returns the CANCELLED
/// reply {task_id, peer, was: "ready" | "running" | "waiting" | "placing"}.
/// Errors: NOT_FOUND (unknown id, or "already finished (ok)"), UNAVAILABLE.
Result<Json> Cancel(net::Client& client, const std::string& task_id, std::chrono::milliseconds wait = kDefaultSlack,
                    bool group = false);
/// The peer a task id names as the one it was submitted to: "peer-1/7" ->
/// "peer-1"; "" for an id without one.
std::string OriginOf(const std::string& task_id);

// ---- status, peers, tasks, events ---------------------------------------------------------

/// STATUS: a peer's load, queues, memory and disk, or the tracker's view of
/// the cluster ("role" tells which; docs/protocol.md lists both shapes).
Result<Json> NodeStatus(net::Client& client, std::chrono::milliseconds wait = kDefaultSlack);
/// PEER_LIST, from the tracker: every live peer with its last reported load.
/// Errors: UNKNOWN_TYPE when `client` talks to a peer.
Result<Reply<net::PeerList>> Peers(net::Client& client, std::chrono::milliseconds wait = kDefaultSlack);
/// TASK_LIST, from the tracker: every unfinished task of the cluster (its
/// peer, state, priority, CPU time, parent), sorted by id, as the tracker's
/// fold of the event stream knows it at the reply's seq. Observers may ask.
/// Errors: UNKNOWN_TYPE when `client` talks to a peer.
Result<Reply<net::TaskList>> Tasks(net::Client& client, std::chrono::milliseconds wait = kDefaultSlack);
/// DEADLOCK, from the tracker: its --deadlock mode, the deadlocks and stall
/// in force, and the cluster objects (only `name`'s when not empty), as the
/// raw DEADLOCK_REPLY (docs/protocol-messages.md). Observers may ask.
/// Errors: NOT_FOUND for an unknown name; UNKNOWN_TYPE from a peer.
Result<Json> Deadlock(net::Client& client, const std::string& name, std::chrono::milliseconds wait = kDefaultSlack);
/// DEADLOCK with `mode` (detect, recover or avoid; "" = leave it): the
/// tracker switches to it first, which also starts its history afresh, then
/// replies as above. Errors: BAD_REQUEST for an unknown mode, FORBIDDEN for
/// an observer, NOT_FOUND for an unknown name (after the switch).
Result<Json> Deadlock(net::Client& client, const std::string& name, const std::string& mode,
                      std::chrono::milliseconds wait = kDefaultSlack);
/// SUBSCRIBE, to the tracker: the snapshot, then every later event
/// (net::Subscriber). `client` must outlive the subscriber and carries
/// nothing else from then on. Errors: BAD_REQUEST (unknown type prefix or
/// queue bound), LIMIT (--max-subscribers), FORBIDDEN, and the client's.
Result<net::Subscriber> Follow(net::Client& client, const net::SubscribeRequest& request);

}  // namespace osgrid::client
