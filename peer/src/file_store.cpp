// The file store (contract and on-disk layout in osgrid/peer/file_store.h).
//
// [SECTION] POSIX helpers: errors, file descriptors, fsync
// [SECTION] Names, SHA-256 strings and metadata
// [SECTION] State: the index and the byte accounting
// [SECTION] Writing: temporary files, metadata, installing an upload
// [SECTION] Opening: tmp cleanup and loading the index
// [SECTION] Upload
// [SECTION] Download
// [SECTION] FileStore
//
// Why the steps come in this order is explained where they happen: see
// InstallUpload() for the crash-safety argument.
#include "osgrid/peer/file_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <utility>

#include "osgrid/net/file_io.h"
#include "osgrid/net/json.h"
#include "osgrid/net/messages.h"
#include "osgrid/net/sha256.h"

namespace osgrid::peer {

namespace fs = std::filesystem;

namespace {

// ---------------------------------------------------------------------------
// [SECTION] POSIX helpers: errors, file descriptors, fsync
// ---------------------------------------------------------------------------

Status IoError(const std::string& action, const fs::path& path, int error_number) {
  return Status::Io("cannot " + action + " " + path.string() + ": " + std::strerror(error_number));
}

Status IoError(const std::string& action, const fs::path& path, const std::error_code& error) {
  return Status::Io("cannot " + action + " " + path.string() + ": " + error.message());
}

/// Owns one open file descriptor; closes it on destruction.
class FileDescriptor {
 public:
  FileDescriptor() = default;
  explicit FileDescriptor(int fd) : fd_(fd) {}
  FileDescriptor(FileDescriptor&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  FileDescriptor& operator=(FileDescriptor&& other) noexcept {
    if (this != &other) {
      Reset();
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  ~FileDescriptor() { Reset(); }

  int get() const { return fd_; }
  /// Closes, ignoring errors (for cleanup paths).
  void Reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  /// Closes; 0 or -1 with errno set, as close(2).
  int Close() { return ::close(std::exchange(fd_, -1)); }

 private:
  int fd_ = -1;  // -1 when closed
};

/// Writes all of `data`, retrying short writes and EINTR.
Status WriteAll(int fd, std::string_view data, const fs::path& path) {
  while (!data.empty()) {
    const ssize_t written = ::write(fd, data.data(), data.size());
    if (written < 0 && errno == EINTR) continue;
    if (written < 0) return IoError("write", path, errno);
    data.remove_prefix(static_cast<std::size_t>(written));
  }
  return Status::Ok();
}

/// Reads at most `size` bytes into `buffer`; 0 at the end of the file.
Result<std::size_t> ReadSome(int fd, char* buffer, std::size_t size, const fs::path& path) {
  while (true) {
    const ssize_t got = ::read(fd, buffer, size);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return IoError("read", path, errno);
    return static_cast<std::size_t>(got);
  }
}

/// fsyncs then closes `fd`: after this, the file's contents are on disk.
Status SyncAndClose(FileDescriptor& fd, const fs::path& path) {
  if (::fsync(fd.get()) != 0) return IoError("fsync", path, errno);
  if (fd.Close() != 0) return IoError("close", path, errno);
  return Status::Ok();
}

/// fsyncs a directory, so that renames and deletions in it survive a crash.
Status SyncDirectory(const fs::path& dir) {
  FileDescriptor fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) return IoError("open directory", dir, errno);
  if (::fsync(fd.get()) != 0) return IoError("fsync", dir, errno);
  return Status::Ok();
}

std::int64_t MtimeMs(const struct stat& info) {
  return static_cast<std::int64_t>(info.st_mtim.tv_sec) * 1000 + info.st_mtim.tv_nsec / 1'000'000;
}

/// The entries of a directory (not recursive).
Result<std::vector<fs::path>> ListDirectory(const fs::path& dir) {
  std::vector<fs::path> paths;
  std::error_code error;
  for (fs::directory_iterator it(dir, error), end; !error && it != end; it.increment(error)) {
    paths.push_back(it->path());
  }
  if (error) return IoError("list", dir, error);
  return paths;
}

// ---------------------------------------------------------------------------
// [SECTION] Names, SHA-256 strings and metadata
// ---------------------------------------------------------------------------

/// Well-formed UTF-8 (Unicode Standard, table 3-7): no overlong forms, no
/// surrogates, nothing past U+10FFFF. File names must be valid JSON strings.
bool IsValidUtf8(std::string_view text) {
  std::size_t at = 0;
  while (at < text.size()) {
    const auto lead = static_cast<unsigned char>(text[at]);
    std::size_t length = 1;
    unsigned char second_low = 0x80, second_high = 0xbf;  // allowed range of byte 2
    if (lead < 0x80) {
      length = 1;
    } else if (lead >= 0xc2 && lead <= 0xdf) {
      length = 2;
    } else if (lead >= 0xe0 && lead <= 0xef) {
      length = 3;
      if (lead == 0xe0) second_low = 0xa0;   // overlong
      if (lead == 0xed) second_high = 0x9f;  // surrogates
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      length = 4;
      if (lead == 0xf0) second_low = 0x90;   // overlong
      if (lead == 0xf4) second_high = 0x8f;  // past U+10FFFF
    } else {
      return false;
    }
    if (text.size() - at < length) return false;
    for (std::size_t k = 1; k < length; ++k) {
      const auto byte = static_cast<unsigned char>(text[at + k]);
      const unsigned char low = (k == 1) ? second_low : 0x80;
      const unsigned char high = (k == 1) ? second_high : 0xbf;
      if (byte < low || byte > high) return false;
    }
    at += length;
  }
  return true;
}

bool IsControl(char c) {
  const auto byte = static_cast<unsigned char>(c);
  return byte < 0x20 || byte == 0x7f;
}

/// Checks a declared SHA-256 and returns it in lowercase.
Result<std::string> NormalizeSha256(const std::string& sha256) {
  if (sha256.size() != 64) {
    return Status::BadRequest("sha256 must be 64 hex characters, got " + std::to_string(sha256.size()));
  }
  std::string lower = sha256;
  for (char& c : lower) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) {
      const std::string shown = net::Sanitize(sha256, 80);
      return Status::BadRequest("sha256 must be 64 hex characters, got '" + shown + "'");
    }
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return lower;
}

/// The metadata file's name: "<name>.json", or "long..<sha256 of name>.json"
/// when that would pass the 255-byte limit on a directory entry. No valid name
/// contains "..", so the two forms never collide.
std::string MetaFileName(const std::string& name) {
  const std::string plain = name + ".json";
  if (plain.size() <= params::kMaxFileNameBytes) return plain;
  return "long.." + net::Sha256Hex(name) + ".json";
}

std::string MetaText(const FileInfo& info) {
  const Json meta = {{"name", info.name}, {"size", info.size}, {"sha256", info.sha256}, {"mtime_ms", info.mtime_ms}};
  return meta.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

/// Reads a small text file whole; nullopt if missing, unreadable or too big.
std::optional<std::string> ReadSmallFile(const fs::path& path, std::size_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::string text(max_bytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (in.bad() || static_cast<std::size_t>(in.gcount()) > max_bytes) return std::nullopt;
  text.resize(static_cast<std::size_t>(in.gcount()));
  return text;
}

/// The SHA-256 recorded in `meta_text`, if it describes `file` exactly (same
/// name, size and modification time, and a well-formed lowercase digest).
std::optional<std::string> ShaFromMeta(const std::string& meta_text, const FileInfo& file) {
  const Json meta = Json::parse(meta_text, nullptr, /*allow_exceptions=*/false);
  if (!meta.is_object()) return std::nullopt;
  const Json name = meta.value("name", Json());
  const Json size = meta.value("size", Json());
  const Json sha256 = meta.value("sha256", Json());
  const Json mtime_ms = meta.value("mtime_ms", Json());
  if (name != file.name || size != file.size || mtime_ms != file.mtime_ms) return std::nullopt;
  if (!sha256.is_string()) return std::nullopt;
  Result<std::string> normal = NormalizeSha256(sha256.get<std::string>());
  if (!normal.ok() || normal.value() != sha256.get<std::string>()) return std::nullopt;
  return normal.value();
}

Status NoFile(const std::string& name) { return Status::NotFound("no file '" + net::Sanitize(name) + "'"); }

}  // namespace

Status ValidateFileName(std::string_view name) {
  if (name.empty()) return Status::BadRequest("file name is empty");
  if (name.size() > params::kMaxFileNameBytes) {
    return Status::BadRequest("file name is " + std::to_string(name.size()) + " bytes, over the limit of " +
                              std::to_string(params::kMaxFileNameBytes));
  }
  const std::string shown = "file name '" + net::Sanitize(name) + "'";
  if (std::any_of(name.begin(), name.end(), IsControl)) {
    return Status::BadRequest(shown + " contains a control character");
  }
  if (name.find('/') != std::string_view::npos) return Status::BadRequest(shown + " contains '/'");
  if (name == "." || name == "..") return Status::BadRequest(shown + " is not allowed");
  if (name.find("..") != std::string_view::npos) {
    return Status::BadRequest(shown + " contains '..'");
  }
  if (!IsValidUtf8(name)) return Status::BadRequest(shown + " is not valid UTF-8");
  return Status::Ok();
}

// ---------------------------------------------------------------------------
// [SECTION] State: the index and the byte accounting
// ---------------------------------------------------------------------------

struct FileStore::State {
  State(std::string dir_text, std::uint64_t limit) : dir(std::move(dir_text)), root(dir), limit_bytes(limit) {}

  fs::path FilesDir() const { return root / "files"; }
  fs::path MetaDir() const { return root / "meta"; }
  fs::path TmpDir() const { return root / "tmp"; }
  fs::path FilePath(const std::string& name) const { return FilesDir() / name; }
  fs::path MetaPath(const std::string& name) const { return MetaDir() / MetaFileName(name); }

  /// Adds or replaces one file in the index, keeping stored_bytes in step.
  void Index(const FileInfo& info) {
    std::lock_guard<std::mutex> lock(index_mutex);
    UnindexLocked(info.name);
    files[info.name] = info;
    stored_bytes += info.size;
  }
  void Unindex(const std::string& name) {
    std::lock_guard<std::mutex> lock(index_mutex);
    UnindexLocked(name);
  }
  void UnindexLocked(const std::string& name) {
    auto found = files.find(name);
    if (found == files.end()) return;
    stored_bytes -= found->second.size;
    files.erase(found);
  }
  std::optional<FileInfo> Find(const std::string& name) const {
    std::lock_guard<std::mutex> lock(index_mutex);
    auto found = files.find(name);
    if (found == files.end()) return std::nullopt;
    return found->second;
  }
  void Release(std::uint64_t reservation) {
    std::lock_guard<std::mutex> lock(index_mutex);
    reserved_bytes -= reservation;
  }

  const std::string dir;                       // as given to Open()
  const fs::path root;                         // the same, as a path
  const std::uint64_t limit_bytes;             // checked by FileStore::BeginUpload()
  std::atomic<std::uint64_t> temp_counter{0};  // makes temporary file names unique

  // Held only for memory operations, never across disk I/O: the io thread
  // takes it (Stat, List, BeginUpload).
  mutable std::mutex index_mutex;
  std::map<std::string, FileInfo> files;  // guarded by index_mutex: name -> info, sorted by name
  std::uint64_t stored_bytes = 0;         // guarded by index_mutex: sum of files[*].size
  std::uint64_t reserved_bytes = 0;       // guarded by index_mutex: declared sizes of uploads in progress

  // Serialises what changes files/ and meta/ together (installing an upload,
  // deleting, opening a download), so that the index, a file and its
  // metadata always agree. Taken on worker threads only, before index_mutex.
  std::mutex disk_mutex;
};

namespace {

using State = FileStore::State;

// ---------------------------------------------------------------------------
// [SECTION] Writing: temporary files, metadata, installing an upload
// ---------------------------------------------------------------------------

/// A new, empty file in tmp/, open for writing. `path` is empty once the file
/// has been renamed into place (so cleanup must not delete it).
struct TempFile {
  FileDescriptor fd;
  fs::path path;
};

Result<TempFile> CreateTempFile(State& state, const std::string& suffix) {
  while (true) {
    const std::string leaf = std::to_string(::getpid()) + "-" + std::to_string(++state.temp_counter) + suffix;
    TempFile temp{FileDescriptor(), state.TmpDir() / leaf};
    temp.fd = FileDescriptor(::open(temp.path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
    if (temp.fd.get() >= 0) return temp;
    if (errno != EEXIST) return IoError("create", temp.path, errno);
  }
}

/// Deletes meta/ of `name` (if any) durably.
Status RemoveMeta(const State& state, const std::string& name) {
  std::error_code error;
  fs::remove(state.MetaPath(name), error);
  if (error) return IoError("delete", state.MetaPath(name), error);
  return SyncDirectory(state.MetaDir());
}

/// Writes meta/ of `info` through tmp/ and a rename, so it is whole or absent.
Status WriteMeta(State& state, const FileInfo& info) {
  Result<TempFile> temp = CreateTempFile(state, ".meta");
  if (!temp.ok()) return temp.status();
  Status status = WriteAll(temp->fd.get(), MetaText(info), temp->path);
  if (status.ok()) status = SyncAndClose(temp->fd, temp->path);
  std::error_code error;
  if (status.ok()) {
    fs::rename(temp->path, state.MetaPath(info.name), error);
    if (error) status = IoError("rename into", state.MetaPath(info.name), error);
  }
  if (!status.ok()) {
    fs::remove(temp->path, error);
    return status;
  }
  return SyncDirectory(state.MetaDir());
}

/// Moves a verified upload from tmp/ to files/ and records it.
///
/// Crash safety: the contents are fsync'ed before the rename, so files/ only
/// ever holds whole files. The old metadata is deleted (durably) before the
/// rename, so a crash between the steps leaves a file without metadata, never
/// a file with someone else's metadata; Open() then recomputes its SHA-256.
Result<FileInfo> InstallUpload(State& state, TempFile& temp, FileInfo info) {
  struct stat file_stat {};
  if (::fstat(temp.fd.get(), &file_stat) != 0) return IoError("stat", temp.path, errno);
  info.mtime_ms = MtimeMs(file_stat);  // no more writes come, so this is final
  if (Status status = SyncAndClose(temp.fd, temp.path); !status.ok()) return status;
  std::lock_guard<std::mutex> lock(state.disk_mutex);
  if (Status status = RemoveMeta(state, info.name); !status.ok()) return status;

  std::error_code error;
  fs::rename(temp.path, state.FilePath(info.name), error);
  if (error) return IoError("rename into", state.FilePath(info.name), error);
  temp.path.clear();
  state.Index(info);  // from here on the new file is the stored one

  if (Status status = SyncDirectory(state.FilesDir()); !status.ok()) return status;
  if (Status status = WriteMeta(state, info); !status.ok()) return status;
  return info;
}

// ---------------------------------------------------------------------------
// [SECTION] Opening: tmp cleanup and loading the index
// ---------------------------------------------------------------------------

Status CreateDirectories(const State& state) {
  for (const fs::path& dir : {state.FilesDir(), state.MetaDir(), state.TmpDir()}) {
    std::error_code error;
    fs::create_directories(dir, error);
    if (error) return IoError("create directory", dir, error);
  }
  return Status::Ok();
}

/// Deletes whatever a crash left in tmp/: unfinished uploads and metadata.
Status ClearTmp(const State& state) {
  Result<std::vector<fs::path>> leftovers = ListDirectory(state.TmpDir());
  if (!leftovers.ok()) return leftovers.status();
  for (const fs::path& path : leftovers.value()) {
    std::error_code error;
    fs::remove_all(path, error);
    if (error) return IoError("delete", path, error);
  }
  return Status::Ok();
}

/// Indexes files/<name>: from its metadata if that still describes the file,
/// else by hashing the file and rewriting the metadata. Skips anything that is
/// not a regular file (a symlink could point outside the store).
Status LoadFile(State& state, const std::string& name) {
  const fs::path path = state.FilePath(name);
  struct stat file_stat {};
  if (::lstat(path.c_str(), &file_stat) != 0) return IoError("stat", path, errno);
  if (!S_ISREG(file_stat.st_mode)) return Status::Ok();

  FileInfo info{name, static_cast<std::uint64_t>(file_stat.st_size), "", MtimeMs(file_stat)};
  const std::optional<std::string> meta_text = ReadSmallFile(state.MetaPath(name), 4096);
  std::optional<std::string> sha256;
  if (meta_text) sha256 = ShaFromMeta(*meta_text, info);
  if (sha256) {
    info.sha256 = *sha256;
    state.Index(info);
    return Status::Ok();
  }
  Result<std::string> computed = net::Sha256File(path.string());
  if (!computed.ok()) return computed.status();
  info.sha256 = computed.value();
  state.Index(info);
  return WriteMeta(state, info);
}

Status LoadFiles(State& state) {
  Result<std::vector<fs::path>> paths = ListDirectory(state.FilesDir());
  if (!paths.ok()) return paths.status();
  for (const fs::path& path : paths.value()) {
    const std::string name = path.filename().string();
    if (!ValidateFileName(name).ok()) continue;  // not one of ours; leave it alone
    if (Status status = LoadFile(state, name); !status.ok()) return status;
  }
  return Status::Ok();
}

/// Deletes metadata whose file is gone (or was never indexed).
Status DropOrphanMeta(const State& state) {
  std::set<std::string> wanted;
  for (const auto& [name, info] : state.files) wanted.insert(MetaFileName(name));
  Result<std::vector<fs::path>> paths = ListDirectory(state.MetaDir());
  if (!paths.ok()) return paths.status();
  for (const fs::path& path : paths.value()) {
    if (wanted.count(path.filename().string()) != 0) continue;
    std::error_code error;
    fs::remove_all(path, error);
    if (error) return IoError("delete", path, error);
  }
  return Status::Ok();
}

// ---------------------------------------------------------------------------
// [SECTION] Upload
// ---------------------------------------------------------------------------

/// A PUT in progress: bytes go to a temporary file and into a running SHA-256.
class FileUpload final : public FileStore::Upload {
 public:
  /// Takes over a reservation of `declared.size` bytes in `state`.
  FileUpload(std::shared_ptr<State> state, FileInfo declared)
      : state_(std::move(state)), declared_(std::move(declared)) {}
  ~FileUpload() override { Finish(); }

  Status Start() override {
    if (finished_) return FinishedStatus();
    if (started_) return Status::Ok();
    Result<TempFile> temp = CreateTempFile(*state_, ".upload");
    if (!temp.ok()) return Fail(temp.status());
    temp_ = std::move(temp).value();
    started_ = true;
    ::posix_fadvise(temp_.fd.get(), 0, 0, POSIX_FADV_SEQUENTIAL);
    return Fail(Reserve());
  }

  Status Write(std::string_view chunk) override {
    Status status = Append(chunk);
    if (status.ok()) Digest(chunk);
    return status;
  }

  Status Append(std::string_view chunk) override {
    if (Status status = Start(); !status.ok()) return status;
    if (chunk.size() > declared_.size - received_bytes_) {
      return Fail(Status::BadRequest("upload of '" + net::Sanitize(declared_.name) + "' declared " +
                                     std::to_string(declared_.size) + " bytes but more arrived (" +
                                     std::to_string(received_bytes_ + chunk.size()) + " so far)"));
    }
    if (Status status = net::WriteAll(temp_.fd.get(), chunk, temp_.path.string()); !status.ok()) {
      return Fail(status);
    }
    received_bytes_ += chunk.size();
    write_behind_.Wrote(temp_.fd.get(), received_bytes_);
    return Status::Ok();
  }

  // Touches nothing but hash_, so that it may run beside Append().
  void Digest(std::string_view chunk) override { hash_.Update(chunk); }

  Result<FileInfo> Commit(const std::string& sha256) override {
    if (Status status = Start(); !status.ok()) return status;
    if (received_bytes_ != declared_.size) {
      return Fail(Status::BadRequest("upload of '" + net::Sanitize(declared_.name) + "' ended after " +
                                     std::to_string(received_bytes_) + " of " + std::to_string(declared_.size) +
                                     " bytes"));
    }
    Result<std::string> expected = NormalizeSha256(sha256);
    if (!expected.ok()) return Fail(expected.status());
    const std::string actual = hash_.HexDigest();
    if (actual != expected.value()) {
      return Fail(Status(Code::kIntegrity, "sha256 mismatch: the client sent " + expected.value() +
                                               ", the data received hashes to " + actual));
    }
    FileInfo info = declared_;
    info.sha256 = actual;
    Result<FileInfo> installed = InstallUpload(*state_, temp_, std::move(info));
    if (!installed.ok()) return Fail(installed.status());
    Finish();
    return installed;
  }

 private:
  /// Asks the file system for the declared size now (fallocate, keeping the
  /// file's size at 0), so that a full disk fails the upload before any data
  /// arrives rather than in the middle. A file system that cannot
  /// preallocate is fine: the limit was already checked by BeginUpload().
  Status Reserve() {
    if (declared_.size == 0) return Status::Ok();
    if (::fallocate(temp_.fd.get(), FALLOC_FL_KEEP_SIZE, 0, static_cast<off_t>(declared_.size)) == 0) {
      return Status::Ok();
    }
    if (errno == ENOSPC) {
      return Status::Limit("no space left on the device for " + std::to_string(declared_.size) + " bytes of '" +
                           net::Sanitize(declared_.name) + "'");
    }
    if (errno == EOPNOTSUPP || errno == ENOSYS) return Status::Ok();
    return IoError("reserve space for", temp_.path, errno);
  }

  /// Ends the upload: deletes the temporary file (unless it was installed)
  /// and frees the reservation. Runs once.
  void Finish() {
    if (finished_) return;
    finished_ = true;
    temp_.fd.Reset();
    std::error_code ignored;
    if (!temp_.path.empty()) fs::remove(temp_.path, ignored);
    state_->Release(declared_.size);
  }

  /// Records a failure (a no-op for ok), finishing the upload.
  Status Fail(Status status) {
    if (status.ok()) return status;
    Finish();
    failure_ = status;
    return status;
  }

  Status FinishedStatus() const {
    if (!failure_.ok()) return failure_;
    return Status::Internal("upload of '" + net::Sanitize(declared_.name) + "' is already committed");
  }

  std::shared_ptr<State> state_;  // the store's index and accounting
  TempFile temp_;                 // where the bytes go until Commit(); set by Start()
  const FileInfo declared_;       // name and size as the client declared them
  std::uint64_t received_bytes_ = 0;
  net::Sha256 hash_;               // of the bytes received so far
  net::WriteBehind write_behind_;  // gets the disk writing while data streams in
  bool started_ = false;           // Start() created the temporary file
  bool finished_ = false;          // committed or failed; reservation freed
  Status failure_;                 // why it failed, if it did
};

// ---------------------------------------------------------------------------
// [SECTION] Download
// ---------------------------------------------------------------------------

/// A GET in progress: reads an open file, hashing as it goes.
class FileDownload final : public FileStore::Download {
 public:
  FileDownload(FileDescriptor fd, fs::path path, FileInfo info)
      : fd_(std::move(fd)), path_(std::move(path)), info_(std::move(info)) {
    ::posix_fadvise(fd_.get(), 0, 0, POSIX_FADV_SEQUENTIAL);
  }

  const FileInfo& info() const override { return info_; }

  Result<std::size_t> Read(std::span<char> buffer) override {
    if (!failure_.ok()) return failure_;
    if (done_) return std::size_t{0};
    if (buffer.empty()) return Status::BadRequest("a read needs a buffer of at least 1 byte");
    const std::uint64_t remaining = info_.size - read_bytes_;
    if (remaining == 0) return Finish();

    const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(buffer.size(), remaining));
    Result<std::size_t> got = net::ReadFull(fd_.get(), buffer.first(want), path_.string());
    if (!got.ok()) return Fail(got.status());
    if (got.value() == 0) {
      return Fail(Changed("shorter than " + std::to_string(info_.size) + " bytes"));
    }
    hash_.Update(std::string_view(buffer.data(), got.value()));
    read_bytes_ += got.value();
    return got;
  }

 private:
  /// All declared bytes are read: checks that nothing follows and that the
  /// SHA-256 matches, then returns the end marker 0.
  Result<std::size_t> Finish() {
    char extra = 0;
    Result<std::size_t> got = ReadSome(fd_.get(), &extra, 1, path_);
    if (!got.ok()) return Fail(got.status());
    if (got.value() != 0) {
      return Fail(Changed("longer than " + std::to_string(info_.size) + " bytes"));
    }
    const std::string actual = hash_.HexDigest();
    if (actual != info_.sha256) {
      return Fail(Changed("sha256 mismatch: expected " + info_.sha256 + ", got " + actual));
    }
    done_ = true;
    fd_.Reset();
    return std::size_t{0};
  }

  Status Changed(const std::string& how) const {
    return Status(Code::kIntegrity, "file '" + net::Sanitize(info_.name) + "' changed on disk: " + how);
  }

  Status Fail(Status status) {
    failure_ = status;
    fd_.Reset();
    return status;
  }

  FileDescriptor fd_;    // files/<name> as it was when opened
  const fs::path path_;  // for error messages
  const FileInfo info_;  // what the index said when opened
  std::uint64_t read_bytes_ = 0;
  net::Sha256 hash_;   // of the bytes read so far
  bool done_ = false;  // the end was reached and verified
  Status failure_;     // a failure is repeated on every later call
};

}  // namespace

// ---------------------------------------------------------------------------
// [SECTION] FileStore
// ---------------------------------------------------------------------------

FileStore::FileStore(std::shared_ptr<State> state) : state_(std::move(state)) {}
FileStore::~FileStore() = default;

Result<std::unique_ptr<FileStore>> FileStore::Open(const std::string& dir, std::uint64_t limit_bytes) {
  auto state = std::make_shared<State>(dir, limit_bytes);
  if (Status status = CreateDirectories(*state); !status.ok()) return status;
  if (Status status = ClearTmp(*state); !status.ok()) return status;
  if (Status status = LoadFiles(*state); !status.ok()) return status;
  if (Status status = DropOrphanMeta(*state); !status.ok()) return status;
  return std::unique_ptr<FileStore>(new FileStore(std::move(state)));
}

Result<std::unique_ptr<FileStore::Upload>> FileStore::BeginUpload(const std::string& name, std::uint64_t size) {
  if (Status status = ValidateFileName(name); !status.ok()) return status;

  State& state = *state_;
  std::lock_guard<std::mutex> lock(state.index_mutex);
  auto old = state.files.find(name);
  const std::uint64_t freeable = (old == state.files.end()) ? 0 : old->second.size;
  const std::uint64_t used = state.stored_bytes + state.reserved_bytes - freeable;
  if (size > state.limit_bytes || used > state.limit_bytes - size) {
    std::string message = "disk limit of " + std::to_string(state.limit_bytes) +
                          " bytes reached: " + std::to_string(used) + " used, " + std::to_string(size) + " requested";
    if (state.reserved_bytes > 0) {
      message += " (used includes " + std::to_string(state.reserved_bytes) + " reserved by uploads in progress)";
    }
    return Status::Limit(message);
  }
  state.reserved_bytes += size;
  return std::unique_ptr<Upload>(new FileUpload(state_, FileInfo{name, size, "", 0}));
}

Result<std::unique_ptr<FileStore::Download>> FileStore::OpenDownload(const std::string& name) {
  std::lock_guard<std::mutex> lock(state_->disk_mutex);  // no install or delete between Stat and open
  Result<FileInfo> info = Stat(name);
  if (!info.ok()) return info.status();
  const fs::path path = state_->FilePath(name);
  FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return IoError("open", path, errno);
  return std::unique_ptr<Download>(new FileDownload(std::move(fd), path, std::move(info.value())));
}

Result<FileInfo> FileStore::Stat(const std::string& name) const {
  if (Status status = ValidateFileName(name); !status.ok()) return status;
  std::optional<FileInfo> info = state_->Find(name);
  if (!info) return NoFile(name);
  return *info;
}

std::vector<FileInfo> FileStore::List() const {
  std::lock_guard<std::mutex> lock(state_->index_mutex);
  std::vector<FileInfo> infos;
  infos.reserve(state_->files.size());
  for (const auto& [name, info] : state_->files) infos.push_back(info);
  return infos;
}

Status FileStore::Delete(const std::string& name) {
  if (Status status = ValidateFileName(name); !status.ok()) return status;
  std::lock_guard<std::mutex> lock(state_->disk_mutex);
  if (!state_->Find(name)) return NoFile(name);
  const fs::path path = state_->FilePath(name);
  std::error_code error;
  fs::remove(path, error);
  if (error) return IoError("delete", path, error);
  state_->Unindex(name);
  if (Status status = SyncDirectory(state_->FilesDir()); !status.ok()) return status;
  return RemoveMeta(*state_, name);
}

std::uint64_t FileStore::used_bytes() const {
  std::lock_guard<std::mutex> lock(state_->index_mutex);
  return state_->stored_bytes;
}
std::uint64_t FileStore::reserved_bytes() const {
  std::lock_guard<std::mutex> lock(state_->index_mutex);
  return state_->reserved_bytes;
}
std::uint64_t FileStore::limit_bytes() const { return state_->limit_bytes; }
std::size_t FileStore::count() const {
  std::lock_guard<std::mutex> lock(state_->index_mutex);
  return state_->files.size();
}
const std::string& FileStore::dir() const { return state_->dir; }

}  // namespace osgrid::peer
