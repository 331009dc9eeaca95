// `osgrid sim proc`: scripts of process-API calls on an os::ProcessTable.
#include "proc_sim.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <sstream>

namespace osgrid::cli::sim::proc {
namespace {

using os::Pcb;
using os::Pid;

std::string Trim(const std::string& text) {
  const auto first = text.find_first_not_of(" \t\r");
  if (first == std::string::npos) return "";
  return text.substr(first, text.find_last_not_of(" \t\r") - first + 1);
}

std::string Lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

bool IsNumber(const std::string& text) {
  return !text.empty() && text.size() < 10 &&
         std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
}

bool IsLabel(const std::string& text) {
  return !text.empty() && !IsNumber(text) && std::all_of(text.begin(), text.end(), [](unsigned char c) {
    return std::isalnum(c) != 0 || c == '_' || c == '.';
  });
}

std::string Join(const std::vector<std::string>& lines, const std::string& separator) {
  std::string text;
  for (std::size_t i = 0; i < lines.size(); ++i) text += (i ? separator : "") + lines[i];
  return text;
}

struct Usage {
  const char* verb;
  std::size_t min_args, max_args;
  const char* form;
};

const std::vector<Usage>& Verbs() {
  static const std::vector<Usage> verbs = {
      {"fork", 2, 2, "fork PARENT CHILD"},
      {"exit", 1, 2, "exit PROC [STATUS]"},
      {"wait", 1, 2, "wait PARENT [CHILD]"},
      {"kill", 1, 2, "kill PROC [SIGNAL]"},
      {"killpg", 1, 2, "killpg PGID [SIGNAL]"},
      {"exec", 2, 2, "exec PROC PROGRAM"},
      {"setpgid", 2, 2, "setpgid PROC PGID"},
      {"block", 1, 1, "block PROC"},
      {"wake", 1, 1, "wake PROC"},
      {"run", 1, 1, "run PROC"},
      {"preempt", 1, 1, "preempt PROC"},
  };
  return verbs;
}

std::vector<std::string> Words(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> words;
  for (std::string word; in >> word;) words.push_back(word);
  return words;
}

}  // namespace

// ---- Parsing ----------------------------------------------------------------------

Result<std::vector<Step>> ParseActions(const std::string& text) {
  auto items = ParseWordList(text, "-A (action list)");
  if (!items.ok()) return items.status();
  std::vector<Step> steps;
  for (std::size_t i = 0; i < items->size(); ++i) {
    const std::string& item = (*items)[i];
    const std::string where = "-A action " + std::to_string(i + 1) + " '" + item + "'";
    const auto plus = item.find('+');
    if (plus != std::string::npos) {
      const std::string parent = item.substr(0, plus), child = item.substr(plus + 1);
      if (!IsLabel(parent) || !IsLabel(child)) {
        return BadInput(where + ": must be X+Y (X forks Y) or X- (X exits), X and Y process names");
      }
      steps.push_back({item, "fork", {parent, child}});
    } else if (item.size() >= 2 && item.back() == '-' && IsLabel(item.substr(0, item.size() - 1))) {
      steps.push_back({item, "exit", {item.substr(0, item.size() - 1)}});
    } else {
      return BadInput(where + ": must be X+Y (X forks Y) or X- (X exits), X and Y process names");
    }
  }
  return steps;
}

Result<std::vector<Step>> ParseOps(const std::string& text) {
  std::vector<std::string> pieces{""};
  for (char c : text) {
    if (c == ';' || c == '\n') {
      pieces.emplace_back();
    } else {
      pieces.back() += c;
    }
  }
  std::vector<Step> steps;
  for (const std::string& piece : pieces) {
    const std::string op = Trim(piece);
    if (op.empty()) continue;
    const std::string where = "--ops op " + std::to_string(steps.size() + 1) + " '" + op + "'";
    std::vector<std::string> words = Words(op);
    Step step{op, Lower(words[0]), {words.begin() + 1, words.end()}};
    const auto& verbs = Verbs();
    auto usage = std::find_if(verbs.begin(), verbs.end(), [&](const Usage& u) { return step.verb == u.verb; });
    if (usage == verbs.end()) {
      return BadInput(where + ": unknown op '" + words[0] +
                      "' (use fork, exit, wait, kill, killpg, exec, setpgid, block, wake, run, preempt)");
    }
    if (step.args.size() < usage->min_args || step.args.size() > usage->max_args) {
      return BadInput(where + ": expected '" + usage->form + "'");
    }
    if (step.verb == "fork" && !IsLabel(step.args[1])) {
      return BadInput(where + ": the child's name '" + step.args[1] +
                      "' must be a word of letters, digits, '_' or '.', not a number");
    }
    if (step.verb == "exit" && step.args.size() == 2) {
      const std::string& status = step.args[1];
      if (!IsNumber(status) || std::stoi(status) > 255) {
        return BadInput(where + ": exit status must be an integer 0..255, got '" + status + "'");
      }
    }
    if ((step.verb == "kill" || step.verb == "killpg") && step.args.size() == 2) {
      auto signal = os::ParseSignal(step.args[1]);
      if (!signal.ok()) return BadInput(where + ": " + signal.error().message);
    }
    steps.push_back(std::move(step));
  }
  return steps;
}

// ---- Trees ---------------------------------------------------------------------------

std::string StateWord(const Pcb& pcb, bool reaped) {
  if (pcb.zombie()) return reaped ? "reaped" : "zombie";
  return std::string(os::ProcessStateName(pcb.state));
}

std::string NodeLabel(const Pcb& pcb, Notation notation) {
  if (notation == Notation::kForkPy) return pcb.zombie() ? pcb.name + " (zombie)" : pcb.name;
  std::string label = pcb.name + " (" + std::to_string(pcb.pid) + ") " + StateWord(pcb, false);
  if (pcb.zombie()) {
    label += pcb.killed_by ? ", killed by " + std::string(os::SignalName(*pcb.killed_by))
                           : ", status " + std::to_string(pcb.exit_status.value_or(0));
  }
  return label;
}

namespace {

struct Branches {
  std::string tee, elbow, pipe;  // "├── ", "└── ", "│   "
};

Branches BranchesFor(TreeStyle style) {
  switch (style) {
    case TreeStyle::kLine1:
      return {"+-- ", "|-- ", "|   "};
    case TreeStyle::kLine2:
      return {"|__ ", "|__ ", "|   "};
    default:
      return {"\u251c\u2500\u2500 ", "\u2514\u2500\u2500 ", "\u2502   "};
  }
}

// fork.py's walk(): a node, then its children; the last child gets the elbow
// and no vertical bar continues below it.
void Walk(const os::ProcessTable& table, Pid pid, int level, const std::string& prefix, bool last, TreeStyle style,
          Notation notation, std::vector<std::string>& lines) {
  const Pcb& pcb = *table.Find(pid);
  const std::string label = NodeLabel(pcb, notation);
  std::string child_prefix;
  if (style == TreeStyle::kBasic) {
    std::string padded = label.size() < 2 ? std::string(2 - label.size(), ' ') + label : label;
    lines.push_back(std::string(static_cast<std::size_t>(3 * level), ' ') + padded);
  } else {
    const Branches b = BranchesFor(style);
    lines.push_back(level == 0 ? label : prefix + (last ? b.elbow : b.tee) + label);
    child_prefix = level == 0 ? "" : prefix + (last ? "    " : b.pipe);
  }
  for (std::size_t i = 0; i < pcb.children.size(); ++i) {
    Walk(table, pcb.children[i], level + 1, child_prefix, i + 1 == pcb.children.size(), style, notation, lines);
  }
}

}  // namespace

std::vector<std::string> TreeLines(const os::ProcessTable& table, TreeStyle style, Notation notation) {
  std::vector<std::string> lines;
  Walk(table, os::kInitPid, 0, "", false, style, notation, lines);
  return lines;
}

// ---- Running --------------------------------------------------------------------------

namespace {

class Runner {
 public:
  explicit Runner(const RunOptions& options) : options_(options), table_(options.kernel) {
    pid_of_[options.kernel.init_name] = os::kInitPid;
    Remember();
  }

