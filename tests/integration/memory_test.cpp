// The key-value memory of a live peer: an arena whose blocks an os/
// allocator places, checked against `osgrid sim mem` on the same sequence
// (docs/memory.md).
#include <signal.h>

#include <catch2/catch.hpp>

#include <chrono>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "support.h"

using namespace osgrid;
using namespace osgrid::test;

namespace {

constexpr int kArenaBytes = 4096;

/// One SET or DEL sent to the peer, and the same op as `osgrid sim mem -A` writes it.
struct KvOp {
  std::string key;
  int value_chars = -1;  // SET: a string of this many 'x'; -1: DEL
  std::string SimItem() const {
    if (value_chars < 0) return "-" + key;
    return key + "=" + std::to_string(key.size() + value_chars + 2);  // the value's JSON text: "x...x"
  }
};

/// A sequence that fills the 4 KiB arena, frees holes and overwrites keys,
/// so that some SETs fail (seeded: the same every run).
std::vector<KvOp> Workload(unsigned seed) {
  std::mt19937 random(seed);
  std::vector<KvOp> ops;
  for (int i = 0; i < 120; ++i) {
    KvOp op;
    op.key = "k" + std::to_string(random() % 16);
    if (random() % 6 != 0) op.value_chars = 1 + static_cast<int>(random() % 600);
    ops.push_back(op);
  }
  return ops;
}

/// Starts a standalone peer with the arena and allocator given.
struct ArenaPeer {
  explicit ArenaPeer(const std::string& allocator)
      : port(FreePort()),
        process({BinPath("osgrid-peer"), "--standalone", "--host", "127.0.0.1", "--port", std::to_string(port),
                 "--cores", "1", "--storage", dir.path + "/storage", "--mem-arena", std::to_string(kArenaBytes),
                 "--allocator", allocator},
                dir.path + "/peer.log"),
        client(process.Connect(port)) {}
  TempDir dir;
  std::uint16_t port;
  PeerProcess process;
  std::unique_ptr<net::Client> client;
};

}  // namespace

TEST_CASE("memory: a live peer's arena gives the addresses, failures and figures of osgrid sim mem",
          "[integration][memory]") {
  for (const std::string allocator : {"first", "best", "worst", "next"}) {
    ArenaPeer peer(allocator);
    const std::vector<KvOp> ops = Workload(7);
    std::vector<std::int64_t> live_addresses;  // -1: the op failed (SET) or found no key (DEL)
    std::vector<std::string> live_codes;
    std::string sim_list;
    for (const KvOp& op : ops) {
      Json request = op.value_chars < 0
                         ? Json{{"type", "DEL_MEM"}, {"key", op.key}}
                         : Json{{"type", "SET_MEM"}, {"key", op.key}, {"value", std::string(op.value_chars, 'x')}};
      auto reply = peer.client->Call(request);
      live_codes.push_back(reply.ok() ? "OK" : std::string(CodeName(reply.status().code())));
      live_addresses.push_back(reply.ok() && op.value_chars >= 0 ? (*reply)["address"].get<std::int64_t>() : -1);
      sim_list += (sim_list.empty() ? "" : ",") + op.SimItem();
    }
    std::string policy = allocator;
    for (char& c : policy) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    auto sim = RunOsgrid({"sim", "mem", "-S", std::to_string(kArenaBytes), "-b", "0", "-H", "24", "-a", "8", "-C", "-p",
                          policy, "-A", sim_list, "-c", "--json"});
    REQUIRE(sim.exit_code == 0);
    const Json simulated = JsonOut(sim);
    INFO("allocator " << allocator << ", ops " << sim_list);

    int failures = 0;
    for (std::size_t i = 0; i < ops.size(); ++i) {
      const Json& step = simulated["ops"][i];
      INFO("op " << i << ": " << ops[i].SimItem() << ", live " << live_codes[i]);
      if (ops[i].value_chars < 0) {
        CHECK((live_codes[i] == "OK") == (step["returned"] == 0));  // a DEL of an unknown key is skipped in both
        continue;
      }
      CHECK(live_addresses[i] == step["addr"].get<std::int64_t>());
      if (step["failure"].is_null()) continue;
      ++failures;
      CHECK(live_codes[i] == (step["failure"] == "external fragmentation" ? "FRAGMENTATION" : "LIMIT"));
    }
    CHECK(failures > 0);  // the workload reaches the arena's limits

    const Json map = MustCall(*peer.client, {{"type", "MEM_MAP"}});
    CHECK(map["free_bytes"] == simulated["free_bytes"]);
    CHECK(map["free_holes"] == simulated["free_blocks"]);
    CHECK(map["largest_hole"] == simulated["largest_free_block"]);
    CHECK(map["used_bytes"] == simulated["allocated_bytes"]);
    CHECK(map["external_fragmentation"].get<double>() ==
          Approx(simulated["external_fragmentation"].get<double>()).margin(1e-12));
    REQUIRE(map["blocks"].size() == simulated["blocks"].size());
    for (std::size_t b = 0; b < map["blocks"].size(); ++b) {
      CHECK(map["blocks"][b]["address"] == simulated["blocks"][b]["addr"]);
      CHECK(map["blocks"][b]["size"] == simulated["blocks"][b]["size"]);
      CHECK(map["blocks"][b].value("key", "") == simulated["blocks"][b].value("key", ""));
    }
  }
}

