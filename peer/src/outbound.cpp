#include "outbound.h"

#include <spdlog/spdlog.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "osgrid/net/events.h"
#include "osgrid/net/messages.h"

namespace osgrid::peer {

namespace {
constexpr std::size_t kEventsPerBatch = 1000;  // the tracker's limit per EVENTS request
constexpr std::chrono::milliseconds kEventsTimeout{10000};
}  // namespace

Outbound::Outbound(boost::asio::io_context& io, OutboundOptions options)
    : io_(io), options_(std::move(options)), events_(options_.max_events_waiting) {
  if (!options_.tracker_host.empty()) {
    tracker_ =
        std::make_unique<net::Connection>(io_, options_.tracker_host, options_.tracker_port, ConnectionOptions());
  }
}

Outbound::~Outbound() = default;

net::ConnectionOptions Outbound::ConnectionOptions() const {
  net::ConnectionOptions options;
  options.role = "peer";
  options.node = options_.node;
  options.max_queued_bytes = options_.max_send_queue;
  return options;
}

void Outbound::CallTracker(Json request, std::chrono::milliseconds timeout, net::Connection::ReplyHandler done) {
  FlushEvents();
  tracker_->CallRaw(std::move(request), timeout, std::move(done));
}

void Outbound::PushEvent(os::events::Event event) {
  if (!tracker_) return;
  events_.Push(std::move(event));
  // Not connected: the tracker link's next call (a retry, at most 1 s away)
  // connects and flushes; a flush per event would hammer a tracker that is down.
  if (flush_posted_ || !tracker_->connected()) return;
  flush_posted_ = true;  // one flush for every event pushed until it runs
  boost::asio::post(io_, [this] {
    flush_posted_ = false;
    FlushEvents();
  });
}

void Outbound::FlushEvents() {
  for (auto batch = events_.StartBatch(kEventsPerBatch); batch.count > 0; batch = events_.StartBatch(kEventsPerBatch)) {
    Json events = Json::array();
    for (std::size_t i = 0; i < batch.count; ++i) events.push_back(net::EncodeEvent(events_.at(batch.first + i)));
    Json request = {{"type", "EVENTS"}, {"peer_id", options_.node}, {"events", std::move(events)}};
    tracker_->CallRaw(std::move(request), kEventsTimeout, [this, batch](Result<Json> reply) {
      if (!reply.ok()) return events_.Failed(batch);  // sent again before the next request
      // Refused (a bug: we only send what we can encode): sending it again would not help.
      if (Status refused = net::StatusFromReply(*reply); !refused.ok()) {
        spdlog::error("the tracker refused {} events: {}", batch.count, refused.ToString());
      }
      events_.Acknowledge(batch);
    });
  }
}

void Outbound::CallPeer(const std::string& host, std::uint16_t port, Json request, std::chrono::milliseconds timeout,
                        net::Connection::ReplyHandler done) {
  PeerConnection(host, port).CallRaw(std::move(request), timeout, std::move(done));
}

net::Connection& Outbound::PeerConnection(const std::string& host, std::uint16_t port) {
  const std::string key = host + ":" + std::to_string(port);
  if (auto it = peers_.find(key); it != peers_.end()) {
    recent_.splice(recent_.begin(), recent_, it->second.used);
    return *it->second.connection;
  }
  // Make room: close the least recently used connection with nothing in flight.
  for (auto old = recent_.rbegin(); peers_.size() >= options_.max_peer_connections && old != recent_.rend(); ++old) {
    auto cached = peers_.find(*old);
    if (cached->second.connection->in_flight() > 0) continue;
    recent_.erase(cached->second.used);
    peers_.erase(cached);
    break;
  }
  recent_.push_front(key);
  Cached& added = peers_[key];
  added.connection = std::make_unique<net::Connection>(io_, host, port, ConnectionOptions());
  added.used = recent_.begin();
  return *added.connection;
}

}  // namespace osgrid::peer
