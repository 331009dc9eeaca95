// The five-state process model and its legal transitions.
//
// Source: OSTEP ch. 4 "The Abstraction: The Process", 4.4 "Process States"
//         (Figure 4.2: running, ready, blocked; and the initial and final
//         states of 4.5); Silberschatz, Operating System Concepts 10e, 3.1.2
//         "Process State" (Figure 3.2: new, ready, running, waiting,
//         terminated).
//
//                admit            exit
//        new ---------> ready    running ---------> terminated
//                       |   ^    ^  |
//              dispatch |   |    |  | wait for event (I/O, wait())
//                       |   |    |  v
//                       +---|----+  waiting
//                  timeout  |          |
//               (preempt)   +----------+ event occurs
//
// Exactly six transitions are legal; everything else (dispatching a waiting
// process, a ready process waiting for an event, leaving terminated) is an
// error value, never a crash.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "osgrid/os/expected.h"

namespace osgrid::os {

/// Silberschatz Figure 3.2. OSTEP calls `kWaiting` "blocked". A terminated
/// process whose parent has not yet called wait() is a zombie (3.3.2).
enum class ProcessState { kNew, kReady, kRunning, kWaiting, kTerminated };

/// The edges of the diagram above.
enum class StateTransition {
  kAdmit,         // new -> ready: the OS admits the created process
  kDispatch,      // ready -> running: the scheduler picks it for the CPU
  kPreempt,       // running -> ready: timeout (timer interrupt) or preemption
  kWaitForEvent,  // running -> waiting: I/O request, wait() for a child, ...
  kEventOccurs,   // waiting -> ready: the I/O completed, a child exited, a signal arrived
  kExit,          // running -> terminated: exit() or a fatal signal acted upon
};

/// "new", "ready", "running", "waiting", "terminated".
std::string_view ProcessStateName(ProcessState state);
/// "admit", "dispatch", "preempt", "wait for event", "event occurs", "exit".
std::string_view TransitionName(StateTransition transition);

/// The state `transition` leaves from (each transition has exactly one).
ProcessState TransitionSource(StateTransition transition);

/// The state `transition` leads to from `from`, or nullopt when the diagram
/// has no such edge.
std::optional<ProcessState> NextState(ProcessState from, StateTransition transition);

/// NextState() for process `pid` (named `who` in messages, e.g. "pid 5" or
/// "pid 5 (B)"), with a message for a student when the edge does not exist:
/// "pid 5: cannot dispatch: it is waiting, not ready".
Expected<ProcessState> ApplyTransition(std::string_view who, ProcessState from, StateTransition transition);

}  // namespace osgrid::os
