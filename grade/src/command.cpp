// `osgrid lab` and `osgrid-grade lab`: the graded labs (labs/README.md).
// list, test (students: the visible tests), grade (the autograder: visible
// and hidden, results.json), export (writes a lab's visible tests for
// check.py), pack (the Gradescope bundle: labs/README.md, "Gradescope").
#include "osgrid/grade/command.h"

#include <elf.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <optional>
#include <random>
#include <sstream>
#include <vector>

#include "bundle_files.h"
#include "osgrid/grade/grader.h"
#include "osgrid/grade/lab.h"
#include "runtime_files.h"

extern char** environ;

#ifndef OSGRID_VERSION
#define OSGRID_VERSION "unknown"
#endif

namespace osgrid::grade {
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
  std::string gradescope;  // pack: the bundle's zip
  std::string trace;       // grade --explain: where the reference run's trace goes
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

// Grade()'s error: bad usage (exit 2), unless a live lab's cluster failed,
// which is the grader's failure (exit 1; run_autograder then gives the
// student 0 and says to contact the course staff).
int GradeFailed(const std::string& message) {
  if (message.rfind(kClusterFailed, 0) != 0) return Usage(message);
  std::cerr << "osgrid: UNAVAILABLE: " << message << "\n";
  return kFailed;
}

// The words of a command line as SimCommand-style functions write it:
// separated by spaces, a '...' quoted word kept whole (no escapes inside).
std::vector<std::string> SplitWords(const std::string& line) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false, quoted = false;
  for (char c : line) {
    if (quoted) {
      if (c == '\'') {
        quoted = false;
      } else {
        word += c;
      }
    } else if (c == '\'') {
      quoted = in_word = true;
    } else if (c == ' ') {
      if (in_word) words.push_back(std::move(word));
      word.clear();
      in_word = false;
    } else {
      word += c;
      in_word = true;
    }
  }
  if (in_word) words.push_back(std::move(word));
  return words;
}

// "RR: hidden 2" -> "rr-hidden-2": a test's name as part of a file name.
std::string Slug(const std::string& name) {
  std::string slug;
  for (char c : name) {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      slug += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else if (!slug.empty() && slug.back() != '-') {
      slug += '-';
    }
  }
  while (!slug.empty() && slug.back() == '-') slug.pop_back();
  return slug;
}

// --explain's trace: the reference run of test `name`, replayed by `osgrid
// sim` into a trace file osgrid-viz opens. Prints where it went, or the
// command that writes it when there is no simulator here (osgrid-grade).
void ExplainTrace(const Lab& lab, std::uint64_t seed, const std::string& name, const std::string& trace,
                  const SimRunner& run_sim) {
  std::vector<Case> cases = lab.VisibleCases();
  for (Case& test : lab.HiddenCases(seed)) cases.push_back(std::move(test));
  auto test = std::find_if(cases.begin(), cases.end(), [&](const Case& c) { return c.name == name; });
  if (test == cases.end() || !test->reference.is_object() || !test->reference.contains("simulate")) return;
  std::vector<std::string> words = SplitWords(test->reference["simulate"].get<std::string>());
  const std::string path = trace.empty() ? std::string(lab.id()).substr(0, 2) + "-" + Slug(name) + ".trace" : trace;
  for (std::size_t i = 0; i + 1 < words.size(); ++i) {
    if (words[i] == "--trace") words[i + 1] = path;
  }
  if (words.size() < 3 || words[0] != "osgrid" || words[1] != "sim") return;
  if (!run_sim) {  // osgrid-grade: no simulator in it
    std::string command;
    for (const std::string& word : words) {
      const bool plain = !word.empty() && std::all_of(word.begin(), word.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || std::strchr(",._/:+-=", c) != nullptr;
      });
      command += (command.empty() ? "" : " ") + (plain ? word : "'" + word + "'");
    }
    std::cout << "The reference run as a trace for osgrid-viz: " << command << "\n";
    return;
  }
  auto failed = run_sim(std::vector<std::string>(words.begin() + 2, words.end()));
  if (failed) {
    std::cout << "The reference run's trace could not be written: " << *failed << "\n";
    return;
  }
  std::cout << "The reference run's events are in " << path << ": osgrid-viz " << path << " replays them.\n";
}

