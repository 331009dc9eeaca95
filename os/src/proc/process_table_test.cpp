// The process table: OSTEP ch. 5 (fork/wait/exec examples), Silberschatz 10e
// 3.3.2 (zombies, orphans), plus property tests on random call sequences.
#include "osgrid/os/proc/process_table.h"

#include <catch2/catch.hpp>
#include <set>
#include <sstream>

#include "osgrid/os/random.h"

using namespace osgrid::os;

namespace {

/// Everything observable about the table, to check that a refused call changed nothing.
std::string Snapshot(const ProcessTable& table) {
  std::ostringstream out;
  out << "running " << table.running() << " next " << table.next_pid() << "\n";
  for (const auto& [pid, p] : table.table()) {
    out << pid << " " << p.ppid << " " << p.pgid << " " << p.name << " " << p.program << " "
        << ProcessStateName(p.state) << " " << p.exit_status.value_or(-1) << " "
        << (p.killed_by ? static_cast<int>(*p.killed_by) : 0) << " " << p.in_wait << " " << p.waits_for << " "
        << p.exit_order << " [";
    for (Pid c : p.children) out << c << ",";
    out << "]\n";
  }
  return out.str();
}

/// The invariants of the brief; returns "" when they hold, else what is wrong.
std::string Audit(const ProcessTable& table) {
  const auto& procs = table.table();
  const Pcb* init = table.Find(kInitPid);
  if (init == nullptr || init->zombie() || init->ppid != 0) return "init is missing or dead";
  int running = 0;
  std::map<ProcessState, std::size_t> counts;
  for (const auto& [pid, p] : procs) {
    if (p.pid != pid) return "pid key mismatch";
    ++counts[p.state];
    if (p.state == ProcessState::kRunning) ++running;
    if (p.state == ProcessState::kNew) return "a process stayed new";
    if (pid != kInitPid) {
      const Pcb* parent = table.Find(p.ppid);
      if (parent == nullptr || parent->zombie()) return "pid " + std::to_string(pid) + ": parent not alive";
      if (std::count(parent->children.begin(), parent->children.end(), pid) != 1) {
        return "pid " + std::to_string(pid) + ": not once in its parent's children";
      }
      if (p.zombie() && p.ppid == kInitPid) return "init did not reap pid " + std::to_string(pid);
      // No process is its own ancestor: the ppid chain reaches init in fewer than size() steps.
      Pid up = p.ppid;
      std::size_t steps = 0;
      while (up != kInitPid && steps++ <= procs.size()) {
        if (up == pid) return "pid " + std::to_string(pid) + " is its own ancestor";
        up = table.Find(up)->ppid;
      }
      if (up != kInitPid) return "pid " + std::to_string(pid) + ": ppid chain does not reach init";
    }
    for (Pid c : p.children) {
      const Pcb* child = table.Find(c);
      if (child == nullptr || child->ppid != pid)
        return "pid " + std::to_string(pid) + ": bad child " + std::to_string(c);
    }
    if (p.in_wait) {
      if (p.state != ProcessState::kWaiting) return "in_wait but not waiting";
      for (Pid c : p.children) {
        if (table.Find(c)->zombie() && (p.waits_for == 0 || p.waits_for == c)) return "wait() missed a zombie";
      }
    }
    if (p.zombie() != (p.exit_order != 0)) return "exit_order out of step";
  }
  std::size_t total = 0;
  for (const auto& [state, n] : counts) total += n;
  if (total != procs.size()) return "state counts do not add up";
  if (running > 1) return "two processes running on one CPU";
  if ((running == 1) != (table.running() != 0)) return "running() disagrees with the states";
  return "";
}

}  // namespace

// OSTEP ch. 5, Figure 5.1 (p1.c): the child is a copy of the parent, with its own pid.
TEST_CASE("p1.c: fork makes a child with the next pid", "[proc][table][ostep]") {
  ProcessTable table;
  const Pid parent = *table.Fork(kInitPid, "p1");
  REQUIRE(table.Exec(parent, "p1").ok());
  const Pid child = *table.Fork(parent, "child");
  CHECK(parent == 2);
  CHECK(child == 3);
  const Pcb& c = *table.Find(child);
  CHECK(c.ppid == parent);
  CHECK(c.pgid == table.Find(parent)->pgid);
  CHECK(c.program == "p1");                // a copy of the parent's program
  CHECK(c.state == ProcessState::kReady);  // new -> ready (admitted)
  CHECK(table.Find(parent)->state == ProcessState::kRunning);
  CHECK(table.Find(parent)->children == std::vector<Pid>{child});
}

