// Contiguous memory allocation: the allocator policy interface and the types
// every heap allocator shares (free-list heaps, the indexed heap, the buddy
// system).
//
// Source: OSTEP ch. 17 "Free-Space Management" (17.2 low-level mechanisms:
//         splitting, coalescing, headers; 17.3 basic strategies: best, worst,
//         first and next fit; 17.4 segregated lists and the buddy allocator);
//         Silberschatz, Operating System Concepts 10e, 9.2.2 "Memory
//         allocation" (first/best/worst fit), 9.2.3 "Fragmentation"
//         (external and internal fragmentation, compaction).
//
// A heap manages the byte range [base, base + size). Alloc(n) hands out a
// block of at least n bytes and returns the block's start address (where its
// header, if any, lives: the address malloc.py prints for -A lists); Free(addr)
// gives the block starting at addr back; Restore(addr, block_size, requested)
// marks a block found in memory allocated again, at the address it already
// has (a restarted peer rebuilding its heap from its arena). Sizes and
// addresses are in bytes. The live peer's key-value store will drive these
// same objects.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "osgrid/os/expected.h"

namespace osgrid::os {

/// Which free block a contiguous heap picks for a request (OSTEP 17.3,
/// Silberschatz 9.2.2). Tie-breaking: the first candidate in free-list order.
enum class FitPolicy {
  kFirst,  // the first block in the free list that is big enough
  kBest,   // the smallest block that is big enough
  kWorst,  // the largest block
  kNext,   // first fit, starting where the previous allocation ended (the rover)
};

/// How a free-list heap keeps its free list, as malloc.py -l: where a freed
/// block goes. Splitting a block during Alloc keeps its list position (the
/// list is not re-sorted until the next Free), as in malloc.py.
enum class ListOrder {
  kAddrSort,      // ADDRSORT: by address, lowest first
  kSizeSortUp,    // SIZESORT+: by size, smallest first (stable: equal sizes keep their order)
  kSizeSortDown,  // SIZESORT-: by size, largest first (stable)
  kInsertFront,   // INSERT-FRONT: a freed block goes to the head of the list
  kInsertBack,    // INSERT-BACK: a freed block goes to the tail
};

/// "FIRST", "BEST", "WORST", "NEXT".
std::string_view FitPolicyName(FitPolicy policy);
/// "ADDRSORT", "SIZESORT+", "SIZESORT-", "INSERT-FRONT", "INSERT-BACK".
std::string_view ListOrderName(ListOrder order);
/// Parses a name as printed above (upper case). Error names the bad value.
Expected<FitPolicy> ParseFitPolicy(std::string_view name);
Expected<ListOrder> ParseListOrder(std::string_view name);

/// The parameters of a contiguous heap, with malloc.py's defaults.
struct HeapConfig {
  std::int64_t base = 1000;      // -b: address of the first byte
  std::int64_t size = 100;       // -S: bytes managed, > 0
  std::int64_t header_size = 0;  // -H: bytes of header added to every block, >= 0
  std::int64_t alignment = -1;   // -a: requests are rounded up to a multiple of this; -1 = none
  FitPolicy policy = FitPolicy::kBest;
  ListOrder list_order = ListOrder::kAddrSort;
  bool coalesce = false;  // -C: merge address-adjacent free blocks on Free
};

/// Checks a configuration: size in 1..2^40, base in 0..2^60, header in
/// 0..2^40, alignment -1 or 1..2^40. The error names the field and value.
Expected<HeapConfig> ValidateHeapConfig(const HeapConfig& config);

/// Bytes a block needs for a request of `request` bytes under `config`:
/// the request rounded up to the alignment, plus the header (malloc.py's
/// order: align first, then add the header).
std::int64_t BlockSizeFor(const HeapConfig& config, std::int64_t request);

/// Whether a contiguous heap under `config` could hold a block of block_size
/// bytes at addr for a request of `requested` bytes: both sizes > 0,
/// block_size >= BlockSizeFor(config, requested), and [addr, addr +
/// block_size) inside [base, base + size). The argument checks of
/// HeapAllocator::Restore shared by FreeListHeap and IndexedHeap.
bool IsRestorableBlock(const HeapConfig& config, std::int64_t addr, std::int64_t block_size, std::int64_t requested);

/// Why an allocation failed.
enum class AllocFailure {
  kNone,           // it succeeded
  kBadSize,        // the request was <= 0 bytes (or absurdly large)
  kNoSpace,        // fewer bytes are free in total than the block needs
  kFragmentation,  // enough bytes are free in total, but no single free block is big enough
};

/// "none", "bad size", "no space", "external fragmentation".
std::string_view AllocFailureName(AllocFailure failure);

/// What Alloc returned.
struct AllocResult {
  std::int64_t addr = -1;       // start of the block (its header), or -1 on failure
  std::int64_t block_size = 0;  // bytes the block takes (request + padding + header), also on failure
  std::int64_t searched = 0;    // free-list elements examined (malloc.py's "searched N elements");
                                // the indexed heap counts tree nodes visited, the buddy system free lists
  std::int64_t splits = 0;      // buddy system: blocks split in two to make this one
  AllocFailure failure = AllocFailure::kNone;
  bool ok() const { return failure == AllocFailure::kNone; }
};

/// One free block, as the free list holds it.
struct FreeChunk {
  std::int64_t addr = 0;
  std::int64_t size = 0;
  bool operator==(const FreeChunk& other) const { return addr == other.addr && size == other.size; }
};

/// One block of the address-space map: allocated or free.
struct Block {
  std::int64_t addr = 0;
  std::int64_t size = 0;
  bool free = true;
  std::int64_t requested =
      0;  // allocated blocks: bytes the caller asked for (size - requested is internal fragmentation)
  bool operator==(const Block& other) const {
    return addr == other.addr && size == other.size && free == other.free && requested == other.requested;
  }
};

/// A block moved by compaction.
struct Move {
  std::int64_t from = 0;
  std::int64_t to = 0;
  std::int64_t size = 0;
};

/// What Compact() did: every allocated block that moved (in address order)
/// and the bytes copied.
struct Compaction {
  std::int64_t moved_bytes = 0;
  std::vector<Move> moves;
};

/// The heap's figures at one moment (Silberschatz 9.2.3).
struct HeapMetrics {
  std::int64_t heap_size = 0;
  std::int64_t allocated_bytes = 0;  // sum of allocated block sizes (headers and padding included)
  std::int64_t free_bytes = 0;       // heap_size - allocated_bytes
  std::int64_t free_blocks = 0;      // elements on the free list(s)
  std::int64_t largest_free_block = 0;
  double external_fragmentation = 0;        // 1 - largest_free_block / free_bytes; 0 when nothing is free
  std::int64_t internal_fragmentation = 0;  // bytes inside allocated blocks not asked for:
                                            // alignment_padding + header_bytes (+ buddy rounding)
  std::int64_t alignment_padding = 0;       // of which: alignment / power-of-two rounding
  std::int64_t header_bytes = 0;            // of which: headers
  std::int64_t allocations = 0;             // Alloc calls that succeeded
  std::int64_t failed_requests = 0;         // Alloc calls that failed (either reason)
  std::int64_t failed_fragmentation = 0;    // of which: enough free bytes, no block big enough
  std::int64_t frees = 0;                   // Free calls that freed a block
  std::int64_t searched = 0;                // sum of AllocResult::searched
};

/// 1 - largest / total, or 0 when total is 0.
double ExternalFragmentation(std::int64_t largest_free_block, std::int64_t free_bytes);

/// `counters` (allocated_bytes, alignment_padding, header_bytes and the call
/// counts already kept by a heap) completed with what every heap derives the
/// same way: heap size, free bytes, free blocks, largest free block, and
/// external and internal fragmentation. Sizes in bytes.
HeapMetrics DeriveMetrics(HeapMetrics counters, std::int64_t heap_size, std::int64_t free_blocks,
                          std::int64_t largest_free_block);

/// The allocator policy: what the simulator and, later, the peer's key-value
/// store use. Implementations: FreeListHeap (the textbook linear free list),
/// IndexedHeap (the same answers in O(log n)), BuddyAllocator.
class HeapAllocator {
 public:
  virtual ~HeapAllocator() = default;
  /// "FIRST", "BEST", "WORST", "NEXT" or "BUDDY".
  virtual std::string_view name() const = 0;
  /// A block for `size` bytes (size > 0), or a failure saying why.
  virtual AllocResult Alloc(std::int64_t size) = 0;
  /// Bytes the block for a request of `request` bytes (> 0) takes under
  /// this policy: the request rounded up (alignment, or a power of two) plus
  /// the header. What Alloc gives and Restore expects.
  virtual std::int64_t BlockBytes(std::int64_t request) const = 0;
  /// Frees the allocated block starting at `addr`. False (and nothing
  /// changes) when no allocated block starts there: never allocated, or
  /// already freed (malloc.py's "returned -1").
  virtual bool Free(std::int64_t addr) = 0;
  /// Marks [addr, addr + block_size) allocated, as if Alloc had placed a block
  /// of block_size bytes there for a request of `requested` bytes: for
  /// rebuilding a heap from the blocks found in memory (a restarted peer's
  /// arena). Restored blocks count in allocated_bytes and internal
  /// fragmentation as allocated blocks do, but not in the `allocations` call
  /// count. False, and nothing changes, when the range is not inside a single
  /// free block (FreeListHeap, IndexedHeap), or is not a block the buddy
  /// system could hand out: block_size a power of two >= min_block and <= size,
  /// (addr - base) a multiple of block_size, and the whole of it free
  /// (BuddyAllocator); also when block_size <= 0, requested <= 0,
  /// block_size < what BlockSizeFor would give for `requested`, or the range
  /// leaves [base, base + size).
  virtual bool Restore(std::int64_t addr, std::int64_t block_size, std::int64_t requested) = 0;
  /// Slides every allocated block down to the lowest addresses, in address
  /// order, leaving one free block at the top (Silberschatz 9.2.3). Errors:
  /// the buddy system cannot compact.
  virtual Expected<Compaction> Compact() = 0;
  /// The address space map: every block, allocated and free, by address;
  /// together they cover [base, base + size) exactly.
  virtual std::vector<Block> Blocks() const = 0;
  /// The free list in its current order (address order for the indexed
  /// heap and the buddy system).
  virtual std::vector<FreeChunk> FreeList() const = 0;
  /// The same list written into `out`, whose storage is reused: for callers
  /// that print the free list after every op, as malloc.py does.
  virtual void CopyFreeList(std::vector<FreeChunk>& out) const { out = FreeList(); }
  virtual HeapMetrics Metrics() const = 0;
  virtual std::int64_t base() const = 0;
  virtual std::int64_t size() const = 0;
};

}  // namespace osgrid::os
