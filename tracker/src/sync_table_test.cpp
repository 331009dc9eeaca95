// The tracker's cluster objects and deadlock handling (sync_table.h,
// docs/sync.md): each test drives a SyncTable as the tracker would and reads
// the events it published, its replies and its snapshot.
#include "osgrid/tracker/sync_table.h"

#include <catch2/catch.hpp>
#include <map>
#include <numeric>
#include <random>
#include <set>
#include <string>
#include <vector>

using namespace osgrid;
using namespace osgrid::os::events;
using tracker::Claims;
using tracker::Completion;
using tracker::DeadlockMode;
using tracker::SyncAnswer;
using tracker::SyncRequest;
using tracker::SyncTable;
using tracker::Ticket;

namespace {

/// A table whose events land in `events` and whose clock is `clock` (ms).
struct Bench {
  std::vector<Payload> events;
  double clock = 0;
  SyncTable table;

  explicit Bench(DeadlockMode mode = DeadlockMode::kDetect)
      : table(
            mode, [this](Payload p) { events.push_back(std::move(p)); }, [this] { return clock; }) {}

  SyncAnswer Submit(const SyncRequest& request) { return table.Submit(request); }
  std::vector<std::string> Types() const {
    std::vector<std::string> types;
    for (const Payload& p : events) types.emplace_back(TypeOf(p));
    return types;
  }
  template <class T>
  std::vector<T> All() const {
    std::vector<T> found;
    for (const Payload& p : events) {
      if (const T* t = std::get_if<T>(&p)) found.push_back(*t);
    }
    return found;
  }
  ResourceState State(const std::string& name) const {
    auto state = table.Find(name);
    REQUIRE(state.ok());
    return state.value();
  }
};

SyncRequest Op(std::string op, std::string name, std::string task, std::string peer = "peer-1") {
  SyncRequest r;
  r.op = std::move(op);
  r.name = std::move(name);
  r.task_id = std::move(task);
  r.peer = std::move(peer);
  return r;
}
SyncRequest Acquire(std::string task, std::string lock, std::string peer = "peer-1") {
  return Op("lock.acquire", std::move(lock), std::move(task), std::move(peer));
}
SyncRequest Release(std::string task, std::string lock) { return Op("lock.release", std::move(lock), std::move(task)); }
SyncRequest Request(std::string task, std::string res, std::int64_t count, std::int64_t instances) {
  SyncRequest r = Op("resource.request", std::move(res), std::move(task));
  r.count = count;
  r.instances = instances;
  return r;
}
SyncRequest Give(std::string task, std::string res, std::int64_t count) {
  SyncRequest r = Op("resource.release", std::move(res), std::move(task));
  r.count = count;
  return r;
}
SyncRequest SemOp(std::string op, std::string task, std::string sem, std::int64_t initial) {
  SyncRequest r = Op(std::move(op), std::move(sem), std::move(task));
  r.initial = initial;
  return r;
}
SyncRequest Send(std::string task, std::string queue, Json message, std::int64_t capacity) {
  SyncRequest r = Op("queue.send", std::move(queue), std::move(task));
  r.message = std::move(message);
  r.capacity = capacity;
  return r;
}
SyncRequest Receive(std::string task, std::string queue, std::int64_t capacity) {
  SyncRequest r = Op("queue.receive", std::move(queue), std::move(task));
  r.capacity = capacity;
  return r;
}
SyncRequest Try(SyncRequest r) {
  r.may_wait = false;
  return r;
}
SyncRequest WithClaims(SyncRequest r, Claims claims) {
  r.claims = std::move(claims);
  return r;
}

const Json kGranted = {{"granted", true}};

std::string Phil(int i) { return "phil-" + std::to_string(i); }
std::string Fork(int i) { return "fork-" + std::to_string(i % 5); }
std::string PeerOf(int i) { return "peer-" + std::to_string(i % 2 + 1); }

/// Five philosophers: each holds its left fork, then asks for its right one.
/// Returns the five waiting tickets.
std::vector<Ticket> PhilosophersDeadlock(Bench& b) {
  for (int i = 0; i < 5; ++i) REQUIRE(b.Submit(Acquire(Phil(i), Fork(i), PeerOf(i))).reply == kGranted);
  std::vector<Ticket> tickets;
  for (int i = 0; i < 5; ++i) {
    const SyncAnswer a = b.Submit(Acquire(Phil(i), Fork(i + 1), PeerOf(i)));
    REQUIRE(a.waiting);
    tickets.push_back(a.ticket);
  }
  return tickets;
}

}  // namespace

// ---- Locks (Silberschatz 6.5) ----------------------------------------------------------

TEST_CASE("a lock has one owner and passes to its waiters first come, first served", "[sync_table][lock]") {
  Bench b;
  const SyncAnswer a = b.Submit(Acquire("a", "L"));
  CHECK(a.status.ok());
  CHECK_FALSE(a.waiting);
  CHECK(a.reply == kGranted);
  const SyncAnswer wb = b.Submit(Acquire("b", "L"));
  const SyncAnswer wc = b.Submit(Acquire("c", "L"));
  REQUIRE(wb.waiting);
  REQUIRE(wc.waiting);
  CHECK(wb.ticket != wc.ticket);
  CHECK(b.table.TakeCompletions().empty());

  b.clock = 250;
  const SyncAnswer released = b.Submit(Release("a", "L"));
  CHECK(released.status.ok());
  CHECK(released.reply == Json::object());
  const auto done = b.table.TakeCompletions();
  REQUIRE(done.size() == 1);
  CHECK(done[0].ticket == wb.ticket);
  CHECK(done[0].status.ok());
  CHECK(done[0].reply == kGranted);

  CHECK(b.Types() == std::vector<std::string>{"resource.request", "resource.grant", "resource.request",
                                              "resource.request", "resource.release", "resource.grant"});
  const auto requests = b.All<ResourceRequest>();
  CHECK(requests[0] == ResourceRequest{"a", "peer-1", "lock", "L", "acquire", 1, false, 0});
  CHECK(requests[1] == ResourceRequest{"b", "peer-1", "lock", "L", "acquire", 1, true, 0});
  CHECK(b.All<ResourceRelease>()[0] == ResourceRelease{"a", "peer-1", "lock", "L", "release", 1, "released", 1});
  CHECK(b.All<ResourceGrant>()[1] == ResourceGrant{"b", "peer-1", "lock", "L", "acquire", 1, 250.0, 0});

  const ResourceState state = b.State("L");
  CHECK(state.available == 0);
  CHECK(state.holders == std::vector<ResourceUse>{{"b", "peer-1", 1, ""}});
  CHECK(state.waiters == std::vector<ResourceUse>{{"c", "peer-1", 1, "acquire"}});
}

