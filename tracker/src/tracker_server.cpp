// Tracker request handlers, one per message type, and the cron.
#include "osgrid/tracker/tracker_server.h"

#include <spdlog/spdlog.h>

#include <deque>
#include <random>
#include <set>
#include <utility>

#include <boost/asio.hpp>

#include "event_hub.h"
#include "osgrid/net/events.h"
#include "osgrid/net/frame.h"
#include "osgrid/net/messages.h"
#include "osgrid/net/requests.h"
#include "osgrid/net/router.h"
#include "osgrid/tracker/registry.h"
#include "osgrid/tracker/sync_table.h"

namespace osgrid::tracker {

namespace asio = boost::asio;
using std::chrono::duration_cast;
using std::chrono::milliseconds;

namespace {

std::int64_t MillisSince(Clock::time_point then, Clock::time_point now) {
  return duration_cast<milliseconds>(now - then).count();
}

Json PeerJson(const PeerInfo& peer, Clock::time_point now) {
  return {{"id", peer.id},
          {"host", peer.host},
          {"port", peer.port},
          {"cores", peer.cores},
          {"sandbox", peer.sandbox},
          {"sandbox_missing", peer.sandbox_missing},
          {"load", peer.Load()},
          {"queue_length", peer.report.queue_length},
          {"running", peer.report.running},
          {"tasks_done", peer.report.tasks_done},
          {"mem_entries", peer.report.mem_entries},
          {"mem_bytes", peer.report.mem_bytes},
          {"disk_bytes", peer.report.disk_bytes},
          {"last_heartbeat_ms", MillisSince(peer.last_heartbeat, now)},
          {"registered_ms", MillisSince(peer.registered_at, now)}};
}

/// This run's epoch: "t-" and 8 random hex digits, so that a subscriber can
/// tell a restarted tracker (whose seq starts again) from the one it knew.
std::string NewEpoch() {
  std::random_device random;
  char text[16];
  std::snprintf(text, sizeof text, "t-%08x", static_cast<unsigned>(random()));
  return text;
}

}  // namespace

struct TrackerServer::Impl : std::enable_shared_from_this<TrackerServer::Impl> {
  asio::io_context& io;
  TrackerOptions options;
  net::Router router;  // before `server`, which calls it
  Status routed;       // the first route that could not be added; Start() returns it
  net::Server server;
  asio::steady_timer cron_timer;
  Registry registry;
  Clock::time_point started = Clock::now();
  std::int64_t peers_died = 0;
  EventHub hub;
  Result<DeadlockMode> deadlock_mode;
  SyncTable sync;
  /// A SYNC call that waits: where its reply goes, and its timeout.
  struct PendingSync {
    std::weak_ptr<net::Session> session;  // expired once the peer's connection closed
    Json request;                         // for the reply's id, and to undo a grant nobody can receive
    std::unique_ptr<asio::steady_timer> timeout;
  };
  std::map<Ticket, PendingSync> pending_sync;
  /// Grants of Locks and Resources wait for `grace` after Start, until grace_end (TrackerOptions::sync_grace).
  milliseconds grace = options.sync_grace.value_or(options.peer_timeout);
  Clock::time_point grace_end;
  /// lock.acquire and resource.request calls that came before grace_end, in order.
  struct DeferredSync {
    std::weak_ptr<net::Session> session;
    Json request;
    Clock::time_point arrived;
  };
  std::vector<DeferredSync> deferred_sync;
  asio::steady_timer grace_timer;

  Impl(asio::io_context& context, TrackerOptions opts)
      : io(context),
        options(std::move(opts)),
        routed(AddRoutes()),
        server(context, ServerOptionsFor(options), router.AsRequestHandler()),
        cron_timer(context),
        hub(NewEpoch(), EventFrame, options.max_subscribers),
        deadlock_mode(ParseDeadlockMode(options.deadlock)),
        sync(
            deadlock_mode.ok() ? *deadlock_mode : DeadlockMode::kDetect,
            [this](os::events::Payload body) { PublishSync(std::move(body)); }, [this] { return NowMs(); }),
        grace_timer(context) {}

