// HeapSession: numbered pointers (and keys) over a heap, as OSTEP's malloc.py.
// Source: OSTEP ch. 17 homework (vm-freespace); see heap_session.h.
#include "osgrid/os/mem/heap_session.h"

#include <algorithm>
#include <string>

namespace osgrid::os {
namespace {

std::string Trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) return "";
  return std::string(text.substr(first, text.find_last_not_of(" \t") - first + 1));
}

bool AllDigits(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

/// The digits after the sign of "+12" / "-3", or -1 if they are not a number.
std::int64_t ParseCount(const std::string& digits) {
  if (digits.empty() || digits.size() > 15 || !AllDigits(digits)) return -1;
  return std::stoll(digits);
}

/// Why `key` cannot name a block (heap_session.h, ParseHeapOps), or "" if it can.
std::string KeyProblem(std::string_view key) {
  if (key.empty()) return "the key is empty";
  if (key.size() > kMaxHeapKeyLength) {
    return "the key has " + std::to_string(key.size()) + " characters, at most " + std::to_string(kMaxHeapKeyLength);
  }
  if (AllDigits(key)) {
    const std::string digits(key);
    return "a key cannot be all digits (-" + digits + " frees ptr[" + digits + "])";
  }
  // Space and below are whitespace or control characters, as is DEL (0x7f).
  const auto bad = [](char c) { return static_cast<unsigned char>(c) <= ' ' || c == '\x7f' || c == ',' || c == '='; };
  if (std::any_of(key.begin(), key.end(), bad)) return "a key cannot hold whitespace, ',', '=' or control characters";
  return "";
}

/// "KEY=SIZE", split at its first '='.
Expected<HeapOp> ParseSet(const std::string& key, const std::string& size) {
  if (std::string problem = KeyProblem(key); !problem.empty()) return Fail(problem);
  const std::int64_t bytes = ParseCount(size);
  if (bytes < 0) return Fail("expected KEY=SIZE with a whole number of bytes");
  if (bytes == 0) return Fail("a set must ask for at least 1 byte");
  return HeapOp::Set(key, bytes);
}

/// "+SIZE", "-PTR" or "-KEY": `sign` and what follows it.
Expected<HeapOp> ParseSigned(char sign, const std::string& rest) {
  if (sign == '-' && !rest.empty() && !AllDigits(rest)) {
    if (std::string problem = KeyProblem(rest); !problem.empty()) return Fail(problem);
    return HeapOp::Delete(rest);
  }
  const std::int64_t value = ParseCount(rest);
  if (value < 0) {
    return Fail(sign == '+' ? "expected +SIZE, a whole number of bytes (up to 15 digits)"
                            : "expected -PTR, a pointer number (up to 15 digits), or -KEY, a key");
  }
  if (sign == '+' && value == 0) return Fail("an allocation must ask for at least 1 byte");
  return sign == '+' ? HeapOp::Alloc(value) : HeapOp::Free(value);
}

/// One -A item; the error says what is wrong (the caller names the item).
Expected<HeapOp> ParseOp(const std::string& item) {
  if (item == "C" || item == "c") return HeapOp::Compact();
  if (const std::size_t equals = item.find('='); equals != std::string::npos) {
    return ParseSet(item.substr(0, equals), item.substr(equals + 1));
  }
  if (!item.empty() && (item[0] == '+' || item[0] == '-')) return ParseSigned(item[0], item.substr(1));
  return Fail("expected +SIZE (allocate), -PTR (free ptr[PTR]), KEY=SIZE (set KEY), -KEY (delete KEY) or C (compact)");
}

/// "ptr[3]", as malloc.py names the pointer an Alloc returned.
std::string PointerName(std::int64_t ptr) { return "ptr[" + std::to_string(ptr) + "]"; }

/// mem.failed's reason for a failure (events.h).
std::string_view FailureReason(AllocFailure failure) {
  switch (failure) {
    case AllocFailure::kNoSpace:
      return "no_space";
    case AllocFailure::kFragmentation:
      return "fragmentation";
    case AllocFailure::kBadSize:
    case AllocFailure::kNone:
      break;
  }
  return "bad_size";
}

}  // namespace

