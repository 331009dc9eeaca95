// osgrid-grade: the lab grader alone, linked statically (grade/CMakeLists.txt),
// the executable a Gradescope bundle carries (labs/README.md, "Gradescope").
// `osgrid-grade lab list|test|grade|export|pack` is `osgrid lab ...` (the same
// code: osgrid/grade/command.h); --version prints osgrid's version and each
// lab's, which a bundle's run_autograder checks against its VERSION file.
#include <CLI/CLI.hpp>
#include <exception>
#include <iostream>

#include "osgrid/grade/command.h"

int main(int argc, char** argv) {
  try {
    CLI::App app(
        "osgrid-grade: the graded labs' grader, statically linked for Gradescope bundles\n"
        "(the same `lab` commands as `osgrid lab`)",
        "osgrid-grade");
    app.require_subcommand(1);
    std::string versions = osgrid::grade::VersionText();
    versions.pop_back();  // CLI11 adds the last newline
    app.set_version_flag("--version", versions, "Print osgrid's version and each lab's, and exit");
    auto [lab, run_lab] = osgrid::grade::AddLabCommand(app);
    (void)lab;
    try {
      app.parse(argc, argv);
    } catch (const CLI::ParseError& error) {
      if (error.get_exit_code() == 0) return app.exit(error);  // --help, --version
      std::cerr << "osgrid-grade: BAD_REQUEST: " << error.what() << " (see 'osgrid-grade --help')\n";
      return 2;
    }
    osgrid::grade::ScrubHiddenSeed(argc, argv);
    return run_lab();
  } catch (const std::exception& error) {  // a bug: say so
    std::cerr << "osgrid-grade: INTERNAL: " << error.what() << " (please report this)\n";
    return 1;
  }
}
