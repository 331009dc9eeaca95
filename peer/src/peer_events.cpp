// PeerEvents: see peer_events.h.
#include "peer_events.h"

#include <chrono>

#include <boost/asio/dispatch.hpp>

#include "outbound.h"

namespace osgrid::peer {

PeerEvents::PeerEvents(boost::asio::io_context& io, std::string node, Outbound* outbound)
    : io_(io), node_(std::move(node)), outbound_(outbound && outbound->has_tracker() ? outbound : nullptr) {}

double PeerEvents::LocalNowMs() {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

void PeerEvents::Publish(os::events::Payload body) {
  if (!outbound_) return;
  os::events::Event event{0, "", TrackerNowMs(), node_, std::move(body)};
  // Inline on the io thread, so that an event published in a handler is in
  // the outbox before any request that handler then sends to the tracker.
  boost::asio::dispatch(
      io_, [outbound = outbound_, event = std::move(event)]() mutable { outbound->PushEvent(std::move(event)); });
}

void PeerEvents::AddClockSample(const net::ClockOffset::Sample& sample) {
  if (clock_.Add(sample)) offset_ms_.store(*clock_.offset(), std::memory_order_relaxed);
}

}  // namespace osgrid::peer
