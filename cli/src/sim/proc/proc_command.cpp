// `osgrid sim proc`: process creation and termination (OSTEP ch. 4-5 and its
// fork.py homework; Silberschatz 10e 3.1-3.3) on os::ProcessTable.
#include <memory>
#include <sstream>

#include "../render.h"
#include "../sim.h"
#include "format.h"
#include "osgrid/os/proc/op_generator.h"
#include "proc_sim.h"

namespace osgrid::cli::sim {
namespace {

using os::Pcb;
using os::Pid;
using proc::Notation;
using proc::ProcRun;
using proc::TreeStyle;

struct ProcOptions {
  std::string action_list;            // -A: fork.py notation
  std::string ops;                    // --ops: the full process API
  int actions = 5;                    // -a: random actions (fork.py default 5)
  double forks = 0.7;                 // -f: fraction (or percentage) of forks
  bool show_tree = false;             // -t: show trees, ask for the actions
  bool final_only = false;            // -F
  bool leaf_only = false;             // -L
  bool local_reparent = false;        // -R
  std::string reparent;               // --reparent init|parent|all
  std::string print_style = "fancy";  // -P
  bool rich = false;                  // --rich: random problems in the --ops language
  bool verbose = false;               // -v: every kernel event
};

constexpr const char* kMargin = "                               ";  // fork.py's 31-column margin

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

std::string OpText(const os::ProcOp& op, Notation notation) {
  if (notation == Notation::kForkPy)
    return op.kind == os::ProcOpKind::kFork ? op.actor + "+" + op.child : op.actor + "-";
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

// ---- JSON -----------------------------------------------------------------------

Json PcbJson(const Pcb& pcb, bool reaped) {
  Json p = Json::object();
  p["pid"] = pcb.pid;
  p["ppid"] = pcb.ppid;
  p["pgid"] = pcb.pgid;
  p["name"] = pcb.name;
  p["program"] = pcb.program;
  p["state"] = std::string(os::ProcessStateName(pcb.state));
  p["exit_status"] = pcb.exit_status ? Json(*pcb.exit_status) : Json(nullptr);
  p["killed_by"] = pcb.killed_by ? Json(std::string(os::SignalName(*pcb.killed_by))) : Json(nullptr);
  p["zombie"] = pcb.zombie() && !reaped;
  p["reaped"] = reaped;
  return p;
}

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

Json RunJson(const ProcRun& run, const proc::RunOptions& options, const std::vector<proc::Step>& steps) {
  Json json = Json::object();
  json["mode"] = options.notation == Notation::kForkPy ? "fork.py" : "ops";
  Json input = Json::array();
  for (const proc::Step& s : steps) input.push_back(s.text);
  json["input"] = input;
  json["options"] = {{"orphans", RuleName(options.kernel.orphans)},
                     {"reap_at_once", options.kernel.reap_at_once},
                     {"leaf_only", options.leaf_only}};
  Json processes = Json::array();
  for (const Pcb& pcb : run.processes) {
    const bool reaped = std::find(run.reaped.begin(), run.reaped.end(), pcb.pid) != run.reaped.end();
    processes.push_back(PcbJson(pcb, reaped));
  }
  json["processes"] = processes;
  Json trace = Json::array();
  for (const proc::StepResult& r : run.trace) {
    trace.push_back({{"op", r.text}, {"ok", r.ok}, {"message", r.message}, {"events", r.events}, {"tree", r.tree}});
  }
  json["trace"] = trace;
  Json zombies = Json::array();
  for (const Pcb& z : run.zombies) {
    zombies.push_back({{"pid", z.pid},
                       {"name", z.name},
                       {"ppid", z.ppid},
                       {"parent", ParentName(run, z.ppid)},
                       {"exit_status", z.exit_status ? Json(*z.exit_status) : Json(nullptr)},
                       {"killed_by", z.killed_by ? Json(std::string(os::SignalName(*z.killed_by))) : Json(nullptr)},
                       {"reason", ZombieReason(run, z)}});
  }
  json["zombies"] = zombies;
  Json orphans = Json::array();
  for (const proc::Adoption& a : run.orphans) {
    orphans.push_back({{"pid", a.pid},
                       {"name", a.name},
                       {"from", a.from},
                       {"from_name", a.from_name},
                       {"to", a.to},
                       {"to_name", a.to_name},
                       {"reason", OrphanReason(a)}});
  }
  json["orphans_reparented"] = orphans;
  json["initial_tree"] = run.initial_tree;
  json["final_tree"] = run.final_tree;
  return json;
}

// ---- Text ------------------------------------------------------------------------

void PrintMargined(std::ostream& out, const std::string& tree) {
  std::istringstream lines(tree);
  for (std::string line; std::getline(lines, line);) out << kMargin << line << "\n";
}

// fork.py's output, line for line (its "ARG ..." header aside).
std::string ForkPyText(const ProcRun& run, const ProcOptions& o, bool solve) {
  std::ostringstream out;
  out << "                           Process Tree:\n";
  PrintMargined(out, run.initial_tree);
  out << "\n";
  for (const proc::StepResult& r : run.trace) {
    if (o.show_tree) {
      out << (solve ? "Action: " + r.message : std::string("Action?")) << "\n";
      if (!o.final_only) PrintMargined(out, r.tree);
    } else {
      out << "Action: " << r.message << "\n";
      if (!o.final_only) {
        if (solve) {
          PrintMargined(out, r.tree);
        } else {
          out << "Process Tree?\n";
        }
      }
    }
  }
  if (o.final_only) {
    if (o.show_tree || solve) {
      out << "\n                        Final Process Tree:\n";
      PrintMargined(out, run.final_tree);
      out << "\n";
    } else {
      out << "\n                        Final Process Tree?\n\n";
    }
  }
  return out.str();
}

std::string ExitText(const Pcb& pcb) {
  if (pcb.killed_by) return std::string(os::SignalName(*pcb.killed_by));
  if (pcb.exit_status) return std::to_string(*pcb.exit_status);
  return "-";
}

void PrintTable(std::ostream& out, const ProcRun& run) {
  Table table({"PID", "PPID", "PGID", "NAME", "PROGRAM", "STATE", "EXIT"});
  for (const Pcb& p : run.processes) {
    const bool reaped = std::find(run.reaped.begin(), run.reaped.end(), p.pid) != run.reaped.end();
    table.AddRow({std::to_string(p.pid), std::to_string(p.ppid), std::to_string(p.pgid), p.name, p.program,
                  proc::StateWord(p, reaped), ExitText(p)});
  }
  table.Print(out, "  ");
}

std::string OpsText(const ProcRun& run, const ProcOptions& o, bool solve, const std::string& origin) {
  std::ostringstream out;
  out << "Process API (OSTEP ch. 5)" << origin << ".\ninit is pid 1; new pids count up from 2.\n\n";
  out << "Initial process tree:\n";
  out << Indent(run.initial_tree, "  ") << "\n\n";
  if (!solve) {
    out << "Operations:\n";
    for (std::size_t i = 0; i < run.trace.size(); ++i) {
      out << (i + 1 < 10 ? "   " : "  ") << i + 1 << "  " << run.trace[i].text << "\n";
    }
    out << "\n"
        << (o.final_only ? "What is the final process tree?" : "What is the process tree after each operation?")
        << " Give each process's pid, parent,\nstate and exit status. Which calls fail, which processes are zombies, "
           "and which\norphans are re-parented, to whom? (-c shows the answers)\n";
    return out.str();
  }
  for (std::size_t i = 0; i < run.trace.size(); ++i) {
    const proc::StepResult& r = run.trace[i];
    out << (i + 1 < 10 ? "   " : "  ") << i + 1 << "  " << r.text << "\n";
    if (!r.ok) out << "      FAILED: " << r.message << "\n";
    if (r.ok) {
      for (const std::string& e : o.verbose ? r.events : r.said) out << "      -> " << e << "\n";
    }
    if (!o.final_only) out << Indent(r.tree, "      ") << "\n";
  }
  out << "\nFinal process tree:\n" << Indent(run.final_tree, "  ") << "\n\nProcesses (reaped ones too):\n";
  PrintTable(out, run);
  out << "\nZombies:" << (run.zombies.empty() ? " none\n" : "\n");
  for (const Pcb& z : run.zombies) out << "  " << ZombieReason(run, z) << "\n";
  out << "Orphans re-parented:" << (run.orphans.empty() ? " none\n" : "\n");
  for (const proc::Adoption& a : run.orphans) out << "  " << OrphanReason(a) << "\n";
  return out.str();
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

std::string TreeSvg(const ProcRun& run) {
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
  Svg svg(width, height);
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

Result<TreeStyle> ParseStyle(const std::string& text) {
  if (text == "basic") return TreeStyle::kBasic;
  if (text == "line1") return TreeStyle::kLine1;
  if (text == "line2") return TreeStyle::kLine2;
  if (text == "fancy") return TreeStyle::kFancy;
  return BadInput("-P (print style): '" + text + "' is not one of basic, line1, line2, fancy");
}

Outcome Run(const ProcOptions& o, const CommonOptions& common) {
  if (!o.action_list.empty() && !o.ops.empty()) return BadInput("give either -A (fork.py actions) or --ops, not both");
  auto style = ParseStyle(o.print_style);
  if (!style.ok()) return style.status();
  proc::RunOptions options;
  options.style = *style;
  options.leaf_only = o.leaf_only;
  const bool random = o.action_list.empty() && o.ops.empty();
  options.notation = !o.ops.empty() || (random && o.rich) ? Notation::kOps : Notation::kForkPy;
  const bool forkpy = options.notation == Notation::kForkPy;
  if (o.show_tree && !forkpy)
    return BadInput("-t (show trees, guess the actions) works with fork.py actions, not --ops");
  options.kernel.init_name = forkpy ? "a" : "init";
  options.kernel.reap_at_once = forkpy;
  options.kernel.orphans = forkpy ? os::OrphanRule::kInitAllDescendants : os::OrphanRule::kInit;
  if (o.local_reparent) options.kernel.orphans = os::OrphanRule::kGrandparent;
  if (!o.reparent.empty()) {
    const std::string rule = o.reparent;
    const auto wanted = rule == "init"     ? os::OrphanRule::kInit
                        : rule == "parent" ? os::OrphanRule::kGrandparent
                        : rule == "all"    ? os::OrphanRule::kInitAllDescendants
                                           : os::OrphanRule::kInit;
    if (rule != "init" && rule != "parent" && rule != "all") {
      return BadInput("--reparent: '" + rule + "' is not one of init, parent, all");
    }
    if (o.local_reparent && wanted != os::OrphanRule::kGrandparent) {
      return BadInput("-R (re-parent to the local parent) contradicts --reparent " + rule);
    }
    options.kernel.orphans = wanted;
  }
  std::string origin;
  Result<std::vector<proc::Step>> steps = std::vector<proc::Step>{};
  if (!o.ops.empty()) {
    steps = proc::ParseOps(o.ops);
  } else if (!o.action_list.empty()) {
    steps = proc::ParseActions(o.action_list);
  } else {
    double fraction = o.forks;
    if (fraction > 1 && fraction <= 100) fraction /= 100;  // -f 70 means 70%
    os::ProcOpGeneratorOptions generator;
    generator.actions = o.actions;
    generator.fork_fraction = fraction;
    generator.rich = o.rich;
    generator.root = options.kernel.init_name;
    const std::uint64_t seed = common.seed.value_or(0);
    os::Rng rng(seed);
    auto ops = os::GenerateProcOps(rng, generator);
    if (!ops.ok()) return BadInput((o.actions < 0 || o.actions > 10000 ? "-a: " : "-f: ") + ops.error().message);
    std::vector<std::string> texts;
    for (const os::ProcOp& op : *ops) texts.push_back(OpText(op, options.notation));
    steps = forkpy ? proc::ParseActions(Joined(texts, ",")) : proc::ParseOps(Joined(texts, ";"));
    origin = ", a random problem from seed " + std::to_string(seed);
  }
  if (!steps.ok()) return steps.status();
  auto run = proc::RunSteps(*steps, options);
  if (!run.ok()) return run.status();
  Output output;
  output.json = RunJson(*run, options, *steps);
  if (!origin.empty()) output.json["seed"] = common.seed.value_or(0);
  output.text = forkpy ? ForkPyText(*run, o, common.solve) : OpsText(*run, o, common.solve, origin);
  output.svg = TreeSvg(*run);
  return output;
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
  topic.summary = "Processes: fork, exec, exit, wait, kill; zombies and orphans (OSTEP fork.py)";
  topic.add = [](CLI::App& command) -> Runner {
    auto o = std::make_shared<ProcOptions>();
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
    command.add_option("-f,--forks", o->forks, "Random problems: fraction of actions that are forks (0.7, or 70)")
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
    return [o](const CommonOptions& common) { return Stored(Run(*o, common)); };
  };
  topic.policy_flag = "";
  topic.summarize = Summarize;
  topic.brief = [](const Json& run) { return run.value("final_tree", std::string()); };
  return topic;
}

}  // namespace osgrid::cli::sim
