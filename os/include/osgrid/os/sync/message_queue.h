// A bounded message queue (a mailbox) for message passing.
//
// Source: Silberschatz, Operating System Concepts 10e, 3.7 "IPC in
//         Message-Passing Systems": 3.7.4.2 synchronization (blocking send:
//         the sender blocks until the message is received or queued;
//         blocking receive: the receiver blocks until a message is
//         available) and 3.7.4.3 buffering (zero capacity: the sender waits
//         for the receiver, a rendezvous; bounded capacity n: the sender
//         waits only when the queue is full).
//         The bounded buffer itself is 7.1.1 / OSTEP ch. 30.2.
//
// Messages are delivered in FIFO order. Blocked senders and blocked
// receivers each wait in a FIFO queue, so the order of messages is the order
// of the send() calls that produced them, blocked or not.
#pragma once

#include <cstddef>
#include <deque>
#include <optional>
#include <string>
#include <utility>

#include "osgrid/os/sync/semaphore.h"  // ProcessId

namespace osgrid::os {

class MessageQueue {
 public:
  /// `capacity` messages can wait in the queue; 0 = zero capacity (every
  /// send waits for a receive: rendezvous).
  explicit MessageQueue(std::size_t capacity) : capacity_(capacity) {}

  /// What Send() did.
  struct SendResult {
    bool blocked = false;            // true: the queue was full; the sender waits with its message
    std::optional<ProcessId> woken;  // a blocked receiver that was handed this message and is ready
  };
  /// send(message): a waiting receiver (possible only when the queue is
  /// empty) gets the message at once and is woken; otherwise the message is
  /// queued if there is room; otherwise the sender blocks, holding it.
  SendResult Send(ProcessId sender, std::string message);

  /// What Receive() did.
  struct ReceiveResult {
    std::optional<std::string> message;  // nullopt: the queue was empty; the receiver blocks
    std::optional<ProcessId> woken;      // a blocked sender whose message was taken or queued; it is ready
  };
  /// receive(): takes the oldest message. If a sender was blocked, its
  /// message moves into the queue (or, with zero capacity, is the one
  /// taken) and that sender is woken. With nothing to take, the receiver
  /// blocks; a later Send() hands it that send's message directly.
  ReceiveResult Receive(ProcessId receiver);

  /// A blocked sender gives up (its send timed out, or it ended): it leaves
  /// the senders' queue and its message is dropped, never delivered; the
  /// other senders keep their order. False, changing nothing, when `sender`
  /// is not blocked here. Not in the textbook, whose send() blocks for ever.
  bool CancelSend(ProcessId sender);
  /// A blocked receiver gives up: it leaves the receivers' queue, and the
  /// next send() goes to the receiver after it (or into the queue). False,
  /// changing nothing, when `receiver` is not blocked here.
  bool CancelReceive(ProcessId receiver);

  std::size_t capacity() const { return capacity_; }
  /// The queued messages, front = oldest = received next.
  const std::deque<std::string>& messages() const { return messages_; }
  /// Senders blocked on a full queue, with their messages (FIFO).
  const std::deque<std::pair<ProcessId, std::string>>& blocked_senders() const { return blocked_senders_; }
  /// Receivers blocked on an empty queue (FIFO).
  const std::deque<ProcessId>& blocked_receivers() const { return blocked_receivers_; }

 private:
  std::size_t capacity_;
  std::deque<std::string> messages_;
  std::deque<std::pair<ProcessId, std::string>> blocked_senders_;
  std::deque<ProcessId> blocked_receivers_;
};

}  // namespace osgrid::os
