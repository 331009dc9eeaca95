// The grader: runs a lab's test cases against a submission and scores them.
//
// Each case runs in its own sandboxed process (student_process.h). Scoring,
// per case:
//   - every graded answer equals the reference's (Lab::Check): full marks;
//   - the first wrong answer at graded step k of n: partial credit,
//     max_score * (k - 1) / n (the part of the run that matched; the
//     student's state differs from the reference's after it);
//   - an exception, a missing method, a timeout, a crash, or (hidden cases,
//     which run twice with different PYTHONHASHSEED) different answers on the
//     two runs: zero, with the reason.
// A hidden case's output gives the step and the kind of mistake, never the
// expected values; a visible case's, or any case's with `explain`, gives both.
// Problems a student must fix before anything can pass (a missing file or
// class, a wrong signature, a syntax error) are gathered once into
// GradeReport::output.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "osgrid/grade/lab.h"
#include "osgrid/grade/student_process.h"

namespace osgrid::grade {

struct GradeOptions {
  bool hidden = true;             // false: the visible tests only (`osgrid lab test`)
  std::uint64_t hidden_seed = 0;  // draws the hidden cases
  std::string only;               // run just the test of this name ("" = all)
  bool explain = false;           // hidden cases too show expected values
  bool check_determinism = true;  // run each hidden case twice
  unsigned jobs = 0;              // cases run side by side; 0 = one per core
  SandboxOptions sandbox;
};

struct TestResult {
  std::string name;
  double score = 0;
  double max_score = 0;
  bool hidden = false;
  std::vector<std::string> tags;
  std::string mistake;  // the kind of mistake ("" when passed): "wrong task picked", "timeout", "exception"
  std::string output;   // for people: what went wrong, and what the code printed
  double seconds = 0;   // wall time of its process(es)
  bool passed() const { return score >= max_score && mistake.empty(); }
};

struct GradeReport {
  std::string lab;  // the lab's id
  int lab_version = 0;
  std::vector<TestResult> tests;
  std::string output;   // the top-level message: the score, and what to fix first
  double seconds = 0;   // the whole grading, wall time
  std::string sandbox;  // how the student's code was isolated, e.g. "a user of its own (uid 61028), rlimits, ..."
  double score() const;
  double max_score() const;
};

/// Runs a live lab's cases (Lab::LiveDriver) on a cluster of real processes
/// that it starts and stops: made once per Grade() by the factory a front
/// end registers. Cases run one after another.
class LiveRunner {
 public:
  virtual ~LiveRunner() = default;
  /// Runs `test`: kAnswered with one answer (what the run observed) per
  /// step, kError when the student's code raised, kTimeout when it did not
  /// end in time (a deadlock, a lost wake-up).
  virtual CaseRun Run(const Case& test) = 0;
  /// How the student's code is isolated there, for the report's last line.
  virtual std::string Sandbox() const { return ""; }
  /// Why this runner cannot grade any more (its cluster failed, not the
  /// student's code), or "". Grade() then fails with it instead of scoring:
  /// no student gets 0 for the grader's own trouble.
  virtual std::string Broken() const { return ""; }
};
/// `program`: the student's module text with the lab's driver appended.
using LiveRunnerFactory = std::function<os::Expected<std::unique_ptr<LiveRunner>>(
    const Lab& lab, const std::string& program, const GradeOptions& options)>;
/// Registers how live labs run: the `osgrid` command does at start-up
/// (cli/src/live_lab.cpp: a tracker and 2 peers on loopback). Without one
/// (osgrid-grade, which cannot start a cluster), Grade() refuses a live lab
/// with a message that says so.
void SetLiveRunnerFactory(LiveRunnerFactory factory);
/// Whether this program can run live labs (SetLiveRunnerFactory was called).
bool HasLiveRunner();

/// The start of Grade()'s error when a live lab's cluster failed (not the
/// student's code): the front ends report it as the grader's failure (exit 1),
/// not as bad usage.
inline constexpr std::string_view kClusterFailed = "the grader could not run its cluster";

/// Grades the submission in `submission_dir` (the folder holding the lab's
/// module_file). Never throws; problems with the submission are results, not
/// errors. Errors: the folder cannot be read or copied, or `only` names no
/// test; for a live lab, its cluster could not start or failed
/// (kClusterFailed, LiveRunner::Broken).
os::Expected<GradeReport> Grade(const Lab& lab, const std::string& submission_dir, const GradeOptions& options);

/// Gradescope's results.json (https://gradescope-autograders.readthedocs.io/en/latest/specs/):
/// {score, execution_time, output, visibility, stdout_visibility, extra_data, tests: [{name, number, score,
/// max_score, status, output, tags, visibility}]}. Hidden cases get `hidden_visibility` ("visible" shows
/// their pass/fail and kind of mistake at once; "after_due_date" or "after_published" holds them back).
nlohmann::json GradescopeResults(const GradeReport& report, const std::string& hidden_visibility = "visible");

/// Writes `results` to `path` atomically (a temporary file, then rename), so
/// a reader never sees half a file. Errors: the folder is not writable.
os::Expected<bool> WriteResults(const nlohmann::json& results, const std::string& path);

}  // namespace osgrid::grade
