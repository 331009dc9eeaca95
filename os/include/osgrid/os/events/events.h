// The event vocabulary: everything that happens in osgrid, said the same way
// by the live nodes (tracker, peers) and by the simulators (`osgrid sim`).
//
// An Event is a common header (seq, epoch, t, node) and one payload, a plain
// struct per dotted type ("task.running"). These are value types with no
// JSON inside: the simulators in os/ build them, the JSON codec lives in
// net/ (osgrid/net/events.h), and docs/events.md is generated from that
// codec's catalogue. The issue that introduced the stream (issue 15) is the
// reference for names and fields; add to this file rather than inventing a
// private shape elsewhere.
//
// What events reveal: ids, names, sizes, states and times. Never program
// text, arguments, results, memory values or file contents.
//
// Units: every time and duration is in ms on the live cluster; in a
// simulation it is the simulator's own time unit (the trace header names
// it), though the field names keep their "_ms" suffix. Sizes are bytes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace osgrid::os::events {

// ---- peers -----------------------------------------------------------------

/// A peer registered with the tracker (published by the tracker).
struct PeerJoined {
  static constexpr std::string_view kType = "peer.joined";
  std::string peer;     // its id, e.g. "peer-9001"
  std::string address;  // "host:port" other nodes use to reach it
  int cores = 0;        // tasks it runs at once

  bool operator==(const PeerJoined&) const = default;
};

/// A peer left on purpose (it said goodbye, or was told to stop).
struct PeerLeft {
  static constexpr std::string_view kType = "peer.left";
  std::string peer;
  std::string reason;  // "shutdown", "replaced" (re-registered under the same id)

  bool operator==(const PeerLeft&) const = default;
};

/// The tracker stopped hearing a peer's heartbeats and declared it dead.
struct PeerDead {
  static constexpr std::string_view kType = "peer.dead";
  std::string peer;
  double silent_ms = 0;  // since its last heartbeat

  bool operator==(const PeerDead&) const = default;
};

/// A peer's load, as its heartbeat reports it.
struct PeerLoad {
  static constexpr std::string_view kType = "peer.load";
  std::string peer;
  int running = 0;  // tasks running now
  int queued = 0;   // tasks in its ready queue
  int cores = 0;
  std::uint64_t mem_keys = 0;         // keys in its key-value memory
  std::uint64_t mem_used_bytes = 0;   // bytes they take
  std::uint64_t disk_used_bytes = 0;  // bytes in its file store

  bool operator==(const PeerLoad&) const = default;
};

// ---- tasks -----------------------------------------------------------------
// Every task event names the task by its cluster-wide id and its parent
// task when it has one. For one task a subscriber sees, in causal order:
// submitted -> [forwarded] -> queued -> running -> ([preempted|blocked] ->
// [queued] -> running)* -> [zombie] -> finished. A task submitted by a task
// (a process tree, as os/proc/process_table.h models it) is a zombie when it
// ends before its parent waits for it, and may be reparented at any point
// before its finished, when its parent ends first. On a CPU whose context
// switches are counted (the simulators), a cpu.switch naming the task as `to`
// comes between a queued and the running that follows it.

/// A client's task was accepted by a peer (or, in a simulation, arrived).
struct TaskSubmitted {
  static constexpr std::string_view kType = "task.submitted";
  std::string task_id;                // cluster-wide, e.g. "peer-9001/17"; in a simulation the job's name
  std::optional<std::string> parent;  // the task that submitted it, if a task did
  std::string name;                   // the function's name, or the job's name
  std::string peer;                   // the peer that accepted it; "" in a simulation
  std::optional<int> priority;        // its priority, lower = more urgent; none when it has none

  bool operator==(const TaskSubmitted&) const = default;
};

/// The tracker placed a task on another peer (published by the tracker,
/// before the peer that asked is told where: see docs/events.md, "Order").
struct TaskForwarded {
  static constexpr std::string_view kType = "task.forwarded";
  std::string task_id;
  std::optional<std::string> parent;
  std::string from;  // the busy peer
  std::string to;    // the peer that will run it

  bool operator==(const TaskForwarded&) const = default;
};