const Lab* Find(const std::string& id) {
  const Lab* lab = FindLab(id);
  if (lab == nullptr) {
    std::string names;
    for (const auto& each : AllLabs()) names += (names.empty() ? "" : ", ") + std::string(each->id());
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
    for (const auto& lab : AllLabs()) {
      std::cout << std::left << std::setw(26) << lab->id() << lab->title() << "  (submit " << lab->module_file()
                << ")\n";
    }
    std::cout << "\nRead a lab's handout: " << o.labs_dir
              << "/<lab>/README.md. Test your code: osgrid lab test LAB DIR\n";
    return kOk;
  }
  const Lab* lab = Find(o.lab);
  if (lab == nullptr) return kUsage;
  std::cout << lab->id() << ": " << lab->title() << " (version " << lab->version() << ", submit " << lab->module_file()
            << ")\n";
  if (!o.tests) return kOk;
  for (const auto& test : lab->VisibleCases()) std::cout << "  visible  " << test.name << "\n";
  for (const auto& test : lab->HiddenCases(0)) std::cout << "  hidden   " << test.name << "\n";
  return kOk;
}

// A seed as written: a non-negative decimal integer that fits 64 bits.
std::optional<std::uint64_t> ParseSeed(const std::string& text, std::string& problem) {
  char* end = nullptr;
  errno = 0;
  unsigned long long seed = std::strtoull(text.c_str(), &end, 10);
  if (text.empty() || errno != 0 || end == text.c_str() || *end != '\0' || text[0] == '-') {
    problem = "the hidden seed must be a non-negative integer, got '" + text + "'";
    return std::nullopt;
  }
  return seed;
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
  return ParseSeed(text, problem);
}

void PrintReport(const GradeReport& report, bool verbose_passes) {
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
  const Lab* lab = Find(o.lab);
  if (lab == nullptr) return kUsage;
  GradeOptions options;
  options.hidden = false;
  options.sandbox.timeout = std::chrono::milliseconds(o.timeout_ms);
  auto report = Grade(*lab, o.dir, options);
  if (!report) return GradeFailed(report.error().message);
  if (!o.filter.empty()) {
    std::erase_if(report->tests, [&](const TestResult& t) { return t.name.find(o.filter) == std::string::npos; });
  }
  PrintReport(*report, false);
  for (const auto& test : report->tests) {
    if (!test.passed()) return kFailed;
  }
  return kOk;
}

int GradeCommand(const LabOptions& o, const SimRunner& run_sim) {
  const Lab* lab = Find(o.lab);
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
  GradeOptions options;
  options.hidden_seed = *seed;
  options.only = o.only;
  options.explain = o.explain;
  options.sandbox.timeout = std::chrono::milliseconds(o.timeout_ms);
  if (o.explain && o.only.empty())
    return Usage("--explain shows a hidden test's expected values: name it with --only TEST");
  if (!o.trace.empty() && !o.explain) return Usage("--trace goes with --explain: the explained test's reference run");
  auto report = Grade(*lab, dir, options);
  if (!report) return GradeFailed(report.error().message);
  nlohmann::json results = GradescopeResults(*report, o.hidden_visibility);
  if (!o.results.empty()) {
    auto written = WriteResults(results, o.results);
    if (!written) {
      std::cerr << "osgrid: IO: " << written.error().message << "\n";
      return kFailed;
    }
  }
  if (o.json) {
    std::cout << results.dump(2) << "\n";
  } else {
    PrintReport(*report, o.explain);
    if (o.explain) ExplainTrace(*lab, *seed, o.only, o.trace, run_sim);
    std::cout << "Graded in " << std::fixed << std::setprecision(1) << report->seconds << " s"
              << (o.results.empty() ? "" : "; results in " + o.results) << ". Sandbox: " << report->sandbox << ".\n";
  }
  return kOk;
}

