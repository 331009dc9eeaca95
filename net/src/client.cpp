// The blocking client. Each operation is started asynchronously and the
// private io_context is run until it completes or the deadline passes (the
// Boost.Asio "blocking_tcp_client" pattern): a timeout closes the socket.
// The deadline is a timer, not io_context::run_for, which wakes the thread
// every second while it waits: a blocked call sleeps until something happens.
//
// With ClientSecurity::tls_ca the connected socket is moved into an
// ssl::stream that verifies the server's certificate against that CA (TLS
// 1.2+; the CA file is loaded once per process); every read and write then
// goes through whichever stream is in use. The handshake itself is
// ClientHandshake (handshake.h).
//
// Shutdown() is the one call from another thread. It never touches the
// socket itself: the owner thread may be closing it at that moment (after a
// timeout), and a descriptor closed and reused would then be shut down by
// mistake. It sets a flag and posts the close to the client's io_context,
// which is thread-safe and wakes a run in progress; the owner thread runs the
// close the next time it runs the io_context, and its pending operation ends.
#include "osgrid/net/client.h"

#include <openssl/ssl.h>
#include <poll.h>
#include <sys/sendfile.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <map>
#include <mutex>

#include "asio.h"
#include "client_tls.h"
#include "handshake.h"
#include "osgrid/net/frame.h"
#include "osgrid/net/messages.h"

namespace osgrid::net {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

Result<std::shared_ptr<ssl::context>> ClientTlsContext(const std::string& ca_file) {
  static std::mutex mutex;
  static std::map<std::string, std::shared_ptr<ssl::context>> contexts;  // guarded by mutex
  std::lock_guard<std::mutex> lock(mutex);
  if (auto it = contexts.find(ca_file); it != contexts.end()) return it->second;
  auto context = std::make_shared<ssl::context>(ssl::context::tls_client);
  SSL_CTX_set_min_proto_version(context->native_handle(), TLS1_2_VERSION);
  boost::system::error_code ec;
  context->load_verify_file(ca_file, ec);
  if (ec) return Status::BadRequest("cannot load the TLS CA file '" + ca_file + "': " + PemLoadError(ca_file, ec));
  context->set_verify_mode(ssl::verify_peer, ec);
  contexts[ca_file] = context;
  return context;
}

Status TlsHandshakeFailed(const std::string& where, const boost::system::error_code& ec, const std::string& ca_file) {
  return Status(Code::kAuth, "TLS handshake with " + where + " failed: " + ec.message() +
                                 " (does it run with --tls-cert, signed by the CA in " + ca_file + "?)");
}

struct Client::Impl {
  asio::io_context io;
  tcp::socket socket{io};  // plain TCP; moved into `tls` when TLS is on
  std::shared_ptr<ssl::context> tls_context;
  std::unique_ptr<ssl::stream<tcp::socket>> tls;
  ClientOptions options;
  Json hello;
  std::int64_t next_id = 1;
  std::string where;                   // "host:port", for messages
  std::vector<char> tls_scratch;       // SendFileChunk's buffer over TLS
  std::atomic<bool> shut_down{false};  // Shutdown() was called; set by any thread

  /// The TCP socket, wherever it lives now.
  tcp::socket& Socket() { return tls ? tls->next_layer() : socket; }

  /// Starts `operation(stream)` on the stream in use (TLS or plain).
  template <class Operation>
  void OnStream(Operation&& operation) {
    OnEitherStream(tls, socket, std::forward<Operation>(operation));
  }

  /// Runs the io_context until the pending operation, whose handler sets
  /// `result`, has completed, or `timeout` has passed; then calls
  /// `on_timeout`, which must make the operation end, and runs on until it
  /// has. Returns false on timeout.
  template <class OnTimeout>
  bool RunUntilDone(const boost::system::error_code& result, milliseconds timeout, OnTimeout on_timeout) {
    bool timed_out = false;
    asio::steady_timer deadline(io, timeout);
    deadline.async_wait([&](boost::system::error_code ec) {
      if (ec || result != asio::error::would_block) return;  // the operation ended first
      timed_out = true;
      on_timeout();
    });
    io.restart();
    while (result == asio::error::would_block && io.run_one() > 0) {
    }
    deadline.cancel();
    io.run();  // the timer's end, and anything else left
    return !timed_out;
  }

  /// Runs the pending operation, whose handler sets `result`; on timeout
  /// closes the socket. Returns false on timeout.
  bool Run(const boost::system::error_code& result, milliseconds timeout) {
    return RunUntilDone(result, timeout, [this] { CloseSocket(); });
  }

