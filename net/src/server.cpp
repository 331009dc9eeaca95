// Server and Session: see server.h for the model. Sections:
//   [SECTION] Session: start (TLS handshake when on), then the read loop
//             (header -> body -> frame -> header ...), the connection
//             handshake (handshake.h) before any request
//   [SECTION] Session: read loop
//   [SECTION] Session: uploads (chunks read ahead into UploadSink::Write)
//   [SECTION] Session: write queue (one write in flight; downloads read ahead)
//   [SECTION] Session: file threads
//   [SECTION] Server: acceptor and the set of live sessions
#include "osgrid/net/server.h"

#include <openssl/ssl.h>

#include <deque>
#include <limits>
#include <optional>
#include <set>
#include <string>
#include <type_traits>
#include <vector>

#include "asio.h"
#include "handshake.h"
#include "osgrid/net/auth.h"
#include "osgrid/net/frame.h"
#include "osgrid/net/messages.h"

namespace osgrid::net {

void Session::Reply(const Json& request, Json reply) {
  reply["id"] = request.contains("id") ? request["id"] : Json(nullptr);
  Send(std::move(reply));
}

void Session::ReplyError(const Json& request, const Status& status) {
  Send(MakeError(request.is_object() && request.contains("id") ? request["id"] : Json(nullptr), status));
}

/// Serialises a message; invalid UTF-8 (e.g. from a task's output) is replaced,
/// never thrown on.
static std::string DumpJson(const Json& message) {
  return message.dump(-1, ' ', false, Json::error_handler_t::replace);
}

/// What the server tracks of each session, whatever its stream.
class ServerSession : public Session {
 public:
  virtual void Start() = 0;
  /// Used when the server is full: answer once (plain TCP), then hang up.
  virtual void Refuse(const Status& status) = 0;
  virtual void CloseNow() = 0;
};

/// What sessions share with their server; outlives the Server object if a
/// session is still winding down.
struct ServerState {
  ServerState(asio::io_context& context, ServerOptions server_options, RequestHandler request_handler)
      : io(context),
        options(std::move(server_options)),
        handler(std::move(request_handler)),
        file_threads(static_cast<std::size_t>(std::max(1, options.file_threads))) {}

  asio::io_context& io;
  ServerOptions options;
  RequestHandler handler;
  std::set<ServerSession*> sessions;  // open sessions (io thread only)
  std::unique_ptr<ssl::context> tls;  // set by Listen() when TLS is on
  asio::thread_pool file_threads;     // blocking file work; joined by ~Server
};

/// One chunk frame in place: the 4-byte header word, then up to
/// params::kChunkBytes of data. Chunks are read from the socket straight
/// into data() and written to it straight from Frame(): no copies. Shared,
/// because an upload's chunk is used by two file threads at once (Write and
/// Digest) and a job keeps its buffer alive even if the session ends.
struct ChunkBuffer {
  std::unique_ptr<char[]> bytes = std::make_unique_for_overwrite<char[]>(kFrameHeaderBytes + params::kChunkBytes);
  std::size_t size = 0;  // data bytes in use

  std::span<char> data() { return {bytes.get() + kFrameHeaderBytes, params::kChunkBytes}; }
  std::string_view view() const { return {bytes.get() + kFrameHeaderBytes, size}; }
  /// Writes the header word for `size` bytes; returns header + data.
  asio::const_buffer Frame() {
    auto header = EncodeHeader(FrameKind::kBinary, static_cast<std::uint32_t>(size));
    std::copy(header.begin(), header.end(), bytes.get());
    return asio::buffer(bytes.get(), kFrameHeaderBytes + size);
  }
};

using ChunkPtr = std::shared_ptr<ChunkBuffer>;

/// At most params::kStreamWindow chunk buffers for one stream, made on
/// first use. A buffer is given back once the session is done with it; a
/// file thread's job may still hold a reference then, but no longer uses it.
class ChunkBuffers {
 public:
  bool Available() const { return !spare_.empty() || made_ < params::kStreamWindow; }
  /// REQUIRES: Available().
  ChunkPtr Take() {
    if (spare_.empty()) {
      ++made_;
      return std::make_shared<ChunkBuffer>();
    }
    ChunkPtr buffer = std::move(spare_.back());
    spare_.pop_back();
    return buffer;
  }
  void Give(ChunkPtr buffer) {
    buffer->size = 0;
    spare_.push_back(std::move(buffer));
  }

