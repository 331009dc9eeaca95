// `osgrid sim sched` (placeholder until its topic lands).
#include "../sim.h"

namespace osgrid::cli::sim {

Topic SchedTopic() {
  Topic topic;
  topic.name = "sched";
  topic.summary = "(not built yet)";
  topic.add = [](CLI::App&) -> Runner {
    return [](const CommonOptions&) -> Outcome { return BadInput("'osgrid sim sched' is not built yet"); };
  };
  return topic;
}

}  // namespace osgrid::cli::sim