  /// The SyncTable's events: published, and the deadlock ones kept for DEADLOCK's history.
  void PublishSync(os::events::Payload body) {
    const bool kept = os::events::TypeOf(body).starts_with("deadlock.");
    const double t = NowMs();
    os::events::Event event{0, hub.epoch(), t, "tracker", body};
    hub.Publish(os::events::Event{0, "", t, "tracker", std::move(body)});
    if (!kept) return;
    event.seq = hub.seq();  // the number the hub just gave it
    deadlock_history.push_back(net::EncodeEvent(event));
    if (deadlock_history.size() > 100) deadlock_history.pop_front();
  }
  std::deque<Json> deadlock_history;  // deadlock.* events since the start or the last mode change

  /// The tracker's table of requests. STATUS, PEER_LIST, TASK_LIST and
  /// SUBSCRIBE only read: an observer may call them.
  Status AddRoutes() {
    using net::Access;
    return net::AddMemberRoutes<Impl>(router, this,
                                      {
                                          {"REGISTER", &Impl::OnRegister, Access::kMember},
                                          {"HEARTBEAT", &Impl::OnHeartbeat, Access::kMember},
                                          {"UNREGISTER", &Impl::OnUnregister, Access::kMember},
                                          {"PICK_PEER", &Impl::OnPickPeer, Access::kMember},
                                          {"EVENTS", &Impl::OnEvents, Access::kMember},
                                          {"SUBSCRIBE", &Impl::OnSubscribe, Access::kObserver},
                                          {"PEER_LIST", &Impl::OnPeerList, Access::kObserver},
                                          {"TASK_LIST", &Impl::OnTaskList, Access::kObserver},
                                          {"STATUS", &Impl::OnStatus, Access::kObserver},
                                          {"SYNC", &Impl::OnSync, Access::kMember},
                                          {"DEADLOCK", &Impl::OnDeadlock, Access::kObserver},
                                      });
  }

  static net::ServerOptions ServerOptionsFor(const TrackerOptions& options) {
    net::ServerOptions server = options.server;
    server.role = "tracker";
    server.serves = net::Served::kTracker;
    server.node = options.name;
    return server;
  }

  // ---- Events --------------------------------------------------------------

  /// Now on the tracker's clock: ms since it started. Every event's t is on
  /// this clock; peers learn their offset to it from `now_ms` in replies.
  double NowMs() const { return std::chrono::duration<double, std::milli>(Clock::now() - started).count(); }

  /// Publishes an event of the tracker's own, stamped now.
  void Publish(os::events::Payload body) { hub.Publish(os::events::Event{0, "", NowMs(), "tracker", std::move(body)}); }

  // ---- Handlers ------------------------------------------------------------

  void OnRegister(const net::SessionPtr& session, const Json& request) {
    PeerInfo peer;
    peer.id = request["peer_id"];
    peer.port = static_cast<std::uint16_t>(std::clamp<std::int64_t>(request["port"], 0, 65535));
    peer.cores = static_cast<int>(std::clamp<std::int64_t>(request["cores"], 0, 1 << 16));
    peer.host = request.value("host", session->remote_ip());
    peer.sandbox = net::Sanitize(request.value("sandbox", ""), 16);
    peer.sandbox_missing = net::Sanitize(request.value("sandbox_missing", ""), 512);
    bool rejoin = registry.Find(peer.id) != nullptr;
    if (Status s = registry.Register(peer, Clock::now()); !s.ok()) return session->ReplyError(request, s);
    spdlog::info("peer {} {} at {}:{} with {} cores", peer.id, rejoin ? "re-registered" : "joined", peer.host,
                 peer.port, peer.cores);
    if (peer.sandbox == "off") {
      spdlog::warn("peer {} runs tasks WITHOUT a sandbox (--sandbox off)", peer.id);
    } else if (!peer.sandbox_missing.empty()) {
      spdlog::warn("peer {} isolates tasks only partly (--sandbox {}): {}", peer.id, peer.sandbox,
                   peer.sandbox_missing);
    }
    if (rejoin) Publish(os::events::PeerLeft{peer.id, "replaced"});
    sync.PeerJoined(peer.id);
    AnswerCompletedSyncs();
    Publish(os::events::PeerJoined{peer.id, peer.host + ":" + std::to_string(peer.port), peer.cores});
    session->Reply(request, {{"type", "REGISTERED"},
                             {"peer_id", peer.id},
                             {"host", peer.host},
                             {"heartbeat_interval_ms", options.heartbeat_interval.count()},
                             {"peer_timeout_ms", options.peer_timeout.count()},
                             {"epoch", hub.epoch()},
                             {"now_ms", NowMs()}});
  }

