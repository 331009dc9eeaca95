#include "osgrid/peer/file_store.h"

#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <cctype>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "osgrid/net/messages.h"
#include "osgrid/net/sha256.h"

namespace osgrid::peer {
namespace {

namespace fs = std::filesystem;

/// A fresh directory under the system temp dir, deleted with everything in it.
class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    path_ = fs::temp_directory_path() /
            ("osgrid-file-store-test-" + std::to_string(::getpid()) + "-" + std::to_string(++counter));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  const fs::path& path() const { return path_; }
  std::string str() const { return path_.string(); }

 private:
  fs::path path_;
};

std::unique_ptr<FileStore> OpenStore(const TempDir& dir, std::uint64_t limit = params::kDiskLimitBytes) {
  auto store = FileStore::Open(dir.str(), limit);
  REQUIRE(store.ok());
  return std::move(store).value();
}

/// Uploads `content` in chunks of `chunk_bytes`, then commits with its true SHA-256.
Result<FileInfo> Put(FileStore& store, const std::string& name, const std::string& content,
                     std::size_t chunk_bytes = 7) {
  auto upload = store.BeginUpload(name, content.size());
  if (!upload.ok()) return upload.status();
  for (std::size_t at = 0; at < content.size(); at += chunk_bytes) {
    Status status = upload.value()->Write(std::string_view(content).substr(at, chunk_bytes));
    if (!status.ok()) return status;
  }
  return upload.value()->Commit(net::Sha256Hex(content));
}

/// Downloads `name` whole, in chunks of `chunk_bytes`.
Result<std::string> Get(FileStore& store, const std::string& name, std::size_t chunk_bytes = 13) {
  auto download = store.OpenDownload(name);
  if (!download.ok()) return download.status();
  std::string content;
  std::string buffer(chunk_bytes, '\0');
  while (true) {
    Result<std::size_t> got = download.value()->Read(buffer);
    if (!got.ok()) return got.status();
    if (got.value() == 0) return content;
    REQUIRE(got.value() <= chunk_bytes);
    content.append(buffer, 0, got.value());
  }
}

std::size_t CountEntries(const fs::path& dir) {
  return static_cast<std::size_t>(std::distance(fs::directory_iterator(dir), fs::directory_iterator()));
}

std::string Pattern(std::size_t size, char seed) {
  std::string text(size, '\0');
  for (std::size_t i = 0; i < size; ++i) text[i] = static_cast<char>(seed + i % 31);
  return text;
}

// ---------------------------------------------------------------------------

TEST_CASE("ValidateFileName accepts plain names and rejects unsafe ones", "[files]") {
  const std::vector<std::string> good_names = {
      "a.txt", "data-2024_v1.csv", ".hidden", "a.b.c", "ünïcode.txt", std::string(255, 'n'),
  };
  for (const std::string& good : good_names) {
    INFO("name: " << good);
    CHECK(ValidateFileName(good).ok());
  }
  struct Case {
    std::string name;
    std::string message_part;
  };
  const std::vector<Case> bad_names = {
      {"", "empty"},
      {std::string(256, 'n'), "256 bytes, over the limit of 255"},
      {"../x", "contains '/'"},
      {"a/b", "contains '/'"},
      {"..", "is not allowed"},
      {".", "is not allowed"},
      {"a..b", "contains '..'"},
      {"a\nb", "control character"},
      {std::string("a\0b", 3), "control character"},
      {"del\x7f", "control character"},
      {"bad\xff", "not valid UTF-8"},
      {"overlong\xc0\xaf", "not valid UTF-8"},
  };
  for (const Case& bad : bad_names) {
    INFO("name: " << net::Sanitize(bad.name));
    const Status status = ValidateFileName(bad.name);
    CHECK(status.code() == Code::kBadRequest);
    CHECK_THAT(status.message(), Catch::Contains(bad.message_part));
  }
}

TEST_CASE("a file uploaded in chunks downloads unchanged", "[files]") {
  TempDir dir;
  auto store = OpenStore(dir);
  const std::string content = Pattern(1000, 'a');

  Result<FileInfo> stored = Put(*store, "notes.txt", content, 7);
  REQUIRE(stored.ok());
  CHECK(stored->name == "notes.txt");
  CHECK(stored->size == 1000);
  CHECK(stored->sha256 == net::Sha256Hex(content));
  CHECK(stored->mtime_ms > 0);

  CHECK(Get(*store, "notes.txt", 13).value() == content);
  CHECK(Get(*store, "notes.txt", 1 << 20).value() == content);
  CHECK(store->count() == 1);
  CHECK(store->used_bytes() == 1000);
  CHECK(store->reserved_bytes() == 0);
  CHECK(store->Stat("notes.txt").value().sha256 == stored->sha256);
  CHECK(fs::file_size(dir.path() / "files" / "notes.txt") == 1000);
  CHECK(fs::exists(dir.path() / "meta" / "notes.txt.json"));
  CHECK(CountEntries(dir.path() / "tmp") == 0);
}

TEST_CASE("an empty file round-trips", "[files]") {
  TempDir dir;
  auto store = OpenStore(dir);
  REQUIRE(Put(*store, "empty", "").ok());
  CHECK(Get(*store, "empty").value().empty());
  CHECK(store->Stat("empty").value().sha256 == net::Sha256Hex(""));
}

TEST_CASE("a SHA-256 mismatch is INTEGRITY and keeps nothing", "[files]") {
  TempDir dir;
  auto store = OpenStore(dir);
  const std::string declared = net::Sha256Hex("what the client promised");
  auto upload = store->BeginUpload("x.bin", 5);
  REQUIRE(upload.ok());
  CHECK(store->reserved_bytes() == 5);
  REQUIRE(upload.value()->Write("hello").ok());
  CHECK(CountEntries(dir.path() / "tmp") == 1);

  Result<FileInfo> committed = upload.value()->Commit(declared);
  REQUIRE_FALSE(committed.ok());
  CHECK(committed.status().code() == Code::kIntegrity);
  CHECK(committed.status().message() ==
        "sha256 mismatch: the client sent " + declared + ", the data received hashes to " + net::Sha256Hex("hello"));
  CHECK(store->List().empty());
  CHECK(store->reserved_bytes() == 0);
  CHECK(store->used_bytes() == 0);
  CHECK(CountEntries(dir.path() / "files") == 0);
  CHECK(CountEntries(dir.path() / "meta") == 0);
  CHECK(CountEntries(dir.path() / "tmp") == 0);
  CHECK(upload.value()->Commit(net::Sha256Hex("hello")).status().code() == Code::kIntegrity);  // stays failed
}

TEST_CASE("a mismatch leaves the old file of that name untouched", "[files]") {
  TempDir dir;
  auto store = OpenStore(dir);
  REQUIRE(Put(*store, "keep", "old contents").ok());
  auto upload = store->BeginUpload("keep", 3);
  REQUIRE(upload.ok());
  REQUIRE(upload.value()->Write("abd").ok());
  CHECK(upload.value()->Commit(net::Sha256Hex("abc")).status().code() == Code::kIntegrity);
  CHECK(Get(*store, "keep").value() == "old contents");
}

TEST_CASE("more bytes than declared is BAD_REQUEST, fewer fails the commit", "[files]") {
  TempDir dir;
  auto store = OpenStore(dir);
  {
    auto upload = store->BeginUpload("five", 5);
    REQUIRE(upload.ok());
    REQUIRE(upload.value()->Write("1234").ok());
    const Status status = upload.value()->Write("56");
    CHECK(status.code() == Code::kBadRequest);
    CHECK_THAT(status.message(), Catch::Contains("declared 5 bytes but more arrived (6 so far)"));
    CHECK(upload.value()->Commit(net::Sha256Hex("12345")).status().code() == Code::kBadRequest);
    CHECK(store->reserved_bytes() == 0);
  }
  {
    auto upload = store->BeginUpload("five", 5);
    REQUIRE(upload.ok());
    REQUIRE(upload.value()->Write("123").ok());
    const Result<FileInfo> committed = upload.value()->Commit(net::Sha256Hex("123"));
    CHECK(committed.status().code() == Code::kBadRequest);
    CHECK_THAT(committed.status().message(), Catch::Contains("ended after 3 of 5 bytes"));
  }
  CHECK(store->List().empty());
  CHECK(CountEntries(dir.path() / "tmp") == 0);
}

TEST_CASE("Append and Digest on two threads make a Write", "[files]") {
  TempDir dir;
  auto store = OpenStore(dir);
  const std::string content = Pattern(5000, 'q');
  auto upload = store->BeginUpload("split", content.size());
  REQUIRE(upload.ok());
  std::thread hasher([&] {
    for (std::size_t at = 0; at < content.size(); at += 100) upload.value()->Digest(content.substr(at, 100));
  });
  for (std::size_t at = 0; at < content.size(); at += 100)
    REQUIRE(upload.value()->Append(content.substr(at, 100)).ok());
  hasher.join();
  Result<FileInfo> stored = upload.value()->Commit(net::Sha256Hex(content));
  REQUIRE(stored.ok());
  CHECK(Get(*store, "split").value() == content);

  // What Commit() checks is what Digest() saw: a chunk it missed fails the upload.
  auto partial = store->BeginUpload("partial", 6);
  REQUIRE(partial.ok());
  REQUIRE(partial.value()->Append("abc").ok());
  REQUIRE(partial.value()->Append("def").ok());
  partial.value()->Digest("abc");
  CHECK(partial.value()->Commit(net::Sha256Hex("abcdef")).status().code() == Code::kIntegrity);
  CHECK(store->Stat("partial").status().code() == Code::kNotFound);
}

TEST_CASE("BeginUpload rejects bad names, Commit rejects bad digests and keeps nothing", "[files]") {
  TempDir dir;
  auto store = OpenStore(dir);
  CHECK(store->BeginUpload("../escape", 1).status().code() == Code::kBadRequest);
  for (const std::string& bad : {std::string("abc"), std::string(64, 'g')}) {
    auto upload = store->BeginUpload("ok", 1);
    REQUIRE(upload.ok());
    REQUIRE(upload.value()->Write("x").ok());
    CHECK(upload.value()->Commit(bad).status().code() == Code::kBadRequest);
    CHECK(store->List().empty());
    CHECK(CountEntries(dir.path() / "tmp") == 0);
  }

  // Upper-case hex is accepted and stored in lower case.
  std::string upper = net::Sha256Hex("x");
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  auto upload = store->BeginUpload("ok", 1);
  REQUIRE(upload.ok());
  REQUIRE(upload.value()->Write("x").ok());
  CHECK(upload.value()->Commit(upper).value().sha256 == net::Sha256Hex("x"));
}

TEST_CASE("the limit counts reservations of uploads in progress", "[files]") {
  TempDir dir;
  auto store = OpenStore(dir, 100);
  const std::string sixty = Pattern(60, 'a');
  const std::string fifty = Pattern(50, 'b');

  auto first = store->BeginUpload("first", 60);
  REQUIRE(first.ok());
  CHECK(store->reserved_bytes() == 60);

  auto second = store->BeginUpload("second", 50);
  REQUIRE_FALSE(second.ok());
  CHECK(second.status().code() == Code::kLimit);
  CHECK_THAT(second.status().message(), Catch::StartsWith("disk limit of 100 bytes reached: 60 used, 50 requested"));

  first.value().reset();  // abort: the reservation is freed
  CHECK(store->reserved_bytes() == 0);
  CHECK(CountEntries(dir.path() / "tmp") == 0);

  second = store->BeginUpload("second", 50);
  REQUIRE(second.ok());
  REQUIRE(second.value()->Write(fifty).ok());
  REQUIRE(second.value()->Commit(net::Sha256Hex(fifty)).ok());
  CHECK(store->used_bytes() == 50);
  CHECK(store->reserved_bytes() == 0);

  CHECK(store->BeginUpload("big", 51).status().code() == Code::kLimit);
  CHECK(store->BeginUpload("huge", UINT64_MAX).status().code() == Code::kLimit);
  CHECK(Put(*store, "rest", Pattern(50, 'c')).ok());  // exactly to the limit
  CHECK(store->used_bytes() == 100);
}

TEST_CASE("replacing a file counts its old size as freeable", "[files]") {
  TempDir dir;
  auto store = OpenStore(dir, 100);
  REQUIRE(Put(*store, "data", Pattern(80, 'a')).ok());

  const std::string larger = Pattern(90, 'z');
  auto upload = store->BeginUpload("data", 90);
  REQUIRE(upload.ok());  // 80 freeable: 0 + 90 <= 100
  // Until the commit both the old file and the reservation count.
  CHECK(store->BeginUpload("other", 1).status().code() == Code::kLimit);

  REQUIRE(upload.value()->Write(larger).ok());
  Result<FileInfo> replaced = upload.value()->Commit(net::Sha256Hex(larger));
  REQUIRE(replaced.ok());
  CHECK(store->count() == 1);
  CHECK(store->used_bytes() == 90);
  CHECK(store->Stat("data").value().sha256 == net::Sha256Hex(larger));
  CHECK(Get(*store, "data").value() == larger);
  CHECK(fs::file_size(dir.path() / "files" / "data") == 90);
}

TEST_CASE("delete removes the file and its metadata", "[files]") {
  TempDir dir;
  auto store = OpenStore(dir);
  REQUIRE(Put(*store, "gone", "bye").ok());
  REQUIRE(Put(*store, "stays", "hi").ok());

  REQUIRE(store->Delete("gone").ok());
  CHECK(store->count() == 1);
  CHECK(store->used_bytes() == 2);
  CHECK_FALSE(fs::exists(dir.path() / "files" / "gone"));
  CHECK_FALSE(fs::exists(dir.path() / "meta" / "gone.json"));

  const Status again = store->Delete("gone");
  CHECK(again.code() == Code::kNotFound);
  CHECK(again.message() == "no file 'gone'");
  CHECK(store->OpenDownload("gone").status().code() == Code::kNotFound);
  CHECK(store->Stat("gone").status().code() == Code::kNotFound);
  CHECK(store->Delete("a/b").code() == Code::kBadRequest);
}

TEST_CASE("list is sorted by name", "[files]") {
  TempDir dir;
  auto store = OpenStore(dir);
  for (const char* name : {"b", "c", "a"}) REQUIRE(Put(*store, name, name).ok());
  const auto list = store->List();
  REQUIRE(list.size() == 3);
  CHECK(list[0].name == "a");
  CHECK(list[1].name == "b");
  CHECK(list[2].name == "c");
  CHECK(list[2].sha256 == net::Sha256Hex("c"));
}

TEST_CASE("an open download reads the file it opened, even if deleted", "[files]") {
  TempDir dir;
  auto store = OpenStore(dir);
  REQUIRE(Put(*store, "f", "first version").ok());
  auto download = store->OpenDownload("f");
  REQUIRE(download.ok());
  REQUIRE(store->Delete("f").ok());

  std::string content;
  char buffer[4];
  for (auto got = download.value()->Read(buffer); got.ok() && got.value() > 0; got = download.value()->Read(buffer)) {
    content.append(buffer, got.value());
  }
  CHECK(content == "first version");
  CHECK(download.value()->Read(buffer).value() == 0);  // stays at the end
}

TEST_CASE("a download notices a file changed on disk behind the store's back", "[files]") {
  TempDir dir;
  auto store = OpenStore(dir);
  REQUIRE(Put(*store, "f", "0123456789").ok());
  auto download = store->OpenDownload("f");
  REQUIRE(download.ok());
  {
    std::fstream same_inode(dir.path() / "files" / "f", std::ios::in | std::ios::out | std::ios::binary);
    same_inode.seekp(5);
    same_inode << "X";
  }
  char buffer[100];
  Result<std::size_t> got = download.value()->Read(buffer);
  REQUIRE(got.ok());
  CHECK(got.value() == 10);
  got = download.value()->Read(buffer);
  REQUIRE_FALSE(got.ok());
  CHECK(got.status().code() == Code::kIntegrity);
  CHECK_THAT(got.status().message(), Catch::StartsWith("file 'f' changed on disk: sha256 mismatch"));
}

TEST_CASE("a reopened store sees the same files", "[files]") {
  TempDir dir;
  std::vector<FileInfo> before;
  std::uint64_t used_before = 0;
  {
    auto store = OpenStore(dir);
    REQUIRE(Put(*store, "one", Pattern(100, 'a')).ok());
    REQUIRE(Put(*store, "two", Pattern(2000, 'b')).ok());
    REQUIRE(Put(*store, std::string(255, 'L'), "long name").ok());  // metadata under a hashed name
    before = store->List();
    used_before = store->used_bytes();
  }
  auto store = OpenStore(dir);
  const auto after = store->List();
  REQUIRE(after.size() == before.size());
  for (std::size_t i = 0; i < after.size(); ++i) {
    CHECK(after[i].name == before[i].name);
    CHECK(after[i].size == before[i].size);
    CHECK(after[i].sha256 == before[i].sha256);
    CHECK(after[i].mtime_ms == before[i].mtime_ms);
  }
  CHECK(store->used_bytes() == used_before);
  CHECK(Get(*store, "two").value() == Pattern(2000, 'b'));
  CHECK(CountEntries(dir.path() / "meta") == 3);
  const std::string long_meta = "long.." + net::Sha256Hex(std::string(255, 'L')) + ".json";
  CHECK(fs::exists(dir.path() / "meta" / long_meta));
}

TEST_CASE("open repairs metadata and removes stale temporary files", "[files]") {
  TempDir dir;
  {
    auto store = OpenStore(dir);
    REQUIRE(Put(*store, "lost-meta", "aaa").ok());
    REQUIRE(Put(*store, "bad-meta", "bbb").ok());
  }
  fs::remove(dir.path() / "meta" / "lost-meta.json");
  std::ofstream(dir.path() / "meta" / "bad-meta.json") << "{not json";
  std::ofstream(dir.path() / "meta" / "ghost.json") << R"({"name":"ghost","size":1})";
  std::ofstream(dir.path() / "files" / "copied-in") << "by hand";
  std::ofstream(dir.path() / "tmp" / "123-4.upload") << "half an upload";

  auto store = OpenStore(dir);
  CHECK(store->count() == 3);
  CHECK(store->Stat("lost-meta").value().sha256 == net::Sha256Hex("aaa"));
  CHECK(store->Stat("bad-meta").value().sha256 == net::Sha256Hex("bbb"));
  CHECK(store->Stat("copied-in").value().sha256 == net::Sha256Hex("by hand"));
  CHECK(store->used_bytes() == 3 + 3 + 7);
  CHECK(fs::exists(dir.path() / "meta" / "lost-meta.json"));
  CHECK(fs::exists(dir.path() / "meta" / "copied-in.json"));
  CHECK_FALSE(fs::exists(dir.path() / "meta" / "ghost.json"));
  CHECK(CountEntries(dir.path() / "tmp") == 0);
}

TEST_CASE("open reports a directory it cannot create as IO", "[files]") {
  TempDir dir;
  std::ofstream(dir.path() / "plain-file") << "x";
  auto store = FileStore::Open((dir.path() / "plain-file").string());
  REQUIRE_FALSE(store.ok());
  CHECK(store.status().code() == Code::kIo);
  CHECK_THAT(store.status().message(), Catch::Contains("plain-file"));
}

TEST_CASE("an upload may finish after its store is gone", "[files]") {
  TempDir dir;
  auto store = OpenStore(dir);
  auto upload = store->BeginUpload("late", 4);
  REQUIRE(upload.ok());
  store.reset();
  REQUIRE(upload.value()->Write("late").ok());
  REQUIRE(upload.value()->Commit(net::Sha256Hex("late")).ok());
  CHECK(Get(*OpenStore(dir), "late").value() == "late");
}

TEST_CASE("uploads, deletes and listings from several threads agree", "[files]") {
  TempDir dir;
  auto store = OpenStore(dir);
  std::atomic<bool> done{false};
  std::atomic<int> listings{0};
  bool torn = false;
  std::thread lister([&] {  // what the io thread does meanwhile: no disk I/O, never a torn index
    while (!done) {
      std::uint64_t listed = 0;
      for (const FileInfo& info : store->List()) listed += info.size;
      torn = torn || listed > 6 * 300 || store->used_bytes() > 6 * 300;
      ++listings;
    }
  });
  std::vector<std::thread> writers;
  for (int w = 0; w < 2; ++w) {
    writers.emplace_back([&, w] {
      for (int i = 0; i < 20; ++i) {
        const std::string content = Pattern(100 + static_cast<std::size_t>(i % 3) * 100, static_cast<char>('a' + w));
        CHECK(Put(*store, "shared-" + std::to_string(i % 4), content).ok());  // both threads replace these
        CHECK(Put(*store, "own-" + std::to_string(w), content).ok());
        if (i % 5 == 4) CHECK(store->Delete("own-" + std::to_string(w)).ok());
      }
    });
  }
  for (auto& writer : writers) writer.join();
  done = true;
  lister.join();
  CHECK_FALSE(torn);
  CHECK(listings > 0);

  // The index, the files and the metadata say the same, also after reopening.
  std::uint64_t total = 0;
  for (const FileInfo& info : store->List()) {
    CHECK(net::Sha256File((dir.path() / "files" / info.name).string()).value() == info.sha256);
    total += info.size;
  }
  CHECK(store->used_bytes() == total);
  CHECK(store->reserved_bytes() == 0);
  CHECK(CountEntries(dir.path() / "tmp") == 0);
  const auto before = store->List();
  store.reset();
  const auto after = OpenStore(dir)->List();
  REQUIRE(after.size() == before.size());
  for (std::size_t i = 0; i < after.size(); ++i) CHECK(after[i].sha256 == before[i].sha256);
}

// AddressSanitizer keeps freed memory in quarantine, so peak memory measures
// nothing under it.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kAddressSanitizer = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kAddressSanitizer = true;
#else
constexpr bool kAddressSanitizer = false;
#endif
#else
constexpr bool kAddressSanitizer = false;
#endif

long MaxResidentKiB() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;  // KiB on Linux
}