TEST_CASE("releasing a lock the task does not hold is refused and changes nothing", "[sync_table][lock]") {
  Bench b;
  b.Submit(Acquire("a", "L"));
  b.Submit(Acquire("b", "L"));
  const auto before = b.table.Snapshot();
  const std::size_t events = b.events.size();

  const SyncAnswer refused = b.Submit(Release("b", "L"));
  CHECK(refused.status.code() == Code::kBadRequest);
  CHECK(refused.status.message() == "task b does not hold lock L (held by a)");
  CHECK(b.Submit(Release("c", "M")).status.message() == "task c does not hold lock M (it is free)");
  CHECK(b.events.size() == events);
  CHECK(b.table.Snapshot() == before);
  CHECK(b.table.Find("M").status().code() == Code::kNotFound);  // a refused request makes nothing
  CHECK(b.table.Find("M").status().message() == "no lock, resource, semaphore or queue named M");
}

TEST_CASE("a try answers granted false and changes nothing when it would wait", "[sync_table][lock]") {
  Bench b;
  CHECK(b.Submit(Try(Acquire("a", "L"))).reply == kGranted);
  const std::size_t events = b.events.size();
  const SyncAnswer tried = b.Submit(Try(Acquire("b", "L")));
  CHECK(tried.status.ok());
  CHECK_FALSE(tried.waiting);
  CHECK(tried.reply == Json{{"granted", false}});
  CHECK(b.events.size() == events);
  CHECK(b.State("L").waiters.empty());
  CHECK(b.Submit(Try(SemOp("sem.wait", "b", "s", 0))).reply == Json{{"granted", false}});
  CHECK(b.State("s").available == 0);
}

TEST_CASE("a task makes one call at a time", "[sync_table][lock]") {
  Bench b;
  b.Submit(Acquire("a", "L"));
  REQUIRE(b.Submit(Acquire("b", "L")).waiting);
  const SyncAnswer second = b.Submit(SemOp("sem.wait", "b", "s", 1));
  CHECK(second.status.code() == Code::kBadRequest);
  CHECK(second.status.message() == "task b already waits (acquire L): a task makes one call at a time");
  CHECK(b.table.Find("s").status().code() == Code::kNotFound);
}

// ---- Names and kinds -------------------------------------------------------------------

TEST_CASE("names are 1 to 128 printable characters, and a name keeps its kind and size", "[sync_table][names]") {
  Bench b;
  CHECK(b.Submit(Acquire("a", "")).status.message() ==
        "an object's name must be 1 to 128 printable ASCII characters, got an empty one");
  CHECK(b.Submit(Acquire("a", std::string(129, 'x'))).status.code() == Code::kBadRequest);
  CHECK(b.Submit(Acquire("a", std::string(128, 'x'))).status.ok());
  CHECK(b.Submit(Acquire("a", "bad\nname")).status.message() ==
        "an object's name must be 1 to 128 printable ASCII characters, got a control or non-ASCII character at "
        "position 4");
  CHECK(b.Submit(Acquire("a", "caf\xc3\xa9")).status.code() == Code::kBadRequest);
  CHECK(b.Submit(Op("lock.steal", "L", "a")).status.code() == Code::kBadRequest);
  CHECK(b.Submit(Acquire("", "L")).status.code() == Code::kBadRequest);

  REQUIRE(b.Submit(Acquire("a", "fork-1")).status.ok());
  CHECK(b.Submit(SemOp("sem.wait", "a", "fork-1", 1)).status.message() == "fork-1 is a lock, not a semaphore");
  CHECK(b.Submit(Request("a", "fork-1", 1, 1)).status.message() == "fork-1 is a lock, not a resource");

  CHECK(b.Submit(SemOp("sem.signal", "a", "s", -1)).status.message() ==
        "a semaphore's initial value must be >= 0, got -1");
  CHECK(b.Submit(Op("sem.wait", "s", "a")).status.message() ==
        "semaphore s does not exist yet: its first use must give its initial value (>= 0)");
  REQUIRE(b.Submit(SemOp("sem.signal", "a", "s", 2)).status.ok());
  CHECK(b.Submit(SemOp("sem.wait", "a", "s", 3)).status.message() ==
        "semaphore s was made with initial value 2, not 3");
  CHECK(b.Submit(Op("sem.wait", "s", "a")).status.ok());  // later uses may leave it out

  CHECK(b.Submit(Request("a", "r", 1, 0)).status.message() == "a resource's instances must be 1 to 1000000000, got 0");
  CHECK(b.Submit(Op("resource.request", "r", "a")).status.message() ==
        "resource r does not exist yet: its first use must give its instances (>= 1)");
  REQUIRE(b.Submit(Request("a", "r", 1, 3)).status.ok());
  CHECK(b.Submit(Request("a", "r", 1, 4)).status.message() == "resource r has 3 instances, not 4");

  CHECK(b.Submit(Receive("a", "q", 0)).status.message() == "a queue's capacity must be 1 to 100000, got 0");
  CHECK(b.Submit(Receive("a", "q", 100001)).status.code() == Code::kBadRequest);
  REQUIRE(b.Submit(Send("a", "q", 1, 4)).status.ok());
  CHECK(b.Submit(Send("a", "q", 1, 5)).status.message() == "queue q has capacity 4, not 5");
}

// ---- Resources (Silberschatz 8.3) --------------------------------------------------------

