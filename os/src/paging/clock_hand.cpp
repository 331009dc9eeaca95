// CLOCK, the second-chance page replacement: FIFO that skips pages used since
// the hand last passed them.
// Source: Silberschatz 10e, 10.4.5.2 "Second-Chance Algorithm" (figure 10.17:
//         a circular queue of pages and a hand); OSTEP ch. 22.8
//         "Approximating LRU" (the clock algorithm); paging-policy.py's -b
//         (clock bits) turns the use bit into a small saturating counter.
//
// The frames form a circle. Each holds a page and its use counter: 1 when the
// page is loaded, +1 on every hit up to `clock_bits` (1 = the textbook
// reference bit). On a fault with every frame full, the hand looks at the
// frame it points to: a counter above 0 is decremented and the hand moves on
// (the page's second chance); a counter of 0 makes that page the victim. The
// new page takes the victim's frame and the hand moves past it. Frames fill in
// order 0, 1, 2, ... and the hand starts at frame 0.
//
// Tie-breaking: none needed (the hand's sweep is deterministic). Unlike
// paging-policy.py, whose CLOCK looks at frames in a random order, this is the
// textbook hand, so the two give different victims.
#include <algorithm>

#include "osgrid/os/paging/replacement_policy.h"

namespace osgrid::os {
namespace {

class Clock final : public ReplacementPolicy {
 public:
  Clock(std::size_t frames, int clock_bits) : frames_(frames), clock_bits_(clock_bits) {}
  std::string_view name() const override { return "CLOCK"; }
  std::size_t capacity() const override { return frames_; }
  bool Contains(Page page) const override { return Find(page) != circle_.end(); }

  /// Resident pages, oldest loaded first (as paging-policy.py lists them).
  std::vector<Page> Contents() const override {
    std::vector<const Frame*> by_load;
    for (const Frame& frame : circle_) by_load.push_back(&frame);
    std::sort(by_load.begin(), by_load.end(), [](const Frame* a, const Frame* b) { return a->loaded < b->loaded; });
    std::vector<Page> pages;
    for (const Frame* frame : by_load) pages.push_back(frame->page);
    return pages;
  }

  Reference Access(Page page) override {
    auto found = Find(page);
    if (found != circle_.end()) {
      found->use = std::min(found->use + 1, clock_bits_);  // the hardware sets the use bit
      return {true, std::nullopt};
    }
    if (circle_.size() < frames_) {  // a free frame: no victim needed
      circle_.push_back(Frame{page, 1, loads_++});
      return {false, std::nullopt};
    }
    Frame& victim = AdvanceToVictim();
    Reference result{false, victim.page};
    victim = Frame{page, 1, loads_++};
    hand_ = (hand_ + 1) % circle_.size();
    return result;
  }

 private:
  struct Frame {
    Page page = 0;
    int use = 0;               // the use (reference) bit, or counter when clock_bits > 1
    std::uint64_t loaded = 0;  // load sequence number, for Contents()
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
  int clock_bits_;
  std::vector<Frame> circle_;  // circle_[i] is frame i
  std::size_t hand_ = 0;       // the next frame to inspect
  std::uint64_t loads_ = 0;
};

}  // namespace

std::unique_ptr<ReplacementPolicy> MakeClock(std::size_t frames, int clock_bits) {
  return std::make_unique<Clock>(frames, clock_bits);
}

}  // namespace osgrid::os
