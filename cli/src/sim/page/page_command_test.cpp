// `osgrid sim page` end to end: the answers in --json, paging-policy.py's
// text, and bad input.
#include <catch2/catch.hpp>

#include "sim/sim_test_support.h"

using osgrid::Json;
using osgrid::cli::sim::RunSim;

namespace {

using osgrid::cli::sim::testing::SimError;
using osgrid::cli::sim::testing::SimOk;

osgrid::cli::sim::Output Page(const std::vector<std::string>& args) { return SimOk("page", args); }
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
  const auto* topic = osgrid::cli::sim::FindTopic("page");
  REQUIRE(topic != nullptr);
  CHECK(topic->policy_flag == "-p");
  const auto summary = topic->summarize(opt.json);
  REQUIRE(summary.size() == 3);
  CHECK(summary[1] == std::make_pair(std::string("misses"), std::string("9")));
  CHECK(summary[2].second == "55.00%");
  CHECK_THAT(topic->brief(opt.json), Catch::Contains("fault"));
}

TEST_CASE("sim page: random problems are reproducible from the seed", "[cli][sim][page]") {
  const auto a = Page({"-s", "7", "-n", "15", "-m", "5", "-p", "CLOCK", "-c"});
  const auto b = Page({"-s", "7", "-n", "15", "-m", "5", "-p", "CLOCK", "-c"});
  CHECK(a.json == b.json);
  REQUIRE(a.json["references"].size() == 15);
  for (const Json& page : a.json["references"]) CHECK(page.get<int>() < 5);
  CHECK(a.json["clock_bits"] == 1);
}

TEST_CASE("sim page: bad input is a BAD_REQUEST naming the problem", "[cli][sim][page]") {
  CHECK_THAT(Error({"-a", "1,2", "-p", "NRU"}), Catch::Contains("unknown replacement policy 'NRU'"));
  CHECK_THAT(Error({"-a", "1,2", "-C", "0"}), Catch::Contains("-C (cache size) must be"));
  CHECK_THAT(Error({"-a", "1,x,2"}), Catch::Contains("-a (addresses)"));
  CHECK_THAT(Error({"-a", "1,-2"}), Catch::Contains("reference 2: page must be >= 0, got -2"));
  CHECK_THAT(Error({"-a", "1,2", "--frames-range", "5-2"}), Catch::Contains("--frames-range"));
  CHECK_THAT(Error({"-a", "1,2", "-p", "CLOCK", "-b", "0"}), Catch::Contains("clock bits must be >= 1"));
  CHECK_THAT(Error({"-f", "/nonexistent/refs.txt"}), Catch::Contains("cannot read"));
}
