// The peer's disk: the store behind PUT_FILE, GET_FILE, LIST_FILES and
// DEL_FILE (see the message catalogue in osgrid/net/messages.h).
//
// Layout under the store's directory:
//
//     <dir>/files/<name>        the contents, exactly as uploaded
//     <dir>/meta/<name>.json    {"name","size","sha256","mtime_ms"} of that file
//     <dir>/tmp/                uploads in progress and metadata being written
//
// (A name longer than 250 bytes would make "<name>.json" longer than the 255
// bytes a directory entry may hold; its metadata is kept in
// "long..<sha256 of the name>.json" instead. The "name" field inside says whose
// it is.)
//
// Durability: an upload is written to tmp/, checked (size and SHA-256),
// fsync'ed, and only then renamed over files/<name>; the directory is fsync'ed
// before Commit() returns. So nothing acknowledged is lost in a crash, and
// nothing half-written is ever visible under files/. While the data streams
// in, the disk is asked to start writing it (net::WriteBehind), so the final
// fsync has little left to do. Metadata is only a cache: Open() recomputes
// the SHA-256 of any file whose metadata is missing or does not match the
// file's size and modification time.
//
// Space: a per-store byte limit counts stored files plus the declared sizes of
// uploads in progress, reserved at BeginUpload() and released by Commit() or
// by destroying the Upload. Upload::Start() also reserves the blocks on the
// file system (fallocate), so a full disk is found before any data arrives.
//
// Memory: uploads and downloads are streamed; each holds one chunk at a time,
// whatever the file size. The index (name -> FileInfo) is kept in memory.
//
// Threads: a FileStore may be used from several threads at once, and each
// Upload or Download from one thread at a time (except that an Upload's
// Append() and Digest() may overlap). The index is behind a mutex
// that is never held across disk I/O, so the calls that do no disk I/O --
// BeginUpload(), Stat(), List() and the counters -- are safe on an io thread.
// Everything else blocks on the disk (open, write, fsync, rename, unlink) and
// belongs on a worker thread; installs and deletes are serialised among
// themselves. One FileStore per directory at a time: Open() deletes whatever
// is in tmp/.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "osgrid/net/params.h"
#include "osgrid/net/status.h"

namespace osgrid::peer {

/// Checks a file name: 1..params::kMaxFileNameBytes (255) bytes of valid UTF-8,
/// no '/', no '\0' or other control characters (bytes below 0x20, and 0x7f),
/// not "." or "..", and not containing "..".
/// Errors: BAD_REQUEST naming the rule broken.
Status ValidateFileName(std::string_view name);

/// What the store knows about one file.
struct FileInfo {
  std::string name;           // as given to BeginUpload; passes ValidateFileName
  std::uint64_t size = 0;     // bytes
  std::string sha256;         // 64 lowercase hex characters
  std::int64_t mtime_ms = 0;  // last modification of files/<name>, ms since the Unix epoch
};

/// The peer's file store (layout, durability, limits and threads above).
class FileStore {
 public:
  /// Opens the store in `dir`: creates dir/, files/, meta/ and tmp/ if needed,
  /// deletes everything in tmp/ (uploads a crash interrupted), and loads the
  /// metadata. A file without valid metadata gets its SHA-256 recomputed and
  /// its metadata rewritten; metadata without a file is deleted. Entries of
  /// files/ that are not regular files or whose names fail ValidateFileName()
  /// are left alone and not listed. The limit is in bytes; files already
  /// stored may exceed it (then no upload fits until some are deleted).
  /// Errors: IO naming the path.
  static Result<std::unique_ptr<FileStore>> Open(const std::string& dir,
                                                 std::uint64_t limit_bytes = params::kDiskLimitBytes);

  ~FileStore();
  FileStore(const FileStore&) = delete;
  FileStore& operator=(const FileStore&) = delete;

