// CLOCK-HAND, the second-chance page replacement: FIFO that skips pages used
// since the hand last passed them.
// Source: Silberschatz 10e, 10.4.5.2 "Second-Chance Algorithm" (figure 10.17:
//         a circular queue of pages and a hand); paging-policy.py's -b (clock
//         bits) turns the use bit into a small saturating counter.
//
// The frames form a circle. Each holds a page and its use counter: 1 when the
// page is loaded, +1 on every hit up to `clock_bits` (1 = the textbook
// reference bit). On a fault with every frame full, the hand looks at the
// frame it points to: a counter above 0 is decremented and the hand moves on
// (the page's second chance); a counter of 0 makes that page the victim. The
// new page takes the victim's frame and the hand moves past it. Frames fill in
// order 0, 1, 2, ... and the hand starts at frame 0.
//
// Tie-breaking: none needed (the hand's sweep is deterministic). OSTEP's
// homework runs a randomized variant instead (clock.cpp, policy CLOCK).
#include <algorithm>

#include "osgrid/os/paging/replacement_policy.h"

namespace osgrid::os {
namespace {

class ClockHand final : public ReplacementPolicy {
 public:
  ClockHand(std::size_t frames, std::int64_t clock_bits) : frames_(frames), clock_bits_(clock_bits) {}
  std::string_view name() const override { return "CLOCK-HAND"; }
  std::size_t capacity() const override { return frames_; }
  bool Contains(Page page) const override { return Find(page) != circle_.end(); }

  /// Resident pages, oldest loaded first (as paging-policy.py lists them).
  void Contents(std::vector<Page>& pages) const override { pages.assign(by_load_.begin(), by_load_.end()); }

  Reference Access(Page page) override {
    auto found = Find(page);
    if (found != circle_.end()) {
      found->use = std::min(found->use + 1, clock_bits_);  // the hardware sets the use bit
      return {true, std::nullopt};
    }
    by_load_.push_back(page);
    if (circle_.size() < frames_) {  // a free frame: no victim needed
      circle_.push_back(Frame{page, 1});
      return {false, std::nullopt};
    }
    Frame& victim = AdvanceToVictim();
    Reference result{false, victim.page};
    by_load_.erase(std::find(by_load_.begin(), by_load_.end(), victim.page));
    victim = Frame{page, 1};
    hand_ = (hand_ + 1) % circle_.size();
    return result;
  }

 private:
  struct Frame {
    Page page = 0;
    std::int64_t use = 0;  // the use (reference) bit, or counter when clock_bits > 1
  };

  std::vector<Frame>::iterator Find(Page page) {
    return std::find_if(circle_.begin(), circle_.end(), [page](const Frame& f) { return f.page == page; });
  }
  std::vector<Frame>::const_iterator Find(Page page) const {
    return std::find_if(circle_.begin(), circle_.end(), [page](const Frame& f) { return f.page == page; });
  }

  /// Sweeps the hand, giving used pages their second chance, until it points
  /// at a frame whose use counter is 0.
  Frame& AdvanceToVictim() {
    while (circle_[hand_].use > 0) {
      --circle_[hand_].use;
      hand_ = (hand_ + 1) % circle_.size();
    }
    return circle_[hand_];
  }

  std::size_t frames_;
  std::int64_t clock_bits_;
  std::vector<Frame> circle_;  // circle_[i] is frame i
  std::size_t hand_ = 0;       // the next frame to inspect
  std::vector<Page> by_load_;  // the resident pages, oldest loaded first (for Contents)
};

}  // namespace

std::unique_ptr<ReplacementPolicy> MakeClockHand(std::size_t frames, std::int64_t clock_bits) {
  return std::make_unique<ClockHand>(frames, clock_bits);
}

}  // namespace osgrid::os
