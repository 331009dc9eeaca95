// osgrid-sync-bench: what a task's cluster calls cost, as the task sees
// them (issue 17). One tracker and one peer on loopback (LocalCluster); one
// task makes each call --calls times in a row, timing each with
// time.perf_counter, and returns the times. Printed per call: p50, p99 and
// max in microseconds, medians over --runs tasks.
//
//   getpid            task -> peer -> task: the system-call channel alone, the floor
//   mem.set, mem.get  task -> peer (its own memory) -> task
//   lock acquire+release   two round trips task -> peer -> tracker and back
//   sem signal+wait        the same, on a semaphore
//
//   osgrid-sync-bench [--calls 2000] [--runs 5]
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "bench_util.h"
#include "osgrid/client/ops.h"
#include "osgrid/net/requests.h"
#include "osgrid/scenario/cluster.h"

using namespace osgrid;

namespace {

const char* kProgram = R"py(
import osgrid, time

def timed(n, call):
    times = []
    for _ in range(n):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1e6)
    return times

def main(n):
    lock = osgrid.Lock("bench-lock")
    sem = osgrid.Semaphore("bench-sem", 0)
    osgrid.mem.set("bench-key", "x" * 100)
    def lock_pair():
        lock.acquire()
        lock.release()
    def sem_pair():
        sem.signal()
        sem.wait()
    return {
        "getpid": timed(n, osgrid.getpid),
        "mem.set": timed(n, lambda: osgrid.mem.set("bench-key", "y" * 100)),
        "mem.get": timed(n, lambda: osgrid.mem.get("bench-key")),
        "lock acquire+release": timed(n, lock_pair),
        "sem signal+wait": timed(n, sem_pair),
    }
)py";

const char* const kCalls[] = {"getpid", "mem.set", "mem.get", "lock acquire+release", "sem signal+wait"};

struct Figures {
  double p50 = 0, p99 = 0, max = 0;
};

Figures Summarise(std::vector<double> samples) {
  std::sort(samples.begin(), samples.end());
  return {samples[samples.size() / 2], samples[samples.size() * 99 / 100], samples.back()};
}

double Median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

[[noreturn]] void Die(const std::string& why) {
  std::fprintf(stderr, "osgrid-sync-bench: %s\n", why.c_str());
  std::exit(1);
}

}  // namespace

int main(int argc, char** argv) {
  int calls = 2000;
  int runs = 5;
  CLI::App app{"osgrid-sync-bench: the cost of osgrid.mem, Lock and Semaphore calls from a task"};
  app.add_option("--calls", calls, "Calls of each kind per task")->check(CLI::Range(10, 100000))->capture_default_str();
  app.add_option("--runs", runs, "Tasks (the figures are medians over them)")
      ->check(CLI::Range(1, 100))
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  scenario::ClusterOptions options;
  options.peers = 1;
  auto cluster = scenario::LocalCluster::Start(options);
  if (!cluster.ok()) Die(cluster.status().ToString() + "\n" + cluster.status().detail());
  auto client = net::Client::Connect("127.0.0.1", (*cluster)->Peer("peer-1")->port);
  if (!client.ok()) Die(client.status().ToString());

  std::printf(
      "osgrid-sync-bench: 1 tracker + 1 peer on loopback, %d calls of each kind per task, %d tasks (load "
      "average %s)\n",
      calls, runs, bench::LoadAverage().c_str());
  std::vector<std::vector<Figures>> figures(std::size(kCalls));
  for (int run = 0; run < runs; ++run) {
    net::CpuTaskRequest request{net::MakeTask(kProgram, "main", Json::array({calls}))};
    request.task.timeout_ms = 600000;
    request.task.cpu_limit_ms = 600000;
    auto ran = client::Cpu(**client, request, std::chrono::seconds(600));
    if (!ran.ok()) Die(ran.status().ToString());
    for (std::size_t k = 0; k < std::size(kCalls); ++k) {
      figures[k].push_back(Summarise(ran->value.result[kCalls[k]].get<std::vector<double>>()));
    }
  }
  std::printf("  %-22s %9s %9s %9s   (microseconds, seen by the task; medians over the tasks)\n", "call", "p50", "p99",
              "max");
  for (std::size_t k = 0; k < std::size(kCalls); ++k) {
    std::vector<double> p50, p99, max;
    for (const Figures& f : figures[k]) {
      p50.push_back(f.p50);
      p99.push_back(f.p99);
      max.push_back(f.max);
    }
    std::printf("  %-22s %9.1f %9.1f %9.1f\n", kCalls[k], Median(p50), Median(p99), Median(max));
  }
  (*cluster)->Stop();
  return 0;
}
