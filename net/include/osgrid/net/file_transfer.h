// Streaming file upload and download over a Client (protocol in
// docs/protocol.md, "Files"). Memory use is one chunk, whatever the file size.
#pragma once

#include <string>

#include "osgrid/net/client.h"

namespace osgrid::net {

/// PUT_FILE `remote_name` with the contents of `local_path`: sends the header
/// with size and SHA-256, waits for PUT_READY, streams chunks, returns the
/// final OK reply ({"name","size","sha256"}). Errors: IO (local file),
/// BAD_REQUEST (bad name), LIMIT (peer disk full), INTEGRITY, UNAVAILABLE.
Result<Json> PutFile(Client& client, const std::string& remote_name, const std::string& local_path);

/// GET_FILE `remote_name` into `local_path` (written to a temporary file and
/// renamed only after the SHA-256 matches). Returns the FILE_DATA header.
/// Errors: NOT_FOUND, IO, INTEGRITY, UNAVAILABLE.
Result<Json> GetFile(Client& client, const std::string& remote_name, const std::string& local_path);

}  // namespace osgrid::net
