// Server and Session: see server.h for the model. Sections:
//   [SECTION] Session: read loop (header -> body -> frame -> header ...)
//   [SECTION] Session: write queue (one write in flight; streams pull chunks)
//   [SECTION] Server: acceptor and the set of live sessions
#include "osgrid/net/server.h"

#include <deque>
#include <set>

#include "asio.h"
#include "osgrid/net/frame.h"
#include "osgrid/net/messages.h"

namespace osgrid::net {

void Session::Reply(const Json& request, Json reply) {
  reply["id"] = request.contains("id") ? request["id"] : Json(nullptr);
  Send(std::move(reply));
}

void Session::ReplyError(const Json& request, const Status& status) {
  Send(MakeError(request.is_object() && request.contains("id") ? request["id"] : Json(nullptr),
                 status));
}

/// Serialises a message; invalid UTF-8 (e.g. from a task's output) is replaced,
/// never thrown on.
static std::string DumpJson(const Json& message) {
  return message.dump(-1, ' ', false, Json::error_handler_t::replace);
}

class SessionImpl;

/// What sessions share with their server; outlives the Server object if a
/// session is still winding down.
struct ServerState {
  asio::io_context& io;
  ServerOptions options;
  RequestHandler handler;
  std::set<SessionImpl*> sessions;  // open sessions (io thread only)
};

// [SECTION] Session: read loop ----------------------------------------------

class SessionImpl final : public Session, public std::enable_shared_from_this<SessionImpl> {
 public:
  SessionImpl(tcp::socket socket, std::shared_ptr<ServerState> server)
      : socket_(std::move(socket)), deadline_(server->io), server_(std::move(server)) {
    boost::system::error_code ec;
    auto endpoint = socket_.remote_endpoint(ec);
    if (!ec) {
      remote_ip_ = endpoint.address().to_string();
      remote_address_ = remote_ip_ + ":" + std::to_string(endpoint.port());
    }
    socket_.set_option(tcp::no_delay(true), ec);
  }

  ~SessionImpl() override { server_->sessions.erase(this); }

  void Start() {
    server_->sessions.insert(this);
    DoReadHeader();
  }

  /// Used when the server is full: answer once, then hang up.
  void Refuse(const Status& status) {
    server_->sessions.insert(this);
    SendNow(MakeError(nullptr, status));
    close_after_write_ = true;
  }

  void Send(Json message) override {
    asio::dispatch(server_->io, [self = shared_from_this(), message = std::move(message)] {
      self->SendNow(message);
    });
  }

  void SendStream(Json header, ChunkSource source) override {
    asio::dispatch(server_->io, [self = shared_from_this(), header = std::move(header),
                                 source = std::move(source)]() mutable {
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
    asio::dispatch(server_->io, [self = shared_from_this()] { self->CloseNow(); });
  }
  bool closed() const override { return closed_; }
  std::string remote_address() const override { return remote_address_; }
  std::string remote_ip() const override { return remote_ip_; }
  const std::string& remote_role() const override { return remote_role_; }

  void CloseNow() {
    if (closed_) return;
    closed_ = true;
    server_->sessions.erase(this);
    boost::system::error_code ec;
    deadline_.cancel();
    socket_.shutdown(tcp::socket::shutdown_both, ec);
    socket_.close(ec);
    if (upload_done_) FinishUpload(Status::Unavailable("connection lost during the upload"));
  }

 private:
  struct WriteItem {
    std::string frame;         // the next bytes to write
    ChunkSource source;        // set for a download: pulled after `frame` is written
  };

  void DoReadHeader() {
    if (closed_ || close_after_write_) return;
    asio::async_read(socket_, asio::buffer(header_),
                     [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                       if (ec) return self->CloseNow();
                       self->OnHeader();
                     });
  }

  void OnHeader() {
    auto header = DecodeHeader(header_.data(), server_->options.max_frame_bytes);
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
    deadline_.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
      if (auto self = weak.lock(); self && !ec) self->CloseNow();
    });
    asio::async_read(socket_, asio::buffer(body_),
                     [self = shared_from_this(), header](boost::system::error_code ec, std::size_t) {
                       self->deadline_.cancel();
                       if (ec) return self->CloseNow();
                       self->OnFrame(header.kind);
                       self->DoReadHeader();
                     });
  }

  void OnFrame(FrameKind kind) {
    if (upload_done_) return OnUploadFrame(kind);
    if (kind == FrameKind::kBinary) {
      SendNow(MakeError(nullptr, Status::BadRequest("unexpected binary chunk frame outside a file upload")));
      return;
    }
    Json message;
    try {
      message = Json::parse(body_);
    } catch (const Json::parse_error& error) {
      SendNow(MakeError(nullptr, Status::BadRequest(std::string("malformed JSON: ") + error.what())));
      return;
    }
    if (!hello_done_) return OnHello(message);
    OnRequest(std::move(message));
  }

