// Lab 02: free-space management. Students write a free-list allocator with
// first, best, worst and next fit, splitting and coalescing
// (labs/02-free-space/README.md); the cases are op sequences run on os/'s
// own FreeListHeap (address-sorted list, coalescing on), recorded with the
// answers it gave: each malloc's address and search count, each free's
// return, and the free list after every op.
//
// Source: OSTEP ch. 17 "Free-Space Management" (17.2 splitting and
//         coalescing, 17.3 best, worst, first and next fit) and its homework
//         simulator vm-freespace/malloc.py (-p, -C, search counts);
//         Silberschatz 10e 9.2.2 (first-, best- and worst-fit).
#include <algorithm>
#include <cstdint>
#include <iterator>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "labs.h"
#include "osgrid/os/mem/free_list.h"
#include "osgrid/os/random.h"

namespace osgrid::grade::labs {
namespace {

using nlohmann::json;

/// The heap a case runs on (the student's FreeList constructor arguments).
struct HeapShape {
  std::int64_t size = 100;
  std::int64_t base = 1000;
  std::int64_t header = 0;
  std::int64_t align = 1;  // 1 = no rounding
};

json FreeListJson(const std::vector<os::FreeChunk>& list) {
  json out = json::array();
  for (const os::FreeChunk& chunk : list) out.push_back(json::array({chunk.addr, chunk.size}));
  return out;
}

// Runs os/'s free-list heap and writes every op down as steps: the op with
// the heap's answer, then a free_list() call with the list it left.
class HeapRecorder {
 public:
  HeapRecorder(os::FitPolicy policy, const HeapShape& shape, std::vector<Step>& steps)
      : heap_(Make(policy, shape)), steps_(steps), policy_(policy), shape_(shape) {}

  /// malloc(n): the address, or -1. Live blocks are kept in allocation order.
  std::int64_t Malloc(std::int64_t n) {
    json before = FreeListJson(heap_.FreeList());
    const os::AllocResult result = heap_.Alloc(n);
    Step& step = Record("malloc", json::array({n}));
    step.expect = json::array({result.addr, result.searched});
    step.context = {{"free_list", std::move(before)}, {"block_size", result.block_size}};
    ptr_.push_back(result.addr);
    AddOp("+" + std::to_string(n));
    if (result.ok()) {
      live_.push_back({result.addr, result.block_size});
      std::erase(freed_, result.addr);
    } else {
      ++failed_;
    }
    RecordFreeList();
    return result.addr;
  }

  /// free(addr): 0, or -1 when no allocated block starts at addr.
  std::int64_t Free(std::int64_t addr) {
    AddFreeOp(addr);
    const bool freed = heap_.Free(addr);
    Step& step = Record("free", json::array({addr}));
    step.expect = freed ? 0 : -1;
    if (freed) {
      std::erase_if(live_, [&](const os::FreeChunk& block) { return block.addr == addr; });
      freed_.push_back(addr);
    } else {
      ++bad_frees_;
    }
    RecordFreeList();
    return freed ? 0 : -1;
  }

  /// Allocated blocks ([addr, block size]) in the order they were allocated.
  const std::vector<os::FreeChunk>& live() const { return live_; }
  /// Addresses freed earlier that no block starts at now (a second free fails).
  const std::vector<std::int64_t>& freed() const { return freed_; }
  std::vector<os::FreeChunk> free_list() const { return heap_.FreeList(); }
  int ops() const { return ops_; }

  /// What the run left, for the case's `reference`.
  json Summary() const {
    json allocated = json::array();
    for (const os::Block& block : heap_.Blocks()) {
      if (!block.free) allocated.push_back(json::array({block.addr, block.size}));
    }
    json summary = {{"ops", ops_},
                    {"failed_mallocs", failed_},
                    {"bad_frees", bad_frees_},
                    {"final_free_list", FreeListJson(heap_.FreeList())},
                    {"final_allocated", std::move(allocated)}};
    if (sim_ops_) summary["simulate"] = SimCommand();
    return summary;
  }

