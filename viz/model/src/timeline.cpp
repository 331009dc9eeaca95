// The timeline: see timeline.h for the lanes and bars.
//
// Source: the Gantt chart of Silberschatz 10e 5.2-5.3 (one row per CPU),
//         across peers; the level-of-detail fold is Tracy's ("zones too small
//         to display" drawn as one, wolfpld/tracy, TracyView).
#include "osgrid/viz/timeline.h"

#include <algorithm>
#include <set>
#include <type_traits>
#include <utility>

#include "sim_events.h"

namespace osgrid::viz {

namespace ev = os::events;

std::string_view BarEndName(BarEnd end) {
  switch (end) {
    case BarEnd::kOpen:
      return "open";
    case BarEnd::kPreempted:
      return "preempted";
    case BarEnd::kBlocked:
      return "blocked";
    case BarEnd::kZombie:
      return "zombie";
    case BarEnd::kFinished:
      return "finished";
    case BarEnd::kMoved:
      return "moved";
    case BarEnd::kPeerGone:
      return "peer gone";
    case BarEnd::kResync:
      return "resync";
    case BarEnd::kSwitched:
      return "switched";
  }
  return "open";
}

// ---- lanes and drawing ------------------------------------------------------------------

std::span<const GanttBar> Lane::Overlapping(double t0, double t1) const {
  // [start, end) overlaps [t0, t1) when start < t1 and end > t0; bars do not
  // overlap one another, so both starts and ends are sorted.
  auto first = std::partition_point(bars_.begin(), bars_.end(), [&](const GanttBar& bar) { return bar.end <= t0; });
  auto last = std::partition_point(first, bars_.end(), [&](const GanttBar& bar) { return bar.start < t1; });
  return {first, last};
}

std::vector<FoldedBar> FoldForDrawing(std::span<const GanttBar> bars, double min_width) {
  std::vector<FoldedBar> out;
  bool last_narrow = false;
  for (const GanttBar& bar : bars) {
    const bool narrow = bar.end - bar.start < min_width;
    if (narrow && last_narrow && bar.start - out.back().end < min_width) {
      FoldedBar& fold = out.back();
      fold.end = std::max(fold.end, bar.end);
      ++fold.count;
      fold.bar = nullptr;
      continue;
    }
    out.push_back(FoldedBar{bar.start, bar.end, 1, &bar});
    last_narrow = narrow;
  }
  return out;
}

// ---- queries ------------------------------------------------------------------------------

const PeerTimeline* Timeline::Find(std::string_view peer) const {
  auto it = peers_.find(peer);
  return it == peers_.end() ? nullptr : &it->second;
}

std::vector<GanttBar> Timeline::Overlapping(std::string_view peer, std::size_t lane, double t0, double t1) const {
  const PeerTimeline* rows = Find(peer);
  if (rows == nullptr || lane >= rows->lanes.size()) return {};
  const Lane& one = rows->lanes[lane];
  std::span<const GanttBar> closed = one.Overlapping(t0, t1);
  std::vector<GanttBar> bars(closed.begin(), closed.end());
  if (const GanttBar* open = one.open(); open != nullptr && open->start < t1 && open->end >= t0) bars.push_back(*open);
  return bars;
}

std::vector<BarRef> Timeline::BarsOf(std::string_view task_id) const {
  std::vector<BarRef> refs;
  for (const auto& [peer, rows] : peers_) {
    for (std::size_t lane = 0; lane < rows.lanes.size(); ++lane) {
      for (const GanttBar& bar : rows.lanes[lane].bars()) {
        if (bar.task_id == task_id) refs.push_back(BarRef{peer, lane, bar});
      }
      if (const GanttBar* open = rows.lanes[lane].open(); open != nullptr && open->task_id == task_id) {
        refs.push_back(BarRef{peer, lane, *open});
      }
    }
  }
  return refs;
}

std::vector<Forward> Timeline::ForwardsBetween(double t0, double t1) const {
  std::vector<Forward> out;
  for (const Forward& forward : forwards_) {
    if (forward.t >= t0 && forward.t < t1) out.push_back(forward);
  }
  return out;
}

// ---- building -------------------------------------------------------------------------------

PeerTimeline& Timeline::Peer(const std::string& peer) {
  auto [it, added] = peers_.try_emplace(peer);
  if (added) it->second.peer = peer;
  return it->second;
}

void Timeline::Touch(double t) {
  newest_t_ = std::max(newest_t_, t);
  for (const auto& [task, where] : running_) {
    GanttBar& open = *peers_[where.first].lanes[where.second].open_;
    open.end = std::max(open.end, newest_t_);
  }
}

void Timeline::Start(const std::string& peer, const std::string& task_id, double t, std::uint64_t index, int cores,
                     BarKind kind, bool start_unknown) {
  PeerTimeline& rows = Peer(peer);
  const std::size_t core_lanes = static_cast<std::size_t>(std::max(cores, 1));
  while (rows.lanes.size() < core_lanes) rows.lanes.emplace_back();
  for (std::size_t lane = 0; lane < core_lanes && lane < rows.lanes.size(); ++lane) rows.lanes[lane].overflow_ = false;
  auto free = std::find_if(rows.lanes.begin(), rows.lanes.end(), [](const Lane& lane) { return !lane.open_; });
  if (free == rows.lanes.end()) {  // more running than cores: a lane of overflow
    rows.lanes.emplace_back().overflow_ = true;
    free = rows.lanes.end() - 1;
  }
  const double start = free->bars_.empty() ? t : std::max(t, free->bars_.back().end);
  GanttBar bar{task_id, start, std::max(start, newest_t_), kind, BarEnd::kOpen, start_unknown, index, index};
  const std::size_t lane = static_cast<std::size_t>(free - rows.lanes.begin());
  free->open_ = std::move(bar);
  running_[task_id] = {peer, lane};
}

void Timeline::Close(Lane& lane, double t, std::uint64_t index, BarEnd why) {
  GanttBar bar = std::move(*lane.open_);
  lane.open_.reset();
  bar.end = std::max(t, bar.start);
  bar.ended_by = why;
  bar.end_index = index;
  lane.bars_.push_back(std::move(bar));
  ++bar_count_;
}

void Timeline::Stop(const std::string& task_id, double t, std::uint64_t index, BarEnd why) {
  auto it = running_.find(task_id);
  if (it == running_.end()) return;
  Close(peers_[it->second.first].lanes[it->second.second], t, index, why);
  running_.erase(it);
}

void Timeline::StopPeer(const std::string& peer, double t, std::uint64_t index, BarEnd why) {
  for (auto it = running_.begin(); it != running_.end();) {
    if (it->second.first == peer) {
      Close(peers_[peer].lanes[it->second.second], t, index, why);
      it = running_.erase(it);
    } else {
      ++it;
    }
  }
}

namespace {

int CoresOf(const ViewState& state, const std::string& peer) {
  const ev::PeerState* live = state.cluster().Find(peer);
  return live == nullptr ? 1 : live->cores;
}

}  // namespace

void Timeline::Apply(const ev::Event& raw, std::uint64_t index, double t, const ViewState& after) {
  ev::Event scratch;
  const ev::Event& event = ForFold(after.source(), raw, scratch);
  Touch(t);
  std::visit(
      [&](const auto& body) {
        using T = std::decay_t<decltype(body)>;
        if constexpr (std::is_same_v<T, ev::PeerJoined>) {
          PeerTimeline& rows = Peer(body.peer);
          rows.gone_t.reset();
          while (rows.lanes.size() < static_cast<std::size_t>(std::max(body.cores, 1))) rows.lanes.emplace_back();
        }
        if constexpr (std::is_same_v<T, ev::PeerLeft> || std::is_same_v<T, ev::PeerDead>) {
          StopPeer(body.peer, t, index, BarEnd::kPeerGone);
          Peer(body.peer).gone_t = t;
        }
        if constexpr (std::is_same_v<T, ev::PeerLoad>) {
          const double utilisation = body.cores > 0 ? static_cast<double>(body.running) / body.cores : 0.0;
          Peer(body.peer).load.push_back(LoadSample{t, body.running, body.queued, body.cores, utilisation, index});
        }
        if constexpr (std::is_same_v<T, ev::TaskForwarded>) {
          forwards_.push_back(Forward{t, body.task_id, body.from, body.to, index});
        }
        if constexpr (std::is_same_v<T, ev::TaskRunning>) {
          auto running = running_.find(body.task_id);
          if (running != running_.end() && running->second.first == body.peer) return;  // said twice
          Stop(body.task_id, t, index, BarEnd::kMoved);
          Start(body.peer, body.task_id, t, index, CoresOf(after, body.peer), BarKind::kRun, false);
        }
        if constexpr (std::is_same_v<T, ev::TaskPreempted>) Stop(body.task_id, t, index, BarEnd::kPreempted);
        if constexpr (std::is_same_v<T, ev::TaskBlocked>) Stop(body.task_id, t, index, BarEnd::kBlocked);
        if constexpr (std::is_same_v<T, ev::TaskZombie>) Stop(body.task_id, t, index, BarEnd::kZombie);
        if constexpr (std::is_same_v<T, ev::TaskFinished>) Stop(body.task_id, t, index, BarEnd::kFinished);
        if constexpr (std::is_same_v<T, ev::CpuSwitch>) {
          if (body.cost_ms > 0) AddSwitch(body.peer, body.to, t, body.cost_ms, index, CoresOf(after, body.peer));
        }
      },
      event.body);
}

void Timeline::AddSwitch(const std::string& peer, const std::string& to, double t, double cost, std::uint64_t index,
                         int cores) {
  // Occupies the lowest free lane for [t, t + cost): opened and closed at once.
  const std::string key = "\x01switch";  // not a task id: ids never start with a control character
  Start(peer, key, t, index, cores, BarKind::kSwitch, false);
  auto it = running_.find(key);
  Lane& lane = peers_[peer].lanes[it->second.second];
  lane.open_->task_id = to;
  running_.erase(it);
  Close(lane, lane.open_->start + cost, index, BarEnd::kSwitched);
}

void Timeline::ApplySnapshot(const ev::Snapshot& snapshot, std::uint64_t index, double t, const ViewState& after) {
  Touch(t);
  std::set<std::pair<std::string, std::string>> shown;  // (task, peer) running in the snapshot
  for (const ev::PeerState& peer : snapshot.peers) {
    Peer(peer.peer).gone_t.reset();
    for (const ev::TaskRef& task : peer.running) shown.emplace(task.task_id, peer.peer);
  }
  for (auto it = running_.begin(); it != running_.end();) {
    if (shown.count({it->first, it->second.first}) == 0) {
      Close(peers_[it->second.first].lanes[it->second.second], t, index, BarEnd::kResync);
      it = running_.erase(it);
    } else {
      ++it;
    }
  }
  for (const auto& [task, peer] : shown) {
    if (running_.count(task) == 0) Start(peer, task, t, index, CoresOf(after, peer), BarKind::kRun, true);
  }
}

// ---- bounds ------------------------------------------------------------------------------------

std::size_t Timeline::DropBefore(std::uint64_t index) {
  std::size_t dropped = 0;
  for (auto& [peer, rows] : peers_) {
    for (Lane& lane : rows.lanes) {
      auto keep = std::partition_point(lane.bars_.begin(), lane.bars_.end(),
                                       [&](const GanttBar& bar) { return bar.end_index < index; });
      dropped += static_cast<std::size_t>(keep - lane.bars_.begin());
      lane.bars_.erase(lane.bars_.begin(), keep);
    }
    auto sample = std::partition_point(rows.load.begin(), rows.load.end(),
                                       [&](const LoadSample& one) { return one.index < index; });
    rows.load.erase(rows.load.begin(), sample);
  }
  auto forward =
      std::partition_point(forwards_.begin(), forwards_.end(), [&](const Forward& one) { return one.index < index; });
  forwards_.erase(forwards_.begin(), forward);
  bar_count_ -= dropped;
  return dropped;
}

std::size_t Timeline::CapBars(std::size_t max_bars) {
  if (bar_count_ <= max_bars) return 0;
  // Which bars go: the oldest by start over all lanes, counted per lane first
  // so that each lane is erased from once; a tenth more than needed, so that
  // a timeline at its cap moves its bars once per max_bars / 10 new ones.
  std::vector<std::pair<Lane*, std::size_t>> cut;  // lane, bars to drop from its front
  for (auto& [peer, rows] : peers_) {
    for (Lane& lane : rows.lanes) cut.emplace_back(&lane, 0);
  }
  const std::size_t excess = std::min(bar_count_, bar_count_ - max_bars + max_bars / 10);
  for (std::size_t k = 0; k < excess; ++k) {
    std::pair<Lane*, std::size_t>* oldest = nullptr;
    for (auto& one : cut) {
      if (one.second < one.first->bars_.size() &&
          (oldest == nullptr || one.first->bars_[one.second].start < oldest->first->bars_[oldest->second].start)) {
        oldest = &one;
      }
    }
    ++oldest->second;
  }
  for (auto& [lane, count] : cut) lane->bars_.erase(lane->bars_.begin(), lane->bars_.begin() + count);
  bar_count_ -= excess;
  return excess;
}

std::size_t Timeline::CapLoadSamples(std::size_t max_samples) {
  std::size_t dropped = 0;
  for (auto& [peer, rows] : peers_) {
    if (rows.load.size() <= max_samples) continue;
    const std::size_t excess = rows.load.size() - max_samples;
    rows.load.erase(rows.load.begin(), rows.load.begin() + excess);
    dropped += excess;
  }
  return dropped;
}

}  // namespace osgrid::viz
