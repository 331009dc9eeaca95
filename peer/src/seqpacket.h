// Sending and receiving one SOCK_SEQPACKET message with file descriptors
// attached (SCM_RIGHTS, unix(7)). Used between the peer, its zygote and the
// warm task processes (zygote_protocol.h). Blocking or not depending on the
// socket and `flags`; no allocation, safe between fork and the task's start.
#pragma once

#include <sys/types.h>

#include <cstddef>

namespace osgrid::peer {

/// The most descriptors one message carries (a Handoff carries four).
inline constexpr int kMaxPassedFds = 4;

/// Sends `size` bytes and `fd_count` descriptors as one message (MSG_NOSIGNAL).
/// Returns 0, or an errno value (EPIPE: the other end is gone).
int SendPacket(int socket, const void* data, std::size_t size, const int* fds, int fd_count);

/// Receives one message into `buffer` and its descriptors into `fds` (at most
/// kMaxPassedFds; they arrive close-on-exec). Returns the bytes received, 0 if
/// the other end closed, or -errno. `*fd_count` is set to the number of fds.
ssize_t ReceivePacket(int socket, void* buffer, std::size_t capacity, int* fds, int* fd_count, int flags);

}  // namespace osgrid::peer