TEST_CASE("a resource grants instances while they last, then serves its waiters strictly FIFO",
          "[sync_table][resource]") {
  Bench b;
  CHECK(b.Submit(Request("a", "r", 2, 3)).reply == kGranted);
  const SyncAnswer wb = b.Submit(Request("b", "r", 2, 3));
  REQUIRE(wb.waiting);
  const SyncAnswer wc = b.Submit(Request("c", "r", 1, 3));  // one is free, but b is ahead: no overtaking
  REQUIRE(wc.waiting);
  CHECK(b.All<ResourceRequest>()[2] == ResourceRequest{"c", "peer-1", "resource", "r", "request", 1, true, 1});

  REQUIRE(b.Submit(Give("a", "r", 1)).status.ok());
  auto done = b.table.TakeCompletions();
  REQUIRE(done.size() == 1);
  CHECK(done[0].ticket == wb.ticket);
  ResourceState state = b.State("r");
  CHECK(state.instances == 3);
  CHECK(state.available == 0);
  CHECK(state.holders == std::vector<ResourceUse>{{"a", "peer-1", 1, ""}, {"b", "peer-1", 2, ""}});
  CHECK(state.waiters == std::vector<ResourceUse>{{"c", "peer-1", 1, "request"}});

  REQUIRE(b.Submit(Give("a", "r", 1)).status.ok());
  done = b.table.TakeCompletions();
  REQUIRE(done.size() == 1);
  CHECK(done[0].ticket == wc.ticket);
  CHECK(b.All<ResourceRelease>().back() ==
        ResourceRelease{"a", "peer-1", "resource", "r", "release", 1, "released", 1});
  CHECK(b.All<ResourceGrant>().back().available == 0);
}

TEST_CASE("resource counts out of range and over-releases are refused and change nothing", "[sync_table][resource]") {
  Bench b;
  REQUIRE(b.Submit(Request("a", "r", 1, 3)).status.ok());
  const auto before = b.table.Snapshot();
  const std::size_t events = b.events.size();
  CHECK(b.Submit(Request("a", "r", 0, 3)).status.message() ==
        "a request of resource r must be for 1 to 3 instances, got 0");
  CHECK(b.Submit(Request("a", "r", 4, 3)).status.code() == Code::kBadRequest);
  CHECK(b.Submit(Request("a", "r", 3, 3)).status.message() ==
        "task a holds 1 of resource r and requests 3 more, but only 3 exist");
  CHECK(b.Submit(Give("a", "r", 2)).status.message() == "task a holds 1 of resource r, so it cannot release 2");
  CHECK(b.Submit(Give("b", "r", 1)).status.message() == "task b holds 0 of resource r, so it cannot release 1");
  CHECK(b.Submit(Give("a", "r", 0)).status.code() == Code::kBadRequest);
  CHECK(b.events.size() == events);
  CHECK(b.table.Snapshot() == before);
}

// ---- Semaphores (Silberschatz 6.6) -------------------------------------------------------

TEST_CASE("a semaphore counts signals made before any wait, and wakes its waiters FIFO", "[sync_table][semaphore]") {
  Bench b;
  REQUIRE(b.Submit(SemOp("sem.signal", "producer", "full", 0)).status.ok());
  CHECK(b.All<ResourceRelease>()[0] ==
        ResourceRelease{"producer", "peer-1", "semaphore", "full", "signal", 1, "released", 1});
  CHECK(b.Submit(SemOp("sem.wait", "c1", "full", 0)).reply == kGranted);
  const SyncAnswer w2 = b.Submit(SemOp("sem.wait", "c2", "full", 0));
  const SyncAnswer w3 = b.Submit(SemOp("sem.wait", "c3", "full", 0));
  REQUIRE(w2.waiting);
  REQUIRE(w3.waiting);
  CHECK(b.All<ResourceRequest>().back().available == -2);  // 6.6.2: -waiters
  CHECK(b.State("full").available == -2);
  CHECK(b.State("full").instances == 0);

  REQUIRE(b.Submit(SemOp("sem.signal", "producer", "full", 0)).status.ok());
  const auto done = b.table.TakeCompletions();
  REQUIRE(done.size() == 1);
  CHECK(done[0].ticket == w2.ticket);
  CHECK(b.State("full").available == -1);
  CHECK(b.State("full").waiters == std::vector<ResourceUse>{{"c3", "peer-1", 1, "wait"}});
}

// ---- Message queues (Silberschatz 3.7.4) ------------------------------------------------

TEST_CASE("a bounded queue: producer and consumer in order, the full sender and empty receiver wait",
          "[sync_table][queue]") {
  Bench b;
  CHECK(b.Submit(Send("producer", "q", 1, 2)).reply == kGranted);
  CHECK(b.Submit(Send("producer", "q", "two", 2)).reply == kGranted);
  const SyncAnswer full = b.Submit(Send("producer", "q", Json{{"n", 3}}, 2));
  REQUIRE(full.waiting);
  CHECK(b.State("q").available == 2);

  const SyncAnswer first = b.Submit(Receive("consumer", "q", 2));
  CHECK(first.reply == Json{{"granted", true}, {"message", 1}});
  auto done = b.table.TakeCompletions();
  REQUIRE(done.size() == 1);
  CHECK(done[0].ticket == full.ticket);  // its message is queued now
  CHECK(done[0].reply == kGranted);
  CHECK(b.Submit(Receive("consumer", "q", 2)).reply["message"] == "two");
  CHECK(b.Submit(Receive("consumer", "q", 2)).reply["message"] == Json{{"n", 3}});

  const SyncAnswer empty = b.Submit(Receive("consumer", "q", 2));
  REQUIRE(empty.waiting);
  const std::size_t before = b.events.size();
  CHECK(b.Submit(Send("producer", "q", Json::array({4, 4}), 2)).reply == kGranted);
  done = b.table.TakeCompletions();
  REQUIRE(done.size() == 1);
  CHECK(done[0].ticket == empty.ticket);
  CHECK(done[0].reply == Json{{"granted", true}, {"message", Json::array({4, 4})}});
  // The sender's request and grant, then the waiting receiver's grant; nothing was queued.
  const std::vector<Payload> handed(b.events.begin() + static_cast<std::ptrdiff_t>(before), b.events.end());
  REQUIRE(handed.size() == 3);
  CHECK(std::get<ResourceRequest>(handed[0]) ==
        ResourceRequest{"producer", "peer-1", "queue", "q", "send", 1, false, 0});
  CHECK(std::get<ResourceGrant>(handed[1]).op == "send");
  CHECK(std::get<ResourceGrant>(handed[2]).task_id == "consumer");
  CHECK(std::get<ResourceGrant>(handed[2]).op == "receive");
  CHECK(b.State("q").available == 0);
}