 private:
  std::vector<ChunkPtr> spare_;
  std::size_t made_ = 0;
};

/// Runs a call of an UploadSink or DownloadSource: an exception (a bug)
/// becomes INTERNAL instead of ending the process from a file thread.
template <class Call>
auto Guarded(Call&& call) -> decltype(call()) {
  try {
    return call();
  } catch (const std::exception& error) {
    return Status::Internal(std::string("file stream failed: ") + error.what());
  }
}

using TlsStream = ssl::stream<tcp::socket>;
constexpr unsigned char kTlsHandshakeRecord = 0x16;  // first byte of a TLS ClientHello

// [SECTION] Session: start ---------------------------------------------------

/// `Stream` is tcp::socket (plain) or TlsStream.
template <class Stream>
class SessionImpl final : public ServerSession, public std::enable_shared_from_this<SessionImpl<Stream>> {
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

 public:
  template <class... StreamArgs>
  SessionImpl(std::shared_ptr<ServerState> server, StreamArgs&&... stream_args)
      : stream_(std::forward<StreamArgs>(stream_args)...),
        deadline_(server->io),
        handshake_deadline_(server->io),
        server_(std::move(server)),
        handshake_({server_->options.secret, server_->options.observer_secret}, server_->options.role,
                   server_->options.node) {
    boost::system::error_code ec;
    auto endpoint = Socket().remote_endpoint(ec);
    if (!ec) {
      remote_ip_ = endpoint.address().to_string();
      remote_address_ = remote_ip_ + ":" + std::to_string(endpoint.port());
    }
    Socket().set_option(tcp::no_delay(true), ec);
  }

  ~SessionImpl() override {
    if (!closed_) server_->sessions.erase(this);
  }

  /// The whole handshake, TLS included, must finish within socket_timeout.
  void Start() override {
    server_->sessions.insert(this);
    handshake_deadline_.expires_after(server_->options.socket_timeout);
    handshake_deadline_.async_wait([weak = this->weak_from_this()](boost::system::error_code ec) {
      if (auto self = weak.lock(); self && !ec) self->CloseNow();
    });
    if constexpr (kTls) {
      PeekForTls();
    } else {
      ReadNext();
    }
  }

  void Refuse(const Status& status) override {
    server_->sessions.insert(this);
    if constexpr (kTls) {
      CloseNow();  // no TLS session to answer in
    } else {
      SendNow(MakeError(nullptr, status));
      close_after_write_ = true;
    }
  }

  void Send(Json message) override {
    asio::dispatch(server_->io,
                   [self = this->shared_from_this(), message = std::move(message)] { self->SendNow(message); });
  }

  void ReceiveUpload(const Json& request, std::uint64_t total_bytes, std::string trailer_type,
                     std::shared_ptr<UploadSink> sink) override {
    if (closed_) return Release(std::move(sink));
    upload_ = std::make_unique<Upload>();
    upload_->id = request.value("id", Json());
    upload_->trailer_type = std::move(trailer_type);
    upload_->sink = std::move(sink);
    upload_->unread = total_bytes;
    OpenUpload();
  }

  void SendDownload(const Json& request, std::shared_ptr<DownloadSource> source) override {
    auto download = std::make_shared<Download>();
    download->id = request.value("id", Json());
    download->source = std::move(source);
    asio::dispatch(server_->io, [self = this->shared_from_this(), download]() mutable {
      self->Enqueue(WriteItem{"", download});
      self->ReadAhead(download);
    });
  }

  void ReplyFromFileThread(const Json& request, std::function<Result<Json>()> job) override {
    asio::dispatch(server_->io,
                   [self = this->shared_from_this(), id = request.value("id", Json()), job = std::move(job)]() mutable {
                     self->OnFileThread([job = std::move(job)] { return Guarded(job); },
                                        [self, id](Result<Json> reply) { self->SendReply(id, reply); });
                   });
  }

  void StartStream(const Json& request, std::shared_ptr<FrameSource> source) override {
    if (closed_) return;
    stream_id_ = request.value("id", Json());
    stream_source_ = std::move(source);
    DoWrite();
  }

  void WakeStream() override { DoWrite(); }

  /// Says why after what is being written, then hangs up: at the latest after
  /// socket_timeout, even on a reader that never reads again.
  void EndStream(const Status& why) override {
    if (!stream_source_ || closed_) return;
    stream_source_.reset();
    close_after_write_ = true;
    handshake_deadline_.expires_after(server_->options.socket_timeout);
    handshake_deadline_.async_wait([weak = this->weak_from_this()](boost::system::error_code ec) {
      if (auto self = weak.lock(); self && !ec) self->CloseNow();
    });
    SendNow(MakeError(stream_id_, why));
  }

  void Close() override {
    asio::dispatch(server_->io, [self = this->shared_from_this()] { self->CloseNow(); });
  }
  bool closed() const override { return closed_; }
  std::string remote_address() const override { return remote_address_; }
  std::string remote_ip() const override { return remote_ip_; }
  const std::string& remote_role() const override { return handshake_.remote_role(); }
  Access access() const override { return handshake_.access(); }

