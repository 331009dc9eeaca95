#include <catch2/catch.hpp>

#include "osgrid/os/sync/message_queue.h"

using osgrid::os::MessageQueue;

// Silberschatz 10e, 3.7.4.3: bounded capacity n.
TEST_CASE("send blocks when the queue is full, receive frees room and wakes the sender", "[sync][queue]") {
  MessageQueue q(2);
  CHECK_FALSE(q.Send(0, "a").blocked);
  CHECK_FALSE(q.Send(0, "b").blocked);
  const auto full = q.Send(0, "c");
  CHECK(full.blocked);
  CHECK(q.messages().size() == 2);
  const auto got = q.Receive(1);
  CHECK(got.message == "a");
  CHECK(got.woken == 0u);  // the blocked sender's "c" is queued now
  CHECK(q.messages().size() == 2);
  CHECK(q.Receive(1).message == "b");
  CHECK(q.Receive(1).message == "c");  // FIFO, blocked message included
}

TEST_CASE("receive blocks when the queue is empty, send hands the message over", "[sync][queue]") {
  MessageQueue q(3);
  const auto empty = q.Receive(5);
  CHECK_FALSE(empty.message.has_value());
  CHECK(q.blocked_receivers().size() == 1);
  const auto sent = q.Send(2, "42");
  CHECK_FALSE(sent.blocked);
  CHECK(sent.woken == 5u);
  CHECK(q.messages().empty());  // delivered directly, not queued
}

// Silberschatz 10e, 3.7.4.3: zero capacity, the sender blocks until the
// recipient receives the message (a rendezvous).
TEST_CASE("a zero-capacity queue is a rendezvous", "[sync][queue]") {
  MessageQueue q(0);
  CHECK(q.Send(0, "x").blocked);
  const auto got = q.Receive(1);
  CHECK(got.message == "x");
  CHECK(got.woken == 0u);
  CHECK(q.messages().empty());
  CHECK_FALSE(q.Receive(1).message.has_value());
  CHECK(q.Send(0, "y").woken == 1u);
}

TEST_CASE("a blocked sender that gives up takes its message with it", "[sync][queue]") {
  MessageQueue q(1);
  CHECK_FALSE(q.Send(0, "a").blocked);
  CHECK(q.Send(1, "b").blocked);
  CHECK(q.Send(2, "c").blocked);
  CHECK(q.CancelSend(1));
  CHECK_FALSE(q.CancelSend(1));
  CHECK_FALSE(q.CancelSend(0));  // its send completed
  REQUIRE(q.blocked_senders().size() == 1);
  const auto got = q.Receive(9);
  CHECK(got.message == "a");
  CHECK(got.woken == 2u);  // "b" was never delivered
  CHECK(q.Receive(9).message == "c");
}

TEST_CASE("a blocked receiver that gives up is skipped by the next send", "[sync][queue]") {
  MessageQueue q(2);
  CHECK_FALSE(q.Receive(4).message.has_value());
  CHECK_FALSE(q.Receive(5).message.has_value());
  CHECK(q.CancelReceive(4));
  CHECK_FALSE(q.CancelReceive(4));
  CHECK(q.Send(0, "x").woken == 5u);
  CHECK(q.CancelReceive(5) == false);  // it got its message
  CHECK_FALSE(q.Send(0, "y").woken.has_value());
  CHECK(q.messages().size() == 1);  // nobody waits: queued
}
