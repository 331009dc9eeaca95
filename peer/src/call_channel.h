// The peer's end of a task's system-call channel (docs/syscalls.md).
//
// A task calls its peer through the `osgrid` Python module (osgrid.submit,
// wait, getpid, getppid) over the SOCK_SEQPACKET socket its warm process was
// made with: the task's fd 4, the peer's WarmChild::socket. The sandbox
// gives the task no network; this socket leads only to its own peer.
//
// One call is one JSON object {"call": "<name>", ...}; one reply likewise,
// {"ok": true, ...} or {"ok": false, "code": "<CODE>", "error": "<message>"}.
// A task makes one call at a time and waits for its reply, so replies go
// back in the order of the calls. A message is cut into packets: each
// starts with one byte, 'M' (more of this message follows) or 'E' (it ends
// here), then at most kCallChunkBytes bytes of its JSON text.
//
// Nothing a task sends can hurt the peer: a message that is not a JSON
// object is answered with BAD_REQUEST, one over the size limit with LIMIT
// (its bytes are dropped as they come), descriptors passed with a message
// are closed, and writes never block (a reply waits in a queue while the
// task does not read, e.g. while it is stopped).
#pragma once

#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

#include "osgrid/net/json.h"
#include "unique_fd.h"

namespace osgrid::peer {

/// Bytes of a message's JSON text per packet (one byte of flag precedes them).
inline constexpr std::size_t kCallChunkBytes = 64 * 1024 - 1;
/// The largest call a task may send: a submit's arguments, in JSON.
inline constexpr std::size_t kMaxCallBytes = 8u << 20;

class CallChannel : public std::enable_shared_from_this<CallChannel> {
 public:
  /// Called on the io thread with each well-formed call (a JSON object).
  using OnCall = std::function<void(Json call)>;

  /// Takes `socket` (the peer's end). Errors in watching it are logged and
  /// leave the channel closed: the task's calls then get no reply, and it
  /// ends by its time limit like any stuck task.
  CallChannel(boost::asio::io_context& io, UniqueFd socket, OnCall on_call);

  /// Starts reading calls. Call once, after construction (it needs a
  /// shared_ptr to itself).
  void Start();
  /// Queues `reply` to the task and sends it as the task reads.
  void Reply(const Json& reply);
  /// Stops reading and writing; closes the socket. Idempotent.
  void Close();
  /// Whom the calls go to from now on: a worker's channel outlives each of
  /// the calls it runs (executor.h), and its next call takes it over.
  void SetOnCall(OnCall on_call) { on_call_ = std::move(on_call); }
  /// Sends one packet that is not a reply, with descriptors: a worker's next
  /// call (zygote::RunCall, fds 0-3), only while nothing else is being sent.
  /// Never blocks. Returns 0 or an errno: EPIPE/ECONNRESET once the process
  /// is gone, EAGAIN if the socket is full or a reply is still queued, EBADF
  /// once closed.
  int SendWithFds(const void* data, std::size_t size, const int* fds, int fd_count);

  /// Cuts `text` into packets: flag byte + chunk (for the task side's tests).
  static std::deque<std::string> Packets(const std::string& text);

 private:
  void Read();
  void OnReadable();
  void OnMessage();
  void Write();

  boost::asio::posix::stream_descriptor socket_;
  OnCall on_call_;
  std::string message_;               // the call being assembled
  std::vector<char> packet_;          // one packet as received: flag byte + chunk
  bool dropping_ = false;             // the call being received is over kMaxCallBytes
  std::deque<std::string> outgoing_;  // packets not yet sent
  bool writing_ = false;
  bool closed_ = false;
};

}  // namespace osgrid::peer