  void OnHeartbeat(const net::SessionPtr& session, const Json& request) {
    const std::string id = request["peer_id"];
    const LoadReport report = LoadReport::FromHeartbeat(request);
    Status s = registry.Heartbeat(id, report, Clock::now());
    if (!s.ok()) return session->ReplyError(request, s);
    auto counter = [](std::int64_t n) { return static_cast<std::uint64_t>(std::max<std::int64_t>(n, 0)); };
    Publish(os::events::PeerLoad{id, report.running, report.queue_length, registry.Find(id)->cores,
                                 counter(report.mem_entries), counter(report.mem_bytes), counter(report.disk_bytes)});
    session->Reply(request, {{"type", "OK"}, {"now_ms", NowMs()}});
  }

  void OnUnregister(const net::SessionPtr& session, const Json& request) {
    const std::string id = request["peer_id"];
    if (Status s = registry.Unregister(id); !s.ok()) return session->ReplyError(request, s);
    spdlog::info("peer {} left", id);
    Publish(os::events::PeerLeft{id, "shutdown"});
    session->Reply(request, {{"type", "OK"}});
  }

  void OnPeerList(const net::SessionPtr& session, const Json& request) {
    auto now = Clock::now();
    Json peers = Json::array();
    for (const auto& peer : registry.List()) peers.push_back(PeerJson(peer, now));
    session->Reply(request, {{"type", "PEERS"}, {"peers", std::move(peers)}});
  }

  /// TASK_LIST: the live tasks as the hub's fold knows them, at its seq
  /// (the same state a new subscriber's snapshot is taken from).
  void OnTaskList(const net::SessionPtr& session, const Json& request) {
    session->Reply(request, net::EncodeTaskList(TaskListOf(hub.state())));
  }

  void OnPickPeer(const net::SessionPtr& session, const Json& request) {
    std::int64_t count = request.value("count", std::int64_t{1});
    if (count < 1 || count > static_cast<std::int64_t>(params::kBatchMax)) {
      return session->ReplyError(
          request, Status::BadRequest("PICK_PEER: count must be 1.." + std::to_string(params::kBatchMax)));
    }
    std::vector<std::string> exclude;
    for (const auto& id : request.value("exclude", Json::array())) {
      if (id.is_string()) exclude.push_back(id);
    }
    auto task_ids = TaskIds(request, count);
    if (!task_ids.ok()) return session->ReplyError(request, task_ids.status());
    auto picked = registry.Pick(static_cast<int>(count), exclude);
    if (picked.empty()) return session->ReplyError(request, Status::Unavailable("no live peer to run the task"));
    Json peers = Json::array();
    for (const auto& peer : picked) peers.push_back({{"id", peer.id}, {"host", peer.host}, {"port", peer.port}});
    PublishForwards(request.value("peer_id", ""), *task_ids, picked);
    session->Reply(request, {{"type", "PICKED"}, {"peers", std::move(peers)}});
  }

  /// PICK_PEER's task_ids: none, or one string per task placed.
  static Result<std::vector<std::string>> TaskIds(const Json& request, std::int64_t count) {
    std::vector<std::string> ids;
    auto it = request.find("task_ids");
    if (it == request.end()) return ids;
    if (static_cast<std::int64_t>(it->size()) != count) {
      return Status::BadRequest("PICK_PEER: task_ids must hold one id per task (count " + std::to_string(count) +
                                "), got " + std::to_string(it->size()));
    }
    for (const Json& id : *it) {
      if (!id.is_string()) return Status::BadRequest("PICK_PEER: task_ids must be strings");
      ids.push_back(id);
    }
    return ids;
  }

