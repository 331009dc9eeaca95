// The event catalogue of docs/events.md, and the codec that reads it.
//
// Adding an event type: add its struct to os/events/events.h and to Payload,
// then one Record here, in the same place of PayloadRecords() (the order is
// checked by the compiler), and regenerate docs/events.md. Adding a field:
// add the member and one line to its Record; a member of a C++ type the codec
// does not know yet does not compile until Member, ToJson and FromJson learn it.
// A field added to an existing type must not break the streams already
// written (traces, older peers): make it a std::optional, or mark it
// kDefaulted so that a reader takes the member's default when it is absent,
// or kWhenNotEmpty (a string or an array) so that it is also left out when
// empty, and the events that do not use it keep their bytes (simulator traces).
#include "osgrid/net/events.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>

namespace osgrid::net {
namespace {

namespace ev = os::events;

// ---- The tables ---------------------------------------------------------------
// A Member<R> points at one member of record R. Its C++ type gives the JSON
// type and whether the field may be left out (std::optional).

template <class R>
using Member = std::variant<std::string R::*, std::optional<std::string> R::*, int R::*, std::optional<int> R::*,
                            std::int64_t R::*, std::uint64_t R::*, double R::*, bool R::*, ev::Outcome R::*,
                            std::vector<std::string> R::*, std::vector<ev::TaskRef> R::*,
                            std::vector<ev::PeerState> R::*, std::vector<ev::ArenaBlock> R::*,
                            std::vector<ev::ResourceUse> R::*, std::vector<ev::ResourceState> R::*>;

/// Whether a reader needs a (non-optional) field, and whether a writer writes it.
enum class Presence {
  kRequired,      // always written; absent: the event is refused
  kDefaulted,     // always written; absent: the member keeps its default (a field added later, which older writers
                  // leave out)
  kWhenNotEmpty,  // a string or an array, written only when it is not empty; absent: empty. A field added later
                  // that many writers leave empty (a simulation's deadlock.found has no peers): their events keep
                  // the bytes they had before it. Of another type it is kDefaulted.
};

/// One field of record R: its wire name, where it lives, what it means.
template <class R>
struct Field {
  std::string_view name;
  Member<R> member;
  std::string_view meaning;  // one line, with the unit
  Presence presence = Presence::kRequired;
};

/// A record: an event payload, the event's header, or a snapshot object.
template <class R>
struct Record {
  std::string_view summary;
  std::vector<Field<R>> fields;
};

template <class V>
struct RecordsOf;
template <class... P>
struct RecordsOf<std::variant<P...>> {
  using type = std::tuple<Record<P>...>;
};

/// One Record per alternative of Payload, in its order: a missing, extra or
/// misplaced one is a compile error.
const RecordsOf<ev::Payload>::type& PayloadRecords() {
  using namespace ev;
  static const RecordsOf<Payload>::type records{
      // ---- peers
      Record<PeerJoined>{"A peer registered with the tracker (published by the tracker).",
                         {{"peer", &PeerJoined::peer, "its id, e.g. peer-9001"},
                          {"address", &PeerJoined::address, "host:port other nodes use to reach it"},
                          {"cores", &PeerJoined::cores, "tasks it runs at once"}}},
      Record<PeerLeft>{
          "A peer left on purpose: it said goodbye, or was told to stop.",
          {{"peer", &PeerLeft::peer, "its id"},
           {"reason", &PeerLeft::reason, "shutdown, or replaced (it registered again under the same id)"}}},
      Record<PeerDead>{
          "The tracker stopped hearing a peer's heartbeats and declared it dead.",
          {{"peer", &PeerDead::peer, "its id"}, {"silent_ms", &PeerDead::silent_ms, "ms since its last heartbeat"}}},
      Record<PeerLoad>{"A peer's load, as its heartbeat reports it.",
                       {{"peer", &PeerLoad::peer, "its id"},
                        {"running", &PeerLoad::running, "tasks running now"},
                        {"queued", &PeerLoad::queued, "tasks in its ready queue"},
                        {"cores", &PeerLoad::cores, "tasks it runs at once"},
                        {"mem_keys", &PeerLoad::mem_keys, "keys in its key-value memory"},
                        {"mem_used_bytes", &PeerLoad::mem_used_bytes, "bytes they take"},
                        {"disk_used_bytes", &PeerLoad::disk_used_bytes, "bytes in its file store"}}},
      // ---- tasks
      Record<TaskSubmitted>{
          "A client's task was accepted by a peer (in a simulation: a job arrived).",
          {{"task_id", &TaskSubmitted::task_id, "cluster-wide id, e.g. peer-9001/17; in a simulation the job's name"},
           {"parent", &TaskSubmitted::parent, "the task that submitted it, if a task did"},
           {"name", &TaskSubmitted::name, "the function's name, or the job's name"},
           {"peer", &TaskSubmitted::peer, "the peer that accepted it; empty in a simulation"},
           {"priority", &TaskSubmitted::priority, "its priority, lower = more urgent; left out when it has none"}}},
      Record<TaskForwarded>{
          "The tracker placed a task on another peer (published by the tracker before it answers: see Order).",
          {{"task_id", &TaskForwarded::task_id, "cluster-wide id"},
           {"parent", &TaskForwarded::parent, "the task that submitted it, if a task did"},
           {"from", &TaskForwarded::from, "the busy peer that asked"},
           {"to", &TaskForwarded::to, "the peer that will run it"}}},
      Record<TaskQueued>{"A task joined a ready queue.",
                         {{"task_id", &TaskQueued::task_id, "cluster-wide id"},
                          {"parent", &TaskQueued::parent, "the task that submitted it, if a task did"},
                          {"peer", &TaskQueued::peer, "whose ready queue; empty in a simulation"},
                          {"queue_length", &TaskQueued::queue_length, "tasks in that ready queue, this one included"},
                          {"position", &TaskQueued::position,
                           "where it stands in that queue in the order the policy will run it, 1 = next; left out "
                           "when the policy's order can change with no task queued or run (lottery, aging, an MLFQ "
                           "boost)"}}},
      Record<TaskRunning>{"A task got a CPU.",
                          {{"task_id", &TaskRunning::task_id, "cluster-wide id"},
                           {"parent", &TaskRunning::parent, "the task that submitted it, if a task did"},
                           {"peer", &TaskRunning::peer, "where it runs; empty in a simulation"}}},
      Record<TaskPreempted>{
          "A running task was stopped and sent back to the ready queue.",
          {{"task_id", &TaskPreempted::task_id, "cluster-wide id"},
           {"parent", &TaskPreempted::parent, "the task that submitted it, if a task did"},
           {"peer", &TaskPreempted::peer, "where it ran; empty in a simulation"},
           {"reason", &TaskPreempted::reason, "quantum (its time slice ended) or preempted (a more urgent task came)"},
           {"cpu_ms", &TaskPreempted::cpu_ms,
            "ms of CPU time it has used so far; read as 0 when left out (older writers)", Presence::kDefaulted}}},
      Record<TaskBlocked>{
          "A running task stopped to wait: for I/O in a simulation, for a cluster resource on the live nodes.",
          {{"task_id", &TaskBlocked::task_id, "cluster-wide id"},
           {"parent", &TaskBlocked::parent, "the task that submitted it, if a task did"},
           {"peer", &TaskBlocked::peer, "where it ran; empty in a simulation"},
           {"on", &TaskBlocked::on, "what it waits for: io, or the resource's name"},
           {"cpu_ms", &TaskBlocked::cpu_ms,
            "ms of CPU time it has used so far; read as 0 when left out (older writers)", Presence::kDefaulted}}},
      Record<TaskZombie>{
          "A task ended before its parent waited for it: a zombie, holding its outcome, until its parent reaps it "
          "or ends; its task.finished follows then. Published by the parent's peer.",
          {{"task_id", &TaskZombie::task_id, "cluster-wide id"},
           {"parent", &TaskZombie::parent, "the parent that has not waited for it yet"},
           {"peer", &TaskZombie::peer, "where it ran"},
           {"outcome", &TaskZombie::outcome, "how it ended: one of the outcomes of task.finished"}}},
      Record<TaskReparented>{
          "A task's parent ended first: the orphan is adopted by the init of its parent's peer, which reaps it "
          "when it ends.",
          {{"task_id", &TaskReparented::task_id, "cluster-wide id"},
           {"parent", &TaskReparented::parent, "the new parent, <peer>/init"},
           {"from", &TaskReparented::from, "the parent that ended"},
           {"peer", &TaskReparented::peer, "the peer whose init adopted it"}}},
      Record<TaskFinished>{
          "A task ended, for good.",
          {{"task_id", &TaskFinished::task_id, "cluster-wide id"},
           {"parent", &TaskFinished::parent, "the task that submitted it, if a task did"},
           {"peer", &TaskFinished::peer, "where it ran; empty in a simulation"},
           {"outcome", &TaskFinished::outcome,
            "how it ended: ok (it returned), failed (it raised, or could not start), timeout (its time limit "
            "passed), cancelled, killed (a limit or a signal ended it), aborted (a deadlock victim), lost (its "
            "peer died)"},
           {"wait_ms", &TaskFinished::wait_ms, "ms ready but not running (ready queues and forwarding)"},
           {"cpu_ms", &TaskFinished::cpu_ms, "ms of CPU time of its process (a simulation: its CPU bursts)"},
           {"turnaround_ms", &TaskFinished::turnaround_ms, "ms from submitted to finished"}}},
      Record<CpuSwitch>{
          "The CPU was handed from one task to another (a context switch); task.running of `to` follows when "
          "it ends.",
          {{"from", &CpuSwitch::from, "task_id of the last task dispatched"},
           {"to", &CpuSwitch::to, "task_id of the task switched to"},
           {"peer", &CpuSwitch::peer, "whose CPU; empty in a simulation"},
           {"cost_ms", &CpuSwitch::cost_ms, "how long the switch takes; 0 = counted, but free"}}},
      // ---- scheduling
      Record<SchedPolicyFallback>{
          "A peer's ready queue gave up the policy it was given and goes on under FCFS for the rest of the "
          "peer's life: the student's policy of --scheduler-file failed a call (docs/scheduling.md). Every ready "
          "task stays queued.",
          {{"peer", &SchedPolicyFallback::peer, "whose ready queue"},
           {"policy", &SchedPolicyFallback::policy, "the policy given up, e.g. SJF (policy.py)"},
           {"reason", &SchedPolicyFallback::reason,
            "why: the call that failed and how, e.g. pick_next raised KeyError: 3 (policy.py line 14), no answer to "
            "admit within 50 ms, pick_next returned task 9, which is not in the ready queue"}}},
      // ---- the key-value memory and the file store
      Record<MemSet>{"A key of a peer's memory store was set.",
                     {{"peer", &MemSet::peer, "whose store"},
                      {"key", &MemSet::key, "the key (never the value)"},
                      {"bytes", &MemSet::bytes, "the value's size, bytes"}}},
      Record<MemDel>{"A key of a peer's memory store was deleted.",
                     {{"peer", &MemDel::peer, "whose store"},
                      {"key", &MemDel::key, "the key"},
                      {"bytes", &MemDel::bytes, "the size of the value removed, bytes"}}},
      Record<FileStored>{"A file was stored on a peer (its SHA-256 checked).",
                         {{"peer", &FileStored::peer, "whose store"},
                          {"name", &FileStored::name, "the file's name (never its contents)"},
                          {"bytes", &FileStored::bytes, "its size, bytes"}}},
      Record<FileRemoved>{"A file was deleted from a peer.",
                          {{"peer", &FileRemoved::peer, "whose store"},
                           {"name", &FileRemoved::name, "the file's name"},
                           {"bytes", &FileRemoved::bytes, "its size, bytes"}}},
      // ---- memory allocation
      Record<MemAlloc>{"A block was allocated.",
                       {{"owner", &MemAlloc::owner, "who holds it: ptr[3] in a simulation, a key on a peer"},
                        {"address", &MemAlloc::address, "the block's first byte"},
                        {"size", &MemAlloc::size, "bytes given, header and alignment included"},
                        {"request", &MemAlloc::request, "bytes asked for"}}},
      Record<MemFree>{"A block was freed (and coalesced, as the policy does).",
                      {{"owner", &MemFree::owner, "who held it"},
                       {"address", &MemFree::address, "the block's first byte"},
                       {"size", &MemFree::size, "bytes given back"}}},
      Record<MemFailed>{
          "An allocation failed.",
          {{"owner", &MemFailed::owner, "who asked"},
           {"request", &MemFailed::request, "bytes asked for"},
           {"reason", &MemFailed::reason,
            "no_space (too little free in all), fragmentation (enough free, but no hole fits) or bad_size (a "
            "request of 0 bytes or less)"},
           {"free_bytes", &MemFailed::free_bytes, "bytes free in all"},
           {"free_holes", &MemFailed::free_holes, "number of free blocks"},
           {"largest_hole", &MemFailed::largest_hole, "bytes of the largest free block"}}},
      Record<MemCompact>{"The allocator compacted its memory.",
                         {{"moved_blocks", &MemCompact::moved_blocks, "blocks moved"},
                          {"moved_bytes", &MemCompact::moved_bytes, "bytes moved"}}},
      Record<MemArena>{"A peer's memory arena as it registers with the tracker; one mem.alloc follows per block it "
                       "holds, so a fold starts the peer's arena afresh here.",
                       {{"allocator", &MemArena::allocator, "first, best, worst, next or buddy"},
                        {"arena_bytes", &MemArena::arena_bytes, "the arena's size, bytes"},
                        {"blocks", &MemArena::blocks, "allocated blocks, each told by a mem.alloc that follows"}}},
      // ---- paging
      Record<PageHit>{
          "A reference to a resident page.",
          {{"page", &PageHit::page, "the page's number"}, {"frame", &PageHit::frame, "the frame it is resident in"}}},
      Record<PageFault>{"A reference to a page not resident; it is loaded into `frame`.",
                        {{"page", &PageFault::page, "the page's number"},
                         {"frame", &PageFault::frame, "the frame it is loaded into"}}},
      Record<PageEvict>{
          "A resident page chosen as the victim of a fault, published before that fault.",
          {{"page", &PageEvict::page, "the victim's number"}, {"frame", &PageEvict::frame, "the frame it leaves"}}},
      // ---- cluster resources (the tracker's Locks, Resources, Semaphores and MessageQueues; docs/sync.md)
      Record<ResourceRequest>{
          "A task asked for a cluster object: lock acquire, resource request, semaphore wait, queue send or "
          "receive. resource.grant or resource.cancel follows (published by the tracker).",
          {{"task_id", &ResourceRequest::task_id, "cluster-wide id of the task that asked"},
           {"peer", &ResourceRequest::peer, "where the task runs"},
           {"kind", &ResourceRequest::kind, "lock, resource, semaphore or queue"},
           {"name", &ResourceRequest::name, "the object's cluster-wide name"},
           {"op", &ResourceRequest::op, "acquire, request, wait, send or receive"},
           {"count", &ResourceRequest::count, "instances asked for (a resource); 1 otherwise"},
           {"blocked", &ResourceRequest::blocked, "true: it must wait (not granted at once)"},
           {"available", &ResourceRequest::available,
            "after the event: free instances (a lock 0 or 1, a resource), the semaphore's value, or the messages "
            "queued (a queue)"}}},
      Record<ResourceGrant>{
          "A request for a cluster object was granted, at once or after waiting (published by the tracker).",
          {{"task_id", &ResourceGrant::task_id, "cluster-wide id of the task granted"},
           {"peer", &ResourceGrant::peer, "where the task runs"},
           {"kind", &ResourceGrant::kind, "lock, resource, semaphore or queue"},
           {"name", &ResourceGrant::name, "the object's cluster-wide name"},
           {"op", &ResourceGrant::op, "the op of its resource.request"},
           {"count", &ResourceGrant::count, "instances granted (a resource); 1 otherwise"},
           {"waited_ms", &ResourceGrant::waited_ms, "ms since its resource.request (0: granted at once)"},
           {"available", &ResourceGrant::available, "after the event: as in resource.request"}}},
      Record<ResourceRelease>{
          "A task gave a cluster object back (lock release, resource release, semaphore signal), or the tracker "
          "took back what an ended task held (published by the tracker).",
          {{"task_id", &ResourceRelease::task_id, "cluster-wide id of the task that held it"},
           {"peer", &ResourceRelease::peer, "where the task runs (ran)"},
           {"kind", &ResourceRelease::kind, "lock, resource or semaphore"},
           {"name", &ResourceRelease::name, "the object's cluster-wide name"},
           {"op", &ResourceRelease::op, "release or signal"},
           {"count", &ResourceRelease::count, "instances given back"},
           {"reason", &ResourceRelease::reason,
            "released (the task called it), or task ended (OUTCOME) when the tracker freed it"},
           {"available", &ResourceRelease::available, "after the event: as in resource.request"}}},
      Record<ResourceCancel>{"A waiting request for a cluster object ended without a grant (published by the tracker).",
                             {{"task_id", &ResourceCancel::task_id, "cluster-wide id of the task that waited"},
                              {"peer", &ResourceCancel::peer, "where the task runs (ran)"},
                              {"kind", &ResourceCancel::kind, "lock, resource, semaphore or queue"},
                              {"name", &ResourceCancel::name, "the object's cluster-wide name"},
                              {"op", &ResourceCancel::op, "the op of its resource.request"},
                              {"count", &ResourceCancel::count, "instances it asked for"},
                              {"reason", &ResourceCancel::reason,
                               "timed out, task ended (OUTCOME), aborted: deadlock victim, or tracker stopping"}}},
      // ---- deadlock
      Record<DeadlockFound>{
          "Detection found a deadlock (a simulation's detection, or the tracker's among its cluster objects).",
          {{"cycle", &DeadlockFound::cycle,
            "strings: the processes of a wait-for cycle, in order (the first waits for the second, ...)"},
           {"resources", &DeadlockFound::resources,
            "strings: resources[k] is what cycle[k] waits for, held by cycle[k + 1] (may be empty)"},
           {"peers", &DeadlockFound::peers,
            "strings: peers[k] is where cycle[k] runs; left out when empty (a simulation, older writers)",
            Presence::kWhenNotEmpty},
           {"deadlocked", &DeadlockFound::deadlocked,
            "strings: every deadlocked process, when multi-instance detection finds a set larger than the cycle; "
            "left out when empty (it is just the cycle)",
            Presence::kWhenNotEmpty},
           {"algorithm", &DeadlockFound::algorithm,
            "wait-for graph (Silberschatz 8.7.1) or multi-instance detection (8.7.2); left out when empty (a "
            "simulation, older writers)",
            Presence::kWhenNotEmpty}}},
      Record<DeadlockVictim>{
          "Recovery chose a victim to abort (the tracker's --deadlock recover): its task.finished with outcome "
          "aborted follows, and what it held is released.",
          {{"task_id", &DeadlockVictim::task_id, "cluster-wide id of the victim"},
           {"peer", &DeadlockVictim::peer, "where it runs"},
           {"held", &DeadlockVictim::held, "instances it held (the rule picks the fewest)"},
           {"rule", &DeadlockVictim::rule, "why this one, e.g. holds the fewest instances (1); youngest on a tie"}}},
      Record<DeadlockStall>{
          "No progress is possible though no Lock or Resource is in a cycle: every live task waits on a Semaphore "
          "or a MessageQueue with no timeout, or for a child that does (a lost wake-up).",
          {{"tasks", &DeadlockStall::tasks, "strings: every live task, by id"},
           {"waiting", &DeadlockStall::waiting,
            "strings: waiting[k] is what tasks[k] waits on, e.g. semaphore full (wait), or child"}}},
      // ---- the stream itself
      Record<EventsLost>{"Events had to be dropped here (a full buffer, a cut-off subscriber): a gap is always said.",
                         {{"count", &EventsLost::count, "events dropped"}}},
  };
  return records;
}

const Record<ev::Event>& HeaderRecord() {
  using ev::Event;
  static const Record<Event> record{
      "The header every event has.",
      {{"seq", &Event::seq,
        "set by the tracker: one more per event it publishes (0: not published; a simulation numbers its own "
        "from 1)"},
       {"epoch", &Event::epoch, "the tracker's run (seq starts again when it restarts); a simulation's own id"},
       {"t", &Event::t, "when it happened: ms on the tracker's clock; simulator time units in a simulation"},
       {"node", &Event::node, "where it happened: tracker, a peer's id, or sim"}}};
  return record;
}

const Record<ev::TaskRef>& TaskRefRecord() {
  using ev::TaskRef;
  static const Record<TaskRef> record{"A task in a ready queue, running, waiting or a zombie.",
                                      {{"task_id", &TaskRef::task_id, "cluster-wide id"},
                                       {"parent", &TaskRef::parent, "the task that submitted it, if a task did"},
                                       {"name", &TaskRef::name, "the function's name"}}};
  return record;
}

const Record<ev::ArenaBlock>& ArenaBlockRecord() {
  using ev::ArenaBlock;
  static const Record<ArenaBlock> record{"An allocated block of a peer's memory arena.",
                                         {{"address", &ArenaBlock::address, "its first byte, from the arena's start"},
                                          {"size", &ArenaBlock::size, "bytes, header and padding included"},
                                          {"key", &ArenaBlock::key, "whose entry"}}};
  return record;
}

const Record<ev::ResourceUse>& ResourceUseRecord() {
  using ev::ResourceUse;
  static const Record<ResourceUse> record{
      "A task holding, or waiting for, a cluster object.",
      {{"task_id", &ResourceUse::task_id, "cluster-wide id"},
       {"peer", &ResourceUse::peer, "where the task runs"},
       {"count", &ResourceUse::count, "instances held or asked for"},
       {"op", &ResourceUse::op, "a waiter's op (acquire, request, wait, send or receive); empty for a holder"}}};
  return record;
}

const Record<ev::ResourceState>& ResourceStateRecord() {
  using ev::ResourceState;
  static const Record<ResourceState> record{
      "One of the tracker's cluster objects (docs/sync.md).",
      {{"kind", &ResourceState::kind, "lock, resource, semaphore or queue"},
       {"name", &ResourceState::name, "its cluster-wide name"},
       {"instances", &ResourceState::instances,
        "a lock 1, a resource its instances, a semaphore its initial value, a queue its capacity"},
       {"available", &ResourceState::available, "free instances, the semaphore's value, or the messages queued"},
       {"holders", &ResourceState::holders,
        "ResourceUse objects: who holds how many (locks and resources; empty for the others)"},
       {"waiters", &ResourceState::waiters,
        "ResourceUse objects: the waiting requests, in the order they will be "
        "served (first come, first served)"}}};
  return record;
}

const Record<ev::PeerState>& PeerStateRecord() {
  using ev::PeerState;
  static const Record<PeerState> record{
      "One live peer.",
      {{"peer", &PeerState::peer, "its id"},
       {"address", &PeerState::address, "host:port"},
       {"cores", &PeerState::cores, "tasks it runs at once"},
       {"policy", &PeerState::policy, "its ready queue's scheduling policy, e.g. fcfs"},
       {"ready_queue", &PeerState::ready_queue, "TaskRef objects, in the order the policy would run them"},
       {"running", &PeerState::running, "TaskRef objects: the tasks running now"},
       {"waiting", &PeerState::waiting,
        "TaskRef objects: the tasks blocked (task.blocked), in the order they blocked; read as empty when left out "
        "(older writers)",
        Presence::kDefaulted},
       {"zombies", &PeerState::zombies,
        "TaskRef objects: the tasks that ended here and whose parents have not waited for them yet (task.zombie), in "
        "the order they ended; read as empty when left out (older writers)",
        Presence::kDefaulted},
       {"mem_used_bytes", &PeerState::mem_used_bytes, "bytes in its key-value memory"},
       {"mem_limit_bytes", &PeerState::mem_limit_bytes, "the size of its memory arena (--mem-arena), bytes"},
       {"mem_keys", &PeerState::mem_keys, "keys in its memory"},
       {"mem_allocator", &PeerState::mem_allocator,
        "its arena's allocator (mem.arena); read as empty when left out (older writers)", Presence::kDefaulted},
       {"arena", &PeerState::arena,
        "ArenaBlock objects: its arena's allocated blocks, by address (mem.arena, mem.alloc, mem.free, "
        "mem.compact); read as empty when left out (older writers)",
        Presence::kDefaulted},
       {"disk_used_bytes", &PeerState::disk_used_bytes, "bytes in its file store"},
       {"disk_limit_bytes", &PeerState::disk_limit_bytes, "its file store's limit, bytes"},
       {"disk_files", &PeerState::disk_files, "files in its store"},
       {"last_heartbeat_t", &PeerState::last_heartbeat_t, "when its last heartbeat came, ms on the tracker's clock"},
       {"tasks_finished", &PeerState::tasks_finished, "tasks that finished here since it joined"}}};
  return record;
}

const Record<ev::Snapshot>& SnapshotRecord() {
  using ev::Snapshot;
  static const Record<Snapshot> record{
      "The cluster's state, consistent with `seq`: every event up to it is reflected, none after it.",
      {{"seq", &Snapshot::seq, "the last event it reflects (0: none yet)"},
       {"epoch", &Snapshot::epoch, "the tracker's run"},
       {"t", &Snapshot::t, "when it was taken, ms on the tracker's clock"},
       {"peers", &Snapshot::peers, "PeerState objects: the live peers, sorted by id"},
       {"resources", &Snapshot::resources,
        "ResourceState objects: the tracker's cluster objects (docs/sync.md), by kind then name; read as empty "
        "when left out (older writers)",
        Presence::kDefaulted}}};
  return record;
}

template <class T, class V>
struct IsAlternative;
template <class T, class... P>
struct IsAlternative<T, std::variant<P...>> : std::bool_constant<(std::is_same_v<T, P> || ...)> {};

/// The table of any record type.
template <class R>
const Record<R>& RecordOf() {
  if constexpr (IsAlternative<R, ev::Payload>::value) {
    return std::get<Record<R>>(PayloadRecords());
  } else if constexpr (std::is_same_v<R, ev::Event>) {
    return HeaderRecord();
  } else if constexpr (std::is_same_v<R, ev::TaskRef>) {
    return TaskRefRecord();
  } else if constexpr (std::is_same_v<R, ev::PeerState>) {
    return PeerStateRecord();
  } else if constexpr (std::is_same_v<R, ev::ArenaBlock>) {
    return ArenaBlockRecord();
  } else if constexpr (std::is_same_v<R, ev::ResourceState>) {
    return ResourceStateRecord();
  } else if constexpr (std::is_same_v<R, ev::ResourceUse>) {
    return ResourceUseRecord();
  } else {
    static_assert(std::is_same_v<R, ev::Snapshot>, "a record type without a table");
    return SnapshotRecord();
  }
}

// ---- From the tables to FieldSpecs (docs) --------------------------------------

template <class T>
struct Wire;  // the JSON type of a member type, and whether it may be left out
template <>
struct Wire<std::string> : std::integral_constant<FieldType, FieldType::kString> {};
template <class T>
struct Wire<std::optional<T>> : Wire<T> {};
template <>
struct Wire<int> : std::integral_constant<FieldType, FieldType::kInteger> {};
template <>
struct Wire<std::int64_t> : std::integral_constant<FieldType, FieldType::kInteger> {};
template <>
struct Wire<std::uint64_t> : std::integral_constant<FieldType, FieldType::kInteger> {};
template <>
struct Wire<double> : std::integral_constant<FieldType, FieldType::kNumber> {};
template <>
struct Wire<bool> : std::integral_constant<FieldType, FieldType::kBool> {};
template <>
struct Wire<ev::Outcome> : std::integral_constant<FieldType, FieldType::kString> {};
template <class T>
struct Wire<std::vector<T>> : std::integral_constant<FieldType, FieldType::kArray> {};

template <class T>
inline constexpr bool kIsOptional = false;
template <class T>
inline constexpr bool kIsOptional<std::optional<T>> = true;

/// The member type M of a pointer `M R::*`.
template <class P>
struct MemberType;
template <class M, class R>
struct MemberType<M R::*> {
  using type = M;
};

template <class R>
FieldSpec SpecOf(const Field<R>& field) {
  return std::visit(
      [&](auto member) {
        using M = typename MemberType<decltype(member)>::type;
        const bool required = !kIsOptional<M> && field.presence == Presence::kRequired;
        return FieldSpec{field.name, Wire<M>::value, required, field.meaning};
      },
      field.member);
}

template <class R>
std::vector<FieldSpec> SpecsOf(const Record<R>& record) {
  std::vector<FieldSpec> specs;
  for (const Field<R>& field : record.fields) specs.push_back(SpecOf(field));
  return specs;
}

// ---- Encoding into a Json tree (EncodeEvent, EncodeSnapshot) ------------------

template <class J, class R>
void EncodeRecord(const R& record, J& out);

template <class J>
J ToJson(const std::string& value) {
  return J(value);
}
template <class J, class T>
requires std::is_arithmetic_v<T> J ToJson(T value) { return J(value); }
template <class J>
J ToJson(ev::Outcome value) {
  return J(std::string(ev::OutcomeName(value)));
}
template <class J>
J ToJson(const std::vector<std::string>& values) {
  J array = J::array();
  for (const std::string& value : values) array.push_back(value);
  return array;
}
template <class J, class R>
J ToJson(const std::vector<R>& records) {  // records with a table: an array of objects
  J array = J::array();
  for (const R& record : records) {
    J object = J::object();
    EncodeRecord(record, object);
    array.push_back(std::move(object));
  }
  return array;
}

template <class J, class M>
void Put(J& out, std::string_view name, const M& value) {
  out[std::string(name)] = ToJson<J>(value);
}
template <class J, class T>
void Put(J& out, std::string_view name, const std::optional<T>& value) {
  if (value) out[std::string(name)] = ToJson<J>(*value);  // left out when absent
}

/// Whether `field` is left out of `record`'s encoding: a kWhenNotEmpty field
/// that is empty. (A std::optional without a value is left out by Put and WriteField.)
template <class R, class M>
bool LeftOut(const Field<R>& field, const M& value) {
  if constexpr (requires { value.empty(); }) {
    return field.presence == Presence::kWhenNotEmpty && value.empty();
  } else {
    return false;  // kWhenNotEmpty on a number or a bool: always written, as kDefaulted
  }
}

template <class J, class R>
void EncodeRecord(const R& record, J& out) {
  for (const Field<R>& field : RecordOf<R>().fields) {
    std::visit(
        [&](auto member) {
          if (!LeftOut(field, record.*member)) Put(out, field.name, record.*member);
        },
        field.member);
  }
}

template <class J>
J EncodeEventAs(const ev::Event& event) {
  J out = J::object();
  out["type"] = std::string(ev::TypeOf(event.body));
  EncodeRecord(event, out);
  std::visit([&](const auto& payload) { EncodeRecord(payload, out); }, event.body);
  return out;
}

// ---- Writing text (DumpEvent, DumpSnapshot) ------------------------------------
// The text is written straight into a string, in table order, with no tree
// between: the tracker writes every event it publishes once, for its
// subscribers, and building an ordered_json object per event, then dumping
// it, was a fifth of a busy tracker's time (bench/README.md, issue 15). The
// bytes are those nlohmann's dump() writes for the same values (error
// handler `replace`): numbers go through the function dump() uses, and a
// string with anything to escape or any byte outside printable ASCII is
// handed to dump() itself. events_test.cpp checks every type against dump().

/// A JSON string. Plain printable ASCII (ids, names, types) is copied as it
/// is; anything else takes dump()'s escapes and its U+FFFD for invalid UTF-8.
void WriteText(std::string& out, std::string_view value) {
  const bool plain = std::all_of(value.begin(), value.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte >= 0x20 && byte < 0x7f && c != '"' && c != '\\';
  });
  if (!plain) {
    out += Json(std::string(value)).dump(-1, ' ', false, Json::error_handler_t::replace);
    return;
  }
  out += '"';
  out += value;
  out += '"';
}

template <class T>
requires(std::is_integral_v<T> && !std::is_same_v<T, bool>) void WriteText(std::string& out, T value) {
  char digits[24];
  out.append(digits, std::to_chars(digits, digits + sizeof digits, value).ptr);
}

void WriteText(std::string& out, bool value) { out += value ? "true" : "false"; }

/// As dump() writes a double: the shortest text that reads back the same
/// (Grisu2; "3.0" for three), and null for NaN and infinities.
void WriteText(std::string& out, double value) {
  if (!std::isfinite(value)) {
    out += "null";
    return;
  }
  char digits[64];
  out.append(digits, nlohmann::detail::to_chars(digits, digits + sizeof digits, value));
}

void WriteText(std::string& out, ev::Outcome value) { WriteText(out, ev::OutcomeName(value)); }

void WriteText(std::string& out, const std::vector<std::string>& values) {
  out += '[';
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ',';
    WriteText(out, values[i]);
  }
  out += ']';
}

