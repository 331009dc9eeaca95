// The tracker's event hub under fuzz_message: a real tracker::EventHub
// (tracker/src/event_hub.h, with the tracker's encoder EventFrame) driven as
// the tracker drives it -- Subscribe() with the options a SUBSCRIBE asked
// for, Publish() of events, Take() with a bounded max_bytes, wakes that take
// frames or hang up -- next to a model of what each subscriber must get.
//
// The model queues, for each subscriber, the frame of every event published
// after it subscribed whose type passes its filter by the rule of
// docs/events.md (written out here, SpecSelects, not the hub's
// os::events::PrefixSelects), and predicts the cut off: the first frame that
// would take its queue past its bound. Invariants, checked after every step:
//   * the hub numbers each event one more than the last, stamps its epoch,
//     encodes it at most once, and only when some subscriber takes it; the
//     frame is the event's JSON text, and decodes to the event published;
//   * a subscriber's queued bytes never pass its bound, and match the model's;
//   * Take() returns the model's frames byte for byte, oldest first: in seq
//     order, every seq for an unfiltered subscriber, for a filtered one
//     exactly the matching types and events.lost; at most max_bytes unless
//     it is one frame, at least one frame when some wait, and as many as fit;
//   * a subscriber is woken when its queue stops being empty, and once with
//     the reason (LIMIT, with a message) when it is cut off, never after;
//     from then on Take() returns that reason; a subscriber that left is
//     NOT_FOUND and out of Stats();
//   * Subscribe() refuses only a prefix that selects no type or a zero bound
//     (BAD_REQUEST) and one subscriber too many (LIMIT, naming
//     --max-subscribers), and its snapshot is at the hub's seq and epoch and
//     re-encodes to an equal one; the SUBSCRIBED reply and the ERROR that
//     ends a cut-off stream are frames a client reads back.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "event_hub.h"
#include "fuzz_support.h"
#include "osgrid/net/events.h"
#include "osgrid/net/params.h"

namespace osgrid::fuzz {

/// Does the type prefix `prefix` select the event type `type`? docs/events.md:
/// a prefix selects the type it names and the types of the family it names
/// ("task" and "task." select task.running; "tas" and "" select nothing).
inline bool SpecSelects(std::string_view prefix, std::string_view type) {
  if (prefix.empty()) return false;
  if (type == prefix) return true;
  if (type.size() <= prefix.size() || type.substr(0, prefix.size()) != prefix) return false;
  return prefix.back() == '.' || type[prefix.size()] == '.';
}

/// Does an event of `type` reach a subscriber with the filter `prefixes`?
/// Every type when it has none; events.lost always (a gap is never hidden).
inline bool SpecPasses(const std::vector<std::string>& prefixes, std::string_view type) {
  if (prefixes.empty() || type == "events.lost") return true;
  return std::any_of(prefixes.begin(), prefixes.end(),
                     [&](const std::string& prefix) { return SpecSelects(prefix, type); });
}

class HubCheck {
 public:
  /// What a subscriber's session does when the hub wakes it.
  struct Behaviour {
    bool take_on_wake = false;              // pull at once (a session whose socket is free)...
    std::size_t wake_max_bytes = SIZE_MAX;  // ... at most this much
    bool leave_when_cut = false;            // hang up inside the wake that cuts it off
  };

  explicit HubCheck(std::size_t max_subscribers)
      : max_subscribers_(max_subscribers),
        hub_(
            "t-fuzz", [this](const os::events::Event& event) { return Encode(event); }, max_subscribers) {}
  HubCheck(const HubCheck&) = delete;
  HubCheck& operator=(const HubCheck&) = delete;

