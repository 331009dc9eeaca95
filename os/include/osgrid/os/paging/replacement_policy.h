// Page replacement: which resident page becomes the victim when a page fault
// finds every frame full.
//
// Sources: OSTEP ch. 22 "Beyond Physical Memory: Policies" (22.2 OPT, 22.3
//          FIFO, 22.4 Random, 22.5-22.6 LRU and MRU, 22.8 the clock algorithm,
//          in the randomized variant of its homework paging-policy.py);
//          Silberschatz, Operating System Concepts 10e, 10.4 "Page
//          Replacement" (10.4.2 FIFO, 10.4.3 optimal, 10.4.4 LRU, 10.4.5.2
//          second chance with a clock hand, 10.4.6 counting-based LFU).
//
// A ReplacementPolicy is a cache of `frames` pages that is told about every
// reference, in order, and answers hit or miss and, on a miss with every
// frame full, which page it evicted. The simulator (paging_simulation.h)
// drives one over a reference string; a live page cache can drive the same
// object with real references (every policy but OPT and UNOPT, which need to
// know the future reference string).
//
// Each policy lives in its own file under os/src/paging/ and is built by its
// own Make... function below or by name with MakeReplacementPolicy().
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "osgrid/os/expected.h"
#include "osgrid/os/py_random.h"

