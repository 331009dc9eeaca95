// LRU page replacement: the victim is the page that has not been used for the
// longest time.
// Source: OSTEP ch. 22.5 "Using History: LRU"; Silberschatz 10e, 10.4.4 "LRU
//         Page Replacement" (figure 10.15; the stack implementation, figure
//         10.16: a doubly linked list with the most recently used page on top).
// LRU is a stack algorithm, so it never shows Belady's anomaly.
// Tie-breaking: none needed (recency is a total order).
#include "recency_stack.h"

namespace osgrid::os {

/// A stack of pages by recency; the victim is the least recently used page.
std::unique_ptr<ReplacementPolicy> MakeLru(std::size_t frames) {
  return std::make_unique<RecencyStack>("LRU", frames, RecencyStack::Victim::kLeastRecent);
}

}  // namespace osgrid::os