  Result<ProcRun> Run(const std::vector<Step>& steps) {
    ProcRun run;
    run.initial_tree = Join(TreeLines(table_, options_.style, options_.notation), "\n");
    for (std::size_t i = 0; i < steps.size(); ++i) {
      const Step& step = steps[i];
      where_ = (options_.notation == Notation::kForkPy ? "-A action " : "--ops op ") + std::to_string(i + 1) + " '" +
               step.text + "'";
      const std::size_t first_event = table_.events().size();
      StepResult result;
      result.text = step.text;
      Status status = Do(step, result);
      if (!status.ok()) return status;
      std::vector<std::string> said;
      for (std::size_t e = first_event; e < table_.events().size(); ++e) {
        const os::ProcEvent& event = table_.events()[e];
        result.events.push_back(event.text);
        if (event.kind != os::EventKind::kTransition) said.push_back(event.text);
        if (event.kind == os::EventKind::kReparented) adoptions_.push_back(event);
      }
      if (result.ok && result.message.empty()) result.message = Join(said, "; ");
      result.said = std::move(said);
      Remember();
      result.tree = Join(TreeLines(table_, options_.style, options_.notation), "\n");
      run.trace.push_back(std::move(result));
    }
    Finish(run);
    return run;
  }

 private:
  // The last known PCB of every process, reaped ones included.
  void Remember() {
    for (const auto& [pid, pcb] : table_.table()) history_[pid] = pcb;
    for (const Pcb& pcb : table_.reaped()) history_[pcb.pid] = pcb;
  }