  /// Subscribes as the tracker's OnSubscribe does, for the request whose id
  /// is `id`; with `reply`, also checks the SUBSCRIBED reply and that its
  /// snapshot re-encodes to an equal one (the costly part). Returns the
  /// subscriber's index for Take(), or the hub's refusal.
  Result<std::size_t> Subscribe(tracker::SubscribeOptions options, Behaviour behaviour, const Json& id,
                                bool reply = false) {
    auto sub = std::make_unique<Sub>();
    sub->types = options.types;
    sub->bound = options.max_queue_bytes;
    sub->behaviour = behaviour;
    sub->request_id = id;
    Sub* raw = sub.get();
    const std::size_t before = hub_.subscriber_count();
    const bool known = std::all_of(options.types.begin(), options.types.end(), [](const std::string& prefix) {
      const auto& types = os::events::AllTypes();
      return std::any_of(types.begin(), types.end(), [&](std::string_view type) { return SpecSelects(prefix, type); });
    });
    const std::size_t bound = options.max_queue_bytes;
    auto subscription =
        hub_.Subscribe(std::move(options), [this, raw](const Status& cut_off) { OnWake(*raw, cut_off); });
    if (!subscription.ok()) {
      const Status& status = subscription.status();
      FUZZ_CHECK(!status.message().empty(), "a refused subscription says why");
      FUZZ_CHECK(hub_.subscriber_count() == before, "a refused subscription changes nothing");
      if (status.code() == Code::kLimit) {
        FUZZ_CHECK(known && bound > 0 && before >= max_subscribers_ &&
                       status.message().find("--max-subscribers") != std::string::npos,
                   "LIMIT refuses only a subscriber past --max-subscribers, and names the flag");
      } else {
        FUZZ_CHECK(status.code() == Code::kBadRequest && (!known || bound == 0),
                   "BAD_REQUEST refuses only a prefix that selects no type, or a zero bound");
      }
      return status;
    }
    FUZZ_CHECK(known && bound > 0 && before < max_subscribers_, "a subscription the rules refuse is refused");
    const os::events::Snapshot& snapshot = subscription->snapshot;
    FUZZ_CHECK(snapshot.seq == hub_.seq() && snapshot.epoch == hub_.epoch(),
               "a snapshot is at the hub's seq and epoch: the events after it are the subscriber's");
    if (reply) {
      const Json encoded = net::EncodeSnapshot(snapshot);
      auto again = net::DecodeSnapshot(encoded);
      FUZZ_CHECK(again.ok() && *again == snapshot, "a subscriber's snapshot decodes to an equal one");
      CheckReplyFrame({{"type", "SUBSCRIBED"},
                       {"id", id},
                       {"subscriber", subscription->id},
                       {"epoch", hub_.epoch()},
                       {"seq", snapshot.seq},
                       {"queue_bytes", bound},
                       {"snapshot", encoded}},
                      Status::Ok(), /*read_back=*/false);
    }
    sub->id = subscription->id;
    sub->last_seq = snapshot.seq;
    subs_.push_back(std::move(sub));
    CheckStats();
    return subs_.size() - 1;
  }

  /// Publishes `event` as the tracker does (its seq and epoch are the hub's).
  /// With `decode`, checks that its frame decodes to the event published;
  /// else only the frame's header and the start of its text (events built
  /// here from a few fixed shapes need no decoding each time).
  void Publish(os::events::Event event, bool decode = true) {
    const std::uint64_t before = hub_.seq();
    encoded_ = false;
    decode_ = decode;
    const os::events::Event& published = hub_.Publish(std::move(event));
    FUZZ_CHECK(published.seq == before + 1 && hub_.seq() == before + 1 && published.epoch == hub_.epoch(),
               "the hub numbers each event one more than the last, in its epoch");
    FUZZ_CHECK(hub_.state().seq() == hub_.seq(), "the hub's state reflects every event it published");
    const std::string_view type = os::events::TypeOf(published.body);
    for (const auto& sub : subs_) {
      FUZZ_CHECK(encoded_ || sub->gone || sub->cut_off || !SpecPasses(sub->types, type),
                 "an event a subscriber takes is encoded");
      FUZZ_CHECK(!sub->wake_due && !sub->cut_due, "every wake due was made, during Publish");
    }
    CheckStats();
  }

  /// Takes the frames of subscriber `index`, at most `max_bytes` (at least one).
  void Take(std::size_t index, std::size_t max_bytes) { Take(*subs_.at(index), max_bytes); }

