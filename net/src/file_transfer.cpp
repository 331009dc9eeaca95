// The client's file transfers (protocol in docs/protocol.md, "Files").
//
// Each transfer is one pass over the file with two threads, so the disk,
// the socket and the SHA-256 work at once, and memory stays at a few
// chunks whatever the file size:
//
//   PutFile:  main: file -> socket by sendfile(2)     hasher: file -> SHA-256
//   GetFile:  main: socket -> buffer, SHA-256         writer: buffer -> file
//
// A put never copies the data through this process to send it: the kernel
// sends it from the page cache, while a second thread reads the same pages
// into one buffer and hashes them (over TLS, which the kernel cannot do,
// Client::SendFileChunk reads and sends). Against reading, hashing and
// sending in user space this took the client from 1.37-1.69 to 1.0-1.2
// CPU-s and 26 to 11 MiB peak RSS per GiB (bench/README.md). A get hands
// buffers to a writer thread through a BufferPipe of params::kStreamWindow
// chunks; the receiver hashes, as the writer's page-cache writes and fsync
// cost more. The SHA-256 follows the data (PUT_END, FILE_END): nothing
// reads the file before it is sent.
#include "osgrid/net/file_transfer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <optional>
#include <span>
#include <string_view>
#include <thread>
#include <utility>

#include "buffer_pipe.h"
#include "osgrid/net/file_io.h"
#include "osgrid/net/messages.h"
#include "osgrid/net/sha256.h"

namespace osgrid::net {

namespace fs = std::filesystem;

namespace {

/// An open file descriptor, closed on destruction.
class File {
 public:
  explicit File(int fd = -1) : fd_(fd) {}
  File(File&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  File& operator=(File&& other) noexcept {
    std::swap(fd_, other.fd_);
    return *this;
  }
  ~File() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }
  /// Closes now; 0 or -1 with errno set, as close(2).
  int Close() { return ::close(std::exchange(fd_, -1)); }

 private:
  int fd_;
};

Status IoError(const std::string& action, const std::string& path) {
  return Status::Io("cannot " + action + " " + path + ": " + std::strerror(errno));
}

BufferPipe MakePipe() { return BufferPipe(params::kStreamWindow, params::kChunkBytes); }

/// Waits for the reply to request `id`, skipping other replies (an ERROR
/// without an id ends the wait too).
Result<Json> AwaitReply(Client& client, const Json& id) {
  for (;;) {
    auto reply = client.ReadJson(client.options().io_timeout);
    if (!reply.ok()) return reply.status();
    const Json reply_id = reply->value("id", Json());
    if (reply_id != id && !reply_id.is_null()) continue;
    if (Status s = StatusFromReply(*reply); !s.ok()) return s;
    if (reply_id == id) return reply;
  }
}

// ---- The two ends of a pipe ---------------------------------------------------------

/// Producer: fills the pipe's buffers with `size` bytes, `read(space, left)`
/// giving how many it put in `space` (at most `left`), and hashes them on the
/// way. Stops quietly if the consumer gave up (its error is the one reported);
/// on an error of `read` closes the pipe and returns it.
template <class Read>
Status FillHashed(std::uint64_t size, BufferPipe& pipe, Sha256& hash, Read read) {
  for (std::uint64_t left = size; left > 0;) {
    std::optional<BufferPipe::Buffer> buffer = pipe.Empty();
    if (!buffer) return Status::Ok();
    Result<std::size_t> got = read(buffer->space(), left);
    if (!got.ok()) {
      pipe.Close();
      return got.status();
    }
    buffer->size = *got;
    left -= *got;
    hash.Update(buffer->view());
    pipe.Fill(std::move(*buffer));
  }
  pipe.Finish();
  return Status::Ok();
}

/// Consumer: hands each filled buffer to `use(data)` until the producer
/// finishes; on an error of `use` closes the pipe and returns it.
template <class Use>
Status Drain(BufferPipe& pipe, Use use) {
  while (std::optional<BufferPipe::Buffer> buffer = pipe.Filled()) {
    if (Status status = use(buffer->view()); !status.ok()) {
      pipe.Close();
      return status;
    }
    pipe.Recycle(std::move(*buffer));
  }
  return Status::Ok();
}

// ---- PutFile -----------------------------------------------------------------------

/// The peer answered in the middle of an upload: that is an ERROR (it sends
/// nothing else then). The rest of the upload is not sent, so the
/// connection is closed.
Status EarlyReply(Client& client) {
  Result<Json> reply = client.ReadJson(client.options().io_timeout);
  client.Close();
  if (!reply.ok()) return reply.status();
  Status status = StatusFromReply(*reply);
  if (!status.ok()) return status;
  return Status::BadRequest("protocol error: a reply arrived in the middle of the upload: " +
                            Sanitize(reply->dump(), 120));
}

/// Hashing thread: `size` bytes of `fd`, read into one buffer and hashed.
/// Errors: IO (the file cannot be read, or is shorter than `size`).
Result<std::string> HashFile(int fd, std::uint64_t size, const std::string& path, const std::atomic<bool>& stop) {
  Sha256 hash;
  auto buffer = std::make_unique_for_overwrite<char[]>(params::kChunkBytes);
  for (std::uint64_t offset = 0; offset < size && !stop;) {
    const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(params::kChunkBytes, size - offset));
    const ssize_t got = ::pread(fd, buffer.get(), want, static_cast<off_t>(offset));
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return IoError("read", path);
    if (got == 0) return Status::Io(path + " shrank while it was being sent");
    hash.Update(std::string_view(buffer.get(), static_cast<std::size_t>(got)));
    offset += static_cast<std::uint64_t>(got);
  }
  return hash.HexDigest();
}

/// Main thread: `size` bytes of `fd` as chunk frames, sent by the kernel.
Status Send(Client& client, int fd, std::uint64_t size, const std::string& path) {
  for (std::uint64_t offset = 0; offset < size;) {
    if (client.HasInput()) return EarlyReply(client);
    const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(params::kChunkBytes, size - offset));
    if (Status s = client.SendFileChunk(fd, offset, n, path); !s.ok()) return s;
    offset += n;
  }
  return Status::Ok();
}

