// Private to tracker/: the event hub. Every event the cluster publishes
// passes through here once: the hub numbers it (seq, one more per event,
// within this tracker's epoch), folds it into the cluster's state (so a new
// subscriber's snapshot is the truth at a known seq), encodes it once, and
// offers the same bytes to every subscriber whose filter it matches.
//
// Back pressure: each subscriber has a queue bounded in bytes. A subscriber
// that stops reading is cut off when its next frame would overflow the
// queue: the hub drops its queue, marks it cut off with a clear reason, and
// its session says so and closes. The tracker's memory stays bounded by
// (subscribers x their bounds) and the others are not slowed. The recorder
// of `osgrid run --record` subscribes with a larger bound; if it is still
// cut off, the seq it sees jumps, and it writes the gap into its trace.
//
//   publisher (tracker handlers): Publish(event)
//   subscriber session:  Subscribe() -> snapshot; on wake: Take() frames and write them
//
// Not thread-safe: the tracker's io thread owns the hub. Subscribe() and
// Publish() run on that thread, so a snapshot is always consistent with
// the seq it names: no event can slip between them. Publish() calls the
// wakes after it has queued the event for every subscriber, so a wake may
// Take() frames or Unsubscribe() (a session that was cut off hangs up).
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "osgrid/net/json.h"
#include "osgrid/net/messages.h"
#include "osgrid/net/requests.h"
#include "osgrid/net/status.h"
#include "osgrid/os/events/cluster_state.h"
#include "osgrid/os/events/events.h"

namespace osgrid::tracker {

/// One encoded event, shared by every subscriber queue that holds it.
using Frame = std::shared_ptr<const std::string>;

struct SubscribeOptions {
  /// Type prefixes ("task", "task.finished", "peer."); empty: every type.
  /// events.lost always passes: a gap is never hidden by a filter.
  std::vector<std::string> types;
  std::size_t max_queue_bytes = 0;  // the bound of this subscriber's queue, bytes (> 0)
  std::string name;                 // who it is, for STATUS ("osgrid events from 127.0.0.1:50412")
};

/// A subscriber as STATUS shows it.
struct SubscriberStats {
  std::uint64_t id = 0;
  std::string name;
  std::size_t queued_bytes = 0;     // encoded events waiting to be written
  std::size_t max_queue_bytes = 0;  // its bound
  std::uint64_t delivered = 0;      // events taken by its session
  bool cut_off = false;
};

/// The tracker's flags that bound what SUBSCRIBE may ask for (TrackerOptions).
struct SubscribeLimits {
  std::size_t default_queue_bytes = 4u << 20;  // --subscriber-queue: the bound when the request names none
  std::size_t max_queue_bytes = 64u << 20;     // --max-subscriber-queue: the largest it may ask for
};

/// The smallest queue bound a subscriber may ask for, bytes.
inline constexpr std::size_t kMinSubscriberQueueBytes = 1024;

/// SUBSCRIBE's fields as hub options, as the tracker's OnSubscribe reads
/// them (fuzz_message calls it too, on generated requests): the type
/// prefixes, the queue bound (queue_bytes, default
/// limits.default_queue_bytes, allowed kMinSubscriberQueueBytes ..
/// limits.max_queue_bytes) and the name STATUS shows, "<name> from
/// <address>" with the connection's `role` when the request names none.
/// REQUIRES: `request` passed net::ValidateRequest. Whether each prefix names
/// an event type is EventHub::Subscribe's to check. Errors: BAD_REQUEST (a
/// type that is not a string, a bound out of range).
Result<SubscribeOptions> SubscribeOptionsFor(const Json& request, const SubscribeLimits& limits,
                                             const std::string& role, const std::string& address);

/// Most events in one EVENTS request.
inline constexpr std::size_t kMaxEventsPerBatch = 1000;

/// EVENTS's batch (its "events" array) from the member `peer`, decoded and
/// checked for EventHub::Publish, as the tracker's OnEvents does (and
/// fuzz_message): 1..kMaxEventsPerBatch events (net::DecodeEvent), of types
/// a peer may publish (not peer.*, which are the tracker's), each with node
/// `peer`. All or nothing: the first bad event refuses the batch. Errors:
/// BAD_REQUEST or UNKNOWN_TYPE, "EVENTS: event 3: ..." naming the first bad one.
Result<std::vector<os::events::Event>> DecodePeerEvents(const std::string& peer, const Json& batch);

/// An event as a subscriber receives it, the hub's Encoder in the tracker:
/// one JSON frame (header and net::DumpEvent's text), encoded once per event.
std::string EventFrame(const os::events::Event& event);

/// TASK_LIST's answer, as the tracker's OnTaskList builds it (and
/// fuzz_message): every unfinished task of `state` (ClusterState::Tasks(),
/// sorted by id), at state.seq().
net::TaskList TaskListOf(const os::events::ClusterState& state);

class EventHub {
 public:
  /// Turns an event into the bytes a subscriber receives (the codec's encoding).
  using Encoder = std::function<std::string(const os::events::Event&)>;

