// The server side of the protocol, shared by tracker and peer.
//
// One Server per process, on one io_context run by one thread. Each accepted
// connection becomes a Session (Boost.Asio chat_server shape): a read loop of
// named steps (header -> body -> dispatch -> header ...), a write queue with one
// write in flight, and a lifetime held by its pending operations.
//
// The session does the generic work once, before any handler sees a request:
// the handshake (HELLO, version check and, with a cluster secret, the
// HMAC-SHA256 challenge-response of auth.h), the frame-size limit, JSON
// parsing and ValidateRequest(). Every failure there is answered with an
// ERROR frame. Before the handshake is done, frames are limited to
// kPreAuthFrameBytes, the whole handshake to socket_timeout, and any failure
// closes the connection after its one ERROR; afterwards only a broken frame
// (over the limit, or a stall mid-frame) closes it, because the stream can no
// longer be trusted.
//
// TLS. With tls_cert and tls_key the server speaks TLS only (TLS 1.2+): the
// session is a template over its stream (plain tcp::socket or
// ssl::stream<tcp::socket>), so the plain path pays nothing for TLS. A
// plain-TCP client that connects to a TLS server gets one plaintext ERROR
// (AUTH) saying so, then the connection is closed.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "osgrid/net/json.h"
#include "osgrid/net/messages.h"
#include "osgrid/net/params.h"
#include "osgrid/net/status.h"

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace osgrid::net {

/// One client connection, as handlers see it. All methods are thread-safe:
/// work is posted to the session's io_context.
class Session {
 public:
  virtual ~Session() = default;

  /// Queues one JSON frame.
  virtual void Send(Json message) = 0;
  /// Queues `reply` with the request's "id" copied in.
  void Reply(const Json& request, Json reply);
  /// Queues an ERROR frame for `request` (see MakeError).
  void ReplyError(const Json& request, const Status& status);

  /// Called with each received chunk; a non-ok Status aborts the upload.
  using ChunkSink = std::function<Status(std::string_view chunk)>;
  /// Called once: ok after exactly `total_bytes`, else why the upload failed
  /// (connection lost, a JSON frame where a chunk was due, sink error).
  using StreamDone = std::function<void(Status)>;
  /// Switches the read loop to binary mode for the next `total_bytes` bytes.
  /// Must be called from within the request handler (on the io thread).
  virtual void ReceiveChunks(std::uint64_t total_bytes, ChunkSink sink, StreamDone done) = 0;

  /// Produces the next chunk (at most params::kChunkBytes); "" means the end.
  using ChunkSource = std::function<Result<std::string>()>;
  /// Queues `header`, then the chunks pulled from `source` one at a time as
  /// each write completes, so memory stays at one chunk per download. Other
  /// replies queue behind the stream. A source error closes the connection.
  virtual void SendStream(Json header, ChunkSource source) = 0;

  virtual void Close() = 0;
  virtual bool closed() const = 0;
  /// "127.0.0.1:53122"
  virtual std::string remote_address() const = 0;
  /// The remote IP alone, as seen by this server.
  virtual std::string remote_ip() const = 0;
  /// The role the client named in HELLO ("client", "peer", ...); it is only
  /// a claim: a secret proves membership of the cluster, not the role.
  virtual const std::string& remote_role() const = 0;
};
using SessionPtr = std::shared_ptr<Session>;

/// Receives each validated request except HELLO, on the io thread. It must not
/// block: long work goes elsewhere and replies later through the session.
using RequestHandler = std::function<void(const SessionPtr& session, Json request)>;

struct ServerOptions {
  std::string role = "server";  // sent in our HELLO reply: "tracker" or "peer"
  std::string node;             // our node name, sent in HELLO
  /// Which catalogue entries this server answers: a request for the other
  /// kind of node (e.g. CPU_TASK sent to the tracker) gets UNKNOWN_TYPE
  /// before any handler sees it.
  Served serves = Served::kAny;
  std::size_t max_frame_bytes = params::kMaxFrameBytes;
  std::chrono::milliseconds socket_timeout{static_cast<int>(params::kSocketTimeoutS * 1000)};
  int max_connections = params::kMaxConnections;
  /// The cluster secret (auth.h); empty: an open server, which Listen()
  /// allows on loopback addresses only.
  std::string secret;
  /// PEM files: both set = TLS only; both empty = plain TCP.
  std::string tls_cert;
  std::string tls_key;
};

class Server {
 public:
  Server(boost::asio::io_context& io, ServerOptions options, RequestHandler handler);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  /// Binds and starts accepting. `port` 0 picks a free port (see port()).
  /// Errors: UNAVAILABLE with the OS reason (e.g. address in use);
  /// BAD_REQUEST for a non-loopback `host` without a secret (the message names
  /// the fix), for only one of tls_cert/tls_key, or for TLS files that cannot
  /// be loaded (names the file and OpenSSL's reason).
  Status Listen(const std::string& host, std::uint16_t port);
  /// Stops accepting and closes every session.
  void Stop();

  std::uint16_t port() const;
  std::size_t connection_count() const;
  const ServerOptions& options() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace osgrid::net
