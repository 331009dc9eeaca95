// Outbound's cache of connections to other peers, against real servers on
// loopback: one connection per peer, the least recently used idle one closed
// to make room, a busy one never.
#include <catch2/catch.hpp>

#include <future>
#include <thread>

#include <boost/asio.hpp>

#include "osgrid/net/server.h"
#include "outbound.h"

using namespace osgrid;
using namespace std::chrono_literals;
namespace asio = boost::asio;

namespace {

/// A server on its own thread; GET_MEM "hold" is never answered.
class HoldingServer {
 public:
  HoldingServer()
      : server_(io_, {}, [](const net::SessionPtr& session, Json request) {
          if (request.value("key", "") != "hold") session->Reply(request, {{"type", "MEM_VALUE"}});
        }) {
    REQUIRE(server_.Listen("127.0.0.1", 0).ok());
    thread_ = std::thread([this] { io_.run(); });
  }
  ~HoldingServer() {
    asio::post(io_, [this] {
      server_.Stop();
      io_.stop();
    });
    thread_.join();
  }
  std::uint16_t port() const { return server_.port(); }
  /// Connections open now, as the server's io thread sees them.
  std::size_t connections() {
    std::promise<std::size_t> count;
    asio::post(io_, [&] { count.set_value(server_.connection_count()); });
    return count.get_future().get();
  }

 private:
  asio::io_context io_;
  net::Server server_;
  std::thread thread_;
};

/// Runs `io` until `done()`; false if it does not within 10 s.
template <class Done>
bool RunUntil(asio::io_context& io, Done done) {
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    io.restart();
    io.run_one_for(20ms);
  }
  return true;
}

}  // namespace

TEST_CASE("Outbound keeps one connection per peer and closes the least recently used idle one", "[outbound]") {
  HoldingServer a, b, c;
  asio::io_context io;
  peer::OutboundOptions options;
  options.node = "peer-test";
  options.max_peer_connections = 2;
  peer::Outbound outbound(io, options);
  CHECK_FALSE(outbound.has_tracker());

  int answered = 0;
  auto call = [&](HoldingServer& server, const std::string& key) {
    outbound.CallPeer("127.0.0.1", server.port(), {{"type", "GET_MEM"}, {"key", key}}, 10s,
                      [&](Result<Json> reply) { answered += reply.ok() ? 1 : 1000; });
  };
  call(a, "k");
  call(a, "k");  // the same connection
  call(b, "k");
  REQUIRE(RunUntil(io, [&] { return answered == 3; }));
  CHECK(outbound.peer_connections() == 2);
  CHECK(a.connections() == 1);
  CHECK(b.connections() == 1);

  call(c, "k");  // a, the least recently used, is closed for it
  REQUIRE(RunUntil(io, [&] { return answered == 4; }));
  CHECK(outbound.peer_connections() == 2);
  REQUIRE(RunUntil(io, [&] { return a.connections() == 0; }));
  CHECK(b.connections() == 1);
  CHECK(c.connections() == 1);

  call(b, "hold");  // b is busy (and now the most recently used)
  call(a, "k");     // c, idle, makes room
  REQUIRE(RunUntil(io, [&] { return answered == 5; }));
  REQUIRE(RunUntil(io, [&] { return c.connections() == 0; }));
  call(c, "k");  // the least recently used is b, but it is busy: a makes room
  REQUIRE(RunUntil(io, [&] { return answered == 6; }));
  REQUIRE(RunUntil(io, [&] { return a.connections() == 0; }));
  CHECK(b.connections() == 1);
  CHECK(outbound.peer_connections() == 2);
}
