#include <catch2/catch.hpp>

#include "osgrid/os/sync/semaphore.h"

using osgrid::os::Semaphore;

// Silberschatz 10e, 6.6.2: wait() decrements and blocks below zero; a
// negative value counts the waiters (OSTEP 31.1 says the same).
TEST_CASE("a counting semaphore lets `initial` processes through, then blocks", "[sync][semaphore]") {
  auto s = Semaphore::Counting(2);
  REQUIRE(s.ok());
  CHECK(s->Wait(0));
  CHECK(s->Wait(1));
  CHECK(s->value() == 0);
  CHECK_FALSE(s->Wait(2));
  CHECK_FALSE(s->Wait(3));
  CHECK(s->value() == -2);
  CHECK(s->waiting().size() == 2);
}

TEST_CASE("signal wakes the waiters in FIFO order (a strong semaphore)", "[sync][semaphore]") {
  auto s = Semaphore::Counting(0);
  REQUIRE(s.ok());
  CHECK_FALSE(s->Wait(7));
  CHECK_FALSE(s->Wait(3));
  CHECK_FALSE(s->Wait(5));
  CHECK(s->Signal() == 7u);
  CHECK(s->Signal() == 3u);
  CHECK(s->Signal() == 5u);
  CHECK(s->value() == 0);
  CHECK_FALSE(s->Signal().has_value());  // nobody waits: the value counts up
  CHECK(s->value() == 1);
  CHECK(s->Wait(9));  // and the next wait passes without blocking
}

TEST_CASE("a binary semaphore stays at most 1", "[sync][semaphore]") {
  auto s = Semaphore::Binary(1);
  REQUIRE(s.ok());
  CHECK(s->binary());
  CHECK_FALSE(s->Signal().has_value());
  CHECK(s->value() == 1);
  CHECK(s->Wait(0));
  CHECK_FALSE(s->Wait(1));
  CHECK(s->Signal() == 1u);
  CHECK(s->value() == 0);
}

TEST_CASE("bad initial values are refused with a message", "[sync][semaphore]") {
  auto counting = Semaphore::Counting(-1);
  REQUIRE_FALSE(counting.ok());
  CHECK(counting.error().message == "a semaphore's initial value must be >= 0, got -1");
  auto binary = Semaphore::Binary(2);
  REQUIRE_FALSE(binary.ok());
  CHECK(binary.error().message == "a binary semaphore's initial value must be 0 or 1, got 2");
}

// sem_timedwait gives up: the wait() is undone, so a negative value still
// counts the waiters (Silberschatz 6.6.2).
TEST_CASE("a waiter that gives up leaves the queue and gives back its decrement", "[sync][semaphore]") {
  auto s = Semaphore::Counting(0);
  REQUIRE(s.ok());
  CHECK_FALSE(s->Wait(1));
  CHECK_FALSE(s->Wait(2));
  CHECK_FALSE(s->Wait(3));
  CHECK(s->value() == -3);
  CHECK(s->CancelWait(2));
  CHECK(s->value() == -2);
  CHECK(s->waiting() == std::deque<osgrid::os::ProcessId>{1, 3});
  CHECK_FALSE(s->CancelWait(2));
  CHECK(s->value() == -2);  // unchanged by a refused cancel
  CHECK(s->Signal() == 1u);
  CHECK(s->Signal() == 3u);
  CHECK(s->value() == 0);
  CHECK_FALSE(s->Signal().has_value());  // the value counts up again
  CHECK(s->value() == 1);
}
