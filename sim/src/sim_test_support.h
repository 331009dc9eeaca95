// Private to sim/ tests: running `osgrid sim <topic> ...` through RunSim, as
// the scenario runner does, with Catch2 assertions on the outcome.
#pragma once

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "topic.h"

namespace osgrid::sim::testing {

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

/// The integer `field` of every job in a run's JSON (`run["jobs"]`), in order.
inline std::vector<std::int64_t> JobColumn(const Json& run, const char* field) {
  std::vector<std::int64_t> values;
  for (const Json& job : run["jobs"]) values.push_back(job[field].get<std::int64_t>());
  return values;
}

/// What `topic`'s Simulation writes with WriteJson (the streamed bytes, not
/// RunSim's parsed copy) for `args`, given as on the command line.
inline std::string StreamedJson(const std::string& topic, std::vector<std::string> args) {
  const Topic* found = FindTopic(topic);
  REQUIRE(found != nullptr);
  CLI::App command;
  Runner run = found->add(command);
  std::reverse(args.begin(), args.end());  // CLI11 takes the arguments last first
  command.parse(args);
  Prepared prepared = run(CommonOptions{});
  REQUIRE(prepared.ok());
  TextOut text;
  JsonOut json(text);
  (*prepared)->WriteJson(json);
  return text.Take();
}

}  // namespace osgrid::sim::testing
