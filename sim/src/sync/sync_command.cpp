// `osgrid sim sync`: scripted processes on semaphores, mutexes and message
// queues, interleaved by a round-robin or seeded random scheduler, with
// deadlock detection. The simulation is os::Simulate (os/sync/simulator.h);
// this file reads the script, prints the problem or the trace, and draws it.
// Manual: docs/sim/sync.md.
#include <algorithm>
#include <cmath>
#include <fstream>
#include <functional>
#include <memory>
#include <sstream>
#include <utility>

#include "../render.h"
#include "../topic.h"
#include "osgrid/client/text.h"
#include "osgrid/os/random.h"
#include "osgrid/os/sync/simulator.h"
#include "sync_demos.h"
#include "sync_yaml.h"

namespace osgrid::sim {

using client::Table;

namespace {

struct SyncArgs {
  std::string file;  // -f
  std::string demo;  // --demo
  std::int64_t quantum = 1;
  std::string interleave;          // "rr" or "random"; empty: rr, or random when -s is given
  std::int64_t max_steps = 10000;  // --max-steps
};

std::string DemoNames() {
  std::string names;
  for (const SyncDemo& demo : SyncDemos()) names += (names.empty() ? "" : ", ") + demo.name;
  return names;
}

/// The script's text and the name to show for it.
struct Source {
  std::string text;
  std::string file;
};

Result<Source> ReadSource(const SyncArgs& args, const CommonOptions& common) {
  if (!args.file.empty() && !args.demo.empty()) return BadInput("give either -f FILE or --demo NAME, not both");
  if (!args.file.empty()) {
    std::ifstream in(args.file, std::ios::binary);
    std::stringstream text;
    if (!in || !(text << in.rdbuf())) return BadInput("-f: cannot read '" + args.file + "'");
    return Source{text.str(), args.file};
  }
  std::string demo = args.demo;
  if (demo.empty() && common.seed) {  // -s alone: the seed picks a demo (and the interleaving)
    os::Rng rng(*common.seed);
    demo =
        SyncDemos()[static_cast<std::size_t>(rng.Uniform(0, static_cast<std::int64_t>(SyncDemos().size()) - 1))].name;
  }
  if (demo.empty()) return BadInput("give a script: -f FILE, or --demo NAME (" + DemoNames() + ")");
  const SyncDemo* found = FindSyncDemo(demo);
  if (found == nullptr) return BadInput("--demo: unknown demo '" + demo + "' (" + DemoNames() + ")");
  return Source{found->yaml, found->file};
}

Result<os::SyncOptions> ReadOptions(const SyncArgs& args, const CommonOptions& common) {
  os::SyncOptions options;
  const std::string interleave = Upper(args.interleave);
  if (interleave == "RANDOM" || (interleave.empty() && common.seed)) {
    options.interleave = os::Interleave::kRandom;
  } else if (interleave == "RR" || interleave == "ROUND-ROBIN" || interleave.empty()) {
    options.interleave = os::Interleave::kRoundRobin;
  } else {
    return BadInput("--interleave: '" + args.interleave + "' is not rr or random");
  }
  options.seed = common.seed.value_or(0);
  if (args.quantum < 1) return BadInput("-q/--quantum: must be >= 1 operation, got " + std::to_string(args.quantum));
  options.quantum = args.quantum;
  if (args.max_steps < 1 || args.max_steps > os::kMaxSyncSteps) {
    return BadInput("--max-steps: must be 1.." + std::to_string(os::kMaxSyncSteps) + ", got " +
                    std::to_string(args.max_steps));
  }
  options.max_steps = args.max_steps;
  return options;
}

// ---- text ------------------------------------------------------------------------

/// "compute; P empty; repeat 4 { ... }".
std::string OpsLine(const std::vector<os::Op>& ops) {
  std::string line;
  for (const os::Op& op : ops) {
    if (!line.empty()) line += "; ";
    line += os::Describe(op);
    if (op.kind == os::OpKind::kRepeat) line += " { " + OpsLine(op.body) + " }";
  }
  return line;
}

/// `text` wrapped at `width` columns on "; " boundaries, continuation lines indented.
std::string Wrap(const std::string& first, const std::string& text, std::size_t width) {
  std::string out = first;
  std::size_t column = first.size();
  const std::string indent(first.size(), ' ');
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find("; ", start);
    end = end == std::string::npos ? text.size() : end + 2;
    std::string piece = text.substr(start, end - start);
    if (column + piece.size() > width && column > indent.size()) {
      while (!out.empty() && out.back() == ' ') out.pop_back();
      out += "\n" + indent;
      column = indent.size();
    }
    out += piece;
    column += piece.size();
    start = end;
  }
  return out + "\n";
}

std::string Declarations(const os::SyncScript& script) {
  std::string out;
  auto line = [&](const std::string& label, const std::vector<std::string>& items) {
    if (items.empty()) return;
    std::string joined;
    for (const std::string& item : items) joined += (joined.empty() ? "" : ", ") + item;
    out += Wrap("  " + label + ": ", joined, 78);
  };
  std::vector<std::string> semaphores, binary, queues, counters;
  for (const auto& s : script.semaphores) {
    (s.binary ? binary : semaphores).push_back(s.name + "=" + std::to_string(s.initial));
  }
  for (const auto& q : script.queues) queues.push_back(q.name + " (capacity " + std::to_string(q.capacity) + ")");
  for (const auto& c : script.counters) counters.push_back(c.name + "=" + std::to_string(c.initial));
  line("semaphores", semaphores);
  line("binary semaphores", binary);
  line("mutexes", script.mutexes);
  line("queues", queues);
  line("counters", counters);
  return out;
}

std::string SchedulerLine(const os::SyncOptions& options) {
  std::string line = options.interleave == os::Interleave::kRandom
                         ? "random interleaving (seed " + std::to_string(options.seed) + ")"
                         : "round robin";
  return line + ", quantum " + std::to_string(options.quantum) + (options.quantum == 1 ? " operation" : " operations");
}

std::string Problem(const std::string& title, const std::string& file, const os::SyncScript& script,
                    const os::SyncOptions& options) {
  std::ostringstream out;
  out << (title.empty() ? file : title + " (" + file + ")") << "\n";
  out << "Scheduler: " << SchedulerLine(options) << "; one operation per step, t = 0, 1, 2, ...\n";
  out << "Shared objects:\n" << Declarations(script);
  out << "Processes (the ready queue starts in this order):\n";
  for (const os::ProcessScript& process : script.processes)
    out << Wrap("  " + process.name + ": ", OpsLine(process.ops), 78);
  return out.str();
}

/// `text` wrapped at `width` columns on spaces, continuation lines indented by `indent`.
std::string WrapWords(const std::string& text, std::size_t width, const std::string& indent = "  ") {
  std::string out, line;
  std::istringstream words(text);
  for (std::string word; words >> word;) {
    if (!line.empty() && line.size() + 1 + word.size() > width) {
      out += line + "\n";
      line = indent;
    }
    line += (line.empty() || line == indent ? "" : " ") + word;
  }
  return out + line + "\n";
}

std::string EndName(os::SyncEnd end) {
  switch (end) {
    case os::SyncEnd::kFinished:
      return "finished";
    case os::SyncEnd::kDeadlock:
      return "deadlock";
    case os::SyncEnd::kStepLimit:
      return "step_limit";
  }
  return "?";
}

/// Each process's state during the first steps of a run, for the chart and
/// the picture: at most `steps` steps are kept, whatever the run's length.
class StateHistory {
 public:
  StateHistory(std::size_t processes, std::size_t steps) : processes_(processes), most_(steps) {}
  void Add(const os::SyncStepView& step) {
    if (Steps() < most_) states_.insert(states_.end(), step.states.begin(), step.states.end());
  }
  std::size_t Steps() const { return processes_ == 0 ? 0 : states_.size() / processes_; }
  os::SyncProcessState At(std::size_t step, std::size_t process) const { return states_[step * processes_ + process]; }