/// A task joined a ready queue.
struct TaskQueued {
  static constexpr std::string_view kType = "task.queued";
  std::string task_id;
  std::optional<std::string> parent;
  std::string peer;             // whose ready queue; "" in a simulation
  int queue_length = 0;         // tasks in that ready queue, this one included
  std::optional<int> position;  // where it stands in that queue in the order the policy will run it, 1 = next;
                                // none when the policy's order can change with no task queued or run (lottery,
                                // aging, an MLFQ boost: os::ReadyQueuePolicy::PositionOf) or the publisher
                                // does not say

  bool operator==(const TaskQueued&) const = default;
};

/// A task got a CPU.
struct TaskRunning {
  static constexpr std::string_view kType = "task.running";
  std::string task_id;
  std::optional<std::string> parent;
  std::string peer;

  bool operator==(const TaskRunning&) const = default;
};

/// A running task was stopped and sent back to the ready queue.
struct TaskPreempted {
  static constexpr std::string_view kType = "task.preempted";
  std::string task_id;
  std::optional<std::string> parent;
  std::string peer;
  std::string reason;  // "quantum" (its time slice ended) or "preempted" (a more urgent task came)
  double cpu_ms = 0;   // CPU time it has used so far (0 when the publisher does not say)

  bool operator==(const TaskPreempted&) const = default;
};

/// A running task stopped to wait (for I/O in a simulation, for a cluster
/// resource on the live nodes).
struct TaskBlocked {
  static constexpr std::string_view kType = "task.blocked";
  std::string task_id;
  std::optional<std::string> parent;
  std::string peer;
  std::string on;     // "io", or the resource's name
  double cpu_ms = 0;  // CPU time it has used so far (0 when the publisher does not say)

  bool operator==(const TaskBlocked&) const = default;
};

/// How a task ended.
enum class Outcome {
  kOk,         // "ok": it returned
  kFailed,     // "failed": it raised, or could not start
  kTimeout,    // "timeout": its time limit passed and it was stopped
  kCancelled,  // "cancelled": someone cancelled it
  kKilled,     // "killed": a limit (memory, output) or a signal ended it
  kAborted,    // "aborted": chosen as a deadlock victim
  kLost,       // "lost": the peer that ran it died
};

/// "ok", "failed", ... as on the wire.
std::string_view OutcomeName(Outcome outcome);
/// The Outcome of a wire name; nullopt for a name that is not one.
std::optional<Outcome> ParseOutcome(std::string_view name);
/// Every Outcome, in declaration order (for messages and docs that list them).
const std::vector<Outcome>& AllOutcomes();

/// A task ended before its parent waited for it: a zombie (Silberschatz
/// 3.3.2), holding its outcome, until its parent reaps it (osgrid.wait) or
/// ends; its task.finished follows then. Published by the parent's peer.
struct TaskZombie {
  static constexpr std::string_view kType = "task.zombie";
  std::string task_id;
  std::optional<std::string> parent;  // the parent that has not waited yet
  std::string peer;                   // where it ran
  Outcome outcome = Outcome::kOk;

  bool operator==(const TaskZombie&) const = default;
};

/// A task's parent ended first: the orphan is adopted by its parent's
/// peer's init, "<peer>/init" (Silberschatz 3.3.2), which reaps it when it ends.
struct TaskReparented {
  static constexpr std::string_view kType = "task.reparented";
  std::string task_id;
  std::optional<std::string> parent;  // the new parent, "<peer>/init"
  std::string from;                   // the parent that ended
  std::string peer;                   // the peer whose init adopted it

  bool operator==(const TaskReparented&) const = default;
};

/// A task ended, for good.
struct TaskFinished {
  static constexpr std::string_view kType = "task.finished";
  std::string task_id;
  std::optional<std::string> parent;
  std::string peer;
  Outcome outcome = Outcome::kOk;
  double wait_ms = 0;        // time ready but not running (in ready queues, forwarding included)
  double cpu_ms = 0;         // CPU time of the process (a simulation: its CPU bursts)
  double turnaround_ms = 0;  // submitted -> finished

