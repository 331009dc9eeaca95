// Private to os/src/paging: when each page is next referenced, for the
// policies that look into the future (OPT and UNOPT).
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

}  // namespace osgrid::os
