// Following the cluster's event stream from a blocking client: the
// SUBSCRIBE exchange of docs/protocol.md on a net::Client.
//
//   auto client = net::Client::Connect(host, tracker_port);
//   auto sub = net::Subscriber::Start(**client, {.types = {"task"}, .name = "osgrid events"});
//   draw(sub->snapshot());                     // the state at sub->snapshot().seq
//   while (auto event = sub->Next(timeout)) {  // every later event, in seq order
//     ...
//   }
//
// After SUBSCRIBED, each event arrives as one frame whose payload is the
// event object itself (docs/events.md), with no id: a connection carries
// one subscription. A subscriber the tracker cut off (it read too slowly)
// gets one ERROR (LIMIT) with the reason, and the connection closes.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "osgrid/net/client.h"
#include "osgrid/net/json.h"
#include "osgrid/net/status.h"
#include "osgrid/os/events/events.h"

namespace osgrid::net {

struct SubscribeRequest {
  std::vector<std::string> types;  // type prefixes; empty: every type (events.lost always comes)
  std::size_t queue_bytes = 0;     // the queue bound to ask for, bytes; 0: the tracker's default
  std::string name;                // who we are, for the tracker's STATUS
};

class Subscriber {
 public:
  /// Sends SUBSCRIBE on `client` (which must outlive the Subscriber) and
  /// reads the reply. Errors: the tracker's (BAD_REQUEST for an unknown type
  /// prefix or queue bound, LIMIT past --max-subscribers, FORBIDDEN), a
  /// snapshot that does not decode (BAD_REQUEST), and the client's.
  static Result<Subscriber> Start(Client& client, const SubscribeRequest& request,
                                  std::chrono::milliseconds timeout = std::chrono::seconds(10));

  /// The next event, waiting up to `timeout` for it. Its `text` (the frame
  /// as it came, for printing raw) is kept in last_text(). Errors: TIMEOUT
  /// (the client is then closed), the tracker's ERROR (LIMIT when it cut us
  /// off), UNAVAILABLE (the connection closed), BAD_REQUEST (a frame that is
  /// not an event). An event type this build does not know is UNKNOWN_TYPE:
  /// callers may skip it and go on.
  Result<os::events::Event> Next(std::chrono::milliseconds timeout);

  /// The state of the cluster when we subscribed, at snapshot().seq.
  const os::events::Snapshot& snapshot() const { return snapshot_; }
  /// The bound the tracker gave our queue, bytes.
  std::size_t queue_bytes() const { return queue_bytes_; }
  /// The JSON of the event Next() returned last.
  const Json& last_json() const { return last_json_; }

 private:
  explicit Subscriber(Client& client) : client_(&client) {}

  Client* client_;
  os::events::Snapshot snapshot_;
  std::size_t queue_bytes_ = 0;
  Json last_json_;
};

}  // namespace osgrid::net