 private:
  static os::FreeListHeap Make(os::FitPolicy policy, const HeapShape& shape) {
    os::HeapConfig config;
    config.size = shape.size;
    config.base = shape.base;
    config.header_size = shape.header;
    config.alignment = shape.align;
    config.policy = policy;
    config.list_order = os::ListOrder::kAddrSort;
    config.coalesce = true;
    auto heap = os::FreeListHeap::Create(config);
    // The shapes below are valid by construction; a failure here is a bug in this file.
    if (!heap) throw std::logic_error("lab 02: " + heap.error().message);
    return std::move(heap).value();
  }

  Step& Record(std::string call, json args) {
    ++ops_;
    steps_.push_back(Step{std::move(call), std::move(args), std::nullopt, "equal", "op " + std::to_string(ops_), {}});
    return steps_.back();
  }

  // The ops as `osgrid sim mem -A` (malloc.py's) writes them: +N, and -K for
  // a free of what malloc K returned, -K+D for D bytes past it.
  void AddOp(const std::string& op) {
    if (sim_ops_) *sim_ops_ += (sim_ops_->empty() ? "" : ",") + op;
  }
  void AddFreeOp(std::int64_t addr) {
    std::optional<std::size_t> k;  // the latest malloc at or below addr
    for (std::size_t i = 0; i < ptr_.size(); ++i) {
      if (ptr_[i] >= 0 && ptr_[i] <= addr && (!k || ptr_[i] >= ptr_[*k])) k = i;
    }
    if (!k) {
      sim_ops_.reset();  // no -K names it: this case has no `osgrid sim mem` command
      return;
    }
    const std::int64_t offset = addr - ptr_[*k];
    AddOp("-" + std::to_string(*k) + (offset == 0 ? "" : "+" + std::to_string(offset)));
  }

  // The same run in `osgrid sim mem`, whose --trace osgrid-viz replays.
  std::string SimCommand() const {
    return "osgrid sim mem -p " + std::string(os::FitPolicyName(policy_)) + " -S " + std::to_string(shape_.size) +
           " -b " + std::to_string(shape_.base) + " -H " + std::to_string(shape_.header) + " -a " +
           std::to_string(shape_.align) + " -l ADDRSORT -C -A " + *sim_ops_ + " -c --trace expected.trace";
  }

  void RecordFreeList() {
    steps_.push_back(Step{
        "free_list", json::array(), FreeListJson(heap_.FreeList()), "equal", "after op " + std::to_string(ops_), {}});
  }

