#include "tracker_link.h"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>

#include "osgrid/net/messages.h"

namespace osgrid::peer {

using std::chrono::milliseconds;

TrackerLink::TrackerLink(boost::asio::io_context& io, Outbound& outbound, TrackerLinkOptions options, PeerStats& stats,
                         PeerEvents& events)
    : io_(io), outbound_(outbound), options_(std::move(options)), stats_(stats), events_(events), timer_(io) {
  if (options_.heartbeat_interval) interval_ = *options_.heartbeat_interval;
}

void TrackerLink::Start() { Register(); }

void TrackerLink::Stop(std::function<void()> done) {
  if (!done) done = [] {};
  // Unregister when the tracker knows us, or may: a REGISTER in flight may
  // have registered us already (the tracker told its subscribers) though its
  // reply has not come back. UNREGISTER goes after it on the same connection.
  if (stopped_ || !(stats_.registered || registering_)) {
    stopped_ = true;
    timer_.cancel();
    return boost::asio::post(io_, std::move(done));
  }
  stopped_ = true;
  timer_.cancel();
  stats_.registered = false;
  outbound_.CallTracker({{"type", "UNREGISTER"}, {"peer_id", options_.peer_id}}, milliseconds(1000),
                        [done = std::move(done)](Result<Json>) { done(); });
}

void TrackerLink::After(milliseconds period, void (TrackerLink::*next)()) {
  if (stopped_) return;
  timer_.expires_after(period);
  timer_.async_wait([this, next](boost::system::error_code ec) {
    if (!ec && !stopped_) (this->*next)();
  });
}

void TrackerLink::Register() {
  Json request = {
      {"type", "REGISTER"}, {"peer_id", options_.peer_id}, {"port", options_.port}, {"cores", options_.cores}};
  if (!options_.advertise_host.empty()) request["host"] = options_.advertise_host;
  if (!options_.sandbox.empty()) {
    request["sandbox"] = options_.sandbox;
    request["sandbox_missing"] = options_.sandbox_missing;
  }
  registering_ = true;
  outbound_.CallTracker(request, milliseconds(5000), [this, sent = PeerEvents::LocalNowMs()](Result<Json> reply) {
    registering_ = false;
    if (stopped_) return;
    Status status = reply.ok() ? net::StatusFromReply(*reply) : reply.status();
    if (status.ok()) SampleClock(sent, *reply);
    if (!status.ok()) {
      if (status.code() == Code::kTimeout) outbound_.tracker().Close();  // see SendHeartbeat
      if (!warned_) {
        spdlog::warn("cannot register with tracker {}: {} (retrying)", outbound_.tracker().where(), status.ToString());
      }
      warned_ = true;
      return After(std::min(interval_, milliseconds(1000)), &TrackerLink::Register);
    }
    if (!options_.heartbeat_interval) {
      interval_ = milliseconds(reply->value("heartbeat_interval_ms", std::int64_t{10000}));
    }
    peer_timeout_ = milliseconds(reply->value("peer_timeout_ms", std::int64_t{30000}));
    if (options_.on_contact) options_.on_contact(sent, peer_timeout_);
    warned_ = false;
    stats_.registered = true;
    spdlog::info("registered with tracker {} as {} (heartbeat every {} ms)", outbound_.tracker().where(),
                 options_.peer_id, interval_.count());
    if (options_.on_registered) options_.on_registered(reply->value("epoch", std::string()));
    After(interval_, &TrackerLink::SendHeartbeat);
  });
}

void TrackerLink::SendHeartbeat() {
  Json request = {{"type", "HEARTBEAT"},
                  {"peer_id", options_.peer_id},
                  {"queue_length", stats_.queue_length.load()},
                  {"running", stats_.running.load()},
                  {"load", (stats_.queue_length + stats_.running) / static_cast<double>(options_.cores)},
                  {"tasks_done", stats_.tasks_done.load()},
                  {"mem_entries", stats_.mem_entries.load()},
                  {"mem_bytes", stats_.mem_bytes.load()},
                  {"disk_bytes", stats_.disk_bytes.load()}};
  auto timeout = std::max(interval_, milliseconds(1000));
  outbound_.CallTracker(request, timeout, [this, sent = PeerEvents::LocalNowMs()](Result<Json> reply) {
    if (stopped_) return;
    Status status = reply.ok() ? net::StatusFromReply(*reply) : reply.status();
    if (status.ok()) {
      SampleClock(sent, *reply);
      if (options_.on_contact) options_.on_contact(sent, peer_timeout_);
      return After(interval_, &TrackerLink::SendHeartbeat);
    }
    // No answer in time: the connection may be half open (the tracker's
    // host vanished without closing it), so start afresh.
    if (status.code() == Code::kTimeout) outbound_.tracker().Close();
    spdlog::warn("heartbeat failed: {}; registering again", status.ToString());
    stats_.registered = false;
    Register();
  });
}

void TrackerLink::SampleClock(double sent, const Json& reply) {
  auto now = reply.find("now_ms");
  if (now == reply.end() || !now->is_number()) return;  // an older tracker
  events_.AddClockSample({sent, now->get<double>(), PeerEvents::LocalNowMs()});
}

}  // namespace osgrid::peer
