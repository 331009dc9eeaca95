// `osgrid sim disk`: HDD scheduling (Silberschatz 10e 11.2; OSTEP ch. 37.5).
// The algorithms are os/disk; this file parses the flags, prints the problem,
// the service order with the head movement, and a head-position chart.
// Manual: docs/sim/disk.md.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <sstream>

#include "../render.h"
#include "../topic.h"
#include "osgrid/client/text.h"
#include "osgrid/os/disk/disk_scheduling.h"
#include "osgrid/os/random.h"

namespace osgrid::sim {
namespace {

using os::DiskProblem;
using os::DiskSchedule;
using os::HeadDirection;

constexpr std::int64_t kMaxRandomRequests = 1'000'000;
constexpr int kChartColumns = 60;

struct DiskOptions {
  std::string policy = "FCFS";
  std::string requests;                      // -r "98,183,37"; empty = textbook example or random
  std::optional<std::int64_t> head;          // -H; default 53 (random with -s/-j)
  std::int64_t cylinders = 200;              // -n
  std::string direction = "up";              // -d up|down
  bool count_return = true;                  // --count-return / --no-count-return
  std::optional<std::int64_t> random_count;  // -j N
};

// Silberschatz 10e 11.2: the worked example, the default problem.
const std::vector<std::int64_t> kTextbookQueue = {98, 183, 37, 122, 14, 124, 65, 67};
constexpr std::int64_t kTextbookHead = 53;

std::string Fixed2(double value) { return fmt::format("{:.2f}", value); }

std::string DirectionName(HeadDirection d) { return d == HeadDirection::kUp ? "up" : "down"; }

// ---- Input ---------------------------------------------------------------------

Result<DiskProblem> Problem(const DiskOptions& o, const CommonOptions& common) {
  DiskProblem problem;
  problem.cylinders = o.cylinders;
  problem.count_return = o.count_return;
  const std::string direction = Upper(o.direction);
  if (direction == "UP") {
    problem.direction = HeadDirection::kUp;
  } else if (direction == "DOWN") {
    problem.direction = HeadDirection::kDown;
  } else {
    return BadInput("-d (direction) must be up (toward higher cylinders) or down (toward 0), got '" + o.direction +
                    "'");
  }
  if (o.cylinders < 1) return BadInput("-n (cylinders) must be >= 1, got " + std::to_string(o.cylinders));
  if (!o.requests.empty()) {
    Result<std::vector<std::int64_t>> parsed = ParseIntList(o.requests, "-r (requests)");
    if (!parsed.ok()) return parsed.status();
    problem.requests = *parsed;
    problem.head = o.head.value_or(kTextbookHead);
  } else if (common.seed || o.random_count) {
    const std::int64_t count = o.random_count.value_or(8);
    if (count < 0 || count > kMaxRandomRequests) {
      return BadInput("-j (random requests) must be 0.." + std::to_string(kMaxRandomRequests) + ", got " +
                      std::to_string(count));
    }
    os::Rng rng(common.seed.value_or(0));
    for (std::int64_t i = 0; i < count; ++i) problem.requests.push_back(rng.Uniform(0, o.cylinders - 1));
    problem.head = o.head ? *o.head : rng.Uniform(0, o.cylinders - 1);
  } else {
    problem.requests = kTextbookQueue;
    problem.head = o.head.value_or(kTextbookHead);
  }
  return problem;
}

// ---- Text ----------------------------------------------------------------------
// Written straight into the TextOut, a line per step: a queue of 100,000
// requests prints its table and chart without a string per cell.

void WriteCylinders(TextOut& out, const std::vector<std::int64_t>& cylinders) {
  for (std::size_t i = 0; i < cylinders.size(); ++i) {
    if (i > 0) out.Write(", ");
    out.Int(cylinders[i]);
  }
}

void WriteProblem(TextOut& out, const std::string& policy, const DiskProblem& p) {
  out.Print("Disk with cylinders 0..{}; the head is at cylinder {}, moving {} (toward {}).\n", p.cylinders - 1, p.head,
            DirectionName(p.direction), p.direction == HeadDirection::kUp ? p.cylinders - 1 : 0);
  out.Write("Request queue (cylinders, in arrival order): ");
  WriteCylinders(out, p.requests);
  out.Print("\nPolicy: {}", policy);
  if (policy == "C-SCAN" || policy == "C-LOOK") {
    out.Print(" (the return jump {} in the head movement)", p.count_return ? "counts" : "does not count");
  }
  out.Write(
      "\n\nCompute the order in which the requests are served and the total head movement,\n"
      "in cylinders.\n");
}

std::string StepNote(const os::HeadMove& move, const DiskProblem& p) {
  std::string note;
  if (move.request) {
    note = "request " + std::to_string(*move.request + 1);
    if (move.return_jump) note += " (after the return jump)";
  } else {
    note = move.return_jump ? "return jump" : "end of disk";
  }
  if (move.return_jump && !p.count_return) note += ", not counted";
  return note;
}

/// The service table, laid out as text.h's Table would: widths first, then rows.
void WriteOrderTable(TextOut& out, const DiskSchedule& s, const DiskProblem& p) {
  std::size_t widths[4] = {4, 4, 2, 8};  // "step", "from", "to", "movement"
  const auto digits = [](std::int64_t v) { return fmt::format_int(v).size(); };
  for (const os::HeadMove& move : s.steps) {
    widths[0] = std::max(widths[0], digits(static_cast<std::int64_t>(s.steps.size())));
    widths[1] = std::max(widths[1], digits(move.from));
    widths[2] = std::max(widths[2], digits(move.to));
    widths[3] = std::max(widths[3], digits(move.movement));
  }
  out.Print("  {:<{}}  {:<{}}  {:<{}}  {:<{}}  note\n", "step", widths[0], "from", widths[1], "to", widths[2],
            "movement", widths[3]);
  int step = 0;
  for (const os::HeadMove& move : s.steps) {
    const std::string number = move.request ? std::to_string(++step) : "-";
    out.Write("  ");
    out.Write(number);
    out.Pad(widths[0] - number.size() + 2);
    for (const auto& [value, width] :
         {std::pair{move.from, widths[1]}, {move.to, widths[2]}, {move.movement, widths[3]}}) {
      const fmt::format_int text(value);
      out.Write({text.data(), text.size()});
      out.Pad(width - text.size() + 2);
    }
    out.Write(StepNote(move, p));
    out.Put('\n');
  }
}

int Column(std::int64_t cylinder, std::int64_t cylinders) {
  if (cylinders <= 1) return 0;
  return static_cast<int>(
      std::lround(static_cast<double>(cylinder) * (kChartColumns - 1) / static_cast<double>(cylinders - 1)));
}

/// Head position over time: one line per stop, the head plotted as '*' on a
/// 60-column axis, the path from the previous stop drawn with '-' ('.' for a
/// return jump).
void WriteChart(TextOut& out, const DiskSchedule& s, const DiskProblem& p) {
  const std::string last = std::to_string(p.cylinders - 1);
  std::string axis(kChartColumns, ' ');
  axis[0] = '0';
  if (last.size() <= static_cast<std::size_t>(kChartColumns) - 2) {
    axis.replace(kChartColumns - last.size(), last.size(), last);
  }
  out.Print("Head position (cylinders 0..{}):\n{:15}{}\n", last, "", axis);
  std::string row;
  auto line = [&](std::string_view what, std::int64_t from, std::int64_t to, bool jump) {
    row.assign(kChartColumns, ' ');
    const int a = Column(from, p.cylinders), b = Column(to, p.cylinders);
    for (int c = std::min(a, b); c <= std::max(a, b); ++c) row[static_cast<std::size_t>(c)] = jump ? '.' : '-';
    row[static_cast<std::size_t>(b)] = '*';
    while (!row.empty() && row.back() == ' ') row.pop_back();
    out.Print(FMT_COMPILE("{:<6} {:>6}  {}\n"), what, to, row);
  };
  line("start", p.head, p.head, false);
  int step = 0;
  for (const os::HeadMove& move : s.steps) {
    const std::string what = move.request ? std::to_string(++step) : (move.return_jump ? "jump" : "end");
    line(what, move.from, move.to, move.return_jump);
  }
}

void WriteSolution(TextOut& out, const DiskSchedule& s, const DiskProblem& p) {
  out.Print("\nService order ({}): ", s.policy);
  WriteCylinders(out, s.order);
  out.Write("\n\n");
  WriteOrderTable(out, s, p);
  out.Print("\nTotal head movement: {} cylinders (average seek {:.2f} cylinders per request)\n\n", s.total_movement,
            s.average_seek());
  WriteChart(out, s, p);
}

// ---- JSON and pictures ----------------------------------------------------------

void WriteScheduleJson(JsonOut& json, const DiskSchedule& s, const DiskProblem& p) {
  const auto list = [&](std::string_view key, const auto& values) {
    json.Key(key);
    json.BeginArray();
    for (const auto value : values) json.Int(static_cast<std::int64_t>(value));
    json.EndArray();
  };
  json.BeginObject();
  json.Field("policy", s.policy);
  list("requests", p.requests);
  json.Field("head", p.head);
  json.Field("cylinders", p.cylinders);
  json.Field("direction", DirectionName(p.direction));
  json.Field("count_return", p.count_return);
  list("order", s.order);
  list("order_index", s.order_index);
  json.Key("steps");
  json.BeginArray();
  for (const os::HeadMove& move : s.steps) {
    json.BeginObject();
    json.Field("from", move.from);
    json.Field("to", move.to);
    json.Field("movement", move.movement);
    json.Key("request");
    if (move.request) {
      json.Int(static_cast<std::int64_t>(*move.request));
    } else {
      json.Null();
    }
    json.Field("return_jump", move.return_jump);
    json.EndObject();
  }
  json.EndArray();
  json.Field("total_movement", s.total_movement);
  json.Field("average_seek", s.average_seek());
  json.EndObject();
}

/// The classic chart: cylinder across, one row per stop going down, the head's
/// path as a polyline.
std::string ChartSvg(const DiskSchedule& s, const DiskProblem& p) {
  const double left = 40, right = 40, top = 70, row = 32, width = 720;
  const double plot = width - left - right;
  const double height = top + row * static_cast<double>(s.steps.size() + 1) + 30;
  auto x_of = [&](std::int64_t c) {
    return left + (p.cylinders <= 1 ? 0 : plot * static_cast<double>(c) / static_cast<double>(p.cylinders - 1));
  };
  Svg svg(width, height);
  svg.Text(left, 24,
           s.policy + ": head at " + std::to_string(p.head) + ", total head movement " +
               std::to_string(s.total_movement) + " cylinders",
           16);
  svg.Line(left, top - 12, left + plot, top - 12, "#333", 1);
  std::vector<std::int64_t> ticks = {0, p.cylinders - 1, p.head};
  ticks.insert(ticks.end(), p.requests.begin(), p.requests.end());
  std::sort(ticks.begin(), ticks.end());
  ticks.erase(std::unique(ticks.begin(), ticks.end()), ticks.end());
  double last_label = -100;
  for (std::int64_t t : ticks) {
    svg.Line(x_of(t), top - 16, x_of(t), top - 8, "#333", 1);
    if (x_of(t) - last_label >= 22) {
      svg.Text(x_of(t), top - 22, std::to_string(t), 10, "middle");
      last_label = x_of(t);
    }
  }
  double x = x_of(p.head), y = top;
  svg.Circle(x, y, 5, "#1f77b4");
  for (const os::HeadMove& move : s.steps) {
    const double nx = x_of(move.to), ny = y + row;
    svg.Line(x, y, nx, ny, move.return_jump ? "#999" : "#1f77b4", move.return_jump ? 1 : 2);
    svg.Circle(nx, ny, move.request ? 4 : 3, move.request ? "#1f77b4" : "#ffffff");
    svg.Text(nx + 8, ny + 4, std::to_string(move.to), 11);
    x = nx;
    y = ny;
  }
  return svg.Finish();
}

// ---- summarize and brief ----------------------------------------------------------

std::vector<std::pair<std::string, std::string>> Summarize(const Json& run) {
  return {{"total movement", std::to_string(run.value("total_movement", std::int64_t{0}))},
          {"average seek", Fixed2(run.value("average_seek", 0.0))}};
}

/// The head's path on one line, ends of the disk in brackets.
std::string Brief(const Json& run) {
  if (!run.contains("steps") || !run["steps"].is_array()) return "";
  std::string line = std::to_string(run.value("head", std::int64_t{0}));
  for (const Json& step : run["steps"]) {
    const std::string to = std::to_string(step.value("to", std::int64_t{0}));
    line += step.value("return_jump", false) ? " => " : " -> ";
    line += step.contains("request") && !step["request"].is_null() ? to : "[" + to + "]";
  }
  return line + "  (" + std::to_string(run.value("total_movement", std::int64_t{0})) + " cylinders)\n";
}

// ---- The command -------------------------------------------------------------------

class DiskSimulation : public Simulation {
 public:
  DiskSimulation(std::string policy, DiskProblem problem, DiskSchedule schedule, bool solve)
      : policy_(std::move(policy)), problem_(std::move(problem)), schedule_(std::move(schedule)), solve_(solve) {}