  std::string Name(Pid pid) const {
    auto it = history_.find(pid);
    return it == history_.end() ? "" : it->second.name;
  }

  void Finish(ProcRun& run) const {
    for (const auto& [pid, pcb] : history_) run.processes.push_back(pcb);
    for (const Pcb& pcb : table_.reaped()) run.reaped.push_back(pcb.pid);
    for (const auto& [pid, pcb] : table_.table()) {
      if (pcb.zombie()) run.zombies.push_back(pcb);
    }
    for (const os::ProcEvent& e : adoptions_) {
      run.orphans.push_back({e.pid, Name(e.pid), e.previous, Name(e.previous), e.related, Name(e.related)});
    }
    run.final_tree = Join(TreeLines(table_, options_.style, options_.notation), "\n");
  }

  bool ForkPy() const { return options_.notation == Notation::kForkPy; }

  /// A label or a pid number -> pid. Unknown labels are bad input.
  Result<Pid> Resolve(const std::string& who) const {
    if (IsNumber(who)) return static_cast<Pid>(std::stol(who));
    auto it = pid_of_.find(who);
    if (it != pid_of_.end()) return it->second;
    return BadInput(where_ + ": no process called '" + who + "'" +
                    (ForkPy() ? "" : " (names are given by fork; pid 1 is '" + options_.kernel.init_name + "')"));
  }

  /// A process that makes a call must be alive: a terminated one is bad input.
  Result<Pid> Caller(const std::string& who) const {
    auto pid = Resolve(who);
    if (!pid.ok()) return pid;
    const Pcb* pcb = table_.Find(*pid);
    if (pcb == nullptr || pcb->zombie()) {
      const std::string name = IsNumber(who) ? "pid " + who : who + " (pid " + std::to_string(*pid) + ")";
      const bool ever = history_.count(*pid) != 0;
      return BadInput(where_ + ": " + name + (ever ? " has terminated and can make no more calls" : " does not exist"));
    }
    return pid;
  }

  /// A process group: a number, or a process name meaning that process's pid.
  Result<Pid> Group(const std::string& what) const { return Resolve(what); }

