// fuzz_message: one JSON frame payload through the message layer, the
// handlers that serve it, and the decoders a client reads replies with.
//
//   payload -> net::ParseMessage (the server's parse, see fuzz_support.h)
//           -> the reply decoders (net::DecodeTaskResult, DecodeBatchResult,
//              DecodeMemList, DecodeMemMap, DecodeMemCompacted, DecodeFileList, DecodePeerList, DecodeTaskList):
//              any JSON may come back as a reply
//           -> net::ValidateRequest (the catalogue)
//           -> the handler's reads of its fields, into the real pure parts:
//                REGISTER / HEARTBEAT / UNREGISTER / PICK_PEER -> tracker::Registry
//                EVENTS    -> tracker::DecodePeerEvents, then a tracker::EventHub
//                             with four subscribers (hub_check.h), then
//                             TASK_LIST's answer from its fold (TaskListOf)
//                TASK_LIST -> tracker::TaskListOf of a hub with a history
//                SUBSCRIBE -> tracker::SubscribeOptionsFor, then a real
//                             tracker::EventHub: Subscribe, the SUBSCRIBED reply,
//                             and events published and pulled by a script
//                             made of the payload's bytes (RunSubscriberScript)
//                CPU_TASK / CPU_BATCH -> net::DecodeCpuTask / DecodeCpuBatch
//                             (CpuService::HandleTask / HandleBatch), the
//                             forward a peer would send, the reply it builds
//                SET_MEM / GET_MEM / DEL_MEM                     -> peer::MemoryStore
//                PUT_FILE / GET_FILE / DEL_FILE                  -> peer::ValidateFileName
//
// The handlers themselves live in classes bound to a server and sockets
// (tracker_server.cpp, peer_server.cpp, cpu_service.cpp), so their field
// reads are repeated here expression for expression; keep them in step. The
// parts they share with this target are real: the hub, SUBSCRIBE's options
// and EVENTS's decoding (tracker/src/event_hub.h), the typed requests
// (net/requests.h).
//
// Invariants: a validated request re-serialises to JSON that parses and
// validates again, has its type in the catalogue and every required field;
// a refused one is BAD_REQUEST or UNKNOWN_TYPE with a message, and its ERROR
// reply reads back (CheckReplyFrame); the stores stay within their limits.
// A decoded CPU_TASK / CPU_BATCH carries its program's digest, re-encodes
// (net::Encode) to a request that validates and decodes to an equal one,
// field by field (program_sha256 kept), and so does the forward a peer would
// send of it; a refused one is BAD_REQUEST or INTEGRITY (only for a digest
// that is not the program's) with a message, naming a task of the batch.
// The reply decoders never throw; they refuse with INTERNAL and a message,
// or with the ERROR the reply is; a decoded task result re-encodes
// (EncodeTaskResult) to one that decodes equal; the BATCH_RESULT a peer
// builds decodes, one entry per task; a TASKS reply the tracker builds from
// its fold lists every unfinished task once, sorted by id, at the fold's seq,
// and decodes to the list it was built from. SUBSCRIBE's options are within the
// tracker's limits; the hub's invariants are in hub_check.h (queues within
// their bounds, one reason for a cut off, frames in seq order, filters).
//
// A handler read that throws is what the server turns into an INTERNAL
// "handler failed" reply: the node lives, but the client does not get a
// clear error. Set OSGRID_FUZZ_STRICT=1 to make that a finding too (a case
// found and fixed: a null optional field, e.g.
// {"type":"PICK_PEER","id":1,"count":null}, corpus/fixed-null-optional-field.json).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <string>
#include <string_view>
#include <vector>

#include "event_hub.h"
#include "fuzz_support.h"
#include "hub_check.h"
#include "osgrid/net/requests.h"
#include "osgrid/net/sha256.h"
#include "osgrid/peer/file_store.h"
#include "osgrid/peer/memory_store.h"
#include "osgrid/tracker/registry.h"

