// Cluster authentication on live processes: tracker and peers started with a
// secret refuse every connection that cannot prove it (one ERROR with code
// AUTH, then the connection is closed), admit those that can, and every
// internal link -- registration, heartbeats, forwarding -- authenticates. Also:
// an open cluster stays on loopback, `osgrid-tracker --init`, and a TLS cluster.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "osgrid/net/auth.h"
#include "osgrid/net/file_transfer.h"
#include "osgrid/net/frame.h"
#include "osgrid/net/messages.h"
#include "osgrid/net/sha256.h"
#include "osgrid/net/testing/raw_connection.h"
#include "support.h"

using namespace osgrid;
using namespace osgrid::test;

namespace {

/// `base` with the fields of `extra` added.
Json Merged(Json base, const Json& extra) {
  base.update(extra);
  return base;
}

const std::string kSecret = "integration-test-secret-0123456789";

/// Makes this test process's clients use `security`; restores "none" after.
struct ClientSecurityGuard {
  explicit ClientSecurityGuard(net::ClientSecurity security) { net::SetDefaultClientSecurity(std::move(security)); }
  ~ClientSecurityGuard() { net::SetDefaultClientSecurity({}); }
};

std::unique_ptr<scenario::LocalCluster> StartSecured(int peers, const std::string& tls_cert = "",
                                                     const std::string& tls_key = "") {
  scenario::ClusterOptions options = TestClusterOptions(peers, 3);
  options.secret = kSecret;
  options.tls_cert = tls_cert;
  options.tls_key = tls_key;
  return StartCluster(options);
}

/// Exactly one ERROR with code AUTH from `stranger`, then the close.
void ExpectOneAuthErrorThenClose(net::testing::RawConnection& stranger) {
  Json error = stranger.Read();
  INFO(error.dump());
  CHECK(error["type"] == "ERROR");
  CHECK(error["code"] == "AUTH");
  CHECK(stranger.Read().is_null());
}

Json Hello(bool with_nonce) {
  Json hello = {{"type", "HELLO"}, {"id", 0}, {"version", params::kProtocolVersion}, {"role", "client"}};
  if (with_nonce) hello["nonce"] = std::string(64, 'a');
  return hello;
}

net::ClientOptions With(const std::string& secret) {
  net::ClientOptions options;
  options.security = {secret, ""};
  return options;
}

std::string WriteSecretFile(const TempDir& dir, const std::string& secret) {
  std::string path = dir.path + "/secret";
  std::ofstream(path) << secret << "\n";
  std::filesystem::permissions(path, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  return path;
}

}  // namespace

TEST_CASE("tracker and peer with a secret refuse every connection that cannot prove it", "[integration][auth]") {
  auto cluster = StartSecured(1);
  for (auto [name, port] :
       {std::pair{"tracker", cluster->tracker_port()}, std::pair{"peer-1", PortOf(*cluster, "peer-1")}}) {
    INFO(name);
    {  // (a) a normal request, no HELLO
      net::testing::RawConnection stranger(port);
      stranger.Send({{"type", "STATUS"}, {"id", 1}});
      ExpectOneAuthErrorThenClose(stranger);
    }
    {  // (b) HELLO, then a normal request without AUTH
      net::testing::RawConnection stranger(port);
      stranger.Send(Hello(true));
      Json hello = stranger.Read();
      CHECK(hello["auth"] == "hmac-sha256");
      CHECK(hello["challenge"].get<std::string>().size() == 64);
      stranger.Send({{"type", "STATUS"}, {"id", 1}});
      ExpectOneAuthErrorThenClose(stranger);
    }
    {  // (c) AUTH with a wrong proof
      net::testing::RawConnection stranger(port);
      stranger.Send(Hello(true));
      stranger.Read();
      stranger.Send({{"type", "AUTH"}, {"id", 0}, {"proof", std::string(64, '0')}});
      ExpectOneAuthErrorThenClose(stranger);
    }
    {  // HELLO without a nonce: the client has no secret
      net::testing::RawConnection stranger(port);
      stranger.Send(Hello(false));
      ExpectOneAuthErrorThenClose(stranger);
    }
    // (d) a Client with a wrong secret: it sees the server cannot prove ours and sends nothing.
    auto wrong = net::Client::Connect("127.0.0.1", port, With("a-wrong-secret-of-enough-length"));
    CHECK(wrong.status().code() == Code::kAuth);
    CHECK(wrong.status().message().find("does not know our cluster secret") != std::string::npos);
    // (e) a Client with no secret.
    auto none = net::Client::Connect("127.0.0.1", port, With(""));
    CHECK(none.status().code() == Code::kAuth);
    CHECK(none.status().message() == "the cluster requires a secret: set OSGRID_SECRET or use --secret-file");
    // ... and the right one.
    auto right = net::Client::Connect("127.0.0.1", port, With(kSecret));
    REQUIRE(right.ok());
    CHECK((*right)->Call({{"type", "STATUS"}}).ok());
  }
  CHECK(cluster->CheckChildren().empty());  // nobody died of it
}

TEST_CASE("with the right secret the cluster works end to end", "[integration][auth]") {
  auto cluster = StartSecured(2);  // both peers registered: peer -> tracker authenticates
  ClientSecurityGuard guard({kSecret, ""});
  TempDir dir;
  std::string secret_file = WriteSecretFile(dir, kSecret);
  std::string peer1 = std::to_string(PortOf(*cluster, "peer-1"));

  // Fill peer-1's two cores, so that the tracker places the next task on peer-2.
  // The watcher subscribes as a member: the guard gives its connection the secret.
  auto watcher = Watch(cluster->tracker_port(), {"peer.load"});
  std::vector<std::unique_ptr<net::Client>> busy;
  for (int core = 0; core < 2; ++core) {
    busy.push_back(Connect(PortOf(*cluster, "peer-1")));
    REQUIRE(busy.back()
                ->SendJson(Merged(net::TaskFields(SleepProgram(), "main", {4}),
                                  {{"type", "CPU_TASK"}, {"id", 1}, {"confidential", true}}))
                .ok());
  }
  AwaitLoad(
      watcher, "peer-1", [](const os::events::PeerLoad& load) { return load.running == 2; }, "2 running");

  auto cpu = RunOsgrid({"cpu", "--port", peer1, "--secret-file", secret_file, "--json", "--program",
                        "def main(x): return x * 2", "--args", "[21]"});
  INFO(cpu.err);
  REQUIRE(cpu.exit_code == 0);
  Json reply = Json::parse(cpu.out);
  CHECK(reply["result"] == 42);
  CHECK(reply["forwarded"] == true);  // peer-1 -> tracker (PICK_PEER) -> peer-2, all authenticated
  CHECK(reply["peer"] == "peer-2");

  auto status = RunOsgrid({"status", "--port", std::to_string(cluster->tracker_port()), "--secret-file", secret_file});
  CHECK(status.exit_code == 0);
  CHECK(status.out.find("auth: hmac-sha256, tls: off") != std::string::npos);
  auto env_status = RunProgram(BinPath("osgrid"), {"status", "--port", peer1}, {"OSGRID_SECRET=" + kSecret});
  CHECK(env_status.exit_code == 0);

  auto refused = RunProgram(BinPath("osgrid"), {"status", "--port", peer1}, {}, {"OSGRID_SECRET"});
  CHECK(refused.exit_code == 1);
  CHECK(refused.err == "osgrid: AUTH: the cluster requires a secret: set OSGRID_SECRET or use --secret-file\n");
  auto too_short = RunProgram(BinPath("osgrid"), {"status", "--port", peer1}, {"OSGRID_SECRET=short"});
  CHECK(too_short.exit_code == 2);
  CHECK(too_short.err.find("at least 16") != std::string::npos);
}

TEST_CASE("an open cluster is loopback only", "[integration][auth]") {
  TempDir storage;
  std::vector<std::pair<std::string, std::vector<std::string>>> starts = {
      {"osgrid-tracker", {"--host", "0.0.0.0", "--port", "0"}},
      {"osgrid-peer", {"--host", "0.0.0.0", "--port", "0", "--standalone", "--storage", storage.path}}};
  for (const auto& [program, args] : starts) {
    INFO(program);
    auto result = RunProgram(BinPath(program), args, {}, {"OSGRID_SECRET"}, 10);
    CHECK(result.exit_code == 2);
    CHECK((result.out + result.err).find("without a cluster secret") != std::string::npos);
  }
  // Without a secret an open cluster says so, and `osgrid status` shows it.
  auto cluster = StartCluster(1);
  auto status = RunOsgrid({"status", "--port", std::to_string(cluster->tracker_port())});
  CHECK(status.out.find("auth: open (loopback only), tls: off") != std::string::npos);
  std::ifstream log(cluster->Tracker().log_path);
  std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
  CHECK(text.find("no cluster secret: open cluster, loopback only") != std::string::npos);
}

TEST_CASE("osgrid-tracker --init writes a 0600 secret and never overwrites", "[integration][auth]") {
  TempDir dir;
  std::string path = dir.path + "/cluster.secret";
  auto first = RunProgram(BinPath("osgrid-tracker"), {"--init", path});
  CHECK(first.exit_code == 0);
  CHECK(first.out.find("--secret-file " + path) != std::string::npos);
  struct stat info {};
  REQUIRE(::stat(path.c_str(), &info) == 0);
  CHECK((info.st_mode & 0777) == 0600);
  auto secret = net::ReadSecretFile(path);
  REQUIRE(secret.ok());
  CHECK(secret->secret.size() == 64);

  auto second = RunProgram(BinPath("osgrid-tracker"), {"--init", path});
  CHECK(second.exit_code == 2);
  CHECK(second.err.find("already exists") != std::string::npos);
  CHECK(net::ReadSecretFile(path)->secret == secret->secret);
}

TEST_CASE("a TLS cluster runs tasks and refuses plain TCP", "[integration][auth][tls]") {
  TempDir dir;
  std::string cert = dir.path + "/cert.pem", key = dir.path + "/key.pem";
  auto made = RunProgram("/usr/bin/openssl",
                         {"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                          "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=osgrid-test"});
  INFO(made.err);
  REQUIRE(made.exit_code == 0);
  auto cluster = StartSecured(2, cert, key);  // peers register over TLS
  std::uint16_t peer1 = PortOf(*cluster, "peer-1");

  net::ClientOptions tls = With(kSecret);
  tls.security.tls_ca = cert;
  auto client = net::Client::Connect("127.0.0.1", peer1, tls);
  INFO(client.status().ToString());
  REQUIRE(client.ok());
  Json reply =
      MustCall(**client, {{"type", "CPU_BATCH"},
                          {"tasks", Json::array({net::TaskFields("def main(x): return x + 1", "main", {1}),
                                                 net::TaskFields("def main(x): return x + 1", "main", {2}),
                                                 net::TaskFields("def main(x): return x + 1", "main", {3}),
                                                 net::TaskFields("def main(x): return x + 1", "main", {4})})}});
  CHECK(reply["results"][3]["result"] == 5);

  // Files stream through TLS too: 3 MiB and a bit up and back, hash checked.
  std::string content(3 * params::kChunkBytes + 17, '\0');
  for (std::size_t i = 0; i < content.size(); ++i) content[i] = static_cast<char>(i * 131 + i / 4099);
  std::ofstream(dir.path + "/up.bin", std::ios::binary) << content;
  auto stored = net::PutFile(**client, "up.bin", dir.path + "/up.bin");
  INFO(stored.status().ToString());
  REQUIRE(stored.ok());
  CHECK(stored->at("sha256") == net::Sha256Hex(content));
  auto fetched = net::GetFile(**client, "up.bin", dir.path + "/down.bin");
  INFO(fetched.status().ToString());
  REQUIRE(fetched.ok());
  CHECK(net::Sha256File(dir.path + "/down.bin").value() == net::Sha256Hex(content));

  auto plain = net::Client::Connect("127.0.0.1", peer1, With(kSecret));
  CHECK(plain.status().code() == Code::kAuth);
  CHECK(plain.status().message().find("TLS connections only") != std::string::npos);

  TempDir other;
  std::string secret_file = WriteSecretFile(other, kSecret);
  auto status = RunOsgrid(
      {"status", "--port", std::to_string(cluster->tracker_port()), "--secret-file", secret_file, "--tls-ca", cert});
  INFO(status.err);
  CHECK(status.exit_code == 0);
  CHECK(status.out.find("auth: hmac-sha256, tls: on") != std::string::npos);
}
