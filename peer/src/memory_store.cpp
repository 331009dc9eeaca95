// The peer's key-value memory in an arena: see memory_store.h.
//
// The file (Open): a 4 KiB superblock, then the arena.
//
//   superblock  magic "osgrid arena 1", the arena's size and allocator (a
//               file made with others is refused), and the journal of the
//               block move in progress, if any
//   arena       blocks, each a BlockHeader, the key and the value's JSON text
//
// Only the blocks themselves say which keys exist: Recover() scans the arena
// for headers whose checksum holds, keeps each key's newest (highest
// sequence number), and gives those blocks back to the allocator at their
// own addresses (HeapAllocator::Restore), as fsck rebuilds a file system's
// free map from its inodes.
//
// Crash safety (the process dying at any instruction; the kernel keeps the
// file's pages):
//   - SET writes the new block whole, its header's magic last, before it
//     clears the old block's magic: a crash between leaves two valid blocks
//     for the key, and the higher sequence number wins.
//   - DEL clears the block's magic: one 4-byte store.
//   - Compaction moves blocks down. A move that does not overlap its own old
//     place copies, then clears the old magic (two identical copies after a
//     crash: either will do). A move that overlaps would destroy its source
//     as it goes, so it is journaled: the superblock records from, to and
//     size, and the block is copied in chunks of (from - to) bytes, lowest
//     first, each one only over bytes already copied, with the count of bytes
//     done stored after each chunk. Open redoes the move from that count.
#include "osgrid/peer/memory_store.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <limits>
#include <unordered_map>
#include <utility>

#include <boost/crc.hpp>
#include <boost/interprocess/file_mapping.hpp>
#include <boost/interprocess/mapped_region.hpp>

#include "osgrid/net/messages.h"
#include "osgrid/os/mem/buddy.h"
#include "osgrid/os/mem/free_list.h"

