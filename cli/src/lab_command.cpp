// `osgrid lab`: the graded labs (labs/README.md). list, test (students: the
// visible tests), grade (the autograder: visible and hidden, results.json),
// export (writes a lab's visible tests for check.py).
#include "lab_command.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "osgrid/grade/grader.h"
#include "osgrid/grade/lab.h"

namespace osgrid::cli {
namespace {

namespace fs = std::filesystem;

constexpr int kOk = 0;
constexpr int kFailed = 1;
constexpr int kUsage = 2;

struct LabOptions {
  std::string lab;
  std::string dir;
  std::string results;
  std::string only;
  std::string filter;
  std::string hidden_seed;
  std::string hidden_seed_file;
  std::string hidden_visibility = "visible";
  std::string labs_dir = OSGRID_LABS_DIR;
  std::string out;
  bool tests = false;
  bool explain = false;
  bool reference = false;
  bool json = false;
  int timeout_ms = 10000;
};

int Usage(const std::string& message) {
  std::cerr << "osgrid: BAD_REQUEST: " << message << "\n";
  return kUsage;
}

const grade::Lab* Find(const std::string& id) {
  const grade::Lab* lab = grade::FindLab(id);
  if (lab == nullptr) {
    std::string names;
    for (const auto& each : grade::AllLabs()) names += (names.empty() ? "" : ", ") + std::string(each->id());
    std::cerr << "osgrid: BAD_REQUEST: no lab is called '" << id << "'; the labs are: " << names << "\n";
  }
  return lab;
}

std::string Indent(const std::string& text, const std::string& prefix) {
  std::string out;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) out += prefix + line + "\n";
  return out;
}

std::string Points(double score) {
  std::ostringstream out;
  out << std::setprecision(4) << score;
  return out.str();
}

int List(const LabOptions& o) {
  if (o.lab.empty()) {
    for (const auto& lab : grade::AllLabs()) {
      std::cout << std::left << std::setw(26) << lab->id() << lab->title() << "  (submit " << lab->module_file()
                << ")\n";
    }
    std::cout << "\nRead a lab's handout: " << o.labs_dir
              << "/<lab>/README.md. Test your code: osgrid lab test LAB DIR\n";
    return kOk;
  }
  const grade::Lab* lab = Find(o.lab);
  if (lab == nullptr) return kUsage;
  std::cout << lab->id() << ": " << lab->title() << " (version " << lab->version() << ", submit " << lab->module_file()
            << ")\n";
  if (!o.tests) return kOk;
  for (const auto& test : lab->VisibleCases()) std::cout << "  visible  " << test.name << "\n";
  for (const auto& test : lab->HiddenCases(0)) std::cout << "  hidden   " << test.name << "\n";
  return kOk;
}

// Where the seed comes from: --hidden-seed, --hidden-seed-file (the bundle's
// way: a root-only file, so it is never on a command line another user can
// read in /proc), or OSGRID_HIDDEN_SEED.
std::optional<std::uint64_t> HiddenSeed(const LabOptions& o, std::string& problem) {
  std::string text = o.hidden_seed;
  if (!o.hidden_seed_file.empty()) {
    std::ifstream file(o.hidden_seed_file);
    if (!(file >> text)) {
      problem = "cannot read a seed from " + o.hidden_seed_file;
      return std::nullopt;
    }
  }
  if (text.empty() && std::getenv("OSGRID_HIDDEN_SEED") != nullptr) text = std::getenv("OSGRID_HIDDEN_SEED");
  if (text.empty()) {
    problem = "grading needs a hidden seed: --hidden-seed N, --hidden-seed-file FILE or OSGRID_HIDDEN_SEED";
    return std::nullopt;
  }
  char* end = nullptr;
  errno = 0;
  unsigned long long seed = std::strtoull(text.c_str(), &end, 10);
  if (errno != 0 || end == text.c_str() || *end != '\0' || text[0] == '-') {
    problem = "the hidden seed must be a non-negative integer, got '" + text + "'";
    return std::nullopt;
  }
  return seed;
}

void PrintReport(const grade::GradeReport& report, bool verbose_passes) {
  std::size_t passed = 0;
  for (const auto& test : report.tests) {
    if (test.passed()) {
      ++passed;
      std::cout << "ok    " << test.name << "\n";
      if (verbose_passes) std::cout << Indent(test.output, "      ");
      continue;
    }
    std::cout << "FAIL  " << test.name << "  (" << Points(test.score) << " of " << Points(test.max_score) << ": "
              << test.mistake << ")\n"
              << Indent(test.output, "      ");
  }
  std::cout << "\n" << passed << " of " << report.tests.size() << " tests passed. " << report.output;
}

int Test(const LabOptions& o) {
  const grade::Lab* lab = Find(o.lab);
  if (lab == nullptr) return kUsage;
  grade::GradeOptions options;
  options.hidden = false;
  options.sandbox.timeout = std::chrono::milliseconds(o.timeout_ms);
  auto report = grade::Grade(*lab, o.dir, options);
  if (!report) return Usage(report.error().message);
  if (!o.filter.empty()) {
    std::erase_if(report->tests,
                  [&](const grade::TestResult& t) { return t.name.find(o.filter) == std::string::npos; });
  }
  PrintReport(*report, false);
  for (const auto& test : report->tests) {
    if (!test.passed()) return kFailed;
  }
  return kOk;
}

int GradeCommand(const LabOptions& o) {
  const grade::Lab* lab = Find(o.lab);
  if (lab == nullptr) return kUsage;
  std::string problem;
  auto seed = HiddenSeed(o, problem);
  if (!seed) return Usage(problem);
  std::string dir = o.dir;
  if (o.reference) {
    if (!dir.empty()) return Usage("--reference grades the shipped reference solution: give no DIR");
    dir = o.labs_dir + "/" + std::string(lab->id()) + "/reference";
  } else if (dir.empty()) {
    return Usage("give the submission's folder (DIR), or --reference");
  }
  grade::GradeOptions options;
  options.hidden_seed = *seed;
  options.only = o.only;
  options.explain = o.explain;
  options.sandbox.timeout = std::chrono::milliseconds(o.timeout_ms);
  if (o.explain && o.only.empty())
    return Usage("--explain shows a hidden test's expected values: name it with --only TEST");
  auto report = grade::Grade(*lab, dir, options);
  if (!report) return Usage(report.error().message);
  nlohmann::json results = grade::GradescopeResults(*report, o.hidden_visibility);
  if (!o.results.empty()) {
    auto written = grade::WriteResults(results, o.results);
    if (!written) {
      std::cerr << "osgrid: IO: " << written.error().message << "\n";
      return kFailed;
    }
  }
  if (o.json) {
    std::cout << results.dump(2) << "\n";
  } else {
    PrintReport(*report, o.explain);
    std::cout << "Graded in " << std::fixed << std::setprecision(1) << report->seconds << " s"
              << (o.results.empty() ? "" : "; results in " + o.results)
              << ". Sandbox: " << grade::StudentRunner::Layers() << ".\n";
  }
  return kOk;
}

int Export(const LabOptions& o) {
  const grade::Lab* lab = Find(o.lab);
  if (lab == nullptr) return kUsage;
  std::string out = o.out.empty() ? o.labs_dir + "/" + std::string(lab->id()) + "/tests/visible" : o.out;
  std::error_code error;
  fs::create_directories(out, error);
  nlohmann::json tests = nlohmann::json::array();
  for (const auto& test : lab->VisibleCases()) tests.push_back(grade::CaseToJson(test));
  nlohmann::json file = {
      {"lab", lab->id()}, {"version", lab->version()}, {"module", lab->module_file()}, {"tests", tests}};
  std::string path = out + "/" + std::string(lab->id()) + ".json";
  std::ofstream stream(path, std::ios::trunc);
  stream << file.dump(1) << "\n";
  if (!stream.flush()) {
    std::cerr << "osgrid: IO: cannot write " << path << "\n";
    return kFailed;
  }
  std::cout << "wrote " << tests.size() << " visible tests to " << path << "\n";
  return kOk;
}

}  // namespace

