// The tracker's cluster objects (Locks, Resources, Semaphores, MessageQueues)
// and deadlock detection, recovery and avoidance over them. The contract is
// sync_table.h; what tasks see is docs/sync.md.
//
// Sources: Silberschatz, Operating System Concepts 10e: 6.5 mutex locks and
// 6.6 semaphores (os/sync/mutex.h, semaphore.h), 3.7.4 message passing
// (os/sync/message_queue.h), 8.3 resource types with several instances,
// 8.6.3 the Banker's algorithm (os/deadlock/banker.h), 8.7.1 the wait-for
// graph and 8.7.2 detection with several instances (wait_for_graph.h,
// detection.h), 8.8.1 recovery by termination (recovery.h). This file maps
// the cluster's tasks and objects onto those algorithms' shapes (a task is a
// process Pi, numbered by age; a Lock or a Resource is a resource type Rj);
// it implements none of the algorithms itself.
//
// Decisions, each tested in sync_table_test.cpp:
//   - A task makes one call at a time: an acquiring call (acquire, request,
//     wait, send, receive) by a task that already waits is refused. So a task
//     waits for at most one thing, as the wait-for graph and the Request
//     matrix assume, and the os/ primitives can know their waiters by task.
//   - A try (may_wait false) that would have to wait takes nothing, queues
//     nothing and publishes nothing: it answers {"granted": false}. Like any
//     valid request it makes the object and numbers the task.
//   - A Resource serves its waiters strictly first come, first served: the
//     head is served as soon as its count is free, and nobody overtakes it
//     (so a large request cannot starve). A waiter therefore also waits for
//     the waiter ahead of it, and detection says so: each waiter behind
//     another requests a one-instance "turn" that the one ahead holds, so the
//     8.7.2 algorithm cannot let it finish before the one ahead.
//   - Under avoid, Locks and Resources have no queue of their own: the
//     Banker's algorithm decides (8.6.3.2), a new request as it comes, and
//     the waiting ones in arrival order after every release. A strict queue
//     there could hold back the one request the safe sequence needs next.
//   - A task's claims are those of its first request; a later request may
//     repeat them, and one that declares others is refused. A claim on an
//     object not made yet is checked against it when the task asks for it.
//   - Under avoid, a claimed Resource that nobody has made yet is left out
//     of the Banker's state (its instances are unknown). Leaving it out is
//     safe: when it is made, all its instances are free, and a column of
//     free instances never turns a safe state unsafe.
//   - A request by a task that has ended is refused with NOT_FOUND; the
//     last 10,000 ended tasks are remembered.
//   - A task waiting for a Lock it holds (Locks are not recursive) is a
//     deadlock by itself: a self-loop of the wait-for graph, reported on its
//     own. (8.7.2 cannot take that request: it could never be granted.)
#include "osgrid/tracker/sync_table.h"

#include <algorithm>
#include <array>
#include <deque>
#include <numeric>
#include <string_view>
#include <utility>
#include <variant>

#include "osgrid/os/deadlock/banker.h"
#include "osgrid/os/deadlock/detection.h"
#include "osgrid/os/deadlock/recovery.h"
#include "osgrid/os/deadlock/wait_for_graph.h"
#include "osgrid/os/sync/message_queue.h"
#include "osgrid/os/sync/mutex.h"
#include "osgrid/os/sync/semaphore.h"

namespace osgrid::tracker {
namespace {

namespace ev = os::events;
using os::ProcessId;

constexpr std::size_t kMaxNameLength = 128;
constexpr std::int64_t kMaxCount = 1'000'000'000;  // instances, initial values, claims: sums never overflow
constexpr std::int64_t kMaxCapacity = 100'000;     // messages a queue holds
constexpr std::size_t kMaxMessageBytes = 64 * 1024;
constexpr std::size_t kEndedRemembered = 10'000;  // ended tasks whose late requests are refused

enum class Kind { kLock, kResource, kSemaphore, kQueue };

std::string KindName(Kind kind) {
  switch (kind) {
    case Kind::kLock:
      return "lock";
    case Kind::kResource:
      return "resource";
    case Kind::kSemaphore:
      return "semaphore";
    case Kind::kQueue:
      return "queue";
  }
  return "lock";
}

/// Locks and Resources are what tasks hold, and what the deadlock algorithms see.
bool Holdable(Kind kind) { return kind == Kind::kLock || kind == Kind::kResource; }

/// One SYNC op: the kind of object it works on, its name in events
/// ("acquire") and whether it may wait.
struct OpInfo {
  std::string_view op;
  Kind kind;
  std::string_view verb;
  bool acquires;
};

constexpr std::array<OpInfo, 8> kOps = {{
    {"lock.acquire", Kind::kLock, "acquire", true},
    {"lock.release", Kind::kLock, "release", false},
    {"resource.request", Kind::kResource, "request", true},
    {"resource.release", Kind::kResource, "release", false},
    {"sem.wait", Kind::kSemaphore, "wait", true},
    {"sem.signal", Kind::kSemaphore, "signal", false},
    {"queue.send", Kind::kQueue, "send", true},
    {"queue.receive", Kind::kQueue, "receive", true},
}};

const OpInfo* FindOp(std::string_view op) {
  for (const OpInfo& info : kOps) {
    if (info.op == op) return &info;
  }
  return nullptr;
}

/// Text from a request, safe to echo in a message: at most 64 characters,
/// control and non-ASCII characters shown as '?'.
std::string Echo(std::string_view text) {
  std::string out;
  for (char c : text.substr(0, 64)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
  return text.size() > 64 ? out + "..." : out;
}

/// A name is 1..128 printable ASCII characters (space included).
Status CheckName(const std::string& name, std::string_view what) {
  const std::string rule = std::string(what) + " must be 1 to 128 printable ASCII characters";
  if (name.empty()) return Status::BadRequest(rule + ", got an empty one");
  if (name.size() > kMaxNameLength) return Status::BadRequest(rule + ", got " + std::to_string(name.size()));
  for (std::size_t i = 0; i < name.size(); ++i) {
    const auto c = static_cast<unsigned char>(name[i]);
    if (c < 0x20 || c >= 0x7f) {
      return Status::BadRequest(rule + ", got a control or non-ASCII character at position " + std::to_string(i + 1));
    }
  }
  return Status::Ok();
}

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) out += (out.empty() ? "" : ", ") + item;
  return out.empty() ? "none" : out;
}

// ---- Resources ------------------------------------------------------------------

/// A Resource: a type with `instances` identical instances, held per task
/// (Silberschatz 8.3), whose waiting requests are served strictly FIFO.
class ResourceType {
 public:
  explicit ResourceType(std::int64_t instances) : instances_(instances) {}

  /// request(n): granted at once (true) when nobody waits and n instances
  /// are free; otherwise the request joins the back of the queue (false).
  bool Request(ProcessId process, std::int64_t count) {
    if (waiting_.empty() && count <= available()) {
      Allocate(process, count);
      return true;
    }
    waiting_.emplace_back(process, count);
    return false;
  }
  /// Grants outside the queue (the Banker's algorithm decided). Precondition: count <= available().
  void Allocate(ProcessId process, std::int64_t count) {
    allocation_[process] += count;
    allocated_ += count;
  }
  /// release(n). Precondition: count <= HeldBy(process). Serve() next.
  void Free(ProcessId process, std::int64_t count) {
    allocated_ -= count;
    if ((allocation_[process] -= count) == 0) allocation_.erase(process);
  }
  /// Grants the head of the queue if its count is free: who got it, or nullopt.
  std::optional<ProcessId> ServeHead() {
    if (waiting_.empty() || waiting_.front().second > available()) return std::nullopt;
    const auto [process, count] = waiting_.front();
    waiting_.pop_front();
    Allocate(process, count);
    return process;
  }
  /// A waiter leaves the queue without its instances; false when it is not waiting.
  bool CancelWait(ProcessId process) {
    const auto it = std::find_if(waiting_.begin(), waiting_.end(), [&](const auto& w) { return w.first == process; });
    if (it == waiting_.end()) return false;
    waiting_.erase(it);
    return true;
  }

