// Tracker request handlers, one per message type, and the cron.
#include "osgrid/tracker/tracker_server.h"

#include <spdlog/spdlog.h>

#include <deque>
#include <utility>

#include <boost/asio.hpp>

#include "osgrid/net/messages.h"
#include "osgrid/net/router.h"
#include "osgrid/tracker/registry.h"

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
  std::deque<Json> recent_events;  // last kRecentEvents joins/deaths, oldest first
  static constexpr std::size_t kRecentEvents = 64;

  Impl(asio::io_context& context, TrackerOptions opts)
      : io(context),
        options(std::move(opts)),
        routed(AddRoutes()),
        server(context, ServerOptionsFor(options), router.AsRequestHandler()),
        cron_timer(context) {}

  /// The tracker's table of requests. STATUS and PEER_LIST only read: an
  /// observer may call them.
  Status AddRoutes() {
    using net::Access;
    return net::AddMemberRoutes<Impl>(router, this,
                                      {
                                          {"REGISTER", &Impl::OnRegister, Access::kMember},
                                          {"HEARTBEAT", &Impl::OnHeartbeat, Access::kMember},
                                          {"UNREGISTER", &Impl::OnUnregister, Access::kMember},
                                          {"PICK_PEER", &Impl::OnPickPeer, Access::kMember},
                                          {"PEER_LIST", &Impl::OnPeerList, Access::kObserver},
                                          {"STATUS", &Impl::OnStatus, Access::kObserver},
                                      });
  }

  static net::ServerOptions ServerOptionsFor(const TrackerOptions& options) {
    net::ServerOptions server = options.server;
    server.role = "tracker";
    server.serves = net::Served::kTracker;
    server.node = options.name;
    return server;
  }

  void Event(const std::string& kind, const std::string& peer, Json extra = Json::object()) {
    extra["t_ms"] = MillisSince(started, Clock::now());
    extra["kind"] = kind;
    extra["peer"] = peer;
    recent_events.push_back(std::move(extra));
    if (recent_events.size() > kRecentEvents) recent_events.pop_front();
  }

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
    Event("peer_joined", peer.id, {{"host", peer.host}, {"port", peer.port}, {"cores", peer.cores}});
    session->Reply(request, {{"type", "REGISTERED"},
                             {"peer_id", peer.id},
                             {"host", peer.host},
                             {"heartbeat_interval_ms", options.heartbeat_interval.count()},
                             {"peer_timeout_ms", options.peer_timeout.count()}});
  }

  void OnHeartbeat(const net::SessionPtr& session, const Json& request) {
    Status s = registry.Heartbeat(request["peer_id"], LoadReport::FromHeartbeat(request), Clock::now());
    if (!s.ok()) return session->ReplyError(request, s);
    session->Reply(request, {{"type", "OK"}});
  }

  void OnUnregister(const net::SessionPtr& session, const Json& request) {
    const std::string id = request["peer_id"];
    if (Status s = registry.Unregister(id); !s.ok()) return session->ReplyError(request, s);
    spdlog::info("peer {} left", id);
    Event("peer_left", id);
    session->Reply(request, {{"type", "OK"}});
  }

  void OnPeerList(const net::SessionPtr& session, const Json& request) {
    auto now = Clock::now();
    Json peers = Json::array();
    for (const auto& peer : registry.List()) peers.push_back(PeerJson(peer, now));
    session->Reply(request, {{"type", "PEERS"}, {"peers", std::move(peers)}});
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
    auto picked = registry.Pick(static_cast<int>(count), exclude);
    if (picked.empty()) return session->ReplyError(request, Status::Unavailable("no live peer to run the task"));
    Json peers = Json::array();
    for (const auto& peer : picked) peers.push_back({{"id", peer.id}, {"host", peer.host}, {"port", peer.port}});
    session->Reply(request, {{"type", "PICKED"}, {"peers", std::move(peers)}});
  }

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
                             {"totals", {{"cores", cores}, {"running", running}, {"queue_length", queued}}},
                             {"recent_events", Json(recent_events)}});
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
    for (const auto& id : registry.ReapDead(now, options.peer_timeout)) {
      ++peers_died;
      spdlog::warn("peer {} is dead: no heartbeat for over {} ms; removed", id, options.peer_timeout.count());
      Event("peer_died", id, {{"timeout_ms", options.peer_timeout.count()}});
    }
  }
};

TrackerServer::TrackerServer(asio::io_context& io, TrackerOptions options)
    : impl_(std::make_shared<Impl>(io, std::move(options))) {}

TrackerServer::~TrackerServer() { Stop(); }

Status TrackerServer::Start() {
  if (!impl_->routed.ok()) return impl_->routed;
  if (Status s = impl_->server.Listen(impl_->options.host, impl_->options.port); !s.ok()) return s;
  impl_->ScheduleCron();
  return Status::Ok();
}

void TrackerServer::Stop() {
  impl_->cron_timer.cancel();
  impl_->server.Stop();
}

std::uint16_t TrackerServer::port() const { return impl_->server.port(); }

}  // namespace osgrid::tracker
