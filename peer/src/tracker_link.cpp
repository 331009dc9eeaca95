#include "tracker_link.h"

#include <spdlog/spdlog.h>

#include "osgrid/net/messages.h"
#include "outbound.h"

namespace osgrid::peer {

using std::chrono::milliseconds;

TrackerLink::TrackerLink(TrackerLinkOptions options, PeerStats& stats) : options_(std::move(options)), stats_(stats) {
  if (options_.heartbeat_interval) interval_ = *options_.heartbeat_interval;
}

TrackerLink::~TrackerLink() { Stop(); }

void TrackerLink::Start() {
  thread_ = std::thread([this] { Run(); });
}

void TrackerLink::Stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ || !thread_.joinable()) return;
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
  if (stats_.registered) {
    CallNode(options_.peer_id, options_.tracker_host, options_.tracker_port,
             {{"type", "UNREGISTER"}, {"peer_id", options_.peer_id}}, milliseconds(1000));
    stats_.registered = false;
  }
}

void TrackerLink::Run() {
  do {
    if (!stats_.registered) {
      Register();
    } else if (!SendHeartbeat()) {
      continue;  // re-register at once
    }
  } while (Sleep(stats_.registered ? interval_ : std::min(interval_, milliseconds(1000))));
}

bool TrackerLink::Register() {
  Json request = {
      {"type", "REGISTER"}, {"peer_id", options_.peer_id}, {"port", options_.port}, {"cores", options_.cores}};
  if (!options_.advertise_host.empty()) request["host"] = options_.advertise_host;
  if (!options_.sandbox.empty()) {
    request["sandbox"] = options_.sandbox;
    request["sandbox_missing"] = options_.sandbox_missing;
  }
  auto reply = CallNode(options_.peer_id, options_.tracker_host, options_.tracker_port, request, milliseconds(5000));
  Status status = reply.ok() ? net::StatusFromReply(*reply) : reply.status();
  if (!status.ok()) {
    if (!warned_)
      spdlog::warn("cannot register with tracker {}:{}: {} (retrying)", options_.tracker_host, options_.tracker_port,
                   status.ToString());
    warned_ = true;
    return false;
  }
  if (!options_.heartbeat_interval) {
    interval_ = milliseconds(reply->value("heartbeat_interval_ms", std::int64_t{10000}));
  }
  warned_ = false;
  stats_.registered = true;
  spdlog::info("registered with tracker {}:{} as {} (heartbeat every {} ms)", options_.tracker_host,
               options_.tracker_port, options_.peer_id, interval_.count());
  return true;
}

bool TrackerLink::SendHeartbeat() {
  Json request = {{"type", "HEARTBEAT"},
                  {"peer_id", options_.peer_id},
                  {"queue_length", stats_.queue_length.load()},
                  {"running", stats_.running.load()},
                  {"load", (stats_.queue_length + stats_.running) / static_cast<double>(options_.cores)},
                  {"tasks_done", stats_.tasks_done.load()},
                  {"mem_entries", stats_.mem_entries.load()},
                  {"mem_bytes", stats_.mem_bytes.load()},
                  {"disk_bytes", stats_.disk_bytes.load()}};
  auto reply = CallNode(options_.peer_id, options_.tracker_host, options_.tracker_port, request,
                        std::max(interval_, milliseconds(1000)));
  Status status = reply.ok() ? net::StatusFromReply(*reply) : reply.status();
  if (status.ok()) return true;
  spdlog::warn("heartbeat failed: {}; registering again", status.ToString());
  stats_.registered = false;
  return false;
}

bool TrackerLink::Sleep(milliseconds period) {
  std::unique_lock lock(mutex_);
  return !wake_.wait_for(lock, period, [this] { return stopping_; });
}

}  // namespace osgrid::peer