 private:
  std::size_t processes_, most_;
  std::vector<os::SyncProcessState> states_;  // step by step, one per process
};

/// A script that has been read and checked, ready to run: writing it runs
/// os::Simulate, and the steps are printed as they happen (only the first
/// ones are kept, for the text's table and chart and the picture).
class SyncSimulation : public Simulation {
 public:
  SyncSimulation(std::string title, std::string file, os::SyncScript script, os::SyncOptions options, bool solve)
      : title_(std::move(title)),
        file_(std::move(file)),
        script_(std::move(script)),
        options_(std::move(options)),
        solve_(solve) {}

  void WriteText(TextOut& out) const override;
  void WriteJson(JsonOut& out) const override;
  std::string Svg() const override;

 private:
  /// Runs the script, keeping no trace; `on_step` sees each step.
  os::SyncRun Run(std::function<void(const os::SyncStepView&)> on_step) const {
    os::SyncOptions options = options_;
    options.record_trace = false;
    options.on_step = std::move(on_step);
    return os::Simulate(script_, options).value();  // checked when prepared: cannot fail
  }
  const std::string& Name(std::size_t process) const { return script_.processes[process].name; }

  std::string FinalState(const os::SyncRun& run) const;
  std::string StateChart(const StateHistory& history, std::int64_t steps) const;