  void CloseNow() override {
    if (closed_) return;
    closed_ = true;
    server_->sessions.erase(this);
    boost::system::error_code ec;
    deadline_.cancel();
    handshake_deadline_.cancel();
    Socket().shutdown(tcp::socket::shutdown_both, ec);
    Socket().close(ec);
    EndUpload();             // an unfinished upload is abandoned: its sink deletes what it wrote
    stream_source_.reset();  // e.g. a subscriber leaves the event hub
    for (WriteItem& item : write_queue_) {
      if (item.download) Release(std::move(item.download->source));
    }
  }

 private:
  /// A chunk of an upload, on its way through the two lanes.
  struct PendingChunk {
    ChunkPtr buffer;
    bool written = false;   // sink->Write() is done with it
    bool digested = false;  // sink->Digest() is done with it
  };

  /// An upload in progress (ReceiveUpload). io thread only.
  struct Upload {
    Json id;  // the request's
    std::string trailer_type;
    std::shared_ptr<UploadSink> sink;  // null once released
    std::uint64_t unread = 0;          // data bytes not yet read from the socket
    ChunkBuffers buffers;
    std::deque<PendingChunk> pending;  // read, not yet both written and digested; oldest first
    bool opening = true;               // sink->Open() has not answered yet
    bool writing = false;              // a sink->Write() is on a file thread
    bool digesting = false;            // a sink->Digest() is on a file thread
    bool finishing = false;            // sink->Finish() is on a file thread
    std::optional<Json> trailer;       // the trailer frame, once read
    Status failed;                     // the upload failed and was answered: drop the rest
  };

  /// One frame of a download, ready to write: JSON text or a chunk.
  struct OutFrame {
    std::string json;   // an encoded JSON frame, or empty for a chunk
    ChunkPtr chunk;     // the chunk, when `json` is empty
    bool last = false;  // the trailer or an ERROR: the download ends with it
  };

  /// A download in progress (SendDownload). io thread only.
  struct Download {
    Json id;  // the request's
    std::shared_ptr<DownloadSource> source;
    ChunkBuffers buffers;
    std::deque<OutFrame> ready;  // produced by the file threads, not yet written
    bool opened = false;         // source->Open() was called
    bool reading = false;        // a source call is on a file thread
    bool ended = false;          // the last frame has been produced
  };

  struct WriteItem {
    std::string frame;                   // the bytes to write, or
    std::shared_ptr<Download> download;  // a download: its frames, as they are produced
  };

  auto& Socket() { return stream_.lowest_layer(); }

  /// A TLS server first looks at the first byte without consuming it: a
  /// plain-TCP client (whose frame header starts with 0x00) is told in
  /// plaintext what is wrong instead of failing the TLS handshake silently.
  void PeekForTls() {
    stream_.next_layer().async_receive(asio::buffer(peek_), tcp::socket::message_peek,
                                       [self = this->shared_from_this()](boost::system::error_code ec, std::size_t) {
                                         if (ec) return self->CloseNow();
                                         if (static_cast<unsigned char>(self->peek_[0]) != kTlsHandshakeRecord)
                                           return self->RefusePlain();
                                         self->DoTlsHandshake();
                                       });
  }

  void RefusePlain() {
    auto frame = std::make_shared<std::string>(EncodeFrame(
        FrameKind::kJson,
        DumpJson(MakeError(nullptr,
                           Status(Code::kAuth, "this " + server_->options.role +
                                                   " accepts TLS connections only: connect with --tls-ca CA_FILE")))));
    asio::async_write(
        stream_.next_layer(), asio::buffer(*frame),
        [self = this->shared_from_this(), frame](boost::system::error_code, std::size_t) { self->CloseNow(); });
  }

  void DoTlsHandshake() {
    if constexpr (kTls) {
      stream_.async_handshake(ssl::stream_base::server,
                              [self = this->shared_from_this()](boost::system::error_code ec) {
                                if (ec) return self->CloseNow();
                                self->ReadNext();
                              });
    }
  }

  // [SECTION] Session: read loop ----------------------------------------------

  /// Reads the next frame, unless one is being read or the session must
  /// wait: an upload that is opening or finishing, or has no free buffer.
  void ReadNext() {
    if (reading_ || closed_ || close_after_write_ || !ReadyForFrame()) return;
    reading_ = true;
    asio::async_read(stream_, asio::buffer(header_),
                     [self = this->shared_from_this()](boost::system::error_code ec, std::size_t) {
                       if (ec) return self->CloseNow();
                       self->OnHeader();
                     });
  }

  /// The frame has been handled: on to the next one.
  void FrameDone() {
    reading_ = false;
    ReadNext();
  }

  /// Before the handshake is done a stranger may only send small frames.
  std::size_t FrameLimit() const {
    return handshake_.done() ? server_->options.max_frame_bytes
                             : std::min(server_->options.max_frame_bytes, kPreAuthFrameBytes);
  }

