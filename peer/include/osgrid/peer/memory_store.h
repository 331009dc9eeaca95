// The peer's key-value memory: the store behind SET_MEM, GET_MEM, DEL_MEM and
// LIST_MEM (see the message catalogue in osgrid/net/messages.h).
//
// Keys are strings; values are any JSON (a string value is a JSON string). The
// store has a byte limit, and every entry is charged
//
//     bytes of one entry = key.size() + value.dump().size()
//
// so `{"a":1}` under key "k" costs 1 + 7 = 8 bytes. That charge is computed in
// one place, EntryBytes(), so that a later os/ allocator policy can place values
// in an arena and charge what the arena really uses.
//
// Thread safety: none. The peer uses the store from its one io thread.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "osgrid/net/json.h"
#include "osgrid/net/params.h"
#include "osgrid/net/status.h"

namespace osgrid::peer {

/// A map from key to JSON value with a byte limit. Not thread-safe.
class MemoryStore {
 public:
  /// One row of List(): a key and what its entry is charged, in bytes.
  struct Entry {
    std::string key;
    std::size_t bytes;  // EntryBytes(key, value)
  };

  /// An empty store that holds at most `limit_bytes` bytes of entries.
  explicit MemoryStore(std::size_t limit_bytes = params::kMemLimitBytes);

  /// Stores `value` under `key`, replacing any old value. Replacing a key frees
  /// its old value first in the accounting, so a value may grow right up to
  /// the limit.
  /// Errors: BAD_REQUEST (empty key, key over params::kMaxKeyBytes bytes, or a
  /// control character in the key; the message says which), LIMIT (the store
  /// would exceed limit_bytes(); the message names the sizes). On error the
  /// store is unchanged.
  Status Set(const std::string& key, Json value);

  /// A copy of the value under `key`. Errors: NOT_FOUND "no key 'x'".
  Result<Json> Get(const std::string& key) const;

  /// Removes `key` and frees its bytes. Errors: NOT_FOUND "no key 'x'".
  Status Delete(const std::string& key);

  /// Every key with its charge in bytes, sorted by key.
  std::vector<Entry> List() const;

  /// Number of keys.
  std::size_t entries() const { return values_.size(); }
  /// Bytes charged for `key`'s entry (EntryBytes), 0 if there is none.
  std::size_t charged(const std::string& key) const;
  /// Bytes charged for all entries; never more than limit_bytes().
  std::size_t bytes() const { return bytes_; }
  /// The limit given to the constructor, in bytes.
  std::size_t limit_bytes() const { return limit_bytes_; }

  /// What one entry is charged: key.size() + value.dump().size(), in bytes.
  /// Strings that are not valid UTF-8 are dumped with U+FFFD replacements
  /// rather than throwing (values decoded from the wire are always valid).
  static std::size_t EntryBytes(const std::string& key, const Json& value);

 private:
  /// A stored value and its charge, kept so List() and Delete() need not
  /// dump the value again.
  struct Stored {
    Json value;
    std::size_t bytes;  // EntryBytes(key, value)
  };

  std::size_t limit_bytes_;               // the most bytes_ may reach
  std::size_t bytes_ = 0;                 // sum of Stored::bytes over values_
  std::map<std::string, Stored> values_;  // key -> value, sorted by key
};

/// Checks a key: 1..params::kMaxKeyBytes bytes, no control characters
/// (bytes below 0x20, and 0x7f). Errors: BAD_REQUEST naming the rule broken.
Status ValidateKey(const std::string& key);

}  // namespace osgrid::peer
