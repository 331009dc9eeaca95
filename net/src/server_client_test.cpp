// The server and client in one process: a real socket on loopback, the server
// on its own io thread, the blocking client on the test thread.
#include <sys/types.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <future>
#include <iterator>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <thread>

#include "asio.h"
#include "osgrid/net/client.h"
#include "osgrid/net/file_transfer.h"
#include "osgrid/net/frame.h"
#include "osgrid/net/server.h"
#include "osgrid/net/sha256.h"
#include "osgrid/net/testing/raw_connection.h"

using namespace osgrid;
using namespace osgrid::net;
using namespace std::chrono_literals;

namespace {

/// What the test server's stream ends saw, shared with the test.
struct StreamProbe {
  std::mutex mutex;
  std::set<std::thread::id> threads;  // where sinks and sources ran
  std::promise<void> gate;            // "block" uploads wait for it
  std::shared_future<void> opened = gate.get_future().share();

  void Saw() {
    std::lock_guard<std::mutex> lock(mutex);
    threads.insert(std::this_thread::get_id());
  }
};

/// Keeps an upload in memory. The name picks a behaviour: "fail-write"
/// fails the first Write(); "block" waits for the probe's gate in each.
class MemorySink final : public UploadSink {
 public:
  MemorySink(std::string name, std::shared_ptr<StreamProbe> probe) : name_(std::move(name)), probe_(std::move(probe)) {}
  Result<Json> Open() override {
    probe_->Saw();
    return Json{{"type", "PUT_READY"}};
  }
  Status Write(std::string_view chunk) override {
    probe_->Saw();
    if (name_ == "fail-write") return Status::Io("disk on fire");
    if (name_ == "block") probe_->opened.wait();
    data_.append(chunk);
    return Status::Ok();
  }
  void Digest(std::string_view chunk) override {
    probe_->Saw();
    digested_.append(chunk);
  }
  Result<Json> Finish(const Json& trailer) override {
    probe_->Saw();
    return Json{{"type", "FILE_STORED"},
                {"size", data_.size()},
                {"data", data_},
                {"digested", digested_ == data_},
                {"sha256", trailer["sha256"]}};
  }

 private:
  const std::string name_;
  std::shared_ptr<StreamProbe> probe_;
  std::string data_;
  std::string digested_;  // what Digest() saw: the same bytes, in the same order
};

/// Serves "abcabcabc" in chunks of 3 bytes. The name picks a behaviour:
/// "broken" fails after the first chunk, "tampered" sends a wrong SHA-256.
class MemorySource final : public DownloadSource {
 public:
  MemorySource(std::string name, std::shared_ptr<StreamProbe> probe)
      : name_(std::move(name)), probe_(std::move(probe)) {}
  Result<Json> Open() override {
    probe_->Saw();
    if (name_ == "missing") return Status::NotFound("no file 'missing'");
    return Json{{"type", "FILE_DATA"}, {"size", kData.size()}};
  }
  Result<std::size_t> Read(std::span<char> buffer) override {
    probe_->Saw();
    if (name_ == "broken" && sent_ > 0) return Status(Code::kIntegrity, "file 'broken' changed on disk");
    std::size_t n = std::min<std::size_t>({3, buffer.size(), kData.size() - sent_});
    std::copy_n(kData.data() + sent_, n, buffer.data());
    sent_ += n;
    return n;
  }
  Result<Json> Finish() override {
    probe_->Saw();
    return Json{{"type", "FILE_END"}, {"sha256", Sha256Hex(name_ == "tampered" ? "something else" : kData)}};
  }

  static inline const std::string kData = "abcabcabc";

 private:
  const std::string name_;
  std::shared_ptr<StreamProbe> probe_;
  std::size_t sent_ = 0;
};

/// A stream of kFrames JSON frames {"type":"TICK","n":0..,"pad":"xx..."} of
/// about kFrameBytes each, all ready at once; after the last, Pull() fails
/// with LIMIT, as a cut-off subscriber's stream ends. Notes its largest pull.
class NumberedSource final : public FrameSource {
 public:
  explicit NumberedSource(std::shared_ptr<std::atomic<std::size_t>> largest_pull)
      : largest_pull_(std::move(largest_pull)) {}
  Status Pull(std::string& out, std::size_t max_bytes) override {
    if (next_ == kFrames) return Status::Limit("no frames after " + std::to_string(kFrames));
    while (next_ < kFrames && (out.empty() || out.size() + kFrameBytes <= max_bytes)) {
      out +=
          EncodeFrame(FrameKind::kJson, Json{{"type", "TICK"}, {"n", next_++}, {"pad", std::string(kPad, 'x')}}.dump());
    }
    if (out.size() > *largest_pull_) *largest_pull_ = out.size();
    return Status::Ok();
  }

