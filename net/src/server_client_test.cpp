// The server and client in one process: a real socket on loopback, the server
// on its own io thread, the blocking client on the test thread.
#include <catch2/catch.hpp>

#include <thread>

#include "asio.h"
#include "osgrid/net/client.h"
#include "osgrid/net/frame.h"
#include "osgrid/net/server.h"
#include "osgrid/net/testing/raw_connection.h"

using namespace osgrid;
using namespace osgrid::net;
using namespace std::chrono_literals;

namespace {

/// An echo server: GET_MEM replies with the key; PUT_FILE accepts an upload
/// and replies with the byte count; GET_FILE streams three chunks.
class TestServer {
 public:
  explicit TestServer(ServerOptions options = {}) : server_(io_, WithRole(options), Handle) {
    REQUIRE(server_.Listen("127.0.0.1", 0).ok());
    thread_ = std::thread([this] { io_.run(); });
  }
  ~TestServer() {
    asio::post(io_, [this] {
      server_.Stop();
      io_.stop();
    });
    thread_.join();
  }
  std::uint16_t port() const { return server_.port(); }

 private:
  static ServerOptions WithRole(ServerOptions options) {
    options.role = "test";
    options.node = "test-node";
    return options;
  }
  static void Handle(const SessionPtr& session, Json request) {
    const std::string type = request["type"];
    if (type == "GET_MEM") {
      session->Reply(request, {{"type", "MEM_VALUE"}, {"key", request["key"]}, {"value", 1}});
    } else if (type == "PUT_FILE") {
      auto received = std::make_shared<std::string>();
      session->Reply(request, {{"type", "PUT_READY"}});
      session->ReceiveChunks(
          request["size"].get<std::uint64_t>(),
          [received](std::string_view chunk) {
            received->append(chunk);
            return Status::Ok();
          },
          [session, request, received](Status status) {
            if (!status.ok()) return session->ReplyError(request, status);
            session->Reply(request, {{"type", "FILE_STORED"}, {"size", received->size()}, {"data", *received}});
          });
    } else if (type == "GET_FILE") {
      auto left = std::make_shared<int>(3);
      session->SendStream({{"type", "FILE_DATA"}, {"id", request["id"]}, {"size", 9}},
                          [left]() -> Result<std::string> { return (*left)-- > 0 ? std::string("abc") : ""; });
    } else {
      session->ReplyError(request, Status::Internal("not in this test"));
    }
  }

  asio::io_context io_;
  Server server_;
  std::thread thread_;
};

std::unique_ptr<Client> ConnectTo(const TestServer& server) {
  auto client = Client::Connect("127.0.0.1", server.port());
  REQUIRE(client.ok());
  return std::move(client).value();
}

}  // namespace

TEST_CASE("handshake, request ids and typed replies", "[server]") {
  TestServer server;
  auto client = ConnectTo(server);
  CHECK(client->server_hello()["role"] == "test");
  CHECK(client->server_hello()["node"] == "test-node");

  auto reply = client->Call({{"type", "GET_MEM"}, {"key", "k"}});
  REQUIRE(reply.ok());
  CHECK(reply->at("type") == "MEM_VALUE");
  CHECK(reply->at("key") == "k");
  CHECK(reply->at("id") == 1);

  auto pong = client->Call({{"type", "PING"}});
  REQUIRE(pong.ok());
  CHECK(pong->at("type") == "PONG");
  CHECK(pong->at("id") == 2);
}

TEST_CASE("bad requests get ERROR replies and the connection keeps serving", "[server]") {
  TestServer server;
  auto client = ConnectTo(server);

  auto unknown = client->Call({{"type", "FROBNICATE"}});
  CHECK(unknown.status().code() == Code::kUnknownType);
  auto missing = client->Call({{"type", "GET_MEM"}});
  CHECK(missing.status().code() == Code::kBadRequest);
  CHECK(missing.status().message() == "GET_MEM: missing field 'key' (string)");

  REQUIRE(client->SendRaw(EncodeFrame(FrameKind::kJson, "{not json")).ok());
  auto malformed = client->ReadJson(2s);
  REQUIRE(malformed.ok());
  CHECK(malformed->at("code") == "BAD_REQUEST");
  CHECK(malformed->at("message").get<std::string>().rfind("malformed JSON", 0) == 0);

  REQUIRE(client->SendChunk("stray").ok());
  auto stray = client->ReadJson(2s);
  REQUIRE(stray.ok());
  CHECK(stray->at("message") == "unexpected binary chunk frame outside a file upload");

  CHECK(client->Call({{"type", "GET_MEM"}, {"key", "still-alive"}}).ok());
}