  /// What every call returns after Shutdown().
  Status Cancelled() const {
    return Status(Code::kCancelled, "the connection to " + where + " was shut down by this program");
  }

  /// OK while the connection can be used; else why not: CANCELLED after
  /// Shutdown(), UNAVAILABLE when closed.
  Status Usable() {
    if (shut_down) return Cancelled();
    if (!Socket().is_open()) return Status::Unavailable("not connected to " + where);
    return Status::Ok();
  }

  /// The socket closed, on the owner thread. Shutdown() posts this.
  void CloseSocket() {
    boost::system::error_code ignored;
    Socket().close(ignored);
  }

  Status Lost(const boost::system::error_code& ec) {
    CloseSocket();
    if (shut_down) return Cancelled();
    if (ec == asio::error::eof || ec == ssl::error::stream_truncated) {
      return Status::Unavailable("connection to " + where + " closed by the other side");
    }
    return Status::Unavailable("connection to " + where + " failed: " + ec.message());
  }

  /// Moves the connected socket into a TLS stream and shakes hands, verifying
  /// the server's certificate against `ca_file`. Errors: BAD_REQUEST (CA
  /// file), AUTH (handshake or verification failed), TIMEOUT.
  Status StartTls(const std::string& ca_file) {
    auto context = ClientTlsContext(ca_file);
    if (!context.ok()) return context.status();
    tls_context = *context;
    tls = std::make_unique<ssl::stream<tcp::socket>>(std::move(socket), *tls_context);
    boost::system::error_code result = asio::error::would_block;
    tls->async_handshake(ssl::stream_base::client, [&](boost::system::error_code ec) { result = ec; });
    if (!Run(result, options.connect_timeout)) return Status::Timeout("TLS handshake with " + where + " timed out");
    if (!result) return Status::Ok();
    Status failed = TlsHandshakeFailed(where, result, ca_file);
    Socket().close(result);
    return failed;
  }

  /// Writes every byte of `buffers` (one buffer or a sequence: one writev).
  template <class Buffers>
  Status Write(const Buffers& buffers, milliseconds timeout) {
    if (Status s = Usable(); !s.ok()) return s;
    boost::system::error_code result = asio::error::would_block;
    OnStream([&](auto& stream) {
      asio::async_write(stream, buffers, [&](boost::system::error_code ec, std::size_t) { result = ec; });
    });
    if (!Run(result, timeout)) return Status::Timeout("sending to " + where + " timed out");
    return result ? Lost(result) : Status::Ok();
  }

  /// Waits until the socket can take more bytes. Errors: TIMEOUT, UNAVAILABLE.
  Status AwaitWritable(milliseconds timeout) {
    boost::system::error_code result = asio::error::would_block;
    Socket().async_wait(tcp::socket::wait_write, [&](boost::system::error_code ec) { result = ec; });
    if (!Run(result, timeout)) return Status::Timeout("sending to " + where + " timed out");
    return result ? Lost(result) : Status::Ok();
  }

  /// Sends `size` bytes of `fd` from `offset` with sendfile(2), waiting
  /// while the socket is full. Errors: IO (the file), TIMEOUT, UNAVAILABLE.
  Status SendFromFile(int fd, std::uint64_t offset, std::size_t size, const std::string& path, milliseconds timeout) {
    auto from = static_cast<off_t>(offset);
    for (std::size_t left = size; left > 0;) {
      const ssize_t sent = ::sendfile(Socket().native_handle(), fd, &from, left);
      if (sent > 0) {
        left -= static_cast<std::size_t>(sent);
      } else if (sent == 0) {
        return Status::Io(path + " shrank while it was being sent");
      } else if (errno == EAGAIN) {
        if (Status s = AwaitWritable(timeout); !s.ok()) return s;
      } else if (errno == EPIPE || errno == ECONNRESET) {
        return Lost(boost::system::error_code(errno, boost::system::system_category()));
      } else if (errno != EINTR) {
        return Status::Io("cannot read " + path + ": " + std::strerror(errno));
      }
    }
    return Status::Ok();
  }

