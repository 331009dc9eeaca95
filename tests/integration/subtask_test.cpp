// Tasks that make system calls (`import osgrid`; docs/syscalls.md): subtasks
// and waiting for them on a one-core peer, the process tree in osgrid ps,
// zombies and orphans, the limits on a tree, bad calls, and kill --group.
#include <catch2/catch.hpp>

#include <map>
#include <set>
#include <thread>

#include "osgrid/net/requests.h"
#include "osgrid/os/events/events.h"
#include "support.h"

using namespace osgrid;
using namespace osgrid::test;
using namespace std::chrono_literals;
namespace ev = osgrid::os::events;

namespace {

/// A cluster of one peer with `cores` cores, and `peer_args` on its command line.
std::unique_ptr<scenario::LocalCluster> OnePeer(int cores, std::vector<std::string> peer_args = {}) {
  scenario::ClusterOptions options = TestClusterOptions(1, 1.5);
  options.cores = cores;
  options.peer_args = std::move(peer_args);
  return StartCluster(options);
}

/// Sends `program`'s main(*args) to the peer at `port` (not waiting for the reply).
std::unique_ptr<net::Client> Send(std::uint16_t port, const std::string& program, Json args = Json::array()) {
  Json frame = net::Encode(net::CpuTaskRequest{net::MakeTask(program, "main", std::move(args))});
  frame["id"] = 1;
  auto client = Connect(port);
  REQUIRE(client->SendJson(frame).ok());
  return client;
}

Json Answer(net::Client& client) {
  auto reply = client.ReadJson(60s);
  REQUIRE(reply.ok());
  return *reply;
}

/// `osgrid ps --json` at the tracker until `done` holds for its task list.
Json AwaitPs(std::uint16_t tracker, const std::function<bool(const Json&)>& done, const std::string& what) {
  Json tasks;
  for (int attempt = 0; attempt < 600; ++attempt) {
    tasks = JsonOut(At(tracker, {"ps", "--json"}))["tasks"];
    if (done(tasks)) return tasks;
    std::this_thread::sleep_for(20ms);
  }
  FAIL("ps never showed " << what << "; last: " << tasks.dump());
  return tasks;
}

/// The next task.zombie on `watcher`'s stream.
ev::TaskZombie AwaitZombie(Watcher& watcher) {
  ev::Event zombie = AwaitEvent(
      watcher, [](const ev::Event& e) { return std::holds_alternative<ev::TaskZombie>(e.body); }, "task.zombie", 20);
  return std::get<ev::TaskZombie>(zombie.body);
}

const char* kFanOut =
    "import osgrid, time\n"
    "def square(x):\n"
    "    time.sleep(1.0)\n"
    "    print('child', x)\n"
    "    return x * x\n"
    "def main(n):\n"
    "    children = [osgrid.submit(square, i) for i in range(1, n + 1)]\n"
    "    total = sum(osgrid.wait(child) for child in children)\n"
    "    return {'sum': total, 'me': osgrid.getpid(), 'parent': osgrid.getppid(),\n"
    "            'children': [child.id for child in children]}\n";

}  // namespace

TEST_CASE("a task on a one-core peer submits 3 subtasks and waits for them, and ps --tree shows the 4",
          "[integration][syscalls]") {
  auto cluster = OnePeer(1);
  auto submitter = Send(PortOf(*cluster, "peer-1"), kFanOut, {3});

  // While it waits, the parent holds no core: its children run on the one core.
  Json tasks = AwaitPs(
      cluster->tracker_port(),
      [](const Json& tasks) {
        if (tasks.size() != 4) return false;
        int children = 0;
        for (const Json& task : tasks) children += task["parent"].is_string();
        return children == 3;
      },
      "a parent and its 3 children");
  std::string root;
  for (const Json& task : tasks) {
    if (!task["parent"].is_string()) root = task["task_id"];
  }
  for (const Json& task : tasks) {
    if (task["parent"].is_string()) CHECK(task["parent"] == root);
  }
  CommandResult tree = At(cluster->tracker_port(), {"ps", "--tree"});
  INFO(tree.out);
  CHECK(tree.exit_code == 0);
  for (const Json& task : tasks) CHECK_THAT(tree.out, Catch::Contains(task["task_id"].get<std::string>()));

  Json reply = Answer(*submitter);
  INFO(reply.dump());
  REQUIRE(reply["type"] == "CPU_RESULT");
  CHECK(reply["result"]["sum"] == 1 + 4 + 9);
  CHECK(reply["result"]["me"] == root);
  CHECK(reply["result"]["parent"].is_null());  // a client's task is a root
  CHECK(reply["result"]["children"].size() == 3);
  // What the children printed reaches the parent's output, in the order it waited.
  CHECK_THAT(reply["stdout"].get<std::string>(), Catch::Contains("child 1\nchild 2\nchild 3\n"));
  // The peer's timeline shows the parent giving its core up while it waited.
  Json status = MustCall(*Connect(PortOf(*cluster, "peer-1")), {{"type", "STATUS"}});
  bool blocked = false;
  for (const Json& segment : status["scheduling"]["timeline"]) blocked |= segment["end"] == "blocked";
  CHECK(blocked);
  AwaitPs(
      cluster->tracker_port(), [](const Json& tasks) { return tasks.empty(); }, "every task reaped");
}

