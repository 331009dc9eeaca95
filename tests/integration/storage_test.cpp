// Memory and disk sharing on a live peer.
#include <catch2/catch.hpp>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "osgrid/net/file_transfer.h"
#include "osgrid/net/sha256.h"
#include "support.h"

using namespace osgrid;
using namespace osgrid::test;
using namespace std::chrono_literals;

namespace {

/// Writes `bytes` of pseudo-random data to `path`, 1 MiB at a time.
void WriteRandomFile(const std::string& path, std::uint64_t bytes) {
  std::ofstream out(path, std::ios::binary);
  std::mt19937_64 random(42);
  std::vector<std::uint64_t> block((1 << 20) / 8);
  for (std::uint64_t written = 0; written < bytes; written += 1 << 20) {
    for (auto& word : block) word = random();
    out.write(reinterpret_cast<const char*>(block.data()),
              static_cast<std::streamsize>(std::min<std::uint64_t>(1 << 20, bytes - written)));
  }
  REQUIRE(out.good());
}

}  // namespace

TEST_CASE("memory: set, get, list, delete, with JSON and string values", "[integration][memory]") {
  auto cluster = StartCluster(1);
  auto client = Connect(PortOf(*cluster, "peer-1"));
  MustCall(*client, {{"type", "SET_MEM"}, {"key", "greeting"}, {"value", "hello"}});
  MustCall(*client, {{"type", "SET_MEM"}, {"key", "config"}, {"value", {{"rounds", 3}}}});
  CHECK(MustCall(*client, {{"type", "GET_MEM"}, {"key", "greeting"}})["value"] == "hello");
  CHECK(MustCall(*client, {{"type", "GET_MEM"}, {"key", "config"}})["value"]["rounds"] == 3);
  Json list = MustCall(*client, {{"type", "LIST_MEM"}});
  REQUIRE(list["keys"].size() == 2);
  CHECK(list["keys"][0]["key"] == "config");
  MustCall(*client, {{"type", "DEL_MEM"}, {"key", "greeting"}});

  auto gone = client->Call({{"type", "GET_MEM"}, {"key", "greeting"}});
  CHECK(gone.status().code() == Code::kNotFound);
  CHECK(gone.status().message() == "no key 'greeting'");
  CHECK(client->Call({{"type", "DEL_MEM"}, {"key", "never"}}).status().code() == Code::kNotFound);
  CHECK(client->Call({{"type", "SET_MEM"}, {"key", ""}, {"value", 1}}).status().code() == Code::kBadRequest);
  CHECK(MustCall(*client, {{"type", "STATUS"}})["mem_entries"] == 1);
}

TEST_CASE("files: a 256 MiB file goes up and comes back with the same SHA-256", "[integration][files]") {
  auto cluster = StartCluster(1);
  auto client = Connect(PortOf(*cluster, "peer-1"));
  TempDir dir;
  const std::string original = dir.path + "/big.bin", copy = dir.path + "/copy.bin";
  WriteRandomFile(original, 256ull << 20);
  auto sha = net::Sha256File(original);
  REQUIRE(sha.ok());

  auto stored = net::PutFile(*client, "big.bin", original);
  INFO(stored.status().ToString());
  REQUIRE(stored.ok());
  CHECK(stored->at("size") == 256ull << 20);
  CHECK(stored->at("sha256") == *sha);

  auto fetched = net::GetFile(*client, "big.bin", copy);
  INFO(fetched.status().ToString());
  REQUIRE(fetched.ok());
  CHECK(fetched->at("sha256") == *sha);
  CHECK_FALSE(std::filesystem::exists(copy + ".part"));
  auto copy_sha = net::Sha256File(copy);
  REQUIRE(copy_sha.ok());
  CHECK(*copy_sha == *sha);
  CHECK(std::filesystem::file_size(copy) == 256ull << 20);

  Json list = MustCall(*client, {{"type", "LIST_FILES"}});
  REQUIRE(list["files"].size() == 1);
  CHECK(list["files"][0]["sha256"] == *sha);
  CHECK(MustCall(*client, {{"type", "STATUS"}})["disk_bytes"] == 256ull << 20);
}

/// The peer's storage folder (absolute), from STATUS.
std::string StorageDir(net::Client& client) { return MustCall(client, {{"type", "STATUS"}})["storage_dir"]; }

std::size_t EntriesIn(const std::string& dir) {
  return static_cast<std::size_t>(
      std::distance(std::filesystem::directory_iterator(dir), std::filesystem::directory_iterator()));
}

/// Waits (at most 5 s) for the peer's tmp/ to be empty: an abandoned upload
/// is deleted on a file thread, just after the peer notices.
bool TmpEmptied(const std::string& storage) {
  for (int i = 0; i < 500 && EntriesIn(storage + "/tmp") > 0; ++i) std::this_thread::sleep_for(10ms);
  return EntriesIn(storage + "/tmp") == 0;
}

