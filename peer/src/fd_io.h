// Reading and writing a whole file descriptor, retrying on EINTR. Used by the
// task processes (osgrid-task) for their stdin and result pipe.
#pragma once

#include <unistd.h>

#include <cerrno>
#include <optional>
#include <string>

namespace osgrid::peer {

/// Reads `fd` to end of file; nullopt on a read error.
inline std::optional<std::string> ReadAll(int fd) {
  std::string text;
  char buffer[64 * 1024];
  for (;;) {
    ssize_t count = read(fd, buffer, sizeof buffer);
    if (count == 0) return text;
    if (count < 0 && errno == EINTR) continue;
    if (count < 0) return std::nullopt;
    text.append(buffer, static_cast<std::size_t>(count));
  }
}

/// Writes all of `text` to `fd`; false on error.
inline bool WriteAll(int fd, const std::string& text) {
  std::size_t done = 0;
  while (done < text.size()) {
    ssize_t count = write(fd, text.data() + done, text.size() - done);
    if (count < 0 && errno == EINTR) continue;
    if (count < 0) return false;
    done += static_cast<std::size_t>(count);
  }
  return true;
}

}  // namespace osgrid::peer
