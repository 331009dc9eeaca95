// Every `osgrid` command, run as a user would: a real process against a real
// cluster, checked by its output and exit status.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "osgrid/net/sha256.h"
#include "support.h"

extern char** environ;

using namespace osgrid;
using namespace osgrid::test;

namespace {}  // namespace

TEST_CASE("osgrid cpu and batch", "[integration][cli]") {
  auto cluster = StartCluster(3);
  std::uint16_t port = PortOf(*cluster, "peer-1");

  auto text = At(port, {"cpu", "--program", "def main(x): return x*x", "--function", "main", "--args", "[5]"});
  INFO(text.err);
  CHECK(text.exit_code == 0);
  CHECK(text.out.find("25") != std::string::npos);
  CHECK(text.out.find("peer-") != std::string::npos);

  Json reply =
      JsonOut(At(port, {"cpu", "--program", "def main(x): return x*x", "--args", "[7]", "--confidential", "--json"}));
  CHECK(reply["result"] == 49);
  CHECK(reply["peer"] == "peer-1");

  TempDir dir;
  std::ofstream(dir.path + "/prog.py") << "def main(a, b):\n    return a + b\n";
  Json from_file = JsonOut(At(port, {"cpu", "--file", dir.path + "/prog.py", "--args", "[2, 3]", "--json"}));
  CHECK(from_file["result"] == 5);

  Json batch = JsonOut(At(port, {"batch", "--program", "def main(n): return n + 1", "--each",
                                 "[[1],[2],[3],[4],[5],[6],[7],[8],[9]]", "--json"}));
  REQUIRE(batch["results"].size() == 9);
  CHECK(batch["results"][8]["result"] == 10);
  CHECK(batch["peers"].size() >= 2);

  auto failing = At(port, {"cpu", "--program", "def main(): raise ValueError('bad input')"});
  CHECK(failing.exit_code == 1);
  CHECK(failing.err.find("TASK_FAILED") != std::string::npos);
  CHECK(failing.err.find("ValueError: bad input") != std::string::npos);
  CHECK(failing.err.find("Traceback") != std::string::npos);

  auto timeout = At(port, {"cpu", "--program", "def main():\n  while True: pass", "--timeout", "0.5"});
  CHECK(timeout.exit_code == 1);
  CHECK(timeout.err.find("TIMEOUT") != std::string::npos);

  auto bad_args = At(port, {"cpu", "--program", "def main(x): return x", "--args", "5"});
  CHECK(bad_args.exit_code == 2);
  CHECK(bad_args.err.find("--args") != std::string::npos);
}

TEST_CASE("osgrid mem", "[integration][cli]") {
  auto cluster = StartCluster(1);
  std::uint16_t port = PortOf(*cluster, "peer-1");
  CHECK(At(port, {"mem", "set", "greeting", "hello"}).exit_code == 0);
  CHECK(At(port, {"mem", "set", "config", R"({"rounds": 3})"}).exit_code == 0);
  auto get = At(port, {"mem", "get", "greeting"});
  CHECK(get.exit_code == 0);
  CHECK(get.out.find("hello") != std::string::npos);
  CHECK(JsonOut(At(port, {"mem", "get", "config", "--json"}))["value"]["rounds"] == 3);
  Json list = JsonOut(At(port, {"mem", "ls", "--json"}));
  CHECK(list["entries"] == 2);
  CHECK(At(port, {"mem", "del", "greeting"}).exit_code == 0);
  auto missing = At(port, {"mem", "get", "greeting"});
  CHECK(missing.exit_code == 1);
  CHECK(missing.err.find("NOT_FOUND") != std::string::npos);
}

TEST_CASE("osgrid file", "[integration][cli]") {
  auto cluster = StartCluster(1);
  std::uint16_t port = PortOf(*cluster, "peer-1");
  TempDir dir;
  const std::string original = dir.path + "/notes.txt", copy = dir.path + "/copy.txt";
  std::ofstream(original) << std::string(3'000'000, 'n') << "end\n";

  auto put = At(port, {"file", "put", original});
  INFO(put.err);
  CHECK(put.exit_code == 0);
  Json list = JsonOut(At(port, {"file", "ls", "--json"}));
  REQUIRE(list["files"].size() == 1);
  CHECK(list["files"][0]["name"] == "notes.txt");
  CHECK(At(port, {"file", "get", "notes.txt", "-o", copy}).exit_code == 0);
  CHECK(net::Sha256File(copy).value() == net::Sha256File(original).value());
  CHECK(At(port, {"file", "rm", "notes.txt"}).exit_code == 0);
  auto gone = At(port, {"file", "get", "notes.txt", "-o", copy + "2"});
  CHECK(gone.exit_code == 1);
  CHECK(gone.err.find("NOT_FOUND") != std::string::npos);
  auto bad_name = At(port, {"file", "put", original, "--name", "../../etc/passwd"});
  CHECK(bad_name.exit_code != 0);
  CHECK(bad_name.err.find("BAD_REQUEST") != std::string::npos);
}

