// The policies on their own, without the simulator: order, ties, preemption.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "osgrid/os/sched/lottery_queue.h"
#include "osgrid/os/sched/priority_queue.h"
#include "osgrid/os/sched/round_robin_queue.h"
#include "osgrid/os/sched/sched_policies.h"
#include "osgrid/os/sched/sjf_queue.h"
#include "osgrid/os/sched/srtf_queue.h"
#include "osgrid/os/sched/stride_queue.h"

using namespace osgrid::os;

namespace {

ReadyTask Task(std::uint64_t id, std::int64_t arrival, std::int64_t burst, int priority = 0,
               std::int64_t tickets = 100) {
  return ReadyTask{id, arrival, priority, burst, tickets, arrival, 0};
}

std::vector<std::uint64_t> Drain(ReadyQueuePolicy& policy) {
  std::vector<std::uint64_t> order;
  while (auto next = policy.PickNext()) order.push_back(next->id);
  return order;
}

}  // namespace

// Silberschatz 10e 5.3.2: bursts 6, 8, 7, 3 run P4, P1, P3, P2.
TEST_CASE("SJF picks the shortest burst, ties go to the earlier arrival, then the lower id", "[sched][sjf]") {
  SjfQueue sjf;
  sjf.Admit(Task(1, 0, 6));
  sjf.Admit(Task(2, 0, 8));
  sjf.Admit(Task(3, 0, 7));
  sjf.Admit(Task(4, 0, 3));
  CHECK(Drain(sjf) == std::vector<std::uint64_t>{4, 1, 3, 2});

  sjf.Admit(Task(9, 0, 5));
  sjf.Admit(Task(7, 2, 5));
  sjf.Admit(Task(8, 0, 5));
  CHECK(sjf.Remove(9));
  CHECK_FALSE(sjf.Remove(9));
  CHECK(Drain(sjf) == std::vector<std::uint64_t>{8, 7});
}

TEST_CASE("SRTF preempts only for a strictly shorter remaining time", "[sched][srtf]") {
  SrtfQueue srtf;
  CHECK(srtf.preemptive());
  CHECK(srtf.name() == "SRTF");
  CHECK_FALSE(srtf.ShouldPreempt(Task(1, 0, 7)));  // nobody is ready
  srtf.Admit(Task(2, 1, 4));
  CHECK(srtf.ShouldPreempt(Task(1, 0, 7)));
  CHECK_FALSE(srtf.ShouldPreempt(Task(1, 0, 4)));  // equal: the running task keeps the CPU
  CHECK_FALSE(srtf.ShouldPreempt(Task(1, 0, 3)));
}

// Silberschatz 10e 5.3.4: priorities 3, 1, 4, 5, 2 run P2, P5, P1, P3, P4.
TEST_CASE("Priority picks the lowest number, preemption needs a strictly better one", "[sched][priority]") {
  PriorityQueue priority(false);
  const int priorities[] = {3, 1, 4, 5, 2};
  for (std::uint64_t i = 0; i < 5; ++i) priority.Admit(Task(i + 1, 0, 1, priorities[i]));
  CHECK(Drain(priority) == std::vector<std::uint64_t>{2, 5, 1, 3, 4});
  CHECK_FALSE(priority.preemptive());

  PriorityQueue preemptive(true);
  CHECK(preemptive.name() == "PRIORITY-P");
  preemptive.Admit(Task(2, 1, 1, 2));
  CHECK(preemptive.ShouldPreempt(Task(1, 0, 5, 3)));
  CHECK_FALSE(preemptive.ShouldPreempt(Task(1, 0, 5, 2)));
}

