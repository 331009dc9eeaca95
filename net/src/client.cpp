// The blocking client. Each operation is started asynchronously and the
// private io_context is run until it completes or the deadline passes (the
// Boost.Asio "blocking_tcp_client" pattern): a timeout closes the socket.
#include "osgrid/net/client.h"

#include <charconv>

#include "asio.h"
#include "osgrid/net/frame.h"
#include "osgrid/net/messages.h"

namespace osgrid::net {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

struct Client::Impl {
  asio::io_context io;
  tcp::socket socket{io};
  ClientOptions options;
  Json hello;
  std::int64_t next_id = 1;
  std::string where;  // "host:port", for messages

  /// Runs the pending operation; on timeout closes the socket. Returns false on timeout.
  bool Run(milliseconds timeout) {
    io.restart();
    io.run_for(timeout);
    if (io.stopped()) return true;
    boost::system::error_code ignored;
    socket.close(ignored);
    io.run();  // let the aborted operation finish
    return false;
  }

  Status Lost(const boost::system::error_code& ec) {
    boost::system::error_code ignored;
    socket.close(ignored);
    if (ec == asio::error::eof) return Status::Unavailable("connection to " + where + " closed by the other side");
    return Status::Unavailable("connection to " + where + " failed: " + ec.message());
  }

  Status Write(const std::string& bytes, milliseconds timeout) {
    if (!socket.is_open()) return Status::Unavailable("not connected to " + where);
    boost::system::error_code result = asio::error::would_block;
    asio::async_write(socket, asio::buffer(bytes),
                      [&](boost::system::error_code ec, std::size_t) { result = ec; });
    if (!Run(timeout)) return Status::Timeout("sending to " + where + " timed out");
    return result ? Lost(result) : Status::Ok();
  }

  /// Reads one whole frame of the expected kind.
  Result<std::string> ReadFrame(FrameKind expected, milliseconds timeout) {
    if (!socket.is_open()) return Status::Unavailable("not connected to " + where);
    auto deadline = Clock::now() + timeout;
    std::array<char, kFrameHeaderBytes> header_bytes{};
    boost::system::error_code result = asio::error::would_block;
    asio::async_read(socket, asio::buffer(header_bytes),
                     [&](boost::system::error_code ec, std::size_t) { result = ec; });
    if (!Run(timeout)) return Status::Timeout("no reply from " + where + " within " + std::to_string(timeout.count()) + " ms");
    if (result) return Lost(result);
    auto header = DecodeHeader(header_bytes.data(), options.max_frame_bytes);
    if (!header.ok()) {
      socket.close(result);
      return header.status();
    }
    std::string body(header->length, '\0');
    result = asio::error::would_block;
    asio::async_read(socket, asio::buffer(body),
                     [&](boost::system::error_code ec, std::size_t) { result = ec; });
    auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
    if (!Run(std::max(left, milliseconds(1)))) return Status::Timeout("reply from " + where + " timed out mid-frame");
    if (result) return Lost(result);
    if (header->kind != expected) {
      if (header->kind == FrameKind::kJson) {  // most likely an ERROR in place of data
        Json reply = Json::parse(body, nullptr, false);
        Status status = StatusFromReply(reply);
        if (!status.ok()) return status;
      }
      return Status(Code::kBadRequest, std::string("protocol error: expected a ") +
                                           (expected == FrameKind::kJson ? "JSON" : "binary chunk") +
                                           " frame from " + where);
    }
    return body;
  }
};

Client::Client() : impl_(std::make_unique<Impl>()) {}
Client::~Client() = default;

Result<std::unique_ptr<Client>> Client::Connect(const std::string& host, std::uint16_t port,
                                                ClientOptions options) {
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
  if (!impl.Run(impl.options.connect_timeout)) return Status::Timeout("resolving " + host + " timed out");
  if (result) return Status::Unavailable("cannot resolve '" + host + "': " + result.message());

  result = asio::error::would_block;
  asio::async_connect(impl.socket, endpoints,
                      [&](boost::system::error_code ec, const tcp::endpoint&) { result = ec; });
  if (!impl.Run(impl.options.connect_timeout)) {
    return Status::Timeout("connecting to " + impl.where + " timed out");
  }
  if (result) {
    return Status::Unavailable("cannot connect to " + impl.where + ": " + result.message() +
                               " (is an osgrid node running there?)");
  }
  impl.socket.set_option(tcp::no_delay(true), result);

  Json hello = {{"type", "HELLO"}, {"id", 0}, {"version", params::kProtocolVersion},
                {"role", impl.options.role}, {"node", impl.options.node}};
  if (Status s = client->SendJson(hello); !s.ok()) return s;
  auto reply = client->ReadJson(impl.options.connect_timeout);
  if (!reply.ok()) return reply.status();
  if (Status s = StatusFromReply(*reply); !s.ok()) return s;
  if (reply->value("type", Json()) != "HELLO" || reply->value("version", Json()) != params::kProtocolVersion) {
    return Status(Code::kVersion, impl.where + " did not answer with a HELLO of protocol version " +
                                      std::to_string(params::kProtocolVersion));
  }
  impl.hello = std::move(*reply);
  return client;
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
  return impl_->Write(EncodeFrame(FrameKind::kJson,
                                  message.dump(-1, ' ', false, Json::error_handler_t::replace)),
                      impl_->options.io_timeout);
}

Status Client::SendChunk(std::string_view data) {
  return impl_->Write(EncodeFrame(FrameKind::kBinary, data), impl_->options.io_timeout);
}

Status Client::SendRaw(std::string_view bytes) {
  return impl_->Write(std::string(bytes), impl_->options.io_timeout);
}

Result<Json> Client::ReadJson(milliseconds timeout) {
  auto body = impl_->ReadFrame(FrameKind::kJson, timeout);
  if (!body.ok()) return body.status();
  Json message = Json::parse(*body, nullptr, false);
  if (message.is_discarded() || !message.is_object()) {
    return Status::BadRequest("protocol error: " + impl_->where + " sent a frame that is not a JSON object");
  }
  return message;
}

Result<std::string> Client::ReadChunk(milliseconds timeout) {
  return impl_->ReadFrame(FrameKind::kBinary, timeout);
}

const Json& Client::server_hello() const { return impl_->hello; }
const ClientOptions& Client::options() const { return impl_->options; }
bool Client::is_open() const { return impl_->socket.is_open(); }
void Client::Close() {
  boost::system::error_code ignored;
  impl_->socket.close(ignored);
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
