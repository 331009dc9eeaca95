// A graded lab: what the student's code is asked, and what it must answer.
//
// A lab is a list of test cases. Each case names a class (or function) of the
// student's module and a list of steps; a step is one call with its arguments
// and, when the answer is graded, the answer the os/ reference gave. Cases are
// open-loop: the calls are those the reference run made (the simulator's loop
// stays in the grader), so a student's object sees exactly the calls the
// os/ library's own policy saw, and the first answer that differs is the
// first place the student's run would diverge. The same case, written as
// JSON (CaseToJson), is what a lab's visible tests hold and what check.py
// replays with nothing but Python.
//
// Hidden cases come from a seed (HiddenCases(seed)): each term draws new ones,
// and their expected answers exist only in the grader's memory. A hidden case
// is reported as passed or failed with the kind of mistake (Mismatch::kind),
// never with the expected values.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace osgrid::grade {

/// One call to the student's object: `target.call(*args)`, or for a function
/// case `call(*args)`.
struct Step {
  std::string call;                               // method (or function) name: "pick_next", "malloc"
  nlohmann::json args = nlohmann::json::array();  // positional arguments, a JSON array
  std::optional<nlohmann::json> expect;           // the reference's answer; absent = the reply is not graded
  std::string check = "equal";                    // how Lab::Check compares: "equal" or a lab's own name
  std::string where;                              // where we are, for people: "t=12", "op 7: malloc(5)"
  /// For Lab::Check, and for people when expected values may be shown: the
  /// ready queue at a pick, the free list before a malloc. Never sent to the
  /// student's process; written into a visible case's JSON, for check.py.
  nlohmann::json context;
};

/// One test: a fresh student process, one object, the steps in order.
struct Case {
  std::string name;    // stable across regrades and seeds: "SJF: hidden 3"
  std::string target;  // the class (or function) in the student's module: "SJF"
  /// Keyword arguments for the class's constructor; null = `target` is a
  /// function module and the steps call module-level functions.
  nlohmann::json init = nlohmann::json::object();
  std::vector<Step> steps;
  double max_score = 1;
  bool hidden = false;
  std::vector<std::string> tags;  // Gradescope tags: the policy, the topic
  std::string about;              // one line on the input: "5 jobs, arrivals 0..12, quantum 2"
  /// What the reference run produced as a whole (a timeline, metrics, final
  /// free list), shown with a visible case's failure and by --explain; never
  /// for a hidden case.
  nlohmann::json reference = nlohmann::json::object();
};

/// Why a reply is wrong. `kind` may be shown for a hidden case; `detail`
/// (expected against got) only for a visible one or with --explain.
struct Mismatch {
  std::string kind;    // "wrong task picked", "not a valid safe sequence"
  std::string detail;  // "expected 2 (burst 3), got 4 (burst 5)"
};

class Lab {
 public:
  virtual ~Lab() = default;
  /// The folder under labs/ and the name on the command line: "01-cpu-scheduling".
  virtual std::string_view id() const = 0;
  /// One line: "CPU scheduling: SJF, SRTF and round robin".
  virtual std::string_view title() const = 0;
  /// Bumped whenever cases or scoring change (pinned in a Gradescope bundle).
  virtual int version() const = 0;
  /// The file students submit: "policy.py".
  virtual std::string_view module_file() const = 0;
  /// The names the module must define (classes or functions), checked first.
  virtual std::vector<std::string> required_names() const = 0;
  /// The visible tests, the same on every call (labs/<id>/tests/visible/*.json).
  virtual std::vector<Case> VisibleCases() const = 0;
  /// The hidden tests for `seed`: the same names for every seed, new inputs.
  virtual std::vector<Case> HiddenCases(std::uint64_t seed) const = 0;
  /// Compares a reply with step.expect; nullopt = correct. The default knows
  /// "equal" (JSON equality); a lab overrides it for its own checks (any valid
  /// safe sequence, a task named by id) and to name the kind of mistake.
  virtual std::optional<Mismatch> Check(const Case& test, std::size_t step, const nlohmann::json& got) const;
  /// A live lab (lab 05) runs each case as a program on a real cluster
  /// (grader.h: LiveRunner), not call by call in a sandboxed process: this
  /// is the grader's driver, Python appended to the student's module, whose
  /// function step 0 names. Its answer is what the run observed, which Check
  /// reads. Empty (the default): an open-loop lab.
  virtual std::string LiveDriver() const { return {}; }
};

/// Every lab, in order.
const std::vector<std::unique_ptr<Lab>>& AllLabs();
/// The lab whose id is `id` or starts with `id` followed by '-' ("01", "01-cpu-scheduling"); nullptr if none.
const Lab* FindLab(std::string_view id);

/// A case as JSON (the visible tests' file format; docs in labs/README.md):
/// {"name", "target", "init", "max_score", "tags", "about", "reference",
///  "steps": [{"call", "args", "expect"?, "check"?, "where"?}]}.
nlohmann::json CaseToJson(const Case& test);

}  // namespace osgrid::grade
