#include "osgrid/peer/memory_store.h"

#include <utility>

#include "osgrid/net/messages.h"

namespace osgrid::peer {
namespace {

bool IsControl(char c) {
  auto byte = static_cast<unsigned char>(c);
  return byte < 0x20 || byte == 0x7f;
}

Status NoKey(const std::string& key) { return Status::NotFound("no key '" + net::Sanitize(key) + "'"); }

}  // namespace

Status ValidateKey(const std::string& key) {
  if (key.empty()) return Status::BadRequest("key is empty");
  if (key.size() > params::kMaxKeyBytes) {
    return Status::BadRequest("key is " + std::to_string(key.size()) + " bytes, over the limit of " +
                              std::to_string(params::kMaxKeyBytes));
  }
  for (std::size_t offset = 0; offset < key.size(); ++offset) {
    if (IsControl(key[offset])) {
      return Status::BadRequest("key '" + net::Sanitize(key) + "' has a control character at byte " +
                                std::to_string(offset));
    }
  }
  return Status::Ok();
}

MemoryStore::MemoryStore(std::size_t limit_bytes) : limit_bytes_(limit_bytes) {}

std::size_t MemoryStore::charged(const std::string& key) const {
  auto found = values_.find(key);
  return found == values_.end() ? 0 : found->second.bytes;
}

std::size_t MemoryStore::EntryBytes(const std::string& key, const Json& value) {
  // The replace handler keeps dump() from throwing on invalid UTF-8.
  const std::string text = value.dump(-1, ' ', false, Json::error_handler_t::replace);
  return key.size() + text.size();
}

Status MemoryStore::Set(const std::string& key, Json value) {
  if (Status status = ValidateKey(key); !status.ok()) return status;

  const std::size_t new_bytes = EntryBytes(key, value);
  auto old = values_.find(key);
  const std::size_t freed_bytes = (old == values_.end()) ? 0 : old->second.bytes;
  const std::size_t used_bytes = bytes_ - freed_bytes;  // as if the old value were gone
  if (new_bytes > limit_bytes_ - used_bytes) {
    return Status::Limit("memory limit of " + std::to_string(limit_bytes_) +
                         " bytes reached: " + std::to_string(used_bytes) + " used, " + std::to_string(new_bytes) +
                         " requested for key '" + net::Sanitize(key) + "'");
  }

  bytes_ = used_bytes + new_bytes;
  values_.insert_or_assign(key, Stored{std::move(value), new_bytes});
  return Status::Ok();
}

Result<Json> MemoryStore::Get(const std::string& key) const {
  auto found = values_.find(key);
  if (found == values_.end()) return NoKey(key);
  return found->second.value;
}

Status MemoryStore::Delete(const std::string& key) {
  auto found = values_.find(key);
  if (found == values_.end()) return NoKey(key);
  bytes_ -= found->second.bytes;
  values_.erase(found);
  return Status::Ok();
}

std::vector<MemoryStore::Entry> MemoryStore::List() const {
  std::vector<Entry> entries;
  entries.reserve(values_.size());
  for (const auto& [key, stored] : values_) {
    entries.push_back({key, stored.bytes});
  }
  return entries;
}

}  // namespace osgrid::peer
