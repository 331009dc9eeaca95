// TcpRelay: a TCP relay between a node and the address it calls, which a test
// can cut to play a network partition. Both nodes stay alive; only the bytes
// stop.
//
//   test::TcpRelay relay(tracker_port);             // 127.0.0.1:relay.port() -> 127.0.0.1:tracker_port
//   start a peer with --tracker 127.0.0.1:<relay.port()>
//   relay.Cut();                                     // from now on, nothing passes either way
#pragma once

#include <cstdint>
#include <memory>

namespace osgrid::test {

/// Listens on 127.0.0.1 (port()) and relays each connection to
/// 127.0.0.1:target, on a thread of its own. After Cut(), every connection,
/// old or new, stays open and is read from, but nothing is passed on: the
/// ends see silence, not a closed connection, as in a partition. The
/// destructor closes everything.
class TcpRelay {
 public:
  explicit TcpRelay(std::uint16_t target);  // fails the test if it cannot listen
  ~TcpRelay();
  TcpRelay(const TcpRelay&) = delete;
  TcpRelay& operator=(const TcpRelay&) = delete;

  std::uint16_t port() const;

  /// Stops passing bytes, both ways, from now on. Thread-safe.
  void Cut();

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace osgrid::test
