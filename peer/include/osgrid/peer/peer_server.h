// The peer process: serves CPU, memory, disk and status requests on one
// io_context thread, and keeps itself registered with the tracker.
//
//   client -> Session -> net::Router -> CpuService   (cpu_service.h)
//                                    -> MemoryStore  (memory_store.h)
//                                    -> FileStore    (file_store.h)
//   TrackerLink: REGISTER, then HEARTBEAT every interval (tracker_link.h)
//   Outbound: net::Connections to the tracker and to other peers (outbound.h)
//
// Threads: the io thread runs all of the above, every connection in and out
// included; the server's file threads (params::kFileThreads) do the disk
// work of file streams. Task processes are processes, not threads.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "osgrid/net/server.h"
#include "osgrid/net/status.h"
#include "osgrid/os/sched/sched_policies.h"
#include "osgrid/peer/sandbox.h"

#include "osgrid/peer/memory_store.h"

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
  MemoryConfig memory;  // the key-value memory's arena and allocator
  std::chrono::milliseconds task_timeout{static_cast<int>(params::kTaskTimeoutS * 1000)};     // wall clock
  std::chrono::milliseconds task_cpu_limit{static_cast<int>(params::kTaskCpuLimitS * 1000)};  // CPU time
  std::string scheduler = "FCFS";      // --scheduler: the ready queue's policy (os::SchedPolicies())
  os::SchedPolicyParams sched_params;  // its settings, ms (--quantum, --mlfq-*)
  /// --scheduler-file: a student's policy (lab 01's Python API) orders the
  /// ready queue instead of `scheduler` (docs/scheduling.md); empty: none.
  std::string scheduler_file;
  std::string scheduler_class;                                  // --scheduler-class; empty: the file's only one
  std::chrono::milliseconds scheduler_timeout{50};              // --scheduler-timeout: per call
  std::optional<std::chrono::milliseconds> heartbeat_interval;  // unset: the tracker's
  std::string task_binary;                                      // osgrid-task; default: next to this program
  SandboxMode sandbox = SandboxMode::kStrict;                   // how task processes are isolated
  TaskLimits task_limits;                                       // per task: memory, file size, open files, threads
  std::size_t task_max_children = 64;  // children a task may have not yet waited for (osgrid.submit)
  std::size_t task_max_tree = 256;     // tasks of one root's tree submitted on this peer, not yet waited for
  std::size_t ready_queue_max = params::kReadyQueueMax;
  std::size_t max_forwards = params::kMaxForwards;       // tasks forwarded to other peers at once
  std::size_t max_send_queue = params::kSendQueueBytes;  // bytes queued per outgoing connection
  net::ServerOptions server;                             // frame limit, socket timeout, connections
  /// --inject-seed: delay each task system call and its reply by seeded random
  /// times (lab 05: many interleavings of the same program). Unset: off.
  std::optional<std::uint64_t> inject_seed;
  std::chrono::milliseconds inject_max_delay{20};  // --inject-max-delay-ms: each delay is drawn in [0, this]
};

class PeerServer {
 public:
  PeerServer(boost::asio::io_context& io, PeerOptions options);
  ~PeerServer();
  /// Opens the file store, listens, starts the tracker link.
  /// Errors: IO (storage), UNAVAILABLE (port in use).
  Status Start();
  /// Stops serving and unregisters from the tracker; `done` (if any) runs
  /// on the io thread once the tracker answered UNREGISTER, after at most
  /// 1 s (at once without a tracker). Running tasks are killed when the
  /// PeerServer is destroyed. Idempotent.
  void Stop(std::function<void()> done = {});
  std::uint16_t port() const;
  const PeerOptions& options() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace osgrid::peer
