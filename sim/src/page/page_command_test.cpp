// `osgrid sim page` end to end: the answers in --json, paging-policy.py's
// text, and bad input.
#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>

#include "osgrid/os/py_random.h"
#include "sim_test_support.h"

using osgrid::Json;
using osgrid::sim::RunSim;

namespace {

using osgrid::sim::testing::SimError;
using osgrid::sim::testing::SimOk;

osgrid::sim::Output Page(const std::vector<std::string>& args) { return SimOk("page", args); }
std::string Error(const std::vector<std::string>& args) { return SimError("page", args); }

}  // namespace

TEST_CASE("sim page: Belady's anomaly with FIFO, 9 faults at 3 frames and 10 at 4", "[cli][sim][page]") {
  const auto three = Page({"-a", "1,2,3,4,1,2,5,1,2,3,4,5", "-p", "FIFO", "-C", "3", "-c"});
  CHECK(three.json["policy"] == "FIFO");
  CHECK(three.json["cache_size"] == 3);
  CHECK(three.json["misses"] == 9);
  CHECK(three.json["hits"] == 3);
  CHECK(three.json["hit_rate"].get<double>() == Approx(0.25));
  REQUIRE(three.json["accesses"].size() == 12);
  CHECK(three.json["accesses"][0]["evicted"].is_null());
  CHECK(three.json["accesses"][3]["evicted"] == 1);
  CHECK(three.json["accesses"][3]["cache"] == Json::array({2, 3, 4}));
  // paging-policy.py's trace line, then our frame table.
  CHECK_THAT(three.text,
             Catch::Contains("Access: 4  MISS FirstIn ->    [2, 3, 4] <- Lastin  Replaced:1 [Hits:0 Misses:4]"));
  CHECK_THAT(three.text, Catch::Contains("FINALSTATS hits 3   misses 9   hitrate 25.00"));
  CHECK_THAT(three.text, Catch::Contains("frame 0"));
  CHECK(Page({"-a", "1,2,3,4,1,2,5,1,2,3,4,5", "-p", "FIFO", "-C", "4", "-c"}).json["misses"] == 10);
  const auto curve = Page({"-a", "1,2,3,4,1,2,5,1,2,3,4,5", "-p", "fifo", "--frames-range", "1-5", "-c"});
  REQUIRE(curve.json["by_cache_size"].size() == 5);
  CHECK(curve.json["by_cache_size"][3] == Json({{"cache_size", 4}, {"misses", 10}}));
  CHECK_THAT(curve.text, Catch::Contains("Belady's anomaly"));
}

TEST_CASE("sim page: the problem without -c, like paging-policy.py", "[cli][sim][page]") {
  const auto problem = Page({"-a", "1,2", "-p", "LRU"});
  CHECK_THAT(problem.text, Catch::Contains("Assuming a replacement policy of LRU, and a cache of size 3 pages,"));
  CHECK_THAT(problem.text, Catch::Contains("Access: 2  Hit/Miss?  State of Memory?"));
  CHECK_THAT(problem.text, !Catch::Contains("MISS"));
  CHECK(problem.json["misses"] == 2);  // --json always holds the answers
}

TEST_CASE("sim page: Silberschatz's string under FIFO, LRU and OPT", "[cli][sim][page]") {
  const std::string refs = "7,0,1,2,0,3,0,4,2,3,0,3,2,1,2,0,1,7,0,1";
  CHECK(Page({"-a", refs, "-p", "FIFO", "-c"}).json["misses"] == 15);
  CHECK(Page({"-a", refs, "-p", "LRU", "-c"}).json["misses"] == 12);
  const auto opt = Page({"-a", refs, "-p", "OPT", "-c", "--svg", "unused.svg"});
  CHECK(opt.json["misses"] == 9);
  CHECK_THAT(opt.svg, Catch::Contains("<svg"));
  const auto* topic = osgrid::sim::FindTopic("page");
  REQUIRE(topic != nullptr);
  CHECK(topic->policy_flag == "-p");
  const auto summary = topic->summarize(opt.json);
  REQUIRE(summary.size() == 3);
  CHECK(summary[1] == std::make_pair(std::string("misses"), std::string("9")));
  CHECK(summary[2].second == "55.00%");
  CHECK_THAT(topic->brief(opt.json), Catch::Contains("fault"));
}

TEST_CASE("sim page: a seed draws paging-policy.py's reference string, int(maxpage * random())", "[cli][sim][page]") {
  const auto a = Page({"-s", "7", "-n", "15", "-m", "5", "-p", "CLOCK", "-c"});
  const auto b = Page({"-s", "7", "-n", "15", "-m", "5", "-p", "CLOCK", "-c"});
  CHECK(a.json == b.json);
  REQUIRE(a.json["references"].size() == 15);
  osgrid::os::PyRandom random(7);
  for (const Json& page : a.json["references"])
    CHECK(page.get<std::int64_t>() == static_cast<int>(5 * random.Random()));
  CHECK(a.json["clock_bits"] == 2);  // paging-policy.py's default -b
  CHECK_THAT(a.text, Catch::StartsWith("ARG addresses -1\nARG addressfile \nARG numaddrs 15\nARG policy CLOCK\n"
                                       "ARG clockbits 2\nARG cachesize 3\nARG maxpage 5\nARG seed 7\n"
                                       "ARG notrace False\n\nSolving...\n\n"));
}

