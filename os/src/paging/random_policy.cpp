// RAND page replacement: the victim is a resident page picked at random.
// Source: OSTEP ch. 22.4 "Another Simple Policy: Random" (figure 22.5: how
//         well Random does over 10,000 trials depends on luck), and its
//         homework paging-policy.py (-p RAND), whose choice this is exactly:
//         the resident pages are kept in load order and the victim is the
//         one at index int(random() * frames).
// Determinism: the draws come from a PyRandom (Python's generator, bit for
// bit), so the same stream gives the same victims as paging-policy.py.
#include <algorithm>
#include <memory>

#include "osgrid/os/paging/replacement_policy.h"

namespace osgrid::os {
namespace {

class RandomPolicy final : public ReplacementPolicy {
 public:
  RandomPolicy(std::size_t frames, PyRandom& random, std::unique_ptr<PyRandom> owned)
      : frames_(frames), owned_(std::move(owned)), random_(random) {}
  std::string_view name() const override { return "RAND"; }
  std::size_t capacity() const override { return frames_; }
  bool Contains(Page page) const override { return std::find(memory_.begin(), memory_.end(), page) != memory_.end(); }
  /// Resident pages, oldest loaded first.
  void Contents(std::vector<Page>& pages) const override { pages = memory_; }

  Reference Access(Page page) override {
    if (Contains(page)) return {true, std::nullopt};
    Reference result;
    if (memory_.size() == frames_) {
      const auto victim = static_cast<std::ptrdiff_t>(random_.Random() * static_cast<double>(frames_));
      result.evicted = memory_[static_cast<std::size_t>(victim)];
      memory_.erase(memory_.begin() + victim);
    }
    memory_.push_back(page);
    return result;
  }

 private:
  std::size_t frames_;
  std::unique_ptr<PyRandom> owned_;  // the stream, when the policy has its own
  PyRandom& random_;
  std::vector<Page> memory_;  // resident pages, oldest loaded first
};

}  // namespace

std::unique_ptr<ReplacementPolicy> MakeRandom(std::size_t frames, PyRandom& random) {
  return std::make_unique<RandomPolicy>(frames, random, nullptr);
}

std::unique_ptr<ReplacementPolicy> MakeRandom(std::size_t frames, std::int64_t seed) {
  auto owned = std::make_unique<PyRandom>(seed);
  PyRandom& random = *owned;
  return std::make_unique<RandomPolicy>(frames, random, std::move(owned));
}

}  // namespace osgrid::os
