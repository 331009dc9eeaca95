// `osgrid sim disk` end to end: the answers in --json, the text, bad input.
#include <catch2/catch.hpp>

#include "sim_test_support.h"

using osgrid::Json;
using osgrid::sim::RunSim;

namespace {

using osgrid::sim::testing::SimError;
using osgrid::sim::testing::SimOk;

osgrid::sim::Output Disk(const std::vector<std::string>& args) { return SimOk("disk", args); }
std::string Error(const std::vector<std::string>& args) { return SimError("disk", args); }

}  // namespace

TEST_CASE("sim disk: Silberschatz's example is the default problem", "[cli][sim][disk]") {
  // Silberschatz 10e 11.2.1: FCFS 640 cylinders; 9e 10.4.2: SSTF 236; 10e 11.2.2: SCAN toward 0, 236.
  const auto fcfs = Disk({"-c"});
  CHECK(fcfs.json["policy"] == "FCFS");
  CHECK(fcfs.json["head"] == 53);
  CHECK(fcfs.json["cylinders"] == 200);
  CHECK(fcfs.json["total_movement"] == 640);
  CHECK_THAT(fcfs.text, Catch::Contains("Total head movement: 640 cylinders"));
  CHECK(Disk({"-p", "sstf"}).json["order"] == Json::array({65, 67, 37, 14, 98, 122, 124, 183}));
  const auto scan = Disk({"-p", "SCAN", "-d", "down", "-r", "98,183,37,122,14,124,65,67", "-H", "53", "-c"});
  CHECK(scan.json["total_movement"] == 236);
  CHECK(scan.json["direction"] == "down");
  REQUIRE(scan.json["steps"].size() == 9);
  CHECK(scan.json["steps"][2] ==
        Json({{"from", 14}, {"to", 0}, {"movement", 14}, {"request", nullptr}, {"return_jump", false}}));
  CHECK_THAT(scan.text, Catch::Contains("end of disk"));
  CHECK_THAT(scan.svg, Catch::Contains("<svg"));
}

TEST_CASE("sim disk: --count-return and --no-count-return", "[cli][sim][disk]") {
  CHECK(Disk({"-p", "C-SCAN", "-c"}).json["total_movement"] == 382);
  CHECK(Disk({"-p", "C-SCAN", "--count-return"}).json["total_movement"] == 382);
  const auto no = Disk({"-p", "C-SCAN", "--no-count-return", "-c"});
  CHECK(no.json["total_movement"] == 183);
  CHECK(no.json["count_return"] == false);
  CHECK_THAT(no.text, Catch::Contains("not counted"));
  CHECK(Disk({"-p", "c-look"}).json["total_movement"] == 322);
}

TEST_CASE("sim disk: summarize, brief and random problems", "[cli][sim][disk]") {
  const auto* topic = osgrid::sim::FindTopic("disk");
  REQUIRE(topic != nullptr);
  CHECK(topic->policy_flag == "-p");
  const auto look = Disk({"-p", "LOOK", "-d", "down"});
  const auto summary = topic->summarize(look.json);
  REQUIRE(summary.size() == 2);
  CHECK(summary[0].second == "208");
  CHECK(summary[1].second == "26.00");
  CHECK(topic->brief(look.json) == "53 -> 37 -> 14 -> 65 -> 67 -> 98 -> 122 -> 124 -> 183  (208 cylinders)\n");
  const auto a = Disk({"-s", "5", "-j", "12", "-n", "100", "-p", "SSTF"});
  CHECK(a.json == Disk({"-s", "5", "-j", "12", "-n", "100", "-p", "SSTF"}).json);
  CHECK(a.json["requests"].size() == 12);
  CHECK(Disk({"-s", "5", "-H", "10"}).json["head"] == 10);
}

TEST_CASE("sim disk: bad input is a BAD_REQUEST naming the problem", "[cli][sim][disk]") {
  CHECK_THAT(Error({"-p", "ELEVATOR"}), Catch::Contains("unknown disk-scheduling policy 'ELEVATOR'"));
  CHECK_THAT(Error({"-r", "10,300"}), Catch::Contains("request 2: cylinder 300 is outside 0..199"));
  CHECK_THAT(Error({"-r", "10,abc"}), Catch::Contains("-r (requests)"));
  CHECK_THAT(Error({"-d", "left"}), Catch::Contains("-d (direction)"));
  CHECK_THAT(Error({"-H", "200"}), Catch::Contains("head: cylinder 200 is outside 0..199"));
  CHECK_THAT(Error({"-n", "0"}), Catch::Contains("-n (cylinders) must be >= 1"));
  CHECK_THAT(Error({"-j", "2000000"}), Catch::Contains("-j (random requests)"));
}
