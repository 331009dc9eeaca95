// Private to os/paging: the stack of resident pages ordered by recency of use
// (Silberschatz 10e, 10.4.4, figure 10.16: a doubly linked list with the most
// recently used page on top, plus a map from page to its list node, so that
// every reference is O(1)). LRU evicts from the bottom of the stack (lru.cpp);
// MRU, its mirror image, from the top (mru.cpp).
#pragma once

#include <list>
#include <string_view>
#include <unordered_map>

#include "osgrid/os/paging/replacement_policy.h"

namespace osgrid::os {

class RecencyStack final : public ReplacementPolicy {
 public:
  enum class Victim {
    kLeastRecent,  // the bottom of the stack: LRU
    kMostRecent,   // the top: MRU
  };

  RecencyStack(std::string_view name, std::size_t frames, Victim victim)
      : name_(name), frames_(frames), victim_(victim) {}
  std::string_view name() const override { return name_; }
  std::size_t capacity() const override { return frames_; }
  bool Contains(Page page) const override { return where_.count(page) > 0; }
  /// Least recently used first.
  void Contents(std::vector<Page>& pages) const override { pages.assign(stack_.begin(), stack_.end()); }

  Reference Access(Page page) override {
    auto found = where_.find(page);
    if (found != where_.end()) {
      stack_.splice(stack_.end(), stack_, found->second);  // a hit moves the page to the top
      return {true, std::nullopt};
    }
    Reference result;
    if (stack_.size() == frames_) result.evicted = Evict();
    where_[page] = stack_.insert(stack_.end(), page);
    return result;
  }

 private:
  Page Evict() {
    const auto victim = victim_ == Victim::kLeastRecent ? stack_.begin() : std::prev(stack_.end());
    const Page page = *victim;
    where_.erase(page);
    stack_.erase(victim);
    return page;
  }

  std::string_view name_;
  std::size_t frames_;
  Victim victim_;
  std::list<Page> stack_;  // front = least recently used, back = most recently used
  std::unordered_map<Page, std::list<Page>::iterator> where_;
};

}  // namespace osgrid::os