// OSTEP ch. 5, Figure 5.2 (p2.c): "the parent waits for the child"; both orders.
TEST_CASE("p2.c: wait returns the child's status whichever runs first", "[proc][table][ostep]") {
  SECTION("child exits first: a zombie until wait() reaps it at once") {
    ProcessTable table;
    const Pid parent = *table.Fork(kInitPid, "p2");
    const Pid child = *table.Fork(parent, "child");
    REQUIRE(table.Exit(child, 0).ok());
    CHECK(table.Find(child)->zombie());
    CHECK(table.Find(child)->exit_status == 0);
    auto waited = table.Wait(parent);
    REQUIRE(waited.ok());
    CHECK_FALSE(waited->blocked);
    CHECK(waited->child == child);
    CHECK(waited->exit_status == 0);
    CHECK(table.Find(child) == nullptr);  // reaped: the PCB is gone
    CHECK(table.Find(parent)->state == ProcessState::kRunning);
  }
  SECTION("parent waits first: it blocks, then the child's exit wakes it") {
    ProcessTable table;
    const Pid parent = *table.Fork(kInitPid, "p2");
    const Pid child = *table.Fork(parent, "child");
    auto waited = table.Wait(parent);
    REQUIRE(waited.ok());
    CHECK(waited->blocked);
    CHECK(table.Find(parent)->state == ProcessState::kWaiting);
    CHECK(table.running() == 0);  // the CPU is idle until someone is dispatched
    REQUIRE(table.Exit(child, 3).ok());
    CHECK(table.Find(child) == nullptr);
    CHECK(table.Find(parent)->state == ProcessState::kReady);  // event occurs: waiting -> ready
    CHECK_FALSE(table.Find(parent)->in_wait);
    const ProcEvent& reaped = table.events().back();
    CHECK(reaped.kind == EventKind::kReaped);
    CHECK(reaped.text == "pid 2 (p2) reaps pid 3 (child): exit status 3");
    bool returned = false;
    for (const ProcEvent& e : table.events()) returned |= e.kind == EventKind::kWaitReturns && e.pid == child;
    CHECK(returned);
  }
}

// OSTEP ch. 5, Figure 5.3 (p3.c): exec replaces the program, the pid stays.
TEST_CASE("p3.c: exec keeps the pid and replaces the program", "[proc][table][ostep]") {
  ProcessTable table;
  const Pid parent = *table.Fork(kInitPid, "p3");
  const Pid child = *table.Fork(parent, "child");
  REQUIRE(table.Exec(child, "wc").ok());
  CHECK(table.Find(child)->program == "wc");
  CHECK(table.Find(child)->pid == child);
  CHECK(table.Find(parent)->children == std::vector<Pid>{child});
  CHECK_FALSE(table.Exec(child, "").ok());
}

// Silberschatz 10e 3.3.2: "if a parent terminated without invoking wait(),
// ... its child processes as orphans ... assigns init as the new parent".
TEST_CASE("orphans are re-parented to init, which reaps them", "[proc][table][silberschatz]") {
  ProcessTable table;
  const Pid a = *table.Fork(kInitPid, "A");
  const Pid b = *table.Fork(a, "B");
  const Pid c = *table.Fork(b, "C");  // grandchild of A
  const Pid d = *table.Fork(a, "D");
  REQUIRE(table.Exit(d, 1).ok());  // D: a zombie child of A
  REQUIRE(table.Exit(a, 0).ok());  // A: its parent is init, so init reaps it at once
  CHECK(table.Find(a) == nullptr);
  CHECK(table.Find(b)->ppid == kInitPid);  // orphan adopted by init
  CHECK(table.Find(c)->ppid == b);         // the grandchild stays with its (live) parent
  CHECK(table.Find(d) == nullptr);         // the zombie orphan is reaped by init at once
  CHECK(table.Find(kInitPid)->children == std::vector<Pid>{b});
  int reparented = 0;
  for (const ProcEvent& e : table.events()) {
    if (e.kind == EventKind::kReparented) {
      ++reparented;
      CHECK(e.previous == a);
      CHECK(e.related == kInitPid);
    }
  }
  CHECK(reparented == 2);  // B and the zombie D
  CHECK(Audit(table).empty());
}