TEST_CASE("osgrid status and peers", "[integration][cli]") {
  auto cluster = StartCluster(2);
  Json status = JsonOut(At(PortOf(*cluster, "peer-2"), {"status", "--json"}));
  CHECK(status["role"] == "peer");
  CHECK(status["node"] == "peer-2");
  CHECK(status["cores"] == 2);
  auto text = At(PortOf(*cluster, "peer-2"), {"status"});
  CHECK(text.exit_code == 0);
  CHECK(text.out.find("peer-2") != std::string::npos);

  Json peers = JsonOut(At(cluster->tracker_port(), {"peers", "--json"}));
  CHECK(peers["peers"].size() == 2);
  for (const Json& peer : peers["peers"]) {  // each peer tells the tracker how it isolates tasks
    CHECK(peer["sandbox"] == "strict");
    CHECK(peer["sandbox_missing"] == "");
  }
  auto table = At(cluster->tracker_port(), {"peers"});
  CHECK(table.out.find("peer-1") != std::string::npos);
  CHECK(table.out.find("peer-2") != std::string::npos);
  CHECK(table.out.find("sandbox") != std::string::npos);
  CHECK(table.out.find("strict") != std::string::npos);
}

TEST_CASE("osgrid reports an unreachable node in one line and exits non-zero", "[integration][cli]") {
  auto result = RunOsgrid({"status", "--port", "1"});
  CHECK(result.exit_code == 1);
  CHECK(result.err.find("UNAVAILABLE") != std::string::npos);
  CHECK(std::count(result.err.begin(), result.err.end(), '\n') == 1);
}

TEST_CASE("osgrid run reports a scenario error with file and line, exit 2", "[integration][cli]") {
  TempDir dir;
  const std::string path = dir.path + "/broken.yaml";
  std::ofstream(path) << "name: broken\n"
                         "cluster: {peers: 2}\n"
                         "steps:\n"
                         "  - cpu: {on: peer-1, program: 'def main(): return 1', function: main}\n"
                         "  - teleport: {on: peer-1}\n";
  auto result = RunOsgrid({"run", path});
  CHECK(result.exit_code == 2);
  CHECK(result.err.find(path + ":5") != std::string::npos);
  CHECK(result.err.find("teleport") != std::string::npos);
  CHECK(result.err.find("broken.yaml has 1 problem; nothing was started") != std::string::npos);

  // A file of many mistakes: the first 50 shown, all of them counted.
  std::ofstream many(path);
  many << "name: broken\nsteps:\n";
  for (int i = 0; i < 80; ++i) many << "  - teleport: " << i << "\n";
  many.close();
  auto flood = RunOsgrid({"run", path});
  CHECK(flood.exit_code == 2);
  CHECK(std::count(flood.err.begin(), flood.err.end(), '\n') == 52);
  CHECK(flood.err.find("broken.yaml: 30 more problems not shown; fix the ones above first\n") != std::string::npos);
  CHECK(flood.err.find("broken.yaml has 80 problems; nothing was started") != std::string::npos);
}

namespace {

/// Pids whose parent is `parent`, from /proc.
std::vector<pid_t> ChildrenOf(pid_t parent) {
  std::vector<pid_t> children;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream stat(entry.path() / "stat");
    std::string line;
    std::getline(stat, line);
    auto close = line.rfind(')');  // "pid (comm) state ppid ..."
    if (close == std::string::npos) continue;
    std::istringstream rest(line.substr(close + 2));
    char state;
    pid_t ppid = 0;
    rest >> state >> ppid;
    if (ppid == parent) children.push_back(static_cast<pid_t>(std::stoi(name)));
  }
  return children;
}

}  // namespace

TEST_CASE("Ctrl-C during osgrid run stops every node it started", "[integration][cli]") {
  std::string binary = std::filesystem::read_symlink("/proc/self/exe").parent_path() / "osgrid";
  std::string scenario = std::string(OSGRID_SOURCE_DIR) + "/scenarios/quickstart.yaml";
  std::vector<char*> argv{binary.data(), const_cast<char*>("run"), scenario.data(), nullptr};
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  pid_t runner = 0;
  REQUIRE(posix_spawn(&runner, binary.c_str(), &actions, nullptr, argv.data(), environ) == 0);
  posix_spawn_file_actions_destroy(&actions);

  std::vector<pid_t> nodes;  // wait until the tracker and 3 peers are up
  for (int attempt = 0; attempt < 200 && nodes.size() < 4; ++attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
    nodes = ChildrenOf(runner);
  }
  REQUIRE(nodes.size() == 4);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // into the steps
  kill(runner, SIGINT);
  int status = 0;
  waitpid(runner, &status, 0);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 130);
  for (pid_t node : nodes) {
    INFO("pid " << node);
    CHECK((kill(node, 0) == -1 && errno == ESRCH));  // gone, and reaped by the runner
  }
}

TEST_CASE("osgrid version names the protocol", "[integration][cli]") {
  auto result = RunOsgrid({"version"});
  CHECK(result.exit_code == 0);
  CHECK(result.out.find("protocol 3") != std::string::npos);
}