TEST_CASE("a child that ends first is a zombie until its parent ends, and an orphan goes to the peer's init",
          "[integration][syscalls]") {
  auto cluster = OnePeer(3);
  auto watcher = Watch(cluster->tracker_port(), {"task."});
  const char* program =
      "import osgrid, time\n"
      "def child(seconds):\n"
      "    time.sleep(seconds)\n"
      "    return seconds\n"
      "def main():\n"
      "    fast = osgrid.submit(child, 0.05)\n"
      "    slow = osgrid.submit(child, 2.5)\n"
      "    time.sleep(1.2)\n"
      "    return [fast.id, slow.id]\n";
  auto submitter = Send(PortOf(*cluster, "peer-1"), program);

  const ev::TaskZombie z = AwaitZombie(watcher);
  CHECK(z.outcome == ev::Outcome::kOk);
  AwaitPs(
      cluster->tracker_port(),
      [&](const Json& tasks) {
        for (const Json& task : tasks) {
          if (task["task_id"] == z.task_id) return task["state"] == "zombie";
        }
        return false;
      },
      "the zombie");

  Json reply = Answer(*submitter);
  REQUIRE(reply["type"] == "CPU_RESULT");
  const std::string fast = reply["result"][0], slow = reply["result"][1];
  CHECK(z.task_id == fast);
  const std::string parent = *z.parent;

  // The parent's end reaps its zombie and gives its running child to init.
  bool fast_reaped = false, slow_adopted = false, slow_reaped = false;
  while (!(fast_reaped && slow_adopted && slow_reaped)) {
    ev::Event e = AwaitEvent(
        watcher,
        [](const ev::Event& e) {
          return std::holds_alternative<ev::TaskFinished>(e.body) || std::holds_alternative<ev::TaskReparented>(e.body);
        },
        "the zombie reaped and the orphan adopted", 20);
    if (const auto* f = std::get_if<ev::TaskFinished>(&e.body)) {
      if (f->task_id == fast) fast_reaped = f->parent == parent;
      if (f->task_id == slow) {
        CHECK(slow_adopted);
        slow_reaped = f->parent == std::optional<std::string>("peer-1/init");
      }
    } else if (const auto* r = std::get_if<ev::TaskReparented>(&e.body)) {
      CHECK(r->task_id == slow);
      CHECK(r->from == parent);
      slow_adopted = r->parent == std::optional<std::string>("peer-1/init");
    }
  }
}

