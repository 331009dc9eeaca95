// Private to scenario/: the scenario step `sim:`, which runs `osgrid sim` (no
// cluster) on one input under one or more policies and prints the runs side
// by side:
//
//   - sim: sched
//     args: -l 100,10,10 -q 5      # the topic's flags, as on the command line
//     policies: [FCFS, SJF, RR]    # optional; each run gets the topic's policy flag
//     expect:
//       answers: {SJF: {average.turnaround: 50}}
//
// The args are checked when the file is loaded (by running the simulation
// once per policy), so a bad flag is a file:line error before anything
// starts. A relative path among the args that names a file in the scenario's
// folder is read from there, like `file:` in cpu steps.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "osgrid/scenario/scenario.h"
#include "scenario_parser.h"
#include "steps.h"

namespace osgrid::scenario {

/// The `sim` row of the step table: parses `sim: <topic>` and its step keys
/// `args` (a string split like a shell, or a list) and `policies` (a list).
std::optional<Action> ParseSimStep(StepParser& parser, const YamlEntry& action);

/// Runs the step: one simulation per policy, a side-by-side table of the key
/// figures and each run's compact picture (the whole solved output when there
/// is a single run). The reply is the run's --json object, or with policies
/// {policy: object}.
StepResult RunSimStep(const SimStep& step, StepContext& context);

/// "sim sched -l 100,10,10 under FCFS, SJF, RR"
std::string DescribeSimStep(const SimStep& step);

/// One check per expected answer: `answers` against `reply` (RunSimStep's).
std::vector<Check> SimAnswerChecks(const Json& answers, const SimStep& step, const Json& reply);

/// Splits `text` into words like a POSIX shell: blanks separate words,
/// '...' and "..." quote, a backslash escapes the next character outside
/// single quotes. Errors: an unterminated quote (the message says which).
Result<std::vector<std::string>> SplitWords(const std::string& text);

}  // namespace osgrid::scenario
