#include "outbound.h"

namespace osgrid::peer {

Outbound::Outbound(boost::asio::io_context& io, OutboundOptions options) : io_(io), options_(std::move(options)) {
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
  tracker_->CallRaw(std::move(request), timeout, std::move(done));
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
