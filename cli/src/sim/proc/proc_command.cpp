// `osgrid sim proc` (placeholder until its topic lands).
#include "../sim.h"

namespace osgrid::cli::sim {

Topic ProcTopic() {
  Topic topic;
  topic.name = "proc";
  topic.summary = "(not built yet)";
  topic.add = [](CLI::App&) -> Runner {
    return [](const CommonOptions&) -> Outcome { return BadInput("'osgrid sim proc' is not built yet"); };
  };
  return topic;
}

}  // namespace osgrid::cli::sim