namespace osgrid::os {

/// A virtual page number (>= 0).
using Page = std::int64_t;

/// What one reference did to the cache.
struct Reference {
  bool hit = false;             // the page was resident (no page fault)
  std::optional<Page> evicted;  // the victim, when a fault found every frame full
};

class ReplacementPolicy {
 public:
  virtual ~ReplacementPolicy() = default;
  /// "FIFO", "LRU", ...
  virtual std::string_view name() const = 0;
  /// The page is referenced: a hit, or a page fault that loads it (evicting a
  /// victim when all frames are full). Expected O(1) for FIFO, LRU and MRU;
  /// O(frames) per fault for OPT, UNOPT, RAND, CLOCK and LFU.
  virtual Reference Access(Page page) = 0;
  /// Puts the resident pages into `pages` (replacing what it held), in the
  /// order paging-policy.py prints its cache list: least recently used first
  /// for LRU and MRU, otherwise the order in which they were loaded (oldest
  /// first). Reusing one vector keeps a long run free of allocations.
  virtual void Contents(std::vector<Page>& pages) const = 0;
  /// The same, as a new vector.
  std::vector<Page> Contents() const {
    std::vector<Page> pages;
    Contents(pages);
    return pages;
  }
  /// Number of frames (>= 1).
  virtual std::size_t capacity() const = 0;
  /// Whether `page` is resident.
  virtual bool Contains(Page page) const = 0;
};

/// FIFO: evict the page that was loaded first (OSTEP 22.3; Silberschatz
/// 10.4.2). Suffers from Belady's anomaly.
std::unique_ptr<ReplacementPolicy> MakeFifo(std::size_t frames);

/// LRU: evict the least recently used page (OSTEP 22.5; Silberschatz 10.4.4).
/// A stack algorithm: never more faults with more frames.
std::unique_ptr<ReplacementPolicy> MakeLru(std::size_t frames);

/// MRU: evict the most recently used page (OSTEP 22.5, the opposite of LRU).
std::unique_ptr<ReplacementPolicy> MakeMru(std::size_t frames);

/// OPT (Belady's MIN): evict the page whose next reference lies farthest in
/// the future (OSTEP 22.2; Silberschatz 10.4.3). `future` is the whole
/// reference string; Access() is expected to be called with it in order
/// (the k-th call is reference k). Ties (several pages never referenced
/// again): the most recently loaded of them is evicted, as paging-policy.py does.
std::unique_ptr<ReplacementPolicy> MakeOpt(std::size_t frames, std::vector<Page> future);

/// UNOPT: the worst choice, evict the page that will be referenced soonest
/// (paging-policy.py's UNOPT). Ties (only pages never referenced again):
/// the oldest loaded of them.
std::unique_ptr<ReplacementPolicy> MakeUnopt(std::size_t frames, std::vector<Page> future);

/// RAND: evict a resident page chosen at random (OSTEP 22.4), as
/// paging-policy.py does: the resident pages are kept in load order and the
/// victim is the one at index int(random() * frames). The draws come from
/// `random`, which the caller owns and may share (paging-policy.py draws its
/// reference string and its victims from one stream); it must outlive the policy.
std::unique_ptr<ReplacementPolicy> MakeRandom(std::size_t frames, PyRandom& random);
/// The same with a stream of its own, PyRandom(seed).
std::unique_ptr<ReplacementPolicy> MakeRandom(std::size_t frames, std::int64_t seed);

/// CLOCK as OSTEP's homework runs it (paging-policy.py; OSTEP 22.8 and figure
/// 22.9 describe this variant "that randomly scans pages"): each resident page
/// has a use counter, 1 when it is loaded and +1 on each hit, capped at
/// `clock_bits`. On a fault with every frame full it looks at resident pages
/// picked at random (index int(random() * frames) in load order): a counter
/// >= 1 is decremented, a counter of 0 (or less) makes that page the victim.
/// `random` is owned by the caller, as for MakeRandom. Any clock_bits is
/// accepted, as paging-policy.py does (with 0 or less a hit clears the counter).
std::unique_ptr<ReplacementPolicy> MakeClock(std::size_t frames, std::int64_t clock_bits, PyRandom& random);
/// The same with a stream of its own, PyRandom(seed).
std::unique_ptr<ReplacementPolicy> MakeClock(std::size_t frames, std::int64_t clock_bits, std::int64_t seed);

/// CLOCK-HAND, the textbook second-chance algorithm (Silberschatz 10.4.5.2,
/// figure 10.17). The frames form a circle with a hand pointing at the next
/// candidate; each frame has a use counter with the same rules as CLOCK's (1
/// on load, +1 per hit up to `clock_bits`; clock_bits = 1 is the textbook
/// reference bit). On a fault with every frame full the hand sweeps: a frame
/// whose counter is > 0 is decremented and skipped (its second chance); the
/// first frame found at 0 is the victim, the new page takes that frame and
/// the hand moves past it. Deterministic: no random numbers.
std::unique_ptr<ReplacementPolicy> MakeClockHand(std::size_t frames, std::int64_t clock_bits = 1);

/// LFU: evict the page with the smallest reference count (Silberschatz
/// 10.4.6). The count starts at 1 when a page is loaded and is forgotten when
/// it is evicted. Ties: the least recently used of the least-counted pages.
std::unique_ptr<ReplacementPolicy> MakeLfu(std::size_t frames);

/// Options for MakeReplacementPolicy().
struct PolicyOptions {
  std::vector<Page> future;     // the reference string, for OPT and UNOPT
  std::int64_t clock_bits = 2;  // CLOCK, CLOCK-HAND: the use counter's maximum (paging-policy.py's -b)
  PyRandom* random = nullptr;   // RAND, CLOCK: the stream to draw from (not owned); none: ...
  std::int64_t seed = 0;        // ... a stream of their own, PyRandom(seed)
};

/// The policies MakeReplacementPolicy() knows, in display order:
/// FIFO, LRU, OPT, CLOCK, CLOCK-HAND, LFU, MRU, RAND, UNOPT.
const std::vector<std::string>& ReplacementPolicyNames();

/// Builds the policy called `name` (case-sensitive, one of
/// ReplacementPolicyNames()) with `frames` frames.
/// Errors: unknown name, frames == 0.
Expected<std::unique_ptr<ReplacementPolicy>> MakeReplacementPolicy(std::string_view name, std::size_t frames,
                                                                   const PolicyOptions& options = {});

}  // namespace osgrid::os
