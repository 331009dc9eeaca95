// Private to peer/: the events a peer has produced and the tracker has not
// yet acknowledged. The peer pushes to it as things happen (a task queued,
// a key set); its link to the tracker sends them in batches, in order, ahead
// of every request it sends, so that the tracker sees this peer's events
// before anything they caused (see docs/events.md, "Order"). An event
// leaves only when the tracker has acknowledged its batch; a batch that
// fails is sent again.
//
// Bounded: while the tracker is unreachable at most `capacity` events wait.
// Past that the newest are dropped and counted, and the next event that
// fits is preceded by one events.lost with the count, at the place of the
// gap: a gap is never silent. Not thread-safe: the peer's io thread owns it.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <deque>

#include "osgrid/os/events/events.h"

namespace osgrid::peer {

class EventOutbox {
 public:
  /// At most `capacity` events (>= 2: room for an event and its gap marker).
  explicit EventOutbox(std::size_t capacity) : capacity_(capacity < 2 ? 2 : capacity) {}

  /// Adds an event; returns false if it had to be dropped (it is counted).
  bool Push(os::events::Event event) {
    if (lost_ > 0) {
      if (events_.size() + 2 > capacity_) return Drop();
      events_.push_back(os::events::Event{0, "", event.t, event.node, os::events::EventsLost{lost_}});
      lost_ = 0;
    }
    if (events_.size() >= capacity_) return Drop();
    events_.push_back(std::move(event));
    return true;
  }

  /// Starts sending: marks the oldest `max` waiting events (or fewer) as in
  /// flight and returns how many; they are at(0) .. at(n - 1). Returns 0 while
  /// a batch is already in flight, so batches leave one at a time, in order.
  std::size_t StartBatch(std::size_t max) {
    if (in_flight_ > 0) return 0;
    in_flight_ = std::min(max, events_.size());
    return in_flight_;
  }
  const os::events::Event& at(std::size_t i) const { return events_[i]; }

  /// The tracker acknowledged the batch in flight: it is gone from here.
  void Acknowledge() {
    events_.erase(events_.begin(), events_.begin() + static_cast<std::ptrdiff_t>(in_flight_));
    in_flight_ = 0;
  }
  /// The batch in flight was not acknowledged: it stays, first in line.
  void Failed() { in_flight_ = 0; }

  std::size_t size() const { return events_.size(); }  // in flight included
  std::size_t in_flight() const { return in_flight_; }
  bool empty() const { return events_.empty(); }
  /// Dropped since the last events.lost was queued.
  std::uint64_t lost() const { return lost_; }
  /// Dropped in all, since the peer started.
  std::uint64_t lost_total() const { return lost_total_; }

 private:
  bool Drop() {
    ++lost_;
    ++lost_total_;
    return false;
  }

  std::size_t capacity_;
  std::deque<os::events::Event> events_;  // oldest first; the first in_flight_ are being sent
  std::size_t in_flight_ = 0;
  std::uint64_t lost_ = 0;
  std::uint64_t lost_total_ = 0;
};

}  // namespace osgrid::peer