  /// One PUT in progress, from BeginUpload(). Destroying it without a
  /// successful Commit() aborts it: the temporary file is deleted and the
  /// reservation freed. After any error the upload is finished: later calls
  /// return the same error. It may outlive its FileStore (it then still
  /// commits into the directory). All its methods block on the disk.
  class Upload {
   public:
    virtual ~Upload() = default;
    /// Creates the temporary file and reserves the declared size on the file
    /// system. Write() and Commit() call it if it was not called.
    /// Errors: LIMIT "no space left on the device for N bytes", IO.
    virtual Status Start() = 0;
    /// Appends `chunk` (any size, may be empty) to the temporary file and to
    /// the running SHA-256: Append() then Digest().
    /// Errors: BAD_REQUEST if more than the declared size arrives; IO.
    virtual Status Write(std::string_view chunk) = 0;
    /// The disk half of Write(): appends `chunk` to the temporary file.
    /// Errors: as Write().
    virtual Status Append(std::string_view chunk) = 0;
    /// The hash half of Write(): adds `chunk` to the running SHA-256. It may
    /// run on another thread at the same time as Append() (each called in the
    /// chunks' order), so hashing overlaps the disk; Commit() checks the hash
    /// of what Digest() saw, so it must see exactly what Append() got.
    virtual void Digest(std::string_view chunk) = 0;
    /// Checks that exactly the declared size arrived and that its SHA-256 is
    /// `sha256` (64 hex characters, either case: the client's, sent after the
    /// data), fsyncs, renames it over any old file of that name, writes the
    /// metadata and returns the new FileInfo.
    /// Errors: BAD_REQUEST (fewer bytes than declared; `sha256` is not 64 hex
    /// characters), INTEGRITY "sha256 mismatch: the client sent <sha256>, the
    /// data received hashes to <actual>" (nothing is kept; any old file of
    /// that name is untouched), IO.
    virtual Result<FileInfo> Commit(const std::string& sha256) = 0;
  };

  /// Starts storing `size` bytes as `name`: checks the name and reserves
  /// `size` bytes of the limit, without touching the disk (see Upload).
  /// Replacing an existing file counts its old size as freeable.
  /// Errors: BAD_REQUEST (bad name), LIMIT "disk limit of N bytes reached:
  /// X used, Y requested" (X counts the reservations of uploads in progress).
  Result<std::unique_ptr<Upload>> BeginUpload(const std::string& name, std::uint64_t size);

  /// One GET in progress, from OpenDownload(). It reads the file that was
  /// stored when it was opened, even if that file is replaced or deleted
  /// meanwhile. It may outlive its FileStore.
  class Download {
   public:
    virtual ~Download() = default;
    /// The file being read, as it was when the download was opened.
    virtual const FileInfo& info() const = 0;
    /// Reads the next bytes into `buffer`; returns how many (1..buffer.size()
    /// while data remains; it fills the buffer unless the file ends), 0 at the
    /// end and after it. Before returning 0 it checks the size and SHA-256 of
    /// everything read against info().
    /// Errors: INTEGRITY "file 'x' changed on disk: ..." (another size or
    /// SHA-256), BAD_REQUEST (empty buffer), IO.
    virtual Result<std::size_t> Read(std::span<char> buffer) = 0;
  };

  /// Opens `name` for reading (blocks on the disk). Errors: BAD_REQUEST (bad
  /// name), NOT_FOUND "no file 'x'", IO.
  Result<std::unique_ptr<Download>> OpenDownload(const std::string& name);

  /// What the store knows about `name`. Errors: BAD_REQUEST (bad name),
  /// NOT_FOUND "no file 'x'".
  Result<FileInfo> Stat(const std::string& name) const;

  /// Every stored file, sorted by name. Uploads in progress are not listed.
  std::vector<FileInfo> List() const;

  /// Deletes `name` and its metadata (blocks on the disk). Downloads already
  /// open still finish.
  /// Errors: BAD_REQUEST (bad name), NOT_FOUND "no file 'x'", IO.
  Status Delete(const std::string& name);

  /// Bytes of the stored files (not counting uploads in progress).
  std::uint64_t used_bytes() const;
  /// Bytes reserved by uploads in progress (their declared sizes).
  std::uint64_t reserved_bytes() const;
  /// The limit given to Open(), in bytes.
  std::uint64_t limit_bytes() const;
  /// Number of stored files.
  std::size_t count() const;
  /// The directory given to Open().
  const std::string& dir() const;

  /// The index and the byte accounting. Shared with Uploads in progress, so
  /// that an Upload may safely outlive the store. Defined in file_store.cpp.
  struct State;

 private:
  explicit FileStore(std::shared_ptr<State> state);

  std::shared_ptr<State> state_;
};

}  // namespace osgrid::peer
