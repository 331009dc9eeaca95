// CLOCK as OSTEP's homework simulator runs it: use counters, and a scan that
// looks at resident pages picked at random instead of moving a hand.
// Source: OSTEP ch. 22.8 "Approximating LRU" (figure 22.9, "The 80-20
//         Workload With Clock", uses "a clock algorithm ... that randomly
//         scans pages when doing a replacement; when it encounters a page
//         with a reference bit set to 1, it clears the bit; when it finds a
//         page with the reference bit set to 0, it chooses it as its
//         victim"), and its homework paging-policy.py (-p CLOCK, -b clock
//         bits). The textbook hand is clock_hand.cpp (CLOCK-HAND).
//
// Each resident page has a use counter: 1 when the page is loaded, +1 on
// every hit, capped at `clock_bits` (paging-policy.py's -b; 1 would be the
// plain reference bit). On a fault with every frame full:
//   repeat: pick a resident page at random, index int(random() * frames) in
//           load order; if its counter is >= 1, decrement it (a second
//           chance); otherwise it is the victim.
// The new page is appended to the load-order list, as paging-policy.py does.
// Same random stream, same victims (py_random.h reproduces Python's).
#include <algorithm>
#include <memory>
#include <unordered_map>

#include "osgrid/os/paging/replacement_policy.h"

namespace osgrid::os {
namespace {

class Clock final : public ReplacementPolicy {
 public:
  Clock(std::size_t frames, std::int64_t clock_bits, PyRandom& random, std::unique_ptr<PyRandom> owned)
      : frames_(frames), clock_bits_(clock_bits), owned_(std::move(owned)), random_(random) {}
  std::string_view name() const override { return "CLOCK"; }
  std::size_t capacity() const override { return frames_; }
  bool Contains(Page page) const override { return use_.count(page) > 0; }
  /// Resident pages, oldest loaded first.
  void Contents(std::vector<Page>& pages) const override { pages = memory_; }

  Reference Access(Page page) override {
    auto found = use_.find(page);
    if (found != use_.end()) {
      found->second = std::min(found->second + 1, clock_bits_);  // the hardware sets the use bit
      return {true, std::nullopt};
    }
    Reference result;
    if (memory_.size() == frames_) {
      const Page victim = ScanForVictim();
      memory_.erase(std::find(memory_.begin(), memory_.end(), victim));
      use_.erase(victim);
      result.evicted = victim;
    }
    memory_.push_back(page);
    use_[page] = 1;
    return result;
  }

 private:
  /// Looks at random resident pages, clearing one unit of use from each, until
  /// one has none left.
  Page ScanForVictim() {
    while (true) {
      const auto index = static_cast<std::size_t>(random_.Random() * static_cast<double>(frames_));
      std::int64_t& use = use_[memory_[index]];
      if (use < 1) return memory_[index];
      --use;
    }
  }

  std::size_t frames_;
  std::int64_t clock_bits_;
  std::unique_ptr<PyRandom> owned_;  // the stream, when the policy has its own
  PyRandom& random_;
  std::vector<Page> memory_;                    // resident pages, oldest loaded first
  std::unordered_map<Page, std::int64_t> use_;  // each resident page's use counter
};

}  // namespace

std::unique_ptr<ReplacementPolicy> MakeClock(std::size_t frames, std::int64_t clock_bits, PyRandom& random) {
  return std::make_unique<Clock>(frames, clock_bits, random, nullptr);
}

std::unique_ptr<ReplacementPolicy> MakeClock(std::size_t frames, std::int64_t clock_bits, std::int64_t seed) {
  auto owned = std::make_unique<PyRandom>(seed);
  PyRandom& random = *owned;
  return std::make_unique<Clock>(frames, clock_bits, random, std::move(owned));
}

}  // namespace osgrid::os
