#include "osgrid/tracker/registry.h"

#include <algorithm>

namespace osgrid::tracker {

double PeerInfo::Load() const {
  return static_cast<double>(report.running + report.queue_length + placed_since_report) / std::max(1, cores);
}

Status Registry::Register(PeerInfo peer, Clock::time_point now) {
  if (peer.id.empty()) return Status::BadRequest("REGISTER: peer_id must not be empty");
  if (peer.port == 0) return Status::BadRequest("REGISTER: port must be 1..65535");
  if (peer.cores < 1) return Status::BadRequest("REGISTER: cores must be at least 1");
  peer.registered_at = now;
  peer.last_heartbeat = now;
  peers_[peer.id] = std::move(peer);
  return Status::Ok();
}

LoadReport LoadReport::FromHeartbeat(const Json& request) {
  LoadReport report;
  report.queue_length = request["queue_length"];
  report.running = request["running"];
  report.tasks_done = request.value("tasks_done", std::int64_t{0});
  report.mem_entries = request.value("mem_entries", std::int64_t{0});
  report.mem_bytes = request.value("mem_bytes", std::int64_t{0});
  report.disk_bytes = request.value("disk_bytes", std::int64_t{0});
  return report;
}

Status Registry::Heartbeat(const std::string& id, const LoadReport& report, Clock::time_point now) {
  auto it = peers_.find(id);
  if (it == peers_.end()) return Status::NotFound("unknown peer '" + id + "'; register again");
  it->second.report = report;
  it->second.placed_since_report = 0;  // the report now counts what was placed
  it->second.last_heartbeat = now;
  return Status::Ok();
}

Status Registry::Unregister(const std::string& id) {
  if (peers_.erase(id) == 0) return Status::NotFound("unknown peer '" + id + "'");
  return Status::Ok();
}

std::vector<std::string> Registry::ReapDead(Clock::time_point now, Clock::duration timeout) {
  std::vector<std::string> dead;
  for (auto it = peers_.begin(); it != peers_.end();) {
    if (now - it->second.last_heartbeat > timeout) {
      dead.push_back(it->first);
      it = peers_.erase(it);
    } else {
      ++it;
    }
  }
  return dead;
}

namespace {

/// Placement order: lower load first, then lower id (stable, documented ties).
bool PlacesBefore(const PeerInfo* a, const PeerInfo* b) {
  double load_a = a->Load(), load_b = b->Load();
  return load_a != load_b ? load_a < load_b : a->id < b->id;
}

}  // namespace

std::vector<PeerInfo> Registry::Pick(int count, const std::vector<std::string>& exclude) {
  std::vector<PeerInfo*> candidates;
  candidates.reserve(peers_.size());
  for (auto& [id, peer] : peers_) {
    if (std::find(exclude.begin(), exclude.end(), id) == exclude.end()) candidates.push_back(&peer);
  }
  std::vector<PeerInfo> placed;
  if (candidates.empty() || count < 1) return placed;
  placed.reserve(static_cast<std::size_t>(count));
  if (count == 1) {  // the common case (one CPU_TASK): a scan, no heap
    PeerInfo* best = *std::min_element(candidates.begin(), candidates.end(), PlacesBefore);
    best->placed_since_report += 1;
    placed.push_back(*best);
    return placed;
  }
  // Min-heap on placement order: the top is the least-loaded peer.
  auto after = [](const PeerInfo* a, const PeerInfo* b) { return PlacesBefore(b, a); };
  std::make_heap(candidates.begin(), candidates.end(), after);
  for (int task = 0; task < count; ++task) {
    std::pop_heap(candidates.begin(), candidates.end(), after);
    PeerInfo* peer = candidates.back();
    peer->placed_since_report += 1;
    placed.push_back(*peer);
    std::push_heap(candidates.begin(), candidates.end(), after);
  }
  return placed;
}

std::vector<PeerInfo> Registry::List() const {
  std::vector<PeerInfo> all;
  all.reserve(peers_.size());
  for (const auto& [id, peer] : peers_) all.push_back(peer);
  return all;
}

const PeerInfo* Registry::Find(const std::string& id) const {
  auto it = peers_.find(id);
  return it == peers_.end() ? nullptr : &it->second;
}

}  // namespace osgrid::tracker