// `osgrid sim` as a student runs it: an OSTEP homework line, --json, --svg,
// and bad input (one line on stderr, exit 2, nothing on stdout).
TEST_CASE("osgrid sim: answers, JSON, a picture, and exit 2 for bad input", "[integration][cli][sim]") {
  auto solved = RunOsgrid({"sim", "sched", "-p", "SJF", "-l", "5,10,15", "-c"});
  CHECK(solved.exit_code == 0);
  CHECK(solved.out.find("Turnaround 16.67") != std::string::npos);  // (5 + 15 + 30) / 3, OSTEP ch. 7 homework

  auto json = RunOsgrid({"sim", "page", "-a", "1,2,3,4,1,2,5,1,2,3,4,5", "-p", "FIFO", "-C", "4", "--json"});
  REQUIRE(json.exit_code == 0);
  const Json run = Json::parse(json.out);
  CHECK(run["misses"] == 10);  // Belady's anomaly: 9 misses with 3 frames, 10 with 4

  TempDir dir;
  const std::string svg = dir.path + "/gantt.svg";
  auto picture = RunOsgrid({"sim", "sched", "-p", "RR", "-q", "2", "-l", "3,4", "-c", "--svg", svg});
  CHECK(picture.exit_code == 0);
  std::ifstream file(svg);
  std::stringstream text;
  text << file.rdbuf();
  CHECK(text.str().rfind("<svg", 0) == 0);

  for (const std::vector<std::string>& bad :
       std::vector<std::vector<std::string>>{{"sim", "sched", "-p", "SJT", "-l", "5"},
                                             {"sim", "sched", "-p", "RR", "-q", "0", "-l", "5"},
                                             {"sim", "sched", "-l", "5,-3"},
                                             {"sim", "mem", "-A", "+10,x"},
                                             {"sim", "bogus"}}) {
    auto result = RunOsgrid(bad);
    INFO(bad[1] << " " << (bad.size() > 2 ? bad[2] : ""));
    CHECK(result.exit_code == 2);
    CHECK(result.out.empty());
    CHECK(result.err.rfind("osgrid: BAD_REQUEST: ", 0) == 0);
    CHECK(std::count(result.err.begin(), result.err.end(), '\n') == 1);
  }
}

// `osgrid sim ... --trace` and `osgrid replay` as a student runs them: the
// trace leaves the sim's output as it was, replays as one line per event with
// a summary, and goes to stdout with --trace - (the output then on stderr).
TEST_CASE("osgrid sim --trace and osgrid replay", "[integration][cli][sim][replay]") {
  TempDir dir;
  const std::string trace = dir.path + "/rr.trace";
  const std::vector<std::string> sim = {"sim", "sched", "-p", "RR", "-q", "2", "-l", "5,3", "-c"};
  auto plain = RunOsgrid(sim);
  std::vector<std::string> traced_args = sim;
  traced_args.insert(traced_args.end(), {"--trace", trace});
  auto traced = RunOsgrid(traced_args);
  CHECK(traced.exit_code == 0);
  CHECK(traced.out == plain.out);
  CHECK(traced.err.empty());

  auto replay = RunOsgrid({"replay", trace});
  INFO(replay.out << replay.err);
  CHECK(replay.exit_code == 0);
  CHECK(replay.out.rfind(trace + ": sim sched --jlist 5,3 --policy RR --quantum 2 (epoch sim-sched-", 0) == 0);
  CHECK(replay.out.find("task.finished   task_id=1 outcome=ok wait_ms=4 cpu_ms=3 turnaround_ms=7") !=
        std::string::npos);
  CHECK(replay.out.find(trace + ": 21 events read, 0 skipped (unknown types), no gaps\n") != std::string::npos);

  auto finished = RunOsgrid({"replay", trace, "--json", "--type", "task.finished"});
  CHECK(finished.exit_code == 0);
  CHECK(std::count(finished.out.begin(), finished.out.end(), '\n') == 2);

  auto to_stdout = RunOsgrid({"sim", "sched", "-p", "SJF", "-l", "5,10", "-c", "--trace", "-"});
  CHECK(to_stdout.exit_code == 0);
  CHECK(to_stdout.out.rfind(R"({"format":"osgrid-trace","version":1,)", 0) == 0);
  CHECK(to_stdout.err.find("** Solutions **") != std::string::npos);

  auto no_events = RunOsgrid({"sim", "disk", "-r", "10,20", "--trace", trace});
  CHECK(no_events.exit_code == 2);
  CHECK(no_events.err.find("the topics that do: sched, mlfq, mem, page, deadlock") != std::string::npos);
  auto unknown_type = RunOsgrid({"replay", trace, "--type", "tsk"});
  CHECK(unknown_type.exit_code == 2);
  CHECK(unknown_type.err.find("'tsk'") != std::string::npos);
  auto missing = RunOsgrid({"replay", dir.path + "/none.trace"});
  CHECK(missing.exit_code == 1);
  CHECK(missing.err.rfind("osgrid: NOT_FOUND: ", 0) == 0);
}
