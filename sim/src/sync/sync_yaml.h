// Private to sim/: reading a sync script (docs/sim/sync.md) from YAML into
// the plain os::SyncScript that the simulator runs.
#pragma once

#include <string>

#include "osgrid/net/status.h"
#include "osgrid/os/sync/script.h"

namespace osgrid::sim {

struct LoadedSyncScript {
  std::string title;      // the optional `name:`
  os::SyncScript script;  // not yet checked by os::ValidateScript
};

/// Parses `yaml_text` (read from `file`, which names it in messages).
/// Keys: name, semaphores {NAME: VALUE}, binary_semaphores {NAME: 0|1},
/// mutexes [NAME...], queues {NAME: CAPACITY}, counters {NAME: VALUE},
/// processes {NAME: [OP...]} where OP is a text ("P empty") or
/// {repeat: N|forever, do: [OP...]}.
/// Errors: BAD_REQUEST naming the place, e.g.
/// "f.yaml: producer op 1.3: unknown operation 'Q' (...)", "f.yaml:4: semaphores: ...".
Result<LoadedSyncScript> ParseSyncScript(const std::string& yaml_text, const std::string& file);

}  // namespace osgrid::sim