TEST_CASE("a message is any JSON up to 64 KiB", "[sync_table][queue]") {
  Bench b;
  const SyncAnswer big = b.Submit(Send("p", "q", std::string(70000, 'x'), 4));
  CHECK(big.status.code() == Code::kLimit);
  CHECK(big.status.message() == "a message is at most 65536 bytes as JSON; this one is 70002");
  CHECK(b.Submit(Send("p", "q", std::string("\xff\xfe"), 4)).status.code() == Code::kBadRequest);
  CHECK(b.events.empty());
  CHECK(b.Submit(Send("p", "q", nullptr, 4)).status.ok());
  CHECK(b.Submit(Receive("c", "q", 4)).reply == Json{{"granted", true}, {"message", nullptr}});
}

// ---- Timeouts and ended tasks -----------------------------------------------------------

TEST_CASE("a cancelled wait leaves its queue: lock, semaphore, resource", "[sync_table][cancel]") {
  Bench b;
  b.Submit(Acquire("a", "L"));
  const SyncAnswer w = b.Submit(Acquire("b", "L"));
  CHECK(b.table.Cancel(w.ticket, "timed out"));
  CHECK_FALSE(b.table.Cancel(w.ticket, "timed out"));  // no longer waiting
  CHECK(b.All<ResourceCancel>().back() == ResourceCancel{"b", "peer-1", "lock", "L", "acquire", 1, "timed out"});
  b.Submit(Release("a", "L"));
  CHECK(b.table.TakeCompletions().empty());  // a cancel is the caller's: no Completion
  CHECK(b.State("L").available == 1);

  const SyncAnswer s = b.Submit(SemOp("sem.wait", "b", "s", 0));
  CHECK(b.State("s").available == -1);
  CHECK(b.table.Cancel(s.ticket, "timed out"));
  CHECK(b.State("s").available == 0);  // its wait() is undone
  REQUIRE(b.Submit(SemOp("sem.signal", "a", "s", 0)).status.ok());
  CHECK(b.State("s").available == 1);

  b.Submit(Request("a", "r", 1, 2));
  const SyncAnswer head = b.Submit(Request("b", "r", 2, 2));
  const SyncAnswer behind = b.Submit(Request("c", "r", 1, 2));
  REQUIRE(behind.waiting);
  CHECK(b.table.Cancel(head.ticket, "timed out"));  // the head leaves: c fits now
  const auto done = b.table.TakeCompletions();
  REQUIRE(done.size() == 1);
  CHECK(done[0].ticket == behind.ticket);
}

TEST_CASE("a task's end releases its locks and resources to the waiters and cancels its wait", "[sync_table][ended]") {
  Bench b;
  b.Submit(Acquire("owner", "M"));
  b.Submit(Acquire("a", "L"));
  b.Submit(Request("a", "r", 2, 2));
  b.Submit(SemOp("sem.wait", "a", "s", 1));  // taken by a; not given back when a ends
  const SyncAnswer a_waits = b.Submit(Acquire("a", "M"));
  const SyncAnswer b_waits = b.Submit(Acquire("b", "L"));
  const SyncAnswer c_waits = b.Submit(Request("c", "r", 1, 2));
  REQUIRE(a_waits.waiting);
  const std::size_t before = b.events.size();

  b.table.TaskEnded("a", "killed");
  const auto done = b.table.TakeCompletions();
  REQUIRE(done.size() == 3);
  CHECK(done[0].ticket == a_waits.ticket);
  CHECK(done[0].status.code() == Code::kCancelled);
  CHECK(done[0].status.message() == "task a ended (killed) while it waited to acquire lock M");
  CHECK(done[1].ticket == b_waits.ticket);
  CHECK(done[1].status.ok());
  CHECK(done[2].ticket == c_waits.ticket);

  const std::vector<Payload> after(b.events.begin() + static_cast<std::ptrdiff_t>(before), b.events.end());
  REQUIRE(after.size() == 5);
  CHECK(std::get<ResourceCancel>(after[0]) ==
        ResourceCancel{"a", "peer-1", "lock", "M", "acquire", 1, "task ended (killed)"});
  CHECK(std::get<ResourceRelease>(after[1]) ==
        ResourceRelease{"a", "peer-1", "lock", "L", "release", 1, "task ended (killed)", 1});
  CHECK(std::get<ResourceGrant>(after[2]).task_id == "b");
  CHECK(std::get<ResourceRelease>(after[3]) ==
        ResourceRelease{"a", "peer-1", "resource", "r", "release", 2, "task ended (killed)", 2});
  CHECK(std::get<ResourceGrant>(after[4]).task_id == "c");

  CHECK(b.State("s").available == 0);  // semaphores have no owner: left as they are
  const SyncAnswer late = b.Submit(Release("a", "L"));
  CHECK(late.status.code() == Code::kNotFound);
  CHECK(late.status.message() == "task a has ended");
}

TEST_CASE("a dead peer's tasks end: what they held goes to tasks elsewhere", "[sync_table][ended]") {
  Bench b;
  b.Submit(Acquire("x", "L", "peer-2"));
  b.Submit(Request("y", "r", 1, 1));  // on peer-1
  SyncRequest on_two = Request("z", "r", 1, 1);
  on_two.peer = "peer-2";
  const SyncAnswer z = b.Submit(on_two);
  const SyncAnswer w = b.Submit(Acquire("w", "L", "peer-1"));
  CHECK(b.table.HoldersOn("peer-2") == std::vector<std::string>{"x"});
  CHECK(b.table.HoldersOn("peer-1") == std::vector<std::string>{"y"});

  b.table.PeerGone("peer-2", "lost");
  const auto done = b.table.TakeCompletions();
  REQUIRE(done.size() == 2);
  CHECK(done[0].ticket == w.ticket);
  CHECK(done[1].ticket == z.ticket);
  CHECK(done[1].status.code() == Code::kCancelled);
  CHECK(b.table.HoldersOn("peer-2").empty());
  CHECK(b.table.HoldersOn("peer-1") == std::vector<std::string>{"w", "y"});
  CHECK(b.All<ResourceRelease>().back().reason == "task ended (lost)");
}

