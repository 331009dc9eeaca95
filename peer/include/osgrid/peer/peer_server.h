// The peer process: serves CPU, memory, disk and status requests on one
// io_context thread, and keeps itself registered with the tracker.
//
//   client -> Session -> PeerServer::Dispatch -> CpuService   (cpu_service.h)
//                                             -> MemoryStore  (memory_store.h)
//                                             -> FileStore    (file_store.h)
//   TrackerLink thread: REGISTER, then HEARTBEAT every interval (tracker_link.h)
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "osgrid/net/server.h"
#include "osgrid/net/status.h"
#include "osgrid/peer/sandbox.h"

namespace osgrid::peer {

struct PeerOptions {
  std::string host = "0.0.0.0";  // listen address
  std::uint16_t port = 9000;
  std::string name;                        // peer id; default "peer-<port>"
  int cores = 1;                           // tasks run at once
  std::string tracker_host = "127.0.0.1";  // empty: standalone peer
  std::uint16_t tracker_port = 8888;
  std::string advertise_host;  // how others reach us; empty: as the tracker sees us
  std::string storage_dir;     // file store; default "./osgrid-storage/<name>"
  std::uint64_t disk_limit_bytes = params::kDiskLimitBytes;
  std::size_t mem_limit_bytes = params::kMemLimitBytes;
  std::chrono::milliseconds task_timeout{static_cast<int>(params::kTaskTimeoutS * 1000)};
  std::optional<std::chrono::milliseconds> heartbeat_interval;  // unset: the tracker's
  std::string task_binary;                                      // osgrid-task; default: next to this program
  SandboxMode sandbox = SandboxMode::kStrict;                   // how task processes are isolated
  TaskLimits task_limits;                                       // per task: memory, file size, open files, threads
  std::size_t ready_queue_max = params::kReadyQueueMax;
  net::ServerOptions server;  // frame limit, socket timeout, connections
};

class PeerServer {
 public:
  PeerServer(boost::asio::io_context& io, PeerOptions options);
  ~PeerServer();
  /// Opens the file store, listens, starts the tracker link.
  /// Errors: IO (storage), UNAVAILABLE (port in use).
  Status Start();
  /// Unregisters from the tracker, stops serving, kills running tasks.
  void Stop();
  std::uint16_t port() const;
  const PeerOptions& options() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace osgrid::peer
