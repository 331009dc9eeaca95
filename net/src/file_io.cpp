#include "osgrid/net/file_io.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace osgrid::net {

Status WriteAll(int fd, std::string_view data, const std::string& path) {
  while (!data.empty()) {
    const ssize_t written = ::write(fd, data.data(), data.size());
    if (written < 0 && errno == EINTR) continue;
    if (written < 0) return Status::Io("cannot write " + path + ": " + std::strerror(errno));
    data.remove_prefix(static_cast<std::size_t>(written));
  }
  return Status::Ok();
}

Result<std::size_t> ReadFull(int fd, std::span<char> buffer, const std::string& path) {
  std::size_t done = 0;
  while (done < buffer.size()) {
    const ssize_t got = ::read(fd, buffer.data() + done, buffer.size() - done);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return Status::Io("cannot read " + path + ": " + std::strerror(errno));
    if (got == 0) break;
    done += static_cast<std::size_t>(got);
  }
  return done;
}

void WriteBehind::Wrote(int fd, std::uint64_t end) {
  if (end < started_ + step_) return;
  ::sync_file_range(fd, static_cast<off64_t>(started_), static_cast<off64_t>(end - started_), SYNC_FILE_RANGE_WRITE);
  started_ = end;
  if (started_ < waited_ + lag_ + step_) return;
  const std::uint64_t until = started_ - lag_;
  ::sync_file_range(fd, static_cast<off64_t>(waited_), static_cast<off64_t>(until - waited_),
                    SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER);
  waited_ = until;
}

}  // namespace osgrid::net
