// Private to sim/: what each topic's folder builds on -- the Simulation its
// runner prepares, its entry in the registry (osgrid/sim/sim.h), and helpers
// for parsing OSTEP-style lists.
//
// A topic never prints and never exits. Its runner parses and checks the
// input and returns a Simulation, or a BAD_REQUEST Status whose message says
// what is wrong (exit status 2). Writing the Simulation runs the algorithm
// and streams its output (out.h), so a trace of millions of lines is never
// held in memory.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "osgrid/net/status.h"
#include "osgrid/os/events/sink.h"
#include "osgrid/sim/sim.h"
#include "out.h"

namespace osgrid::sim {

/// A problem that has been parsed and checked. Writing it runs the
/// simulation; every input error was found before, so writing cannot fail.
/// Each Write runs the algorithm afresh, so a caller may write one
/// Simulation in several forms.
class Simulation {
 public:
  virtual ~Simulation() = default;
  /// The terminal output: the problem, and with -c the answers.
  virtual void WriteText(TextOut& out) const = 0;
  /// The --json object (docs/sim-json.md); it always holds the answers.
  virtual void WriteJson(JsonOut& out) const = 0;
  /// The picture as a whole SVG document, or "" when the run has none.
  virtual std::string Svg() const { return {}; }
  /// Runs the algorithm once more, handing each event it makes
  /// (osgrid/os/events/events.h) to `sink` as the simulator numbers it: seq
  /// 1, 2, 3, ..., node "sim", epoch empty. What --trace writes. A run that
  /// says nothing (the Banker's algorithm; a topic without events, whose
  /// Topic::time_unit is empty and which is never asked) leaves it alone.
  virtual void WriteEvents(const os::events::EventSink& sink) const { (void)sink; }
};

/// A Simulation whose output was built beforehand: for topics whose output
/// is as small as their input (deadlock, sync), where streaming gains nothing.
Prepared Stored(Outcome outcome);

/// Each topic's entry, defined by its folder: sched/, mem/, page/, disk/, deadlock/, sync/, proc/.
Topic SchedTopic();
Topic MlfqTopic();
Topic MemTopic();
Topic PageTopic();
Topic DiskTopic();
Topic DeadlockTopic();
Topic SyncTopic();
Topic ProcTopic();

// ---- Helpers for topics: parsing OSTEP-style lists -----------------------------

/// BAD_REQUEST with `message`: what every topic returns for bad input.
inline Status BadInput(std::string message) { return Status::BadRequest(std::move(message)); }

/// "5,10,15" -> {5, 10, 15}. `what` names the list in errors
/// ("-l (job lengths): '5,x' is not a list of integers"). Spaces are allowed
/// around items; an empty string gives an empty list.
Result<std::vector<std::int64_t>> ParseIntList(const std::string& text, const std::string& what);
/// "a,b,c" -> {"a", "b", "c"}, items trimmed; empty items are an error.
Result<std::vector<std::string>> ParseWordList(const std::string& text, const std::string& what);
/// Upper-cases ASCII: policy names are case-insensitive ("sjf" == "SJF").
std::string Upper(std::string text);

}  // namespace osgrid::sim
