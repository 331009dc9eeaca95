#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "osgrid/sim/sim.h"
#include "sync/sync_demos.h"

using namespace osgrid;
using osgrid::sim::RunSim;

namespace {

std::string Scenario(const std::string& name) { return std::string(OSGRID_SOURCE_DIR) + "/scenarios/sync/" + name; }

Json Solve(std::vector<std::string> args) {
  args.insert(args.begin(), "sync");
  args.push_back("-c");
  auto outcome = RunSim(args);
  if (!outcome.ok()) FAIL(outcome.status().message());
  return outcome->json;
}

std::string Refusal(std::vector<std::string> args) {
  args.insert(args.begin(), "sync");
  auto outcome = RunSim(args);
  REQUIRE_FALSE(outcome.ok());
  CHECK(outcome.status().code() == Code::kBadRequest);
  return outcome.status().message();
}

std::string WriteTemp(const std::string& name, const std::string& text) {
  const auto path = std::filesystem::temp_directory_path() / name;
  std::ofstream(path) << text;
  return path.string();
}

}  // namespace

TEST_CASE("sim sync: the naive philosophers deadlock in a 5-cycle", "[cli][sim][sync]") {
  const Json run = Solve({"-f", Scenario("philosophers-naive.yaml")});
  CHECK(run["deadlocked"] == true);
  CHECK(run["steps"] == 15);
  CHECK(run["cycle"] == Json({"phil0", "phil1", "phil2", "phil3", "phil4"}));
  CHECK(run["finished"] == Json::array());
  CHECK(run["blocked"]["phil4"] == "P fork0");
  CHECK(run["semaphores"]["fork0"] == -1);
  CHECK(run["trace"][0] == Json({{"t", 0}, {"process", "phil0"}, {"op", "compute"}, {"outcome", "ok"}}));
  CHECK(
      run["message"] ==
      "deadlock at t=15: phil0 waits for fork1 held by phil1, phil1 waits for fork2 held by phil2, "
      "phil2 waits for fork3 held by phil3, phil3 waits for fork4 held by phil4, phil4 waits for fork0 held by phil0");
}

TEST_CASE("sim sync: the fixed philosophers and the bounded buffer finish", "[cli][sim][sync]") {
  const Json fixed = Solve({"-f", Scenario("philosophers-fixed.yaml")});
  CHECK(fixed["deadlocked"] == false);
  CHECK(fixed["cycle"] == Json::array());
  CHECK(fixed["finished"].size() == 5);
  CHECK(fixed["counters"]["meals"] == 10);
  for (std::uint64_t seed = 1; seed <= 30; ++seed) {
    const Json random = Solve({"-f", Scenario("philosophers-fixed.yaml"), "-s", std::to_string(seed)});
    CHECK(random["interleave"] == "random");
    CHECK(random["deadlocked"] == false);
  }
  const Json buffer = Solve({"--demo", "producer-consumer", "--interleave", "random", "-s", "4", "-q", "2"});
  CHECK(buffer["end"] == "finished");
  CHECK(buffer["counters"]["buffer"] == 0);
  CHECK(buffer["counters"]["consumed"] == 4);
  CHECK(buffer["semaphores"] == Json({{"mutex", 1}, {"empty", 3}, {"full", 0}}));
  const Json rw = Solve({"-f", Scenario("readers-writers.yaml")});
  CHECK(rw["end"] == "finished");
  CHECK(rw["processes"] == Json({"reader1", "writer", "reader2"}));
}

TEST_CASE("sim sync: the same seed gives the same run", "[cli][sim][sync]") {
  const Json a = Solve({"--demo", "philosophers", "-s", "11"});
  const Json b = Solve({"--demo", "philosophers", "-s", "11"});
  CHECK(a["trace"] == b["trace"]);
  const Json rr = Solve({"--demo", "philosophers", "-s", "11", "--interleave", "RR"});
  CHECK(rr["interleave"] == "rr");
  CHECK(rr["seed"].is_null());
  CHECK(rr["deadlocked"] == true);
}

TEST_CASE("sim sync: text shows the problem, and the trace with -c", "[cli][sim][sync]") {
  auto problem = RunSim({"sync", "--demo", "philosophers"});
  REQUIRE(problem.ok());
  CHECK(problem->text.find("Trace the run: which process runs at each step, which blocks? Does it deadlock?") !=
        std::string::npos);
  CHECK(problem->text.find("phil0: repeat 2 { compute; P fork0; P fork1;") != std::string::npos);
  CHECK(problem->text.find("deadlock at") == std::string::npos);
  auto solved = RunSim({"sync", "--demo", "philosophers", "-c"});
  REQUIRE(solved.ok());
  CHECK(solved->text.find("deadlock at t=15") != std::string::npos);
  CHECK(solved->text.find("Wait-for cycle: phil0 -> phil1 -> phil2 -> phil3 -> phil4 -> phil0") != std::string::npos);
  CHECK(solved->svg.find("<svg") != std::string::npos);
}

TEST_CASE("sim sync: the demos are the scenario files", "[cli][sim][sync]") {
  for (const auto& demo : sim::SyncDemos()) {
    std::ifstream in(std::string(OSGRID_SOURCE_DIR) + "/" + demo.file);
    std::stringstream text;
    text << in.rdbuf();
    INFO(demo.file);
    CHECK(text.str() == demo.yaml);
  }
}