namespace osgrid::peer {
namespace {

/// The header at the start of every allocated block (memory_store.h). Its
/// magic holds a NUL and a control byte, which neither a key nor a value's
/// JSON text can contain, so no entry's bytes can pass for a header.
struct BlockHeader {
  std::uint32_t magic = 0;
  std::uint32_t checksum = 0;  // CRC-32 of sequence, lengths, key and value
  std::uint64_t sequence = 0;  // higher = written later
  std::uint32_t key_bytes = 0;
  std::uint32_t value_bytes = 0;
};
static_assert(sizeof(BlockHeader) == kBlockHeaderBytes);

constexpr std::uint32_t kLiveMagic = 0x6b764f00;  // bytes 00 4f 76 6b: "\0Ovk"
constexpr std::uint32_t kFreeMagic = 0;

/// The buddy system's smallest block: one header and 8 bytes.
constexpr std::int64_t kBuddyMinBlock = 32;

/// The superblock's first bytes.
constexpr char kFileMagic[16] = "osgrid arena 1\n";
/// Bytes before the arena in the file: the superblock's page.
constexpr std::int64_t kSuperblockBytes = 4096;

/// --allocator's names of the fit policies (OSTEP 17.3).
constexpr std::pair<std::string_view, os::FitPolicy> kFitPolicies[] = {
    {"first", os::FitPolicy::kFirst},
    {"best", os::FitPolicy::kBest},
    {"worst", os::FitPolicy::kWorst},
    {"next", os::FitPolicy::kNext},
};

bool IsControl(char c) {
  auto byte = static_cast<unsigned char>(c);
  return byte < 0x20 || byte == 0x7f;
}

Status NoKey(const std::string& key) { return Status::NotFound("no key '" + net::Sanitize(key) + "'"); }

std::string ValueText(const Json& value) {
  // The replace handler keeps dump() from throwing on invalid UTF-8.
  return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::uint32_t Checksum(const BlockHeader& header, std::string_view key, std::string_view text) {
  boost::crc_32_type crc;
  crc.process_bytes(&header.sequence, sizeof header.sequence);
  crc.process_bytes(&header.key_bytes, sizeof header.key_bytes);
  crc.process_bytes(&header.value_bytes, sizeof header.value_bytes);
  crc.process_bytes(key.data(), key.size());
  crc.process_bytes(text.data(), text.size());
  return crc.checksum();
}

/// The allocator policy for `config`. Errors: BAD_REQUEST naming the problem.
Result<std::unique_ptr<os::HeapAllocator>> MakeAllocator(const MemoryConfig& config) {
  const auto arena = static_cast<std::int64_t>(std::min<std::uint64_t>(config.arena_bytes, 1ull << 41));
  if (arena < kMinArenaBytes || arena > (1ll << 40)) {
    return Status::BadRequest("--mem-arena must be " + std::to_string(kMinArenaBytes) +
                              " bytes (one block) to 2^40 bytes, got " + std::to_string(config.arena_bytes));
  }
  if (config.allocator == "buddy") {
    auto buddy = os::BuddyAllocator::Create({0, arena, kBuddyMinBlock, kBlockHeaderBytes});
    if (!buddy.ok()) {
      return Status::BadRequest("--allocator buddy needs a power-of-two --mem-arena (" + buddy.error().message + ")");
    }
    return std::unique_ptr<os::HeapAllocator>(std::make_unique<os::BuddyAllocator>(std::move(buddy).value()));
  }
  const auto fit = std::find_if(std::begin(kFitPolicies), std::end(kFitPolicies),
                                [&](const auto& entry) { return entry.first == config.allocator; });
  if (fit == std::end(kFitPolicies)) {
    return Status::BadRequest("unknown --allocator '" + net::Sanitize(config.allocator) + "': use one of " +
                              AllocatorNames());
  }
  os::HeapConfig heap;
  heap.base = 0;
  heap.size = arena;
  heap.header_size = kBlockHeaderBytes;
  heap.alignment = kBlockAlignment;
  heap.policy = fit->second;
  heap.coalesce = true;
  auto made = os::MakeHeap(heap, /*indexed=*/true);
  if (!made.ok()) return Status::BadRequest(made.error().message);
  return std::move(made).value();
}

}  // namespace

/// The block move in progress (see the top of this file). `done` is
/// written only after the bytes it counts, with release ordering.
struct MemoryStore::Journal {
  std::uint64_t moving = 0;  // 1 while a journaled move is unfinished
  std::uint64_t from = 0, to = 0, size = 0;
  std::atomic<std::uint64_t> done{0};  // bytes of the block copied so far
};

/// The file's first page.
struct MemoryStore::Superblock {
  char magic[16];
  std::uint64_t arena_bytes;
  char allocator[16];
  std::uint64_t header_bytes;
  std::uint64_t alignment;
  Journal journal;
};

/// The open file: its descriptor (holding the flock) and its mapping.
struct MemoryStore::Mapping {
  int fd = -1;
  boost::interprocess::mapped_region region;
  ~Mapping() {
    if (fd >= 0) close(fd);
  }
};

std::string AllocatorNames() { return "first|best|worst|next|buddy"; }

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

Result<std::unique_ptr<MemoryStore>> MemoryStore::Create(const MemoryConfig& config) {
  auto heap = MakeAllocator(config);
  if (!heap.ok()) return heap.status();
  std::unique_ptr<MemoryStore> store(new MemoryStore(config, std::move(heap).value()));
  store->memory_.reset(new char[config.arena_bytes]);  // not value-initialised: pages are touched as blocks are written
  store->arena_ = store->memory_.get();
  store->scratch_journal_ = std::make_unique<Journal>();
  store->journal_ = store->scratch_journal_.get();
  return store;
}

Result<std::unique_ptr<MemoryStore>> MemoryStore::Open(const MemoryConfig& config, const std::string& path) {
  auto heap = MakeAllocator(config);
  if (!heap.ok()) return heap.status();
  std::unique_ptr<MemoryStore> store(new MemoryStore(config, std::move(heap).value()));
  bool fresh = false;
  if (Status mapped = store->MapFile(path, fresh); !mapped.ok()) return mapped;
  if (!fresh) store->Recover();  // a new file has nothing to find (and reading its holes would cost)
  return store;
}

MemoryStore::MemoryStore(MemoryConfig config, std::unique_ptr<os::HeapAllocator> heap)
    : config_(std::move(config)), heap_(std::move(heap)), keys_(*heap_) {}

MemoryStore::~MemoryStore() {
  if (mapping_ && !crashed_) mapping_->region.flush();  // a clean shutdown: to the disk too
}

Status MemoryStore::MapFile(const std::string& path, bool& fresh) {
  static_assert(sizeof(Superblock) <= kSuperblockBytes);
  static_assert(std::atomic<std::uint64_t>::is_always_lock_free);
  auto failed = [&](const std::string& what) { return Status::Io(what + " " + path + ": " + std::strerror(errno)); };
  mapping_ = std::make_unique<Mapping>();
  mapping_->fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (mapping_->fd < 0) return failed("cannot open the memory arena file");
  if (flock(mapping_->fd, LOCK_EX | LOCK_NB) != 0) return failed("another process holds the memory arena file");
  struct stat info {};
  if (fstat(mapping_->fd, &info) != 0) return failed("cannot stat");
  const auto file_bytes = static_cast<std::uint64_t>(kSuperblockBytes) + config_.arena_bytes;
  fresh = info.st_size == 0;
  if (fresh && ftruncate(mapping_->fd, static_cast<off_t>(file_bytes)) != 0) return failed("cannot size");
  try {
    boost::interprocess::file_mapping file(path.c_str(), boost::interprocess::read_write);
    mapping_->region = boost::interprocess::mapped_region(file, boost::interprocess::read_write);
  } catch (const boost::interprocess::interprocess_exception& error) {
    return Status::Io("cannot map the memory arena file " + path + ": " + error.what());
  }
  auto* super = static_cast<Superblock*>(mapping_->region.get_address());
  if (fresh) {
    std::memcpy(super->magic, kFileMagic, sizeof kFileMagic);
    super->arena_bytes = config_.arena_bytes;
    std::snprintf(super->allocator, sizeof super->allocator, "%s", config_.allocator.c_str());
    super->header_bytes = kBlockHeaderBytes;
    super->alignment = kBlockAlignment;
  } else if (Status same = CheckSuperblock(*super, static_cast<std::uint64_t>(info.st_size), path); !same.ok()) {
    return same;
  }
  arena_ = static_cast<char*>(mapping_->region.get_address()) + kSuperblockBytes;
  journal_ = &super->journal;
  return Status::Ok();
}

Status MemoryStore::CheckSuperblock(const Superblock& super, std::uint64_t file_bytes, const std::string& path) const {
  if (std::memcmp(super.magic, kFileMagic, sizeof kFileMagic) != 0 ||
      file_bytes != kSuperblockBytes + super.arena_bytes || super.header_bytes != kBlockHeaderBytes) {
    return Status::Io(path + " is not an osgrid memory arena file (or is damaged); move it away to start empty");
  }
  const std::string allocator(super.allocator, strnlen(super.allocator, sizeof super.allocator));
  if (super.arena_bytes != config_.arena_bytes || allocator != config_.allocator) {
    return Status::BadRequest("the memory arena file " + path + " was made with --mem-arena " +
                              std::to_string(super.arena_bytes) + " --allocator " + allocator + ", not --mem-arena " +
                              std::to_string(config_.arena_bytes) + " --allocator " + config_.allocator +
                              ": start the peer with those to keep its keys, or delete the file to start empty");
  }
  return Status::Ok();
}

void MemoryStore::Recover() {
  if (journal_->moving != 0) {
    RunJournal();
    recovery_.finished_move = true;
  }
  struct Found {
    std::int64_t address;
    std::uint64_t sequence;
    std::int64_t request;
  };
  std::unordered_map<std::string, Found> newest;
  std::vector<std::int64_t> stale;
  const auto arena = static_cast<std::int64_t>(config_.arena_bytes);
  for (std::int64_t address = 0; address + kBlockHeaderBytes <= arena; address += kBlockAlignment) {
    BlockHeader header;
    std::memcpy(&header, arena_ + address, sizeof header);
    if (header.magic != kLiveMagic) continue;
    const std::int64_t request = std::int64_t{header.key_bytes} + header.value_bytes;
    if (header.key_bytes == 0 || header.key_bytes > params::kMaxKeyBytes ||
        address + kBlockHeaderBytes + request > arena) {
      continue;
    }
    const char* key = arena_ + address + kBlockHeaderBytes;
    if (Checksum(header, {key, header.key_bytes}, {key + header.key_bytes, header.value_bytes}) != header.checksum) {
      ++recovery_.damaged;
      ClearBlock(address);
      continue;
    }
    next_sequence_ = std::max(next_sequence_, header.sequence + 1);
    auto [it, added] = newest.try_emplace(std::string(key, header.key_bytes), Found{address, header.sequence, request});
    if (!added) {
      const bool newer = header.sequence > it->second.sequence;
      stale.push_back(newer ? it->second.address : address);
      if (newer) it->second = {address, header.sequence, request};
    }
    // On to the next block's first possible header: past this header, key and value.
    address +=
        kBlockHeaderBytes + (request + kBlockAlignment - 1) / kBlockAlignment * kBlockAlignment - kBlockAlignment;
  }
  for (std::int64_t address : stale) ClearBlock(address);
  recovery_.stale = stale.size();
  for (const auto& [key, found] : newest) {
    if (keys_.Restore(key, found.address, heap_->BlockBytes(found.request), found.request)) {
      ++recovery_.keys;
    } else {  // overlaps a block kept already: cannot happen unless the file was damaged
      ++recovery_.damaged;
      ClearBlock(found.address);
    }
  }
}

std::size_t MemoryStore::EntryBytes(const std::string& key, const Json& value) {
  return key.size() + ValueText(value).size();
}

Status MemoryStore::Set(const std::string& key, const Json& value) {
  if (Status status = ValidateKey(key); !status.ok()) return status;
  const std::string text = ValueText(value);
  if (text.size() > std::numeric_limits<std::uint32_t>::max()) {  // the header's length field
    return Status::Limit("the value of key '" + net::Sanitize(key) + "' is over 4 GiB as JSON text");
  }
  const auto request = static_cast<std::int64_t>(key.size() + text.size());
  const os::KeyedSet set = keys_.Set(key, request);
  if (!set.alloc.ok()) {
    const os::HeapMetrics after = heap_->Metrics();
    Say(os::events::MemFailed{key, static_cast<std::uint64_t>(request),
                              set.alloc.failure == os::AllocFailure::kFragmentation ? "fragmentation" : "no_space",
                              static_cast<std::uint64_t>(after.free_bytes),
                              static_cast<std::uint64_t>(after.free_blocks),
                              static_cast<std::uint64_t>(after.largest_free_block)});
    const std::string why = os::DescribeAllocFailure(set.alloc, after);
    if (set.alloc.failure == os::AllocFailure::kFragmentation) return Status(Code::kFragmented, why);
    if (set.alloc.block_size > after.heap_size) {
      return Status::Limit("key '" + net::Sanitize(key) + "' needs a block of " +
                           os::GroupThousands(set.alloc.block_size) + " B, more than the whole arena (" +
                           os::GroupThousands(after.heap_size) + " B, --mem-arena)");
    }
    return Status::Limit("memory arena full: " + why);
  }
  WriteBlock(set.alloc.addr, key, text);
  Say(os::events::MemAlloc{key, static_cast<std::uint64_t>(set.alloc.addr),
                           static_cast<std::uint64_t>(set.alloc.block_size), static_cast<std::uint64_t>(request)});
  if (set.old_block) {
    ClearBlock(set.old_block->addr);
    Say(os::events::MemFree{key, static_cast<std::uint64_t>(set.old_block->addr),
                            static_cast<std::uint64_t>(set.old_block->size)});
  }
  return Status::Ok();
}

Result<Json> MemoryStore::Get(const std::string& key) const {
  const auto block = keys_.BlockOf(key);
  if (!block) return NoKey(key);
  BlockHeader header;
  std::memcpy(&header, arena_ + block->addr, sizeof header);
  const char* text = arena_ + block->addr + kBlockHeaderBytes + header.key_bytes;
  Json value = Json::parse(text, text + header.value_bytes, nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) return Status::Internal("the block of key '" + net::Sanitize(key) + "' is damaged");
  return value;
}

Status MemoryStore::Delete(const std::string& key) {
  const auto freed = keys_.Delete(key);
  if (!freed) return NoKey(key);
  ClearBlock(freed->addr);
  Say(os::events::MemFree{key, static_cast<std::uint64_t>(freed->addr), static_cast<std::uint64_t>(freed->size)});
  return Status::Ok();
}

Result<net::MemCompacted> MemoryStore::Compact() {
  // The allocator's books first (KeyedHeap moves each key with its block),
  // then the bytes, in address order, each block only downwards: a block's
  // destination may overlap its own old place, never a block not yet moved.
  os::Expected<os::Compaction> compaction = keys_.Compact();
  if (!compaction.ok()) return Status::BadRequest("cannot compact: " + compaction.error().message);
  net::MemCompacted compacted;
  compacted.moved_bytes = static_cast<std::uint64_t>(compaction->moved_bytes);
  for (const os::Move& move : compaction->moves) {
    MoveBytes(move);
    const std::string* key = keys_.KeyAt(move.to);
    compacted.moves.push_back({key != nullptr ? *key : "", static_cast<std::uint64_t>(move.from),
                               static_cast<std::uint64_t>(move.to), static_cast<std::uint64_t>(move.size)});
  }
  Say(os::events::MemCompact{compacted.moves.size(), compacted.moved_bytes});
  return compacted;
}

void MemoryStore::CrashDuringCompactionForTest(std::size_t chunks) {
  os::Expected<os::Compaction> compaction = keys_.Compact();
  crashed_ = true;
  if (!compaction.ok()) return;
  for (const os::Move& move : compaction->moves) {
    if (!MoveBytes(move, chunks)) return;
  }
}

bool MemoryStore::MoveBytes(const os::Move& move, std::size_t max_chunks) {
  if (move.from >= move.to + move.size) {  // apart: copy, then retire the old copy
    std::memcpy(arena_ + move.to, arena_ + move.from, static_cast<std::size_t>(move.size));
    ClearBlock(move.from);
    return true;
  }
  journal_->from = static_cast<std::uint64_t>(move.from);
  journal_->to = static_cast<std::uint64_t>(move.to);
  journal_->size = static_cast<std::uint64_t>(move.size);
  journal_->done.store(0, std::memory_order_release);
  std::atomic_thread_fence(std::memory_order_release);
  journal_->moving = 1;
  std::atomic_thread_fence(std::memory_order_release);
  return RunJournal(max_chunks);
}

bool MemoryStore::RunJournal(std::size_t max_chunks) {
  char* from = arena_ + journal_->from;
  char* to = arena_ + journal_->to;
  const std::uint64_t chunk = journal_->from - journal_->to;
  for (std::size_t chunks = 0; journal_->done.load() < journal_->size; ++chunks) {
    if (chunks == max_chunks) return false;  // a test's crash
    const std::uint64_t done = journal_->done.load();
    const std::uint64_t n = std::min(chunk, journal_->size - done);
    std::memcpy(to + done, from + done, n);  // only over bytes copied already
    journal_->done.store(done + n, std::memory_order_release);
  }
  std::atomic_thread_fence(std::memory_order_release);
  journal_->moving = 0;
  return true;
}

std::vector<MemoryStore::Entry> MemoryStore::List() const {
  std::vector<Entry> entries;
  entries.reserve(keys_.keys());
  for (const os::Block& block : heap_->Blocks()) {
    if (const std::string* key = block.free ? nullptr : keys_.KeyAt(block.addr)) {
      entries.push_back({*key, static_cast<std::size_t>(block.size)});
    }
  }
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) { return a.key < b.key; });
  return entries;
}

