// Connection: see connection.h for the model. The shape is Boost.Asio's
// chat_client: a read loop of named steps (header -> body -> frame ->
// header ...) and a write queue with one write in flight. Sections:
//   [SECTION] Impl: state, and delivering results to handlers
//   [SECTION] Connecting: resolve, TCP, TLS, the handshake (handshake.h)
//   [SECTION] Requests: queueing, deadlines
//   [SECTION] Write queue
//   [SECTION] Read loop: replies matched by id
//   [SECTION] Failure: closing and failing everything in flight
//
// Each connection attempt has its own Link: the socket (or TLS stream) and
// the buffers its operations read into and write from. Every operation holds
// its Link, so a stream is never destroyed under an operation that a failure
// cancelled; a completion whose Link is no longer the current one (after a
// failure, or a reconnect) does nothing.
#include "osgrid/net/connection.h"

#include <array>
#include <deque>
#include <optional>
#include <unordered_map>
#include <vector>

#include "asio.h"
#include "client_tls.h"
#include "handshake.h"
#include "osgrid/net/frame.h"
#include "osgrid/net/messages.h"

namespace osgrid::net {

using std::chrono::milliseconds;

// [SECTION] Impl -----------------------------------------------------------------

namespace {

/// One frame in the send queue.
struct Outgoing {
  std::string frame;
  std::int64_t id = 0;
  Connection::DoneHandler sent;  // Send(): told once written
};

/// One connection attempt: its stream and the buffers of its operations.
struct Link {
  explicit Link(asio::io_context& io) : socket(io) {}

  tcp::socket socket;                             // plain TCP; moved into `tls` when TLS is on
  std::shared_ptr<ssl::context> tls_context;      // outlives `tls`
  std::unique_ptr<ssl::stream<tcp::socket>> tls;  // the stream, when TLS is on
  std::array<char, kFrameHeaderBytes> header{};
  std::string body;
  std::string handshake_frame;  // HELLO or AUTH being written
  std::vector<Outgoing> batch;  // the frames of the write in flight

  tcp::socket& Socket() { return tls ? tls->next_layer() : socket; }

  /// Starts `operation(stream)` on the stream in use (TLS or plain).
  template <class Operation>
  void OnStream(Operation&& operation) {
    OnEitherStream(tls, socket, std::forward<Operation>(operation));
  }

  void Close() {
    boost::system::error_code ignored;
    Socket().close(ignored);
  }
};

using LinkPtr = std::shared_ptr<Link>;

}  // namespace

struct Connection::Impl : std::enable_shared_from_this<Connection::Impl> {
  Impl(asio::io_context& context, std::string host_name, std::uint16_t port_number,
       ConnectionOptions connection_options)
      : io(context),
        host(std::move(host_name)),
        port(port_number),
        where(host + ":" + std::to_string(port)),
        options(std::move(connection_options)),
        connect_timer(context) {}

  enum class State { kIdle, kConnecting, kReady };

  /// A Call() awaiting its reply.
  struct Pending {
    ReplyHandler done;
    bool raw = false;  // CallRaw: an ERROR reply is a reply
    std::unique_ptr<asio::steady_timer> deadline;
  };

  asio::io_context& io;
  const std::string host;
  const std::uint16_t port;
  const std::string where;
  const ConnectionOptions options;

  State state = State::kIdle;
  bool abandoned = false;  // the Connection was destroyed: call no handler
  LinkPtr link;            // the current attempt; null when idle
  std::unique_ptr<tcp::resolver> resolver;
  asio::steady_timer connect_timer;
  std::optional<ClientHandshake> handshake;
  bool awaiting_auth_ok = false;   // AUTH sent, AUTH_OK due
  bool handshake_writing = false;  // HELLO or AUTH is being written
  std::vector<DoneHandler> connect_waiters;
  Json hello;          // the server's HELLO
  Status said_before;  // a connection-level ERROR (null id) the server sent

  std::int64_t next_id = 1;
  std::unordered_map<std::int64_t, Pending> pending;
  std::deque<Outgoing> queue;  // not yet being written
  bool writing = false;        // link->batch is being written
  std::size_t queued_bytes = 0;

  /// Calls `handler(result)` later on the io thread, unless the Connection is
  /// destroyed first: never from inside the call that started the work.
  template <class Handler, class Value>
  void Deliver(Handler handler, Value result) {
    if (!handler) return;
    asio::post(io, [weak = weak_from_this(), handler = std::move(handler), result = std::move(result)]() mutable {
      auto self = weak.lock();
      if (self && !self->abandoned) handler(std::move(result));
    });
  }

  // [SECTION] Connecting ------------------------------------------------------------