TEST_CASE("sim sync: bad input is refused with a clear message", "[cli][sim][sync]") {
  const std::string typo = WriteTemp("osgrid-sync-typo.yaml",
                                     "semaphores: {empty: 3, full: 0}\n"
                                     "processes:\n"
                                     "  producer: [{repeat: 2, do: [P empty, inc items, V ful]}]\n");
  CHECK(Refusal({"-f", typo, "-c"}) == typo + ": producer op 1.3: unknown semaphore 'ful'");
  const std::string bad_op = WriteTemp("osgrid-sync-badop.yaml", "processes:\n  a: [compute, Q s]\n");
  CHECK(Refusal({"-f", bad_op}) ==
        bad_op +
            ":2: a op 2: unknown operation 'Q' (expected P, V, lock, unlock, send, recv, compute, print, inc, "
            "dec or if)");
  const std::string bad_key = WriteTemp("osgrid-sync-badkey.yaml", "semaphore: {s: 1}\nprocesses: {a: [P s]}\n");
  CHECK(Refusal({"-f", bad_key}) == bad_key + ":1: unknown key 'semaphore' (did you mean 'semaphores'?)");
  CHECK(Refusal({"--demo", "philosophers", "-q", "0"}) == "-q/--quantum: must be >= 1 operation, got 0");
  CHECK(Refusal({"--demo", "philosophers", "--interleave", "fifo"}) == "--interleave: 'fifo' is not rr or random");
  CHECK(Refusal({"--demo", "nope"}).find("--demo: unknown demo 'nope'") == 0);
  CHECK(Refusal({}).find("give a script: -f FILE, or --demo NAME") == 0);
  CHECK(Refusal({"-f", "/nonexistent/x.yaml"}) == "-f: cannot read '/nonexistent/x.yaml'");
  CHECK(Refusal({"--demo", "philosophers", "--max-steps", "0"}) == "--max-steps: must be 1..10000000, got 0");
}

TEST_CASE("sim sync: a run past 100,000 steps is streamed whole, and its JSON parses", "[cli][sim][sync]") {
  const std::string forever = WriteTemp("osgrid-sync-forever.yaml",
                                        "semaphores: {mutex: 1, empty: 8, full: 0}\n"
                                        "processes:\n"
                                        "  producer: [{repeat: forever, do: [compute, P empty, P mutex, inc items, "
                                        "V mutex, V full]}]\n"
                                        "  consumer: [{repeat: forever, do: [P full, P mutex, dec items, V mutex, "
                                        "V empty, compute 2]}]\n");
  const Json run = Solve({"-f", forever, "--max-steps", "150000"});
  CHECK(run["end"] == "step_limit");
  CHECK(run["steps"] == 150000);
  CHECK(run["max_steps"] == 150000);
  REQUIRE(run["trace"].size() == 150000);
  for (std::size_t t = 0; t < run["trace"].size(); t += 997) CHECK(run["trace"][t]["t"] == t);
  CHECK(run["trace"][149999]["t"] == 149999);
  CHECK(run["counters"]["items"].get<std::int64_t>() >= 0);
  CHECK(run["counters"]["items"].get<std::int64_t>() <= 8);

  auto text = RunSim({"sync", "-f", forever, "--max-steps", "150000", "-c"});
  REQUIRE(text.ok());
  CHECK(text->text.find("  ... 149700 more steps (--json has them all)\n") != std::string::npos);
  CHECK(text->text.find("Final state at t=150000:") != std::string::npos);
  CHECK(text->text.find("  ... 149400 more steps (see --svg or --json)\n") != std::string::npos);  // the chart
  CHECK(text->svg.find("(the first 1000 of 150000 steps; blank: finished)") != std::string::npos);
  CHECK(Refusal({"-f", forever, "--max-steps", "10000001"}) == "--max-steps: must be 1..10000000, got 10000001");
}

TEST_CASE("sim sync: the JSON trace is the text's trace, step for step", "[cli][sim][sync]") {
  for (const char* seed : {"1", "2", "3"}) {
    auto run = RunSim({"sync", "--demo", "readers-writers", "-s", seed, "-c"});
    REQUIRE(run.ok());
    const Json& trace = run->json["trace"];
    REQUIRE(trace.size() == run->json["steps"].get<std::size_t>());
    // The text's table: "  t  process  op  outcome  semaphores...", columns two spaces apart at least.
    std::istringstream text(run->text.substr(run->text.find("Trace:\n")));
    std::string line;
    std::getline(text, line);  // Trace:
    std::getline(text, line);  // the header
    for (const Json& step : trace) {
      REQUIRE(std::getline(text, line));
      std::vector<std::string> cells;
      for (std::size_t at = line.find_first_not_of(' '); at != std::string::npos;) {
        const std::size_t end = line.find("  ", at);
        cells.push_back(line.substr(at, end == std::string::npos ? end : end - at));
        at = end == std::string::npos ? end : line.find_first_not_of(' ', end);
      }
      REQUIRE(cells.size() >= 4);
      CHECK(cells[0] == std::to_string(step["t"].get<int>()));
      CHECK(cells[1] == step["process"]);
      CHECK(cells[2] == step["op"]);
      CHECK(cells[3] == step["outcome"]);
    }
  }
}