  bool operator==(const TaskFinished&) const = default;
};

/// The CPU was handed from one task to another: a context switch. It occupies
/// the CPU for [t, t + cost_ms), in which neither task runs; the task.running
/// of `to` follows at its end (or at t when the cost is 0). `from` is the
/// last task dispatched, which may have stopped earlier (the CPU idled in
/// between). Published by the simulators, which count a switch whenever the
/// task dispatched differs from the last one (see os/sched/simulator.h).
struct CpuSwitch {
  static constexpr std::string_view kType = "cpu.switch";
  std::string from;    // task_id of the last task dispatched
  std::string to;      // task_id of the task switched to
  std::string peer;    // whose CPU; "" in a simulation
  double cost_ms = 0;  // how long the switch takes; 0 = counted, but free

  bool operator==(const CpuSwitch&) const = default;
};

/// A peer's ready queue stopped following the policy it was given and went
/// on under FCFS, for the rest of the peer's life: the student's policy of
/// --scheduler-file (docs/scheduling.md) failed a call (it raised, was too
/// slow, its process ended, or it answered what cannot be obeyed, such as a
/// task that is not ready). Every ready task stays queued.
struct SchedPolicyFallback {
  static constexpr std::string_view kType = "sched.policy_fallback";
  std::string peer;    // whose ready queue
  std::string policy;  // the policy given up, e.g. "SJF (policy.py)"
  std::string reason;  // why, e.g. "pick_next raised KeyError: 3 (policy.py line 14)"

  bool operator==(const SchedPolicyFallback&) const = default;
};

// ---- the key-value memory and the file store (live) -------------------------

struct MemSet {
  static constexpr std::string_view kType = "mem.set";
  std::string peer;
  std::string key;
  std::uint64_t bytes = 0;  // the value's size

  bool operator==(const MemSet&) const = default;
};

struct MemDel {
  static constexpr std::string_view kType = "mem.del";
  std::string peer;
  std::string key;
  std::uint64_t bytes = 0;  // the size of the value removed

  bool operator==(const MemDel&) const = default;
};

struct FileStored {
  static constexpr std::string_view kType = "file.stored";
  std::string peer;
  std::string name;
  std::uint64_t bytes = 0;

  bool operator==(const FileStored&) const = default;
};

struct FileRemoved {
  static constexpr std::string_view kType = "file.removed";
  std::string peer;
  std::string name;
  std::uint64_t bytes = 0;

  bool operator==(const FileRemoved&) const = default;
};

// ---- memory allocation (the simulators; a peer's arena later) ----------------

/// A block was allocated.
struct MemAlloc {
  static constexpr std::string_view kType = "mem.alloc";
  std::string owner;          // who holds it: "ptr[3]" in a simulation, a key on a peer
  std::uint64_t address = 0;  // of the block's first byte
  std::uint64_t size = 0;     // bytes given, header and alignment included
  std::uint64_t request = 0;  // bytes asked for

  bool operator==(const MemAlloc&) const = default;
};

/// A block was freed (and coalesced, as the policy does).
struct MemFree {
  static constexpr std::string_view kType = "mem.free";
  std::string owner;
  std::uint64_t address = 0;
  std::uint64_t size = 0;

  bool operator==(const MemFree&) const = default;
};

/// An allocation failed.
struct MemFailed {
  static constexpr std::string_view kType = "mem.failed";
  std::string owner;
  std::uint64_t request = 0;       // bytes asked for
  std::string reason;              // "no_space" (too little free in all), "fragmentation" (enough free, no hole
                                   // fits) or "bad_size" (a request of 0 bytes or less)
  std::uint64_t free_bytes = 0;    // free in all
  std::uint64_t free_holes = 0;    // number of free blocks
  std::uint64_t largest_hole = 0;  // bytes

  bool operator==(const MemFailed&) const = default;
};

