// A peer's utilisation from its Gantt bars: see utilisation.h.
//
// Source: Silberschatz 10e 5.2 (CPU utilization, one of the scheduling
//         criteria); the bars are timeline.h's.
#include "osgrid/viz/utilisation.h"

#include <algorithm>
#include <cmath>

namespace osgrid::viz {

namespace {

/// Cores not told: the lanes the timeline opened for them (overflow excluded), at least 1.
int CoresFromLanes(const PeerTimeline& peer) {
  const auto lanes =
      std::count_if(peer.lanes.begin(), peer.lanes.end(), [](const Lane& lane) { return !lane.overflow(); });
  return std::max(1, static_cast<int>(lanes));
}

/// Adds the busy time [from, to) to the buckets it overlaps, busy[k] being
/// [history.start + k x bucket, ... + bucket), clipped to [history.start, history.end).
void AddBusy(const UtilisationHistory& history, std::vector<double>& busy, double from, double to) {
  from = std::max(from, history.start);
  to = std::min(to, history.end);
  if (to <= from) return;
  auto k = static_cast<std::size_t>((from - history.start) / history.bucket);
  for (; k < busy.size() && from < to; ++k) {
    const double bucket_end = history.start + static_cast<double>(k + 1) * history.bucket;
    const double part = std::min(to, bucket_end) - from;
    if (part > 0) busy[k] += part;
    from = std::max(from, bucket_end);
  }
}

}  // namespace

double UtilisationBucket(const SourceInfo& source) { return source.is_sim() ? 1.0 : 1000.0; }

bool HasBars(const PeerTimeline& peer) {
  return std::any_of(peer.lanes.begin(), peer.lanes.end(),
                     [](const Lane& lane) { return !lane.bars().empty() || lane.open() != nullptr; });
}

UtilisationHistory Utilisation(const PeerTimeline& peer, int cores, double now_t, double bucket, std::size_t count,
                               double since_t) {
  UtilisationHistory history;
  history.bucket = bucket;
  history.end = now_t;
  if (count == 0 || bucket <= 0 || now_t <= since_t) return history;
  // The bucket that holds now_t (one that ends exactly at now_t), and the first shown.
  const double last = std::ceil(now_t / bucket) - 1;
  const double first = std::max(last - static_cast<double>(count) + 1, std::floor(since_t / bucket));
  history.start = first * bucket;
  std::vector<double> busy(static_cast<std::size_t>(last - first) + 1, 0.0);

  for (const Lane& lane : peer.lanes) {
    for (const GanttBar& bar : lane.Overlapping(history.start, now_t)) {
      if (bar.kind == BarKind::kRun) AddBusy(history, busy, bar.start, bar.end);
    }
    if (const GanttBar* open = lane.open(); open != nullptr && open->kind == BarKind::kRun) {
      AddBusy(history, busy, open->start, now_t);  // it runs still: up to the picture's time
    }
  }

  const double capacity = static_cast<double>(cores > 0 ? cores : CoresFromLanes(peer));
  history.buckets.resize(busy.size());
  for (std::size_t k = 0; k < busy.size(); ++k) {
    const double from = history.start + static_cast<double>(k) * bucket;
    const double length = std::min(from + bucket, now_t) - from;
    history.buckets[k] = busy[k] / (capacity * length);
    history.busy += busy[k];
  }
  history.average = history.busy / (capacity * (now_t - history.start));
  return history;
}

}  // namespace osgrid::viz
