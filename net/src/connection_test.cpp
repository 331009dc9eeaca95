// net::Connection against a real net::Server on loopback: the server on its
// own io thread, the Connection on an io_context the test thread runs.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "asio.h"
#include "osgrid/net/connection.h"
#include "osgrid/net/frame.h"
#include "osgrid/net/server.h"

using namespace osgrid;
using namespace osgrid::net;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// A namespace of its own, not an anonymous one: the test executables are unity builds
// (OSGRID_UNITY_TESTS), where another file's helpers of the same names would collide.
namespace connection_test {

/// A server whose GET_MEM does what its key says:
///   "now"      answer at once, with the key;
///   "later"    answer after 200 ms;
///   "never"    never answer;
///   "vanish"   close the connection without answering;
///   "gather"   hold the request until `gather` of them have arrived, then
///              answer them all, last first;
///   anything   answer at once, after noting the key (see keys()).
class TestServer {
 public:
  explicit TestServer(ServerOptions options = {}, std::uint16_t port = 0, std::size_t gather = 50)
      : gather_(gather),
        server_(io_, WithRole(std::move(options)), [this](const SessionPtr& s, Json r) { Handle(s, r); }) {
    Status listening = server_.Listen("127.0.0.1", port);
    INFO(listening.ToString());
    REQUIRE(listening.ok());
    thread_ = std::thread([this] { io_.run(); });
  }
  ~TestServer() { Stop(); }

  /// Stops serving: every session is closed, the port is free again.
  void Stop() {
    if (!thread_.joinable()) return;
    asio::post(io_, [this] {
      server_.Stop();
      io_.stop();
    });
    thread_.join();
  }

  std::uint16_t port() const { return server_.port(); }
  std::vector<std::string> keys() {
    std::lock_guard<std::mutex> lock(mutex_);
    return keys_;
  }
  /// The most requests seen held at once ("gather").
  std::size_t most_gathered() {
    std::lock_guard<std::mutex> lock(mutex_);
    return most_gathered_;
  }

 private:
  static ServerOptions WithRole(ServerOptions options) {
    options.role = "test";
    options.node = "test-node";
    return options;
  }

  void Handle(const SessionPtr& session, const Json& request) {
    if (request["type"] != "GET_MEM") return session->ReplyError(request, Status::Internal("not in this test"));
    const std::string key = request["key"];
    Json reply = {{"type", "MEM_VALUE"}, {"key", key}, {"value", 1}};
    if (key == "never") return;
    if (key == "vanish") return session->Close();
    if (key == "later") {
      auto timer = std::make_shared<asio::steady_timer>(io_, 200ms);
      timer->async_wait(
          [timer, session, request, reply](boost::system::error_code) { session->Reply(request, reply); });
      return;
    }
    if (key == "gather") {
      held_.emplace_back(session, request);
      std::lock_guard<std::mutex> lock(mutex_);
      most_gathered_ = std::max(most_gathered_, held_.size());
      if (held_.size() < gather_) return;
      for (auto it = held_.rbegin(); it != held_.rend(); ++it) {
        it->first->Reply(it->second, {{"type", "MEM_VALUE"}, {"key", "gather"}, {"value", it->second["id"]}});
      }
      held_.clear();
      return;
    }
    if (key != "now") {
      std::lock_guard<std::mutex> lock(mutex_);
      keys_.push_back(key);
    }
    session->Reply(request, reply);
  }

