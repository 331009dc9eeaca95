#include "event_hub.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "osgrid/net/events.h"
#include "osgrid/net/frame.h"

using namespace osgrid;
using namespace osgrid::os::events;
using tracker::EventHub;
using tracker::Frame;
using tracker::SubscribeOptions;

namespace {

/// A stand-in for the JSON codec: "<seq> <type>", padded to `size` bytes.
struct CountingEncoder {
  int* calls;
  std::size_t size = 0;
  std::string operator()(const Event& event) const {
    ++*calls;
    std::string text = std::to_string(event.seq) + " " + std::string(TypeOf(event.body));
    if (text.size() < size) text.resize(size, ' ');
    return text;
  }
};

Event At(double t, Payload body) { return Event{0, "", t, "tracker", std::move(body)}; }

std::vector<std::string> Texts(const std::vector<Frame>& frames) {
  std::vector<std::string> texts;
  for (const Frame& f : frames) texts.push_back(f->substr(0, f->find_last_not_of(' ') + 1));
  return texts;
}

SubscribeOptions Options(std::size_t bound, std::vector<std::string> types = {}) {
  return SubscribeOptions{std::move(types), bound, "test"};
}

}  // namespace

TEST_CASE("the hub numbers events and stamps its epoch", "[hub]") {
  int calls = 0;
  EventHub hub("epoch-1", CountingEncoder{&calls}, 8);
  const Event& first = hub.Publish(At(1, PeerJoined{"p", "h:1", 2}));
  CHECK(first.seq == 1);
  CHECK(first.epoch == "epoch-1");
  CHECK(hub.Publish(At(2, PeerLoad{"p", 0, 0, 2})).seq == 2);
  CHECK(hub.seq() == 2);
  CHECK(calls == 0);  // nobody subscribed: nothing encoded
}

TEST_CASE("a subscriber gets a snapshot at a seq, then exactly the events after it", "[hub]") {
  int calls = 0;
  EventHub hub("e", CountingEncoder{&calls}, 8);
  hub.Publish(At(1, PeerJoined{"p", "h:1", 2}));
  hub.Publish(At(2, TaskSubmitted{"t1", std::nullopt, "f", "p"}));
  hub.Publish(At(3, TaskQueued{"t1", std::nullopt, "p", 1}));
  int wakes = 0;
  auto sub = hub.Subscribe(Options(1 << 20), [&](const Status& cut_off) {
    CHECK(cut_off.ok());
    ++wakes;
  });
  REQUIRE(sub.ok());
  CHECK(sub->snapshot.seq == 3);
  REQUIRE(sub->snapshot.peers.size() == 1);
  CHECK(sub->snapshot.peers[0].ready_queue.size() == 1);

  hub.Publish(At(4, TaskRunning{"t1", std::nullopt, "p"}));
  hub.Publish(At(5, TaskFinished{"t1", std::nullopt, "p", Outcome::kOk, 0, 1, 1}));
  CHECK(wakes == 1);  // woken once, when its queue stopped being empty
  auto frames = hub.Take(sub->id);
  REQUIRE(frames.ok());
  CHECK(Texts(*frames) == std::vector<std::string>{"4 task.running", "5 task.finished"});
  CHECK(hub.Take(sub->id)->empty());
}

TEST_CASE("eight subscribers share one encoding and see the same contiguous seqs", "[hub]") {
  int calls = 0;
  EventHub hub("e", CountingEncoder{&calls}, 8);
  std::vector<std::uint64_t> ids;
  for (int i = 0; i < 8; ++i) ids.push_back(hub.Subscribe(Options(1 << 20), nullptr)->id);
  for (int i = 0; i < 100; ++i) hub.Publish(At(i, PeerLoad{"p", i, 0, 1}));
  CHECK(calls == 100);
  for (std::uint64_t id : ids) {
    auto frames = hub.Take(id);
    REQUIRE(frames.ok());
    REQUIRE(frames->size() == 100);
    for (std::size_t i = 0; i < frames->size(); ++i) CHECK((*frames)[i]->rfind(std::to_string(i + 1) + " ", 0) == 0);
  }
  auto ninth = hub.Subscribe(Options(1 << 20), nullptr);
  REQUIRE_FALSE(ninth.ok());
  CHECK(ninth.status().code() == Code::kLimit);
  CHECK(ninth.status().message().find("--max-subscribers 8") != std::string::npos);
}

