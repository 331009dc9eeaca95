// The `osgrid` command line (CLI11): every subcommand, its options and its
// --help text, documented for users in docs/cli.md.
#pragma once

namespace osgrid::cli {

/// Parses argv, runs one subcommand and returns the process exit status:
///   0    success (for `run`: every expectation held)
///   1    an error from the cluster or the network, or a scenario that failed
///   2    bad usage or bad input, found before anything was sent or started
///   128+N  `run` was interrupted by signal N (130 for Ctrl-C), after stopping its cluster
/// Errors are printed as one line "osgrid: CODE: message" on stderr.
int RunCommandLine(int argc, char** argv);

}  // namespace osgrid::cli
