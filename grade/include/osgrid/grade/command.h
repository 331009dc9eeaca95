// The `lab` command line, shared by `osgrid lab` (the dynamic osgrid) and
// `osgrid-grade lab` (the static grader a Gradescope bundle carries):
// list, test, grade, export and pack (grade/src/command.cpp).
#pragma once

#include <functional>
#include <string>
#include <utility>

namespace CLI {
class App;  // CLI11 (a private dependency of osgrid::grade)
}

namespace osgrid::grade {

/// Adds `lab` and its subcommands to `app`; returns it and the function that runs whichever was parsed.
std::pair<CLI::App*, std::function<int()>> AddLabCommand(CLI::App& app);

/// Overwrites the value of --hidden-seed in argv (after parsing), so other
/// users cannot read it in /proc/PID/cmdline while the grader runs.
void ScrubHiddenSeed(int argc, char** argv);

/// What `osgrid-grade --version` prints: "osgrid VERSION" and one line per
/// lab, "LAB_ID version N" (a Gradescope bundle's run_autograder checks the
/// line of its lab against the bundle's VERSION file).
std::string VersionText();

}  // namespace osgrid::grade