  /// The tracker makes the placement, so it publishes task.forwarded itself,
  /// before it answers: the peer's task.submitted came first on the same
  /// connection (EVENTS), and the target's task.queued can only follow.
  void PublishForwards(const std::string& from, const std::vector<std::string>& task_ids,
                       const std::vector<PeerInfo>& picked) {
    if (from.empty()) return;
    for (std::size_t i = 0; i < task_ids.size(); ++i) {
      if (picked[i].id != from) Publish(os::events::TaskForwarded{task_ids[i], std::nullopt, from, picked[i].id});
    }
  }

  /// EVENTS: a peer's events, published in its order with the tracker's
  /// seq. All or nothing: one bad event refuses the batch.
  void OnEvents(const net::SessionPtr& session, const Json& request) {
    const std::string peer = request["peer_id"];
    auto events = DecodePeerEvents(peer, request["events"]);
    if (!events.ok()) return session->ReplyError(request, events.status());
    std::vector<std::pair<std::string, std::string>> ended;  // task, outcome: what it held is freed now
    for (os::events::Event& event : *events) {
      if (const auto* finished = std::get_if<os::events::TaskFinished>(&event.body)) {
        ended.emplace_back(finished->task_id, std::string(os::events::OutcomeName(finished->outcome)));
      } else if (const auto* zombie = std::get_if<os::events::TaskZombie>(&event.body)) {
        ended.emplace_back(zombie->task_id, std::string(os::events::OutcomeName(zombie->outcome)));
      }
      hub.Publish(std::move(event));
    }
    for (const auto& [task_id, outcome] : ended) sync.TaskEnded(task_id, outcome);
    if (!ended.empty()) AnswerCompletedSyncs();
    session->Reply(request, {{"type", "OK"}, {"accepted", events->size()}});
  }

  // ---- Cluster objects (docs/sync.md) ------------------------------------------

  /// SYNC: a task's call on a Lock, Resource, Semaphore or MessageQueue. The
  /// reply goes now, or when the SyncTable completes the call, or when its
  /// timeout passes.
  void OnSync(const net::SessionPtr& session, const Json& request) {
    auto decoded = DecodeSync(request);
    if (!decoded.ok()) return session->ReplyError(request, decoded.status());
    if (GraceLeft() > milliseconds(0) && (decoded->op == "lock.acquire" || decoded->op == "resource.request")) {
      return DeferSync(session, request, *decoded);
    }
    SyncAnswer answer = sync.Submit(*decoded);
    if (!answer.status.ok()) return session->ReplyError(request, answer.status);
    if (!answer.waiting) {
      ReplySync(*session, request, answer.reply);
    } else {
      PendingSync& pending = pending_sync[answer.ticket];
      pending.session = session;
      pending.request = request;
      if (request.contains("timeout_ms")) {
        pending.timeout =
            std::make_unique<asio::steady_timer>(io, milliseconds(request["timeout_ms"].get<std::int64_t>()));
        pending.timeout->async_wait([weak = weak_from_this(), ticket = answer.ticket](boost::system::error_code ec) {
          auto self = weak.lock();
          if (ec || !self) return;
          self->SyncTimedOut(ticket);
        });
      }
    }
    AnswerCompletedSyncs();
  }

  // A restarted tracker knows nothing of the Locks and Resources that tasks
  // hold under its previous run. Those tasks are killed by their peers: at
  // once when the peer registers with this run, or when the peer timeout
  // passes if it cannot reach us. So grants wait that long (the grace, as
  // NFS's lock manager and Chubby's new master wait after a restart).

  /// What is left of the grace, 0 once it is over.
  milliseconds GraceLeft() const {
    return std::max(milliseconds(0), std::chrono::duration_cast<milliseconds>(grace_end - Clock::now()));
  }

  std::string GraceMessage() const {
    return "the tracker grants Locks and Resources only " + std::to_string(grace.count()) +
           " ms after it starts, when every task holding one under a previous run has been killed (" +
           std::to_string(GraceLeft().count()) + " ms left; docs/sync.md)";
  }

