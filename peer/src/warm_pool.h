// The peer's side of the zygote: starts `osgrid-task --zygote`, keeps a few
// sandboxed task processes warm, and hands each one its task. The zygote's
// side, and why it is arranged this way, is in zygote.cpp.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>

#include "osgrid/net/status.h"
#include "osgrid/peer/sandbox.h"
#include "unique_fd.h"

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace osgrid::peer {

/// A sandboxed, warmed-up task process waiting for its task. It is a child of
/// the peer: wait for it on `pidfd`, reap it with waitpid(pid).
struct WarmChild {
  pid_t pid = 0;               // also its process-group id (it called setsid)
  UniqueFd pidfd;              // readable once the process has exited
  UniqueFd socket;             // the peer's end of its socket; keep it open while the
                               // task runs (the child checks it for a dead peer)
  bool idle_priority = false;  // may still be SCHED_IDLE: Handoff raises it
};

/// Keeps `warm_target` warm children ready. Not thread-safe: every call on the
/// io_context's thread, which must also be the thread that constructs it (the
/// zygote dies with that thread: PR_SET_PDEATHSIG).
///
/// Making a warm child costs tens of milliseconds of CPU on these VMs (fork,
/// then copy-on-write faults), and a refill starts as a task arrives, so it
/// would compete with that very task. On a peer with CAP_SYS_NICE (root, outside
/// a container that drops it) the zygote therefore
/// runs, and makes its children, under SCHED_IDLE (Silberschatz 10e 5.7.1,
/// "Linux scheduling"; sched(7)): the work uses only a CPU nothing else wants.
/// Handoff puts each child back to SCHED_OTHER before its task runs. A caller
/// that has to wait for a child would otherwise wait behind every runnable
/// process, so while anyone waits, the zygote and the children it is making
/// run at normal priority: priority inheritance, as in the textbook cure for
/// priority inversion (Silberschatz 10e 6.8.2). Without CAP_SYS_NICE (unprivileged
/// peers; root in Docker, which drops it) a process cannot be raised out of
/// SCHED_IDLE, so there everything runs at normal priority.
class WarmPool {
 public:
  struct Options {
    std::string task_binary;  // osgrid-task
    SandboxMode mode = SandboxMode::kStrict;
    std::uint64_t tmp_bytes = 64ull << 20;  // each task's private /tmp
    int warm_target = 2;                    // warm children kept ready
  };
  using Ready = std::function<void(Result<WarmChild>)>;

  /// How long Open() waits for the zygote's hello.
  static constexpr int kHelloTimeoutMs = 10000;
  /// How long stopping the zygote waits for it to finish the child it is
  /// making, before it is killed.
  static constexpr int kStopTimeoutMs = 2000;
  /// After this many children in a row failed to get ready, waiting Acquire
  /// calls fail (INTERNAL, with the last reason) instead of waiting forever.
  static constexpr int kMaxFailuresInARow = 5;

  WarmPool(boost::asio::io_context& io, Options options);
  /// Kills the zygote and every warm child; pending Acquire callbacks are dropped.
  ~WarmPool();
  WarmPool(const WarmPool&) = delete;
  WarmPool& operator=(const WarmPool&) = delete;

  /// Makes this process a child subreaper, starts the zygote and waits for its
  /// hello (blocking, at most kHelloTimeoutMs). Errors, as INTERNAL:
  ///   - the zygote cannot be started or died first ("osgrid-task --zygote
  ///     exited with status 3 before it was ready: see the log above");
  ///   - mode strict and a layer is missing: "--sandbox strict: this machine
  ///     cannot isolate tasks: <reasons>; use --sandbox auto to run with
  ///     what it allows"
  Status Open();

  /// Calls `ready` on the io thread with a warm child as soon as one is ready
  /// (callers are served first come, first served), or with INTERNAL if
  /// children keep failing to get ready. Starts a replacement in the background.
  void Acquire(Ready ready);

  /// Gives `child` its task: the descriptors that become its fds 0-3, and its
  /// limits. `child` keeps its socket (hold it until the task ends). `worker`:
  /// the child becomes a worker of a job (zygote_protocol.h, Handoff::worker).
  /// Errors: INTERNAL if the child is gone (it then exits or has exited).
  static Status Handoff(WarmChild& child, const int (&fds)[4], const TaskLimits& limits, const std::string& task_id,
                        bool worker);

  /// SandboxLayer bits every task gets, and why the others are missing.
  std::uint32_t layers() const { return layers_; }
  const std::string& problems() const { return problems_; }
  SandboxMode mode() const { return options_.mode; }

  /// The zygote's Python: version ("3.11.7") and home (sys.prefix).
  const std::string& python_version() const { return python_version_; }
  const std::string& python_home() const { return python_home_; }

 private:
  struct Child;  // a child created by the zygote; see warm_pool.cpp

  Status StartZygote();
  void StopZygote();
  void WatchZygote();
  void OnZygoteMessage();
  void OnChildCreated(pid_t pid, UniqueFd socket);
  void WatchChild(const std::shared_ptr<Child>& child);
  void OnChildMessage(const std::shared_ptr<Child>& child);
  void DropChild(const std::shared_ptr<Child>& child, const std::string& why);
  void Refill();
  void Serve();
  /// Zygote and starting children to SCHED_OTHER (`boost`) or the zygote back
  /// to SCHED_IDLE; a no-op unless idle_warmup_.
  void SetBoost(bool boost);
  /// Kills our child `pid` (a task process not yet handed out) and reaps it;
  /// returns how it ended.
  std::string KillChild(pid_t pid);

  boost::asio::io_context& io_;
  Options options_;
  struct Zygote;  // the zygote process and its socket
  std::unique_ptr<Zygote> zygote_;
  std::uint32_t layers_ = 0;
  std::string problems_;
  std::string python_version_;
  std::string python_home_;

  std::deque<std::shared_ptr<Child>> starting_;  // created, not yet warm
  std::deque<std::shared_ptr<Child>> warm_;      // ready for a task
  int requested_ = 0;                            // asked of the zygote, not yet created
  std::deque<Ready> waiters_;                    // Acquire calls waiting for a child
  int failures_in_a_row_ = 0;
  std::string last_failure_;
  bool idle_warmup_ = false;  // the zygote runs SCHED_IDLE (peers with CAP_SYS_NICE)
  bool boosted_ = false;      // ... but now SCHED_OTHER: someone waits
};

}  // namespace osgrid::peer
