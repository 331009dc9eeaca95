// Private to os/src/paging: when each page is next referenced, and the base
// of the policies that look into the future (OPT and UNOPT), which differ
// only in the victim they choose.
// Source: OSTEP ch. 22.2 "The Optimal Replacement Policy"; Silberschatz 10e,
//         10.4.3 "Optimal Page Replacement".
#pragma once

#include <algorithm>
#include <cstddef>
#include <unordered_map>
#include <vector>

#include "osgrid/os/paging/replacement_policy.h"

namespace osgrid::os {

/// The positions at which each page occurs in a reference string.
class NextUse {
 public:
  explicit NextUse(const std::vector<Page>& future) : length_(future.size()) {
    for (std::size_t i = 0; i < future.size(); ++i) positions_[future[i]].push_back(i);
  }

  /// The first position after `now` at which `page` is referenced, or
  /// Never() when it is not referenced again.
  std::size_t After(Page page, std::size_t now) const {
    auto found = positions_.find(page);
    if (found == positions_.end()) return Never();
    const std::vector<std::size_t>& at = found->second;  // ascending
    auto next = std::upper_bound(at.begin(), at.end(), now);
    return next == at.end() ? Never() : *next;
  }

  /// "Not referenced again": the length of the string, later than any position.
  std::size_t Never() const { return length_; }

 private:
  std::size_t length_;
  std::unordered_map<Page, std::vector<std::size_t>> positions_;
};

/// A policy that knows the whole reference string: it keeps the resident
/// pages in load order and counts references; a subclass chooses the victim.
class ClairvoyantPolicy : public ReplacementPolicy {
 public:
  ClairvoyantPolicy(std::size_t frames, const std::vector<Page>& future) : frames_(frames), next_use_(future) {}
  std::size_t capacity() const override { return frames_; }
  bool Contains(Page page) const override { return std::find(memory_.begin(), memory_.end(), page) != memory_.end(); }
  /// Oldest loaded first.
  void Contents(std::vector<Page>& pages) const override { pages = memory_; }

  Reference Access(Page page) final {
    Reference result{Contains(page), std::nullopt};
    if (!result.hit) {
      if (memory_.size() == frames_) {
        const std::size_t victim = VictimIndex();
        result.evicted = memory_[victim];
        memory_.erase(memory_.begin() + static_cast<std::ptrdiff_t>(victim));
      }
      memory_.push_back(page);
    }
    ++now_;
    return result;
  }

 protected:
  /// Which resident page (an index into Contents()) to evict; memory is full.
  virtual std::size_t VictimIndex() const = 0;
  std::size_t resident() const { return memory_.size(); }
  /// When the i-th resident page is next referenced (NextUse::Never() if not again).
  std::size_t NextUseOf(std::size_t i) const { return next_use_.After(memory_[i], now_); }

 private:
  std::size_t frames_;
  NextUse next_use_;
  std::size_t now_ = 0;       // position of the reference being made
  std::vector<Page> memory_;  // resident pages, oldest loaded first
};

}  // namespace osgrid::os