TEST_CASE("Aging improves a waiting task's priority by 1 every A time units", "[sched][priority][aging]") {
  PriorityQueue aging(true, 10);
  aging.Admit(Task(1, 0, 5, 5));  // waits from t=0
  aging.AdvanceTo(9);
  CHECK(aging.EffectivePriority(Task(1, 0, 5, 5)) == 5);
  CHECK(aging.NextWakeup() == std::optional<std::int64_t>(10));
  aging.AdvanceTo(25);
  CHECK(aging.EffectivePriority(Task(1, 0, 5, 5)) == 3);
  CHECK(aging.NextWakeup() == std::optional<std::int64_t>(30));
  CHECK(aging.ShouldPreempt(Task(2, 0, 5, 4)));  // 3 beats a running 4
  CHECK_FALSE(aging.ShouldPreempt(Task(2, 0, 5, 3)));
  aging.AdvanceTo(1000);
  CHECK(aging.EffectivePriority(Task(1, 0, 5, 5)) == 0);  // never below 0
  CHECK_FALSE(aging.NextWakeup().has_value());

  // Aging changes the order: an old low-priority task overtakes a new urgent one.
  PriorityQueue order(false, 2);
  order.Admit(Task(1, 0, 5, 6));
  order.Admit(Task(2, 9, 5, 3));
  order.AdvanceTo(9);  // task 1 has waited 9: 6 - 4 = 2 < 3
  CHECK(order.PickNext()->id == 1);
}

TEST_CASE("Round robin keeps admission order and has a quantum", "[sched][rr]") {
  RoundRobinQueue rr(4);
  CHECK(rr.quantum() == 4);
  CHECK_FALSE(rr.preemptive());
  rr.Admit(Task(3, 0, 24));
  rr.Admit(Task(1, 0, 3));
  rr.Admit(Task(2, 0, 3));
  CHECK(rr.Remove(1));
  CHECK(Drain(rr) == std::vector<std::uint64_t>{3, 2});
}

// OSTEP ch. 9.6, figure 9.3: A, B, C with 100, 50 and 250 tickets have
// strides 100, 200 and 40 (L = 10,000) and run A B C C C A C C.
TEST_CASE("Stride scheduling follows OSTEP figure 9.3", "[sched][stride]") {
  StrideQueue stride(1);
  CHECK(stride.Stride(100) == 100);
  CHECK(stride.Stride(50) == 200);
  CHECK(stride.Stride(250) == 40);
  stride.Admit(Task(0, 0, 100, 0, 100));
  stride.Admit(Task(1, 0, 100, 0, 50));
  stride.Admit(Task(2, 0, 100, 0, 250));
  std::string who_runs;
  std::vector<std::int64_t> pass(3, 0);
  for (int quantum = 0; quantum < 8; ++quantum) {
    ReadyTask next = *stride.PickNext();
    who_runs += static_cast<char>('A' + next.id);
    pass[next.id] = next.pass;
    stride.Admit(next);  // its quantum is over: back into the queue
  }
  CHECK(who_runs == "ABCCCACC");
  CHECK(pass == std::vector<std::int64_t>{200, 200, 200});  // the figure's last row
  CHECK(stride.PickNext()->id == 0);                        // all equal: A (lowest id)
}

TEST_CASE("Stride lifts a newcomer to the global pass", "[sched][stride]") {
  StrideQueue stride(1);
  stride.Admit(Task(0, 0, 100, 0, 100));
  for (int i = 0; i < 5; ++i) stride.Admit(*stride.PickNext());  // A alone: pass 500
  CHECK(stride.global_pass() == 400);
  stride.Admit(Task(1, 5, 100, 0, 100));  // would start at 0 and run 5 quanta in a row
  ReadyTask next = *stride.PickNext();
  CHECK(next.id == 1);  // 400 < 500
  CHECK(next.pass == 500);
}

// OSTEP ch. 9.1: A holds 75 tickets and B 25, so A should win about 75% of the draws.
TEST_CASE("Lottery shares the CPU in proportion to tickets, reproducibly", "[sched][lottery]") {
  auto draws = [](std::uint64_t seed) {
    LotteryQueue lottery(1, seed);
    lottery.Admit(Task(0, 0, 1, 0, 75));
    lottery.Admit(Task(1, 0, 1, 0, 25));
    CHECK(lottery.total_tickets() == 100);
    std::string winners;
    for (int i = 0; i < 20000; ++i) {
      ReadyTask winner = *lottery.PickNext();
      CHECK(lottery.total_tickets() == 100 - winner.tickets);
      winners += static_cast<char>('A' + winner.id);
      lottery.Admit(winner);
    }
    return winners;
  };
  const std::string a = draws(7);
  const double share = static_cast<double>(std::count(a.begin(), a.end(), 'A')) / static_cast<double>(a.size());
  CHECK(share == Approx(0.75).margin(0.02));
  CHECK(draws(7) == a);        // same seed, same draws
  CHECK_FALSE(draws(8) == a);  // another seed, other draws

  LotteryQueue lottery(1, 1);
  CHECK_FALSE(lottery.PickNext().has_value());
  lottery.Admit(Task(5, 0, 1, 0, 10));
  CHECK(lottery.size() == 1);
  CHECK(lottery.Remove(5));
  CHECK_FALSE(lottery.Remove(5));
  CHECK_FALSE(lottery.Remove(500));
  CHECK(lottery.total_tickets() == 0);
}

