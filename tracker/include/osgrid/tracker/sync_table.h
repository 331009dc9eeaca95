// The tracker's cluster synchronisation objects (docs/sync.md).
//
// Tasks on any peer share Locks, Resources (several instances), Semaphores
// and MessageQueues by name. The tracker owns them all in one SyncTable: a
// plain object with no I/O, no clock and no threads, so it is unit-tested
// without a network and the tracker's handlers stay thin. The tracker
// feeds it each SYNC request, each timeout, each task's end and each sweep,
// and sends the replies it hands back.
//
// The objects are the textbook's, from os/sync: a Lock is an os::Mutex, a
// Semaphore an os::Semaphore (strong: FIFO), a MessageQueue an
// os::MessageQueue; a Resource is a count of instances with an owner per
// instance, as in Silberschatz 8.3. Tasks are numbered (os::ProcessId) in
// the order of their first request, which is the age the victim rule reads.
//
// Deadlock (Silberschatz 8.6-8.8):
//   - detect: after every request that must wait, and at each sweep, the
//     wait-for graph (os/deadlock/wait_for_graph.h, 8.7.1) when only Locks
//     are waited on, else multi-instance detection (os/deadlock/detection.h,
//     8.7.2) with each Lock a type of one instance. A deadlock is published
//     once (deadlock.found) until its set of tasks changes.
//   - recover: as detect, then aborts the victim of os::ChooseVictim
//     (recovery.h): its waiting request completes with ABORTED; it is
//     "aborting" until TaskEnded, and counts as finishing in detection,
//     so no second victim is taken for the same deadlock.
//   - avoid: a Lock or Resource is granted only when os::RequestResources
//     (banker.h, 8.6.3.2) grants it, with each task's declared claims as its
//     Max; otherwise the request waits, and waiting requests are tried again
//     in arrival order after every release.
// Stalls (deadlock.stall): CheckStall, at each sweep.
//
// Events: every change is published through the EventPublisher, at once
// and in order (resource.request/grant/release/cancel, deadlock.found,
// deadlock.victim, deadlock.stall), so the tracker's snapshot (Snapshot())
// and the stream agree at every seq.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "osgrid/net/json.h"
#include "osgrid/net/status.h"
#include "osgrid/os/events/events.h"

namespace osgrid::tracker {

/// --deadlock.
enum class DeadlockMode { kDetect, kRecover, kAvoid };
/// "detect", "recover", "avoid".
std::string_view DeadlockModeName(DeadlockMode mode);
/// The mode of a name; BAD_REQUEST naming the three for anything else.
Result<DeadlockMode> ParseDeadlockMode(std::string_view name);

/// A task's declared maximum claims, by object name (a Lock's is 1).
using Claims = std::map<std::string, std::int64_t>;

/// One SYNC request, decoded (net/messages.cpp checks the types).
struct SyncRequest {
  /// "lock.acquire", "lock.release", "resource.request", "resource.release",
  /// "sem.wait", "sem.signal", "queue.send", "queue.receive".
  std::string op;
  std::string name;                       // the object: 1..128 printable characters
  std::string task_id;                    // who asks
  std::string peer;                       // where it runs
  std::int64_t count = 1;                 // resource.request/release: instances, >= 1
  std::optional<std::int64_t> instances;  // resource.*: its total; required the first time
  std::optional<std::int64_t> initial;    // sem.*: its initial value, >= 0; required the first time
  std::optional<std::int64_t> capacity;   // queue.*: >= 1; required the first time
  Json message;                           // queue.send: any JSON value
  std::optional<Claims> claims;           // the task's claims, when it declared any
  bool may_wait = true;                   // false: a try (timeout 0): refuse at once rather than wait
  bool has_timeout = false;               // the caller will Cancel() it after a timeout (stalls ignore it)
};

/// A request's number while it waits.
using Ticket = std::uint64_t;

/// What Submit() says.
struct SyncAnswer {
  Status status;                // not ok: refused, nothing changed (BAD_REQUEST ...)
  bool waiting = false;         // ok and waiting: `ticket` completes later (TakeCompletions) or is cancelled
  Ticket ticket = 0;            // when waiting
  Json reply = Json::object();  // ok and done: {"granted": true, "message": ...} for a receive, {"granted": false}
                                // for a try that would have waited; {} otherwise
};

/// A waiting request that ended: granted, or refused (ABORTED: a victim).
struct Completion {
  Ticket ticket = 0;
  Status status;                // ok: granted; else the error for the task
  Json reply = Json::object();  // as SyncAnswer::reply
};

/// What detection found, for `osgrid deadlock` (and its event).
struct DeadlockReport {
  os::events::DeadlockFound found;
  double found_t = 0;  // ms on the tracker's clock
};

class SyncTable {
 public:
  using EventPublisher = std::function<void(os::events::Payload)>;
  using NowMs = std::function<double()>;  // the tracker's clock, for waited_ms and found_t

