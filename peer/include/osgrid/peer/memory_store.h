// The peer's key-value memory: the store behind SET_MEM, GET_MEM, DEL_MEM,
// LIST_MEM, MEM_MAP and MEM_COMPACT (see the message catalogue in
// osgrid/net/messages.h).
//
// The store is an arena of `--mem-arena` bytes, addresses 0 .. size - 1, in
// which every entry is one block placed by an os/ allocator policy
// (`--allocator first|best|worst|next|buddy`; osgrid/os/mem/). So the memory
// fragments as the textbook says it does, and a request can fail from
// external fragmentation (FRAGMENTATION) while enough bytes are free in all.
// The rules of SET and DEL are os::KeyedHeap's: an overwrite places the new
// block before it frees the old one, so a failed overwrite keeps the old
// value; `osgrid sim mem -A "key=N,-key"` replays the same sequence.
//
// An entry's block, at its address:
//
//     header  24 bytes  magic, checksum, sequence number, key and value lengths
//     key     K bytes   as given
//     value   V bytes   the value's JSON text (a string value is a JSON string)
//     padding           to a multiple of 8 bytes
//
// The allocator is asked for K + V bytes with a 24-byte header and 8-byte
// alignment (`osgrid sim mem -b 0 -H 24 -a 8 -C`), so the block takes
// round_up(K + V, 8) + 24 bytes; the buddy system rounds that up to a power
// of two, at least 32. E.g. key "k" and value {"a":1}: K + V = 1 + 7 = 8, a
// 32-byte block.
//
// Thread safety: none. The peer uses the store from its one io thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "osgrid/net/json.h"
#include "osgrid/net/params.h"
#include "osgrid/net/requests.h"
#include "osgrid/net/status.h"
#include "osgrid/os/events/events.h"
#include "osgrid/os/mem/allocator.h"
#include "osgrid/os/mem/keyed_heap.h"

namespace osgrid::peer {

/// Bytes of the header at the start of every block.
inline constexpr std::int64_t kBlockHeaderBytes = 24;
/// Requests are rounded up to a multiple of this, so headers stay aligned.
inline constexpr std::int64_t kBlockAlignment = 8;
/// The smallest arena: one block for a 1-byte key and a 1-byte value.
inline constexpr std::int64_t kMinArenaBytes = kBlockAlignment + kBlockHeaderBytes;

/// How the arena is laid out and managed.
struct MemoryConfig {
  std::uint64_t arena_bytes = params::kMemArenaBytes;  // --mem-arena
  std::string allocator = "first";                     // --allocator: first, best, worst, next or buddy
};

/// The allocator names --allocator takes, for help texts: "first|best|worst|next|buddy".
std::string AllocatorNames();

/// A map from key to JSON value, each entry a block of an arena. Not thread-safe.
class MemoryStore {
 public:
  /// One row of List(): a key and the bytes its block takes.
  struct Entry {
    std::string key;
    std::size_t bytes;  // the block: header, key, value and padding
  };

  /// Receives mem.alloc, mem.free, mem.failed and mem.compact as they happen.
  using EventSink = std::function<void(os::events::Payload)>;

  /// An empty store in this process's memory, gone when it ends (tests).
  /// Errors: BAD_REQUEST when the arena is smaller than kMinArenaBytes or
  /// over 2^40 bytes, the allocator is unknown, or the buddy system is asked
  /// for an arena that is not a power of two.
  static Result<std::unique_ptr<MemoryStore>> Create(const MemoryConfig& config);

  /// The store kept in the file `path`, created if absent: a 4 KiB
  /// superblock (the arena's size and allocator, and the compaction journal)
  /// and then the arena, mapped with Boost.Interprocess. Writes reach the
  /// file's pages in the kernel's page cache as they are made, so whatever
  /// was acknowledged survives the peer's process dying (kill -9); a clean
  /// shutdown also flushes them to disk (msync). On open it finishes a
  /// block move that a crash cut short, then rebuilds every key from the
  /// valid blocks in the arena (see Recovery). Errors: as Create; BAD_REQUEST
  /// when the file was made with another --mem-arena or --allocator (the
  /// message says which, and how to start afresh); IO when it cannot be
  /// created, sized, locked (another peer has it open) or mapped, or is not
  /// an osgrid arena file.
  static Result<std::unique_ptr<MemoryStore>> Open(const MemoryConfig& config, const std::string& path);

  /// What Open found in the file.
  struct Recovery {
    std::size_t keys = 0;        // keys restored
    std::size_t stale = 0;       // older blocks of a key a crash left behind, freed
    std::size_t damaged = 0;     // blocks whose checksum failed: a write cut short, never acknowledged
    bool finished_move = false;  // a compaction's block move was finished from the journal
  };
  const Recovery& recovery() const { return recovery_; }

  ~MemoryStore();
  MemoryStore(const MemoryStore&) = delete;
  MemoryStore& operator=(const MemoryStore&) = delete;

  /// Where mem.* events go; empty (the default): nowhere.
  void set_event_sink(EventSink sink) { sink_ = std::move(sink); }
  /// Says mem.arena, then one mem.alloc per allocated block, by address: the
  /// whole arena, for a tracker the peer has just registered with.
  void AnnounceArena() const;

