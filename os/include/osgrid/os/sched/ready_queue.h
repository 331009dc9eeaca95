// The ready queue as a pluggable scheduling policy.
//
// Source: OSTEP ch. 7 "Scheduling: Introduction" (7.3 FIFO);
//         Silberschatz, Operating System Concepts 10e, 5.1.2 (the ready queue)
//         and 5.3.1 (first-come, first-served).
//
// The live peer admits each task it must run here and asks PickNext() whenever
// a core is free; the simulator (issue 4) drives the same objects with
// simulated time. Preemptive policies will extend this interface.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string_view>

namespace osgrid::os {

/// A task waiting for a CPU, as a scheduler sees it.
struct ReadyTask {
  std::uint64_t id = 0;               // unique per peer; also the tie-breaker (lower first)
  std::int64_t arrival_ms = 0;        // when it became ready, ms on the caller's clock
  int priority = 0;                   // lower number = more urgent (Silberschatz convention)
  std::int64_t expected_burst_ms = 0; // estimate for SJF-like policies; 0 = unknown
};

class ReadyQueuePolicy {
 public:
  virtual ~ReadyQueuePolicy() = default;
  /// "FCFS", "SJF", ...
  virtual std::string_view name() const = 0;
  /// The task joins the ready queue.
  virtual void Admit(const ReadyTask& task) = 0;
  /// Removes and returns the task to run next; nullopt when the queue is empty.
  virtual std::optional<ReadyTask> PickNext() = 0;
  /// Removes a waiting task (cancellation). Returns false if it is not queued.
  virtual bool Remove(std::uint64_t id) = 0;
  virtual std::size_t size() const = 0;
};

/// First-come, first-served: tasks run in the order they were admitted.
/// Non-preemptive. O(1) Admit and PickNext, O(n) Remove.
class FcfsQueue final : public ReadyQueuePolicy {
 public:
  std::string_view name() const override { return "FCFS"; }
  void Admit(const ReadyTask& task) override;
  std::optional<ReadyTask> PickNext() override;
  bool Remove(std::uint64_t id) override;
  std::size_t size() const override { return ready_queue_.size(); }

 private:
  std::deque<ReadyTask> ready_queue_;  // front = arrived first
};

}  // namespace osgrid::os