  void OnHeader() {
    auto header = DecodeHeader(header_.data(), FrameLimit());
    if (!header.ok()) {  // the stream cannot be trusted past this point
      SendNow(MakeError(nullptr, header.status()));
      close_after_write_ = true;
      return;
    }
    if (upload_ && header->kind == FrameKind::kBinary) return ReadUploadChunk(header->length);
    DoReadBody(*header);
  }

  /// A started frame must complete within socket_timeout (no slow-loris).
  void StartFrameDeadline() {
    deadline_.expires_after(server_->options.socket_timeout);
    deadline_.async_wait([weak = this->weak_from_this()](boost::system::error_code ec) {
      if (auto self = weak.lock(); self && !ec) self->CloseNow();
    });
  }

  void DoReadBody(FrameHeader header) {
    body_.resize(header.length);
    StartFrameDeadline();
    asio::async_read(stream_, asio::buffer(body_),
                     [self = this->shared_from_this(), header](boost::system::error_code ec, std::size_t) {
                       self->deadline_.cancel();
                       if (ec) return self->CloseNow();
                       self->OnFrame(header.kind);
                       self->FrameDone();
                     });
  }

  void OnFrame(FrameKind kind) {
    if (upload_) return OnUploadJson();  // its chunks go to ReadUploadChunk
    if (!handshake_.done()) return OnHandshakeFrame(kind);
    if (kind == FrameKind::kBinary) {
      SendNow(MakeError(nullptr, Status::BadRequest("unexpected binary chunk frame outside a file upload")));
      return;
    }
    Result<Json> message = ParseMessage(body_);
    if (!message.ok()) return SendNow(MakeError(nullptr, message.status()));
    OnRequest(std::move(message).value());
  }

  /// HELLO, then AUTH when we have a secret; one ERROR and a close for anything else.
  void OnHandshakeFrame(FrameKind kind) {
    HandshakeStep step;
    if (kind == FrameKind::kBinary) {
      step = handshake_.OnBadFrame("a binary chunk frame");
    } else {
      Result<Json> message = ParseMessage(body_);
      step = message.ok() ? handshake_.OnMessage(*message) : handshake_.OnBadFrame("malformed JSON");
    }
    SendNow(step.reply);
    if (step.close) close_after_write_ = true;
    if (handshake_.done()) handshake_deadline_.cancel();
  }

  void OnRequest(Json message) {
    Status status = ValidateRequest(message);
    if (!status.ok()) return SendNow(MakeError(message.is_object() ? message.value("id", Json()) : Json(), status));
    const std::string& type = message["type"].get_ref<const std::string&>();
    if (type == "HELLO" || type == "AUTH") {
      return SendNow(MakeError(message["id"], Status::BadRequest(type + " was already received")));
    }
    if (type == "PING") return SendNow({{"type", "PONG"}, {"id", message["id"]}});
    if (Status served = CheckServedHere(*FindSpec(type)); !served.ok()) {
      return SendNow(MakeError(message["id"], served));
    }
    Json id = message["id"];
    try {  // a node never dies from what a client sends
      server_->handler(this->shared_from_this(), std::move(message));
    } catch (const std::exception& error) {
      SendNow(MakeError(id, Status::Internal(std::string("handler failed: ") + error.what())));
    }
  }

  Status CheckServedHere(const MessageSpec& spec) const {
    Served serves = server_->options.serves;
    if (spec.served_by == Served::kAny || serves == Served::kAny || spec.served_by == serves) return Status::Ok();
    return Status(Code::kUnknownType, std::string(spec.type) + (spec.served_by == Served::kPeer
                                                                    ? " is served by peers, not by the tracker"
                                                                    : " is served by the tracker, not by peers"));
  }

  // [SECTION] Session: uploads --------------------------------------------------
  //
  // opening -> data (chunks: socket -> buffer -> sink->Write on a file thread)
  //         -> trailer (one JSON frame) -> finishing (sink->Finish) -> reply
  // The read loop pauses while opening and finishing, and when every buffer
  // is waiting for the sink.

  bool ReadyForFrame() const {
    if (!upload_) return true;
    const Upload& upload = *upload_;
    if (upload.opening || upload.trailer) return false;
    return upload.unread == 0 || upload.buffers.Available();  // the trailer needs no chunk buffer
  }

  void OpenUpload() {
    OnFileThread([sink = upload_->sink] { return Guarded([&] { return sink->Open(); }); },
                 [self = this->shared_from_this()](Result<Json> ready) {
                   if (self->closed_ || !self->upload_) return;
                   self->SendReply(self->upload_->id, ready);
                   if (ready.ok()) {
                     self->upload_->opening = false;
                   } else {
                     self->EndUpload();
                   }
                   self->ReadNext();
                 });
  }

