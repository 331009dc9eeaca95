// Private to peer/: what this peer tells the cluster. Its services call
// Publish() as things happen (a task queued, running, finished; a key set; a
// file stored), from any thread. Each event is stamped where it happened:
// node = this peer, t = now on the tracker's clock (this peer's monotonic
// clock plus the offset its link to the tracker measures, Cristian's
// algorithm: net/clock_offset.h). It then goes to the outbound connection to
// the tracker (Outbound::PushEvent), which sends it in the next EVENTS batch.
//
// A peer without a tracker publishes nothing: no one would read it.
#pragma once

#include <atomic>
#include <string>

#include <boost/asio/io_context.hpp>

#include "osgrid/net/clock_offset.h"
#include "osgrid/os/events/events.h"

namespace osgrid::peer {

class Outbound;

class PeerEvents {
 public:
  /// `outbound` null: standalone, Publish() does nothing. It must outlive this.
  PeerEvents(boost::asio::io_context& io, std::string node, Outbound* outbound);

  /// Stamps `body` and queues it for the tracker. Thread-safe.
  void Publish(os::events::Payload body);

  /// This peer's id, as events name it.
  const std::string& node() const { return node_; }

  /// This peer's monotonic clock, ms: what a clock sample's `sent` and
  /// `received` are read on.
  static double LocalNowMs();
  /// A round trip to the tracker whose reply said `now_ms` (REGISTERED,
  /// heartbeat OK): refines the offset. Call on the io thread.
  void AddClockSample(const net::ClockOffset::Sample& sample);
  /// Now on the tracker's clock, ms: an event's t. Thread-safe.
  double TrackerNowMs() const { return LocalNowMs() + offset_ms(); }
  /// The offset in use, ms (0 before the first sample).
  double offset_ms() const { return offset_ms_.load(std::memory_order_relaxed); }

 private:
  boost::asio::io_context& io_;
  std::string node_;
  Outbound* outbound_;
  net::ClockOffset clock_;            // io thread
  std::atomic<double> offset_ms_{0};  // read by every thread that publishes
};

}  // namespace osgrid::peer
