#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "osgrid/os/deadlock/banker.h"
#include "osgrid/os/random.h"
#include "osgrid/sim/sim.h"

using osgrid::Json;
using osgrid::sim::RunSim;

namespace {

// Silberschatz 10e, 8.6.3.3.
const std::vector<std::string> kBook = {
    "deadlock", "-a", "3,3,2", "-M", "7,5,3;3,2,2;9,0,2;2,2,2;4,3,3", "-A", "0,1,0;2,0,0;3,0,2;2,1,1;0,0,2"};

std::vector<std::string> With(std::vector<std::string> args, const std::vector<std::string>& more) {
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

std::string BadMessage(const std::vector<std::string>& args) {
  auto outcome = RunSim(args);
  REQUIRE_FALSE(outcome.ok());
  CHECK(outcome.status().code() == osgrid::Code::kBadRequest);
  return outcome.status().message();
}

Json Names(std::initializer_list<const char*> names) {
  Json list = Json::array();
  for (const char* name : names) list.push_back(name);
  return list;
}

}  // namespace

TEST_CASE("sim deadlock: the book's Banker's example and its three requests", "[cli][sim][deadlock]") {
  auto outcome = RunSim(With(kBook, {"-r", "P1:1,0,2", "-r", "P4:3,3,0", "-r", "P0:0,2,0", "-c"}));
  REQUIRE(outcome.ok());
  const Json& json = outcome->json;
  CHECK(json["mode"] == "banker");
  CHECK(json["safe"] == true);
  CHECK(json["sequence"] == Names({"P1", "P3", "P0", "P2", "P4"}));
  CHECK(json["cycle"].is_null());
  CHECK(json["deadlocked"].is_null());
  CHECK(json["victims"].is_null());
  CHECK(json["need"][0] == Json::array({7, 4, 3}));
  CHECK(json["total"] == Json::array({10, 5, 7}));
  CHECK(json["work_trace"][1]["work"] == Json::array({7, 4, 3}));
  REQUIRE(json["requests"].size() == 3);
  CHECK(json["requests"][0]["granted"] == true);
  CHECK(json["requests"][0]["available"] == Json::array({2, 3, 0}));
  CHECK(json["requests"][1]["granted"] == false);
  CHECK(json["requests"][1]["decision"] == "wait");
  CHECK(json["requests"][1]["reason"] == "not enough available: P4 requests 3 of A but only 2 are available");
  CHECK(json["requests"][2]["decision"] == "denied");
  CHECK(json["requests"][2]["reason"] == "unsafe: no safe sequence after granting");
  CHECK(outcome->text.find("Safe sequence <P1, P3, P0, P2, P4>") != std::string::npos);
  CHECK(outcome->text.find("DENIED") != std::string::npos);
  CHECK(outcome->svg.find("<svg") != std::string::npos);

  const auto* topic = osgrid::sim::FindTopic("deadlock");
  REQUIRE(topic != nullptr);
  CHECK(topic->policy_flag.empty());
  CHECK(topic->brief(json) == "safe: <P1, P3, P0, P2, P4>");
  CHECK(topic->summarize(json)[0] == std::make_pair(std::string("safe"), std::string("yes")));
}

TEST_CASE("sim deadlock: without -c the problem is printed, not the answer", "[cli][sim][deadlock]") {
  auto outcome = RunSim(With(kBook, {"-r", "P1:1,0,2"}));
  REQUIRE(outcome.ok());
  CHECK(outcome->text.find("Is the state safe? If so, give a safe sequence.") != std::string::npos);
  CHECK(outcome->text.find("Request 1: P1 requests (1, 0, 2). Can it be granted at once?") != std::string::npos);
  CHECK(outcome->text.find("Safe sequence") == std::string::npos);
  CHECK(outcome->json["safe"] == true);  // the JSON always holds the answers
}

TEST_CASE("sim deadlock: --total computes Available", "[cli][sim][deadlock]") {
  auto outcome = RunSim({"deadlock", "--total", "10,5,7", "--max", "7,5,3;3,2,2;9,0,2;2,2,2;4,3,3", "--allocation",
                         "0,1,0;2,0,0;3,0,2;2,1,1;0,0,2", "--names", "tape,printer,disk"});
  REQUIRE(outcome.ok());
  CHECK(outcome->json["available"] == Json::array({3, 3, 2}));
  CHECK(outcome->json["resources"] == Names({"tape", "printer", "disk"}));
}

TEST_CASE("sim deadlock: bad input is a BAD_REQUEST with a clear message", "[cli][sim][deadlock]") {
  CHECK(BadMessage(With(kBook, {"-r", "P1:0,4,0"})) == "--request P1: P1 requests 4 of B but its remaining need is 2");
  CHECK(BadMessage(With(kBook, {"-r", "P9:0,1,0"})) ==
        "--request 'P9:0,1,0': unknown process P9 (there are 5: P0..P4)");
  CHECK(BadMessage({"deadlock", "-a", "3,3,2", "-M", "7,5,3;3,2", "-A", "0,1,0;2,0,0"}) ==
        "--max: row P1 has 2 values but row P0 has 3");
  CHECK(BadMessage({"deadlock", "-a", "3,5,3", "-M", "7,5,3;3,2,2", "-A", "0,1,0;4,0,0"}) ==
        "P1 holds 4 of A but its maximum is 3");
  CHECK(BadMessage({"deadlock", "-a", "3,3,2", "-M", "7,5,3;3,2,2", "-A", "0,1,0;2,0,-1"}) ==
        "Allocation row P1: C is -1, must be >= 0");
  CHECK(BadMessage({"deadlock", "--wait-for", "P1->P2,P2"}) == "--wait-for: 'P2' is not an edge like P1->R1");
  CHECK(BadMessage({"deadlock", "--edges", "P1->P2"}).find("an edge joins a process and a resource") !=
        std::string::npos);
  CHECK(BadMessage({"deadlock", "--edges", "P1->X1"}).find("names start with P (process) or R (resource)") !=
        std::string::npos);
  CHECK(BadMessage({"deadlock", "--edges", "R1->P1,R1->P2"}) == "--edges: R1 has 1 instance but 2 are assigned");
  CHECK(BadMessage({"deadlock"}).find("give --max") != std::string::npos);
  CHECK(BadMessage({"deadlock", "--banker", "--detect"}) == "choose one of --banker, --detect and --graph");
  CHECK(BadMessage({"deadlock", "-n", "4"}) == "-n/--processes and -m/--resources size a random problem: add -s SEED");
}

// Silberschatz 10e, 8.7.2.
TEST_CASE("sim deadlock: detection, the book's example and its deadlock", "[cli][sim][deadlock]") {
  const std::vector<std::string> args = {"deadlock", "-a", "0,0,0", "-A", "0,1,0;2,0,0;3,0,3;2,1,1;0,0,2"};
  auto fine = RunSim(With(args, {"-R", "0,0,0;2,0,2;0,0,0;1,0,0;0,0,2", "-c"}));
  REQUIRE(fine.ok());
  CHECK(fine->json["mode"] == "detect");
  CHECK(fine->json["safe"].is_null());
  CHECK(fine->json["deadlock"] == false);
  CHECK(fine->json["deadlocked"] == Json::array());
  CHECK(fine->json["sequence"] == Names({"P0", "P2", "P1", "P3", "P4"}));
  CHECK(fine->json["victims"].is_null());

  auto stuck = RunSim(With(args, {"-R", "0,0,0;2,0,2;0,0,1;1,0,0;0,0,2", "--recover", "-c"}));
  REQUIRE(stuck.ok());
  CHECK(stuck->json["deadlocked"] == Names({"P1", "P2", "P3", "P4"}));
  CHECK(stuck->json["sequence"] == Names({"P0"}));
  CHECK(stuck->json["victims"] == Names({"P4"}));
  CHECK(stuck->text.find("abort P4") != std::string::npos);
  CHECK(osgrid::sim::FindTopic("deadlock")->brief(stuck->json) == "deadlocked: P1, P2, P3, P4");
}

TEST_CASE("sim deadlock: graphs, cycles and recovery", "[cli][sim][deadlock]") {
  auto rag = RunSim({"deadlock", "--edges", "P1->R1,R1->P2,P2->R2,R2->P1", "-c"});
  REQUIRE(rag.ok());
  CHECK(rag->json["mode"] == "graph");
  CHECK(rag->json["cycle"] == Names({"P1", "R1", "P2", "R2"}));
  CHECK(rag->json["cycle_text"] == "P1 -> R1 -> P2 -> R2 -> P1");
  CHECK(rag->json["deadlock"] == true);
  CHECK(rag->json["deadlocked"] == Names({"P1", "P2"}));
  CHECK(rag->json["wait_for_edges"] == Json::array({Json::array({"P1", "P2"}), Json::array({"P2", "P1"})}));
  CHECK(rag->svg.find("#d62728") != std::string::npos);  // the cycle is drawn in red

  // Figure 8.6: a cycle, but R1 and R2 have two instances: no deadlock.
  auto fig86 = RunSim({"deadlock", "--graph", "--edges", "P1->R1,R1->P2,R1->P3,P3->R2,R2->P1,R2->P4", "--instances",
                       "R1=2,R2=2", "-c"});
  REQUIRE(fig86.ok());
  CHECK(fig86->json["cycle"] == Names({"P1", "R1", "P3", "R2"}));
  CHECK(fig86->json["single_instance"] == false);
  CHECK(fig86->json["deadlock"] == false);
  CHECK(fig86->json["deadlocked"] == Json::array());

  auto wfg = RunSim({"deadlock", "--wait-for", "P1->P2,P2->P3,P3->P1,P4->P1", "--recover", "-c"});
  REQUIRE(wfg.ok());
  CHECK(wfg->json["cycle_text"] == "P1 -> P2 -> P3 -> P1");
  CHECK(wfg->json["deadlocked"] == Names({"P1", "P2", "P3", "P4"}));
  CHECK(wfg->json["victims"] == Names({"P3"}));  // all hold one; the highest-numbered
  CHECK(osgrid::sim::FindTopic("deadlock")->brief(wfg->json) == "cycle: P1 -> P2 -> P3 -> P1");
  const auto summary = osgrid::sim::FindTopic("deadlock")->summarize(wfg->json);
  CHECK(summary[1].second == "4");
  CHECK(summary[2].second == "3");
}

TEST_CASE("sim deadlock: random problems are reproducible", "[cli][sim][deadlock]") {
  for (const char* mode : {"--banker", "--detect", "--graph"}) {
    auto a = RunSim({"deadlock", mode, "-s", "7", "-n", "4", "-m", "3", "-c"});
    auto b = RunSim({"deadlock", mode, "-s", "7", "-n", "4", "-m", "3", "-c"});
    REQUIRE(a.ok());
    REQUIRE(b.ok());
    CHECK(a->json == b->json);
    CHECK(a->text == b->text);
  }
  auto banker = RunSim({"deadlock", "-s", "3"});
  REQUIRE(banker.ok());
  CHECK(banker->json["processes"].size() == 5);
}

TEST_CASE("sim deadlock: a state file", "[cli][sim][deadlock]") {
  const std::string path = "deadlock_state_test.txt";
  {
    std::ofstream file(path);
    file << "# Silberschatz 10e, 8.6.3.3\n"
            "resources: A B C\n"
            "total: 10 5 7\n"
            "allocation:\n  P0: 0 1 0\n  P1: 2 0 0\n  P2: 3 0 2\n  P3: 2 1 1\n  P4: 0 0 2\n"
            "max:\n  7 5 3\n  3 2 2\n  9 0 2\n  2 2 2\n  4 3 3\n"
            "requests:\n  P1: 1 0 2\n";
  }
  auto outcome = RunSim({"deadlock", "-f", path, "-c"});
  REQUIRE(outcome.ok());
  CHECK(outcome->json["available"] == Json::array({3, 3, 2}));
  CHECK(outcome->json["requests"][0]["granted"] == true);

  {
    std::ofstream file(path);
    file << "allocation:\n  P1: 0 1 0\n";
  }
  CHECK(BadMessage({"deadlock", "-f", path}) == "--file line 2: expected row P0 of allocation, got P1");
  {
    std::ofstream file(path);
    file << "colours: red\n";
  }
  CHECK(BadMessage({"deadlock", "-f", path}).find("--file line 1: 'colours: red' is outside any section") == 0);
  std::remove(path.c_str());
}

TEST_CASE("sim deadlock: a Banker's state of 1,500 processes: the book's answer, every row", "[cli][sim][deadlock]") {
  // A state whose safe sequence is not simply P0, P1, ...: some processes need more than is free at first.
  osgrid::os::Rng rng(42);
  osgrid::os::BankerState state;
  const std::size_t n = 1500, m = 4;
  state.available = {6, 6, 6, 6};
  std::string max, allocation;
  for (std::size_t i = 0; i < n; ++i) {
    osgrid::os::ResourceVector max_row, held_row;
    for (std::size_t j = 0; j < m; ++j) {
      max_row.push_back(rng.Uniform(0, 12));
      held_row.push_back(rng.Uniform(0, max_row.back()));
      max += (j ? "," : (i ? ";" : "")) + std::to_string(max_row.back());
      allocation += (j ? "," : (i ? ";" : "")) + std::to_string(held_row.back());
    }
    state.max.push_back(max_row);
    state.allocation.push_back(held_row);
  }
  const auto book = osgrid::os::RunSafetyAlgorithm(state);  // the textbook's O(n^2 m) loop
  REQUIRE(book.ok());

  auto outcome = RunSim({"deadlock", "-a", "6,6,6,6", "-M", max, "-A", allocation, "-c"});
  REQUIRE(outcome.ok());
  const Json& json = outcome->json;
  CHECK(json["safe"] == book->safe);
  REQUIRE(json["sequence"].size() == book->sequence.size());
  for (std::size_t k = 0; k < book->sequence.size(); ++k) {
    CHECK(json["sequence"][k] == osgrid::os::ProcessName(book->sequence[k]));
  }
  REQUIRE(json["work_trace"].size() == book->trace.size());
  for (std::size_t k = 0; k < book->trace.size(); ++k) {
    CHECK(json["work_trace"][k]["work"] == Json(book->trace[k].work));
    CHECK(json["work_trace"][k]["need"] == Json(book->trace[k].wanted));
  }
  CHECK(json["unfinished"].size() == book->unfinished.size());
  CHECK(json["need"].size() == n);
  CHECK(json["allocation"][n - 1] == Json(state.allocation[n - 1]));

  // The text: one row per process in the matrices and per step in the trace, each table's rows of one width.
  std::istringstream text(outcome->text);
  std::size_t matrix_rows = 0, trace_rows = 0, matrix_width = 0, trace_width = 0;
  bool in_trace = false;
  for (std::string line; std::getline(text, line);) {
    if (line.rfind("Safety algorithm", 0) == 0) in_trace = true;
    if (!in_trace && line.rfind("  P", 0) == 0 && line.size() > 3 && line[3] >= '0' && line[3] <= '9') {
      ++matrix_rows;
      if (matrix_width == 0) matrix_width = line.size();
      CHECK(line.size() == matrix_width);
    }
    if (in_trace && line.size() > 2 && line[2] >= '1' && line[2] <= '9') {
      ++trace_rows;
      if (trace_width == 0) trace_width = line.size();
      CHECK(line.size() == trace_width);
    }
  }
  CHECK(matrix_rows == n);
  CHECK(trace_rows == book->trace.size());
  CHECK(outcome->text.find(book->safe ? "Answer: SAFE." : "Answer: UNSAFE.") != std::string::npos);
}