  std::int64_t instances() const { return instances_; }
  std::int64_t available() const { return instances_ - allocated_; }
  std::int64_t HeldBy(ProcessId process) const {
    const auto it = allocation_.find(process);
    return it == allocation_.end() ? 0 : it->second;
  }
  /// Instances held, by task (only tasks holding some).
  const std::map<ProcessId, std::int64_t>& allocation() const { return allocation_; }
  /// (task, count) waiting, front = served next.
  const std::deque<std::pair<ProcessId, std::int64_t>>& waiting() const { return waiting_; }

 private:
  std::int64_t instances_;
  std::int64_t allocated_ = 0;
  std::map<ProcessId, std::int64_t> allocation_;
  std::deque<std::pair<ProcessId, std::int64_t>> waiting_;
};

// ---- Objects, tasks and waiting requests ------------------------------------------

/// One named object: the os/ primitive of its kind, and its waiting requests.
struct Object {
  Kind kind = Kind::kLock;
  std::string name;
  std::int64_t size = 1;  // ResourceState::instances: a Lock 1, a Resource's instances, a Semaphore's initial
                          // value, a queue's capacity
  std::variant<os::Mutex, ResourceType, os::Semaphore, os::MessageQueue> state;
  std::set<Ticket> waiters;  // its waiting requests; tickets rise, so this is arrival order

  os::Mutex& lock() { return std::get<os::Mutex>(state); }
  ResourceType& resource() { return std::get<ResourceType>(state); }
  os::Semaphore& semaphore() { return std::get<os::Semaphore>(state); }
  os::MessageQueue& queue() { return std::get<os::MessageQueue>(state); }
};

/// Free instances: a Lock 1 or 0, a Resource's unallocated instances, a
/// Semaphore's value (negative: -waiters, 6.6.2), a queue's messages queued.
std::int64_t Available(const Object& object) {
  switch (object.kind) {
    case Kind::kLock:
      return std::get<os::Mutex>(object.state).owner() ? 0 : 1;
    case Kind::kResource:
      return std::get<ResourceType>(object.state).available();
    case Kind::kSemaphore:
      return std::get<os::Semaphore>(object.state).value();
    case Kind::kQueue:
      return static_cast<std::int64_t>(std::get<os::MessageQueue>(object.state).messages().size());
  }
  return 0;
}

/// Instances `process` holds: of a Lock 0 or 1, of a Resource its allocation; 0 of anything else.
std::int64_t HeldBy(const Object& object, ProcessId process) {
  if (object.kind == Kind::kLock) return std::get<os::Mutex>(object.state).owner() == process ? 1 : 0;
  if (object.kind == Kind::kResource) return std::get<ResourceType>(object.state).HeldBy(process);
  return 0;
}

/// Who holds a Lock or Resource and how many, by task number (oldest first).
std::vector<std::pair<ProcessId, std::int64_t>> Holders(const Object& object) {
  if (object.kind == Kind::kLock) {
    const auto owner = std::get<os::Mutex>(object.state).owner();
    if (!owner) return {};
    return {{*owner, 1}};
  }
  if (object.kind != Kind::kResource) return {};
  const auto& allocation = std::get<ResourceType>(object.state).allocation();
  return {allocation.begin(), allocation.end()};
}

/// A known task: numbered by its first request (its age), where it runs.
struct Task {
  ProcessId pid = 0;
  std::string id;
  std::string peer;
  std::optional<Claims> claims;   // its declared maximum claims (8.6.3 Max), from its first request
  std::optional<Ticket> waiting;  // its one waiting request
  bool aborting = false;          // chosen as a deadlock victim, not ended yet
};

/// A waiting request.
struct Waiter {
  std::string task_id;
  std::string object;
  std::string op;  // "acquire", "request", "wait", "send" or "receive"
  std::int64_t count = 1;
  double since = 0;  // its resource.request, on the tracker's clock
  bool has_timeout = false;
};

/// What an object is or will be, for the checks before it exists.
struct Shape {
  Kind kind;
  std::int64_t size;
};

}  // namespace

// ---- Modes ------------------------------------------------------------------------

std::string_view DeadlockModeName(DeadlockMode mode) {
  switch (mode) {
    case DeadlockMode::kDetect:
      return "detect";
    case DeadlockMode::kRecover:
      return "recover";
    case DeadlockMode::kAvoid:
      return "avoid";
  }
  return "detect";
}

Result<DeadlockMode> ParseDeadlockMode(std::string_view name) {
  for (DeadlockMode mode : {DeadlockMode::kDetect, DeadlockMode::kRecover, DeadlockMode::kAvoid}) {
    if (DeadlockModeName(mode) == name) return mode;
  }
  return Status::BadRequest("unknown deadlock mode '" + Echo(name) + "': use detect, recover or avoid");
}

// ---- The table --------------------------------------------------------------------

struct SyncTable::Impl {
  DeadlockMode mode;
  EventPublisher publish;
  NowMs now;

  std::map<std::string, Object> objects;  // by name
  std::map<std::string, Task> tasks;      // live tasks that made a request, by id
  std::map<ProcessId, std::string> task_of;
  ProcessId next_pid = 0;
  std::set<std::string> ended;  // the last kEndedRemembered tasks that ended
  std::deque<std::string> ended_order;
  std::map<Ticket, Waiter> waiting;  // every waiting request, in arrival order
  Ticket next_ticket = 1;
  std::vector<Completion> completions;
  std::vector<DeadlockReport> deadlocks;
  std::optional<ev::DeadlockStall> stall_seen;  // a stall seen at the last CheckStall
  std::optional<ev::DeadlockStall> stall;       // the stall reported, while it holds

  Impl(DeadlockMode m, EventPublisher p, NowMs n) : mode(m), publish(std::move(p)), now(std::move(n)) {}

  double Now() const { return now ? now() : 0.0; }
  void Publish(ev::Payload payload) const {
    if (publish) publish(std::move(payload));
  }

  const Task* FindTask(const std::string& id) const {
    const auto it = tasks.find(id);
    return it == tasks.end() ? nullptr : &it->second;
  }
  Task& TaskOf(ProcessId pid) { return tasks.at(task_of.at(pid)); }
  const Task& TaskOf(ProcessId pid) const { return tasks.at(task_of.at(pid)); }

  // ---- Checks: a refused request changes nothing --------------------------------

  /// The object `name` as it is, or as this request would make it.
  std::optional<Shape> ShapeOf(const std::string& name, const OpInfo& op, const SyncRequest& request) const {
    const auto it = objects.find(name);
    if (it != objects.end()) return Shape{it->second.kind, it->second.size};
    if (name != request.name) return std::nullopt;
    switch (op.kind) {
      case Kind::kLock:
        return Shape{Kind::kLock, 1};
      case Kind::kResource:
        return Shape{Kind::kResource, request.instances.value_or(0)};
      case Kind::kSemaphore:
        return Shape{Kind::kSemaphore, request.initial.value_or(0)};
      case Kind::kQueue:
        return Shape{Kind::kQueue, request.capacity.value_or(0)};
    }
    return std::nullopt;
  }