TEST_CASE("a subscriber that stops reading is cut off, the others go on", "[hub]") {
  int calls = 0;
  EventHub hub("e", CountingEncoder{&calls, 100}, 8);  // 100-byte frames
  int slow_wakes = 0;
  Status why;
  auto slow = hub.Subscribe(Options(1000), [&](const Status& cut_off) {
    ++slow_wakes;
    why = cut_off;
  });
  auto fast = hub.Subscribe(Options(1000), nullptr);
  REQUIRE(slow.ok());
  REQUIRE(fast.ok());
  for (int i = 0; i < 30; ++i) {
    hub.Publish(At(i, PeerLoad{"p", i, 0, 1}));
    for (const auto& s : hub.Stats()) CHECK(s.queued_bytes <= s.max_queue_bytes);
    if (i % 5 == 4) REQUIRE(hub.Take(fast->id)->size() == 5);  // the fast one keeps up
  }
  CHECK(slow_wakes == 2);  // once for its first frame, once when cut off
  CHECK(why.code() == Code::kLimit);
  auto taken = hub.Take(slow->id);
  REQUIRE_FALSE(taken.ok());
  CHECK(taken.status().code() == Code::kLimit);
  CHECK(taken.status().message().find("bound of 1000 bytes") != std::string::npos);
  auto stats = hub.Stats();
  REQUIRE(stats.size() == 2);
  CHECK(stats[0].cut_off);
  CHECK(stats[0].queued_bytes == 0);  // its queue was dropped
  CHECK_FALSE(stats[1].cut_off);
  CHECK(stats[1].delivered == 30);
  hub.Unsubscribe(slow->id);
  CHECK(hub.subscriber_count() == 1);
}

TEST_CASE("a subscriber may take frames or leave from inside its wake", "[hub]") {
  int calls = 0;
  EventHub hub("e", CountingEncoder{&calls, 100}, 8);
  std::vector<std::uint64_t> ids(3);
  std::size_t taken = 0;
  std::vector<std::string> reasons;
  for (int i = 0; i < 3; ++i) {
    auto sub = hub.Subscribe(Options(250), [&, i](const Status& cut_off) {
      if (!cut_off.ok()) {
        hub.Unsubscribe(ids[i]);                      // as its session does when it hangs up...
        return reasons.push_back(cut_off.message());  // ... and then says why: the reason outlives it
      }
      if (i == 0) taken += hub.Take(ids[i])->size();  // as a session with a free socket does
    });
    REQUIRE(sub.ok());
    ids[i] = sub->id;
  }
  for (int i = 0; i < 5; ++i) hub.Publish(At(i, PeerLoad{"p", i, 0, 1}));
  CHECK(taken == 5);                   // the reader kept up
  CHECK(hub.subscriber_count() == 1);  // the two that never read were cut off at the third, and left
  CHECK(hub.Stats()[0].id == ids[0]);
  REQUIRE(reasons.size() == 2);
  for (const std::string& reason : reasons) CHECK(reason.find("subscriber too slow") == 0);
}

TEST_CASE("Take hands over at most max_bytes at a time, and at least one frame", "[hub]") {
  int calls = 0;
  EventHub hub("e", CountingEncoder{&calls, 100}, 8);  // 100-byte frames
  auto sub = hub.Subscribe(Options(1 << 20), nullptr);
  REQUIRE(sub.ok());
  for (int i = 0; i < 10; ++i) hub.Publish(At(i, PeerLoad{"p", i, 0, 1}));
  CHECK(hub.Take(sub->id, 350)->size() == 3);
  CHECK(hub.Stats()[0].queued_bytes == 700);
  CHECK(hub.Take(sub->id, 10)->size() == 1);  // one frame even when it is over the limit
  CHECK(hub.Take(sub->id)->size() == 6);
  CHECK(hub.Stats()[0].queued_bytes == 0);
  CHECK(hub.Stats()[0].delivered == 10);
}

