// fuzz_message: one JSON frame payload through the message layer and the
// field reads of the handlers that serve it.
//
//   payload -> net::ParseMessage (the server's parse, see fuzz_support.h)
//           -> net::ValidateRequest (the catalogue)
//           -> the handler's reads of its fields, into the real pure parts:
//                REGISTER / HEARTBEAT / UNREGISTER / PICK_PEER -> tracker::Registry
//                SET_MEM / GET_MEM / DEL_MEM                     -> peer::MemoryStore
//                PUT_FILE / GET_FILE / DEL_FILE                  -> peer::ValidateFileName
//
// The handlers themselves live in classes bound to a server and sockets
// (tracker_server.cpp, peer_server.cpp), so their field reads are repeated
// here expression for expression; keep them in step. CPU_TASK/CPU_BATCH go
// through CpuService::ParseTask, a private member, so they stop at validation.
//
// Invariants: a validated request re-serialises to JSON that parses and
// validates again, has its type in the catalogue and every required field;
// a refused one is BAD_REQUEST or UNKNOWN_TYPE with a message, and its ERROR
// reply reads back (CheckReplyFrame); the stores stay within their limits.
//
// A handler read that throws is what the server turns into an INTERNAL
// "handler failed" reply: the node lives, but the client does not get a
// clear error. Set OSGRID_FUZZ_STRICT=1 to make that a finding too (known
// case: a null optional field, e.g. {"type":"PICK_PEER","id":1,"count":null};
// see tests/fuzz/crashes/fuzz_message/).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "fuzz_support.h"
#include "osgrid/peer/file_store.h"
#include "osgrid/peer/memory_store.h"
#include "osgrid/tracker/registry.h"