  /// The kind, and the instances / initial value / capacity: required and in
  /// range the first time, equal to the object's afterwards when given.
  Status CheckObject(const OpInfo& op, const SyncRequest& request) const {
    const auto it = objects.find(request.name);
    if (it != objects.end() && it->second.kind != op.kind) {
      return Status::BadRequest(request.name + " is a " + KindName(it->second.kind) + ", not a " + KindName(op.kind));
    }
    const Object* existing = it == objects.end() ? nullptr : &it->second;
    switch (op.kind) {
      case Kind::kLock:
        return Status::Ok();
      case Kind::kResource:
        return CheckResource(request, existing);
      case Kind::kSemaphore:
        return CheckSemaphore(request, existing);
      case Kind::kQueue:
        return CheckQueue(request, existing);
    }
    return Status::Ok();
  }

  static Status CheckResource(const SyncRequest& request, const Object* existing) {
    const std::optional<std::int64_t>& given = request.instances;
    if (existing) {
      if (!given || *given == existing->size) return Status::Ok();
      return Status::BadRequest("resource " + request.name + " has " + std::to_string(existing->size) +
                                " instances, not " + std::to_string(*given));
    }
    if (!given) {
      return Status::BadRequest("resource " + request.name +
                                " does not exist yet: its first use must give its instances (>= 1)");
    }
    if (*given < 1 || *given > kMaxCount) {
      return Status::BadRequest("a resource's instances must be 1 to " + std::to_string(kMaxCount) + ", got " +
                                std::to_string(*given));
    }
    return Status::Ok();
  }

  static Status CheckSemaphore(const SyncRequest& request, const Object* existing) {
    const std::optional<std::int64_t>& given = request.initial;
    if (existing) {
      if (!given || *given == existing->size) return Status::Ok();
      return Status::BadRequest("semaphore " + request.name + " was made with initial value " +
                                std::to_string(existing->size) + ", not " + std::to_string(*given));
    }
    if (!given) {
      return Status::BadRequest("semaphore " + request.name +
                                " does not exist yet: its first use must give its initial value (>= 0)");
    }
    if (auto made = os::Semaphore::Counting(*given); !made) return Status::BadRequest(made.error().message);
    if (*given > kMaxCount) {
      return Status::BadRequest("a semaphore's initial value must be <= " + std::to_string(kMaxCount) + ", got " +
                                std::to_string(*given));
    }
    return Status::Ok();
  }

  static Status CheckQueue(const SyncRequest& request, const Object* existing) {
    const std::optional<std::int64_t>& given = request.capacity;
    if (existing) {
      if (!given || *given == existing->size) return Status::Ok();
      return Status::BadRequest("queue " + request.name + " has capacity " + std::to_string(existing->size) + ", not " +
                                std::to_string(*given));
    }
    if (!given) {
      return Status::BadRequest("queue " + request.name +
                                " does not exist yet: its first use must give its capacity (>= 1)");
    }
    if (*given < 1 || *given > kMaxCapacity) {
      return Status::BadRequest("a queue's capacity must be 1 to " + std::to_string(kMaxCapacity) + ", got " +
                                std::to_string(*given));
    }
    return Status::Ok();
  }

  /// A claim on an object that exists (or that this request makes): a Lock's
  /// claim is 1, a Resource's at most its instances, nothing else is claimed.
  static Status CheckClaimShape(const std::string& task_id, const std::string& name, std::int64_t claim,
                                const Shape& shape) {
    if (!Holdable(shape.kind)) {
      return Status::BadRequest("task " + task_id + " claims " + KindName(shape.kind) + " " + name +
                                ": claims name Locks and Resources only");
    }
    if (shape.kind == Kind::kLock && claim != 1) {
      return Status::BadRequest("task " + task_id + " claims " + std::to_string(claim) + " of lock " + name +
                                ": a lock's claim is 1");
    }
    if (claim > shape.size) {
      return Status::BadRequest("task " + task_id + " claims " + std::to_string(claim) + " of resource " + name +
                                ", which has " + std::to_string(shape.size) + " instances");
    }
    return Status::Ok();
  }

  /// Claims given with a request: checked on the task's first request, then
  /// only compared with those it declared then.
  Status CheckDeclaredClaims(const OpInfo& op, const SyncRequest& request, const Task* task) const {
    if (!request.claims) return Status::Ok();
    if (task) {
      if (task->claims == request.claims) return Status::Ok();
      return Status::BadRequest("task " + request.task_id +
                                " declared its claims with its first request; later requests may repeat them, "
                                "not change them");
    }
    for (const auto& [name, claim] : *request.claims) {
      if (Status s = CheckName(name, "a claimed object's name"); !s.ok()) return s;
      if (claim < 1 || claim > kMaxCount) {
        return Status::BadRequest("task " + request.task_id + " claims " + std::to_string(claim) + " of " + name +
                                  ": a claim must be 1 to " + std::to_string(kMaxCount));
      }
      if (const auto shape = ShapeOf(name, op, request)) {
        if (Status s = CheckClaimShape(request.task_id, name, claim, *shape); !s.ok()) return s;
      }
    }
    return Status::Ok();
  }

  /// A Lock or Resource request against the task's claims: named in them,
  /// and within them with what it already holds.
  Status CheckWithinClaims(const SyncRequest& request, const Claims& claims, const Shape& shape, std::int64_t held,
                           std::int64_t count) const {
    const auto it = claims.find(request.name);
    if (it == claims.end()) {
      std::vector<std::string> names;
      for (const auto& entry : claims) names.push_back(entry.first);
      return Status::BadRequest("task " + request.task_id + " requests " + request.name +
                                ", which is not among its claims (" + Join(names) + ")");
    }
    if (Status s = CheckClaimShape(request.task_id, request.name, it->second, shape); !s.ok()) return s;
    if (held + count <= it->second) return Status::Ok();
    const std::string over = " over its claim of " + std::to_string(it->second);
    if (held == 0) {
      return Status::BadRequest("task " + request.task_id + " requests " + std::to_string(count) + " of " +
                                request.name + over);
    }
    return Status::BadRequest("task " + request.task_id + " holds " + std::to_string(held) + " of " + request.name +
                              " and requests " + std::to_string(count) + " more," + over);
  }

  /// Lock and Resource requests: counts, claims, and avoid's rule.
  Status CheckAcquire(const OpInfo& op, const SyncRequest& request, const Task* task, const Shape& shape) const {
    const std::int64_t count = op.kind == Kind::kResource ? request.count : 1;
    const auto object = objects.find(request.name);
    const std::int64_t held = task && object != objects.end() ? HeldBy(object->second, task->pid) : 0;
    if (op.kind == Kind::kResource) {
      if (count < 1 || count > shape.size) {
        return Status::BadRequest("a request of resource " + request.name + " must be for 1 to " +
                                  std::to_string(shape.size) + " instances, got " + std::to_string(count));
      }
      if (held + count > shape.size) {
        return Status::BadRequest("task " + request.task_id + " holds " + std::to_string(held) + " of resource " +
                                  request.name + " and requests " + std::to_string(count) + " more, but only " +
                                  std::to_string(shape.size) + " exist");
      }
    }
    const std::optional<Claims>& claims = task ? task->claims : request.claims;
    if (claims) return CheckWithinClaims(request, *claims, shape, held, count);
    if (mode == DeadlockMode::kAvoid) {
      return Status::BadRequest(
          "under --deadlock avoid a task must declare its claims (osgrid cpu --claims, osgrid.submit(claims=...))");
    }
    return Status::Ok();
  }

