// `osgrid sim disk` (placeholder until its topic lands).
#include "../sim.h"

namespace osgrid::cli::sim {

Topic DiskTopic() {
  Topic topic;
  topic.name = "disk";
  topic.summary = "(not built yet)";
  topic.add = [](CLI::App&) -> Runner {
    return [](const CommonOptions&) -> Outcome { return BadInput("'osgrid sim disk' is not built yet"); };
  };
  return topic;
}

}  // namespace osgrid::cli::sim
