// `osgrid sim sched` end to end, through RunSim (what scenario steps use).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdio>
#include <fstream>
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

Json Solve(std::vector<std::string> args) {
  args.push_back("-c");
  return SimOk("sched", std::move(args)).json;
}

std::string Error(std::vector<std::string> args) { return SimError("sched", std::move(args)); }

std::vector<std::int64_t> Column(const Json& run, const char* field) { return JobColumn(run, field); }

}  // namespace

// Answers checked against OSTEP's scheduler.py (python3 scheduler.py -p SJF -l 5,10,15 -c):
// response 0, 5, 15; turnaround 5, 15, 30; wait 0, 5, 15.
TEST_CASE("sim sched: SJF on scheduler.py's input", "[cli][sim][sched]") {
  Json run = Solve({"-p", "sjf", "-l", "10,5,15"});
  CHECK(run["policy"] == "SJF");
  CHECK(Column(run, "response") == std::vector<std::int64_t>{5, 0, 15});
  CHECK(Column(run, "turnaround") == std::vector<std::int64_t>{15, 5, 30});
  CHECK(Column(run, "waiting") == std::vector<std::int64_t>{5, 0, 15});
  CHECK(run["average"]["turnaround"].get<double>() == Approx(50.0 / 3));
  CHECK(run["timeline"][0]["id"] == "1");
  CHECK(run["context_switches"] == 2);
  CHECK(run["utilization"].get<double>() == Approx(1.0));
}

// scheduler.py -p RR -q 1 -l 5,5,5 -c: response 0, 1, 2; turnaround 13, 14, 15; wait 8, 9, 10.
TEST_CASE("sim sched: RR on scheduler.py's input", "[cli][sim][sched]") {
  Json run = Solve({"-p", "RR", "-q", "1", "-l", "5,5,5"});
  CHECK(Column(run, "response") == std::vector<std::int64_t>{0, 1, 2});
  CHECK(Column(run, "turnaround") == std::vector<std::int64_t>{13, 14, 15});
  CHECK(Column(run, "waiting") == std::vector<std::int64_t>{8, 9, 10});
  CHECK(run["quantum"] == 1);
}

// Silberschatz 10e 5.3.2 (SRTF, average waiting 6.5) and 5.3.4 (priority, 8.2).
TEST_CASE("sim sched: arrivals and priorities", "[cli][sim][sched]") {
  Json srtf = Solve({"-p", "STCF", "-l", "8,4,9,5", "--arrivals", "0,1,2,3"});
  CHECK(srtf["policy"] == "SRTF");
  CHECK(srtf["average"]["waiting"].get<double>() == Approx(6.5));
  Json priority = Solve({"-p", "priority", "-l", "10,1,2,1,5", "--priorities", "3,1,4,5,2"});
  CHECK(priority["average"]["waiting"].get<double>() == Approx(8.2));
  CHECK(Column(priority, "priority") == std::vector<std::int64_t>{3, 1, 4, 5, 2});
}

TEST_CASE("sim sched: idle, context switches and I/O in the timeline", "[cli][sim][sched]") {
  Json run = Solve({"-p", "RR", "-q", "4", "-l", "3,24", "--arrivals", "2,2", "--cs", "1", "--io", "0:1,5,2"});
  // 0-2 idle; job 0 runs 2-3 then does I/O 3-8; switch 3-4; job 1 4-8; job 0 back at 8:
  // quantum of job 1 expires at 8, job 0 queued first -> switch 8-9, job 0 9-11, switch 11-12, job 1 12-32.
  std::vector<std::string> ids;
  for (const Json& s : run["timeline"])
    ids.push_back(s["id"].get<std::string>() + "@" + std::to_string(s["start"].get<int>()));
  CHECK(ids == std::vector<std::string>{"idle@0", "0@2", "switch@3", "1@4", "switch@8", "0@9", "switch@11", "1@12"});
  CHECK(run["jobs"][0]["burst"] == 3);
  CHECK(run["jobs"][0]["io"] == 5);
  CHECK(run["jobs"][0]["completion"] == 11);
  CHECK(run["jobs"][0]["waiting"] == 11 - 2 - 3 - 5);
  CHECK(run["context_switches"] == 3);
  CHECK(run["switching"] == 3);
}

TEST_CASE("sim sched: a jobs file", "[cli][sim][sched]") {
  const std::string path = "sched_command_test_jobs.txt";
  {
    std::ofstream file(path);
    file << "# name arrival burst [priority] [tickets]\n"
            "P1 0 8   # the long one\n"
            "P2 1 4\n\n"
            "P3 2 9\n"
            "P4 3 5 2 50\n";
  }
  Json run = Solve({"-p", "SRTF", "-f", path});
  std::remove(path.c_str());
  CHECK(run["average"]["waiting"].get<double>() == Approx(6.5));
  CHECK(run["jobs"][3]["id"] == "P4");
  CHECK(run["jobs"][3]["tickets"] == 50);
}

