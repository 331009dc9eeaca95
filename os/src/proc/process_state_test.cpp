// The five-state model: OSTEP ch. 4.4 (Figure 4.2), Silberschatz 10e 3.1.2 (Figure 3.2).
#include "osgrid/os/proc/process_state.h"

#include <catch2/catch.hpp>
#include <vector>

using namespace osgrid::os;

namespace {
const std::vector<ProcessState> kStates = {ProcessState::kNew, ProcessState::kReady, ProcessState::kRunning,
                                           ProcessState::kWaiting, ProcessState::kTerminated};
const std::vector<StateTransition> kTransitions = {StateTransition::kAdmit,       StateTransition::kDispatch,
                                                   StateTransition::kPreempt,     StateTransition::kWaitForEvent,
                                                   StateTransition::kEventOccurs, StateTransition::kExit};
}  // namespace

TEST_CASE("the six edges of Silberschatz Figure 3.2", "[proc][state]") {
  CHECK(NextState(ProcessState::kNew, StateTransition::kAdmit) == ProcessState::kReady);
  CHECK(NextState(ProcessState::kReady, StateTransition::kDispatch) == ProcessState::kRunning);
  CHECK(NextState(ProcessState::kRunning, StateTransition::kPreempt) == ProcessState::kReady);
  CHECK(NextState(ProcessState::kRunning, StateTransition::kWaitForEvent) == ProcessState::kWaiting);
  CHECK(NextState(ProcessState::kWaiting, StateTransition::kEventOccurs) == ProcessState::kReady);
  CHECK(NextState(ProcessState::kRunning, StateTransition::kExit) == ProcessState::kTerminated);
}

TEST_CASE("every other (state, transition) pair is refused with a message", "[proc][state]") {
  int legal = 0;
  for (ProcessState from : kStates) {
    for (StateTransition transition : kTransitions) {
      auto next = ApplyTransition("pid 5", from, transition);
      if (from == TransitionSource(transition)) {
        ++legal;
        CHECK(next.ok());
        continue;
      }
      REQUIRE_FALSE(next.ok());
      CHECK(next.error().message == "pid 5: cannot " + std::string(TransitionName(transition)) + ": it is " +
                                        std::string(ProcessStateName(from)) + ", not " +
                                        std::string(ProcessStateName(TransitionSource(transition))));
    }
  }
  CHECK(legal == 6);
  // The example of the brief, word for word.
  CHECK(ApplyTransition("pid 5", ProcessState::kWaiting, StateTransition::kDispatch).error().message ==
        "pid 5: cannot dispatch: it is waiting, not ready");
  // Nothing leaves terminated (OSTEP 4.4: the final, zombie state).
  for (StateTransition transition : kTransitions) CHECK_FALSE(NextState(ProcessState::kTerminated, transition));
}

TEST_CASE("state and transition names", "[proc][state]") {
  CHECK(ProcessStateName(ProcessState::kWaiting) == "waiting");
  CHECK(ProcessStateName(ProcessState::kTerminated) == "terminated");
  CHECK(TransitionName(StateTransition::kWaitForEvent) == "wait for event");
  CHECK(TransitionName(StateTransition::kPreempt) == "preempt");
}
