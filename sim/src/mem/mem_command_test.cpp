// `osgrid sim mem`: answers through RunSim, as the scenario runner calls it.
#include <catch2/catch.hpp>

#include "sim_test_support.h"

using osgrid::sim::RunSim;

namespace {

osgrid::Json Solve(std::vector<std::string> args) {
  args.push_back("-c");
  return osgrid::sim::testing::SimOk("mem", args).json;
}
std::string BadRequest(const std::vector<std::string>& args) { return osgrid::sim::testing::SimError("mem", args); }

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

namespace {

std::string Text(std::vector<std::string> args) { return osgrid::sim::testing::SimOk("mem", args).text; }

std::size_t Count(const std::string& text, const std::string& what) {
  std::size_t count = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++count;
  return count;
}

}  // namespace

TEST_CASE("sim mem prints malloc.py's argument lines, also with -A", "[cli][sim][mem][ostep]") {
  const std::string random = Text({"-n", "2", "-s", "5", "--ostep"});
  CHECK(random.rfind("seed 5\nsize 100\nbaseAddr 1000\nheaderSize 0\nalignment -1\npolicy BEST\nlistOrder ADDRSORT\n"
                     "coalesce False\nnumOps 2\nrange 10\npercentAlloc 50\nallocList \ncompute False\n\n",
                     0) == 0);
  // With -A every line is still there, and allocList is the list as typed.
  const std::string listed = Text({"-A", "+10,-0", "-p", "first", "-l", "sizesort+", "--ostep"});
  CHECK(listed.find("policy FIRST\nlistOrder SIZESORT+\n") != std::string::npos);
  CHECK(listed.find("numOps 10\nrange 10\npercentAlloc 50\nallocList +10,-0\n") != std::string::npos);
}

TEST_CASE("sim mem random programs print as malloc.py's: List? with a space, the address after the header",
          "[cli][sim][mem][ostep]") {
  const std::string problem = Text({"-n", "4", "-s", "1", "--ostep"});
  CHECK(Count(problem, "List? \n\n") == 4);
  const std::string listed = Text({"-A", "+5", "--ostep"});
  CHECK(listed.find("List?\n\n") != std::string::npos);
  CHECK(listed.find("List? ") == std::string::npos);
  // Random: ptr + header (and header - 1 when the Alloc fails); -A: the block's start.
  const auto run = osgrid::sim::testing::SimOk("mem", {"-n", "6", "-s", "0", "-H", "4", "-S", "12", "-c"});
  bool failed = false;
  for (const auto& op : run.json["ops"]) {
    if (op["op"] != "alloc") continue;
    const std::int64_t addr = op["addr"], returned = op["returned"];
    CHECK(returned == addr + 4);
    failed = failed || addr == -1;
    CHECK(run.text.find("ptr[" + std::to_string(op["ptr"].get<int>()) + "] = Alloc(" +
                        std::to_string(op["size"].get<int>()) + ") returned " + std::to_string(returned) + " (") !=
          std::string::npos);
  }
  CHECK(failed);  // a 12-byte heap with 4-byte headers: some Alloc fails and prints 3
  const auto explicit_run = osgrid::sim::testing::SimOk("mem", {"-A", "+5,+500", "-H", "4", "-c"});
  CHECK(explicit_run.json["ops"][0]["returned"] == 1000);
  CHECK(explicit_run.json["ops"][1]["returned"] == -1);
}

TEST_CASE("sim mem: a free of a pointer never returned prints malloc.py's one line", "[cli][sim][mem][ostep]") {
  const std::string text = Text({"-S", "20", "-A", "+5,-3,+6", "-c", "--ostep"});
  CHECK(text.find("Free List [ Size 1 ]: [ addr:1005 sz:15 ]\n\nInvalid Free: Skipping\nptr[1] = Alloc(6)") !=
        std::string::npos);
}

// malloc.py frees ptr[K] only while K < the number of successful Allocs: here
// ptr[1] failed, so it skips the valid free of ptr[2]. osgrid frees it.
TEST_CASE("sim mem frees a valid pointer after a failed Alloc (malloc.py skips it)", "[cli][sim][mem]") {
  const auto run = osgrid::sim::testing::SimOk("mem", {"-S", "20", "-A", "+5,+30,+5,-2,+3", "-c"});
  const auto& ops = run.json["ops"];
  CHECK(ops[1]["addr"] == -1);
  CHECK(ops[3]["skipped"] == false);
  CHECK(ops[3]["returned"] == 0);
  CHECK(ops[4]["addr"] == 1005);  // best fit: the 5 bytes ptr[2] gave back
  CHECK(run.text.find("Free(ptr[2])\nreturned 0\n") != std::string::npos);
}

TEST_CASE("sim mem: osgrid's additions follow malloc.py's last line, never inside it", "[cli][sim][mem][ostep]") {
  const std::vector<std::string> args{"-S", "30", "-n", "12", "-s", "4", "-r", "20", "-c"};
  std::vector<std::string> ostep_args = args;
  ostep_args.push_back("--ostep");
  const std::string ostep = Text(ostep_args), full = Text(args);
  REQUIRE(full.rfind(ostep, 0) == 0);
  const std::string additions = full.substr(ostep.size());
  CHECK(ostep.find("fragmentation") == std::string::npos);
  CHECK(ostep.find("Summary") == std::string::npos);
  CHECK(additions.rfind("Failed allocations (osgrid):\n  ptr[4] = Alloc(19): external fragmentation", 0) == 0);
  CHECK(additions.find("Memory map") != std::string::npos);
  // Without -c, the additions are one hint after malloc.py's lines.
  const std::string problem = Text({"-n", "3"}), problem_ostep = Text({"-n", "3", "--ostep"});
  REQUIRE(problem.rfind(problem_ostep, 0) == 0);
  CHECK(problem.substr(problem_ostep.size()).rfind("Compute the address", 0) == 0);
}

TEST_CASE("sim mem prints the free list after every op of a long program", "[cli][sim][mem]") {
  const auto run = osgrid::sim::testing::SimOk("mem", {"-n", "3000", "-S", "5000", "-r", "20", "-s", "2", "-c"});
  CHECK(Count(run.text, "Free List [ Size ") == 3000);
  REQUIRE(run.json["ops"].size() == 3000);
  CHECK(run.json["ops"][2999].contains("free_list"));
  // The JSON's last free list is the final heap's.
  std::int64_t free_bytes = 0;
  for (const auto& chunk : run.json["ops"][2999]["free_list"]) free_bytes += chunk["size"].get<std::int64_t>();
  CHECK(free_bytes == run.json["free_bytes"]);
}

TEST_CASE("sim mem --compact-at works on a random program too", "[cli][sim][mem]") {
  const auto run = osgrid::sim::testing::SimOk("mem", {"-n", "10", "-s", "3", "--compact-at", "4", "-c"});
  REQUIRE(run.json["ops"].size() == 11);
  CHECK(run.json["ops"][5]["op"] == "compact");
  CHECK(run.json["ops"][5]["free_list"].size() == 1);
  CHECK(run.text.find("Compact()\nmoved ") != std::string::npos);
}

// ---- Keys: replaying a live peer's memory store (docs/sim/mem.md) ----------

// The peer's arena (base 0, 24-byte headers, 8-byte alignment, first fit,
// coalescing) after SET user:1 (120 bytes), SET cart (300), SET user:1 (200),
// DEL cart. The overwrite places user:1's new block before freeing the old.
TEST_CASE("sim mem replays a peer's SET and DEL as KEY=N and -KEY", "[cli][sim][mem][keys]") {
  const std::string text = Text({"-S", "4096", "-b", "0", "-H", "24", "-a", "8", "-C", "-p", "FIRST", "-A",
                                 "user:1=120,cart=300,user:1=200,-cart", "-c"});
  const std::string ops = text.substr(text.find("compute True\n\n") + 14);
  CHECK(ops ==
        "user:1=120 returned 0 (searched 1 elements)\n"
        "Free List [ Size 1 ]: [ addr:144 sz:3952 ]\n"
        "\n"
        "cart=300 returned 144 (searched 1 elements)\n"
        "Free List [ Size 1 ]: [ addr:472 sz:3624 ]\n"
        "\n"
        "user:1=200 returned 472 (searched 1 elements)\n"
        "  (freed old block at 0, 144 bytes)\n"
        "Free List [ Size 2 ]: [ addr:0 sz:144 ][ addr:696 sz:3400 ]\n"
        "\n"
        "-cart returned 0\n"
        "Free List [ Size 2 ]: [ addr:0 sz:472 ][ addr:696 sz:3400 ]\n"
        "\n"
        "Summary\n"
        "  figure                  value\n"
        "  allocations             3 (0 failed: 0 no space, 0 external fragmentation)\n"
        "  frees                   2\n"
        "  external fragmentation  0.12 (largest free block 3400 of 3872 free bytes)\n"
        "  internal fragmentation  24 bytes (0 alignment, 24 headers)\n"
        "  allocated / free        224 / 3872 bytes (2 free blocks)\n"
        "  elements searched       3\n"
        "\n"
        "Memory map (64.00 bytes per column; ptr[N] shows as N, a key as its letter below, free as .)\n"
        "0 |.......AAAA.....................................................| 4096\n"
        "  A=user:1 472+224\n");
  CHECK(text.find("allocList user:1=120,cart=300,user:1=200,-cart\n") != std::string::npos);
}

TEST_CASE("sim mem: a set refused by external fragmentation says so with the figures", "[cli][sim][mem][keys]") {
  const std::vector<std::string> args{
      "-S", "100", "-b", "0", "-p", "FIRST", "-C", "-A", "a=20,b=20,c=20,d=20,e=20,-b,-d,f=30,C,f=30", "-c"};
  const auto run = osgrid::sim::testing::SimOk("mem", args);
  CHECK(run.text.find("f=30 returned -1 (searched 2 elements)\n"
                      "Free List [ Size 2 ]: [ addr:20 sz:20 ][ addr:60 sz:20 ]\n") != std::string::npos);
  CHECK(run.text.find("Compact()\nmoved 40 bytes: 40->20, 80->40\n") != std::string::npos);
  CHECK(run.text.find("f=30 returned 60 (searched 1 elements)\n") != std::string::npos);
  // The failure in the words of the peer's store (os::DescribeAllocFailure).
  CHECK(run.text.find("Failed allocations (osgrid):\n"
                      "  f=30: external fragmentation: need 30 B; 40 B free in 2 holes, largest 20 B\n\n") !=
        std::string::npos);
  CHECK(run.text.find("Memory map (1.56 bytes per column; ptr[N] shows as N, a key as its letter below, free as .)\n"
                      "0 |AAAAAAAAAAAAABBBBBBBBBBBBBCCCCCCCCCCCCDDDDDDDDDDDDDDDDDDDD......| 100\n"
                      "  A=a 0+20  B=c 20+20  C=e 40+20  D=f 60+30\n") != std::string::npos);
  const auto& ops = run.json["ops"];
  CHECK(ops[7]["op"] == "set");
  CHECK(ops[7]["key"] == "f");
  CHECK(ops[7]["addr"] == -1);
  CHECK(ops[7]["failure"] == "external fragmentation");
  CHECK(ops[7]["old_block"].is_null());
  CHECK(run.json["failed_fragmentation"] == 1);
  CHECK(run.json["alloc_list"] == "a=20,b=20,c=20,d=20,e=20,-b,-d,f=30,C,f=30");
}

TEST_CASE("sim mem JSON: set and delete ops, and blocks owned by keys", "[cli][sim][mem][keys]") {
  const auto json = Solve({"-S", "100", "-b", "0", "-p", "FIRST", "-C", "-A", "a=20,+10,a=30,-a,-a,-0,b=5"});
  const auto& ops = json["ops"];
  CHECK(ops[2] == osgrid::Json::parse(R"({"op":"set","key":"a","size":30,"addr":30,"returned":30,"searched":1,
      "block_size":30,"failure":null,"old_block":{"addr":0,"size":20},
      "free_list":[{"addr":0,"size":20},{"addr":60,"size":40}]})"));
  CHECK(ops[3] == osgrid::Json::parse(R"({"op":"delete","key":"a","size":30,"addr":30,"returned":0,"skipped":false,
      "searched":0,"free_list":[{"addr":0,"size":20},{"addr":30,"size":70}]})"));
  CHECK(ops[4]["skipped"] == true);  // a has no block any more
  CHECK(ops[4]["returned"] == -1);
  CHECK(ops[4]["addr"] == -1);
  CHECK(json["blocks"] == osgrid::Json::parse(R"([{"addr":0,"size":5,"free":false,"ptr":null,"key":"b","requested":5},
      {"addr":5,"size":95,"free":true,"ptr":null}])"));
}

TEST_CASE("sim mem: pointers and keys on one heap, compacted together", "[cli][sim][mem][keys]") {
  const auto run = osgrid::sim::testing::SimOk(
      "mem", {"-S", "100", "-b", "0", "-p", "FIRST", "-A", "+20,a=20,-0,+10,-nope", "--compact-at", "2", "-c"});
  CHECK(run.json["ops"][3]["moves"] == osgrid::Json::parse(R"([{"from":20,"to":0,"size":20}])"));
  CHECK(run.json["ops"][4]["addr"] == 20);  // ptr[1] after a, which now lives at 0
  CHECK(run.text.find("-nope returned -1 (no such key: skipped)\nFree List [ Size 1 ]: [ addr:30 sz:70 ]\n") !=
        std::string::npos);
  CHECK(run.text.find("  A=a 0+20  1=ptr[1] 20+10\n") != std::string::npos);
  CHECK(run.svg.find("<title>a 0-19 (20 B)</title>") != std::string::npos);
  CHECK(run.svg.find(">-nope -&gt; -1</text>") != std::string::npos);  // the row's label
}

TEST_CASE("sim mem: keys under the buddy system", "[cli][sim][mem][keys]") {
  const std::string text = Text({"-p", "BUDDY", "-S", "64", "-b", "0", "-A", "a=20,a=20", "-c"});
  CHECK(text.find("a=20 returned 32 (searched 1 free lists; 32-byte block, 0 splits)\n"
                  "  (freed old block at 0, 32 bytes)\n") != std::string::npos);
}

TEST_CASE("sim mem: key ops as a problem, and only key ops add words", "[cli][sim][mem][keys]") {
  const std::string problem = Text({"-A", "a=10,-a,+5"});
  CHECK(problem.find("a=10 returned ?\nList?\n\n-a returned ?\nList?\n\nptr[0] = Alloc(5) returned ?\n") !=
        std::string::npos);
  CHECK(problem.find("A set KEY=N returns what an Alloc would, then frees KEY's old block (if any);\n") !=
        std::string::npos);
  const std::string plain = Text({"-A", "+10,-0", "-c"});
  CHECK(plain.find("KEY") == std::string::npos);
  CHECK(plain.find("a key as its letter") == std::string::npos);
  CHECK(Text({"-A", "+10,-0"}).find("KEY") == std::string::npos);
}

TEST_CASE("sim mem refuses bad key ops, naming the op", "[cli][sim][mem][keys]") {
  CHECK(BadRequest({"-A", "+10,12=5"}).find("op 1 '12=5': a key cannot be all digits") != std::string::npos);
  CHECK(BadRequest({"-A", "a=0"}).find("op 0 'a=0': a set must ask for at least 1 byte") != std::string::npos);
  CHECK(BadRequest({"-A", "a=x"}).find("op 0 'a=x': expected KEY=SIZE") != std::string::npos);
  CHECK(BadRequest({"-A", "cart"}).find("op 0 'cart': expected +SIZE (allocate)") != std::string::npos);
}
