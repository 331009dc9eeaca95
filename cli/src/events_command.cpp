// `osgrid events`: the cluster's event stream, live (see commands.h).
#include <iostream>

#include "commands.h"
#include "osgrid/client/event_line.h"
#include "osgrid/client/text.h"
#include "osgrid/net/events.h"
#include "osgrid/net/subscriber.h"

namespace osgrid::cli {

using client::EventLine;
using client::EventLineHeader;
using client::Ms;

namespace {

/// A read waits this long for the next event: a quiet cluster is not an error.
constexpr std::chrono::hours kQuietForever{24 * 365};

/// "following tracker at 127.0.0.1:8888 (epoch t-5f3a9c1e, from seq 41): 3 peers, 2 tasks running"
void PrintAttached(const Connection& conn, const net::Subscriber& subscriber) {
  const os::events::Snapshot& snapshot = subscriber.snapshot();
  std::size_t running = 0, queued = 0;
  for (const auto& peer : snapshot.peers) {
    running += peer.running.size();
    queued += peer.ready_queue.size();
  }
  std::cerr << "following the tracker at " << conn.host << ":" << conn.port << " (epoch " << snapshot.epoch
            << ", after seq " << snapshot.seq << "): " << snapshot.peers.size()
            << (snapshot.peers.size() == 1 ? " peer, " : " peers, ") << running << " tasks running, " << queued
            << " queued; Ctrl-C to stop\n";
}

}  // namespace

int EventsCommand(const EventsOptions& options) {
  const Connection& conn = options.conn;
  auto client = Open(conn, Ms(conn.timeout_s));
  if (!client.ok()) return Fail(client.status(), kExitRemote, conn.json);
  auto subscriber = net::Subscriber::Start(**client, {options.types, 0, "osgrid events"}, Ms(conn.timeout_s));
  if (!subscriber.ok()) {
    Status status = subscriber.status();
    if ((*client)->server_hello().value("role", "") == "peer") {
      status = Status(status.code(), status.message() + " (" + conn.host + ":" + std::to_string(conn.port) +
                                         " is a peer; point --port at the tracker, 8888 by default)");
    }
    return Fail(status, status.code() == Code::kBadRequest ? kExitUsage : kExitRemote, conn.json);
  }
  PrintAttached(conn, *subscriber);
  if (!conn.json) std::cout << EventLineHeader() << std::endl;
  for (std::uint64_t seen = 0; options.count == 0 || seen < options.count;) {
    auto event = subscriber->Next(kQuietForever);
    if (!event.ok() && event.status().code() == Code::kUnknownType) continue;  // newer than this build
    if (!event.ok()) return Fail(event.status(), kExitRemote, conn.json);
    ++seen;
    std::cout << (conn.json ? net::DumpEvent(*event) : EventLine(*event)) << std::endl;
  }
  return kExitOk;
}

}  // namespace osgrid::cli
