// HeapSession: a program's view of a heap -- numbered pointers ptr[0],
// ptr[1], ... returned by Alloc, freed by number -- as in OSTEP's homework
// simulator vm-freespace/malloc.py (its -A lists "+10,-0,+20" and its
// random operations).
//
// Source: OSTEP ch. 17 "Free-Space Management" and its homework.
//
// Rules (malloc.py's, with its one quirk fixed as noted):
//   - "+N" allocates N bytes; it is ptr[c] where c counts the Alloc ops so far,
//     successful or not. A failed Alloc returns -1.
//   - "-K" frees ptr[K]: Free(address ptr[K] was given), returning 0 or -1.
//     Freeing it twice returns -1, unless the address has been handed out
//     again, in which case the newer block is freed -- C's use-after-free,
//     shown rather than hidden (malloc.py does the same).
//   - If ptr[K] was never returned (K not issued yet, or its Alloc failed),
//     the op is skipped ("Invalid Free: Skipping"). malloc.py compares K with
//     the number of successful allocations instead, so after a failed Alloc
//     it can skip a valid free or crash; we do not reproduce that.
//   - "C" (ours) compacts the heap; live pointers and keys follow their blocks.
//   - "KEY=N" (ours) sets KEY to a block of N bytes and "-KEY" deletes it,
//     with KeyedHeap's rules (keyed_heap.h): the new block is placed before
//     the key's old one is freed, so a failed set changes nothing. This
//     replays a live peer's memory store (SET and DEL) on the same heap as
//     numbered pointers. A delete of a key that has no block is skipped, as
//     an invalid free. A dangling "-K" whose address now holds a key's block
//     frees it: the key loses its block (C's use-after-free again).
//   - A random program draws its ops as malloc.py does, from CPython's
//     generator (PyRandom): each op first draws random() < percent/100; an
//     allocation then draws its size, int(random() * range) + 1; a free draws
//     which live pointer, int(random() * live) -- the live pointers in the
//     order they were allocated. When nothing is live, a free is not an op:
//     nothing happens and the next draw decides again. So the same seed gives
//     malloc.py's ops.
//
// Events (set_event_sink; osgrid/os/events/events.h), t = the op's index in
// the session (0, 1, ...; a compaction that fails is not an op), node "sim":
//   - an allocation: mem.alloc (owner "ptr[N]", address, size = the block's
//     bytes, request = the bytes asked for), or mem.failed (reason
//     "no_space", "fragmentation" or "bad_size", with the free figures just
//     after it);
//   - a set: the same, with the key as owner; an overwrite then says
//     mem.free of the key's old block (owner the key);
//   - a free that frees a block: mem.free (owner = the pointer or key that
//     held the block: ptr[K], or whoever was given the same address since).
//     A delete that frees a block: mem.free (owner the key). A free or
//     delete that fails or is skipped changes nothing and says nothing;
//   - a compaction: mem.compact, after which every allocated block sits, in
//     address order, from the heap's base up (allocator.h).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "osgrid/os/events/sink.h"
#include "osgrid/os/expected.h"
#include "osgrid/os/mem/allocator.h"
#include "osgrid/os/mem/keyed_heap.h"
#include "osgrid/os/py_random.h"

namespace osgrid::os {

/// One operation of a heap program.
struct HeapOp {
  enum class Kind { kAlloc, kFree, kCompact, kSet, kDelete };
  Kind kind = Kind::kAlloc;
  std::int64_t value = 0;  // kAlloc, kSet: bytes requested; kFree: pointer number K; otherwise unused
  std::string key;         // kSet, kDelete: the key; empty otherwise

