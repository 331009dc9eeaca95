// `osgrid lab`: list, test, grade and export the graded labs (lab_command.cpp).
#pragma once

#include <functional>
#include <utility>

#include <CLI/CLI.hpp>

namespace osgrid::cli {

/// Adds `osgrid lab` and its subcommands to `app`; returns it and the function that runs whichever was parsed.
std::pair<CLI::App*, std::function<int()>> AddLabCommand(CLI::App& app);

/// Overwrites the value of --hidden-seed in argv (after parsing), so other
/// users cannot read it in /proc/PID/cmdline while the grader runs.
void ScrubHiddenSeed(int argc, char** argv);

}  // namespace osgrid::cli
