// `osgrid sim proc`: scripts of process-API calls on an os::ProcessTable.
#include "proc_sim.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <memory>
#include <sstream>

namespace osgrid::sim::proc {
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
  std::string_view tee, elbow, pipe;  // "├── ", "└── ", "│   "
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

void AppendLabel(std::string& out, const Pcb& pcb, Notation notation) {
  if (notation == Notation::kForkPy && !pcb.zombie()) {
    out += pcb.name;
  } else {
    out += NodeLabel(pcb, notation);
  }
}

}  // namespace

// fork.py's walk(): a node, then its children; the last child gets the elbow
// and no vertical bar continues below it. Depth first with an explicit stack;
// `prefix` holds the bars and spaces of the open levels.
void AppendTree(std::string& out, const os::ProcessTable& table, TreeStyle style, Notation notation,
                std::string_view margin) {
  struct Frame {
    Pid pid;
    int level;
    bool last;                // the last child of its parent
    std::size_t prefix_size;  // its parent's part of `prefix`
  };
  const Branches b = BranchesFor(style);
  std::string prefix;
  std::vector<Frame> stack = {{os::kInitPid, 0, false, 0}};
  while (!stack.empty()) {
    const Frame f = stack.back();
    stack.pop_back();
    prefix.resize(f.prefix_size);
    const Pcb& pcb = *table.Find(f.pid);
    out += margin;
    if (style == TreeStyle::kBasic) {  // '   ' per level, then '%2s' % name
      out.append(static_cast<std::size_t>(3 * f.level), ' ');
      const std::size_t start = out.size();
      AppendLabel(out, pcb, notation);
      if (out.size() - start < 2) out.insert(start, 2 - (out.size() - start), ' ');
    } else {
      if (f.level > 0) {
        out += prefix;
        out += f.last ? b.elbow : b.tee;
        prefix += f.last ? std::string_view("    ") : b.pipe;
      }
      AppendLabel(out, pcb, notation);
    }
    out += '\n';
    const std::size_t size = prefix.size();
    for (std::size_t i = pcb.children.size(); i-- > 0;) {
      stack.push_back({pcb.children[i], f.level + 1, i + 1 == pcb.children.size(), size});
    }
  }
}

std::string TreeText(const os::ProcessTable& table, TreeStyle style, Notation notation) {
  std::string text;
  AppendTree(text, table, style, notation);
  if (!text.empty()) text.pop_back();
  return text;
}

// ---- Running --------------------------------------------------------------------------

class ScriptRun::Impl {
 public:
  explicit Impl(const RunOptions& options) : options_(options), table_(options.kernel) {
    pid_of_[options.kernel.init_name] = os::kInitPid;
    name_of_[os::kInitPid] = options.kernel.init_name;
  }

  Status Run(const Step& step, std::size_t index, StepResult& result) {
    where_ = (options_.notation == Notation::kForkPy ? "-A action " : "--ops op ") + std::to_string(index + 1) + " '" +
             step.text + "'";
    table_.ForgetEvents();  // this step's events only: memory does not grow with the run
    result = StepResult{};
    result.text = step.text;
    Status status = Do(step, result);
    if (!status.ok()) return status;
    for (const os::ProcEvent& event : table_.events()) {
      result.events.push_back(event.text);
      if (event.kind != os::EventKind::kTransition) result.said.push_back(event.text);
      if (event.kind == os::EventKind::kReparented) adoptions_.push_back(event);
    }
    if (result.ok && result.message.empty()) result.message = Join(result.said, "; ");
    return Status::Ok();
  }

  const os::ProcessTable& table() const { return table_; }

  ProcRun Summary() const {
    ProcRun run;
    for (const auto& [pid, pcb] : table_.table()) run.processes.push_back(pcb);
    for (const Pcb& pcb : table_.reaped()) {
      run.processes.push_back(pcb);
      run.reaped.push_back(pcb.pid);
    }
    std::sort(run.processes.begin(), run.processes.end(), [](const Pcb& a, const Pcb& b) { return a.pid < b.pid; });
    for (const auto& [pid, pcb] : table_.table()) {
      if (pcb.zombie()) run.zombies.push_back(pcb);
    }
    for (const os::ProcEvent& e : adoptions_) {
      run.orphans.push_back({e.pid, Name(e.pid), e.previous, Name(e.previous), e.related, Name(e.related)});
    }
    return run;
  }

 private:
  std::string Name(Pid pid) const {
    auto it = name_of_.find(pid);
    return it == name_of_.end() ? "" : it->second;
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
      const bool ever = name_of_.count(*pid) != 0;
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
      if (child.ok()) {
        pid_of_[a[1]] = *child;
        name_of_[*child] = a[1];
      }
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
  std::map<Pid, std::string> name_of_;  // every process ever created
  std::vector<os::ProcEvent> adoptions_;
  std::string where_;
};

ScriptRun::ScriptRun(const RunOptions& options) : impl_(std::make_unique<Impl>(options)) {}
ScriptRun::~ScriptRun() = default;
Status ScriptRun::Run(const Step& step, std::size_t index, StepResult& result) {
  return impl_->Run(step, index, result);
}
const os::ProcessTable& ScriptRun::table() const { return impl_->table(); }
ProcRun ScriptRun::Summary() const { return impl_->Summary(); }

Status CheckSteps(const std::vector<Step>& steps, const RunOptions& options) {
  ScriptRun run(options);
  StepResult result;
  for (std::size_t i = 0; i < steps.size(); ++i) {
    Status status = run.Run(steps[i], i, result);
    if (!status.ok()) return status;
  }
  return Status::Ok();
}

}  // namespace osgrid::sim::proc