int Export(const LabOptions& o) {
  const Lab* lab = Find(o.lab);
  if (lab == nullptr) return kUsage;
  const bool hidden = !o.hidden_seed.empty() || !o.hidden_seed_file.empty();
  if (hidden && o.out.empty()) {
    return Usage(
        "--hidden-seed exports the term's hidden tests with their answers: choose a folder students cannot see "
        "with --out DIR (not the lab's tests/visible)");
  }
  std::uint64_t seed = 0;
  if (hidden) {
    std::string problem;
    const std::optional<std::uint64_t> parsed = HiddenSeed(o, problem);
    if (!parsed) return Usage(problem);
    seed = *parsed;
  }
  std::string out = o.out.empty() ? o.labs_dir + "/" + std::string(lab->id()) + "/tests/visible" : o.out;
  std::error_code error;
  fs::create_directories(out, error);
  nlohmann::json tests = nlohmann::json::array();
  for (const auto& test : hidden ? lab->HiddenCases(seed) : lab->VisibleCases()) tests.push_back(CaseToJson(test));
  nlohmann::json file = {
      {"lab", lab->id()}, {"version", lab->version()}, {"module", lab->module_file()}, {"tests", tests}};
  if (hidden) file["hidden_seed"] = seed;
  std::string path = out + "/" + std::string(lab->id()) + (hidden ? "-hidden.json" : ".json");
  std::ofstream stream(path, std::ios::trunc);
  stream << file.dump(1) << "\n";
  if (!stream.flush()) {
    std::cerr << "osgrid: IO: cannot write " << path << "\n";
    return kFailed;
  }
  std::cout << "wrote " << tests.size() << (hidden ? " hidden" : " visible") << " tests to " << path << "\n";
  return kOk;
}

// ---- pack: the Gradescope bundle (labs/README.md, "Gradescope") ----

int Fail(const std::string& code, const std::string& message) {
  std::cerr << "osgrid: " << code << ": " << message << "\n";
  return kFailed;
}

