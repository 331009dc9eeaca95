// `osgrid sim mem`: free-space management on a contiguous heap, with the
// flags of OSTEP's vm-freespace/malloc.py (-s -S -b -H -a -p -l -C -n -r -P
// -A -c), plus next fit, the buddy system, compaction, an indexed allocator
// and keys (-A "KEY=N,-KEY": a live peer's memory store, replayed). The
// algorithms are os/mem (FreeListHeap, IndexedHeap, BuddyAllocator, driven by
// a HeapSession, whose keys are a KeyedHeap); docs/sim/mem.md is the manual.
//
// For what malloc.py can express (FIRST, BEST or WORST fit; an -A list or a
// seed), the text is malloc.py's, byte for byte, and a seed draws malloc.py's
// ops (os::PyRandom). The one exception is malloc.py's bug with -A lists: it
// skips (or crashes on) some frees after a failed Alloc; osgrid frees every
// pointer that was returned. osgrid's additions (failed allocations and why,
// a summary, a memory map) follow malloc.py's last line, unless --ostep.
//
// Nothing is built whole: every op is printed (or written as JSON) as the
// session applies it, so memory grows with the live blocks and pointers, not
// with the length of the output.
#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "../topic.h"
#include "mem_view.h"
#include "osgrid/os/mem/buddy.h"
#include "osgrid/os/mem/free_list.h"
#include "osgrid/os/mem/heap_session.h"
#include "osgrid/os/py_random.h"

namespace osgrid::sim {
namespace {

namespace os = osgrid::os;

constexpr std::int64_t kMaxOps = 1'000'000;
/// Programs of up to this many steps get one SVG row per step.
constexpr std::int64_t kMaxSvgRows = 40;

/// The command's own options (the common -c, -s, --json, --svg, --ostep come from sim.cpp).
struct MemArgs {
  std::int64_t size = 100;         // -S
  std::int64_t base = 1000;        // -b
  std::int64_t header = 0;         // -H
  std::int64_t alignment = -1;     // -a
  std::string policy = "BEST";     // -p
  std::string order = "ADDRSORT";  // -l
  bool coalesce = false;           // -C
  std::int64_t num_ops = 10;       // -n
  std::int64_t range = 10;         // -r
  std::int64_t percent = 50;       // -P
  std::string ops;                 // -A
  std::optional<std::int64_t> compact_at;
  bool indexed = false;
};

/// The problem as parsed and checked.
struct Problem {
  MemArgs args;  // policy and order in upper case
  bool buddy = false;
  os::HeapConfig config;  // FIRST, BEST, WORST, NEXT
  os::BuddyConfig buddy_config;
  bool random = true;           // no -A list: ops drawn from the seed
  std::vector<os::HeapOp> ops;  // the -A list
  bool keyed = false;           // the -A list sets or deletes keys
  std::int64_t seed = 0;
};

/// Why an Alloc or a set failed, for osgrid's note after malloc.py's lines.
struct Failure {
  std::int64_t ptr = 0, size = 0, need = 0;
  os::AllocFailure why = os::AllocFailure::kNone;
  std::int64_t free_bytes = 0, largest = 0;
  std::string key;     // a set's key ("" for an Alloc)
  std::string reason;  // a set: os::DescribeAllocFailure's words, as the peer's memory store gives them
};

/// The failure of `step` (an Alloc or a set that failed) on `heap` just after it.
Failure FailureOf(const os::HeapStep& step, const os::HeapAllocator& heap) {
  const os::HeapMetrics m = heap.Metrics();
  Failure failure{step.ptr,     step.op.value,        step.alloc.block_size, step.alloc.failure,
                  m.free_bytes, m.largest_free_block, step.op.key,           ""};
  if (step.op.kind == os::HeapOp::Kind::kSet) failure.reason = os::DescribeAllocFailure(step.alloc, m);
  return failure;
}

/// Blocks `step` gave back: a free or delete that freed one, an overwrite's old block.
std::int64_t BlocksFreed(const os::HeapStep& step) {
  const bool freed =
      (step.op.kind == os::HeapOp::Kind::kFree || step.op.kind == os::HeapOp::Kind::kDelete) && step.returned == 0;
  return (freed ? 1 : 0) + (step.old_block ? 1 : 0);
}

/// A fresh heap for the problem. Prepare() made one already, so this cannot fail.
std::unique_ptr<os::HeapAllocator> NewHeap(const Problem& p) {
  if (p.buddy) return std::make_unique<os::BuddyAllocator>(*os::BuddyAllocator::Create(p.buddy_config));
  return std::move(os::MakeHeap(p.config, p.args.indexed).value());
}

class MemSimulation : public Simulation {
 public:
  MemSimulation(Problem problem, const CommonOptions& common) : p_(std::move(problem)), common_(common) {}

