// The peer's key-value memory in an arena: see memory_store.h.
#include "osgrid/peer/memory_store.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include <boost/crc.hpp>

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
  return std::unique_ptr<MemoryStore>(new MemoryStore(config, std::move(heap).value()));
}

MemoryStore::MemoryStore(MemoryConfig config, std::unique_ptr<os::HeapAllocator> heap)
    : config_(std::move(config)),
      arena_(new char[config_.arena_bytes]),  // not value-initialised: pages are touched as blocks are written
      heap_(std::move(heap)),
      keys_(*heap_) {}

std::size_t MemoryStore::EntryBytes(const std::string& key, const Json& value) {
  return key.size() + ValueText(value).size();
}

Status MemoryStore::Set(const std::string& key, const Json& value) {
  if (Status status = ValidateKey(key); !status.ok()) return status;
  const std::string text = ValueText(value);
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
  std::memcpy(&header, arena_.get() + block->addr, sizeof header);
  const char* text = arena_.get() + block->addr + kBlockHeaderBytes + header.key_bytes;
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
  // destination may overlap its own old place (memmove), never a block not
  // yet moved.
  os::Expected<os::Compaction> compaction = keys_.Compact();
  if (!compaction.ok()) return Status::BadRequest("cannot compact: " + compaction.error().message);
  net::MemCompacted compacted;
  compacted.moved_bytes = static_cast<std::uint64_t>(compaction->moved_bytes);
  for (const os::Move& move : compaction->moves) {
    std::memmove(arena_.get() + move.to, arena_.get() + move.from, static_cast<std::size_t>(move.size));
    if (move.from >= move.to + kBlockHeaderBytes) ClearBlock(move.from);  // the old header, if not overwritten
    const std::string* key = keys_.KeyAt(move.to);
    compacted.moves.push_back({key != nullptr ? *key : "", static_cast<std::uint64_t>(move.from),
                               static_cast<std::uint64_t>(move.to), static_cast<std::uint64_t>(move.size)});
  }
  Say(os::events::MemCompact{compacted.moves.size(), compacted.moved_bytes});
  return compacted;
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

MemoryStore::ArenaMap MemoryStore::Map() const {
  ArenaMap map;
  for (const os::Block& block : heap_->Blocks()) {
    const std::string* key = block.free ? nullptr : keys_.KeyAt(block.addr);
    map.blocks.push_back({block.addr, block.size, block.free, key ? *key : "", block.requested});
  }
  map.metrics = heap_->Metrics();
  return map;
}

net::MemMap MemoryStore::Describe(std::size_t max_blocks) const {
  const ArenaMap arena = Map();
  net::MemMap map;
  map.allocator = config_.allocator;
  map.arena_bytes = config_.arena_bytes;
  map.header_bytes = kBlockHeaderBytes;
  map.alignment = kBlockAlignment;
  for (const MapBlock& block : arena.blocks) {
    if (map.blocks.size() == max_blocks) {
      map.truncated = true;
      break;
    }
    map.blocks.push_back({static_cast<std::uint64_t>(block.address), static_cast<std::uint64_t>(block.size), block.free,
                          block.key, static_cast<std::uint64_t>(block.request)});
  }
  const os::HeapMetrics& m = arena.metrics;
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

void MemoryStore::WriteBlock(std::int64_t address, const std::string& key, const std::string& text) {
  BlockHeader header;
  header.sequence = next_sequence_++;
  header.key_bytes = static_cast<std::uint32_t>(key.size());
  header.value_bytes = static_cast<std::uint32_t>(text.size());
  header.checksum = Checksum(header, key, text);
  char* block = arena_.get() + address;
  std::memcpy(block + kBlockHeaderBytes, key.data(), key.size());
  std::memcpy(block + kBlockHeaderBytes + key.size(), text.data(), text.size());
  header.magic = kLiveMagic;  // last: a block is whole before its header says it is live
  std::memcpy(block, &header, sizeof header);
}

void MemoryStore::ClearBlock(std::int64_t address) {
  std::memcpy(arena_.get() + address, &kFreeMagic, sizeof kFreeMagic);
}

void MemoryStore::Say(os::events::Payload event) const {
  if (sink_) sink_(std::move(event));
}

}  // namespace osgrid::peer