  void WriteText(TextOut& out) const override {
    WriteProblem(out, policy_, problem_);
    if (solve_) WriteSolution(out, schedule_, problem_);
  }
  void WriteJson(JsonOut& out) const override { WriteScheduleJson(out, schedule_, problem_); }
  std::string Svg() const override { return ChartSvg(schedule_, problem_); }

 private:
  std::string policy_;
  DiskProblem problem_;
  DiskSchedule schedule_;  // O(requests): the order and one step per stop
  bool solve_;
};

Prepared Prepare(const DiskOptions& o, const CommonOptions& common) {
  const std::string policy = Upper(o.policy);
  Result<DiskProblem> problem = Problem(o, common);
  if (!problem.ok()) return problem.status();
  auto schedule = os::ScheduleDisk(policy, *problem);
  if (!schedule.ok()) return BadInput(schedule.error().message);
  return std::unique_ptr<Simulation>(
      new DiskSimulation(policy, std::move(*problem), std::move(schedule).value(), common.solve));
}

}  // namespace

Topic DiskTopic() {
  Topic topic;
  topic.name = "disk";
  topic.summary = "Disk scheduling: FCFS, SSTF, SCAN, C-SCAN, LOOK, C-LOOK (Silberschatz 11.2)";
  topic.policy_flag = "-p";
  topic.add = [](CLI::App& command) -> Runner {
    auto o = std::make_shared<DiskOptions>();
    command.add_option("-p,--policy", o->policy, "FCFS, SSTF, SCAN, C-SCAN, LOOK or C-LOOK")
        ->type_name("POLICY")
        ->capture_default_str();
    command
        .add_option("-r,--requests", o->requests,
                    "Request queue: cylinders, comma-separated (default: Silberschatz's 98,183,37,122,14,124,65,67)")
        ->type_name("LIST");
    command.add_option("-H,--head", o->head, "The head's starting cylinder (default 53; random with -s/-j)")
        ->type_name("CYL");
    command.add_option("-n,--cylinders", o->cylinders, "Number of cylinders: the disk has 0 .. N-1")
        ->type_name("N")
        ->capture_default_str();
    command.add_option("-d,--direction", o->direction, "The head's direction at the start: up (toward N-1) or down")
        ->type_name("up|down")
        ->capture_default_str();
    command.add_flag("--count-return,!--no-count-return", o->count_return,
                     "C-SCAN/C-LOOK: count the return jump in the head movement (default: counted)");
    command.add_option("-j,--random-requests", o->random_count, "Generate N random requests (seeded by -s)")
        ->type_name("N");
    command.footer(
        "Examples:\n"
        "  osgrid sim disk -p SSTF -c                 (Silberschatz's queue, head at 53)\n"
        "  osgrid sim disk -p SCAN -d down -r 98,183,37,122,14,124,65,67 -H 53 -c\n"
        "  osgrid sim disk -p C-SCAN -s 3 -j 10 -n 100 --no-count-return -c --svg head.svg\n"
        "Manual: docs/sim/disk.md");
    return [o](const CommonOptions& common) { return Prepare(*o, common); };
  };
  topic.summarize = Summarize;
  topic.brief = Brief;
  return topic;
}

}  // namespace osgrid::sim