  os::FreeListHeap heap_;
  std::vector<Step>& steps_;
  std::vector<os::FreeChunk> live_;
  std::vector<std::int64_t> freed_;
  os::FitPolicy policy_;
  HeapShape shape_;
  std::vector<std::int64_t> ptr_;           // ptr_[k]: what malloc k returned (-1: it failed)
  std::optional<std::string> sim_ops_{""};  // the ops for `osgrid sim mem -A`; nullopt: not expressible
  int ops_ = 0;
  int failed_ = 0;
  int bad_frees_ = 0;
};

constexpr const char* kPolicies[] = {"FIRST", "BEST", "WORST", "NEXT"};

Case NewCase(const std::string& policy, const HeapShape& shape, std::string name, bool hidden) {
  Case test;
  test.name = std::move(name);
  test.target = "FreeList";
  test.hidden = hidden;
  test.tags = {policy, hidden ? "hidden" : "visible"};
  test.init = {
      {"size", shape.size}, {"base", shape.base}, {"policy", policy}, {"header", shape.header}, {"align", shape.align}};
  return test;
}

std::string HeapText(const std::string& policy, const HeapShape& shape) {
  return policy + " fit on a " + std::to_string(shape.size) + "-byte heap at " + std::to_string(shape.base) +
         " (header " + std::to_string(shape.header) + ", align " + std::to_string(shape.align) + ")";
}

// The textbook case: OSTEP 17.3's free list (10, 30 and 20 bytes, head
// first), made by filling the heap and freeing three blocks; its request of
// 15 bytes; then frees that coalesce on both sides, bad frees (inside a
// block, twice), and requests that meet ties and next fit's rover. Ops as
// malloc.py's -A: "+N" allocates N bytes as ptr[c] (c counts mallocs, failed
// ones too), "-K" frees the address ptr[K] got, "-K+D" frees that address
// plus D (not a block start).
constexpr const char* kTextbookOps[] = {"+10", "+5",  "+30",  "+5", "+20", "+5",  "+25", "+5",  "-0", "-2",
                                        "-4",  "+15", "-1+2", "-1", "-1",  "+15", "+10", "+20", "-3", "+5"};

Case TextbookCase(const std::string& policy, std::string name) {
  const HeapShape shape{100, 1000, 0, 1};
  Case test = NewCase(policy, shape, std::move(name), false);
  HeapRecorder heap(*os::ParseFitPolicy(policy), shape, test.steps);
  std::vector<std::int64_t> ptr;  // ptr[c]: what malloc c returned
  for (std::string_view op : kTextbookOps) {
    if (op[0] == '+') {
      ptr.push_back(heap.Malloc(std::stoll(std::string(op.substr(1)))));
      continue;
    }
    const auto plus = op.find('+');
    const std::int64_t k = std::stoll(std::string(op.substr(1, plus - 1)));
    const std::int64_t offset = plus == std::string_view::npos ? 0 : std::stoll(std::string(op.substr(plus + 1)));
    heap.Free(ptr.at(static_cast<std::size_t>(k)) + offset);
  }
  std::string ops;
  for (std::string_view op : kTextbookOps) ops += (ops.empty() ? "" : ",") + std::string(op);
  test.about = HeapText(policy, shape) +
               ": OSTEP 17.3's example. Ops 1-11 leave the free list 10, 30 and 20 bytes long; op 12 asks for 15. "
               "As malloc.py -A (free -K = the address ptr[K] got; -K+D that address plus D): " +
               ops;
  test.reference = heap.Summary();
  return test;
}

/// One element of `items`, drawn uniformly. Precondition: items is not empty.
template <typename T>
const T& Pick(os::Rng& rng, const std::vector<T>& items) {
  return items[static_cast<std::size_t>(rng.Uniform(0, static_cast<std::int64_t>(items.size()) - 1))];
}

/// A drawn case's heap, and the unit its requests are counted in.
struct DrawnHeap {
  HeapShape shape;
  std::int64_t unit = 8;  // bytes
};

// Sizes, bases and headers like malloc.py's; 8-byte units (6, 8 or 10
// without alignment), so that a heap holds 4 to 21 blocks.
DrawnHeap DrawHeap(os::Rng& rng) {
  constexpr std::int64_t kSizes[] = {96, 100, 128};
  constexpr std::int64_t kBases[] = {0, 1000, 4096};
  constexpr std::int64_t kHeaders[] = {0, 0, 4};
  constexpr std::int64_t kAligns[] = {1, 4, 8};
  constexpr std::int64_t kUnits[] = {6, 8, 10};
  DrawnHeap drawn;
  drawn.shape.size = kSizes[rng.Uniform(0, 2)];
  drawn.shape.base = kBases[rng.Uniform(0, 2)];
  drawn.shape.header = kHeaders[rng.Uniform(0, 2)];
  drawn.shape.align = kAligns[rng.Uniform(0, 2)];
  drawn.unit = drawn.shape.align == 1 ? kUnits[rng.Uniform(0, 2)] : 8;
  return drawn;
}

// A request of `units` units, less up to align - 1 bytes (alignment rounds
// it back up): requests of as many units make blocks of the same size, so
// best and worst fit meet ties.
std::int64_t Request(os::Rng& rng, const DrawnHeap& drawn, std::int64_t units) {
  return units * drawn.unit - (drawn.shape.align > 1 ? rng.Uniform(0, drawn.shape.align - 1) : 0);
}

// Mallocs until one fails (or the case has `ops` ops): of `units` units
// each, or, when units is 0, of 1 to 3 units drawn each time.
void FillHeap(HeapRecorder& heap, os::Rng& rng, const DrawnHeap& drawn, std::int64_t ops, std::int64_t units) {
  while (heap.ops() < ops && heap.Malloc(Request(rng, drawn, units > 0 ? units : rng.Uniform(1, 3))) >= 0) {
  }
}

// Frees every other block, counting back from the last one, which stays (so
// the holes do not touch the free space at the top), then asks twice.
void FreeEveryOther(HeapRecorder& heap, os::Rng& rng, const DrawnHeap& drawn) {
  const std::vector<os::FreeChunk> live = heap.live();
  for (std::size_t i = live.size() % 2; i + 1 < live.size(); i += 2) heap.Free(live[i].addr);
  for (int i = 0; i < 2; ++i) heap.Malloc(Request(rng, drawn, rng.Uniform(1, 3)));
}

// An address where no allocated block starts: one freed before, a free
// block's start, or an address inside a live block. Precondition: a block is live.
std::int64_t BadFreeAddress(HeapRecorder& heap, os::Rng& rng) {
  const auto kind = rng.Uniform(0, 2);
  if (kind == 0 && !heap.freed().empty()) return Pick(rng, heap.freed());
  const std::vector<os::FreeChunk> free_list = heap.free_list();
  if (kind == 2 && !free_list.empty()) return Pick(rng, free_list).addr;
  const os::FreeChunk block = Pick(rng, heap.live());
  return block.addr + rng.Uniform(1, block.size - 1);
}

// Random ops until the case has `ops`: a free of a random live block (43 %),
// a bad free (7 %), a malloc of 1 to 3 units otherwise (and always when
// nothing is live).
void RandomOps(HeapRecorder& heap, os::Rng& rng, const DrawnHeap& drawn, std::int64_t ops) {
  while (heap.ops() < ops) {
    const double x = rng.Real();
    const bool any_live = !heap.live().empty();
    if (any_live && x < 0.07) {
      heap.Free(BadFreeAddress(heap, rng));
    } else if (any_live && x < 0.5) {
      heap.Free(Pick(rng, heap.live()).addr);
    } else {
      heap.Malloc(Request(rng, drawn, rng.Uniform(1, 3)));
    }
  }
}

// A drawn case: the heap filled (with equal blocks and every other one freed
// when `fragmented`), then random ops; 26 to 32 ops in all.
Case DrawnCase(const std::string& policy, os::Rng& rng, bool fragmented, std::string name, bool hidden) {
  const DrawnHeap drawn = DrawHeap(rng);
  Case test = NewCase(policy, drawn.shape, std::move(name), hidden);
  HeapRecorder heap(*os::ParseFitPolicy(policy), drawn.shape, test.steps);
  const std::int64_t ops = rng.Uniform(26, 32);
  FillHeap(heap, rng, drawn, ops, fragmented ? rng.Uniform(2, 3) : 0);
  if (fragmented) FreeEveryOther(heap, rng, drawn);
  RandomOps(heap, rng, drawn, ops);
  test.about = HeapText(policy, drawn.shape) + ": " + std::to_string(heap.ops()) + " ops; the heap is filled" +
               (fragmented ? " with equal blocks, every other one freed (the last one kept), 2 mallocs" : "") +
               ", then random mallocs of 1 to " + std::to_string(3 * drawn.unit) + " bytes and frees.";
  test.reference = heap.Summary();
  return test;
}

constexpr std::uint64_t kVisibleSeed = 20261207;
constexpr int kHiddenPerPolicy = 4;  // hidden 1-2 random, 3-4 fragmented

bool IsPair(const json& value) {
  return value.is_array() && value.size() == 2 && value[0].is_number_integer() && value[1].is_number_integer();
}

// The free list as address ranges, sorted and with touching ranges merged.
std::vector<std::pair<std::int64_t, std::int64_t>> Normalized(const json& list) {
  std::vector<std::pair<std::int64_t, std::int64_t>> ranges;
  for (const json& item : list) ranges.emplace_back(item[0].get<std::int64_t>(), item[1].get<std::int64_t>());
  std::sort(ranges.begin(), ranges.end());
  std::vector<std::pair<std::int64_t, std::int64_t>> merged;
  for (const auto& [addr, size] : ranges) {
    if (!merged.empty() && merged.back().first + merged.back().second == addr) {
      merged.back().second += size;
    } else {
      merged.emplace_back(addr, size);
    }
  }
  return merged;
}

class FreeSpaceLab final : public Lab {
 public:
  std::string_view id() const override { return "02-free-space"; }
  std::string_view title() const override { return "Free-space management: first, best, worst and next fit"; }
  int version() const override { return 1; }
  std::string_view module_file() const override { return "allocator.py"; }
  std::vector<std::string> required_names() const override { return {"FreeList"}; }

