#include "osgrid/net/file_transfer.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <vector>

#include "osgrid/net/messages.h"
#include "osgrid/net/sha256.h"

namespace osgrid::net {

namespace fs = std::filesystem;

Result<Json> PutFile(Client& client, const std::string& remote_name, const std::string& local_path) {
  std::error_code ec;
  std::uint64_t size = fs::file_size(local_path, ec);
  if (ec) return Status::Io("cannot read " + local_path + ": " + ec.message());
  auto sha256 = Sha256File(local_path);
  if (!sha256.ok()) return sha256.status();

  Json request = {{"type", "PUT_FILE"}, {"name", remote_name}, {"size", size}, {"sha256", *sha256}};
  auto ready = client.Call(request);
  if (!ready.ok()) return ready.status();
  if (ready->value("type", "") != "PUT_READY") {
    return Status::BadRequest("protocol error: expected PUT_READY, got " + ready->value("type", Json()).dump());
  }

  std::ifstream in(local_path, std::ios::binary);
  if (!in) return Status::Io("cannot open " + local_path + ": " + std::strerror(errno));
  std::vector<char> buffer(params::kChunkBytes);
  std::uint64_t sent = 0;
  while (sent < size) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    auto got = static_cast<std::size_t>(in.gcount());
    if (got == 0) return Status::Io(local_path + " shrank while it was being sent");
    got = static_cast<std::size_t>(std::min<std::uint64_t>(got, size - sent));
    if (Status s = client.SendChunk(std::string_view(buffer.data(), got)); !s.ok()) return s;
    sent += got;
  }
  // The final reply carries the request's id, like PUT_READY did.
  for (;;) {
    auto reply = client.ReadJson(client.options().io_timeout);
    if (!reply.ok()) return reply.status();
    if (Status s = StatusFromReply(*reply); !s.ok()) return s;
    if (reply->value("id", Json()) == ready->value("id", Json())) return reply;
  }
}

Result<Json> GetFile(Client& client, const std::string& remote_name, const std::string& local_path) {
  auto header = client.Call({{"type", "GET_FILE"}, {"name", remote_name}});
  if (!header.ok()) return header.status();
  auto size_field = header->value("size", Json());
  auto sha_field = header->value("sha256", Json());
  if (header->value("type", "") != "FILE_DATA" || !size_field.is_number_unsigned() || !sha_field.is_string()) {
    return Status::BadRequest("protocol error: expected FILE_DATA with size and sha256");
  }
  const std::uint64_t size = size_field.get<std::uint64_t>();
  const std::string partial = local_path + ".part";
  std::ofstream out(partial, std::ios::binary | std::ios::trunc);
  if (!out) return Status::Io("cannot write " + partial + ": " + std::strerror(errno));

  Sha256 hash;
  std::uint64_t received = 0;
  Status status;
  while (received < size && status.ok()) {
    auto chunk = client.ReadChunk(client.options().io_timeout);
    if (!chunk.ok()) {
      status = chunk.status();
    } else if (received + chunk->size() > size) {
      status = Status::BadRequest("protocol error: more file data than announced");
    } else {
      hash.Update(*chunk);
      out.write(chunk->data(), static_cast<std::streamsize>(chunk->size()));
      if (!out) status = Status::Io("cannot write " + partial + ": " + std::strerror(errno));
      received += chunk->size();
    }
  }
  out.close();
  std::string digest = status.ok() ? hash.HexDigest() : "";
  if (status.ok() && digest != sha_field.get<std::string>()) {
    status = Status(Code::kIntegrity, "sha256 mismatch for '" + remote_name + "': expected " +
                                          sha_field.get<std::string>() + ", got " + digest);
  }
  std::error_code ec;
  if (!status.ok()) {
    fs::remove(partial, ec);
    return status;
  }
  fs::rename(partial, local_path, ec);
  if (ec) return Status::Io("cannot rename " + partial + " to " + local_path + ": " + ec.message());
  return header;
}

}  // namespace osgrid::net
