// Cluster authentication: HMAC against RFC 4231, secret loading, the
// handshake state machines on their own, and a real Server and Client on
// loopback with and without the right secret.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <thread>

#include "asio.h"
#include "handshake.h"
#include "osgrid/net/auth.h"
#include "osgrid/net/client.h"
#include "osgrid/net/frame.h"
#include "osgrid/net/server.h"
#include "osgrid/net/testing/raw_connection.h"

using namespace osgrid;
using namespace osgrid::net;
using osgrid::net::testing::RawConnection;
using namespace std::chrono_literals;

namespace {

const std::string kSecret = "correct horse battery staple";

/// A fresh file path in a fresh temporary folder, removed at the end.
struct TempPath {
  std::string dir, path;
  TempPath() {
    std::string pattern = (std::filesystem::temp_directory_path() / "osgrid-auth-XXXXXX").string();
    dir = ::mkdtemp(pattern.data());
    path = dir + "/secret";
  }
  ~TempPath() { std::filesystem::remove_all(dir); }
  void Write(const std::string& text, mode_t mode = 0600) const {
    std::ofstream(path, std::ios::binary) << text;
    ::chmod(path.c_str(), mode);
  }
};

/// Sets or unsets OSGRID_SECRET (or another variable) for one test, restoring it after.
struct EnvSecret {
  const char* name;
  std::optional<std::string> saved;
  explicit EnvSecret(const char* value, const char* variable = kSecretEnv) : name(variable) {
    if (const char* old = std::getenv(name)) saved = old;
    if (value) {
      ::setenv(name, value, 1);
    } else {
      ::unsetenv(name);
    }
  }
  ~EnvSecret() {
    if (saved) {
      ::setenv(name, saved->c_str(), 1);
    } else {
      ::unsetenv(name);
    }
  }
};

/// A PING-only server on its own io thread.
class AuthServer {
 public:
  explicit AuthServer(std::string secret) : server_(io_, Options(std::move(secret)), Handle) {
    REQUIRE(server_.Listen("127.0.0.1", 0).ok());
    thread_ = std::thread([this] { io_.run(); });
  }
  ~AuthServer() {
    asio::post(io_, [this] {
      server_.Stop();
      io_.stop();
    });
    thread_.join();
  }
  std::uint16_t port() const { return server_.port(); }

 private:
  static ServerOptions Options(std::string secret) {
    ServerOptions options;
    options.role = "test";
    options.secret = std::move(secret);
    return options;
  }
  static void Handle(const SessionPtr& session, Json request) { session->ReplyError(request, Status::Internal("no")); }
  asio::io_context io_;
  Server server_;
  std::thread thread_;
};

ClientOptions WithSecret(const std::string& secret) {
  ClientOptions options;
  options.security.secret = secret;
  options.security.tls_ca.clear();
  return options;
}

}  // namespace