  /// Drains every subscriber, then lets each leave.
  void Finish() {
    for (const auto& sub : subs_) {
      Take(*sub, SIZE_MAX);
      FUZZ_CHECK(sub->gone || sub->cut_off || sub->queue.empty(), "a pull of everything empties the queue");
      Take(*sub, 0);  // nothing more: an empty pull, or the reason again
    }
    for (const auto& sub : subs_) {
      hub_.Unsubscribe(sub->id);
      sub->gone = true;
    }
    FUZZ_CHECK(hub_.subscriber_count() == 0 && hub_.Stats().empty(), "every subscriber left");
    for (const auto& sub : subs_) Take(*sub, SIZE_MAX);
  }

  std::uint64_t seq() const { return hub_.seq(); }
  const os::events::ClusterState& state() const { return hub_.state(); }

 private:
  /// A frame the model expects a subscriber to take.
  struct Expected {
    std::uint64_t seq = 0;
    std::shared_ptr<const std::string> frame;
  };

  struct Sub {
    std::uint64_t id = 0;
    std::vector<std::string> types;
    std::size_t bound = 0;
    Behaviour behaviour;
    Json request_id;
    std::deque<Expected> queue;    // the model's queue
    std::size_t queued_bytes = 0;  // and its bytes
    std::uint64_t delivered = 0;   // frames taken
    std::uint64_t last_seq = 0;    // of the last frame taken (the snapshot's seq before the first)
    bool wake_due = false;         // its queue stopped being empty in this Publish
    bool cut_due = false;          // it was cut off in this Publish
    bool cut_off = false;          // for good
    std::optional<Status> reason;  // given by the one wake that cut it off
    bool gone = false;             // unsubscribed
  };

  /// The hub's encoder: the tracker's (tracker::EventFrame), checked, and the
  /// model's step: the hub encodes before it offers the frame to anyone, and
  /// wakes only after it has offered it to everyone.
  std::string Encode(const os::events::Event& event) {
    FUZZ_CHECK(!encoded_, "the hub encodes an event once, for every subscriber");
    encoded_ = true;
    FUZZ_CHECK(event.seq == hub_.seq() && event.epoch == hub_.epoch(), "an event is numbered before it is encoded");
    auto frame = std::make_shared<const std::string>(tracker::EventFrame(event));
    CheckFrame(*frame, event, decode_);
    const std::string_view type = os::events::TypeOf(event.body);
    for (const auto& sub : subs_) {
      if (sub->gone || sub->cut_off || !SpecPasses(sub->types, type)) continue;
      if (sub->queued_bytes + frame->size() > sub->bound) {  // it would pass the bound: cut off
        sub->cut_off = sub->cut_due = true;
        sub->queue.clear();
        sub->queued_bytes = 0;
        continue;
      }
      if (sub->queue.empty()) sub->wake_due = true;
      sub->queue.push_back({event.seq, frame});
      sub->queued_bytes += frame->size();
    }
    return *frame;
  }

  /// What a subscriber reads: a JSON frame whose payload is the event.
  static void CheckFrame(const std::string& frame, const os::events::Event& event, bool decode) {
    auto header = net::DecodeHeader(frame.data(), params::kMaxFrameBytes);
    FUZZ_CHECK(
        header.ok() && header->kind == net::FrameKind::kJson && header->length + net::kFrameHeaderBytes == frame.size(),
        "an event frame is one JSON frame");
    const std::string_view text = std::string_view(frame).substr(net::kFrameHeaderBytes);
    if (!decode) {
      const std::string start = "{\"type\":\"" + std::string(os::events::TypeOf(event.body)) +
                                "\",\"seq\":" + std::to_string(event.seq) + ",";
      FUZZ_CHECK(text.substr(0, start.size()) == start && text.back() == '}', "an event frame is the event's text");
      return;
    }
    auto json = ParseMessage(text);
    FUZZ_CHECK(json.ok(), "an event frame parses");
    auto decoded = net::DecodeEvent(*json);
    FUZZ_CHECK(decoded.ok() && *decoded == event, "an event frame decodes to the event published");
  }

