// Stand-ins linked into the fuzz build instead of two heavy parts of osgrid.
//
// 1. The simulators (sim/, over os/). A scenario's `sim:` step runs
//    its simulation while the file is parsed (sim_step.cpp, to report a bad
//    flag as a file:line error). That is legitimate user-requested work, not
//    parsing: `sim: sched` with `-l 1000000000 -p RR -q 1` would take minutes,
//    which libFuzzer would report as a timeout in code that has no bug. So
//    here RunSim checks only the shape of the command line the parser built
//    (a known topic first, the policy flag and a policy, "-c" last) and runs
//    nothing. The topic table repeats each topic's name and policy flag from
//    sim/src/<topic>/*_command.cpp; keep it in step. The simulators' own
//    flag parsing is covered by their unit tests, not by fuzz_scenario.
// 2. PeerName (scenario/src/cluster.cpp, which starts processes and opens sockets).
//
// Everything else fuzz_scenario runs is the real code: scenario.cpp,
// scenario_parser.cpp, yaml_reader.cpp, sim_step.cpp.
#include <string>
#include <vector>

#include "fuzz_support.h"
#include "osgrid/scenario/cluster.h"
#include "osgrid/sim/sim.h"

namespace osgrid::scenario {

std::string PeerName(int index) { return "peer-" + std::to_string(index); }

}  // namespace osgrid::scenario

namespace osgrid::sim {
namespace {

Topic Named(std::string name, std::string policy_flag) {
  Topic topic;
  topic.name = std::move(name);
  topic.summary = "(fuzz build: not run)";
  topic.policy_flag = std::move(policy_flag);
  return topic;
}

}  // namespace

std::vector<Topic> AllTopics() {
  return {Named("sched", "-p"),          Named("mlfq", ""),   Named("mem", "-p"),
          Named("page", "-p"),           Named("disk", "-p"), Named("deadlock", ""),
          Named("sync", "--interleave"), Named("proc", "")};
}

const Topic* FindTopic(const std::string& name) {
  static const std::vector<Topic> topics = AllTopics();
  for (const Topic& topic : topics) {
    if (topic.name == name) return &topic;
  }
  return nullptr;
}

/// Checks the command line sim_step.cpp built: {topic, args..., [flag, policy], "-c"}
/// (a malformed one is a finding) and returns an empty run.
Outcome RunSim(const std::vector<std::string>& args) {
  FUZZ_CHECK(args.size() >= 2 && FindTopic(args.front()) != nullptr, "a sim step names a known topic");
  FUZZ_CHECK(args.back() == "-c", "a sim step always solves (-c)");
  Output output;
  output.json = Json::object();
  return output;
}

}  // namespace osgrid::sim