  static constexpr int kFrames = 3000;
  static constexpr std::size_t kPad = 700;
  static constexpr std::size_t kFrameBytes = kPad + 40;  // a frame, at most: header, n, pad and type

 private:
  std::shared_ptr<std::atomic<std::size_t>> largest_pull_;  // bytes; read by the test once the stream has ended
  int next_ = 0;
};

/// An echo server: GET_MEM replies with the key; PUT_FILE and GET_FILE
/// stream through MemorySink and MemorySource; DEL_FILE runs on a file
/// thread; SUBSCRIBE streams a NumberedSource.
class TestServer {
 public:
  explicit TestServer(ServerOptions options = {})
      : probe_(std::make_shared<StreamProbe>()),
        largest_pull_(std::make_shared<std::atomic<std::size_t>>(0)),
        server_(io_, WithRole(options),
                [probe = probe_, pulls = largest_pull_](const SessionPtr& s, Json r) { Handle(probe, pulls, s, r); }) {
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
  std::thread::id io_thread() const { return thread_.get_id(); }
  StreamProbe& probe() { return *probe_; }
  std::size_t largest_pull() const { return *largest_pull_; }

 private:
  static ServerOptions WithRole(ServerOptions options) {
    options.role = "test";
    options.node = "test-node";
    return options;
  }
  static void Handle(const std::shared_ptr<StreamProbe>& probe,
                     const std::shared_ptr<std::atomic<std::size_t>>& largest_pull, const SessionPtr& session,
                     Json request) {
    const std::string type = request["type"];
    if (type == "GET_MEM") {
      session->Reply(request, {{"type", "MEM_VALUE"}, {"key", request["key"]}, {"value", 1}});
    } else if (type == "PUT_FILE") {
      session->ReceiveUpload(request, request["size"].get<std::uint64_t>(), "PUT_END",
                             std::make_shared<MemorySink>(request["name"], probe));
    } else if (type == "GET_FILE") {
      session->SendDownload(request, std::make_shared<MemorySource>(request["name"], probe));
    } else if (type == "DEL_FILE") {
      session->ReplyFromFileThread(request, [probe]() -> Result<Json> {
        probe->Saw();
        return Json{{"type", "OK"}};
      });
    } else if (type == "SUBSCRIBE") {
      session->Reply(request, {{"type", "SUBSCRIBED"}});
      session->StartStream(request, std::make_shared<NumberedSource>(largest_pull));
    } else {
      session->ReplyError(request, Status::Internal("not in this test"));
    }
  }

  asio::io_context io_;
  std::shared_ptr<StreamProbe> probe_;
  std::shared_ptr<std::atomic<std::size_t>> largest_pull_;  // NumberedSource's, in bytes
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

/// Reads replies until the one with `id`.
Json ReplyTo(Client& client, int id) {
  for (;;) {
    auto reply = client.ReadJson(5s);
    REQUIRE(reply.ok());
    if (reply->at("id") == id) return *reply;
  }
}

TEST_CASE("an upload: PUT_READY, chunk frames, PUT_END, then the sink's reply", "[server]") {
  TestServer server;
  auto client = ConnectTo(server);
  auto ready = client->Call({{"type", "PUT_FILE"}, {"name", "f"}, {"size", 7}});
  REQUIRE(ready.ok());
  CHECK(ready->at("type") == "PUT_READY");
  REQUIRE(client->SendChunk("abcd").ok());
  REQUIRE(client->SendChunk("efg").ok());
  REQUIRE(client->SendJson({{"type", "PUT_END"}, {"id", ready->at("id")}, {"sha256", "beef"}}).ok());
  auto stored = client->ReadJson(5s);
  REQUIRE(stored.ok());
  CHECK(stored->at("type") == "FILE_STORED");
  CHECK(stored->at("id") == ready->at("id"));
  CHECK(stored->at("data") == "abcdefg");
  CHECK(stored->at("digested") == true);
  CHECK(stored->at("sha256") == "beef");
  CHECK(client->Call({{"type", "PING"}}).ok());  // the connection goes on

  // The sink never ran on the io thread.
  std::lock_guard<std::mutex> lock(server.probe().mutex);
  CHECK_FALSE(server.probe().threads.empty());
  CHECK(server.probe().threads.count(server.io_thread()) == 0);
}

TEST_CASE("a download: FILE_DATA, chunk frames, FILE_END, then other replies", "[server]") {
  TestServer server;
  auto client = ConnectTo(server);
  auto header = client->Call({{"type", "GET_FILE"}, {"name", "f"}});
  REQUIRE(header.ok());
  CHECK(header->at("type") == "FILE_DATA");
  CHECK(header->at("size") == 9);
  std::string data;
  for (int i = 0; i < 3; ++i) {
    auto chunk = client->ReadChunk(2s);
    REQUIRE(chunk.ok());
    data += *chunk;
  }
  CHECK(data == "abcabcabc");
  auto end = client->ReadJson(2s);
  REQUIRE(end.ok());
  CHECK(end->at("type") == "FILE_END");
  CHECK(end->at("id") == header->at("id"));
  CHECK(end->at("sha256") == Sha256Hex("abcabcabc"));
  CHECK(client->Call({{"type", "PING"}}).ok());  // replies resume after the stream

  auto missing = client->Call({{"type", "GET_FILE"}, {"name", "missing"}});
  CHECK(missing.status().code() == Code::kNotFound);
  std::lock_guard<std::mutex> lock(server.probe().mutex);
  CHECK(server.probe().threads.count(server.io_thread()) == 0);
}

TEST_CASE("a source error ends the download with an ERROR in place of the next frame", "[server]") {
  TestServer server;
  auto client = ConnectTo(server);
  REQUIRE(client->Call({{"type", "GET_FILE"}, {"name", "broken"}}).ok());
  REQUIRE(client->ReadChunk(2s).ok());
  auto next = client->ReadChunk(2s);
  CHECK(next.status().code() == Code::kIntegrity);
  CHECK(next.status().message() == "file 'broken' changed on disk");
  CHECK(client->Call({{"type", "PING"}}).ok());
}

TEST_CASE("a stream's pulls of over 64 KiB arrive whole and in order, a source error ends it", "[server]") {
  TestServer server;
  auto client = ConnectTo(server);
  auto subscribed = client->Call({{"type", "SUBSCRIBE"}});
  REQUIRE(subscribed.ok());
  int expected = 0;
  for (; expected < NumberedSource::kFrames; ++expected) {
    auto frame = client->ReadJson(5s);
    REQUIRE(frame.ok());
    REQUIRE(frame->at("type") == "TICK");
    REQUIRE(frame->at("n") == expected);
    REQUIRE(frame->at("pad").get_ref<const std::string&>().size() == NumberedSource::kPad);
  }
  auto end = client->ReadJson(5s);
  REQUIRE(end.ok());
  CHECK(end->at("type") == "ERROR");
  CHECK(end->at("code") == "LIMIT");
  CHECK(end->at("id") == subscribed->at("id"));
  CHECK_FALSE(client->ReadJson(2s).ok());    // then the connection is closed
  CHECK(server.largest_pull() > 64 * 1024);  // the stream's writes were over Asio's default step
}

TEST_CASE("ReplyFromFileThread answers from a file thread", "[server]") {
  TestServer server;
  auto client = ConnectTo(server);
  auto reply = client->Call({{"type", "DEL_FILE"}, {"name", "x"}});
  REQUIRE(reply.ok());
  CHECK(reply->at("type") == "OK");
  std::lock_guard<std::mutex> lock(server.probe().mutex);
  REQUIRE(server.probe().threads.size() == 1);
  CHECK(*server.probe().threads.begin() != server.io_thread());
}

TEST_CASE("a JSON frame in the middle of an upload aborts it with a reason", "[server]") {
  TestServer server;
  auto client = ConnectTo(server);
  REQUIRE(client->Call({{"type", "PUT_FILE"}, {"name", "f"}, {"size", 10}}).ok());
  REQUIRE(client->SendChunk("abc").ok());
  REQUIRE(client->SendJson({{"type", "PING"}, {"id", 99}}).ok());
  auto reply = client->ReadJson(2s);
  REQUIRE(reply.ok());
  CHECK(reply->at("message") ==
        "expected a binary chunk frame during the upload, got JSON (7 bytes of data still due)");
  CHECK_FALSE(client->ReadJson(2s).ok());  // closed: the stream cannot be followed
}

TEST_CASE("a chunk frame over the chunk limit aborts the upload", "[server]") {
  TestServer server;
  auto client = ConnectTo(server);
  const std::size_t size = params::kChunkBytes + 1;
  REQUIRE(client->Call({{"type", "PUT_FILE"}, {"name", "f"}, {"size", size}}).ok());
  // Refused from the header alone, before any of the data is read.
  auto header = EncodeHeader(FrameKind::kBinary, static_cast<std::uint32_t>(size));
  REQUIRE(client->SendRaw(std::string(header.data(), header.size())).ok());
  auto reply = client->ReadJson(2s);
  REQUIRE(reply.ok());
  CHECK(reply->at("message") ==
        "a chunk frame carries at most " + std::to_string(params::kChunkBytes) + " bytes, got " + std::to_string(size));
}

TEST_CASE("a bad PUT_END fails the upload, and the connection goes on", "[server]") {
  TestServer server;
  auto client = ConnectTo(server);
  auto ready = client->Call({{"type", "PUT_FILE"}, {"name", "f"}, {"size", 3}});
  REQUIRE(ready.ok());
  REQUIRE(client->SendChunk("abc").ok());
  SECTION("another type") {
    REQUIRE(client->SendJson({{"type", "PING"}, {"id", ready->at("id")}}).ok());
    CHECK(ReplyTo(*client, ready->at("id"))["message"] == "expected PUT_END after the upload's data, got 'PING'");
  }
  SECTION("another id") {
    REQUIRE(client->SendJson({{"type", "PUT_END"}, {"id", 77}, {"sha256", "x"}}).ok());
    CHECK(ReplyTo(*client, ready->at("id"))["message"] ==
          "PUT_END has id 77, but the upload's request had id " + ready->at("id").dump());
  }
  SECTION("no sha256") {
    REQUIRE(client->SendJson({{"type", "PUT_END"}, {"id", ready->at("id")}}).ok());
    CHECK(ReplyTo(*client, ready->at("id"))["message"] == "PUT_END: missing field 'sha256' (string)");
  }
  SECTION("more data") {  // refused from the frame's header
    auto header = EncodeHeader(FrameKind::kBinary, 1);
    REQUIRE(client->SendRaw(std::string(header.data(), header.size())).ok());
    CHECK(ReplyTo(*client, ready->at("id"))["message"] ==
          "the upload's data is complete: expected its PUT_END frame, got more data");
    CHECK_FALSE(client->ReadJson(2s).ok());  // closed
    return;
  }
  CHECK(client->Call({{"type", "PING"}}).ok());
}

TEST_CASE("a sink error is answered at once, the rest of the data is dropped", "[server]") {
  TestServer server;
  auto client = ConnectTo(server);
  auto ready = client->Call({{"type", "PUT_FILE"}, {"name", "fail-write"}, {"size", 6}});
  REQUIRE(ready.ok());
  REQUIRE(client->SendChunk("abc").ok());
  auto error = client->ReadJson(5s);  // before the client has sent everything
  REQUIRE(error.ok());
  CHECK(error->at("id") == ready->at("id"));
  CHECK(error->at("code") == "IO");
  CHECK(error->at("message") == "disk on fire");
  CHECK(client->HasInput() == false);
  REQUIRE(client->SendChunk("def").ok());
  REQUIRE(client->SendJson({{"type", "PUT_END"}, {"id", ready->at("id")}, {"sha256", "x"}}).ok());
  CHECK(client->Call({{"type", "PING"}}).ok());  // no second reply; the connection goes on
}

TEST_CASE("a stuck sink does not hold up the io thread", "[server]") {
  TestServer server;
  auto uploader = ConnectTo(server);
  const std::size_t chunks = 3 * params::kStreamWindow;  // more than the server buffers
  REQUIRE(uploader->Call({{"type", "PUT_FILE"}, {"name", "block"}, {"size", chunks * 1024}}).ok());
  std::thread sender([&] {
    for (std::size_t i = 0; i < chunks; ++i) REQUIRE(uploader->SendChunk(std::string(1024, 'x')).ok());
  });
  // While the sink is stuck, another connection is served at once.
  auto other = ConnectTo(server);
  for (int i = 0; i < 5; ++i) CHECK(other->Call({{"type", "PING"}}, 2s).ok());
  server.probe().gate.set_value();
  sender.join();
  REQUIRE(uploader->SendJson({{"type", "PUT_END"}, {"id", 1}, {"sha256", "x"}}).ok());
  auto stored = uploader->ReadJson(5s);
  REQUIRE(stored.ok());
  CHECK(stored->at("size") == chunks * 1024);
}

TEST_CASE("PutFile and GetFile stream a file through and check its SHA-256", "[server][client]") {
  TestServer server;
  auto client = ConnectTo(server);
  auto dir = std::filesystem::temp_directory_path() / ("osgrid-net-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string local = (dir / "in.bin").string(), out = (dir / "out.bin").string();
  std::string content(3 * params::kChunkBytes + 5, '\0');
  for (std::size_t i = 0; i < content.size(); ++i) content[i] = static_cast<char>('a' + (i * 31 + i / 7) % 26);
  std::ofstream(local, std::ios::binary) << content;

  auto stored = PutFile(*client, "f", local);
  REQUIRE(stored.ok());
  CHECK(stored->at("data") == content);
  CHECK(stored->at("digested") == true);
  CHECK(stored->at("sha256") == Sha256Hex(content));  // sent after the data, computed while streaming

  auto fetched = GetFile(*client, "f", out);
  REQUIRE(fetched.ok());
  CHECK(fetched->at("sha256") == Sha256Hex("abcabcabc"));
  CHECK(Sha256File(out).value() == Sha256Hex("abcabcabc"));

  SECTION("a FILE_END whose SHA-256 does not match leaves no file") {
    std::filesystem::remove(out);
    auto tampered = GetFile(*client, "tampered", out);
    CHECK(tampered.status().code() == Code::kIntegrity);
    CHECK(tampered.status().message() == "sha256 mismatch for 'tampered': the peer sent " +
                                             Sha256Hex("something else") + ", the data received hashes to " +
                                             Sha256Hex("abcabcabc"));
    CHECK_FALSE(std::filesystem::exists(out));
    CHECK_FALSE(std::filesystem::exists(out + ".part"));
    CHECK(client->Call({{"type", "PING"}}).ok());
  }
  SECTION("an error mid-download leaves no file and keeps the old one") {
    std::ofstream(out) << "old";
    auto broken = GetFile(*client, "broken", out);
    CHECK(broken.status().code() == Code::kIntegrity);
    CHECK_FALSE(std::filesystem::exists(out + ".part"));
    std::ifstream kept(out);
    std::string text;
    kept >> text;
    CHECK(text == "old");
  }
  SECTION("an early error stops an upload") {
    auto failed = PutFile(*client, "fail-write", local);
    CHECK(failed.status().code() == Code::kIo);
    CHECK(failed.status().message() == "disk on fire");
  }
  std::filesystem::remove_all(dir);
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

TEST_CASE("ReleaseSocket hands the connection over at a frame boundary", "[client]") {
  TestServer server;
  auto client = ConnectTo(server);
  REQUIRE(client->Call({{"type", "PING"}}).ok());
  auto fd = client->ReleaseSocket();
  REQUIRE(fd.ok());
  CHECK_FALSE(client->is_open());
  CHECK(client->ReleaseSocket().status().code() == Code::kUnavailable);

  asio::io_context io;
  tcp::socket socket(io);
  socket.assign(tcp::v4(), *fd);  // the socket now owns and closes the descriptor
  asio::write(socket, asio::buffer(EncodeFrame(FrameKind::kJson, R"({"type":"PING","id":7})")));
  std::array<char, kFrameHeaderBytes> header{};
  asio::read(socket, asio::buffer(header));
  auto decoded = DecodeHeader(header.data(), 1 << 20);
  REQUIRE(decoded.ok());
  std::string body(decoded->length, '\0');
  asio::read(socket, asio::buffer(body));
  auto pong = Json::parse(body);
  CHECK(pong["type"] == "PONG");
  CHECK(pong["id"] == 7);
}

namespace {

/// The text of a file in /proc ("" when it cannot be read).
std::string ReadProc(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

/// Whether thread `tid` of this process sleeps in epoll_wait, as far as
/// /proc tells: by its wchan where the kernel shows it, else by its state.
bool SleepsInPoll(pid_t tid) {
  const std::string task = "/proc/self/task/" + std::to_string(tid);
  const std::string wchan = ReadProc(task + "/wchan");
  if (!wchan.empty() && wchan != "0") return wchan.find("epoll") != std::string::npos;
  const std::string stat = ReadProc(task + "/stat");
  const std::size_t name_end = stat.rfind(')');
  return name_end != std::string::npos && stat.compare(name_end, 4, ") S ") == 0;
}

/// How many times thread `tid` of this process has gone to sleep (its
/// voluntary context switches).
long TimesAsleep(pid_t tid) {
  std::istringstream status(ReadProc("/proc/self/task/" + std::to_string(tid) + "/status"));
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("voluntary_ctxt_switches:", 0) == 0) return std::stol(line.substr(line.find(':') + 1));
  }
  return -1;
}

/// A call running on a thread of its own.
struct Blocked {
  std::future<Status> result;
  pid_t tid = 0;  // its thread
};

/// Starts `call` on a thread of its own and returns once that thread sleeps
/// in epoll_wait (blocked in the call) or 5 s have passed.
template <class Call>
Blocked StartBlocked(Call call) {
  auto tid = std::make_shared<std::atomic<pid_t>>(0);
  Blocked blocked;
  blocked.result = std::async(std::launch::async, [tid, call] {
    *tid = gettid();
    return call();
  });
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while ((*tid == 0 || !SleepsInPoll(*tid)) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(1ms);
  }
  blocked.tid = *tid;
  return blocked;
}

}  // namespace

TEST_CASE("AwaitInput waits for a frame without reading it, and its TIMEOUT leaves the client open", "[client]") {
  ServerOptions options;
  options.max_frame_bytes = 1024;
  TestServer server(options);
  auto client = ConnectTo(server);
  CHECK(client->AwaitInput(20ms).code() == Code::kTimeout);
  CHECK(client->is_open());

  REQUIRE(client->SendJson({{"type", "PING"}, {"id", 1}}).ok());
  CHECK(client->AwaitInput(5s).ok());
  CHECK(client->AwaitInput(5s).ok());  // still there: nothing was read
  auto pong = client->ReadJson(1s);
  REQUIRE(pong.ok());
  CHECK(pong->at("type") == "PONG");

  // The server answers a frame over its limit and closes: AwaitInput says
  // OK for the answer, then OK for the end, which the read reports.
  REQUIRE(client->SendRaw(std::string(EncodeHeader(FrameKind::kJson, 4096).data(), 4)).ok());
  CHECK(client->AwaitInput(5s).ok());
  CHECK(client->ReadJson(1s).ok());
  CHECK(client->AwaitInput(5s).ok());
  CHECK(client->ReadJson(1s).status().code() == Code::kUnavailable);
  CHECK(client->AwaitInput(5s).code() == Code::kUnavailable);  // closed now
}

TEST_CASE("Shutdown from another thread ends a blocked call at once with CANCELLED, and every later one", "[client]") {
  TestServer server;
  auto client = ConnectTo(server);
  REQUIRE(client->Call({{"type", "PING"}}).ok());
  Blocked blocked;
  SECTION("a read") {
    blocked = StartBlocked([&client] { return client->ReadJson(10s).status(); });  // nothing will come
  }
  SECTION("AwaitInput") {
    blocked = StartBlocked([&client] { return client->AwaitInput(10s); });
  }
  const auto shut = std::chrono::steady_clock::now();
  client->Shutdown();
  const Status status = blocked.result.get();
  const auto took = std::chrono::steady_clock::now() - shut;
  INFO(status.ToString());
  CHECK(status.code() == Code::kCancelled);
  CHECK(took < 1s);  // not the call's 10 s
  CHECK(client->Call({{"type", "PING"}}).status().code() == Code::kCancelled);
  CHECK(client->AwaitInput(10ms).code() == Code::kCancelled);
  client->Shutdown();  // again: nothing more happens
  CHECK_FALSE(client->is_open());
}

TEST_CASE("a call blocked on a quiet connection sleeps until its deadline, not waking every second", "[client]") {
  TestServer server;
  auto client = ConnectTo(server);
  Blocked blocked = StartBlocked([&client] { return client->ReadJson(3s).status(); });  // nothing will come
  const long before = TimesAsleep(blocked.tid);
  std::this_thread::sleep_for(1500ms);  // the window watched: io_context::run_for would wake it once at least
  const long after = TimesAsleep(blocked.tid);
  CHECK(blocked.result.get().code() == Code::kTimeout);
  CHECK(before >= 0);
  CHECK(after - before == 0);
}

TEST_CASE("Shutdown before any call: the next one returns CANCELLED without sending", "[client]") {
  TestServer server;
  auto client = ConnectTo(server);
  client->Shutdown();
  CHECK(client->SendJson({{"type", "PING"}, {"id", 1}}).code() == Code::kCancelled);
  CHECK(client->ReadJson(10s).status().code() == Code::kCancelled);
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
