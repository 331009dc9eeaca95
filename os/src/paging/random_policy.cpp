// RAND page replacement: the victim is a resident page picked at random.
// Source: OSTEP ch. 22.4 "Another Simple Policy: Random" (figure 22.5: how
//         well Random does over 10,000 trials depends on luck).
// Determinism: the choices come from Rng(seed), so the same seed gives the
// same victims on every machine. (paging-policy.py draws from Python's
// random module instead, so its RAND victims differ from ours.)
#include <algorithm>

#include "osgrid/os/paging/replacement_policy.h"
#include "osgrid/os/random.h"

namespace osgrid::os {
namespace {

class RandomPolicy final : public ReplacementPolicy {
 public:
  RandomPolicy(std::size_t frames, std::uint64_t seed) : frames_(frames), rng_(seed) {}
  std::string_view name() const override { return "RAND"; }
  std::size_t capacity() const override { return frames_; }
  bool Contains(Page page) const override { return std::find(memory_.begin(), memory_.end(), page) != memory_.end(); }
  std::vector<Page> Contents() const override { return memory_; }

  Reference Access(Page page) override {
    if (Contains(page)) return {true, std::nullopt};
    Reference result;
    if (memory_.size() == frames_) {
      const auto victim = rng_.Uniform(0, static_cast<std::int64_t>(memory_.size()) - 1);
      result.evicted = memory_[static_cast<std::size_t>(victim)];
      memory_.erase(memory_.begin() + victim);
    }
    memory_.push_back(page);
    return result;
  }

 private:
  std::size_t frames_;
  Rng rng_;
  std::vector<Page> memory_;  // resident pages, oldest loaded first
};

}  // namespace

std::unique_ptr<ReplacementPolicy> MakeRandom(std::size_t frames, std::uint64_t seed) {
  return std::make_unique<RandomPolicy>(frames, seed);
}

}  // namespace osgrid::os