TEST_CASE("a peer that registers again has restarted: its tasks are gone and its task ids are new ones",
          "[sync_table][ended]") {
  Bench b;
  b.Submit(Acquire("peer-2/1", "L", "peer-2"));
  b.table.TaskEnded("peer-2/1", "ok");
  CHECK(b.Submit(Acquire("peer-2/1", "L", "peer-2")).status.code() == Code::kNotFound);
  b.Submit(Acquire("peer-2/2", "M", "peer-2"));

  b.table.PeerJoined("peer-2");
  CHECK(b.table.HoldersOn("peer-2").empty());                              // peer-2/2 was on the old process
  const SyncAnswer reborn = b.Submit(Acquire("peer-2/1", "L", "peer-2"));  // the new process's first task
  CHECK(reborn.status.ok());
  CHECK(b.table.HoldersOn("peer-2") == std::vector<std::string>{"peer-2/1"});
}

// ---- Detection (Silberschatz 8.7) --------------------------------------------------------

TEST_CASE("five philosophers on locks: the wait-for graph finds the 5-cycle, published once",
          "[sync_table][deadlock]") {
  Bench b;
  b.clock = 42;
  PhilosophersDeadlock(b);
  const auto found = b.All<DeadlockFound>();
  REQUIRE(found.size() == 1);
  CHECK(found[0].cycle == std::vector<std::string>{"phil-0", "phil-1", "phil-2", "phil-3", "phil-4"});
  CHECK(found[0].resources == std::vector<std::string>{"fork-1", "fork-2", "fork-3", "fork-4", "fork-0"});
  CHECK(found[0].peers == std::vector<std::string>{"peer-1", "peer-2", "peer-1", "peer-2", "peer-1"});
  CHECK(found[0].deadlocked == found[0].cycle);
  CHECK(found[0].algorithm == "wait-for graph");
  CHECK(b.Types().back() == "deadlock.found");  // right after phil-4's request

  b.table.Detect();
  b.table.Detect();
  CHECK(b.All<DeadlockFound>().size() == 1);
  const auto reports = b.table.Deadlocks();
  REQUIRE(reports.size() == 1);
  CHECK(reports[0].found == found[0]);
  CHECK(reports[0].found_t == 42);
  CHECK(b.table.TakeCompletions().empty());  // detect only reports
}

TEST_CASE("a task acquiring a lock it holds deadlocks with itself", "[sync_table][deadlock]") {
  Bench b;
  b.Submit(Acquire("a", "L"));
  REQUIRE(b.Submit(Acquire("a", "L")).waiting);
  const auto found = b.All<DeadlockFound>();
  REQUIRE(found.size() == 1);
  CHECK(found[0].cycle == std::vector<std::string>{"a"});
  CHECK(found[0].resources == std::vector<std::string>{"L"});
}

TEST_CASE("resources: multi-instance detection names the deadlocked set and one cycle in it",
          "[sync_table][deadlock]") {
  Bench b;
  b.Submit(Request("t1", "A", 2, 2));
  b.Submit(Request("t2", "B", 2, 2));
  b.Submit(Acquire("t3", "C"));
  b.Submit(Acquire("bystander", "D"));  // holds something, waits for nothing: not deadlocked
  REQUIRE(b.Submit(Request("t1", "B", 1, 2)).waiting);
  CHECK(b.All<DeadlockFound>().empty());
  REQUIRE(b.Submit(Request("t3", "A", 1, 2)).waiting);  // t3 waits for t1's A, not in a cycle yet
  CHECK(b.All<DeadlockFound>().empty());
  REQUIRE(b.Submit(Request("t2", "A", 1, 2)).waiting);
  const auto found = b.All<DeadlockFound>();
  REQUIRE(found.size() == 1);
  CHECK(found[0].algorithm == "multi-instance detection");
  CHECK(found[0].cycle == std::vector<std::string>{"t1", "t2"});
  CHECK(found[0].resources == std::vector<std::string>{"B", "A"});
  CHECK(found[0].deadlocked == std::vector<std::string>{"t1", "t2", "t3"});
  b.table.Detect();
  CHECK(b.All<DeadlockFound>().size() == 1);
}

TEST_CASE("a resource's FIFO order is a wait too: detection sees a deadlock through it", "[sync_table][deadlock]") {
  Bench b(DeadlockMode::kRecover);
  b.Submit(Request("a", "r", 1, 2));
  const SyncAnswer head = b.Submit(Request("b", "r", 2, 2));
  b.Submit(Acquire("c", "L"));
  const SyncAnswer behind = b.Submit(Request("c", "r", 1, 2));  // one is free, but b is ahead
  REQUIRE(behind.waiting);
  CHECK(b.All<DeadlockFound>().empty());
  REQUIRE(b.Submit(Acquire("a", "L")).waiting);  // a -> c (L), c -> b (its turn), b -> a (r)
  const auto found = b.All<DeadlockFound>();
  REQUIRE(found.size() == 1);
  CHECK(found[0].cycle == std::vector<std::string>{"a", "c", "b"});
  CHECK(found[0].resources == std::vector<std::string>{"L", "r (its turn, after b)", "r"});
  CHECK(found[0].deadlocked == std::vector<std::string>{"a", "b", "c"});
  // Recover: b holds no instance (a turn is not one), so it is the victim;
  // its leaving lets c, now at the head, have the free instance.
  const auto victims = b.All<DeadlockVictim>();
  REQUIRE(victims.size() == 1);
  CHECK(victims[0] == DeadlockVictim{"b", "peer-1", 0, "holds the fewest instances (0); the youngest on a tie"});
  const auto done = b.table.TakeCompletions();
  REQUIRE(done.size() == 2);
  CHECK(done[0].ticket == head.ticket);
  CHECK(done[0].status.code() == Code::kAborted);
  CHECK(done[1].ticket == behind.ticket);
  CHECK(done[1].status.ok());
}

// ---- Recovery (Silberschatz 8.8) ----------------------------------------------------------

