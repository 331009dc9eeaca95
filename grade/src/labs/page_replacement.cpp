// Lab 03: page replacement. Students write FIFO, LRU and Clock as page caches
// that are told every reference and answer (hit, evicted), and find a
// Belady's anomaly with their own FIFO (labs/03-page-replacement/README.md).
// The access cases are a reference string run through os/'s own MakeFifo,
// MakeLru and MakeClockHand (the deterministic second-chance clock, one use
// bit), with the answer each gave; a find_belady answer is checked with
// MakeFifo: any reference string that shows the anomaly counts.
//
// Sources: OSTEP ch. 22 (22.3 FIFO, 22.5 LRU, 22.8 the clock algorithm);
//          Silberschatz 10e 10.4 (10.4.2 FIFO and Belady's anomaly, figure
//          10.13; 10.4.4 LRU; 10.4.5.2 second chance with a clock hand).
#include <algorithm>
#include <iterator>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "labs.h"
#include "osgrid/os/paging/replacement_policy.h"
#include "osgrid/os/random.h"

namespace osgrid::grade::labs {
namespace {

using nlohmann::json;

constexpr const char* kPolicies[] = {"FIFO", "LRU", "Clock"};
constexpr int kHiddenPerPolicy = 4;
constexpr int kHiddenBelady = 3;
constexpr std::size_t kMaxBeladyLength = 1000;  // the longest reference string find_belady may return

/// A reference string and the number of frames it runs with.
struct Workload {
  std::vector<os::Page> references;
  std::size_t frames = 3;
  std::string source;  // where it comes from, for `about`: "Silberschatz 10e 10.4"
};

/// os/'s policy for a lab class name. Clock is the textbook clock with a
/// hand and one use bit (CLOCK-HAND), not OSTEP's randomized homework clock.
std::unique_ptr<os::ReplacementPolicy> MakePolicy(std::string_view policy, std::size_t frames) {
  if (policy == "FIFO") return os::MakeFifo(frames);
  if (policy == "LRU") return os::MakeLru(frames);
  return os::MakeClockHand(frames, /*clock_bits=*/1);
}

json AccessJson(const os::Reference& reference) {
  return json::array({reference.hit, reference.evicted ? json(*reference.evicted) : json(nullptr)});
}

/// (hit, evicted) as Python prints it: "(False, 7)".
std::string Pair(const json& answer) {
  return std::string("(") + (answer[0].get<bool>() ? "True" : "False") + ", " +
         (answer[1].is_null() ? "None" : answer[1].dump()) + ")";
}

/// Pages separated by `separator`: "7 0 1", or with ", " a list's inside.
std::string Join(const std::vector<os::Page>& pages, const std::string& separator = " ") {
  std::string text;
  for (auto page : pages) text += (text.empty() ? "" : separator) + std::to_string(page);
  return text;
}

/// The answers a policy gives on `references`, in order.
std::vector<json> Answers(std::string_view policy, const Workload& load) {
  auto cache = MakePolicy(policy, load.frames);
  std::vector<json> answers;
  for (auto page : load.references) answers.push_back(AccessJson(cache->Access(page)));
  return answers;
}

// Runs the reference string through os/'s policy and writes down each
// access with its answer: one graded step per reference. The context of a
// step (for Check) is the resident pages before it.
Case Record(const std::string& policy, const Workload& load, std::string name, bool hidden) {
  auto cache = MakePolicy(policy, load.frames);
  Case test;
  test.name = std::move(name);
  test.target = policy;
  test.hidden = hidden;
  test.tags = {policy, hidden ? "hidden" : "visible"};
  test.init = {{"frames", load.frames}};
  std::string trace;
  std::size_t faults = 0;
  for (auto page : load.references) {
    std::vector<os::Page> resident = cache->Contents();
    std::sort(resident.begin(), resident.end());
    os::Reference answer = cache->Access(page);
    Step step{"access", json::array({page}), AccessJson(answer), "access", "", {}};
    step.context = {{"resident", resident}};
    test.steps.push_back(std::move(step));
    faults += !answer.hit;
    trace += (trace.empty() ? "" : ", ") + std::to_string(page) + (answer.hit ? " hit" : " miss");
    if (answer.evicted) trace += " (evicts " + std::to_string(*answer.evicted) + ")";
  }
  test.about = policy + " with " + std::to_string(load.frames) + " frames, reference string " + Join(load.references) +
               (load.source.empty() ? "" : " (" + load.source + ")") + ".";
  // The same run in `osgrid sim page` (CLOCK-HAND is the textbook clock with one use bit, os::MakeClockHand).
  const std::string sim_policy = policy == "Clock" ? "CLOCK-HAND" : policy;
  test.reference = {{"faults", faults},
                    {"hits", load.references.size() - faults},
                    {"trace", trace},
                    {"simulate", "osgrid sim page -a " + Join(load.references, ",") + " -p " + sim_policy + " -C " +
                                     std::to_string(load.frames) + " -c --trace expected.trace"}};
  return test;
}

// A reference string with locality: most references go back to one of the
// few pages used most recently (so LRU keeps them and FIFO does not), the
// rest to any page: half and half. Some more pages than frames, so that
// about a quarter of the references evict a page.
Workload DrawOnce(os::Rng& rng) {
  Workload load;
  load.frames = static_cast<std::size_t>(rng.Uniform(3, 5));
  const auto pages = static_cast<std::int64_t>(load.frames) + rng.Uniform(4, 7);
  const auto length = rng.Uniform(24, 36);
  std::vector<os::Page> recent;  // distinct pages, most recently used last
  for (std::int64_t i = 0; i < length; ++i) {
    // The window: the frames - 1 pages used most recently before the last one.
    const auto window = std::min<std::int64_t>(static_cast<std::int64_t>(load.frames) - 1, std::ssize(recent) - 1);
    os::Page page = window > 0 && rng.Real() < 0.5 ? recent[recent.size() - 2 - rng.Uniform(0, window - 1)]
                                                   : rng.Uniform(0, pages - 1);
    load.references.push_back(page);
    std::erase(recent, page);
    recent.push_back(page);
  }
  return load;
}

std::size_t Evictions(const std::vector<json>& answers) {
  return std::count_if(answers.begin(), answers.end(), [](const json& answer) { return !answer[1].is_null(); });
}

// Draws until FIFO, LRU and Clock answer differently somewhere, so that a
// policy written as another one cannot pass, and each evicts a page at least
// kMinEvictions times (the answers that tell the policies apart).
Workload Draw(os::Rng& rng) {
  constexpr std::size_t kMinEvictions = 6;
  for (;;) {
    Workload load = DrawOnce(rng);
    auto fifo = Answers("FIFO", load), lru = Answers("LRU", load), clock = Answers("Clock", load);
    if (fifo == lru || lru == clock || fifo == clock) continue;
    if (std::min({Evictions(fifo), Evictions(lru), Evictions(clock)}) >= kMinEvictions) return load;
  }
}

// The visible reference strings: the two textbooks' examples with 3 frames,
// and one drawn from a fixed seed.
std::vector<Workload> VisibleWorkloads() {
  Workload silberschatz{{7, 0, 1, 2, 0, 3, 0, 4, 2, 3, 0, 3, 2, 1, 2, 0, 1, 7, 0, 1}, 3, "Silberschatz 10e 10.4"};
  Workload ostep{{0, 1, 2, 0, 1, 3, 0, 3, 1, 2, 1}, 3, "OSTEP 22"};
  os::Rng rng(20260322);
  Workload drawn = Draw(rng);
  return {silberschatz, ostep, drawn};
}

// ---- Belady's anomaly ------------------------------------------------------

std::size_t FifoFaults(const std::vector<os::Page>& references, std::size_t frames) {
  auto fifo = os::MakeFifo(frames);
  std::size_t faults = 0;
  for (auto page : references) faults += !fifo->Access(page).hit;
  return faults;
}

// An anomaly for m frames against m + 1, the textbook's string (Silberschatz
// figure 10.13: 1 2 3 4 1 2 5 1 2 3 4 5 for m = 3, here from page 0)
// stretched: pages 0..m, pages 0..m-2, page m+1, pages 0..m-2, then m-1, m, m+1.
std::vector<os::Page> BeladyString(std::size_t m) {
  const auto n = static_cast<os::Page>(m);
  std::vector<os::Page> refs;
  for (os::Page p = 0; p <= n; ++p) refs.push_back(p);
  for (os::Page p = 0; p <= n - 2; ++p) refs.push_back(p);
  refs.push_back(n + 1);
  for (os::Page p = 0; p <= n - 2; ++p) refs.push_back(p);
  refs.insert(refs.end(), {n - 1, n, n + 1});
  return refs;
}

Case BeladyCase(std::size_t frames, std::string name, bool hidden) {
  std::vector<os::Page> example = BeladyString(frames);
  // A failure here is a bug in this file: the construction shows the anomaly for every m >= 3.
  if (FifoFaults(example, frames + 1) <= FifoFaults(example, frames))
    throw std::logic_error("lab 03: no Belady's anomaly for " + std::to_string(frames) + " frames");
  Case test;
  test.name = std::move(name);
  test.target = "find_belady";
  test.init = nullptr;  // a module-level function
  test.hidden = hidden;
  test.tags = {"Belady", hidden ? "hidden" : "visible"};
  test.about = "find_belady(" + std::to_string(frames) + "): a reference string on which FIFO with " +
               std::to_string(frames + 1) + " frames faults more often than with " + std::to_string(frames) + ".";
  test.steps.push_back(Step{"find_belady", json::array({frames}), json(example), "belady", "", {}});
  test.reference = {{"example", Join(example)},
                    {"faults",
                     {{std::to_string(frames), FifoFaults(example, frames)},
                      {std::to_string(frames + 1), FifoFaults(example, frames + 1)}}},
                    {"simulate", "osgrid sim page -a " + Join(example, ",") + " -p FIFO -C " + std::to_string(frames) +
                                     " --frames-range " + std::to_string(frames) + "-" + std::to_string(frames + 1) +
                                     " -c --trace expected.trace"}};
  return test;
}

// ---- Checking answers ------------------------------------------------------

/// Whether `answer` has the shape of (hit, evicted): [bool, int or null].
bool IsAccessPair(const json& answer) {
  return answer.is_array() && answer.size() == 2 && answer[0].is_boolean() &&
         (answer[1].is_null() || answer[1].is_number_integer());
}

std::optional<Mismatch> CheckAccess(const Step& step, const json& got) {
  const json& want = *step.expect;
  if (!IsAccessPair(got)) {
    return Mismatch{"not a (hit, evicted) pair",
                    "expected " + Pair(want) + ", got " + got.dump() + ": return a tuple (bool, page or None)"};
  }
  if (got == want) return std::nullopt;
  const json& resident = step.context["resident"];
  std::string detail = "expected " + Pair(want) + ", got " + Pair(got) + "; resident before: [" +
                       Join(resident.get<std::vector<os::Page>>(), ", ") + "]";
  const bool want_hit = want[0].get<bool>();
  const bool got_hit = got[0].get<bool>();
  if (want_hit && !got_hit) return Mismatch{"reported a page fault for a resident page", detail};
  if (!want_hit && got_hit) return Mismatch{"reported a hit for a page that is not resident", detail};
  if (want_hit) return Mismatch{"reported an eviction on a hit", detail};
  if (want[1].is_null()) return Mismatch{"evicted a page while a frame was free", detail};
  if (got[1].is_null()) return Mismatch{"reported no eviction on a page fault with every frame full", detail};
  if (std::find(resident.begin(), resident.end(), got[1]) == resident.end())
    return Mismatch{"evicted a page that is not resident", detail};
  return Mismatch{"evicted the wrong page", detail};
}

std::optional<Mismatch> CheckBelady(const Step& step, const json& got) {
  const auto frames = step.args[0].get<std::size_t>();
  const bool pages = got.is_array() && std::all_of(got.begin(), got.end(), [](const json& page) {
                       return page.is_number_integer() && page.get<std::int64_t>() >= 0;
                     });
  if (!pages) {
    return Mismatch{"not a reference string (a list of page numbers >= 0)",
                    "find_belady(" + std::to_string(frames) + ") returned " + got.dump().substr(0, 200)};
  }
  if (got.size() > kMaxBeladyLength) {
    return Mismatch{"reference string too long (at most " + std::to_string(kMaxBeladyLength) + " references)",
                    "it has " + std::to_string(got.size()) + " references"};
  }
  const auto references = got.get<std::vector<os::Page>>();
  const std::size_t small = FifoFaults(references, frames);
  const std::size_t large = FifoFaults(references, frames + 1);
  if (large > small) return std::nullopt;
  return Mismatch{"not a Belady's anomaly (FIFO with one more frame does not fault more)",
                  "FIFO faults " + std::to_string(small) + " times with " + std::to_string(frames) + " frames and " +
                      std::to_string(large) + " times with " + std::to_string(frames + 1) + " on " + Join(references)};
}

class PageReplacementLab final : public Lab {
 public:
  std::string_view id() const override { return "03-page-replacement"; }
  std::string_view title() const override { return "Page replacement: FIFO, LRU, Clock and Belady's anomaly"; }
  int version() const override { return 1; }
  std::string_view module_file() const override { return "replacement.py"; }
  std::vector<std::string> required_names() const override { return {"FIFO", "LRU", "Clock", "find_belady"}; }