TEST_CASE("sim page: RAND and CLOCK continue the seed's stream after the reference string", "[cli][sim][page]") {
  // With -a nothing is drawn for the string, so the victims start at the
  // seed's first draw; with a generated string of the same pages they start
  // after its draws, so the same seed may pick other victims.
  for (const std::string policy : {"RAND", "CLOCK"}) {
    const auto given = Page({"-s", "3", "-n", "30", "-m", "6", "-p", policy, "-c"});
    std::string list;
    for (const Json& page : given.json["references"]) list += (list.empty() ? "" : ",") + page.dump();
    const auto explicit_list = Page({"-a", list, "-s", "3", "-p", policy, "-c"});
    CHECK(explicit_list.json["references"] == given.json["references"]);
    // Both runs are reproducible.
    CHECK(Page({"-a", list, "-s", "3", "-p", policy, "-c"}).json == explicit_list.json);
  }
  // The victims of -a with RAND come from random.seed(seed) directly.
  const auto rand = Page({"-a", "1,2,3,4", "-p", "RAND", "-C", "3", "-s", "9", "-c"});
  osgrid::os::PyRandom random(9);
  const std::vector<int> before = {1, 2, 3};
  CHECK(rand.json["accesses"][3]["evicted"] == before[static_cast<std::size_t>(random.Random() * 3)]);
}

TEST_CASE("sim page: ARG lines echo the options as given, as paging-policy.py's", "[cli][sim][page]") {
  const auto lower = Page({"-a", "1,2,3,1", "-p", "lru", "-n", "010", "-C", "03", "-c"});
  CHECK_THAT(lower.text, Catch::Contains("ARG numaddrs 010\nARG policy lru\n"));
  CHECK_THAT(lower.text, Catch::Contains("ARG cachesize 03\n"));
  CHECK_THAT(lower.text, Catch::Contains("Access: 1  HIT  LRU -> "));  // solved as LRU
  CHECK(lower.json["policy"] == "LRU");
  CHECK_THAT(Page({"-a", "1", "-p", "lru"}).text,
             Catch::Contains("Assuming a replacement policy of lru, and a cache of size 3"));
  CHECK_THAT(Page({"-a", "1", "-p", "CLOCK", "-b", "0x3"}).text,
             Catch::Contains("ARG clockbits 3\n"));  // optparse's int
  CHECK_THAT(Page({"-a", "1", "-p", "CLOCK", "-b", "010"}).text, Catch::Contains("ARG clockbits 8\n"));
  CHECK(Page({"-n", "1_2"}).json["references"].size() == 12);  // Python's int()
}

TEST_CASE("sim page: CLOCK-HAND is the textbook hand, with one use bit by default", "[cli][sim][page]") {
  // Silberschatz 10.4.5.2: 1,2,3 loaded; 4 sweeps all three bits and evicts 1;
  // 2 is hit; 5 clears 2's bit and evicts 3.
  const auto hand = Page({"-a", "1,2,3,4,2,5", "-p", "clock-hand", "-c"});
  CHECK_THAT(hand.text, Catch::Contains("ARG policy clock-hand\nARG clockbits 1\n"));
  CHECK(hand.json["policy"] == "CLOCK-HAND");
  CHECK(hand.json["clock_bits"] == 1);
  CHECK(hand.json["accesses"][3]["evicted"] == 1);
  CHECK(hand.json["accesses"][5]["evicted"] == 3);
  CHECK_THAT(hand.text, Catch::Contains("Access: 5  MISS Left  ->    [2, 4, 5] <- Right Replaced:3 [Hits:1 Misses:5]"));
  CHECK(Page({"-a", "1,2,3,4,2,5", "-p", "CLOCK-HAND", "-b", "2", "-c"}).json["clock_bits"] == 2);
}

TEST_CASE("sim page: --ostep stops at FINALSTATS, osgrid's frame table and totals follow it otherwise",
          "[cli][sim][page]") {
  const std::vector<std::string> args = {"-a", "1,2,3,4,1,2,5,1,2,3,4,5", "-p", "FIFO", "-c", "--frames-range", "3-4"};
  std::vector<std::string> ostep_args = args;
  ostep_args.push_back("--ostep");
  const auto ostep = Page(ostep_args);
  const auto full = Page(args);
  CHECK_THAT(ostep.text, Catch::EndsWith("FINALSTATS hits 3   misses 9   hitrate 25.00\n\n"));
  CHECK_THAT(full.text, Catch::StartsWith(ostep.text));
  const std::string additions = full.text.substr(ostep.text.size());
  CHECK_THAT(additions, Catch::StartsWith("Frame table (FIFO, 3 frames; * = page fault):\nreference   1  2  3  4"));
  CHECK_THAT(additions, Catch::Contains("\nfault       *  *  *  *  *  *  *        *  *\n"));
  CHECK_THAT(additions, Catch::Contains("Totals: 3 hits, 9 misses (page faults), hit rate 25.00%"));
  CHECK_THAT(additions, Catch::Contains("4           10      <- more frames, more misses: Belady's anomaly"));
  // Without -c the range is asked after paging-policy.py's problem.
  const auto problem = Page({"-a", "1,2", "--frames-range", "1-3"});
  CHECK_THAT(problem.text,
             Catch::EndsWith("State of Memory?\n\nThen count the misses for every cache size from 1 to 3 pages.\n"));
}

