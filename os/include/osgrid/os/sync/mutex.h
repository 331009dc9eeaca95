// A mutex lock with an owner and a FIFO queue of blocked processes.
//
// Source: Silberschatz, Operating System Concepts 10e, 6.5 "Mutex Locks"
//         (acquire() / release() around the critical section);
//         OSTEP ch. 28 "Locks" (28.1 the basic idea: a lock is available or
//         held by exactly one owner; 28.14 queues instead of spinning) and
//         ch. 28.15 (sleeping locks hand the lock to the next waiter).
//
// Unlike a semaphore, a mutex has an owner: only the process that locked it
// may unlock it. Unlock() by anyone else changes nothing and reports the
// error to the caller (the simulator shows it in the run); it never crashes.
// The mutex is not recursive: Lock() by the owner blocks the owner forever
// (a deadlock with itself, which the wait-for graph shows as a self-loop).
//
// Release hands the lock to the process that has waited longest (FIFO), so
// a waiter cannot be overtaken by a newcomer and cannot starve.
#pragma once

#include <deque>
#include <optional>

#include "osgrid/os/sync/semaphore.h"  // ProcessId

namespace osgrid::os {

class Mutex {
 public:
  /// acquire(): returns true when `process` now owns the lock, false when it
  /// must block (it joins the back of the waiting queue). Lock() by the
  /// owner blocks too (non-recursive lock).
  bool Lock(ProcessId process);

  /// What Unlock() did.
  struct UnlockResult {
    bool ok = false;                 // false: `process` was not the owner; nothing changed
    std::optional<ProcessId> woken;  // the waiter that now owns the lock (FIFO), if any
  };
  /// release(): by the owner, frees the lock or hands it to the first waiter,
  /// which becomes the owner and is ready again. By anyone else: {ok=false}.
  UnlockResult Unlock(ProcessId process);

  /// A blocked process stops waiting without getting the lock (its wait
  /// timed out, or it ended): it leaves the waiting queue, and the others
  /// keep their order. Returns false, changing nothing, when `process` is
  /// not waiting. Not in the textbook, whose acquire() waits for ever; a
  /// timed lock (POSIX pthread_mutex_timedlock) needs it.
  bool CancelWait(ProcessId process);

  /// The process holding the lock, or nullopt when it is available.
  std::optional<ProcessId> owner() const { return owner_; }
  /// The blocked processes, front = waited longest = next owner.
  const std::deque<ProcessId>& waiting() const { return waiting_; }

 private:
  std::optional<ProcessId> owner_;
  std::deque<ProcessId> waiting_;
};

}  // namespace osgrid::os