Expected<std::vector<HeapOp>> ParseHeapOps(std::string_view text) {
  std::vector<HeapOp> ops;
  std::size_t start = 0;
  for (int number = 0;; ++number) {
    const std::size_t comma = text.find(',', start);
    const std::string item = Trim(text.substr(start, comma == std::string_view::npos ? comma : comma - start));
    Expected<HeapOp> op = ParseOp(item);
    if (!op) return Fail("op " + std::to_string(number) + " '" + item + "': " + op.error().message);
    ops.push_back(std::move(op).value());
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return ops;
}

void AppendHeapOp(std::string& list, const HeapOp& op) {
  if (!list.empty()) list += ',';
  switch (op.kind) {
    case HeapOp::Kind::kAlloc:
      list += '+';
      list += std::to_string(op.value);
      break;
    case HeapOp::Kind::kFree:
      list += '-';
      list += std::to_string(op.value);
      break;
    case HeapOp::Kind::kCompact:
      list += 'C';
      break;
    case HeapOp::Kind::kSet:
      list += op.key;
      list += '=';
      list += std::to_string(op.value);
      break;
    case HeapOp::Kind::kDelete:
      list += '-';
      list += op.key;
      break;
  }
}

std::string FormatHeapOps(const std::vector<HeapOp>& ops) {
  std::string text;
  for (const HeapOp& op : ops) AppendHeapOp(text, op);
  return text;
}

HeapSession::HeapSession(std::unique_ptr<HeapAllocator> heap) : heap_(std::move(heap)) {}

Expected<HeapStep> HeapSession::Apply(const HeapOp& op) {
  switch (op.kind) {
    case HeapOp::Kind::kAlloc:
      return DoAlloc(op.value);
    case HeapOp::Kind::kFree:
      return DoFree(op.value);
    case HeapOp::Kind::kCompact:
      return DoCompact();
    case HeapOp::Kind::kSet:
      return DoSet(op.key, op.value);
    case HeapOp::Kind::kDelete:
      return DoDelete(op.key);
  }
  return Fail("unknown heap op");
}

Expected<std::vector<HeapStep>> HeapSession::Run(const std::vector<HeapOp>& ops) {
  std::vector<HeapStep> steps;
  steps.reserve(ops.size());
  for (std::size_t i = 0; i < ops.size(); ++i) {
    Expected<HeapStep> step = Apply(ops[i]);
    if (!step) return Fail("op " + std::to_string(i) + ": " + step.error().message);
    steps.push_back(std::move(step).value());
  }
  return steps;
}

HeapStep HeapSession::DoAlloc(std::int64_t size) {
  HeapStep step;
  step.op = HeapOp::Alloc(size);
  step.ptr = next_ptr_++;
  step.alloc = heap_->Alloc(size);
  step.addr = step.alloc.addr;
  if (step.alloc.ok()) {
    address_of_[step.ptr] = step.addr;
    owner_[step.addr] = step.ptr;
    live_.push_back(step.ptr);
  }
  SayAlloc(step);
  ++ops_;
  Record(step);
  return step;
}

HeapStep HeapSession::DoFree(std::int64_t ptr) {
  HeapStep step;
  step.op = HeapOp::Free(ptr);
  step.ptr = ptr;
  auto given = address_of_.find(ptr);
  if (given == address_of_.end()) {  // never returned: malloc.py's "Invalid Free: Skipping"
    step.skipped = true;
    step.returned = -1;
  } else if (!FreeOwned(step, given->second)) {
    step.returned = -1;
  }
  ++ops_;
  Record(step);
  return step;
}

bool HeapSession::FreeOwned(HeapStep& step, std::int64_t addr) {
  if (const std::string* key = keys_.KeyAt(addr)) return FreeKey(step, std::string(*key));  // a dangling ptr
  const std::int64_t allocated_before = heap_->Metrics().allocated_bytes;
  if (!heap_->Free(addr)) return false;
  step.addr = addr;
  step.freed_size = allocated_before - heap_->Metrics().allocated_bytes;
  auto owner = owner_.find(addr);
  SayFree(PointerName(owner != owner_.end() ? owner->second : step.ptr), addr, step.freed_size);
  if (owner != owner_.end()) {
    live_.erase(std::remove(live_.begin(), live_.end(), owner->second), live_.end());
    owner_.erase(owner);
  }
  return true;
}

bool HeapSession::FreeKey(HeapStep& step, const std::string& key) {
  const std::optional<Block> freed = keys_.Delete(key);
  if (!freed) return false;
  step.addr = freed->addr;
  step.freed_size = freed->size;
  SayFree(key, freed->addr, freed->size);
  return true;
}

HeapStep HeapSession::DoSet(const std::string& key, std::int64_t size) {
  HeapStep step;
  step.op = HeapOp::Set(key, size);
  KeyedSet set = keys_.Set(key, size);  // KeyedHeap's rule: the new block first, then the old one goes
  step.alloc = set.alloc;
  step.addr = set.alloc.addr;
  step.old_block = set.old_block;
  SayAlloc(step);
  if (step.old_block) SayFree(key, step.old_block->addr, step.old_block->size);
  ++ops_;
  Record(step);
  return step;
}

HeapStep HeapSession::DoDelete(const std::string& key) {
  HeapStep step;
  step.op = HeapOp::Delete(key);
  if (!FreeKey(step, key)) {  // no such key: skipped, as an invalid free
    step.skipped = true;
    step.returned = -1;
  }
  ++ops_;
  Record(step);
  return step;
}

Expected<HeapStep> HeapSession::DoCompact() {
  HeapStep step;
  step.op = HeapOp::Compact();
  Expected<Compaction> compaction = heap_->Compact();
  if (!compaction) return compaction.error();
  step.compaction = std::move(compaction).value();
  // Live pointers and keys follow their blocks; stale pointers keep their old value.
  std::map<std::int64_t, std::int64_t> moved_owner = owner_;
  for (const Move& move : step.compaction.moves) moved_owner.erase(move.from);
  for (const Move& move : step.compaction.moves) {
    auto owner = owner_.find(move.from);
    if (owner == owner_.end()) continue;
    moved_owner[move.to] = owner->second;
    address_of_[owner->second] = move.to;
  }
  owner_ = std::move(moved_owner);
  keys_.FollowMoves(step.compaction);
  SayCompact(step);
  ++ops_;
  Record(step);
  return step;
}

HeapOp HeapSession::DrawRandomOp(PyRandom& random, std::int64_t range, std::int64_t percent_alloc) const {
  const double percent = static_cast<double>(percent_alloc) / 100.0;
  for (;;) {
    if (random.Random() < percent) {
      return HeapOp::Alloc(static_cast<std::int64_t>(random.Random() * static_cast<double>(range)) + 1);
    }
    if (!live_.empty()) {
      const auto pick = static_cast<std::size_t>(random.Random() * static_cast<double>(live_.size()));
      return HeapOp::Free(live_[pick]);
    }
    // Nothing to free: malloc.py's loop goes round without an op.
  }
}

std::vector<HeapStep> HeapSession::RunRandom(PyRandom& random, std::int64_t num_ops, std::int64_t range,
                                             std::int64_t percent_alloc) {
  std::vector<HeapStep> steps;
  for (std::int64_t i = 0; i < num_ops; ++i) {
    const HeapOp op = DrawRandomOp(random, range, percent_alloc);
    steps.push_back(op.kind == HeapOp::Kind::kAlloc ? DoAlloc(op.value) : DoFree(op.value));
  }
  return steps;
}

void HeapSession::Record(HeapStep& step) const {
  if (!record_maps_) return;
  step.free_list = heap_->FreeList();
  step.blocks = heap_->Blocks();
  for (const Block& block : step.blocks) {
    const std::optional<std::int64_t> owner = block.free ? std::nullopt : OwnerOf(block.addr);
    const std::string* key = block.free ? nullptr : keys_.KeyAt(block.addr);
    step.owners.push_back(owner.value_or(-1));
    step.owner_keys.push_back(key != nullptr ? *key : std::string());
  }
}

void HeapSession::SayAlloc(const HeapStep& step) {
  if (!events_.on()) return;
  const auto t = static_cast<double>(ops_);
  const auto request = static_cast<std::uint64_t>(std::max<std::int64_t>(step.op.value, 0));
  const std::string owner = step.op.kind == HeapOp::Kind::kSet ? step.op.key : PointerName(step.ptr);
  if (step.alloc.ok()) {
    events_.Publish(t, events::MemAlloc{.owner = owner,
                                        .address = static_cast<std::uint64_t>(step.addr),
                                        .size = static_cast<std::uint64_t>(step.alloc.block_size),
                                        .request = request});
    return;
  }
  const HeapMetrics after = heap_->Metrics();
  events_.Publish(t, events::MemFailed{.owner = owner,
                                       .request = request,
                                       .reason = std::string(FailureReason(step.alloc.failure)),
                                       .free_bytes = static_cast<std::uint64_t>(after.free_bytes),
                                       .free_holes = static_cast<std::uint64_t>(after.free_blocks),
                                       .largest_hole = static_cast<std::uint64_t>(after.largest_free_block)});
}

void HeapSession::SayFree(const std::string& owner, std::int64_t addr, std::int64_t size) {
  if (!events_.on()) return;
  events_.Publish(static_cast<double>(ops_), events::MemFree{.owner = owner,
                                                             .address = static_cast<std::uint64_t>(addr),
                                                             .size = static_cast<std::uint64_t>(size)});
}

void HeapSession::SayCompact(const HeapStep& step) {
  if (!events_.on()) return;
  events_.Publish(static_cast<double>(ops_),
                  events::MemCompact{.moved_blocks = static_cast<std::uint64_t>(step.compaction.moves.size()),
                                     .moved_bytes = static_cast<std::uint64_t>(step.compaction.moved_bytes)});
}

std::optional<std::int64_t> HeapSession::OwnerOf(std::int64_t addr) const {
  auto it = owner_.find(addr);
  if (it == owner_.end()) return std::nullopt;
  return it->second;
}

}  // namespace osgrid::os