TEST_CASE("memory: a SET refused for external fragmentation succeeds after mem compact, and every value survives",
          "[integration][memory]") {
  ArenaPeer peer("first");
  std::vector<std::string> keys;
  for (int i = 0; i < 8; ++i) {  // 8 blocks of 512 bytes fill the 4 KiB arena
    keys.push_back("key" + std::to_string(i));
    MustCall(*peer.client, {{"type", "SET_MEM"}, {"key", keys.back()}, {"value", std::string(480, 'a' + i)}});
  }
  for (int i : {1, 3, 5}) MustCall(*peer.client, {{"type", "DEL_MEM"}, {"key", keys[i]}});
  auto refused = peer.client->Call({{"type", "SET_MEM"}, {"key", "big"}, {"value", std::string(1000, 'z')}});
  REQUIRE(refused.status().code() == Code::kFragmented);
  CHECK(refused.status().message() == "external fragmentation: need 1,032 B; 1,536 B free in 3 holes, largest 512 B");

  auto compact = At(peer.port, {"mem", "compact"});
  REQUIRE(compact.exit_code == 0);
  CHECK(compact.out.find("4 blocks moved") != std::string::npos);
  CHECK(compact.out.find("key2") != std::string::npos);
  MustCall(*peer.client, {{"type", "SET_MEM"}, {"key", "big"}, {"value", std::string(1000, 'z')}});
  for (int i : {0, 2, 4, 6, 7}) {
    CHECK(MustCall(*peer.client, {{"type", "GET_MEM"}, {"key", keys[i]}})["value"] == std::string(480, 'a' + i));
  }
  CHECK(MustCall(*peer.client, {{"type", "GET_MEM"}, {"key", "big"}})["value"] == std::string(1000, 'z'));

  auto map = At(peer.port, {"mem", "map"});
  REQUIRE(map.exit_code == 0);
  CHECK(map.out.find("external fragmentation 0.00") != std::string::npos);
  CHECK(map.out.find("refused so far: 1 for external fragmentation") != std::string::npos);
  CHECK(map.out.find("A=key0 0+512") != std::string::npos);
}

TEST_CASE("memory: the old --mem-limit and bad arenas are refused before the peer serves", "[integration][memory]") {
  TempDir dir;
  for (const std::vector<std::string>& flags :
       std::vector<std::vector<std::string>>{{"--mem-limit", "1000"},
                                             {"--mem-arena", "16"},
                                             {"--allocator", "fastest"},
                                             {"--allocator", "buddy", "--mem-arena", "1000"}}) {
    std::vector<std::string> argv = {"--standalone", "--port", std::to_string(FreePort()), "--storage",
                                     dir.path + "/storage"};
    argv.insert(argv.end(), flags.begin(), flags.end());
    auto run = RunProgram(BinPath("osgrid-peer"), argv);
    INFO(flags.front() << ": " << run.err);
    CHECK(run.exit_code == 2);
  }
  auto gone = RunProgram(BinPath("osgrid-peer"), {"--standalone", "--mem-limit", "1000"});
  CHECK(gone.err.find("--mem-limit is gone") != std::string::npos);
  CHECK(gone.err.find("--mem-arena SIZE") != std::string::npos);
}

