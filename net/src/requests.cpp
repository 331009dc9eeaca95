// The typed requests and replies of requests.h: each decoder reads one
// message field by field through a Reader that stops at the first field of
// the wrong type and names it.
#include "osgrid/net/requests.h"

#include <algorithm>
#include <charconv>
#include <utility>

#include "osgrid/net/messages.h"
#include "osgrid/net/params.h"
#include "osgrid/net/sha256.h"

namespace osgrid::net {
namespace {

// [SECTION] Reading fields ---------------------------------------------------------

/// Reads the optional fields of one JSON object. The first field present
/// with the wrong type is remembered as `error` (code `code`, message
/// "<what>: field 'x' must be <type>"); later reads then do nothing.
class Reader {
 public:
  Reader(const Json& object, std::string what, Code code) : object_(object), what_(std::move(what)), code_(code) {
    if (!object.is_object()) Fail(what_ + " must be a JSON object");
  }

  void Text(const char* name, std::string& out) {
    if (const Json* value = Find(name, &Json::is_string, "a string")) out = value->get<std::string>();
  }
  void Flag(const char* name, bool& out) {
    if (const Json* value = Find(name, &Json::is_boolean, "a boolean")) out = value->get<bool>();
  }
  void Integer(const char* name, std::int64_t& out) {
    if (const Json* value = Find(name, &Json::is_number_integer, "an integer")) out = value->get<std::int64_t>();
  }
  void Unsigned(const char* name, std::uint64_t& out) {
    const Json* value = Find(name, &Json::is_number_integer, "a non-negative integer");
    if (value == nullptr) return;
    if (value->is_number_unsigned() || value->get<std::int64_t>() >= 0) {  // a value built in C++ may be signed
      out = value->get<std::uint64_t>();
    } else {
      Fail(what_ + ": field '" + name + "' must be a non-negative integer, got " + value->dump());
    }
  }
  void Number(const char* name, double& out) {
    if (const Json* value = Find(name, &Json::is_number, "a number")) out = value->get<double>();
  }
  /// The field itself, if it is an array (nullptr if absent or mistyped).
  const Json* Array(const char* name) { return Find(name, &Json::is_array, "an array"); }
  const Json* Object(const char* name) { return Find(name, &Json::is_object, "an object"); }
  /// Reads the array field `name` into `out`, one element at a time through
  /// `read(Reader& element, Entry& entry)`; an element that fails (as `what`)
  /// fails this read.
  template <class Entry, class Read>
  void List(const char* name, const char* what, std::vector<Entry>& out, Read read) {
    const Json* items = Array(name);
    if (items == nullptr) return;
    for (const Json& item : *items) {
      Reader element(item, what, code_);
      read(element, out.emplace_back());
      if (!element.error().ok()) return Fail(element.error().message());
    }
  }
  bool Has(const char* name) const { return object_.is_object() && object_.contains(name); }

  void Fail(std::string message) {
    if (error_.ok()) error_ = Status(code_, std::move(message));
  }
  const Status& error() const { return error_; }

 private:
  /// The field `name` when present, not null and of the right type. A field
  /// present with another type (null included) fails the read.
  const Json* Find(const char* name, bool (Json::*is)() const noexcept, const char* expected) {
    if (!error_.ok() || !object_.is_object()) return nullptr;
    auto it = object_.find(name);
    if (it == object_.end()) return nullptr;
    if (!((*it).*is)()) {
      Fail(what_ + ": field '" + name + "' must be " + expected + ", got " + it->type_name());
      return nullptr;
    }
    return &*it;
  }

