#include "osgrid/viz/chrome_trace.h"

#include <map>
#include <set>
#include <string>

#include "osgrid/net/events.h"

namespace osgrid::viz {

namespace {

namespace ev = os::events;

/// The event types shown as instants (see the header).
const std::set<std::string, std::less<>>& InstantTypes() {
  static const std::set<std::string, std::less<>> types = {"deadlock.found", "deadlock.victim", "deadlock.stall",
                                                           "mem.failed",     "mem.compact",     "peer.dead",
                                                           "peer.left",      "events.lost"};
  return types;
}

/// Microseconds from the recording's t (ms, or a simulation's unit taken as one ms).
double Micros(double t) { return t * 1000.0; }

class Exporter {
 public:
  explicit Exporter(const Model& model) : model_(model) {}

  Json Build() {
    NameTasks();
    AddPeers();
    AddBars();
    AddInstants();
    Json other = {
        {"source", model_.source().source}, {"time_unit", model_.source().time_unit}, {"osgrid_events", model_.size()}};
    if (model_.truncation().history_truncated) other["history_truncated_entries"] = model_.truncation().entries;
    return {{"displayTimeUnit", "ms"}, {"otherData", std::move(other)}, {"traceEvents", std::move(events_)}};
  }

 private:
  /// Each task's function, from its task.submitted (a simulation's job: its name).
  void NameTasks() {
    for (std::uint64_t index = model_.begin_index(); index < model_.end_index(); ++index) {
      const ev::Event* event = model_.entry(index).event();
      if (event == nullptr) continue;
      if (const auto* submitted = std::get_if<ev::TaskSubmitted>(&event->body)) {
        functions_[submitted->task_id] = submitted->name;
      }
    }
  }

  /// A pid per peer of the timeline, with its process and thread names.
  void AddPeers() {
    events_.push_back(Metadata("process_name", 0, std::nullopt, {{"name", "cluster"}}));
    int pid = 0;
    for (const auto& [peer, rows] : model_.timeline().peers()) {
      pids_[peer] = ++pid;
      events_.push_back(Metadata("process_name", pid, std::nullopt, {{"name", peer}}));
      events_.push_back(Metadata("process_sort_index", pid, std::nullopt, {{"sort_index", pid}}));
      for (std::size_t lane = 0; lane < rows.lanes.size(); ++lane) {
        const std::string name = (rows.lanes[lane].overflow() ? "overflow " : "core ") + std::to_string(lane);
        events_.push_back(Metadata("thread_name", pid, static_cast<int>(lane), {{"name", name}}));
      }
    }
  }

  void AddBars() {
    const double end_of_recording = model_.last_t().value_or(0);
    for (const auto& [peer, rows] : model_.timeline().peers()) {
      for (std::size_t lane = 0; lane < rows.lanes.size(); ++lane) {
        for (const GanttBar& bar : rows.lanes[lane].bars()) AddBar(peer, lane, bar, bar.end);
        if (const GanttBar* open = rows.lanes[lane].open()) {
          AddBar(peer, lane, *open, std::max(open->end, end_of_recording));
        }
      }
    }
  }

  void AddBar(const std::string& peer, std::size_t lane, const GanttBar& bar, double end) {
    std::string name = bar.kind == BarKind::kSwitch ? "switch to " + bar.task_id : bar.task_id;
    if (auto function = functions_.find(bar.task_id); bar.kind == BarKind::kRun && function != functions_.end() &&
                                                      !function->second.empty() && function->second != bar.task_id) {
      name += " " + function->second;
    }
    events_.push_back({{"ph", "X"},
                       {"name", name},
                       {"cat", bar.kind == BarKind::kSwitch ? "switch" : "task"},
                       {"pid", pids_[peer]},
                       {"tid", static_cast<int>(lane)},
                       {"ts", Micros(bar.start)},
                       {"dur", Micros(std::max(0.0, end - bar.start))},
                       {"args", {{"task_id", bar.task_id}, {"ended_by", std::string(BarEndName(bar.ended_by))}}}});
  }

  void AddInstants() {
    for (std::uint64_t index = model_.begin_index(); index < model_.end_index(); ++index) {
      const LogEntry& entry = model_.entry(index);
      const ev::Event* event = entry.event();
      if (event == nullptr || !InstantTypes().contains(entry.type())) continue;
      Json args = net::EncodeEvent(*event);
      const std::string peer = args.value("peer", "");
      auto pid = pids_.find(peer);
      events_.push_back({{"ph", "i"},
                         {"s", pid == pids_.end() ? "g" : "p"},
                         {"name", std::string(entry.type())},
                         {"cat", "event"},
                         {"pid", pid == pids_.end() ? 0 : pid->second},
                         {"tid", 0},
                         {"ts", Micros(entry.time)},
                         {"args", std::move(args)}});
    }
  }

  /// A metadata ("M") event: `what` names a pid (or a pid's tid) with `args`.
  static Json Metadata(const char* what, int pid, std::optional<int> tid, Json args) {
    Json event = {{"ph", "M"}, {"name", what}, {"pid", pid}, {"args", std::move(args)}};
    if (tid) event["tid"] = *tid;
    return event;
  }

  const Model& model_;
  Json events_ = Json::array();
  std::map<std::string, int, std::less<>> pids_;
  std::map<std::string, std::string, std::less<>> functions_;  // task id -> its function's name
};

}  // namespace

Json ChromeTrace(const Model& model) { return Exporter(model).Build(); }

}  // namespace osgrid::viz
