// Rebuilding a simulation's picture from its events: pure folds over a
// sequence of events (events.h) in seq order, for the tests that check the
// simulators against their own results and for a viewer that replays a
// trace. Each fold reads the types it knows and skips the others, and
// refuses a sequence that could not have happened, naming the event.
//
// The pictures are the textbooks':
//   ReplaySchedule: the Gantt chart and each task's times (Silberschatz 10e
//                   5.2-5.3; OSTEP ch. 7, turnaround and response; waiting =
//                   time in the ready queue), from task.* and cpu.switch;
//   ReplayHeap:     the memory map, allocated blocks and holes
//                   (Silberschatz 9.2.2-9.2.3; OSTEP ch. 17), from mem.*;
//   ReplayPaging:   hits, faults and the frame table (Silberschatz 10.4;
//                   OSTEP ch. 22), from page.*.
// Times are the events' t (simulated time units, or a step index).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "osgrid/os/events/events.h"
#include "osgrid/os/expected.h"

namespace osgrid::os::events {

// ---- scheduling -----------------------------------------------------------------

/// One bar of a Gantt chart: [start, end), start < end.
struct GanttBar {
  enum class Kind : std::uint8_t { kRun, kIdle, kSwitch };
  Kind kind = Kind::kRun;
  double start = 0;
  double end = 0;
  std::string task_id;  // who runs (kRun) or is switched to (kSwitch); "" for kIdle
  bool operator==(const GanttBar& other) const = default;
};

/// One task's life, as its events tell it. Times in the events' unit.
struct TaskTimes {
  std::string task_id;
  double submitted = 0;                // its task.submitted's t
  std::optional<double> first_run;     // where its first run of non-zero length starts
  std::optional<double> finished;      // its task.finished's t (for a zombie, when its parent reaped it)
  double wait = 0;                     // ready: each task.queued to the task.running that ends it
  double cpu = 0;                      // running: each task.running to the event that stops it
  double io = 0;                       // blocked: each task.blocked to the task.queued that ends it
  std::optional<TaskFinished> report;  // what its task.finished said (its own wait, cpu, turnaround)
};

/// What ReplaySchedule rebuilds.
struct ScheduleReplay {
  /// Time-ordered and gap-free from 0 (a simulation's clock starts at 0) to
  /// the end of the last run or switch: a run from each task.running to the
  /// task.preempted, task.blocked, task.zombie or task.finished that stops
  /// it, a switch for [t, t + cost_ms) of each cpu.switch, idle in between.
  /// Runs of one task that touch are merged (its quantum expired with nobody
  /// else ready), and so are idle bars; switches never are.
  std::vector<GanttBar> gantt;
  std::vector<TaskTimes> tasks;       // in task.submitted order
  std::int64_t context_switches = 0;  // cpu.switch events, those with no cost included
  double switching = 0;               // time in switches
};

/// Folds the task.* and cpu.switch events of one CPU (a simulation's). Each
/// task must go submitted -> queued -> [cpu.switch to it] -> running ->
/// (preempted -> queued | blocked -> queued) -> ... -> running -> [zombie] ->
/// finished (a zombie's run ends at its task.zombie; task.reparented changes
/// no time and is skipped);
/// a task.running needs the CPU free (or the switch to that task just
/// ended), a cpu.switch needs it free and its task ready; t never decreases.
/// Errors name the event: "seq 14 (t 6): task.running of 'B': the CPU is
/// running 'A'".
Expected<ScheduleReplay> ReplaySchedule(const std::vector<Event>& events);

// ---- memory allocation ------------------------------------------------------------

/// One block of the memory map.
struct HeapBlockView {
  std::uint64_t address = 0;
  std::uint64_t size = 0;  // bytes
  bool free = true;
  std::string owner;          // allocated: who holds it ("ptr[3]"); "" when free
  std::uint64_t request = 0;  // allocated: bytes asked for (size - request: header and padding)
  bool operator==(const HeapBlockView& other) const = default;
};

/// What ReplayHeap rebuilds.
struct HeapReplay {
  /// By address, covering [base, base + size) exactly: every allocated block,
  /// and between them the free space, one free block per maximal hole.
  /// (Events say where blocks are, not how the allocator splits a hole into
  /// free-list entries: without coalescing, two neighbouring free-list
  /// entries show here as one hole.)
  std::vector<HeapBlockView> blocks;
  std::uint64_t allocated_bytes = 0;
  std::uint64_t free_bytes = 0;
  std::uint64_t allocations = 0;             // mem.alloc
  std::uint64_t frees = 0;                   // mem.free
  std::uint64_t failures = 0;                // mem.failed, of which:
  std::uint64_t fragmentation_failures = 0;  // reason "fragmentation"
  std::uint64_t compactions = 0;             // mem.compact
};

/// Folds the mem.alloc, mem.free, mem.failed and mem.compact events of one
/// heap of `size` bytes from address `base`. A compaction slides every
/// allocated block down, in address order, from `base` (allocator.h), and
/// must have moved the blocks and bytes it says. Errors: a block outside the
/// heap or over another, a free of a block not allocated (address, size and
/// owner must match), a compaction whose figures differ.
Expected<HeapReplay> ReplayHeap(std::uint64_t base, std::uint64_t size, const std::vector<Event>& events);

// ---- paging ---------------------------------------------------------------------------

/// What ReplayPaging rebuilds.
struct PagingReplay {
  std::uint64_t hits = 0;
  std::uint64_t faults = 0;  // misses, cold ones included
  std::uint64_t evictions = 0;
  /// Frame i holds frames[i] at the end (nullopt = free); as many frames as
  /// the highest frame any event names, plus one.
  std::vector<std::optional<std::int64_t>> frames;
};

/// Folds the page.* events: a hit must find its page in its frame, an
/// eviction must empty a frame that holds its page, a fault must load a page
/// that is not resident into a free frame. Errors name the event.
Expected<PagingReplay> ReplayPaging(const std::vector<Event>& events);

}  // namespace osgrid::os::events