  void ReadUploadChunk(std::uint32_t length) {
    Upload& upload = *upload_;
    if (upload.unread == 0) {
      return AbortUpload(Status::BadRequest("the upload's data is complete: expected its " + upload.trailer_type +
                                            " frame, got more data"));
    }
    if (length > upload.unread) {
      return AbortUpload(Status::BadRequest("upload sent more bytes than its declared size"));
    }
    if (length > params::kChunkBytes) {
      return AbortUpload(Status::BadRequest("a chunk frame carries at most " + std::to_string(params::kChunkBytes) +
                                            " bytes, got " + std::to_string(length)));
    }
    ChunkPtr buffer = upload.buffers.Take();
    buffer->size = length;
    auto target = asio::buffer(buffer->data().data(), length);
    StartFrameDeadline();
    asio::async_read(stream_, target,
                     [self = this->shared_from_this(), buffer = std::move(buffer)](boost::system::error_code ec,
                                                                                   std::size_t) mutable {
                       self->deadline_.cancel();
                       if (ec) return self->CloseNow();
                       self->OnUploadChunk(std::move(buffer));
                       self->FrameDone();
                     });
  }

  void OnUploadChunk(ChunkPtr buffer) {
    Upload& upload = *upload_;
    upload.unread -= buffer->size;
    if (!upload.failed.ok()) return upload.buffers.Give(std::move(buffer));  // answered already: dropped
    upload.pending.push_back(PendingChunk{std::move(buffer)});
    PumpUpload();
  }

  /// Two lanes per upload, each on a file thread, in order, one chunk at a
  /// time: sink->Write() (the disk) and sink->Digest() (the hash), so that
  /// hashing one chunk overlaps writing another. A buffer goes back once
  /// both lanes are done with it.
  void PumpUpload() {
    Upload& upload = *upload_;
    while (!upload.pending.empty() && upload.pending.front().written && upload.pending.front().digested) {
      upload.buffers.Give(std::move(upload.pending.front().buffer));
      upload.pending.pop_front();
    }
    auto next = [&](bool PendingChunk::*done) {
      return std::find_if(upload.pending.begin(), upload.pending.end(),
                          [done](const PendingChunk& chunk) { return !(chunk.*done); });
    };
    if (auto chunk = next(&PendingChunk::written); !upload.writing && chunk != upload.pending.end()) {
      upload.writing = true;
      OnFileThread(
          [sink = upload.sink, buffer = chunk->buffer] { return Guarded([&] { return sink->Write(buffer->view()); }); },
          [self = this->shared_from_this()](Status status) { self->OnLaneDone(&PendingChunk::written, status); });
    }
    if (auto chunk = next(&PendingChunk::digested); !upload.digesting && chunk != upload.pending.end()) {
      upload.digesting = true;
      OnFileThread(
          [sink = upload.sink, buffer = chunk->buffer] {
            return Guarded([&] {
              sink->Digest(buffer->view());
              return Status::Ok();
            });
          },
          [self = this->shared_from_this()](Status status) { self->OnLaneDone(&PendingChunk::digested, status); });
    }
    FinishUpload();
  }

  /// A lane finished its oldest chunk.
  void OnLaneDone(bool PendingChunk::*done, const Status& status) {
    if (closed_ || !upload_) return;
    Upload& upload = *upload_;
    (done == &PendingChunk::written ? upload.writing : upload.digesting) = false;
    for (PendingChunk& chunk : upload.pending) {
      if (!(chunk.*done)) {
        chunk.*done = true;
        break;
      }
    }
    if (!status.ok()) FailUpload(status);
    PumpUpload();
    ReadNext();
  }

  /// The JSON frame that ends the data: the trailer, or a protocol error.
  void OnUploadJson() {
    Upload& upload = *upload_;
    if (upload.unread > 0) {
      return AbortUpload(Status::BadRequest("expected a binary chunk frame during the upload, got JSON (" +
                                            std::to_string(upload.unread) + " bytes of data still due)"));
    }
    if (!upload.failed.ok()) return EndUpload();  // answered already
    Result<Json> trailer = ParseMessage(body_);
    Status status = trailer.ok() ? ValidateRequest(*trailer) : trailer.status();
    if (status.ok() && (*trailer)["type"] != upload.trailer_type) {
      status = Status::BadRequest("expected " + upload.trailer_type + " after the upload's data, got '" +
                                  Sanitize((*trailer)["type"].get<std::string>()) + "'");
    }
    if (status.ok() && (*trailer)["id"] != upload.id) {
      status = Status::BadRequest(upload.trailer_type + " has id " + (*trailer)["id"].dump() +
                                  ", but the upload's request had id " + upload.id.dump());
    }
    if (!status.ok()) {
      FailUpload(status);
      return EndUpload();
    }
    upload.trailer = std::move(trailer).value();
    FinishUpload();
  }