  void OnHello(const Json& message) {
    Status status = ValidateRequest(message);
    if (status.ok() && message["type"] != "HELLO") {
      status = Status(Code::kVersion, "the first message must be HELLO (protocol version " +
                                          std::to_string(params::kProtocolVersion) + ")");
    } else if (status.ok() && message["version"] != params::kProtocolVersion) {
      status = Status(Code::kVersion, "protocol version " + message["version"].dump() +
                                          " is not supported; this " + server_->options.role +
                                          " speaks version " +
                                          std::to_string(params::kProtocolVersion));
    }
    if (!status.ok()) {
      SendNow(MakeError(message.is_object() && message.contains("id") ? message["id"] : Json(nullptr), status));
      close_after_write_ = true;
      return;
    }
    hello_done_ = true;
    remote_role_ = message["role"].get<std::string>();
    SendNow({{"type", "HELLO"}, {"id", message["id"]}, {"version", params::kProtocolVersion},
             {"role", server_->options.role}, {"node", server_->options.node}});
  }

  void OnRequest(Json message) {
    Status status = ValidateRequest(message);
    if (!status.ok()) return SendNow(MakeError(message.is_object() ? message.value("id", Json()) : Json(), status));
    const std::string& type = message["type"].get_ref<const std::string&>();
    if (type == "HELLO") {
      return SendNow(MakeError(message["id"], Status::BadRequest("HELLO was already received")));
    }
    if (type == "PING") return SendNow({{"type", "PONG"}, {"id", message["id"]}});
    if (Status served = CheckServedHere(*FindSpec(type)); !served.ok()) {
      return SendNow(MakeError(message["id"], served));
    }
    Json id = message["id"];
    try {  // a node never dies from what a client sends
      server_->handler(shared_from_this(), std::move(message));
    } catch (const std::exception& error) {
      SendNow(MakeError(id, Status::Internal(std::string("handler failed: ") + error.what())));
    }
  }

  Status CheckServedHere(const MessageSpec& spec) const {
    Served serves = server_->options.serves;
    if (spec.served_by == Served::kAny || serves == Served::kAny || spec.served_by == serves) return Status::Ok();
    return Status(Code::kUnknownType, std::string(spec.type) +
                                          (spec.served_by == Served::kPeer ? " is served by peers, not by the tracker"
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

  void SendNow(const Json& message) {
    Enqueue(WriteItem{EncodeFrame(FrameKind::kJson, DumpJson(message)), nullptr});
  }

  void Enqueue(WriteItem item) {
    if (closed_) return;
    bool write_in_progress = !write_queue_.empty();
    write_queue_.push_back(std::move(item));
    if (!write_in_progress) DoWrite();
  }

  void DoWrite() {
    asio::async_write(socket_, asio::buffer(write_queue_.front().frame),
                      [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
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

  tcp::socket socket_;
  asio::steady_timer deadline_;
  std::shared_ptr<ServerState> server_;
  std::string remote_address_ = "?";
  std::string remote_ip_;
  std::string remote_role_;
  bool hello_done_ = false;
  bool closed_ = false;
  bool close_after_write_ = false;

  std::array<char, kFrameHeaderBytes> header_{};
  std::string body_;
  std::deque<WriteItem> write_queue_;

  std::uint64_t upload_remaining_ = 0;  // bytes of the upload still to come
  ChunkSink upload_sink_;
  StreamDone upload_done_;              // set while an upload is in progress
};

// [SECTION] Server -------------------------------------------------------------

struct Server::Impl : std::enable_shared_from_this<Server::Impl> {
  std::shared_ptr<ServerState> state;
  tcp::acceptor acceptor;
  explicit Impl(std::shared_ptr<ServerState> s) : state(std::move(s)), acceptor(state->io) {}

  void DoAccept() {
    acceptor.async_accept([self = shared_from_this()](boost::system::error_code ec,
                                                      tcp::socket socket) {
      self->OnAccept(ec, std::move(socket));
    });
  }

  void OnAccept(boost::system::error_code ec, tcp::socket socket) {
    {
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;
      if (!ec) {
        auto session = std::make_shared<SessionImpl>(std::move(socket), state);
        if (static_cast<int>(state->sessions.size()) >= state->options.max_connections) {
          session->Refuse(Status::Limit("connection limit of " +
                                        std::to_string(state->options.max_connections) +
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
    : impl_(std::make_shared<Impl>(std::make_shared<ServerState>(
          ServerState{io, std::move(options), std::move(handler), {}}))) {}

Server::~Server() { Stop(); }

Status Server::Listen(const std::string& host, std::uint16_t port) {
  boost::system::error_code ec;
  auto address = asio::ip::make_address(host, ec);
  if (ec) return Status::BadRequest("cannot listen on '" + host + "': not an IP address");
  tcp::endpoint endpoint(address, port);
  auto& acceptor = impl_->acceptor;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    acceptor.close();
    return Status::Unavailable("cannot listen on " + host + ":" + std::to_string(port) + ": " +
                               ec.message());
  }
  impl_->DoAccept();
  return Status::Ok();
}

void Server::Stop() {
  boost::system::error_code ec;
  impl_->acceptor.close(ec);
  auto sessions = impl_->state->sessions;  // CloseNow() erases from the set
  for (SessionImpl* session : sessions) session->CloseNow();
}

std::uint16_t Server::port() const {
  boost::system::error_code ec;
  auto endpoint = impl_->acceptor.local_endpoint(ec);
  return ec ? 0 : endpoint.port();
}

std::size_t Server::connection_count() const { return impl_->state->sessions.size(); }
const ServerOptions& Server::options() const { return impl_->state->options; }

}  // namespace osgrid::net
