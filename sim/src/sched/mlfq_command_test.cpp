// `osgrid sim mlfq` end to end, through RunSim (what scenario steps use).
// Expected answers come from OSTEP's mlfq.py (commit ee2e067 or later); each
// test quotes its command line. The byte-for-byte comparison of whole outputs
// is ostep_golden_test.cpp's (tests/golden/ostep/mlfq/).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "osgrid/sim/sim.h"
#include "sim_test_support.h"

using osgrid::Json;
using osgrid::sim::RunSim;
using osgrid::sim::testing::JobColumn;
using osgrid::sim::testing::SimError;
using osgrid::sim::testing::SimOk;

namespace {

osgrid::sim::Output Run(std::vector<std::string> args) { return SimOk("mlfq", std::move(args)); }

std::string Error(std::vector<std::string> args) { return SimError("mlfq", std::move(args)); }

std::vector<std::int64_t> Column(const Json& run, const char* field) { return JobColumn(run, field); }

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream stream(text);
  for (std::string line; std::getline(stream, line);) lines.push_back(line);
  return lines;
}

bool Has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

// Issue 14: mlfq.py -l 0,60,0:0,60,0:0,60,0 -n 3 -q 5 -B 20 -c prints
// turnarounds 120, 175, 180 (the mlfq.py of before 2023-09-27, and osgrid
// before this change, printed 144, 179, 180).
TEST_CASE("sim mlfq: a boost gives the top queue's quantum (the issue's example)", "[cli][sim][mlfq]") {
  const auto run = Run({"-l", "0,60,0:0,60,0:0,60,0", "-n", "3", "-q", "5", "-B", "20", "-c"});
  CHECK(Column(run.json, "turnaround") == std::vector<std::int64_t>{120, 175, 180});
  CHECK(Column(run.json, "response") == std::vector<std::int64_t>{0, 5, 10});
  CHECK(Has(run.text, "  Job  0: startTime   0 - response   0 - turnaround 120\n"));
  CHECK(Has(run.text, "  Avg  2: startTime n/a - response 5.00 - turnaround 158.33\n"));
  CHECK(
      Has(run.text,
          "[ time 20 ] BOOST ( every 20 )\n[ time 20 ] Run JOB 0 at PRIORITY 2 [ TICKS 4 ALLOT 1 TIME 49 (of 60) ]\n"));
  // Every boost moves job 0, 1 and 2 (those not at the top) back to queue 2.
  int boosts_to_top = 0;
  for (const Json& change : run.json["levels"]) {
    if (change["time"].get<std::int64_t>() % 20 == 0 && change["time"] != 0 && change["queue"] == 2) ++boosts_to_top;
  }
  CHECK(boosts_to_top > 0);
}

// mlfq.py -s 1 draws runTime, then ioFreq, job by job: 14/8, 76/3, 50/5.
TEST_CASE("sim mlfq: a seed draws mlfq.py's jobs", "[cli][sim][mlfq]") {
  const auto run = Run({"-s", "1", "-c"});
  CHECK(Column(run.json, "burst") == std::vector<std::int64_t>{14, 76, 50});
  CHECK(Column(run.json, "io_frequency") == std::vector<std::int64_t>{8, 3, 5});
  CHECK(Has(run.text, "  Job  1: startTime   0 - runTime  76 - ioFreq   3\n"));
  // mlfq.py -s 3 -j 4 -m 40 -M 0: no I/O
  CHECK(Column(Run({"-s", "3", "-j", "4", "-m", "40", "-M", "0"}).json, "burst") ==
        std::vector<std::int64_t>{10, 15, 25, 1});
}

