// `osgrid sim mlfq` (placeholder until its topic lands).
#include "../sim.h"

namespace osgrid::cli::sim {

Topic MlfqTopic() {
  Topic topic;
  topic.name = "mlfq";
  topic.summary = "(not built yet)";
  topic.add = [](CLI::App&) -> Runner {
    return [](const CommonOptions&) -> Outcome { return BadInput("'osgrid sim mlfq' is not built yet"); };
  };
  return topic;
}

}  // namespace osgrid::cli::sim
