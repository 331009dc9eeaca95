// The hand-over from a network thread to the UI thread: the network thread
// (a net::Subscriber's loop) pushes what it decodes; the UI thread takes a
// bounded amount each frame and gives it to the Model (Model::Drain). The
// model itself is single-threaded: only the UI thread touches it.
//
// Thread safety: Push*, Close and pending() may be called from any thread;
// Take from one thread only (the UI's). One mutex guards a vector that the
// pushers append to; Take swaps it for an empty one, so neither side waits
// on the other for longer than a push or a swap.
//
// Bounds: at most `max_pending` items wait. Past that, events are dropped
// (a snapshot never is) and counted; an events.lost (seq 0, node "viewer")
// with the count is handed over where they were (before the next item
// kept, or after the last), so a gap is never silent.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "osgrid/os/events/events.h"
#include "osgrid/viz/event_log.h"

namespace osgrid::viz {

/// One item handed over, with when it arrived.
struct InboxItem {
  std::variant<os::events::Event, UnknownEvent, os::events::Snapshot> item;
  std::chrono::steady_clock::time_point arrived;
};

class Inbox {
 public:
  /// `max_pending`: items that may wait before events are dropped (> 0).
  explicit Inbox(std::size_t max_pending = 500'000) : max_pending_(max_pending) {}
  Inbox(const Inbox&) = delete;
  Inbox& operator=(const Inbox&) = delete;

  /// An event decoded from the stream. Any thread.
  void PushEvent(os::events::Event event);
  /// An event of a type this build does not know (net::Subscriber::Next
  /// returned UNKNOWN_TYPE: UnknownEvent::FromJson(subscriber.last_json())). Any thread.
  void PushUnknown(UnknownEvent unknown);
  /// The snapshot of a (re)subscription: on connect, and after a reconnect
  /// (its epoch differs when the tracker restarted). Never dropped. Any thread.
  void PushSnapshot(os::events::Snapshot snapshot);
  /// The feed ended (the connection closed for good): `why`, e.g. the
  /// subscriber's error. Any thread; later pushes are still taken.
  void Close(std::string why);

  /// Up to `max_items` items in arrival order (fewer when fewer wait), the
  /// events.lost for a gap among them. UI thread only. O(items taken), plus
  /// one swap under the lock when its own buffer is empty.
  std::vector<InboxItem> Take(std::size_t max_items);

  /// Items waiting (pushed and not yet taken). Any thread.
  std::size_t pending() const;
  /// Events dropped since the start (the inbox was full). Any thread.
  std::uint64_t dropped() const;
  /// Why the feed ended, once Close was called. Any thread.
  std::optional<std::string> closed() const;

 private:
  void Push(InboxItem item, bool droppable);
  /// Queues an events.lost for the events dropped since the last one, if any. Requires mutex_.
  void QueueGap(std::chrono::steady_clock::time_point arrived);

  const std::size_t max_pending_;
  mutable std::mutex mutex_;
  // Guarded by mutex_:
  std::vector<InboxItem> incoming_;
  std::uint64_t lost_since_gap_ = 0;  // events dropped since the last events.lost queued
  std::uint64_t dropped_ = 0;
  std::optional<std::string> closed_;
  std::string last_epoch_;  // of the last event or snapshot pushed (for the events.lost)
  double last_t_ = 0;
  std::size_t taking_size_ = 0;  // items in the UI thread's buffer not yet taken (for pending())
  // UI thread only:
  std::vector<InboxItem> taking_;
  std::size_t taken_ = 0;  // of taking_, handed over already
};

}  // namespace osgrid::viz
