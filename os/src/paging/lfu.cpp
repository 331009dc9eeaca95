// LFU page replacement: the victim is the page with the smallest reference
// count, on the idea that an actively used page has a large count.
// Source: Silberschatz 10e, 10.4.6 "Counting-Based Page Replacement".
//
// The count starts at 1 when a page is loaded and grows by 1 on each hit; it
// is forgotten when the page is evicted (a page that comes back starts at 1).
// Tie-breaking: among the pages with the smallest count, the least recently
// used one is evicted (for pages never hit since loading, that is the oldest
// loaded: FIFO).
#include <algorithm>

#include "osgrid/os/paging/replacement_policy.h"

namespace osgrid::os {
namespace {

class Lfu final : public ReplacementPolicy {
 public:
  explicit Lfu(std::size_t frames) : frames_(frames) {}
  std::string_view name() const override { return "LFU"; }
  std::size_t capacity() const override { return frames_; }
  bool Contains(Page page) const override { return Find(page) != memory_.end(); }

  /// Resident pages, oldest loaded first.
  void Contents(std::vector<Page>& pages) const override {
    pages.clear();
    for (const Entry& entry : memory_) pages.push_back(entry.page);
  }

  Reference Access(Page page) override {
    ++now_;
    auto found = Find(page);
    if (found != memory_.end()) {
      ++found->count;
      found->last_used = now_;
      return {true, std::nullopt};
    }
    Reference result;
    if (memory_.size() == frames_) {
      auto victim = std::min_element(memory_.begin(), memory_.end(), [](const Entry& a, const Entry& b) {
        return a.count != b.count ? a.count < b.count : a.last_used < b.last_used;
      });
      result.evicted = victim->page;
      memory_.erase(victim);
    }
    memory_.push_back(Entry{page, 1, now_});
    return result;
  }

 private:
  struct Entry {
    Page page = 0;
    std::uint64_t count = 0;      // references since it was loaded
    std::uint64_t last_used = 0;  // time of its latest reference (tie-breaker)
  };

  std::vector<Entry>::iterator Find(Page page) {
    return std::find_if(memory_.begin(), memory_.end(), [page](const Entry& e) { return e.page == page; });
  }
  std::vector<Entry>::const_iterator Find(Page page) const {
    return std::find_if(memory_.begin(), memory_.end(), [page](const Entry& e) { return e.page == page; });
  }

  std::size_t frames_;
  std::uint64_t now_ = 0;      // references so far
  std::vector<Entry> memory_;  // resident pages, oldest loaded first
};

}  // namespace

std::unique_ptr<ReplacementPolicy> MakeLfu(std::size_t frames) { return std::make_unique<Lfu>(frames); }

}  // namespace osgrid::os
