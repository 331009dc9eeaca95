#include <catch2/catch.hpp>

#include <set>

#include "osgrid/os/sync/simulator.h"

using namespace osgrid::os;

namespace {

std::vector<Op> Ops(std::initializer_list<const char*> texts) {
  std::vector<Op> ops;
  for (const char* text : texts) {
    auto op = ParseOp(text);
    INFO(text);
    REQUIRE(op.ok());
    ops.push_back(*op);
  }
  return ops;
}

SyncRun Run(const SyncScript& script, SyncOptions options = {}) {
  auto run = Simulate(script, options);
  if (!run.ok()) FAIL(run.error().message);
  return std::move(run).value();
}

/// "A B B A": which process ran at each step.
std::string Order(const SyncRun& run) {
  std::string order;
  for (const SyncStep& step : run.trace) {
    order += (order.empty() ? "" : " ") + run.script.processes[step.process].name;
  }
  return order;
}

}  // namespace

// OSTEP ch. 28.1: a lock around a critical section; the second thread blocks
// until the first unlocks, and the unlock hands it the lock.
TEST_CASE("round robin with quantum 1: a mutex blocks and the unlock wakes the waiter", "[sync][sim]") {
  SyncScript script;
  script.mutexes = {"m"};
  script.processes = {{"A", Ops({"lock m", "compute 2", "unlock m"})}, {"B", Ops({"lock m", "unlock m"})}};
  const SyncRun run = Run(script);
  CHECK(run.end == SyncEnd::kFinished);
  CHECK(run.message == "all processes finished at t=6");
  CHECK(run.steps == 6);
  CHECK(Order(run) == "A B A A A B");
  REQUIRE(run.trace.size() == 6);
  CHECK(run.trace[0].outcome == "ok");
  CHECK(run.trace[1].op == "lock m");
  CHECK(run.trace[1].outcome == "blocked");
  CHECK(run.trace[1].blocked);
  CHECK(run.trace[2].outcome == "ok (1 of 2)");
  CHECK(run.trace[3].outcome == "ok (2 of 2)");
  CHECK(run.trace[4].outcome == "woke B");
  CHECK(run.trace[4].woken == std::vector<std::size_t>{1});
  CHECK(run.trace[5].outcome == "ok");
  CHECK(run.trace[2].states == std::vector<SyncProcessState>{SyncProcessState::kRunning, SyncProcessState::kBlocked});
  CHECK(run.final_states == std::vector<SyncProcessState>{SyncProcessState::kDone, SyncProcessState::kDone});
}

TEST_CASE("the quantum counts operations", "[sync][sim]") {
  SyncScript script;
  script.processes = {{"A", Ops({"compute 3"})}, {"B", Ops({"compute", "compute"})}, {"C", Ops({"print hi"})}};
  SyncOptions options;
  options.quantum = 2;
  const SyncRun run = Run(script, options);
  CHECK(Order(run) == "A A B B C A");
  CHECK(run.printed == std::vector<std::string>{"t=4 C: hi"});
}

TEST_CASE("a woken process joins the ready queue before the preempted one", "[sync][sim]") {
  SyncScript script;
  script.semaphores = {{"s", 0, false}};
  script.processes = {{"W", Ops({"P s", "print woken"})}, {"S", Ops({"V s", "compute"})}, {"X", Ops({"compute"})}};
  // t0 W blocks; t1 S wakes W (queue: X W), S's quantum ends (queue: X W S).
  CHECK(Order(Run(script)) == "W S X W S");
}

TEST_CASE("random interleaving is reproducible from the seed", "[sync][sim]") {
  SyncScript script;
  script.processes = {{"A", Ops({"compute 4"})}, {"B", Ops({"compute 4"})}, {"C", Ops({"compute 4"})}};
  SyncOptions options;
  options.interleave = Interleave::kRandom;
  std::set<std::string> orders;
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    options.seed = seed;
    const std::string order = Order(Run(script, options));
    CHECK(order == Order(Run(script, options)));
    orders.insert(order);
  }
  CHECK(orders.size() > 10);
}

