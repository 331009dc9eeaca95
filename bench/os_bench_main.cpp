// main() of osgrid-os-bench: Google Benchmark's, after one re-exec that asks
// glibc to back large allocations with transparent huge pages
// (GLIBC_TUNABLES=glibc.malloc.hugetlb=1; glibc 2.35+, THP in "madvise" mode).
//
// Why: a run over a million processes first-touches a few hundred MB. On the
// project's 2-core VM a 4 KiB page fault costs ~10 us, so with small pages the
// kernel's faults take longer than the algorithm itself (FCFS: 1,030 ms cold
// vs 285 ms once the memory is reused). Huge pages keep every run cold --
// fresh memory each time -- while measuring the algorithm rather than the
// hypervisor. Set OSGRID_BENCH_SMALL_PAGES=1 to measure with 4 KiB pages.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

/// Re-executes this program once with glibc.malloc.hugetlb=1 added to
/// GLIBC_TUNABLES (unless asked not to, or already done). Returns if it cannot.
void ReexecWithHugePages(char** argv) {
  if (std::getenv("OSGRID_BENCH_SMALL_PAGES") != nullptr) return;
  const char* current = std::getenv("GLIBC_TUNABLES");
  std::string tunables = current == nullptr ? "" : current;
  if (tunables.find("glibc.malloc.hugetlb") != std::string::npos) return;
  tunables += (tunables.empty() ? "" : ":") + std::string("glibc.malloc.hugetlb=1");
  setenv("GLIBC_TUNABLES", tunables.c_str(), 1);
  execv("/proc/self/exe", argv);
  std::fprintf(stderr, "osgrid-os-bench: cannot re-exec with huge pages (%s); using 4 KiB pages\n",
               std::strerror(errno));
}

}  // namespace

int main(int argc, char** argv) {
  ReexecWithHugePages(argv);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