template <class R>
void WriteObject(std::string& out, const R& record);

template <class R>
void WriteText(std::string& out, const std::vector<R>& records) {  // records with a table: an array of objects
  out += '[';
  for (std::size_t i = 0; i < records.size(); ++i) {
    if (i > 0) out += ',';
    WriteObject(out, records[i]);
  }
  out += ']';
}

/// `"name":value`, after a comma unless it is the object's first field.
/// Names come from the tables: plain identifiers, nothing to escape.
template <class M>
void WriteField(std::string& out, std::string_view name, const M& value, bool& first) {
  out += first ? "\"" : ",\"";
  first = false;
  out += name;
  out += "\":";
  WriteText(out, value);
}
template <class T>
void WriteField(std::string& out, std::string_view name, const std::optional<T>& value, bool& first) {
  if (value) WriteField(out, name, *value, first);  // left out when absent
}

template <class R>
void WriteFields(std::string& out, const R& record, bool& first) {
  for (const Field<R>& field : RecordOf<R>().fields) {
    std::visit(
        [&](auto member) {
          if (!LeftOut(field, record.*member)) WriteField(out, field.name, record.*member, first);
        },
        field.member);
  }
}

template <class R>
void WriteObject(std::string& out, const R& record) {
  bool first = true;
  out += '{';
  WriteFields(out, record, first);
  out += '}';
}