TEST_CASE("bad system calls raise Python exceptions that say why, and the peer goes on", "[integration][syscalls]") {
  auto cluster = OnePeer(1);
  const char* program =
      "import osgrid\n"
      "def ok(x):\n"
      "    return x\n"
      "def main():\n"
      "    def nested():\n"
      "        pass\n"
      "    attempts = {\n"
      "        'lambda': lambda: osgrid.submit(lambda: 1),\n"
      "        'nested': lambda: osgrid.submit(nested),\n"
      "        'builtin': lambda: osgrid.submit(print),\n"
      "        'json': lambda: osgrid.submit(ok, {1, 2}),\n"
      "        'option': lambda: osgrid.submit(ok, 1, colour='red'),\n"
      "        'priority': lambda: osgrid.submit(ok, 1, priority='urgent'),\n"
      "        'tickets': lambda: osgrid.submit(ok, 1, tickets=0),\n"
      "        'not_a_child': lambda: osgrid.wait('peer-1/999'),\n"
      "        'handle': lambda: osgrid.wait(42),\n"
      "    }\n"
      "    errors = {}\n"
      "    for label, attempt in attempts.items():\n"
      "        try:\n"
      "            attempt()\n"
      "            errors[label] = None\n"
      "        except Exception as error:\n"
      "            errors[label] = type(error).__name__ + ': ' + str(error)\n"
      "    return errors\n";
  auto submitter = Send(PortOf(*cluster, "peer-1"), program);
  Json reply = Answer(*submitter);
  INFO(reply.dump(2));
  REQUIRE(reply["type"] == "CPU_RESULT");
  const Json& errors = reply["result"];
  auto says = [&](const char* label, const std::string& text) {
    INFO(label);
    REQUIRE(errors[label].is_string());
    CHECK_THAT(errors[label].get<std::string>(), Catch::Contains(text));
  };
  says("lambda", "TypeError: osgrid.submit: a lambda cannot be submitted");
  says("nested", "main.<locals>.nested is defined inside another function");
  says("builtin", "fn must be a function defined with def at module level");
  says("json", "must be JSON");
  says("option", "unknown option 'colour'");
  says("priority", "ValueError");
  says("priority", "urgent");
  says("tickets", "ValueError");
  says("tickets", "tickets");
  says("not_a_child", "Error: peer-1/999 is not a child of");
  says("handle", "TypeError: osgrid.wait: expected a Handle");

  // The peer is unharmed: a plain task still runs.
  auto again = Send(PortOf(*cluster, "peer-1"), "def main(x):\n    return x + 1\n", {41});
  CHECK(Answer(*again)["result"] == 42);
}

TEST_CASE("a task that submits without end meets the limits, and the peer survives", "[integration][syscalls]") {
  auto cluster = OnePeer(1, {"--task-max-children", "4", "--task-max-tree", "10"});
  auto watcher = Watch(cluster->tracker_port(), {"task.submitted", "task.finished"});
  const char* program =
      "import osgrid\n"
      "def bomb(depth):\n"
      "    made = 0\n"
      "    try:\n"
      "        while True:\n"
      "            osgrid.submit(bomb, depth + 1)\n"
      "            made += 1\n"
      "    except osgrid.Error as error:\n"
      "        return [made, error.code, str(error)]\n"
      "def main():\n"
      "    return bomb(0)\n";
  auto submitter = Send(PortOf(*cluster, "peer-1"), program);
  Json reply = Answer(*submitter);
  INFO(reply.dump());
  REQUIRE(reply["type"] == "CPU_RESULT");
  CHECK(reply["result"][0] == 4);
  CHECK(reply["result"][1] == "LIMIT");
  CHECK_THAT(reply["result"][2].get<std::string>(), Catch::Contains("4 children not yet waited for"));

  // Each child does the same: the tree never grows past 10 tasks not yet
  // reaped, but it goes on after its root has ended, as a fork bomb does
  // under RLIMIT_NPROC. Its group is still the root's: kill it.
  const std::string root = reply["task_id"];
  std::this_thread::sleep_for(500ms);
  CommandResult killed = At(cluster->tracker_port(), {"kill", "--group", root});
  INFO(killed.out << killed.err);
  CHECK(killed.exit_code == 0);
  CHECK_THAT(killed.out, Catch::Contains("live tasks of " + root + "'s group"));

  // Every task of the tree ends; never more than 1 + 10 were submitted at once.
  auto peer = Connect(PortOf(*cluster, "peer-1"));
  AwaitStatus(
      *peer,
      [](const Json& status) {
        return status["scheduling"]["running"].empty() && status["scheduling"]["ready"].empty() &&
               status["scheduling"]["waiting"].empty();
      },
      "the tree to end");
  AwaitPs(
      cluster->tracker_port(), [](const Json& tasks) { return tasks.empty(); }, "every task reaped");
  int live = 0, most = 0;
  do {  // the events in order: each task's submitted comes before its finished
    auto next = watcher.events->Next(30s);
    REQUIRE(next.ok());
    if (std::holds_alternative<ev::TaskSubmitted>(next->body)) most = std::max(most, ++live);
    if (std::holds_alternative<ev::TaskFinished>(next->body)) --live;
  } while (live > 0);
  CHECK(most >= 5);
  CHECK(most <= 11);
}