  /// Releases: only what the task holds.
  Status CheckRelease(const OpInfo& op, const SyncRequest& request, const Task* task) const {
    const auto object = objects.find(request.name);
    const ProcessId pid = task ? task->pid : 0;
    if (op.kind == Kind::kLock) {
      const os::Mutex* lock = object == objects.end() ? nullptr : &std::get<os::Mutex>(object->second.state);
      if (task && lock && lock->owner() == pid) return Status::Ok();
      const std::string holder =
          lock && lock->owner() ? "held by " + task_of.at(*lock->owner()) : std::string("it is free");
      return Status::BadRequest("task " + request.task_id + " does not hold lock " + request.name + " (" + holder +
                                ")");
    }
    if (op.kind != Kind::kResource) return Status::Ok();
    if (request.count < 1) {
      return Status::BadRequest("a release of resource " + request.name + " must be of 1 or more instances, got " +
                                std::to_string(request.count));
    }
    const std::int64_t held = task && object != objects.end() ? HeldBy(object->second, pid) : 0;
    if (request.count <= held) return Status::Ok();
    return Status::BadRequest("task " + request.task_id + " holds " + std::to_string(held) + " of resource " +
                              request.name + ", so it cannot release " + std::to_string(request.count));
  }

  /// Every check, in order; Ok when the request may go ahead.
  Status Check(const OpInfo& op, const SyncRequest& request) const {
    if (request.task_id.empty()) return Status::BadRequest("a sync request must name its task (task_id)");
    if (Status s = CheckName(request.name, "an object's name"); !s.ok()) return s;
    if (ended.count(request.task_id)) return Status::NotFound("task " + request.task_id + " has ended");
    const Task* task = FindTask(request.task_id);
    if (op.acquires && task && task->aborting) {
      return Status::Aborted("task " + request.task_id + " was aborted as a deadlock victim");
    }
    if (op.acquires && task && task->waiting) {
      const Waiter& w = waiting.at(*task->waiting);
      return Status::BadRequest("task " + request.task_id + " already waits (" + w.op + " " + w.object +
                                "): a task makes one call at a time");
    }
    if (Status s = CheckObject(op, request); !s.ok()) return s;
    if (Status s = CheckDeclaredClaims(op, request, task); !s.ok()) return s;
    if (!op.acquires) return CheckRelease(op, request, task);
    if (Holdable(op.kind)) return CheckAcquire(op, request, task, *ShapeOf(request.name, op, request));
    return Status::Ok();
  }

  /// A message as JSON text: at most 64 KiB (LIMIT); not JSON text (e.g. invalid UTF-8) is BAD_REQUEST.
  static Result<std::string> MessageText(const Json& message) {
    std::string text;
    try {
      text = message.dump();
    } catch (const Json::exception& error) {
      return Status::BadRequest(std::string("a message must be JSON text: ") + error.what());
    }
    if (text.size() > kMaxMessageBytes) {
      return Status::Limit("a message is at most " + std::to_string(kMaxMessageBytes) + " bytes as JSON; this one is " +
                           std::to_string(text.size()));
    }
    return text;
  }

  // ---- Making tasks and objects -----------------------------------------------------

  Task& Register(const SyncRequest& request) {
    auto [it, made] = tasks.try_emplace(request.task_id);
    if (made) {
      it->second = Task{next_pid++, request.task_id, request.peer, request.claims, std::nullopt, false};
      task_of[it->second.pid] = request.task_id;
    }
    return it->second;
  }

  Object& Make(const OpInfo& op, const SyncRequest& request) {
    if (auto it = objects.find(request.name); it != objects.end()) return it->second;
    const Shape shape = *ShapeOf(request.name, op, request);
    Object object{shape.kind, request.name, shape.size, os::Mutex{}, {}};
    if (shape.kind == Kind::kResource) object.state = ResourceType(shape.size);
    if (shape.kind == Kind::kSemaphore) object.state = *os::Semaphore::Counting(shape.size);  // checked >= 0
    if (shape.kind == Kind::kQueue) object.state = os::MessageQueue(static_cast<std::size_t>(shape.size));
    return objects.emplace(request.name, std::move(object)).first->second;
  }

  void RememberEnded(const std::string& task_id) {
    if (!ended.insert(task_id).second) return;
    ended_order.push_back(task_id);
    if (ended_order.size() > kEndedRemembered) {
      ended.erase(ended_order.front());
      ended_order.pop_front();
    }
  }

  // ---- Events ---------------------------------------------------------------------

  void PublishRequest(const Task& task, const Object& object, std::string_view op, std::int64_t count, bool blocked,
                      std::int64_t available) const {
    Publish(ev::ResourceRequest{task.id, task.peer, KindName(object.kind), object.name, std::string(op), count, blocked,
                                available});
  }

  void PublishRelease(const Task& task, const Object& object, std::string_view op, std::int64_t count,
                      const std::string& reason) const {
    Publish(ev::ResourceRelease{task.id, task.peer, KindName(object.kind), object.name, std::string(op), count, reason,
                                Available(object)});
  }

  /// Granted at once: resource.request (not blocked), then resource.grant.
  void PublishGrantedNow(const Task& task, const Object& object, std::string_view op, std::int64_t count,
                         std::int64_t available) const {
    PublishRequest(task, object, op, count, false, available);
    Publish(ev::ResourceGrant{task.id, task.peer, KindName(object.kind), object.name, std::string(op), count, 0.0,
                              available});
  }

  // ---- Waiting requests -----------------------------------------------------------

  Ticket Enqueue(Task& task, Object& object, std::string_view op, std::int64_t count, bool has_timeout) {
    const Ticket ticket = next_ticket++;
    waiting.emplace(ticket, Waiter{task.id, object.name, std::string(op), count, Now(), has_timeout});
    object.waiters.insert(ticket);
    task.waiting = ticket;
    return ticket;
  }

  /// Forgets a waiting request everywhere but in the object's os/ queue.
  Waiter Dequeue(Ticket ticket) {
    Waiter waiter = std::move(waiting.at(ticket));
    waiting.erase(ticket);
    objects.at(waiter.object).waiters.erase(ticket);
    tasks.at(waiter.task_id).waiting.reset();
    return waiter;
  }

  /// The waiting request of a task an os/ primitive just woke.
  Ticket TicketOf(ProcessId pid) { return *TaskOf(pid).waiting; }

  /// A waiting request was granted: resource.grant, and its Completion.
  void Grant(Ticket ticket, Json reply, std::int64_t available) {
    const Waiter waiter = Dequeue(ticket);
    const Task& task = tasks.at(waiter.task_id);
    const Object& object = objects.at(waiter.object);
    Publish(ev::ResourceGrant{task.id, task.peer, KindName(object.kind), object.name, waiter.op, waiter.count,
                              std::max(0.0, Now() - waiter.since), available});
    completions.push_back(Completion{ticket, Status::Ok(), std::move(reply)});
  }

  /// A waiting request ends without a grant: it leaves its object's queue
  /// (the os/ CancelWait methods), resource.cancel says why, and `why`, if
  /// given, completes it. A Resource may then serve the waiters behind it.
  void Withdraw(Ticket ticket, const std::string& reason, const std::optional<Status>& why) {
    const Waiter waiter = Dequeue(ticket);
    const Task& task = tasks.at(waiter.task_id);
    Object& object = objects.at(waiter.object);
    LeaveQueue(object, task.pid, waiter.op);
    Publish(
        ev::ResourceCancel{task.id, task.peer, KindName(object.kind), object.name, waiter.op, waiter.count, reason});
    if (why) completions.push_back(Completion{ticket, *why, Json::object()});
    if (object.kind == Kind::kResource) ServeResource(object);
  }

  /// Takes `pid` out of the object's own queue. Under avoid, Lock and
  /// Resource requests wait outside it, and CancelWait finds nothing.
  static void LeaveQueue(Object& object, ProcessId pid, const std::string& op) {
    switch (object.kind) {
      case Kind::kLock:
        object.lock().CancelWait(pid);
        break;
      case Kind::kResource:
        object.resource().CancelWait(pid);
        break;
      case Kind::kSemaphore:
        object.semaphore().CancelWait(pid);
        break;
      case Kind::kQueue:
        if (op == "send") {
          object.queue().CancelSend(pid);
        } else {
          object.queue().CancelReceive(pid);
        }
        break;
    }
  }

