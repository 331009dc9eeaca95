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
// File streams. Uploads and downloads (ReceiveUpload, SendDownload) move
// their bytes through a few chunk buffers per stream: the io thread reads and
// writes the socket, while the disk work (UploadSink, DownloadSource: file
// reads, writes, hashing, fsync) runs on the server's file threads, so a
// slow disk never delays another connection's PING. A stream whose disk is
// slower than its socket stops reading (TCP then holds the client back); one
// whose socket is slower stops reading ahead. Memory: at most
// params::kStreamWindow chunks per stream, whatever the file size.
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
#include <span>
#include <string>

#include "osgrid/net/auth.h"
#include "osgrid/net/json.h"
#include "osgrid/net/messages.h"
#include "osgrid/net/params.h"
#include "osgrid/net/status.h"

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace osgrid::net {

/// Where the session puts the bytes of an upload (Session::ReceiveUpload).
/// The session calls it on the server's file threads, never on the io
/// thread: Open(); then for each chunk, in order, Write() and Digest(); then
/// Finish(). Write() and Digest() are two lanes: each sees the chunks one at
/// a time and in order, but one lane's call may run at the same time as the
/// other's (so hashing overlaps the disk); nothing else overlaps. It is
/// destroyed on a file thread too, so a destructor that abandons an
/// unfinished upload (deleting a temporary file) may block.
class UploadSink {
 public:
  virtual ~UploadSink() = default;
  /// Gets ready to receive (e.g. creates the temporary file); returns the
  /// reply that invites the data (PUT_READY). An error is the reply instead,
  /// and no data is read.
  virtual Result<Json> Open() = 0;
  /// Stores the next chunk (0..params::kChunkBytes bytes). An error ends the
  /// upload: the session replies with it at once.
  virtual Status Write(std::string_view chunk) = 0;
  /// Sees the same chunks as Write(), for the checksum, possibly at the same
  /// time as Write() of this or another chunk.
  virtual void Digest(std::string_view chunk) = 0;
  /// Every byte arrived; `trailer` is the client's trailer frame (PUT_END),
  /// checked against the message catalogue. Returns the final reply
  /// (FILE_STORED), or the error to send instead.
  virtual Result<Json> Finish(const Json& trailer) = 0;
};

/// Where the session gets the bytes of a download (Session::SendDownload).
/// Same threads and order as UploadSink: Open(), Read() until it returns 0,
/// Finish(); each may fail, which ends the download with that error.
class DownloadSource {
 public:
  virtual ~DownloadSource() = default;
  /// Gets ready (e.g. opens the file); returns the header frame (FILE_DATA).
  virtual Result<Json> Open() = 0;
  /// Copies the next bytes of the data into `buffer` (params::kChunkBytes
  /// long); returns how many, 0 at the end.
  virtual Result<std::size_t> Read(std::span<char> buffer) = 0;
  /// After the end: the trailer frame (FILE_END).
  virtual Result<Json> Finish() = 0;
};

/// Where a session's stream of frames comes from (SUBSCRIBE's events). The
/// session pulls whenever its socket is free, so frames wait in the source,
/// which bounds them, and never pile up in the session. Called on the io
/// thread only.
class FrameSource {
 public:
  virtual ~FrameSource() = default;
  /// Appends the frames ready now to `out`, each whole (header and payload,
  /// frame.h), back to back, oldest first: at least one if any is ready, and
  /// no more than about `max_bytes` bytes. `out` is the session's write
  /// buffer, empty on the call. An error ends the stream: the session sends
  /// it as an ERROR for the stream's request, then closes the connection.
  virtual Status Pull(std::string& out, std::size_t max_bytes) = 0;
};

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

  /// Serves `request` as an upload of `total_bytes` (PUT_FILE; exchange in
  /// docs/protocol.md): runs sink->Open() and sends the reply it returns
  /// (PUT_READY), then reads `total_bytes` of binary chunk frames of at most
  /// params::kChunkBytes into sink->Write(), then one JSON frame of type
  /// `trailer_type` with the request's id, which goes to sink->Finish();
  /// what Finish() returns is the final reply. The session reads at most
  /// params::kStreamWindow chunks ahead of the sink (TCP holds the client
  /// back), and reads no other request until the final reply is queued.
  ///
  /// Errors are replies to `request`: an Open() error is the answer (no
  /// data follows); a Write() error is sent at once and the rest of the data
  /// is read and dropped, so the connection stays usable; a bad trailer
  /// (other type or id, missing field) or a Finish() error is the final
  /// reply. A JSON frame among the data, a chunk over the size or over the
  /// limit, or a binary frame where the trailer is due cannot be resynced:
  /// ERROR, then the connection is closed. A sink that does not reach a
  /// successful Finish() is released on the file threads (UploadSink).
  /// Call on the io thread, from the request handler.
  virtual void ReceiveUpload(const Json& request, std::uint64_t total_bytes, std::string trailer_type,
                             std::shared_ptr<UploadSink> sink) = 0;

  /// Serves `request` as a download (GET_FILE): sends the header frame that
  /// source->Open() returns (FILE_DATA), then binary chunk frames filled by
  /// source->Read() until it returns 0, then the trailer frame that
  /// source->Finish() returns (FILE_END). Reads run at most
  /// params::kStreamWindow chunks ahead of the socket. An error from any of
  /// the three is sent as an ERROR for `request` in place of the next frame
  /// and ends the download; the connection stays usable. Other replies queue
  /// behind the stream. Thread-safe.
  virtual void SendDownload(const Json& request, std::shared_ptr<DownloadSource> source) = 0;

  /// Runs `job` on the server's file threads (never on the io thread), then
  /// sends what it returns as the reply to `request` (its "id" copied in), or
  /// its error as an ERROR. For handlers whose work blocks on the disk
  /// (delete, fsync). Thread-safe.
  virtual void ReplyFromFileThread(const Json& request, std::function<Result<Json>()> job) = 0;

  /// Makes this session a stream: from now on, whenever nothing else is
  /// queued to write, it pulls `source`'s frames into one buffer and writes
  /// it whole, offering the kernel all of what is left at each step (replies
  /// keep their place ahead of them). WakeStream()
  /// tells it that frames are ready. `request` is the one that started the
  /// stream; a source's error is sent as an ERROR for it. The session drops
  /// the source when it closes. At most one stream per session: a second
  /// replaces the first. Call on the io thread.
  virtual void StartStream(const Json& request, std::shared_ptr<FrameSource> source) = 0;
  /// The stream's source has frames ready. Call on the io thread.
  virtual void WakeStream() = 0;
  /// Ends the stream: drops its source, sends `why` as an ERROR for its
  /// request after the frame being written, then closes the connection, at
  /// the latest after socket_timeout (a reader that stopped reading never
  /// takes the ERROR). Call on the io thread.
  virtual void EndStream(const Status& why) = 0;

  virtual void Close() = 0;
  virtual bool closed() const = 0;
  /// "127.0.0.1:53122"
  virtual std::string remote_address() const = 0;
  /// The remote IP alone, as seen by this server.
  virtual std::string remote_ip() const = 0;
  /// The role the client named in HELLO ("client", "peer", ...); it is only
  /// a claim: a secret proves membership of the cluster, not the role.
  virtual const std::string& remote_role() const = 0;
  /// What this connection may do, by the credential it proved in the
  /// handshake (auth.h, Access); a Router checks it.
  virtual Access access() const { return Access::kMember; }
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
  /// Threads for the blocking work of file streams and ReplyFromFileThread
  /// (file I/O, fsync), so that the io thread never waits for the disk.
  int file_threads = params::kFileThreads;
  /// The cluster secret (auth.h); empty: an open server, which Listen()
  /// allows on loopback addresses only.
  std::string secret;
  /// The observer secret (auth.h): its holders connect with Access::kObserver.
  /// Empty: no observers. Needs `secret`, and must differ from it.
  std::string observer_secret;
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
  /// the fix), for an observer secret without a cluster secret or equal to it
  /// (CheckObserverSecret), for only one of tls_cert/tls_key, or for TLS files
  /// that cannot be loaded (names the file and OpenSSL's reason).
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
