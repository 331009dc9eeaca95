// The scenario runner behind `osgrid run FILE.yaml`: starts the scenario's
// cluster (cluster.h), runs its steps in order against the real processes, and
// prints a report a class can follow -- each step with where it ran and how
// long it took, each expectation as ✓ or ✗ with what was expected and what
// came back -- ending in one summary line:
//
//   14 steps, 12 expectations: 12 passed, 0 failed
//
// The format of the steps is in docs/scenarios.md.
#pragma once

#include <cstdint>
#include <functional>
#include <ostream>
#include <string>

#include "osgrid/net/status.h"
#include "osgrid/scenario/scenario.h"

namespace osgrid::scenario {

struct RunOptions {
  bool keep_logs = false;       // keep the run folder (logs, peer storage) even when all went well
  bool verbose = false;         // also print every request and reply, and every task of a batch
  std::string bin_dir;          // where osgrid-tracker and osgrid-peer are; "" = next to this program
  std::string secret;           // cluster secret for the nodes it starts ("" = open cluster); the steps'
                                // own clients use net::DefaultClientSecurity(), which must match
  std::string observer_secret;  // observer secret for the nodes it starts ("" = none); needs `secret`
  std::string record_path;      // write the run's whole event stream to this trace file; "" = none
  /// Called before each step with its number (from 1) and the count, after
  /// the step's title is printed and before it runs (`osgrid run --step`
  /// waits for Enter there). The cluster runs on meanwhile. None: no pause.
  std::function<void(std::size_t number, std::size_t steps)> before_step;
  /// Called once the cluster is up, before the first step, with its
  /// tracker's port (`osgrid run --viz` starts the viewer there). Not called
  /// for a scenario that starts no cluster.
  std::function<void(std::uint16_t tracker_port)> on_cluster_up;
};

/// The tally of a run.
struct RunSummary {
  int steps = 0;         // steps run
  int expectations = 0;  // checks made: from `expect:` plus the runner's own (SHA-256, detection)
  int passed = 0;
  int failed = 0;
  int failed_steps = 0;  // steps that failed although no error was expected
  bool ok() const { return failed == 0 && failed_steps == 0; }
};

/// Runs `scenario`, writing the report to `out`. The cluster is stopped
/// before returning, whatever happens (see LocalCluster::Stop). Its run
/// folder is removed unless options.keep_logs is set or the run did not pass,
/// in which case the report ends with the folder's path.
/// With options.record_path, every event of the run, from before the first
/// peer joined to the tracker's stop, is written there (recorder.h); a
/// recording that fails fails the run. Errors: those of LocalCluster::Start,
/// when the cluster could not start (no step ran; the message points to the
/// failing node's log), and of the recorder's start (the trace file).
Result<RunSummary> RunScenario(const Scenario& scenario, const RunOptions& options, std::ostream& out);

}  // namespace osgrid::scenario