  /// Once the trailer is in and every chunk is written: sink->Finish(), whose
  /// answer is the final reply.
  void FinishUpload() {
    Upload& upload = *upload_;
    if (!upload.trailer || upload.writing || upload.digesting || !upload.pending.empty() || upload.finishing) return;
    if (!upload.failed.ok()) return EndUpload();  // answered already
    upload.finishing = true;
    OnFileThread(
        [sink = upload.sink, trailer = *upload.trailer] { return Guarded([&] { return sink->Finish(trailer); }); },
        [self = this->shared_from_this()](Result<Json> reply) {
          if (self->closed_ || !self->upload_) return;
          self->SendReply(self->upload_->id, reply);
          self->EndUpload();
          self->ReadNext();
        });
  }

  /// Answers the upload with `status` now; the rest of its data is read and dropped.
  void FailUpload(const Status& status) {
    Upload& upload = *upload_;
    if (!upload.failed.ok()) return;
    upload.failed = status;
    SendNow(MakeError(upload.id, status));
    for (PendingChunk& chunk : upload.pending) chunk.written = chunk.digested = true;  // dropped
    Release(std::move(upload.sink));
  }

  /// A frame that breaks the upload's framing: the rest of the stream cannot
  /// be followed, so the connection ends after the reply.
  void AbortUpload(const Status& status) {
    if (upload_->failed.ok()) SendNow(MakeError(upload_->id, status));
    EndUpload();
    close_after_write_ = true;
  }

  void EndUpload() {
    if (!upload_) return;
    Release(std::move(upload_->sink));
    upload_.reset();
  }

  // [SECTION] Session: write queue ----------------------------------------------

  void SendNow(const Json& message) { Enqueue(WriteItem{EncodeFrame(FrameKind::kJson, DumpJson(message)), nullptr}); }

  /// Sends `reply` with `id` copied in, or its error as an ERROR.
  void SendReply(const Json& id, const Result<Json>& reply) {
    if (!reply.ok()) return SendNow(MakeError(id, reply.status()));
    Json message = reply.value();
    message["id"] = id;
    SendNow(message);
  }

  void Enqueue(WriteItem item) {
    if (closed_) return;
    write_queue_.push_back(std::move(item));
    DoWrite();
  }

  /// Writes the head of the queue, unless a write is in flight or the head is
  /// a download whose next frame is still being read; with the queue empty,
  /// the stream's next frames.
  void DoWrite() {
    if (writing_ || closed_) return;
    if (write_queue_.empty()) return WriteStream();
    WriteItem& head = write_queue_.front();
    asio::const_buffer bytes = asio::buffer(head.frame);
    if (head.download) {
      if (head.download->ready.empty()) return;  // ReadAhead's completion calls DoWrite
      OutFrame& frame = head.download->ready.front();
      bytes = frame.json.empty() ? frame.chunk->Frame() : asio::buffer(frame.json);
    }
    writing_ = true;
    asio::async_write(stream_, bytes, [self = this->shared_from_this()](boost::system::error_code ec, std::size_t) {
      self->writing_ = false;
      if (ec) return self->CloseNow();
      self->OnWritten();
    });
  }

  void OnWritten() {
    WriteItem& head = write_queue_.front();
    bool item_done = true;
    if (head.download) {
      Download& download = *head.download;
      OutFrame frame = std::move(download.ready.front());
      download.ready.pop_front();
      item_done = frame.last;
      if (frame.chunk) download.buffers.Give(std::move(frame.chunk));
      if (!item_done) ReadAhead(head.download);
    }
    if (item_done) write_queue_.pop_front();
    if (write_queue_.empty() && close_after_write_) return CloseNow();
    DoWrite();
  }

  /// Pulls the stream's ready frames into stream_bytes_ and writes them;
  /// a source's error is the stream's last frame.
  ///
  /// Each step of a write waits for its turn of the io loop, in which every
  /// busy connection has its turn too, so a stream must not be cut into
  /// small steps or its subscriber falls behind the peers and is cut off.
  /// Hence one buffer (a gather write hands the kernel at most 64 buffers
  /// per step, Asio's iovec limit) and no cap on a step (AllThatIsLeft;
  /// async_write's default offers at most 64 KiB): a pull usually goes out
  /// in one sendmsg(2), and a partial one (the socket's buffer is full)
  /// waits for the socket. The buffer keeps its capacity: no allocation,
  /// no fresh pages, per pull.
  void WriteStream() {
    if (!stream_source_ || close_after_write_) return;
    stream_bytes_.clear();
    Status pulled = stream_source_->Pull(stream_bytes_, kStreamWriteBytes);
    if (!pulled.ok()) return EndStream(pulled);
    if (stream_bytes_.empty()) return;
    writing_ = true;
    asio::async_write(stream_, asio::buffer(stream_bytes_), AllThatIsLeft,
                      [self = this->shared_from_this()](boost::system::error_code ec, std::size_t) {
                        self->writing_ = false;
                        if (ec || (self->close_after_write_ && self->write_queue_.empty())) return self->CloseNow();
                        self->DoWrite();
                      });
  }

