#include <catch2/catch.hpp>

#include "osgrid/os/sync/mutex.h"

using osgrid::os::Mutex;

// Silberschatz 10e, 6.5: acquire() ... critical section ... release().
TEST_CASE("a mutex has one owner, others block and get it in FIFO order", "[sync][mutex]") {
  Mutex m;
  CHECK_FALSE(m.owner().has_value());
  CHECK(m.Lock(1));
  CHECK(m.owner() == 1u);
  CHECK_FALSE(m.Lock(2));
  CHECK_FALSE(m.Lock(3));
  const auto first = m.Unlock(1);
  CHECK(first.ok);
  CHECK(first.woken == 2u);
  CHECK(m.owner() == 2u);  // handed off: no newcomer can overtake
  CHECK_FALSE(m.Lock(4));
  CHECK(m.Unlock(2).woken == 3u);
  CHECK(m.Unlock(3).woken == 4u);
  const auto last = m.Unlock(4);
  CHECK(last.ok);
  CHECK_FALSE(last.woken.has_value());
  CHECK_FALSE(m.owner().has_value());
}

TEST_CASE("unlock by a process that is not the owner is refused and changes nothing", "[sync][mutex]") {
  Mutex m;
  CHECK_FALSE(m.Unlock(0).ok);  // not locked at all
  CHECK(m.Lock(0));
  CHECK_FALSE(m.Lock(1));
  const auto refused = m.Unlock(1);
  CHECK_FALSE(refused.ok);
  CHECK_FALSE(refused.woken.has_value());
  CHECK(m.owner() == 0u);
  CHECK(m.waiting().size() == 1);
}

TEST_CASE("the mutex is not recursive: the owner locking again blocks", "[sync][mutex]") {
  Mutex m;
  CHECK(m.Lock(0));
  CHECK_FALSE(m.Lock(0));
  CHECK(m.waiting().front() == 0u);
}

// A timed acquire (pthread_mutex_timedlock) gives up: the waiter leaves the
// queue and the next release skips it.
TEST_CASE("a waiter that gives up leaves the queue, and the others keep their order", "[sync][mutex]") {
  Mutex m;
  CHECK(m.Lock(0));
  CHECK_FALSE(m.Lock(1));
  CHECK_FALSE(m.Lock(2));
  CHECK_FALSE(m.Lock(3));
  CHECK(m.CancelWait(2));
  CHECK(m.waiting() == std::deque<osgrid::os::ProcessId>{1, 3});
  CHECK_FALSE(m.CancelWait(2));  // no longer waiting
  CHECK_FALSE(m.CancelWait(0));  // the owner is not a waiter
  CHECK(m.owner() == 0u);
  CHECK(m.Unlock(0).woken == 1u);
  CHECK(m.Unlock(1).woken == 3u);
}
