// The peer's link to the tracker: registers, then sends a HEARTBEAT every
// interval from its own thread (the calls block; the io thread never waits).
// Re-registers when the tracker answers NOT_FOUND (it restarted, or declared
// us dead) and keeps retrying while the tracker is unreachable.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "peer_stats.h"

namespace osgrid::peer {

struct TrackerLinkOptions {
  std::string tracker_host;
  std::uint16_t tracker_port = 0;
  std::string peer_id;
  std::uint16_t port = 0;  // where this peer serves
  int cores = 1;
  std::string advertise_host;  // empty: the tracker uses the address we connect from
  /// Unset: use the interval the tracker announces in REGISTERED.
  std::optional<std::chrono::milliseconds> heartbeat_interval;
  std::string sandbox;          // --sandbox mode, for the tracker's peer list
  std::string sandbox_missing;  // layers this peer lacks, and why; "" for none
};

class TrackerLink {
 public:
  TrackerLink(TrackerLinkOptions options, PeerStats& stats);
  ~TrackerLink();  // Stop()
  void Start();
  /// Sends UNREGISTER (best effort, 1 s) and joins the thread.
  void Stop();

 private:
  void Run();
  bool Register();
  bool SendHeartbeat();
  /// Sleeps up to `period`; false if Stop() was called meanwhile.
  bool Sleep(std::chrono::milliseconds period);

  TrackerLinkOptions options_;
  PeerStats& stats_;
  std::chrono::milliseconds interval_{10000};
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;  // guarded by mutex_
  bool warned_ = false;    // "tracker unreachable" logged once per outage
};

}  // namespace osgrid::peer
