// `osgrid sim sync` (placeholder until its topic lands).
#include "../sim.h"

namespace osgrid::cli::sim {

Topic SyncTopic() {
  Topic topic;
  topic.name = "sync";
  topic.summary = "(not built yet)";
  topic.add = [](CLI::App&) -> Runner {
    return [](const CommonOptions&) -> Outcome { return BadInput("'osgrid sim sync' is not built yet"); };
  };
  return topic;
}

}  // namespace osgrid::cli::sim
