// Test helpers for the simulators' event streams (sink.h): a sink that keeps
// what it is told, and the checks every simulation's stream must pass.
#pragma once

#include <catch2/catch.hpp>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "osgrid/os/events/events.h"
#include "osgrid/os/events/replay.h"
#include "osgrid/os/events/sink.h"

namespace osgrid::os::events::testing {

/// Keeps every event it is given, in order.
struct Recorder {
  std::vector<Event> events;
  EventSink Sink() {
    return [this](const Event& event) { events.push_back(event); };
  }
};

/// A simulation is its own publisher: seq 1, 2, 3, ... with no gap, node
/// "sim", no epoch (the caller sets it), and t never goes back.
inline void CheckStamps(const std::vector<Event>& events) {
  for (std::size_t i = 0; i < events.size(); ++i) {
    INFO("event " << i << " (" << TypeOf(events[i].body) << ")");
    CHECK(events[i].seq == i + 1);
    CHECK(events[i].node == "sim");
    CHECK(events[i].epoch.empty());
    if (i > 0) CHECK(events[i].t >= events[i - 1].t);
  }
}

/// One event as a line, for comparing a stream with a hand-written one: t,
/// type, then its fields that matter ("2 task.preempted A quantum").
inline std::string Line(const Event& e) {
  std::ostringstream line;
  line << e.t << ' ' << TypeOf(e.body);
  if (const auto* x = std::get_if<TaskSubmitted>(&e.body)) line << ' ' << x->task_id;
  if (const auto* x = std::get_if<TaskQueued>(&e.body)) line << ' ' << x->task_id << ' ' << x->queue_length;
  if (const auto* x = std::get_if<TaskRunning>(&e.body)) line << ' ' << x->task_id;
  if (const auto* x = std::get_if<TaskPreempted>(&e.body)) line << ' ' << x->task_id << ' ' << x->reason;
  if (const auto* x = std::get_if<TaskBlocked>(&e.body)) line << ' ' << x->task_id << ' ' << x->on;
  if (const auto* x = std::get_if<TaskZombie>(&e.body)) {
    line << ' ' << x->task_id << " (parent " << x->parent.value_or("-") << ") " << OutcomeName(x->outcome);
  }
  if (const auto* x = std::get_if<TaskReparented>(&e.body)) {
    line << ' ' << x->task_id << ' ' << x->from << '>' << x->parent.value_or("-");
  }
  if (const auto* x = std::get_if<CpuSwitch>(&e.body)) line << ' ' << x->from << '>' << x->to << ' ' << x->cost_ms;
  if (const auto* x = std::get_if<TaskFinished>(&e.body)) {
    line << ' ' << x->task_id << ' ' << OutcomeName(x->outcome) << " wait " << x->wait_ms << " cpu " << x->cpu_ms
         << " turnaround " << x->turnaround_ms;
  }
  if (const auto* x = std::get_if<MemAlloc>(&e.body)) {
    line << ' ' << x->owner << " at " << x->address << " size " << x->size << " request " << x->request;
  }
  if (const auto* x = std::get_if<MemFree>(&e.body))
    line << ' ' << x->owner << " at " << x->address << " size " << x->size;
  if (const auto* x = std::get_if<MemFailed>(&e.body)) {
    line << ' ' << x->owner << " request " << x->request << ' ' << x->reason << " free " << x->free_bytes << " holes "
         << x->free_holes << " largest " << x->largest_hole;
  }
  if (const auto* x = std::get_if<MemCompact>(&e.body))
    line << " moved " << x->moved_blocks << " bytes " << x->moved_bytes;
  if (const auto* x = std::get_if<PageHit>(&e.body)) line << ' ' << x->page << " in " << x->frame;
  if (const auto* x = std::get_if<PageFault>(&e.body)) line << ' ' << x->page << " in " << x->frame;
  if (const auto* x = std::get_if<PageEvict>(&e.body)) line << ' ' << x->page << " in " << x->frame;
  if (const auto* x = std::get_if<ResourceRequest>(&e.body)) {
    line << ' ' << x->task_id << ' ' << x->op << ' ' << x->kind << ' ' << x->name << " x" << x->count
         << (x->blocked ? " waits" : "") << " available " << x->available;
  }
  if (const auto* x = std::get_if<ResourceGrant>(&e.body)) {
    line << ' ' << x->task_id << ' ' << x->op << ' ' << x->kind << ' ' << x->name << " x" << x->count << " waited "
         << x->waited_ms << " available " << x->available;
  }
  if (const auto* x = std::get_if<ResourceRelease>(&e.body)) {
    line << ' ' << x->task_id << ' ' << x->op << ' ' << x->kind << ' ' << x->name << " x" << x->count << " ("
         << x->reason << ") available " << x->available;
  }
  if (const auto* x = std::get_if<ResourceCancel>(&e.body)) {
    line << ' ' << x->task_id << ' ' << x->op << ' ' << x->kind << ' ' << x->name << " x" << x->count << " ("
         << x->reason << ')';
  }
  if (const auto* x = std::get_if<DeadlockFound>(&e.body)) {
    for (const std::string& process : x->cycle) line << ' ' << process;
    line << " /";
    for (const std::string& resource : x->resources) line << ' ' << resource;
    // What only the tracker says; a simulation's lines stay as they were.
    if (!x->peers.empty()) {
      line << " / on";
      for (const std::string& peer : x->peers) line << ' ' << peer;
    }
    if (!x->deadlocked.empty()) {
      line << " / set";
      for (const std::string& process : x->deadlocked) line << ' ' << process;
    }
    if (!x->algorithm.empty()) line << " (" << x->algorithm << ')';
  }
  if (const auto* x = std::get_if<DeadlockVictim>(&e.body)) {
    line << ' ' << x->task_id << " held " << x->held << " (" << x->rule << ')';
  }
  if (const auto* x = std::get_if<DeadlockStall>(&e.body)) {
    for (std::size_t k = 0; k < x->tasks.size(); ++k) {
      line << ' ' << x->tasks[k] << ':' << (k < x->waiting.size() ? x->waiting[k] : "?");
    }
  }
  return line.str();
}

/// Line() of each event.
inline std::vector<std::string> Lines(const std::vector<Event>& events) {
  std::vector<std::string> lines;
  for (const Event& event : events) lines.push_back(Line(event));
  return lines;
}

/// Checks that each task's own events follow the simulators' causal order:
/// submitted, queued, running, then (preempted or blocked, queued, running)
/// any number of times, then [zombie,] finished; a task.reparented, which
/// may come at any point, is not counted. Returns how many tasks it saw.
inline std::size_t CheckCausalOrder(const std::vector<Event>& events) {
  std::map<std::string, std::string> lives;  // task -> one letter per event
  for (const Event& e : events) {
    if (const auto* x = std::get_if<TaskSubmitted>(&e.body)) lives[x->task_id] += 'S';
    if (const auto* x = std::get_if<TaskQueued>(&e.body)) lives[x->task_id] += 'Q';
    if (const auto* x = std::get_if<TaskRunning>(&e.body)) lives[x->task_id] += 'R';
    if (const auto* x = std::get_if<TaskPreempted>(&e.body)) lives[x->task_id] += 'P';
    if (const auto* x = std::get_if<TaskBlocked>(&e.body)) lives[x->task_id] += 'B';
    if (const auto* x = std::get_if<TaskZombie>(&e.body)) lives[x->task_id] += 'Z';
    if (const auto* x = std::get_if<TaskFinished>(&e.body)) lives[x->task_id] += 'F';
  }
  static const std::regex kCausal("SQR([PB]QR)*Z?F");
  for (const auto& [task, life] : lives) {
    INFO("task " << task << ": " << life);
    CHECK(std::regex_match(life, kCausal));
  }
  return lives.size();
}

/// Checks queue_length: the ready queue with the task in it, i.e. the tasks
/// queued and not picked since (switched to, or running).
inline void CheckQueueLengths(const std::vector<Event>& events) {
  std::set<std::string> ready;
  for (const Event& e : events) {
    if (const auto* x = std::get_if<TaskQueued>(&e.body)) {
      ready.insert(x->task_id);
      INFO(Line(e));
      CHECK(static_cast<std::size_t>(x->queue_length) == ready.size());
    }
    if (const auto* x = std::get_if<CpuSwitch>(&e.body)) ready.erase(x->to);
    if (const auto* x = std::get_if<TaskRunning>(&e.body)) ready.erase(x->task_id);
  }
}

/// "run A [0, 2) switch B [2, 3) ...": a chart for a failure message.
inline std::string Show(const std::vector<GanttBar>& bars) {
  std::ostringstream text;
  for (const GanttBar& bar : bars) {
    const char* kind = bar.kind == GanttBar::Kind::kRun ? "run" : bar.kind == GanttBar::Kind::kIdle ? "idle" : "switch";
    text << kind << ' ' << bar.task_id << " [" << bar.start << ", " << bar.end << ") ";
  }
  return text.str();
}

}  // namespace osgrid::os::events::testing
