// How far a peer's clock is from the tracker's: Cristian's algorithm.
//
// Source: F. Cristian, "Probabilistic clock synchronization", Distributed
//         Computing 3(3), 1989; Tanenbaum & van Steen, Distributed Systems,
//         3rd ed., 6.1.2 ("Clock synchronization algorithms").
//
// The peer notes its own monotonic time `sent` when it sends a request, the
// tracker answers with its own time `remote` (ms on the tracker's clock),
// and the peer notes `received` when the answer arrives. If the answer took
// half of the round trip to come back, the tracker's clock read `remote`
// at the peer's (sent + received) / 2, so
//
//     offset = remote - (sent + received) / 2
//
// and the error is at most half the round trip. The estimate keeps the
// sample with the shortest round trip among the last `window` samples: a
// short round trip leaves the least room for error. An event is then
// stamped t = local monotonic now + offset, on the tracker's clock.
#pragma once

#include <cstddef>
#include <deque>
#include <optional>

namespace osgrid::net {

class ClockOffset {
 public:
  /// One round trip's reading. All in ms: `sent` and `received` on the
  /// local monotonic clock, `remote` on the other side's clock.
  struct Sample {
    double sent = 0;
    double remote = 0;
    double received = 0;
    double round_trip() const { return received - sent; }
    double offset() const { return remote - (sent + received) / 2; }
  };

  /// Keeps the last `window` samples (>= 1).
  explicit ClockOffset(std::size_t window = 8) : window_(window < 1 ? 1 : window) {}

  /// Adds a reading. One whose `received` is before `sent` (not a round
  /// trip) is ignored and returns false.
  bool Add(Sample sample) {
    if (sample.received < sample.sent) return false;
    samples_.push_back(sample);
    if (samples_.size() > window_) samples_.pop_front();
    return true;
  }

  /// The offset of the best recent sample (ms to add to the local clock),
  /// or nullopt before the first.
  std::optional<double> offset() const {
    const Sample* best = Best();
    return best ? std::optional<double>(best->offset()) : std::nullopt;
  }

  /// How wrong offset() may be: half the best sample's round trip, ms.
  std::optional<double> error_bound() const {
    const Sample* best = Best();
    return best ? std::optional<double>(best->round_trip() / 2) : std::nullopt;
  }

  /// `local` (ms, monotonic) on the other side's clock; `local` itself before the first sample.
  double ToRemote(double local) const { return local + offset().value_or(0); }

 private:
  const Sample* Best() const {
    const Sample* best = nullptr;
    for (const Sample& s : samples_) {
      if (!best || s.round_trip() < best->round_trip()) best = &s;
    }
    return best;
  }

  std::size_t window_;
  std::deque<Sample> samples_;  // oldest first
};

}  // namespace osgrid::net