// Silberschatz 10e 3.3.2: "A process that has terminated, but whose parent has
// not yet called wait(), is known as a zombie process."
TEST_CASE("a zombie stays until its parent reaps it", "[proc][table][silberschatz]") {
  ProcessTable table;
  const Pid a = *table.Fork(kInitPid, "A");
  const Pid b = *table.Fork(a, "B");
  const Pid c = *table.Fork(a, "C");
  REQUIRE(table.Exit(b, 7).ok());
  REQUIRE(table.Exit(c, 8).ok());
  REQUIRE(table.Fork(a, "D").ok());  // a live child too
  CHECK(table.Find(b)->zombie());
  CHECK(table.Find(c)->zombie());
  CHECK(table.Find(b)->state == ProcessState::kTerminated);
  // The zombie that terminated first is reaped first.
  auto first = table.Wait(a);
  REQUIRE(first.ok());
  CHECK(first->child == b);
  CHECK(first->exit_status == 7);
  // wait(pid) for a specific child.
  auto second = table.Wait(a, c);
  REQUIRE(second.ok());
  CHECK(second->child == c);
  CHECK(second->exit_status == 8);
  CHECK(table.Find(b) == nullptr);
  CHECK(table.Find(c) == nullptr);
  // Only D is left; waiting for a specific non-child is ECHILD.
  auto wrong = table.Wait(a, b);
  REQUIRE_FALSE(wrong.ok());
  CHECK(wrong.error().message == "wait: pid 2 (A): pid 3 is not its child (ECHILD)");
}

TEST_CASE("wait with no children is ECHILD and changes nothing", "[proc][table]") {
  ProcessTable table;
  const Pid a = *table.Fork(kInitPid, "A");
  const std::string before = Snapshot(table);
  auto waited = table.Wait(a);
  REQUIRE_FALSE(waited.ok());
  CHECK(waited.error().message == "wait: pid 2 (A) has no children (ECHILD)");
  CHECK(Snapshot(table) == before);
}

TEST_CASE("a blocked wait for one child ignores the others", "[proc][table]") {
  ProcessTable table;
  const Pid a = *table.Fork(kInitPid, "A");
  const Pid b = *table.Fork(a, "B");
  const Pid c = *table.Fork(a, "C");
  REQUIRE(table.Wait(a, c)->blocked);
  REQUIRE(table.Exit(b, 1).ok());
  CHECK(table.Find(b)->zombie());  // A waits for C, not B
  CHECK(table.Find(a)->state == ProcessState::kWaiting);
  REQUIRE(table.Exit(c, 2).ok());
  CHECK(table.Find(c) == nullptr);
  CHECK(table.Find(a)->state == ProcessState::kReady);
  CHECK(table.Find(b)->zombie());
}

TEST_CASE("kill: SIGKILL and SIGTERM terminate, init and zombies are special", "[proc][table]") {
  ProcessTable table;
  const Pid a = *table.Fork(kInitPid, "A");
  const Pid b = *table.Fork(a, "B");
  REQUIRE(table.Wait(a)->blocked);
  // Killing the blocked parent wakes it (event occurs), then it dies.
  auto killed = table.Kill(a, Signal::kSigKill);
  REQUIRE(killed.ok());
  CHECK(*killed);
  CHECK(table.Find(a) == nullptr);  // init reaped it
  CHECK(table.Find(b)->ppid == kInitPid);
  REQUIRE(table.Kill(b, Signal::kSigTerm).ok());
  CHECK(table.Find(b) == nullptr);
  // init cannot be killed.
  const std::string before = Snapshot(table);
  auto init = table.Kill(kInitPid, Signal::kSigKill);
  REQUIRE_FALSE(init.ok());
  CHECK(init.error().message == "kill: pid 1 (init) is init: it cannot be killed (EPERM)");
  CHECK_FALSE(table.Kill(99, Signal::kSigKill).ok());
  CHECK(Snapshot(table) == before);
  // A zombie: no effect; wait() then reports the signal.
  const Pid c = *table.Fork(kInitPid, "C");
  const Pid d = *table.Fork(c, "D");
  REQUIRE(table.Kill(d, Signal::kSigKill).ok());
  CHECK(*table.Kill(d, Signal::kSigKill) == false);
  auto waited = table.Wait(c);
  CHECK(waited->child == d);
  CHECK(waited->killed_by == Signal::kSigKill);
  CHECK_FALSE(waited->exit_status);
}

