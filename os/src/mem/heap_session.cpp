// HeapSession: numbered pointers over a heap, as OSTEP's malloc.py.
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

/// The digits after the sign of "+12" / "-3", or -1 if they are not a number.
std::int64_t ParseCount(const std::string& digits) {
  if (digits.empty() || digits.size() > 15) return -1;
  if (!std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) return -1;
  return std::stoll(digits);
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
    const std::string where = "op " + std::to_string(number) + " '" + item + "'";
    if (item == "C" || item == "c") {
      ops.push_back(HeapOp::Compact());
    } else if (!item.empty() && (item[0] == '+' || item[0] == '-')) {
      const std::int64_t value = ParseCount(item.substr(1));
      if (value < 0) return Fail(where + ": expected +SIZE, -PTR or C with a whole number");
      if (item[0] == '+' && value == 0) return Fail(where + ": an allocation must ask for at least 1 byte");
      ops.push_back(item[0] == '+' ? HeapOp::Alloc(value) : HeapOp::Free(value));
    } else {
      return Fail(where + ": expected +SIZE (allocate), -PTR (free ptr[PTR]) or C (compact)");
    }
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return ops;
}

std::string FormatHeapOps(const std::vector<HeapOp>& ops) {
  std::string text;
  for (const HeapOp& op : ops) {
    if (!text.empty()) text += ",";
    switch (op.kind) {
      case HeapOp::Kind::kAlloc:
        text += "+" + std::to_string(op.value);
        break;
      case HeapOp::Kind::kFree:
        text += "-" + std::to_string(op.value);
        break;
      case HeapOp::Kind::kCompact:
        text += "C";
        break;
    }
  }
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
    ++ops_;
    Record(step);
    return step;
  }
  const std::int64_t addr = given->second;
  const std::int64_t allocated_before = heap_->Metrics().allocated_bytes;
  if (heap_->Free(addr)) {
    step.addr = addr;
    step.freed_size = allocated_before - heap_->Metrics().allocated_bytes;
    auto owner = owner_.find(addr);
    SayFree(step, owner != owner_.end() ? owner->second : ptr);
    if (owner != owner_.end()) {
      live_.erase(std::remove(live_.begin(), live_.end(), owner->second), live_.end());
      owner_.erase(owner);
    }
  } else {
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
  // Live pointers follow their blocks; stale ones keep their old value.
  std::map<std::int64_t, std::int64_t> moved_owner = owner_;
  for (const Move& move : step.compaction.moves) moved_owner.erase(move.from);
  for (const Move& move : step.compaction.moves) {
    auto owner = owner_.find(move.from);
    if (owner == owner_.end()) continue;
    moved_owner[move.to] = owner->second;
    address_of_[owner->second] = move.to;
  }
  owner_ = std::move(moved_owner);
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
    step.owners.push_back(owner.value_or(-1));
  }
}

void HeapSession::SayAlloc(const HeapStep& step) {
  if (!events_.on()) return;
  const auto t = static_cast<double>(ops_);
  const auto request = static_cast<std::uint64_t>(std::max<std::int64_t>(step.op.value, 0));
  if (step.alloc.ok()) {
    events_.Publish(t, events::MemAlloc{.owner = PointerName(step.ptr),
                                        .address = static_cast<std::uint64_t>(step.addr),
                                        .size = static_cast<std::uint64_t>(step.alloc.block_size),
                                        .request = request});
    return;
  }
  const HeapMetrics after = heap_->Metrics();
  events_.Publish(t, events::MemFailed{.owner = PointerName(step.ptr),
                                       .request = request,
                                       .reason = std::string(FailureReason(step.alloc.failure)),
                                       .free_bytes = static_cast<std::uint64_t>(after.free_bytes),
                                       .free_holes = static_cast<std::uint64_t>(after.free_blocks),
                                       .largest_hole = static_cast<std::uint64_t>(after.largest_free_block)});
}

void HeapSession::SayFree(const HeapStep& step, std::int64_t owner) {
  if (!events_.on()) return;
  events_.Publish(static_cast<double>(ops_), events::MemFree{.owner = PointerName(owner),
                                                             .address = static_cast<std::uint64_t>(step.addr),
                                                             .size = static_cast<std::uint64_t>(step.freed_size)});
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
