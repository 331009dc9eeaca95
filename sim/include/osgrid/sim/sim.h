// `osgrid sim`: the textbook algorithms of os/ on the command line, without
// a cluster. What others call: the `osgrid sim` command (AddSimCommand), the
// scenario runner's `sim:` steps (RunSim, the Topic registry), and anything
// else that wants a simulation's answers, text or picture.
//
// Each topic (sched, mlfq, mem, page, disk, deadlock, sync, proc) lives in its
// own folder under sim/src/ and provides one Topic: it adds its options to
// a CLI11 subcommand and returns the function that runs it (what a topic
// builds on is private: sim/src/topic.h). sim/src/sim.cpp does what every
// topic shares: the common options (OSTEP's -c and -s, --json, --svg,
// --trace), printing, writing the picture and the trace (sim_trace.h), and
// exit statuses, and RunSim() for the scenario runner's `sim:` steps.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "osgrid/net/json.h"
#include "osgrid/net/status.h"

namespace osgrid::sim {

/// The options every topic has, with the letters of OSTEP's homework
/// simulators (scheduler.py, mlfq.py, malloc.py, paging-policy.py).
struct CommonOptions {
  bool solve = false;                // -c, --solve: print the answers, not only the problem
  std::optional<std::int64_t> seed;  // -s, --seed N: generate a random problem from seed N (as random.seed(N))
  bool json = false;                 // --json: one JSON object per run (docs/sim-json.md)
  std::string svg_path;              // --svg FILE: write the chart/map/graph as an SVG picture
  bool ostep = false;                // --ostep: only what OSTEP's simulator prints, none of osgrid's additions
  std::string trace_path;            // --trace FILE: also write the run's events as a trace ("-": stdout)
};

/// A problem that has been parsed and checked, ready to write: what a
/// topic's Runner prepares (defined in sim/src/topic.h).
class Simulation;

/// What the runner returns: a Simulation ready to write, or BAD_REQUEST.
using Prepared = Result<std::unique_ptr<Simulation>>;

/// One run, written out in every form: what scenario steps and tests use.
struct Output {
  Json json = Json::object();  // the --json object; always holds the answers
  std::string text;            // the terminal output: the problem, and the answers when solving
  std::string svg;             // a whole SVG document, or empty when the topic has no picture
};

using Outcome = Result<Output>;

/// The function that runs a parsed command.
using Runner = std::function<Prepared(const CommonOptions&)>;

/// One `osgrid sim <name>` command.
struct Topic {
  std::string name;     // "sched"
  std::string summary;  // one line for `osgrid sim --help`
  /// The OSTEP homework simulator whose output this topic reproduces byte
  /// for byte ("cpu-sched/scheduler.py"), or empty: then there is no --ostep.
  std::string ostep_simulator;
  /// The unit of `t` in its events, for a trace's header: "time unit",
  /// "tick", "op" (an op's index), "reference" (a reference's index), "step"
  /// (deadlock: always 0). Empty when its simulator makes no events: then
  /// --trace is refused.
  std::string time_unit;
  /// Adds the topic's own options (and footer with examples) to `command`,
  /// which already has the common ones; returns the function that runs it.
  /// The options' storage must be owned by the returned function (capture a
  /// shared_ptr), since `command` keeps pointers to it.
  std::function<Runner(CLI::App& command)> add;
  /// The flag that selects the policy ("-p"), for scenario steps that run one
  /// input under several policies; empty when the topic has no policies.
  std::string policy_flag;
  /// Key figures of one run's JSON for a side-by-side table, as (column,
  /// value) pairs in display order, e.g. {{"avg turnaround", "15.00"}, ...}.
  std::function<std::vector<std::pair<std::string, std::string>>(const Json& run)> summarize;
  /// A compact picture of one run's JSON for a side-by-side listing (a
  /// one-line Gantt chart, a memory map); may be empty.
  std::function<std::string(const Json& run)> brief;
};

/// Every topic, in the order `osgrid sim --help` lists them.
std::vector<Topic> AllTopics();

/// Adds `sim` and one subcommand per topic to `app`. Returns the `sim`
/// subcommand and the function that runs whichever topic was parsed, prints
/// it and returns the exit status (0, or 2 for bad input, --trace on a topic
/// without events, or an unwritable --svg or --trace file). With --trace -
/// the trace takes stdout and the usual output goes to stderr.
std::pair<CLI::App*, std::function<int()>> AddSimCommand(CLI::App& app);

/// Runs `osgrid sim <args...>` without printing, e.g. {"sched", "-l", "5,10",
/// "-p", "SJF", "-c"}, and returns the run in every form: what scenario
/// `sim:` steps use. With --trace FILE it writes the trace as the command
/// does (FILE "-" is refused: stdout is not its to write). Errors:
/// BAD_REQUEST (unknown topic or option, bad input), with the message the
/// command would print; IO (the trace file cannot be written).
Outcome RunSim(const std::vector<std::string>& args);

/// Backs the heap with transparent huge pages, for a simulation about to
/// allocate megabytes. On the VMs osgrid is taught on a 4 KiB page fault
/// costs ~10 us: 25,000 jobs touch ~10 MB, and 2,300 faults were a third of
/// `osgrid sim sched`'s time. Call it first thing, while the heap is still
/// small (RunCommandLine does, for `osgrid sim`). Best effort: without
/// transparent huge pages nothing changes.
void UseHugePagesForTheHeap();

/// The topic called `name`, or nullptr.
const Topic* FindTopic(const std::string& name);

}  // namespace osgrid::sim
