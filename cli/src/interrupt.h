// Private to cli/: Ctrl-C and friends for `osgrid run`.
//
// While an InterruptGuard lives, SIGINT, SIGTERM and SIGHUP do not kill the
// process on the spot. They are blocked in every thread, and a watcher thread
// takes them with sigtimedwait(), calls `on_signal` with ordinary C++ (it may
// lock mutexes and stop child processes: nothing here runs in a signal
// handler), then ends the process with status 128 + signal (130 for Ctrl-C).
//
// REQUIRES: constructed before any other thread starts (threads inherit the
// signal mask of the thread that creates them), i.e. first thing in a command.
#pragma once

#include <atomic>
#include <csignal>
#include <functional>
#include <thread>

namespace osgrid::cli {

class InterruptGuard {
 public:
  /// `on_signal` gets the signal number; the process exits when it returns.
  explicit InterruptGuard(std::function<void(int signal_number)> on_signal);
  /// Stops the watcher and restores the previous signal mask.
  ~InterruptGuard();
  InterruptGuard(const InterruptGuard&) = delete;
  InterruptGuard& operator=(const InterruptGuard&) = delete;

 private:
  void Watch();

  std::function<void(int)> on_signal_;
  sigset_t signals_{};
  sigset_t previous_mask_{};
  std::atomic<bool> done_{false};
  std::thread watcher_;
};

}  // namespace osgrid::cli