  /// A Resource's FIFO: grants from the head while its count is free.
  void ServeResource(Object& object) {
    while (const auto served = object.resource().ServeHead()) {
      Grant(TicketOf(*served), {{"granted", true}}, object.resource().available());
    }
  }

  // ---- Acquiring: acquire, request, wait, send, receive ----------------------------

  /// Whether the request would have to wait now (for a try).
  bool WouldWait(Object& object, const Task& task, std::int64_t count, std::string_view op) {
    switch (object.kind) {
      case Kind::kLock:
      case Kind::kResource:
        if (mode == DeadlockMode::kAvoid) return count > Available(object) || !BankerGrants(task, object, count);
        if (object.kind == Kind::kLock) return object.lock().owner().has_value();
        return !object.resource().waiting().empty() || count > object.resource().available();
      case Kind::kSemaphore:
        return object.semaphore().value() <= 0;
      case Kind::kQueue:
        if (op == "send") {
          return object.queue().blocked_receivers().empty() &&
                 object.queue().messages().size() >= object.queue().capacity();
        }
        return object.queue().messages().empty() && object.queue().blocked_senders().empty();
    }
    return false;
  }

  /// A Lock or Resource: under avoid the Banker's algorithm decides, else the object's queue.
  bool TakeHoldable(Object& object, const Task& task, std::int64_t count) {
    if (mode == DeadlockMode::kAvoid) {
      if (count > Available(object) || !BankerGrants(task, object, count)) return false;
      Take(object, task.pid, count);
      return true;
    }
    if (object.kind == Kind::kLock) return object.lock().Lock(task.pid);
    return object.resource().Request(task.pid, count);
  }

  /// Grants a Lock or Resource outside its queue. Precondition: free.
  static void Take(Object& object, ProcessId pid, std::int64_t count) {
    if (object.kind == Kind::kLock) {
      object.lock().Lock(pid);
    } else {
      object.resource().Allocate(pid, count);
    }
  }

  SyncAnswer Acquire(const OpInfo& op, Task& task, Object& object, const SyncRequest& request, std::string text) {
    const std::int64_t count = op.kind == Kind::kResource ? request.count : 1;
    if (!request.may_wait && WouldWait(object, task, count, op.verb)) {
      return SyncAnswer{Status::Ok(), false, 0, {{"granted", false}}};
    }
    switch (object.kind) {
      case Kind::kLock:
      case Kind::kResource:
        if (TakeHoldable(object, task, count)) return GrantedNow(task, object, op.verb, count);
        return Wait(task, object, op.verb, count, request.has_timeout);
      case Kind::kSemaphore:
        if (object.semaphore().Wait(task.pid)) return GrantedNow(task, object, op.verb, 1);
        return Wait(task, object, op.verb, 1, request.has_timeout);
      case Kind::kQueue:
        if (op.verb == "send") return Send(task, object, request, std::move(text));
        return Receive(task, object, request);
    }
    return {};
  }

  SyncAnswer GrantedNow(const Task& task, const Object& object, std::string_view op, std::int64_t count) {
    PublishGrantedNow(task, object, op, count, Available(object));
    return SyncAnswer{Status::Ok(), false, 0, {{"granted", true}}};
  }

  /// The request waits: resource.request (blocked), then detection when it
  /// waits for a Lock or Resource.
  SyncAnswer Wait(Task& task, Object& object, std::string_view op, std::int64_t count, bool has_timeout) {
    const Ticket ticket = Enqueue(task, object, op, count, has_timeout);
    PublishRequest(task, object, op, count, true, Available(object));
    if (Holdable(object.kind)) Detect();
    return SyncAnswer{Status::Ok(), true, ticket, Json::object()};
  }

  /// send: to a waiting receiver, into the queue, or the sender waits with its message (3.7.4).
  SyncAnswer Send(Task& task, Object& object, const SyncRequest& request, std::string text) {
    const os::MessageQueue::SendResult sent = object.queue().Send(task.pid, std::move(text));
    if (sent.blocked) return Wait(task, object, "send", 1, request.has_timeout);
    PublishGrantedNow(task, object, "send", 1, Available(object));
    if (sent.woken) Grant(TicketOf(*sent.woken), {{"granted", true}, {"message", request.message}}, Available(object));
    return SyncAnswer{Status::Ok(), false, 0, {{"granted", true}}};
  }

  /// receive: the oldest message (a waiting sender's moves in), or the receiver waits.
  SyncAnswer Receive(Task& task, Object& object, const SyncRequest& request) {
    os::MessageQueue::ReceiveResult got = object.queue().Receive(task.pid);
    if (!got.message) return Wait(task, object, "receive", 1, request.has_timeout);
    const std::int64_t after = Available(object);  // a woken sender's message is queued already
    PublishGrantedNow(task, object, "receive", 1, got.woken ? after - 1 : after);
    if (got.woken) Grant(TicketOf(*got.woken), {{"granted", true}}, after);
    return SyncAnswer{
        Status::Ok(), false, 0, {{"granted", true}, {"message", Json::parse(*got.message, nullptr, false)}}};
  }

  // ---- Giving back: release, signal -------------------------------------------------

  SyncAnswer Give(Task& task, Object& object, const SyncRequest& request) {
    switch (object.kind) {
      case Kind::kLock:
        ReleaseLock(task, object, "released");
        break;
      case Kind::kResource:
        ReleaseResource(task, object, request.count, "released");
        break;
      case Kind::kSemaphore:
        Signal(task, object);
        break;
      case Kind::kQueue:
        break;  // no op gives back to a queue
    }
    if (mode == DeadlockMode::kAvoid) RetryAvoid();
    return SyncAnswer{Status::Ok(), false, 0, Json::object()};
  }

  /// release(): resource.release (the lock free for a moment), then the
  /// first waiter's grant when Mutex::Unlock handed it over (6.5, FIFO).
  void ReleaseLock(const Task& task, Object& object, const std::string& reason) {
    const os::Mutex::UnlockResult result = object.lock().Unlock(task.pid);
    Publish(ev::ResourceRelease{task.id, task.peer, "lock", object.name, "release", 1, reason, 1});
    if (result.woken) Grant(TicketOf(*result.woken), {{"granted", true}}, 0);
  }

  void ReleaseResource(const Task& task, Object& object, std::int64_t count, const std::string& reason) {
    object.resource().Free(task.pid, count);
    PublishRelease(task, object, "release", count, reason);
    ServeResource(object);
  }

  /// signal(): value += 1, and the first waiter's wait() completes (6.6.2).
  void Signal(const Task& task, Object& object) {
    const std::optional<ProcessId> woken = object.semaphore().Signal();
    PublishRelease(task, object, "signal", 1, "released");
    if (woken) Grant(TicketOf(*woken), {{"granted", true}}, Available(object));
  }

  // ---- Avoid: the Banker's algorithm (8.6.3) ------------------------------------------

  /// The Banker's state: every live task that declared claims (oldest
  /// first) and every Lock or Resource named in a claim that exists (a
  /// Resource not made yet has no known instances). Max = the claims (at
  /// most the instances), Allocation = what each holds, Available = free.
  struct BankerModel {
    os::BankerState state;
    std::vector<ProcessId> rows;
    std::vector<std::string> columns;
  };

