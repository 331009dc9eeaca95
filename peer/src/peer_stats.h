// Counters of the peer, read by its STATUS reply and its heartbeats. Atomic:
// the io thread writes most, the file threads the disk figure.
#pragma once

#include <atomic>
#include <cstdint>

namespace osgrid::peer {

struct PeerStats {
  std::atomic<int> queue_length{0};              // tasks in the ready queue
  std::atomic<int> running{0};                   // tasks running now
  std::atomic<std::int64_t> tasks_done{0};       // finished here, ok or not
  std::atomic<std::int64_t> tasks_failed{0};     // finished here with an error
  std::atomic<std::int64_t> tasks_forwarded{0};  // sent to another peer
  std::atomic<std::int64_t> mem_entries{0};
  std::atomic<std::int64_t> mem_bytes{0};
  std::atomic<std::int64_t> disk_bytes{0};
  std::atomic<bool> registered{false};  // the tracker knows us
};

}  // namespace osgrid::peer