  void WriteText(TextOut& out) const override;
  void WriteJson(JsonOut& json) const override;
  std::string Svg() const override;
  void WriteEvents(const os::events::EventSink& sink) const override;

 private:
  /// The number of steps the program makes: its ops, and the compaction of --compact-at.
  std::int64_t Steps() const {
    return (p_.random ? p_.args.num_ops : static_cast<std::int64_t>(p_.ops.size())) + (p_.args.compact_at ? 1 : 0);
  }
  /// Runs the program on `session`, calling on_step(step) after every op.
  template <typename OnStep>
  void Run(os::HeapSession& session, OnStep&& on_step) const;
  void WriteArguments(TextOut& out) const;
  void WriteStep(TextOut& out, const os::HeapStep& step, const os::HeapSession& session,
                 std::vector<os::FreeChunk>& list) const;
  void WriteAllocResult(TextOut& out, const os::HeapStep& step) const;
  void WriteSet(TextOut& out, const os::HeapStep& step) const;
  void WriteDelete(TextOut& out, const os::HeapStep& step) const;
  void WriteAdditions(TextOut& out, const os::HeapSession& session, const std::vector<Failure>& failures,
                      std::int64_t frees) const;
  /// What malloc.py prints as an Alloc's result: the block's start for -A
  /// lists; for random programs the address after the header (start +
  /// header, so header - 1 when the Alloc failed).
  std::int64_t Returned(const os::HeapStep& step) const { return step.addr + (p_.random ? p_.args.header : 0); }