  void OnWake(Sub& sub, const Status& cut_off) {
    FUZZ_CHECK(!sub.gone, "a subscriber that left is never woken");
    if (cut_off.ok()) {
      FUZZ_CHECK(sub.wake_due && !sub.cut_off, "a subscriber is woken when its queue stops being empty");
      sub.wake_due = false;
      if (sub.behaviour.take_on_wake) Take(sub, sub.behaviour.wake_max_bytes);
      return;
    }
    FUZZ_CHECK(sub.cut_due && !sub.reason, "a subscriber is cut off once: when its next frame would pass its bound");
    FUZZ_CHECK(cut_off.code() == Code::kLimit && !cut_off.message().empty(), "a cut off is LIMIT, with the reason");
    sub.cut_due = false;
    sub.reason = cut_off;
    CheckReplyFrame(net::MakeError(sub.request_id, cut_off), cut_off, /*read_back=*/false);  // EndStream's ERROR
    if (sub.behaviour.leave_when_cut) {                                                      // its session hangs up
      hub_.Unsubscribe(sub.id);
      sub.gone = true;
    }
  }

  void Take(Sub& sub, std::size_t max_bytes) {
    auto taken = hub_.Take(sub.id, max_bytes);
    if (sub.gone) {
      FUZZ_CHECK(!taken.ok() && taken.status().code() == Code::kNotFound, "a subscriber that left is NOT_FOUND");
      return;
    }
    if (sub.cut_off) {
      FUZZ_CHECK(sub.reason && !taken.ok() && taken.status().code() == sub.reason->code() &&
                     taken.status().message() == sub.reason->message(),
                 "a cut-off subscriber's pull returns the reason it was given");
      return;
    }
    FUZZ_CHECK(taken.ok(), "a subscriber's pull succeeds");
    const std::vector<tracker::Frame>& frames = *taken;
    FUZZ_CHECK(frames.size() <= sub.queue.size(), "a pull takes only frames published for it");
    FUZZ_CHECK(frames.empty() == sub.queue.empty(), "a pull takes at least one frame when some wait");
    const bool unfiltered = sub.types.empty();
    std::size_t bytes = 0;
    for (const tracker::Frame& frame : frames) {
      const Expected& next = sub.queue.front();
      FUZZ_CHECK(frame && *frame == *next.frame,
                 "a subscriber takes the frames of the events its filter passes, oldest first");
      FUZZ_CHECK(next.seq > sub.last_seq && (!unfiltered || next.seq == sub.last_seq + 1),
                 "frames come in seq order, every seq for an unfiltered subscriber");
      sub.last_seq = next.seq;
      bytes += frame->size();
      sub.queued_bytes -= frame->size();
      sub.queue.pop_front();
    }
    FUZZ_CHECK(frames.size() <= 1 || bytes <= max_bytes, "a pull stays within max_bytes, unless it is one frame");
    FUZZ_CHECK(sub.queue.empty() || bytes + sub.queue.front().frame->size() > max_bytes,
               "a pull takes as many frames as fit");
    sub.delivered += frames.size();
    CheckStats();
  }

  void CheckStats() const {
    const std::vector<tracker::SubscriberStats> stats = hub_.Stats();
    const auto live = static_cast<std::size_t>(
        std::count_if(subs_.begin(), subs_.end(), [](const std::unique_ptr<Sub>& sub) { return !sub->gone; }));
    FUZZ_CHECK(stats.size() == live && hub_.subscriber_count() == live, "Stats lists the subscribers that stay");
    for (const tracker::SubscriberStats& s : stats) {
      FUZZ_CHECK(s.queued_bytes <= s.max_queue_bytes, "a subscriber's queue stays within its bound");
      auto it =
          std::find_if(subs_.begin(), subs_.end(), [&](const std::unique_ptr<Sub>& sub) { return sub->id == s.id; });
      FUZZ_CHECK(it != subs_.end() && !(*it)->gone, "Stats lists only subscribers");
      const Sub& sub = **it;
      FUZZ_CHECK(s.queued_bytes == sub.queued_bytes && s.max_queue_bytes == sub.bound && s.delivered == sub.delivered &&
                     s.cut_off == sub.cut_off,
                 "Stats agrees with what was queued, taken and cut off");
    }
  }

  std::size_t max_subscribers_;
  std::vector<std::unique_ptr<Sub>> subs_;  // before hub_: the hub's wakes point into them
  bool encoded_ = false;                    // the hub encoded the event being published
  bool decode_ = true;                      // and its frame is to be decoded
  tracker::EventHub hub_;
};

}  // namespace osgrid::fuzz