  BankerModel BuildBanker() const {
    BankerModel model;
    std::set<std::string> names;
    for (const auto& [id, task] : tasks) {
      if (!task.claims) continue;
      model.rows.push_back(task.pid);
      for (const auto& [name, claim] : *task.claims) {
        const auto it = objects.find(name);
        if (it != objects.end() && Holdable(it->second.kind)) names.insert(name);
      }
    }
    std::sort(model.rows.begin(), model.rows.end());
    model.columns.assign(names.begin(), names.end());
    for (const std::string& name : model.columns) model.state.available.push_back(Available(objects.at(name)));
    for (ProcessId pid : model.rows) {
      const Task& task = tasks.at(task_of.at(pid));
      os::ResourceVector max, allocation;
      for (const std::string& name : model.columns) {
        const Object& object = objects.at(name);
        const auto claim = task.claims->find(name);
        max.push_back(claim == task.claims->end() ? 0 : std::min(claim->second, object.size));
        allocation.push_back(HeldBy(object, pid));
      }
      model.state.max.push_back(std::move(max));
      model.state.allocation.push_back(std::move(allocation));
    }
    model.state.resource_names = model.columns;
    return model;
  }

  /// os::RequestResources (8.6.3.2): true when it grants `count` of `object`
  /// to `task` (available, and the state stays safe). kWait and kDenied:
  /// false, the request waits. An error cannot happen (the claims checks keep
  /// the state valid); it is taken as "wait".
  bool BankerGrants(const Task& task, const Object& object, std::int64_t count) const {
    const BankerModel model = BuildBanker();
    const auto row = std::find(model.rows.begin(), model.rows.end(), task.pid);
    const auto column = std::find(model.columns.begin(), model.columns.end(), object.name);
    if (row == model.rows.end() || column == model.columns.end()) return false;
    os::ResourceVector request(model.columns.size(), 0);
    request[static_cast<std::size_t>(column - model.columns.begin())] = count;
    const auto result = os::RequestResources(model.state, static_cast<std::size_t>(row - model.rows.begin()), request);
    return result.ok() && result->granted;
  }

  /// After a release: the waiting Lock and Resource requests, in arrival
  /// order, each granted if it is available and safe now. One pass is
  /// enough: a grant never makes another request safer.
  void RetryAvoid() {
    for (auto it = waiting.begin(); it != waiting.end();) {
      const Ticket ticket = it->first;
      const Waiter& waiter = it->second;
      ++it;  // Grant() erases `ticket` only
      Object& object = objects.at(waiter.object);
      const Task& task = tasks.at(waiter.task_id);
      if (!Holdable(object.kind) || waiter.count > Available(object)) continue;
      if (!BankerGrants(task, object, waiter.count)) continue;
      Take(object, task.pid, waiter.count);
      Grant(ticket, {{"granted", true}}, Available(object));
    }
  }

  // ---- Detection (8.7) and recovery (8.8) ---------------------------------------------

  /// The tasks and objects detection looks at, in the shapes of os/deadlock.
  /// Rows: the tasks holding or waiting for a Lock or Resource, oldest
  /// first, without the victims still aborting (they count as finished: what
  /// they hold is Available). Columns: the Locks and Resources by name, then
  /// one "turn" per Resource waiter behind another, held by the one ahead and
  /// requested by the one behind (strict FIFO as a wait).
  struct DetectionModel {
    std::vector<ProcessId> rows;
    std::map<ProcessId, std::size_t> row_of;        // the inverse of rows
    std::size_t holdable = 0;                       // the first columns: Locks and Resources
    std::vector<std::size_t> self_waits;            // rows waiting for a Lock they hold
    std::map<std::size_t, std::string> lock_waits;  // row -> the Lock it waits for
    bool resource_waits = false;                    // someone waits for a Resource
    os::DetectionState state;                       // n x m: built only when resource_waits (8.7.2 needs it)
  };

  /// The rows and who waits for what; the matrices of 8.7.2 only when a
  /// Resource is waited for. With Locks alone, the wait-for graph needs
  /// none of them, and n x m matrices would make each blocking request cost
  /// O(tasks x Locks) for nothing.
  DetectionModel BuildModel() const {
    DetectionModel model;
    std::vector<const Object*> columns;
    std::set<ProcessId> involved;
    for (const auto& [name, object] : objects) {
      if (!Holdable(object.kind)) continue;
      columns.push_back(&object);
      for (const auto& [pid, held] : Holders(object)) {
        if (!TaskOf(pid).aborting) involved.insert(pid);
      }
      for (Ticket ticket : object.waiters) involved.insert(tasks.at(waiting.at(ticket).task_id).pid);
      if (object.kind == Kind::kResource && !object.waiters.empty()) model.resource_waits = true;
    }
    model.rows.assign(involved.begin(), involved.end());
    model.holdable = columns.size();
    for (std::size_t i = 0; i < model.rows.size(); ++i) model.row_of[model.rows[i]] = i;
    for (const Object* object : columns) NoteLockWaits(model, *object);
    for (ProcessId pid : model.rows) model.state.process_names.push_back(task_of.at(pid));
    if (!model.resource_waits) return model;
    model.state.allocation.assign(model.rows.size(), {});
    model.state.request.assign(model.rows.size(), {});
    for (const Object* object : columns) AddObjectColumn(model, *object);
    for (const Object* object : columns) {
      if (object->kind == Kind::kResource) AddTurns(model, *object);
    }
    return model;
  }

  /// Which rows wait for `object`, if it is a Lock, and which of them hold it already.
  void NoteLockWaits(DetectionModel& model, const Object& object) const {
    if (object.kind != Kind::kLock) return;
    const auto owner = std::get<os::Mutex>(object.state).owner();
    for (Ticket ticket : object.waiters) {
      const ProcessId pid = tasks.at(waiting.at(ticket).task_id).pid;
      const std::size_t i = model.row_of.at(pid);
      model.lock_waits[i] = object.name;
      if (owner == pid) model.self_waits.push_back(i);  // never grantable: 8.7.2 refuses such a request
    }
  }

  /// A new column of 0s, named `name`, with `available` free.
  static std::size_t AddColumn(DetectionModel& model, const std::string& name, std::int64_t available) {
    for (auto& row : model.state.allocation) row.push_back(0);
    for (auto& row : model.state.request) row.push_back(0);
    model.state.available.push_back(available);
    model.state.resource_names.push_back(name);
    return model.state.available.size() - 1;
  }

  /// A Lock or Resource: Available (with the victims' holdings), Allocation, Request.
  void AddObjectColumn(DetectionModel& model, const Object& object) const {
    const std::size_t j = AddColumn(model, object.name, Available(object));
    for (const auto& [pid, held] : Holders(object)) {
      if (TaskOf(pid).aborting) {
        model.state.available[j] += held;
      } else {
        model.state.allocation[model.row_of.at(pid)][j] = held;
      }
    }
    for (Ticket ticket : object.waiters) {
      const Waiter& waiter = waiting.at(ticket);
      const std::size_t i = model.row_of.at(tasks.at(waiter.task_id).pid);
      if (object.kind == Kind::kLock && model.state.allocation[i][j] > 0) continue;  // a self-wait (NoteLockWaits)
      model.state.request[i][j] = waiter.count;
    }
  }

  /// The waiter behind requests the turn that the one ahead holds.
  void AddTurns(DetectionModel& model, const Object& object) const {
    const auto& row_of = model.row_of;
    const auto& queue = std::get<ResourceType>(object.state).waiting();
    for (std::size_t k = 1; k < queue.size(); ++k) {
      const ProcessId ahead = queue[k - 1].first, behind = queue[k].first;
      const std::size_t j = AddColumn(model, object.name + " (its turn, after " + task_of.at(ahead) + ")", 0);
      model.state.allocation[row_of.at(ahead)][j] = 1;
      model.state.request[row_of.at(behind)][j] = 1;
    }
  }

