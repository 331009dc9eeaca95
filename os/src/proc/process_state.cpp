// The five-state process model.
// Source: OSTEP ch. 4.4 "Process States" (Figure 4.2); Silberschatz 10e,
//         3.1.2 "Process State" (Figure 3.2).
#include "osgrid/os/proc/process_state.h"

namespace osgrid::os {

std::string_view ProcessStateName(ProcessState state) {
  switch (state) {
    case ProcessState::kNew:
      return "new";
    case ProcessState::kReady:
      return "ready";
    case ProcessState::kRunning:
      return "running";
    case ProcessState::kWaiting:
      return "waiting";
    case ProcessState::kTerminated:
      return "terminated";
  }
  return "?";
}

std::string_view TransitionName(StateTransition transition) {
  switch (transition) {
    case StateTransition::kAdmit:
      return "admit";
    case StateTransition::kDispatch:
      return "dispatch";
    case StateTransition::kPreempt:
      return "preempt";
    case StateTransition::kWaitForEvent:
      return "wait for event";
    case StateTransition::kEventOccurs:
      return "event occurs";
    case StateTransition::kExit:
      return "exit";
  }
  return "?";
}

ProcessState TransitionSource(StateTransition transition) {
  switch (transition) {
    case StateTransition::kAdmit:
      return ProcessState::kNew;
    case StateTransition::kDispatch:
      return ProcessState::kReady;
    case StateTransition::kPreempt:
      return ProcessState::kRunning;
    case StateTransition::kWaitForEvent:
      return ProcessState::kRunning;
    case StateTransition::kEventOccurs:
      return ProcessState::kWaiting;
    case StateTransition::kExit:
      return ProcessState::kRunning;
  }
  return ProcessState::kTerminated;
}

namespace {

ProcessState TransitionTarget(StateTransition transition) {
  switch (transition) {
    case StateTransition::kAdmit:
      return ProcessState::kReady;
    case StateTransition::kDispatch:
      return ProcessState::kRunning;
    case StateTransition::kPreempt:
      return ProcessState::kReady;
    case StateTransition::kWaitForEvent:
      return ProcessState::kWaiting;
    case StateTransition::kEventOccurs:
      return ProcessState::kReady;
    case StateTransition::kExit:
      return ProcessState::kTerminated;
  }
  return ProcessState::kTerminated;
}

}  // namespace

std::optional<ProcessState> NextState(ProcessState from, StateTransition transition) {
  if (from != TransitionSource(transition)) return std::nullopt;
  return TransitionTarget(transition);
}

Expected<ProcessState> ApplyTransition(std::string_view who, ProcessState from, StateTransition transition) {
  if (auto next = NextState(from, transition)) return *next;
  return Fail(std::string(who) + ": cannot " + std::string(TransitionName(transition)) + ": it is " +
              std::string(ProcessStateName(from)) + ", not " +
              std::string(ProcessStateName(TransitionSource(transition))));
}

}  // namespace osgrid::os
