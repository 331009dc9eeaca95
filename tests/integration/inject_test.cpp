// osgrid-peer --inject-seed (docs/sync.md, "Shaking interleavings"): the
// peer delays each system call of a task, and its reply, by seeded random
// times. A program still gives the right answer, its calls take longer by
// about the injected delay, and STATUS says injection is on. Lab 05 grades
// students' bounded buffers and readers-writers this way.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "osgrid/client/ops.h"
#include "osgrid/net/requests.h"
#include "support.h"

using namespace osgrid;
using namespace osgrid::test;

// A namespace of its own, not an anonymous one: the test executables are unity builds
// (OSGRID_UNITY_TESTS), where another file's helpers of the same names would collide.
namespace inject_test {

net::TaskResult Run(std::uint16_t port, const std::string& program, const std::string& function, Json args) {
  auto client = Connect(port);
  net::CpuTaskRequest request{net::MakeTask(program, function, std::move(args))};
  request.task.timeout_ms = 120000;
  auto ran = client::Cpu(*client, request, std::chrono::milliseconds(120000));
  INFO(ran.status().ToString());
  REQUIRE(ran.ok());
  return ran->value;
}

// `calls` sequential osgrid.getpid() calls; returns the seconds they took, as the task sees them.
const char* kTimedCalls =
    "import osgrid, time\n"
    "def timed(calls):\n"
    "    start = time.monotonic()\n"
    "    for _ in range(calls):\n"
    "        osgrid.getpid()\n"
    "    return time.monotonic() - start\n";

scenario::ClusterOptions Injected(int peers, int max_delay_ms) {
  scenario::ClusterOptions options = TestClusterOptions(peers, 1.5);
  options.tracker_args = {"--sync-grace", "0"};
  options.peer_args = {"--inject-seed", "7", "--inject-max-delay-ms", std::to_string(max_delay_ms)};
  return options;
}

TEST_CASE("with --inject-seed a peer delays each system call and its reply, and says so in STATUS",
          "[integration][inject]") {
  auto cluster = StartCluster(Injected(1, 50));
  const std::uint16_t port = PortOf(*cluster, "peer-1");
  auto client = Connect(port);
  const Json status = MustCall(*client, {{"type", "STATUS"}});
  CHECK(status["inject"]["seed"] == 7);
  CHECK(status["inject"]["max_delay_ms"] == 50);

  // 10 calls, each delayed twice by a draw from [0, 50] ms: 500 ms expected.
  // The draws are the seed's, so this is not a matter of luck: 20 draws
  // summing under 150 ms would be a broken generator or no delay at all.
  net::TaskResult result = Run(port, kTimedCalls, "timed", {10});
  INFO(result.status.ToString() << " " << result.status.detail());
  REQUIRE(result.status.ok());
  CHECK(result.result.get<double>() >= 0.15);
}

TEST_CASE("without --inject-seed STATUS says injection is off", "[integration][inject]") {
  auto cluster = StartCluster(1);
  auto client = Connect(PortOf(*cluster, "peer-1"));
  const Json status = MustCall(*client, {{"type", "STATUS"}});
  CHECK(status["inject"].is_null());
}

TEST_CASE("a bounded buffer of Semaphores and osgrid.mem loses and duplicates nothing under injected delays",
          "[integration][inject]") {
  auto cluster = StartCluster(Injected(2, 10));
  net::TaskResult result =
      Run(PortOf(*cluster, "peer-1"), ProgramFile("producer_consumer.py"), "run", {60, "buffer", 2, 2, 3});
  INFO(result.status.ToString() << " " << result.status.detail());
  REQUIRE(result.status.ok());
  CHECK(result.result["produced"] == 60);
  CHECK(result.result["consumed"] == 60);
  CHECK(result.result["lost"] == Json::array());
  CHECK(result.result["duplicated"] == Json::array());
}

}  // namespace inject_test