TEST_CASE("sim sched: problems from a seed, the same under every policy", "[cli][sim][sched]") {
  Json fifo = Solve({"-s", "7", "-j", "5", "-p", "FIFO"});
  Json stride = Solve({"-s", "7", "-j", "5", "-p", "STRIDE"});
  CHECK(fifo["jobs"].size() == 5);
  CHECK(Column(fifo, "burst") == Column(stride, "burst"));
  CHECK(Column(fifo, "tickets") == Column(stride, "tickets"));
  CHECK(Solve({"-s", "7", "-p", "LOTTERY"})["timeline"] == Solve({"-s", "7", "-p", "LOTTERY"})["timeline"]);

  auto problem = RunSim({"sched", "-l", "5,10"});
  REQUIRE(problem.ok());
  CHECK(problem->text.find("Compute the turnaround time, response time, and wait time") != std::string::npos);
  CHECK(problem->text.find("Job 1 ( length = 10.0 )") != std::string::npos);  // scheduler.py's float()
  CHECK(problem->text.find("DONE") == std::string::npos);
  auto solved = RunSim({"sched", "-l", "5,10", "-c"});
  REQUIRE(solved.ok());
  CHECK(solved->text.find("[ time   5 ] Run job 1 for 10.00 secs ( DONE at 15.00 )") != std::string::npos);
  CHECK(solved->text.find("Average -- Response: 2.50  Turnaround 10.00  Wait 2.50") != std::string::npos);
  CHECK(solved->svg.find("<svg") != std::string::npos);
}

TEST_CASE("sim sched: bad input is refused with a clear message", "[cli][sim][sched]") {
  CHECK(Error({"-p", "EDF", "-l", "5"})
            .find("-p: unknown policy 'EDF' (known: FCFS, SJF, SRTF, PRIORITY, PRIORITY-P, "
                  "RR, MLFQ, LOTTERY, STRIDE; FIFO = FCFS") == 0);
  CHECK(Error({"-p", "RR", "-q", "0", "-l", "5"}) == "-q (quantum): must be > 0, got 0");
  CHECK(Error({"-l", "5,-3"}) == "job 1: burst must be > 0, got -3");
  CHECK(Error({"-l", "5,x"}).find("-l (job lengths)") != std::string::npos);
  CHECK(Error({"-l", "5,10", "--arrivals", "0"}) == "--arrivals: has 1 values but there are 2 jobs");
  CHECK(Error({"-l", "5,10", "--priorities", "1,,2"}).find("--priorities") != std::string::npos);
  CHECK(Error({"-l", "5", "--cs", "-1"}).find("--cs") != std::string::npos);
  CHECK(Error({"-l", "5", "--io", "3:1,2,3"}) == "--io: no job named '3'");
  CHECK(Error({"-l", "5", "--io", "0:1,2"}).find("must be odd") != std::string::npos);
  CHECK(Error({"-l", "5", "--io", "0=1"}).find("has no ':'") != std::string::npos);
  CHECK(Error({"-l", "5", "-f", "x"}) == "give the jobs either with -l or with -f, not both");
  CHECK(Error({"-f", "/nonexistent/jobs"}).find("cannot read") != std::string::npos);
  CHECK(Error({"-j", "0"}).find("-j (jobs)") != std::string::npos);
  CHECK(Error({"-l", ""}).find("empty") != std::string::npos);
  CHECK(Error({"-p", "LOTTERY", "-l", "5", "--tickets", "0"}) == "job 0: tickets must be >= 1, got 0");
}

