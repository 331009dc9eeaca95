// The stager of a live lab's Gradescope bundle (labs/gradescope/pack_runtime.py),
// built into the grader by grade/cmake/embed_files.cmake, so that packing
// needs no source tree.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace osgrid::grade {

/// {file name, contents}: "pack_runtime.py".
const std::vector<std::pair<std::string, std::string>>& RuntimeFiles();

}  // namespace osgrid::grade