TEST_CASE("sim page: a long string's frame table is written in blocks of 80 columns", "[cli][sim][page]") {
  const auto run = Page({"-s", "1", "-n", "200", "-m", "50", "-C", "4", "-c"});
  const std::string& text = run.text;
  const std::size_t table = text.find("Frame table");
  REQUIRE(table != std::string::npos);
  std::size_t blocks = 0, columns = 0;
  for (std::size_t at = text.find("\nreference", table); at != std::string::npos;
       at = text.find("\nreference", at + 1)) {
    ++blocks;
    const std::string line = text.substr(at + 1, text.find('\n', at + 1) - at - 1);
    CHECK(line.size() <= 80);
    columns += (line.size() - 10) / 3;
  }
  CHECK(blocks == (200 + 22) / 23);  // (80 - "reference " 10) / 3 = 23 references per block
  CHECK(columns == 200);
}

TEST_CASE("sim page: -f reads one page per line, as -a gives them", "[cli][sim][page]") {
  const std::string path = "sim_page_addresses_test.txt";
  {
    std::ofstream file(path);
    file << "3\n 1\n\n4 \n1\n5\n";  // spaces around, a blank line (skipped)
  }
  const auto from_file = Page({"-f", path, "-p", "OPT", "-c"});
  const auto from_list = Page({"-a", "3,1,4,1,5", "-p", "OPT", "-c"});
  std::remove(path.c_str());
  CHECK(from_file.json == from_list.json);
  CHECK_THAT(from_file.text, Catch::Contains("ARG addressfile " + path + "\n"));
  const std::string trace = from_list.text.substr(from_list.text.find("Solving"));
  CHECK(from_file.text.substr(from_file.text.find("Solving")) == trace);
}

TEST_CASE("sim page: no references with -c gives a hit rate of 0.00 (paging-policy.py divides by zero)",
          "[cli][sim][page]") {
  const auto none = Page({"-n", "0", "-c"});
  CHECK_THAT(none.text, Catch::Contains("FINALSTATS hits 0   misses 0   hitrate 0.00\n"));
  CHECK_THAT(none.text, Catch::Contains("(no references)"));
  CHECK(none.json["hit_rate"] == 0.0);
}

TEST_CASE("sim page: --json streams its keys in a fixed order", "[cli][sim][page]") {
  CHECK(osgrid::sim::testing::StreamedJson("page", {"-a", "1,2,1,3", "-p", "LRU", "-C", "2"}) ==
        R"({"policy":"LRU","cache_size":2,"references":[1,2,1,3],"accesses":[)"
        R"({"page":1,"hit":false,"evicted":null,"cache":[1],"frames":[1,null]},)"
        R"({"page":2,"hit":false,"evicted":null,"cache":[1,2],"frames":[1,2]},)"
        R"({"page":1,"hit":true,"evicted":null,"cache":[2,1],"frames":[1,2]},)"
        R"({"page":3,"hit":false,"evicted":2,"cache":[1,3],"frames":[1,3]}],"hits":1,"misses":3,"hit_rate":0.25})");
}

TEST_CASE("sim page: bad input is a BAD_REQUEST naming the problem", "[cli][sim][page]") {
  CHECK_THAT(Error({"-a", "1,2", "-p", "NRU"}), Catch::Contains("unknown replacement policy 'NRU'"));
  CHECK_THAT(Error({"-a", "1,2", "-C", "0"}), Catch::Contains("-C (cache size) must be"));
  CHECK_THAT(Error({"-a", "1,x,2"}), Catch::Contains("-a (addresses)"));
  CHECK_THAT(Error({"-a", "1,,2"}), Catch::Contains("-a (addresses)"));
  CHECK_THAT(Error({"-a", "1,-2"}), Catch::Contains("reference 2: page must be >= 0, got -2"));
  CHECK_THAT(Error({"-a", "1,2", "--frames-range", "5-2"}), Catch::Contains("--frames-range"));
  CHECK_THAT(Error({"-a", "1,2", "-p", "CLOCK", "-b", "two"}), Catch::Contains("-b (clock bits)"));
  CHECK_THAT(Error({"-a", "1,2", "-n", "ten"}), Catch::Contains("-n (number of addresses)"));  // parsed, used or not
  CHECK_THAT(Error({"-m", "-3"}), Catch::Contains("-m (max page) must be >= 0"));
  CHECK_THAT(Error({"-f", "/nonexistent/refs.txt"}), Catch::Contains("cannot read"));
}