// mlfq_queue.h's worked example: quanta 2 (top) and 4, allotment 1; A, B, C
// = jobs 0, 1, 2 with lengths 7, 3, 1 arriving at 0, 1, 5.
TEST_CASE("sim sched: MLFQ, the ready-queue policy the peers run", "[cli][sim][sched][mlfq]") {
  Json run = Solve({"-p", "mlfq", "-l", "7,3,1", "--arrivals", "0,1,5", "--mlfq-quantum", "2,4"});
  CHECK(run["policy"] == "MLFQ");
  CHECK(run["mlfq"]["quanta"] == Json::array({2, 4}));
  CHECK(run["mlfq"]["allotments"] == Json::array({1, 1}));
  CHECK(run["mlfq"]["boost"] == 0);
  CHECK_FALSE(run.contains("quantum"));
  std::vector<std::string> ids;
  for (const Json& s : run["timeline"])
    ids.push_back(s["id"].get<std::string>() + "@" + std::to_string(s["start"].get<int>()));
  CHECK(ids == std::vector<std::string>{"0@0", "1@2", "0@4", "2@5", "1@6", "0@7"});
  CHECK(Column(run, "response") == std::vector<std::int64_t>{0, 1, 0});
  CHECK(Column(run, "completion") == std::vector<std::int64_t>{11, 7, 6});

  // Defaults: 3 queues of -q, allotment 1; the boost is shown when set.
  Json defaults = Solve({"-p", "MLFQ", "-q", "3", "-l", "5", "--mlfq-boost", "10"});
  CHECK(defaults["mlfq"]["quanta"] == Json::array({3, 3, 3}));
  CHECK(defaults["mlfq"]["allotments"] == Json::array({1, 1, 1}));
  CHECK(defaults["mlfq"]["boost"] == 10);

  auto text = RunSim({"sched", "-p", "mlfq", "-l", "7,3,1", "--mlfq-quantum", "2,4", "--mlfq-allotment", "3,1",
                      "--mlfq-boost", "20", "-c"});
  REQUIRE(text.ok());
  CHECK(text->text.find("ARG policy mlfq\n") != std::string::npos);
  CHECK(text->text.find("ARG mlfq-quantum 2,4\nARG mlfq-allotment 3,1\nARG mlfq-boost 20\n") != std::string::npos);
  CHECK(text->text.find("ARG quantum") == std::string::npos);
}

TEST_CASE("sim sched: bad MLFQ levels are refused naming the item", "[cli][sim][sched][mlfq]") {
  CHECK(Error({"-p", "mlfq", "-l", "5", "--mlfq-quantum", "2,x"}) ==
        "--mlfq-quantum: '2,x' is not a comma-separated list of integers ('x')");
  CHECK(Error({"-p", "mlfq", "-l", "5", "--mlfq-quantum", ""}).find("--mlfq-quantum: the list is empty") == 0);
  CHECK(Error({"-p", "mlfq", "-l", "5", "--mlfq-quantum", "2,0,8"}) ==
        "MLFQ: the quantum of queue 1 (item 2 of the quanta, top queue first) must be > 0, got 0");
  CHECK(Error({"-p", "mlfq", "-l", "5", "--mlfq-quantum", "2,4", "--mlfq-allotment", "1"}) ==
        "MLFQ: there are 2 queues but 1 allotments: give one allotment per queue");
  CHECK(Error({"-p", "mlfq", "-l", "5", "--mlfq-boost", "-1"}) == "MLFQ: the boost period must be >= 0, got -1");
}

TEST_CASE("sim sched: the policy's traits decide the columns", "[cli][sim][sched]") {
  auto stride = RunSim({"sched", "-p", "STRIDE", "-l", "3,2", "--tickets", "100,50", "-c"});
  REQUIRE(stride.ok());
  CHECK(stride->text.find("job  arrival  burst  tickets") != std::string::npos);
  auto priority = RunSim({"sched", "-p", "priority-p", "-l", "3,2", "--priorities", "2,1", "--aging", "4", "-c"});
  REQUIRE(priority.ok());
  CHECK(priority->text.find("job  arrival  burst  priority") != std::string::npos);
  CHECK(priority->text.find("ARG aging 4") != std::string::npos);
  Json rr = Solve({"-p", "RR", "-q", "2", "-l", "3,2"});
  CHECK(rr["quantum"] == 2);
  CHECK_FALSE(rr.contains("aging"));
  CHECK_FALSE(Solve({"-p", "SJF", "-l", "3,2"}).contains("quantum"));
}

TEST_CASE("sim sched: summarize and brief", "[cli][sim][sched]") {
  const auto* topic = osgrid::sim::FindTopic("sched");
  REQUIRE(topic != nullptr);
  CHECK(topic->policy_flag == "-p");
  Json run = Solve({"-p", "FIFO", "-l", "100,10,10"});
  auto figures = topic->summarize(run);
  REQUIRE(figures.size() == 5);
  CHECK(figures[1] == std::pair<std::string, std::string>{"avg turnaround", "110.00"});
  CHECK(figures[4].second == "100.00%");
  Json small = Solve({"-p", "SJF", "-l", "5,3,2"});
  const std::string brief = topic->brief(small);  // GanttText's chart: bars, then the time axis
  CHECK(brief.rfind("|", 0) == 0);
  CHECK(std::count(brief.begin(), brief.end(), '\n') == 2);
  CHECK(brief.find("10\n") != std::string::npos);
}