TEST_CASE("a 64 MiB file streams through in O(chunk) memory", "[files]") {
  TempDir dir;
  auto store = OpenStore(dir);
  constexpr std::uint64_t kFileBytes = 64ull << 20;
  constexpr std::size_t kChunk = params::kChunkBytes;

  // The digest is computed once independently, over the same generator.
  auto generate = [](std::mt19937_64& random, std::string& chunk) {
    for (std::size_t i = 0; i + 8 <= chunk.size(); i += 8) {
      const std::uint64_t word = random();
      std::memcpy(chunk.data() + i, &word, 8);
    }
  };
  std::string chunk(kChunk, '\0');
  std::mt19937_64 random(2024);
  net::Sha256 expected;
  for (std::uint64_t sent = 0; sent < kFileBytes; sent += kChunk) {
    generate(random, chunk);
    expected.Update(chunk);
  }
  const std::string expected_hex = expected.HexDigest();
  const long resident_before_kib = MaxResidentKiB();

  auto upload = store->BeginUpload("big.bin", kFileBytes);
  REQUIRE(upload.ok());
  random.seed(2024);
  for (std::uint64_t sent = 0; sent < kFileBytes; sent += kChunk) {
    generate(random, chunk);
    REQUIRE(upload.value()->Write(chunk).ok());
  }
  REQUIRE(upload.value()->Commit(expected_hex).ok());

  auto download = store->OpenDownload("big.bin");
  REQUIRE(download.ok());
  net::Sha256 received;
  std::uint64_t received_bytes = 0;
  while (true) {
    Result<std::size_t> got = download.value()->Read(chunk);
    REQUIRE(got.ok());
    if (got.value() == 0) break;
    received.Update(std::string_view(chunk.data(), got.value()));
    received_bytes += got.value();
  }
  CHECK(received_bytes == kFileBytes);
  CHECK(received.HexDigest() == expected_hex);
  CHECK(net::Sha256File((dir.path() / "files" / "big.bin").string()).value() == expected_hex);
  // Holding the file in memory would raise the peak by 64 MiB.
  if (!kAddressSanitizer) CHECK(MaxResidentKiB() - resident_before_kib < 16 * 1024);
}

}  // namespace
}  // namespace osgrid::peer
