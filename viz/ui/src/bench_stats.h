// What osgrid-viz-bench (bench/viz_bench.cpp) reads from a running viewer:
// `osgrid-viz --bench-stats FILE` rewrites FILE about once a second with
// counters that only grow, so the bench takes the difference of two
// readings for any window it likes and may kill the viewer at any time:
//
//   {"format":"osgrid-viz-bench-stats","version":1,
//    "steady_ms":     the viewer's monotonic clock (CLOCK_MONOTONIC) when written, ms
//    "frames":        frames drawn and swapped
//    "frame_work_ms": {"bin_ms":0.25,"counts":[[bin,count],...],"max":..}  per frame: drain, build, render, swap
//    "delay_ms":      the same, per peer event: from its t to the swap of the first frame that drew it
//    "events":        events received (Model::end_index)}
//
// The delay: a peer stamps an event's t on the tracker's axis (ms since the
// tracker started) and the tracker passes it on untouched; given where that
// axis starts on this machine's monotonic clock (--bench-t-origin, which the
// bench takes from the tracker's STATUS uptime), the viewer turns t back into
// a monotonic time and subtracts it from the moment glfwSwapBuffers returned.
// So the delay covers the peer's send, the tracker, the subscription, the
// network thread, the inbox, the wait for the next frame and drawing it.
// Only events from a peer count (node != "tracker"): the tracker's own are
// stamped when it makes them, not when a peer sent something.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "osgrid/viz/model.h"

namespace osgrid::viz::ui {

/// Counts of values (ms) in bins of `bin_ms`, up to `limit_ms` (larger ones
/// fall in the last bin), and the largest value seen.
class MsHistogram {
 public:
  explicit MsHistogram(double bin_ms = 0.25, double limit_ms = 10'000);
  void Add(double ms);
  /// {"bin_ms":.., "counts":[[bin, count], ...] (non-empty bins), "max":..}
  std::string ToJson() const;

 private:
  double bin_ms_;
  std::vector<std::uint64_t> counts_;
  double max_ = 0;
};

class BenchStats {
 public:
  /// Writes to `path` (through path + ".tmp" and a rename); `t_origin_ms`:
  /// the monotonic time, ms, at which the tracker's t was 0.
  BenchStats(std::string path, double t_origin_ms);

  /// After a frame was swapped: it took `work_ms`, and it drew the model's
  /// entries from index `from` to its end_index() for the first time.
  void FrameShown(const Model& model, std::uint64_t from, double work_ms);
  /// Rewrites the file if a second has passed since the last write (always when `now`).
  void Write(bool now = false);

 private:
  std::string path_;
  double t_origin_ms_;
  std::uint64_t frames_ = 0, events_ = 0;
  MsHistogram frame_work_, delay_;
  double last_write_ms_ = 0;
};

/// The monotonic clock, ms (the same clock in every process of the machine).
double SteadyNowMs();

}  // namespace osgrid::viz::ui