  std::vector<Case> VisibleCases() const override {
    std::vector<Case> cases;
    for (std::uint64_t p = 0; p < std::size(kPolicies); ++p) {
      const std::string policy = kPolicies[p];
      cases.push_back(TextbookCase(policy, policy + ": visible 1"));
      os::Rng rng(kVisibleSeed + p);
      cases.push_back(DrawnCase(policy, rng, /*fragmented=*/true, policy + ": visible 2", false));
    }
    return cases;
  }

  std::vector<Case> HiddenCases(std::uint64_t seed) const override {
    std::vector<Case> cases;
    for (std::uint64_t p = 0; p < std::size(kPolicies); ++p) {
      const std::string policy = kPolicies[p];
      os::Rng rng(seed * 1000003 + p);
      for (int i = 0; i < kHiddenPerPolicy; ++i) {
        cases.push_back(
            DrawnCase(policy, rng, /*fragmented=*/i >= 2, policy + ": hidden " + std::to_string(i + 1), true));
      }
    }
    return cases;
  }

  std::optional<Mismatch> Check(const Case& test, std::size_t index, const json& got) const override {
    const Step& step = test.steps[index];
    if (got == *step.expect) return std::nullopt;
    const std::string detail = "expected " + step.expect->dump() + ", got " + got.dump();
    if (step.call == "malloc") return CheckMalloc(test, step, got, detail);
    if (step.call == "free") {
      if (!got.is_number_integer() || (got != 0 && got != -1)) return Mismatch{"free must return 0 or -1", detail};
      return Mismatch{
          *step.expect == 0 ? "refused to free an allocated block" : "freed an address where no allocated block starts",
          detail};
    }
    // free_list
    if (!got.is_array() || !std::all_of(got.begin(), got.end(), IsPair)) {
      return Mismatch{"free_list must return a list of [addr, size] pairs", detail};
    }
    if (Normalized(got) == Normalized(*step.expect)) {
      const bool sorted =
          std::is_sorted(got.begin(), got.end(), [](const json& a, const json& b) { return a[0] < b[0]; });
      if (!sorted) return Mismatch{"free list not in address order", detail};
      return Mismatch{"free list not coalesced (touching free blocks must be merged)", detail};
    }
    return Mismatch{"wrong free list", detail};
  }

