// The observer credential: the handshake state machines with a second
// secret (which access each credential gets, and that the observer secret
// never passes as a member), an open cluster, and a real Server with a
// Router on loopback, where an observer may watch and is refused the rest
// with FORBIDDEN while the connection keeps serving.
#include <catch2/catch.hpp>

#include <thread>

#include "asio.h"
#include "handshake.h"
#include "osgrid/net/auth.h"
#include "osgrid/net/client.h"
#include "osgrid/net/router.h"
#include "osgrid/net/server.h"
#include "osgrid/net/testing/raw_connection.h"

using namespace osgrid;
using namespace osgrid::net;
using osgrid::net::testing::RawConnection;

namespace {

const std::string kSecret = "correct horse battery staple";
const std::string kObserverSecret = "a projector in room 101 may watch";
const ServerSecrets kBoth{kSecret, kObserverSecret};

/// Runs the whole exchange between `client` and `server`; returns the
/// client's error, or OK once the server granted access.
Status Shake(ClientHandshake& client, ServerHandshake& server) {
  auto hello = client.Hello();
  if (!hello.ok()) return hello.status();
  HandshakeStep step = server.OnMessage(*hello);
  auto auth = client.OnHello(step.reply);
  if (!auth.ok() || auth->is_null()) return auth.status();
  step = server.OnMessage(*auth);
  return client.OnAuthReply(step.reply);
}

/// The AUTH a client sends after a HELLO naming `credential`, with a proof
/// made by `label`'s rules from `secret`: what a client that skips its own
/// check of the server would send.
Json ForgedAuth(ServerHandshake& server, Access credential, Access label, const std::string& secret) {
  const std::string nonce(64, 'c');
  Json hello = {{"type", "HELLO"},  {"id", 0},        {"version", params::kProtocolVersion},
                {"role", "client"}, {"nonce", nonce}, {"credential", AccessName(credential)}};
  HandshakeStep step = server.OnMessage(hello);
  REQUIRE_FALSE(step.close);
  const std::string challenge = step.reply["challenge"];
  return {{"type", "AUTH"}, {"id", 0}, {"proof", ClientProof(label, secret, challenge, nonce)}};
}

/// A server on its own io thread whose Router serves STATUS to observers
/// (the reply says the caller's access) and SET_MEM to members only.
class ObservedServer {
 public:
  explicit ObservedServer(ServerSecrets secrets)
      : routed_(AddRoutes()), server_(io_, Options(std::move(secrets)), router_.AsRequestHandler()) {
    REQUIRE(routed_.ok());
    REQUIRE(server_.Listen("127.0.0.1", 0).ok());
    thread_ = std::thread([this] { io_.run(); });
  }
  ~ObservedServer() {
    asio::post(io_, [this] {
      server_.Stop();
      io_.stop();
    });
    thread_.join();
  }
  std::uint16_t port() const { return server_.port(); }
  int writes() const { return writes_; }

 private:
  Status AddRoutes() {
    auto status = [](const SessionPtr& session, const Json& request) {
      session->Reply(request, {{"type", "STATUS_REPLY"}, {"access", AccessName(session->access())}});
    };
    auto set = [this](const SessionPtr& session, const Json& request) {
      ++writes_;
      session->Reply(request, {{"type", "OK"}});
    };
    if (Status s = router_.Add("STATUS", status, Access::kObserver); !s.ok()) return s;
    return router_.Add("SET_MEM", set, Access::kMember);
  }
  static ServerOptions Options(ServerSecrets secrets) {
    ServerOptions options;
    options.role = "peer";
    options.secret = std::move(secrets.cluster);
    options.observer_secret = std::move(secrets.observer);
    return options;
  }

  asio::io_context io_;
  Router router_;
  Status routed_;
  Server server_;
  std::thread thread_;
  std::atomic<int> writes_{0};  // SET_MEM calls that reached the handler (io thread)
};

Result<std::unique_ptr<Client>> ConnectWith(std::uint16_t port, ClientSecurity security) {
  ClientOptions options;
  options.security = std::move(security);
  return Client::Connect("127.0.0.1", port, options);
}

}  // namespace