  /// deadlock.found for a cycle of rows: who, what each waits for, where.
  ev::DeadlockFound Found(const DetectionModel& model, const std::vector<std::size_t>& cycle,
                          const std::vector<std::string>& waits_for, std::vector<std::size_t> deadlocked,
                          std::string algorithm) const {
    ev::DeadlockFound found;
    for (std::size_t row : cycle) {
      found.cycle.push_back(model.state.process_names[row]);
      found.peers.push_back(TaskOf(model.rows[row]).peer);
    }
    found.resources = waits_for;
    std::sort(deadlocked.begin(), deadlocked.end());  // rows are oldest first
    for (std::size_t row : deadlocked) found.deadlocked.push_back(model.state.process_names[row]);
    found.algorithm = std::move(algorithm);
    return found;
  }

  /// Only Locks waited for: the wait-for graph (8.7.1), an edge from each
  /// waiting task to the owner of its Lock. Each task waits for one Lock, so
  /// the cycles are disjoint: each is a deadlock of its own.
  std::vector<ev::DeadlockFound> WaitForGraphDeadlocks(const DetectionModel& model) const {
    std::vector<ev::DeadlockFound> found;
    std::set<std::size_t> reported;
    while (true) {
      os::Digraph graph(model.rows.size());
      for (const auto& [row, lock] : model.lock_waits) {
        const auto owner = std::get<os::Mutex>(objects.at(lock).state).owner();  // none: avoid's waits
        if (!owner || reported.count(row)) continue;
        const auto to = model.row_of.find(*owner);  // absent: a victim
        if (to == model.row_of.end()) continue;
        graph.AddEdge(static_cast<std::uint32_t>(row), static_cast<std::uint32_t>(to->second));
      }
      std::vector<std::uint32_t> cycle = os::FindCycle(graph);
      if (cycle.empty()) return found;
      std::rotate(cycle.begin(), std::min_element(cycle.begin(), cycle.end()), cycle.end());  // oldest first
      const std::vector<std::size_t> rows(cycle.begin(), cycle.end());
      std::vector<std::string> locks;
      for (std::size_t row : rows) locks.push_back(model.lock_waits.at(row));
      found.push_back(Found(model, rows, locks, rows, "wait-for graph"));
      reported.insert(rows.begin(), rows.end());
    }
  }

  /// Resources waited for too: multi-instance detection (8.7.2), each Lock a
  /// type of one instance, and FindDeadlockCycle for one cycle inside the
  /// deadlocked set. A task waiting for a Lock it holds is reported first,
  /// as a cycle of one; 8.7.2 then sees it as requesting nothing.
  std::vector<ev::DeadlockFound> MultiInstanceDeadlocks(const DetectionModel& model) const {
    std::vector<ev::DeadlockFound> found;
    for (std::size_t row : model.self_waits) {
      found.push_back(Found(model, {row}, {model.lock_waits.at(row)}, {row}, "wait-for graph"));
    }
    const auto result = os::DetectDeadlock(model.state);
    if (!result.ok() || !result->deadlock()) return found;  // an error cannot happen: requests are checked
    const os::DeadlockCycle cycle = os::FindDeadlockCycle(model.state, *result);
    std::vector<std::string> waits_for;
    for (std::size_t j : cycle.resources) waits_for.push_back(model.state.resource_names[j]);
    found.push_back(Found(model, cycle.processes, waits_for, result->deadlocked, "multi-instance detection"));
    return found;
  }

  /// Detection now: publishes each deadlock whose set of tasks was not
  /// reported yet (and under recover aborts its victim); forgets those that
  /// no longer hold.
  void Detect() {
    const DetectionModel model = BuildModel();
    std::vector<ev::DeadlockFound> found;
    if (!model.rows.empty()) {
      found = model.resource_waits ? MultiInstanceDeadlocks(model) : WaitForGraphDeadlocks(model);
    }
    std::vector<DeadlockReport> still;
    std::vector<ev::DeadlockFound> fresh;
    for (ev::DeadlockFound& deadlock : found) {
      const auto known = std::find_if(deadlocks.begin(), deadlocks.end(), [&](const DeadlockReport& report) {
        return report.found.deadlocked == deadlock.deadlocked;
      });
      if (known != deadlocks.end()) {
        still.push_back(*known);
      } else {
        still.push_back(DeadlockReport{deadlock, Now()});
        fresh.push_back(std::move(deadlock));
      }
    }
    deadlocks = std::move(still);
    for (const ev::DeadlockFound& deadlock : fresh) {
      Publish(deadlock);
      if (mode == DeadlockMode::kRecover) AbortVictim(model, deadlock);
    }
  }

  /// Recovery by termination (8.8.1): os::ChooseVictim picks, among the
  /// deadlocked tasks, the one holding the fewest instances, the youngest on
  /// a tie (rows are oldest first). Turns are not instances: they are left
  /// out of the cost. Its waiting request completes with ABORTED; its peer
  /// ends it, and TaskEnded releases what it holds.
  /// Lock and Resource instances `pid` holds.
  std::int64_t InstancesHeldBy(ProcessId pid) const {
    std::int64_t held = 0;
    for (const auto& [name, object] : objects) {
      if (!Holdable(object.kind)) continue;
      for (const auto& [holder, count] : Holders(object)) {
        if (holder == pid) held += count;
      }
    }
    return held;
  }

  void AbortVictim(const DetectionModel& model, const ev::DeadlockFound& deadlock) {
    // The cost: one row per deadlocked task, oldest first, with the Lock and
    // Resource instances it holds (turns are not instances).
    std::vector<std::size_t> rows;
    for (const std::string& id : deadlock.deadlocked) rows.push_back(model.row_of.at(tasks.at(id).pid));
    std::sort(rows.begin(), rows.end());
    os::DetectionState cost;
    std::vector<std::size_t> candidates;
    for (std::size_t row : rows) {
      candidates.push_back(cost.allocation.size());
      cost.allocation.push_back({InstancesHeldBy(model.rows[row])});
    }
    const std::size_t victim = os::ChooseVictim(cost, candidates);
    const std::int64_t held = cost.allocation[victim][0];
    Task& task = TaskOf(model.rows[rows[victim]]);
    task.aborting = true;
    const std::string rule = "holds the fewest instances (" + std::to_string(held) + "); the youngest on a tie";
    Publish(ev::DeadlockVictim{task.id, task.peer, held, rule});
    if (task.waiting) {
      Withdraw(*task.waiting, "aborted: deadlock victim",
               Status::Aborted("task " + task.id + " was aborted as a deadlock victim: it " + rule));
    }
  }

  // ---- A task's end -----------------------------------------------------------------

  /// Its waiting request is cancelled, then its Locks and Resources are
  /// released (by name) to their waiters. Semaphores and queues are left as
  /// they are: they have no owner, and undoing the task's waits and signals
  /// would guess at what the program meant (docs/sync.md).
  void TaskEnded(const std::string& task_id, const std::string& outcome) {
    RememberEnded(task_id);
    const auto it = tasks.find(task_id);
    if (it == tasks.end()) return;
    Task& task = it->second;
    const std::string reason = "task ended (" + outcome + ")";
    if (task.waiting) {
      const Waiter& waiter = waiting.at(*task.waiting);
      const std::string what = waiter.op + " " + KindName(objects.at(waiter.object).kind) + " " + waiter.object;
      Withdraw(*task.waiting, reason,
               Status(Code::kCancelled, "task " + task_id + " ended (" + outcome + ") while it waited to " + what));
    }
    for (auto& [name, object] : objects) {
      const std::int64_t held = HeldBy(object, task.pid);
      if (held == 0) continue;
      if (object.kind == Kind::kLock) ReleaseLock(task, object, reason);
      if (object.kind == Kind::kResource) ReleaseResource(task, object, held, reason);
    }
    task_of.erase(task.pid);
    tasks.erase(it);
    std::erase_if(deadlocks, [&](const DeadlockReport& report) {
      const auto& set = report.found.deadlocked;
      return std::find(set.begin(), set.end(), task_id) != set.end();
    });
    if (stall && std::find(stall->tasks.begin(), stall->tasks.end(), task_id) != stall->tasks.end()) {
      stall.reset();
      stall_seen.reset();
    }
    if (mode == DeadlockMode::kAvoid) RetryAvoid();
  }

