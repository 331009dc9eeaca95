// For tests only (target osgrid::net_testing): a plain TCP connection that
// writes and reads frames by hand, with no HELLO and no client library. It
// plays the stranger, the hostile client and the broken one.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "osgrid/net/json.h"

namespace osgrid::net::testing {

/// One connection to 127.0.0.1:port. Blocking; every call waits for the wire.
class RawConnection {
 public:
  /// Connects; throws std::system_error when nothing listens on `port`.
  explicit RawConnection(std::uint16_t port);
  ~RawConnection();
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  /// Sends `message` as one JSON frame (docs/protocol.md).
  void Send(const Json& message);

  /// Sends `bytes` as they are: a bare header, half a frame, garbage.
  void SendBytes(std::string_view bytes);

  /// The next frame's JSON body, or null once the server has closed the
  /// connection. Throws std::runtime_error when the server sends a header
  /// that does not decode (frames up to 1 MiB) or a body that is not JSON.
  Json Read();

 private:
  struct Socket;
  std::unique_ptr<Socket> socket_;
};

}  // namespace osgrid::net::testing