TEST_CASE("the observer secret makes an observer, the cluster secret a member", "[auth][observer]") {
  SECTION("observer") {
    ServerHandshake server(kBoth, "tracker", "t");
    ClientHandshake client({Access::kObserver, kObserverSecret}, "viewer", "", "here");
    auto hello = client.Hello();
    REQUIRE(hello.ok());
    CHECK((*hello)["credential"] == "observer");
    HandshakeStep step = server.OnMessage(*hello);
    CHECK(step.reply["credential"] == "observer");
    auto auth = client.OnHello(step.reply);
    REQUIRE(auth.ok());
    HandshakeStep granted = server.OnMessage(*auth);
    CHECK(granted.reply == Json{{"type", "AUTH_OK"}, {"id", 0}, {"access", "observer"}});
    CHECK(client.OnAuthReply(granted.reply).ok());
    CHECK(server.done());
    CHECK(server.access() == Access::kObserver);
  }
  SECTION("member, on a server that also takes observers") {
    ServerHandshake server(kBoth, "tracker", "t");
    ClientHandshake client({Access::kMember, kSecret}, "client", "", "here");
    REQUIRE(Shake(client, server).ok());
    CHECK(server.access() == Access::kMember);
  }
  SECTION("a HELLO that names no credential is a member's (clients before observers)") {
    ServerHandshake server(kBoth, "tracker", "t");
    ClientHandshake client({Access::kMember, kSecret}, "client", "", "here");
    Json hello = client.Hello().value();
    hello.erase("credential");
    auto auth = client.OnHello(server.OnMessage(hello).reply);
    REQUIRE(auth.ok());
    CHECK(server.OnMessage(*auth).reply["access"] == "member");
    CHECK(server.access() == Access::kMember);
  }
  SECTION("before the handshake is done a connection may do nothing") {
    ServerHandshake server(kBoth, "tracker", "t");
    CHECK(server.access() == Access::kObserver);
  }
}

TEST_CASE("the observer secret never passes as a member", "[auth][observer]") {
  SECTION("a client that presents it as a member sees the server cannot prove it, and sends nothing") {
    ServerHandshake server(kBoth, "tracker", "t");
    ClientHandshake client({Access::kMember, kObserverSecret}, "client", "", "here");
    Status status = Shake(client, server);
    CHECK(status.code() == Code::kAuth);
    CHECK(status.message().find("does not know our cluster secret") != std::string::npos);
    CHECK_FALSE(server.done());
  }
  SECTION("a member's AUTH made from it is refused, whichever label it uses") {
    for (Access label : {Access::kMember, Access::kObserver}) {
      ServerHandshake server(kBoth, "tracker", "t");
      HandshakeStep step = server.OnMessage(ForgedAuth(server, Access::kMember, label, kObserverSecret));
      CHECK(step.close);
      CHECK(step.reply["code"] == "AUTH");
      CHECK(step.reply["message"] == "authentication failed: wrong cluster secret");
      CHECK_FALSE(server.done());
    }
  }
  SECTION("and an observer's proof with a member's label is refused too") {
    ServerHandshake server(kBoth, "tracker", "t");
    HandshakeStep step = server.OnMessage(ForgedAuth(server, Access::kObserver, Access::kMember, kObserverSecret));
    CHECK(step.reply["message"] == "authentication failed: wrong observer secret");
  }
}

TEST_CASE("a wrong observer secret, or a server without observers, fails the same way", "[auth][observer]") {
  SECTION("the client sees the server does not know its observer secret") {
    ServerHandshake server(kBoth, "tracker", "t");
    ClientHandshake client({Access::kObserver, "not the observer secret, though long"}, "viewer", "", "here");
    Status status = Shake(client, server);
    CHECK(status.code() == Code::kAuth);
    CHECK(status.message().rfind("here does not know our observer secret", 0) == 0);
    CHECK(status.message().find("OSGRID_OBSERVER_SECRET") != std::string::npos);
  }
  SECTION("a server without an observer secret answers as if it had one, and refuses the same way") {
    ServerHandshake without({kSecret, ""}, "tracker", "t");
    ClientHandshake client({Access::kObserver, kObserverSecret}, "viewer", "", "here");
    HandshakeStep hello = without.OnMessage(client.Hello().value());
    CHECK_FALSE(hello.close);
    CHECK(hello.reply["auth"] == "hmac-sha256");
    CHECK(hello.reply["credential"] == "observer");
    CHECK(IsNonce(hello.reply["proof"].get<std::string>()));  // a decoy, shaped like a proof
    CHECK(client.OnHello(hello.reply).status().message().rfind("here does not know our observer secret", 0) == 0);

    ServerHandshake none({kSecret, ""}, "tracker", "t"), with(kBoth, "tracker", "t");
    HandshakeStep refused = none.OnMessage(ForgedAuth(none, Access::kObserver, Access::kObserver, "guess"));
    HandshakeStep wrong = with.OnMessage(ForgedAuth(with, Access::kObserver, Access::kObserver, "guess"));
    CHECK(refused.close);
    CHECK(refused.reply == wrong.reply);
    CHECK(refused.reply["message"] == "authentication failed: wrong observer secret");
    // ... and not even the cluster secret passes as an observer there.
    ServerHandshake again({kSecret, ""}, "tracker", "t");
    CHECK(again.OnMessage(ForgedAuth(again, Access::kObserver, Access::kObserver, kSecret)).close);
    CHECK_FALSE(again.done());
  }
  SECTION("an unknown credential is refused") {
    ServerHandshake server(kBoth, "tracker", "t");
    Json hello = ClientHandshake({Access::kMember, kSecret}, "client", "", "here").Hello().value();
    hello["credential"] = "root";
    HandshakeStep step = server.OnMessage(hello);
    CHECK(step.close);
    CHECK(step.reply["code"] == "AUTH");
    CHECK(step.reply["message"] == "HELLO: credential must be \"member\" or \"observer\"");
  }
}