  static HeapOp Alloc(std::int64_t size) { return {Kind::kAlloc, size, {}}; }
  static HeapOp Free(std::int64_t ptr) { return {Kind::kFree, ptr, {}}; }
  static HeapOp Compact() { return {Kind::kCompact, 0, {}}; }
  static HeapOp Set(std::string key, std::int64_t size) { return {Kind::kSet, size, std::move(key)}; }
  static HeapOp Delete(std::string key) { return {Kind::kDelete, 0, std::move(key)}; }
};

/// Longest key of a "KEY=N" or "-KEY" op, in characters (bytes).
inline constexpr std::size_t kMaxHeapKeyLength = 64;

/// Parses malloc.py's -A syntax plus ours: "+10,-0,C,user:1=120,-user:1".
/// Items are comma-separated, spaces allowed around them:
///   +N     allocate N bytes (N > 0) as the next ptr[c]
///   -K     free ptr[K] (K >= 0)
///   C      compact
///   KEY=N  set KEY to a block of N bytes (N > 0)
///   -KEY   delete KEY's block
/// A KEY has 1..64 characters (bytes), none of them whitespace, ',', '=' or a
/// control character, and is not all digits (so "-3" is always ptr[3]).
/// Errors name the item and say what is wrong: "op 3 '12=5': a key cannot
/// be all digits (-12 frees ptr[12])", "op 0 'a=0': a set must ask for at
/// least 1 byte".
Expected<std::vector<HeapOp>> ParseHeapOps(std::string_view text);
/// The ops back in -A syntax: "+10,-0,C,user:1=120,-user:1".
std::string FormatHeapOps(const std::vector<HeapOp>& ops);
/// Appends `op` in -A syntax to `list`, after a ',' unless `list` is empty:
/// for callers that build the list as ops run.
void AppendHeapOp(std::string& list, const HeapOp& op);

/// What one op did.
struct HeapStep {
  HeapOp op;
  std::int64_t ptr = -1;           // the pointer allocated or freed (-1 for compaction, set and delete)
  std::int64_t addr = -1;          // alloc, set: address returned or -1; free, delete: address given back or -1
                                   // (failed/skipped)
  std::int64_t returned = 0;       // free, delete: 0 or -1, as malloc.py prints
  bool skipped = false;            // free of a pointer never returned; delete of a key with no block
  AllocResult alloc;               // alloc, set: the allocator's answer
  std::int64_t freed_size = 0;     // free, delete: bytes given back
  std::optional<Block> old_block;  // set: the key's previous block, freed after the new one was placed
  Compaction compaction;           // compact: what moved
  // After the op (only while HeapSession::record_maps() is on):
  std::vector<FreeChunk> free_list;     // the free list, in list order
  std::vector<Block> blocks;            // the address space map
  std::vector<std::int64_t> owners;     // per block: the pointer that owns it, or -1 (free, or a key's)
  std::vector<std::string> owner_keys;  // per block: the key that owns it, or "" (free, or a pointer's)
};

class HeapSession {
 public:
  explicit HeapSession(std::unique_ptr<HeapAllocator> heap);

  /// Applies one op. Errors: compaction on a heap that cannot compact.
  Expected<HeapStep> Apply(const HeapOp& op);
  /// Applies `ops` in order; stops at the first error.
  Expected<std::vector<HeapStep>> Run(const std::vector<HeapOp>& ops);
  /// The next op of malloc.py's random program (see above): with
  /// probability percent_alloc/100 an allocation of 1..range bytes, else a
  /// free of a random live pointer; draws again while it would free with
  /// nothing live. Preconditions: range >= 0, percent_alloc >= 1.
  HeapOp DrawRandomOp(PyRandom& random, std::int64_t range, std::int64_t percent_alloc) const;
  /// Draws and applies `num_ops` ops of the random program.
  std::vector<HeapStep> RunRandom(PyRandom& random, std::int64_t num_ops, std::int64_t range,
                                  std::int64_t percent_alloc);

  /// Whether each step records the free list and the map (default on).
  /// Turn off for long programs: recording costs O(heap blocks) per op.
  void set_record_maps(bool on) { record_maps_ = on; }
  bool record_maps() const { return record_maps_; }

  /// Publishes what each op does from now on to `sink` (see the header
  /// comment, "Events"), numbered from seq 1. Empty (the default): nothing is built.
  void set_event_sink(events::EventSink sink) { events_ = events::SimPublisher(std::move(sink)); }

  const HeapAllocator& heap() const { return *heap_; }
  /// The pointer whose live block starts at `addr`, if any.
  std::optional<std::int64_t> OwnerOf(std::int64_t addr) const;
  /// The keys and their blocks (KeyAt(addr): the key whose block starts there).
  const KeyedHeap& keyed() const { return keys_; }
  std::int64_t pointers_issued() const { return next_ptr_; }

 private:
  HeapStep DoAlloc(std::int64_t size);
  HeapStep DoFree(std::int64_t ptr);
  HeapStep DoSet(const std::string& key, std::int64_t size);
  HeapStep DoDelete(const std::string& key);
  Expected<HeapStep> DoCompact();
  /// Frees the block starting at `addr` for a free of ptr[step.ptr], whoever
  /// owns it now (a pointer, or a key), into `step` (addr, freed_size) and
  /// the event stream. False, and nothing changes, when no block starts there.
  bool FreeOwned(HeapStep& step, std::int64_t addr);
  /// Frees `key`'s block, the same way. False when the key has none.
  bool FreeKey(HeapStep& step, const std::string& key);
  void Record(HeapStep& step) const;
  // The event stream ("Events" above): nothing unless a sink listens.
  void SayAlloc(const HeapStep& step);
  void SayFree(const std::string& owner, std::int64_t addr, std::int64_t size);
  void SayCompact(const HeapStep& step);

  std::unique_ptr<HeapAllocator> heap_;
  std::int64_t next_ptr_ = 0;
  std::map<std::int64_t, std::int64_t> address_of_;  // ptr -> address it was given (kept after Free)
  std::map<std::int64_t, std::int64_t> owner_;       // address of a live block -> its ptr
  std::vector<std::int64_t> live_;                   // live pointers in allocation order (malloc.py's L)
  KeyedHeap keys_{*heap_};                           // the keys' blocks, on the same heap
  bool record_maps_ = true;
  std::int64_t ops_ = 0;  // ops applied so far: the next one's t
  events::SimPublisher events_{nullptr};
};

}  // namespace osgrid::os