TEST_CASE("unlock by a non-owner is an error in the run, not a crash", "[sync][sim]") {
  SyncScript script;
  script.mutexes = {"m"};
  script.processes = {{"A", Ops({"lock m", "compute", "unlock m"})}, {"B", Ops({"unlock m"})}};
  const SyncRun run = Run(script);
  CHECK(run.end == SyncEnd::kFinished);
  REQUIRE(run.trace.size() == 4);
  CHECK(run.trace[1].outcome == "error: B does not hold m (owner: A)");
  CHECK(run.trace[1].error);
  CHECK(run.errors == std::vector<std::string>{"t=1 B: unlock m: B does not hold m (owner: A)"});
  CHECK(run.trace[3].outcome == "ok");  // A still owned it
}

TEST_CASE("lock ordering deadlock: the wait-for graph has a 2-cycle", "[sync][sim][deadlock]") {
  // OSTEP ch. 32.3 "Deadlock Bugs": thread 1 locks L1 then L2, thread 2 L2 then L1.
  SyncScript script;
  script.mutexes = {"L1", "L2"};
  script.processes = {{"T1", Ops({"lock L1", "lock L2", "unlock L2", "unlock L1"})},
                      {"T2", Ops({"lock L2", "lock L1", "unlock L1", "unlock L2"})}};
  const SyncRun run = Run(script);
  CHECK(run.end == SyncEnd::kDeadlock);
  CHECK(run.steps == 4);
  CHECK(run.cycle == std::vector<std::size_t>{0, 1});
  CHECK(run.message == "deadlock at t=4: T1 waits for L2 held by T2, T2 waits for L1 held by T1");
  CHECK(run.waiting_for == std::vector<std::string>{"lock L2", "lock L1"});
}

TEST_CASE("a mutex is not recursive: locking it twice is a one-process cycle", "[sync][sim][deadlock]") {
  SyncScript script;
  script.mutexes = {"m"};
  script.processes = {{"A", Ops({"lock m", "lock m"})}};
  const SyncRun run = Run(script);
  CHECK(run.end == SyncEnd::kDeadlock);
  CHECK(run.cycle == std::vector<std::size_t>{0});
  CHECK(run.message == "deadlock at t=2: A waits for m held by A");
}

TEST_CASE("everyone blocked without a cycle is still reported, with an empty cycle", "[sync][sim][deadlock]") {
  SyncScript script;
  script.semaphores = {{"full", 0, false}};
  script.mutexes = {"m"};
  script.processes = {{"consumer", Ops({"P full"})}, {"holder", Ops({"lock m"})}, {"late", Ops({"lock m"})}};
  const SyncRun run = Run(script);
  CHECK(run.end == SyncEnd::kDeadlock);
  CHECK(run.cycle.empty());
  CHECK(run.message ==
        "deadlock at t=3: every unfinished process is blocked, but not in a cycle: consumer waits in 'P full', "
        "which no unfinished process can complete; late waits in 'lock m' (held by holder, which has finished)");
}

TEST_CASE("a signalling semaphore waits for the processes that can signal it", "[sync][sim][deadlock]") {
  // A wrong bounded buffer: the producer takes the mutex before waiting for an
  // empty slot (Silberschatz 7.1.1 with the two waits swapped), buffer of 1.
  SyncScript script;
  script.semaphores = {{"empty", 1, false}, {"full", 0, false}, {"mutex", 1, false}};
  script.processes = {
      {"producer", {Repeat(2, Ops({"P mutex", "P empty", "inc items", "V mutex", "V full"}))}},
      {"consumer", {Repeat(2, Ops({"compute 12", "P full", "P mutex", "dec items", "V mutex", "V empty"}))}}};
  const SyncRun run = Run(script);
  CHECK(run.end == SyncEnd::kDeadlock);
  CHECK(
      run.message ==
      "deadlock at t=21: producer waits for empty, which consumer signals, consumer waits for mutex held by producer");
}