TEST_CASE("sim mlfq: mlfq.py's text first, osgrid's additions after it", "[cli][sim][mlfq]") {
  const std::vector<std::string> args = {"-n", "2", "-q", "3", "-i", "2", "-B", "7", "-l", "0,8,0:2,5,2", "-c"};
  std::vector<std::string> ostep = args;
  ostep.push_back("--ostep");
  const std::string only = Run(ostep).text;
  const std::string full = Run(args).text;
  CHECK(full.rfind(only, 0) == 0);
  CHECK(full.size() > only.size());
  CHECK(Has(full.substr(only.size()), "Per job (ticks;"));
  CHECK(Has(full.substr(only.size()), "Queues over time"));
  // mlfq.py ends with print('\n'), and prints a stray "IO DONE" after each IO_START.
  CHECK(only.ends_with("0\n\n\n"));
  CHECK(Has(only, "[ time 5 ] IO_START by JOB 1\nIO DONE\n"));

  const std::string problem = Run({"-l", "0,8,0:2,5,2"}).text;
  CHECK(problem.ends_with("when you are finished.\n\n"));
  CHECK(!Has(problem, "Execution Trace"));
  CHECK(!Has(problem, "Per job"));
}

TEST_CASE("sim mlfq: the JSON streams the timeline and the levels", "[cli][sim][mlfq]") {
  // mlfq.py -n 2 -q 4 -B 10 -i 6 -l 0,30,0:0,20,3 -c: 0/42, 4/63; job 1 is doing I/O at the boost.
  const Json run = Run({"-n", "2", "-q", "4", "-B", "10", "-i", "6", "-l", "0,30,0:0,20,3", "-c"}).json;
  CHECK(Column(run, "turnaround") == std::vector<std::int64_t>{42, 63});
  std::vector<std::string> keys;
  for (const auto& item : run.items()) keys.push_back(item.key());
  // nlohmann sorts keys; the order written is checked in docs/sim-json.md's example.
  for (const char* key : {"policy", "queues", "quanta", "allotments", "boost", "io_time", "stay", "iobump", "timeline",
                          "levels", "jobs", "average", "context_switches", "end_time", "utilization"}) {
    CHECK(std::find(keys.begin(), keys.end(), key) != keys.end());
  }
  // Timeline pieces are time-ordered, gap-free while something runs, and add up to the bursts.
  std::int64_t busy = 0, at = 0;
  for (const Json& piece : run["timeline"]) {
    CHECK(piece["start"].get<std::int64_t>() >= at);
    at = piece["end"].get<std::int64_t>();
    busy += piece["end"].get<std::int64_t>() - piece["start"].get<std::int64_t>();
  }
  CHECK(busy == 50);
  CHECK(at == run["end_time"]);
  // Job 0: arrives in queue 1, demoted at 4, boosted at 10, demoted again at 14.
  std::vector<std::pair<std::int64_t, int>> job0;
  for (const Json& change : run["levels"]) {
    if (change["id"] == 0 && change["time"].get<std::int64_t>() <= 14)
      job0.emplace_back(change["time"].get<std::int64_t>(), change["queue"].get<int>());
  }
  CHECK(job0 == std::vector<std::pair<std::int64_t, int>>{{0, 1}, {4, 0}, {10, 1}, {14, 0}});
}

// The queue chart keeps 64 columns of a power-of-two number of ticks; each
// cell is the first job that ran in that queue during the column.
TEST_CASE("sim mlfq: the queue chart matches the timeline", "[cli][sim][mlfq]") {
  for (const char* jobs : {"0,60,0:0,60,0:0,60,0", "0,300,7:5,90,0:40,33,2:41,12,1", "0,5,0:3,4,1"}) {
    INFO(jobs);
    const auto run = Run({"-Q", "3,5,9", "-A", "2,1,1", "-B", "45", "-i", "4", "-l", jobs, "-c"});
    const std::int64_t end = run.json["end_time"].get<std::int64_t>();
    std::int64_t scale = 1;
    while (64 * scale < end) scale *= 2;
    const std::int64_t columns = (end + scale - 1) / scale;
    std::vector<std::string> rows(3, std::string(static_cast<std::size_t>(columns), '.'));
    for (const Json& piece : run.json["timeline"]) {
      for (std::int64_t t = piece["start"].get<std::int64_t>(); t < piece["end"].get<std::int64_t>(); ++t) {
        char& cell = rows[piece["queue"].get<std::size_t>()][static_cast<std::size_t>(t / scale)];
        if (cell == '.') cell = static_cast<char>('0' + piece["id"].get<int>());
      }
    }
    const std::string header = "1 column = " + std::to_string(scale) + (scale == 1 ? " tick)" : " ticks)");
    CHECK(Has(run.text, header));
    for (int q = 2; q >= 0; --q) {
      CHECK(Has(run.text, "  Q" + std::to_string(q) + "  |" + rows[static_cast<std::size_t>(q)] + "|\n"));
    }
  }
}

