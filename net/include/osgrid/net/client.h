// The blocking client: used by the CLI, the scenario runner, the tests, and by
// tracker/peer on their worker threads (never on an io thread).
//
// Connect() connects (with TLS when security.tls_ca is set) and performs the
// handshake: HELLO, then AUTH when the cluster has a secret (auth.h). Call() sends one request and waits
// for the reply carrying the same id; an ERROR reply comes back as its Status,
// so callers see one error path for network, protocol and remote failures.
// A Client is not thread-safe; use one per thread. The one exception is
// Shutdown(), which another thread may call to end a blocked call.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "osgrid/net/auth.h"
#include "osgrid/net/json.h"
#include "osgrid/net/params.h"
#include "osgrid/net/status.h"

namespace osgrid::net {

struct ClientOptions {
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds io_timeout{static_cast<int>(params::kSocketTimeoutS * 1000)};
  std::size_t max_frame_bytes = params::kMaxFrameBytes;
  std::string role = "client";  // sent in HELLO
  std::string node;             // our name, if we have one
  /// Secrets and TLS CA; starts as the process default (SetDefaultClientSecurity).
  ClientSecurity security = DefaultClientSecurity();
};

class Client {
 public:
  /// Connects and shakes hands. Errors: UNAVAILABLE (cannot connect: the
  /// message names host:port and the OS reason), TIMEOUT, VERSION, AUTH (the
  /// server refused our secret or lack of one, could not prove it knows ours,
  /// is open although we have a secret, or TLS failed), BAD_REQUEST (CA file).
  static Result<std::unique_ptr<Client>> Connect(const std::string& host, std::uint16_t port,
                                                 ClientOptions options = {});
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  /// Sends `request` (an "id" is assigned if absent) and returns the reply with
  /// that id. Errors: the remote ERROR as a Status; TIMEOUT after `timeout`;
  /// UNAVAILABLE if the connection drops. After a TIMEOUT the client is closed.
  Result<Json> Call(Json request, std::chrono::milliseconds timeout);
  Result<Json> Call(Json request);  // with options().io_timeout

  /// Low-level frame access for streaming (file transfer) and for tests.
  /// Errors of all: UNAVAILABLE (connection lost), TIMEOUT (the client is
  /// then closed); the reads also the server's ERROR in place of the frame
  /// expected, as its Status, and BAD_REQUEST for a frame of the wrong kind.
  Status SendJson(const Json& message);
  /// One binary chunk frame, written straight from `data` (header and data in one writev).
  Status SendChunk(std::string_view data);
  /// One binary chunk frame of `size` bytes of the file `fd` from `offset`,
  /// sent by the kernel from the page cache (sendfile(2)): no copy passes
  /// through this process. Over TLS, which the kernel cannot do, it reads
  /// the bytes and sends them. Errors: IO naming `path` (the file cannot be
  /// read, or ends before offset + size), and those of SendChunk.
  Status SendFileChunk(int fd, std::uint64_t offset, std::size_t size, const std::string& path);
  Status SendRaw(std::string_view bytes);  // anything, unframed (tests of bad input)
  Result<Json> ReadJson(std::chrono::milliseconds timeout);
  Result<std::string> ReadChunk(std::chrono::milliseconds timeout);
  /// Reads one binary chunk frame straight into `buffer`; returns its length.
  /// A chunk longer than the buffer is BAD_REQUEST and closes the client.
  Result<std::size_t> ReadChunk(std::span<char> buffer, std::chrono::milliseconds timeout);
  /// True when the server has sent something not yet read (or closed the
  /// connection, or it failed), without blocking: during an upload, when the server
  /// sends nothing but an early ERROR, this tells the sender to stop.
  bool HasInput();
  /// Waits, without reading, until the server has sent something not yet
  /// read, or closed the connection, or it failed, or `timeout` passed.
  /// Returns OK when a read would not block (it then returns the frame, or
  /// the error); TIMEOUT when nothing came, and unlike a read's TIMEOUT the
  /// client stays open; CANCELLED after Shutdown(); UNAVAILABLE when the
  /// client is closed. Over TLS, bytes that the TLS layer has already taken
  /// off the socket but not yet decrypted may go unseen until more arrive,
  /// so keep `timeout` short there, or read.
  Status AwaitInput(std::chrono::milliseconds timeout);

  /// Ends the connection from any thread, also while another thread is
  /// blocked in a call on this client (a read, a write, AwaitInput): that
  /// call returns CANCELLED at once, and so does every later call, without
  /// touching the network. Thread-safe (the only method that is), never
  /// blocks, and may be called again; the client must outlive the call.
  void Shutdown();

  /// Hands the TCP socket over to the caller, who then owns the descriptor
  /// and must close it; this client is closed. For a reader that takes over
  /// a stream after its request, such as a benchmark that counts a
  /// subscription's frames with reads of its own. Nothing is lost: a client
  /// never reads past the end of the frame it returned, so the next byte on
  /// the socket begins the next frame. Errors: BAD_REQUEST over TLS (its
  /// session cannot be handed over), UNAVAILABLE when the client is closed.
  Result<int> ReleaseSocket();

  /// The server's HELLO reply: {"type":"HELLO","version":2,"role":...,"node":...,"auth":...}.
  const Json& server_hello() const;
  const ClientOptions& options() const;
  bool is_open() const;  // false after Close(), a lost connection, a read's TIMEOUT, or Shutdown()
  void Close();

 private:
  Client();
  Status Handshake();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// "host:port" -> (host, port). Errors: BAD_REQUEST naming the bad part.
Result<std::pair<std::string, std::uint16_t>> ParseHostPort(std::string_view text);

}  // namespace osgrid::net