TEST_CASE("messages pass through a bounded queue in FIFO order", "[sync][sim][queue]") {
  SyncScript script;
  script.queues = {{"mailbox", 1}};
  script.processes = {{"producer", Ops({"send mailbox 1", "send mailbox 2", "send mailbox 3"})},
                      {"consumer", Ops({"compute 4", "recv mailbox", "recv mailbox", "recv mailbox"})}};
  const SyncRun run = Run(script);
  CHECK(run.end == SyncEnd::kFinished);
  std::vector<std::string> outcomes;
  for (const SyncStep& step : run.trace) outcomes.push_back(step.op + " -> " + step.outcome);
  CHECK(outcomes == std::vector<std::string>{
                        "send mailbox 1 -> ok", "compute 4 -> ok (1 of 4)", "send mailbox 2 -> blocked (mailbox full)",
                        "compute 4 -> ok (2 of 4)", "compute 4 -> ok (3 of 4)", "compute 4 -> ok (4 of 4)",
                        "recv mailbox -> ok: got 1, woke producer", "send mailbox 3 -> blocked (mailbox full)",
                        "recv mailbox -> ok: got 2, woke producer", "recv mailbox -> ok: got 3"});
  CHECK(run.message == "all processes finished at t=10");
}

TEST_CASE("a queue deadlock: both wait to receive", "[sync][sim][deadlock]") {
  SyncScript script;
  script.queues = {{"a", 1}, {"b", 1}};
  script.processes = {{"P", Ops({"recv a", "send b x"})}, {"Q", Ops({"recv b", "send a y"})}};
  const SyncRun run = Run(script);
  CHECK(run.end == SyncEnd::kDeadlock);
  CHECK(run.message ==
        "deadlock at t=2: P waits to receive from a (empty), which Q sends to, "
        "Q waits to receive from b (empty), which P sends to");
}

TEST_CASE("a binary semaphore signalled at 1 stays 1", "[sync][sim]") {
  SyncScript script;
  script.semaphores = {{"b", 1, true}};
  script.processes = {{"A", Ops({"V b"})}};
  const SyncRun run = Run(script);
  CHECK(run.trace[0].outcome == "ok (binary: stays 1)");
  CHECK(run.semaphores == std::vector<std::int64_t>{1});
}

TEST_CASE("an if is tested and done in one step", "[sync][sim]") {
  SyncScript script;
  script.processes = {{"A", Ops({"inc n", "if n == 1 then inc hits", "if n > 1 then inc hits"})}};
  const SyncRun run = Run(script);
  REQUIRE(run.trace.size() == 3);
  CHECK(run.trace[1].outcome == "ok (hits = 1)");
  CHECK(run.trace[2].outcome == "skipped (n = 1)");
  CHECK(run.counters == std::vector<std::int64_t>{1, 1});
}

TEST_CASE("the step limit stops an endless run with a clear message", "[sync][sim]") {
  SyncScript script;
  script.processes = {{"spinner", {Repeat(kForever, Ops({"compute"}))}}, {"quick", Ops({"compute"})}};
  SyncOptions options;
  options.max_steps = 50;
  const SyncRun run = Run(script, options);
  CHECK(run.end == SyncEnd::kStepLimit);
  CHECK(run.steps == 50);
  CHECK(run.trace.size() == 50);
  CHECK(run.message == "stopped at the step limit, t=50: spinner had not finished (an infinite loop or a livelock?)");
}

TEST_CASE("repeat runs its body the given number of times, nested too", "[sync][sim]") {
  SyncScript script;
  script.processes = {{"A", {Repeat(3, {Repeat(2, Ops({"inc x"})), Ops({"inc y"})[0]})}}};
  const SyncRun run = Run(script);
  CHECK(run.steps == 9);
  CHECK(run.counters == std::vector<std::int64_t>{6, 3});
}

TEST_CASE("bad options are refused", "[sync][sim]") {
  SyncScript script;
  script.processes = {{"A", Ops({"compute"})}};
  SyncOptions options;
  options.quantum = 0;
  auto run = Simulate(script, options);
  REQUIRE_FALSE(run.ok());
  CHECK(run.error().message == "quantum must be >= 1, got 0");
  options.quantum = 1;
  options.max_steps = 0;
  run = Simulate(script, options);
  REQUIRE_FALSE(run.ok());
  CHECK(run.error().message == "max steps must be 1..10000000, got 0");
}