// ---- Decoding -----------------------------------------------------------------
// FromJson reads one value into a member; on a mismatch it returns the error
// text (field "PATH" must be WHAT; got VALUE), where PATH locates the value.

/// A short, safe rendering of a value for an error message.
std::string Got(const Json& value) {
  if (value.is_string()) return "\"" + Sanitize(value.get_ref<const std::string&>()) + "\"";
  if (value.is_number() || value.is_boolean() || value.is_null()) return value.dump();
  if (value.is_array()) return "an array";
  if (value.is_object()) return "an object";
  return value.type_name();
}

std::string Mismatch(const std::string& path, std::string_view expected, const Json& value) {
  return "field \"" + path + "\" must be " + std::string(expected) + "; got " + Got(value);
}

using Error = std::optional<std::string>;

template <class R>
Error DecodeRecord(const Json& json, R& into, const std::string& prefix);

Error FromJson(const Json& value, std::string& into, const std::string& path) {
  if (!value.is_string()) return Mismatch(path, "a string", value);
  into = value.get<std::string>();
  return std::nullopt;
}

Error FromJson(const Json& value, bool& into, const std::string& path) {
  if (!value.is_boolean()) return Mismatch(path, "true or false", value);
  into = value.get<bool>();
  return std::nullopt;
}

