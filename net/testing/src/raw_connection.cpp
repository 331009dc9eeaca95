#include "osgrid/net/testing/raw_connection.h"

#include <array>
#include <stdexcept>
#include <string>

#include "asio.h"  // net/src: private to net and its test helpers
#include "osgrid/net/frame.h"

namespace osgrid::net::testing {

struct RawConnection::Socket {
  asio::io_context io;
  tcp::socket socket{io};
};

RawConnection::RawConnection(std::uint16_t port) : socket_(std::make_unique<Socket>()) {
  socket_->socket.connect({asio::ip::make_address("127.0.0.1"), port});
}

RawConnection::~RawConnection() = default;

void RawConnection::Send(const Json& message) { SendBytes(EncodeFrame(FrameKind::kJson, message.dump())); }

void RawConnection::SendBytes(std::string_view bytes) {
  asio::write(socket_->socket, asio::buffer(bytes.data(), bytes.size()));
}

Json RawConnection::Read() {
  std::array<char, kFrameHeaderBytes> header{};
  boost::system::error_code ec;
  asio::read(socket_->socket, asio::buffer(header), ec);
  if (ec) return nullptr;
  auto decoded = DecodeHeader(header.data(), 1 << 20);
  if (!decoded.ok()) throw std::runtime_error("the server sent a bad frame header: " + decoded.status().ToString());
  std::string body(decoded->length, '\0');
  asio::read(socket_->socket, asio::buffer(body), ec);
  if (ec) return nullptr;
  Json message = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (message.is_discarded())
    throw std::runtime_error("the server sent a frame that is not JSON: " + body.substr(0, 200));
  return message;
}

}  // namespace osgrid::net::testing