namespace osgrid::fuzz {
namespace {

using tracker::Clock;

/// The tracker's handlers (tracker_server.cpp), reads and registry calls only.
Status TrackerHandler(const std::string& type, const Json& request) {
  tracker::Registry registry;
  const auto now = Clock::now();
  tracker::PeerInfo known;
  known.id = "peer-1";
  known.host = "127.0.0.1";
  known.port = 9001;
  FUZZ_CHECK(registry.Register(known, now).ok(), "a well-formed peer registers");
  if (type == "REGISTER") {  // OnRegister
    tracker::PeerInfo peer;
    peer.id = request["peer_id"];
    peer.port = static_cast<std::uint16_t>(std::clamp<std::int64_t>(request["port"], 0, 65535));
    peer.cores = static_cast<int>(std::clamp<std::int64_t>(request["cores"], 0, 1 << 16));
    peer.host = request.value("host", std::string("127.0.0.1"));
    Status s = registry.Register(peer, now);
    FUZZ_CHECK(!s.ok() || registry.Find(peer.id) != nullptr, "a registered peer is found");
    return s;
  }
  if (type == "HEARTBEAT") {  // OnHeartbeat
    Status s = registry.Heartbeat(request["peer_id"], tracker::LoadReport::FromHeartbeat(request), now);
    if (s.ok()) {
      for (const auto& peer : registry.Pick(3)) FUZZ_CHECK(!peer.id.empty(), "Pick names a peer");
    }
    return s;
  }
  if (type == "UNREGISTER") {  // OnUnregister
    const std::string id = request["peer_id"];
    return registry.Unregister(id);
  }
  if (type == "PICK_PEER") {  // OnPickPeer
    std::int64_t count = request.value("count", std::int64_t{1});
    if (count < 1 || count > static_cast<std::int64_t>(params::kBatchMax)) {
      return Status::BadRequest("PICK_PEER: count must be 1.." + std::to_string(params::kBatchMax));
    }
    std::vector<std::string> exclude;
    for (const auto& id : request.value("exclude", Json::array())) {
      if (id.is_string()) exclude.push_back(id);
    }
    auto picked = registry.Pick(static_cast<int>(count), exclude);
    FUZZ_CHECK(picked.empty() || picked.size() == static_cast<std::size_t>(count), "Pick gives count peers");
    return picked.empty() ? Status::Unavailable("no live peer to run the task") : Status::Ok();
  }
  return Status::Ok();
}

/// The peer's memory and file handlers (peer_server.cpp), reads and pure checks only.
Status PeerHandler(const std::string& type, const Json& request) {
  peer::MemoryStore memory(4096);  // small, so LIMIT is reachable
  if (type == "SET_MEM") {         // OnSetMem
    const std::string key = request["key"];
    Status s = memory.Set(key, request["value"]);
    FUZZ_CHECK(memory.bytes() <= memory.limit_bytes(), "the store stays within its limit");
    if (s.ok()) {
      auto value = memory.Get(key);
      FUZZ_CHECK(value.ok() && *value == request["value"], "GET_MEM returns what SET_MEM stored");
      FUZZ_CHECK(memory.bytes() == peer::MemoryStore::EntryBytes(key, *value), "the entry is charged once");
      CheckReplyFrame({{"type", "MEM_VALUE"}, {"id", request["id"]}, {"key", key}, {"value", *value}});
      FUZZ_CHECK(memory.Delete(key).ok() && memory.bytes() == 0, "DEL_MEM frees the entry");
    } else {
      FUZZ_CHECK(memory.entries() == 0 && memory.bytes() == 0, "a refused SET_MEM changes nothing");
    }
    return s;
  }
  if (type == "GET_MEM") return memory.Get(request["key"]).status();  // OnGetMem
  if (type == "DEL_MEM") return memory.Delete(request["key"]);        // OnDelMem
  if (type == "PUT_FILE") {                                           // OnPutFile, before BeginUpload
    if (request["size"] < 0) return Status::BadRequest("PUT_FILE: size must be >= 0");
    (void)request["size"].get<std::uint64_t>();
    return peer::ValidateFileName(request["name"].get<std::string>());
  }
  if (type == "PUT_END") return Status::BadRequest("PUT_END outside an upload");  // HandlePutEnd
  if (type == "GET_FILE" || type == "DEL_FILE") {
    return peer::ValidateFileName(request["name"].get<std::string>());
  }
  return Status::Ok();
}

/// A validated request: the catalogue's promises, then the handler's reads.
void OnValid(const Json& request) {
  const std::string& type = request["type"].get_ref<const std::string&>();
  const net::MessageSpec* spec = net::FindSpec(type);
  FUZZ_CHECK(spec != nullptr && request["id"].is_number_integer(), "a valid request has a known type and an id");
  for (const net::FieldSpec& field : spec->fields) {
    FUZZ_CHECK(!field.required || request.contains(std::string(field.name)), "required fields are present");
  }
  auto back = ParseMessage(DumpJson(request));
  FUZZ_CHECK(back.ok() && net::ValidateRequest(*back).ok(), "a valid request re-serialises and re-validates");

  static const bool strict = std::getenv("OSGRID_FUZZ_STRICT") != nullptr;
  Status status;
  try {  // as Session::OnRequest does around the handler
    status = spec->served_by == net::Served::kTracker ? TrackerHandler(type, request) : PeerHandler(type, request);
  } catch (const std::exception& error) {
    FUZZ_CHECK(!strict, "a handler's field reads do not throw on a validated request");
    status = Status::Internal(std::string("handler failed: ") + error.what());
  }
  if (!status.ok()) CheckReplyFrame(net::MakeError(request["id"], status), status);
}

void OnInvalid(const Json& message, const Status& status) {
  FUZZ_CHECK(status.code() == Code::kBadRequest || status.code() == Code::kUnknownType,
             "a refused request is BAD_REQUEST or UNKNOWN_TYPE");
  FUZZ_CHECK(!status.message().empty(), "a refusal says why");
  CheckReplyFrame(net::MakeError(message.is_object() ? message.value("id", Json()) : Json(), status), status);
}

}  // namespace
}  // namespace osgrid::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace osgrid;
  auto message = net::ParseMessage(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!message.ok()) {
    fuzz::CheckReplyFrame(net::MakeError(nullptr, message.status()), message.status());
    return 0;
  }
  Status status = net::ValidateRequest(*message);
  if (status.ok()) {
    fuzz::OnValid(*message);
  } else {
    fuzz::OnInvalid(*message, status);
  }
  return 0;
}