net::MemMap MemoryStore::Describe(std::size_t max_blocks) const {
  net::MemMap map;
  map.allocator = config_.allocator;
  map.arena_bytes = config_.arena_bytes;
  map.header_bytes = kBlockHeaderBytes;
  map.alignment = kBlockAlignment;
  for (const os::Block& block : heap_->Blocks()) {
    if (map.blocks.size() == max_blocks) {
      map.truncated = true;
      break;
    }
    const std::string* key = block.free ? nullptr : keys_.KeyAt(block.addr);
    map.blocks.push_back({static_cast<std::uint64_t>(block.addr), static_cast<std::uint64_t>(block.size), block.free,
                          key != nullptr ? *key : "", static_cast<std::uint64_t>(block.requested)});
  }
  const os::HeapMetrics m = heap_->Metrics();
  map.used_bytes = static_cast<std::uint64_t>(m.allocated_bytes);
  map.free_bytes = static_cast<std::uint64_t>(m.free_bytes);
  map.free_holes = static_cast<std::uint64_t>(m.free_blocks);
  map.largest_hole = static_cast<std::uint64_t>(m.largest_free_block);
  map.external_fragmentation = m.external_fragmentation;
  map.internal_fragmentation = static_cast<std::uint64_t>(m.internal_fragmentation);
  map.failed_fragmentation = static_cast<std::uint64_t>(m.failed_fragmentation);
  map.failed_no_space = static_cast<std::uint64_t>(m.failed_requests - m.failed_fragmentation);
  return map;
}

