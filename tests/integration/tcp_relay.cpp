#include "tcp_relay.h"

#include <utility>  // before Asio: its awaitable.hpp uses std::exchange without it (GCC 12)

#include <boost/asio.hpp>
#include <catch2/catch.hpp>

#include <array>
#include <atomic>
#include <thread>
#include <vector>

namespace osgrid::test {

namespace asio = boost::asio;
using asio::ip::tcp;

struct TcpRelay::Impl : std::enable_shared_from_this<TcpRelay::Impl> {
  asio::io_context io;
  tcp::acceptor acceptor{io};
  tcp::endpoint target;
  std::atomic<bool> cut{false};
  std::vector<std::shared_ptr<tcp::socket>> sockets;  // kept open until the relay goes
  std::thread thread;

  void Accept() {
    auto from = std::make_shared<tcp::socket>(io);
    acceptor.async_accept(*from, [self = shared_from_this(), from](boost::system::error_code ec) {
      if (ec) return;
      auto to = std::make_shared<tcp::socket>(self->io);
      self->sockets.push_back(from);
      self->sockets.push_back(to);
      to->async_connect(self->target, [self, from, to](boost::system::error_code connected) {
        if (connected) return from->close();
        self->Pump(from, to);
        self->Pump(to, from);
      });
      self->Accept();
    });
  }

  /// Copies what `from` sends to `to`, until either closes; once cut, reads and drops it.
  void Pump(std::shared_ptr<tcp::socket> from, std::shared_ptr<tcp::socket> to) {
    auto buffer = std::make_shared<std::array<char, 16384>>();
    from->async_read_some(asio::buffer(*buffer),
                          [self = shared_from_this(), from, to, buffer](boost::system::error_code ec, std::size_t n) {
                            if (ec) {
                              if (!self->cut) to->close();  // pass a close on, unless partitioned
                              return;
                            }
                            if (self->cut) return self->Pump(from, to);
                            asio::async_write(*to, asio::buffer(buffer->data(), n),
                                              [self, from, to](boost::system::error_code written, std::size_t) {
                                                if (written) return from->close();
                                                self->Pump(from, to);
                                              });
                          });
  }
};

TcpRelay::TcpRelay(std::uint16_t target) : impl_(std::make_shared<Impl>()) {
  impl_->target = tcp::endpoint(asio::ip::make_address("127.0.0.1"), target);
  boost::system::error_code ec;
  impl_->acceptor.open(tcp::v4(), ec);
  if (!ec) impl_->acceptor.bind(tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0), ec);
  if (!ec) impl_->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  INFO("relay to port " << target << ": " << ec.message());
  REQUIRE(!ec);
  impl_->Accept();
  impl_->thread = std::thread([impl = impl_] { impl->io.run(); });
}

TcpRelay::~TcpRelay() {
  impl_->io.stop();
  impl_->thread.join();
  // Close everything and run the aborted handlers, which hold the Impl.
  boost::system::error_code ignored;
  impl_->acceptor.close(ignored);
  for (auto& socket : impl_->sockets) socket->close(ignored);
  impl_->io.restart();
  impl_->io.run();
}

std::uint16_t TcpRelay::port() const { return impl_->acceptor.local_endpoint().port(); }

void TcpRelay::Cut() { impl_->cut = true; }

}  // namespace osgrid::test