  const std::size_t gather_;
  asio::io_context io_;
  Server server_;
  std::thread thread_;
  std::vector<std::pair<SessionPtr, Json>> held_;  // io thread only
  std::mutex mutex_;
  std::vector<std::string> keys_;  // guarded by mutex_
  std::size_t most_gathered_ = 0;  // guarded by mutex_
};

/// Runs `io` until `done()` holds; false if it does not within `limit`.
template <class Done>
bool RunUntil(asio::io_context& io, Done done, std::chrono::milliseconds limit = 10s) {
  const auto deadline = Clock::now() + limit;
  while (!done()) {
    if (Clock::now() > deadline) return false;
    io.restart();
    io.run_one_for(20ms);
  }
  return true;
}

Json Get(const std::string& key) { return {{"type", "GET_MEM"}, {"key", key}}; }

/// Collects what a Call() delivers.
struct Reply {
  std::optional<Result<Json>> value;
  int calls = 0;
  Connection::ReplyHandler Handler() {
    return [this](Result<Json> reply) {
      ++calls;
      value = std::move(reply);
    };
  }
  bool done() const { return value.has_value(); }
  Code code() const { return value->status().code(); }
};

ConnectionOptions Open() {
  ConnectionOptions options;
  options.security = {};  // an open server, no TLS
  return options;
}

TEST_CASE("a Connection shakes hands and matches pipelined replies by id", "[connection]") {
  TestServer server;
  asio::io_context io;
  Connection connection(io, "127.0.0.1", server.port(), Open());

  Reply later, now;
  connection.Call(Get("later"), 5s, later.Handler());  // sent first, answered last
  connection.Call(Get("now"), 5s, now.Handler());
  CHECK_FALSE(now.done());  // handlers never run inside Call()
  REQUIRE(RunUntil(io, [&] { return now.done(); }));
  CHECK_FALSE(later.done());
  REQUIRE(now.value->ok());
  CHECK((**now.value)["key"] == "now");
  REQUIRE(RunUntil(io, [&] { return later.done(); }));
  REQUIRE(later.value->ok());
  CHECK((**later.value)["key"] == "later");
  CHECK(connection.connected());
  CHECK(connection.server_hello()["role"] == "test");
  CHECK(connection.server_hello()["node"] == "test-node");

  // 50 requests in flight at once: the server answers none until it holds
  // all 50, then answers the last first.
  std::vector<Reply> replies(50);
  for (Reply& reply : replies) connection.Call(Get("gather"), 10s, reply.Handler());
  CHECK(connection.in_flight() == 50);
  REQUIRE(RunUntil(io, [&] { return std::all_of(replies.begin(), replies.end(), [](auto& r) { return r.done(); }); }));
  CHECK(server.most_gathered() == 50);
  for (Reply& reply : replies) {
    REQUIRE(reply.value->ok());
    CHECK((**reply.value)["value"] == (**reply.value)["id"]);  // each got the reply to its own request
    CHECK(reply.calls == 1);
  }
  CHECK(connection.in_flight() == 0);
  CHECK(connection.queued_bytes() == 0);
}

TEST_CASE("a request past its deadline fails alone with TIMEOUT", "[connection]") {
  TestServer server;
  asio::io_context io;
  Connection connection(io, "127.0.0.1", server.port(), Open());

  Reply never, later;
  auto start = Clock::now();
  connection.Call(Get("never"), 100ms, never.Handler());
  connection.Call(Get("later"), 5s, later.Handler());
  REQUIRE(RunUntil(io, [&] { return never.done(); }));
  CHECK(Clock::now() - start >= 100ms);
  CHECK(never.code() == Code::kTimeout);
  CHECK(never.value->status().message() ==
        "no reply from 127.0.0.1:" + std::to_string(server.port()) + " within 100 ms");
  CHECK_FALSE(later.done());
  REQUIRE(RunUntil(io, [&] { return later.done(); }));
  CHECK(later.value->ok());
  CHECK(connection.connected());  // the connection went on

  Reply again;
  connection.Call(Get("now"), 5s, again.Handler());
  REQUIRE(RunUntil(io, [&] { return again.done(); }));
  CHECK(again.value->ok());
  CHECK(never.calls == 1);
}

TEST_CASE("a request whose deadline passes before it is sent is never sent", "[connection]") {
  // A hand-made server on the test's own io_context, which answers HELLO
  // only when the test says so.
  asio::io_context io;
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  Connection connection(io, "127.0.0.1", acceptor.local_endpoint().port(), Open());
  Reply expired, sent;
  connection.Call(Get("expired"), 50ms, expired.Handler());

  tcp::socket other_end(io);
  bool accepted = false;
  acceptor.async_accept(other_end, [&](boost::system::error_code ec) { accepted = !ec; });
  std::array<char, kFrameHeaderBytes> header{};
  std::string body;
  std::optional<Json> frame;
  auto read_frame = [&] {
    frame.reset();
    asio::async_read(other_end, asio::buffer(header), [&](boost::system::error_code ec, std::size_t) {
      REQUIRE_FALSE(ec);
      body.resize(DecodeHeader(header.data(), 1 << 20)->length);
      asio::async_read(other_end, asio::buffer(body), [&](boost::system::error_code error, std::size_t) {
        REQUIRE_FALSE(error);
        frame = Json::parse(body);
      });
    });
  };
  REQUIRE(RunUntil(io, [&] { return accepted; }));
  read_frame();
  REQUIRE(RunUntil(io, [&] { return frame.has_value() && expired.done(); }));
  CHECK((*frame)["type"] == "HELLO");
  CHECK(expired.code() == Code::kTimeout);  // while the handshake was not done

  connection.Call(Get("sent"), 5s, sent.Handler());
  std::string hello = EncodeFrame(FrameKind::kJson, Json{{"type", "HELLO"},
                                                         {"id", 0},
                                                         {"version", params::kProtocolVersion},
                                                         {"role", "test"},
                                                         {"node", "by-hand"},
                                                         {"auth", "none"}}
                                                        .dump());
  asio::write(other_end, asio::buffer(hello));
  read_frame();
  REQUIRE(RunUntil(io, [&] { return frame.has_value(); }));
  CHECK((*frame)["key"] == "sent");  // the expired request never left the queue
  std::string reply =
      EncodeFrame(FrameKind::kJson, Json{{"type", "MEM_VALUE"}, {"id", (*frame)["id"]}, {"key", "sent"}}.dump());
  asio::write(other_end, asio::buffer(reply));
  REQUIRE(RunUntil(io, [&] { return sent.done(); }));
  CHECK(sent.value->ok());
  CHECK(connection.server_hello()["node"] == "by-hand");
}

TEST_CASE("the server going away mid-request fails what is in flight, and the next call reconnects", "[connection]") {
  TestServer server;
  asio::io_context io;
  Connection connection(io, "127.0.0.1", server.port(), Open());

  Reply never, vanish;
  auto start = Clock::now();
  connection.Call(Get("never"), 10s, never.Handler());
  connection.Call(Get("vanish"), 10s, vanish.Handler());
  REQUIRE(RunUntil(io, [&] { return never.done() && vanish.done(); }));
  CHECK(Clock::now() - start < 5s);  // at once, not at the deadline
  CHECK(never.code() == Code::kUnavailable);
  CHECK(vanish.code() == Code::kUnavailable);
  CHECK(never.value->status().message().find("closed by the other side") != std::string::npos);
  CHECK_FALSE(connection.connected());

  Reply after;
  connection.Call(Get("now"), 5s, after.Handler());
  REQUIRE(RunUntil(io, [&] { return after.done(); }));
  CHECK(after.value->ok());
  CHECK(connection.connected());
}

TEST_CASE("a Connection reconnects on demand once its server is back", "[connection]") {
  auto server = std::make_unique<TestServer>();
  const std::uint16_t port = server->port();
  asio::io_context io;
  Connection connection(io, "127.0.0.1", port, Open());

  Reply first;
  connection.Call(Get("now"), 5s, first.Handler());
  REQUIRE(RunUntil(io, [&] { return first.done(); }));
  REQUIRE(first.value->ok());

  server->Stop();  // closes our connection; nothing listens any more
  REQUIRE(RunUntil(io, [&] { return !connection.connected(); }));
  Reply refused;
  connection.Call(Get("now"), 5s, refused.Handler());
  REQUIRE(RunUntil(io, [&] { return refused.done(); }));
  CHECK(refused.code() == Code::kUnavailable);
  CHECK(refused.value->status().message().rfind("cannot connect to 127.0.0.1:" + std::to_string(port), 0) == 0);

  server = std::make_unique<TestServer>(ServerOptions{}, port);
  Reply back;
  connection.Call(Get("now"), 5s, back.Handler());
  REQUIRE(RunUntil(io, [&] { return back.done(); }));
  INFO(back.value->status().ToString());
  CHECK(back.value->ok());
}

TEST_CASE("a full send queue refuses a message with LIMIT and keeps the rest", "[connection]") {
  TestServer server;
  asio::io_context io;
  ConnectionOptions options = Open();
  options.max_queued_bytes = 1000;
  Connection connection(io, "127.0.0.1", server.port(), options);

  // Queued while the connection is being made: the first fits, the second not.
  Reply fits, refused;
  connection.Call(Get(std::string(600, 'a')), 5s, fits.Handler());
  CHECK(connection.queued_bytes() > 600);
  connection.Call(Get(std::string(600, 'b')), 5s, refused.Handler());
  REQUIRE(RunUntil(io, [&] { return refused.done(); }));
  CHECK(refused.code() == Code::kLimit);
  CHECK(refused.value->status().message().find("send queue to 127.0.0.1:") != std::string::npos);
  CHECK(refused.value->status().message().find("limit of 1000") != std::string::npos);

  std::optional<Status> sent;
  connection.Send(Get(std::string(600, 'c')), [&](Status status) { sent = status; });  // one-way: refused too
  REQUIRE(RunUntil(io, [&] { return sent.has_value(); }));
  CHECK(sent->code() == Code::kLimit);

  REQUIRE(RunUntil(io, [&] { return fits.done(); }));
  CHECK(fits.value->ok());
  CHECK(connection.queued_bytes() == 0);
  Reply room_again;
  connection.Call(Get(std::string(600, 'd')), 5s, room_again.Handler());
  REQUIRE(RunUntil(io, [&] { return room_again.done(); }));
  CHECK(room_again.value->ok());
  CHECK(server.keys() == std::vector<std::string>{std::string(600, 'a'), std::string(600, 'd')});
}

TEST_CASE("a message over the frame limit is refused before it is queued", "[connection]") {
  TestServer server;
  asio::io_context io;
  ConnectionOptions options = Open();
  options.max_frame_bytes = 100;
  Connection connection(io, "127.0.0.1", server.port(), options);
  Reply big;
  connection.Call(Get(std::string(200, 'x')), 5s, big.Handler());
  REQUIRE(RunUntil(io, [&] { return big.done(); }));
  CHECK(big.code() == Code::kTooLarge);
  CHECK(connection.queued_bytes() == 0);
}

TEST_CASE("Send() is one-way: done once written, in order with calls", "[connection]") {
  TestServer server;
  asio::io_context io;
  Connection connection(io, "127.0.0.1", server.port(), Open());
  std::optional<Status> sent;
  connection.Send(Get("one-way"), [&](Status status) { sent = status; });
  Reply after;
  connection.Call(Get("call"), 5s, after.Handler());
  REQUIRE(RunUntil(io, [&] { return sent.has_value() && after.done(); }));
  CHECK(sent->ok());
  CHECK(after.value->ok());
  CHECK(server.keys() == std::vector<std::string>{"one-way", "call"});  // the server's reply to it was dropped
  CHECK(connection.in_flight() == 0);
}

TEST_CASE("Connection errors name the server and say why", "[connection]") {
  asio::io_context io;
  SECTION("nothing listens") {
    auto port = TestServer().port();  // was free a moment ago
    Connection connection(io, "127.0.0.1", port, Open());
    std::optional<Status> connected;
    connection.Connect([&](Status status) { connected = status; });
    REQUIRE(RunUntil(io, [&] { return connected.has_value(); }));
    CHECK(connected->code() == Code::kUnavailable);
    CHECK(connected->message().find("127.0.0.1:" + std::to_string(port)) != std::string::npos);
  }
  SECTION("a name that does not resolve") {
    Connection connection(io, "no-such-host.invalid", 9, Open());
    Reply reply;
    connection.Call(Get("now"), 10s, reply.Handler());
    REQUIRE(RunUntil(io, [&] { return reply.done(); }));
    CHECK(reply.code() == Code::kUnavailable);
    CHECK(reply.value->status().message().find("no-such-host.invalid") != std::string::npos);
  }
  SECTION("the server is at its connection limit") {
    ServerOptions full;
    full.max_connections = 1;
    TestServer server(full);
    Connection first(io, "127.0.0.1", server.port(), Open()), second(io, "127.0.0.1", server.port(), Open());
    std::optional<Status> one, two;
    first.Connect([&](Status status) { one = status; });
    REQUIRE(RunUntil(io, [&] { return one.has_value(); }));
    REQUIRE(one->ok());
    second.Connect([&](Status status) { two = status; });
    REQUIRE(RunUntil(io, [&] { return two.has_value(); }));
    CHECK(two->code() == Code::kLimit);
    CHECK(two->message().find("connection limit of 1") != std::string::npos);
  }
  SECTION("the wrong secret") {
    ServerOptions secured;
    secured.secret = "the cluster's secret";
    TestServer server(secured);
    ConnectionOptions wrong = Open();
    wrong.security.secret = "another secret";
    Connection connection(io, "127.0.0.1", server.port(), wrong);
    Reply reply;
    connection.Call(Get("now"), 5s, reply.Handler());
    REQUIRE(RunUntil(io, [&] { return reply.done(); }));
    CHECK(reply.code() == Code::kAuth);
  }
}

TEST_CASE("a Connection authenticates with the secret over TLS", "[connection]") {
  std::string dir = std::filesystem::temp_directory_path() / "osgrid-connection-XXXXXX";
  REQUIRE(::mkdtemp(dir.data()) != nullptr);
  const std::string cert = dir + "/cert.pem", key = dir + "/key.pem";
  const std::string make = "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout '" + key +
                           "' -out '" + cert + "' -days 1 -subj /CN=osgrid-test 2>/dev/null";
  REQUIRE(std::system(make.c_str()) == 0);
  {
    ServerOptions secured;
    secured.secret = "the cluster's secret";
    secured.tls_cert = cert;
    secured.tls_key = key;
    TestServer server(secured);
    asio::io_context io;
    ConnectionOptions options;
    options.security = {"the cluster's secret", cert};
    Connection connection(io, "127.0.0.1", server.port(), options);
    std::vector<Reply> replies(10);
    for (Reply& reply : replies) connection.Call(Get("now"), 5s, reply.Handler());
    REQUIRE(
        RunUntil(io, [&] { return std::all_of(replies.begin(), replies.end(), [](auto& r) { return r.done(); }); }));
    for (Reply& reply : replies) {
      INFO(reply.value->status().ToString());
      CHECK(reply.value->ok());
    }
    CHECK(connection.server_hello()["auth"] == "hmac-sha256");

    ConnectionOptions plain = options;
    plain.security.tls_ca.clear();  // plain TCP to a TLS-only server
    Connection refused(io, "127.0.0.1", server.port(), plain);
    Reply reply;
    refused.Call(Get("now"), 5s, reply.Handler());
    REQUIRE(RunUntil(io, [&] { return reply.done(); }));
    CHECK(reply.code() == Code::kAuth);
    CHECK(reply.value->status().message().find("TLS") != std::string::npos);
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("destroying a Connection drops its handlers uncalled, Close() fails them", "[connection]") {
  TestServer server;
  asio::io_context io;
  Reply dropped;
  {
    Connection connection(io, "127.0.0.1", server.port(), Open());
    connection.Call(Get("never"), 5s, dropped.Handler());
    REQUIRE(RunUntil(io, [&] { return connection.connected(); }));
  }
  io.restart();
  while (io.poll() > 0) {
  }  // what was pending ends now (aborted reads, cancelled timers): none of it calls the handler
  CHECK(dropped.calls == 0);

  Connection connection(io, "127.0.0.1", server.port(), Open());
  Reply closed;
  connection.Call(Get("never"), 5s, closed.Handler());
  REQUIRE(RunUntil(io, [&] { return connection.connected(); }));
  connection.Close();
  CHECK_FALSE(closed.done());
  REQUIRE(RunUntil(io, [&] { return closed.done(); }));
  CHECK(closed.code() == Code::kUnavailable);
  CHECK(closed.value->status().message().find("closed by this side") != std::string::npos);
}

}  // namespace connection_test
