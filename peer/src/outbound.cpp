#include "outbound.h"

#include <map>
#include <memory>

#include "osgrid/net/client.h"

namespace osgrid::peer {

namespace {

/// Sends and waits for the reply with the same id, without turning an ERROR
/// reply into a Status.
Result<Json> RoundTrip(net::Client& client, const Json& request, std::chrono::milliseconds timeout) {
  if (Status s = client.SendJson(request); !s.ok()) return s;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    auto reply = client.ReadJson(std::max(left, std::chrono::milliseconds(1)));
    if (!reply.ok()) return reply.status();
    if (reply->value("id", Json()) == request["id"]) return reply;
  }
}

}  // namespace

Result<Json> CallNode(const std::string& node_name, const std::string& host, std::uint16_t port, Json request,
                      std::chrono::milliseconds timeout) {
  thread_local std::map<std::string, std::unique_ptr<net::Client>> connections;
  thread_local std::int64_t next_id = 1;
  request["id"] = next_id++;
  const std::string key = host + ":" + std::to_string(port);

  for (int attempt = 0; attempt < 2; ++attempt) {
    auto& client = connections[key];
    bool reused = client != nullptr && client->is_open();
    if (!reused) {
      net::ClientOptions options;
      options.role = "peer";
      options.node = node_name;
      auto connected = net::Client::Connect(host, port, options);
      if (!connected.ok()) {
        connections.erase(key);
        return connected.status();
      }
      client = std::move(connected).value();
    }
    auto reply = RoundTrip(*client, request, timeout);
    if (reply.ok()) return reply;
    connections.erase(key);
    // A reused connection may have been closed while idle: try once afresh.
    if (!(reused && reply.status().code() == Code::kUnavailable)) return reply.status();
  }
  return Status::Unavailable("cannot reach " + key);
}

}  // namespace osgrid::peer