TEST_CASE("killpg kills exactly the processes of the group", "[proc][table]") {
  ProcessTable table;
  const Pid shell = *table.Fork(kInitPid, "sh");
  const Pid a = *table.Fork(shell, "A");
  const Pid b = *table.Fork(a, "B");
  const Pid c = *table.Fork(shell, "C");
  REQUIRE(table.SetPgid(a, 0).ok());  // A leads a new group
  CHECK(table.Find(a)->pgid == a);
  REQUIRE(table.SetPgid(b, a).ok());  // B joins it
  const Pid e = *table.Fork(b, "E");  // the child inherits the group
  CHECK(table.Find(e)->pgid == a);
  auto killed = table.KillGroup(a, Signal::kSigTerm);
  REQUIRE(killed.ok());
  CHECK(*killed == std::vector<Pid>{a, b, e});
  CHECK(table.Find(shell)->state != ProcessState::kTerminated);
  CHECK(table.Find(c)->state != ProcessState::kTerminated);
  CHECK(table.Find(a)->zombie());   // shell has not waited
  CHECK(table.Find(b) == nullptr);  // orphaned by A, adopted and reaped by init
  CHECK_FALSE(table.KillGroup(42, Signal::kSigKill).ok());
  // setpgid to a group that does not exist is refused.
  auto bad = table.SetPgid(c, 42);
  REQUIRE_FALSE(bad.ok());
  CHECK(table.Find(c)->pgid == kInitPid);
  // killpg of init's group: init ignores it, everyone else in it dies.
  REQUIRE(table.KillGroup(kInitPid, Signal::kSigKill).ok());
  CHECK(table.Find(kInitPid)->state != ProcessState::kTerminated);
  CHECK(table.table().size() == 1);
}

TEST_CASE("illegal transitions are refused and the state is unchanged", "[proc][table]") {
  ProcessTable table;
  const Pid a = *table.Fork(kInitPid);
  const Pid b = *table.Fork(a, "B");
  REQUIRE(table.Block(b).ok());  // B waits for I/O
  const std::string before = Snapshot(table);
  auto dispatch = table.Dispatch(b);
  REQUIRE_FALSE(dispatch.ok());
  CHECK(dispatch.error().message == "pid 3 (B): cannot dispatch: it is waiting, not ready");
  auto preempt = table.Preempt(a);  // A is ready, not running (B ran last)
  REQUIRE_FALSE(preempt.ok());
  CHECK(preempt.error().message == "pid 2: cannot preempt: it is ready, not running");
  CHECK_FALSE(table.Wake(a).ok());
  CHECK_FALSE(table.Fork(b).ok());  // a waiting process cannot run
  CHECK(table.Fork(b).error().message == "fork: pid 3 (B) is waiting (blocked for an event): it cannot run");
  CHECK_FALSE(table.Exit(b, 0).ok());
  CHECK_FALSE(table.Exit(kInitPid, 0).ok());
  CHECK_FALSE(table.Fork(77).ok());
  CHECK(Snapshot(table) == before);
  // The legal path: the I/O completes, the scheduler dispatches B, a timeout preempts it.
  CHECK(table.Wake(b).value() == ProcessState::kReady);
  CHECK(table.Dispatch(b).value() == ProcessState::kRunning);
  CHECK(table.Preempt(b).value() == ProcessState::kReady);
  // A parent blocked in wait() is only woken by a child.
  REQUIRE(table.Wait(a)->blocked);
  CHECK_FALSE(table.Wake(a).ok());
}

TEST_CASE("one CPU: the caller is dispatched and the running process preempted", "[proc][table]") {
  ProcessTable table;
  CHECK(table.running() == kInitPid);
  const Pid a = *table.Fork(kInitPid, "A");
  CHECK(table.running() == kInitPid);
  REQUIRE(table.Fork(a, "B").ok());
  CHECK(table.running() == a);
  CHECK(table.Find(kInitPid)->state == ProcessState::kReady);
}