  void StartConnect() {
    if (state != State::kIdle) return;
    state = State::kConnecting;
    link = std::make_shared<Link>(io);
    said_before = Status::Ok();
    connect_timer.expires_after(options.connect_timeout);
    connect_timer.async_wait([self = shared_from_this(), current = link](boost::system::error_code ec) {
      if (ec || current != self->link || self->state != State::kConnecting) return;
      self->Fail(Status::Timeout("connecting to " + self->where + " timed out after " +
                                 std::to_string(self->options.connect_timeout.count()) + " ms"));
    });
    boost::system::error_code ec;
    auto address = asio::ip::make_address(host, ec);
    if (!ec) return DoConnect(link, std::vector<tcp::endpoint>{tcp::endpoint(address, port)});
    if (!resolver) resolver = std::make_unique<tcp::resolver>(io);
    resolver->async_resolve(
        host, std::to_string(port),
        [self = shared_from_this(), current = link](boost::system::error_code error,
                                                    tcp::resolver::results_type found) {
          if (current != self->link) return;
          if (error) return self->Fail(Status::Unavailable("cannot resolve '" + self->host + "': " + error.message()));
          self->DoConnect(current, std::vector<tcp::endpoint>(found.begin(), found.end()));
        });
  }

  void DoConnect(const LinkPtr& current, std::vector<tcp::endpoint> endpoints) {
    asio::async_connect(
        current->socket, endpoints,
        [self = shared_from_this(), current](boost::system::error_code ec, const tcp::endpoint&) {
          if (current != self->link) return;
          if (ec) {
            return self->Fail(Status::Unavailable("cannot connect to " + self->where + ": " + ec.message() +
                                                  " (is an osgrid node running there?)"));
          }
          boost::system::error_code ignored;
          current->socket.set_option(tcp::no_delay(true), ignored);
          self->StartTls(current);
        });
  }

  /// With a CA: moves the socket into a TLS stream and shakes hands,
  /// verifying the server's certificate. Without: straight to HELLO.
  void StartTls(const LinkPtr& current) {
    const std::string& ca_file = options.security.tls_ca;
    if (ca_file.empty()) return StartHandshake(current);
    auto context = ClientTlsContext(ca_file);
    if (!context.ok()) return Fail(context.status());
    current->tls_context = *context;
    current->tls = std::make_unique<ssl::stream<tcp::socket>>(std::move(current->socket), *current->tls_context);
    current->tls->async_handshake(
        ssl::stream_base::client, [self = shared_from_this(), current](boost::system::error_code ec) {
          if (current != self->link) return;
          if (ec) {
            return self->Fail(TlsHandshakeFailed(self->where, ec, self->options.security.tls_ca));
          }
          self->StartHandshake(current);
        });
  }

  /// HELLO, and AUTH when the server asks for it: the state machine the
  /// blocking client uses too (handshake.h), fed by the read loop.
  void StartHandshake(const LinkPtr& current) {
    handshake.emplace(ChooseCredential(options.security), options.role, options.node, where);
    awaiting_auth_ok = false;
    auto first = handshake->Hello();
    if (!first.ok()) return Fail(first.status());
    WriteHandshake(current, *first);
    ReadHeader(current);
  }

  void WriteHandshake(const LinkPtr& current, const Json& message) {
    current->handshake_frame = EncodeFrame(FrameKind::kJson, message.dump());
    handshake_writing = true;
    current->OnStream([&](auto& stream) {
      asio::async_write(stream, asio::buffer(current->handshake_frame),
                        [self = shared_from_this(), current](boost::system::error_code ec, std::size_t) {
                          if (current != self->link) return;
                          if (ec) return self->Lost(ec);
                          self->handshake_writing = false;
                          self->DoWrite();  // requests wait for the last handshake frame to be written
                        });
    });
  }

  void OnHandshakeFrame(const LinkPtr& current, const Json& message) {
    if (!awaiting_auth_ok) {
      auto auth = handshake->OnHello(message);
      if (!auth.ok()) return Fail(auth.status());
      hello = message;
      if (auth->is_null()) return OnConnected();
      awaiting_auth_ok = true;
      return WriteHandshake(current, *auth);
    }
    if (Status status = handshake->OnAuthReply(message); !status.ok()) return Fail(status);
    OnConnected();
  }

  void OnConnected() {
    state = State::kReady;
    handshake.reset();
    connect_timer.cancel();
    for (DoneHandler& waiter : connect_waiters) Deliver(std::move(waiter), Status::Ok());
    connect_waiters.clear();
    DoWrite();
  }

  // [SECTION] Requests ---------------------------------------------------------------

