// UNOPT, the worst page replacement: the victim is the page that will be used
// soonest. The mirror image of OPT, to show how bad a policy can be.
// Source: the homework simulator of OSTEP ch. 22, paging-policy.py (-p UNOPT).
// Tie-breaking (only pages never referenced again can tie): the oldest loaded
// of them is evicted, as in paging-policy.py.
#include "next_use.h"

namespace osgrid::os {
namespace {

class Unopt final : public ClairvoyantPolicy {
 public:
  using ClairvoyantPolicy::ClairvoyantPolicy;
  std::string_view name() const override { return "UNOPT"; }

 private:
  /// The resident page whose next use is nearest to now.
  std::size_t VictimIndex() const override {
    std::size_t victim = 0;
    std::size_t nearest = NextUseOf(0);
    for (std::size_t i = 1; i < resident(); ++i) {
      const std::size_t next = NextUseOf(i);
      if (next < nearest) {  // <: an earlier-loaded page wins a tie
        nearest = next;
        victim = i;
      }
    }
    return victim;
  }
};

}  // namespace

std::unique_ptr<ReplacementPolicy> MakeUnopt(std::size_t frames, std::vector<Page> future) {
  return std::make_unique<Unopt>(frames, future);
}

}  // namespace osgrid::os
