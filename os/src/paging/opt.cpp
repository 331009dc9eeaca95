// OPT (Belady's MIN), the optimal page replacement: the victim is the page
// that will not be used for the longest period of time. It needs the future
// reference string, so it is a yardstick for other policies, not something
// an OS can run.
// Source: OSTEP ch. 22.2 "The Optimal Replacement Policy" (figure 22.1);
//         Silberschatz 10e, 10.4.3 "Optimal Page Replacement" (figure 10.14).
// OPT is a stack algorithm, so it never shows Belady's anomaly.
// Tie-breaking (pages never referenced again are equally far): the most
// recently loaded of them is evicted, as in paging-policy.py.
#include "next_use.h"

namespace osgrid::os {
namespace {

class Opt final : public ReplacementPolicy {
 public:
  Opt(std::size_t frames, const std::vector<Page>& future) : frames_(frames), next_use_(future) {}
  std::string_view name() const override { return "OPT"; }
  std::size_t capacity() const override { return frames_; }
  bool Contains(Page page) const override {
    return std::find(memory_.begin(), memory_.end(), page) != memory_.end();
  }
  std::vector<Page> Contents() const override { return memory_; }

  Reference Access(Page page) override {
    Reference result{Contains(page), std::nullopt};
    if (!result.hit) {
      if (memory_.size() == frames_) result.evicted = EvictFarthest();
      memory_.push_back(page);
    }
    ++now_;
    return result;
  }

 private:
  /// Removes and returns the page whose next use is farthest from now.
  Page EvictFarthest() {
    std::size_t victim = 0;
    std::size_t farthest = 0;
    for (std::size_t i = 0; i < memory_.size(); ++i) {
      const std::size_t next = next_use_.After(memory_[i], now_);
      if (next >= farthest) {  // >=: a later-loaded page wins a tie
        farthest = next;
        victim = i;
      }
    }
    const Page page = memory_[victim];
    memory_.erase(memory_.begin() + static_cast<std::ptrdiff_t>(victim));
    return page;
  }

  std::size_t frames_;
  NextUse next_use_;
  std::size_t now_ = 0;       // position of the reference being made
  std::vector<Page> memory_;  // resident pages, oldest loaded first
};

}  // namespace

std::unique_ptr<ReplacementPolicy> MakeOpt(std::size_t frames, std::vector<Page> future) {
  return std::make_unique<Opt>(frames, future);
}

}  // namespace osgrid::os
