// `osgrid sim mem` (placeholder until its topic lands).
#include "../sim.h"

namespace osgrid::cli::sim {

Topic MemTopic() {
  Topic topic;
  topic.name = "mem";
  topic.summary = "(not built yet)";
  topic.add = [](CLI::App&) -> Runner {
    return [](const CommonOptions&) -> Outcome { return BadInput("'osgrid sim mem' is not built yet"); };
  };
  return topic;
}

}  // namespace osgrid::cli::sim