// mlfq.py accepts these, with well-defined answers (ostep golden files hold whole outputs).
TEST_CASE("sim mlfq: mlfq.py's odd but valid inputs", "[cli][sim][mlfq]") {
  // -q 0: the slice never runs out (TICKS -1, -2, ...). mlfq.py: 0/5, 5/13.
  const auto zero = Run({"-n", "2", "-q", "0", "-l", "0,5,0:0,3,2", "-c"});
  CHECK(Column(zero.json, "turnaround") == std::vector<std::int64_t>{5, 13});
  CHECK(Has(zero.text, "[ TICKS -5 ALLOT 1 TIME 0 (of 5) ]"));
  // A negative boost is no boost, a negative I/O frequency no I/O. mlfq.py: 0/8, 2/7.
  const auto odd = Run({"-n", "2", "-q", "2", "-A", "1,0", "-B", "-3", "-l", "0,5,-2:0,3,0", "-c"});
  CHECK(Column(odd.json, "turnaround") == std::vector<std::int64_t>{8, 7});
  CHECK(!Has(odd.text, "BOOST"));
  CHECK(Has(odd.text, "OPTIONS boost -3\n"));
  CHECK(Has(odd.text, "  Job  0: startTime   0 - runTime   5 - ioFreq  -2\n"));
}

TEST_CASE("sim mlfq: a long run is written as it goes", "[cli][sim][mlfq]") {
  const auto run = Run({"-l", "0,100000,0", "-c", "--ostep"});
  const std::vector<std::string> lines = Lines(run.text);
  CHECK(lines.size() > 100'000);
  CHECK(Has(run.text,
            "[ time 99999 ] Run JOB 0 at PRIORITY 0 [ TICKS 0 ALLOT 1 TIME 0 (of 100000) ]\n"
            "[ time 100000 ] FINISHED JOB 0\n"));
}

TEST_CASE("sim mlfq: bad input is refused with a clear message", "[cli][sim][mlfq]") {
  CHECK(Error({"-n", "0"}) == "-n (number of queues) must be 1..100, got 0");
  CHECK(Error({"-Q", "10,10", "-A", "1,1,1"}) ==
        "-A (allotment list): '1,1,1' gives 3 values for 2 queues (one per queue, top queue first)");
  CHECK(Error({"-A", "1,0,1"}) ==
        "-A (allotment list): the allotment of queue 1 must be > 0, got 0 (only the bottom queue's may be <= 0)");
  CHECK(Error({"-Q", "10,x"}).find("-Q (quantum list)") != std::string::npos);
  CHECK(Error({"-l", "0,10"}).find("each job must be startTime,runTime,ioFreq") != std::string::npos);
  CHECK(Error({"-l", "0,10,0:"}) == "-l (job list): '0,10,0:' has an empty job");
  CHECK(Error({"-l", "0,10,0:3,0,1"}) == "-l (job list): job 1: run time must be > 0, got 0");
  CHECK(Error({"-l", "-1,10,0"}) == "-l (job list): job 0: start time must be >= 0, got -1");
  CHECK(Error({"-i", "-1"}) == "-i (I/O time) must be >= 0, got -1");
  CHECK(Error({"-j", "0"}) == "-j (number of jobs) must be 1..1000000, got 0");
  CHECK(Error({"-m", "0"}) == "-m (max job length) must be >= 1 (a run time must be > 0), got 0");
}
