// CPU sharing on one peer: placement, forwarding, the ready queue and the
// executor.
//
// A CPU_TASK submitted here goes one of two ways:
//   - run here: confidential tasks, tasks another peer forwarded to us, tasks
//     the tracker places on us, and any task when no tracker answers;
//   - forwarded: the tracker names a less-loaded peer; we send it the task
//     marked `forwarded` (so it never travels twice) and relay its reply.
// Tasks run here wait in the ready queue (an os/ policy, FCFS today) and run
// on at most `cores` task processes at once. A forward whose peer cannot be
// reached falls back to running here: nothing accepted is dropped.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/thread_pool.hpp>

#include "osgrid/net/server.h"
#include "osgrid/os/sched/ready_queue.h"
#include "osgrid/peer/executor.h"
#include "peer_stats.h"

namespace osgrid::peer {

struct CpuOptions {
  std::string node;  // our peer id
  int cores = 1;
  std::chrono::milliseconds default_timeout{60000};
  std::size_t ready_queue_max = params::kReadyQueueMax;
  std::string task_binary;   // osgrid-task
  std::string tracker_host;  // empty: standalone, everything runs here
  std::uint16_t tracker_port = 0;
  SandboxMode sandbox = SandboxMode::kStrict;
  TaskLimits task_limits;
};

class CpuService {
 public:
  CpuService(boost::asio::io_context& io, CpuOptions options, PeerStats& stats);
  ~CpuService();

  /// Starts the executor's zygote (see Executor::Open); logs the sandbox in
  /// force. Errors: INTERNAL, e.g. --sandbox strict on a machine that cannot.
  Status Open();
  /// {"mode": "strict", "layers": ["pid-ns", ...], "missing": "<why>",
  ///  "python_version": "3.11.7", "python_home": "/usr"}
  Json SandboxReport() const;

  void HandleTask(const net::SessionPtr& session, const Json& request);   // CPU_TASK
  void HandleBatch(const net::SessionPtr& session, const Json& request);  // CPU_BATCH
  std::string_view scheduler_name() const { return ready_queue_->name(); }

 private:
  struct Task {
    TaskSpec spec;
    std::int64_t priority = 0;
    std::string origin;          // peer the task was submitted to
    std::string program_sha256;  // as the submitter sent it; checked, and passed on when forwarded
  };
  /// One finished task as a JSON entry: {ok, task_id, peer, result | code,
  /// message, detail, stdout, stderr, output_truncated, queued_ms, run_ms}.
  using EntryDone = std::function<void(Json entry)>;
  struct Waiting {
    Task task;
    EntryDone done;
    std::chrono::steady_clock::time_point admitted;
  };

  /// Reads one task's fields; assigns a task id "<node>/<n>" when none is given.
  Result<Task> ParseTask(const Json& fields, const std::string& origin);
  void Place(Task task, EntryDone done);
  void RunHere(Task task, EntryDone done);
  void Dispatch();  // start ready tasks while a core is free
  void OnFinished(std::uint64_t id, Waiting waiting, const TaskOutcome& outcome);
  void ForwardBatch(std::vector<std::pair<std::size_t, Task>> group, std::string peer_id, std::string host,
                    std::uint16_t port, std::shared_ptr<struct BatchState> batch);
  bool HasTracker() const { return !options_.tracker_host.empty(); }

  boost::asio::io_context& io_;
  CpuOptions options_;
  PeerStats& stats_;
  Executor executor_;
  std::unique_ptr<os::ReadyQueuePolicy> ready_queue_;
  std::map<std::uint64_t, Waiting> waiting_;  // admitted, not yet started, by ready-queue id
  std::uint64_t next_task_ = 1;               // next ready-queue id
  std::uint64_t submitted_ = 0;               // tasks submitted here, for task ids
  boost::asio::thread_pool outbound_{16};     // blocking calls to tracker and peers
};

}  // namespace osgrid::peer