TEST_CASE("kill --group ends a task and all its descendants with KILLED", "[integration][syscalls]") {
  auto cluster = OnePeer(3);
  auto watcher = Watch(cluster->tracker_port(), {"task.finished"});
  const char* program =
      "import osgrid, time\n"
      "def child(seconds):\n"
      "    grandchild = osgrid.submit(nap, seconds)\n"
      "    return osgrid.wait(grandchild)\n"
      "def nap(seconds):\n"
      "    time.sleep(seconds)\n"
      "def main():\n"
      "    children = [osgrid.submit(child, 30) for _ in range(2)]\n"
      "    return [osgrid.wait(c) for c in children]\n";
  auto submitter = Send(PortOf(*cluster, "peer-1"), program);
  Json tasks = AwaitPs(
      cluster->tracker_port(), [](const Json& tasks) { return tasks.size() == 5; }, "a tree of 5");
  std::string root;
  for (const Json& task : tasks) {
    if (!task["parent"].is_string()) root = task["task_id"];
  }
  CommandResult killed = At(cluster->tracker_port(), {"kill", "--group", root});
  INFO(killed.out << killed.err);
  CHECK(killed.exit_code == 0);
  CHECK_THAT(killed.out, Catch::Contains("killed " + root + " and its descendants"));

  Json reply = Answer(*submitter);
  CHECK(reply["code"] == "KILLED");
  std::set<std::string> ended;
  while (ended.size() < 5) {
    ev::Event e = AwaitEvent(
        watcher, [](const ev::Event& e) { return std::holds_alternative<ev::TaskFinished>(e.body); }, "5 task.finished",
        20);
    const auto& finished = std::get<ev::TaskFinished>(e.body);
    CHECK(finished.outcome == ev::Outcome::kKilled);
    ended.insert(finished.task_id);
  }
  for (const Json& task : tasks) CHECK(ended.contains(task["task_id"].get<std::string>()));
  CommandResult missing = At(cluster->tracker_port(), {"kill", root});
  CHECK(missing.exit_code == 2);  // --group is required
}

TEST_CASE("subtasks run on other peers and come back to their parent, but a confidential task's stay home",
          "[integration][syscalls]") {
  scenario::ClusterOptions options = TestClusterOptions(2, 1.5);
  options.cores = 1;
  auto cluster = StartCluster(options);
  const char* program =
      "import osgrid, time\n"
      "def child(x):\n"
      "    time.sleep(0.3)\n"
      "    return x * 10\n"
      "def main():\n"
      "    time.sleep(1)  # a heartbeat or two: the tracker sees peer-1 busy\n"
      "    children = [osgrid.submit(child, x) for x in (1, 2)]\n"
      "    return [osgrid.wait(c) for c in children] + [c.id for c in children]\n";
  for (bool confidential : {false, true}) {
    DYNAMIC_SECTION((confidential ? "confidential" : "placed by the tracker")) {
      auto watcher = Watch(cluster->tracker_port(), {"task.running"});
      net::CpuTaskRequest request{net::MakeTask(program)};
      request.confidential = confidential;
      Json frame = net::Encode(request);
      frame["id"] = 1;
      auto submitter = Connect(PortOf(*cluster, "peer-1"));
      REQUIRE(submitter->SendJson(frame).ok());
      Json reply = Answer(*submitter);
      INFO(reply.dump());
      REQUIRE(reply["type"] == "CPU_RESULT");
      CHECK(reply["result"][0] == 10);
      CHECK(reply["result"][1] == 20);
      std::set<std::string> children = {reply["result"][2], reply["result"][3]};
      std::map<std::string, std::string> ran_on;
      while (ran_on.size() < 2) {
        ev::Event e = AwaitEvent(
            watcher,
            [&](const ev::Event& e) {
              const auto* running = std::get_if<ev::TaskRunning>(&e.body);
              return running != nullptr && children.contains(running->task_id);
            },
            "the children's task.running");
        const auto& running = std::get<ev::TaskRunning>(e.body);
        ran_on[running.task_id] = running.peer;
        CHECK(running.parent == std::optional<std::string>(reply["task_id"].get<std::string>()));
      }
      bool any_away = false;
      for (const auto& [child, peer] : ran_on) any_away |= peer != "peer-1";
      // The tracker places a child on the least-loaded peer: peer-2 is idle
      // while the parent holds peer-1's core.
      CHECK(any_away == !confidential);
    }
  }
}

