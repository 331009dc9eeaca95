// ChromeTrace: a recording as Chrome trace-event JSON, checked against the
// model it came from (the bars of its timeline, its events).
#include "osgrid/viz/chrome_trace.h"

#include <catch2/catch.hpp>

#include <map>
#include <set>
#include <string>

#include "osgrid/viz/load_trace.h"

using namespace osgrid;
using namespace osgrid::viz;

namespace {

Model Load(const std::string& file) {
  auto model = LoadTrace(std::string(OSGRID_VIZ_TESTDATA) + "/" + file);
  INFO(file << ": " << (model.ok() ? "" : model.status().ToString()));
  REQUIRE(model.ok());
  return std::move(model).value();
}

/// The trace's events of phase `ph`.
std::vector<Json> Phase(const Json& trace, const std::string& ph) {
  std::vector<Json> events;
  for (const Json& event : trace["traceEvents"]) {
    if (event["ph"] == ph) events.push_back(event);
  }
  return events;
}

/// "pid" or "pid/tid" -> the name its "M" event gives it.
std::map<std::string, std::string> Names(const Json& trace) {
  std::map<std::string, std::string> names;
  for (const Json& event : Phase(trace, "M")) {
    const std::string pid = std::to_string(event["pid"].get<int>());
    if (event["name"] == "process_name") names[pid] = event["args"]["name"];
    if (event["name"] == "thread_name") {
      names[pid + "/" + std::to_string(event["tid"].get<int>())] = event["args"]["name"];
    }
  }
  return names;
}

}  // namespace

TEST_CASE("every Gantt bar is a complete event on its peer's named row, in microseconds", "[chrome]") {
  const Model model = Load("live-scheduling.trace");
  const Json trace = ChromeTrace(model);
  CHECK(trace["displayTimeUnit"] == "ms");
  CHECK(trace["otherData"]["time_unit"] == "ms");
  const std::map<std::string, std::string> names = Names(trace);
  CHECK(names.at("0") == "cluster");

  std::size_t bars = 0;
  std::multiset<std::string> expected;  // "peer lane start task", one per bar of the timeline
  for (const auto& [peer, rows] : model.timeline().peers()) {
    for (std::size_t lane = 0; lane < rows.lanes.size(); ++lane) {
      for (const GanttBar& bar : rows.lanes[lane].bars()) {
        expected.insert(peer + " " + std::to_string(lane) + " " + std::to_string(bar.start * 1000) + " " + bar.task_id);
      }
      bars += rows.lanes[lane].bars().size() + (rows.lanes[lane].open() ? 1 : 0);
    }
  }
  REQUIRE(bars > 10);
  const std::vector<Json> complete = Phase(trace, "X");
  CHECK(complete.size() == bars);
  std::multiset<std::string> seen;
  for (const Json& event : complete) {
    const std::string pid = std::to_string(event["pid"].get<int>());
    const std::string row = pid + "/" + std::to_string(event["tid"].get<int>());
    REQUIRE(names.contains(pid));  // Perfetto labels only rows that have an "M" event
    REQUIRE(names.contains(row));
    CHECK(event["dur"].get<double>() >= 0);
    const std::string task = event["args"]["task_id"];
    CHECK(event["name"].get<std::string>().rfind(task, 0) == 0);  // "peer-1/3 spin": the id, then the function
    seen.insert(names.at(pid) + " " + std::to_string(event["tid"].get<int>()) + " " +
                std::to_string(event["ts"].get<double>()) + " " + task);
  }
  for (const std::string& bar : expected) CHECK(seen.count(bar) >= expected.count(bar));
}

TEST_CASE("the philosophers' deadlock is an instant with its cycle, and bars carry the function", "[chrome]") {
  const Model model = Load("live-philosophers.trace");
  const Json trace = ChromeTrace(model);
  std::vector<Json> found;
  for (const Json& event : Phase(trace, "i")) {
    if (event["name"] == "deadlock.found") found.push_back(event);
  }
  REQUIRE(!found.empty());
  CHECK(found[0]["args"]["cycle"].size() == 5);
  CHECK(found[0]["pid"] == 0);  // the cluster's row: a deadlock spans peers
  CHECK(found[0]["s"] == "g");
  bool named = false;
  for (const Json& event : Phase(trace, "X")) {
    named = named || event["name"].get<std::string>().find(" philosopher") != std::string::npos;
  }
  CHECK(named);
}

TEST_CASE("a simulation's CPU is one process, its unit taken as a millisecond and said", "[chrome]") {
  const Model model = Load("sim-sched-rr.trace");
  const Json trace = ChromeTrace(model);
  CHECK(trace["otherData"]["source"] == "sim");
  CHECK(trace["otherData"]["time_unit"] != "ms");
  const std::map<std::string, std::string> names = Names(trace);
  CHECK(names.at("1") == "sim");
  CHECK(names.at("1/0") == "core 0");
  const std::vector<Json> complete = Phase(trace, "X");
  REQUIRE(!complete.empty());
  for (const Json& event : complete) CHECK(event["pid"] == 1);
}