 private:
  static Mismatch CheckMalloc(const Case& test, const Step& step, const json& got, const std::string& detail) {
    const json& free_list = step.context["free_list"];
    const std::string context =
        detail + "; free list before: " + free_list.dump() + ", block size " + step.context["block_size"].dump();
    if (!IsPair(got)) return Mismatch{"malloc must return (address, searched)", context};
    const std::int64_t want = (*step.expect)[0].get<std::int64_t>();
    const std::int64_t addr = got[0].get<std::int64_t>();
    if (addr == want) return Mismatch{"wrong search count", context};
    if (want == -1) return Mismatch{"allocated although no free block is big enough", context};
    if (addr == -1) return Mismatch{"returned -1 although a free block is big enough", context};
    const std::int64_t need = step.context["block_size"].get<std::int64_t>();
    std::int64_t chosen_size = 0;
    for (const json& block : free_list) {
      if (block[0] == want) chosen_size = block[1].get<std::int64_t>();
    }
    for (const json& block : free_list) {
      const std::int64_t start = block[0].get<std::int64_t>();
      const std::int64_t size = block[1].get<std::int64_t>();
      if (addr == start && size >= need) {
        if (size == chosen_size && (test.init["policy"] == "BEST" || test.init["policy"] == "WORST")) {
          return Mismatch{"tie broken wrongly (equal sizes: the first block in the list wins)", context};
        }
        return Mismatch{"picked the wrong free block", context};
      }
      if (addr == start) return Mismatch{"picked a free block that is too small", context};
      if (addr > start && addr < start + size) {
        return Mismatch{"split the block wrongly (the front of the chosen block is allocated)", context};
      }
    }
    return Mismatch{"returned an address that is not in a free block", context};
  }
};

}  // namespace

std::unique_ptr<Lab> MakeFreeSpaceLab() { return std::make_unique<FreeSpaceLab>(); }

}  // namespace osgrid::grade::labs