  Problem p_;
  CommonOptions common_;
};

template <typename OnStep>
void MemSimulation::Run(os::HeapSession& session, OnStep&& on_step) const {
  const auto apply = [&](const os::HeapOp& op) {
    os::Expected<os::HeapStep> step = session.Apply(op);  // only compaction can fail, and only BUDDY's, refused before
    on_step(*step);
  };
  const std::optional<std::int64_t>& compact_at = p_.args.compact_at;
  if (!p_.random) {
    for (std::size_t i = 0; i < p_.ops.size(); ++i) {
      apply(p_.ops[i]);
      if (compact_at && *compact_at == static_cast<std::int64_t>(i)) apply(os::HeapOp::Compact());
    }
    return;
  }
  os::PyRandom random(p_.seed);
  for (std::int64_t i = 0; i < p_.args.num_ops; ++i) {
    apply(session.DrawRandomOp(random, p_.args.range, p_.args.percent));
    if (compact_at && *compact_at == i) apply(os::HeapOp::Compact());
  }
}

const char* PyBool(bool value) { return value ? "True" : "False"; }

/// "[ addr:1000 sz:3 ][ addr:1003 sz:97 ]": malloc.py's free list. It is
/// most of the output, so the digits are appended directly rather than by
/// formatting a pattern for every element.
void WriteChunks(TextOut& out, const std::vector<os::FreeChunk>& list) {
  char element[64];  // "[ addr:" 20 digits " sz:" 20 digits " ]"
  const auto append = [](char* at, std::string_view text) { return std::copy(text.begin(), text.end(), at); };
  for (const os::FreeChunk& chunk : list) {
    const fmt::format_int addr(chunk.addr), size(chunk.size);
    char* end = append(element, "[ addr:");
    end = append(end, {addr.data(), addr.size()});
    end = append(end, " sz:");
    end = append(end, {size.data(), size.size()});
    end = append(end, " ]");
    out.Write({element, static_cast<std::size_t>(end - element)});
  }
}

/// malloc.py's argument lines (for BUDDY, without the free list's -l and -C).
void MemSimulation::WriteArguments(TextOut& out) const {
  const MemArgs& a = p_.args;
  out.Print("seed {}\nsize {}\nbaseAddr {}\nheaderSize {}\nalignment {}\npolicy {}\n", p_.seed, a.size, a.base,
            a.header, a.alignment, a.policy);
  if (!p_.buddy) out.Print("listOrder {}\ncoalesce {}\n", a.order, PyBool(a.coalesce));
  out.Print("numOps {}\nrange {}\npercentAlloc {}\nallocList {}\n", a.num_ops, a.range, a.percent, a.ops);
  if (a.indexed) out.Write("indexed True\n");
  out.Print("compute {}\n\n", PyBool(common_.solve));
}

/// One op as malloc.py prints it (and osgrid's compaction and buddy details).
void MemSimulation::WriteStep(TextOut& out, const os::HeapStep& step, const os::HeapSession& session,
                              std::vector<os::FreeChunk>& list) const {
  const bool solve = common_.solve;
  switch (step.op.kind) {
    case os::HeapOp::Kind::kAlloc:
      out.Print("ptr[{}] = Alloc({}) returned ", step.ptr, step.op.value);
      WriteAllocResult(out, step);
      break;
    case os::HeapOp::Kind::kSet:
      WriteSet(out, step);
      break;
    case os::HeapOp::Kind::kDelete:
      WriteDelete(out, step);
      break;
    case os::HeapOp::Kind::kFree:
      if (step.skipped) {  // ptr[K] was never returned: malloc.py prints this line only, no list
        out.Write("Invalid Free: Skipping\n");
        return;
      }
      out.Print("Free(ptr[{}])\n", step.ptr);
      if (solve) {
        out.Print("returned {}\n", step.returned);
      } else {
        out.Write("returned ?\n");
      }
      break;
    case os::HeapOp::Kind::kCompact:
      out.Write("Compact()\n");
      if (!solve) {
        out.Write("moved ?\n");
        break;
      }
      out.Print("moved {} bytes", step.compaction.moved_bytes);
      for (std::size_t i = 0; i < step.compaction.moves.size(); ++i) {
        const os::Move& move = step.compaction.moves[i];
        out.Print("{}{}->{}", i == 0 ? ": " : ", ", move.from, move.to);
      }
      out.Put('\n');
      break;
  }
  if (!solve) {
    out.Write(p_.random ? "List? \n\n" : "List?\n\n");  // sic: malloc.py's random programs add a space
    return;
  }
  session.heap().CopyFreeList(list);
  out.Print("Free List [ Size {} ]: ", list.size());
  WriteChunks(out, list);
  out.Write("\n\n");
}

/// What an Alloc (or a set) returned, after "returned ": malloc.py's answer
/// (and the buddy system's details), or "?" without -c.
void MemSimulation::WriteAllocResult(TextOut& out, const os::HeapStep& step) const {
  if (!common_.solve) {
    out.Write("?\n");
  } else if (!p_.buddy) {
    out.Print("{} (searched {} elements)\n", Returned(step), step.alloc.searched);
  } else if (step.alloc.ok()) {
    out.Print("{} (searched {} free lists; {}-byte block, {} splits)\n", Returned(step), step.alloc.searched,
              step.alloc.block_size, step.alloc.splits);
  } else {
    out.Print("{} (searched {} free lists)\n", Returned(step), step.alloc.searched);
  }
}

/// "user:1=200 returned 456 (searched 1 elements)", and for an overwrite
/// "  (freed old block at 0, 136 bytes)": the old block goes only after the
/// new one was placed.
void MemSimulation::WriteSet(TextOut& out, const os::HeapStep& step) const {
  out.Print("{}={} returned ", step.op.key, step.op.value);
  WriteAllocResult(out, step);
  if (common_.solve && step.old_block) {
    out.Print("  (freed old block at {}, {} bytes)\n", step.old_block->addr, step.old_block->size);
  }
}

/// "-cart returned 0"; a key with no block: "-cart returned -1 (no such key: skipped)".
void MemSimulation::WriteDelete(TextOut& out, const os::HeapStep& step) const {
  out.Print("-{} returned ", step.op.key);
  if (!common_.solve) {
    out.Write("?\n");
  } else if (step.skipped) {
    out.Write("-1 (no such key: skipped)\n");
  } else {
    out.Print("{}\n", step.returned);
  }
}

void MemSimulation::WriteAdditions(TextOut& out, const os::HeapSession& session, const std::vector<Failure>& failures,
                                   std::int64_t frees) const {
  if (!common_.solve) {
    out.Write(
        "Compute the address each Alloc returns (-1 if it fails), the number of free-list\n"
        "elements searched, the value each Free returns, and the free list after each op.\n");
    if (p_.keyed) {
      out.Write(
          "A set KEY=N returns what an Alloc would, then frees KEY's old block (if any);\n"
          "-KEY returns 0, or -1 if KEY has no block.\n");
    }
    if (p_.random && p_.args.header != 0) {
      out.Print(
          "(In random programs, as in malloc.py, Alloc returns the address after the {}-byte header,\n"
          "and {} when it fails.)\n",
          p_.args.header, p_.args.header - 1);
    }
    return;
  }
  if (!failures.empty()) {
    out.Write("Failed allocations (osgrid):\n");
    for (const Failure& f : failures) {
      if (!f.key.empty()) {  // a set: worded as the peer's memory store words it
        out.Print("  {}={}: {}\n", f.key, f.size, f.reason);
        continue;
      }
      out.Print("  ptr[{}] = Alloc({}): ", f.ptr, f.size);
      if (f.why == os::AllocFailure::kFragmentation) {
        out.Print("external fragmentation (the block needs {} bytes, {} are free, the largest free block has {})\n",
                  f.need, f.free_bytes, f.largest);
      } else {
        out.Print("no space (the block needs {} bytes, {} are free)\n", f.need, f.free_bytes);
      }
    }
    out.Put('\n');
  }
  WriteMemSummary(out, session.heap().Metrics(), frees, p_.buddy);
  WriteMemMap(out, MapOf(session), p_.args.base, p_.args.size);
}

void MemSimulation::WriteText(TextOut& out) const {
  WriteArguments(out);
  os::HeapSession session(NewHeap(p_));
  session.set_record_maps(false);
  std::vector<os::FreeChunk> list;  // reused for every op's free list
  std::vector<Failure> failures;
  std::int64_t frees = 0;
  const bool additions = !common_.ostep;
  Run(session, [&](const os::HeapStep& step) {
    WriteStep(out, step, session, list);
    if (!additions) return;
    frees += BlocksFreed(step);
    const bool allocates = step.op.kind == os::HeapOp::Kind::kAlloc || step.op.kind == os::HeapOp::Kind::kSet;
    if (allocates && !step.alloc.ok() && common_.solve) failures.push_back(FailureOf(step, session.heap()));
  });
  if (additions) WriteAdditions(out, session, failures, frees);
}

void WriteChunks(JsonOut& json, const std::vector<os::FreeChunk>& list) {
  json.BeginArray();
  for (const os::FreeChunk& chunk : list) {
    json.BeginObject();
    json.Field("addr", chunk.addr);
    json.Field("size", chunk.size);
    json.EndObject();
  }
  json.EndArray();
}

/// An Alloc's or a set's answer: from "size" (bytes asked for) to "splits" (BUDDY only).
void WriteAllocJson(JsonOut& json, const os::HeapStep& step, std::int64_t returned, bool buddy) {
  json.Field("size", step.op.value);
  json.Field("addr", step.addr);
  json.Field("returned", returned);
  json.Field("searched", step.alloc.searched);
  json.Field("block_size", step.alloc.block_size);
  json.Key("failure");
  if (step.alloc.ok()) {
    json.Null();
  } else {
    json.String(os::AllocFailureName(step.alloc.failure));
  }
  if (buddy) json.Field("splits", step.alloc.splits);
}

/// A free's or a delete's answer: from "size" (bytes freed) to "searched".
void WriteFreeJson(JsonOut& json, const os::HeapStep& step) {
  json.Field("size", step.freed_size);
  json.Field("addr", step.addr);
  json.Field("returned", step.returned);
  json.Field("skipped", step.skipped);
  json.Field("searched", 0);
}

/// A set's "old_block": the key's previous block, freed after the new one was placed; null if none.
void WriteOldBlockJson(JsonOut& json, const os::HeapStep& step) {
  json.Key("old_block");
  if (!step.old_block) {
    json.Null();
    return;
  }
  json.BeginObject();
  json.Field("addr", step.old_block->addr);
  json.Field("size", step.old_block->size);
  json.EndObject();
}

void WriteCompactJson(JsonOut& json, const os::HeapStep& step) {
  json.Field("moved_bytes", step.compaction.moved_bytes);
  json.Key("moves");
  json.BeginArray();
  for (const os::Move& move : step.compaction.moves) {
    json.BeginObject();
    json.Field("from", move.from);
    json.Field("to", move.to);
    json.Field("size", move.size);
    json.EndObject();
  }
  json.EndArray();
}

/// One op's object, left open for its "free_list" (docs/sim-json.md).
void WriteStepJson(JsonOut& json, const os::HeapStep& step, std::int64_t returned, bool buddy) {
  json.BeginObject();
  switch (step.op.kind) {
    case os::HeapOp::Kind::kAlloc:
      json.Field("op", "alloc");
      json.Field("ptr", step.ptr);
      WriteAllocJson(json, step, returned, buddy);
      break;
    case os::HeapOp::Kind::kFree:
      json.Field("op", "free");
      json.Field("ptr", step.ptr);
      WriteFreeJson(json, step);
      break;
    case os::HeapOp::Kind::kCompact:
      json.Field("op", "compact");
      WriteCompactJson(json, step);
      break;
    case os::HeapOp::Kind::kSet:
      json.Field("op", "set");
      json.Field("key", step.op.key);
      WriteAllocJson(json, step, returned, buddy);
      WriteOldBlockJson(json, step);
      break;
    case os::HeapOp::Kind::kDelete:
      json.Field("op", "delete");
      json.Field("key", step.op.key);
      WriteFreeJson(json, step);
      break;
  }
}

void MemSimulation::WriteJson(JsonOut& json) const {
  const MemArgs& a = p_.args;
  json.BeginObject();
  json.Field("policy", a.policy);
  json.Key("list_order");
  if (p_.buddy) {
    json.Null();
  } else {
    json.String(a.order);
  }
  json.Field("coalesce", p_.buddy || a.coalesce);
  json.Field("indexed", a.indexed);
  json.Key("heap");
  json.BeginObject();
  json.Field("base", a.base);
  json.Field("size", a.size);
  json.Field("header_size", a.header);
  json.Field("alignment", a.alignment);
  json.EndObject();
  json.Key("seed");
  if (p_.random) {
    json.Int(p_.seed);
  } else {
    json.Null();
  }
  json.Key("ops");
  json.BeginArray();
  os::HeapSession session(NewHeap(p_));
  session.set_record_maps(false);
  std::vector<os::FreeChunk> list;
  std::string alloc_list;
  Run(session, [&](const os::HeapStep& step) {
    WriteStepJson(json, step, Returned(step), p_.buddy);
    json.Key("free_list");
    session.heap().CopyFreeList(list);
    WriteChunks(json, list);
    json.EndObject();
    os::AppendHeapOp(alloc_list, step.op);
  });
  json.EndArray();
  json.Field("alloc_list", alloc_list);
  const os::HeapMetrics m = session.heap().Metrics();
  json.Field("external_fragmentation", m.external_fragmentation);
  json.Field("internal_fragmentation", m.internal_fragmentation);
  json.Field("alignment_padding", m.alignment_padding);
  json.Field("header_bytes", m.header_bytes);
  json.Field("failed", m.failed_requests);
  json.Field("failed_fragmentation", m.failed_fragmentation);
  json.Field("largest_free_block", m.largest_free_block);
  json.Field("free_bytes", m.free_bytes);
  json.Field("allocated_bytes", m.allocated_bytes);
  json.Field("free_blocks", m.free_blocks);
  json.Field("searched_total", m.searched);
  json.Key("blocks");
  json.BeginArray();
  for (const MapBlock& block : MapOf(session)) {
    json.BeginObject();
    json.Field("addr", block.addr);
    json.Field("size", block.size);
    json.Field("free", block.free);
    json.Key("ptr");
    if (block.free || block.ptr < 0) {
      json.Null();
    } else {
      json.Int(block.ptr);
    }
    if (!block.key.empty()) json.Field("key", block.key);
    if (!block.free) json.Field("requested", block.requested);
    json.EndObject();
  }
  json.EndArray();
  json.EndObject();
}

void MemSimulation::WriteEvents(const os::events::EventSink& sink) const {
  os::HeapSession session(NewHeap(p_));
  session.set_record_maps(false);
  session.set_event_sink(sink);
  Run(session, [](const os::HeapStep&) {});
}

std::string StepLabel(const os::HeapStep& step) {
  switch (step.op.kind) {
    case os::HeapOp::Kind::kAlloc:
      return fmt::format("ptr[{}]=Alloc({}) {}", step.ptr, step.op.value,
                         step.addr < 0 ? std::string("fails") : "@" + std::to_string(step.addr));
    case os::HeapOp::Kind::kFree:
      return fmt::format("Free(ptr[{}]){}", step.ptr, step.returned == 0 ? "" : " -> -1");
    case os::HeapOp::Kind::kCompact:
      return "Compact()";
    case os::HeapOp::Kind::kSet:
      return fmt::format("{}={} {}", step.op.key, step.op.value,
                         step.addr < 0 ? std::string("fails") : "@" + std::to_string(step.addr));
    case os::HeapOp::Kind::kDelete:
      return fmt::format("-{}{}", step.op.key, step.returned == 0 ? "" : " -> -1");
  }
  return "";
}

std::string MemSimulation::Svg() const {
  os::HeapSession session(NewHeap(p_));
  session.set_record_maps(false);
  std::vector<MemSvgRow> rows;
  const bool every_step = Steps() <= kMaxSvgRows;
  Run(session, [&](const os::HeapStep& step) {
    if (every_step) rows.push_back({StepLabel(step), MapOf(session)});
  });
  rows.push_back({"end", MapOf(session)});
  const MemArgs& a = p_.args;
  const std::string title =
      fmt::format("Heap {}..{}: {}{}", a.base, a.base + a.size, a.policy,
                  p_.buddy ? std::string(" system") : " fit, " + a.order + (a.coalesce ? ", coalescing" : ""));
  return MemSvg(title, a.base, a.size, rows);
}

// ---- Input -------------------------------------------------------------------------

Result<Problem> BuildProblem(MemArgs args, const CommonOptions& common) {
  Problem p;
  args.policy = Upper(args.policy);
  args.order = Upper(args.order);
  p.seed = common.seed.value_or(0);
  p.buddy = args.policy == "BUDDY";
  if (p.buddy) {
    p.buddy_config = {args.base, args.size, args.alignment > 0 ? args.alignment : 1, args.header};
    auto buddy = os::BuddyAllocator::Create(p.buddy_config);
    if (!buddy.ok()) return BadInput("-S/-a/-b/-H: " + buddy.error().message);
  } else {
    auto fit = os::ParseFitPolicy(args.policy);
    if (!fit.ok()) {
      return BadInput("-p/--policy: unknown policy '" + args.policy + "' (expected FIRST, BEST, WORST, NEXT or BUDDY)");
    }
    auto order = os::ParseListOrder(args.order);
    if (!order.ok()) return BadInput("-l/--listOrder: " + order.error().message);
    p.config.base = args.base;
    p.config.size = args.size;
    p.config.header_size = args.header;
    p.config.alignment = args.alignment;
    p.config.policy = *fit;
    p.config.list_order = *order;
    p.config.coalesce = args.coalesce;
    auto heap = os::MakeHeap(p.config, args.indexed);
    if (!heap.ok()) return BadInput(heap.error().message);
  }
  p.random = args.ops.empty();
  if (!p.random) {
    auto ops = os::ParseHeapOps(args.ops);
    if (!ops.ok()) return BadInput("-A/--allocList: " + ops.error().message);
    p.ops = std::move(ops).value();
    p.keyed = std::any_of(p.ops.begin(), p.ops.end(), [](const os::HeapOp& op) {
      return op.kind == os::HeapOp::Kind::kSet || op.kind == os::HeapOp::Kind::kDelete;
    });
    if (static_cast<std::int64_t>(p.ops.size()) > kMaxOps) return BadInput("-A/--allocList: more than 1,000,000 ops");
  }
  // -n, -r and -P are printed (as malloc.py does) even with -A, so they are checked either way.
  if (args.num_ops < 0 || args.num_ops > kMaxOps) {
    return BadInput("-n/--numOps: must be between 0 and 1,000,000, got " + std::to_string(args.num_ops));
  }
  if (args.range < 0 || args.range > (std::int64_t{1} << 40)) {
    return BadInput("-r/--range: the largest request must be between 0 and 2^40 bytes, got " +
                    std::to_string(args.range));
  }
  if (args.percent < 1 || args.percent > 1'000'000) {
    return BadInput("-P/--percentAlloc: must be at least 1 (100 or more: every op allocates), got " +
                    std::to_string(args.percent));
  }
  const std::int64_t total = p.random ? args.num_ops : static_cast<std::int64_t>(p.ops.size());
  if (args.compact_at && (*args.compact_at < 0 || *args.compact_at >= total)) {
    return BadInput("--compact-at: op " + std::to_string(*args.compact_at) + " does not exist (ops are numbered 0.." +
                    std::to_string(total - 1) + ")");
  }
  const bool compacts = args.compact_at.has_value() ||
                        std::any_of(p.ops.begin(), p.ops.end(),
                                    [](const os::HeapOp& op) { return op.kind == os::HeapOp::Kind::kCompact; });
  if (p.buddy && compacts) {
    return BadInput(
        "C/--compact-at: the buddy system cannot compact: every block must stay at an address aligned "
        "to its size");
  }
  p.args = std::move(args);
  return p;
}

Prepared Prepare(const MemArgs& args, const CommonOptions& common) {
  Result<Problem> problem = BuildProblem(args, common);
  if (!problem.ok()) return problem.status();
  return std::unique_ptr<Simulation>(new MemSimulation(std::move(*problem), common));
}

}  // namespace

Topic MemTopic() {
  Topic topic;
  topic.name = "mem";
  topic.ostep_simulator = "vm-freespace/malloc.py";
  topic.time_unit = "op";
  topic.summary = "Free-space management: first/best/worst/next fit, coalescing, compaction, buddy (malloc.py)";
  topic.policy_flag = "-p";
  topic.add = [](CLI::App& command) -> Runner {
    auto o = std::make_shared<MemArgs>();
    command.add_option("-S,--size", o->size, "Size of the heap in bytes (BUDDY: a power of two)")
        ->capture_default_str();
    command.add_option("-b,--baseAddr,--base", o->base, "Address of the heap's first byte")->capture_default_str();
    command.add_option("-H,--headerSize,--header", o->header, "Header bytes added to every block")
        ->capture_default_str();
    command
        .add_option("-a,--alignment", o->alignment,
                    "Round requests up to a multiple of this; -1 = none (BUDDY: the smallest block)")
        ->capture_default_str();
    command.add_option("-p,--policy", o->policy, "BEST, WORST, FIRST, NEXT or BUDDY")->capture_default_str();
    command
        .add_option("-l,--listOrder,--list-order", o->order,
                    "Free list order: ADDRSORT, SIZESORT+, SIZESORT-, INSERT-FRONT, INSERT-BACK")
        ->capture_default_str();
    command.add_flag("-C,--coalesce", o->coalesce, "Coalesce adjacent free blocks on free");
    command.add_option("-n,--numOps,--num-ops", o->num_ops, "Number of random ops to generate")->capture_default_str();
    command.add_option("-r,--range", o->range, "Largest random request, in bytes")->capture_default_str();
    command.add_option("-P,--percentAlloc,--percent-alloc", o->percent, "Percent of random ops that allocate")
        ->capture_default_str();
    command
        .add_option("-A,--allocList,--ops", o->ops,
                    "Ops instead of random ones: +N allocates N bytes, -K frees ptr[K], C compacts; "
                    "KEY=N sets KEY to a block of N bytes (a new block first, then the old one is freed), "
                    "-KEY deletes it (a live peer's SET and DEL)")
        ->type_name("LIST");
    command.add_option("--compact-at", o->compact_at, "Compact the heap after op K (0-based)")->type_name("K");
    command.add_flag("--indexed", o->indexed,
                     "Use the O(log n) indexed allocator (ADDRSORT only) instead of the linear free list");
    command.footer(
        "Examples:\n"
        "  osgrid sim mem -n 10 -H 0 -p BEST -s 0 -c          (OSTEP ch. 17 homework)\n"
        "  osgrid sim mem -S 100 -b 1000 -H 4 -a 4 -p BEST -l ADDRSORT -C -A +10,+20,-0 -c\n"
        "  osgrid sim mem -S 64 -b 0 -p BUDDY -A +21,+7,-0,-1 -c\n"
        "  osgrid sim mem -S 4096 -b 0 -H 24 -a 8 -C -p FIRST -A user:1=120,cart=300,user:1=200,-cart -c\n"
        "Manual: docs/sim/mem.md");
    return [o](const CommonOptions& common) { return Prepare(*o, common); };
  };
  topic.summarize = MemSummary;
  topic.brief = MemBrief;
  return topic;
}

}  // namespace osgrid::sim
