// The network thread -> UI thread hand-over: see inbox.h.
#include "osgrid/viz/inbox.h"

#include <algorithm>
#include <utility>

namespace osgrid::viz {

void Inbox::PushEvent(os::events::Event event) {
  Push(InboxItem{std::move(event), std::chrono::steady_clock::now()}, true);
}

void Inbox::PushUnknown(UnknownEvent unknown) {
  Push(InboxItem{std::move(unknown), std::chrono::steady_clock::now()}, true);
}

void Inbox::PushSnapshot(os::events::Snapshot snapshot) {
  Push(InboxItem{std::move(snapshot), std::chrono::steady_clock::now()}, false);
}

void Inbox::Close(std::string why) {
  std::lock_guard lock(mutex_);
  closed_ = std::move(why);
}

void Inbox::Push(InboxItem item, bool droppable) {
  std::lock_guard lock(mutex_);
  if (const auto* event = std::get_if<os::events::Event>(&item.item)) {
    last_epoch_ = event->epoch;
    last_t_ = event->t;
  } else if (const auto* snapshot = std::get_if<os::events::Snapshot>(&item.item)) {
    last_epoch_ = snapshot->epoch;
    last_t_ = snapshot->t;
  }
  if (droppable && incoming_.size() + taking_size_ >= max_pending_) {
    ++lost_since_gap_;
    ++dropped_;
    return;
  }
  QueueGap(item.arrived);  // the gap goes where it happened: before the first item kept after it
  incoming_.push_back(std::move(item));
}

void Inbox::QueueGap(std::chrono::steady_clock::time_point arrived) {
  if (lost_since_gap_ == 0) return;
  os::events::Event lost{0, last_epoch_, last_t_, "viewer", os::events::EventsLost{lost_since_gap_}};
  incoming_.push_back(InboxItem{std::move(lost), arrived});
  lost_since_gap_ = 0;
}

std::vector<InboxItem> Inbox::Take(std::size_t max_items) {
  std::vector<InboxItem> out;
  while (out.size() < max_items) {
    if (taken_ == taking_.size()) {  // ours is used up: swap in what the pushers added
      taking_.clear();
      taken_ = 0;
      std::lock_guard lock(mutex_);
      QueueGap(std::chrono::steady_clock::now());  // dropped after all that waits: said at its end
      taking_.swap(incoming_);
      taking_size_ = taking_.size();
      if (taking_.empty()) break;
    }
    const std::size_t count = std::min(max_items - out.size(), taking_.size() - taken_);
    for (std::size_t k = 0; k < count; ++k) out.push_back(std::move(taking_[taken_ + k]));
    taken_ += count;
  }
  std::lock_guard lock(mutex_);
  taking_size_ = taking_.size() - taken_;
  return out;
}

std::size_t Inbox::pending() const {
  std::lock_guard lock(mutex_);
  return incoming_.size() + taking_size_;
}

std::uint64_t Inbox::dropped() const {
  std::lock_guard lock(mutex_);
  return dropped_;
}

std::optional<std::string> Inbox::closed() const {
  std::lock_guard lock(mutex_);
  return closed_;
}

}  // namespace osgrid::viz
