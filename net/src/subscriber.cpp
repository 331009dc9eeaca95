// Subscriber: see subscriber.h.
#include "osgrid/net/subscriber.h"

#include <utility>

#include "osgrid/net/events.h"
#include "osgrid/net/messages.h"

namespace osgrid::net {

Result<Subscriber> Subscriber::Start(Client& client, const SubscribeRequest& request,
                                     std::chrono::milliseconds timeout) {
  Json message = {{"type", "SUBSCRIBE"}, {"types", request.types}};
  if (request.queue_bytes > 0) message["queue_bytes"] = request.queue_bytes;
  if (!request.name.empty()) message["name"] = request.name;
  auto reply = client.Call(std::move(message), timeout);
  if (!reply.ok()) return reply.status();
  if (reply->value("type", "") != "SUBSCRIBED") {
    return Status::BadRequest("SUBSCRIBE: expected SUBSCRIBED, got " + Sanitize(reply->value("type", "?")));
  }
  auto snapshot = DecodeSnapshot(reply->value("snapshot", Json()));
  if (!snapshot.ok()) return snapshot.status();
  Subscriber subscriber(client);
  subscriber.snapshot_ = std::move(snapshot).value();
  subscriber.queue_bytes_ = reply->value("queue_bytes", std::size_t{0});
  return subscriber;
}

Result<os::events::Event> Subscriber::Next(std::chrono::milliseconds timeout) {
  auto frame = client_->ReadJson(timeout);
  if (!frame.ok()) return frame.status();
  last_json_ = std::move(frame).value();
  if (last_json_.value("type", "") == "ERROR") return StatusFromReply(last_json_);  // e.g. LIMIT: cut off
  return DecodeEvent(last_json_);
}

}  // namespace osgrid::net