  /// Reads exactly `target.size()` bytes. `deadline` bounds the whole frame.
  Status ReadExactly(asio::mutable_buffer target, Clock::time_point deadline, const char* what) {
    boost::system::error_code result = asio::error::would_block;
    OnStream([&](auto& stream) {
      asio::async_read(stream, target, [&](boost::system::error_code ec, std::size_t) { result = ec; });
    });
    auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
    if (!Run(result, std::max(left, milliseconds(1))))
      return Status::Timeout(std::string(what) + " from " + where + " timed out");
    return result ? Lost(result) : Status::Ok();
  }

  /// Reads a frame header. Errors: TIMEOUT (nothing within `timeout`), UNAVAILABLE, FRAME_TOO_LARGE.
  Result<FrameHeader> ReadHeader(milliseconds timeout) {
    if (Status s = Usable(); !s.ok()) return s;
    std::array<char, kFrameHeaderBytes> header_bytes{};
    boost::system::error_code result = asio::error::would_block;
    OnStream([&](auto& stream) {
      asio::async_read(stream, asio::buffer(header_bytes),
                       [&](boost::system::error_code ec, std::size_t) { result = ec; });
    });
    if (!Run(result, timeout))
      return Status::Timeout("no reply from " + where + " within " + std::to_string(timeout.count()) + " ms");
    if (result) return Lost(result);
    auto header = DecodeHeader(header_bytes.data(), options.max_frame_bytes);
    if (!header.ok()) Socket().close(result);
    return header;
  }

  /// Waits until the socket is readable (data, its end, or an error) or
  /// `timeout` passes, reading nothing. Errors: TIMEOUT (the socket stays
  /// open), CANCELLED, UNAVAILABLE.
  Status AwaitReadable(milliseconds timeout) {
    boost::system::error_code result = asio::error::would_block;
    Socket().async_wait(tcp::socket::wait_read, [&](boost::system::error_code ec) { result = ec; });
    RunUntilDone(result, timeout, [this] {  // nothing came: withdraw the wait, keep the connection
      boost::system::error_code ignored;
      Socket().cancel(ignored);
    });
    if (shut_down) return Cancelled();
    if (result == asio::error::operation_aborted) {
      return Status::Timeout("nothing from " + where + " within " + std::to_string(timeout.count()) + " ms");
    }
    return result ? Lost(result) : Status::Ok();
  }

  /// The error for a frame of the wrong kind: a JSON frame where a chunk was
  /// due is most likely an ERROR, whose Status it returns.
  Status Unexpected(FrameKind expected, FrameKind got, const std::string& body) {
    if (got == FrameKind::kJson) {
      Result<Json> reply = ParseMessage(body);
      Status status = reply.ok() ? StatusFromReply(*reply) : Status::Ok();
      if (!status.ok()) return status;
    }
    return Status(Code::kBadRequest, std::string("protocol error: expected a ") +
                                         (expected == FrameKind::kJson ? "JSON" : "binary chunk") + " frame from " +
                                         where);
  }

  /// Reads one whole frame of the expected kind.
  Result<std::string> ReadFrame(FrameKind expected, milliseconds timeout) {
    auto deadline = Clock::now() + timeout;
    auto header = ReadHeader(timeout);
    if (!header.ok()) return header.status();
    std::string body(header->length, '\0');
    if (Status s = ReadExactly(asio::buffer(body), deadline, "reply"); !s.ok()) return s;
    if (header->kind != expected) return Unexpected(expected, header->kind, body);
    return body;
  }