/// Streams `size` bytes of `fd` as chunk frames; returns their SHA-256,
/// computed by a second thread while the kernel sends.
Result<std::string> StreamUpload(Client& client, int fd, std::uint64_t size, const std::string& path) {
  std::atomic<bool> stop{false};
  std::optional<Result<std::string>> sha256;
  std::thread hasher([&] { sha256 = HashFile(fd, size, path, stop); });
  Status send_status = Send(client, fd, size, path);
  if (!send_status.ok()) stop = true;
  hasher.join();
  if (!send_status.ok()) {
    client.Close();
    return send_status;
  }
  if (!sha256->ok()) {
    client.Close();  // mid-upload: the peer abandons it when the connection drops
    return sha256->status();
  }
  return *std::move(sha256);
}

// ---- GetFile -----------------------------------------------------------------------

/// Writer thread: the pipe's buffers into `fd`.
Status WriteFile(int fd, const std::string& path, BufferPipe& pipe) {
  WriteBehind write_behind;
  std::uint64_t written = 0;
  return Drain(pipe, [&](std::string_view data) {
    Status status = WriteAll(fd, data, path);
    if (status.ok()) write_behind.Wrote(fd, written += data.size());
    return status;
  });
}

/// Main thread: `size` bytes of chunk frames into the pipe, hashed on the way.
Status ReceiveAndHash(Client& client, std::uint64_t size, BufferPipe& pipe, Sha256& hash) {
  return FillHashed(size, pipe, hash, [&](std::span<char> space, std::uint64_t left) -> Result<std::size_t> {
    Result<std::size_t> got = client.ReadChunk(space, client.options().io_timeout);
    if (got.ok() && *got > left) {
      client.Close();
      return Status::BadRequest("protocol error: more file data than announced");
    }
    return got;
  });
}

/// The FILE_END after the data: its sha256. Errors: the peer's ERROR in its
/// place (e.g. INTEGRITY: the stored file changed on disk), a protocol error.
Result<std::string> ReadTrailer(Client& client, const Json& id) {
  Result<Json> trailer = client.ReadJson(client.options().io_timeout);
  if (!trailer.ok()) return trailer.status();
  if (Status s = StatusFromReply(*trailer); !s.ok()) return s;
  const Json sha256 = trailer->value("sha256", Json());
  if (trailer->value("type", "") != "FILE_END" || trailer->value("id", Json()) != id || !sha256.is_string()) {
    client.Close();
    return Status::BadRequest("protocol error: expected FILE_END with the sha256 after the file's data");
  }
  return sha256.get<std::string>();
}

