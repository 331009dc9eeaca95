// Counting and binary semaphores with FIFO wake-up (strong semaphores).
// Source: Silberschatz 10e, 6.6.2 "Semaphore Implementation"; OSTEP ch. 31.1-31.2.
#include "osgrid/os/sync/semaphore.h"

#include <algorithm>
#include <string>

namespace osgrid::os {

Expected<Semaphore> Semaphore::Counting(std::int64_t initial) {
  if (initial < 0) return Fail("a semaphore's initial value must be >= 0, got " + std::to_string(initial));
  return Semaphore(initial, false);
}

Expected<Semaphore> Semaphore::Binary(std::int64_t initial) {
  if (initial != 0 && initial != 1) {
    return Fail("a binary semaphore's initial value must be 0 or 1, got " + std::to_string(initial));
  }
  return Semaphore(initial, true);
}

bool Semaphore::Wait(ProcessId process) {
  --value_;
  if (value_ >= 0) return true;
  waiting_.push_back(process);  // block: join the semaphore's list
  return false;
}

std::optional<ProcessId> Semaphore::Signal() {
  if (binary_ && value_ >= 1) return std::nullopt;  // a binary semaphore stays at 1
  ++value_;
  if (value_ > 0) return std::nullopt;       // nobody was waiting
  const ProcessId woken = waiting_.front();  // value <= 0: someone waits; FIFO
  waiting_.pop_front();
  return woken;
}

bool Semaphore::CancelWait(ProcessId process) {
  const auto it = std::find(waiting_.begin(), waiting_.end(), process);
  if (it == waiting_.end()) return false;
  waiting_.erase(it);
  ++value_;  // its wait() never happened: still value == -waiting
  return true;
}

}  // namespace osgrid::os
