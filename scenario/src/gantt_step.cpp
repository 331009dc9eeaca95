// The scenario step `gantt:` (see gantt_step.h): parse, ask the peers, draw, check.
#include "gantt_step.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <set>
#include <sstream>

#include "osgrid/client/ops.h"
#include "osgrid/client/text.h"
#include "osgrid/scenario/cluster.h"

namespace osgrid::scenario {

using client::Number;
using client::Table;

namespace {

constexpr const char* kRun = "█";      // on a core
constexpr const char* kWait = "·";     // in the ready queue: submitted, not finished, not on a core
constexpr const char* kBlocked = "-";  // waiting: blocked in a system call (osgrid.wait), off the ready queue
constexpr std::size_t kMaxLabel = 12;

std::string IntMs(double ms) { return std::to_string(std::llround(ms)) + " ms"; }

/// "RR, quantum 100 ms": the policy and the settings it uses, from STATUS's "scheduler".
std::string SchedulerText(const Json& settings) {
  if (!settings.is_object()) return "?";
  std::string text = settings.value("policy", "?");
  if (settings.contains("mlfq") && settings["mlfq"].is_object()) {
    const Json& mlfq = settings["mlfq"];
    std::string quanta;
    for (const Json& q : mlfq.value("quantum_ms", Json::array())) quanta += (quanta.empty() ? "" : ",") + q.dump();
    text += ", quanta " + quanta + " ms";
    if (Number(mlfq, "boost_ms") > 0) text += ", boost " + IntMs(Number(mlfq, "boost_ms"));
  } else if (settings.contains("quantum_ms")) {
    text += ", quantum " + IntMs(Number(settings, "quantum_ms"));
  }
  if (Number(settings, "aging_ms") > 0) text += ", aging " + IntMs(Number(settings, "aging_ms"));
  return text;
}

/// {"tasks", "avg_response_ms", "avg_waiting_ms", "avg_turnaround_ms"} of a "finished" list; 0 when empty.
Json Averages(const Json& finished) {
  double response = 0, waiting = 0, turnaround = 0;
  std::size_t tasks = 0;
  for (const Json& f : finished) {
    if (!f.is_object()) continue;
    response += Number(f, "response_ms");
    waiting += Number(f, "waiting_ms");
    turnaround += Number(f, "turnaround_ms");
    ++tasks;
  }
  const double n = tasks == 0 ? 1 : static_cast<double>(tasks);
  return {{"tasks", tasks},
          {"avg_response_ms", response / n},
          {"avg_waiting_ms", waiting / n},
          {"avg_turnaround_ms", turnaround / n}};
}

/// "peer-3/12" before "peer-3/100": task ids compared by their prefix, then their number.
bool TaskIdLess(const std::string& a, const std::string& b) {
  auto split = [](const std::string& id) {
    std::size_t digits = id.size();
    while (digits > 0 && std::isdigit(static_cast<unsigned char>(id[digits - 1]))) --digits;
    const std::string number = id.substr(digits, 18);
    return std::make_pair(id.substr(0, digits), number.empty() ? -1LL : std::stoll(number));
  };
  return split(a) < split(b);
}

/// One task's row: when it was on a core, and (if it finished) when it was submitted and ended.
struct TaskRow {
  std::string task_id;
  std::string label;
  std::vector<std::pair<double, double>> runs;     // [start_t, end_t), tracker clock ms
  std::vector<std::pair<double, double>> blocked;  // waiting in a system call (the report's "blocked")
  std::optional<double> submitted_t, finished_t;
};

/// One peer's chart, from its STATUS reply.
struct PeerChart {
  std::string peer;
  std::string title;
  std::vector<TaskRow> rows;  // in submission (task id) order
  double origin = 0, end = 0;
  Json finished = Json::array();
};

PeerChart BuildChart(const PeerSchedule& input) {
  PeerChart chart;
  chart.peer = input.peer;
  const Json scheduling = input.status.value("scheduling", Json::object());
  const Json settings = input.status.value("scheduler", Json::object());
  chart.title = input.peer + ": " + SchedulerText(settings);
  const std::string summary = scheduling.is_object() ? scheduling.value("summary", "") : "";
  if (!summary.empty()) chart.title += " -- " + summary;
  const int cores = scheduling.is_object() ? static_cast<int>(Number(scheduling, "cores", 1)) : 1;
  if (cores > 1) chart.title += " (" + std::to_string(cores) + " cores)";
  if (!scheduling.is_object()) return chart;

  std::map<std::string, TaskRow> rows;
  for (const Json& s : scheduling.value("timeline", Json::array())) {
    if (!s.is_object()) continue;
    TaskRow& row = rows[s.value("task_id", "?")];
    row.task_id = s.value("task_id", "?");
    row.label = s.value("name", "");
    const double start = Number(s, "start_t"), end = Number(s, "end_t");
    if (end > start) row.runs.emplace_back(start, end);
    if (s.value("end", "") == "finished") row.finished_t = end;
  }
  for (const Json& b : scheduling.value("blocked", Json::array())) {  // waiting in system calls
    if (!b.is_object()) continue;
    auto it = rows.find(b.value("task_id", "?"));
    const double start = Number(b, "start_t"), end = Number(b, "end_t");
    if (it != rows.end() && end > start) it->second.blocked.emplace_back(start, end);
  }
  chart.finished = scheduling.value("finished", Json::array());
  for (const Json& f : chart.finished) {
    auto it = rows.find(f.value("task_id", "?"));
    if (it == rows.end() || !it->second.finished_t) continue;  // it never ran, or its start is no longer kept
    it->second.submitted_t = *it->second.finished_t - Number(f, "turnaround_ms");
  }
  bool first = true;
  for (auto& [id, row] : rows) {
    if (row.runs.empty()) continue;
    if (row.label.empty()) row.label = id;
    const double from = row.submitted_t.value_or(row.runs.front().first);
    const double to = row.runs.back().second;
    chart.origin = first ? from : std::min(chart.origin, from);
    chart.end = first ? to : std::max(chart.end, to);
    first = false;
    chart.rows.push_back(row);
  }
  std::sort(chart.rows.begin(), chart.rows.end(),
            [](const TaskRow& a, const TaskRow& b) { return TaskIdLess(a.task_id, b.task_id); });
  // The same name twice (tasks named after their function): tell them apart by id.
  std::map<std::string, int> uses;
  for (const TaskRow& row : chart.rows) ++uses[row.label];
  for (TaskRow& row : chart.rows) {
    if (uses[row.label] > 1) row.label += " " + row.task_id.substr(row.task_id.rfind('/') + 1);
    if (row.label.size() > kMaxLabel) row.label = row.label.substr(0, kMaxLabel - 1) + "~";
  }
  return chart;
}

double Overlap(double a0, double a1, double b0, double b1) {
  return std::max(0.0, std::min(a1, b1) - std::max(a0, b0));
}

/// One row of the chart, `columns` wide at `ms_per_column`: each column shows
/// what the task did for most of its time (ran, waited, or neither); every
/// stretch on a core shows at least at its middle, however short.
std::string ChartLine(const TaskRow& row, double origin, double ms_per_column, int columns) {
  std::vector<const char*> cells(static_cast<std::size_t>(columns), " ");
  for (int c = 0; c < columns; ++c) {
    const double from = origin + c * ms_per_column, to = from + ms_per_column;
    double ran = 0;
    for (const auto& [start, end] : row.runs) ran += Overlap(from, to, start, end);
    double blocked = 0;
    for (const auto& [start, end] : row.blocked) blocked += Overlap(from, to, start, end);
    double waited = 0;
    if (row.submitted_t) {
      waited = std::max(0.0, Overlap(from, to, *row.submitted_t, row.runs.back().second) - ran - blocked);
    }
    const double idle = ms_per_column - ran - waited - blocked;
    if (ran > 0 && ran >= waited && ran >= blocked && ran >= idle) {
      cells[static_cast<std::size_t>(c)] = kRun;
    } else if (blocked > 0 && blocked >= waited && blocked >= idle) {
      cells[static_cast<std::size_t>(c)] = kBlocked;
    } else if (waited > 0 && waited >= idle) {
      cells[static_cast<std::size_t>(c)] = kWait;
    }
  }
  for (const auto& [start, end] : row.runs) {
    const int middle = static_cast<int>(((start + end) / 2 - origin) / ms_per_column);
    if (middle >= 0 && middle < columns) cells[static_cast<std::size_t>(middle)] = kRun;
  }
  std::string line;
  int last = columns;
  while (last > 0 && std::string_view(cells[static_cast<std::size_t>(last - 1)]) == " ") --last;
  for (int c = 0; c < last; ++c) line += cells[static_cast<std::size_t>(c)];
  return line;
}

/// The time axis under a chart `columns` wide: labels at round times, at
/// least 10 columns apart, the last one overhanging the chart by at most kOverhang.
constexpr int kOverhang = 3;
std::string AxisLine(double span_ms, double ms_per_column, int columns) {
  double step = 1;
  for (double decade = 1; step / ms_per_column < 10; decade *= 10) {
    for (double factor : {1.0, 2.0, 2.5, 5.0}) {
      step = factor * decade;
      if (step / ms_per_column >= 10) break;
    }
  }
  std::string axis;
  for (double t = 0; t <= span_ms + ms_per_column / 2; t += step) {
    const auto column = static_cast<std::size_t>(std::lround(t / ms_per_column));
    const std::string label = std::to_string(std::llround(t));
    if (column + label.size() > static_cast<std::size_t>(columns + kOverhang)) break;
    if (!axis.empty() && column < axis.size() + 1) continue;
    axis.resize(column, ' ');
    axis += label;
  }
  return axis + " ms";
}

/// A table as Table::Print writes it, without the padding after a row's last cell.
std::string TableText(const Table& table, std::string_view indent) {
  std::ostringstream printed;
  table.Print(printed, indent);
  std::string text;
  std::istringstream lines(printed.str());
  for (std::string line; std::getline(lines, line);) {
    line.erase(line.find_last_not_of(' ') + 1);
    text += line + "\n";
  }
  return text;
}

/// The peer's finished tasks as `osgrid sim sched` shows its jobs, with the averages.
void TaskTable(const PeerChart& chart, std::size_t max_rows, std::string& out) {
  Table table({"task", "CPU", "response", "waiting", "turnaround", "preempted"});
  const Json summary = Averages(chart.finished);
  std::vector<Json> finished(chart.finished.begin(), chart.finished.end());
  std::stable_sort(finished.begin(), finished.end(), [](const Json& a, const Json& b) {
    return TaskIdLess(a.value("task_id", ""), b.value("task_id", ""));
  });
  std::map<std::string, std::string> labels;  // the chart's row labels, by task id
  for (const TaskRow& row : chart.rows) labels[row.task_id] = row.label;
  for (const Json& f : finished) {
    if (table.size() >= max_rows) break;
    const std::string id = f.value("task_id", "?");
    const std::string name = f.value("name", "");
    const std::string label = labels.count(id) ? labels[id] : name.empty() ? id : name;
    table.AddRow({label, IntMs(Number(f, "cpu_ms")), IntMs(Number(f, "response_ms")), IntMs(Number(f, "waiting_ms")),
                  IntMs(Number(f, "turnaround_ms")), std::to_string(std::llround(Number(f, "preemptions")))});
  }
  table.AddRow({"average", "", IntMs(Number(summary, "avg_response_ms")), IntMs(Number(summary, "avg_waiting_ms")),
                IntMs(Number(summary, "avg_turnaround_ms")), ""});
  out += TableText(table, "  ");
  if (finished.size() > max_rows) {
    out += "  (" + std::to_string(finished.size() - max_rows) + " more tasks not shown; all with --verbose)\n";
  }
}

const std::string& PeerOf(const Json& reply, const std::string& peer, const char* key) {
  static const std::string none;
  return reply.contains(peer) && reply[peer].contains(key) && reply[peer][key].is_string()
             ? reply[peer][key].get_ref<const std::string&>()
             : none;
}

/// lowest_avg_waiting and its kin: no other charted peer has a lower average.
std::optional<Check> LowestCheck(const std::optional<std::string>& peer, const std::string& what, const Json& reply) {
  if (!peer) return std::nullopt;
  const std::string field = "avg_" + what + "_ms";
  if (!reply.contains(*peer)) {
    return Check{false, "lowest average " + what + ": " + *peer + " was not charted by this step"};
  }
  std::vector<std::pair<double, std::string>> ranked;
  for (auto it = reply.begin(); it != reply.end(); ++it) ranked.emplace_back(Number(*it, field.c_str()), it.key());
  std::stable_sort(ranked.begin(), ranked.end());
  const double mine = Number(reply[*peer], field.c_str());
  auto shown = [&](const std::string& p) {
    return p + " (" + PeerOf(reply, p, "policy") + ") " + IntMs(Number(reply[p], field.c_str()));
  };
  std::string others;
  for (const auto& [value, p] : ranked) {
    if (p != *peer) others += (others.empty() ? "" : ", ") + shown(p);
  }
  const bool lowest = ranked.front().first >= mine;
  if (lowest) {
    return Check{true, "lowest average " + what + ": " + shown(*peer) + (others.empty() ? "" : "; then " + others)};
  }
  return Check{false, "lowest average " + what + ": expected " + shown(*peer) + ", but " +
                          shown(ranked.front().second) + " is lower"};
}

}  // namespace

std::optional<Action> ParseGanttStep(StepParser& parser, const YamlEntry& entry) {
  GanttStep step;
  if (auto peers = parser.reader().Find(entry.value, "peers", "gantt step", false)) {
    auto names = parser.PeerList(*peers, "gantt step: peers");
    if (!names) return std::nullopt;
    std::set<std::string> seen;
    for (const std::string& name : *names) {
      if (!seen.insert(name).second) {
        parser.reader().Error(peers->value, "gantt step: peers names " + name + " twice");
        return std::nullopt;
      }
    }
    step.peers = std::move(*names);
  }
  return step;
}

std::string DescribeGanttStep(const GanttStep& step) {
  std::string peers;
  for (const std::string& peer : step.peers) peers += (peers.empty() ? "" : ", ") + peer;
  return "gantt of " + (peers.empty() ? std::string("every peer") : peers) + ": what each scheduler did";
}

Json ScheduleSummary(const Json& status) {
  const Json scheduling = status.value("scheduling", Json::object());
  const bool reported = scheduling.is_object();
  const Json settings = status.value("scheduler", Json::object());
  Json summary = Averages(reported ? scheduling.value("finished", Json::array()) : Json::array());
  summary["policy"] = settings.is_object() ? settings.value("policy", "?") : "?";
  summary["scheduler"] = SchedulerText(settings);
  summary["preemptions"] = reported ? Number(scheduling, "preemptions") : 0;
  summary["context_switches"] = reported ? Number(scheduling, "context_switches") : 0;
  return summary;
}

std::string RenderGantt(const std::vector<PeerSchedule>& peers, int width, std::size_t max_rows) {
  std::vector<PeerChart> charts;
  std::size_t label_width = 4;  // "task"
  double widest_span = 1;
  for (const PeerSchedule& peer : peers) {
    charts.push_back(BuildChart(peer));
    for (const TaskRow& row : charts.back().rows) label_width = std::max(label_width, row.label.size());
    widest_span = std::max(widest_span, charts.back().end - charts.back().origin);
  }
  // "  A     ████" : indent, label, two spaces, the chart; room for the axis's
  // last label and " ms" after it.
  const int columns = std::max(10, width - 2 - static_cast<int>(label_width) - 2 - kOverhang - 3);
  const double ms_per_column = widest_span / columns;
  const std::string pad(2 + label_width + 2, ' ');
  char scale[32];
  std::snprintf(scale, sizeof scale, ms_per_column < 10 ? "%.1f ms" : "%.0f ms", ms_per_column);
  // The legend names "waiting" only when some task blocked in a system call.
  bool any_blocked = false;
  for (const PeerChart& chart : charts) {
    for (const TaskRow& row : chart.rows) any_blocked |= !row.blocked.empty();
  }
  std::string out = std::string(kRun) + " on a core   " + kWait + " in the ready queue   " +
                    (any_blocked ? std::string(kBlocked) + " blocked in a system call   " : "") + "(" + scale +
                    " a column)\n";
  for (const PeerChart& chart : charts) {
    std::string title = chart.title;
    if (static_cast<int>(title.size()) > width) title = title.substr(0, static_cast<std::size_t>(width - 3)) + "...";
    out += "\n" + title + "\n";
    if (chart.rows.empty()) {
      out += "  (no task has run here yet)\n";
      continue;
    }
    std::size_t shown = 0;
    for (const TaskRow& row : chart.rows) {
      if (shown++ == max_rows) break;
      std::string label = row.label;
      label.resize(label_width, ' ');
      out += "  " + label + "  " + ChartLine(row, chart.origin, ms_per_column, columns) + "\n";
    }
    if (chart.rows.size() > max_rows) {
      out += pad + "(" + std::to_string(chart.rows.size() - max_rows) + " more tasks not shown; all with --verbose)\n";
    }
    const int span_columns = std::min(columns, static_cast<int>(std::ceil((chart.end - chart.origin) / ms_per_column)));
    out += pad + AxisLine(chart.end - chart.origin, ms_per_column, std::max(span_columns, 10)) + "\n";
    if (!chart.finished.empty()) TaskTable(chart, max_rows, out);
  }
  if (charts.size() > 1) {
    Table table({"peer", "scheduler", "tasks", "response", "waiting", "turnaround", "preempted", "switches"});
    for (const PeerSchedule& peer : peers) {
      const Json s = ScheduleSummary(peer.status);
      const bool any = s.value("tasks", 0) > 0;
      auto average = [&](const char* key) { return any ? IntMs(Number(s, key)) : "-"; };
      table.AddRow({peer.peer, s.value("scheduler", "?"), std::to_string(s.value("tasks", 0)),
                    average("avg_response_ms"), average("avg_waiting_ms"), average("avg_turnaround_ms"),
                    std::to_string(std::llround(Number(s, "preemptions"))),
                    std::to_string(std::llround(Number(s, "context_switches")))});
    }
    out += "\naverages per peer (preempted, switches: totals)\n" + TableText(table, "");
  }
  return out;
}

std::vector<Check> GanttChecks(const Expectation& expect, const Json& reply) {
  std::vector<Check> checks;
  for (auto check : {LowestCheck(expect.lowest_avg_waiting, "waiting", reply),
                     LowestCheck(expect.lowest_avg_turnaround, "turnaround", reply),
                     LowestCheck(expect.lowest_avg_response, "response", reply)}) {
    if (check) checks.push_back(std::move(*check));
  }
  for (const auto& [peer, below] : expect.avg_waiting_ms_below) {
    if (!reply.contains(peer)) {
      checks.push_back({false, "avg_waiting_ms_below: " + peer + " was not charted by this step"});
      continue;
    }
    const double waiting = Number(reply[peer], "avg_waiting_ms");
    const std::string what = peer + " (" + PeerOf(reply, peer, "policy") + ") average waiting";
    checks.push_back({waiting < below, waiting < below
                                           ? what + " " + IntMs(waiting) + ", below " + IntMs(below)
                                           : what + ": expected below " + IntMs(below) + ", got " + IntMs(waiting)});
  }
  return checks;
}

}  // namespace osgrid::scenario
