// The classic problems of synchronization (Silberschatz 10e, 7.1), run on the
// sync simulator under many interleavings.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>

#include "osgrid/os/random.h"
#include "osgrid/os/sync/simulator.h"

using namespace osgrid::os;

// A namespace of its own, not an anonymous one: the test executables are unity builds
// (OSGRID_UNITY_TESTS), where another file's helpers of the same names would collide.
namespace classic_problems_test {

std::vector<Op> Ops(const std::vector<std::string>& texts) {
  std::vector<Op> ops;
  for (const std::string& text : texts) {
    auto op = ParseOp(text);
    INFO(text);
    REQUIRE(op.ok());
    ops.push_back(*op);
  }
  return ops;
}

SyncRun Run(const SyncScript& script, const SyncOptions& options) {
  auto run = Simulate(script, options);
  if (!run.ok()) FAIL(run.error().message);
  return std::move(run).value();
}

std::size_t CounterIndex(const SyncRun& run, const std::string& name) {
  for (std::size_t i = 0; i < run.script.counters.size(); ++i) {
    if (run.script.counters[i].name == name) return i;
  }
  FAIL("no counter " << name);
  return 0;
}

/// Options for the i-th random case: seeded random interleaving, quantum 1-3.
SyncOptions RandomOptions(std::uint64_t seed) {
  SyncOptions options;
  options.interleave = Interleave::kRandom;
  options.seed = seed;
  options.quantum = 1 + static_cast<std::int64_t>(seed % 3);
  return options;
}

// ---- 7.1.1 The bounded-buffer problem (Figures 7.1 and 7.2) ----------------------

constexpr std::int64_t kBufferSize = 3;
constexpr std::int64_t kItemsEach = 5;

SyncScript BoundedBuffer(int producers, int consumers) {
  SyncScript script;
  script.semaphores = {{"mutex", 1, false}, {"empty", kBufferSize, false}, {"full", 0, false}};
  for (int i = 0; i < producers; ++i) {
    script.processes.push_back({"producer" + std::to_string(i),
                                {Repeat(kItemsEach, Ops({"compute", "P empty", "P mutex", "inc buffer", "inc produced",
                                                         "V mutex", "V full"}))}});
  }
  for (int i = 0; i < consumers; ++i) {
    script.processes.push_back(
        {"consumer" + std::to_string(i),
         {Repeat(kItemsEach * producers / consumers,
                 Ops({"P full", "P mutex", "dec buffer", "inc consumed", "V mutex", "V empty", "compute"}))}});
  }
  return script;
}

// ---- 7.1.2 The first readers-writers problem (Figures 7.3 and 7.4) --------------

SyncScript ReadersWriters(int readers, int writers) {
  SyncScript script;
  script.semaphores = {{"rw_mutex", 1, false}, {"mutex", 1, false}};
  script.counters = {{"read_count", 0}, {"reading", 0}, {"writing", 0}};
  for (int i = 0; i < writers; ++i) {
    script.processes.push_back(
        {"writer" + std::to_string(i),
         {Repeat(3, Ops({"P rw_mutex", "inc writing", "compute 2", "dec writing", "V rw_mutex", "compute"}))}});
  }
  for (int i = 0; i < readers; ++i) {
    script.processes.push_back(
        {"reader" + std::to_string(i),
         {Repeat(3, Ops({"P mutex", "inc read_count", "if read_count == 1 then P rw_mutex", "V mutex", "inc reading",
                         "compute 2", "dec reading", "P mutex", "dec read_count", "if read_count == 0 then V rw_mutex",
                         "V mutex", "compute"}))}});
  }
  return script;
}

// ---- 7.1.3 The dining-philosophers problem (Figure 7.7 and its remedies) --------

enum class Table { kNaive, kAsymmetric, kAtMostFour };

SyncScript Philosophers(Table table) {
  SyncScript script;
  for (int i = 0; i < 5; ++i) script.semaphores.push_back({"fork" + std::to_string(i), 1, false});
  if (table == Table::kAtMostFour) script.semaphores.push_back({"room", 4, false});
  for (int i = 0; i < 5; ++i) {
    std::string first = "fork" + std::to_string(i);  // her left fork
    std::string second = "fork" + std::to_string((i + 1) % 5);
    if (table == Table::kAsymmetric && i == 4) std::swap(first, second);  // the last one takes her right fork first
    const std::string eat = "eat" + std::to_string(i);
    std::vector<std::string> body = {"compute", "P " + first, "P " + second, "inc " + eat, "inc meals",
                                     "compute", "dec " + eat, "V " + first,  "V " + second};
    if (table == Table::kAtMostFour) {
      body.insert(body.begin() + 1, "P room");
      body.push_back("V room");
    }
    script.processes.push_back({"phil" + std::to_string(i), {Repeat(3, Ops(body))}});
  }
  return script;
}

/// No two neighbours ever eat at once, at any step.
void CheckNeighboursNeverEatTogether(const SyncRun& run) {
  std::vector<std::size_t> eat;
  for (int i = 0; i < 5; ++i) eat.push_back(CounterIndex(run, "eat" + std::to_string(i)));
  for (const SyncStep& step : run.trace) {
    for (std::size_t i = 0; i < 5; ++i) {
      INFO("t=" << step.t);
      REQUIRE(step.counters[eat[i]] + step.counters[eat[(i + 1) % 5]] <= 1);
    }
  }
}

TEST_CASE("bounded buffer: never overflows or underflows, every item is consumed", "[sync][classic][buffer]") {
  for (std::uint64_t seed = 1; seed <= 300; ++seed) {
    const int producers = 1 + static_cast<int>(seed % 2);
    const SyncScript script = BoundedBuffer(producers, producers == 2 ? 2 : 1);
    const SyncRun run = Run(script, RandomOptions(seed));
    INFO("seed " << seed);
    REQUIRE(run.end == SyncEnd::kFinished);
    const std::size_t buffer = CounterIndex(run, "buffer");
    for (const SyncStep& step : run.trace) {
      REQUIRE(step.counters[buffer] >= 0);            // never consumed from an empty buffer
      REQUIRE(step.counters[buffer] <= kBufferSize);  // never overfilled
    }
    CHECK(run.counters[CounterIndex(run, "produced")] == kItemsEach * producers);
    CHECK(run.counters[CounterIndex(run, "consumed")] == kItemsEach * producers);
    CHECK(run.counters[buffer] == 0);
    CHECK(run.semaphores == std::vector<std::int64_t>{1, kBufferSize, 0});
  }
}

TEST_CASE("bounded buffer with a message queue: items arrive once and in order", "[sync][classic][buffer]") {
  SyncScript script;
  script.queues = {{"buffer", 2}};
  std::vector<std::string> sends;
  for (int i = 1; i <= 8; ++i) sends.push_back("send buffer " + std::to_string(i));
  script.processes = {{"producer", Ops(sends)}, {"consumer", {Repeat(8, Ops({"recv buffer", "compute"}))}}};
  for (std::uint64_t seed = 1; seed <= 200; ++seed) {
    const SyncRun run = Run(script, RandomOptions(seed));
    INFO("seed " << seed);
    REQUIRE(run.end == SyncEnd::kFinished);
    std::vector<std::string> got;
    for (const SyncStep& step : run.trace) {
      if (step.process != 1 || step.op != "recv buffer") continue;
      const auto at = step.outcome.find("got ");
      if (at != std::string::npos) got.push_back(step.outcome.substr(at + 4, 1));
    }
    // Receives that blocked get their item on wake-up, from the send that woke them.
    for (const SyncStep& step : run.trace) {
      if (step.process == 0 && !step.woken.empty() && step.outcome.find("(gets ") != std::string::npos) {
        got.push_back(step.op.substr(std::string("send buffer ").size()));
      }
    }
    std::sort(got.begin(), got.end());
    CHECK(got == std::vector<std::string>{"1", "2", "3", "4", "5", "6", "7", "8"});
    CHECK(run.queues[0].empty());
  }
}

TEST_CASE("readers-writers: a writer never overlaps a reader or another writer", "[sync][classic][rw]") {
  bool readers_shared = false;
  for (std::uint64_t seed = 1; seed <= 300; ++seed) {
    const SyncRun run = Run(ReadersWriters(3, 2), RandomOptions(seed));
    INFO("seed " << seed);
    REQUIRE(run.end == SyncEnd::kFinished);
    const std::size_t reading = CounterIndex(run, "reading");
    const std::size_t writing = CounterIndex(run, "writing");
    for (const SyncStep& step : run.trace) {
      INFO("t=" << step.t);
      REQUIRE(step.counters[writing] <= 1);
      REQUIRE((step.counters[writing] == 0 || step.counters[reading] == 0));
      if (step.counters[reading] >= 2) readers_shared = true;
    }
    CHECK(run.counters[CounterIndex(run, "read_count")] == 0);
  }
  CHECK(readers_shared);  // readers do read at the same time
}

TEST_CASE("naive dining philosophers deadlock under round robin, quantum 1", "[sync][classic][philosophers]") {
  const SyncRun run = Run(Philosophers(Table::kNaive), SyncOptions{});
  CHECK(run.end == SyncEnd::kDeadlock);
  CHECK(run.steps == 15);  // 5 think, 5 take the left fork, 5 block on the right one
  CHECK(run.cycle == std::vector<std::size_t>{0, 1, 2, 3, 4});
  CHECK(run.message ==
        "deadlock at t=15: phil0 waits for fork1 held by phil1, phil1 waits for fork2 held by phil2, "
        "phil2 waits for fork3 held by phil3, phil3 waits for fork4 held by phil4, "
        "phil4 waits for fork0 held by phil0");
  CHECK(run.semaphores == std::vector<std::int64_t>{-1, -1, -1, -1, -1});
  CHECK(run.waiting_for == std::vector<std::string>{"P fork1", "P fork2", "P fork3", "P fork4", "P fork0"});
}

TEST_CASE("naive dining philosophers: every deadlock is the 5-cycle", "[sync][classic][philosophers]") {
  int deadlocks = 0;
  for (std::uint64_t seed = 1; seed <= 300; ++seed) {
    const SyncRun run = Run(Philosophers(Table::kNaive), RandomOptions(seed));
    INFO("seed " << seed);
    CheckNeighboursNeverEatTogether(run);
    if (run.end == SyncEnd::kFinished) continue;
    REQUIRE(run.end == SyncEnd::kDeadlock);
    ++deadlocks;
    std::vector<std::size_t> cycle = run.cycle;
    REQUIRE(cycle.size() == 5);
    std::rotate(cycle.begin(), std::min_element(cycle.begin(), cycle.end()), cycle.end());
    CHECK(cycle == std::vector<std::size_t>{0, 1, 2, 3, 4});
  }
  CHECK(deadlocks > 0);
}

TEST_CASE("fixed dining philosophers never deadlock", "[sync][classic][philosophers]") {
  for (Table table : {Table::kAsymmetric, Table::kAtMostFour}) {
    const SyncRun round_robin = Run(Philosophers(table), SyncOptions{});
    CHECK(round_robin.end == SyncEnd::kFinished);
    for (std::uint64_t seed = 1; seed <= 300; ++seed) {
      const SyncRun run = Run(Philosophers(table), RandomOptions(seed));
      INFO("seed " << seed << (table == Table::kAsymmetric ? " asymmetric" : " at most four"));
      REQUIRE(run.end == SyncEnd::kFinished);
      CHECK(run.counters[CounterIndex(run, "meals")] == 15);
      CheckNeighboursNeverEatTogether(run);
    }
  }
}

}  // namespace classic_problems_test
