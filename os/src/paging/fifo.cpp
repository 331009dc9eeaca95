// FIFO page replacement: the victim is the page that has been in memory the
// longest.
// Source: OSTEP ch. 22.3 "A Simple Policy: FIFO"; Silberschatz 10e, 10.4.2
//         "FIFO Page Replacement" (figure 10.12; Belady's anomaly, figure 10.13).
// Tie-breaking: none needed (load order is a total order).
#include <deque>
#include <unordered_set>

#include "osgrid/os/paging/replacement_policy.h"

namespace osgrid::os {
namespace {

class Fifo final : public ReplacementPolicy {
 public:
  explicit Fifo(std::size_t frames) : frames_(frames) {}
  std::string_view name() const override { return "FIFO"; }
  std::size_t capacity() const override { return frames_; }
  bool Contains(Page page) const override { return resident_.count(page) > 0; }
  void Contents(std::vector<Page>& pages) const override { pages.assign(queue_.begin(), queue_.end()); }

  Reference Access(Page page) override {
    if (Contains(page)) return {true, std::nullopt};  // a hit changes nothing in FIFO
    Reference result;
    if (queue_.size() == frames_) {
      result.evicted = queue_.front();  // first in, first out
      queue_.pop_front();
      resident_.erase(*result.evicted);
    }
    queue_.push_back(page);
    resident_.insert(page);
    return result;
  }

 private:
  std::size_t frames_;
  std::deque<Page> queue_;             // front = loaded first
  std::unordered_set<Page> resident_;  // the pages in queue_
};

}  // namespace

std::unique_ptr<ReplacementPolicy> MakeFifo(std::size_t frames) { return std::make_unique<Fifo>(frames); }

}  // namespace osgrid::os
