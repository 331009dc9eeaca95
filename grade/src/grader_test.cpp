// The grader's scoring and its sandboxed student process, on a small lab of
// its own (the real labs are tested end to end by tests/labs/).
#include "osgrid/grade/grader.h"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

namespace osgrid::grade {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// A lab with one class, Counter: add(n) returns the running total.
class CounterLab final : public Lab {
 public:
  std::string_view id() const override { return "99-counter"; }
  std::string_view title() const override { return "Counter"; }
  int version() const override { return 1; }
  std::string_view module_file() const override { return "counter.py"; }
  std::vector<std::string> required_names() const override { return {"Counter"}; }
  std::vector<Case> VisibleCases() const override { return {Make("add: visible 1", false)}; }
  std::vector<Case> HiddenCases(std::uint64_t seed) const override {
    Case test = Make("add: hidden 1", true);
    test.steps[0].args = json::array({static_cast<int>(seed % 5) + 1});
    test.steps[0].expect = static_cast<int>(seed % 5) + 1;
    int total = *test.steps[0].expect;
    for (std::size_t i = 1; i < test.steps.size(); ++i) {
      total += test.steps[i].args[0].get<int>();
      test.steps[i].expect = total;
    }
    return {test};
  }

 private:
  static Case Make(std::string name, bool hidden) {
    Case test;
    test.name = std::move(name);
    test.target = "Counter";
    test.hidden = hidden;
    int total = 0;
    for (int n : {1, 2, 3, 4}) {
      total += n;
      test.steps.push_back(Step{"add", json::array({n}), json(total), "equal", "add " + std::to_string(n), {}});
    }
    return test;
  }
};

// A submission folder holding counter.py with `body` (the class), removed at the end.
class Submission {
 public:
  explicit Submission(const std::string& body) {
    std::string pattern = (fs::temp_directory_path() / "osgrid-grader-test-XXXXXX").string();
    REQUIRE(mkdtemp(pattern.data()) != nullptr);
    dir_ = pattern;
    if (!body.empty()) std::ofstream(dir_ / "counter.py") << body;
  }
  ~Submission() { fs::remove_all(dir_); }
  std::string dir() const { return dir_.string(); }

