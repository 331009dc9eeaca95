// The grader's engine: cases in, scores out (grader.h explains the scoring).
#include "osgrid/grade/grader.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

namespace osgrid::grade {
namespace {

using Clock = std::chrono::steady_clock;

// Host errors that mean "fix this before anything can pass": said once, at the top.
bool IsSetupError(const std::string& kind) {
  return kind == "missing-file" || kind == "syntax" || kind == "import" || kind == "missing-name" ||
         kind == "signature";
}

std::string Describe(const Step& step) {
  std::string args = step.args.dump();
  if (args.size() > 120) args = args.substr(0, 117) + "...";
  if (args.size() >= 2) args = args.substr(1, args.size() - 2);  // [a, b] -> a, b
  return step.call + "(" + args + ")";
}

std::size_t GradedSteps(const Case& test) {
  std::size_t graded = 0;
  for (const auto& step : test.steps) graded += step.expect.has_value();
  return graded;
}

std::string Printed(const CaseRun& run) {
  if (run.output.empty()) return "";
  return "\nWhat your code printed:\n" + run.output;
}

// The first answer that differs between two runs of the same case, or npos.
std::size_t FirstDifference(const CaseRun& a, const CaseRun& b) {
  std::size_t n = std::min(a.answers.size(), b.answers.size());
  for (std::size_t i = 0; i < n; ++i) {
    if (a.answers[i] != b.answers[i]) return i;
  }
  return std::string::npos;
}

double Round(double score) { return std::round(score * 100) / 100; }

struct Scored {
  TestResult result;
  std::string setup_problem;  // for the report's top-level output
};

Scored Score(const Lab& lab, const Case& test, const CaseRun& run, bool explain) {
  Scored scored;
  TestResult& result = scored.result;
  result.name = test.name;
  result.max_score = test.max_score;
  result.hidden = test.hidden;
  result.tags = test.tags;
  result.seconds = run.seconds;
  const bool show_expected = !test.hidden || explain;
  const std::size_t graded = GradedSteps(test);
  std::size_t graded_ok = 0;
  std::ostringstream out;
  if (!test.about.empty()) out << test.about << "\n";

  // Check every answer we have, in order, up to the first wrong one.
  for (std::size_t i = 0; i < run.answers.size() && i < test.steps.size(); ++i) {
    const Step& step = test.steps[i];
    if (!step.expect) continue;
    auto mismatch = lab.Check(test, i, run.answers[i]);
    if (!mismatch) {
      ++graded_ok;
      continue;
    }
    result.mistake = mismatch->kind;
    result.score =
        graded == 0 ? 0 : Round(test.max_score * static_cast<double>(graded_ok) / static_cast<double>(graded));
    out << "Step " << i + 1 << " of " << test.steps.size();
    if (!step.where.empty()) out << " (" << step.where << ")";
    out << ": " << Describe(step) << ": " << mismatch->kind;
    if (show_expected) {
      out << ": " << mismatch->detail;
      if (!test.reference.empty()) out << "\nThe reference run: " << test.reference.dump();
    }
    if (graded > 1) out << "\n" << graded_ok << " of " << graded << " graded answers were right before it.";
    result.output = out.str() + Printed(run);
    return scored;
  }

  switch (run.end) {
    case CaseRun::End::kAnswered:
      result.score = test.max_score;
      result.output = out.str() + "Passed: all " + std::to_string(graded) + " graded answers match." + Printed(run);
      return scored;
    case CaseRun::End::kError: {
      const HostError& error = *run.error;
      result.mistake = IsSetupError(error.kind) ? error.kind : "exception";
      if (IsSetupError(error.kind)) scored.setup_problem = error.message;
      std::size_t step = run.answers.size();
      if (run.loaded && step < test.steps.size()) {
        out << "Step " << step + 1 << " of " << test.steps.size();
        if (!test.steps[step].where.empty()) out << " (" << test.steps[step].where << ")";
        out << ": " << Describe(test.steps[step]) << ": ";
      }
      result.output = out.str() + error.message + Printed(run);
      return scored;
    }
    case CaseRun::End::kTimeout:
    case CaseRun::End::kCrashed: {
      result.mistake = run.end == CaseRun::End::kTimeout ? "timeout" : "crash";
      std::size_t step = run.answers.size();
      out << "Your code " << run.why;
      if (run.loaded && step < test.steps.size()) {
        out << " at step " << step + 1 << " of " << test.steps.size() << " (" << Describe(test.steps[step]) << ")";
      } else if (!run.loaded) {
        out << " before its module was loaded";
      }
      result.output = out.str() + "." + Printed(run);
      return scored;
    }
  }
  return scored;
}

// Runs one case (twice for a hidden one, to check determinism) and scores it.
Scored RunCase(const Lab& lab, const Case& test, const StudentRunner& runner, const GradeOptions& options) {
  CaseRun run = runner.Run(test, test.hidden ? 1 : 0);
  Scored scored = Score(lab, test, run, options.explain);
  if (!test.hidden || !options.check_determinism || run.end != CaseRun::End::kAnswered) return scored;
  CaseRun again = runner.Run(test, 2);
  const double seconds = run.seconds + again.seconds;
  std::size_t differs = FirstDifference(run, again);
  if (differs == std::string::npos) {
    // The same answers as far as both went; a second run that did not finish
    // (a timeout, a crash) is scored as what it is.
    if (again.end != CaseRun::End::kAnswered) scored = Score(lab, test, again, options.explain);
    scored.result.seconds = seconds;
    return scored;
  }
  scored.result.score = 0;
  scored.result.seconds = seconds;
  scored.result.mistake = "non-deterministic";
  scored.result.output = "Two runs of the same calls (PYTHONHASHSEED 1 and 2) gave different answers at step " +
                         std::to_string(differs + 1) + " (" + Describe(test.steps[differs]) +
                         "). Iterating over a set, or over a dict filled in another order, is the usual cause: "
                         "break ties explicitly, as the handout says.";
  return scored;
}

LiveRunnerFactory& LiveFactory() {
  static LiveRunnerFactory factory;
  return factory;
}

// A live lab's cases, one after another on one cluster; nullopt when the
// submission has no module (every case then fails as missing-file).
std::vector<Scored> RunLive(const Lab& lab, const std::vector<Case>& cases, const std::string& module_text,
                            bool has_module, const GradeOptions& options, std::string& problem, std::string& sandbox) {
  std::vector<Scored> scored;
  auto fail_all = [&](const std::string& kind, const std::string& message) {
    for (const Case& test : cases) {
      CaseRun run;
      run.end = CaseRun::End::kError;
      run.error = HostError{kind, message, std::nullopt};
      scored.push_back(Score(lab, test, run, options.explain));
    }
  };
  if (!has_module) {
    fail_all("missing-file", "the submission has no " + std::string(lab.module_file()));
    return scored;
  }
  auto runner = LiveFactory()(lab, module_text + "\n\n" + lab.LiveDriver(), options);
  if (!runner) {
    problem = std::string(kClusterFailed) + ": " + runner.error().message;
    return scored;
  }
  sandbox = (*runner)->Sandbox();
  for (const Case& test : cases) {
    CaseRun run = (*runner)->Run(test);
    if (std::string broken = (*runner)->Broken(); !broken.empty()) {
      problem = std::string(kClusterFailed) + ", so lab " + std::string(lab.id()) + " cannot be graded here: " + broken;
      return scored;
    }
    scored.push_back(Score(lab, test, run, options.explain));
  }
  return scored;
}

}  // namespace

void SetLiveRunnerFactory(LiveRunnerFactory factory) { LiveFactory() = std::move(factory); }

bool HasLiveRunner() { return static_cast<bool>(LiveFactory()); }

double GradeReport::score() const {
  double total = 0;
  for (const auto& test : tests) total += test.score;
  return Round(total);
}

double GradeReport::max_score() const {
  double total = 0;
  for (const auto& test : tests) total += test.max_score;
  return Round(total);
}

os::Expected<GradeReport> Grade(const Lab& lab, const std::string& submission_dir, const GradeOptions& options) {
  const auto started = Clock::now();
  std::vector<Case> cases = lab.VisibleCases();
  if (options.hidden) {
    auto hidden = lab.HiddenCases(options.hidden_seed);
    cases.insert(cases.end(), std::make_move_iterator(hidden.begin()), std::make_move_iterator(hidden.end()));
  }
  if (!options.only.empty()) {
    std::erase_if(cases, [&](const Case& test) { return test.name != options.only; });
    if (cases.empty())
      return os::Fail("no test is named \"" + options.only + "\" (osgrid lab list " + std::string(lab.id()) +
                      " --tests lists them)");
  }
  auto runner = StudentRunner::Prepare(submission_dir, std::string(lab.module_file()), options.sandbox);
  if (!runner) return runner.error();

  std::vector<Scored> scored(cases.size());
  std::string live_sandbox;  // a live lab's: the peers' task sandbox
  if (!lab.LiveDriver().empty()) {
    if (!LiveFactory())
      return os::Fail("lab " + std::string(lab.id()) +
                      " is graded on a live cluster (a tracker and peers on loopback), which this program cannot "
                      "start: grade it with `osgrid lab grade` (labs/README.md)");
    std::string text, problem;
    if (runner->has_module()) {
      std::ifstream file(std::filesystem::path(submission_dir) / lab.module_file());
      std::stringstream read;
      read << file.rdbuf();
      text = read.str();
    }
    scored = RunLive(lab, cases, text, runner->has_module(), options, problem, live_sandbox);
    if (!problem.empty()) return os::Fail(problem);
  }
  // One process per case; cases run side by side, one per core.
  std::atomic<std::size_t> next{0};
  auto work = [&] {
    if (!lab.LiveDriver().empty()) return;
    for (std::size_t i; (i = next.fetch_add(1)) < cases.size();) {
      scored[i] = RunCase(lab, cases[i], *runner, options);
    }
  };
  const std::size_t workers =
      std::clamp<std::size_t>(options.jobs > 0 ? options.jobs : std::thread::hardware_concurrency(), 1, cases.size());
  std::vector<std::thread> threads;
  for (std::size_t w = 1; w < workers; ++w) threads.emplace_back(work);
  work();
  for (auto& thread : threads) thread.join();

  GradeReport report;
  report.lab = lab.id();
  report.lab_version = lab.version();
  std::vector<std::string> setup_problems;
  for (Scored& each : scored) {
    if (!each.setup_problem.empty() &&
        std::find(setup_problems.begin(), setup_problems.end(), each.setup_problem) == setup_problems.end()) {
      setup_problems.push_back(each.setup_problem);
    }
    report.tests.push_back(std::move(each.result));
  }

  std::ostringstream out;
  out << lab.title() << " (lab " << lab.id() << ", version " << lab.version() << "): " << report.score() << " of "
      << report.max_score() << " points.\n";
  if (!runner->has_module()) {
    out << "\nWhat to fix first: the submission has no " << lab.module_file()
        << ". Upload that file (its name matters), not a folder of other files.\n";
  } else if (!setup_problems.empty()) {
    out << "\nWhat to fix first (no test can pass until it is fixed):\n";
    for (const auto& problem : setup_problems) out << "  - " << problem << "\n";
  }
  report.output = out.str();
  report.seconds = std::chrono::duration<double>(Clock::now() - started).count();
  report.sandbox = lab.LiveDriver().empty() ? StudentRunner::Layers() : live_sandbox;
  return report;
}

nlohmann::json GradescopeResults(const GradeReport& report, const std::string& hidden_visibility) {
  nlohmann::json tests = nlohmann::json::array();
  for (std::size_t i = 0; i < report.tests.size(); ++i) {
    const TestResult& test = report.tests[i];
    std::string output = test.output;
    if (output.size() > 8000) output = output.substr(0, 7990) + "\n[...]";
    tests.push_back({{"name", test.name},
                     {"number", std::to_string(i + 1)},
                     {"score", test.score},
                     {"max_score", test.max_score},
                     {"status", test.passed() ? "passed" : "failed"},
                     {"output", output},
                     {"tags", test.tags},
                     {"visibility", test.hidden ? hidden_visibility : "visible"}});
  }
  return {{"score", report.score()},
          {"execution_time", std::llround(std::ceil(report.seconds))},
          {"output", report.output},
          {"visibility", "visible"},
          {"stdout_visibility", "hidden"},
          {"extra_data", {{"lab", report.lab}, {"lab_version", report.lab_version}}},
          {"tests", tests}};
}

os::Expected<bool> WriteResults(const nlohmann::json& results, const std::string& path) {
  namespace fs = std::filesystem;
  fs::path target(path);
  fs::path temporary = target;
  temporary += ".partial";
  {
    std::ofstream file(temporary, std::ios::trunc);
    if (!file) return os::Fail("cannot write " + temporary.string());
    file << results.dump(2) << "\n";
    if (!file.flush()) return os::Fail("cannot write " + temporary.string());
  }
  std::error_code error;
  fs::rename(temporary, target, error);
  if (error) return os::Fail("cannot write " + path + ": " + error.message());
  return true;
}

}  // namespace osgrid::grade