template <class T>
requires(std::is_integral_v<T> && !std::is_same_v<T, bool>) Error
    FromJson(const Json& value, T& into, const std::string& path) {
  bool fits = false;
  if (value.is_number_unsigned()) {
    auto number = value.get<std::uint64_t>();
    fits = std::in_range<T>(number);
    if (fits) into = static_cast<T>(number);
  } else if (value.is_number_integer()) {
    auto number = value.get<std::int64_t>();
    fits = std::in_range<T>(number);
    if (fits) into = static_cast<T>(number);
  }
  if (fits) return std::nullopt;
  return Mismatch(path,
                  "an integer from " + std::to_string(std::numeric_limits<T>::min()) + " to " +
                      std::to_string(std::numeric_limits<T>::max()),
                  value);
}

Error FromJson(const Json& value, double& into, const std::string& path) {
  if (!value.is_number() || !std::isfinite(value.get<double>())) return Mismatch(path, "a number", value);
  into = value.get<double>();
  return std::nullopt;
}

std::string OutcomeList() {
  std::string names;
  for (ev::Outcome outcome : ev::AllOutcomes()) {
    names += names.empty() ? "" : ", ";
    names += ev::OutcomeName(outcome);
  }
  return names;
}

Error FromJson(const Json& value, ev::Outcome& into, const std::string& path) {
  std::optional<ev::Outcome> outcome;
  if (value.is_string()) outcome = ev::ParseOutcome(value.get_ref<const std::string&>());
  if (!outcome) return Mismatch(path, "one of " + OutcomeList(), value);
  into = *outcome;
  return std::nullopt;
}