 private:
  fs::path dir_;
};

constexpr const char* kRight =
    "class Counter:\n"
    "    def __init__(self):\n"
    "        self.total = 0\n"
    "    def add(self, n):\n"
    "        self.total += n\n"
    "        return self.total\n";

GradeReport GradeIt(const std::string& body, GradeOptions options = {}) {
  Submission submission(body);
  CounterLab lab;
  options.hidden_seed = 3;
  auto report = Grade(lab, submission.dir(), options);
  REQUIRE(report.ok());
  return std::move(report).value();
}

TEST_CASE("grader: a right submission gets full marks on visible and hidden tests", "[grade]") {
  GradeReport report = GradeIt(kRight);
  REQUIRE(report.tests.size() == 2);
  CHECK(report.score() == 2);
  CHECK(report.max_score() == 2);
  for (const auto& test : report.tests) {
    CHECK(test.passed());
    CHECK(test.mistake.empty());
  }
}

TEST_CASE("grader: the first wrong answer at step k of n scores (k - 1) / n", "[grade]") {
  // Right for 1 and 2 (totals 1, 3), wrong from the third call on.
  GradeReport report = GradeIt(
      "class Counter:\n"
      "    def __init__(self):\n"
      "        self.total = 0\n"
      "        self.calls = 0\n"
      "    def add(self, n):\n"
      "        self.calls += 1\n"
      "        self.total += n if self.calls < 3 else 2 * n\n"
      "        return self.total\n");
  const TestResult& visible = report.tests[0];
  CHECK(visible.score == Approx(0.5));
  CHECK_FALSE(visible.passed());
  CHECK(visible.mistake == "wrong answer");
  CHECK(visible.output.find("Step 3 of 4 (add 3)") != std::string::npos);
  CHECK(visible.output.find("expected 6, got 9") != std::string::npos);  // visible: expected values shown
  const TestResult& hidden = report.tests[1];
  CHECK(hidden.score == Approx(0.5));
  CHECK(hidden.output.find("expected") == std::string::npos);  // hidden: the kind only
  CHECK(hidden.output.find("wrong answer") != std::string::npos);
}

TEST_CASE("grader: an exception scores 0 and names the student's line", "[grade]") {
  GradeReport report = GradeIt(
      "class Counter:\n"
      "    def add(self, n):\n"
      "        return {}[n]\n");
  for (const auto& test : report.tests) {
    INFO(test.output);
    CHECK(test.score == 0);
    CHECK(test.mistake == "exception");
    CHECK(test.output.find("add raised KeyError") != std::string::npos);
    CHECK(test.output.find("(counter.py line 3)") != std::string::npos);
  }
}

TEST_CASE("grader: a missing file, a syntax error and a missing class are said at the top", "[grade]") {
  GradeReport missing = GradeIt("");
  CHECK(missing.score() == 0);
  CHECK(missing.output.find("the submission has no counter.py") != std::string::npos);

  GradeReport syntax = GradeIt("class Counter\n    pass\n");
  CHECK(syntax.output.find("syntax error in counter.py line 1") != std::string::npos);
  CHECK(syntax.tests[0].mistake == "syntax");

  GradeReport no_class = GradeIt("class Count:\n    pass\n");
  CHECK(no_class.output.find("counter.py defines no Counter") != std::string::npos);
}

TEST_CASE("grader: a loop is stopped by the time limit and scores 0", "[grade]") {
  GradeOptions options;
  options.sandbox.timeout = std::chrono::milliseconds(500);
  GradeReport report = GradeIt(
      "class Counter:\n"
      "    def add(self, n):\n"
      "        while True:\n"
      "            pass\n",
      options);
  for (const auto& test : report.tests) {
    CHECK(test.score == 0);
    CHECK((test.mistake == "timeout" || test.mistake == "crash"));  // wall clock, or SIGXCPU on a slow machine
  }
}

TEST_CASE("grader: answers that depend on the hash seed are non-deterministic", "[grade]") {
  // Right for the first two calls; then the hash of a str (PYTHONHASHSEED) decides.
  GradeReport flaky = GradeIt(
      "class Counter:\n"
      "    def __init__(self):\n"
      "        self.total = 0\n"
      "    def add(self, n):\n"
      "        self.total += n\n"
      "        return self.total if self.total < 4 else self.total + hash('osgrid') % 1000003\n");
  CHECK(flaky.tests[1].mistake == "non-deterministic");
  CHECK(flaky.tests[1].score == 0);
  CHECK(flaky.tests[1].output.find("gave different answers at step") != std::string::npos);
}

TEST_CASE("grader: what the code prints is kept as data, capped", "[grade]") {
  GradeOptions options;
  options.sandbox.output_cap_bytes = 100;
  GradeReport report = GradeIt(std::string(kRight) + "print('x' * 5000)\nprint('{\"score\": 100}')\n", options);
  CHECK(report.score() == 2);  // printing changes nothing
  const std::string& output = report.tests[0].output;
  CHECK(output.find("What your code printed:") != std::string::npos);
  CHECK(output.find("more bytes not kept]") != std::string::npos);
}

TEST_CASE("grader: results.json has Gradescope's fields", "[grade]") {
  GradeReport report = GradeIt(kRight);
  json results = GradescopeResults(report, "after_due_date");
  CHECK(results["score"] == 2);
  CHECK(results["stdout_visibility"] == "hidden");
  CHECK(results["extra_data"]["lab"] == "99-counter");
  REQUIRE(results["tests"].size() == 2);
  CHECK(results["tests"][0]["visibility"] == "visible");
  CHECK(results["tests"][1]["visibility"] == "after_due_date");
  CHECK(results["tests"][1]["status"] == "passed");
  CHECK(results["tests"][1]["number"] == "2");

  Submission folder("");
  std::string path = folder.dir() + "/results.json";
  REQUIRE(WriteResults(results, path).ok());
  std::ifstream file(path);
  CHECK(json::parse(file) == results);
  CHECK_FALSE(fs::exists(path + ".partial"));
  CHECK_FALSE(WriteResults(results, folder.dir() + "/no/such/folder/results.json").ok());
}

TEST_CASE("grader: --only runs one test, and an unknown name is an error", "[grade]") {
  GradeOptions options;
  options.only = "add: hidden 1";
  GradeReport report = GradeIt(kRight, options);
  REQUIRE(report.tests.size() == 1);
  CHECK(report.tests[0].name == "add: hidden 1");

  Submission submission(kRight);
  CounterLab lab;
  options.only = "no such test";
  auto missing = Grade(lab, submission.dir(), options);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().message.find("no test is named") != std::string::npos);
}

}  // namespace
}  // namespace osgrid::grade
