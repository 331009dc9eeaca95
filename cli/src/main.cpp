// osgrid: the command-line client and scenario runner (see docs/cli.md).
#include <exception>
#include <iostream>

#include "osgrid/cli/app.h"

int main(int argc, char** argv) {
  try {
    return osgrid::cli::RunCommandLine(argc, argv);
  } catch (const std::exception& error) {  // a bug: say so; destructors have stopped any cluster
    std::cerr << "osgrid: INTERNAL: " << error.what() << " (please report this)\n";
    return 1;
  }
}
