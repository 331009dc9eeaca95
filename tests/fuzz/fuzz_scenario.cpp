// fuzz_scenario: one scenario file through osgrid::scenario::ParseScenario, as
// `osgrid run FILE` reads it (yaml-cpp, then the schema in scenario.cpp and
// scenario_parser.cpp). Relative `file:` paths resolve against scenarios/ in
// the source tree, so the real scenarios in the seed corpus parse whole.
// `sim:` steps are checked but not run (fuzz_shims.cpp says why).
//
// Invariants: ParseScenario returns (no exception, e.g. from yaml-cpp, gets
// out); a refusal is BAD_REQUEST whose message is "fuzz.yaml:LINE:COL: ..."
// and is the first line of its detail; an accepted scenario has a name, at
// least one step, a cluster within its documented ranges (and one scheduler
// for all peers or one per peer), and every step's peer among peer-1 .. peer-N.
#include <cstddef>
#include <cstdint>
#include <string>
#include <variant>

#include "fuzz_support.h"
#include "osgrid/scenario/scenario.h"

namespace osgrid::fuzz {
namespace {

using namespace osgrid::scenario;

bool KnownPeer(const std::string& name, const ClusterSpec& cluster) {
  for (int i = 1; i <= cluster.peers; ++i) {
    if (name == "peer-" + std::to_string(i)) return true;
  }
  return false;
}

/// The peer a step addresses, or "" when it addresses none (or may be the tracker).
std::string StepPeer(const Action& action) {
  return std::visit(
      [](const auto& step) -> std::string {
        using T = std::decay_t<decltype(step)>;
        if constexpr (std::is_same_v<T, KillPeerStep> || std::is_same_v<T, WaitDeadStep>) {
          return step.peer;
        } else if constexpr (std::is_same_v<T, StatusStep>) {
          return step.on == "tracker" ? "" : step.on;
        } else if constexpr (requires { step.on; }) {
          return step.on;
        } else {
          return "";
        }
      },
      action);
}

void CheckAccepted(const Scenario& scenario) {
  const ClusterSpec& cluster = scenario.cluster;
  FUZZ_CHECK(!scenario.steps.empty(), "an accepted scenario has steps");
  FUZZ_CHECK(cluster.peers >= 1 && cluster.peers <= 32 && cluster.cores >= 1 && cluster.cores <= 64,
             "cluster peers 1..32, cores 1..64");
  FUZZ_CHECK(cluster.peer_timeout_s > cluster.heartbeat_interval_s, "peer_timeout > heartbeat_interval");
  FUZZ_CHECK(cluster.scheduler.size() <= 1 || static_cast<int>(cluster.scheduler.size()) == cluster.peers,
             "one scheduler for all peers, or one per peer");
  for (const Step& step : scenario.steps) {
    const std::string peer = StepPeer(step.action);
    FUZZ_CHECK(peer.empty() || KnownPeer(peer, cluster), "a step's peer is in the cluster");
    FUZZ_CHECK(step.where.line >= 1 && !step.kind.empty(), "a step knows its line and kind");
    FUZZ_CHECK(step.expect.CheckCount() >= 0, "expectations count");
    if (const auto* cpu = std::get_if<CpuStep>(&step.action)) {
      FUZZ_CHECK(cpu->task.args.is_array(), "cpu args are a list");
    }
    if (const auto* batch = std::get_if<BatchStep>(&step.action)) {
      FUZZ_CHECK(!batch->tasks.empty(), "a batch has tasks");
      for (const BatchTask& task : batch->tasks) FUZZ_CHECK(task.args.is_array(), "batch args are lists");
    }
    if (const auto* gantt = std::get_if<GanttStep>(&step.action)) {
      for (const std::string& name : gantt->peers)
        FUZZ_CHECK(KnownPeer(name, cluster), "a gantt peer is in the cluster");
    }
    if (const auto* sleep = std::get_if<SleepStep>(&step.action)) {
      FUZZ_CHECK(sleep->seconds >= 0 && sleep->seconds <= 3600, "sleep 0..3600 s");
    }
  }
}

void CheckRefused(const Status& status) {
  FUZZ_CHECK(status.code() == Code::kBadRequest, "a bad scenario is BAD_REQUEST");
  FUZZ_CHECK(status.message().rfind("fuzz.yaml:", 0) == 0, "an error names the file");
  FUZZ_CHECK(status.detail().rfind(status.message() + "\n", 0) == 0, "the message is the detail's first line");
}

}  // namespace
}  // namespace osgrid::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto scenario = osgrid::scenario::ParseScenario(text, "fuzz.yaml", OSGRID_SOURCE_DIR "/scenarios");
  if (scenario.ok()) {
    osgrid::fuzz::CheckAccepted(*scenario);
  } else {
    osgrid::fuzz::CheckRefused(scenario.status());
  }
  return 0;
}