  /// Encodes `message` with the next id and queues it, taking `sent`.
  /// Errors (nothing is queued or taken then): FRAME_TOO_LARGE, LIMIT.
  Result<std::int64_t> Enqueue(Json& message, DoneHandler& sent) {
    const std::int64_t id = next_id++;
    message["id"] = id;
    std::string payload = message.dump(-1, ' ', false, Json::error_handler_t::replace);
    if (payload.size() > options.max_frame_bytes) {
      return Status(Code::kTooLarge, "a message of " + std::to_string(payload.size()) + " bytes to " + where +
                                         " is over the frame limit of " + std::to_string(options.max_frame_bytes) +
                                         " bytes");
    }
    const std::size_t bytes = kFrameHeaderBytes + payload.size();
    if (queued_bytes + bytes > options.max_queued_bytes) {
      return Status::Limit("the send queue to " + where + " is full: " + std::to_string(queued_bytes) +
                           " bytes wait to be sent, and a message of " + std::to_string(bytes) +
                           " bytes does not fit in the limit of " + std::to_string(options.max_queued_bytes));
    }
    queue.push_back(Outgoing{EncodeFrame(FrameKind::kJson, payload), id, std::move(sent)});
    queued_bytes += bytes;
    if (state == State::kIdle) StartConnect();
    DoWrite();
    return id;
  }

  void StartCall(Json request, milliseconds timeout, ReplyHandler done, bool raw) {
    DoneHandler none;
    auto id = Enqueue(request, none);
    if (!id.ok()) return Deliver(std::move(done), Result<Json>(id.status()));
    Pending& call = pending[*id];
    call.done = std::move(done);
    call.raw = raw;
    call.deadline = std::make_unique<asio::steady_timer>(io, timeout);
    call.deadline->async_wait([weak = weak_from_this(), id = *id, timeout](boost::system::error_code ec) {
      auto self = weak.lock();
      if (!ec && self) self->OnDeadline(id, timeout);
    });
  }

  /// Fails one call with TIMEOUT; the connection goes on. If its frame is
  /// still in the queue, it is never sent.
  void OnDeadline(std::int64_t id, milliseconds timeout) {
    auto it = pending.find(id);
    if (it == pending.end()) return;
    ReplyHandler done = std::move(it->second.done);
    pending.erase(it);
    for (auto frame = queue.begin(); frame != queue.end(); ++frame) {
      if (frame->id == id) {
        queued_bytes -= frame->frame.size();
        queue.erase(frame);
        break;
      }
    }
    Deliver(std::move(done), Result<Json>(Status::Timeout("no reply from " + where + " within " +
                                                          std::to_string(timeout.count()) + " ms")));
  }

  // [SECTION] Write queue ------------------------------------------------------------

  /// Writes every frame queued so far in one gathered write, unless a write
  /// is in flight or the handshake is not done.
  void DoWrite() {
    if (state != State::kReady || writing || handshake_writing || queue.empty()) return;
    const LinkPtr current = link;
    current->batch.assign(std::make_move_iterator(queue.begin()), std::make_move_iterator(queue.end()));
    queue.clear();
    std::vector<asio::const_buffer> buffers;
    buffers.reserve(current->batch.size());
    for (const Outgoing& item : current->batch) buffers.push_back(asio::buffer(item.frame));
    writing = true;
    current->OnStream([&](auto& stream) {
      asio::async_write(stream, buffers,
                        [self = shared_from_this(), current](boost::system::error_code ec, std::size_t) {
                          if (current != self->link) return;
                          if (ec) return self->Lost(ec);
                          self->OnWritten();
                        });
    });
  }

  void OnWritten() {
    writing = false;
    for (Outgoing& item : link->batch) {
      queued_bytes -= item.frame.size();
      Deliver(std::move(item.sent), Status::Ok());
    }
    link->batch.clear();
    DoWrite();
  }

  // [SECTION] Read loop ----------------------------------------------------------------

  void ReadHeader(const LinkPtr& current) {
    current->OnStream([&](auto& stream) {
      asio::async_read(stream, asio::buffer(current->header),
                       [self = shared_from_this(), current](boost::system::error_code ec, std::size_t) {
                         if (current != self->link) return;
                         if (ec) return self->Lost(ec);
                         self->OnHeader(current);
                       });
    });
  }

  void OnHeader(const LinkPtr& current) {
    auto decoded = DecodeHeader(current->header.data(), options.max_frame_bytes);
    if (!decoded.ok()) return Fail(decoded.status());
    const FrameKind kind = decoded->kind;
    current->body.resize(decoded->length);
    current->OnStream([&](auto& stream) {
      asio::async_read(stream, asio::buffer(current->body),
                       [self = shared_from_this(), current, kind](boost::system::error_code ec, std::size_t) {
                         if (current != self->link) return;
                         if (ec) return self->Lost(ec);
                         self->OnFrame(current, kind);
                       });
    });
  }

