// Private to cli/ tests: running `osgrid sim <topic> ...` through RunSim, as
// the scenario runner does, with Catch2 assertions on the outcome.
#pragma once

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "sim/sim.h"

namespace osgrid::cli::sim::testing {

/// `osgrid sim <topic> args...`; the test fails (with the message) unless it succeeds.
inline Output SimOk(const std::string& topic, std::vector<std::string> args) {
  args.insert(args.begin(), topic);
  Outcome outcome = RunSim(args);
  INFO((outcome.ok() ? std::string() : outcome.status().message()));
  REQUIRE(outcome.ok());
  return *outcome;
}

/// The same run must be refused as bad input; returns the message.
inline std::string SimError(const std::string& topic, std::vector<std::string> args) {
  args.insert(args.begin(), topic);
  Outcome outcome = RunSim(args);
  REQUIRE_FALSE(outcome.ok());
  CHECK(outcome.status().code() == Code::kBadRequest);
  return outcome.status().message();
}

}  // namespace osgrid::cli::sim::testing
