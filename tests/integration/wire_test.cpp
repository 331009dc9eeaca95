// Bad input over the wire: each gets a clear error, and the node keeps
// serving this client and the others.
#include <catch2/catch.hpp>

#include <boost/asio.hpp>

#include "osgrid/net/frame.h"
#include "osgrid/net/messages.h"
#include "osgrid/net/testing/raw_connection.h"
#include "support.h"

using namespace osgrid;
using namespace osgrid::test;
using namespace std::chrono_literals;

namespace {

/// The node still answers a fresh client.
void RequireServing(std::uint16_t port) {
  auto client = Connect(port);
  CHECK(MustCall(*client, {{"type", "STATUS"}})["type"] == "STATUS_REPLY");
}

Json ReadError(net::Client& client) {
  auto reply = client.ReadJson(5s);
  REQUIRE(reply.ok());
  REQUIRE(reply->at("type") == "ERROR");
  return *reply;
}

}  // namespace

TEST_CASE("malformed JSON, unknown types and bad fields are answered, not fatal", "[integration][wire]") {
  auto cluster = StartCluster(1);
  for (std::uint16_t port : {PortOf(*cluster, "peer-1"), cluster->tracker_port()}) {
    auto client = Connect(port);
    REQUIRE(client->SendRaw(net::EncodeFrame(net::FrameKind::kJson, "{\"type\": \"GET_MEM\", ")).ok());
    Json malformed = ReadError(*client);
    CHECK(malformed["code"] == "BAD_REQUEST");
    CHECK(malformed["message"].get<std::string>().rfind("malformed JSON", 0) == 0);

    auto unknown = client->Call({{"type", "SELF_DESTRUCT"}});
    CHECK(unknown.status().code() == Code::kUnknownType);
    CHECK(unknown.status().message() == "unknown message type 'SELF_DESTRUCT'");

    auto not_object = client->SendRaw(net::EncodeFrame(net::FrameKind::kJson, "[1,2,3]"));
    REQUIRE(not_object.ok());
    CHECK(ReadError(*client)["message"] == "a message must be a JSON object");

    CHECK(MustCall(*client, {{"type", "PING"}})["type"] == "PONG");  // same connection still served

    // Found by fuzzing: a number out of range and a frame nested 120,000 deep
    // used to kill the node. Now each is one BAD_REQUEST, and the node serves on.
    REQUIRE(client->SendRaw(net::EncodeFrame(net::FrameKind::kJson, R"({"type":"PING","id":2,"x":1e999})")).ok());
    CHECK(ReadError(*client)["code"] == "BAD_REQUEST");
    std::string deep =
        R"({"type":"SET_MEM","id":3,"key":"k","value":)" + std::string(120000, '[') + std::string(120000, ']') + "}";
    REQUIRE(client->SendRaw(net::EncodeFrame(net::FrameKind::kJson, deep)).ok());
    CHECK(ReadError(*client)["message"] == "malformed JSON: nested deeper than 128 levels");
    CHECK(MustCall(*client, {{"type", "PING"}})["type"] == "PONG");
  }
  auto peer = Connect(PortOf(*cluster, "peer-1"));
  auto missing = peer->Call({{"type", "SET_MEM"}, {"key", "k"}});
  CHECK(missing.status().message() == "SET_MEM: missing field 'value' (any)");
  auto mistyped = peer->Call({{"type", "CPU_TASK"}, {"program", 42}, {"function", "main"}});
  CHECK(mistyped.status().message() == "CPU_TASK: field 'program' must be string, got number");
  Json bad_timeout = net::TaskFields("x", "main");
  bad_timeout.update({{"type", "CPU_TASK"}, {"timeout_ms", -5}});
  auto timeout_reply = peer->Call(bad_timeout);
  CHECK(timeout_reply.status().code() == Code::kBadRequest);
  CHECK(timeout_reply.status().message() == "task: timeout_ms must be an integer from 1 to 86400000, got -5");

  auto tracker = Connect(cluster->tracker_port());
  Json for_a_peer = net::TaskFields("x", "main");
  for_a_peer["type"] = "CPU_TASK";
  auto wrong_node = tracker->Call(for_a_peer);
  CHECK(wrong_node.status().code() == Code::kUnknownType);
  CHECK(wrong_node.status().message() == "CPU_TASK is served by peers, not by the tracker");
}

TEST_CASE("a frame over the limit is refused and only that connection closed", "[integration][wire]") {
  auto cluster = StartCluster(1);
  std::uint16_t port = PortOf(*cluster, "peer-1");
  auto client = Connect(port);
  auto header = net::EncodeHeader(net::FrameKind::kJson, 64u << 20);  // 64 MiB, over the 16 MiB default
  REQUIRE(client->SendRaw(std::string(header.data(), header.size())).ok());
  Json error = ReadError(*client);
  CHECK(error["code"] == "FRAME_TOO_LARGE");
  CHECK(error["message"] == "frame of 67108864 bytes is over the limit of 16777216 bytes");
  CHECK_FALSE(client->ReadJson(2s).ok());
  RequireServing(port);
}

TEST_CASE("a connection dropped mid-frame costs the node nothing", "[integration][wire]") {
  auto cluster = StartCluster(1);
  std::uint16_t port = PortOf(*cluster, "peer-1");
  {
    auto client = Connect(port);
    auto header = net::EncodeHeader(net::FrameKind::kJson, 1000);
    REQUIRE(client->SendRaw(std::string(header.data(), header.size()) + "{\"type\":").ok());
  }  // closed with 992 bytes of the frame missing
  {
    boost::asio::io_context io;  // and one that never says HELLO
    boost::asio::ip::tcp::socket socket(io);
    socket.connect({boost::asio::ip::make_address("127.0.0.1"), port});
    boost::asio::write(socket, boost::asio::buffer(std::string("\x00\x00", 2)));
  }
  RequireServing(port);
}

TEST_CASE("the handshake refuses another protocol version", "[integration][wire]") {
  auto cluster = StartCluster(1);
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket socket(io);
  socket.connect({boost::asio::ip::make_address("127.0.0.1"), cluster->tracker_port()});
  boost::asio::write(socket, boost::asio::buffer(net::EncodeFrame(
                                 net::FrameKind::kJson, R"({"type":"HELLO","id":0,"version":99,"role":"client"})")));
  std::array<char, 4> header{};
  boost::asio::read(socket, boost::asio::buffer(header));
  auto decoded = net::DecodeHeader(header.data(), 1 << 20);
  REQUIRE(decoded.ok());
  std::string body(decoded->length, '\0');
  boost::asio::read(socket, boost::asio::buffer(body));
  Json reply = Json::parse(body);
  CHECK(reply["code"] == "VERSION");
  CHECK(reply["message"] == "protocol version 99 is not supported; this tracker speaks version 3");
}

TEST_CASE("a version 2 client is refused by a peer, naming both versions", "[integration][wire]") {
  auto cluster = StartCluster(1);
  net::testing::RawConnection old_client(PortOf(*cluster, "peer-1"));
  old_client.Send({{"type", "HELLO"}, {"id", 0}, {"version", 2}, {"role", "client"}, {"node", ""}});
  Json reply = old_client.Read();
  CHECK(reply["type"] == "ERROR");
  CHECK(reply["code"] == "VERSION");
  CHECK(reply["message"] == "protocol version 2 is not supported; this peer speaks version 3");
  CHECK(old_client.Read().is_null());  // and the connection is closed
  RequireServing(PortOf(*cluster, "peer-1"));
}