/// Receives the data into `fd` and checks it against FILE_END's SHA-256.
/// Errors: INTEGRITY (mismatch), IO (writing), the peer's, the connection's.
Result<std::string> StreamDownload(Client& client, const Json& id, std::uint64_t size, int fd, const std::string& path,
                                   const std::string& remote_name) {
  BufferPipe pipe = MakePipe();
  Sha256 hash;
  Status write_status;
  std::thread writer([&] { write_status = WriteFile(fd, path, pipe); });
  Status received = ReceiveAndHash(client, size, pipe, hash);
  writer.join();
  if (!write_status.ok()) {
    client.Close();  // the rest of the data is not read
    return write_status;
  }
  if (!received.ok()) return received;
  Result<std::string> expected = ReadTrailer(client, id);
  if (!expected.ok()) return expected.status();
  const std::string actual = hash.HexDigest();
  if (actual != *expected) {
    return Status(Code::kIntegrity, "sha256 mismatch for '" + remote_name + "': the peer sent " + *expected +
                                        ", the data received hashes to " + actual);
  }
  return actual;
}

/// fsyncs and closes `file`, renames `from` over `to`, and fsyncs the folder:
/// the download is on disk, whole, under its name.
Status Install(File& file, const std::string& from, const std::string& to) {
  if (::fsync(file.get()) != 0) return IoError("fsync", from);
  if (file.Close() != 0) return IoError("close", from);
  std::error_code error;
  fs::rename(from, to, error);
  if (error) return Status::Io("cannot rename " + from + " to " + to + ": " + error.message());
  fs::path folder = fs::path(to).parent_path();
  File dir(::open(folder.empty() ? "." : folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir.get() >= 0) ::fsync(dir.get());  // best effort: the file itself is already safe
  return Status::Ok();
}

}  // namespace

Result<Json> PutFile(Client& client, const std::string& remote_name, const std::string& local_path) {
  File file(::open(local_path.c_str(), O_RDONLY | O_CLOEXEC));
  if (file.get() < 0) return IoError("open", local_path);
  struct stat info {};
  if (::fstat(file.get(), &info) != 0) return IoError("stat", local_path);
  if (!S_ISREG(info.st_mode)) return Status::Io("cannot send " + local_path + ": not a regular file");
  ::posix_fadvise(file.get(), 0, 0, POSIX_FADV_SEQUENTIAL);
  const auto size = static_cast<std::uint64_t>(info.st_size);

  auto ready = client.Call({{"type", "PUT_FILE"}, {"name", remote_name}, {"size", size}});
  if (!ready.ok()) return ready.status();
  if (ready->value("type", "") != "PUT_READY") {
    return Status::BadRequest("protocol error: expected PUT_READY, got " + ready->value("type", Json()).dump());
  }
  const Json id = ready->value("id", Json());
  Result<std::string> sha256 = StreamUpload(client, file.get(), size, local_path);
  if (!sha256.ok()) return sha256.status();
  if (Status s = client.SendJson({{"type", "PUT_END"}, {"id", id}, {"sha256", *sha256}}); !s.ok()) return s;
  Result<Json> stored = AwaitReply(client, id);
  if (stored.ok() && stored->value("sha256", Json()) != *sha256) {
    return Status(Code::kIntegrity, "the peer stored '" + remote_name + "' with sha256 " +
                                        Sanitize(stored->value("sha256", Json()).dump(), 80) + ", but we sent " +
                                        *sha256);
  }
  return stored;
}

Result<Json> GetFile(Client& client, const std::string& remote_name, const std::string& local_path) {
  auto header = client.Call({{"type", "GET_FILE"}, {"name", remote_name}});
  if (!header.ok()) return header.status();
  const Json size_field = header->value("size", Json());
  if (header->value("type", "") != "FILE_DATA" || !size_field.is_number_unsigned()) {
    return Status::BadRequest("protocol error: expected FILE_DATA with the size");
  }
  const std::string partial = local_path + ".part";
  File file(::open(partial.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (file.get() < 0) {
    client.Close();  // the data is on its way and will not be read
    return IoError("write", partial);
  }
  Result<std::string> sha256 = StreamDownload(client, header->value("id", Json()), size_field.get<std::uint64_t>(),
                                              file.get(), partial, remote_name);
  Status status = sha256.ok() ? Install(file, partial, local_path) : sha256.status();
  if (!status.ok()) {
    std::error_code ignored;
    fs::remove(partial, ignored);
    return status;
  }
  Json result = std::move(header).value();
  result["sha256"] = *sha256;
  return result;
}

}  // namespace osgrid::net