TEST_CASE("recover aborts the youngest of the philosophers, and the rest finish", "[sync_table][recover]") {
  Bench b(DeadlockMode::kRecover);
  const std::vector<Ticket> right = PhilosophersDeadlock(b);
  const auto types = b.Types();
  REQUIRE(types.size() >= 3);
  CHECK(std::vector<std::string>(types.end() - 3, types.end()) ==
        std::vector<std::string>{"deadlock.found", "deadlock.victim", "resource.cancel"});
  CHECK(b.All<DeadlockVictim>() ==
        std::vector<DeadlockVictim>{{"phil-4", "peer-1", 1, "holds the fewest instances (1); the youngest on a tie"}});
  CHECK(b.All<ResourceCancel>().back().reason == "aborted: deadlock victim");
  auto done = b.table.TakeCompletions();
  REQUIRE(done.size() == 1);
  CHECK(done[0].ticket == right[4]);
  CHECK(done[0].status.code() == Code::kAborted);
  CHECK(CodeName(done[0].status.code()) == "ABORTED");

  // The victim is aborting: no second victim, and it may not ask again.
  b.table.Detect();
  CHECK(b.All<DeadlockVictim>().size() == 1);
  CHECK(b.Submit(Acquire("phil-4", "fork-0", "peer-1")).status.code() == Code::kAborted);

  b.table.TaskEnded("phil-4", "aborted");  // fork-4 goes to phil-3, and so on round the table
  for (int i = 3; i >= 0; --i) {
    done = b.table.TakeCompletions();
    REQUIRE(done.size() == 1);
    CHECK(done[0].ticket == right[static_cast<std::size_t>(i)]);
    CHECK(done[0].status.ok());
    REQUIRE(b.Submit(Release(Phil(i), Fork(i))).status.ok());
    REQUIRE(b.Submit(Release(Phil(i), Fork(i + 1))).status.ok());
  }
  CHECK(b.table.TakeCompletions().empty());
  b.table.Detect();
  CHECK(b.table.Deadlocks().empty());
  CHECK(b.All<DeadlockFound>().size() == 1);
  for (int i = 0; i < 5; ++i) CHECK(b.State(Fork(i)).available == 1);
}

// ---- Avoidance (Silberschatz 8.6.3) --------------------------------------------------------

TEST_CASE("avoid: the fifth left fork waits (unsafe) and every philosopher eats, never deadlocked",
          "[sync_table][avoid]") {
  Bench b(DeadlockMode::kAvoid);
  struct Philosopher {
    int held = 0;
    bool asked_right = false;
    bool done = false;
  };
  std::vector<Philosopher> phil(5);
  std::map<Ticket, int> pending;
  auto ask = [&](int i, int fork) {
    const SyncAnswer a = b.Submit(WithClaims(Acquire(Phil(i), Fork(fork)), {{Fork(i), 1}, {Fork(i + 1), 1}}));
    REQUIRE(a.status.ok());
    if (a.waiting) {
      pending[a.ticket] = i;
    } else {
      ++phil[static_cast<std::size_t>(i)].held;
    }
  };
  for (int i = 0; i < 5; ++i) ask(i, i);
  CHECK(pending.size() == 1);
  CHECK(b.All<ResourceRequest>().back() ==
        ResourceRequest{"phil-4", "peer-1", "lock", "fork-4", "acquire", 1, true, 1});
  CHECK(b.State("fork-4").waiters == std::vector<ResourceUse>{{"phil-4", "peer-1", 1, "acquire"}});

  for (int round = 0; round < 20; ++round) {
    for (const Completion& c : b.table.TakeCompletions()) {
      REQUIRE(c.status.ok());
      ++phil[static_cast<std::size_t>(pending.at(c.ticket))].held;
    }
    for (int i = 0; i < 5; ++i) {
      Philosopher& p = phil[static_cast<std::size_t>(i)];
      if (p.held == 1 && !p.asked_right) {
        p.asked_right = true;
        ask(i, i + 1);
      }
      if (p.held == 2) {
        REQUIRE(b.Submit(Release(Phil(i), Fork(i))).status.ok());
        REQUIRE(b.Submit(Release(Phil(i), Fork(i + 1))).status.ok());
        p = Philosopher{0, true, true};
      }
    }
  }
  for (const Philosopher& p : phil) CHECK(p.done);
  b.table.Detect();
  CHECK(b.All<DeadlockFound>().empty());
  CHECK(b.table.Deadlocks().empty());
}

TEST_CASE("claims: requests outside or over them are refused, in every mode", "[sync_table][claims]") {
  for (DeadlockMode mode : {DeadlockMode::kDetect, DeadlockMode::kAvoid}) {
    Bench b(mode);
    const Claims claims{{"fork-1", 1}, {"fork-2", 1}, {"r", 1}};
    CHECK(b.Submit(WithClaims(Acquire("t", "fork-3"), claims)).status.message() ==
          "task t requests fork-3, which is not among its claims (fork-1, fork-2, r)");
    CHECK(b.Submit(WithClaims(Request("t", "r", 2, 3), claims)).status.message() ==
          "task t requests 2 of r over its claim of 1");
    REQUIRE(b.Submit(WithClaims(Request("t", "r", 1, 3), claims)).reply == kGranted);
    CHECK(b.Submit(Request("t", "r", 1, 3)).status.message() ==
          "task t holds 1 of r and requests 1 more, over its claim of 1");
    CHECK(b.Submit(WithClaims(Acquire("t", "fork-1"), {{"fork-1", 1}})).status.message() ==
          "task t declared its claims with its first request; later requests may repeat them, not change them");
    CHECK(b.Submit(WithClaims(Acquire("u", "L"), {{"L", 2}})).status.message() ==
          "task u claims 2 of lock L: a lock's claim is 1");
    CHECK(b.Submit(WithClaims(Request("u", "r", 1, 3), {{"r", 4}})).status.message() ==
          "task u claims 4 of resource r, which has 3 instances");
    CHECK(b.table.Find("L").status().code() == Code::kNotFound);
  }
}