TEST_CASE("when a parent's peer dies, it and its zombies end as lost, and a running child still ends",
          "[integration][syscalls]") {
  scenario::ClusterOptions options = TestClusterOptions(3, 1.5);
  options.cores = 1;
  auto cluster = StartCluster(options);
  auto watcher = Watch(cluster->tracker_port(), {"task.", "peer.dead"});
  // The parent holds peer-1's core (it sleeps), so the tracker places its
  // children on the idle peer-2 and peer-3; the first ends at once: a
  // zombie, its parent on peer-1. The second sleeps 3 s.
  const char* program =
      "import osgrid, time\n"
      "def child(seconds):\n"
      "    time.sleep(seconds)\n"
      "def main():\n"
      "    time.sleep(1)  # a heartbeat or two: the tracker sees peer-1 busy\n"
      "    osgrid.submit(child, 0)\n"
      "    osgrid.submit(child, 3)\n"
      "    time.sleep(60)\n";
  auto submitter = Send(PortOf(*cluster, "peer-1"), program);
  const ev::TaskZombie z = AwaitZombie(watcher);
  CHECK(z.peer != "peer-1");
  REQUIRE(cluster->KillPeer("peer-1").ok());
  // The parent and its zombie end as lost; the child still running on
  // another peer ends there, and that peer publishes its end (ok).
  std::map<std::string, ev::Outcome> ended;
  while (ended.size() < 3) {
    ev::Event e = AwaitEvent(
        watcher, [](const ev::Event& e) { return std::holds_alternative<ev::TaskFinished>(e.body); },
        "the parent and both children ended", 20);
    const auto& finished = std::get<ev::TaskFinished>(e.body);
    ended[finished.task_id] = finished.outcome;
  }
  CHECK(ended[z.task_id] == ev::Outcome::kLost);
  CHECK(ended[*z.parent] == ev::Outcome::kLost);
  int ok = 0;
  for (const auto& [task, outcome] : ended) ok += outcome == ev::Outcome::kOk;
  CHECK(ok == 1);
  AwaitPs(
      cluster->tracker_port(), [](const Json& tasks) { return tasks.empty(); }, "no task left");
}

TEST_CASE("an orphan on another peer learns its new parent: getppid() says <peer>/init", "[integration][syscalls]") {
  scenario::ClusterOptions options = TestClusterOptions(2, 1.5);
  options.cores = 1;
  auto cluster = StartCluster(options);
  auto watcher = Watch(cluster->tracker_port(), {"task.finished", "task.running", "task.reparented"});
  // The child fails unless its getppid() follows the adoption.
  const char* program =
      "import osgrid, time\n"
      "def child(parent):\n"
      "    assert osgrid.getppid() in (parent, 'peer-1/init'), osgrid.getppid()\n"
      "    time.sleep(2)\n"
      "    assert osgrid.getppid() == 'peer-1/init', osgrid.getppid()\n"
      "def main():\n"
      "    time.sleep(1)  # a heartbeat or two: the tracker sees peer-1 busy\n"
      "    return osgrid.submit(child, osgrid.getpid()).id\n";
  auto submitter = Send(PortOf(*cluster, "peer-1"), program);
  Json reply = Answer(*submitter);
  REQUIRE(reply["type"] == "CPU_RESULT");
  const std::string child = reply["result"];
  std::string ran_on;
  for (;;) {
    ev::Event e = AwaitEvent(
        watcher,
        [&](const ev::Event& e) {
          if (const auto* r = std::get_if<ev::TaskRunning>(&e.body)) return r->task_id == child;
          if (const auto* f = std::get_if<ev::TaskFinished>(&e.body)) return f->task_id == child;
          return false;
        },
        "the child's run and end", 20);
    if (const auto* r = std::get_if<ev::TaskRunning>(&e.body)) ran_on = r->peer;
    if (const auto* f = std::get_if<ev::TaskFinished>(&e.body)) {
      CHECK(f->outcome == ev::Outcome::kOk);
      CHECK(f->parent == std::optional<std::string>("peer-1/init"));
      break;
    }
  }
  CHECK(ran_on == "peer-2");
}
