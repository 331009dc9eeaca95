#include <catch2/catch.hpp>

#include "osgrid/os/sched/ready_queue.h"

using osgrid::os::FcfsQueue;
using osgrid::os::ReadyTask;

// OSTEP ch. 7.3: jobs A, B, C arriving in that order run in that order,
// regardless of burst length or priority.
TEST_CASE("FCFS runs tasks in admission order", "[sched][fcfs]") {
  FcfsQueue queue;
  CHECK(queue.name() == "FCFS");
  CHECK_FALSE(queue.PickNext().has_value());
  queue.Admit({1, 0, 5, 100});
  queue.Admit({2, 0, 1, 10});
  queue.Admit({3, 0, 0, 10});
  CHECK(queue.size() == 3);
  CHECK(queue.PickNext()->id == 1);
  CHECK(queue.PickNext()->id == 2);
  CHECK(queue.PickNext()->id == 3);
  CHECK(queue.size() == 0);
}

TEST_CASE("FCFS removes a waiting task without disturbing the order", "[sched][fcfs]") {
  FcfsQueue queue;
  for (std::uint64_t id = 1; id <= 4; ++id) queue.Admit(ReadyTask{id, 0, 0, 0});
  CHECK(queue.Remove(2));
  CHECK_FALSE(queue.Remove(2));
  CHECK(queue.PickNext()->id == 1);
  CHECK(queue.PickNext()->id == 3);
  CHECK(queue.PickNext()->id == 4);
}
