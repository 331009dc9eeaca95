// A student's scheduling policy ordering a live peer's ready queue
// (osgrid-peer --scheduler-file policy.py; docs/scheduling.md, "Your own
// policy").
//
// The policy is lab 01's Python API (labs/01-cpu-scheduling): a class with
// admit(task), pick_next() -> Task | id | None, and optionally
// should_preempt(running) -> bool and ran(task, cpu, end). It runs in a
// sandboxed process of its own (grade::PolicySession: the grader's sandbox,
// kept alive), which is not a task: it is in no ready queue and is not
// scheduled by its own policy. The peer asks it, over that process's pipes,
// one call per ReadyQueuePolicy call:
//
//   Admit(task)           -> admit(Task)
//   PickNext()            -> pick_next()        (not asked when nothing is ready)
//   ShouldPreempt(run)    -> should_preempt(Task: burst = what is left of it)
//   Ran(task, cpu, end)   -> ran(Task, cpu_ms, "slice_expired" | "preempted" |
//                                               "blocked" | "finished" | "cancelled")
//   Remove(id)            -> nothing: the Python API has no remove. The task
//                            leaves our mirror; if pick_next returns it later,
//                            it is skipped and pick_next asked again.
//
// A Task is exactly what the grader sends (grade::TaskJson): id (the peer's
// scheduler number for the task: 1, 2, ... in order of arrival here),
// arrival (ms since the peer started), burst (the task's burst_ms, or the
// predicted burst), priority. Times are ms.
//
// preemptive() and quantum() come from the object as it is built (the
// loaded line of grader_host.py's interactive mode): preemptive is its
// `preemptive` attribute when that is a bool, else whether it has a
// should_preempt method; quantum is its `quantum` attribute (ms) when that
// is an int > 0, else 0 (no time slices). The constructor is offered
// quantum = --quantum; a class whose __init__ takes `quantum` gets it.
//
// The fallback. RemotePolicy keeps its own FCFS mirror of the ready queue
// (every task admitted and not yet picked or removed, in admission order).
// If a call fails -- it raises, takes longer than the timeout (the peer's
// --scheduler-timeout, 50 ms by default), the process ends, or the answer
// cannot be obeyed (pick_next returns a task that is not ready, or None while
// tasks are ready, or should_preempt something other than a bool) -- the
// policy's process is killed and the mirror orders the ready queue, FCFS,
// for the rest of the peer's life: no task is lost. OnFallback is called
// once (the peer publishes sched.policy_fallback), and name() says
// "FCFS (fallback: REASON)".
//
// Not thread-safe; each call blocks the caller (the peer's io thread) for
// the round trip, a fraction of a ms, and at most the timeout.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "osgrid/grade/policy_session.h"
#include "osgrid/net/json.h"
#include "osgrid/net/status.h"
#include "osgrid/os/sched/ready_queue.h"

namespace osgrid::peer {

struct RemotePolicyOptions {
  std::string file;                                 // --scheduler-file: the policy's .py file
  std::string class_name;                           // --scheduler-class; empty: the file's only class with pick_next
  std::chrono::milliseconds timeout{50};            // --scheduler-timeout: wall clock per call
  std::int64_t quantum_ms = 100;                    // --quantum: offered to the constructor as `quantum`
  std::chrono::milliseconds start_timeout{10'000};  // python3 starting, the import and the constructor
};

class RemotePolicy final : public os::ReadyQueuePolicy {
 public:
  /// Called once, at the fallback: the policy given up ("SJF (policy.py)") and why.
  using OnFallback = std::function<void(const std::string& policy, const std::string& reason)>;

  /// Starts the policy's process and builds its object. Errors: BAD_REQUEST
  /// with the reason, for the person who started the peer ("--scheduler-file
  /// policy.py: policy.py defines 3 classes with a pick_next method (SJF,
  /// SRTF, RR): name the one to use with --scheduler-class NAME").
  static Result<std::unique_ptr<RemotePolicy>> Start(const RemotePolicyOptions& options, OnFallback on_fallback);
  ~RemotePolicy() override;

  /// "SJF (policy.py)"; after a fallback "FCFS (fallback: REASON)".
  std::string_view name() const override { return name_; }
  void Admit(const os::ReadyTask& task) override;
  std::optional<os::ReadyTask> PickNext() override;
  bool Remove(std::uint64_t id) override;
  std::size_t size() const override { return ready_.size(); }
  /// Only after a fallback (FCFS order); the student's order is not known here.
  std::optional<std::size_t> PositionOf(std::uint64_t id) const override;
  bool preemptive() const override { return session_ != nullptr && preemptive_; }
  std::int64_t quantum() const override { return session_ != nullptr ? quantum_ms_ : 0; }
  bool ShouldPreempt(const os::ReadyTask& running) const override;
  void Ran(const os::ReadyTask& task, std::int64_t cpu, os::RunEnd end) override;

  /// "SJF (policy.py)", whatever happened since.
  const std::string& label() const { return label_; }
  /// Why it fell back; nullopt while the student's policy decides.
  const std::optional<std::string>& fallback() const { return fallback_; }
  /// For STATUS: {"file", "class", "timeout_ms", "preemptive", "quantum_ms",
  /// "calls", "slowest_call_ms", "fallback"?}.
  Json Report() const;

 private:
  RemotePolicy() = default;
  /// Asks the policy; on failure falls back and returns nullopt.
  std::optional<Json> Ask(const std::string& method, Json args) const;
  /// Gives the student's policy up: kills its process; FCFS from now on.
  void FallBack(std::string reason) const;
  os::ReadyTask PopFront();

  mutable std::unique_ptr<grade::PolicySession> session_;  // null after a fallback
  mutable std::optional<std::string> fallback_;
  mutable std::string name_;
  mutable std::int64_t calls_ = 0;
  mutable double slowest_call_ms_ = 0;
  std::string label_;
  std::string file_, class_name_;
  std::chrono::milliseconds timeout_{50};
  bool preemptive_ = false;
  std::int64_t quantum_ms_ = 0;
  bool has_should_preempt_ = false, has_ran_ = false;
  OnFallback on_fallback_;
  std::deque<os::ReadyTask> ready_;                // the mirror: every ready task, in admission order
  std::map<std::uint64_t, int> removed_unpicked_;  // removed here, maybe still in the student's queue
};

}  // namespace osgrid::peer
