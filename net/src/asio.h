// Private to net/: the one place Boost.Asio is included.
// <utility> must come first: Boost 1.74's awaitable.hpp uses std::exchange
// without including it, which GCC 12 in C++20 mode rejects.
#pragma once

#include <utility>

#include <openssl/err.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <string>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>

namespace osgrid::net {
namespace asio = boost::asio;
using tcp = boost::asio::ip::tcp;
namespace ssl = boost::asio::ssl;

/// Runs `operation(stream)` on the connection's stream in use: `tls` when it
/// is set, else the plain `socket` (a client that may or may not speak TLS).
template <class Operation>
void OnEitherStream(const std::unique_ptr<ssl::stream<tcp::socket>>& tls, tcp::socket& socket, Operation&& operation) {
  if (tls) {
    operation(*tls);
  } else {
    operation(socket);
  }
}

/// Why loading a PEM file into an SSL context failed: the OS reason when the
/// file cannot be read, else OpenSSL's text (Boost's message() may be only
/// "asio.ssl error").
inline std::string PemLoadError(const std::string& path, const boost::system::error_code& ec) {
  if (::access(path.c_str(), R_OK) != 0) return std::strerror(errno);
  if (ec.category() != asio::error::get_ssl_category()) return ec.message();
  char text[256];
  ERR_error_string_n(static_cast<unsigned long>(ec.value()), text, sizeof(text));
  return text;
}
}  // namespace osgrid::net