  std::vector<Case> VisibleCases() const override {
    std::vector<Case> cases;
    const auto workloads = VisibleWorkloads();
    for (const char* policy : kPolicies) {
      for (std::size_t i = 0; i < workloads.size(); ++i) {
        cases.push_back(
            Record(policy, workloads[i], std::string(policy) + ": visible " + std::to_string(i + 1), false));
      }
    }
    cases.push_back(BeladyCase(3, "Belady: visible 1", false));
    return cases;
  }

  std::vector<Case> HiddenCases(std::uint64_t seed) const override {
    std::vector<Case> cases;
    for (std::uint64_t p = 0; p < std::size(kPolicies); ++p) {
      const char* policy = kPolicies[p];
      os::Rng rng(seed * 1000003 + p);
      for (int i = 0; i < kHiddenPerPolicy; ++i) {
        cases.push_back(Record(policy, Draw(rng), std::string(policy) + ": hidden " + std::to_string(i + 1), true));
      }
    }
    // Belady k asks for frames in {2 + k, 3 + k}: 3 to 6 frames in all.
    os::Rng rng(seed * 1000003 + std::size(kPolicies));
    for (int k = 1; k <= kHiddenBelady; ++k) {
      const auto frames = static_cast<std::size_t>(rng.Uniform(2 + k, 3 + k));
      cases.push_back(BeladyCase(frames, "Belady: hidden " + std::to_string(k), true));
    }
    return cases;
  }

  std::optional<Mismatch> Check(const Case& test, std::size_t index, const json& got) const override {
    const Step& step = test.steps[index];
    if (step.check == "access") return CheckAccess(step, got);
    if (step.check == "belady") return CheckBelady(step, got);
    return Lab::Check(test, index, got);
  }
};

}  // namespace

std::unique_ptr<Lab> MakePageReplacementLab() { return std::make_unique<PageReplacementLab>(); }

}  // namespace osgrid::grade::labs
