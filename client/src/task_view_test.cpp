// The live tasks on screen: `osgrid ps`'s table, tree and summary line.
#include <catch2/catch.hpp>

#include <sstream>

#include "osgrid/client/task_view.h"

using namespace osgrid;
using namespace osgrid::client;

namespace {

net::TaskList::Entry Task(std::string id, std::string name, std::string peer, std::string state,
                          std::optional<std::string> parent = std::nullopt, double cpu_ms = 0,
                          std::optional<std::int64_t> priority = std::nullopt) {
  return {std::move(id), std::move(name), std::move(peer), std::move(state), priority, cpu_ms, std::move(parent), 0};
}

std::string Tree(const net::TaskList& list) {
  std::ostringstream out;
  PrintTaskTree(list, out);
  return out.str();
}

std::string TableText(const net::TaskList& list) {
  std::ostringstream out;
  PrintTaskTable(list, out);
  return out.str();
}

}  // namespace

TEST_CASE("CPU times read as ms, then seconds", "[ps]") {
  CHECK(CpuTime(0) == "0 ms");
  CHECK(CpuTime(35.4) == "35 ms");
  CHECK(CpuTime(999.4) == "999 ms");
  CHECK(CpuTime(999.6) == "1.0 s");
  CHECK(CpuTime(1200) == "1.2 s");
  CHECK(CpuTime(125000) == "2m 5s");
  CHECK(CpuTime(-1) == "0 ms");
}

TEST_CASE("the summary counts tasks by state", "[ps]") {
  net::TaskList list;
  CHECK(TaskSummary(list) == "no live tasks");
  list.tasks = {Task("a/1", "f", "a", "running")};
  CHECK(TaskSummary(list) == "1 task: 1 running, 0 ready, 0 waiting");
  list.tasks.push_back(Task("a/2", "f", "a", "ready"));
  list.tasks.push_back(Task("a/3", "f", "a", "waiting"));
  list.tasks.push_back(Task("a/4", "f", "a", "ready"));
  CHECK(TaskSummary(list) == "4 tasks: 1 running, 2 ready, 1 waiting");
  list.tasks.push_back(Task("a/5", "f", "a", "zombie"));
  CHECK(TaskSummary(list) == "5 tasks: 1 running, 2 ready, 1 waiting, 1 zombie");
  list.tasks.push_back(Task("a/6", "f", "a", "zombie"));
  CHECK(TaskSummary(list) == "6 tasks: 1 running, 2 ready, 1 waiting, 2 zombies");
}

TEST_CASE("the table lists tasks by id, peer then number, with - for what a task has not", "[ps]") {
  net::TaskList list;
  CHECK(TableText(list).empty());
  list.tasks = {Task("peer-1/10", "leaf", "peer-2", "ready", std::string("peer-1/2"), 35),
                Task("peer-1/2", "render", "peer-1", "running", std::nullopt, 1200, 1)};
  CHECK(TableText(list) ==
        "ID         NAME    PEER    STATE    PRI  CPU    PARENT\n"
        "peer-1/2   render  peer-1  running  1    1.2 s  -\n"
        "peer-1/10  leaf    peer-2  ready    -    35 ms  peer-1/2\n");
}

TEST_CASE("the tree puts children under their parents, as pstree does", "[ps]") {
  net::TaskList list;
  CHECK(Tree(list).empty());
  // Out of order, as a list built by hand may be: the tree sorts roots and children by id.
  list.tasks = {
      Task("peer-2/7", "main", "peer-2", "ready", std::string("peer-1/0")),  // its parent finished
      Task("peer-1/3", "tile", "peer-2", "ready", std::string("peer-1/1")),
      Task("peer-1/4", "pixel", "peer-1", "ready", std::string("peer-1/2")),
      Task("peer-1/1", "render", "peer-2", "running", std::nullopt, 1200),
      Task("peer-1/2", "tile", "peer-1", "waiting", std::string("peer-1/1"), 35, 2),
      Task("peer-1/5", "", "peer-1", "ready"),  // never seen submitted: no name
  };
  CHECK(Tree(list) ==
        "ID              NAME    PEER    STATE    PRI  CPU\n"
        "peer-1/1        render  peer-2  running  -    1.2 s\n"
        "├─ peer-1/2     tile    peer-1  waiting  2    35 ms\n"
        "│  └─ peer-1/4  pixel   peer-1  ready    -    0 ms\n"
        "└─ peer-1/3     tile    peer-2  ready    -    0 ms\n"
        "peer-1/5        ?       peer-1  ready    -    0 ms\n"
        "peer-2/7        main    peer-2  ready    -    0 ms   (parent peer-1/0 gone)\n");
}

TEST_CASE("the tree shows every task once, even when parents form a cycle", "[ps]") {
  net::TaskList list;
  list.tasks = {Task("a/1", "f", "a", "ready", std::string("a/2")), Task("a/2", "g", "a", "ready", std::string("a/1")),
                Task("a/3", "h", "a", "ready", std::string("a/3"))};  // its own parent
  CHECK(Tree(list) ==
        "ID      NAME  PEER  STATE  PRI  CPU\n"
        "a/3     h     a     ready  -    0 ms\n"
        "a/1     f     a     ready  -    0 ms\n"  // after the roots: a cycle has none
        "└─ a/2  g     a     ready  -    0 ms\n");
}
