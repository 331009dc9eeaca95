// `osgrid sim proc`: process creation and termination (OSTEP ch. 4-5 and its
// fork.py homework; Silberschatz 10e 3.1-3.3) on os::ProcessTable. The
// manual is docs/sim/proc.md.
//
// In fork.py's notation (-A, or a random problem) the text is fork.py's, byte
// for byte, from its ARG lines to its last tree, and a seed draws fork.py's
// actions (os::PyRandom). The --ops language (and --rich random problems) is
// osgrid's own: the whole process API, with zombies, pids and states.
//
// Nothing is built whole: each step is run and written (its trees too) as it
// comes, so memory grows with the number of processes and steps, not with
// the trace (a tree after every step of a long run).
#include <algorithm>
#include <map>
#include <memory>
#include <sstream>

#include "../py_number.h"
#include "../render.h"
#include "../topic.h"
#include "osgrid/client/text.h"
#include "osgrid/os/proc/op_generator.h"
#include "osgrid/os/py_random.h"
#include "proc_sim.h"

namespace osgrid::sim {

using client::Table;

namespace {

using os::Pcb;
using os::Pid;
using proc::Notation;
using proc::ProcRun;
using proc::TreeStyle;

/// The command's options, as typed: fork.py echoes them in its ARG lines.
struct ProcArgs {
  std::string action_list;            // -A: fork.py notation
  std::string ops;                    // --ops: the full process API
  std::string actions = "5";          // -a: random actions (optparse int; fork.py default 5)
  std::string forks = "0.7";          // -f: probability of a fork (optparse float)
  bool show_tree = false;             // -t: show trees, ask for the actions
  bool final_only = false;            // -F
  bool leaf_only = false;             // -L
  bool local_reparent = false;        // -R
  std::string reparent;               // --reparent init|parent|all
  std::string print_style = "fancy";  // -P
  bool rich = false;                  // --rich: random problems in the --ops language
  bool verbose = false;               // -v: every kernel event
};

constexpr std::int64_t kMaxActions = 1'000'000;
constexpr const char* kMargin = "                               ";  // fork.py's 31-column margin

/// The problem as parsed or drawn.
struct Problem {
  proc::RunOptions options;
  std::vector<proc::Step> steps;
  std::int64_t actions = 5;  // -a, parsed
  double forks = 0.7;        // -f, parsed
  bool random = false;       // drawn from a seed
  std::int64_t seed = 0;     // the seed drawn from
};

const char* RuleName(os::OrphanRule rule) {
  switch (rule) {
    case os::OrphanRule::kInit:
      return "init";
    case os::OrphanRule::kGrandparent:
      return "parent";
    case os::OrphanRule::kInitAllDescendants:
      return "all";
  }
  return "init";
}

std::string OpsText(const os::ProcOp& op) {
  switch (op.kind) {
    case os::ProcOpKind::kFork:
      return "fork " + op.actor + " " + op.child;
    case os::ProcOpKind::kExit:
      return "exit " + op.actor + " " + std::to_string(op.status);
    case os::ProcOpKind::kWait:
      return "wait " + op.actor;
    case os::ProcOpKind::kKill:
      return "kill " + op.actor + " " + std::string(os::SignalName(op.signal));
  }
  return "";
}

std::string Joined(const std::vector<std::string>& items, const std::string& separator) {
  std::string text;
  for (std::size_t i = 0; i < items.size(); ++i) text += (i ? separator : "") + items[i];
  return text;
}

const char* PyBool(bool value) { return value ? "True" : "False"; }

// ---- Input -------------------------------------------------------------------------

Result<TreeStyle> ParseStyle(const std::string& text) {
  if (text == "basic") return TreeStyle::kBasic;
  if (text == "line1") return TreeStyle::kLine1;
  if (text == "line2") return TreeStyle::kLine2;
  if (text == "fancy") return TreeStyle::kFancy;
  return BadInput("-P (print style): '" + text + "' is not one of basic, line1, line2, fancy");
}

/// fork.py's random actions as steps: "b+c" (b forks c) and "b-" (b exits).
std::vector<proc::Step> ForkPySteps(const std::vector<os::ProcOp>& ops) {
  std::vector<proc::Step> steps;
  steps.reserve(ops.size());
  for (const os::ProcOp& op : ops) {
    if (op.kind == os::ProcOpKind::kFork) {
      steps.push_back({op.actor + "+" + op.child, "fork", {op.actor, op.child}});
    } else {
      steps.push_back({op.actor + "-", "exit", {op.actor}});
    }
  }
  return steps;
}

Result<Problem> BuildProblem(const ProcArgs& args, const CommonOptions& common) {
  Problem problem;
  if (!args.action_list.empty() && !args.ops.empty()) {
    return BadInput("give either -A (fork.py actions) or --ops, not both");
  }
  std::optional<std::int64_t> actions = OptparseInt(args.actions);
  if (!actions) return BadInput("-a (actions): '" + args.actions + "' is not an integer");
  problem.actions = *actions;
  std::optional<double> forks = PyFloat(args.forks);
  if (!forks) return BadInput("-f (fork percentage): '" + args.forks + "' is not a number");
  problem.forks = *forks;
  // fork.py refuses this before anything else; NaN would make it loop forever.
  if (!(problem.forks > 0.001)) return BadInput("-f (fork percentage): must be > 0.001, got " + args.forks);
  auto style = ParseStyle(args.print_style);
  if (!style.ok()) return style.status();
  proc::RunOptions& options = problem.options;
  options.style = *style;
  options.leaf_only = args.leaf_only;
  problem.random = args.action_list.empty() && args.ops.empty();
  options.notation = !args.ops.empty() || (problem.random && args.rich) ? Notation::kOps : Notation::kForkPy;
  const bool forkpy = options.notation == Notation::kForkPy;
  if (args.show_tree && !forkpy) {
    return BadInput("-t (show trees, guess the actions) works with fork.py actions, not --ops");
  }
  options.kernel.init_name = forkpy ? "a" : "init";
  options.kernel.reap_at_once = forkpy;
  options.kernel.orphans = forkpy ? os::OrphanRule::kInitAllDescendants : os::OrphanRule::kInit;
  if (args.local_reparent) options.kernel.orphans = os::OrphanRule::kGrandparent;
  if (!args.reparent.empty()) {
    const std::string& rule = args.reparent;
    if (rule != "init" && rule != "parent" && rule != "all") {
      return BadInput("--reparent: '" + rule + "' is not one of init, parent, all");
    }
    const auto wanted = rule == "init"     ? os::OrphanRule::kInit
                        : rule == "parent" ? os::OrphanRule::kGrandparent
                                           : os::OrphanRule::kInitAllDescendants;
    if (args.local_reparent && wanted != os::OrphanRule::kGrandparent) {
      return BadInput("-R (re-parent to the local parent) contradicts --reparent " + rule);
    }
    options.kernel.orphans = wanted;
  }
  if (!problem.random) {
    Result<std::vector<proc::Step>> steps =
        args.ops.empty() ? proc::ParseActions(args.action_list) : proc::ParseOps(args.ops);
    if (!steps.ok()) return steps.status();
    problem.steps = std::move(*steps);
    if (Status checked = proc::CheckSteps(problem.steps, options); !checked.ok()) return checked;
    return problem;
  }
  if (problem.actions > kMaxActions) {
    return BadInput("-a (actions): at most " + std::to_string(kMaxActions) + ", got " + args.actions);
  }
  if (forkpy) {
    // fork.py seeds only when -s is not -1 (its default): then the seed is
    // random. osgrid has no random seed: it draws from seed 0 then.
    problem.seed = common.seed.value_or(-1) == -1 ? 0 : *common.seed;
    os::PyRandom random(problem.seed);
    problem.steps = ForkPySteps(os::GenerateForkPyActions(random, problem.actions, problem.forks));
    return problem;
  }
  problem.seed = common.seed.value_or(0);
  os::ProcOpGeneratorOptions generator;
  generator.actions = static_cast<int>(std::max<std::int64_t>(problem.actions, 0));
  generator.fork_fraction = problem.forks;
  generator.rich = true;
  generator.root = options.kernel.init_name;
  os::Rng rng(static_cast<std::uint64_t>(problem.seed));
  auto ops = os::GenerateProcOps(rng, generator);
  if (!ops.ok()) return BadInput("-a/-f: " + ops.error().message);
  std::vector<std::string> texts;
  for (const os::ProcOp& op : *ops) texts.push_back(OpsText(op));
  Result<std::vector<proc::Step>> steps = proc::ParseOps(Joined(texts, ";"));
  if (!steps.ok()) return steps.status();
  problem.steps = std::move(*steps);
  return problem;
}

// ---- Writing -------------------------------------------------------------------------

std::string Who(const std::string& name, Pid pid) { return name + " (pid " + std::to_string(pid) + ")"; }

std::string ParentName(const ProcRun& run, Pid ppid) {
  for (const Pcb& p : run.processes) {
    if (p.pid == ppid) return p.name;
  }
  return "?";
}

std::string ZombieReason(const ProcRun& run, const Pcb& z) {
  return Who(z.name, z.pid) + " is a zombie: its parent " + Who(ParentName(run, z.ppid), z.ppid) +
         " has not called wait()";
}

std::string OrphanReason(const proc::Adoption& a) {
  return Who(a.name, a.pid) + " is an orphan: " + Who(a.from_name, a.from) + " terminated; " + Who(a.to_name, a.to) +
         " adopted it";
}

bool Reaped(const ProcRun& run, Pid pid) {
  return std::find(run.reaped.begin(), run.reaped.end(), pid) != run.reaped.end();
}

std::string ExitText(const Pcb& pcb) {
  if (pcb.killed_by) return std::string(os::SignalName(*pcb.killed_by));
  if (pcb.exit_status) return std::to_string(*pcb.exit_status);
  return "-";
}

void PrintTable(std::ostream& out, const ProcRun& run) {
  Table table({"PID", "PPID", "PGID", "NAME", "PROGRAM", "STATE", "EXIT"});
  for (const Pcb& p : run.processes) {
    table.AddRow({std::to_string(p.pid), std::to_string(p.ppid), std::to_string(p.pgid), p.name, p.program,
                  proc::StateWord(p, Reaped(run, p.pid)), ExitText(p)});
  }
  table.Print(out, "  ");
}

class ProcSimulation : public Simulation {
 public:
  ProcSimulation(ProcArgs args, Problem problem, const CommonOptions& common)
      : args_(std::move(args)), problem_(std::move(problem)), common_(common) {}