TEST_CASE("on_step sees every step as it happens, the same run as the recorded trace", "[sync][sim]") {
  SyncScript script;
  script.semaphores = {{"mutex", 1, false}, {"empty", 2, false}, {"full", 0, false}};
  script.queues = {{"mailbox", 1}};
  script.mutexes = {"m"};
  script.processes = {{"producer",
                       {Repeat(3, Ops({"compute 2", "P empty", "P mutex", "inc items", "V mutex", "V full"})),
                        Ops({"send mailbox done"})[0]}},
                      {"consumer",
                       {Repeat(3, Ops({"P full", "P mutex", "dec items", "V mutex", "V empty"})),
                        Ops({"recv mailbox"})[0], Ops({"unlock m"})[0]}}};
  for (Interleave interleave : {Interleave::kRoundRobin, Interleave::kRandom}) {
    SyncOptions options;
    options.interleave = interleave;
    options.seed = 5;
    std::vector<SyncStep> seen;
    options.on_step = [&seen](const SyncStepView& step) {
      seen.push_back({step.t,
                      step.process,
                      std::string(step.op),
                      std::string(step.outcome),
                      step.blocked,
                      step.error,
                      {step.woken.begin(), step.woken.end()},
                      {step.states.begin(), step.states.end()},
                      {step.semaphores.begin(), step.semaphores.end()},
                      {step.counters.begin(), step.counters.end()}});
    };
    const SyncRun recorded = Run(script, options);
    REQUIRE(static_cast<std::int64_t>(seen.size()) == recorded.steps);
    REQUIRE(seen.size() == recorded.trace.size());
    for (std::size_t i = 0; i < seen.size(); ++i) {
      INFO("step " << i);
      CHECK(seen[i].t == static_cast<std::int64_t>(i));
      CHECK(seen[i].process == recorded.trace[i].process);
      CHECK(seen[i].op == recorded.trace[i].op);
      CHECK(seen[i].outcome == recorded.trace[i].outcome);
      CHECK(seen[i].blocked == recorded.trace[i].blocked);
      CHECK(seen[i].error == recorded.trace[i].error);
      CHECK(seen[i].woken == recorded.trace[i].woken);
      CHECK(seen[i].states == recorded.trace[i].states);
      CHECK(seen[i].semaphores == recorded.trace[i].semaphores);
      CHECK(seen[i].counters == recorded.trace[i].counters);
    }
    CHECK(std::any_of(seen.begin(), seen.end(), [](const SyncStep& s) { return s.blocked; }));
    CHECK(std::any_of(seen.begin(), seen.end(), [](const SyncStep& s) { return s.error; }));
    CHECK(std::any_of(seen.begin(), seen.end(), [](const SyncStep& s) { return !s.woken.empty(); }));

    // Without the trace: the same steps, the same end, nothing kept.
    options.record_trace = false;
    std::vector<SyncStep> recorded_steps = std::move(seen);
    seen.clear();
    const SyncRun bare = Run(script, options);
    CHECK(bare.trace.empty());
    CHECK(bare.steps == recorded.steps);
    CHECK(bare.message == recorded.message);
    CHECK(bare.final_states == recorded.final_states);
    CHECK(bare.semaphores == recorded.semaphores);
    CHECK(bare.errors == recorded.errors);
    REQUIRE(seen.size() == recorded_steps.size());
    for (std::size_t i = 0; i < seen.size(); ++i) CHECK(seen[i].outcome == recorded_steps[i].outcome);
  }
}

TEST_CASE("a run of millions of steps, watched without a trace", "[sync][sim]") {
  SyncScript script;
  script.semaphores = {{"empty", 4, false}, {"full", 0, false}};
  script.processes = {{"producer", {Repeat(kForever, Ops({"compute", "P empty", "inc items", "V full"}))}},
                      {"consumer", {Repeat(kForever, Ops({"P full", "dec items", "V empty", "compute 2"}))}}};
  SyncOptions options;
  options.max_steps = 2'000'000;
  options.record_trace = false;
  std::int64_t steps = 0, last_t = -1, most_items = 0;
  options.on_step = [&](const SyncStepView& step) {
    ++steps;
    if (step.t != last_t + 1) FAIL("step " << step.t << " after " << last_t);
    last_t = step.t;
    most_items = std::max(most_items, step.counters[0]);
  };
  const SyncRun run = Run(script, options);
  CHECK(run.end == SyncEnd::kStepLimit);
  CHECK(run.steps == 2'000'000);
  CHECK(steps == 2'000'000);
  CHECK(run.trace.empty());
  CHECK(most_items == 4);  // the bounded buffer never holds more than its 4 slots
}