TEST_CASE("files: bad names and unknown files are refused", "[integration][files]") {
  auto cluster = StartCluster(1);
  auto client = Connect(PortOf(*cluster, "peer-1"));
  for (std::string name : {"../escape", "a/b", "..", "line\nbreak", ""}) {
    auto reply = client->Call({{"type", "PUT_FILE"}, {"name", name}, {"size", 1}});
    INFO(name);
    CHECK(reply.status().code() == Code::kBadRequest);
  }
  auto unknown = client->Call({{"type", "GET_FILE"}, {"name", "nope.txt"}});
  CHECK(unknown.status().code() == Code::kNotFound);
  CHECK(unknown.status().message() == "no file 'nope.txt'");
  CHECK(client->Call({{"type", "DEL_FILE"}, {"name", "nope.txt"}}).status().code() == Code::kNotFound);
  auto stray = client->Call({{"type", "PUT_END"}, {"sha256", std::string(64, '0')}});
  CHECK(stray.status().code() == Code::kBadRequest);
  CHECK(stray.status().message() == "PUT_END outside an upload: it follows the data of a PUT_FILE");
}

TEST_CASE("files: a SHA-256 that does not match the data keeps nothing", "[integration][files]") {
  auto cluster = StartCluster(1);
  auto client = Connect(PortOf(*cluster, "peer-1"));
  const std::string storage = StorageDir(*client);
  const std::string data = "hello, world";
  std::string sent = data, declared = net::Sha256Hex(data);
  SECTION("a tampered hash") { declared = net::Sha256Hex("something else"); }
  SECTION("corrupted data") { sent[3] ^= 0x20; }

  Json ready = MustCall(*client, {{"type", "PUT_FILE"}, {"name", "x.txt"}, {"size", data.size()}});
  REQUIRE(ready["type"] == "PUT_READY");
  REQUIRE(client->SendChunk(sent).ok());
  REQUIRE(client->SendJson({{"type", "PUT_END"}, {"id", ready["id"]}, {"sha256", declared}}).ok());
  auto reply = client->ReadJson(5s);
  REQUIRE(reply.ok());
  CHECK(reply->at("id") == ready["id"]);
  CHECK(reply->at("code") == "INTEGRITY");
  CHECK(reply->at("message") ==
        "sha256 mismatch: the client sent " + declared + ", the data received hashes to " + net::Sha256Hex(sent));
  CHECK(MustCall(*client, {{"type", "LIST_FILES"}})["files"].empty());
  CHECK(EntriesIn(storage + "/files") == 0);
  CHECK(TmpEmptied(storage));
  CHECK(MustCall(*client, {{"type", "STATUS"}})["disk_bytes"] == 0);
}

TEST_CASE("files: an upload cut off midway leaves nothing behind", "[integration][files]") {
  auto cluster = StartCluster(1);
  std::uint16_t port = PortOf(*cluster, "peer-1");
  std::string storage;
  {
    auto client = Connect(port);
    storage = StorageDir(*client);
    REQUIRE(MustCall(*client, {{"type", "PUT_FILE"}, {"name", "half.bin"}, {"size", 3 << 20}})["type"] == "PUT_READY");
    REQUIRE(client->SendChunk(std::string(1 << 20, 'x')).ok());
  }  // connection dropped with 2 MiB still to come
  auto client = Connect(port);
  Json list = MustCall(*client, {{"type", "LIST_FILES"}});
  CHECK(list["files"].empty());
  CHECK(list["used_bytes"] == 0);
  CHECK(TmpEmptied(storage));
  // The reservation was released and the peer goes on: the same name can be stored in full.
  TempDir dir;
  std::ofstream(dir.path + "/half.bin") << std::string(3 << 20, 'x');
  CHECK(net::PutFile(*client, "half.bin", dir.path + "/half.bin").ok());
  CHECK(MustCall(*client, {{"type", "STATUS"}})["disk_bytes"] == 3 << 20);
}

TEST_CASE("files: a PING is answered while a large upload is in progress", "[integration][files]") {
  auto cluster = StartCluster(1);
  std::uint16_t port = PortOf(*cluster, "peer-1");
  TempDir dir;
  WriteRandomFile(dir.path + "/big.bin", 128ull << 20);
  auto uploader = Connect(port);
  auto pinger = Connect(port);
  std::atomic<bool> put_done{false};
  Result<Json> stored = Status::Internal("not run");
  std::thread put([&] {
    stored = net::PutFile(*uploader, "big.bin", dir.path + "/big.bin");
    put_done = true;
  });
  int pongs_during_put = 0;
  while (!put_done) {
    auto pong = pinger->Call({{"type", "PING"}}, 10s);
    REQUIRE(pong.ok());
    if (!put_done) ++pongs_during_put;
  }
  put.join();
  INFO(stored.status().ToString());
  REQUIRE(stored.ok());
  CHECK(stored->at("size") == 128ull << 20);
  CHECK(pongs_during_put > 0);
}
