// Page-replacement simulation: one policy over a reference string.
// Source: OSTEP ch. 22 (paging-policy.py's trace); Silberschatz 10e, 10.4
//         (figures 10.12, 10.14, 10.15: the frame table over time).
#include "osgrid/os/paging/paging_simulation.h"

#include <algorithm>
#include <unordered_map>

namespace osgrid::os {
namespace {

Expected<bool> CheckReferences(const std::vector<Page>& references) {
  for (std::size_t i = 0; i < references.size(); ++i) {
    if (references[i] < 0) {
      return Fail("reference " + std::to_string(i + 1) + ": page must be >= 0, got " + std::to_string(references[i]));
    }
  }
  return true;
}

/// Which page is in which frame: the frame table of Silberschatz's figures.
class FrameTable {
 public:
  explicit FrameTable(std::size_t frames) : frames_(frames) {}

  /// Records a fault that loaded `page`, replacing `victim` if there was one:
  /// the page goes into the victim's frame, or else the lowest free frame.
  /// Returns that frame.
  std::size_t Load(Page page, const std::optional<Page>& victim) {
    std::size_t frame = 0;
    if (victim) {
      frame = frame_of_.at(*victim);
      frame_of_.erase(*victim);
    } else {
      while (frames_[frame].has_value()) ++frame;
    }
    frames_[frame] = page;
    frame_of_[page] = frame;
    return frame;
  }

  /// The frame a resident page is in. Precondition: resident.
  std::size_t FrameOf(Page page) const { return frame_of_.at(page); }

  const std::vector<std::optional<Page>>& frames() const { return frames_; }

 private:
  std::vector<std::optional<Page>> frames_;
  std::unordered_map<Page, std::size_t> frame_of_;
};

/// A frame number as events carry it.
std::int64_t Frame(std::size_t frame) { return static_cast<std::int64_t>(frame); }

}  // namespace

double PagingResult::hit_rate() const {
  const std::size_t total = hits + misses;
  return total == 0 ? 0.0 : static_cast<double>(hits) / static_cast<double>(total);
}

Expected<PagingResult> SimulatePaging(const std::string& policy, const std::vector<Page>& references,
                                      std::size_t frames, const PolicyOptions& options, const AccessObserver& on_access,
                                      const events::EventSink& event_sink) {
  Expected<bool> valid = CheckReferences(references);
  if (!valid) return valid.error();
  PolicyOptions with_future = options;
  with_future.future = references;
  auto made = MakeReplacementPolicy(policy, frames, with_future);
  if (!made) return made.error();
  ReplacementPolicy& cache = **made;

  PagingResult result;
  result.policy = policy;
  result.cache_size = frames;
  FrameTable table(frames);
  events::SimPublisher publisher(event_sink);
  PageAccess access;
  for (std::size_t i = 0; i < references.size(); ++i) {
    const Page page = references[i];
    const Reference ref = cache.Access(page);
    const auto t = static_cast<double>(i);
    if (ref.hit) {
      ++result.hits;
      if (publisher.on()) publisher.Publish(t, events::PageHit{page, Frame(table.FrameOf(page))});
    } else {
      ++result.misses;
      if (ref.evicted && publisher.on()) {
        publisher.Publish(t, events::PageEvict{*ref.evicted, Frame(table.FrameOf(*ref.evicted))});
      }
      const std::size_t frame = table.Load(page, ref.evicted);
      if (publisher.on()) publisher.Publish(t, events::PageFault{page, Frame(frame)});
    }
    access.page = page;
    access.hit = ref.hit;
    access.evicted = ref.evicted;
    cache.Contents(access.cache);
    access.frames = table.frames();
    if (on_access) {
      on_access(access);
    } else {
      result.accesses.push_back(access);
    }
  }
  return result;
}

Expected<std::vector<FaultsAtSize>> FaultsByCacheSize(const std::string& policy, const std::vector<Page>& references,
                                                      std::size_t min_frames, std::size_t max_frames,
                                                      const PolicyOptions& options) {
  if (min_frames > max_frames) {
    return Fail("cache size range " + std::to_string(min_frames) + "-" + std::to_string(max_frames) +
                " is empty (the first size is larger than the last)");
  }
  Expected<bool> valid = CheckReferences(references);
  if (!valid) return valid.error();
  PolicyOptions with_future = options;
  with_future.future = references;
  std::vector<FaultsAtSize> faults;
  for (std::size_t frames = min_frames; frames <= max_frames; ++frames) {
    std::optional<PyRandom> stream;  // each size draws from the same starting state
    if (options.random != nullptr) with_future.random = &stream.emplace(*options.random);
    auto made = MakeReplacementPolicy(policy, frames, with_future);
    if (!made) return made.error();
    FaultsAtSize point{frames, 0};
    for (Page page : references) point.misses += (*made)->Access(page).hit ? 0 : 1;
    faults.push_back(point);
  }
  return faults;
}

}  // namespace osgrid::os