TEST_CASE("filters pass a family or a type, events.lost always passes", "[hub]") {
  CHECK(EventHub::Matches({}, "mem.set"));
  CHECK(EventHub::Matches({"task"}, "task.running"));
  CHECK(EventHub::Matches({"task."}, "task.running"));
  CHECK(EventHub::Matches({"task.finished"}, "task.finished"));
  CHECK_FALSE(EventHub::Matches({"task.finished"}, "task.running"));
  CHECK_FALSE(EventHub::Matches({"tas"}, "task.running"));
  CHECK(EventHub::Matches({"peer"}, "events.lost"));

  int calls = 0;
  EventHub hub("e", CountingEncoder{&calls}, 8);
  auto sub = hub.Subscribe(Options(1 << 20, {"peer.dead", "task"}), nullptr);
  REQUIRE(sub.ok());
  hub.Publish(At(1, PeerJoined{"p", "h:1", 1}));
  hub.Publish(At(2, TaskSubmitted{"t", std::nullopt, "f", "p"}));
  hub.Publish(At(3, PeerDead{"p", 3000}));
  hub.Publish(At(4, EventsLost{2}));
  CHECK(Texts(hub.Take(sub->id).value()) ==
        std::vector<std::string>{"2 task.submitted", "3 peer.dead", "4 events.lost"});
}

TEST_CASE("a bad subscription is refused and changes nothing", "[hub]") {
  int calls = 0;
  EventHub hub("e", CountingEncoder{&calls}, 2);
  auto unknown = hub.Subscribe(Options(100, {"task", "tasks"}), nullptr);
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.status().code() == Code::kBadRequest);
  CHECK(unknown.status().message().find("'tasks'") != std::string::npos);
  CHECK_FALSE(hub.Subscribe(Options(100, {""}), nullptr).ok());
  CHECK_FALSE(hub.Subscribe(Options(0), nullptr).ok());
  CHECK(hub.subscriber_count() == 0);
  CHECK(hub.Take(99).status().code() == Code::kNotFound);
}

TEST_CASE("SUBSCRIBE's fields become hub options within the tracker's limits", "[hub][subscribe]") {
  const tracker::SubscribeLimits limits{4096, 65536};
  auto plain = tracker::SubscribeOptionsFor(Json{{"type", "SUBSCRIBE"}, {"id", 1}}, limits, "client", "10.0.0.1:5");
  REQUIRE(plain.ok());
  CHECK(plain->types.empty());
  CHECK(plain->max_queue_bytes == 4096);  // the tracker's default
  CHECK(plain->name == "client from 10.0.0.1:5");

  Json request = {{"type", "SUBSCRIBE"},
                  {"id", 2},
                  {"types", {"task", "peer.dead"}},
                  {"queue_bytes", 1024},
                  {"name", "osgrid events\n"}};
  auto named = tracker::SubscribeOptionsFor(request, limits, "client", "h:1");
  REQUIRE(named.ok());
  CHECK(named->types == std::vector<std::string>{"task", "peer.dead"});
  CHECK(named->max_queue_bytes == 1024);
  CHECK(named->name == "osgrid events? from h:1");  // sanitised

  for (Json bound : {Json(1023), Json(65537), Json(-1), Json(18446744073709551615ULL)}) {
    request["queue_bytes"] = bound;
    auto refused = tracker::SubscribeOptionsFor(request, limits, "client", "h:1");
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.status().code() == Code::kBadRequest);
    CHECK(refused.status().message() ==
          "SUBSCRIBE: queue_bytes must be 1024..65536 (the tracker's --max-subscriber-queue)");
  }
  request["queue_bytes"] = 65536;
  request["types"] = {"task", 7};
  auto mistyped = tracker::SubscribeOptionsFor(request, limits, "client", "h:1");
  REQUIRE_FALSE(mistyped.ok());
  CHECK(mistyped.status().code() == Code::kBadRequest);
  // An unknown prefix is the hub's to refuse, with the rest of the stream's rules.
  request["types"] = {"tasks"};
  CHECK(tracker::SubscribeOptionsFor(request, limits, "client", "h:1").ok());
  // A default outside the range refuses requests that name no bound.
  CHECK_FALSE(tracker::SubscribeOptionsFor(Json{{"id", 3}}, {512, 65536}, "client", "h:1").ok());
}