TEST_CASE("avoid: a lock or resource request without claims is refused, while semaphores need none",
          "[sync_table][avoid]") {
  Bench b(DeadlockMode::kAvoid);
  const std::string why =
      "under --deadlock avoid a task must declare its claims (osgrid cpu --claims, osgrid.submit(claims=...))";
  CHECK(b.Submit(Acquire("t", "L")).status.message() == why);
  CHECK(b.Submit(Request("t", "r", 1, 2)).status.message() == why);
  CHECK(b.Submit(SemOp("sem.wait", "t", "s", 1)).reply == kGranted);
  CHECK(b.Submit(Send("t", "q", 1, 1)).reply == kGranted);
}

TEST_CASE("avoid: the Banker's example of Silberschatz 8.6.3.3 on resources", "[sync_table][avoid]") {
  // A = 10, B = 5, C = 7 instances; Max and Allocation as in the book.
  Bench b(DeadlockMode::kAvoid);
  const std::vector<Claims> max = {{{"A", 7}, {"B", 5}, {"C", 3}},
                                   {{"A", 3}, {"B", 2}, {"C", 2}},
                                   {{"A", 9}, {"B", 1}, {"C", 2}},
                                   {{"A", 2}, {"B", 2}, {"C", 2}},
                                   {{"A", 4}, {"B", 3}, {"C", 3}}};
  const std::vector<std::vector<std::int64_t>> allocation = {{0, 1, 0}, {2, 0, 0}, {3, 0, 2}, {2, 1, 1}, {0, 0, 2}};
  const std::map<std::string, std::int64_t> instances = {{"A", 10}, {"B", 5}, {"C", 7}};
  const std::vector<std::string> types = {"A", "B", "C"};
  for (std::size_t i = 0; i < 5; ++i) {
    for (std::size_t j = 0; j < 3; ++j) {
      if (allocation[i][j] == 0) continue;
      SyncRequest r =
          WithClaims(Request("P" + std::to_string(i), types[j], allocation[i][j], instances.at(types[j])), max[i]);
      REQUIRE(b.Submit(r).reply == kGranted);
    }
  }
  // P1 requests (1, 0, 2): granted in the book (safe).
  CHECK(b.Submit(Request("P1", "A", 1, 10)).reply == kGranted);
  CHECK(b.Submit(Request("P1", "C", 2, 7)).reply == kGranted);
  // Then P0 requests (0, 2, 0): available (2, 3, 0) covers it, but the state would be unsafe: it waits.
  const SyncAnswer p0 = b.Submit(Request("P0", "B", 2, 5));
  CHECK(p0.waiting);
  CHECK(b.State("B").available == 3);
  // P4 requests 3 of A: only 2 are available: it waits.
  CHECK(b.Submit(Request("P4", "A", 3, 10)).waiting);
  CHECK(b.All<DeadlockFound>().empty());
}

// ---- Stalls -------------------------------------------------------------------------------

TEST_CASE("a stall is reported after two sweeps in a row, once, and cleared when it ends", "[sync_table][stall]") {
  Bench b;
  REQUIRE(b.Submit(SemOp("sem.wait", "a", "full", 0)).waiting);
  REQUIRE(b.Submit(Receive("b", "q", 4)).waiting);
  const std::map<std::string, bool> live = {{"a", false}, {"b", false}, {"parent", true}};

  b.table.CheckStall(live);
  CHECK(b.All<DeadlockStall>().empty());
  CHECK_FALSE(b.table.Stall().has_value());
  b.table.CheckStall(live);
  const DeadlockStall expected{{"a", "b", "parent"}, {"semaphore full (wait)", "queue q (receive)", "child"}};
  CHECK(b.All<DeadlockStall>() == std::vector<DeadlockStall>{expected});
  CHECK(b.table.Stall() == expected);
  b.table.CheckStall(live);
  CHECK(b.All<DeadlockStall>().size() == 1);

  // Another live task that can run: no stall, and the report is cleared.
  std::map<std::string, bool> more = live;
  more["runner"] = false;
  b.table.CheckStall(more);
  CHECK_FALSE(b.table.Stall().has_value());
  b.table.CheckStall(more);
  CHECK(b.All<DeadlockStall>().size() == 1);

  // The same stall again is a new one: two more sweeps, one more event.
  b.table.CheckStall(live);
  b.table.CheckStall(live);
  CHECK(b.All<DeadlockStall>().size() == 2);
  REQUIRE(b.Submit(SemOp("sem.signal", "c", "full", 0)).status.ok());
  b.table.CheckStall(live);
  CHECK_FALSE(b.table.Stall().has_value());
}

TEST_CASE("no stall when a wait has a timeout, is on a lock, or nobody waits here", "[sync_table][stall]") {
  Bench b;
  SyncRequest timed = SemOp("sem.wait", "a", "s", 0);
  timed.has_timeout = true;
  REQUIRE(b.Submit(timed).waiting);
  for (int i = 0; i < 3; ++i) b.table.CheckStall({{"a", false}});
  b.table.CheckStall({{"child-waiter", true}});
  b.table.CheckStall({{"child-waiter", true}});
  b.table.CheckStall({});
  b.table.CheckStall({});
  CHECK(b.All<DeadlockStall>().empty());
}

// ---- The snapshot ---------------------------------------------------------------------------

TEST_CASE("the snapshot lists every object by kind then name, with holders and waiters", "[sync_table][snapshot]") {
  Bench b;
  b.Submit(Send("p", "q", "m", 3));
  b.Submit(SemOp("sem.signal", "p", "s", 0));
  b.Submit(Request("a", "r", 1, 2));
  b.Submit(Request("b", "r", 1, 2));
  b.Submit(Request("c", "r", 2, 2));
  b.Submit(Acquire("a", "L2"));
  b.Submit(Acquire("b", "L1"));
  b.Submit(Acquire("d", "L1"));
  const auto snapshot = b.table.Snapshot();
  std::vector<std::string> order;
  for (const ResourceState& s : snapshot) order.push_back(s.kind + " " + s.name);
  CHECK(order == std::vector<std::string>{"lock L1", "lock L2", "queue q", "resource r", "semaphore s"});
  CHECK(snapshot[0] == ResourceState{"lock", "L1", 1, 0, {{"b", "peer-1", 1, ""}}, {{"d", "peer-1", 1, "acquire"}}});
  CHECK(snapshot[2] == ResourceState{"queue", "q", 3, 1, {}, {}});
  CHECK(snapshot[3] ==
        ResourceState{
            "resource", "r", 2, 0, {{"a", "peer-1", 1, ""}, {"b", "peer-1", 1, ""}}, {{"c", "peer-1", 2, "request"}}});
  CHECK(snapshot[4] == ResourceState{"semaphore", "s", 0, 1, {}, {}});
}

