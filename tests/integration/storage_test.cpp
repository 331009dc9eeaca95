// Memory and disk sharing on a live peer.
#include <catch2/catch.hpp>

#include <fstream>
#include <random>

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
  auto copy_sha = net::Sha256File(copy);
  REQUIRE(copy_sha.ok());
  CHECK(*copy_sha == *sha);
  CHECK(std::filesystem::file_size(copy) == 256ull << 20);

  Json list = MustCall(*client, {{"type", "LIST_FILES"}});
  REQUIRE(list["files"].size() == 1);
  CHECK(list["files"][0]["sha256"] == *sha);
  CHECK(MustCall(*client, {{"type", "STATUS"}})["disk_bytes"] == 256ull << 20);
}

TEST_CASE("files: bad names, unknown files and a wrong checksum are refused", "[integration][files]") {
  auto cluster = StartCluster(1);
  auto client = Connect(PortOf(*cluster, "peer-1"));
  const std::string zeros(64, '0');
  for (std::string name : {"../escape", "a/b", "..", "line\nbreak", ""}) {
    auto reply = client->Call({{"type", "PUT_FILE"}, {"name", name}, {"size", 1}, {"sha256", zeros}});
    INFO(name);
    CHECK(reply.status().code() == Code::kBadRequest);
  }
  auto unknown = client->Call({{"type", "GET_FILE"}, {"name", "nope.txt"}});
  CHECK(unknown.status().code() == Code::kNotFound);
  CHECK(unknown.status().message() == "no file 'nope.txt'");
  CHECK(client->Call({{"type", "DEL_FILE"}, {"name", "nope.txt"}}).status().code() == Code::kNotFound);

  // Declared SHA-256 does not match what arrives: nothing is kept.
  REQUIRE(MustCall(*client, {{"type", "PUT_FILE"}, {"name", "x.txt"}, {"size", 5}, {"sha256", zeros}})["type"] ==
          "PUT_READY");
  REQUIRE(client->SendChunk("hello").ok());
  auto reply = client->ReadJson(5s);
  REQUIRE(reply.ok());
  CHECK(reply->at("code") == "INTEGRITY");
  CHECK(MustCall(*client, {{"type", "LIST_FILES"}})["files"].empty());
}

TEST_CASE("files: an upload cut off midway leaves nothing behind", "[integration][files]") {
  auto cluster = StartCluster(1);
  std::uint16_t port = PortOf(*cluster, "peer-1");
  {
    auto client = Connect(port);
    std::string sha = net::Sha256Hex(std::string(3 << 20, 'x'));
    REQUIRE(
        MustCall(*client, {{"type", "PUT_FILE"}, {"name", "half.bin"}, {"size", 3 << 20}, {"sha256", sha}})["type"] ==
        "PUT_READY");
    REQUIRE(client->SendChunk(std::string(1 << 20, 'x')).ok());
  }  // connection dropped with 2 MiB still to come
  auto client = Connect(port);
  Json list = MustCall(*client, {{"type", "LIST_FILES"}});
  CHECK(list["files"].empty());
  CHECK(list["used_bytes"] == 0);
  // The reservation was released: the same name can be stored in full.
  TempDir dir;
  std::ofstream(dir.path + "/half.bin") << std::string(3 << 20, 'x');
  CHECK(net::PutFile(*client, "half.bin", dir.path + "/half.bin").ok());
}
