// UNOPT, the worst page replacement: the victim is the page that will be used
// soonest. The mirror image of OPT, to show how bad a policy can be.
// Source: the homework simulator of OSTEP ch. 22, paging-policy.py (-p UNOPT).
// Tie-breaking (only pages never referenced again can tie): the oldest loaded
// of them is evicted, as in paging-policy.py.
#include "next_use.h"

namespace osgrid::os {
namespace {

class Unopt final : public ReplacementPolicy {
 public:
  Unopt(std::size_t frames, const std::vector<Page>& future) : frames_(frames), next_use_(future) {}
  std::string_view name() const override { return "UNOPT"; }
  std::size_t capacity() const override { return frames_; }
  bool Contains(Page page) const override {
    return std::find(memory_.begin(), memory_.end(), page) != memory_.end();
  }
  std::vector<Page> Contents() const override { return memory_; }

  Reference Access(Page page) override {
    Reference result{Contains(page), std::nullopt};
    if (!result.hit) {
      if (memory_.size() == frames_) result.evicted = EvictNearest();
      memory_.push_back(page);
    }
    ++now_;
    return result;
  }

 private:
  /// Removes and returns the page whose next use is nearest to now.
  Page EvictNearest() {
    std::size_t victim = 0;
    std::size_t nearest = next_use_.After(memory_[0], now_);
    for (std::size_t i = 1; i < memory_.size(); ++i) {
      const std::size_t next = next_use_.After(memory_[i], now_);
      if (next < nearest) {  // <: an earlier-loaded page wins a tie
        nearest = next;
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

std::unique_ptr<ReplacementPolicy> MakeUnopt(std::size_t frames, std::vector<Page> future) {
  return std::make_unique<Unopt>(frames, future);
}

}  // namespace osgrid::os