  const Json& object_;
  std::string what_;
  Code code_;
  Status error_;
};

bool IsLowerHex(const std::string& text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

/// The digest rule: every task carries the SHA-256 of its program, computed
/// where it was submitted; a program changed on the way, or a stale hash, is
/// refused. Errors: BAD_REQUEST (missing, or not 64 hex digits), INTEGRITY.
Status CheckProgramDigest(const TaskRequest& task, bool present) {
  if (!present) return Status::BadRequest("task: missing field 'program_sha256' (hex SHA-256 of 'program')");
  if (task.program_sha256.size() != 64 || !IsLowerHex(task.program_sha256)) {
    return Status::BadRequest("task: program_sha256 must be 64 lowercase hex digits");
  }
  std::string actual = Sha256Hex(task.program);
  if (actual != task.program_sha256) {
    return Status(Code::kIntegrity, "program does not match its program_sha256 (expected " +
                                        task.program_sha256.substr(0, 16) + "..., the program hashes to " +
                                        actual.substr(0, 16) + "...): refusing to run it");
  }
  return Status::Ok();
}

/// An optional integer field that must lie in [low, high] when present.
/// Errors: BAD_REQUEST "task: burst_ms must be an integer from 0 to ...".
Status ReadRanged(Reader& reader, const char* name, std::int64_t low, std::int64_t high,
                  std::optional<std::int64_t>& out) {
  std::int64_t value = 0;
  reader.Integer(name, value);
  if (!reader.error().ok()) return reader.error();
  if (!reader.Has(name)) return Status::Ok();
  if (value < low || value > high) {
    return Status::BadRequest("task: " + std::string(name) + " must be an integer from " + std::to_string(low) +
                              " to " + std::to_string(high) + ", got " + std::to_string(value));
  }
  out = value;
  return Status::Ok();
}

/// The request-level flags CPU_TASK and CPU_BATCH share.
template <class Request>
void ReadPlacement(Reader& reader, Request& request) {
  reader.Flag("confidential", request.confidential);
  reader.Flag("forwarded", request.forwarded);
  reader.Text("origin", request.origin);
}

template <class Request>
void WritePlacement(const Request& request, Json& frame) {
  if (request.confidential) frame["confidential"] = true;
  if (request.forwarded) frame["forwarded"] = true;
  if (!request.origin.empty()) frame["origin"] = request.origin;
}

}  // namespace

// [SECTION] Requests ---------------------------------------------------------------

Result<int> ParsePriority(std::string_view text) {
  if (text == "high") return 0;
  if (text == "medium") return 1;
  if (text == "low") return 2;
  int value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || text.empty() || value < -kMaxPriority ||
      value > kMaxPriority) {
    return Status::BadRequest("priority must be high, medium, low or an integer within +-" +
                              std::to_string(kMaxPriority) + " (lower is more urgent), got '" + Sanitize(text) + "'");
  }
  return value;
}

TaskRequest MakeTask(std::string program, std::string function, Json args) {
  TaskRequest task;
  task.program = std::move(program);
  task.function = std::move(function);
  task.args = std::move(args);
  return task;
}

Json EncodeTask(const TaskRequest& task) {
  Json fields = {{"program", task.program},
                 {"program_sha256", task.program_sha256.empty() ? Sha256Hex(task.program) : task.program_sha256},
                 {"function", task.function},
                 {"args", task.args}};
  if (task.timeout_ms) fields["timeout_ms"] = *task.timeout_ms;
  if (task.cpu_limit_ms) fields["cpu_limit_ms"] = *task.cpu_limit_ms;
  if (task.priority) fields["priority"] = *task.priority;
  if (task.burst_ms) fields["burst_ms"] = *task.burst_ms;
  if (task.tickets) fields["tickets"] = *task.tickets;
  if (!task.name.empty()) fields["name"] = task.name;
  if (!task.task_id.empty()) fields["task_id"] = task.task_id;
  if (task.submitted_t) fields["submitted_t"] = *task.submitted_t;
  if (!task.parent.empty()) fields["parent"] = task.parent;
  if (!task.root.empty()) fields["root"] = task.root;
  if (!task.claims.empty()) fields["claims"] = task.claims;
  return fields;
}

Result<std::map<std::string, std::int64_t>> DecodeClaims(const Json& claims) {
  if (!claims.is_object()) return Status::BadRequest("claims must be an object {\"name\": count, ...}");
  if (claims.empty() || claims.size() > kMaxClaims) {
    return Status::BadRequest("claims must name 1.." + std::to_string(kMaxClaims) + " objects");
  }
  std::map<std::string, std::int64_t> decoded;
  for (const auto& [name, count] : claims.items()) {
    if (name.empty() || name.size() > 128 ||
        !std::all_of(name.begin(), name.end(), [](unsigned char c) { return c >= 0x20 && c < 0x7f; })) {
      return Status::BadRequest("claims: '" + Sanitize(name) + "' is not an object name (1..128 printable characters)");
    }
    if (!count.is_number_integer() || count.get<std::int64_t>() < 1 || count.get<std::int64_t>() > kMaxClaim) {
      return Status::BadRequest("claims: the claim on " + name + " must be an integer 1.." + std::to_string(kMaxClaim) +
                                ", got " + Sanitize(count.dump(-1, ' ', false, Json::error_handler_t::replace)));
    }
    decoded[name] = count.get<std::int64_t>();
  }
  return decoded;
}

Json Encode(const CpuTaskRequest& request) {
  Json frame = EncodeTask(request.task);
  frame["type"] = "CPU_TASK";
  WritePlacement(request, frame);
  return frame;
}

Json Encode(const CpuBatchRequest& request) {
  Json tasks = Json::array();
  for (const TaskRequest& task : request.tasks) tasks.push_back(EncodeTask(task));
  Json frame = {{"type", "CPU_BATCH"}, {"tasks", std::move(tasks)}};
  WritePlacement(request, frame);
  return frame;
}

Result<TaskRequest> DecodeTask(const Json& fields) {
  Reader reader(fields, "task", Code::kBadRequest);
  TaskRequest task;
  task.function.clear();
  if (!reader.Has("program")) return Status::BadRequest("task: missing field 'program' (string)");
  reader.Text("program", task.program);
  reader.Text("function", task.function);
  reader.Text("program_sha256", task.program_sha256);
  if (const Json* args = reader.Array("args")) task.args = *args;
  reader.Text("task_id", task.task_id);
  reader.Text("name", task.name);
  reader.Text("parent", task.parent);
  reader.Text("root", task.root);
  double submitted_t = 0;
  reader.Number("submitted_t", submitted_t);
  if (!reader.error().ok()) return reader.error();

  if (task.function.empty()) return Status::BadRequest("task: missing field 'function' (non-empty string)");
  if (task.name.size() > 64) return Status::BadRequest("task: name must be at most 64 characters");
  if (task.parent.size() > 200 || task.root.size() > 200) {
    return Status::BadRequest("task: parent and root must be task ids of at most 200 characters");
  }
  Status ranged = ReadRanged(reader, "timeout_ms", 1, kMaxTaskTimeoutMs, task.timeout_ms);
  if (ranged.ok()) ranged = ReadRanged(reader, "cpu_limit_ms", 1, kMaxTaskTimeoutMs, task.cpu_limit_ms);
  if (ranged.ok()) ranged = ReadRanged(reader, "burst_ms", 0, kMaxTaskTimeoutMs, task.burst_ms);
  if (ranged.ok()) ranged = ReadRanged(reader, "tickets", 1, kMaxTickets, task.tickets);
  std::optional<std::int64_t> priority;
  if (ranged.ok()) ranged = ReadRanged(reader, "priority", -kMaxPriority, kMaxPriority, priority);
  if (!ranged.ok()) return ranged;
  if (priority) task.priority = static_cast<int>(*priority);
  if (reader.Has("submitted_t")) task.submitted_t = submitted_t;
  if (reader.Has("claims")) {
    auto claims = DecodeClaims(fields["claims"]);
    if (!claims.ok()) return Status::BadRequest("task: " + claims.status().message());
    task.claims = std::move(claims).value();
  }
  if (Status digest = CheckProgramDigest(task, reader.Has("program_sha256")); !digest.ok()) return digest;
  return task;
}

Result<CpuTaskRequest> DecodeCpuTask(const Json& request) {
  auto task = DecodeTask(request);
  if (!task.ok()) return task.status();
  CpuTaskRequest decoded;
  decoded.task = std::move(task).value();
  Reader reader(request, "CPU_TASK", Code::kBadRequest);
  ReadPlacement(reader, decoded);
  if (!reader.error().ok()) return reader.error();
  return decoded;
}

Result<CpuBatchRequest> DecodeCpuBatch(const Json& request) {
  Reader reader(request, "CPU_BATCH", Code::kBadRequest);
  CpuBatchRequest decoded;
  const Json* tasks = reader.Array("tasks");
  ReadPlacement(reader, decoded);
  if (!reader.error().ok()) return reader.error();
  if (tasks == nullptr || tasks->empty() || tasks->size() > params::kBatchMax) {
    return Status::BadRequest("CPU_BATCH: tasks must hold 1.." + std::to_string(params::kBatchMax) + " tasks");
  }
  decoded.tasks.reserve(tasks->size());
  for (std::size_t i = 0; i < tasks->size(); ++i) {  // all or nothing: one bad task refuses the batch
    auto task = DecodeTask((*tasks)[i]);
    if (!task.ok()) {
      return Status(task.status().code(), "CPU_BATCH: task " + std::to_string(i) + ": " + task.status().message());
    }
    decoded.tasks.push_back(std::move(task).value());
  }
  return decoded;
}

// [SECTION] Replies ----------------------------------------------------------------

std::size_t BatchResult::failed() const {
  return static_cast<std::size_t>(
      std::count_if(results.begin(), results.end(), [](const TaskResult& entry) { return !entry.ok(); }));
}

Json EncodeTaskResult(const TaskResult& result) {
  Json entry;
  if (result.ok()) {
    entry = {{"type", "CPU_RESULT"}, {"result", result.result}};
  } else {
    entry = MakeError(nullptr, result.status);
    entry.erase("id");
  }
  entry["task_id"] = result.task_id;
  entry["peer"] = result.peer;
  entry["stdout"] = result.stdout_text;
  entry["stderr"] = result.stderr_text;
  entry["output_truncated"] = result.output_truncated;
  entry["run_ms"] = result.run_ms;
  entry["queued_ms"] = result.queued_ms;
  entry["cpu_ms"] = result.cpu_ms;
  entry["response_ms"] = result.response_ms;
  entry["preemptions"] = result.preemptions;
  return entry;
}

Result<TaskResult> DecodeTaskResult(const Json& reply) {
  Reader reader(reply, "CPU_RESULT", Code::kInternal);
  TaskResult decoded;
  std::string type;
  reader.Text("type", type);
  bool ok = type == "CPU_RESULT";
  if (reader.Has("ok")) reader.Flag("ok", ok);  // a batch entry says it
  if (!reader.error().ok()) return reader.error();
  if (!ok && type != "ERROR" && !reader.Has("ok")) {
    return Status::Internal("expected CPU_RESULT or ERROR, got '" + Sanitize(type) + "'");
  }
  if (ok) {
    decoded.result = reply.value("result", Json());
  } else {
    decoded.status = StatusFromReply(Json{{"type", "ERROR"},
                                          {"code", reply.value("code", Json())},
                                          {"message", reply.value("message", Json())},
                                          {"detail", reply.value("detail", Json())}});
  }
  reader.Text("task_id", decoded.task_id);
  reader.Text("peer", decoded.peer);
  reader.Text("stdout", decoded.stdout_text);
  reader.Text("stderr", decoded.stderr_text);
  reader.Flag("output_truncated", decoded.output_truncated);
  reader.Integer("queued_ms", decoded.queued_ms);
  reader.Integer("run_ms", decoded.run_ms);
  reader.Integer("cpu_ms", decoded.cpu_ms);
  reader.Integer("response_ms", decoded.response_ms);
  reader.Integer("preemptions", decoded.preemptions);
  reader.Integer("total_ms", decoded.total_ms);
  reader.Text("submitted_to", decoded.submitted_to);
  reader.Flag("forwarded", decoded.forwarded);
  std::uint64_t index = 0;
  reader.Unsigned("index", index);
  if (reader.Has("index")) decoded.index = static_cast<std::size_t>(index);
  if (!reader.error().ok()) return reader.error();
  return decoded;
}

Result<BatchResult> DecodeBatchResult(const Json& reply) {
  if (Status refused = StatusFromReply(reply); !refused.ok()) return refused;
  Reader reader(reply, "BATCH_RESULT", Code::kInternal);
  std::string type;
  reader.Text("type", type);  // a type that is not a string is named, never thrown on (Json::value would)
  if (!reader.error().ok()) return reader.error();
  if (type != "BATCH_RESULT") return Status::Internal("expected BATCH_RESULT, got '" + Sanitize(type) + "'");
  BatchResult decoded;
  const Json* results = reader.Array("results");
  reader.Integer("total_ms", decoded.total_ms);
  const Json* peers = reader.Object("peers");
  if (!reader.error().ok()) return reader.error();
  if (results != nullptr) {
    for (std::size_t i = 0; i < results->size(); ++i) {
      auto entry = DecodeTaskResult((*results)[i]);
      if (!entry.ok())
        return Status::Internal("BATCH_RESULT: entry " + std::to_string(i) + ": " + entry.status().message());
      decoded.results.push_back(std::move(entry).value());
    }
  }
  if (peers != nullptr) {
    for (const auto& [peer, count] : peers->items()) {
      if (!count.is_number_integer())
        return Status::Internal("BATCH_RESULT: peers['" + Sanitize(peer) + "'] must be an integer");
      decoded.peers[peer] = count.get<int>();
    }
  } else {  // an older peer: count them
    for (const TaskResult& entry : decoded.results) ++decoded.peers[entry.peer.empty() ? "?" : entry.peer];
  }
  return decoded;
}

Result<MemList> DecodeMemList(const Json& reply) {
  if (Status refused = StatusFromReply(reply); !refused.ok()) return refused;
  Reader reader(reply, "MEM_LIST", Code::kInternal);
  MemList decoded;
  reader.List("keys", "MEM_LIST key", decoded.keys, [](Reader& entry, MemList::Entry& key) {
    entry.Text("key", key.key);
    entry.Unsigned("bytes", key.bytes);
  });
  reader.Unsigned("bytes", decoded.bytes);
  reader.Unsigned("limit_bytes", decoded.limit_bytes);
  if (!reader.error().ok()) return reader.error();
  return decoded;
}

Json EncodeMemMap(const MemMap& map) {
  Json blocks = Json::array();
  for (const MemMap::Block& block : map.blocks) {
    Json entry = {{"address", block.address}, {"size", block.size}, {"free", block.free}};
    if (!block.free) {
      entry["key"] = block.key;
      entry["request"] = block.request;
    }
    blocks.push_back(std::move(entry));
  }
  return {{"type", "MEM_MAP_REPLY"},
          {"allocator", map.allocator},
          {"arena_bytes", map.arena_bytes},
          {"header_bytes", map.header_bytes},
          {"alignment", map.alignment},
          {"blocks", std::move(blocks)},
          {"truncated", map.truncated},
          {"used_bytes", map.used_bytes},
          {"free_bytes", map.free_bytes},
          {"free_holes", map.free_holes},
          {"largest_hole", map.largest_hole},
          {"external_fragmentation", map.external_fragmentation},
          {"internal_fragmentation", map.internal_fragmentation},
          {"failed_fragmentation", map.failed_fragmentation},
          {"failed_no_space", map.failed_no_space}};
}

Result<MemMap> DecodeMemMap(const Json& reply) {
  if (Status refused = StatusFromReply(reply); !refused.ok()) return refused;
  Reader reader(reply, "MEM_MAP_REPLY", Code::kInternal);
  MemMap decoded;
  reader.Text("allocator", decoded.allocator);
  reader.Unsigned("arena_bytes", decoded.arena_bytes);
  reader.Unsigned("header_bytes", decoded.header_bytes);
  reader.Unsigned("alignment", decoded.alignment);
  reader.List("blocks", "MEM_MAP_REPLY block", decoded.blocks, [](Reader& entry, MemMap::Block& block) {
    entry.Unsigned("address", block.address);
    entry.Unsigned("size", block.size);
    entry.Flag("free", block.free);
    entry.Text("key", block.key);
    entry.Unsigned("request", block.request);
  });
  reader.Flag("truncated", decoded.truncated);
  reader.Unsigned("used_bytes", decoded.used_bytes);
  reader.Unsigned("free_bytes", decoded.free_bytes);
  reader.Unsigned("free_holes", decoded.free_holes);
  reader.Unsigned("largest_hole", decoded.largest_hole);
  reader.Number("external_fragmentation", decoded.external_fragmentation);
  reader.Unsigned("internal_fragmentation", decoded.internal_fragmentation);
  reader.Unsigned("failed_fragmentation", decoded.failed_fragmentation);
  reader.Unsigned("failed_no_space", decoded.failed_no_space);
  if (!reader.error().ok()) return reader.error();
  return decoded;
}

Json EncodeMemCompacted(const MemCompacted& compacted) {
  Json moves = Json::array();
  for (const MemCompacted::Move& move : compacted.moves) {
    moves.push_back({{"key", move.key}, {"from", move.from}, {"to", move.to}, {"size", move.size}});
  }
  return {{"type", "MEM_COMPACTED"}, {"moves", std::move(moves)}, {"moved_bytes", compacted.moved_bytes}};
}

Result<MemCompacted> DecodeMemCompacted(const Json& reply) {
  if (Status refused = StatusFromReply(reply); !refused.ok()) return refused;
  Reader reader(reply, "MEM_COMPACTED", Code::kInternal);
  MemCompacted decoded;
  reader.List("moves", "MEM_COMPACTED move", decoded.moves, [](Reader& entry, MemCompacted::Move& move) {
    entry.Text("key", move.key);
    entry.Unsigned("from", move.from);
    entry.Unsigned("to", move.to);
    entry.Unsigned("size", move.size);
  });
  reader.Unsigned("moved_bytes", decoded.moved_bytes);
  if (!reader.error().ok()) return reader.error();
  return decoded;
}

Result<FileList> DecodeFileList(const Json& reply) {
  if (Status refused = StatusFromReply(reply); !refused.ok()) return refused;
  Reader reader(reply, "FILE_LIST", Code::kInternal);
  FileList decoded;
  reader.List("files", "FILE_LIST file", decoded.files, [](Reader& entry, FileList::Entry& file) {
    entry.Text("name", file.name);
    entry.Unsigned("size", file.size);
    entry.Text("sha256", file.sha256);
    entry.Number("mtime_ms", file.mtime_ms);
  });
  reader.Unsigned("used_bytes", decoded.used_bytes);
  reader.Unsigned("limit_bytes", decoded.limit_bytes);
  if (!reader.error().ok()) return reader.error();
  return decoded;
}

Result<PeerList> DecodePeerList(const Json& reply) {
  if (Status refused = StatusFromReply(reply); !refused.ok()) return refused;
  Reader reader(reply, "PEERS", Code::kInternal);
  PeerList decoded;
  reader.List("peers", "PEERS peer", decoded.peers, [](Reader& entry, PeerList::Entry& peer) {
    entry.Text("id", peer.id);
    entry.Text("host", peer.host);
    entry.Unsigned("port", peer.port);
    entry.Integer("cores", peer.cores);
    entry.Number("load", peer.load);
    entry.Integer("queue_length", peer.queue_length);
    entry.Integer("running", peer.running);
    entry.Integer("tasks_done", peer.tasks_done);
    entry.Unsigned("mem_bytes", peer.mem_bytes);
    entry.Unsigned("disk_bytes", peer.disk_bytes);
    entry.Integer("last_heartbeat_ms", peer.last_heartbeat_ms);
  });
  if (!reader.error().ok()) return reader.error();
  return decoded;
}

Json EncodeTaskList(const TaskList& list) {
  Json tasks = Json::array();
  for (const TaskList::Entry& task : list.tasks) {
    Json entry = {{"task_id", task.task_id}, {"name", task.name},     {"peer", task.peer},
                  {"state", task.state},     {"cpu_ms", task.cpu_ms}, {"submitted_t", task.submitted_t}};
    if (task.priority) entry["priority"] = *task.priority;
    if (task.parent) entry["parent"] = *task.parent;
    tasks.push_back(std::move(entry));
  }
  return {{"type", "TASKS"}, {"tasks", std::move(tasks)}, {"seq", list.seq}};
}

Result<TaskList> DecodeTaskList(const Json& reply) {
  if (Status refused = StatusFromReply(reply); !refused.ok()) return refused;
  Reader reader(reply, "TASKS", Code::kInternal);
  TaskList decoded;
  reader.List("tasks", "TASKS task", decoded.tasks, [](Reader& entry, TaskList::Entry& task) {
    entry.Text("task_id", task.task_id);
    entry.Text("name", task.name);
    entry.Text("peer", task.peer);
    entry.Text("state", task.state);
    if (entry.Has("priority")) entry.Integer("priority", task.priority.emplace());
    entry.Number("cpu_ms", task.cpu_ms);
    if (entry.Has("parent")) entry.Text("parent", task.parent.emplace());
    entry.Number("submitted_t", task.submitted_t);
  });
  reader.Unsigned("seq", decoded.seq);
  if (!reader.error().ok()) return reader.error();
  return decoded;
}

}  // namespace osgrid::net
