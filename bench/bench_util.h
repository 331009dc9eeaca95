// Small helpers the benchmarks share: order statistics, clocks, and what
// /proc says about a process (CPU time, resident memory) and the machine
// (load average). Header-only; Linux only, as osgrid is.
#pragma once

#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

namespace osgrid::bench {

/// The `p`-quantile (0..1) of `samples`, nearest rank below; 0 when empty.
inline double Percentile(std::vector<double> samples, double p) {
  if (samples.empty()) return 0;
  std::sort(samples.begin(), samples.end());
  return samples[static_cast<std::size_t>(p * static_cast<double>(samples.size() - 1))];
}

/// The upper median of `samples`; 0 when empty.
inline double Median(std::vector<double> samples) {
  if (samples.empty()) return 0;
  std::sort(samples.begin(), samples.end());
  return samples[samples.size() / 2];
}

/// The monotonic clock (CLOCK_MONOTONIC: the same in every process of the
/// machine), ms. Two processes can compare their readings of it.
inline double SteadyNowMs() {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

/// CPU seconds (user + system) in a /proc stat file: /proc/PID/stat (the
/// whole process) or /proc/PID/task/TID/stat (one thread); -1 when it cannot
/// be read.
inline double StatCpuSeconds(const std::string& path) {
  std::ifstream stat(path);
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  const auto name_end = text.rfind(')');  // the command name may hold spaces
  if (name_end == std::string::npos) return -1;
  std::istringstream fields(text.substr(name_end + 2));
  std::string field;
  long user_ticks = 0, system_ticks = 0;
  for (int index = 3; fields >> field; ++index) {  // fields 3.. after "pid (comm)"
    if (index == 14) user_ticks = std::stol(field);
    if (index == 15) {
      system_ticks = std::stol(field);
      return static_cast<double>(user_ticks + system_ticks) / static_cast<double>(::sysconf(_SC_CLK_TCK));
    }
  }
  return -1;
}

/// CPU seconds (user + system) process `pid` has used so far, all its
/// threads; -1 when it cannot be read.
inline double ProcessCpuSeconds(pid_t pid) { return StatCpuSeconds("/proc/" + std::to_string(pid) + "/stat"); }

/// Seconds process `pid`'s main thread has spent runnable but waiting for a
/// CPU (the second field of /proc/PID/schedstat); -1 when it cannot be read.
/// With the CPU seconds it tells a busy process from a starved one on a
/// shared machine.
inline double ProcessRunDelaySeconds(pid_t pid) {
  std::ifstream schedstat("/proc/" + std::to_string(pid) + "/schedstat");
  double on_cpu_ns = 0, waiting_ns = -1e9;
  schedstat >> on_cpu_ns >> waiting_ns;
  return waiting_ns / 1e9;
}

/// A "Vm..." line of /proc/PID/status (VmRSS now, VmHWM its peak), KiB; -1 if absent.
inline long ProcessStatusKiB(pid_t pid, const std::string& field) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind(field + ":", 0) == 0) return std::stol(line.substr(field.size() + 1));
  }
  return -1;
}

/// The 1-minute load average, as /proc/loadavg's first field ("?" if unreadable).
inline std::string LoadAverage() {
  std::string load = "?";
  std::ifstream("/proc/loadavg") >> load;
  return load;
}

}  // namespace osgrid::bench