  // ---- Stalls -----------------------------------------------------------------------

  /// What each live task waits on, when every one waits on a Semaphore or a
  /// queue here with no timeout, or for a child, and one at least waits here.
  std::optional<ev::DeadlockStall> StallOf(const std::map<std::string, bool>& live) const {
    ev::DeadlockStall found;
    bool here = false;
    for (const auto& [id, on_child] : live) {
      std::string what = on_child ? "child" : "";
      const Task* task = FindTask(id);
      if (task && task->waiting) {
        const Waiter& waiter = waiting.at(*task->waiting);
        const Object& object = objects.at(waiter.object);
        if (Holdable(object.kind) || waiter.has_timeout) return std::nullopt;
        what = KindName(object.kind) + " " + object.name + " (" + waiter.op + ")";
        here = true;
      }
      if (what.empty()) return std::nullopt;  // it can run
      found.tasks.push_back(id);
      found.waiting.push_back(what);
    }
    if (!here) return std::nullopt;
    return found;
  }

  /// The same stall at two calls in a row is published, once.
  void CheckStall(const std::map<std::string, bool>& live) {
    const std::optional<ev::DeadlockStall> now_seen = StallOf(live);
    if (!now_seen) {
      stall_seen.reset();
      stall.reset();
      return;
    }
    if (stall == now_seen) return;  // reported, and it still holds
    if (stall_seen == now_seen) {
      stall = now_seen;
      Publish(*now_seen);
      return;
    }
    stall.reset();
    stall_seen = now_seen;
  }

  // ---- The snapshot -----------------------------------------------------------------

  ev::ResourceState StateOf(const Object& object) const {
    ev::ResourceState state{KindName(object.kind), object.name, object.size, Available(object), {}, {}};
    for (const auto& [pid, held] : Holders(object)) {
      const Task& task = tasks.at(task_of.at(pid));
      state.holders.push_back(ev::ResourceUse{task.id, task.peer, held, ""});
    }
    for (Ticket ticket : object.waiters) {
      const Waiter& waiter = waiting.at(ticket);
      state.waiters.push_back(ev::ResourceUse{waiter.task_id, tasks.at(waiter.task_id).peer, waiter.count, waiter.op});
    }
    return state;
  }
};

// ---- SyncTable ------------------------------------------------------------------------

SyncTable::SyncTable(DeadlockMode mode, EventPublisher publish, NowMs now)
    : impl_(std::make_unique<Impl>(mode, std::move(publish), std::move(now))) {}

SyncTable::~SyncTable() = default;

DeadlockMode SyncTable::mode() const { return impl_->mode; }

Status SyncTable::SetMode(DeadlockMode mode) {
  if (mode == impl_->mode) return Status::Ok();
  if (mode == DeadlockMode::kAvoid || impl_->mode == DeadlockMode::kAvoid) {
    std::size_t in_use = 0;  // Locks and Resources held or waited for
    for (const auto& [name, object] : impl_->objects) {
      if (Holdable(object.kind) && !Holders(object).empty()) ++in_use;
    }
    for (const auto& [ticket, waiter] : impl_->waiting) {
      if (Holdable(impl_->objects.at(waiter.object).kind)) ++in_use;
    }
    if (in_use > 0) {
      return Status::BadRequest(
          "cannot switch between " + std::string(DeadlockModeName(impl_->mode)) + " and " +
          std::string(DeadlockModeName(mode)) + " while Locks or Resources are held or waited for (" +
          std::to_string(in_use) +
          "): the Banker's algorithm must see every allocation from the start; switch once they are free");
    }
  }
  impl_->mode = mode;
  return Status::Ok();
}

SyncAnswer SyncTable::Submit(const SyncRequest& request) {
  const OpInfo* op = FindOp(request.op);
  if (!op) {
    return {Status::BadRequest("unknown sync op '" + Echo(request.op) +
                               "': use lock.acquire, lock.release, resource.request, resource.release, sem.wait, "
                               "sem.signal, queue.send or queue.receive")};
  }
  if (Status checked = impl_->Check(*op, request); !checked.ok()) return {checked};
  std::string text;  // queue.send: the message as JSON text
  if (op->verb == "send") {
    Result<std::string> message = Impl::MessageText(request.message);
    if (!message.ok()) return {message.status()};
    text = std::move(message).value();
  }
  Task& task = impl_->Register(request);
  Object& object = impl_->Make(*op, request);
  if (!op->acquires) return impl_->Give(task, object, request);
  return impl_->Acquire(*op, task, object, request, std::move(text));
}

std::vector<Completion> SyncTable::TakeCompletions() { return std::exchange(impl_->completions, {}); }

bool SyncTable::Cancel(Ticket ticket, const std::string& reason) {
  if (!impl_->waiting.count(ticket)) return false;
  impl_->Withdraw(ticket, reason, std::nullopt);
  return true;
}

void SyncTable::TaskEnded(const std::string& task_id, const std::string& outcome) {
  impl_->TaskEnded(task_id, outcome);
}

void SyncTable::PeerGone(const std::string& peer, const std::string& outcome) {
  std::vector<std::pair<ProcessId, std::string>> on_peer;  // oldest first
  for (const auto& [id, task] : impl_->tasks) {
    if (task.peer == peer) on_peer.emplace_back(task.pid, id);
  }
  std::sort(on_peer.begin(), on_peer.end());
  for (const auto& [pid, id] : on_peer) impl_->TaskEnded(id, outcome);
}

void SyncTable::PeerJoined(const std::string& peer) {
  PeerGone(peer, "lost");
  // A restarted peer numbers its tasks from 1 again: its new "peer-1/1" is not the one that ended.
  const std::string prefix = peer + "/";
  std::erase_if(impl_->ended, [&](const std::string& id) { return id.starts_with(prefix); });
  std::erase_if(impl_->ended_order, [&](const std::string& id) { return id.starts_with(prefix); });
}

void SyncTable::Detect() { impl_->Detect(); }

void SyncTable::CheckStall(const std::map<std::string, bool>& live) { impl_->CheckStall(live); }

std::vector<DeadlockReport> SyncTable::Deadlocks() const { return impl_->deadlocks; }

std::optional<os::events::DeadlockStall> SyncTable::Stall() const { return impl_->stall; }

std::vector<os::events::ResourceState> SyncTable::Snapshot() const {
  std::vector<const Object*> order;
  for (const auto& [name, object] : impl_->objects) order.push_back(&object);
  std::stable_sort(order.begin(), order.end(),
                   [](const Object* a, const Object* b) { return KindName(a->kind) < KindName(b->kind); });
  std::vector<os::events::ResourceState> states;
  for (const Object* object : order) states.push_back(impl_->StateOf(*object));
  return states;
}

Result<os::events::ResourceState> SyncTable::Find(const std::string& name) const {
  const auto it = impl_->objects.find(name);
  if (it == impl_->objects.end()) {
    return Status::NotFound("no lock, resource, semaphore or queue named " + Echo(name));
  }
  return impl_->StateOf(it->second);
}

std::vector<std::string> SyncTable::HoldersOn(const std::string& peer) const {
  std::set<std::string> holders;
  for (const auto& [name, object] : impl_->objects) {
    for (const auto& [pid, held] : Holders(object)) {
      const Task& task = impl_->TaskOf(pid);
      if (task.peer == peer) holders.insert(task.id);
    }
  }
  return {holders.begin(), holders.end()};
}

}  // namespace osgrid::tracker