  template <class T>
  void Report(const os::Expected<T>& outcome, StepResult& result) const {
    result.ok = outcome.ok();
    if (!result.ok) result.message = outcome.error().message;
  }

  Status Do(const Step& step, StepResult& result) {
    const auto& a = step.args;
    if (step.verb == "fork") {
      auto parent = Caller(a[0]);
      if (!parent.ok()) return parent.status();
      if (pid_of_.count(a[1]) != 0) return BadInput(where_ + ": there is already a process called '" + a[1] + "'");
      auto child = table_.Fork(*parent, a[1]);
      Report(child, result);
      if (child.ok()) pid_of_[a[1]] = *child;
      if (child.ok() && ForkPy()) result.message = a[0] + " forks " + a[1];
      return Status::Ok();
    }
    if (step.verb == "exit") {
      auto pid = Caller(a[0]);
      if (!pid.ok()) return pid.status();
      if (ForkPy() && *pid == os::kInitPid) {
        return BadInput(where_ + ": " + a[0] + " is the initial process (init): it cannot exit");
      }
      if (options_.leaf_only && !table_.Find(*pid)->children.empty()) {
        result.ok = false;
        result.message = ForkPy() ? a[0] + " EXITS (failed: has children)"
                                  : "exit: " + table_.Describe(*pid) + " has children, and -L lets only leaves exit";
        return Status::Ok();
      }
      const int status = a.size() > 1 ? std::stoi(a[1]) : 0;
      Report(table_.Exit(*pid, status), result);
      if (result.ok && ForkPy()) result.message = a[0] + " EXITS";
      return Status::Ok();
    }
    if (step.verb == "wait") {
      auto pid = Caller(a[0]);
      if (!pid.ok()) return pid.status();
      Pid child = 0;
      if (a.size() > 1) {
        auto resolved = Resolve(a[1]);
        if (!resolved.ok()) return resolved.status();
        child = *resolved;
      }
      Report(table_.Wait(*pid, child), result);
      return Status::Ok();
    }
    if (step.verb == "kill" || step.verb == "killpg") {
      auto target = Resolve(a[0]);
      if (!target.ok()) return target.status();
      const os::Signal signal = a.size() > 1 ? *os::ParseSignal(a[1]) : os::Signal::kSigTerm;
      if (step.verb == "kill") {
        Report(table_.Kill(*target, signal), result);
      } else {
        Report(table_.KillGroup(*target, signal), result);
      }
      return Status::Ok();
    }
    if (step.verb == "exec") {
      auto pid = Caller(a[0]);
      if (!pid.ok()) return pid.status();
      Report(table_.Exec(*pid, a[1]), result);
      return Status::Ok();
    }
    if (step.verb == "setpgid") {
      auto pid = Resolve(a[0]);
      if (!pid.ok()) return pid.status();
      auto group = Group(a[1]);
      if (!group.ok()) return group.status();
      Report(table_.SetPgid(*pid, *group), result);
      return Status::Ok();
    }
    if (step.verb == "block") {
      auto pid = Caller(a[0]);
      if (!pid.ok()) return pid.status();
      Report(table_.Block(*pid), result);
      return Status::Ok();
    }
    auto pid = Resolve(a[0]);  // wake, run, preempt: the scheduler acts on the process
    if (!pid.ok()) return pid.status();
    if (step.verb == "wake") Report(table_.Wake(*pid), result);
    if (step.verb == "run") Report(table_.Dispatch(*pid), result);
    if (step.verb == "preempt") Report(table_.Preempt(*pid), result);
    return Status::Ok();
  }

  RunOptions options_;
  os::ProcessTable table_;
  std::map<std::string, Pid> pid_of_;
  std::map<Pid, Pcb> history_;
  std::vector<os::ProcEvent> adoptions_;
  std::string where_;
};

}  // namespace

Result<ProcRun> RunSteps(const std::vector<Step>& steps, const RunOptions& options) {
  Runner runner(options);
  return runner.Run(steps);
}

}  // namespace osgrid::cli::sim::proc
