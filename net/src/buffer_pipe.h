// Private to net/: a fixed set of buffers handed between two threads, for the
// client's file transfers (file_transfer.cpp). One thread fills buffers (from
// the file, or from the socket), the other empties them (to the socket, or
// to the file); each buffer goes round and round. With a few buffers the two
// threads overlap, memory stays at count * buffer_bytes whatever the file
// size, and the faster thread waits for the slower one.
//
//   filler:  Empty() -> fill -> Fill()  ...  Finish()
//   emptier: Filled() -> empty -> Recycle()  ...  until Filled() is nullopt
//   either:  Close() when it gives up; the other's next wait returns nullopt
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace osgrid::net {

class BufferPipe {
 public:
  struct Buffer {
    std::unique_ptr<char[]> bytes;
    std::size_t capacity = 0;  // bytes allocated
    std::size_t size = 0;      // bytes in use

    std::span<char> space() { return {bytes.get(), capacity}; }
    std::string_view view() const { return {bytes.get(), size}; }
  };

  /// `count` buffers of `buffer_bytes` each, allocated on first use.
  BufferPipe(std::size_t count, std::size_t buffer_bytes) : count_(count), buffer_bytes_(buffer_bytes) {}

  /// Filler: an empty buffer to fill (waits for one); nullopt once closed.
  std::optional<Buffer> Empty() {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait(lock, [&] { return closed_ || !empty_.empty() || made_ < count_; });
    if (closed_) return std::nullopt;
    if (empty_.empty()) {
      ++made_;
      return Buffer{std::make_unique_for_overwrite<char[]>(buffer_bytes_), buffer_bytes_, 0};
    }
    Buffer buffer = std::move(empty_.back());
    empty_.pop_back();
    return buffer;
  }

  /// Filler: hands over a filled buffer (its `size` bytes).
  void Fill(Buffer buffer) {
    std::lock_guard<std::mutex> lock(mutex_);
    filled_.push_back(std::move(buffer));
    changed_.notify_all();
  }

  /// Filler: no more buffers will be filled.
  void Finish() {
    std::lock_guard<std::mutex> lock(mutex_);
    finished_ = true;
    changed_.notify_all();
  }

  /// Emptier: the next filled buffer, in order (waits for one); nullopt once
  /// the filler finished and every buffer was taken, or once closed.
  std::optional<Buffer> Filled() {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait(lock, [&] { return closed_ || !filled_.empty() || finished_; });
    if (closed_ || filled_.empty()) return std::nullopt;
    Buffer buffer = std::move(filled_.front());
    filled_.pop_front();
    return buffer;
  }

  /// Emptier: gives back a buffer it has emptied.
  void Recycle(Buffer buffer) {
    std::lock_guard<std::mutex> lock(mutex_);
    buffer.size = 0;
    empty_.push_back(std::move(buffer));
    changed_.notify_all();
  }

  /// Either side gives up: every wait, now and later, returns nullopt.
  void Close() {
    std::lock_guard<std::mutex> lock(mutex_);
    closed_ = true;
    changed_.notify_all();
  }

 private:
  const std::size_t count_;
  const std::size_t buffer_bytes_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<Buffer> empty_;  // guarded by mutex_
  std::deque<Buffer> filled_;  // guarded by mutex_, oldest first
  std::size_t made_ = 0;       // guarded by mutex_
  bool finished_ = false;      // guarded by mutex_
  bool closed_ = false;        // guarded by mutex_
};

}  // namespace osgrid::net
