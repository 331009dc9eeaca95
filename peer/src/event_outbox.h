// Private to peer/: the events a peer has produced and the tracker has not
// yet acknowledged. The peer pushes to it as things happen (a task queued,
// a key set); its connection to the tracker sends them in EVENTS batches,
// in order, ahead of every other request it sends, so that the tracker sees
// this peer's events before anything they caused (see docs/events.md,
// "Order"). Batches are pipelined on that one connection, so several may be
// in flight; their acknowledgements come back in order. An event leaves only
// when its batch is acknowledged. When one fails (the connection broke),
// every batch in flight is void and all their events go again, in order,
// with the next batch; acknowledgements of void batches are ignored.
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

  /// Events sent together: at(first) .. at(first + count - 1) when it left.
  struct Batch {
    std::uint64_t generation = 0;  // void once a batch of its generation failed
    std::size_t first = 0;
    std::size_t count = 0;  // 0: there was nothing to send
  };

  /// Starts sending the oldest `max` events not yet in flight (or fewer);
  /// read them with at(batch.first + i).
  Batch StartBatch(std::size_t max) {
    Batch batch{generation_, in_flight_, std::min(max, events_.size() - in_flight_)};
    in_flight_ += batch.count;
    return batch;
  }
  const os::events::Event& at(std::size_t i) const { return events_[i]; }

  /// The tracker acknowledged `batch` (the oldest in flight): its events
  /// are gone from here. Ignored for a void batch.
  void Acknowledge(const Batch& batch) {
    if (batch.generation != generation_ || batch.count == 0) return;
    events_.erase(events_.begin(), events_.begin() + static_cast<std::ptrdiff_t>(batch.count));
    in_flight_ -= batch.count;
  }
  /// `batch` was not acknowledged: every batch in flight is void, and their
  /// events wait, first in line, for the next StartBatch().
  void Failed(const Batch& batch) {
    if (batch.generation != generation_) return;
    ++generation_;
    in_flight_ = 0;
  }

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
  std::uint64_t generation_ = 0;
  std::uint64_t lost_ = 0;
  std::uint64_t lost_total_ = 0;
};

}  // namespace osgrid::peer
