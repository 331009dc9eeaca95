// The files of a Gradescope bundle that `lab pack` writes from templates
// (labs/gradescope/bundle/: setup.sh, run_autograder, Dockerfile,
// README-bundle.md), built into the grader by grade/cmake/embed_files.cmake,
// so that packing needs no source tree.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace osgrid::grade {

/// {file name, contents}; @NAME@ placeholders are filled in by `lab pack`.
const std::vector<std::pair<std::string, std::string>>& BundleFiles();

}  // namespace osgrid::grade