Error FromJson(const Json& value, std::vector<std::string>& into, const std::string& path) {
  if (!value.is_array()) return Mismatch(path, "an array of strings", value);
  into.clear();
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (!value[i].is_string()) return Mismatch(path + "[" + std::to_string(i) + "]", "a string", value[i]);
    into.push_back(value[i].get<std::string>());
  }
  return std::nullopt;
}

template <class R>
Error FromJson(const Json& value, std::vector<R>& into, const std::string& path) {
  if (!value.is_array()) return Mismatch(path, "an array of objects", value);
  into.clear();
  for (std::size_t i = 0; i < value.size(); ++i) {
    R record;
    if (Error error = DecodeRecord(value[i], record, path + "[" + std::to_string(i) + "]")) return error;
    into.push_back(std::move(record));
  }
  return std::nullopt;
}

template <class T>
Error FromJson(const Json& value, std::optional<T>& into, const std::string& path) {
  T decoded{};
  if (Error error = FromJson(value, decoded, path)) {
    return value.is_null() ? *error + " (leave it out when there is none)" : error;
  }
  into = std::move(decoded);
  return std::nullopt;
}

/// Reads every field of R's table from the object `json`. `prefix` locates
/// the object: "" at the top, "peers[0]" inside a snapshot.
template <class R>
Error DecodeRecord(const Json& json, R& into, const std::string& prefix) {
  if (!json.is_object()) return Mismatch(prefix, "an object", json);
  for (const Field<R>& field : RecordOf<R>().fields) {
    const std::string path = prefix.empty() ? std::string(field.name) : prefix + "." + std::string(field.name);
    auto value = json.find(field.name);
    if (value == json.end()) {
      FieldSpec spec = SpecOf(field);
      if (!spec.required) continue;
      return "missing field \"" + path + "\" (" + std::string(FieldTypeName(spec.type)) + ")";
    }
    Error error = std::visit([&](auto member) { return FromJson(*value, into.*member, path); }, field.member);
    if (error) return error;
  }
  return std::nullopt;
}