TEST_CASE("deadlock modes by name", "[sync_table]") {
  CHECK(tracker::ParseDeadlockMode("recover").value() == DeadlockMode::kRecover);
  CHECK(tracker::DeadlockModeName(DeadlockMode::kAvoid) == "avoid");
  CHECK(tracker::ParseDeadlockMode("ignore").status().message() ==
        "unknown deadlock mode 'ignore': use detect, recover or avoid");
}

// ---- Never crash --------------------------------------------------------------------------

TEST_CASE("random requests, cancels and ends keep every object consistent", "[sync_table][random]") {
  // Mostly valid requests (every tenth has a wrong count or size), half of
  // the give-backs aimed at what the task holds; a victim is ended by its
  // "peer" as soon as its ABORTED arrives.
  const Claims claims = {{"L0", 1}, {"L1", 1}, {"L2", 1}, {"R0", 2}, {"R1", 2}};
  const std::vector<std::vector<std::string>> ops = {{"lock.acquire", "lock.release"},
                                                     {"resource.request", "resource.release"},
                                                     {"sem.wait", "sem.signal"},
                                                     {"queue.send", "queue.receive"}};
  const std::string prefix = "LRSQ";
  for (DeadlockMode mode : {DeadlockMode::kDetect, DeadlockMode::kRecover, DeadlockMode::kAvoid}) {
    Bench b(mode);
    std::mt19937 random(7);
    auto pick = [&](int n) { return static_cast<int>(random() % static_cast<unsigned>(n)); };
    std::map<Ticket, int> open;         // waiting ticket -> slot
    std::vector<int> generation(8, 0);  // an ended task's slot goes on with a new task
    auto name = [&](int slot) {
      return "t" + std::to_string(slot) + "." + std::to_string(generation[static_cast<std::size_t>(slot)]);
    };
    auto end = [&](int slot, const std::string& outcome) {
      b.table.TaskEnded(name(slot), outcome);
      ++generation[static_cast<std::size_t>(slot)];
    };
    std::map<std::string, int> outcomes;
    for (int step = 0; step < 4000; ++step) {
      const int slot = pick(8);
      const std::string task = name(slot);
      const int what = pick(40);
      if (what == 0) {
        end(slot, "failed");
      } else if (what == 1 && !open.empty()) {
        const auto it = std::next(open.begin(), pick(static_cast<int>(open.size())));
        CHECK(b.table.Cancel(it->first, "timed out"));
        open.erase(it);
      } else if (what == 2) {
        b.table.Detect();
        b.table.CheckStall({{task, false}});
      } else {
        const int kind = pick(4);
        const bool gives = pick(2) == 1;
        const int index = pick(3);
        SyncRequest r = Op(ops[static_cast<std::size_t>(kind)][gives],
                           prefix[static_cast<std::size_t>(kind)] + std::to_string(index), task);
        const bool odd = pick(10) == 0;
        r.count = odd ? pick(5) - 1 : 1 + pick(2);
        r.instances = odd ? pick(5) : 3;
        r.initial = odd ? pick(3) - 1 : index % 2;
        r.capacity = odd ? pick(3) : 2;
        r.message = step;
        r.may_wait = pick(5) != 0;
        if (mode == DeadlockMode::kAvoid || pick(2)) r.claims = claims;
        if (gives && pick(2)) {  // aim at something it holds
          for (const ResourceState& s : b.table.Snapshot()) {
            for (const ResourceUse& h : s.holders) {
              if (h.task_id == task) r.op = s.kind == "lock" ? "lock.release" : "resource.release", r.name = s.name;
            }
          }
        }
        const SyncAnswer a = b.Submit(r);
        if (a.waiting) CHECK(open.emplace(a.ticket, slot).second);
        ++outcomes[!a.status.ok() ? "refused" : a.waiting ? "waited" : "done"];
      }
      // Drain: a victim's end hands its holdings on, completing more tickets.
      for (auto done = b.table.TakeCompletions(); !done.empty(); done = b.table.TakeCompletions()) {
        for (const Completion& c : done) {
          const auto it = open.find(c.ticket);
          REQUIRE(it != open.end());
          const int slot_of = it->second;
          open.erase(it);
          if (c.status.code() == Code::kAborted) end(slot_of, "aborted");
        }
      }
      for (const ResourceState& s : b.table.Snapshot()) {
        std::int64_t held = 0;
        for (const ResourceUse& h : s.holders) held += h.count;
        if (s.kind == "lock") CHECK(held + s.available == 1);
        if (s.kind == "resource") CHECK(held + s.available == s.instances);
        if (s.kind == "semaphore" && s.available < 0) CHECK(s.waiters.size() == static_cast<std::size_t>(-s.available));
        if (s.kind == "queue") CHECK(s.available <= s.instances);
      }
    }
    INFO(tracker::DeadlockModeName(mode));
    CHECK(outcomes["done"] > 500);
    CHECK(outcomes["waited"] > 100);
    CHECK(outcomes["refused"] > 100);
    if (mode == DeadlockMode::kAvoid) {
      CHECK(b.All<DeadlockFound>().empty());  // the Banker's algorithm never lets one form
    } else {
      CHECK_FALSE(b.All<DeadlockFound>().empty());
    }
    if (mode == DeadlockMode::kRecover) CHECK_FALSE(b.All<DeadlockVictim>().empty());
    // Ending every task leaves nothing held and nothing waiting on Locks and Resources.
    for (int slot = 0; slot < 8; ++slot) end(slot, "ok");
    for (const ResourceState& s : b.table.Snapshot()) {
      if (s.kind == "lock" || s.kind == "resource") {
        CHECK(s.holders.empty());
        CHECK(s.waiters.empty());
      }
    }
  }
}
