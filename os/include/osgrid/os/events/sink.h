// How a simulator says what happens: it hands each event (events.h) to an
// EventSink, through a SimPublisher that numbers and stamps them.
//
// A simulation is its own publisher: its events are numbered seq = 1, 2,
// 3, ... in the order it makes them, `node` is "sim", `t` is the simulator's
// own clock (time units, ticks, an op or reference index: each simulator's
// header says which) and `epoch` is left empty for the caller to set (a
// trace names its run). Events of one instant come in the simulator's own
// step order, so a reader that applies them in seq order replays the run.
//
// An unset sink costs one predictable branch per would-be event: the
// simulators ask on() before they build a payload (no strings, no allocation).
#pragma once

#include <cstdint>
#include <functional>
#include <utility>

#include "osgrid/os/events/events.h"

namespace osgrid::os::events {

/// Receives each event as it is made. It must not call back into the
/// simulator that publishes to it.
using EventSink = std::function<void(const Event&)>;

/// Numbers and stamps a simulation's events, then hands them to its sink.
class SimPublisher {
 public:
  /// `sink` may be empty: then on() is false and Publish must not be called.
  explicit SimPublisher(EventSink sink) : sink_(std::move(sink)) {}

  /// Whether anyone listens. Check it before building a payload.
  bool on() const { return static_cast<bool>(sink_); }

  /// Sends `body` as the next event, at simulated time `t`. Precondition: on().
  void Publish(double t, Payload body) {
    Event event;
    event.seq = ++seq_;
    event.t = t;
    event.node = "sim";
    event.body = std::move(body);
    sink_(event);
  }

  /// How many events have been published (the last seq).
  std::uint64_t published() const { return seq_; }

 private:
  EventSink sink_;
  std::uint64_t seq_ = 0;
};

}  // namespace osgrid::os::events
