// The `lab` command line, shared by `osgrid lab` (the dynamic osgrid) and
// `osgrid-grade lab` (the static grader a Gradescope bundle carries):
// list, test, grade, export and pack (grade/src/command.cpp).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace CLI {
class App;  // CLI11 (a private dependency of osgrid::grade)
}

namespace osgrid::grade {

/// Runs `osgrid sim ARGS...` (ARGS without "osgrid sim", e.g. {"page", "-a",
/// "1,2,3", "-p", "FIFO", "-c", "--trace", "t.trace"}), which writes the
/// trace its --trace names; returns nullopt, or the error's message. grade/
/// does not depend on sim/: `osgrid` passes one (sim::RunSim), and
/// osgrid-grade none, so its --explain prints the command instead.
using SimRunner = std::function<std::optional<std::string>(const std::vector<std::string>& args)>;

/// Adds `lab` and its subcommands to `app`; returns it and the function that
/// runs whichever was parsed. With `run_sim`, `lab grade --only T --explain`
/// also writes the reference run's trace (for osgrid-viz) when the test has
/// one (its reference's "simulate" command).
std::pair<CLI::App*, std::function<int()>> AddLabCommand(CLI::App& app, SimRunner run_sim = {});

/// Overwrites the value of --hidden-seed in argv (after parsing), so other
/// users cannot read it in /proc/PID/cmdline while the grader runs.
void ScrubHiddenSeed(int argc, char** argv);

/// What `osgrid-grade --version` prints: "osgrid VERSION" and one line per
/// lab, "LAB_ID version N" (a Gradescope bundle's run_autograder checks the
/// line of its lab against the bundle's VERSION file).
std::string VersionText();

}  // namespace osgrid::grade