  /// async_write's completion condition for the stream: go on until every
  /// byte is written or an error, and offer the kernel all that is left at
  /// each step (transfer_all offers at most 64 KiB).
  static std::size_t AllThatIsLeft(const boost::system::error_code& ec, std::size_t) {
    return ec ? 0 : std::numeric_limits<std::size_t>::max();
  }

  /// Keeps one source call on a file thread while the download has a free
  /// buffer: Open() first, then Read() into a buffer, then Finish().
  void ReadAhead(const std::shared_ptr<Download>& download) {
    if (closed_ || download->reading || download->ended) return;
    auto then = [self = this->shared_from_this(), download](OutFrame frame) {
      self->OnReadAhead(download, std::move(frame));
    };
    if (!download->opened) {
      download->opened = true;
      download->reading = true;
      return OnFileThread(
          [source = download->source, id = download->id] {
            return JsonFrame(id, Guarded([&] { return source->Open(); }), /*last_if_ok=*/false);
          },
          std::move(then));
    }
    if (!download->buffers.Available()) return;  // OnWritten calls again
    download->reading = true;
    OnFileThread([source = download->source, id = download->id,
                  buffer = download->buffers.Take()]() mutable { return NextFrame(*source, id, std::move(buffer)); },
                 std::move(then));
  }

  void OnReadAhead(const std::shared_ptr<Download>& download, OutFrame frame) {
    download->reading = false;
    if (closed_) return;
    if (frame.last) {
      download->ended = true;
      Release(std::move(download->source));
    }
    download->ready.push_back(std::move(frame));
    ReadAhead(download);
    DoWrite();
  }

  /// On a file thread: the download's next frame, a chunk, or at the end the
  /// trailer; an error in place of either ends the download.
  static OutFrame NextFrame(DownloadSource& source, const Json& id, ChunkPtr buffer) {
    Result<std::size_t> got = Guarded([&] { return source.Read(buffer->data()); });
    if (got.ok() && *got > 0) {
      buffer->size = std::min(*got, params::kChunkBytes);
      return OutFrame{"", std::move(buffer), false};
    }
    if (!got.ok()) return JsonFrame(id, got.status(), true);
    return JsonFrame(id, Guarded([&] { return source.Finish(); }), true);
  }

  /// `message` with `id` copied in, encoded; or its error as an ERROR, which
  /// is always the last frame of the download.
  static OutFrame JsonFrame(const Json& id, const Result<Json>& message, bool last_if_ok) {
    if (!message.ok())
      return OutFrame{EncodeFrame(FrameKind::kJson, DumpJson(MakeError(id, message.status()))), {}, true};
    Json frame = message.value();
    frame["id"] = id;
    return OutFrame{EncodeFrame(FrameKind::kJson, DumpJson(frame)), {}, last_if_ok};
  }

  // [SECTION] Session: file threads ---------------------------------------------

  /// Runs `job` on the server's file threads, then `then(result)` on the io
  /// thread. The session is kept alive by `then`, which is always destroyed
  /// on the io thread: a session never ends on a file thread.
  template <class Job, class Then>
  void OnFileThread(Job job, Then then) {
    if (closed_) return;
    asio::post(server_->file_threads, [io = &server_->io, job = std::move(job), then = std::move(then)]() mutable {
      auto result = job();
      asio::post(*io, [then = std::move(then), result = std::move(result)]() mutable { then(std::move(result)); });
    });
  }

  /// Drops a sink or source on a file thread: its destructor may block
  /// (an abandoned upload deletes its temporary file).
  template <class T>
  void Release(std::shared_ptr<T> stream_end) {
    if (stream_end) asio::post(server_->file_threads, [stream_end = std::move(stream_end)] {});
  }

  Stream stream_;
  asio::steady_timer deadline_;            // the frame being read must complete
  asio::steady_timer handshake_deadline_;  // the handshake must complete; later, a stream's last frame be written
  std::shared_ptr<ServerState> server_;
  ServerHandshake handshake_;
  std::string remote_address_ = "?";
  std::string remote_ip_;
  std::array<char, 1> peek_{};
  bool closed_ = false;
  bool close_after_write_ = false;
  bool reading_ = false;  // a frame is being read or handled
  bool writing_ = false;  // a write is in flight

  std::array<char, kFrameHeaderBytes> header_{};
  std::string body_;
  std::deque<WriteItem> write_queue_;
  std::unique_ptr<Upload> upload_;  // set while an upload is in progress

