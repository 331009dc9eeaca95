// The disk requests of one peer: PUT_FILE (with its PUT_END), GET_FILE,
// LIST_FILES and DEL_FILE on its FileStore (exchanges in docs/protocol.md,
// "Files").
//
// The handlers run on the io thread and never touch the disk there: an
// upload streams through net::Session::ReceiveUpload into a PutSink, a
// download through Session::SendDownload from a GetSource, and DEL_FILE runs
// through Session::ReplyFromFileThread; all three do their disk work on the
// server's file threads. LIST_FILES only reads the store's in-memory index.
#pragma once

#include <memory>

#include "osgrid/net/server.h"
#include "osgrid/peer/file_store.h"
#include "peer_events.h"
#include "peer_stats.h"

namespace osgrid::peer {

class FileService {
 public:
  /// `stats` and `events` must outlive the net::Server whose sessions call
  /// this service (its file threads update stats.disk_bytes and publish
  /// file.stored and file.removed; ~Server joins them).
  FileService(std::shared_ptr<FileStore> files, PeerStats& stats, PeerEvents& events);

  void HandlePut(const net::SessionPtr& session, const Json& request);     // PUT_FILE
  void HandlePutEnd(const net::SessionPtr& session, const Json& request);  // PUT_END outside an upload
  void HandleGet(const net::SessionPtr& session, const Json& request);     // GET_FILE
  void HandleList(const net::SessionPtr& session, const Json& request);    // LIST_FILES
  void HandleDelete(const net::SessionPtr& session, const Json& request);  // DEL_FILE

  const FileStore& store() const { return *files_; }
  /// Copies the store's byte count into stats.disk_bytes (any thread).
  void PublishDiskStats();
  /// An upload was committed: the stats, and file.stored (any thread).
  void OnStored(const FileInfo& info);

 private:
  std::shared_ptr<FileStore> files_;
  PeerStats& stats_;
  PeerEvents& events_;
};

/// {"name","size","sha256","mtime_ms"}, as LIST_FILES and FILE_STORED carry it.
Json FileJson(const FileInfo& info);

}  // namespace osgrid::peer
