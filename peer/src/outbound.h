// Calls from this peer to other nodes: the tracker (placement) and other
// peers (forwarded tasks), over net::Connections on the peer's io_context.
// Nothing here blocks and nothing runs on another thread: a call returns at
// once and its handler runs later on the io thread.
//
// One connection to the tracker, shared with the tracker link, which also
// carries this peer's events: PushEvent() queues one in the EventOutbox,
// and every batch waiting leaves as an EVENTS request ahead of the next
// request to the tracker (or at once, posted, when none comes), so the
// tracker always sees our events before what they caused. And a small
// cache of connections to peers, one per host:port, each carrying every
// request to that peer at once (pipelined). The cache keeps at most
// max_peer_connections; past that, the connection idle the longest (no call
// in flight) is closed to make room. A connection busy with calls is never
// closed, so the cache may exceed the bound while that many peers each have
// a call in flight (at most --max-forwards).
#pragma once

#include <chrono>
#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <string>

#include "event_outbox.h"
#include "osgrid/net/connection.h"
#include "osgrid/net/json.h"
#include "osgrid/net/params.h"
#include "osgrid/net/status.h"
#include "osgrid/os/events/events.h"

namespace osgrid::peer {

struct OutboundOptions {
  std::string node;          // our peer id, sent in HELLO
  std::string tracker_host;  // empty: standalone, no tracker
  std::uint16_t tracker_port = 0;
  std::size_t max_peer_connections = 64;                 // idle connections to other peers kept
  std::size_t max_send_queue = params::kSendQueueBytes;  // per connection (net::ConnectionOptions)
  std::size_t max_events_waiting = 100000;               // events kept while the tracker is unreachable
};

class Outbound {
 public:
  Outbound(boost::asio::io_context& io, OutboundOptions options);
  ~Outbound();
  Outbound(const Outbound&) = delete;
  Outbound& operator=(const Outbound&) = delete;

  bool has_tracker() const { return tracker_ != nullptr; }
  /// The connection to the tracker. REQUIRES: has_tracker().
  net::Connection& tracker() { return *tracker_; }

  /// Sends `request` to the tracker, after the events waiting; `done` gets
  /// the raw reply, ERROR replies included, or a transport Status
  /// (net::Connection::CallRaw).
  void CallTracker(Json request, std::chrono::milliseconds timeout, net::Connection::ReplyHandler done);

  /// Queues an event for the tracker (stamped already: PeerEvents). It
  /// leaves before the next request to the tracker, or at once (posted).
  /// Without a tracker it is dropped. Call on the io thread.
  void PushEvent(os::events::Event event);
  /// Events not yet acknowledged by the tracker, and dropped in all.
  std::size_t events_waiting() const { return events_.size(); }
  std::uint64_t events_lost() const { return events_.lost_total(); }
  /// The same to the peer at host:port, over the cached connection to it.
  void CallPeer(const std::string& host, std::uint16_t port, Json request, std::chrono::milliseconds timeout,
                net::Connection::ReplyHandler done);

  /// Connections to other peers open or cached now.
  std::size_t peer_connections() const { return peers_.size(); }

 private:
  net::ConnectionOptions ConnectionOptions() const;
  /// Sends every event not yet in flight, as EVENTS batches.
  void FlushEvents();
  net::Connection& PeerConnection(const std::string& host, std::uint16_t port);

  boost::asio::io_context& io_;
  OutboundOptions options_;
  std::unique_ptr<net::Connection> tracker_;
  EventOutbox events_;
  bool flush_posted_ = false;
  struct Cached {
    std::unique_ptr<net::Connection> connection;
    std::list<std::string>::iterator used;  // its place in `recent_`
  };
  std::map<std::string, Cached> peers_;  // by "host:port"
  std::list<std::string> recent_;        // "host:port", most recently used first
};

}  // namespace osgrid::peer
