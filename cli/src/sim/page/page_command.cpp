// `osgrid sim page` (placeholder until its topic lands).
#include "../sim.h"

namespace osgrid::cli::sim {

Topic PageTopic() {
  Topic topic;
  topic.name = "page";
  topic.summary = "(not built yet)";
  topic.add = [](CLI::App&) -> Runner {
    return [](const CommonOptions&) -> Outcome { return BadInput("'osgrid sim page' is not built yet"); };
  };
  return topic;
}

}  // namespace osgrid::cli::sim
