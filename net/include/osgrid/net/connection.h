// The asynchronous client: one connection to one node, on an io_context the
// caller runs. The peer uses it for everything it sends (its tracker link,
// placement calls, forwards), so a peer is one io_context on one thread; the
// CLI and the tests keep the blocking Client (client.h).
//
//   net::Connection tracker(io, "127.0.0.1", 8888, {.role = "peer", .node = "peer-1"});
//   tracker.Call({{"type", "PICK_PEER"}}, 5s, [](Result<Json> reply) { ... });   // on io's thread
//
// Connecting. The connection connects on demand: the first Call() or Send()
// (or Connect()) resolves the host (numeric addresses need no lookup; a name
// is looked up once per attempt by Asio, which keeps one thread of its own for
// that), connects, turns TLS on when security.tls_ca is set, and performs the
// handshake of handshake.h (HELLO, then AUTH when the cluster has a secret),
// all within connect_timeout. Messages queued meanwhile are sent once it is
// done. After any failure the connection is closed and every request in it
// fails; the next Call() or Send() connects again.
//
// Requests. Call() assigns the request an "id" and matches the reply by it,
// so many requests may be in flight at once (pipelined; replies may come in
// any order). Each has its own deadline: one that passes fails that request
// alone with TIMEOUT (a late reply is dropped), and the connection goes on.
// A request still in the send queue when its deadline passes is never sent.
//
// Send queue. Frames wait in a queue of at most max_queued_bytes (bytes of
// frames not yet written to the socket, the one being written included): one
// write is in flight at a time, and it takes every frame queued so far. A
// message that does not fit fails at once with LIMIT, and nothing else changes.
//
// Threads. A Connection is not thread-safe: construct it, call it and destroy
// it on the one thread that runs its io_context (a single-threaded io_context,
// as every osgrid process has; calling before that thread runs the io_context
// is fine too). Completion handlers run on that thread, exactly once each,
// never from inside the call that started them. Destroying the Connection
// closes it and drops the handlers not yet called, without calling them (as
// Executor does), so a handler may safely capture its owner's `this`.
//
// Errors are values, never exceptions: UNAVAILABLE (cannot resolve or connect,
// connection lost or closed: the message names host:port and the reason),
// TIMEOUT (connecting, or a request's deadline), LIMIT (send queue full),
// FRAME_TOO_LARGE (a message or a reply over max_frame_bytes), BAD_REQUEST
// (the TLS CA file; a reply that is not a JSON object), VERSION and AUTH (the
// handshake: see Client::Connect), and for Call() the remote ERROR as its
// Status. A connection-level ERROR from the server (one with a null id, such
// as LIMIT from a server at its connection limit) is what the requests in
// flight fail with when the server then hangs up.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "osgrid/net/auth.h"
#include "osgrid/net/json.h"
#include "osgrid/net/params.h"
#include "osgrid/net/status.h"

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace osgrid::net {

struct ConnectionOptions {
  std::string role = "client";  // sent in HELLO: client, peer, tracker or runner
  std::string node;             // our node name, if we have one
  /// Resolve + TCP connect + TLS + HELLO/AUTH, from the first message queued.
  std::chrono::milliseconds connect_timeout{5000};
  /// Largest frame sent or accepted, bytes (the payload, as --max-frame).
  std::size_t max_frame_bytes = params::kMaxFrameBytes;
  /// Send queue bound: bytes of frames queued and not yet written.
  std::size_t max_queued_bytes = params::kSendQueueBytes;
  /// Secrets and TLS CA; starts as the process default (SetDefaultClientSecurity).
  ClientSecurity security = DefaultClientSecurity();
};

class Connection {
 public:
  /// The reply to a Call(), or why there is none.
  using ReplyHandler = std::function<void(Result<Json> reply)>;
  /// The outcome of Connect() or Send(): ok once done, or the error.
  using DoneHandler = std::function<void(Status status)>;

  /// A connection to host:port; nothing happens until the first message or
  /// Connect(). `io` must outlive the Connection.
  Connection(boost::asio::io_context& io, std::string host, std::uint16_t port, ConnectionOptions options = {});
  /// Closes the connection; pending handlers are dropped without being called.
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  /// Connects now, if not connected or connecting. `done` gets ok once the
  /// handshake is done (at once, posted, when already connected), or the
  /// connect error. Errors: UNAVAILABLE, TIMEOUT, BAD_REQUEST, VERSION, AUTH.
  void Connect(DoneHandler done = {});

  /// Sends `request` (its "id" is replaced by the next one of this
  /// connection) and calls `done` with the reply that carries the same id.
  /// `timeout` runs from now and covers connecting, queueing and the remote
  /// work. Errors: the remote ERROR as its Status; TIMEOUT ("no reply from
  /// host:port within N ms"); LIMIT (the send queue is full); FRAME_TOO_LARGE;
  /// and the connect and connection errors above.
  void Call(Json request, std::chrono::milliseconds timeout, ReplyHandler done);

  /// As Call(), but an ERROR reply comes back as a reply, whole: for callers
  /// that relay it with its extra fields (a task's error carries its stdout,
  /// peer and timings). Only transport and local failures are a Status.
  void CallRaw(Json request, std::chrono::milliseconds timeout, ReplyHandler done);

  /// Sends a one-way message (an "id" is assigned as for Call()); no reply is
  /// awaited, and whatever the server answers to it is dropped. `done`, if
  /// given, gets ok once the frame is written to the socket, or the error
  /// (LIMIT, FRAME_TOO_LARGE, the connect and connection errors).
  void Send(Json message, DoneHandler done = {});

  /// Closes the connection now: every request in flight and every message
  /// queued fails with UNAVAILABLE ("closed by this side"). The next message
  /// connects again.
  void Close();

  /// Connected and past the handshake.
  bool connected() const;
  /// Calls awaiting their reply (queued or sent).
  std::size_t in_flight() const;
  /// Bytes of frames queued and not yet written.
  std::size_t queued_bytes() const;
  /// The server's HELLO of the current or last connection; null before the first.
  const Json& server_hello() const;
  /// "host:port", as messages name it.
  const std::string& where() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace osgrid::net