/// A peer's memory arena, as it is when the peer registers with the tracker
/// (at start, and again after the tracker restarts): its size and allocator.
/// One mem.alloc follows for each block it holds (keys kept across a restart,
/// docs/memory.md), so a fold starts the peer's arena afresh here.
struct MemArena {
  static constexpr std::string_view kType = "mem.arena";
  std::string allocator;          // --allocator: first, best, worst, next or buddy
  std::uint64_t arena_bytes = 0;  // --mem-arena
  std::uint64_t blocks = 0;       // allocated blocks, each told by a mem.alloc that follows

  bool operator==(const MemArena&) const = default;
};

/// The allocator compacted its memory.
struct MemCompact {
  static constexpr std::string_view kType = "mem.compact";
  std::uint64_t moved_blocks = 0;
  std::uint64_t moved_bytes = 0;

  bool operator==(const MemCompact&) const = default;
};

// ---- paging (the simulators) -------------------------------------------------

struct PageHit {
  static constexpr std::string_view kType = "page.hit";
  std::int64_t page = 0;
  std::int64_t frame = 0;  // where it is resident

  bool operator==(const PageHit&) const = default;
};

/// A reference to a page not resident; `frame` is where it is loaded.
struct PageFault {
  static constexpr std::string_view kType = "page.fault";
  std::int64_t page = 0;
  std::int64_t frame = 0;

  bool operator==(const PageFault&) const = default;
};

/// A resident page chosen as the victim of a fault, published before that fault.
struct PageEvict {
  static constexpr std::string_view kType = "page.evict";
  std::int64_t page = 0;
  std::int64_t frame = 0;

  bool operator==(const PageEvict&) const = default;
};

// ---- cluster resources ---------------------------------------------------------
// The tracker's synchronisation objects, which tasks reach through the
// `osgrid` module (docs/sync.md): Locks, Resources (several instances),
// Semaphores and MessageQueues, named cluster-wide. The tracker publishes
// these; for one operation a subscriber sees resource.request, then
// resource.grant (at once, or when the object frees up) or resource.cancel
// (the wait timed out, or its task ended while it waited).

/// A task asked for an object: lock acquire, resource request, semaphore
/// wait, queue send or receive.
struct ResourceRequest {
  static constexpr std::string_view kType = "resource.request";
  std::string task_id;
  std::string peer;            // where the task runs
  std::string kind;            // "lock", "resource", "semaphore" or "queue"
  std::string name;            // the object's cluster-wide name
  std::string op;              // "acquire", "request", "wait", "send" or "receive"
  std::int64_t count = 1;      // instances asked for (a resource); 1 otherwise
  bool blocked = false;        // it must wait: not granted at once
  std::int64_t available = 0;  // after the event: free instances (lock 0/1, resource), the semaphore's value, or
                               // messages queued (a queue)

  bool operator==(const ResourceRequest&) const = default;
};

/// A request was granted (at once, or after waiting `waited_ms`).
struct ResourceGrant {
  static constexpr std::string_view kType = "resource.grant";
  std::string task_id;
  std::string peer;
  std::string kind;
  std::string name;
  std::string op;
  std::int64_t count = 1;
  double waited_ms = 0;  // since its resource.request
  std::int64_t available = 0;

  bool operator==(const ResourceGrant&) const = default;
};

/// A task gave something back: lock release, resource release, semaphore
/// signal; or the tracker took back what an ended task held.
struct ResourceRelease {
  static constexpr std::string_view kType = "resource.release";
  std::string task_id;
  std::string peer;
  std::string kind;
  std::string name;
  std::string op;          // "release" or "signal"
  std::int64_t count = 1;  // instances given back
  std::string reason;      // "released" (the task called it), or "task ended (OUTCOME)" when the tracker freed it
  std::int64_t available = 0;

  bool operator==(const ResourceRelease&) const = default;
};

/// A waiting request ended without a grant.
struct ResourceCancel {
  static constexpr std::string_view kType = "resource.cancel";
  std::string task_id;
  std::string peer;
  std::string kind;
  std::string name;
  std::string op;
  std::int64_t count = 1;
  std::string reason;  // "timed out", "task ended (OUTCOME)", "aborted: deadlock victim", "tracker stopping"

  bool operator==(const ResourceCancel&) const = default;
};

// ---- deadlock ----------------------------------------------------------------