TEST_CASE("a frame over the limit is answered and the connection closed", "[server]") {
  ServerOptions options;
  options.max_frame_bytes = 1024;
  TestServer server(options);
  auto client = ConnectTo(server);
  REQUIRE(client->SendRaw(std::string(EncodeHeader(FrameKind::kJson, 4096).data(), 4)).ok());
  auto reply = client->ReadJson(2s);
  REQUIRE(reply.ok());
  CHECK(reply->at("code") == "FRAME_TOO_LARGE");
  CHECK_FALSE(client->ReadJson(2s).ok());                   // closed
  CHECK(ConnectTo(server)->Call({{"type", "PING"}}).ok());  // others still served
}

TEST_CASE("the first message must be a HELLO of our version", "[server]") {
  TestServer server;
  ClientOptions options;
  auto raw = Client::Connect("127.0.0.1", server.port(), options);
  REQUIRE(raw.ok());
  // A second HELLO on a live connection is refused but harmless.
  auto again = (*raw)->Call({{"type", "HELLO"}, {"version", params::kProtocolVersion}, {"role", "client"}});
  CHECK(again.status().message() == "HELLO was already received");

  // A raw socket that skips HELLO is told why and closed.
  testing::RawConnection stranger(server.port());
  stranger.Send({{"type", "PING"}, {"id", 1}});
  Json reply = stranger.Read();
  CHECK(reply["code"] == "VERSION");
  CHECK(reply["message"] ==
        "the first message must be HELLO (protocol version " + std::to_string(params::kProtocolVersion) + ")");
}

TEST_CASE("uploads and downloads travel as binary chunk frames", "[server]") {
  TestServer server;
  auto client = ConnectTo(server);
  auto ready = client->Call({{"type", "PUT_FILE"}, {"name", "f"}, {"size", 7}, {"sha256", "x"}});
  REQUIRE(ready.ok());
  CHECK(ready->at("type") == "PUT_READY");
  REQUIRE(client->SendChunk("abcd").ok());
  REQUIRE(client->SendChunk("efg").ok());
  auto stored = client->ReadJson(2s);
  REQUIRE(stored.ok());
  CHECK(stored->at("size") == 7);
  CHECK(stored->at("data") == "abcdefg");

  auto header = client->Call({{"type", "GET_FILE"}, {"name", "f"}});
  REQUIRE(header.ok());
  std::string data;
  for (int i = 0; i < 3; ++i) {
    auto chunk = client->ReadChunk(2s);
    REQUIRE(chunk.ok());
    data += *chunk;
  }
  CHECK(data == "abcabcabc");
  CHECK(client->Call({{"type", "PING"}}).ok());  // replies resume after the stream
}

TEST_CASE("a JSON frame in the middle of an upload aborts it with a reason", "[server]") {
  TestServer server;
  auto client = ConnectTo(server);
  REQUIRE(client->Call({{"type", "PUT_FILE"}, {"name", "f"}, {"size", 10}, {"sha256", "x"}}).ok());
  REQUIRE(client->SendChunk("abc").ok());
  REQUIRE(client->SendJson({{"type", "PING"}, {"id", 99}}).ok());
  auto reply = client->ReadJson(2s);
  REQUIRE(reply.ok());
  CHECK(reply->at("message") == "expected a binary chunk frame during the upload, got JSON");
}

TEST_CASE("connecting to a closed port is UNAVAILABLE with the address", "[client]") {
  std::uint16_t port;
  {
    TestServer server;
    port = server.port();
  }
  auto client = Client::Connect("127.0.0.1", port);
  REQUIRE_FALSE(client.ok());
  CHECK(client.status().code() == Code::kUnavailable);
  CHECK(client.status().message().find("127.0.0.1:" + std::to_string(port)) != std::string::npos);
}

TEST_CASE("ParseHostPort", "[client]") {
  auto good = ParseHostPort("127.0.0.1:8888");
  REQUIRE(good.ok());
  CHECK(good->first == "127.0.0.1");
  CHECK(good->second == 8888);
  CHECK_FALSE(ParseHostPort("localhost").ok());
  CHECK_FALSE(ParseHostPort("host:99999").ok());
  CHECK_FALSE(ParseHostPort("host:12x").ok());
}