// ---- Types to decoders ---------------------------------------------------------

using PayloadDecoder = Error (*)(const Json&, ev::Payload&);

template <class P>
Error DecodePayload(const Json& json, ev::Payload& body) {
  P payload;
  if (Error error = DecodeRecord(json, payload, "")) return error;
  body = std::move(payload);
  return std::nullopt;
}

struct TypeEntry {
  std::string_view type;
  PayloadDecoder decode;
};

template <std::size_t... I>
std::vector<TypeEntry> BuildDecoders(std::index_sequence<I...>) {
  return {TypeEntry{std::variant_alternative_t<I, ev::Payload>::kType,
                    &DecodePayload<std::variant_alternative_t<I, ev::Payload>>}...};
}

const TypeEntry* FindDecoder(std::string_view type) {
  static const std::vector<TypeEntry> decoders =
      BuildDecoders(std::make_index_sequence<std::variant_size_v<ev::Payload>>());
  for (const TypeEntry& entry : decoders) {
    if (entry.type == type) return &entry;
  }
  return nullptr;
}

template <std::size_t... I>
std::vector<EventSpec> BuildEventCatalogue(std::index_sequence<I...>) {
  const auto& records = PayloadRecords();
  return {EventSpec{std::variant_alternative_t<I, ev::Payload>::kType, std::get<I>(records).summary,
                    SpecsOf(std::get<I>(records))}...};
}

}  // namespace

