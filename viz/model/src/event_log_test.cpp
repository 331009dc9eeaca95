// Tests of event_log.h: entries, lines and filters.
#include "osgrid/viz/event_log.h"

#include <catch2/catch.hpp>

namespace osgrid::viz {
namespace {

namespace ev = os::events;

LogEntry EventEntry(ev::Event event) { return LogEntry{0, std::move(event)}; }

TEST_CASE("a log entry of an event reads its header and type", "[viz][log]") {
  LogEntry entry =
      EventEntry(ev::Event{42, "t-1", 1532.25, "peer-9001", ev::TaskRunning{"peer-9001/17", {}, "peer-9001"}});
  CHECK(entry.kind() == EntryKind::kEvent);
  CHECK(entry.seq() == 42);
  CHECK(entry.t() == 1532.25);
  CHECK(entry.node() == "peer-9001");
  CHECK(entry.type() == "task.running");
  CHECK(LogLine(entry).find("task.running") != std::string::npos);
}

TEST_CASE("an unknown event keeps its header, type and JSON for the log", "[viz][log]") {
  Json json = {{"type", "gpu.kernel"}, {"seq", 7}, {"epoch", "t-1"}, {"t", 12.5}, {"node", "peer-1"}, {"grid", 64}};
  UnknownEvent unknown = UnknownEvent::FromJson(json);
  CHECK(unknown.type == "gpu.kernel");
  CHECK(unknown.seq == 7);
  CHECK(unknown.t == 12.5);
  CHECK(unknown.node == "peer-1");
  LogEntry entry{3, unknown};
  CHECK(entry.kind() == EntryKind::kUnknown);
  CHECK(entry.type() == "gpu.kernel");
  const std::string line = LogLine(entry);
  CHECK(line.find("gpu.kernel") != std::string::npos);
  CHECK(line.find("(unknown type)") != std::string::npos);
  CHECK(line.find("\"grid\":64") != std::string::npos);
}

TEST_CASE("the log filter selects by type prefix and by text, and never hides a gap", "[viz][log]") {
  LogEntry running = EventEntry(ev::Event{1, "e", 1, "peer-1", ev::TaskRunning{"peer-1/1", {}, "peer-1"}});
  LogEntry alloc = EventEntry(ev::Event{2, "e", 2, "peer-1", ev::MemAlloc{"k", 0, 32, 8}});
  LogEntry lost = EventEntry(ev::Event{3, "e", 3, "tracker", ev::EventsLost{5}});
  LogEntry unknown{4, UnknownEvent::FromJson(Json{{"type", "gpu.kernel"}, {"seq", 4}})};
  LogFilter tasks{{"task"}, ""};
  CHECK(Matches(running, tasks));
  CHECK_FALSE(Matches(alloc, tasks));
  CHECK(Matches(lost, tasks));
  CHECK_FALSE(Matches(unknown, tasks));
  CHECK(Matches(unknown, LogFilter{{"gpu"}, ""}));
  CHECK(Matches(alloc, LogFilter{{}, "MEM.ALLOC"}));
  CHECK_FALSE(Matches(running, LogFilter{{}, "peer-2"}));
}

}  // namespace
}  // namespace osgrid::viz
