// The tracker process: a net::Server whose handlers read and update the
// Registry, plus one periodic "cron" that reaps dead peers (Redis serverCron).
// It is also the cluster's event hub: it publishes what it sees (peers
// joining, leaving, dying, their load; placements as task.forwarded), the
// events peers send it (EVENTS), and streams them to subscribers
// (SUBSCRIBE). Runs on one io_context thread; handlers never block.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "osgrid/net/server.h"
#include "osgrid/net/status.h"

namespace osgrid::tracker {

struct TrackerOptions {
  std::string host = "0.0.0.0";
  std::uint16_t port = 8888;
  std::string name = "tracker";
  std::chrono::milliseconds heartbeat_interval{10000};  // told to peers in REGISTERED
  std::chrono::milliseconds peer_timeout{30000};        // silence after which a peer is dead
  net::ServerOptions server;                            // frame limit, socket timeout, connections
  /// Event subscribers (SUBSCRIBE) at once; one more is refused with LIMIT.
  std::size_t max_subscribers = 64;
  /// A subscriber's queue bound, bytes, unless it asks for another; a
  /// subscriber whose queue would pass its bound is cut off.
  std::size_t subscriber_queue_bytes = 4u << 20;
  /// The largest bound a subscriber may ask for (the recorder of `osgrid run
  /// --record` asks for this much), bytes.
  std::size_t max_subscriber_queue_bytes = 64u << 20;
  /// --deadlock: "detect", "recover" or "avoid" (docs/sync.md); Start() refuses anything else.
  std::string deadlock = "detect";
  /// How long after it starts the tracker holds back grants of Locks and
  /// Resources (docs/sync.md, "A restarted tracker"): a peer cut off from the
  /// tracker's previous run kills its holders within one peer timeout, so
  /// waiting that long keeps two tasks from ever holding one Lock. Unset: the
  /// peer timeout. Zero suits a tracker whose peers all start after it.
  std::optional<std::chrono::milliseconds> sync_grace;
};

class TrackerServer {
 public:
  TrackerServer(boost::asio::io_context& io, TrackerOptions options);
  ~TrackerServer();
  /// Listens and starts the cron. Errors: UNAVAILABLE (port in use), BAD_REQUEST.
  Status Start();
  void Stop();
  std::uint16_t port() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace osgrid::tracker
