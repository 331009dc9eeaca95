// The viewer's side of osgrid-viz-bench (bench_stats.h).
#include "bench_stats.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>

namespace osgrid::viz::ui {

double SteadyNowMs() {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

MsHistogram::MsHistogram(double bin_ms, double limit_ms)
    : bin_ms_(bin_ms), counts_(static_cast<std::size_t>(limit_ms / bin_ms) + 1, 0) {}

void MsHistogram::Add(double ms) {
  ms = std::max(0.0, ms);
  const auto bin = std::min(counts_.size() - 1, static_cast<std::size_t>(ms / bin_ms_));
  ++counts_[bin];
  max_ = std::max(max_, ms);
}

std::string MsHistogram::ToJson() const {
  std::string json = "{\"bin_ms\":" + std::to_string(bin_ms_) + ",\"counts\":[";
  bool first = true;
  for (std::size_t bin = 0; bin < counts_.size(); ++bin) {
    if (counts_[bin] == 0) continue;
    json += (first ? "[" : ",[") + std::to_string(bin) + "," + std::to_string(counts_[bin]) + "]";
    first = false;
  }
  return json + "],\"max\":" + std::to_string(max_) + "}";
}

BenchStats::BenchStats(std::string path, double t_origin_ms) : path_(std::move(path)), t_origin_ms_(t_origin_ms) {}

void BenchStats::FrameShown(const Model& model, std::uint64_t from, double work_ms) {
  const double shown_ms = SteadyNowMs();
  ++frames_;
  frame_work_.Add(work_ms);
  for (std::uint64_t index = std::max(from, model.begin_index()); index < model.end_index(); ++index) {
    const LogEntry& entry = model.entry(index);
    if (entry.event() != nullptr && entry.node() != "tracker") delay_.Add(shown_ms - (t_origin_ms_ + entry.t()));
  }
  events_ = model.end_index();
  Write();
}

void BenchStats::Write(bool now) {
  const double now_ms = SteadyNowMs();
  if (!now && now_ms - last_write_ms_ < 1000) return;
  last_write_ms_ = now_ms;
  const std::string temporary = path_ + ".tmp";
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << "{\"format\":\"osgrid-viz-bench-stats\",\"version\":1,\"steady_ms\":" << std::to_string(now_ms)
        << ",\"frames\":" << frames_ << ",\"events\":" << events_ << ",\"frame_work_ms\":" << frame_work_.ToJson()
        << ",\"delay_ms\":" << delay_.ToJson() << "}\n";
    if (!out) {
      std::fprintf(stderr, "osgrid-viz: cannot write %s\n", temporary.c_str());
      return;
    }
  }
  std::rename(temporary.c_str(), path_.c_str());
}

}  // namespace osgrid::viz::ui
