// CallChannel: see call_channel.h.
#include "call_channel.h"

#include <utility>  // before Boost.Asio: GCC 12 + C++20 (docs/toolchain.md)

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include <spdlog/spdlog.h>

#include "seqpacket.h"

namespace osgrid::peer {

namespace asio = boost::asio;
using ErrorCode = boost::system::error_code;

namespace {

constexpr char kMore = 'M';
constexpr char kLast = 'E';

Json Refusal(const char* code, const std::string& message) {
  return {{"ok", false}, {"code", code}, {"error", message}};
}

}  // namespace

CallChannel::CallChannel(asio::io_context& io, UniqueFd socket, OnCall on_call)
    : socket_(io), on_call_(std::move(on_call)), packet_(kCallChunkBytes + 1) {
  ErrorCode error;
  socket_.assign(socket.get(), error);
  if (error) {
    spdlog::warn("cannot watch a task's call channel: {}", error.message());
    closed_ = true;
    return;  // `socket` closes it
  }
  socket.release();
  socket_.non_blocking(true, error);
}

void CallChannel::Start() {
  if (!closed_) Read();
}

void CallChannel::Close() {
  if (closed_) return;
  closed_ = true;
  ErrorCode ignored;
  socket_.close(ignored);
  outgoing_.clear();
}

std::deque<std::string> CallChannel::Packets(const std::string& text) {
  std::deque<std::string> packets;
  std::size_t offset = 0;
  do {
    const std::size_t size = std::min(kCallChunkBytes, text.size() - offset);
    const bool last = offset + size == text.size();
    std::string packet(1, last ? kLast : kMore);
    packet.append(text, offset, size);
    packets.push_back(std::move(packet));
    offset += size;
  } while (offset < text.size());
  return packets;
}

void CallChannel::Read() {
  socket_.async_wait(asio::posix::descriptor_base::wait_read, [self = shared_from_this()](const ErrorCode& error) {
    if (error || self->closed_) return;
    self->OnReadable();
  });
}

// Takes every packet waiting, then waits for more.
void CallChannel::OnReadable() {
  std::vector<char>& buffer = packet_;  // kept: a worker's channel carries a message per call
  for (;;) {
    int fds[kMaxPassedFds];
    int fd_count = 0;
    ssize_t size = ReceivePacket(socket_.native_handle(), buffer.data(), buffer.size(), fds, &fd_count, MSG_DONTWAIT);
    for (int i = 0; i < fd_count; ++i) close(fds[i]);  // a task has no business passing descriptors
    if (size == -EAGAIN || size == -EWOULDBLOCK) break;
    if (size == -EINTR) continue;
    if (size <= 0) return Close();  // the task closed its end (it is exiting), or an error
    const bool last = buffer[0] == kLast;
    if (!last && buffer[0] != kMore) {  // out of protocol: drop the message it belongs to
      dropping_ = true;
      message_.clear();
    }
    const std::size_t payload = static_cast<std::size_t>(size) - 1;
    if (!dropping_ && message_.size() + payload > kMaxCallBytes) {
      dropping_ = true;
      message_.clear();
      message_.shrink_to_fit();
    }
    if (!dropping_) message_.append(buffer.data() + 1, payload);
    if (last) OnMessage();
    if (closed_) return;
  }
  Read();
}

void CallChannel::OnMessage() {
  if (dropping_) {
    dropping_ = false;
    return Reply(Refusal("LIMIT", "a system call may carry at most " + std::to_string(kMaxCallBytes) +
                                      " bytes of JSON (or a packet was out of protocol)"));
  }
  Json call = Json::parse(message_, nullptr, /*allow_exceptions=*/false);
  message_.clear();
  if (!call.is_object() || !call.contains("call") || !call["call"].is_string()) {
    return Reply(Refusal("BAD_REQUEST", "a system call must be a JSON object with a string \"call\""));
  }
  on_call_(std::move(call));
}

int CallChannel::SendWithFds(const void* data, std::size_t size, const int* fds, int fd_count) {
  if (closed_) return EBADF;
  if (writing_ || !outgoing_.empty()) return EAGAIN;
  return SendPacket(socket_.native_handle(), data, size, fds, fd_count);
}

void CallChannel::Reply(const Json& reply) {
  if (closed_) return;
  for (std::string& packet : Packets(reply.dump(-1, ' ', false, Json::error_handler_t::replace))) {
    outgoing_.push_back(std::move(packet));
  }
  if (!writing_) Write();
}

// Sends what the socket takes now; waits until it takes more.
void CallChannel::Write() {
  writing_ = true;
  while (!outgoing_.empty()) {
    const std::string& packet = outgoing_.front();
    ssize_t sent = send(socket_.native_handle(), packet.data(), packet.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
    if (sent < 0 && errno == EINTR) continue;
    if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      socket_.async_wait(asio::posix::descriptor_base::wait_write, [self = shared_from_this()](const ErrorCode& error) {
        if (error || self->closed_) return;
        self->Write();
      });
      return;
    }
    if (sent < 0) return Close();  // EPIPE: the task is gone
    outgoing_.pop_front();
  }
  writing_ = false;
}

}  // namespace osgrid::peer
