// The random problem generator (after OSTEP's fork.py, ch. 5 homework).
#include "osgrid/os/proc/op_generator.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <map>

using namespace osgrid::os;

TEST_CASE("fork.py's label sequence", "[proc][generator]") {
  CHECK(ForkPyName(0) == "a");
  CHECK(ForkPyName(1) == "b");
  CHECK(ForkPyName(25) == "z");
  CHECK(ForkPyName(26) == "A");
  CHECK(ForkPyName(51) == "Z");
  CHECK(ForkPyName(52) == "aa");
  CHECK(ForkPyName(53) == "ab");
  CHECK(ForkPyName(52 + 52 * 52) == "aaa");
}

TEST_CASE("same seed, same problem, options are checked", "[proc][generator]") {
  ProcOpGeneratorOptions options;
  options.actions = 20;
  Rng first(7), second(7);
  auto a = GenerateProcOps(first, options);
  auto b = GenerateProcOps(second, options);
  REQUIRE(a.ok());
  REQUIRE(a->size() == 20);
  for (std::size_t i = 0; i < a->size(); ++i) {
    CHECK((*a)[i].actor == (*b)[i].actor);
    CHECK((*a)[i].child == (*b)[i].child);
  }
  CHECK((*a)[0].kind == ProcOpKind::kFork);  // only the root lives: the first action must be a fork
  CHECK((*a)[0].actor == "a");
  CHECK((*a)[0].child == "b");
  options.fork_fraction = 0.0;
  CHECK_FALSE(GenerateProcOps(first, options).ok());
  options.fork_fraction = 0.5;
  options.actions = -1;
  CHECK_FALSE(GenerateProcOps(first, options).ok());
}

TEST_CASE("property: generated problems replay without a refused call", "[proc][generator][property]") {
  for (std::uint64_t seed = 1; seed <= 300; ++seed) {
    ProcOpGeneratorOptions options;
    options.actions = 25;
    options.rich = seed % 2 == 0;
    options.root = options.rich ? "init" : "a";
    options.fork_fraction = 0.3 + 0.1 * static_cast<double>(seed % 6);
    Rng rng(seed);
    auto ops = GenerateProcOps(rng, options);
    REQUIRE(ops.ok());
    CHECK(ops->size() == 25);
    KernelOptions kernel;
    kernel.reap_at_once = !options.rich;
    kernel.init_name = options.root;
    ProcessTable table(kernel);
    std::map<std::string, Pid> pid_of = {{options.root, kInitPid}};
    int forks = 0;
    for (const ProcOp& op : *ops) {
      INFO("seed " << seed << " actor " << op.actor);
      REQUIRE(pid_of.count(op.actor) == 1);
      const Pid pid = pid_of.at(op.actor);
      switch (op.kind) {
        case ProcOpKind::kFork: {
          ++forks;
          auto child = table.Fork(pid, op.child);
          REQUIRE(child.ok());
          REQUIRE(pid_of.count(op.child) == 0);
          pid_of[op.child] = *child;
          break;
        }
        case ProcOpKind::kExit:
          CHECK(table.Exit(pid, op.status).ok());
          break;
        case ProcOpKind::kWait:
          CHECK(table.Wait(pid).ok());
          break;
        case ProcOpKind::kKill:
          CHECK(table.Kill(pid, op.signal).ok());
          break;
      }
      if (!options.rich) CHECK((op.kind == ProcOpKind::kFork || op.kind == ProcOpKind::kExit));
    }
    CHECK(forks >= 1);
  }
}

namespace {

/// "a+b", "c-": fork.py's notation.
std::vector<std::string> Notation(const std::vector<ProcOp>& ops) {
  std::vector<std::string> texts;
  for (const ProcOp& op : ops)
    texts.push_back(op.kind == ProcOpKind::kFork ? op.actor + "+" + op.child : op.actor + "-");
  return texts;
}

}  // namespace

TEST_CASE("fork.py's random actions, draw for draw", "[proc][generator][ostep]") {
  // python3 fork.py -s 1 -a 12 -F: a forks b, a forks c, c forks d, a forks e,
  // c EXITS, d forks f, f forks g, e forks h, d EXITS, e forks i, b forks j, f forks k
  PyRandom one(1);
  CHECK(Notation(GenerateForkPyActions(one, 12, 0.7)) ==
        std::vector<std::string>{"a+b", "a+c", "c+d", "a+e", "c-", "d+f", "f+g", "e+h", "d-", "e+i", "b+j", "f+k"});
  // python3 fork.py -s 2 -a 6 -f 0.3 -F: exits that draw the root are not
  // actions (fork.py draws again), so forks and exits alternate here.
  PyRandom two(2);
  CHECK(Notation(GenerateForkPyActions(two, 6, 0.3)) ==
        std::vector<std::string>{"a+b", "b-", "a+c", "c-", "a+d", "d-"});
}

TEST_CASE("fork.py's random actions: the live list, the names, the root never exits", "[proc][generator]") {
  for (std::int64_t seed = 0; seed < 50; ++seed) {
    PyRandom random(seed);
    const auto ops = GenerateForkPyActions(random, 200, 0.5 + 0.01 * static_cast<double>(seed));
    REQUIRE(ops.size() == 200);
    std::vector<std::string> live = {"a"};
    std::size_t forks = 0;
    for (const ProcOp& op : ops) {
      INFO("seed " << seed);
      REQUIRE(std::find(live.begin(), live.end(), op.actor) != live.end());  // only live processes act
      if (op.kind == ProcOpKind::kFork) {
        CHECK(op.child == ForkPyName(++forks));  // b, c, ..., Z, aa, ab, ...
        live.push_back(op.child);
      } else {
        CHECK(op.actor != "a");
        live.erase(std::find(live.begin(), live.end(), op.actor));
      }
    }
  }
  PyRandom none(3);
  CHECK(GenerateForkPyActions(none, -4, 0.7).empty());  // fork.py's loop does not run
  PyRandom all(3);
  for (const ProcOp& op : GenerateForkPyActions(all, 30, 70))
    CHECK(op.kind == ProcOpKind::kFork);  // -f 70: random() < 70
}