std::pair<CLI::App*, std::function<int()>> AddLabCommand(CLI::App& app) {
  auto o = std::make_shared<LabOptions>();
  auto* lab = app.add_subcommand("lab", "Graded labs: list them, test your code, grade submissions (labs/README.md)");
  lab->require_subcommand(1);

  auto* list = lab->add_subcommand("list", "List the labs, or one lab's tests");
  list->add_option("LAB", o->lab, "A lab: its number or full name (01, 01-cpu-scheduling)");
  list->add_flag("--tests", o->tests, "Also list the lab's test names (visible and hidden)");

  auto* test = lab->add_subcommand("test", "Run a lab's visible tests against your code, with what differs");
  test->add_option("LAB", o->lab, "The lab: 01, 01-cpu-scheduling, ...")->required();
  test->add_option("DIR", o->dir, "The folder that holds your file (policy.py, ...)")->required();
  test->add_option("-k", o->filter, "Only the tests whose name contains TEXT")->type_name("TEXT");
  test->add_option("--timeout", o->timeout_ms, "Wall-clock limit per test, ms (default 10000; the CPU limit is 2 s)")
      ->type_name("MS");
  test->footer(
      "Example: osgrid lab test 01 labs/01-cpu-scheduling/starter\nExit status: 0 all passed, 1 some failed, 2 bad "
      "usage.");

  auto* grade = lab->add_subcommand("grade", "Grade a submission: visible and hidden tests, Gradescope results.json");
  grade->add_option("LAB", o->lab, "The lab: 01, 01-cpu-scheduling, ...")->required();
  grade->add_option("DIR", o->dir, "The submission's folder (on Gradescope: /autograder/submission)");
  grade->add_option("--results", o->results, "Write Gradescope's results.json here")->type_name("FILE");
  grade->add_option("--hidden-seed", o->hidden_seed, "Draws the hidden tests (a new seed each term)")->type_name("N");
  grade
      ->add_option("--hidden-seed-file", o->hidden_seed_file,
                   "Read the seed from FILE (keep it mode 0600: not on a command line students' code could read)")
      ->type_name("FILE");
  grade->add_option("--only", o->only, "Run only the test named TEST (osgrid lab list LAB --tests)")->type_name("TEST");
  grade->add_flag("--explain", o->explain, "With --only: show the expected values, also of a hidden test (for TAs)");
  grade->add_flag("--reference", o->reference, "Grade the lab's shipped reference solution (it must score 100%)");
  grade
      ->add_option("--hidden-visibility", o->hidden_visibility,
                   "Gradescope visibility of hidden tests: visible (pass/fail and the kind of mistake, at once), "
                   "after_due_date, after_published or hidden")
      ->check(CLI::IsMember({"visible", "hidden", "after_due_date", "after_published"}));
  grade->add_option("--timeout", o->timeout_ms, "Wall-clock limit per test, ms (default 10000; the CPU limit is 2 s)")
      ->type_name("MS");
  grade->add_flag("--json", o->json, "Print results.json instead of the report");
  grade->footer(
      "Examples:\n  osgrid lab grade 01 --reference --hidden-seed 7\n"
      "  osgrid lab grade 01 ~/submissions/alice --hidden-seed 7 --results results.json\n"
      "  osgrid lab grade 01 ~/submissions/alice --hidden-seed 7 --only 'SJF: hidden 3' --explain\n"
      "Always writes a valid results.json, whatever the submission does. Exit status: 0 graded (whatever\n"
      "the score), 1 results.json could not be written, 2 bad usage.");

  auto* exporter = lab->add_subcommand("export", "Write a lab's visible tests as JSON (what check.py reads)");
  exporter->add_option("LAB", o->lab, "The lab")->required();
  exporter->add_option("--out", o->out, "The folder (default: labs/LAB/tests/visible)")->type_name("DIR");

  for (auto* sub : {list, test, grade, exporter}) {
    sub->add_option("--labs-dir", o->labs_dir, "Where the labs' folders are (default: the source tree's labs/)")
        ->type_name("DIR");
  }
  return {lab, [o, list, test, grade, exporter]() -> int {
            if (list->parsed()) return List(*o);
            if (test->parsed()) return Test(*o);
            if (grade->parsed()) return GradeCommand(*o);
            if (exporter->parsed()) return Export(*o);
            return kUsage;
          }};
}

void ScrubHiddenSeed(int argc, char** argv) {
  // /proc/PID/cmdline is readable by every user: once parsed, the seed leaves it.
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--hidden-seed" && i + 1 < argc) {
      std::memset(argv[i + 1], 'x', std::strlen(argv[i + 1]));
    } else if (arg.rfind("--hidden-seed=", 0) == 0) {
      std::memset(argv[i] + 14, 'x', arg.size() - 14);
    }
  }
}

}  // namespace osgrid::cli
