// `osgrid sim mem`: free-space management on a contiguous heap, as OSTEP's
// vm-freespace/malloc.py (same flags, same answers for -A lists), plus next
// fit, the buddy system, compaction and an indexed allocator. The
// algorithms are os/mem; this file reads the flags, runs a HeapSession and
// prints it. docs/sim/mem.md is the manual.
#include <memory>

#include "../sim.h"
#include "mem_view.h"
#include "osgrid/os/mem/buddy.h"
#include "osgrid/os/mem/free_list.h"
#include "osgrid/os/mem/heap_session.h"

namespace osgrid::cli::sim {
namespace {

namespace os = osgrid::os;

/// Above this many ops the free list and map of every step are not kept.
constexpr std::int64_t kMaxRecordedOps = 1000;
constexpr std::int64_t kMaxOps = 1'000'000;

struct MemOptions {
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

/// The heap the options describe, or BAD_REQUEST naming the flag.
Result<std::unique_ptr<os::HeapAllocator>> MakeAllocator(const MemOptions& o, const std::string& policy) {
  if (policy == "BUDDY") {
    os::BuddyConfig config{o.base, o.size, o.alignment > 0 ? o.alignment : 1, o.header};
    auto buddy = os::BuddyAllocator::Create(config);
    if (!buddy.ok()) return BadInput("-S/-a/-b/-H: " + buddy.error().message);
    return std::unique_ptr<os::HeapAllocator>(std::make_unique<os::BuddyAllocator>(std::move(buddy).value()));
  }
  auto fit = os::ParseFitPolicy(policy);
  if (!fit.ok()) {
    return BadInput("-p/--policy: unknown policy '" + o.policy + "' (expected FIRST, BEST, WORST, NEXT or BUDDY)");
  }
  auto order = os::ParseListOrder(Upper(o.order));
  if (!order.ok()) return BadInput("-l/--listOrder: " + order.error().message);
  os::HeapConfig config;
  config.base = o.base;
  config.size = o.size;
  config.header_size = o.header;
  config.alignment = o.alignment;
  config.policy = *fit;
  config.list_order = *order;
  config.coalesce = o.coalesce;
  auto heap = os::MakeHeap(config, o.indexed);
  if (!heap.ok()) return BadInput(heap.error().message);
  return std::move(heap).value();
}

Status CheckRandomOptions(const MemOptions& o) {
  if (o.num_ops < 0 || o.num_ops > kMaxOps) {
    return BadInput("-n/--numOps: must be between 0 and 1,000,000, got " + std::to_string(o.num_ops));
  }
  if (o.range < 1 || o.range > (std::int64_t{1} << 40)) {
    return BadInput("-r/--range: the largest request must be >= 1, got " + std::to_string(o.range));
  }
  if (o.percent < 1 || o.percent > 100) {
    return BadInput("-P/--percentAlloc: must be between 1 and 100, got " + std::to_string(o.percent));
  }
  return Status::Ok();
}

/// Runs the program: the -A list, or random ops from the seed; with
/// --compact-at K a compaction follows op K.
Result<std::vector<os::HeapStep>> RunProgram(const MemOptions& o, const CommonOptions& common,
                                             os::HeapSession& session) {
  const bool explicit_ops = !o.ops.empty();
  std::vector<os::HeapOp> ops;
  if (explicit_ops) {
    auto parsed = os::ParseHeapOps(o.ops);
    if (!parsed.ok()) return BadInput("-A/--allocList: " + parsed.error().message);
    ops = std::move(parsed).value();
    if (static_cast<std::int64_t>(ops.size()) > kMaxOps) return BadInput("-A/--allocList: more than 1,000,000 ops");
  } else {
    Status ok = CheckRandomOptions(o);
    if (!ok.ok()) return ok;
  }
  const std::int64_t total = explicit_ops ? static_cast<std::int64_t>(ops.size()) : o.num_ops;
  if (o.compact_at && (*o.compact_at < 0 || *o.compact_at >= total)) {
    return BadInput("--compact-at: op " + std::to_string(*o.compact_at) + " does not exist (ops are numbered 0.." +
                    std::to_string(total - 1) + ")");
  }
  session.set_record_maps(total <= kMaxRecordedOps);
  std::vector<os::HeapStep> steps;
  auto compact = [&]() -> Status {
    auto step = session.Apply(os::HeapOp::Compact());
    if (!step.ok()) return BadInput("--compact-at: " + step.error().message);
    steps.push_back(std::move(step).value());
    return Status::Ok();
  };
  if (explicit_ops) {
    for (std::size_t i = 0; i < ops.size(); ++i) {
      auto step = session.Apply(ops[i]);
      if (!step.ok()) return BadInput("-A/--allocList: op " + std::to_string(i) + ": " + step.error().message);
      steps.push_back(std::move(step).value());
      if (o.compact_at && *o.compact_at == static_cast<std::int64_t>(i)) {
        Status ok = compact();
        if (!ok.ok()) return ok;
      }
    }
    return steps;
  }
  os::Rng rng(common.seed.value_or(0));
  const std::int64_t first = o.compact_at ? *o.compact_at + 1 : o.num_ops;
  for (os::HeapStep& step : session.RunRandom(rng, first, o.range, o.percent)) steps.push_back(std::move(step));
  if (o.compact_at) {
    Status ok = compact();
    if (!ok.ok()) return ok;
    for (os::HeapStep& step : session.RunRandom(rng, o.num_ops - first, o.range, o.percent)) {
      steps.push_back(std::move(step));
    }
  }
  return steps;
}

Outcome Run(const MemOptions& options, const CommonOptions& common) {
  MemOptions o = options;
  o.policy = Upper(o.policy);
  auto heap = MakeAllocator(o, o.policy);
  if (!heap.ok()) return heap.status();
  os::HeapSession session(std::move(heap).value());
  auto steps = RunProgram(o, common, session);
  if (!steps.ok()) return steps.status();

  MemRun run;
  run.policy = o.policy;
  run.list_order = o.policy == "BUDDY" ? "" : Upper(o.order);
  run.coalesce = o.policy == "BUDDY" ? true : o.coalesce;
  run.indexed = o.indexed;
  run.base = o.base;
  run.size = o.size;
  run.header = o.header;
  run.alignment = o.alignment;
  run.seed = o.ops.empty() ? std::optional<std::uint64_t>(common.seed.value_or(0)) : std::nullopt;
  run.num_ops = o.num_ops;
  run.range = o.range;
  run.percent = o.percent;
  run.steps = std::move(steps).value();
  run.metrics = session.heap().Metrics();
  run.blocks = session.heap().Blocks();
  for (const os::Block& block : run.blocks) {
    run.owners.push_back(block.free ? -1 : session.OwnerOf(block.addr).value_or(-1));
  }

  Output output;
  output.json = MemJson(run);
  output.text = MemText(run, common.solve);
  output.svg = MemSvg(run);
  return output;
}

}  // namespace

Topic MemTopic() {
  Topic topic;
  topic.name = "mem";
  topic.summary = "Free-space management: first/best/worst/next fit, coalescing, compaction, buddy (malloc.py)";
  topic.policy_flag = "-p";
  topic.add = [](CLI::App& command) -> Runner {
    auto o = std::make_shared<MemOptions>();
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
                    "Ops instead of random ones: +N allocates N bytes, -K frees ptr[K], C compacts")
        ->type_name("LIST");
    command.add_option("--compact-at", o->compact_at, "Compact the heap after op K (0-based)")->type_name("K");
    command.add_flag("--indexed", o->indexed,
                     "Use the O(log n) indexed allocator (ADDRSORT only) instead of the linear free list");
    command.footer(
        "Examples:\n"
        "  osgrid sim mem -n 10 -H 0 -p BEST -s 0 -c          (OSTEP ch. 17 homework)\n"
        "  osgrid sim mem -S 100 -b 1000 -H 4 -a 4 -p BEST -l ADDRSORT -C -A +10,+20,-0 -c\n"
        "  osgrid sim mem -S 64 -b 0 -p BUDDY -A +21,+7,-0,-1 -c\n"
        "Manual: docs/sim/mem.md");
    return [o](const CommonOptions& common) { return Stored(Run(*o, common)); };
  };
  topic.summarize = MemSummary;
  topic.brief = MemBrief;
  return topic;
}

}  // namespace osgrid::cli::sim