// Runs `argv` (argv[0] looked up on PATH) and waits; returns its exit status
// (-1: it could not start) and sets `output` to what it printed on stdout
// and stderr.
int RunProgram(const std::vector<std::string>& argv, std::string& output) {
  output.clear();
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    output = strerror(errno);
    return -1;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 2);
  std::vector<char*> args;
  for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  int error = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(fds[1]);
  if (error != 0) {
    close(fds[0]);
    output = argv[0] + ": " + strerror(error);
    return -1;
  }
  char chunk[4096];
  for (;;) {
    ssize_t n = read(fds[0], chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    output.append(chunk, static_cast<std::size_t>(n));
  }
  close(fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// Why the file at `path` cannot be the bundle's grader, or nullopt: it must be
// an x86-64 ELF executable (Gradescope's machines) with no program interpreter
// (no PT_INTERP program header): statically linked, so it needs no library of
// the image's.
std::optional<std::string> NotStaticX86(const fs::path& path) {
  std::ifstream file(path, std::ios::binary);
  Elf64_Ehdr header{};
  if (!file.read(reinterpret_cast<char*>(&header), sizeof header) ||
      std::memcmp(header.e_ident, ELFMAG, SELFMAG) != 0) {
    return "it is not an ELF executable";
  }
  if (header.e_ident[EI_CLASS] != ELFCLASS64 || header.e_machine != EM_X86_64)
    return "it is not built for x86-64, Gradescope's processor";
  for (unsigned i = 0; i < header.e_phnum; ++i) {
    Elf64_Phdr program{};
    file.seekg(static_cast<std::streamoff>(header.e_phoff + std::uint64_t{i} * header.e_phentsize));
    if (!file.read(reinterpret_cast<char*>(&program), sizeof program)) return "its program headers cannot be read";
    if (program.p_type == PT_INTERP) {
      return "it is dynamically linked (it names a program interpreter); the bundle needs the static build "
             "(cmake --build build --target osgrid-grade links it with -static)";
    }
  }
  return std::nullopt;
}

std::string Trim(std::string text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
  return text;
}

std::string Replace(std::string text, const std::string& from, const std::string& to) {
  for (std::size_t at = 0; (at = text.find(from, at)) != std::string::npos; at += to.size())
    text.replace(at, from.size(), to);
  return text;
}

// A folder under $TMPDIR, removed with everything in it when this goes.
struct ScratchFolder {
  fs::path path;
  ScratchFolder() {
    std::string pattern = (fs::temp_directory_path() / "osgrid-pack-XXXXXX").string();
    if (mkdtemp(pattern.data()) != nullptr) path = pattern;
  }
  ~ScratchFolder() {
    std::error_code error;
    if (!path.empty()) fs::remove_all(path, error);
  }
};

// Zips the files `names` of `folder` into `out` (written beside it, then
// renamed: no half bundle), keeping their modes, with python3's zipfile. A
// name that is a folder goes in with everything under it.
constexpr const char* kZipScript = R"(import os, sys, zipfile
out, folder, names = sys.argv[1], sys.argv[2], sys.argv[3:]
partial = out + ".partial"
with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as bundle:
    for name in names:
        path = os.path.join(folder, name)
        if not os.path.isdir(path):
            bundle.write(path, name)
            continue
        for parent, subfolders, files in os.walk(path):
            subfolders.sort()
            for file in sorted(files):
                full = os.path.join(parent, file)
                bundle.write(full, os.path.relpath(full, folder))
os.replace(partial, out)
)";

// Where a live lab's bundle installs its runtime (setup.sh), and so where its
// programs' loader is (pack_runtime.py patches that path in). Under /usr, so
// that the peers' mount jail, which shows tasks the host's /usr, shows it too.
constexpr const char* kRuntimePrefix = "/usr/local/osgrid-lab";

// The grader a static lab's bundle carries: osgrid-grade, built with this
// program, next to it. "" and `code` and `problem` set if it is missing or unfit.
std::string StaticGrader(const fs::path& self, std::string& code, std::string& problem) {
  fs::path grader = self.parent_path() / "osgrid-grade";
  if (!fs::is_regular_file(grader)) {
    code = "NOT_FOUND";
    problem = "the bundle carries the static grader osgrid-grade, and there is none next to this program (in " +
              self.parent_path().string() + "): build it (cmake --build build --target osgrid-grade)";
    return "";
  }
  if (auto why = NotStaticX86(grader)) {
    code = "BAD_REQUEST";
    problem = grader.string() + " cannot go in a bundle: " + *why;
    return "";
  }
  std::string versions;
  if (int status = RunProgram({grader.string(), "--version"}, versions);
      status != 0 || Trim(versions) != Trim(VersionText())) {
    code = "BAD_REQUEST";
    problem = grader.string() + " does not pin what this program does: its --version says\n" +
              Indent(Trim(versions), "  ") + "and this program's\n" + Indent(Trim(VersionText()), "  ") +
              "Rebuild both (cmake --build build).";
    return "";
  }
  return grader.string();
}

int Pack(const LabOptions& o) {
  const Lab* lab = Find(o.lab);
  if (lab == nullptr) return kUsage;
  const bool live = !lab->LiveDriver().empty();
  if (live && !HasLiveRunner()) {
    return Usage("lab " + std::string(lab->id()) +
                 " is graded on a live cluster (a tracker and peers), which osgrid-grade cannot start: pack it with "
                 "`osgrid lab pack " +
                 std::string(lab->id()).substr(0, 2) +
                 "`, whose bundle carries the cluster's programs (labs/README.md, Gradescope)");
  }
  if (fs::path(o.gradescope).extension() != ".zip")
    return Usage("--gradescope names the bundle's zip file (OUT.zip), got '" + o.gradescope + "'");
  const fs::path out_folder = fs::absolute(o.gradescope).parent_path();
  if (!fs::is_directory(out_folder))
    return Usage("--gradescope: the folder " + out_folder.string() + " does not exist");
  std::string problem;
  std::uint64_t seed = 0;
  const bool fresh_seed = o.hidden_seed.empty();
  if (fresh_seed) {
    std::random_device random;
    seed = ((std::uint64_t{random()} << 32) | random()) & ((std::uint64_t{1} << 63) - 1);  // 63 bits
  } else if (auto given = ParseSeed(o.hidden_seed, problem)) {
    seed = *given;
  } else {
    return Usage(problem);
  }

  std::error_code error;
  fs::path self = fs::read_symlink("/proc/self/exe", error);
  if (error) return Fail("NOT_FOUND", "cannot find this program's own file (/proc/self/exe): " + error.message());
  // A static lab's bundle carries osgrid-grade; a live lab's, osgrid and the
  // cluster's programs with everything they load (staged below).
  std::string grader;
  if (!live) {
    std::string code;
    grader = StaticGrader(self, code, problem);
    if (grader.empty()) return Fail(code, problem);
  }

  ScratchFolder stage;
  if (stage.path.empty()) return Fail("IO", std::string("cannot make a scratch folder: ") + strerror(errno));
  char packed[32];
  std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  std::strftime(packed, sizeof packed, "%Y-%m-%dT%H:%M:%SZ", &utc);
  const std::string id(lab->id());
  const std::string version = std::to_string(lab->version());

  struct File {
    std::string name;
    fs::perms mode;
  };
  const auto executable = fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                          fs::perms::others_read | fs::perms::others_exec;
  const auto readable = fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read | fs::perms::others_read;
  std::vector<File> files;
  auto write = [&](const std::string& name, const std::string& text, fs::perms mode) {
    std::ofstream(stage.path / name, std::ios::binary | std::ios::trunc) << text;
    files.push_back({name, mode});
  };
  const std::string runtime = live ? kRuntimePrefix : "";
  for (const auto& [name, text] : BundleFiles()) {
    std::string filled = text;
    for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
             {"@LAB@", id},
             {"@LAB_VERSION@", version},
             {"@MODULE@", std::string(lab->module_file())},
             {"@OSGRID_VERSION@", OSGRID_VERSION},
             {"@PACKED@", packed},
             {"@HIDDEN_VISIBILITY@", o.hidden_visibility},
             {"@GRADER@", live ? runtime + "/bin/osgrid" : "$source_dir/osgrid-grade"},
             {"@RUNTIME@", runtime}}) {
      filled = Replace(filled, from, to);
    }
    write(name, filled, name == "setup.sh" || name == "run_autograder" ? executable : readable);
  }
  // Gradescope runs setup.sh and run_autograder: first in the zip, where people look.
  std::stable_partition(files.begin(), files.end(),
                        [](const File& file) { return file.name == "setup.sh" || file.name == "run_autograder"; });
  if (live) {
    std::string staged;
    const std::string& script = RuntimeFiles().at(0).second;
    if (int status = RunProgram(
            {"python3", "-c", script, self.parent_path().string(), (stage.path / "runtime").string(), runtime}, staged);
        status != 0) {
      return Fail("IO",
                  "cannot stage the bundle's runtime (osgrid and the cluster's programs, their libraries and "
                  "Python) from " +
                      self.parent_path().string() + ":\n" + Indent(Trim(staged), "  "));
    }
    std::cout << Trim(staged) << "\n";
    files.push_back({"runtime", executable});
  } else {
    fs::copy_file(grader, stage.path / "osgrid-grade", error);
    if (error) return Fail("IO", "cannot copy " + grader + ": " + error.message());
    files.push_back({"osgrid-grade", executable});
  }
  write("VERSION",
        "osgrid_version=" + std::string(OSGRID_VERSION) + "\nlab=" + id + "\nlab_version=" + version +
            "\npacked=" + packed + "\n",
        readable);
  write("seed", std::to_string(seed) + "\n", fs::perms::owner_read | fs::perms::owner_write);
  const fs::path handout = fs::path(o.labs_dir) / id / "README.md";
  const bool has_handout = fs::is_regular_file(handout);
  if (has_handout) {
    fs::copy_file(handout, stage.path / "README.md", error);
    if (error) return Fail("IO", "cannot copy " + handout.string() + ": " + error.message());
    files.push_back({"README.md", readable});
  }
  std::vector<std::string> zip = {"python3", "-c", kZipScript, o.gradescope, stage.path.string()};
  for (const File& file : files) {
    fs::permissions(stage.path / file.name, file.mode, error);
    zip.push_back(file.name);
  }
  std::string output;
  if (int status = RunProgram(zip, output); status != 0) {
    return Fail("IO", "cannot write " + o.gradescope + " (python3's zipfile, status " + std::to_string(status) +
                          "):\n" + Indent(Trim(output), "  "));
  }

  std::string names;
  for (const File& file : files) names += (names.empty() ? "" : ", ") + file.name;
  std::cout << "Packed lab " << id << " (version " << version << ") with osgrid " << OSGRID_VERSION << " into "
            << o.gradescope << " (" << (fs::file_size(o.gradescope, error) + 1023) / 1024 << " KiB):\n  " << names
            << "\n";
  if (!has_handout) std::cout << "No handout: " << handout.string() << " does not exist.\n";
  std::cout << "Hidden seed: " << seed << (fresh_seed ? " (new)" : "") << ". Keep it: packing again with --hidden-seed "
            << seed << " draws the same hidden tests.\n"
            << "Hidden tests' visibility: " << o.hidden_visibility << ".\n"
            << "Upload the zip in Gradescope (Configure Autograder, Zip file upload, Ubuntu 22.04); README-bundle.md "
               "in it says how, and how to regrade.\n";
  return kOk;
}

}  // namespace