  /// Holds a grant back until the grace is over; a call that may not wait is
  /// answered "not granted" at once.
  void DeferSync(const net::SessionPtr& session, const Json& request, const SyncRequest& call) {
    if (call.has_timeout && !call.may_wait) {
      return ReplySync(*session, request, {{"granted", false}, {"message", GraceMessage()}});
    }
    deferred_sync.push_back({session, request, Clock::now()});
    if (deferred_sync.size() > 1) return;
    grace_timer.expires_at(grace_end);
    grace_timer.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
      auto self = weak.lock();
      if (!ec && self) self->EndGrace();
    });
  }

  /// The grace is over: the held-back calls go to the SyncTable in the order
  /// they came, each with what is left of its timeout.
  void EndGrace() {
    std::vector<DeferredSync> deferred = std::move(deferred_sync);
    deferred_sync.clear();
    for (DeferredSync& call : deferred) {
      auto session = call.session.lock();
      if (!session) continue;  // its peer's connection closed: nobody waits for the answer
      if (call.request.contains("timeout_ms")) {
        const std::int64_t waited = std::chrono::duration_cast<milliseconds>(Clock::now() - call.arrived).count();
        const std::int64_t left = call.request["timeout_ms"].get<std::int64_t>() - waited;
        if (left <= 0) {
          ReplySync(*session, call.request, {{"granted", false}});
          continue;
        }
        call.request["timeout_ms"] = left;
      }
      OnSync(session, call.request);
    }
  }

  static Result<SyncRequest> DecodeSync(const Json& request) {
    SyncRequest sync;
    sync.op = request["op"];
    sync.name = request["name"];
    sync.task_id = request["task_id"];
    sync.peer = request["peer_id"];
    sync.count = request.value("count", std::int64_t{1});
    if (request.contains("instances")) sync.instances = request["instances"].get<std::int64_t>();
    if (request.contains("initial")) sync.initial = request["initial"].get<std::int64_t>();
    if (request.contains("capacity")) sync.capacity = request["capacity"].get<std::int64_t>();
    if (request.contains("message")) sync.message = request["message"];
    if (request.contains("claims")) {
      auto claims = net::DecodeClaims(request["claims"]);
      if (!claims.ok()) return claims.status();
      sync.claims = std::move(claims).value();
    }
    if (request.contains("timeout_ms")) {
      const std::int64_t timeout_ms = request["timeout_ms"];
      if (timeout_ms < 0 || timeout_ms > net::kMaxTaskTimeoutMs) {
        return Status::BadRequest("SYNC: timeout_ms must be 0.." + std::to_string(net::kMaxTaskTimeoutMs));
      }
      sync.may_wait = timeout_ms > 0;
      sync.has_timeout = true;
    }
    return sync;
  }

  static void ReplySync(net::Session& session, const Json& request, Json fields) {
    fields["type"] = "SYNC_OK";
    if (!fields.contains("granted")) fields["granted"] = true;
    session.Reply(request, std::move(fields));
  }

  void SyncTimedOut(Ticket ticket) {
    auto it = pending_sync.find(ticket);
    if (it == pending_sync.end() || !sync.Cancel(ticket, "timed out")) return;
    if (auto session = it->second.session.lock()) ReplySync(*session, it->second.request, {{"granted", false}});
    pending_sync.erase(it);
    AnswerCompletedSyncs();
  }

  /// Replies to every waiting call the SyncTable completed. A grant whose
  /// peer is gone (its connection closed) is given back, so no Lock stays
  /// held by a task that never learnt it has it.
  void AnswerCompletedSyncs() {
    for (int round = 0; round < 1000; ++round) {  // an undo may complete others: until none is left
      std::vector<Completion> completions = sync.TakeCompletions();
      if (completions.empty()) return;
      for (Completion& done : completions) {
        auto it = pending_sync.find(done.ticket);
        if (it == pending_sync.end()) continue;
        PendingSync pending = std::move(it->second);
        pending_sync.erase(it);
        auto session = pending.session.lock();
        if (!session) {
          if (done.status.ok()) UndoGrant(pending.request);
          continue;
        }
        if (!done.status.ok()) {
          session->ReplyError(pending.request, done.status);
        } else {
          ReplySync(*session, pending.request, std::move(done.reply));
        }
      }
    }
  }

  void UndoGrant(const Json& request) {
    static const std::map<std::string, std::string> undo = {
        {"lock.acquire", "lock.release"}, {"resource.request", "resource.release"}, {"sem.wait", "sem.signal"}};
    const std::string op = request["op"];
    auto it = undo.find(op);
    if (it == undo.end()) {
      spdlog::warn("{} by {} on {} completed after its peer's connection closed", op,
                   request["task_id"].get<std::string>(), request["name"].get<std::string>());
      return;
    }
    Json reverse = request;
    reverse["op"] = it->second;
    reverse.erase("timeout_ms");
    auto decoded = DecodeSync(reverse);
    if (decoded.ok()) sync.Submit(*decoded);
  }

  /// DEADLOCK: what `osgrid deadlock` prints.
  void OnDeadlock(const net::SessionPtr& session, const Json& request) {
    if (request.contains("mode")) {
      if (session->access() != net::Access::kMember) {
        return session->ReplyError(request, Status(Code::kForbidden,
                                                   "DEADLOCK needs the cluster secret: this connection holds the "
                                                   "observer credential, which may read the deadlock state but not "
                                                   "change its mode"));
      }
      auto mode = ParseDeadlockMode(request["mode"].get<std::string>());
      if (!mode.ok()) return session->ReplyError(request, mode.status());
      const DeadlockMode was = sync.mode();
      if (Status switched = sync.SetMode(*mode); !switched.ok()) return session->ReplyError(request, switched);
      if (*mode != was)
        spdlog::info("deadlock: {} from now on (was {})", DeadlockModeName(*mode), DeadlockModeName(was));
      deadlock_history.clear();
    }
    Json reply = {{"type", "DEADLOCK_REPLY"}, {"mode", std::string(DeadlockModeName(sync.mode()))}};
    if (GraceLeft() > milliseconds(0)) {
      reply["grace_ms"] = GraceLeft().count();
      reply["grace_message"] = GraceMessage();
    }
    reply["history"] = Json(std::vector<Json>(deadlock_history.begin(), deadlock_history.end()));
    // The objects as the snapshot writes them (its `resources`), the deadlocks as events.
    os::events::Snapshot objects;
    if (request.contains("name")) {
      auto object = sync.Find(request["name"]);
      if (!object.ok()) return session->ReplyError(request, object.status());
      objects.resources.push_back(std::move(object).value());
    } else {
      objects.resources = sync.Snapshot();
    }
    reply["objects"] = net::EncodeSnapshot(objects).value("resources", Json::array());
    reply["deadlocks"] = Json::array();
    for (const DeadlockReport& report : sync.Deadlocks()) {
      reply["deadlocks"].push_back(
          net::EncodeEvent(os::events::Event{0, hub.epoch(), report.found_t, "tracker", report.found}));
    }
    if (auto stall = sync.Stall()) {
      reply["stall"] = net::EncodeEvent(os::events::Event{0, hub.epoch(), NowMs(), "tracker", *stall});
    }
    session->Reply(request, std::move(reply));
  }

  /// SUBSCRIBE: the snapshot now, then every later event as a frame of its
  /// own, pulled by the session as fast as the subscriber reads.
  void OnSubscribe(const net::SessionPtr& session, const Json& request) {
    const SubscribeLimits limits{options.subscriber_queue_bytes, options.max_subscriber_queue_bytes};
    auto subscribe = SubscribeOptionsFor(request, limits, session->remote_role(), session->remote_address());
    if (!subscribe.ok()) return session->ReplyError(request, subscribe.status());
    const std::size_t bound = subscribe->max_queue_bytes;
    std::weak_ptr<net::Session> weak = session;
    auto subscription = hub.Subscribe(std::move(subscribe).value(), [weak](const Status& cut_off) {
      auto s = weak.lock();
      if (!s) return;
      if (cut_off.ok()) return s->WakeStream();
      s->EndStream(cut_off);
    });
    if (!subscription.ok()) return session->ReplyError(request, subscription.status());
    os::events::Snapshot snapshot = subscription->snapshot;
    snapshot.resources = sync.Snapshot();  // the table changes only with events, on this thread: same seq
    session->Reply(request, {{"type", "SUBSCRIBED"},
                             {"subscriber", subscription->id},
                             {"epoch", hub.epoch()},
                             {"seq", snapshot.seq},
                             {"queue_bytes", bound},
                             {"snapshot", net::EncodeSnapshot(snapshot)}});
    session->StartStream(request, std::make_shared<HubStream>(weak_from_this(), subscription->id));
  }

  /// A subscriber's stream, as its session pulls it: the hub's frames,
  /// copied back to back into the session's write buffer (so that a pull
  /// goes out in one write; see net::Session::StartStream). It leaves the
  /// hub when the session drops it (the connection closed).
  class HubStream final : public net::FrameSource {
   public:
    HubStream(std::weak_ptr<Impl> tracker, std::uint64_t id) : tracker_(std::move(tracker)), id_(id) {}
    ~HubStream() override {
      if (auto tracker = tracker_.lock()) tracker->hub.Unsubscribe(id_);
    }
    Status Pull(std::string& out, std::size_t max_bytes) override {
      auto tracker = tracker_.lock();
      if (!tracker) return Status::Unavailable("the tracker is stopping");
      auto frames = tracker->hub.Take(id_, max_bytes);
      if (!frames.ok()) return frames.status();
      for (const Frame& frame : *frames) out.append(*frame);
      return Status::Ok();
    }

   private:
    std::weak_ptr<Impl> tracker_;
    std::uint64_t id_;
  };

  void OnStatus(const net::SessionPtr& session, const Json& request) {
    auto now = Clock::now();
    int cores = 0, running = 0, queued = 0;
    for (const auto& peer : registry.List()) {
      cores += peer.cores;
      running += peer.report.running;
      queued += peer.report.queue_length;
    }
    session->Reply(request, {{"type", "STATUS_REPLY"},
                             {"role", "tracker"},
                             {"node", options.name},
                             {"uptime_s", MillisSince(started, now) / 1000.0},
                             {"peers", registry.size()},
                             {"peers_died", peers_died},
                             {"heartbeat_interval_ms", options.heartbeat_interval.count()},
                             {"peer_timeout_ms", options.peer_timeout.count()},
                             {"connections", server.connection_count()},
                             {"auth", server.options().secret.empty() ? "none" : "hmac-sha256"},
                             {"observers", !server.options().observer_secret.empty()},
                             {"access", std::string(net::AccessName(session->access()))},
                             {"tls", !server.options().tls_cert.empty()},
                             {"deadlock", std::string(DeadlockModeName(sync.mode()))},
                             {"totals", {{"cores", cores}, {"running", running}, {"queue_length", queued}}},
                             {"events", EventsStatus()}});
  }

  /// STATUS's view of the hub: {epoch, seq, max_subscribers, subscribers:
  /// [{id, name, queued_bytes, max_queue_bytes, delivered, cut_off}]}.
  Json EventsStatus() const {
    Json subscribers = Json::array();
    for (const SubscriberStats& s : hub.Stats()) {
      subscribers.push_back({{"id", s.id},
                             {"name", s.name},
                             {"queued_bytes", s.queued_bytes},
                             {"max_queue_bytes", s.max_queue_bytes},
                             {"delivered", s.delivered},
                             {"cut_off", s.cut_off}});
    }
    return {{"epoch", hub.epoch()},
            {"seq", hub.seq()},
            {"max_subscribers", options.max_subscribers},
            {"subscribers", std::move(subscribers)}};
  }

  // ---- Cron ------------------------------------------------------------------
  // Runs every peer_timeout/10 (50 ms .. 1 s), so a dead peer is removed at
  // most that long after its timeout expires. Today it only reaps dead peers.

  milliseconds CronPeriod() const {
    return std::clamp(options.peer_timeout / 10, milliseconds(50), milliseconds(1000));
  }

  void ScheduleCron() {
    cron_timer.expires_after(CronPeriod());
    cron_timer.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
      auto self = weak.lock();
      if (!self || ec) return;
      self->Cron();
      self->ScheduleCron();
    });
  }

  void Cron() {
    auto now = Clock::now();
    std::map<std::string, double> silent;  // ms since each peer's last heartbeat
    for (const auto& peer : registry.List())
      silent[peer.id] = static_cast<double>(MillisSince(peer.last_heartbeat, now));
    for (const auto& id : registry.ReapDead(now, options.peer_timeout)) {
      ++peers_died;
      spdlog::warn("peer {} is dead: no heartbeat for over {} ms; removed", id, options.peer_timeout.count());
      PublishDeath(id, silent[id]);
    }
    SweepSync();
  }

  /// Each sweep: calls whose peer hung up dropped, periodic detection, and
  /// the stall check.
  void SweepSync() {
    for (auto it = pending_sync.begin(); it != pending_sync.end();) {
      if (!it->second.session.expired()) {
        ++it;
        continue;
      }
      const Ticket ticket = it->first;
      it = pending_sync.erase(it);
      sync.Cancel(ticket, "its peer's connection closed");
    }
    sync.Detect();
    std::map<std::string, bool> live;  // task -> blocked outside the table (in osgrid.wait for a child)
    for (const os::events::TaskInfo& task : hub.state().Tasks()) {
      if (task.state == os::events::TaskState::kZombie) continue;
      live[task.task_id] = task.state == os::events::TaskState::kWaiting;
    }
    sync.CheckStall(live);
    AnswerCompletedSyncs();
  }

  /// peer.dead, then task.finished (lost) for each task it held, and for
  /// each zombie whose parent it held (the parent that would have reaped it
  /// is gone): nothing that was accepted disappears without an end.
  void PublishDeath(const std::string& id, double silent_ms) {
    std::vector<os::events::TaskRef> lost = hub.state().TasksOn(id);
    std::set<std::string> gone;
    for (const auto& task : lost) gone.insert(task.task_id);
    std::vector<os::events::TaskInfo> orphaned_zombies;
    for (const os::events::TaskInfo& task : hub.state().Tasks()) {
      if (task.state == os::events::TaskState::kZombie && task.parent && gone.contains(*task.parent)) {
        orphaned_zombies.push_back(task);
      }
    }
    Publish(os::events::PeerDead{id, silent_ms});
    for (const auto& task : lost) {
      Publish(os::events::TaskFinished{task.task_id, task.parent, id, os::events::Outcome::kLost, 0, 0, 0});
    }
    for (const auto& zombie : orphaned_zombies) {
      Publish(
          os::events::TaskFinished{zombie.task_id, zombie.parent, zombie.peer, os::events::Outcome::kLost, 0, 0, 0});
    }
    // Its tasks' Locks and Resources are free from now on. Safe: a peer that
    // is cut off but alive killed its holders before this (docs/sync.md,
    // "Cut off from the tracker"); it counts its silence from before we last
    // heard it, and stops short of the timeout by a margin.
    sync.PeerGone(id, "lost");
    AnswerCompletedSyncs();
  }
};

TrackerServer::TrackerServer(asio::io_context& io, TrackerOptions options)
    : impl_(std::make_shared<Impl>(io, std::move(options))) {}

TrackerServer::~TrackerServer() { Stop(); }

Status TrackerServer::Start() {
  if (!impl_->routed.ok()) return impl_->routed;
  if (!impl_->deadlock_mode.ok()) return impl_->deadlock_mode.status();
  if (Status s = impl_->server.Listen(impl_->options.host, impl_->options.port); !s.ok()) return s;
  impl_->grace_end = Clock::now() + impl_->grace;
  impl_->ScheduleCron();
  return Status::Ok();
}

void TrackerServer::Stop() {
  impl_->cron_timer.cancel();
  impl_->grace_timer.cancel();
  impl_->server.Stop();
}

std::uint16_t TrackerServer::port() const { return impl_->server.port(); }

}  // namespace osgrid::tracker
