// The labs, one file each (grade/src/labs/*.cpp); lab.cpp's table lists them.
#pragma once

#include <memory>
#include <vector>

#include "osgrid/grade/lab.h"

namespace osgrid::grade::labs {

std::unique_ptr<Lab> MakeCpuSchedulingLab();    // 01-cpu-scheduling (cpu_scheduling.cpp)
std::unique_ptr<Lab> MakeFreeSpaceLab();        // 02-free-space (free_space.cpp)
std::unique_ptr<Lab> MakePageReplacementLab();  // 03-page-replacement (page_replacement.cpp)
std::unique_ptr<Lab> MakeDeadlockLab();         // 04-deadlock (deadlock.cpp)
std::unique_ptr<Lab> MakeSynchronisationLab();  // 05-synchronisation (synchronisation.cpp): live

/// Every lab, in the order `osgrid lab list` shows them.
inline std::vector<std::unique_ptr<Lab>> MakeAll() {
  std::vector<std::unique_ptr<Lab>> all;
  all.push_back(MakeCpuSchedulingLab());
  all.push_back(MakeFreeSpaceLab());
  all.push_back(MakePageReplacementLab());
  all.push_back(MakeDeadlockLab());
  all.push_back(MakeSynchronisationLab());
  return all;
}

}  // namespace osgrid::grade::labs
