// Live labs for `osgrid lab`: lab 05 runs students' tasks on a tracker and
// two peers on loopback (live_lab.cpp). The grade module cannot start a
// cluster (it depends on os/ alone: tests/module_deps.sh); this front end,
// which links the scenario runner, registers how.
#pragma once

namespace osgrid::cli {

/// Registers the live runner with the grader (grade::SetLiveRunnerFactory).
void RegisterLiveLabs();

}  // namespace osgrid::cli