const std::vector<FieldSpec>& EventHeaderFields() {
  static const std::vector<FieldSpec> fields = [] {
    std::vector<FieldSpec> all = {
        {"type", FieldType::kString, true, "the dotted type, e.g. task.running: one of the sections below"}};
    for (const FieldSpec& field : SpecsOf(HeaderRecord())) all.push_back(field);
    return all;
  }();
  return fields;
}

const std::vector<EventSpec>& EventCatalogue() {
  static const std::vector<EventSpec> catalogue =
      BuildEventCatalogue(std::make_index_sequence<std::variant_size_v<ev::Payload>>());
  return catalogue;
}

const EventSpec* FindEventSpec(std::string_view type) {
  for (const EventSpec& spec : EventCatalogue()) {
    if (spec.type == type) return &spec;
  }
  return nullptr;
}

Json EncodeEvent(const ev::Event& event) { return EncodeEventAs<Json>(event); }

std::string DumpEvent(const ev::Event& event) {
  std::string out;
  out.reserve(256);  // a task event is 150-250 bytes
  bool first = false;
  out += "{\"type\":";
  WriteText(out, ev::TypeOf(event.body));
  WriteFields(out, event, first);
  std::visit([&](const auto& payload) { WriteFields(out, payload, first); }, event.body);
  out += '}';
  return out;
}

