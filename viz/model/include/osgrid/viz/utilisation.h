// A peer's CPU utilisation over time, derived from its Gantt bars
// (timeline.h): per bucket of time, the core-time its tasks ran over the
// core-time it had,
//
//   utilisation(bucket) = busy core-time in the bucket / (cores x the bucket's length)
//
// (Silberschatz 10e 5.2, "CPU utilization"; the simulator's `utilization`,
// os/sched/simulator.h, is the same ratio over a whole run). A peer.load
// sample says how many tasks ran at one instant, and peers send few; the
// bars say when every task ran, so every bucket has a figure.
//
//   2 cores, bucket 1000 ms, one bar [0, 500):  bucket [0, 1000) is
//   500 / (2 x 1000) = 25 %.
//
// Buckets are aligned on multiples of the bucket's width, so they stay put
// while the picture's time `now_t` moves; the last one holds now_t and is
// counted up to now_t only (its figure is over that part). What counts is
// what ran before now_t: a bar still open, or closed after now_t (a replay
// looking back), counts up to now_t; a bar that starts later does not. Only
// task bars count: a context switch (BarKind::kSwitch) is neither busy nor
// idle (os/sched/simulator.h).
//
// Cost: per lane, Lane::Overlapping's two binary searches and then the bars
// in the window: O(lanes x log bars + bars in the window + buckets), with
// nothing kept between calls, so a seek costs nothing here. The viewer calls
// it per peer per frame.
//
// Units: t and bucket widths in ms live, the simulator's unit in a simulation.
#pragma once

#include <cstddef>
#include <vector>

#include "osgrid/viz/timeline.h"
#include "osgrid/viz/view_state.h"

namespace osgrid::viz {

/// The bucket width for `source`: 1000 ms live and for recorded runs, one
/// time unit in a simulation (whose runs last tens of units).
double UtilisationBucket(const SourceInfo& source);

/// A peer's utilisation in the buckets up to a time.
struct UtilisationHistory {
  double bucket = 0;            // every bucket's width (ms; the simulator's unit)
  double start = 0;             // where the first bucket starts: a multiple of `bucket`
  double end = 0;               // now_t: where the last bucket stops
  std::vector<double> buckets;  // buckets[k]: over [start + k x bucket, min(start + (k + 1) x bucket, end)),
                                // 0..1 (above 1 only with overflow lanes: a gap in the stream)
  double busy = 0;              // busy core-time over [start, end)
  double average = 0;           // over [start, end): busy / (cores x (end - start))

  bool empty() const { return buckets.empty(); }
};

/// The utilisation of `peer`, which has `cores` cores (<= 0: as many as its
/// lanes that are not overflow, at least 1), in the last `count` buckets of
/// width `bucket` (> 0) up to `now_t`, none starting before the bucket that
/// holds `since_t` (the recording's start). Empty when now_t <= since_t or
/// count is 0. O(lanes x log bars + bars in the window + count).
UtilisationHistory Utilisation(const PeerTimeline& peer, int cores, double now_t, double bucket, std::size_t count,
                               double since_t = 0);

/// Whether `peer` has any bar at all (closed or open, task or switch). A
/// peer with load samples and no bar is one whose task events the viewer
/// does not get (a stream filtered to peer.*): the viewer then draws its
/// peer.load samples instead. O(lanes).
bool HasBars(const PeerTimeline& peer);

}  // namespace osgrid::viz