  void WriteText(TextOut& out) const override;
  void WriteJson(JsonOut& out) const override;
  std::string Svg() const override;

 private:
  bool ForkPy() const { return problem_.options.notation == Notation::kForkPy; }
  /// Runs every step, calling on_step(result, run) after each; returns what is left.
  template <class OnStep>
  ProcRun Run(OnStep on_step) const;
  std::string Tree(const os::ProcessTable& table) const {
    return proc::TreeText(table, problem_.options.style, problem_.options.notation);
  }
  void WriteForkPy(TextOut& out) const;
  void WriteOps(TextOut& out) const;

  ProcArgs args_;
  Problem problem_;
  CommonOptions common_;
};

template <class OnStep>
ProcRun ProcSimulation::Run(OnStep on_step) const {
  proc::ScriptRun run(problem_.options);
  proc::StepResult result;
  for (std::size_t i = 0; i < problem_.steps.size(); ++i) {
    (void)run.Run(problem_.steps[i], i, result);  // checked when the problem was built
    on_step(result, run.table());
  }
  return run.Summary();
}

/// fork.py's output, line for line.
void ProcSimulation::WriteForkPy(TextOut& out) const {
  out.Print("\nARG seed {}\nARG fork_percentage {}\nARG actions {}\nARG action_list {}\n", common_.seed.value_or(-1),
            PyStr(problem_.forks), problem_.actions, args_.action_list);
  out.Print("ARG show_tree {}\nARG just_final {}\nARG leaf_only {}\nARG local_reparent {}\nARG print_style {}\n",
            PyBool(args_.show_tree), PyBool(args_.final_only), PyBool(args_.leaf_only), PyBool(args_.local_reparent),
            args_.print_style);
  out.Print("ARG solve {}\n\n", PyBool(common_.solve));
  const TreeStyle style = problem_.options.style;
  std::string tree;  // reused for every tree
  const auto write_tree = [&](const os::ProcessTable& table) {
    tree.clear();
    proc::AppendTree(tree, table, style, Notation::kForkPy, kMargin);
    out.Write(tree);
  };
  out.Write("                           Process Tree:\n");
  write_tree(os::ProcessTable(problem_.options.kernel));
  out.Put('\n');
  const bool solve = common_.solve, final_only = args_.final_only, show_tree = args_.show_tree;
  proc::ScriptRun run(problem_.options);
  proc::StepResult result;
  for (std::size_t i = 0; i < problem_.steps.size(); ++i) {
    (void)run.Run(problem_.steps[i], i, result);  // checked when the problem was built
    if (show_tree) {                              // show the trees, guess the actions
      if (solve) {
        out.Print("Action: {}\n", result.message);
      } else {
        out.Write("Action?\n");
      }
      if (!final_only) write_tree(run.table());
    } else {  // show the actions, guess the trees
      out.Print("Action: {}\n", result.message);
      if (!final_only) {
        if (solve) {
          write_tree(run.table());
        } else {
          out.Write("Process Tree?\n");
        }
      }
    }
  }
  if (final_only) {
    if (show_tree || solve) {
      out.Write("\n                        Final Process Tree:\n");
      write_tree(run.table());
      out.Put('\n');
    } else {
      out.Write("\n                        Final Process Tree?\n\n");
    }
  }
}

/// osgrid's own problems in the --ops language.
void ProcSimulation::WriteOps(TextOut& out) const {
  out.Print("Process API (OSTEP ch. 5){}.\ninit is pid 1; new pids count up from 2.\n\n",
            problem_.random ? ", a random problem from seed " + std::to_string(problem_.seed) : "");
  out.Write("Initial process tree:\n");
  std::string tree;
  proc::AppendTree(tree, os::ProcessTable(problem_.options.kernel), problem_.options.style, Notation::kOps, "  ");
  out.Write(tree);
  out.Put('\n');
  const auto number = [&](std::size_t i) { out.Print("{}{}  ", i + 1 < 10 ? "   " : "  ", i + 1); };
  if (!common_.solve) {
    out.Write("Operations:\n");
    for (std::size_t i = 0; i < problem_.steps.size(); ++i) {
      number(i);
      out.Print("{}\n", problem_.steps[i].text);
    }
    out.Print(
        "\n{} Give each process's pid, parent,\nstate and exit status. Which calls fail, which processes are "
        "zombies, and which\norphans are re-parented, to whom? (-c shows the answers)\n",
        args_.final_only ? "What is the final process tree?" : "What is the process tree after each operation?");
    return;
  }
  std::size_t i = 0;
  std::string final_tree;
  const ProcRun run = Run([&](const proc::StepResult& r, const os::ProcessTable& table) {
    number(i++);
    out.Print("{}\n", r.text);
    if (!r.ok) out.Print("      FAILED: {}\n", r.message);
    if (r.ok) {
      for (const std::string& e : args_.verbose ? r.events : r.said) out.Print("      -> {}\n", e);
    }
    if (!args_.final_only) {
      tree.clear();
      proc::AppendTree(tree, table, problem_.options.style, Notation::kOps, "      ");
      out.Write(tree);
    }
    if (i == problem_.steps.size()) {
      final_tree.clear();
      proc::AppendTree(final_tree, table, problem_.options.style, Notation::kOps, "  ");
    }
  });
  if (problem_.steps.empty()) final_tree = tree;
  out.Write("\nFinal process tree:\n");
  out.Write(final_tree);
  out.Write("\nProcesses (reaped ones too):\n");
  std::ostringstream table;
  PrintTable(table, run);
  out.Write(table.str());
  out.Print("\nZombies:{}", run.zombies.empty() ? " none\n" : "\n");
  for (const Pcb& z : run.zombies) out.Print("  {}\n", ZombieReason(run, z));
  out.Print("Orphans re-parented:{}", run.orphans.empty() ? " none\n" : "\n");
  for (const proc::Adoption& a : run.orphans) out.Print("  {}\n", OrphanReason(a));
}

void ProcSimulation::WriteText(TextOut& out) const {
  if (ForkPy()) {
    WriteForkPy(out);
  } else {
    WriteOps(out);
  }
}

void SignalOrNull(JsonOut& json, const std::optional<os::Signal>& signal) {
  if (signal) {
    json.String(os::SignalName(*signal));
  } else {
    json.Null();
  }
}

void StatusOrNull(JsonOut& json, const std::optional<int>& status) {
  if (status) {
    json.Int(*status);
  } else {
    json.Null();
  }
}

void ProcSimulation::WriteJson(JsonOut& json) const {
  json.BeginObject();
  json.Field("mode", ForkPy() ? "fork.py" : "ops");
  json.Key("input");
  json.BeginArray();
  for (const proc::Step& step : problem_.steps) json.String(step.text);
  json.EndArray();
  if (problem_.random) json.Field("seed", problem_.seed);
  json.Key("options");
  json.BeginObject();
  json.Field("orphans", RuleName(problem_.options.kernel.orphans));
  json.Field("reap_at_once", problem_.options.kernel.reap_at_once);
  json.Field("leaf_only", problem_.options.leaf_only);
  json.EndObject();
  json.Field("initial_tree", Tree(os::ProcessTable(problem_.options.kernel)));
  json.Key("trace");
  json.BeginArray();
  std::string final_tree = Tree(os::ProcessTable(problem_.options.kernel));
  std::size_t step = 0;
  const ProcRun run = Run([&](const proc::StepResult& r, const os::ProcessTable& table) {
    json.BeginObject();
    json.Field("op", r.text);
    json.Field("ok", r.ok);
    json.Field("message", r.message);
    json.Key("events");
    json.BeginArray();
    for (const std::string& e : r.events) json.String(e);
    json.EndArray();
    const bool last = ++step == problem_.steps.size();
    if (last || !args_.final_only) final_tree = Tree(table);
    if (!args_.final_only) json.Field("tree", final_tree);  // -F: the final tree only, as in the text
    json.EndObject();
  });
  json.EndArray();
  json.Key("processes");
  json.BeginArray();
  for (const Pcb& pcb : run.processes) {
    const bool reaped = Reaped(run, pcb.pid);
    json.BeginObject();
    json.Field("pid", pcb.pid);
    json.Field("ppid", pcb.ppid);
    json.Field("pgid", pcb.pgid);
    json.Field("name", pcb.name);
    json.Field("program", pcb.program);
    json.Field("state", os::ProcessStateName(pcb.state));
    json.Key("exit_status");
    StatusOrNull(json, pcb.exit_status);
    json.Key("killed_by");
    SignalOrNull(json, pcb.killed_by);
    json.Field("zombie", pcb.zombie() && !reaped);
    json.Field("reaped", reaped);
    json.EndObject();
  }
  json.EndArray();
  json.Key("zombies");
  json.BeginArray();
  for (const Pcb& z : run.zombies) {
    json.BeginObject();
    json.Field("pid", z.pid);
    json.Field("name", z.name);
    json.Field("ppid", z.ppid);
    json.Field("parent", ParentName(run, z.ppid));
    json.Key("exit_status");
    StatusOrNull(json, z.exit_status);
    json.Key("killed_by");
    SignalOrNull(json, z.killed_by);
    json.Field("reason", ZombieReason(run, z));
    json.EndObject();
  }
  json.EndArray();
  json.Key("orphans_reparented");
  json.BeginArray();
  for (const proc::Adoption& a : run.orphans) {
    json.BeginObject();
    json.Field("pid", a.pid);
    json.Field("name", a.name);
    json.Field("from", a.from);
    json.Field("from_name", a.from_name);
    json.Field("to", a.to);
    json.Field("to_name", a.to_name);
    json.Field("reason", OrphanReason(a));
    json.EndObject();
  }
  json.EndArray();
  json.Field("final_tree", final_tree);
  json.EndObject();
}

// ---- SVG: the final tree, nodes coloured by state ------------------------------------

std::string_view StateColour(const Pcb& pcb) {
  switch (pcb.state) {
    case os::ProcessState::kNew:
      return "#ffe699";
    case os::ProcessState::kReady:
      return "#a9d18e";
    case os::ProcessState::kRunning:
      return "#5b9bd5";
    case os::ProcessState::kWaiting:
      return "#f4b183";
    case os::ProcessState::kTerminated:
      return "#d0d0d0";
  }
  return "#ffffff";
}

struct Placed {
  const Pcb* pcb;
  double x;
  int depth;
};

double Place(const ProcRun& run, const std::map<Pid, const Pcb*>& live, Pid pid, int depth, double& next_slot,
             std::vector<Placed>& placed, std::vector<std::pair<std::size_t, std::size_t>>& edges) {
  const Pcb* pcb = live.at(pid);
  const std::size_t me = placed.size();
  placed.push_back({pcb, 0, depth});
  if (pcb->children.empty()) {
    placed[me].x = next_slot++;
    return placed[me].x;
  }
  double first = 0, last = 0;
  for (std::size_t i = 0; i < pcb->children.size(); ++i) {
    edges.emplace_back(me, placed.size());
    const double x = Place(run, live, pcb->children[i], depth + 1, next_slot, placed, edges);
    if (i == 0) first = x;
    last = x;
  }
  placed[me].x = (first + last) / 2;
  return placed[me].x;
}

std::string ProcSimulation::Svg() const {
  const ProcRun run = Run([](const proc::StepResult&, const os::ProcessTable&) {});
  std::map<Pid, const Pcb*> live;
  for (const Pcb& p : run.processes) {
    if (std::find(run.reaped.begin(), run.reaped.end(), p.pid) == run.reaped.end()) live[p.pid] = &p;
  }
  std::vector<Placed> placed;
  std::vector<std::pair<std::size_t, std::size_t>> edges;
  double slots = 0;
  Place(run, live, os::kInitPid, 0, slots, placed, edges);
  int depth = 0;
  for (const Placed& p : placed) depth = std::max(depth, p.depth);
  const double slot = 130, row = 80, node_w = 116, node_h = 40, top = 50;
  const double width = std::max(slots * slot, 5 * slot) + 20;
  const double height = top + (depth + 1) * row + 60;
  sim::Svg svg(width, height);
  svg.Text(10, 24, "Process tree (colour = state)", 16);
  const auto cx = [&](const Placed& p) { return 10 + p.x * slot + slot / 2; };
  const auto cy = [&](const Placed& p) { return top + p.depth * row + node_h / 2; };
  for (const auto& [from, to] : edges) {
    svg.Line(cx(placed[from]), cy(placed[from]) + node_h / 2, cx(placed[to]), cy(placed[to]) - node_h / 2, "#555", 1.5);
  }
  for (const Placed& p : placed) {
    const std::string state = proc::StateWord(*p.pcb, false);
    svg.Rect(cx(p) - node_w / 2, cy(p) - node_h / 2, node_w, node_h, StateColour(*p.pcb), "#333",
             p.pcb->name + ": " + state);
    svg.Text(cx(p), cy(p) - 3, p.pcb->name + " (" + std::to_string(p.pcb->pid) + ")", 13, "middle");
    std::string detail = state;
    if (p.pcb->zombie()) {
      detail += p.pcb->killed_by ? ", " + std::string(os::SignalName(*p.pcb->killed_by))
                                 : ", status " + std::to_string(p.pcb->exit_status.value_or(0));
    }
    svg.Text(cx(p), cy(p) + 13, detail, 11, "middle", "#222");
  }
  const std::vector<std::pair<const char*, const char*>> legend = {
      {"ready", "#a9d18e"}, {"running", "#5b9bd5"}, {"waiting", "#f4b183"}, {"zombie", "#d0d0d0"}};
  double x = 10;
  for (const auto& [name, colour] : legend) {
    svg.Rect(x, height - 30, 16, 16, colour);
    svg.Text(x + 22, height - 17, name, 12);
    x += 100;
  }
  return svg.Finish();
}

// ---- The command ------------------------------------------------------------------------

Prepared Prepare(const ProcArgs& args, const CommonOptions& common) {
  Result<Problem> problem = BuildProblem(args, common);
  if (!problem.ok()) return problem.status();
  return std::unique_ptr<Simulation>(new ProcSimulation(args, std::move(*problem), common));
}

std::vector<std::pair<std::string, std::string>> Summarize(const Json& run) {
  std::size_t live = 0;
  for (const Json& p : run.value("processes", Json::array())) {
    if (!p.value("reaped", false)) ++live;
  }
  return {{"processes", std::to_string(live)},
          {"zombies", std::to_string(run.value("zombies", Json::array()).size())},
          {"orphans", std::to_string(run.value("orphans_reparented", Json::array()).size())}};
}

}  // namespace

Topic ProcTopic() {
  Topic topic;
  topic.name = "proc";
  topic.ostep_simulator = "cpu-api/fork.py";
  topic.summary = "Processes: fork, exec, exit, wait, kill; zombies and orphans (OSTEP fork.py)";
  topic.add = [](CLI::App& command) -> Runner {
    auto o = std::make_shared<ProcArgs>();
    command
        .add_option("-A,--action-list,--action_list", o->action_list,
                    "fork.py actions: 'a+b,b+c,c-' = a forks b, b forks c, c exits (root: a)")
        ->type_name("LIST");
    command
        .add_option("--ops", o->ops,
                    "Process API calls separated by ';': fork P C, exit P [STATUS], wait P [CHILD], "
                    "kill P [SIG], killpg PGID [SIG], exec P PROG, setpgid P PGID, block/wake/run/preempt P "
                    "(pid 1 is 'init')")
        ->type_name("OPS");
    command.add_option("-a,--actions", o->actions, "Random problems: number of actions (default 5)")->type_name("N");
    command.add_option("-f,--forks", o->forks, "Random problems: probability that an action is a fork (default 0.7)")
        ->type_name("F");
    command.add_flag("--rich", o->rich, "Random problems in the --ops language: exit statuses, wait, kill");
    command.add_flag("-t,--show-tree,--show_tree", o->show_tree, "Show the trees and ask for the actions (fork.py -t)");
    command.add_flag("-F,--final-only,--final_only", o->final_only, "Show only the final tree (fork.py -F)");
    command.add_flag("-L,--leaf-only,--leaf_only", o->leaf_only, "Only leaf processes may exit (fork.py -L)");
    command.add_flag("-R,--local-reparent,--local_reparent", o->local_reparent,
                     "Orphans go to the exiting process's parent, not init (fork.py -R)");
    command
        .add_option("--reparent", o->reparent,
                    "Where orphans go: init (Unix, default for --ops), parent (= -R), all (every descendant "
                    "to init: fork.py's default, used for -A)")
        ->type_name("RULE");
    command.add_option("-P,--print-style,--print_style", o->print_style, "Tree style: basic, line1, line2, fancy")
        ->type_name("STYLE");
    command.add_flag("-v,--verbose", o->verbose, "With -c and --ops: list every kernel event (state transitions too)");
    command.footer(
        "Examples:\n"
        "  osgrid sim proc -A a+b,b+c,c-,a+d -c        # fork.py notation, trees after each action\n"
        "  osgrid sim proc --ops 'fork init A; fork A B; exit B 3; wait A' -c\n"
        "  osgrid sim proc -s 4 -a 8 --rich            # a random problem with zombies and orphans\n"
        "Manual: docs/sim/proc.md");
    return [o](const CommonOptions& common) { return Prepare(*o, common); };
  };
  topic.policy_flag = "";
  topic.summarize = Summarize;
  topic.brief = [](const Json& run) { return run.value("final_tree", std::string()); };
  return topic;
}

}  // namespace osgrid::sim
