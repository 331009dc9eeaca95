// A member that answers forwards out of protocol: the forwarding peer must
// not die from what it reads, and the tasks must still run (there, instead).
#include <catch2/catch.hpp>

#include <atomic>
#include <thread>

#include <boost/asio.hpp>

#include "osgrid/client/ops.h"
#include "osgrid/net/server.h"
#include "support.h"

using namespace osgrid;
using namespace osgrid::test;

namespace {

/// A peer process stand-in on its own io thread: it registers like a peer
/// with 64 free cores, so the tracker places work on it, and answers every
/// CPU_TASK and CPU_BATCH with `reply` (given the request's id).
class LyingPeer {
 public:
  explicit LyingPeer(Json reply)
      : reply_(std::move(reply)), server_(io_, Options(), [this](const net::SessionPtr& s, Json r) { Answer(s, r); }) {
    REQUIRE(server_.Listen("127.0.0.1", 0).ok());
    thread_ = std::thread([this] { io_.run(); });
  }
  ~LyingPeer() {
    boost::asio::post(io_, [this] {
      server_.Stop();
      io_.stop();
    });
    thread_.join();
  }
  std::uint16_t port() const { return server_.port(); }
  int answered() const { return answered_; }

 private:
  static net::ServerOptions Options() {
    net::ServerOptions options;
    options.role = "peer";
    options.node = "peer-liar";
    options.serves = net::Served::kPeer;
    return options;
  }
  void Answer(const net::SessionPtr& session, const Json& request) {
    ++answered_;
    Json reply = reply_;
    if (reply.is_object()) reply["id"] = request["id"];
    session->Send(std::move(reply));
  }

  Json reply_;
  boost::asio::io_context io_;
  net::Server server_;
  std::thread thread_;
  std::atomic<int> answered_{0};
};

}  // namespace

TEST_CASE("a member that answers forwards out of protocol gets no task done, and the forwarding peer runs them",
          "[integration][cpu][hostile]") {
  // A type that is not a string, then entries that are not results.
  auto bad_reply = GENERATE(Json{{"type", 1}, {"results", Json::array()}},
                            Json{{"type", "BATCH_RESULT"}, {"results", {{{"ok", "yes"}}}}, {"result", {1, 2}}});
  INFO("the liar answers " << bad_reply.dump());
  auto cluster = StartCluster(1, /*peer_timeout_s=*/30);
  LyingPeer liar(bad_reply);
  auto tracker = Connect(cluster->tracker_port());
  MustCall(*tracker, {{"type", "REGISTER"}, {"peer_id", "peer-liar"}, {"port", liar.port()}, {"cores", 64}});
  MustCall(*tracker, {{"type", "HEARTBEAT"}, {"peer_id", "peer-liar"}, {"queue_length", 0}, {"running", 0}});

  auto peer = Connect(PortOf(*cluster, "peer-1"));
  net::CpuBatchRequest batch;
  for (int i = 0; i < 8; ++i) batch.tasks.push_back(net::MakeTask("def main(x): return x + 1", "main", {i}));
  auto ran = client::Batch(*peer, batch);
  INFO(ran.status().ToString());
  REQUIRE(ran.ok());
  CHECK(liar.answered() >= 1);  // the tracker did place work there
  REQUIRE(ran->value.results.size() == 8);
  for (std::size_t i = 0; i < 8; ++i) {
    INFO("task " << i);
    CHECK(ran->value.results[i].ok());
    CHECK(ran->value.results[i].result == static_cast<int>(i) + 1);
    CHECK(ran->value.results[i].peer == "peer-1");
  }

  // Single tasks go the same way; the peer is still serving after all of it.
  for (int i = 0; i < 3; ++i) {
    auto one = client::Cpu(*peer, {net::MakeTask("def main(): return 'ran'")});
    REQUIRE(one.ok());
    CHECK(one->value.result == "ran");
    CHECK(one->value.peer == "peer-1");
  }
  CHECK(client::NodeStatus(*peer).ok());
}