std::size_t MemoryStore::charged(const std::string& key) const {
  const auto block = keys_.BlockOf(key);
  return block ? static_cast<std::size_t>(block->size) : 0;
}

std::size_t MemoryStore::bytes() const { return static_cast<std::size_t>(heap_->Metrics().allocated_bytes); }

std::int64_t MemoryStore::address_of(const std::string& key) const {
  const auto block = keys_.BlockOf(key);
  return block ? block->addr : -1;
}

void MemoryStore::AnnounceArena() const {
  const std::vector<os::Block> blocks = heap_->Blocks();
  const auto allocated = static_cast<std::uint64_t>(
      std::count_if(blocks.begin(), blocks.end(), [](const os::Block& block) { return !block.free; }));
  Say(os::events::MemArena{config_.allocator, config_.arena_bytes, allocated});
  for (const os::Block& block : blocks) {
    const std::string* key = block.free ? nullptr : keys_.KeyAt(block.addr);
    if (key == nullptr) continue;
    Say(os::events::MemAlloc{*key, static_cast<std::uint64_t>(block.addr), static_cast<std::uint64_t>(block.size),
                             static_cast<std::uint64_t>(block.requested)});
  }
}

void MemoryStore::WriteBlock(std::int64_t address, const std::string& key, const std::string& text) {
  BlockHeader header;
  header.sequence = next_sequence_++;
  header.key_bytes = static_cast<std::uint32_t>(key.size());
  header.value_bytes = static_cast<std::uint32_t>(text.size());
  header.checksum = Checksum(header, key, text);
  char* block = arena_ + address;
  std::memcpy(block + kBlockHeaderBytes, key.data(), key.size());
  std::memcpy(block + kBlockHeaderBytes + key.size(), text.data(), text.size());
  header.magic = kLiveMagic;  // last: a block is whole before its header says it is live
  std::atomic_thread_fence(std::memory_order_release);
  std::memcpy(block, &header, sizeof header);
  std::atomic_thread_fence(std::memory_order_release);  // before any old block is cleared
}

void MemoryStore::ClearBlock(std::int64_t address) { std::memcpy(arena_ + address, &kFreeMagic, sizeof kFreeMagic); }

void MemoryStore::Say(os::events::Payload event) const {
  if (sink_) sink_(std::move(event));
}

}  // namespace osgrid::peer
