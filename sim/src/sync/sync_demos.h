// Private to sim/: the built-in scripts of `osgrid sim sync --demo NAME`.
#pragma once

#include <string>
#include <vector>

namespace osgrid::sim {

struct SyncDemo {
  std::string name;  // "philosophers"
  std::string file;  // the scenario file it copies, "scenarios/sync/philosophers-naive.yaml"
  std::string yaml;  // its text
};

/// producer-consumer, readers-writers, philosophers, philosophers-fixed.
const std::vector<SyncDemo>& SyncDemos();
/// The demo called `name`, or nullptr.
const SyncDemo* FindSyncDemo(const std::string& name);

}  // namespace osgrid::sim
