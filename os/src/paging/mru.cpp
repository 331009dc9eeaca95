// MRU page replacement: the victim is the page used most recently. The
// opposite of LRU; good only for looping access patterns larger than memory.
// Source: OSTEP ch. 22.5 "Using History: LRU" (MRU, the opposite of LRU) and
//         the homework simulator paging-policy.py (-p MRU).
// Tie-breaking: none needed (recency is a total order).
#include <list>
#include <unordered_map>

#include "osgrid/os/paging/replacement_policy.h"

namespace osgrid::os {
namespace {

class Mru final : public ReplacementPolicy {
 public:
  explicit Mru(std::size_t frames) : frames_(frames) {}
  std::string_view name() const override { return "MRU"; }
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
      result.evicted = stack_.back();  // the most recently used
      where_.erase(stack_.back());
      stack_.pop_back();
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

std::unique_ptr<ReplacementPolicy> MakeMru(std::size_t frames) { return std::make_unique<Mru>(frames); }

}  // namespace osgrid::os