TEST_CASE("MakeSchedPolicy knows every policy and its aliases", "[sched][policies]") {
  for (const std::string& name : SchedPolicyNames()) {
    auto policy = MakeSchedPolicy(name, {});
    REQUIRE(policy.ok());
    CHECK((*policy)->name() == name);
  }
  CHECK(CanonicalSchedPolicy("fifo") == "FCFS");
  CHECK(CanonicalSchedPolicy("stcf") == "SRTF");
  CHECK(CanonicalSchedPolicy("Priority-P") == "PRIORITY-P");
  CHECK(CanonicalSchedPolicy("psjf") == "SRTF");
  CHECK(CanonicalSchedPolicy("mlfq") == "MLFQ");
  CHECK(CanonicalSchedPolicy("EDF").empty());

  auto unknown = MakeSchedPolicy("EDF", {});
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.error().message ==
        "unknown policy 'EDF' (known: FCFS, SJF, SRTF, PRIORITY, PRIORITY-P, RR, MLFQ, LOTTERY, STRIDE; "
        "FIFO = FCFS, STCF = SRTF, PSJF = SRTF)");
  SchedPolicyParams zero;
  zero.quantum = 0;
  REQUIRE_FALSE(MakeSchedPolicy("rr", zero).ok());
  CHECK(MakeSchedPolicy("rr", zero).error().message == "RR: quantum must be > 0, got 0");
  CHECK(MakeSchedPolicy("FCFS", zero).ok());  // FCFS has no quantum
  SchedPolicyParams aging;
  aging.aging = -1;
  CHECK_FALSE(MakeSchedPolicy("PRIORITY", aging).ok());
}

TEST_CASE("The policy table: one row per policy, in order, with traits that match the objects", "[sched][policies]") {
  CHECK(SchedPolicyNames() ==
        std::vector<std::string>{"FCFS", "SJF", "SRTF", "PRIORITY", "PRIORITY-P", "RR", "MLFQ", "LOTTERY", "STRIDE"});
  for (const SchedPolicyInfo& row : SchedPolicies()) {
    INFO(row.name);
    CHECK_FALSE(row.summary.empty());
    CHECK_FALSE(row.source.empty());
    REQUIRE(row.make != nullptr);
    CHECK(FindSchedPolicy(row.name) == &row);
    for (std::string_view alias : row.aliases) CHECK(FindSchedPolicy(alias) == &row);
    auto policy = MakeSchedPolicy(row.name, {});
    REQUIRE(policy.ok());
    CHECK((*policy)->preemptive() == row.preemptive);
    CHECK(((*policy)->quantum() > 0) == row.sliced);
  }
  REQUIRE(FindSchedPolicy("fifo") != nullptr);
  CHECK(FindSchedPolicy("fifo")->name == "FCFS");
  CHECK(FindSchedPolicy("Stcf")->uses_burst);
  CHECK(FindSchedPolicy("priority-p")->uses_priority);
  CHECK(FindSchedPolicy("stride")->uses_tickets);
  CHECK_FALSE(FindSchedPolicy("rr")->uses_tickets);
  CHECK(FindSchedPolicy("mlfq")->sliced);
  CHECK(FindSchedPolicy("") == nullptr);
  CHECK(FindSchedPolicy("FCFS ") == nullptr);

  SchedPolicyParams stride;
  stride.stride_constant = 0;
  CHECK(MakeSchedPolicy("STRIDE", stride).error().message == "stride constant L must be > 0, got 0");
}