Result<ev::Event> DecodeEvent(const Json& json) {
  if (!json.is_object()) return Status::BadRequest("an event must be a JSON object; got " + Got(json));
  auto type = json.find("type");
  if (type == json.end()) return Status::BadRequest("event: missing field \"type\" (string)");
  if (!type->is_string()) return Status::BadRequest("event: " + Mismatch("type", "a string", *type));
  const std::string& name = type->get_ref<const std::string&>();
  const TypeEntry* entry = FindDecoder(name);
  if (entry == nullptr) return Status(Code::kUnknownType, "unknown event type \"" + Sanitize(name) + "\"");

  ev::Event event;
  Error error = DecodeRecord(json, event, "");
  if (!error) error = entry->decode(json, event.body);
  if (error) return Status::BadRequest("event " + name + ": " + *error);
  return event;
}

const std::vector<EventSpec>& SnapshotCatalogue() {
  static const std::vector<EventSpec> catalogue = {
      {"Snapshot", SnapshotRecord().summary, SpecsOf(SnapshotRecord())},
      {"PeerState", PeerStateRecord().summary, SpecsOf(PeerStateRecord())},
      {"TaskRef", TaskRefRecord().summary, SpecsOf(TaskRefRecord())},
      {"ArenaBlock", ArenaBlockRecord().summary, SpecsOf(ArenaBlockRecord())},
      {"ResourceState", ResourceStateRecord().summary, SpecsOf(ResourceStateRecord())},
      {"ResourceUse", ResourceUseRecord().summary, SpecsOf(ResourceUseRecord())},
  };
  return catalogue;
}

Json EncodeSnapshot(const ev::Snapshot& snapshot) {
  Json out = Json::object();
  EncodeRecord(snapshot, out);
  return out;
}

std::string DumpSnapshot(const ev::Snapshot& snapshot) {
  std::string out;
  WriteObject(out, snapshot);
  return out;
}

Result<ev::Snapshot> DecodeSnapshot(const Json& json) {
  if (!json.is_object()) return Status::BadRequest("a snapshot must be a JSON object; got " + Got(json));
  ev::Snapshot snapshot;
  if (Error error = DecodeRecord(json, snapshot, "")) return Status::BadRequest("snapshot: " + *error);
  return snapshot;
}

}  // namespace osgrid::net