  /// Reads one binary chunk frame into `buffer`, without copying.
  Result<std::size_t> ReadChunkInto(std::span<char> buffer, milliseconds timeout) {
    auto deadline = Clock::now() + timeout;
    auto header = ReadHeader(timeout);
    if (!header.ok()) return header.status();
    if (header->kind == FrameKind::kBinary && header->length > buffer.size()) {
      boost::system::error_code ignored;
      Socket().close(ignored);
      return Status::BadRequest("protocol error: " + where + " sent a chunk of " + std::to_string(header->length) +
                                " bytes, over the " + std::to_string(buffer.size()) + " expected at most");
    }
    if (header->kind == FrameKind::kBinary) {
      if (Status s = ReadExactly(asio::buffer(buffer.data(), header->length), deadline, "chunk"); !s.ok()) return s;
      return std::size_t{header->length};
    }
    std::string body(header->length, '\0');
    if (Status s = ReadExactly(asio::buffer(body), deadline, "reply"); !s.ok()) return s;
    return Unexpected(FrameKind::kBinary, header->kind, body);
  }
};

Client::Client() : impl_(std::make_unique<Impl>()) {}
Client::~Client() = default;

Result<std::unique_ptr<Client>> Client::Connect(const std::string& host, std::uint16_t port, ClientOptions options) {
  std::unique_ptr<Client> client(new Client());
  Impl& impl = *client->impl_;
  impl.options = std::move(options);
  impl.where = host + ":" + std::to_string(port);

  boost::system::error_code result = asio::error::would_block;
  tcp::resolver resolver(impl.io);
  tcp::resolver::results_type endpoints;
  resolver.async_resolve(host, std::to_string(port),
                         [&](boost::system::error_code ec, tcp::resolver::results_type found) {
                           result = ec;
                           endpoints = std::move(found);
                         });
  if (!impl.Run(result, impl.options.connect_timeout)) return Status::Timeout("resolving " + host + " timed out");
  if (result) return Status::Unavailable("cannot resolve '" + host + "': " + result.message());

  result = asio::error::would_block;
  asio::async_connect(impl.socket, endpoints, [&](boost::system::error_code ec, const tcp::endpoint&) { result = ec; });
  if (!impl.Run(result, impl.options.connect_timeout)) {
    return Status::Timeout("connecting to " + impl.where + " timed out");
  }
  if (result) {
    return Status::Unavailable("cannot connect to " + impl.where + ": " + result.message() +
                               " (is an osgrid node running there?)");
  }
  impl.socket.set_option(tcp::no_delay(true), result);
  if (!impl.options.security.tls_ca.empty()) {
    if (Status s = impl.StartTls(impl.options.security.tls_ca); !s.ok()) return s;
  }
  if (Status s = client->Handshake(); !s.ok()) {
    client->Close();
    return s;
  }
  return client;
}

// HELLO, and AUTH when the server asks for it (handshake.h).
Status Client::Handshake() {
  Impl& impl = *impl_;
  ClientHandshake handshake(ChooseCredential(impl.options.security), impl.options.role, impl.options.node, impl.where);
  auto hello = handshake.Hello();
  if (!hello.ok()) return hello.status();
  if (Status s = SendJson(*hello); !s.ok()) return s;
  auto reply = ReadJson(impl.options.connect_timeout);
  if (!reply.ok()) return reply.status();
  auto auth = handshake.OnHello(*reply);
  if (!auth.ok()) return auth.status();
  if (!auth->is_null()) {
    if (Status s = SendJson(*auth); !s.ok()) return s;
    auto auth_reply = ReadJson(impl.options.connect_timeout);
    if (!auth_reply.ok()) return auth_reply.status();
    if (Status s = handshake.OnAuthReply(*auth_reply); !s.ok()) return s;
  }
  impl.hello = std::move(*reply);
  return Status::Ok();
}

Result<Json> Client::Call(Json request) { return Call(std::move(request), impl_->options.io_timeout); }

Result<Json> Client::Call(Json request, milliseconds timeout) {
  if (!request.contains("id")) request["id"] = impl_->next_id++;
  Json id = request["id"];
  auto deadline = Clock::now() + timeout;
  if (Status s = SendJson(request); !s.ok()) return s;
  for (;;) {
    auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
    auto reply = ReadJson(std::max(left, milliseconds(1)));
    if (!reply.ok()) return reply.status();
    bool ours = reply->value("id", Json()) == id;
    if (ours || reply->value("id", Json()).is_null()) {  // a null id: the server's connection-level error
      if (Status s = StatusFromReply(*reply); !s.ok()) return s;
      if (ours) return reply;
    }
  }
}

Status Client::SendJson(const Json& message) {
  std::string frame = EncodeFrame(FrameKind::kJson, message.dump(-1, ' ', false, Json::error_handler_t::replace));
  return impl_->Write(asio::buffer(frame), impl_->options.io_timeout);
}

Status Client::SendChunk(std::string_view data) {
  auto header = EncodeHeader(FrameKind::kBinary, static_cast<std::uint32_t>(data.size()));
  std::array<asio::const_buffer, 2> frame = {asio::buffer(header), asio::buffer(data.data(), data.size())};
  return impl_->Write(frame, impl_->options.io_timeout);
}

Status Client::SendFileChunk(int fd, std::uint64_t offset, std::size_t size, const std::string& path) {
  if (impl_->tls) {  // the kernel cannot encrypt: read the bytes and send them
    std::vector<char>& scratch = impl_->tls_scratch;
    if (scratch.size() < size) scratch.resize(size);
    for (std::size_t done = 0; done < size;) {
      const ssize_t got = ::pread(fd, scratch.data() + done, size - done, static_cast<off_t>(offset + done));
      if (got < 0 && errno == EINTR) continue;
      if (got < 0) return Status::Io("cannot read " + path + ": " + std::strerror(errno));
      if (got == 0) return Status::Io(path + " shrank while it was being sent");
      done += static_cast<std::size_t>(got);
    }
    return SendChunk(std::string_view(scratch.data(), size));
  }
  if (Status s = impl_->Usable(); !s.ok()) return s;
  auto header = EncodeHeader(FrameKind::kBinary, static_cast<std::uint32_t>(size));
  if (Status s = impl_->Write(asio::buffer(header), impl_->options.io_timeout); !s.ok()) return s;
  return impl_->SendFromFile(fd, offset, size, path, impl_->options.io_timeout);
}

Status Client::SendRaw(std::string_view bytes) {
  return impl_->Write(asio::buffer(bytes.data(), bytes.size()), impl_->options.io_timeout);
}

Result<Json> Client::ReadJson(milliseconds timeout) {
  auto body = impl_->ReadFrame(FrameKind::kJson, timeout);
  if (!body.ok()) return body.status();
  Result<Json> message = ParseMessage(*body);
  if (!message.ok() || !message->is_object()) {
    return Status::BadRequest("protocol error: " + impl_->where + " sent a frame that is not a JSON object");
  }
  return message;
}

Result<std::string> Client::ReadChunk(milliseconds timeout) { return impl_->ReadFrame(FrameKind::kBinary, timeout); }

Result<std::size_t> Client::ReadChunk(std::span<char> buffer, milliseconds timeout) {
  return impl_->ReadChunkInto(buffer, timeout);
}

bool Client::HasInput() {
  if (!impl_->Socket().is_open()) return false;
  if (impl_->tls && SSL_pending(impl_->tls->native_handle()) > 0) return true;
  boost::system::error_code ec;
  if (impl_->Socket().available(ec) > 0 || ec) return true;
  // Nothing to read, yet readable: the server closed the connection (EOF) or
  // it failed. FIONREAD alone says 0 then, as for a quiet connection.
  pollfd ready{impl_->Socket().native_handle(), POLLIN, 0};
  return ::poll(&ready, 1, 0) > 0 && (ready.revents & (POLLIN | POLLHUP | POLLERR)) != 0;
}

Status Client::AwaitInput(milliseconds timeout) {
  Impl& impl = *impl_;
  if (Status s = impl.Usable(); !s.ok()) return s;
  if (impl.tls) {  // bytes already decrypted, or received and not yet decrypted
    SSL* ssl = impl.tls->native_handle();
    if (SSL_pending(ssl) > 0 || BIO_ctrl_pending(SSL_get_rbio(ssl)) > 0) return Status::Ok();
  }
  return impl.AwaitReadable(timeout);
}

void Client::Shutdown() {
  if (impl_->shut_down.exchange(true)) return;
  asio::post(impl_->io, [impl = impl_.get()] { impl->CloseSocket(); });
}

Result<int> Client::ReleaseSocket() {
  if (impl_->tls) return Status::BadRequest("a TLS connection to " + impl_->where + " cannot be handed over");
  if (Status s = impl_->Usable(); !s.ok()) return s;
  boost::system::error_code ec;
  const int fd = impl_->socket.release(ec);
  if (ec) return Status::Unavailable("cannot release the socket to " + impl_->where + ": " + ec.message());
  return fd;
}

const Json& Client::server_hello() const { return impl_->hello; }
const ClientOptions& Client::options() const { return impl_->options; }
bool Client::is_open() const { return !impl_->shut_down && impl_->Socket().is_open(); }
void Client::Close() {
  boost::system::error_code ignored;
  impl_->Socket().close(ignored);
}

Result<std::pair<std::string, std::uint16_t>> ParseHostPort(std::string_view text) {
  auto colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) {
    return Status::BadRequest("'" + Sanitize(text) + "' is not HOST:PORT (e.g. 127.0.0.1:8888)");
  }
  std::string_view port_text = text.substr(colon + 1);
  unsigned port = 0;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || end != port_text.data() + port_text.size() || port == 0 || port > 65535) {
    return Status::BadRequest("'" + Sanitize(port_text) + "' is not a port (1..65535)");
  }
  return std::make_pair(std::string(text.substr(0, colon)), static_cast<std::uint16_t>(port));
}

}  // namespace osgrid::net