  std::string title_;
  std::string file_;
  os::SyncScript script_;  // validated
  os::SyncOptions options_;
  bool solve_ = false;
};

// ---- text ------------------------------------------------------------------------

constexpr std::size_t kMaxTraceRows = 300;   // text output only; --json has every step
constexpr std::size_t kMaxChartSteps = 600;  // the text chart
constexpr std::size_t kMaxSvgSteps = 1000;   // the picture: beyond that, bars would be narrower than a pixel

void SyncSimulation::WriteText(TextOut& out) const {
  out.Write(Problem(title_, file_, script_, options_));
  if (!solve_) {
    out.Write(
        "\nTrace the run: which process runs at each step, which blocks? Does it deadlock?\n"
        "(add -c for the answer)\n");
    return;
  }
  // The table's columns fit its rows, so the first rows are kept until the run ends.
  std::vector<std::string> header = {"t", "process", "op", "outcome"};
  for (const auto& s : script_.semaphores) header.push_back(s.name);
  Table table(header);
  StateHistory history(script_.processes.size(), kMaxChartSteps);
  const os::SyncRun run = Run([&](const os::SyncStepView& step) {
    history.Add(step);
    if (table.size() == kMaxTraceRows) return;
    std::vector<std::string> row = {std::to_string(step.t), Name(step.process), std::string(step.op),
                                    std::string(step.outcome)};
    for (std::int64_t value : step.semaphores) row.push_back(std::to_string(value));
    table.AddRow(std::move(row));
  });
  std::ostringstream trace;
  table.Print(trace, "  ");
  out.Write("\nTrace:\n");
  out.Write(trace.str());
  if (run.steps > static_cast<std::int64_t>(kMaxTraceRows)) {
    out.Print("  ... {} more steps (--json has them all)\n", run.steps - static_cast<std::int64_t>(kMaxTraceRows));
  }
  out.Write("\n");
  out.Write(FinalState(run));
  if (!run.errors.empty()) {
    out.Write("\nErrors in the run:\n");
    for (const std::string& error : run.errors) out.Print("  {}\n", error);
  }
  if (!run.printed.empty()) {
    out.Write("\nPrinted:\n");
    for (const std::string& line : run.printed) out.Print("  {}\n", line);
  }
  out.Write("\n");
  out.Write(StateChart(history, run.steps));
  out.Write("\n");
  out.Write(WrapWords(run.message, 78));
  if (!run.cycle.empty()) {
    std::string cycle;
    for (std::size_t p : run.cycle) cycle += Name(p) + " -> ";
    out.Write(WrapWords("Wait-for cycle: " + cycle + Name(run.cycle.front()), 78));
  }
}

std::string SyncSimulation::FinalState(const os::SyncRun& run) const {
  std::ostringstream out;
  out << "Final state at t=" << run.steps << ":\n";
  Table table({"process", "state", "blocked in"});
  for (std::size_t p = 0; p < run.final_states.size(); ++p) {
    table.AddRow({Name(p), std::string(os::SyncStateName(run.final_states[p])),
                  run.waiting_for[p].empty() ? "-" : run.waiting_for[p]});
  }
  table.Print(out, "  ");
  auto values = [](const auto& decls, const std::vector<std::int64_t>& finals) {
    std::string text;
    for (std::size_t i = 0; i < decls.size(); ++i) {
      text += (text.empty() ? "" : ", ") + decls[i].name + "=" + std::to_string(finals[i]);
    }
    return text;
  };
  if (!run.semaphores.empty()) out << Wrap("  semaphores: ", values(script_.semaphores, run.semaphores), 78);
  if (!run.counters.empty()) out << Wrap("  counters: ", values(script_.counters, run.counters), 78);
  for (std::size_t q = 0; q < run.queues.size(); ++q) {
    std::string messages;
    for (const std::string& m : run.queues[q]) messages += (messages.empty() ? "" : ", ") + m;
    out << "  queue " << script_.queues[q].name << ": [" << messages << "]\n";
  }
  return out.str();
}

/// One row per process, one column per step, OSTEP-style:
///            0         10        20
///   phil0    #....#....bbbbb
/// '#' running, '.' ready, 'b' blocked, blank: finished. Bands of 60 steps,
/// at most kMaxChartSteps steps.
std::string SyncSimulation::StateChart(const StateHistory& history, std::int64_t steps) const {
  constexpr std::size_t kBand = 60;
  std::size_t name_width = 0;
  for (const auto& p : script_.processes) name_width = std::max(name_width, p.name.size());
  const std::size_t shown = std::min(history.Steps(), kMaxChartSteps);
  std::ostringstream out;
  out << "Process states at each step (# running, . ready, b blocked, blank: finished):\n";
  for (std::size_t from = 0; from < shown; from += kBand) {
    const std::size_t to = std::min(shown, from + kBand);
    std::string ticks(to - from + 6, ' ');
    for (std::size_t t = from; t < to; t += 10) ticks.replace(t - from, std::to_string(t).size(), std::to_string(t));
    while (!ticks.empty() && ticks.back() == ' ') ticks.pop_back();
    out << "  " << std::string(name_width + 2, ' ') << ticks << "\n";
    for (std::size_t p = 0; p < script_.processes.size(); ++p) {
      std::string row;
      for (std::size_t t = from; t < to; ++t) {
        switch (history.At(t, p)) {
          case os::SyncProcessState::kRunning:
            row += '#';
            break;
          case os::SyncProcessState::kReady:
            row += '.';
            break;
          case os::SyncProcessState::kBlocked:
            row += 'b';
            break;
          case os::SyncProcessState::kDone:
            row += ' ';
            break;
        }
      }
      while (!row.empty() && row.back() == ' ') row.pop_back();
      const std::string& name = Name(p);
      out << "  " << name << std::string(name_width + 2 - name.size(), ' ') << row << "\n";
    }
  }
  if (steps > static_cast<std::int64_t>(shown)) {
    out << "  ... " << steps - static_cast<std::int64_t>(shown) << " more steps (see --svg or --json)\n";
  }
  return out.str();
}

// ---- JSON ------------------------------------------------------------------------

/// The settings, then every step as it happens, then the end of the run.
void SyncSimulation::WriteJson(JsonOut& json) const {
  const bool random = options_.interleave == os::Interleave::kRandom;
  json.BeginObject();
  json.Field("script", file_);
  json.Field("interleave", random ? "random" : "rr");
  json.Field("quantum", options_.quantum);
  json.Key("seed");
  if (random) {
    json.Int(static_cast<std::int64_t>(options_.seed));
  } else {
    json.Null();
  }
  json.Field("max_steps", options_.max_steps);
  json.Key("processes");
  json.BeginArray();
  for (const auto& process : script_.processes) json.String(process.name);
  json.EndArray();
  json.Key("trace");
  json.BeginArray();
  const os::SyncRun run = Run([&](const os::SyncStepView& step) {
    json.BeginObject();
    json.Field("t", step.t);
    json.Field("process", Name(step.process));
    json.Field("op", step.op);
    json.Field("outcome", step.outcome);
    json.EndObject();
  });
  json.EndArray();
  json.Field("end", EndName(run.end));
  json.Field("deadlocked", run.end == os::SyncEnd::kDeadlock);
  json.Field("step_limit", run.end == os::SyncEnd::kStepLimit);
  json.Field("message", run.message);
  json.Field("steps", run.steps);
  json.Key("finished");
  json.BeginArray();
  for (std::size_t p = 0; p < run.final_states.size(); ++p) {
    if (run.final_states[p] == os::SyncProcessState::kDone) json.String(Name(p));
  }
  json.EndArray();
  json.Key("states");
  json.BeginObject();
  for (std::size_t p = 0; p < run.final_states.size(); ++p) json.Field(Name(p), os::SyncStateName(run.final_states[p]));
  json.EndObject();
  json.Key("blocked");
  json.BeginObject();
  for (std::size_t p = 0; p < run.final_states.size(); ++p) {
    if (run.final_states[p] == os::SyncProcessState::kBlocked) json.Field(Name(p), run.waiting_for[p]);
  }
  json.EndObject();
  json.Key("cycle");
  json.BeginArray();
  for (std::size_t p : run.cycle) json.String(Name(p));
  json.EndArray();
  json.Key("wait_for");
  json.BeginArray();
  for (const os::WaitForEdge& edge : run.wait_for) {
    json.BeginObject();
    json.Field("from", Name(edge.from));
    json.Field("to", Name(edge.to));
    json.Field("resource", edge.resource);
    json.Field("description", edge.description);
    json.EndObject();
  }
  json.EndArray();
  auto named_values = [&json](const char* key, const auto& decls, const std::vector<std::int64_t>& values) {
    json.Key(key);
    json.BeginObject();
    for (std::size_t i = 0; i < values.size(); ++i) json.Field(decls[i].name, values[i]);
    json.EndObject();
  };
  named_values("semaphores", script_.semaphores, run.semaphores);
  named_values("counters", script_.counters, run.counters);
  json.Key("queues");
  json.BeginObject();
  for (std::size_t q = 0; q < run.queues.size(); ++q) {
    json.Key(script_.queues[q].name);
    json.BeginArray();
    for (const std::string& message : run.queues[q]) json.String(message);
    json.EndArray();
  }
  json.EndObject();
  auto texts = [&json](const char* key, const std::vector<std::string>& lines) {
    json.Key(key);
    json.BeginArray();
    for (const std::string& line : lines) json.String(line);
    json.EndArray();
  };
  texts("errors", run.errors);
  texts("printed", run.printed);
  json.EndObject();
}

// ---- SVG: process states over time -------------------------------------------------

std::string SyncSimulation::Svg() const {
  StateHistory history(script_.processes.size(), kMaxSvgSteps);
  const os::SyncRun run = Run([&history](const os::SyncStepView& step) { history.Add(step); });
  const std::string title = title_.empty() ? file_ : title_;
  const std::size_t rows = script_.processes.size();
  const std::size_t shown = history.Steps();
  const double steps = static_cast<double>(std::max<std::size_t>(shown, 1));
  const double cell = std::clamp(900.0 / steps, 0.5, 24.0);
  const double width = std::max(100 + steps * cell + 30, 560.0);
  // The outcome line, wrapped to the picture's width (about 6 px a character at 11 px).
  std::vector<std::string> lines;
  std::istringstream wrapped(WrapWords(run.message, static_cast<std::size_t>((width - 20) / 6), ""));
  for (std::string line; std::getline(wrapped, line);) lines.push_back(line);
  const double left = 100, top = 40 + 14 * static_cast<double>(lines.size()), row_height = 26;
  const double height = top + static_cast<double>(rows) * row_height + 80;
  sim::Svg svg(width, height);
  svg.Text(10, 22, title, 15);
  for (std::size_t i = 0; i < lines.size(); ++i)
    svg.Text(10, 40 + 14 * static_cast<double>(i), lines[i], 11, "start", "#444");
  for (std::size_t p = 0; p < rows; ++p) {
    const double y = top + static_cast<double>(p) * row_height;
    svg.Text(left - 8, y + 17, Name(p), 12, "end");
    // Merge runs of one state into one bar.
    std::size_t start = 0;
    for (std::size_t i = 1; i <= shown; ++i) {
      const os::SyncProcessState state = history.At(start, p);
      if (i < shown && history.At(i, p) == state) continue;
      const double x = left + static_cast<double>(start) * cell, w = static_cast<double>(i - start) * cell;
      const std::string tip = Name(p) + " " + std::string(os::SyncStateName(state)) + ", t=" + std::to_string(start) +
                              ".." + std::to_string(i);
      if (state == os::SyncProcessState::kRunning) svg.Rect(x, y + 3, w, row_height - 6, Colour(p), "#333", tip);
      if (state == os::SyncProcessState::kReady) svg.Rect(x, y + 9, w, row_height - 18, "#d9d9d9", "none", tip);
      if (state == os::SyncProcessState::kBlocked) svg.Rect(x, y + 9, w, row_height - 18, "#c0392b", "none", tip);
      start = i;
    }
  }
  const double axis = top + static_cast<double>(rows) * row_height + 6;
  svg.Line(left, axis, left + steps * cell, axis);
  const std::int64_t every = std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil(40.0 / cell)));
  for (std::int64_t t = 0; t <= static_cast<std::int64_t>(shown); t += every) {
    const double x = left + static_cast<double>(t) * cell;
    svg.Line(x, axis, x, axis + 4);
    svg.Text(x, axis + 16, std::to_string(t), 10, "middle");
  }
  const double legend = axis + 40;
  svg.Rect(left, legend - 10, 14, 12, Colour(0));
  svg.Text(left + 20, legend, "running", 11);
  svg.Rect(left + 90, legend - 7, 14, 6, "#d9d9d9", "none");
  svg.Text(left + 110, legend, "ready", 11);
  svg.Rect(left + 170, legend - 7, 14, 6, "#c0392b", "none");
  svg.Text(left + 190, legend, "blocked", 11);
  svg.Text(left + 260, legend,
           static_cast<std::int64_t>(shown) < run.steps
               ? "(the first " + std::to_string(shown) + " of " + std::to_string(run.steps) + " steps; blank: finished)"
               : "(blank: finished)",
           11, "start", "#666");
  return svg.Finish();
}

}  // namespace