  SyncTable(DeadlockMode mode, EventPublisher publish, NowMs now);
  ~SyncTable();
  SyncTable(const SyncTable&) = delete;
  SyncTable& operator=(const SyncTable&) = delete;

  DeadlockMode mode() const;
  /// Switches the mode for the requests that follow (DEADLOCK's `mode`).
  /// Into or out of avoid only while no Lock or Resource is held or waited
  /// for, since the Banker's algorithm must see every allocation from its
  /// start; BAD_REQUEST saying so otherwise. Between detect and recover at
  /// any time.
  Status SetMode(DeadlockMode mode);

  /// One request. Done at once, waiting (detection runs then; under recover
  /// a victim's Completion may be ready right after), or refused with a
  /// clear error that changes nothing: a bad name, a name of another kind,
  /// instances/initial/capacity that disagree with the object's, releasing
  /// what the task does not hold, a count < 1 or over the instances, a
  /// request outside or over the task's claims, a claim over an object's
  /// instances, a task that already ended.
  SyncAnswer Submit(const SyncRequest& request);
  /// Waiting requests that have completed since the last call (grants after
  /// a release or signal, victims), in the order they completed.
  std::vector<Completion> TakeCompletions();
  /// The caller gave up on `ticket` (its timeout passed, its connection
  /// closed): it leaves the object's queue (resource.cancel with `reason`).
  /// False when it is no longer waiting (completed already).
  bool Cancel(Ticket ticket, const std::string& reason);
  /// `task_id` ended (task.finished, task.zombie, or its peer died): its
  /// Locks and Resources are released to the next waiters, its waiting
  /// requests cancelled (their Completions carry `why`), and it is
  /// forgotten. Later requests by it are refused. `outcome` goes in reasons.
  void TaskEnded(const std::string& task_id, const std::string& outcome);
  /// Every task known on `peer` ended (the peer died): TaskEnded for each.
  void PeerGone(const std::string& peer, const std::string& outcome);
  /// `peer` (re-)registered: a process that may have restarted, so the tasks
  /// known on it are gone (PeerGone, "lost") and the ended task ids it
  /// numbered ("peer/N") are forgotten, since it numbers from 1 again.
  void PeerJoined(const std::string& peer);
  /// Detection now (detect and recover; avoid never deadlocks on Locks and
  /// Resources, but runs it too). Publishes a deadlock not yet reported.
  void Detect();
  /// Stall check, once per sweep: `live` is every live task of the cluster
  /// (from the event stream) with whether it is blocked in osgrid.wait for a
  /// child. Publishes deadlock.stall when every live task waits on a
  /// Semaphore or MessageQueue without a timeout (or for a child), at least
  /// one of them here, at two calls in a row, once per such set.
  void CheckStall(const std::map<std::string, bool>& live);

  /// The deadlocks found and not yet broken (each still holds), newest last.
  std::vector<DeadlockReport> Deadlocks() const;
  /// The stall reported and still in force, if any.
  std::optional<os::events::DeadlockStall> Stall() const;
  /// Every object, by kind then name (the snapshot's `resources`).
  std::vector<os::events::ResourceState> Snapshot() const;
  /// One object; NOT_FOUND ("no lock, resource, semaphore or queue named X") otherwise.
  Result<os::events::ResourceState> Find(const std::string& name) const;
  /// Tasks holding Locks or Resources on `peer` (for tests and STATUS).
  std::vector<std::string> HoldersOn(const std::string& peer) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace osgrid::tracker
