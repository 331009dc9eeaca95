// MRU page replacement: the victim is the page used most recently. The
// opposite of LRU; good only for looping access patterns larger than memory.
// Source: OSTEP ch. 22.5 "Using History: LRU" (MRU, the opposite of LRU) and
//         the homework simulator paging-policy.py (-p MRU).
// Tie-breaking: none needed (recency is a total order).
#include "recency_stack.h"

namespace osgrid::os {

/// A stack of pages by recency; the victim is the most recently used page.
std::unique_ptr<ReplacementPolicy> MakeMru(std::size_t frames) {
  return std::make_unique<RecencyStack>("MRU", frames, RecencyStack::Victim::kMostRecent);
}

}  // namespace osgrid::os
