// Semaphores: counting and binary, with a FIFO queue of blocked processes.
//
// Source: Silberschatz, Operating System Concepts 10e, 6.6 "Semaphores"
//         (6.6.1 semaphore usage, 6.6.2 semaphore implementation: wait()
//         decrements the value and blocks when it goes negative, signal()
//         increments it and wakes one blocked process);
//         OSTEP ch. 31 "Semaphores" (31.1 definition: a negative value is the
//         number of waiting threads; 31.2 binary semaphores as locks).
//
// Wake-up order is FIFO: signal() wakes the process that has waited longest.
// A semaphore with this guarantee is called a *strong* semaphore; it cannot
// starve a waiter (a weak semaphore may wake any waiter).
//
// The semaphore knows processes only by number; it never runs them. The
// caller (the sync simulator, or a live node later) blocks the process when
// Wait() says so and makes the woken process ready again when Signal()
// names it. A woken process's wait() has completed: it does not retry.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>

#include "osgrid/os/expected.h"

namespace osgrid::os {

/// A process as the synchronisation primitives see it: a small number,
/// e.g. its index in the simulator's process table.
using ProcessId = std::uint32_t;

/// Dijkstra's semaphore S with wait() = P and signal() = V.
///
/// value() follows Silberschatz 6.6.2: when it is negative, its magnitude is
/// the number of processes waiting (value() == -waiting().size()).
class Semaphore {
 public:
  /// A counting semaphore, e.g. `empty` = n free buffer slots (7.1.1).
  /// Error when `initial` < 0.
  static Expected<Semaphore> Counting(std::int64_t initial);
  /// A binary semaphore (a semaphore used as a lock, OSTEP 31.2): initial
  /// value 0 or 1 (else an error). Its value never exceeds 1: signal() on a
  /// binary semaphore whose value is already 1 leaves it at 1.
  static Expected<Semaphore> Binary(std::int64_t initial);

  /// P / wait(): value -= 1; when the value is now negative the caller must
  /// block and joins the back of the waiting queue. Returns true when the
  /// caller may continue, false when it is blocked.
  bool Wait(ProcessId process);

  /// V / signal(): value += 1 (capped at 1 for a binary semaphore); when a
  /// process was waiting, the one at the front of the queue (FIFO) is
  /// removed and returned: its wait() has now completed and it is ready.
  std::optional<ProcessId> Signal();

  /// A blocked process stops waiting without completing its wait() (its
  /// wait timed out, or it ended): it leaves the queue and the value goes
  /// back up by 1, undoing its wait()'s decrement, so value() == -waiting()
  /// still holds while the value is negative. Returns false, changing
  /// nothing, when `process` is not waiting. Not in the textbook, whose
  /// wait() blocks for ever; POSIX sem_timedwait() needs it.
  bool CancelWait(ProcessId process);

  std::int64_t value() const { return value_; }
  bool binary() const { return binary_; }
  /// The blocked processes, front = waited longest = woken next.
  const std::deque<ProcessId>& waiting() const { return waiting_; }

 private:
  Semaphore(std::int64_t initial, bool binary) : value_(initial), binary_(binary) {}

  std::int64_t value_;
  bool binary_;
  std::deque<ProcessId> waiting_;  // the semaphore's list of blocked processes (FIFO)
};

}  // namespace osgrid::os
