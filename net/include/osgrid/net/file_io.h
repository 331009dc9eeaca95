// POSIX file helpers for streaming files to and from disk, shared by the
// client's transfers (file_transfer.h) and the peer's file store.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "osgrid/net/status.h"

namespace osgrid::net {

/// Writes all of `data` to `fd`, retrying short writes and EINTR.
/// Errors: IO "cannot write <path>: <reason>".
Status WriteAll(int fd, std::string_view data, const std::string& path);

/// Reads from `fd` until `buffer` is full or the file ends, retrying EINTR;
/// returns the bytes read (fewer than buffer.size() only at the end).
/// Errors: IO "cannot read <path>: <reason>".
Result<std::size_t> ReadFull(int fd, std::span<char> buffer, const std::string& path);

/// Write-behind for a file written from start to end: every `step` bytes
/// written, it asks the kernel to start writing them to disk
/// (sync_file_range), and it waits for the range written `lag` bytes ago to
/// reach the disk. So the disk works while the data still streams in, the
/// final fsync has at most about `lag` bytes left to write, and a fast
/// writer is held to the disk's pace instead of filling memory with dirty
/// pages. It is only a hint: errors are left for the final fsync to report.
class WriteBehind {
 public:
  static constexpr std::uint64_t kStepBytes = 8ull << 20;  // 8 MiB
  static constexpr std::uint64_t kLagBytes = 64ull << 20;  // 64 MiB

  explicit WriteBehind(std::uint64_t step_bytes = kStepBytes, std::uint64_t lag_bytes = kLagBytes)
      : step_(step_bytes), lag_(lag_bytes) {}

  /// Tells it that `fd` now holds `end` bytes written in order from offset 0.
  void Wrote(int fd, std::uint64_t end);

 private:
  std::uint64_t step_, lag_;
  std::uint64_t started_ = 0;  // bytes [0, started_) have been handed to the disk
  std::uint64_t waited_ = 0;   // bytes [0, waited_) are known to be on the disk
};

}  // namespace osgrid::net
