// Server and Session: see server.h for the model. Sections:
//   [SECTION] Session: start (TLS handshake when on), then the read loop
//             (header -> body -> frame -> header ...), the connection
//             handshake (handshake.h) before any request
//   [SECTION] Session: read loop
//   [SECTION] Session: write queue (one write in flight; streams pull chunks)
//   [SECTION] Server: acceptor and the set of live sessions
#include "osgrid/net/server.h"

#include <openssl/ssl.h>

#include <deque>
#include <set>
#include <type_traits>

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
  asio::io_context& io;
  ServerOptions options;
  RequestHandler handler;
  std::set<ServerSession*> sessions;  // open sessions (io thread only)
  std::unique_ptr<ssl::context> tls;  // set by Listen() when TLS is on
};

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
        handshake_(server_->options.secret, server_->options.role, server_->options.node) {
    boost::system::error_code ec;
    auto endpoint = Socket().remote_endpoint(ec);
    if (!ec) {
      remote_ip_ = endpoint.address().to_string();
      remote_address_ = remote_ip_ + ":" + std::to_string(endpoint.port());
    }
    Socket().set_option(tcp::no_delay(true), ec);
  }

  ~SessionImpl() override { server_->sessions.erase(this); }

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
      DoReadHeader();
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

  void SendStream(Json header, ChunkSource source) override {
    asio::dispatch(server_->io,
                   [self = this->shared_from_this(), header = std::move(header), source = std::move(source)]() mutable {
                     self->Enqueue(WriteItem{EncodeFrame(FrameKind::kJson, DumpJson(header)), std::move(source)});
                   });
  }

  void ReceiveChunks(std::uint64_t total_bytes, ChunkSink sink, StreamDone done) override {
    upload_remaining_ = total_bytes;
    upload_sink_ = std::move(sink);
    upload_done_ = std::move(done);
    if (total_bytes == 0) FinishUpload(Status::Ok());
  }

  void Close() override {
    asio::dispatch(server_->io, [self = this->shared_from_this()] { self->CloseNow(); });
  }
  bool closed() const override { return closed_; }
  std::string remote_address() const override { return remote_address_; }
  std::string remote_ip() const override { return remote_ip_; }
  const std::string& remote_role() const override { return handshake_.remote_role(); }

  void CloseNow() override {
    if (closed_) return;
    closed_ = true;
    server_->sessions.erase(this);
    boost::system::error_code ec;
    deadline_.cancel();
    handshake_deadline_.cancel();
    Socket().shutdown(tcp::socket::shutdown_both, ec);
    Socket().close(ec);
    if (upload_done_) FinishUpload(Status::Unavailable("connection lost during the upload"));
  }

 private:
  struct WriteItem {
    std::string frame;   // the next bytes to write
    ChunkSource source;  // set for a download: pulled after `frame` is written
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
                                self->DoReadHeader();
                              });
    }
  }

  // [SECTION] Session: read loop ----------------------------------------------

  void DoReadHeader() {
    if (closed_ || close_after_write_) return;
    asio::async_read(stream_, asio::buffer(header_),
                     [self = this->shared_from_this()](boost::system::error_code ec, std::size_t) {
                       if (ec) return self->CloseNow();
                       self->OnHeader();
                     });
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
    DoReadBody(*header);
  }

  /// A started frame must complete within socket_timeout (no slow-loris).
  void DoReadBody(FrameHeader header) {
    body_.resize(header.length);
    deadline_.expires_after(server_->options.socket_timeout);
    deadline_.async_wait([weak = this->weak_from_this()](boost::system::error_code ec) {
      if (auto self = weak.lock(); self && !ec) self->CloseNow();
    });
    asio::async_read(stream_, asio::buffer(body_),
                     [self = this->shared_from_this(), header](boost::system::error_code ec, std::size_t) {
                       self->deadline_.cancel();
                       if (ec) return self->CloseNow();
                       self->OnFrame(header.kind);
                       self->DoReadHeader();
                     });
  }

  void OnFrame(FrameKind kind) {
    if (upload_done_) return OnUploadFrame(kind);
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

  void OnUploadFrame(FrameKind kind) {
    if (kind != FrameKind::kBinary) {
      return AbortUpload(Status::BadRequest("expected a binary chunk frame during the upload, got JSON"));
    }
    if (body_.size() > upload_remaining_) {
      return AbortUpload(Status::BadRequest("upload sent more bytes than its declared size"));
    }
    Status status = upload_sink_(body_);
    if (!status.ok()) return AbortUpload(status);
    upload_remaining_ -= body_.size();
    if (upload_remaining_ == 0) FinishUpload(Status::Ok());
  }

  /// The rest of the upload is unread, so the connection ends after the reply.
  void AbortUpload(const Status& status) {
    FinishUpload(status);
    close_after_write_ = true;
  }

  void FinishUpload(const Status& status) {
    auto done = std::move(upload_done_);
    upload_done_ = nullptr;
    upload_sink_ = nullptr;
    done(status);
  }

  // [SECTION] Session: write queue --------------------------------------------

  void SendNow(const Json& message) { Enqueue(WriteItem{EncodeFrame(FrameKind::kJson, DumpJson(message)), nullptr}); }

  void Enqueue(WriteItem item) {
    if (closed_) return;
    bool write_in_progress = !write_queue_.empty();
    write_queue_.push_back(std::move(item));
    if (!write_in_progress) DoWrite();
  }

  void DoWrite() {
    asio::async_write(stream_, asio::buffer(write_queue_.front().frame),
                      [self = this->shared_from_this()](boost::system::error_code ec, std::size_t) {
                        if (ec) return self->CloseNow();
                        self->OnWritten();
                      });
  }

  void OnWritten() {
    WriteItem& head = write_queue_.front();
    if (head.source) {  // a download: pull the next chunk, keep the item at the head
      Result<std::string> chunk = head.source();
      if (!chunk.ok()) return CloseNow();  // the client sees a short stream and reports it
      if (!chunk->empty()) {
        head.frame = EncodeFrame(FrameKind::kBinary, *chunk);
        return DoWrite();
      }
    }
    write_queue_.pop_front();
    if (!write_queue_.empty()) return DoWrite();
    if (close_after_write_) CloseNow();
  }

  Stream stream_;
  asio::steady_timer deadline_;            // the frame being read must complete
  asio::steady_timer handshake_deadline_;  // the handshake must complete
  std::shared_ptr<ServerState> server_;
  ServerHandshake handshake_;
  std::string remote_address_ = "?";
  std::string remote_ip_;
  std::array<char, 1> peek_{};
  bool closed_ = false;
  bool close_after_write_ = false;

  std::array<char, kFrameHeaderBytes> header_{};
  std::string body_;
  std::deque<WriteItem> write_queue_;

  std::uint64_t upload_remaining_ = 0;  // bytes of the upload still to come
  ChunkSink upload_sink_;
  StreamDone upload_done_;  // set while an upload is in progress
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
    : impl_(std::make_shared<Impl>(
          std::make_shared<ServerState>(ServerState{io, std::move(options), std::move(handler), {}, nullptr}))) {}

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

Server::~Server() { Stop(); }

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