Topic SyncTopic() {
  Topic topic;
  topic.name = "sync";
  topic.summary = "Semaphores, mutexes and message queues: trace scripted processes, find deadlocks";
  topic.policy_flag = "--interleave";
  topic.add = [](CLI::App& command) -> Runner {
    auto args = std::make_shared<SyncArgs>();
    command.add_option("-f,--file", args->file, "The script: a YAML file of semaphores, mutexes, queues and processes")
        ->type_name("FILE");
    command.add_option("--demo", args->demo, "A built-in script: " + DemoNames())->type_name("NAME");
    command.add_option("-q,--quantum", args->quantum, "Operations a process runs per turn (default 1)")->type_name("N");
    command
        .add_option("--interleave", args->interleave,
                    "rr: round robin (the default); random: a seeded random choice of the next ready process "
                    "(the default when -s is given)")
        ->type_name("rr|random");
    command
        .add_option("--max-steps", args->max_steps,
                    "Stop a run that is still going after N steps (default 10000, at most 10000000)")
        ->type_name("N");
    command.footer(
        "Examples:\n"
        "  osgrid sim sync -f scenarios/sync/philosophers-naive.yaml -c\n"
        "  osgrid sim sync --demo producer-consumer --interleave random -s 3 -c\n"
        "  osgrid sim sync -f scenarios/sync/readers-writers.yaml -q 2 --json\n"
        "The script format is in docs/sim/sync.md.");
    return [args](const CommonOptions& common) -> Prepared {
      auto source = ReadSource(*args, common);
      if (!source.ok()) return source.status();
      auto options = ReadOptions(*args, common);
      if (!options.ok()) return options.status();
      auto loaded = ParseSyncScript(source->text, source->file);
      if (!loaded.ok()) return loaded.status();
      auto script = os::ValidateSyncInput(std::move(loaded->script), *options);
      if (!script.ok()) return BadInput(source->file + ": " + script.error().message);
      return std::unique_ptr<Simulation>(new SyncSimulation(std::move(loaded->title), std::move(source->file),
                                                            std::move(script).value(), *options, common.solve));
    };
  };
  topic.summarize = [](const Json& run) -> std::vector<std::pair<std::string, std::string>> {
    const std::size_t finished = run.value("finished", Json::array()).size();
    const std::size_t processes = run.value("processes", Json::array()).size();
    return {{"steps", std::to_string(run.value("steps", 0))},
            {"deadlocked", run.value("deadlocked", false) ? "yes" : "no"},
            {"finished", std::to_string(finished) + "/" + std::to_string(processes)}};
  };
  topic.brief = [](const Json& run) { return run.value("message", std::string()); };
  return topic;
}

}  // namespace osgrid::sim
