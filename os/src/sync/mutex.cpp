// Mutex lock with an owner and FIFO hand-off.
// Source: Silberschatz 10e, 6.5 "Mutex Locks"; OSTEP ch. 28.1, 28.14-28.15.
#include "osgrid/os/sync/mutex.h"

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

}  // namespace osgrid::os