TEST_CASE("memory: a peer killed with kill -9 serves every acknowledged key after a restart",
          "[integration][memory][persist]") {
  TempDir dir;
  const std::uint16_t port = FreePort();
  const std::vector<std::string> argv = {
      BinPath("osgrid-peer"), "--standalone", "--host",      "127.0.0.1", "--port",
      std::to_string(port),   "--cores",      "1",           "--storage", dir.path + "/storage",
      "--mem-arena",          "65536",        "--allocator", "best"};
  auto first = std::make_unique<PeerProcess>(argv, dir.path + "/first.log");
  auto client = first->Connect(port);
  std::map<std::string, Json> acknowledged;  // what the peer said OK to, last value per key
  for (int i = 0; i < 600; ++i) {
    const std::string key = "key-" + std::to_string(i % 60);
    if (i % 7 == 3) {
      if (client->Call({{"type", "DEL_MEM"}, {"key", key}}).ok()) acknowledged.erase(key);
      continue;
    }
    const Json value = {{"i", i}, {"pad", std::string(static_cast<std::size_t>(i % 300), 'p')}};
    if (client->Call({{"type", "SET_MEM"}, {"key", key}, {"value", value}}).ok()) acknowledged[key] = value;
  }
  REQUIRE(acknowledged.size() > 40);
  REQUIRE(kill(first->pid(), SIGKILL) == 0);
  client.reset();
  first.reset();  // reaps it

  PeerProcess second(argv, dir.path + "/second.log");
  auto again = second.Connect(port);
  const Json list = MustCall(*again, {{"type", "LIST_MEM"}});
  CHECK(list["entries"] == acknowledged.size());
  for (const auto& [key, value] : acknowledged) {
    INFO(key);
    CHECK(MustCall(*again, {{"type", "GET_MEM"}, {"key", key}})["value"] == value);
  }
  CHECK(second.Log().find(std::to_string(acknowledged.size()) + " keys restored") != std::string::npos);
}

TEST_CASE("memory: the tracker's snapshot shows each peer's arena, also for keys a restarted peer kept",
          "[integration][memory][events]") {
  auto cluster = StartCluster(0);  // the tracker alone; the peer is this test's, to restart it on its storage
  TempDir dir;
  const std::uint16_t port = FreePort();
  const std::vector<std::string> argv = {BinPath("osgrid-peer"),
                                         "--host",
                                         "127.0.0.1",
                                         "--port",
                                         std::to_string(port),
                                         "--tracker",
                                         "127.0.0.1:" + std::to_string(cluster->tracker_port()),
                                         "--name",
                                         "arena",
                                         "--cores",
                                         "1",
                                         "--storage",
                                         dir.path + "/storage",
                                         "--heartbeat-interval",
                                         "0.3"};
  const std::vector<os::events::ArenaBlock> expected = {{0, 32, "a"}, {32, 32, "c"}};
  // The snapshot a new subscriber gets shows the arena once the peer's events
  // reached the tracker (they go with its next flush): look until it does.
  auto snapshot_shows = [&] {
    for (int attempt = 0; attempt < 50; ++attempt) {
      Watcher watcher = Watch(cluster->tracker_port(), {"mem."});
      for (const auto& peer : watcher.events->snapshot().peers) {
        if (peer.peer == "arena" && peer.arena == expected && peer.mem_allocator == "first") return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  };
  auto first = std::make_unique<PeerProcess>(argv, dir.path + "/first.log");
  auto client = first->Connect(port);
  for (const char* key : {"a", "b", "c"}) MustCall(*client, {{"type", "SET_MEM"}, {"key", key}, {"value", 1}});
  MustCall(*client, {{"type", "DEL_MEM"}, {"key", "b"}});
  MustCall(*client, {{"type", "MEM_COMPACT"}});
  CHECK(snapshot_shows());

  // Killed and started again on the same storage: it tells the tracker its kept keys anew.
  REQUIRE(kill(first->pid(), SIGKILL) == 0);
  client.reset();
  first.reset();
  PeerProcess second(argv, dir.path + "/second.log");
  auto again = second.Connect(port);
  CHECK(MustCall(*again, {{"type", "GET_MEM"}, {"key", "c"}})["value"] == 1);
  CHECK(snapshot_shows());
}