/// Detection found a deadlock.
struct DeadlockFound {
  static constexpr std::string_view kType = "deadlock.found";
  std::vector<std::string> cycle;  // the processes of a wait-for cycle, in order (the first waits for the second...)
  std::vector<std::string> resources;   // resources[k]: what cycle[k] waits for, held by cycle[k + 1] (may be empty)
  std::vector<std::string> peers;       // peers[k]: where cycle[k] runs; empty in a simulation
  std::vector<std::string> deadlocked;  // every deadlocked process (multi-instance detection finds a set; the cycle
                                        // is one cycle of waits inside it); empty when it is just the cycle
  std::string algorithm;                // "wait-for graph" (Silberschatz 8.7.1) or "multi-instance detection"
                                        // (8.7.2); empty in a simulation

  bool operator==(const DeadlockFound&) const = default;
};

/// Recovery chose a victim to abort (the tracker's --deadlock recover): its
/// task.finished follows with outcome "aborted", and what it held is released.
struct DeadlockVictim {
  static constexpr std::string_view kType = "deadlock.victim";
  std::string task_id;
  std::string peer;
  std::int64_t held = 0;  // instances it held (the rule picks the fewest)
  std::string rule;       // why this one, e.g. "holds the fewest instances (1); youngest on a tie"

  bool operator==(const DeadlockVictim&) const = default;
};

/// No progress is possible though no Lock or Resource is in a cycle: every
/// live task waits on a Semaphore or a MessageQueue with no timeout (or for a
/// child that does). A lost wake-up: some signal or send never comes.
struct DeadlockStall {
  static constexpr std::string_view kType = "deadlock.stall";
  std::vector<std::string> tasks;    // every live task, by id
  std::vector<std::string> waiting;  // waiting[k]: what tasks[k] waits on, e.g. "semaphore full (wait)", "child"

  bool operator==(const DeadlockStall&) const = default;
};

// ---- the stream itself -------------------------------------------------------

/// Events had to be dropped here (a full buffer, a cut-off subscriber). A gap
/// is always said, never silent.
struct EventsLost {
  static constexpr std::string_view kType = "events.lost";
  std::uint64_t count = 0;

  bool operator==(const EventsLost&) const = default;
};

using Payload =
    std::variant<PeerJoined, PeerLeft, PeerDead, PeerLoad, TaskSubmitted, TaskForwarded, TaskQueued, TaskRunning,
                 TaskPreempted, TaskBlocked, TaskZombie, TaskReparented, TaskFinished, CpuSwitch, SchedPolicyFallback,
                 MemSet, MemDel, FileStored, FileRemoved, MemAlloc, MemFree, MemFailed, MemCompact, MemArena, PageHit,
                 PageFault, PageEvict, ResourceRequest, ResourceGrant, ResourceRelease, ResourceCancel, DeadlockFound,
                 DeadlockVictim, DeadlockStall, EventsLost>;

/// One event: where and when, and what.
struct Event {
  std::uint64_t seq = 0;  // set by the tracker: one more per event it publishes (0 = not yet published; a simulation
                          // numbers its own from 1)
  std::string epoch;      // the tracker's run (seq starts again when it restarts); a simulation's own id
  double t = 0;           // ms on the tracker's clock, stamped where it happened; simulator time units in a simulation
  std::string node;       // "tracker", a peer id, or "sim"
  Payload body;

  bool operator==(const Event&) const = default;
};

/// The dotted type of a payload: "task.running".
std::string_view TypeOf(const Payload& body);

/// Every dotted type, in catalogue order (docs/events.md).
const std::vector<std::string_view>& AllTypes();

// ---- filtering by type ---------------------------------------------------------
// One rule for every filter of the stream: a subscriber's type prefixes
// (the tracker's event hub) and `osgrid replay --type`. A prefix selects a
// type if it is the type ("task.finished") or names its dotted family
// ("task" or "task." select task.running; "tas" selects nothing).

/// Does the prefix `prefix` select the type `type`? An empty prefix selects nothing.
bool PrefixSelects(std::string_view prefix, std::string_view type);