std::pair<CLI::App*, std::function<int()>> AddLabCommand(CLI::App& app, SimRunner run_sim) {
  auto o = std::make_shared<LabOptions>();
  auto* lab = app.add_subcommand(
      "lab", "Graded labs: list them, test your code, grade submissions, pack for Gradescope (labs/README.md)");
  lab->require_subcommand(1);
  lab->footer(
      "Students: 'osgrid lab test NN DIR' (or 'python3 labs/NN-*/check.py DIR', Python 3.10+ only).\n"
      "Autograders: 'osgrid lab grade NN DIR --hidden-seed-file F --results results.json'.\n"
      "Run 'osgrid lab COMMAND --help' for a command's options; the manual is labs/README.md.");

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
  grade
      ->add_option("--trace", o->trace,
                   "With --explain: write the test's reference run here, for osgrid-viz (default: "
                   "NN-TEST-NAME.trace in this folder)")
      ->type_name("FILE");
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
  exporter
      ->add_option("--hidden-seed", o->hidden_seed,
                   "Export the hidden tests this seed draws instead, with their answers (LAB-hidden.json; for "
                   "staff: needs --out)")
      ->type_name("N");
  exporter->add_option("--hidden-seed-file", o->hidden_seed_file, "Read that seed from FILE")->type_name("FILE");

  auto* pack = lab->add_subcommand("pack", "Build a lab's Gradescope autograder bundle (labs/README.md: Gradescope)");
  pack->add_option("LAB", o->lab, "The lab")->required();
  pack->add_option("--gradescope", o->gradescope, "Write the bundle, a zip to upload to Gradescope, here")
      ->type_name("OUT.zip")
      ->required();
  pack->add_option("--hidden-seed", o->hidden_seed, "The term's hidden seed (default: a new random one, printed)")
      ->type_name("N");
  pack->add_option("--hidden-visibility", o->hidden_visibility,
                   "Gradescope visibility of hidden tests: visible (default), after_due_date, after_published or "
                   "hidden")
      ->check(CLI::IsMember({"visible", "hidden", "after_due_date", "after_published"}));
  pack->footer(
      "The bundle: setup.sh, run_autograder, osgrid-grade (the static grader, found next to this program),\n"
      "VERSION (osgrid's and the lab's versions: pinned), seed, Dockerfile, README-bundle.md, and the lab's\n"
      "handout README.md. A live lab's (05) carries runtime/ instead of osgrid-grade: osgrid and the cluster's\n"
      "programs, their libraries and Python 3.11 (needs patchelf; `osgrid lab pack` only, not osgrid-grade).\n"
      "Example: osgrid lab pack 01 --gradescope lab01.zip --hidden-visibility after_due_date\n"
      "Exit status: 0 packed, 1 no static osgrid-grade, no runtime or the zip could not be written, 2 bad usage.");

  for (auto* sub : {list, test, grade, exporter, pack}) {
    sub->add_option("--labs-dir", o->labs_dir, "Where the labs' folders are (default: the source tree's labs/)")
        ->type_name("DIR");
  }
  return {lab, [o, list, test, grade, exporter, pack, run_sim = std::move(run_sim)]() -> int {
            if (list->parsed()) return List(*o);
            if (test->parsed()) return Test(*o);
            if (grade->parsed()) return GradeCommand(*o, run_sim);
            if (exporter->parsed()) return Export(*o);
            if (pack->parsed()) return Pack(*o);
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

std::string VersionText() {
  std::string text = "osgrid " OSGRID_VERSION "\n";
  for (const auto& lab : AllLabs())
    text += std::string(lab->id()) + " version " + std::to_string(lab->version()) + "\n";
  return text;
}

}  // namespace osgrid::grade