TEST_CASE("HMAC-SHA256 matches the RFC 4231 test vectors", "[auth]") {
  CHECK(HmacSha256Hex(std::string(20, '\x0b'), "Hi There") ==
        "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  CHECK(HmacSha256Hex("Jefe", "what do ya want for nothing?") ==
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  CHECK(HmacSha256Hex(std::string(20, '\xaa'), std::string(50, '\xdd')) ==
        "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe");
  CHECK(HmacSha256Hex(std::string(131, '\xaa'), "Test Using Larger Than Block-Size Key - Hash Key First") ==
        "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

TEST_CASE("proofs, nonces and constant-time comparison", "[auth]") {
  auto nonce = RandomHex(kNonceBytes);
  REQUIRE(nonce.ok());
  CHECK(nonce->size() == 64);
  CHECK(IsNonce(*nonce));
  CHECK(RandomHex(kNonceBytes).value() != *nonce);
  CHECK_FALSE(IsNonce("abc"));
  CHECK_FALSE(IsNonce(std::string(64, 'g')));
  CHECK(ServerProof(Access::kMember, kSecret, "a", "b") != ClientProof(Access::kMember, kSecret, "b", "a"));  // labels
  CHECK(ServerProof(Access::kMember, kSecret, "a", "b") != ServerProof(Access::kObserver, kSecret, "a", "b"));
  CHECK(ClientProof(Access::kMember, kSecret, "b", "a") != ClientProof(Access::kObserver, kSecret, "b", "a"));
  CHECK(ConstantTimeEquals("abc", "abc"));
  CHECK_FALSE(ConstantTimeEquals("abc", "abd"));
  CHECK_FALSE(ConstantTimeEquals("abc", "abcd"));
}

TEST_CASE("the secret comes from --secret-file, else OSGRID_SECRET, else none", "[auth]") {
  TempPath file;
  SECTION("none") {
    EnvSecret env(nullptr);
    auto loaded = LoadSecret("");
    REQUIRE(loaded.ok());
    CHECK(loaded->secret.empty());
  }
  SECTION("the environment") {
    EnvSecret env(kSecret.c_str());
    auto loaded = LoadSecret("");
    REQUIRE(loaded.ok());
    CHECK(loaded->secret == kSecret);
    CHECK(loaded->source == "OSGRID_SECRET");
  }
  SECTION("the file wins over the environment; one trailing newline is trimmed") {
    EnvSecret env("an-environment-secret-of-some-length");
    file.Write(kSecret + "\n");
    auto loaded = LoadSecret(file.path);
    REQUIRE(loaded.ok());
    CHECK(loaded->secret == kSecret);
    CHECK(loaded->warning.empty());
    file.Write(kSecret + "\n\n");
    CHECK(LoadSecret(file.path)->secret == kSecret + "\n");
  }
  SECTION("too short is BAD_REQUEST, and the message does not show the secret") {
    EnvSecret env("short-secret");
    auto loaded = LoadSecret("");
    REQUIRE_FALSE(loaded.ok());
    CHECK(loaded.status().code() == Code::kBadRequest);
    CHECK(loaded.status().message().find("at least 16") != std::string::npos);
    CHECK(loaded.status().message().find("short-secret") == std::string::npos);
    file.Write("0123456789abcde\n");  // 15 bytes after trimming
    CHECK(LoadSecret(file.path).status().code() == Code::kBadRequest);
  }
  SECTION("a missing file is IO naming it") {
    auto loaded = LoadSecret(file.dir + "/missing");
    REQUIRE_FALSE(loaded.ok());
    CHECK(loaded.status().code() == Code::kIo);
    CHECK(loaded.status().message().find("missing") != std::string::npos);
  }
  SECTION("a file others can read loads with a warning") {
    file.Write(kSecret, 0644);
    auto loaded = LoadSecret(file.path);
    REQUIRE(loaded.ok());
    CHECK(loaded->warning.find("chmod 600") != std::string::npos);
  }
}

TEST_CASE("the observer secret loads by the same rules, from its own file or OSGRID_OBSERVER_SECRET", "[auth]") {
  const std::string observer = "an observer secret for the projector";
  TempPath file;
  EnvSecret no_cluster(nullptr);
  SECTION("the environment, and only its own variable") {
    EnvSecret env(observer.c_str(), kObserverSecretEnv);
    auto loaded = LoadSecret("", Access::kObserver);
    REQUIRE(loaded.ok());
    CHECK(loaded->secret == observer);
    CHECK(loaded->source == "OSGRID_OBSERVER_SECRET");
    CHECK(LoadSecret("")->secret.empty());  // not a cluster secret
  }
  SECTION("the file wins, its newline is trimmed, and a readable one warns") {
    EnvSecret env("an-environment-observer-secret", kObserverSecretEnv);
    file.Write(observer + "\n", 0640);
    auto loaded = LoadSecret(file.path, Access::kObserver);
    REQUIRE(loaded.ok());
    CHECK(loaded->secret == observer);
    CHECK(loaded->warning.find("chmod 600") != std::string::npos);
  }
  SECTION("too short is BAD_REQUEST naming the observer secret and how to make one") {
    EnvSecret env("short", kObserverSecretEnv);
    auto loaded = LoadSecret("", Access::kObserver);
    CHECK(loaded.status().code() == Code::kBadRequest);
    CHECK(loaded.status().message().rfind("the observer secret from OSGRID_OBSERVER_SECRET is 5 bytes", 0) == 0);
    CHECK(loaded.status().message().find("--init-observer") != std::string::npos);
  }
}

TEST_CASE("a node's observer secret needs a cluster secret, and a different one", "[auth]") {
  const std::string observer = "an observer secret for the projector";
  CHECK(CheckObserverSecret("", "").ok());
  CHECK(CheckObserverSecret(kSecret, "").ok());
  CHECK(CheckObserverSecret(kSecret, observer).ok());
  Status alone = CheckObserverSecret("", observer);
  CHECK(alone.code() == Code::kBadRequest);
  CHECK(alone.message().rfind("an observer secret needs a cluster secret", 0) == 0);
  Status same = CheckObserverSecret(kSecret, kSecret);
  CHECK(same.code() == Code::kBadRequest);
  CHECK(same.message().rfind("the observer secret is the cluster secret", 0) == 0);
  CHECK(same.message().find(kSecret) == std::string::npos);

  EnvSecret cluster(nullptr);
  EnvSecret env(observer.c_str(), kObserverSecretEnv);
  CHECK(LoadNodeSecrets("", "").status().message() == alone.message());
  TempPath file;
  file.Write(kSecret + "\n");
  auto both = LoadNodeSecrets(file.path, "");
  REQUIRE(both.ok());
  CHECK(both->cluster.secret == kSecret);
  CHECK(both->observer.secret == observer);
  CHECK(both->observer.source == "OSGRID_OBSERVER_SECRET");

  asio::io_context io;
  ServerOptions options;
  options.observer_secret = observer;  // and no cluster secret
  Server server(io, options, [](const SessionPtr&, Json) {});
  CHECK(server.Listen("127.0.0.1", 0).message() == alone.message());
}

TEST_CASE("a client proves the cluster secret when it has one, else the observer secret", "[auth]") {
  ClientCredential none = ChooseCredential({});
  CHECK(none.access == Access::kMember);
  CHECK(none.secret.empty());
  ClientCredential observer = ChooseCredential({"", "", "observer-secret"});
  CHECK(observer.access == Access::kObserver);
  CHECK(observer.secret == "observer-secret");
  ClientCredential member = ChooseCredential({kSecret, "", "observer-secret"});
  CHECK(member.access == Access::kMember);
  CHECK(member.secret == kSecret);
  CHECK(AccessName(Access::kObserver) == "observer");
  CHECK(AccessFromName("member") == Access::kMember);
  CHECK_FALSE(AccessFromName("root").has_value());
}

TEST_CASE("a new secret file is 0600, 64 hex characters, never overwritten", "[auth]") {
  TempPath file;
  REQUIRE(WriteNewSecretFile(file.path).ok());
  struct stat info {};
  REQUIRE(::stat(file.path.c_str(), &info) == 0);
  CHECK((info.st_mode & 0777) == 0600);
  auto loaded = ReadSecretFile(file.path);
  REQUIRE(loaded.ok());
  CHECK(IsNonce(loaded->secret));  // 64 hex characters
  Status again = WriteNewSecretFile(file.path);
  CHECK(again.code() == Code::kBadRequest);
  CHECK(ReadSecretFile(file.path)->secret == loaded->secret);  // unchanged
}

TEST_CASE("handshake state machines agree with each other", "[auth]") {
  SECTION("same secret: HELLO, AUTH, AUTH_OK") {
    ServerHandshake server({kSecret, ""}, "peer", "p1");
    ClientHandshake client({Access::kMember, kSecret}, "client", "", "here");
    auto hello = client.Hello();
    REQUIRE(hello.ok());
    auto step = server.OnMessage(*hello);
    REQUIRE_FALSE(step.close);
    CHECK(step.reply["auth"] == "hmac-sha256");
    auto auth = client.OnHello(step.reply);
    REQUIRE(auth.ok());
    REQUIRE(auth->is_object());
    auto ok = server.OnMessage(*auth);
    CHECK(ok.reply["type"] == "AUTH_OK");
    CHECK(ok.reply["access"] == "member");
    CHECK(server.done());
    CHECK(server.access() == Access::kMember);
    CHECK(client.OnAuthReply(ok.reply).ok());
    CHECK(server.remote_role() == "client");
  }
  SECTION("the client detects a server with another secret before sending anything") {
    ServerHandshake server({kSecret, ""}, "peer", "p1");
    ClientHandshake client({Access::kMember, "another secret of enough length"}, "client", "", "here");
    auto auth = client.OnHello(server.OnMessage(client.Hello().value()).reply);
    REQUIRE_FALSE(auth.ok());
    CHECK(auth.status().code() == Code::kAuth);
    CHECK(auth.status().message().find("does not know our cluster secret") != std::string::npos);
  }
  SECTION("a wrong proof is one AUTH error and a close") {
    ServerHandshake server({kSecret, ""}, "peer", "p1");
    ClientHandshake client({Access::kMember, kSecret}, "client", "", "here");
    server.OnMessage(client.Hello().value());
    auto step = server.OnMessage({{"type", "AUTH"}, {"id", 0}, {"proof", std::string(64, '0')}});
    CHECK(step.close);
    CHECK(step.reply["code"] == "AUTH");
    CHECK_FALSE(server.done());
  }
  SECTION("no secret on the client: the server says the cluster requires one") {
    ServerHandshake server({kSecret, ""}, "peer", "p1");
    ClientHandshake client({Access::kMember, ""}, "client", "", "here");
    auto step = server.OnMessage(client.Hello().value());
    CHECK(step.close);
    CHECK(step.reply["code"] == "AUTH");
    CHECK(step.reply["message"] == "the cluster requires a secret: set OSGRID_SECRET or use --secret-file");
  }
  SECTION("a client with a secret refuses an open server") {
    ServerHandshake server({"", ""}, "peer", "p1");
    ClientHandshake client({Access::kMember, kSecret}, "client", "", "here");
    auto step = server.OnMessage(client.Hello().value());
    CHECK(server.done());
    auto auth = client.OnHello(step.reply);
    CHECK(auth.status().code() == Code::kAuth);
  }
  SECTION("open server, open client: done after HELLO") {
    ServerHandshake server({"", ""}, "peer", "p1");
    ClientHandshake client({Access::kMember, ""}, "client", "", "here");
    auto auth = client.OnHello(server.OnMessage(client.Hello().value()).reply);
    REQUIRE(auth.ok());
    CHECK(auth->is_null());
  }
  SECTION("a request before HELLO, or before AUTH, is refused with AUTH") {
    ServerHandshake server({kSecret, ""}, "peer", "p1");
    auto step = server.OnMessage({{"type", "PING"}, {"id", 1}});
    CHECK(step.close);
    CHECK(step.reply["code"] == "AUTH");
    ServerHandshake second({kSecret, ""}, "peer", "p1");
    ClientHandshake client({Access::kMember, kSecret}, "client", "", "here");
    second.OnMessage(client.Hello().value());
    auto early = second.OnMessage({{"type", "PING"}, {"id", 1}});
    CHECK(early.close);
    CHECK(early.reply["code"] == "AUTH");
    CHECK(second.OnBadFrame("malformed JSON").reply["code"] == "AUTH");
  }
}

TEST_CASE("a server with a secret admits only clients with the same secret", "[auth][server]") {
  AuthServer server(kSecret);
  auto good = Client::Connect("127.0.0.1", server.port(), WithSecret(kSecret));
  REQUIRE(good.ok());
  CHECK((*good)->server_hello()["auth"] == "hmac-sha256");
  CHECK((*good)->Call({{"type", "PING"}}).ok());

  auto wrong = Client::Connect("127.0.0.1", server.port(), WithSecret("not the secret, but long enough"));
  CHECK(wrong.status().code() == Code::kAuth);
  auto none = Client::Connect("127.0.0.1", server.port(), WithSecret(""));
  CHECK(none.status().code() == Code::kAuth);
  CHECK(none.status().message() == "the cluster requires a secret: set OSGRID_SECRET or use --secret-file");

  RawConnection raw(server.port());  // a request before the handshake
  raw.Send({{"type", "PING"}, {"id", 1}});
  CHECK(raw.Read()["code"] == "AUTH");
  CHECK(raw.Read().is_null());  // closed after exactly one ERROR
}

TEST_CASE("before AUTH_OK frames are limited to 4 KiB", "[auth][server]") {
  AuthServer server(kSecret);
  RawConnection raw(server.port());
  auto header = EncodeHeader(FrameKind::kJson, kPreAuthFrameBytes + 1);
  raw.SendBytes({header.data(), header.size()});
  CHECK(raw.Read()["code"] == "FRAME_TOO_LARGE");
  CHECK(raw.Read().is_null());
}

TEST_CASE("a client with a secret refuses an open server", "[auth][server]") {
  AuthServer server("");
  auto client = Client::Connect("127.0.0.1", server.port(), WithSecret(kSecret));
  CHECK(client.status().code() == Code::kAuth);
  CHECK(Client::Connect("127.0.0.1", server.port(), WithSecret("")).ok());
}

TEST_CASE("an open server listens on loopback only", "[auth][server]") {
  asio::io_context io;
  Server open(io, {}, [](const SessionPtr&, Json) {});
  Status status = open.Listen("0.0.0.0", 0);
  CHECK(status.code() == Code::kBadRequest);
  CHECK(status.message().find("without a cluster secret") != std::string::npos);
  CHECK(open.Listen("127.0.0.1", 0).ok());
  ServerOptions options;
  options.secret = kSecret;
  Server secured(io, options, [](const SessionPtr&, Json) {});
  CHECK(secured.Listen("0.0.0.0", 0).ok());
}