TEST_CASE("an open cluster has no observers: every connection is a member", "[auth][observer]") {
  SECTION("the server ignores the credential a HELLO names") {
    ServerHandshake server({"", ""}, "peer", "p");
    Json hello = {{"type", "HELLO"},
                  {"id", 0},
                  {"version", params::kProtocolVersion},
                  {"role", "client"},
                  {"credential", "observer"}};
    HandshakeStep step = server.OnMessage(hello);
    CHECK(step.reply["auth"] == "none");
    CHECK(step.reply["access"] == "member");
    CHECK(server.access() == Access::kMember);
  }
  SECTION("a client with an observer secret refuses an open server, as one with a cluster secret does") {
    ServerHandshake server({"", ""}, "peer", "p");
    ClientHandshake client({Access::kObserver, kObserverSecret}, "viewer", "", "here");
    Status status = Shake(client, server);
    CHECK(status.code() == Code::kAuth);
    CHECK(status.message().find("runs an open cluster (no secret), but we have an observer secret") !=
          std::string::npos);
    CHECK(status.message().find("OSGRID_OBSERVER_SECRET") != std::string::npos);
  }
}

TEST_CASE("on a live server an observer may watch and is refused the rest with FORBIDDEN", "[auth][observer][server]") {
  ObservedServer server(kBoth);
  auto observer = ConnectWith(server.port(), {"", "", kObserverSecret});
  INFO(observer.status().ToString());
  REQUIRE(observer.ok());
  CHECK((*observer)->server_hello()["credential"] == "observer");

  auto status = (*observer)->Call({{"type", "STATUS"}});
  REQUIRE(status.ok());
  CHECK((*status)["access"] == "observer");
  auto set = (*observer)->Call({{"type", "SET_MEM"}, {"key", "k"}, {"value", 1}});
  CHECK(set.status().code() == Code::kForbidden);
  CHECK(set.status().message() ==
        "SET_MEM needs the cluster secret: this connection holds the observer credential, which may only watch "
        "(PING, STATUS)");
  CHECK(server.writes() == 0);
  CHECK((*observer)->Call({{"type", "PING"}}).ok());  // the connection keeps serving
  CHECK((*observer)->Call({{"type", "STATUS"}}).ok());

  auto member = ConnectWith(server.port(), {kSecret, "", kObserverSecret});  // member wins
  REQUIRE(member.ok());
  CHECK((*member)->Call({{"type", "STATUS"}}).value()["access"] == "member");
  CHECK((*member)->Call({{"type", "SET_MEM"}, {"key", "k"}, {"value", 1}}).ok());
  CHECK(server.writes() == 1);

  auto wrong = ConnectWith(server.port(), {"", "", "not the observer secret, though long"});
  CHECK(wrong.status().code() == Code::kAuth);
}

TEST_CASE("a raw observer's request before AUTH_OK is refused like anyone's", "[auth][observer][server]") {
  ObservedServer server(kBoth);
  RawConnection raw(server.port());
  raw.Send({{"type", "HELLO"},
            {"id", 0},
            {"version", params::kProtocolVersion},
            {"role", "client"},
            {"nonce", std::string(64, 'a')},
            {"credential", "observer"}});
  CHECK(raw.Read()["credential"] == "observer");
  raw.Send({{"type", "STATUS"}, {"id", 1}});
  CHECK(raw.Read()["code"] == "AUTH");
  CHECK(raw.Read().is_null());
}
