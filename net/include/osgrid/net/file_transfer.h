// Streaming file upload and download over a Client (protocol in
// docs/protocol.md, "Files"). One pass over the file: it is hashed as it is
// sent or received, and the SHA-256 follows the data. Memory use is a few
// chunks (params::kStreamWindow), whatever the file size. Each call uses a
// helper thread for the disk side while the calling thread works the socket.
#pragma once

#include <string>

#include "osgrid/net/client.h"

namespace osgrid::net {

/// Uploads `local_path` as `remote_name`: PUT_FILE with the size, waits for
/// PUT_READY, streams the chunks while hashing them, sends PUT_END with the
/// SHA-256, and returns the peer's FILE_STORED ({"name","size","sha256",
/// "mtime_ms"}), which comes once the file is verified and synced to the
/// peer's disk. Errors: IO (local file: cannot be read, not a regular file,
/// shrank while being sent), BAD_REQUEST (bad name), LIMIT (peer disk full),
/// INTEGRITY (the peer received other bytes than were sent), UNAVAILABLE,
/// TIMEOUT. An error from the peer during the upload stops it at once; the
/// connection is then closed (the rest of the data is not sent).
Result<Json> PutFile(Client& client, const std::string& remote_name, const std::string& local_path);

/// Downloads `remote_name` into `local_path`: the data goes to
/// "<local_path>.part", hashed as it arrives; only when its SHA-256 matches
/// the peer's FILE_END is it fsync'ed and renamed to `local_path` (replacing
/// any file there). On any error the ".part" file is deleted and
/// `local_path` is untouched. Returns the FILE_DATA header with "sha256"
/// added. Errors: NOT_FOUND, IO (writing locally), INTEGRITY (mismatch, or the
/// peer found its stored copy changed on disk), UNAVAILABLE, TIMEOUT.
Result<Json> GetFile(Client& client, const std::string& remote_name, const std::string& local_path);

}  // namespace osgrid::net
