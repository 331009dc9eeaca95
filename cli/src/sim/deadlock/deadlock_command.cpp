// `osgrid sim deadlock` (placeholder until its topic lands).
#include "../sim.h"

namespace osgrid::cli::sim {

Topic DeadlockTopic() {
  Topic topic;
  topic.name = "deadlock";
  topic.summary = "(not built yet)";
  topic.add = [](CLI::App&) -> Runner {
    return [](const CommonOptions&) -> Outcome { return BadInput("'osgrid sim deadlock' is not built yet"); };
  };
  return topic;
}

}  // namespace osgrid::cli::sim