// PositionOf: what a viewer needs to keep a ready queue in the policy's order
// from "task X joined" alone (task.queued's position).
namespace {

/// The positions of `ids` now, then the order PickNext takes them in.
std::pair<std::vector<std::size_t>, std::vector<std::uint64_t>> PositionsThenOrder(
    ReadyQueuePolicy& policy, const std::vector<std::uint64_t>& ids) {
  std::vector<std::size_t> positions;
  for (std::uint64_t id : ids) positions.push_back(policy.PositionOf(id).value_or(99));
  return {positions, Drain(policy)};
}

/// Admits tasks 1..5 with bursts 6, 8, 7, 3, 7 and priorities 3, 1, 4, 1, 2
/// arriving at 0, 1, 2, 3, 4 (tickets 100, 50, 200, 100, 25).
void AdmitFive(ReadyQueuePolicy& policy) {
  policy.Admit(Task(1, 0, 6, 3, 100));
  policy.Admit(Task(2, 1, 8, 1, 50));
  policy.Admit(Task(3, 2, 7, 4, 200));
  policy.Admit(Task(4, 3, 3, 1, 100));
  policy.Admit(Task(5, 4, 7, 2, 25));
}

}  // namespace

TEST_CASE("PositionOf says where each ready task stands in the order PickNext takes them", "[sched][position]") {
  const std::vector<std::uint64_t> ids = {1, 2, 3, 4, 5};
  for (const char* name : {"FCFS", "SJF", "SRTF", "PRIORITY", "PRIORITY-P", "RR", "MLFQ", "STRIDE"}) {
    INFO(name);
    SchedPolicyParams params;
    params.quantum = 2;
    auto policy = MakeSchedPolicy(name, params);
    REQUIRE(policy.ok());
    AdmitFive(**policy);
    auto [positions, order] = PositionsThenOrder(**policy, ids);
    for (std::size_t k = 0; k < ids.size(); ++k) {
      INFO("task " << ids[k]);
      REQUIRE(positions[k] < order.size());
      CHECK(order[positions[k]] == ids[k]);
    }
  }
}

TEST_CASE("PositionOf for SJF and priority: Silberschatz's bursts and priorities", "[sched][position]") {
  SjfQueue sjf;
  AdmitFive(sjf);
  CHECK(sjf.PositionOf(4) == 0u);  // burst 3
  CHECK(sjf.PositionOf(1) == 1u);  // 6
  CHECK(sjf.PositionOf(3) == 2u);  // 7, arrived before task 5
  CHECK(sjf.PositionOf(5) == 3u);  // 7
  CHECK(sjf.PositionOf(2) == 4u);  // 8
  CHECK_FALSE(sjf.PositionOf(9).has_value());
  sjf.Admit(Task(6, 5, 1));
  CHECK(sjf.PositionOf(6) == 0u);  // a shorter one goes to the front
  CHECK(sjf.PositionOf(2) == 5u);

  PriorityQueue priority(false);
  AdmitFive(priority);
  CHECK(priority.PositionOf(2) == 0u);  // priority 1, arrived before task 4
  CHECK(priority.PositionOf(4) == 1u);
  CHECK(priority.PositionOf(5) == 2u);
  CHECK(priority.PositionOf(1) == 3u);
  CHECK(priority.PositionOf(3) == 4u);
}

TEST_CASE("PositionOf is nullopt where the order can change with nothing admitted", "[sched][position]") {
  PriorityQueue aging(false, 10);  // a task that waits 10 units gains a step
  AdmitFive(aging);
  CHECK_FALSE(aging.PositionOf(1).has_value());

  SchedPolicyParams params;
  params.quantum = 2;
  auto lottery = MakeSchedPolicy("LOTTERY", params);
  REQUIRE(lottery.ok());
  AdmitFive(**lottery);
  CHECK_FALSE((*lottery)->PositionOf(1).has_value());  // a draw, not an order

  params.mlfq_boost = 50;
  auto boosted = MakeSchedPolicy("MLFQ", params);
  REQUIRE(boosted.ok());
  AdmitFive(**boosted);
  CHECK_FALSE((*boosted)->PositionOf(1).has_value());
}
