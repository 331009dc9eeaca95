// The event hub (see event_hub.h).
#include "event_hub.h"

#include <cstdint>
#include <utility>

#include "osgrid/net/events.h"
#include "osgrid/net/frame.h"

namespace osgrid::tracker {

namespace {

/// BAD_REQUEST if some prefix names no known event type.
Status CheckPrefixes(const std::vector<std::string>& prefixes) {
  if (std::optional<std::string> unknown = os::events::UnknownPrefix(prefixes)) {
    return Status::BadRequest("unknown event type filter '" + net::Sanitize(*unknown) +
                              "': it names no event type (see docs/events.md)");
  }
  return Status::Ok();
}

/// BAD_REQUEST unless `event` may come from the peer `peer`.
Status CheckPeerEvent(const std::string& peer, const os::events::Event& event) {
  if (event.node != peer) {
    return Status::BadRequest("node \"" + net::Sanitize(event.node) + "\" is not the sender, " + peer);
  }
  if (os::events::TypeOf(event.body).starts_with("peer.")) {
    return Status::BadRequest("peer.* events are the tracker's to publish");
  }
  return Status::Ok();
}

}  // namespace

Result<SubscribeOptions> SubscribeOptionsFor(const Json& request, const SubscribeLimits& limits,
                                             const std::string& role, const std::string& address) {
  SubscribeOptions subscribe;
  for (const Json& type : request.value("types", Json::array())) {
    if (!type.is_string()) return Status::BadRequest("SUBSCRIBE: types must be strings (type prefixes)");
    subscribe.types.push_back(type);
  }
  const auto most = static_cast<std::int64_t>(limits.max_queue_bytes);
  const std::int64_t bound = request.value("queue_bytes", static_cast<std::int64_t>(limits.default_queue_bytes));
  if (bound < static_cast<std::int64_t>(kMinSubscriberQueueBytes) || bound > most) {
    return Status::BadRequest("SUBSCRIBE: queue_bytes must be " + std::to_string(kMinSubscriberQueueBytes) + ".." +
                              std::to_string(most) + " (the tracker's --max-subscriber-queue)");
  }
  subscribe.max_queue_bytes = static_cast<std::size_t>(bound);
  subscribe.name = net::Sanitize(request.value("name", role), 64) + " from " + address;
  return subscribe;
}

Result<std::vector<os::events::Event>> DecodePeerEvents(const std::string& peer, const Json& batch) {
  if (!batch.is_array() || batch.empty() || batch.size() > kMaxEventsPerBatch) {
    return Status::BadRequest("EVENTS: events must hold 1.." + std::to_string(kMaxEventsPerBatch) + " events");
  }
  std::vector<os::events::Event> events;
  events.reserve(batch.size());
  for (std::size_t i = 0; i < batch.size(); ++i) {
    auto event = net::DecodeEvent(batch[i]);
    Status problem = event.ok() ? CheckPeerEvent(peer, *event) : event.status();
    if (!problem.ok()) {
      return Status(problem.code(), "EVENTS: event " + std::to_string(i) + ": " + problem.message());
    }
    events.push_back(std::move(event).value());
  }
  return events;
}

std::string EventFrame(const os::events::Event& event) {
  return net::EncodeFrame(net::FrameKind::kJson, net::DumpEvent(event));
}

net::TaskList TaskListOf(const os::events::ClusterState& state) {
  net::TaskList list;
  list.seq = state.seq();
  for (os::events::TaskInfo& task : state.Tasks()) {
    net::TaskList::Entry& entry = list.tasks.emplace_back();
    entry.task_id = std::move(task.task_id);
    entry.name = std::move(task.name);
    entry.peer = std::move(task.peer);
    entry.state = std::string(os::events::TaskStateName(task.state));
    if (task.priority) entry.priority = *task.priority;
    entry.cpu_ms = task.cpu_ms;
    entry.parent = std::move(task.parent);
    entry.submitted_t = task.submitted_t;
  }
  return list;
}

EventHub::EventHub(std::string epoch, Encoder encode, std::size_t max_subscribers)
    : epoch_(std::move(epoch)), encode_(std::move(encode)), max_subscribers_(max_subscribers) {}

bool EventHub::Matches(const std::vector<std::string>& prefixes, std::string_view type) {
  return os::events::PassesFilter(prefixes, type);
}

const os::events::Event& EventHub::Publish(os::events::Event event) {
  event.seq = ++seq_;
  event.epoch = epoch_;
  state_.Apply(event);
  const std::string_view type = os::events::TypeOf(event.body);
  Frame frame;  // encoded only if someone wants it
  std::vector<std::uint64_t> woken;
  woken.swap(spare_woken_);  // its capacity, kept from the last call: no allocation per event
  for (auto& [id, subscriber] : subscribers_) {
    if (subscriber.cut_off || !Matches(subscriber.options.types, type)) continue;
    if (!frame) frame = std::make_shared<const std::string>(encode_(event));
    if (Offer(subscriber, frame, type)) woken.push_back(id);
  }
  last_ = std::move(event);
  // After the loop: a wake may take frames, or unsubscribe (a cut-off
  // session hangs up), itself or another. So each is looked up again, and
  // called through copies of its wake and its reason, which outlive it.
  for (std::uint64_t id : woken) {
    auto it = subscribers_.find(id);
    if (it == subscribers_.end() || !it->second.wake) continue;
    std::shared_ptr<const Wake> wake = it->second.wake;
    const Status why = it->second.cut_off.value_or(Status::Ok());
    (*wake)(why);
  }
  woken.clear();
  spare_woken_.swap(woken);
  return last_;
}

bool EventHub::Offer(Subscriber& subscriber, const Frame& frame, std::string_view type) {
  if (subscriber.queued_bytes + frame->size() > subscriber.options.max_queue_bytes) {
    subscriber.cut_off = Status::Limit(
        "subscriber too slow: " + std::to_string(subscriber.queued_bytes) + " bytes of events queued, and the next (" +
        std::string(type) + ", " + std::to_string(frame->size()) + " bytes) would pass its bound of " +
        std::to_string(subscriber.options.max_queue_bytes) + " bytes; subscribe again to resume from a snapshot");
    subscriber.queue.clear();
    subscriber.queued_bytes = 0;
    return true;
  }
  const bool was_empty = subscriber.queue.empty();
  subscriber.queue.push_back(frame);
  subscriber.queued_bytes += frame->size();
  return was_empty;
}

Result<EventHub::Subscription> EventHub::Subscribe(SubscribeOptions options, Wake wake) {
  if (Status status = CheckPrefixes(options.types); !status.ok()) return status;
  if (options.max_queue_bytes == 0) return Status::BadRequest("a subscriber's queue bound must be > 0 bytes");
  if (subscribers_.size() >= max_subscribers_) {
    return Status::Limit("the tracker already has " + std::to_string(subscribers_.size()) +
                         " subscribers, its limit (--max-subscribers " + std::to_string(max_subscribers_) + ")");
  }
  const std::uint64_t id = next_id_++;
  auto shared_wake = wake ? std::make_shared<const Wake>(std::move(wake)) : nullptr;
  subscribers_.emplace(id, Subscriber{std::move(options), std::move(shared_wake), {}, 0, 0, std::nullopt});
  Subscription subscription{id, state_.ToSnapshot()};
  subscription.snapshot.seq = seq_;  // also before the first event, and after ones the fold ignores
  subscription.snapshot.epoch = epoch_;
  return subscription;
}

void EventHub::Unsubscribe(std::uint64_t id) { subscribers_.erase(id); }

Result<std::vector<Frame>> EventHub::Take(std::uint64_t id, std::size_t max_bytes) {
  auto it = subscribers_.find(id);
  if (it == subscribers_.end()) return Status::NotFound("no subscriber " + std::to_string(id));
  Subscriber& subscriber = it->second;
  if (subscriber.cut_off) return *subscriber.cut_off;
  std::vector<Frame> taken;
  std::size_t bytes = 0;
  while (!subscriber.queue.empty() && (taken.empty() || bytes + subscriber.queue.front()->size() <= max_bytes)) {
    bytes += subscriber.queue.front()->size();
    taken.push_back(std::move(subscriber.queue.front()));
    subscriber.queue.pop_front();
  }
  subscriber.delivered += taken.size();
  subscriber.queued_bytes -= bytes;
  return taken;
}

std::vector<SubscriberStats> EventHub::Stats() const {
  std::vector<SubscriberStats> stats;
  stats.reserve(subscribers_.size());
  for (const auto& [id, s] : subscribers_) {
    stats.push_back(
        {id, s.options.name, s.queued_bytes, s.options.max_queue_bytes, s.delivered, s.cut_off.has_value()});
  }
  return stats;
}

}  // namespace osgrid::tracker