// fork.py's models (OSTEP ch. 5 homework): -R re-parents to the local parent;
// by default every descendant of the exiting process moves to the root.
TEST_CASE("orphan rules: grandparent (fork.py -R) and all descendants (fork.py)", "[proc][table][ostep]") {
  for (OrphanRule rule : {OrphanRule::kGrandparent, OrphanRule::kInitAllDescendants}) {
    KernelOptions options;
    options.orphans = rule;
    options.reap_at_once = true;
    options.init_name = "a";
    ProcessTable table(options);
    const Pid b = *table.Fork(kInitPid, "b");  // a+b,b+c,c+d,b+e,b-
    const Pid c = *table.Fork(b, "c");
    const Pid d = *table.Fork(c, "d");
    const Pid e = *table.Fork(b, "e");
    REQUIRE(table.Exit(b, 0).ok());
    CHECK(table.Find(b) == nullptr);  // no zombie: reaped at once
    if (rule == OrphanRule::kGrandparent) {
      CHECK(table.Find(kInitPid)->children == std::vector<Pid>{c, e});
      CHECK(table.Find(d)->ppid == c);
    } else {
      CHECK(table.Find(kInitPid)->children == std::vector<Pid>{c, d, e});  // preorder
      CHECK(table.Find(d)->ppid == kInitPid);
      CHECK(table.Find(c)->children.empty());
    }
  }
}

TEST_CASE("property: random call sequences keep the table consistent", "[proc][table][property]") {
  std::map<int, int> succeeded;  // op kind -> calls that were carried out (the test must exercise each)
  for (std::uint64_t seed = 1; seed <= 300; ++seed) {
    Rng rng(seed);
    KernelOptions options;
    options.orphans = static_cast<OrphanRule>(seed % 3);
    if (seed % 3 != 0) options.reap_at_once = seed % 2 == 0;
    ProcessTable table(options);
    std::set<Pid> seen = {kInitPid};
    for (int step = 0; step < 80; ++step) {
      const Pid pid = static_cast<Pid>(rng.Uniform(1, table.next_pid()));  // sometimes dead or unborn
      const std::string before = Snapshot(table);
      const std::size_t events = table.events().size();
      bool ok = false;
      const int kind = static_cast<int>(rng.Uniform(0, 9));
      switch (kind) {
        case 0:
        case 1:
        case 2: {
          auto child = table.Fork(pid);
          ok = child.ok();
          if (ok) {
            CHECK(seen.count(*child) == 0);  // pids are unique, never reused
            CHECK(*child > *seen.rbegin());  // and increasing
            seen.insert(*child);
          }
          break;
        }
        case 3:
          ok = table.Exit(pid, static_cast<int>(rng.Uniform(0, 5))).ok();
          break;
        case 4:
          ok = table.Wait(pid, rng.Uniform(0, 1) ? 0 : static_cast<Pid>(rng.Uniform(1, 20))).ok();
          break;
        case 5:
          ok = table.Kill(pid, rng.Uniform(0, 1) ? Signal::kSigKill : Signal::kSigTerm).ok();
          break;
        case 6:
          ok = table.KillGroup(static_cast<Pid>(rng.Uniform(1, 6)), Signal::kSigTerm).ok();
          break;
        case 7:
          ok = table.SetPgid(pid, static_cast<Pid>(rng.Uniform(0, 6))).ok();
          break;
        case 8:
          ok = table.Exec(pid, "prog" + std::to_string(step)).ok();
          break;
        default: {
          const int which = static_cast<int>(rng.Uniform(0, 3));
          ok = (which == 0   ? table.Dispatch(pid).ok()
                : which == 1 ? table.Preempt(pid).ok()
                : which == 2 ? table.Block(pid).ok()
                             : table.Wake(pid).ok());
        }
      }
      if (ok) ++succeeded[kind < 3 ? 0 : kind];
      if (!ok) {
        INFO("seed " << seed << " step " << step);
        CHECK(Snapshot(table) == before);  // a refused call changes nothing
        CHECK(table.events().size() == events);
      }
      const std::string audit = Audit(table);
      INFO("seed " << seed << " step " << step << "\n" << Snapshot(table));
      REQUIRE(audit.empty());
      if (options.reap_at_once) {
        for (const auto& [p, pcb] : table.table()) CHECK_FALSE(pcb.zombie());
      }
    }
  }
  for (int kind : {0, 3, 4, 5, 6, 7, 8, 9}) {
    INFO("op kind " << kind);
    CHECK(succeeded[kind] > 100);
  }
}