  void OnFrame(const LinkPtr& current, FrameKind kind) {
    if (kind == FrameKind::kBinary) {
      return Fail(Status::BadRequest("protocol error: " + where +
                                     " sent a binary chunk frame, where only JSON replies were due"));
    }
    Result<Json> message = ParseMessage(current->body);
    if (!message.ok() || !message->is_object()) {
      return Fail(Status::BadRequest("protocol error: " + where + " sent a frame that is not a JSON object"));
    }
    if (state == State::kConnecting) {
      OnHandshakeFrame(current, *message);
    } else {
      OnReply(std::move(message).value());
    }
    if (current == link) ReadHeader(current);  // unless the frame ended the connection
  }

  void OnReply(Json reply) {
    const Json id = reply.value("id", Json());
    if (id.is_null()) {  // about the connection, not a request: kept for when it closes
      if (Status status = StatusFromReply(reply); !status.ok()) said_before = status;
      return;
    }
    if (!id.is_number_integer()) return;
    auto it = pending.find(id.get<std::int64_t>());
    if (it == pending.end()) return;  // its deadline passed, or a reply to Send()
    Pending call = std::move(it->second);
    pending.erase(it);
    call.deadline->cancel();
    if (!call.raw) {
      if (Status status = StatusFromReply(reply); !status.ok()) {
        return Deliver(std::move(call.done), Result<Json>(status));
      }
    }
    Deliver(std::move(call.done), Result<Json>(std::move(reply)));
  }

  // [SECTION] Failure -------------------------------------------------------------------

  /// The stream failed or ended: fails everything, with what the server said
  /// last if it said why.
  void Lost(const boost::system::error_code& ec) {
    if (!said_before.ok()) return Fail(said_before);
    if (ec == asio::error::eof || ec == ssl::error::stream_truncated || ec == asio::error::connection_reset) {
      return Fail(Status::Unavailable("connection to " + where + " closed by the other side"));
    }
    Fail(Status::Unavailable("connection to " + where + " failed: " + ec.message()));
  }

  /// Closes the connection and fails every call, queued message and connect
  /// waiter with `status`. The next message connects again.
  void Fail(const Status& status) {
    std::vector<DoneHandler> in_write;  // the frames stay in the Link: its write may still point at them
    if (link) {
      link->Close();  // its operations end with operation_aborted, holding the Link until then
      for (Outgoing& frame : link->batch) in_write.push_back(std::move(frame.sent));
      link.reset();
    }
    state = State::kIdle;
    handshake.reset();
    handshake_writing = writing = false;
    queued_bytes = 0;
    connect_timer.cancel();
    if (resolver) resolver->cancel();
    auto calls = std::move(pending);
    auto frames = std::move(queue);
    auto waiters = std::move(connect_waiters);
    pending.clear();
    queue.clear();
    connect_waiters.clear();
    for (auto& [id, call] : calls) {
      call.deadline->cancel();
      Deliver(std::move(call.done), Result<Json>(status));
    }
    for (DoneHandler& sent : in_write) Deliver(std::move(sent), status);
    for (Outgoing& frame : frames) Deliver(std::move(frame.sent), status);
    for (DoneHandler& waiter : waiters) Deliver(std::move(waiter), status);
  }
};

// [SECTION] Connection ------------------------------------------------------------------

Connection::Connection(asio::io_context& io, std::string host, std::uint16_t port, ConnectionOptions options)
    : impl_(std::make_shared<Impl>(io, std::move(host), port, std::move(options))) {}

Connection::~Connection() {
  impl_->abandoned = true;  // Fail() below delivers to no one
  impl_->Fail(Status::Unavailable("connection to " + impl_->where + " closed by this side"));
}

void Connection::Connect(DoneHandler done) {
  if (impl_->state == Impl::State::kReady) return impl_->Deliver(std::move(done), Status::Ok());
  if (done) impl_->connect_waiters.push_back(std::move(done));
  impl_->StartConnect();
}

void Connection::Call(Json request, milliseconds timeout, ReplyHandler done) {
  impl_->StartCall(std::move(request), timeout, std::move(done), /*raw=*/false);
}

void Connection::CallRaw(Json request, milliseconds timeout, ReplyHandler done) {
  impl_->StartCall(std::move(request), timeout, std::move(done), /*raw=*/true);
}

void Connection::Send(Json message, DoneHandler done) {
  auto id = impl_->Enqueue(message, done);
  if (!id.ok()) impl_->Deliver(std::move(done), id.status());
}

void Connection::Close() { impl_->Fail(Status::Unavailable("connection to " + impl_->where + " closed by this side")); }

bool Connection::connected() const { return impl_->state == Impl::State::kReady; }
std::size_t Connection::in_flight() const { return impl_->pending.size(); }
std::size_t Connection::queued_bytes() const { return impl_->queued_bytes; }
const Json& Connection::server_hello() const { return impl_->hello; }
const std::string& Connection::where() const { return impl_->where; }

}  // namespace osgrid::net