TEST_CASE("an EVENTS batch decodes whole, from its sender only, or not at all", "[hub][events]") {
  const Json submitted = {
      {"type", "task.submitted"}, {"seq", 0},       {"epoch", ""},     {"t", 1.5}, {"node", "peer-1"},
      {"task_id", "peer-1/1"},    {"name", "main"}, {"peer", "peer-1"}};
  auto events = tracker::DecodePeerEvents("peer-1", Json::array({submitted, submitted}));
  REQUIRE(events.ok());
  REQUIRE(events->size() == 2);
  CHECK((*events)[0].node == "peer-1");
  CHECK(TypeOf((*events)[1].body) == "task.submitted");

  auto refused = [](const Json& batch) { return tracker::DecodePeerEvents("peer-1", batch).status(); };
  CHECK(refused(Json::array()).message() == "EVENTS: events must hold 1..1000 events");
  CHECK(refused(Json(std::vector<Json>(1001, submitted))).code() == Code::kBadRequest);
  CHECK(refused(Json::object()).code() == Code::kBadRequest);

  Json other = submitted;
  other["node"] = "peer-2";
  Status stranger = refused(Json::array({submitted, other}));
  CHECK(stranger.code() == Code::kBadRequest);
  CHECK(stranger.message() == "EVENTS: event 1: node \"peer-2\" is not the sender, peer-1");

  Json joined = {{"type", "peer.joined"}, {"seq", 0},         {"epoch", ""},      {"t", 1},
                 {"node", "peer-1"},      {"peer", "peer-1"}, {"address", "h:1"}, {"cores", 2}};
  CHECK(refused(Json::array({joined})).message() == "EVENTS: event 0: peer.* events are the tracker's to publish");

  Json unknown = submitted;
  unknown["type"] = "task.done";
  CHECK(refused(Json::array({unknown})).code() == Code::kUnknownType);
  Json broken = submitted;
  broken.erase("task_id");
  Status missing = refused(Json::array({submitted, submitted, broken}));
  CHECK(missing.code() == Code::kBadRequest);
  CHECK(missing.message().rfind("EVENTS: event 2: ", 0) == 0);
}

TEST_CASE("a subscriber's frame is the event's JSON text in one frame", "[hub]") {
  Event event = At(2.5, TaskRunning{"p/1", std::nullopt, "p"});
  event.seq = 7;
  event.epoch = "t-1";
  const std::string frame = tracker::EventFrame(event);
  auto header = net::DecodeHeader(frame.data(), std::size_t{1} << 20);
  REQUIRE(header.ok());
  CHECK(header->kind == net::FrameKind::kJson);
  CHECK(frame.substr(net::kFrameHeaderBytes) == net::DumpEvent(event));
  CHECK(header->length == frame.size() - net::kFrameHeaderBytes);
}

TEST_CASE("TASK_LIST's answer is the hub's fold: the live tasks by id, at its seq", "[hub][tasks]") {
  int calls = 0;
  EventHub hub("e", CountingEncoder{&calls}, 8);
  hub.Publish(At(1, PeerJoined{"peer-1", "h:1", 2}));
  hub.Publish(At(2, TaskSubmitted{"peer-1/10", std::nullopt, "main", "peer-1", 1}));
  hub.Publish(At(3, TaskSubmitted{"peer-1/9", std::string("peer-1/10"), "leaf", "peer-1"}));
  hub.Publish(At(4, TaskQueued{"peer-1/10", std::nullopt, "peer-1", 1}));
  hub.Publish(At(5, TaskRunning{"peer-1/10", std::nullopt, "peer-1"}));
  hub.Publish(At(6, TaskBlocked{"peer-1/10", std::nullopt, "peer-1", "io", 12.5}));
  hub.Publish(At(7, TaskSubmitted{"peer-1/11", std::nullopt, "done", "peer-1"}));
  hub.Publish(At(8, TaskFinished{"peer-1/11", std::nullopt, "peer-1", Outcome::kOk, 0, 1, 1}));

  net::TaskList list = tracker::TaskListOf(hub.state());
  CHECK(list.seq == 8);
  REQUIRE(list.tasks.size() == 2);
  CHECK(list.tasks[0] ==
        net::TaskList::Entry{"peer-1/9", "leaf", "peer-1", "ready", std::nullopt, 0, std::string("peer-1/10"), 3});
  CHECK(list.tasks[1] == net::TaskList::Entry{"peer-1/10", "main", "peer-1", "waiting", 1, 12.5, std::nullopt, 2});
  auto back = net::DecodeTaskList(net::EncodeTaskList(list));
  REQUIRE(back.ok());
  CHECK(back.value() == list);
  CHECK(tracker::TaskListOf(EventHub("e2", CountingEncoder{&calls}, 8).state()).tasks.empty());
}
