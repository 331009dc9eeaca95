// SimulatedPeers: see events_bench_peers.h.
#include "events_bench_peers.h"

#include <algorithm>
#include <optional>
#include <thread>
#include <utility>

#include "bench_util.h"
#include "osgrid/net/connection.h"
#include "osgrid/net/events.h"
#include "osgrid/net/messages.h"

namespace osgrid::bench {

namespace {

using std::chrono::milliseconds;
namespace ev = os::events;

constexpr milliseconds kRequestTimeout{10000};
constexpr std::size_t kMaxEventsPerRequest = 1000;  // the tracker's limit per EVENTS request

/// One simulated peer's tasks, one after another: task.submitted,
/// task.queued, task.running, task.finished, with plausible fields.
class TaskCycle {
 public:
  explicit TaskCycle(std::string peer) : peer_(std::move(peer)) {}

  /// The next event, stamped `t`.
  ev::Event Next(double t) {
    const std::uint64_t task = step_ / 4;
    const std::string id = peer_ + "/" + std::to_string(task);
    const double wait_ms = 0.5 + static_cast<double>(task % 7) * 0.25;
    const double cpu_ms = 10 + static_cast<double>(task % 11);
    ev::Payload body;
    switch (step_++ % 4) {
      case 0:
        body = ev::TaskSubmitted{id, std::nullopt, "main", peer_};
        break;
      case 1:
        body = ev::TaskQueued{id, std::nullopt, peer_, 1 + static_cast<int>(task % 3)};
        break;
      case 2:
        body = ev::TaskRunning{id, std::nullopt, peer_};
        break;
      default:
        body = ev::TaskFinished{id, std::nullopt, peer_, ev::Outcome::kOk, wait_ms, cpu_ms, wait_ms + cpu_ms + 1};
    }
    return ev::Event{0, "", t, peer_, std::move(body)};
  }

  std::uint64_t finished() const { return step_ / 4; }

 private:
  std::string peer_;
  std::uint64_t step_ = 0;  // events produced
};

}  // namespace

struct SimulatedPeers::Peer {
  Peer(boost::asio::io_context& io, const LoadOptions& options, std::string name)
      : id(name),
        tracker(io, options.host, options.port, {.role = "peer", .node = name}),
        heartbeat(io),
        tasks(std::move(name)) {}

