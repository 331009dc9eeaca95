// Lab 05's driver (labs/05-synchronisation/driver.py), built into the grader
// by grade/cmake/embed_files.cmake, so that grading needs no source tree.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace osgrid::grade {

/// {file name, contents}: "driver.py".
const std::vector<std::pair<std::string, std::string>>& DriverFiles();

}  // namespace osgrid::grade
