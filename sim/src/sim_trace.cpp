// `osgrid sim ... --trace FILE`: see sim_trace.h.
#include "sim_trace.h"

#include <algorithm>
#include <array>
#include <string_view>
#include <utility>
#include <vector>

#include "osgrid/net/sha256.h"
#include "osgrid/os/events/events.h"

#ifndef OSGRID_VERSION
#define OSGRID_VERSION "unknown"
#endif

namespace osgrid::sim {
namespace {

/// The options that change how a run is shown, not what it does.
bool OutputOnly(std::string_view name) {
  constexpr std::array<std::string_view, 6> kNames = {"--solve", "--json", "--svg", "--ostep", "--trace", "--help"};
  return std::find(kNames.begin(), kNames.end(), name) != kNames.end();
}

}  // namespace

Status CheckTraceable(const Topic& topic) {
  if (!topic.time_unit.empty()) return Status::Ok();
  std::string traced;
  for (const Topic& other : AllTopics()) {
    if (!other.time_unit.empty()) traced += (traced.empty() ? "" : ", ") + other.name;
  }
  return BadInput("--trace: 'osgrid sim " + topic.name + "' makes no events to trace (the topics that do: " + traced +
                  ")");
}

Json GivenOptions(const CLI::App& command) {
  Json options = Json::object();
  for (const CLI::Option* option : command.get_options()) {
    const std::string name = option->get_name();
    if (option->count() == 0 || name.empty() || OutputOnly(name)) continue;
    const std::vector<std::string>& given = option->results();
    if (option->get_items_expected_max() == 0) {
      options[name] = true;  // a flag
    } else {
      options[name] = given.size() == 1 ? Json(given.front()) : Json(given);
    }
  }
  return options;
}

net::TraceHeader SimTraceHeader(const Topic& topic, const Json& options) {
  net::TraceHeader header;
  header.osgrid_version = OSGRID_VERSION;
  header.source = "sim";
  header.time_unit = topic.time_unit;
  header.cluster = Json{{"topic", topic.name}, {"options", options}};
  header.epoch = "sim-" + topic.name + "-" + net::Sha256Hex(header.cluster.dump()).substr(0, 8);
  return header;
}

Status WriteTrace(const Simulation& simulation, const net::TraceHeader& header, const std::string& path) {
  Result<net::TraceWriter> writer = net::TraceWriter::Open(path, header);
  if (!writer.ok()) return writer.status();
  Status written;  // the first write error; later events are not tried
  simulation.WriteEvents([&](const os::events::Event& event) {
    if (!written.ok()) return;
    os::events::Event named = event;  // a simulator leaves the epoch to its caller (events/sink.h)
    named.epoch = header.epoch;
    written = writer->Write(named);
  });
  Status closed = writer->Close();
  return written.ok() ? closed : written;
}

}  // namespace osgrid::sim