  /// `epoch` names this tracker run; at most `max_subscribers` at once.
  EventHub(std::string epoch, Encoder encode, std::size_t max_subscribers);

  /// Numbers `event` (seq, epoch), applies it to the cluster state and queues
  /// it for every matching subscriber; returns it as published. A subscriber
  /// whose queue it would overflow is cut off, and its wake is called.
  const os::events::Event& Publish(os::events::Event event);

  struct Subscription {
    std::uint64_t id = 0;
    os::events::Snapshot snapshot;  // the state after every event up to snapshot.seq; the queue holds what follows
  };

  /// Called on the publishing thread: with ok when a subscriber's queue
  /// goes from empty to non-empty (its session can write), or with the
  /// reason when it is cut off (its session says so and hangs up).
  using Wake = std::function<void(const Status& cut_off)>;

  /// Adds a subscriber, whose session `wake` wakes. Errors: BAD_REQUEST (a type prefix that names no event
  /// type, or a zero bound), LIMIT (max_subscribers reached; the message
  /// names the --max-subscribers flag).
  Result<Subscription> Subscribe(SubscribeOptions options, Wake wake);

  /// Removes a subscriber (its session closed). Unknown ids are ignored.
  void Unsubscribe(std::uint64_t id);

  /// Takes the queued frames of subscriber `id`, oldest first: all of them,
  /// or as many as fit in `max_bytes` (at least one). After a cut off it
  /// returns the reason instead (LIMIT, naming the bound and the bytes
  /// queued), once the queue is dropped. Errors: NOT_FOUND (unknown id).
  Result<std::vector<Frame>> Take(std::uint64_t id, std::size_t max_bytes = SIZE_MAX);

  std::uint64_t seq() const { return seq_; }
  const std::string& epoch() const { return epoch_; }
  const os::events::ClusterState& state() const { return state_; }
  std::vector<SubscriberStats> Stats() const;
  std::size_t subscriber_count() const { return subscribers_.size(); }

  /// Does an event of `type` pass the filter `prefixes`? The stream's one
  /// rule, os::events::PassesFilter: empty passes all, events.lost always.
  static bool Matches(const std::vector<std::string>& prefixes, std::string_view type);

 private:
  struct Subscriber {
    SubscribeOptions options;
    std::shared_ptr<const Wake> wake;  // shared, so that a call outlives a wake that unsubscribes
    std::deque<Frame> queue;
    std::size_t queued_bytes = 0;
    std::uint64_t delivered = 0;
    std::optional<Status> cut_off;  // why, once cut off
  };

  /// Queues `frame` for `subscriber`, or cuts it off. Returns whether its
  /// wake is due: its queue was empty, or it was cut off now.
  bool Offer(Subscriber& subscriber, const Frame& frame, std::string_view type);

  std::string epoch_;
  Encoder encode_;
  std::size_t max_subscribers_;
  std::uint64_t seq_ = 0;
  std::uint64_t next_id_ = 1;
  os::events::ClusterState state_;
  os::events::Event last_;  // the event Publish() returned last
  std::map<std::uint64_t, Subscriber> subscribers_;
  std::vector<std::uint64_t> spare_woken_;  // Publish's list of subscribers to wake, kept for its capacity
};

}  // namespace osgrid::tracker
