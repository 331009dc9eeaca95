// LRU page replacement: the victim is the page that has not been used for the
// longest time.
// Source: OSTEP ch. 22.5 "Using History: LRU"; Silberschatz 10e, 10.4.4 "LRU
//         Page Replacement" (figure 10.15; the stack implementation, figure
//         10.16: a doubly linked list with the most recently used page on top).
// LRU is a stack algorithm, so it never shows Belady's anomaly.
// Tie-breaking: none needed (recency is a total order).
#include <list>
#include <unordered_map>

#include "osgrid/os/paging/replacement_policy.h"

namespace osgrid::os {
namespace {

class Lru final : public ReplacementPolicy {
 public:
  explicit Lru(std::size_t frames) : frames_(frames) {}
  std::string_view name() const override { return "LRU"; }
  std::size_t capacity() const override { return frames_; }
  bool Contains(Page page) const override { return where_.count(page) > 0; }
  std::vector<Page> Contents() const override { return {stack_.begin(), stack_.end()}; }

  Reference Access(Page page) override {
    auto found = where_.find(page);
    if (found != where_.end()) {
      stack_.splice(stack_.end(), stack_, found->second);  // now the most recently used
      return {true, std::nullopt};
    }
    Reference result;
    if (stack_.size() == frames_) {
      result.evicted = stack_.front();  // the least recently used
      where_.erase(stack_.front());
      stack_.pop_front();
    }
    where_[page] = stack_.insert(stack_.end(), page);
    return result;
  }

 private:
  std::size_t frames_;
  std::list<Page> stack_;  // front = least recently used, back = most recently used
  std::unordered_map<Page, std::list<Page>::iterator> where_;
};

}  // namespace

std::unique_ptr<ReplacementPolicy> MakeLru(std::size_t frames) { return std::make_unique<Lru>(frames); }

}  // namespace osgrid::os
