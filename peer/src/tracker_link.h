// The peer's link to the tracker: registers, then sends a HEARTBEAT every
// interval, over the peer's one connection to the tracker (Outbound), on
// the peer's io_context: a timer, never a thread. Re-registers when the
// tracker answers NOT_FOUND (it restarted, or declared us dead) and keeps
// retrying, every min(interval, 1 s), while the tracker is unreachable. A
// call that times out closes the connection (failing the placement calls in
// it, which then run their tasks here), so a half-open connection to a
// tracker that vanished is replaced rather than waited on.
//
//   Register --ok--> wait interval --> Heartbeat --ok--> wait interval --> Heartbeat ...
//      ^  \--fails--> wait min(interval, 1 s) --/            |
//      \---------------------- fails (at once) --------------/
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include <boost/asio/steady_timer.hpp>

#include "outbound.h"
#include "peer_events.h"
#include "peer_stats.h"

namespace osgrid::peer {

struct TrackerLinkOptions {
  std::string peer_id;
  std::uint16_t port = 0;  // where this peer serves
  int cores = 1;
  std::string advertise_host;  // empty: the tracker uses the address we connect from
  /// Unset: use the interval the tracker announces in REGISTERED.
  std::optional<std::chrono::milliseconds> heartbeat_interval;
  std::string sandbox;          // --sandbox mode, for the tracker's peer list
  std::string sandbox_missing;  // layers this peer lacks, and why; "" for none
  /// Called each time the tracker accepts REGISTER (at start, and again after
  /// the tracker restarted), with the tracker run's epoch ("" from an older
  /// tracker): to tell the tracker what it cannot know.
  std::function<void(const std::string& epoch)> on_registered;
  /// Called each time the tracker answers REGISTER or HEARTBEAT, with when
  /// that request was sent (PeerEvents::LocalNowMs) and the tracker's peer
  /// timeout: the tracker heard from us no earlier than `sent`, so it will
  /// not declare us dead before sent + peer_timeout (docs/sync.md, "Cut off").
  std::function<void(double sent_ms, std::chrono::milliseconds peer_timeout)> on_contact;
};

class TrackerLink {
 public:
  /// `outbound` (with a tracker), `stats` and `events` must outlive the link.
  /// Each reply's `now_ms` (the tracker's clock) gives `events` a clock sample.
  TrackerLink(boost::asio::io_context& io, Outbound& outbound, TrackerLinkOptions options, PeerStats& stats,
              PeerEvents& events);
  /// Registers now; heartbeats follow.
  void Start();
  /// Stops the heartbeats and, if registered, sends UNREGISTER; `done` (if
  /// any) runs on the io thread once the tracker answered it, or after at
  /// most 1 s. Idempotent: a second Stop() calls `done` at once (posted).
  void Stop(std::function<void()> done = {});

 private:
  void Register();
  void SendHeartbeat();
  /// Adds the clock sample of a round trip started at `sent` (local ms).
  void SampleClock(double sent, const Json& reply);
  /// Runs `next` after `period`, unless stopped.
  void After(std::chrono::milliseconds period, void (TrackerLink::*next)());

  boost::asio::io_context& io_;
  Outbound& outbound_;
  TrackerLinkOptions options_;
  PeerStats& stats_;
  PeerEvents& events_;
  std::chrono::milliseconds interval_{10000};
  std::chrono::milliseconds peer_timeout_{30000};  // the tracker's, from REGISTERED
  boost::asio::steady_timer timer_;
  bool stopped_ = false;
  bool registering_ = false;  // a REGISTER is in flight: the tracker may know us before we hear so
  bool warned_ = false;       // "tracker unreachable" logged once per outage
};

}  // namespace osgrid::peer