  /// Stores `value` under `key` in a new block, then frees the key's old
  /// block, if any (the new block is placed while the old one still exists).
  /// Errors: BAD_REQUEST (empty key, key over params::kMaxKeyBytes bytes, or a
  /// control character in the key; the message says which), LIMIT (the
  /// entry is bigger than the whole arena, or fewer bytes are free than its
  /// block needs: "memory arena full: no space: need 304 B; 200 B free of
  /// 4,096 B"), FRAGMENTATION (enough bytes are free, in no single hole:
  /// "external fragmentation: need 304 B; 1,000 B free in 5 holes, largest
  /// 250 B"). On error the store is unchanged.
  Status Set(const std::string& key, const Json& value);

  /// A copy of the value under `key`. Errors: NOT_FOUND "no key 'x'".
  Result<Json> Get(const std::string& key) const;

  /// Removes `key` and frees its block. Errors: NOT_FOUND "no key 'x'".
  Status Delete(const std::string& key);

  /// Slides every block down to the lowest addresses, in address order
  /// (Silberschatz 10e 9.2.3), moving each entry's bytes with it. Returns
  /// what moved, each move with its key. Errors: BAD_REQUEST for the buddy
  /// system, which cannot compact.
  Result<net::MemCompacted> Compact();

  /// For tests only: starts Compact() and stops, as if the process died,
  /// after copying `chunks` chunks of the first block whose move overlaps its
  /// own old place (the journaled kind). The store must then only be
  /// destroyed; Open on its file finishes the move.
  void CrashDuringCompactionForTest(std::size_t chunks);

  /// Every key with its block's bytes, sorted by key.
  std::vector<Entry> List() const;
  /// The arena block by block, and its figures, as MEM_MAP sends it: at
  /// most `max_blocks` blocks, lowest addresses first (truncated says if
  /// there were more).
  net::MemMap Describe(std::size_t max_blocks) const;

  /// Number of keys.
  std::size_t entries() const { return keys_.keys(); }
  /// Bytes of `key`'s block, 0 if there is none.
  std::size_t charged(const std::string& key) const;
  /// Bytes of all allocated blocks; never more than limit_bytes().
  std::size_t bytes() const;
  /// The arena's size, bytes.
  std::size_t limit_bytes() const { return config_.arena_bytes; }
  /// "first", "best", "worst", "next" or "buddy".
  const std::string& allocator() const { return config_.allocator; }
  /// The address of `key`'s block, -1 if there is none.
  std::int64_t address_of(const std::string& key) const;

  /// What the allocator is asked for by an entry: key.size() + the size of
  /// the value's JSON text, bytes. Strings that are not valid UTF-8 are
  /// dumped with U+FFFD replacements rather than throwing (values decoded
  /// from the wire are always valid).
  static std::size_t EntryBytes(const std::string& key, const Json& value);

 private:
  struct Superblock;
  struct Journal;

  MemoryStore(MemoryConfig config, std::unique_ptr<os::HeapAllocator> heap);
  /// Opens, locks and maps the file, creating it if absent (`fresh`).
  Status MapFile(const std::string& path, bool& fresh);
  Status CheckSuperblock(const Superblock& super, std::uint64_t file_bytes, const std::string& path) const;
  void Recover();
  /// Copies the journaled move from where it stands (journal_->done) to its
  /// end, then closes the journal; false if stopped after `max_chunks` (tests).
  bool RunJournal(std::size_t max_chunks = static_cast<std::size_t>(-1));
  /// Moves one block's bytes down to move.to; through the journal when the
  /// two places overlap. Stops after `max_chunks` chunks (tests).
  bool MoveBytes(const os::Move& move, std::size_t max_chunks = static_cast<std::size_t>(-1));
  void WriteBlock(std::int64_t address, const std::string& key, const std::string& text);
  void ClearBlock(std::int64_t address);
  void Say(os::events::Payload event) const;

  MemoryConfig config_;
  std::unique_ptr<char[]> memory_;  // Create: the arena, in this process
  struct Mapping;                   // Open: the file, its lock and its mapping
  std::unique_ptr<Mapping> mapping_;
  char* arena_ = nullptr;       // the arena's first byte (in memory_ or the mapping)
  Journal* journal_ = nullptr;  // the superblock's journal, or scratch_journal_
  std::unique_ptr<Journal> scratch_journal_;
  std::unique_ptr<os::HeapAllocator> heap_;  // places the blocks
  os::KeyedHeap keys_;                       // key -> its block
  std::uint64_t next_sequence_ = 1;          // stamped on each block written
  Recovery recovery_;
  bool crashed_ = false;  // CrashDuringCompactionForTest: no flush on destruction
  EventSink sink_;
};

/// Checks a key: 1..params::kMaxKeyBytes bytes, no control characters
/// (bytes below 0x20, and 0x7f). Errors: BAD_REQUEST naming the rule broken.
Status ValidateKey(const std::string& key);

}  // namespace osgrid::peer
