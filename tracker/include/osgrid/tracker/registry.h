// The tracker's registry of live peers: registration, heartbeats, dead-peer
// detection and least-loaded placement. Pure data structure (no sockets, no
// clock of its own: callers pass `now`), so every rule here is unit-tested.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "osgrid/net/json.h"
#include "osgrid/net/status.h"

namespace osgrid::tracker {

using Clock = std::chrono::steady_clock;

/// What a peer reports in each HEARTBEAT.
struct LoadReport {
  int queue_length = 0;  // tasks in its ready queue
  int running = 0;       // tasks running now
  std::int64_t tasks_done = 0;
  std::int64_t mem_entries = 0;
  std::int64_t mem_bytes = 0;
  std::int64_t disk_bytes = 0;

  /// The report in a HEARTBEAT request that passed net::ValidateRequest
  /// (queue_length and running present; the counters default to 0).
  static LoadReport FromHeartbeat(const Json& request);
};

struct PeerInfo {
  std::string id;    // "peer-9000"
  std::string host;  // address other nodes use to reach it
  std::uint16_t port = 0;
  int cores = 1;                // task slots
  std::string sandbox;          // its --sandbox mode ("strict", "auto", "off"); "" if not said
  std::string sandbox_missing;  // isolation layers it lacks, and why; "" for none
  LoadReport report;            // as of the last heartbeat
  int placed_since_report = 0;  // tasks this tracker placed there since that heartbeat
  Clock::time_point registered_at;
  Clock::time_point last_heartbeat;

  /// Tasks per core, counting placements the peer has not reported yet:
  /// (running + queue_length + placed_since_report) / cores.
  double Load() const;
};

class Registry {
 public:
  /// Adds a peer, or replaces the entry with the same id (a restarted peer).
  /// Errors: BAD_REQUEST for an empty id, port 0, or cores < 1.
  Status Register(PeerInfo peer, Clock::time_point now);

  /// Records a heartbeat. Errors: NOT_FOUND if the id is unknown (never
  /// registered, or already declared dead): the peer should register again.
  Status Heartbeat(const std::string& id, const LoadReport& report, Clock::time_point now);

  /// Removes a peer. Errors: NOT_FOUND.
  Status Unregister(const std::string& id);

  /// Removes every peer whose last heartbeat is older than `timeout`; returns
  /// their ids (sorted).
  std::vector<std::string> ReapDead(Clock::time_point now, Clock::duration timeout);

  /// Least-loaded placement of `count` new tasks by water-filling: each task
  /// goes to the peer with the lowest Load() at that moment, ties broken by
  /// id, and raises that peer's load. Returns `count` entries (a peer may
  /// repeat), or an empty vector when no peer qualifies. O((n + count) log n).
  std::vector<PeerInfo> Pick(int count, const std::vector<std::string>& exclude = {});

  /// Every peer, sorted by id.
  std::vector<PeerInfo> List() const;
  const PeerInfo* Find(const std::string& id) const;
  std::size_t size() const { return peers_.size(); }

 private:
  std::map<std::string, PeerInfo> peers_;  // by id
};

}  // namespace osgrid::tracker
