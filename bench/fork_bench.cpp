// osgrid-fork-bench: the floor under "one fresh process per task".
//
// A single task runs in a process of its own, forked from the zygote, an
// initialised CPython (peer/src/zygote.cpp). This measures what such a process
// costs on this machine before any sandbox layer, so that a round-trip goal
// can be checked against what the hardware allows:
//
//   1. pages: the CPU time of the first write to a page, fresh (anonymous
//      memory never touched) and copy-on-write (a page shared with a parent
//      after fork). Every process pays these for each page it writes.
//   2. processes: fork the same initialised CPython the zygote holds, N times
//      per kind of child, and read each child's CPU time and minor faults from
//      wait4(2) (the parent's fork, the child's own work and its exit):
//        exit      the child exits at once: fork and teardown only;
//        python    PyOS_AfterFork_Child, then exit: the least a Python child does;
//        warm      that, then WarmUpPython: a warm process, as the pool makes it;
//        task      that, then one trivial task (RunPythonTask): a task
//                  process made on demand, without the warm-up.
//
// From the medians it prints the bound: back to back, each task needs one new
// process, so the tasks of one client can go no faster than the machine makes
// processes, cores / (CPU per process) a second, whatever the design around it.
//
//   osgrid-fork-bench [--runs 100]
#include <Python.h>  // first, as the CPython docs ask

#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "bench_util.h"
#include "python_runner.h"

namespace {

using osgrid::bench::Median;
using osgrid::bench::Percentile;
using osgrid::bench::SteadyNowMs;

constexpr std::size_t kPage = 4096;
constexpr std::size_t kProbeBytes = 32u << 20;  // 8,192 pages

/// Writes one byte to every page of [memory, memory + bytes); returns us/page.
double TouchPages(char* memory, std::size_t bytes, char value) {
  double start = SteadyNowMs();
  for (std::size_t offset = 0; offset < bytes; offset += kPage) memory[offset] = value;
  return (SteadyNowMs() - start) * 1000.0 / static_cast<double>(bytes / kPage);
}

struct PageCosts {
  double fresh_us = 0;  // first write to an anonymous page
  double cow_us = 0;    // first write to a page shared copy-on-write
};

/// Section 1: median of 5 rounds of each.
PageCosts MeasurePages() {
  std::vector<double> fresh, cow;
  for (int round = 0; round < 5; ++round) {
    void* mapped = mmap(nullptr, kProbeBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mapped == MAP_FAILED) break;
    char* memory = static_cast<char*>(mapped);
    fresh.push_back(TouchPages(memory, kProbeBytes, 1));
    int report[2];
    if (pipe(report) != 0) break;
    pid_t child = fork();
    if (child == 0) {
      double us = TouchPages(memory, kProbeBytes, 2);
      ssize_t ignored = write(report[1], &us, sizeof us);
      (void)ignored;
      _exit(0);
    }
    double us = 0;
    if (child > 0 && read(report[0], &us, sizeof us) == sizeof us) cow.push_back(us);
    if (child > 0) waitpid(child, nullptr, 0);
    close(report[0]);
    close(report[1]);
    munmap(mapped, kProbeBytes);
  }
  return {Median(fresh), Median(cow)};
}

/// One kind of child (section 2) and what each of its runs cost.
struct ChildKind {
  const char* name;
  const char* what;
  std::function<void()> body;  // runs in the child after PyOS_AfterFork_Child, if python
  bool python = true;
  std::vector<double> cpu_ms, faults, wall_ms;
};

/// Forks one child of `kind` the way the zygote does and waits for it.
void RunChild(ChildKind& kind) {
  double start = SteadyNowMs();
  PyOS_BeforeFork();
  pid_t child = fork();
  if (child == 0) {
    if (kind.python) PyOS_AfterFork_Child();
    if (kind.body) kind.body();
    _exit(0);
  }
  PyOS_AfterFork_Parent();
  if (child < 0) return;
  int status = 0;
  rusage usage{};
  while (wait4(child, &status, 0, &usage) < 0) {
  }
  kind.wall_ms.push_back(SteadyNowMs() - start);
  kind.cpu_ms.push_back((usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1e3 +
                        (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e3);
  kind.faults.push_back(static_cast<double>(usage.ru_minflt));
}

/// The parent's own CPU time, ms (its share of each fork: copying page tables).
double SelfCpuMs() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1e3 +
         (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e3;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"osgrid-fork-bench: what one fresh task process costs this machine, before any sandbox"};
  int runs = 100;
  app.add_option("--runs", runs, "Children forked per kind")->check(CLI::Range(5, 100000));
  CLI11_PARSE(app, argc, argv);

  PageCosts pages = MeasurePages();
  std::printf("pages (%zu MiB, median of 5): first write %.2f us/page fresh, %.2f us/page copy-on-write\n",
              kProbeBytes >> 20, pages.fresh_us, pages.cow_us);

  if (!osgrid::peer::StartPython()) return 1;
  PyRun_SimpleString("import gc; gc.freeze()");  // as the zygote's bootstrap does
  const std::optional<osgrid::peer::TaskInput> task =
      osgrid::peer::ParseTaskInput(R"({"program":"def main():\n    return 1\n","function":"main","args":[]})");
  if (!task) return 1;
  ChildKind kinds[] = {
      {"exit", "fork, exit at once", {}, false, {}, {}, {}},
      {"python", "+ PyOS_AfterFork_Child", {}, true, {}, {}, {}},
      {"warm", "+ WarmUpPython (a warm process)", [] { osgrid::peer::WarmUpPython(); }, true, {}, {}, {}},
      {"task", "+ one trivial task, no warm-up", [&task] { osgrid::peer::RunPythonTask(*task); }, true, {}, {}, {}},
  };
  std::vector<double> parent_ms;
  for (int run = 0; run < runs; ++run) {  // interleaved, so drift hits every kind alike
    for (ChildKind& kind : kinds) {
      double before = SelfCpuMs();
      RunChild(kind);
      if (&kind == &kinds[0]) parent_ms.push_back(SelfCpuMs() - before);
    }
  }
  std::printf("processes forked from an initialised CPython (RSS %ld KiB), %d per kind, medians:\n",
              osgrid::bench::ProcessStatusKiB(getpid(), "VmRSS"), runs);
  std::printf("  %-7s %-34s %9s %9s %9s %9s\n", "child", "", "CPU ms", "p90", "faults", "wall ms");
  for (ChildKind& kind : kinds) {
    std::printf("  %-7s %-34s %9.2f %9.2f %9.0f %9.2f\n", kind.name, kind.what, Median(kind.cpu_ms),
                Percentile(kind.cpu_ms, 0.9), Median(kind.faults), Median(kind.wall_ms));
  }
  const double parent = Median(parent_ms);
  const long cores = sysconf(_SC_NPROCESSORS_ONLN);
  std::printf("  the parent's share of each fork: %.2f ms of CPU\n", parent);
  for (const ChildKind& kind : kinds) {
    if (std::strcmp(kind.name, "warm") != 0 && std::strcmp(kind.name, "task") != 0) continue;
    double per_process = Median(kind.cpu_ms) + parent;
    std::printf(
        "bound (%s): one new process per task costs >= %.2f ms of CPU, so one client's tasks back to back take "
        ">= %.2f ms each on %ld cores, with nothing else running\n",
        kind.name, per_process, per_process / static_cast<double>(cores), cores);
  }
  return 0;
}
