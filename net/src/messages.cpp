// The catalogue of docs/protocol.md. Adding a message type = adding one entry
// here, one handler in the server that serves it, and one test.
#include "osgrid/net/messages.h"

#include <algorithm>

#include "osgrid/net/requests.h"

namespace osgrid::net {
namespace {

using F = FieldType;

std::vector<MessageSpec> BuildCatalogue() {
  return {
      // ---- Every server -------------------------------------------------
      {"HELLO",
       Served::kAny,
       "HELLO",
       "First frame on every connection, both ways: protocol version and who is speaking.",
       {{"version", F::kInteger, true, "protocol version; the server refuses any other"},
        {"role", F::kString, true, "who is speaking: client, peer, tracker or runner"},
        {"node", F::kString, false, "the sender's node name, if it has one"},
        {"nonce", F::kString, false, "client with a secret: 32 random bytes as 64 hex characters (see AUTH)"},
        {"credential", F::kString, false,
         "client with a secret: the one it proves, member (cluster secret; default) or observer (observer "
         "secret: may only watch)"}}},
      {"AUTH",
       Served::kAny,
       "AUTH_OK",
       "Second frame when the server's HELLO says auth \"hmac-sha256\": the client's proof of its credential's "
       "secret.",
       {{"proof", F::kString, true,
         "hex HMAC-SHA256(secret, \"osgrid-client|\" challenge \"|\" nonce); an observer's label is "
         "\"osgrid-observer-client\""}}},
      {"PING", Served::kAny, "PONG", "Liveness check.", {}},
      {"STATUS",
       Served::kAny,
       "STATUS_REPLY",
       "Node status: a peer reports load, queues, memory and disk; the tracker the cluster.",
       {}},

      // ---- Tracker ------------------------------------------------------
      {"REGISTER",
       Served::kTracker,
       "REGISTERED",
       "A peer joins (or rejoins) the cluster.",
       {{"peer_id", F::kString, true, "unique peer name, e.g. peer-9000"},
        {"port", F::kInteger, true, "the port the peer serves on"},
        {"cores", F::kInteger, true, "task slots the peer runs at once"},
        {"host", F::kString, false, "address to reach the peer; default: the address it connected from"},
        {"sandbox", F::kString, false, "its --sandbox mode: strict, auto or off"},
        {"sandbox_missing", F::kString, false, "isolation layers it lacks, and why; empty when none"}}},
      {"HEARTBEAT",
       Served::kTracker,
       "OK",
       "A peer's periodic report of liveness and load; NOT_FOUND tells it to register again.",
       {{"peer_id", F::kString, true, "as registered"},
        {"queue_length", F::kInteger, true, "tasks in the ready queue"},
        {"running", F::kInteger, true, "tasks running now"},
        {"load", F::kNumber, false, "(running + queue_length) / cores"},
        {"tasks_done", F::kInteger, false, "tasks finished since start"},
        {"mem_entries", F::kInteger, false, "keys in the memory store"},
        {"mem_bytes", F::kInteger, false, "bytes in the memory store"},
        {"disk_bytes", F::kInteger, false, "bytes in the file store"}}},
      {"UNREGISTER",
       Served::kTracker,
       "OK",
       "A peer leaves the cluster cleanly.",
       {{"peer_id", F::kString, true, "as registered"}}},
      {"PEER_LIST", Served::kTracker, "PEERS", "Every live peer with its last reported load.", {}},
      {"TASK_LIST",
       Served::kTracker,
       "TASKS",
       "Every unfinished task of the cluster, from the tracker's fold of the event stream: "
       "`tasks` [{task_id, name, peer, state (ready, running or waiting), priority?, cpu_ms, parent?, "
       "submitted_t}] sorted by id, and the `seq` of the last event it reflects. Observers may ask.",
       {}},
      {"PICK_PEER",
       Served::kTracker,
       "PICKED",
       "Least-loaded placement: names the peers for `count` new tasks (water-filling by load).",
       {{"count", F::kInteger, false, "tasks to place; default 1"},
        {"exclude", F::kArray, false, "peer ids not to choose"},
        {"peer_id", F::kString, false,
         "the asking peer, as registered: with task_ids, a task placed elsewhere is "
         "published as task.forwarded"},
        {"task_ids", F::kArray, false, "the tasks' ids, one string per task (count of them)"}}},
      {"EVENTS",
       Served::kTracker,
       "OK",
       "A peer's batch of events (docs/events.md), in the order it produced them; the tracker numbers and "
       "publishes them. The reply's `accepted` counts them.",
       {{"peer_id", F::kString, true, "as registered; every event's node must be it"},
        {"events", F::kArray, true, "1..1000 events, oldest first, without seq and epoch (the tracker sets them)"}}},
      {"SUBSCRIBE",
       Served::kTracker,
       "SUBSCRIBED",
       "Follow the cluster's events: the reply carries a snapshot consistent with its `seq`, then every later "
       "event follows on this connection as one frame each (docs/events.md). Observers may subscribe.",
       {{"types", F::kArray, false,
         "type prefixes to receive (\"task\", \"peer.dead\"); default: every type; "
         "events.lost always comes"},
        {"queue_bytes", F::kInteger, false,
         "bound of this subscriber's queue, bytes; default and largest: the "
         "tracker's --subscriber-queue and --max-subscriber-queue"},
        {"name", F::kString, false, "who subscribes, as STATUS shows it (e.g. \"osgrid events\")"}}},

      {"SYNC",
       Served::kTracker,
       "SYNC_OK",
       "A task's call on a cluster object (docs/sync.md), relayed by the peer it runs on. The reply comes when "
       "the call completes: at once, when the object frees up, or when timeout_ms passes (`granted` false). "
       "ABORTED when the task is chosen as a deadlock victim.",
       {{"op", F::kString, true,
         "lock.acquire, lock.release, resource.request, resource.release, sem.wait, sem.signal, queue.send or "
         "queue.receive"},
        {"name", F::kString, true, "the object's cluster-wide name, 1..128 printable characters"},
        {"task_id", F::kString, true, "the task that calls"},
        {"peer_id", F::kString, true, "the peer it runs on, as registered"},
        {"count", F::kInteger, false, "resource.request/release: instances; default 1"},
        {"instances", F::kInteger, false, "resource.*: the resource's instances (>= 1), required the first time"},
        {"initial", F::kInteger, false, "sem.*: the semaphore's initial value (>= 0), required the first time"},
        {"capacity", F::kInteger, false, "queue.*: the queue's capacity (>= 1), required the first time"},
        {"message", F::kAny, false, "queue.send: the message, any JSON value of at most 64 KiB"},
        {"claims", F::kObject, false, "the task's declared maximum claims, {\"name\": count}"},
        {"timeout_ms", F::kInteger, false,
         "give up after this many ms (0: only if it can be done at once); default: wait as long as it takes"}}},
      {"DEADLOCK",
       Served::kTracker,
       "DEADLOCK_REPLY",
       "The tracker's deadlock state (`osgrid deadlock`): its --deadlock mode, the deadlocks found and still in "
       "force, the stall if any, what was found since the tracker started or the mode last changed (`history`: "
       "deadlock.found, deadlock.victim and deadlock.stall events, the last 100), and every cluster object "
       "with its holders and waiters; with `name`, that object only (NOT_FOUND if there is none). While a newly "
       "started tracker still holds grants of Locks and Resources back (--sync-grace), `grace_ms` and "
       "`grace_message` say for how long. Observers may ask, but not change the mode.",
       {{"name", F::kString, false, "one object's name"},
        {"mode", F::kString, false,
         "switch to detect, recover or avoid from now on, and start the history afresh (members only)"}}},

      // ---- Peer: CPU ----------------------------------------------------
      {"CPU_TASK",
       Served::kPeer,
       "CPU_RESULT",
       "Run function(*args) of a Python program; forwarded to the least-loaded peer unless confidential.",
       {{"program", F::kString, true, "Python 3 source"},
        {"program_sha256", F::kString, true,
         "hex SHA-256 of program (64 lowercase digits); a mismatch is refused with INTEGRITY"},
        {"function", F::kString, true, "name of the function to call"},
        {"args", F::kArray, false, "JSON arguments; default []"},
        {"confidential", F::kBool, false, "run on this peer only, never forwarded"},
        {"timeout_ms", F::kInteger, false, "wall-clock limit, ms; default: the peer's --task-timeout"},
        {"cpu_limit_ms", F::kInteger, false,
         "CPU-time limit (time it ran), ms; default: the peer's --task-cpu-limit, at most timeout_ms"},
        {"priority", F::kInteger, false, "lower = more urgent (PRIORITY, PRIORITY-P); default 1 (medium)"},
        {"burst_ms", F::kInteger, false,
         "expected CPU burst, ms, for SJF/SRTF; default: predicted from earlier runs of the same name"},
        {"tickets", F::kInteger, false, "share for LOTTERY/STRIDE; default 100"},
        {"name", F::kString, false, "the task's name for ps and events, <= 64 characters; default: function"},
        {"forwarded", F::kBool, false, "set by a forwarding peer: run here, do not forward again"},
        {"origin", F::kString, false, "set by a forwarding peer: where the task was submitted"},
        {"task_id", F::kString, false, "caller's id for the task; assigned if absent"},
        {"submitted_t", F::kNumber, false,
         "set by a forwarding peer: when the task was submitted, ms on the tracker's clock (events' t)"},
        {"claims", F::kObject, false,
         "its maximum claims on cluster Locks and Resources, {\"name\": count}, for --deadlock avoid "
         "(docs/sync.md)"}}},
      {"CPU_BATCH",
       Served::kPeer,
       "BATCH_RESULT",
       "Run many tasks in one request, spread across the cluster by load.",
       {{"tasks", F::kArray, true,
         "objects with the CPU_TASK fields program, program_sha256, function, args, timeout_ms, cpu_limit_ms, "
         "priority, burst_ms, tickets, name, claims"},
        {"confidential", F::kBool, false, "run every task on this peer"},
        {"forwarded", F::kBool, false, "set by a forwarding peer: run all here, do not forward again"},
        {"origin", F::kString, false, "set by a forwarding peer: where the batch was submitted"}}},

      {"TASK_CANCEL",
       Served::kPeer,
       "CANCELLED",
       "Cancel a task that has not ended, wherever it runs; send it to the peer it was submitted to (its id "
       "names it). With group, kill it and all its descendants (its subtasks, theirs, ...): outcome KILLED.",
       {{"task_id", F::kString, true, "the task's cluster-wide id, e.g. \"peer-1/7\""},
        {"group", F::kBool, false, "kill the task's whole process group (`osgrid kill --group`)"},
        {"root", F::kString, false, "set by a peer relaying a group kill: also end that tree's members there"},
        {"forwarded", F::kBool, false, "set by a peer that relays the cancel to the peer running the task"}}},
      {"TASK_ADOPTED",
       Served::kPeer,
       "OK",
       "Peer to peer: a task running here has a new parent, its parent's peer's init, because its parent "
       "ended first (docs/syscalls.md); osgrid.getppid() says so from then on.",
       {{"task_id", F::kString, true, "the adopted task, running on this peer"},
        {"parent", F::kString, true, "its new parent, \"<peer>/init\""}}},

      // ---- Peer: memory -------------------------------------------------
      {"SET_MEM",
       Served::kPeer,
       "OK",
       "Store a value (string or any JSON) under a key, in a new block of the peer's arena; then free the key's "
       "old block. The reply gives the block's address and size. LIMIT when the arena has too few free bytes, "
       "FRAGMENTATION when it has enough, in no single hole.",
       {{"key", F::kString, true, "1..256 bytes, no control characters"},
        {"value", F::kAny, true, "string or JSON value"}}},
      {"GET_MEM", Served::kPeer, "MEM_VALUE", "Read a key.", {{"key", F::kString, true, "as stored"}}},
      {"DEL_MEM", Served::kPeer, "OK", "Delete a key.", {{"key", F::kString, true, "as stored"}}},
      {"LIST_MEM", Served::kPeer, "MEM_LIST", "Every key with its block's size in bytes.", {}},
      {"MEM_MAP",
       Served::kPeer,
       "MEM_MAP_REPLY",
       "The memory arena block by block (address, size, free or whose key) and its fragmentation figures "
       "(`osgrid mem map`).",
       {{"max_blocks", F::kInteger, false, "send at most this many blocks, lowest addresses first (default 10000)"}}},
      {"MEM_COMPACT",
       Served::kPeer,
       "MEM_COMPACTED",
       "Compact the memory arena: slide every block down, in address order; the reply lists what moved "
       "(`osgrid mem compact`). BAD_REQUEST under the buddy system, which cannot compact.",
       {}},

      // ---- Peer: disk ---------------------------------------------------
      {"PUT_FILE",
       Served::kPeer,
       "FILE_STORED",
       "Store a file: the peer answers PUT_READY, then `size` bytes follow as binary chunk frames, then PUT_END.",
       {{"name", F::kString, true, "file name: no '/', no '..', no control characters"},
        {"size", F::kInteger, true, "bytes that will follow, as chunk frames of at most 1 MiB"}}},
      {"PUT_END",
       Served::kPeer,
       "FILE_STORED",
       "Ends a PUT_FILE's data, with the id of the PUT_FILE: the SHA-256, computed as the data was sent.",
       {{"sha256", F::kString, true, "hex SHA-256 of the data; the file is kept only if it matches what arrived"}}},
      {"GET_FILE",
       Served::kPeer,
       "FILE_DATA",
       "Fetch a file: a FILE_DATA header with the size, binary chunk frames, then FILE_END with the SHA-256.",
       {{"name", F::kString, true, "as stored"}}},
      {"LIST_FILES", Served::kPeer, "FILE_LIST", "Every stored file with size and SHA-256.", {}},
      {"DEL_FILE", Served::kPeer, "OK", "Delete a file.", {{"name", F::kString, true, "as stored"}}},
  };
}

bool HasType(const Json& value, FieldType type) {
  switch (type) {
    case F::kString:
      return value.is_string();
    case F::kInteger:
      return value.is_number_integer();
    case F::kNumber:
      return value.is_number();
    case F::kBool:
      return value.is_boolean();
    case F::kArray:
      return value.is_array();
    case F::kObject:
      return value.is_object();
    case F::kAny:
      return true;
  }
  return false;
}

}  // namespace

std::string_view FieldTypeName(FieldType type) {
  switch (type) {
    case F::kString:
      return "string";
    case F::kInteger:
      return "integer";
    case F::kNumber:
      return "number";
    case F::kBool:
      return "boolean";
    case F::kArray:
      return "array";
    case F::kObject:
      return "object";
    case F::kAny:
      return "any";
  }
  return "any";
}

const std::vector<MessageSpec>& Catalogue() {
  static const std::vector<MessageSpec> catalogue = BuildCatalogue();
  return catalogue;
}

const MessageSpec* FindSpec(std::string_view type) {
  const auto& catalogue = Catalogue();
  auto it =
      std::find_if(catalogue.begin(), catalogue.end(), [&](const MessageSpec& spec) { return spec.type == type; });
  return it == catalogue.end() ? nullptr : &*it;
}

std::string Sanitize(std::string_view text, std::size_t max_chars) {
  std::string clean;
  for (char c : text.substr(0, max_chars)) {
    clean += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? '?' : c;
  }
  if (text.size() > max_chars) clean += "...";
  return clean;
}

Status ValidateRequest(const Json& msg) {
  if (!msg.is_object()) return Status::BadRequest("a message must be a JSON object");
  auto type = msg.find("type");
  if (type == msg.end() || !type->is_string()) {
    return Status::BadRequest("missing field 'type' (string)");
  }
  const MessageSpec* spec = FindSpec(type->get_ref<const std::string&>());
  if (spec == nullptr) {
    return Status(Code::kUnknownType, "unknown message type '" + Sanitize(type->get_ref<const std::string&>()) + "'");
  }
  auto id = msg.find("id");
  if (id == msg.end() || !id->is_number_integer()) {
    return Status::BadRequest(std::string(spec->type) + ": missing field 'id' (integer)");
  }
  for (const FieldSpec& field : spec->fields) {
    auto value = msg.find(std::string(field.name));
    if (value == msg.end() || (field.required && value->is_null())) {
      if (!field.required) continue;
      return Status::BadRequest(std::string(spec->type) + ": missing field '" + std::string(field.name) + "' (" +
                                std::string(FieldTypeName(field.type)) + ")");
    }
    if (value->is_null()) {  // handlers read optional fields with defaults; null is neither
      return Status::BadRequest(std::string(spec->type) + ": field '" + std::string(field.name) + "' must be " +
                                std::string(FieldTypeName(field.type)) +
                                ", got null (leave it out to get its default)");
    }
    if (!HasType(*value, field.type)) {
      return Status::BadRequest(std::string(spec->type) + ": field '" + std::string(field.name) + "' must be " +
                                std::string(FieldTypeName(field.type)) + ", got " + value->type_name());
    }
  }
  return Status::Ok();
}

Json MakeError(const Json& id, const Status& status) {
  Json error = {{"type", "ERROR"}, {"code", std::string(CodeName(status.code()))}, {"message", status.message()}};
  error["id"] = id.is_number_integer() ? id : Json(nullptr);
  if (!status.detail().empty()) error["detail"] = status.detail();
  return error;
}

Status StatusFromReply(const Json& reply) {
  // Tolerant of a malformed ERROR: a wrong field type must not throw here.
  auto text = [&](const char* field, const char* fallback) {
    auto it = reply.find(field);
    return (it != reply.end() && it->is_string()) ? it->get<std::string>() : std::string(fallback);
  };
  if (!reply.is_object() || text("type", "") != "ERROR") return Status::Ok();
  Code code = CodeFromName(text("code", "")).value_or(Code::kInternal);
  if (code == Code::kOk) code = Code::kInternal;
  return Status(code, text("message", "(no message)"), text("detail", ""));
}

Json TaskFields(const std::string& program, const std::string& function, Json args) {
  return EncodeTask(MakeTask(program, function, std::move(args)));
}

namespace {

/// The nesting depth of JSON text, counting '[' and '{' outside strings, in
/// one pass; stops once past `limit` (then returns limit + 1).
int JsonDepth(std::string_view text, int limit) {
  int depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > limit) return limit + 1;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return depth;
}

}  // namespace

Result<Json> ParseMessage(std::string_view payload) {
  if (JsonDepth(payload, kMaxJsonDepth) > kMaxJsonDepth) {
    return Status::BadRequest("malformed JSON: nested deeper than " + std::to_string(kMaxJsonDepth) + " levels");
  }
  try {
    return Json::parse(payload);
  } catch (const Json::exception& error) {  // parse_error, and out_of_range for 1e999
    return Status::BadRequest(std::string("malformed JSON: ") + error.what());
  }
}

}  // namespace osgrid::net
