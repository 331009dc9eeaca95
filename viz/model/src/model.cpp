// The viewer's model: see model.h for the recording, the cursor, the
// checkpoints and the bounds.
//
// Source: checkpoints plus replay is how a debugger or a database rebuilds
//         a past state cheaply (a snapshot every N log records, then the
//         records after it: Gray & Reuter, "Transaction Processing", ch. 9;
//         event sourcing, M. Fowler, 2005); Tracy keeps its data (Worker) apart
//         from its drawing (View) the same way.
#include "osgrid/viz/model.h"

#include <algorithm>
#include <utility>

namespace osgrid::viz {

namespace ev = os::events;

Model::Model(SourceInfo source, ModelOptions options)
    : source_(std::move(source)), options_(options), newest_(source_), view_(source_) {
  options_.checkpoint_every = std::max<std::size_t>(options_.checkpoint_every, 1);
  checkpoints_.push_back(Checkpoint{0, newest_});
}

// ---- feeding -------------------------------------------------------------------------

void Model::AddEvent(ev::Event event, std::uint64_t line,
                     std::optional<std::chrono::steady_clock::time_point> arrived) {
  Append(LogEntry{.item = std::move(event), .line = line, .arrived = arrived});
}

void Model::AddUnknown(UnknownEvent unknown, std::uint64_t line,
                       std::optional<std::chrono::steady_clock::time_point> arrived) {
  Append(LogEntry{.item = std::move(unknown), .line = line, .arrived = arrived});
}

void Model::AddSnapshot(ev::Snapshot snapshot, std::optional<std::chrono::steady_clock::time_point> arrived) {
  Append(LogEntry{.item = SnapshotMark{std::make_shared<const ev::Snapshot>(std::move(snapshot))}, .arrived = arrived});
}

DrainResult Model::Drain(Inbox& inbox, std::size_t max_items) {
  std::vector<InboxItem> items = inbox.Take(max_items);
  for (InboxItem& item : items) {
    std::visit(
        [&](auto& body) {
          using T = std::decay_t<decltype(body)>;
          if constexpr (std::is_same_v<T, ev::Event>) AddEvent(std::move(body), 0, item.arrived);
          if constexpr (std::is_same_v<T, UnknownEvent>) AddUnknown(std::move(body), 0, item.arrived);
          if constexpr (std::is_same_v<T, ev::Snapshot>) AddSnapshot(std::move(body), item.arrived);
        },
        item.item);
  }
  return DrainResult{items.size(), inbox.pending()};
}

bool Model::ApplyEntry(ViewState& state, const LogEntry& entry) {
  if (const ev::Event* event = entry.event()) return state.Apply(*event);
  if (const auto* mark = std::get_if<SnapshotMark>(&entry.item)) {
    state.ApplySnapshot(*mark->snapshot);
    return true;
  }
  return false;  // an unknown event changes nothing: this build cannot know what it means
}

void Model::Append(LogEntry entry) {
  entry.index = end_index();
  entries_.push_back(std::move(entry));
  LogEntry& added = entries_.back();
  const bool applied = ApplyEntry(newest_, added);
  added.time = added.t() + newest_.time_shift();
  max_t_ = added.index == 0 ? added.time : std::max(max_t_, added.time);
  added.max_t = max_t_;
  newest_t_ = added.time;
  if (added.arrived) newest_arrival_ = added.arrived;
  if (applied) {
    if (const ev::Event* event = added.event()) timeline_.Apply(*event, added.index, added.time, newest_);
    if (const auto* mark = std::get_if<SnapshotMark>(&added.item)) {
      timeline_.ApplySnapshot(*mark->snapshot, added.index, added.time, newest_);
    }
  }
  truncation_.bars += timeline_.CapBars(options_.max_bars);
  truncation_.load_samples += timeline_.CapLoadSamples(options_.max_load_samples);
  if (truncation_.bars + truncation_.load_samples > 0) truncation_.history_truncated = true;
  if (end_index() % options_.checkpoint_every == 0) checkpoints_.push_back(Checkpoint{end_index(), newest_});
  Trim();
}

void Model::Trim() {
  // Whole checkpoint intervals go, so the oldest entry kept always has a checkpoint.
  while (entries_.size() > options_.max_entries && checkpoints_.size() >= 2) {
    const std::uint64_t next = checkpoints_[1].position;
    for (std::uint64_t index = begin_index_; index < next; ++index) {
      const LogEntry& gone = entries_.front();
      truncation_.first_t = std::min(truncation_.first_t.value_or(gone.time), gone.time);
      truncation_.last_t = std::max(truncation_.last_t.value_or(gone.time), gone.time);
      ++truncation_.by_type[std::string(gone.type())];
      ++truncation_.entries;
      entries_.pop_front();
    }
    begin_index_ = next;
    checkpoints_.pop_front();
    truncation_.bars += timeline_.DropBefore(begin_index_);
    truncation_.history_truncated = true;
    if (!following_ && position_ < begin_index_) SeekToPosition(begin_index_);
  }
}

// ---- the recording ----------------------------------------------------------------------

std::optional<double> Model::first_t() const {
  if (entries_.empty()) return std::nullopt;
  return entries_.front().time;
}

std::optional<double> Model::last_t() const {
  if (entries_.empty()) return std::nullopt;
  return entries_.back().max_t;
}

std::vector<std::uint64_t> Model::Filter(const LogFilter& filter, std::uint64_t from) const {
  std::vector<std::uint64_t> indices;
  for (std::uint64_t index = std::max(from, begin_index_); index < end_index(); ++index) {
    if (Matches(entry(index), filter)) indices.push_back(index);
  }
  return indices;
}

// ---- the cursor -----------------------------------------------------------------------------

double Model::cursor_t() const {
  const std::uint64_t at = position();
  return at > begin_index_ ? entry(at - 1).time : view().t() + view().time_shift();
}

void Model::Follow(bool follow) {
  if (follow == following_) return;
  if (!follow) {
    view_ = newest_;
    position_ = end_index();
  }
  following_ = follow;
}

const Model::Checkpoint& Model::CheckpointAtOrBefore(std::uint64_t position) const {
  auto after =
      std::upper_bound(checkpoints_.begin(), checkpoints_.end(), position,
                       [](std::uint64_t at, const Checkpoint& checkpoint) { return at < checkpoint.position; });
  return *std::prev(after);  // the first checkpoint is at begin_index_ <= position
}

void Model::SeekToPosition(std::uint64_t position) {
  const std::uint64_t target = std::clamp(position, begin_index_, end_index());
  if (following_) {
    following_ = false;
    view_ = newest_;
    position_ = end_index();
  }
  const Checkpoint& checkpoint = CheckpointAtOrBefore(target);
  // Forward from where the view is when that is nearer than the checkpoint.
  const bool from_view = position_ <= target && position_ >= checkpoint.position;
  if (!from_view) {
    if (target == end_index()) {
      view_ = newest_;
      position_ = target;
      last_seek_applied_ = 0;
      return;
    }
    view_ = checkpoint.state;
    position_ = checkpoint.position;
  }
  last_seek_applied_ = target - position_;
  for (; position_ < target; ++position_) ApplyEntry(view_, entry(position_));
}

void Model::SeekToIndex(std::uint64_t index) { SeekToPosition(index + 1); }

void Model::SeekTo(double t) {
  auto first_after =
      std::partition_point(entries_.begin(), entries_.end(), [&](const LogEntry& entry) { return entry.max_t <= t; });
  SeekToPosition(begin_index_ + static_cast<std::uint64_t>(first_after - entries_.begin()));
}

void Model::Step(std::int64_t delta) {
  const std::uint64_t at = position();
  if (delta < 0) {
    const auto back = static_cast<std::uint64_t>(-delta);
    SeekToPosition(back > at ? 0 : at - back);
  } else {
    SeekToPosition(at + static_cast<std::uint64_t>(delta));
  }
}

// ---- what the panels draw ---------------------------------------------------------------------

TaskDetail Model::DescribeTask(std::string_view task_id) const {
  TaskDetail detail;
  detail.task_id = std::string(task_id);
  const ViewState& state = view();
  for (const ev::TaskInfo& task : state.cluster().Tasks()) {
    if (task.task_id == task_id) detail.info = task;
  }
  auto uses = [&](const std::vector<ev::ResourceUse>& list) {
    return std::any_of(list.begin(), list.end(), [&](const ev::ResourceUse& use) { return use.task_id == task_id; });
  };
  for (const ev::ResourceState& object : state.resources()) {
    if (uses(object.holders)) detail.holds.push_back(object);
    if (uses(object.waiters)) detail.waits_for.push_back(object);
  }
  detail.in_deadlock = state.InDeadlock(task_id);
  detail.bars = timeline_.BarsOf(task_id);
  return detail;
}

}  // namespace osgrid::viz
