// Page-replacement simulation: a reference string run through one policy,
// with the per-reference trace, the totals and the frame table.
//
// Sources: OSTEP ch. 22 (the homework's paging-policy.py prints the same
//          trace); Silberschatz 10e 10.4 (figures 10.12, 10.14 and 10.15 draw
//          the frame table: one column per reference, one row per frame).
//
// Events (SimulatePaging's event_sink; osgrid/os/events/events.h), t = the
// reference's index in the string (0, 1, ...), node "sim", per reference:
// page.hit (the page and the frame it is in); or, for a miss, page.evict
// (the victim and its frame) when there is one, then page.fault (the page
// and the frame it is loaded into).
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "osgrid/os/events/sink.h"
#include "osgrid/os/expected.h"
#include "osgrid/os/paging/replacement_policy.h"

namespace osgrid::os {

/// One reference of the string and what it did.
struct PageAccess {
  Page page = 0;
  bool hit = false;
  std::optional<Page> evicted;              // the victim, or none
  std::vector<Page> cache;                  // resident pages after it, in Contents() order
  std::vector<std::optional<Page>> frames;  // frame i holds frames[i] after it (none = free)
};

/// A whole run.
struct PagingResult {
  std::string policy;
  std::size_t cache_size = 0;        // frames
  std::vector<PageAccess> accesses;  // one per reference, in order (empty when an observer saw them)
  std::size_t hits = 0;
  std::size_t misses = 0;  // = page faults, including the cold (compulsory) ones
  /// hits / references, in [0, 1]; 0 for an empty string.
  double hit_rate() const;
};

/// Sees each reference as soon as it is made. The PageAccess is reused from
/// one call to the next (its vectors keep their memory), so copy what you keep.
using AccessObserver = std::function<void(const PageAccess&)>;

/// Runs `references` through the policy `policy` (see MakeReplacementPolicy)
/// with `frames` frames. OPT and UNOPT are given `references` as their future;
/// RAND and CLOCK draw from options.random (or PyRandom(options.seed)).
/// Frame assignment: a fault with a free frame loads the page into the
/// lowest-numbered free frame; a replacement loads it into the victim's frame.
/// Without `on_access` every access is kept in the result; with it, each is
/// handed to `on_access` in order and none is kept, so memory does not grow
/// with the length of the run. With `event_sink`, each reference is also
/// said as events (see the header comment, "Events"), numbered from seq 1.
/// Errors: unknown policy, frames == 0, a negative page ("reference 3: page
/// must be >= 0, got -2").
Expected<PagingResult> SimulatePaging(const std::string& policy, const std::vector<Page>& references,
                                      std::size_t frames, const PolicyOptions& options = {},
                                      const AccessObserver& on_access = nullptr,
                                      const events::EventSink& event_sink = nullptr);

/// Faults for each cache size in [min_frames, max_frames] (the same misses
/// SimulatePaging counts, without the trace): Belady's anomaly shows as a
/// count that goes up. With options.random, each size starts from a copy of
/// that stream, as separate runs of paging-policy.py with -C size would.
/// Errors as SimulatePaging, and min > max.
struct FaultsAtSize {
  std::size_t cache_size = 0;
  std::size_t misses = 0;
};
Expected<std::vector<FaultsAtSize>> FaultsByCacheSize(const std::string& policy, const std::vector<Page>& references,
                                                      std::size_t min_frames, std::size_t max_frames,
                                                      const PolicyOptions& options = {});

}  // namespace osgrid::os