namespace osgrid::fuzz {
namespace {

namespace ev = os::events;
using tracker::Clock;

// [SECTION] The tracker's event stream: EVENTS and SUBSCRIBE ------------------------

/// The tracker's flags for subscribers, small so that a few events fill a queue.
constexpr tracker::SubscribeLimits kSubscribeLimits{2048, 16384};

/// Script steps per SUBSCRIBE input: enough to fill and cut off a queue, few
/// enough to keep the target fast.
constexpr std::size_t kMaxScriptSteps = 48;

/// An event of the cluster's stream, by `kind` (24 of them, from every family),
/// with ids padded by `pad` characters so that frame sizes vary.
ev::Event ScriptEvent(unsigned kind, std::size_t pad, std::uint64_t n) {
  const std::string peer = "peer-" + std::to_string(1 + n % 3);
  const std::string task = peer + "/" + std::to_string(n % 5) + std::string(pad, 'x');
  const double t = static_cast<double>(n);
  const auto& outcomes = ev::AllOutcomes();
  const std::string object = "fork-" + std::to_string(n % 2) + std::string(pad, 'f');
  switch (kind % 24) {
    case 0:
      return {0, "", t, "tracker", ev::PeerJoined{peer, "127.0.0.1:" + std::to_string(9000 + n % 3), 2}};
    case 1:
      return {0, "", t, "tracker", ev::PeerLoad{peer, 1, static_cast<int>(n % 4), 2, 3, 40 + pad, 500}};
    case 2:
      return {0, "", t, peer, ev::TaskSubmitted{task, std::nullopt, "main", peer, static_cast<int>(n % 4) - 1}};
    case 3:
      return {0, "", t, "tracker", ev::TaskForwarded{task, std::nullopt, peer, "peer-9"}};
    case 4:
      return {0, "", t, peer, ev::TaskQueued{task, std::nullopt, peer, 1 + static_cast<int>(n % 3)}};
    case 5:
      return {0, "", t, peer, ev::TaskRunning{task, std::nullopt, peer}};
    case 6:
      return {0, "", t, peer, ev::TaskPreempted{task, peer + "/0", peer, "quantum", 1.5 * t}};
    case 7:
      return {0, "", t, peer, ev::TaskBlocked{task, std::nullopt, peer, "io", t}};
    case 8:
      return {0, "", t, peer, ev::TaskFinished{task, std::nullopt, peer, outcomes[n % outcomes.size()], 1, 2.5, 4}};
    case 9:
      return {0, "", t, peer, ev::MemSet{peer, "key" + std::string(pad, 'k'), 5}};
    case 10:
      return {0, "", t, peer, ev::FileStored{peer, "a.bin", 1000 + pad}};
    case 11:
      return {0, "", t, peer, ev::EventsLost{n + 1}};
    case 12:
      return {0, "", t, "tracker", ev::PeerLeft{peer, n % 2 ? "replaced" : "shutdown"}};
    case 13:
      return {0, "", t, "tracker", ev::PeerDead{peer, 3000.5}};
    case 14:
      if (n % 2 == 0) return {0, "", t, "sim", ev::DeadlockFound{std::vector<std::string>(2 + pad % 7, "P"), {"R1"}}};
      return {0, "", t, "tracker",
              ev::DeadlockFound{{task, peer + "/9"}, {object, "fork-9"}, {peer, "peer-9"}, {}, "wait-for graph"}};
    case 15:
      return {0, "", t, peer, ev::TaskZombie{task, peer + "/0", peer, outcomes[n % outcomes.size()]}};
    case 16:
      return {0, "", t, peer, ev::TaskReparented{task, peer + "/init", peer + "/0", peer}};
    case 17:
      return {0, "", t, peer, ev::CpuSwitch{task, peer + "/1", peer, 0.5}};
    case 18:
      return {
          0, "", t, "tracker",
          ev::ResourceRequest{task, peer, "lock", object, "acquire", 1, n % 2 == 1, static_cast<std::int64_t>(n % 2)}};
    case 19:
      return {0, "", t, "tracker", ev::ResourceGrant{task, peer, "resource", object, "request", 2, 0.5 * t, 1}};
    case 20:
      return {0, "", t, "tracker",
              ev::ResourceRelease{task, peer, "semaphore", object, "signal", 1, n % 2 ? "released" : "task ended (ok)",
                                  static_cast<std::int64_t>(n % 5)}};
    case 21:
      return {0, "", t, "tracker", ev::ResourceCancel{task, peer, "queue", object, "receive", 1, "timed out"}};
    case 22:
      return {0, "", t, "tracker", ev::DeadlockVictim{task, peer, 1, "holds the fewest instances (1)"}};
    default:
      return {0, "", t, "tracker",
              ev::DeadlockStall{{task, peer + "/9"}, {"semaphore " + object + " (wait)", "child"}}};
  }
}

/// A subscriber's life after SUBSCRIBE: `script` (the payload's bytes) says,
/// a byte a step, what happens next. Low three bits 0-5: an event is
/// published (its kind and size from the high bits); 6: the subscriber
/// pulls at most (byte >> 3) * 64 bytes (0: one frame); 7: it and the
/// reference subscriber pull everything.
void RunSubscriberScript(HubCheck& hub, std::size_t subscriber, std::size_t reference, std::string_view script) {
  const std::size_t steps = std::min(script.size(), kMaxScriptSteps);
  for (std::size_t i = 0; i < steps; ++i) {
    const auto byte = static_cast<unsigned char>(script[i]);
    const unsigned high = byte >> 3;
    switch (byte & 7) {
      case 6:
        hub.Take(subscriber, std::size_t{high} * 64);
        break;
      case 7:
        hub.Take(subscriber, SIZE_MAX);
        hub.Take(reference, SIZE_MAX);
        break;
      default:
        hub.Publish(ScriptEvent(high, (high & 16) ? 300 : (byte & 7) * 8, hub.seq()), /*decode=*/false);
    }
  }
}

/// OnSubscribe: the options, the hub's subscription and the SUBSCRIBED reply,
/// then the stream. Next to the fuzzer's subscriber, a reference subscriber
/// takes every event; the hub's limit is two, so a third is refused.
Status OnSubscribe(const Json& request, std::string_view payload) {
  auto options = tracker::SubscribeOptionsFor(request, kSubscribeLimits, "client", "127.0.0.1:50000");
  if (!options.ok()) {
    FUZZ_CHECK(options.status().code() == Code::kBadRequest && !options.status().message().empty(),
               "SUBSCRIBE's options are refused as BAD_REQUEST, with a message");
    return options.status();
  }
  FUZZ_CHECK(options->max_queue_bytes >= tracker::kMinSubscriberQueueBytes &&
                 options->max_queue_bytes <= kSubscribeLimits.max_queue_bytes,
             "a subscriber's bound is within the tracker's limits");
  FUZZ_CHECK(options->types.size() == request.value("types", Json::array()).size(), "every type prefix is kept");
  FUZZ_CHECK(options->name.ends_with(" from 127.0.0.1:50000"), "a subscriber's name says where it is");

  HubCheck hub(2);
  for (unsigned kind : {0u, 2u, 4u}) hub.Publish(ScriptEvent(kind, 0, hub.seq()), false);  // a cluster with a history
  const std::int64_t id = request["id"];
  HubCheck::Behaviour behaviour;  // the session's ways, from the request's id
  behaviour.take_on_wake = (id & 1) != 0;
  behaviour.wake_max_bytes = (id & 2) ? 512 : SIZE_MAX;
  behaviour.leave_when_cut = (id & 4) != 0;
  auto subscriber = hub.Subscribe(std::move(options).value(), behaviour, request["id"], /*reply=*/true);
  if (!subscriber.ok()) return subscriber.status();  // an unknown type prefix
  auto reference = hub.Subscribe({{}, std::size_t{1} << 30, "reference"}, {}, 0);
  FUZZ_CHECK(reference.ok(), "a second subscriber is welcome");
  FUZZ_CHECK(!hub.Subscribe({{}, 4096, "third"}, {}, 0).ok(), "a third is one too many");
  RunSubscriberScript(hub, *subscriber, *reference, payload);
  hub.Finish();
  return Status::Ok();
}

/// OnTaskList: the TASKS reply the tracker builds from its hub's fold, sent
/// and read back as a client reads it.
void CheckTaskList(const ev::ClusterState& state, const Json& id) {
  const net::TaskList list = tracker::TaskListOf(state);
  FUZZ_CHECK(list.seq == state.seq() && list.tasks.size() == state.tasks_in_flight(),
             "TASKS lists every unfinished task, at the fold's seq");
  FUZZ_CHECK(std::is_sorted(list.tasks.begin(), list.tasks.end(),
                            [](const net::TaskList::Entry& a, const net::TaskList::Entry& b) {
                              return ev::TaskIdLess(a.task_id, b.task_id);
                            }),
             "TASKS is sorted by id");
  for (std::size_t i = 0; i < list.tasks.size(); ++i) {
    const std::string& state_name = list.tasks[i].state;
    FUZZ_CHECK(state_name == "ready" || state_name == "running" || state_name == "waiting" || state_name == "zombie",
               "a task is ready, running, waiting or a zombie");
    FUZZ_CHECK(i == 0 || list.tasks[i - 1].task_id != list.tasks[i].task_id, "a task is listed once");
  }
  Json reply = net::EncodeTaskList(list);
  reply["id"] = id;
  CheckReplyFrame(reply);
  auto back = ParseMessage(DumpJson(reply));
  FUZZ_CHECK(back.ok(), "a TASKS reply parses");
  auto decoded = net::DecodeTaskList(*back);
  FUZZ_CHECK(decoded.ok() && decoded.value() == list, "a TASKS reply decodes to the list it was built from");
}

/// OnEvents: the batch as the tracker decodes it, published in order into a
/// hub whose subscribers read at different speeds: one never (cut off once
/// its 1 KiB fill), one of tasks on every wake, 512 bytes at a time, one of
/// memory and files that hangs up when cut off, and a reference that takes all.
Status OnEvents(const Json& request) {
  const std::string peer = request["peer_id"];
  auto events = tracker::DecodePeerEvents(peer, request["events"]);
  if (!events.ok()) {
    const Status& status = events.status();
    FUZZ_CHECK((status.code() == Code::kBadRequest || status.code() == Code::kUnknownType) &&
                   status.message().starts_with("EVENTS: "),
               "a refused batch is BAD_REQUEST or UNKNOWN_TYPE, and says so for EVENTS");
    return status;
  }
  FUZZ_CHECK(!events->empty() && events->size() == request["events"].size(), "a batch is taken whole");
  HubCheck hub(4);
  FUZZ_CHECK(hub.Subscribe({{}, 1024, "never reads"}, {}, 1).ok() &&
                 hub.Subscribe({{"task"}, 4096, "tasks"}, {true, 512, false}, 2).ok() &&
                 hub.Subscribe({{"mem.", "file"}, 1024, "stores"}, {false, SIZE_MAX, true}, 3).ok() &&
                 hub.Subscribe({{}, std::size_t{1} << 30, "reference"}, {}, 4).ok(),
             "four subscribers are welcome");
  for (ev::Event& event : *events) {
    FUZZ_CHECK(event.node == peer && !ev::TypeOf(event.body).starts_with("peer."),
               "a peer publishes only its own events, never peer.*");
    hub.Publish(std::move(event));
  }
  hub.Finish();
  CheckReplyFrame({{"type", "OK"}, {"id", request["id"]}, {"accepted", events->size()}}, Status::Ok(), false);
  CheckTaskList(hub.state(), request["id"]);  // what a TASK_LIST would answer now
  return Status::Ok();
}

// [SECTION] The tracker's other handlers ---------------------------------------------

/// The tracker's handlers (tracker_server.cpp), reads and registry calls only.
Status TrackerHandler(const std::string& type, const Json& request, std::string_view payload) {
  if (type == "SUBSCRIBE") return OnSubscribe(request, payload);
  if (type == "EVENTS") return OnEvents(request);
  if (type == "TASK_LIST") {  // OnTaskList: no fields to read; the answer from a hub with a history
    HubCheck hub(1);
    // A zombie and an orphan among them, and the tracker's cluster objects and deadlock, which change no task.
    for (unsigned kind : {0u, 1u, 2u, 3u, 4u, 5u, 6u, 7u, 18u, 15u, 16u, 22u, 8u, 23u}) {
      hub.Publish(ScriptEvent(kind, 0, hub.seq()), false);
    }
    CheckTaskList(hub.state(), request["id"]);
    return Status::Ok();
  }
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
    peer.sandbox = net::Sanitize(request.value("sandbox", ""), 16);
    peer.sandbox_missing = net::Sanitize(request.value("sandbox_missing", ""), 512);
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
    if (auto it = request.find("task_ids"); it != request.end()) {  // TaskIds
      if (static_cast<std::int64_t>(it->size()) != count) {
        return Status::BadRequest("PICK_PEER: task_ids must hold one id per task");
      }
      for (const Json& id : *it) {
        if (!id.is_string()) return Status::BadRequest("PICK_PEER: task_ids must be strings");
      }
    }
    auto picked = registry.Pick(static_cast<int>(count), exclude);
    FUZZ_CHECK(picked.empty() || picked.size() == static_cast<std::size_t>(count), "Pick gives count peers");
    return picked.empty() ? Status::Unavailable("no live peer to run the task") : Status::Ok();
  }
  return Status::Ok();
}

// [SECTION] The peer's CPU handlers: the typed requests ------------------------------

/// This peer, as CpuService knows itself.
const std::string kNode = "peer-1";
constexpr std::int64_t kDefaultTimeoutMs = 60000;  // CpuOptions::default_timeout

bool SameTask(const net::TaskRequest& a, const net::TaskRequest& b) {
  return a.program == b.program && a.function == b.function && a.args == b.args && a.timeout_ms == b.timeout_ms &&
         a.task_id == b.task_id && a.submitted_t == b.submitted_t && a.program_sha256 == b.program_sha256 &&
         a.cpu_limit_ms == b.cpu_limit_ms && a.priority == b.priority && a.burst_ms == b.burst_ms &&
         a.tickets == b.tickets && a.name == b.name && a.parent == b.parent && a.root == b.root;
}

template <class Request>
bool SamePlacement(const Request& a, const Request& b) {
  return a.confidential == b.confidential && a.forwarded == b.forwarded && a.origin == b.origin;
}

/// `frame` as text and back, as the next node reads it, with a request id.
Json OverTheWire(Json frame, const Json& id) {
  frame["id"] = id;
  auto back = ParseMessage(DumpJson(frame));
  FUZZ_CHECK(back.ok(), "an encoded request parses");
  Status valid = net::ValidateRequest(*back);
  FUZZ_CHECK(valid.ok(), "an encoded request passes the catalogue");
  return std::move(back).value();
}

/// The decoders' refusal of a request.
void CheckRequestRefusal(const Status& status) {
  FUZZ_CHECK(status.code() == Code::kBadRequest || status.code() == Code::kIntegrity,
             "a refused task is BAD_REQUEST or INTEGRITY");
  FUZZ_CHECK(!status.message().empty(), "a refused task says why");
}

/// A decoded task carries its program's digest.
void CheckDigest(const net::TaskRequest& task) {
  FUZZ_CHECK(net::Sha256Hex(task.program) == task.program_sha256, "a task decodes only with its program's digest");
}

/// CpuService::Admit then Forwardable: the task as a forward sends it on.
net::TaskRequest Forwardable(net::TaskRequest task) {
  if (task.task_id.empty()) task.task_id = kNode + "/1";
  if (!task.timeout_ms) task.timeout_ms = kDefaultTimeoutMs;
  if (!task.submitted_t) task.submitted_t = 12.5;  // the tracker's clock now
  return task;
}

/// How a task ends here, for the replies: odd tasks fail with a traceback.
net::TaskResult Ended(const net::TaskRequest& task, std::size_t i) {
  net::TaskResult result;
  if (i % 2 == 0) {
    result.result = task.args;  // whatever the function returned
  } else {
    result.status = Status(Code::kTaskFailed, "ValueError: " + task.function, "Traceback: ...");
  }
  result.task_id = task.task_id.empty() ? kNode + "/" + std::to_string(i + 1) : task.task_id;
  result.peer = kNode;
  result.stdout_text = task.function;
  result.run_ms = static_cast<std::int64_t>(i);
  return result;
}

/// CpuService::HandleTask: decode, re-encode, forward, and the reply.
Status OnCpuTask(const Json& request) {
  auto decoded = net::DecodeCpuTask(request);
  if (!decoded.ok()) {
    CheckRequestRefusal(decoded.status());
    FUZZ_CHECK(decoded.status().code() != Code::kIntegrity ||
                   net::Sha256Hex(request["program"].get<std::string>()) != request["program_sha256"],
               "INTEGRITY refuses only a program that does not hash to its program_sha256");
    return decoded.status();
  }
  CheckDigest(decoded->task);
  auto again = net::DecodeCpuTask(OverTheWire(net::Encode(*decoded), request["id"]));
  FUZZ_CHECK(again.ok() && SameTask(again->task, decoded->task) && SamePlacement(*again, *decoded),
             "a decoded CPU_TASK re-encodes to one that decodes equal");

  net::CpuTaskRequest forward{Forwardable(decoded->task), /*confidential=*/false, /*forwarded=*/true, kNode};
  auto forwarded = net::DecodeCpuTask(OverTheWire(net::Encode(forward), 1));
  FUZZ_CHECK(forwarded.ok() && SameTask(forwarded->task, forward.task) && SamePlacement(*forwarded, forward),
             "the forward of an accepted task decodes at the next peer");

  for (std::size_t i = 0; i < 2; ++i) {  // the reply, ok and failed, as HandleTask's reply() completes it
    Json entry = net::EncodeTaskResult(Ended(decoded->task, i));
    entry["id"] = request["id"];
    entry["submitted_to"] = request.value("origin", kNode);
    entry["forwarded"] = entry.value("peer", kNode) != entry["submitted_to"];
    entry["total_ms"] = 3;
    const Status expected = i == 0 ? Status::Ok() : Status(Code::kTaskFailed, "x");
    CheckReplyFrame(entry, expected, /*read_back=*/i == 0);  // the result is the fuzzer's JSON
    auto result = net::DecodeTaskResult(entry);
    FUZZ_CHECK(result.ok() && result->ok() == (i == 0) && result->submitted_to == entry["submitted_to"],
               "a client decodes the peer's CPU_RESULT");
  }
  return Status::Ok();
}

/// CpuService::HandleBatch: decode, re-encode, forward, and BatchState's reply.
Status OnCpuBatch(const Json& request) {
  auto decoded = net::DecodeCpuBatch(request);
  if (!decoded.ok()) {
    const Status& status = decoded.status();
    CheckRequestRefusal(status);
    FUZZ_CHECK(status.message().starts_with("CPU_BATCH: "), "a refused batch says CPU_BATCH");
    const std::string prefix = "CPU_BATCH: task ";
    if (status.message().starts_with(prefix)) {  // names the first bad entry, one that is there
      const std::size_t index = std::stoull(status.message().substr(prefix.size()));
      FUZZ_CHECK(index < request["tasks"].size(), "a refused batch names a task it has");
    }
    return status;
  }
  const std::size_t n = decoded->tasks.size();
  FUZZ_CHECK(n >= 1 && n <= params::kBatchMax && n == request["tasks"].size(), "a batch decodes every task");
  for (const net::TaskRequest& task : decoded->tasks) CheckDigest(task);

  auto same_batch = [](const net::CpuBatchRequest& a, const net::CpuBatchRequest& b) {
    return SamePlacement(a, b) && a.tasks.size() == b.tasks.size() &&
           std::equal(a.tasks.begin(), a.tasks.end(), b.tasks.begin(), SameTask);
  };
  auto again = net::DecodeCpuBatch(OverTheWire(net::Encode(*decoded), request["id"]));
  FUZZ_CHECK(again.ok() && same_batch(*again, *decoded), "a decoded CPU_BATCH re-encodes to one that decodes equal");

  net::CpuBatchRequest forward{{}, /*confidential=*/false, /*forwarded=*/true, kNode};  // ForwardBatch
  for (const net::TaskRequest& task : decoded->tasks) forward.tasks.push_back(Forwardable(task));
  auto forwarded = net::DecodeCpuBatch(OverTheWire(net::Encode(forward), 1));
  FUZZ_CHECK(forwarded.ok() && same_batch(*forwarded, forward), "the forward of a batch decodes at the next peer");

  // BatchState::Fill for each task, then Finish.
  Json results = Json(std::vector<Json>(n));
  for (std::size_t i = 0; i < n; ++i) {
    Json entry = net::EncodeTaskResult(Ended(decoded->tasks[i], i));
    entry["index"] = i;
    entry["ok"] = entry.value("type", "") != "ERROR";  // IsOk
    entry["total_ms"] = 4;
    if (entry["ok"]) entry.erase("type");
    results[i] = std::move(entry);
  }
  Json per_peer = Json::object();
  for (const auto& entry : results) {
    std::string peer = entry.value("peer", "?");
    per_peer[peer] = per_peer.value(peer, 0) + 1;
  }
  Json reply = {{"type", "BATCH_RESULT"},
                {"id", request["id"]},
                {"results", std::move(results)},
                {"peers", std::move(per_peer)},
                {"total_ms", 5}};
  CheckReplyFrame(reply, Status::Ok(), /*read_back=*/n <= 64);
  auto batch = net::DecodeBatchResult(reply);
  FUZZ_CHECK(batch.ok() && batch->results.size() == n && batch->failed() == n / 2 &&
                 batch->peers[kNode] == static_cast<int>(n),
             "a client decodes the peer's BATCH_RESULT, one entry per task");
  for (std::size_t i = 0; i < n; ++i) {
    FUZZ_CHECK(batch->results[i].index == i && batch->results[i].ok() == (i % 2 == 0), "entries keep their place");
  }
  return Status::Ok();
}

// [SECTION] The peer's memory and file handlers --------------------------------------

/// The peer's handlers (peer_server.cpp, cpu_service.cpp, file_service.cpp), reads and pure checks only.
Status PeerHandler(const std::string& type, const Json& request) {
  if (type == "CPU_TASK") return OnCpuTask(request);       // OnCpuTask -> CpuService::HandleTask
  if (type == "CPU_BATCH") return OnCpuBatch(request);     // OnCpuBatch -> CpuService::HandleBatch
  auto made = peer::MemoryStore::Create({4096, "first"});  // small, so LIMIT is reachable
  FUZZ_CHECK(made.ok(), "a 4 KiB first-fit arena is a good config");
  peer::MemoryStore& memory = **made;
  if (type == "SET_MEM") {  // OnSetMem
    const std::string key = request["key"];
    Status s = memory.Set(key, request["value"]);
    FUZZ_CHECK(memory.bytes() <= memory.limit_bytes(), "the store stays within its arena");
    if (s.ok()) {
      auto value = memory.Get(key);
      FUZZ_CHECK(value.ok() && *value == request["value"], "GET_MEM returns what SET_MEM stored");
      const std::size_t request_bytes = peer::MemoryStore::EntryBytes(key, *value);
      FUZZ_CHECK(memory.bytes() == (request_bytes + 7) / 8 * 8 + 24,
                 "the entry's block is its bytes, aligned, plus the header");
      FUZZ_CHECK(memory.charged(key) == memory.bytes(), "mem.set reports what the entry's block takes");
      CheckReplyFrame({{"type", "MEM_VALUE"}, {"id", request["id"]}, {"key", key}, {"value", *value}});
      FUZZ_CHECK(memory.Delete(key).ok() && memory.bytes() == 0, "DEL_MEM frees the entry");
    } else {
      FUZZ_CHECK(memory.entries() == 0 && memory.bytes() == 0, "a refused SET_MEM changes nothing");
    }
    return s;
  }
  if (type == "GET_MEM") return memory.Get(request["key"]).status();  // OnGetMem
  if (type == "DEL_MEM") {                                            // OnDelMem
    const std::string key = request["key"];
    FUZZ_CHECK(memory.charged(key) == 0, "an absent key is charged nothing");
    return memory.Delete(key);
  }
  if (type == "PUT_FILE") {  // FileService::HandlePut, before BeginUpload
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

// [SECTION] The reply decoders ---------------------------------------------------------

/// A decoder's refusal of a reply: the ERROR the reply is, or INTERNAL.
template <class T>
void CheckReplyRefusal(const Result<T>& decoded, const Status& error) {
  if (decoded.ok()) {
    FUZZ_CHECK(error.ok(), "an ERROR reply does not decode as a result");
    return;
  }
  if (!error.ok()) {
    FUZZ_CHECK(decoded.status().code() == error.code() && decoded.status().message() == error.message(),
               "an ERROR reply decodes to its own status");
    return;
  }
  FUZZ_CHECK(decoded.status().code() == Code::kInternal && !decoded.status().message().empty(),
             "a reply out of protocol is refused as INTERNAL, with a message");
}

bool SameResult(const net::TaskResult& a, const net::TaskResult& b) {
  return a.status.code() == b.status.code() && a.status.message() == b.status.message() &&
         a.status.detail() == b.status.detail() && a.result == b.result && a.task_id == b.task_id && a.peer == b.peer &&
         a.stdout_text == b.stdout_text && a.stderr_text == b.stderr_text && a.output_truncated == b.output_truncated &&
         a.queued_ms == b.queued_ms && a.run_ms == b.run_ms;
}

/// Any JSON may come back as a reply: what a client decodes it to.
void CheckReplyDecoders(const Json& reply) {
  const Status error = net::StatusFromReply(reply);
  try {
    auto task = net::DecodeTaskResult(reply);
    if (task.ok()) {
      FUZZ_CHECK(task->ok() || task->status.code() != Code::kOk, "a failed result has a code");
      auto again = net::DecodeTaskResult(net::EncodeTaskResult(*task));
      FUZZ_CHECK(again.ok() && SameResult(*again, *task), "a decoded result re-encodes to one that decodes equal");
    } else {
      FUZZ_CHECK(task.status().code() == Code::kInternal && !task.status().message().empty(),
                 "a result out of protocol is refused as INTERNAL, with a message");
    }
    auto batch = net::DecodeBatchResult(reply);
    CheckReplyRefusal(batch, error);
    if (batch.ok()) FUZZ_CHECK(batch->failed() <= batch->results.size(), "a batch fails at most all its tasks");
    auto mem = net::DecodeMemList(reply);
    CheckReplyRefusal(mem, error);
    auto files = net::DecodeFileList(reply);
    CheckReplyRefusal(files, error);
    auto map = net::DecodeMemMap(reply);
    CheckReplyRefusal(map, error);
    if (map.ok()) {
      auto again = net::DecodeMemMap(net::EncodeMemMap(*map));
      FUZZ_CHECK(again.ok() && again->blocks.size() == map->blocks.size(), "a decoded arena map re-encodes");
    }
    auto compacted = net::DecodeMemCompacted(reply);
    CheckReplyRefusal(compacted, error);
    auto peers = net::DecodePeerList(reply);
    CheckReplyRefusal(peers, error);
    auto tasks = net::DecodeTaskList(reply);
    CheckReplyRefusal(tasks, error);
    if (tasks.ok()) {
      auto again = net::DecodeTaskList(net::EncodeTaskList(*tasks));
      FUZZ_CHECK(again.ok() && again.value() == tasks.value(),
                 "a decoded task list re-encodes to one that decodes equal");
    }
  } catch (const std::exception& thrown) {
    std::fprintf(stderr, "thrown: %s\n", thrown.what());
    FUZZ_CHECK(false, "a reply decoder never throws");
  }
}

// [SECTION] Requests --------------------------------------------------------------------

/// A validated request: the catalogue's promises, then the handler's reads.
void OnValid(const Json& request, std::string_view payload) {
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
    status =
        spec->served_by == net::Served::kTracker ? TrackerHandler(type, request, payload) : PeerHandler(type, request);
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
  const std::string_view payload(reinterpret_cast<const char*>(data), size);
  auto message = net::ParseMessage(payload);
  if (!message.ok()) {
    fuzz::CheckReplyFrame(net::MakeError(nullptr, message.status()), message.status());
    return 0;
  }
  fuzz::CheckReplyDecoders(*message);
  Status status = net::ValidateRequest(*message);
  if (status.ok()) {
    fuzz::OnValid(*message, payload);
  } else {
    fuzz::OnInvalid(*message, status);
  }
  return 0;
}
