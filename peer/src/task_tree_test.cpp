// TaskTree: the process-tree rules of task_tree.h, one per test.
#include "task_tree.h"

#include <catch2/catch.hpp>

#include <algorithm>

using osgrid::Code;
using osgrid::Json;
using osgrid::Status;
using osgrid::peer::ChildExit;
using osgrid::peer::TaskTree;
using osgrid::peer::TreeLimits;

namespace {

ChildExit ExitWith(int result) { return ChildExit{Json{{"ok", true}, {"result", result}}, 10, 0}; }

}  // namespace

TEST_CASE("a child that ends before its parent waits is a zombie until the wait reaps it", "[unit][tree]") {
  TaskTree tree("peer-1", {});
  tree.Enter("peer-1/1", std::nullopt, "");
  REQUIRE(tree.Fork("peer-1/1", "peer-1/2").ok());
  CHECK(tree.tree_size("peer-1/1") == 1);

  auto fate = tree.ChildEnded("peer-1/2", ExitWith(4));
  CHECK(fate.kind == TaskTree::Fate::kZombie);
  CHECK(fate.parent == "peer-1/1");
  CHECK(tree.children_of("peer-1/1") == 1);  // a zombie is still its child

  auto reaped = tree.Wait("peer-1/1", "peer-1/2");
  REQUIRE(reaped.ok());
  REQUIRE(reaped->has_value());
  CHECK((*reaped)->entry["result"] == 4);
  CHECK(tree.children_of("peer-1/1") == 0);
  CHECK(tree.tree_size("peer-1/1") == 0);

  auto again = tree.Wait("peer-1/1", "peer-1/2");  // ECHILD
  CHECK(again.status().code() == Code::kNotFound);
}

TEST_CASE("a parent that waits for a live child gets its exit when it ends", "[unit][tree]") {
  TaskTree tree("peer-1", {});
  tree.Enter("peer-1/1", std::nullopt, "");
  REQUIRE(tree.Fork("peer-1/1", "peer-1/2").ok());
  auto waiting = tree.Wait("peer-1/1", "peer-1/2");
  REQUIRE(waiting.ok());
  CHECK_FALSE(waiting->has_value());
  CHECK(tree.Wait("peer-1/1", "peer-1/2").status().code() == Code::kBadRequest);  // already waiting

  auto fate = tree.ChildEnded("peer-1/2", ExitWith(9));
  CHECK(fate.kind == TaskTree::Fate::kHandedToWaiter);
  CHECK(fate.parent == "peer-1/1");
  CHECK(tree.children_of("peer-1/1") == 0);
}

TEST_CASE("a parent's end reaps its zombies and gives its live children to init", "[unit][tree]") {
  TaskTree tree("peer-1", {});
  tree.Enter("peer-1/1", std::nullopt, "");
  REQUIRE(tree.Fork("peer-1/1", "peer-1/2").ok());
  REQUIRE(tree.Fork("peer-1/1", "peer-1/3").ok());
  tree.Enter("peer-1/3", std::string("peer-1/1"), "peer-1/1");  // the child runs here too
  tree.ChildEnded("peer-1/2", ExitWith(1));                     // a zombie

  auto orphans = tree.Exit("peer-1/1");
  REQUIRE(orphans.reaped.size() == 1);
  CHECK(orphans.reaped[0].first == "peer-1/2");
  CHECK(orphans.adopted == std::vector<std::string>{"peer-1/3"});
  CHECK(tree.ParentOf("peer-1/3") == "peer-1/init");
  CHECK_FALSE(tree.Runs("peer-1/1"));

  auto fate = tree.ChildEnded("peer-1/3", ExitWith(2));
  CHECK(fate.kind == TaskTree::Fate::kReapedByInit);
  CHECK(tree.tree_size("peer-1/1") == 0);
  CHECK(tree.ChildEnded("peer-1/77", ExitWith(0)).kind == TaskTree::Fate::kNotAChild);
}

TEST_CASE("children per task and tasks per tree are capped, and reaping frees room", "[unit][tree]") {
  TaskTree tree("peer-1", TreeLimits{2, 3});
  tree.Enter("r", std::nullopt, "");
  REQUIRE(tree.Fork("r", "c1").ok());
  REQUIRE(tree.Fork("r", "c2").ok());
  Status third = tree.Fork("r", "c3");
  CHECK(third.code() == Code::kLimit);
  CHECK_THAT(third.message(), Catch::Contains("2 children not yet waited for"));

  tree.Enter("c1", std::string("r"), "r");
  REQUIRE(tree.Fork("c1", "g1").ok());  // the tree: c1, c2, g1
  Status fourth = tree.Fork("c1", "g2");
  CHECK(fourth.code() == Code::kLimit);
  CHECK_THAT(fourth.message(), Catch::Contains("tree of task r"));

  tree.ChildEnded("c2", ExitWith(0));
  REQUIRE(tree.Wait("r", "c2").ok());  // reaped: room again
  CHECK(tree.Fork("c1", "g2").ok());
  CHECK(tree.Fork("nobody", "x").code() == Code::kNotFound);
}

TEST_CASE("a tree's members stay in its group when they are adopted", "[unit][tree]") {
  TaskTree tree("peer-1", {});
  tree.Enter("r", std::nullopt, "");
  REQUIRE(tree.Fork("r", "c1").ok());
  REQUIRE(tree.Fork("r", "c2").ok());
  tree.Enter("c1", std::string("r"), "r");
  REQUIRE(tree.Fork("c1", "g1").ok());
  tree.ChildEnded("c2", ExitWith(0));  // a zombie: not a live member
  tree.Exit("r");                      // c1 is init's now; c2 reaped

  auto members = tree.LiveMembers("r");
  std::sort(members.begin(), members.end());
  CHECK(members == std::vector<std::string>{"c1", "g1"});
  CHECK(tree.LiveMembers("other").empty());
}