/// Does an event of `type` pass the filter `prefixes`? An empty filter passes
/// every type, and events.lost passes every filter: a gap is never hidden.
bool PassesFilter(const std::vector<std::string>& prefixes, std::string_view type);

/// The first of `prefixes` that selects no type of AllTypes() (a typo, or a
/// type this build does not know), or nullopt when each selects some type.
std::optional<std::string> UnknownPrefix(const std::vector<std::string>& prefixes);

// ---- the snapshot --------------------------------------------------------------
// What a subscriber gets first: the cluster's state consistent with `seq`
// (every event up to and including it is reflected, none after it), so a
// viewer that attaches mid-run can draw the true state and then apply the
// events that follow. Later issues add to it (a peer's arena blocks, the
// cluster resources' holders and waiters); a reader ignores what it does
// not know, and takes what an older writer left out as empty.

/// A task as the snapshot shows it.
struct TaskRef {
  std::string task_id;
  std::optional<std::string> parent;
  std::string name;  // the function's name

  bool operator==(const TaskRef&) const = default;
};

/// An allocated block of a peer's memory arena, as the snapshot shows it.
struct ArenaBlock {
  std::uint64_t address = 0;  // its first byte, from the arena's start
  std::uint64_t size = 0;     // bytes, header and padding included
  std::string key;            // whose entry

  bool operator==(const ArenaBlock&) const = default;
};

/// One live peer.
struct PeerState {
  std::string peer;
  std::string address;  // "host:port"
  int cores = 0;
  std::string policy;                // its ready queue's scheduling policy, e.g. "fcfs"
  std::vector<TaskRef> ready_queue;  // in the order the policy would run them
  std::vector<TaskRef> running;      // running now
  std::vector<TaskRef> waiting;      // blocked (task.blocked), in the order they blocked; added later: may be absent
  std::vector<TaskRef> zombies;      // ended here, their parents not yet waited (task.zombie), in the order they
                                     // ended; added later: may be absent
  std::uint64_t mem_used_bytes = 0;  // the key-value memory
  std::uint64_t mem_limit_bytes = 0;
  std::uint64_t mem_keys = 0;
  std::string mem_allocator;          // its arena's allocator (mem.arena); added later: may be absent
  std::vector<ArenaBlock> arena;      // its arena's allocated blocks, by address (mem.arena, mem.alloc,
                                      // mem.free, mem.compact); added later: may be absent
  std::uint64_t disk_used_bytes = 0;  // the file store
  std::uint64_t disk_limit_bytes = 0;
  std::uint64_t disk_files = 0;
  double last_heartbeat_t = 0;       // ms, on the tracker's clock
  std::uint64_t tasks_finished = 0;  // tasks that finished here since it joined

  bool operator==(const PeerState&) const = default;
};

/// A task holding, or waiting for, a cluster object.
struct ResourceUse {
  std::string task_id;
  std::string peer;
  std::int64_t count = 1;  // instances held or asked for
  std::string op;          // for a waiter: "acquire", "request", "wait", "send" or "receive"; "" for a holder

  bool operator==(const ResourceUse&) const = default;
};

/// One of the tracker's cluster objects (docs/sync.md).
struct ResourceState {
  std::string kind;  // "lock", "resource", "semaphore" or "queue"
  std::string name;
  std::int64_t instances = 1;        // a lock 1, a resource its instances, a semaphore its initial value, a queue its
                                     // capacity
  std::int64_t available = 0;        // free instances, the semaphore's value, or messages queued
  std::vector<ResourceUse> holders;  // locks and resources: who holds how many
  std::vector<ResourceUse> waiters;  // in the order they will be served (FIFO)

  bool operator==(const ResourceState&) const = default;
};

struct Snapshot {
  std::uint64_t seq = 0;  // the last event it reflects (0: none yet)
  std::string epoch;
  double t = 0;                          // when it was taken, ms on the tracker's clock
  std::vector<PeerState> peers;          // live peers, sorted by id
  std::vector<ResourceState> resources;  // the tracker's cluster objects, by kind then name; added later: may be
                                         // absent

  bool operator==(const Snapshot&) const = default;
};

}  // namespace osgrid::os::events
