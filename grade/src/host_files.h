// The Python files that run inside the student's process
// (labs/common/grader_host.py and osgrid_lab.py), built into the grader by
// grade/cmake/embed_files.cmake.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace osgrid::grade {

/// {file name, contents}, written into each submission's work folder.
const std::vector<std::pair<std::string, std::string>>& HostFiles();

}  // namespace osgrid::grade