  std::string id;
  net::Connection tracker;
  boost::asio::steady_timer heartbeat;
  std::chrono::milliseconds interval{1000};  // as REGISTERED says
  TaskCycle tasks;
};

SimulatedPeers::SimulatedPeers(boost::asio::io_context& io, LoadOptions options)
    : io_(io), options_(std::move(options)), tick_timer_(io) {
  for (int i = 1; i <= options_.peers; ++i) {
    peers_.push_back(std::make_unique<Peer>(io_, options_, "peer-" + std::to_string(i)));
  }
}

SimulatedPeers::~SimulatedPeers() = default;

void SimulatedPeers::Start() {
  for (std::size_t i = 0; i < peers_.size(); ++i) Register(*peers_[i], i);
}

void SimulatedPeers::Stop() {
  stopped_ = true;
  tick_timer_.cancel();
  for (auto& peer : peers_) peer->heartbeat.cancel();
}

std::string SimulatedPeers::first_error() const {
  std::lock_guard<std::mutex> lock(error_mutex_);
  return first_error_;
}

void SimulatedPeers::Fail(const char* what, const Status& status) {
  ++counters_.failures;
  std::lock_guard<std::mutex> lock(error_mutex_);
  if (first_error_.empty()) first_error_ = std::string(what) + ": " + status.ToString();
}

// A peer's heartbeats start at index/peers of the interval, so that they are
// spread over it rather than arriving together.
void SimulatedPeers::Register(Peer& peer, std::size_t index) {
  Json request = {{"type", "REGISTER"}, {"peer_id", peer.id},    {"port", 30000 + index},
                  {"cores", 4},         {"host", options_.host}, {"sandbox", "strict"}};
  peer.tracker.Call(std::move(request), kRequestTimeout, [this, &peer, index](Result<Json> reply) {
    if (!reply.ok()) return Fail("REGISTER", reply.status());
    peer.interval = milliseconds(reply->value("heartbeat_interval_ms", std::int64_t{1000}));
    ScheduleHeartbeat(peer, peer.interval * static_cast<long>(index) / static_cast<long>(peers_.size()));
    if (++counters_.registered == peers_.size()) StartEvents();
  });
}

void SimulatedPeers::ScheduleHeartbeat(Peer& peer, milliseconds delay) {
  peer.heartbeat.expires_after(delay);
  peer.heartbeat.async_wait([this, &peer](boost::system::error_code ec) {
    if (!ec && !stopped_) Heartbeat(peer);
  });
}

void SimulatedPeers::Heartbeat(Peer& peer) {
  Json request = {{"type", "HEARTBEAT"}, {"peer_id", peer.id}, {"queue_length", 1},
                  {"running", 1},        {"load", 0.5},        {"tasks_done", peer.tasks.finished()}};
  peer.tracker.Call(std::move(request), kRequestTimeout, [this](Result<Json> reply) {
    if (!reply.ok()) return Fail("HEARTBEAT", reply.status());
    ++counters_.heartbeats;
  });
  ScheduleHeartbeat(peer, peer.interval);
}

void SimulatedPeers::StartEvents() {
  if (stopped_) return;
  if (options_.rate > 0) {
    started_ = std::chrono::steady_clock::now();
    tick_timer_.expires_at(started_ + options_.tick);
    tick_timer_.async_wait([this](boost::system::error_code ec) {
      if (!ec) Tick();
    });
    return;
  }
  for (auto& peer : peers_) {
    for (int i = 0; i < options_.window; ++i) SendEvents(*peer, options_.batch);
  }
}

// The events due at `rate` since the start and not yet produced, spread
// over the peers (the remainder goes round), each peer's share in requests
// of at most 1000 events.
void SimulatedPeers::Tick() {
  if (stopped_) return;
  const double elapsed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  const auto due = static_cast<std::uint64_t>(options_.rate * elapsed_s) - produced_;
  produced_ += due;
  const std::size_t count = peers_.size();
  for (std::size_t i = 0; i < count; ++i) {
    std::size_t share = due / count + (i < due % count ? 1 : 0);
    Peer& peer = *peers_[(next_peer_ + i) % count];
    for (; share > 0; share -= std::min(share, kMaxEventsPerRequest)) {
      SendEvents(peer, std::min(share, kMaxEventsPerRequest));
    }
  }
  next_peer_ = (next_peer_ + due % count) % count;
  tick_timer_.expires_at(tick_timer_.expiry() + options_.tick);
  tick_timer_.async_wait([this](boost::system::error_code ec) {
    if (!ec) Tick();
  });
}

// One EVENTS request of `count` events stamped now; in ceiling mode its
// acknowledgement sends the next.
void SimulatedPeers::SendEvents(Peer& peer, std::size_t count) {
  const double now_ms = SteadyNowMs() - options_.t_origin_ms;
  Json events = Json::array();
  for (std::size_t i = 0; i < count; ++i) events.push_back(net::EncodeEvent(peer.tasks.Next(now_ms)));
  counters_.sent += count;
  Json request = {{"type", "EVENTS"}, {"peer_id", peer.id}, {"events", std::move(events)}};
  peer.tracker.Call(std::move(request), kRequestTimeout, [this, &peer](Result<Json> reply) {
    if (!reply.ok()) return Fail("EVENTS", reply.status());
    counters_.accepted += reply->value("accepted", std::uint64_t{0});
    if (options_.rate <= 0 && !stopped_) SendEvents(peer, options_.batch);
  });
}

bool SimulatedPeers::AwaitRegistered(std::chrono::milliseconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (counters_.registered.load() < peers_.size()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

}  // namespace osgrid::bench