  /// A stream's frames are pulled about this many bytes at a time: one write.
  static constexpr std::size_t kStreamWriteBytes = 256 * 1024;
  std::shared_ptr<FrameSource> stream_source_;  // set while the session streams
  Json stream_id_;                              // the id of the request that started it
  std::string stream_bytes_;                    // the frames of the last pull, back to back: being written
};

// [SECTION] Server -------------------------------------------------------------

struct Server::Impl : std::enable_shared_from_this<Server::Impl> {
  std::shared_ptr<ServerState> state;
  tcp::acceptor acceptor;
  explicit Impl(std::shared_ptr<ServerState> s) : state(std::move(s)), acceptor(state->io) {}

  void DoAccept() {
    acceptor.async_accept([self = shared_from_this()](boost::system::error_code ec, tcp::socket socket) {
      self->OnAccept(ec, std::move(socket));
    });
  }

  void OnAccept(boost::system::error_code ec, tcp::socket socket) {
    {
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;
      if (!ec) {
        std::shared_ptr<ServerSession> session;
        if (state->tls) {
          session = std::make_shared<SessionImpl<TlsStream>>(state, std::move(socket), *state->tls);
        } else {
          session = std::make_shared<SessionImpl<tcp::socket>>(state, std::move(socket));
        }
        if (static_cast<int>(state->sessions.size()) >= state->options.max_connections) {
          session->Refuse(Status::Limit("connection limit of " + std::to_string(state->options.max_connections) +
                                        " reached; try again later"));
        } else {
          session->Start();
        }
      }
      DoAccept();
    }
  }
};

Server::Server(asio::io_context& io, ServerOptions options, RequestHandler handler)
    : impl_(std::make_shared<Impl>(std::make_shared<ServerState>(io, std::move(options), std::move(handler)))) {}

namespace {

/// A TLS-only server context: TLS 1.2 or newer, our certificate chain and key.
Result<std::unique_ptr<ssl::context>> MakeServerTls(const ServerOptions& options) {
  if (options.tls_cert.empty() != options.tls_key.empty()) {
    return Status::BadRequest("TLS needs both --tls-cert and --tls-key");
  }
  auto context = std::make_unique<ssl::context>(ssl::context::tls_server);
  SSL_CTX_set_min_proto_version(context->native_handle(), TLS1_2_VERSION);
  boost::system::error_code ec;
  context->use_certificate_chain_file(options.tls_cert, ec);
  if (ec)
    return Status::BadRequest("cannot load the TLS certificate '" + options.tls_cert +
                              "': " + PemLoadError(options.tls_cert, ec));
  context->use_private_key_file(options.tls_key, ssl::context::pem, ec);
  if (ec)
    return Status::BadRequest("cannot load the TLS key '" + options.tls_key +
                              "': " + PemLoadError(options.tls_key, ec));
  return context;
}

}  // namespace

// The file threads are joined here, after every session was closed (no new
// work is posted then): a job still running finishes first, and the shared
// ServerState can then never be destroyed on one of its own threads.
Server::~Server() {
  Stop();
  impl_->state->file_threads.join();
}

Status Server::Listen(const std::string& host, std::uint16_t port) {
  boost::system::error_code ec;
  auto address = asio::ip::make_address(host, ec);
  if (ec) return Status::BadRequest("cannot listen on '" + host + "': not an IP address");
  const ServerOptions& options = impl_->state->options;
  if (options.secret.empty() && !address.is_loopback()) {
    return Status::BadRequest("refusing to listen on " + host +
                              " without a cluster secret: an open cluster runs on "
                              "loopback only. Set OSGRID_SECRET or use --secret-file (make one with "
                              "osgrid-tracker --init), or listen on 127.0.0.1");
  }
  if (Status s = CheckObserverSecret(options.secret, options.observer_secret); !s.ok()) return s;
  if (!options.tls_cert.empty() || !options.tls_key.empty()) {
    auto tls = MakeServerTls(options);
    if (!tls.ok()) return tls.status();
    impl_->state->tls = std::move(tls).value();
  }
  tcp::endpoint endpoint(address, port);
  auto& acceptor = impl_->acceptor;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    acceptor.close();
    return Status::Unavailable("cannot listen on " + host + ":" + std::to_string(port) + ": " + ec.message());
  }
  impl_->DoAccept();
  return Status::Ok();
}

void Server::Stop() {
  boost::system::error_code ec;
  impl_->acceptor.close(ec);
  auto sessions = impl_->state->sessions;  // CloseNow() erases from the set
  for (ServerSession* session : sessions) session->CloseNow();
}

std::uint16_t Server::port() const {
  boost::system::error_code ec;
  auto endpoint = impl_->acceptor.local_endpoint(ec);
  return ec ? 0 : endpoint.port();
}

std::size_t Server::connection_count() const { return impl_->state->sessions.size(); }
const ServerOptions& Server::options() const { return impl_->state->options; }

}  // namespace osgrid::net
