// InterruptGuard: signals taken by a watcher thread (see interrupt.h).
#include "interrupt.h"

#include <pthread.h>
#include <unistd.h>
#include <cerrno>
#include <cstdio>
#include <ctime>

namespace osgrid::cli {

InterruptGuard::InterruptGuard(std::function<void(int)> on_signal) : on_signal_(std::move(on_signal)) {
  sigemptyset(&signals_);
  sigaddset(&signals_, SIGINT);
  sigaddset(&signals_, SIGTERM);
  sigaddset(&signals_, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals_, &previous_mask_);
  watcher_ = std::thread([this] { Watch(); });
}

InterruptGuard::~InterruptGuard() {
  done_ = true;
  watcher_.join();
  pthread_sigmask(SIG_SETMASK, &previous_mask_, nullptr);
}

// Polls every 100 ms so that the destructor can end the thread without a signal.
void InterruptGuard::Watch() {
  const timespec poll = {0, 100 * 1000 * 1000};
  while (!done_) {
    int signal_number = sigtimedwait(&signals_, nullptr, &poll);
    if (signal_number <= 0) continue;  // timeout or EINTR
    on_signal_(signal_number);
    std::fflush(stdout);
    std::fflush(stderr);
    _exit(128 + signal_number);
  }
}

}  // namespace osgrid::cli
