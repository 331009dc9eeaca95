// Private to `osgrid sim proc`: parsing a script of process-API calls (in
// OSTEP fork.py's -A notation or our --ops language), running it step by
// step on an os::ProcessTable, and drawing process trees.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "../topic.h"
#include "osgrid/os/proc/process_table.h"

namespace osgrid::sim::proc {

/// How the script was written.
enum class Notation {
  kForkPy,  // -A "a+b,b+c,c-": fork.py's actions (root "a", no zombies)
  kOps,     // --ops "fork init A; exit A 3; wait init": the full process API
};

/// One parsed call: a verb and its arguments, as the user wrote them.
struct Step {
  std::string text;               // "a+b" or "fork A B"
  std::string verb;               // fork exit wait kill killpg exec setpgid block wake run preempt
  std::vector<std::string> args;  // fork: parent, child; exit: proc[, status]; ...
};

/// fork.py's -A list "a+b,b+c,c-" (X+Y: X forks Y; X-: X exits). Errors
/// name the item: "-A action 3 'c-x': must be X+Y or X-".
Result<std::vector<Step>> ParseActions(const std::string& text);
/// The --ops language: ops separated by ';' or newlines, words by spaces.
/// Errors name the op: "--ops op 2 'frok A B': unknown op 'frok' (use ...)".
Result<std::vector<Step>> ParseOps(const std::string& text);

/// fork.py's -P tree styles.
enum class TreeStyle { kBasic, kLine1, kLine2, kFancy };

struct RunOptions {
  Notation notation = Notation::kOps;
  os::KernelOptions kernel;
  bool leaf_only = false;  // fork.py -L: an exit with children fails
  TreeStyle style = TreeStyle::kFancy;
};

/// What one step did.
struct StepResult {
  std::string text;                 // as written
  bool ok = false;                  // false: the call failed (like a system call returning an error)
  std::string message;              // what happened, or why it failed
  std::vector<std::string> events;  // every kernel event, state transitions included
  std::vector<std::string> said;    // the events without the state transitions
};

/// A reparenting, for the report.
struct Adoption {
  os::Pid pid = 0;
  std::string name;
  os::Pid from = 0;
  std::string from_name;
  os::Pid to = 0;
  std::string to_name;
};

/// What a run leaves behind: O(processes), whatever the length of its trace.
struct ProcRun {
  std::vector<os::Pcb> processes;  // every process ever created, by pid (reaped ones as last seen)
  std::vector<os::Pid> reaped;     // pids of the reaped ones
  std::vector<os::Pcb> zombies;    // terminated, not reaped, at the end
  std::vector<Adoption> orphans;   // every reparenting, in order
};

/// A script run step by step on a process table that starts with only init,
/// so a caller can write each step (and the tree after it) as it happens.
class ScriptRun {
 public:
  explicit ScriptRun(const RunOptions& options);
  ~ScriptRun();
  ScriptRun(const ScriptRun&) = delete;
  ScriptRun& operator=(const ScriptRun&) = delete;

  /// Runs `step`, the `index`-th (0-based) of the script, into `result`.
  /// Bad input (a label never forked, a call by a terminated process, a label
  /// forked twice) is a BAD_REQUEST naming the step; a call the kernel
  /// refuses (wait with no children: ECHILD, a call by a blocked process,
  /// kill of init) is a failed step (result.ok false), not an error.
  Status Run(const Step& step, std::size_t index, StepResult& result);
  /// The table as the steps so far left it (for drawing the tree).
  const os::ProcessTable& table() const;
  /// Every process, the zombies and the re-parentings so far.
  ProcRun Summary() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

/// Runs every step without writing anything: the check made before output.
Status CheckSteps(const std::vector<Step>& steps, const RunOptions& options);

/// Appends the tree rooted at init to `out`, one line per process, each as
/// `margin` + the line + '\n', in fork.py's layout for `style`. Nodes are
/// labelled by NodeLabel(). Iterative: any depth.
void AppendTree(std::string& out, const os::ProcessTable& table, TreeStyle style, Notation notation,
                std::string_view margin = {});
/// The same lines joined by '\n', without a margin or a last newline.
std::string TreeText(const os::ProcessTable& table, TreeStyle style, Notation notation);

/// "A (2) running", "B (3) zombie, status 3"; fork.py notation: just "a".
std::string NodeLabel(const os::Pcb& pcb, Notation notation);

/// "ready", ..., or "zombie" / "reaped" for terminated processes.
std::string StateWord(const os::Pcb& pcb, bool reaped);

}  // namespace osgrid::sim::proc
