// FileService: see file_service.h. The two stream ends, PutSink and GetSource,
// adapt a FileStore Upload or Download to what a net::Session streams.
#include "file_service.h"

#include <spdlog/spdlog.h>

#include <utility>

#include "osgrid/net/messages.h"

namespace osgrid::peer {

namespace {

/// An upload's bytes into a FileStore::Upload (on the server's file threads).
class PutSink final : public net::UploadSink {
 public:
  PutSink(std::unique_ptr<FileStore::Upload> upload, FileService& service, std::string name)
      : upload_(std::move(upload)), service_(service), name_(std::move(name)) {}

  ~PutSink() override {
    if (!stored_) spdlog::info("upload of '{}' abandoned: nothing kept", net::Sanitize(name_));
  }

  /// Creates the temporary file and reserves the space, before the client sends anything.
  Result<Json> Open() override {
    if (Status status = upload_->Start(); !status.ok()) return status;
    return Json{{"type", "PUT_READY"}};
  }

  Status Write(std::string_view chunk) override { return upload_->Append(chunk); }
  void Digest(std::string_view chunk) override { upload_->Digest(chunk); }

  /// PUT_END carries the client's SHA-256; the file is kept only if it matches.
  Result<Json> Finish(const Json& trailer) override {
    Result<FileInfo> info = upload_->Commit(trailer["sha256"].get<std::string>());
    if (!info.ok()) {
      spdlog::warn("upload of '{}' failed: {}", net::Sanitize(name_), info.status().ToString());
      return info.status();
    }
    stored_ = true;
    service_.OnStored(*info);
    Json reply = FileJson(*info);
    reply["type"] = "FILE_STORED";
    return reply;
  }

 private:
  std::unique_ptr<FileStore::Upload> upload_;
  FileService& service_;
  const std::string name_;
  bool stored_ = false;
};

/// A download's bytes from a FileStore::Download (on the server's file threads).
class GetSource final : public net::DownloadSource {
 public:
  GetSource(std::shared_ptr<FileStore> files, std::string name) : files_(std::move(files)), name_(std::move(name)) {}

  /// Opens the file; FILE_DATA announces its size (the SHA-256 follows the data).
  Result<Json> Open() override {
    auto download = files_->OpenDownload(name_);
    if (!download.ok()) return download.status();
    download_ = std::move(download).value();
    const FileInfo& info = download_->info();
    return Json{{"type", "FILE_DATA"}, {"name", info.name}, {"size", info.size}, {"mtime_ms", info.mtime_ms}};
  }

  Result<std::size_t> Read(std::span<char> buffer) override { return download_->Read(buffer); }

  /// Read() returned 0 only after the SHA-256 of what was read matched the stored one.
  Result<Json> Finish() override { return Json{{"type", "FILE_END"}, {"sha256", download_->info().sha256}}; }

 private:
  std::shared_ptr<FileStore> files_;
  const std::string name_;
  std::unique_ptr<FileStore::Download> download_;  // set by Open()
};

}  // namespace

Json FileJson(const FileInfo& info) {
  return {{"name", info.name}, {"size", info.size}, {"sha256", info.sha256}, {"mtime_ms", info.mtime_ms}};
}

FileService::FileService(std::shared_ptr<FileStore> files, PeerStats& stats, PeerEvents& events)
    : files_(std::move(files)), stats_(stats), events_(events) {}

void FileService::PublishDiskStats() { stats_.disk_bytes = static_cast<std::int64_t>(files_->used_bytes()); }

void FileService::OnStored(const FileInfo& info) {
  PublishDiskStats();
  events_.Publish(os::events::FileStored{events_.node(), info.name, info.size});
}

/// Reserves the space here (memory only); the session then opens the sink on
/// a file thread, answers PUT_READY and streams the data into it.
void FileService::HandlePut(const net::SessionPtr& session, const Json& request) {
  if (request["size"] < 0) return session->ReplyError(request, Status::BadRequest("PUT_FILE: size must be >= 0"));
  const std::string name = request["name"];
  const auto size = request["size"].get<std::uint64_t>();
  auto upload = files_->BeginUpload(name, size);
  if (!upload.ok()) return session->ReplyError(request, upload.status());
  session->ReceiveUpload(request, size, "PUT_END", std::make_shared<PutSink>(std::move(upload).value(), *this, name));
}

void FileService::HandlePutEnd(const net::SessionPtr& session, const Json& request) {
  session->ReplyError(request, Status::BadRequest("PUT_END outside an upload: it follows the data of a PUT_FILE"));
}

void FileService::HandleGet(const net::SessionPtr& session, const Json& request) {
  session->SendDownload(request, std::make_shared<GetSource>(files_, request["name"].get<std::string>()));
}

void FileService::HandleList(const net::SessionPtr& session, const Json& request) {
  Json list = Json::array();
  for (const auto& info : files_->List()) list.push_back(FileJson(info));
  session->Reply(request, {{"type", "FILE_LIST"},
                           {"files", std::move(list)},
                           {"used_bytes", files_->used_bytes()},
                           {"limit_bytes", files_->limit_bytes()}});
}

void FileService::HandleDelete(const net::SessionPtr& session, const Json& request) {
  session->ReplyFromFileThread(
      request, [this, files = files_, name = request["name"].get<std::string>()]() -> Result<Json> {
        auto info = files->Stat(name);
        if (Status status = files->Delete(name); !status.ok()) return status;
        PublishDiskStats();
        events_.Publish(os::events::FileRemoved{events_.node(), name, info.ok() ? info->size : 0});
        return Json{{"type", "OK"}, {"name", name}};
      });
}

}  // namespace osgrid::peer
