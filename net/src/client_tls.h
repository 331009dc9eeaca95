// Private to net/: the client half of TLS, shared by the blocking Client
// (client.cpp) and the asynchronous Connection (connection.cpp), so both
// verify servers the same way and say the same thing when TLS fails.
#pragma once

#include <memory>
#include <string>

#include "asio.h"
#include "osgrid/net/status.h"

namespace osgrid::net {

/// The client TLS context for a CA file (TLS 1.2+, the server's certificate
/// verified against the CA), made once per process and shared: an SSL_CTX may
/// serve many connections on many threads. Thread-safe.
/// Errors: BAD_REQUEST naming the file and OpenSSL's reason.
Result<std::shared_ptr<ssl::context>> ClientTlsContext(const std::string& ca_file);

/// AUTH: the TLS handshake with `where` ("host:port") failed with `ec`; the
/// message suggests the usual cause (the server has no certificate signed by
/// the CA in `ca_file`).
Status TlsHandshakeFailed(const std::string& where, const boost::system::error_code& ec, const std::string& ca_file);

}  // namespace osgrid::net
