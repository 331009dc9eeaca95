// Bounded message queue with blocking send and receive.
// Source: Silberschatz 10e, 3.7.4.2 "Synchronization" and 3.7.4.3 "Buffering".
#include "osgrid/os/sync/message_queue.h"

#include <algorithm>

namespace osgrid::os {

MessageQueue::SendResult MessageQueue::Send(ProcessId sender, std::string message) {
  if (!blocked_receivers_.empty()) {  // the queue is empty and someone waits: hand it over
    const ProcessId receiver = blocked_receivers_.front();
    blocked_receivers_.pop_front();
    return {false, receiver};
  }
  if (messages_.size() < capacity_) {
    messages_.push_back(std::move(message));
    return {false, std::nullopt};
  }
  blocked_senders_.emplace_back(sender, std::move(message));  // full: block
  return {true, std::nullopt};
}

MessageQueue::ReceiveResult MessageQueue::Receive(ProcessId receiver) {
  ReceiveResult result;
  if (!messages_.empty()) {
    result.message = std::move(messages_.front());
    messages_.pop_front();
  }
  if (!blocked_senders_.empty()) {  // room now (or a rendezvous): the longest-blocked sender goes on
    auto [sender, message] = std::move(blocked_senders_.front());
    blocked_senders_.pop_front();
    if (result.message) {
      messages_.push_back(std::move(message));
    } else {
      result.message = std::move(message);  // zero capacity: take it straight from the sender
    }
    result.woken = sender;
  }
  if (!result.message) blocked_receivers_.push_back(receiver);  // empty: block
  return result;
}

bool MessageQueue::CancelSend(ProcessId sender) {
  const auto it = std::find_if(blocked_senders_.begin(), blocked_senders_.end(),
                               [sender](const auto& blocked) { return blocked.first == sender; });
  if (it == blocked_senders_.end()) return false;
  blocked_senders_.erase(it);  // its message goes with it
  return true;
}

bool MessageQueue::CancelReceive(ProcessId receiver) {
  const auto it = std::find(blocked_receivers_.begin(), blocked_receivers_.end(), receiver);
  if (it == blocked_receivers_.end()) return false;
  blocked_receivers_.erase(it);
  return true;
}

}  // namespace osgrid::os
