// `osgrid sim mem`: answers through RunSim, as the scenario runner calls it.
#include <catch2/catch.hpp>

#include "sim/sim_test_support.h"

using osgrid::cli::sim::RunSim;

namespace {

osgrid::Json Solve(std::vector<std::string> args) {
  args.push_back("-c");
  return osgrid::cli::sim::testing::SimOk("mem", args).json;
}
std::string BadRequest(const std::vector<std::string>& args) {
  return osgrid::cli::sim::testing::SimError("mem", args);
}

}  // namespace

// malloc.py -S 100 -b 1000 -H 4 -a 4 -p BEST -l ADDRSORT -C -A +10,+20,-0 -c:
//   ptr[0] = Alloc(10) returned 1000 (searched 1 elements)
//   Free List [ Size 1 ]: [ addr:1016 sz:84 ]
//   ptr[1] = Alloc(20) returned 1016 (searched 1 elements)
//   Free List [ Size 1 ]: [ addr:1040 sz:60 ]
//   Free(ptr[0]) returned 0
//   Free List [ Size 2 ]: [ addr:1000 sz:16 ][ addr:1040 sz:60 ]
TEST_CASE("sim mem answers as malloc.py for an -A list", "[cli][sim][mem]") {
  const auto json = Solve(
      {"-S", "100", "-b", "1000", "-H", "4", "-a", "4", "-p", "BEST", "-l", "ADDRSORT", "-C", "-A", "+10,+20,-0"});
  CHECK(json["policy"] == "BEST");
  CHECK(json["list_order"] == "ADDRSORT");
  CHECK(json["coalesce"] == true);
  const auto& ops = json["ops"];
  REQUIRE(ops.size() == 3);
  CHECK(ops[0]["op"] == "alloc");
  CHECK(ops[0]["addr"] == 1000);
  CHECK(ops[0]["searched"] == 1);
  CHECK(ops[0]["free_list"] == osgrid::Json::parse(R"([{"addr":1016,"size":84}])"));
  CHECK(ops[1]["addr"] == 1016);
  CHECK(ops[2]["op"] == "free");
  CHECK(ops[2]["ptr"] == 0);
  CHECK(ops[2]["addr"] == 1000);
  CHECK(ops[2]["free_list"] == osgrid::Json::parse(R"([{"addr":1000,"size":16},{"addr":1040,"size":60}])"));
  // 76 bytes free, the largest piece 60: 1 - 60/76.
  CHECK(json["external_fragmentation"].get<double>() == Approx(1.0 - 60.0 / 76.0));
  CHECK(json["internal_fragmentation"] == 4);  // ptr[1]: 20 bytes need no padding, plus a 4-byte header
  CHECK(json["failed"] == 0);
  CHECK(json["blocks"].size() == 3);
  CHECK(json["blocks"][1]["ptr"] == 1);
}

TEST_CASE("sim mem text shows malloc.py's lines, a summary and a map", "[cli][sim][mem]") {
  auto outcome =
      RunSim({"mem", "-S", "100", "-b", "1000", "-H", "4", "-a", "4", "-p", "BEST", "-C", "-A", "+10,+20,-0", "-c"});
  REQUIRE(outcome.ok());
  const std::string& text = outcome->text;
  CHECK(
      text.find("ptr[0] = Alloc(10) returned 1000 (searched 1 elements)\nFree List [ Size 1 ]: [ addr:1016 sz:84 ]") !=
      std::string::npos);
  CHECK(text.find("Free(ptr[0])\nreturned 0\n") != std::string::npos);
  CHECK(text.find("external fragmentation") != std::string::npos);
  CHECK(text.find("1000 |") != std::string::npos);
  auto problem = RunSim({"mem", "-A", "+10,-0"});
  REQUIRE(problem.ok());
  CHECK(problem->text.find("returned ?") != std::string::npos);
  CHECK(problem->text.find("1000 |") == std::string::npos);
  CHECK(outcome->svg.find("<svg") != std::string::npos);
}

TEST_CASE("sim mem runs next fit, the buddy system and compaction", "[cli][sim][mem]") {
  const auto buddy = Solve({"-p", "buddy", "-S", "256", "-b", "0", "-A", "+21"});
  CHECK(buddy["ops"][0]["block_size"] == 32);
  CHECK(buddy["ops"][0]["splits"] == 3);
  CHECK(buddy["internal_fragmentation"] == 11);
  CHECK(buddy["list_order"].is_null());
  const auto compact = Solve({"-p", "FIRST", "-A", "+10,+20,-0,C,+70"});
  CHECK(compact["ops"][3]["op"] == "compact");
  CHECK(compact["ops"][3]["moved_bytes"] == 20);
  CHECK(compact["ops"][4]["addr"] == 1020);
  const auto at = Solve({"-p", "FIRST", "-A", "+10,+20,-0,+70", "--compact-at", "2"});
  CHECK(at["ops"][4]["addr"] == 1020);
  const auto next = Solve({"-p", "NEXT", "-A", "+10,+10,-0,+5", "--indexed"});
  CHECK(next["ops"][3]["addr"] == 1020);  // next fit carries on after ptr[1]
  CHECK(next["indexed"] == true);
}

TEST_CASE("sim mem random problems are reproducible from the seed", "[cli][sim][mem]") {
  const auto a = Solve({"-s", "3", "-n", "20"});
  const auto b = Solve({"-s", "3", "-n", "20"});
  CHECK(a["ops"] == b["ops"]);
  CHECK(a["seed"] == 3);
  CHECK(a["ops"].size() == 20);
}

TEST_CASE("sim mem refuses bad input", "[cli][sim][mem]") {
  CHECK(BadRequest({"-p", "GOOD"}).find("-p/--policy") != std::string::npos);
  CHECK(BadRequest({"-l", "RANDOM"}).find("-l/--listOrder") != std::string::npos);
  CHECK(BadRequest({"-S", "0"}).find("heap size") != std::string::npos);
  CHECK(BadRequest({"-p", "BUDDY", "-S", "100"}).find("power of two") != std::string::npos);
  CHECK(BadRequest({"-A", "+10,x"}).find("op 1 'x'") != std::string::npos);
  CHECK(BadRequest({"-A", "+10", "--compact-at", "3"}).find("--compact-at") != std::string::npos);
  CHECK(BadRequest({"-P", "0"}).find("-P") != std::string::npos);
  CHECK(BadRequest({"-l", "SIZESORT+", "--indexed"}).find("ADDRSORT") != std::string::npos);
  CHECK(BadRequest({"-p", "BUDDY", "-S", "64", "-A", "+4,C"}).find("cannot compact") != std::string::npos);
}
