// Mutex lock with an owner and FIFO hand-off.
// Source: Silberschatz 10e, 6.5 "Mutex Locks"; OSTEP ch. 28.1, 28.14-28.15.
#include "osgrid/os/sync/mutex.h"

#include <algorithm>

namespace osgrid::os {

bool Mutex::Lock(ProcessId process) {
  if (!owner_) {
    owner_ = process;
    return true;
  }
  waiting_.push_back(process);  // held (possibly by `process` itself): block
  return false;
}

Mutex::UnlockResult Mutex::Unlock(ProcessId process) {
  if (owner_ != process) return {};
  if (waiting_.empty()) {
    owner_.reset();
    return {true, std::nullopt};
  }
  owner_ = waiting_.front();  // hand the lock to the longest waiter
  waiting_.pop_front();
  return {true, owner_};
}

bool Mutex::CancelWait(ProcessId process) {
  const auto it = std::find(waiting_.begin(), waiting_.end(), process);
  if (it == waiting_.end()) return false;
  waiting_.erase(it);  // the owner is unchanged: a waiter never held the lock
  return true;
}

}  // namespace osgrid::os
