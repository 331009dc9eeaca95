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

class Opt final : public ClairvoyantPolicy {
 public:
  using ClairvoyantPolicy::ClairvoyantPolicy;
  std::string_view name() const override { return "OPT"; }

 private:
  /// The resident page whose next use is farthest from now.
  std::size_t VictimIndex() const override {
    std::size_t victim = 0;
    std::size_t farthest = 0;
    for (std::size_t i = 0; i < resident(); ++i) {
      const std::size_t next = NextUseOf(i);
      if (next >= farthest) {  // >=: a later-loaded page wins a tie
        farthest = next;
        victim = i;
      }
    }
    return victim;
  }
};

}  // namespace

std::unique_ptr<ReplacementPolicy> MakeOpt(std::size_t frames, std::vector<Page> future) {
  return std::make_unique<Opt>(frames, future);
}

}  // namespace osgrid::os
