// The CPU-scheduling simulator: one discrete-event loop for every policy.
// Source: OSTEP ch. 7 (7.2 metrics, 7.8 I/O); Silberschatz 10e, 5.1-5.2 and 5.8.
// Event order within an instant, tie-breaking and the events said at each
// step: see simulator.h.
#include "osgrid/os/sched/simulator.h"

#include <algorithm>
#include <functional>
#include <queue>

namespace osgrid::os {
namespace {

constexpr std::size_t kNone = static_cast<std::size_t>(-1);
constexpr std::int64_t kNever = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kMaxTime = 1'000'000'000'000;  // 10^12: sums stay far from overflow

std::string JobLabel(const SchedProcess& process, std::size_t index) {
  return "job " + (process.name.empty() ? std::to_string(index) : process.name);
}

/// One run of the simulation; see simulator.h for the rules it follows.
///
/// Inside, processes are numbered by arrival rank r: their order by (arrival
/// time, input index), the order in which ties are broken. The rank is also
/// the id the policy sees, so "lower id" means "arrived first", and the ready
/// tasks' ids stay close together (LOTTERY's tree stays warm in the cache).
class Engine {
 public:
  Engine(ReadyQueuePolicy& policy, const std::vector<SchedProcess>& processes, const SchedOptions& options)
      : policy_(policy),
        processes_(processes),
        options_(options),
        state_(processes.size()),
        events_(options.event_sink) {}

  SchedResult Run();

 private:
  /// Per process (by rank): where it is in its bursts, and a copy of the
  /// input fields the loop reads, so that it walks one array in arrival order.
  struct State {
    std::int64_t arrival = 0;
    std::int64_t tickets = 0;
    int priority = 0;
    std::uint32_t burst = 0;   // index in bursts of its current (or next) CPU burst
    std::uint32_t bursts = 0;  // how many bursts it has
    std::int64_t left = 0;     // what is left of that CPU burst
    std::int64_t first_run = -1;
    std::int64_t completion = -1;
    std::int64_t pass = 0;  // STRIDE's pass, kept between runs
    std::int64_t cpu = 0;   // total CPU and I/O bursts
    std::int64_t io = 0;
  };
  /// An I/O completion: (time, rank), earliest first, then by rank.
  using IoDone = std::pair<std::int64_t, std::size_t>;

  const SchedProcess& Process(std::size_t r) const { return processes_[order_[r]]; }
  std::size_t EndPiece();
  void AdmitNewlyReady();
  void Admit(std::size_t r);
  ReadyTask Task(std::size_t r) const;
  void EndCpuBurst(std::size_t r, std::int64_t ran);
  void Dispatch();
  void StartRunning(std::size_t r);
  std::int64_t StopRunning();
  void PreemptIfNeeded();
  std::int64_t NextEvent();
  std::size_t TimelineBound() const;
  void Record(SchedSegment::Kind kind, std::size_t r, std::int64_t start, std::int64_t end);
  SchedResult Summarize();

  // The event stream (simulator.h, "Events"): each Say is one step of a
  // task. The test is inline and the event is built out of line, so a run
  // that nobody listens to pays one branch per step.
  enum class TaskEvent : std::uint8_t {
    kSubmitted,
    kQueued,
    kRunning,
    kQuantumExpired,
    kPreempted,
    kBlocked,
    kFinished
  };
  void Say(TaskEvent what, std::size_t r) {
    if (events_.on()) Publish(what, r);
  }
  void SaySwitch(std::size_t from, std::size_t to) {
    if (events_.on()) PublishSwitch(from, to);
  }
  void Publish(TaskEvent what, std::size_t r);
  void PublishSwitch(std::size_t from, std::size_t to);
  std::string TaskId(std::size_t r) const;

  ReadyQueuePolicy& policy_;
  const std::vector<SchedProcess>& processes_;
  const SchedOptions& options_;
  std::vector<State> state_;
  std::vector<std::size_t> order_;  // order_[rank] = input index
  std::size_t next_arrival_ = 0;    // the rank of the first process that has not arrived yet
  std::priority_queue<IoDone, std::vector<IoDone>, std::greater<>> io_;

  std::int64_t now_ = 0;
  std::size_t running_ = kNone;  // on the CPU (a rank)
  std::int64_t run_start_ = 0;
  std::int64_t run_end_ = 0;       // when its burst ends or its quantum expires, whichever is first
  std::size_t switching_ = kNone;  // being switched to
  std::int64_t switch_end_ = 0;
  std::size_t last_dispatched_ = kNone;
  std::size_t finished_ = 0;
  bool check_preemption_ = false;       // tasks joined, or a task aged, since the last ShouldPreempt
  std::optional<std::int64_t> wakeup_;  // the policy's next aging step, while a task runs
  SchedResult result_;
  events::SimPublisher events_;
};

SchedResult Engine::Run() {
  std::vector<std::pair<std::int64_t, std::size_t>> by_arrival(processes_.size());
  for (std::size_t i = 0; i < processes_.size(); ++i) by_arrival[i] = {processes_[i].arrival, i};
  if (!std::is_sorted(by_arrival.begin(), by_arrival.end())) {  // all at 0, or listed in order: the usual case
    std::sort(by_arrival.begin(), by_arrival.end());
  }
  order_.resize(processes_.size());
  for (std::size_t r = 0; r < order_.size(); ++r) {
    order_[r] = by_arrival[r].second;
    const SchedProcess& process = Process(r);
    State& state = state_[r];
    state.arrival = process.arrival;
    state.tickets = process.tickets;
    state.priority = process.priority;
    state.bursts = static_cast<std::uint32_t>(process.bursts.size());
    state.left = process.bursts.front();
    state.cpu = process.cpu_time();
    state.io = process.io_time();
  }
  if (options_.record_timeline) result_.timeline.reserve(TimelineBound());
  while (finished_ < processes_.size()) {
    policy_.AdvanceTo(now_);
    if (wakeup_ == now_) check_preemption_ = true;
    const std::size_t expired = running_ != kNone && run_end_ == now_ ? EndPiece() : kNone;  // 1.
    AdmitNewlyReady();                                                                       // 2.
    if (expired != kNone) Admit(expired);                                                    // 3.
    if (switching_ != kNone && switch_end_ == now_) StartRunning(switching_);                // 4.
    PreemptIfNeeded();                                                                       // 5.
    if (running_ == kNone && switching_ == kNone) Dispatch();                                // 6.
    const std::int64_t next = NextEvent();
    if (next == kNever) break;  // cannot happen while a process is unfinished
    if (running_ == kNone && switching_ == kNone) Record(SchedSegment::Kind::kIdle, 0, now_, next);
    now_ = next;
  }
  return Summarize();
}

/// At most how many bars the timeline can have: one per dispatch (a CPU
/// burst, or a quantum of it; preemptions add at most one per arrival or I/O
/// completion) plus an idle or switch bar before each. Reserving it (virtual
/// memory, touched only as used) spares the copies of a growing vector. For
/// a policy whose slices vary (MLFQ: one per level, resumed slices) it is an
/// estimate from quantum(), and the vector grows if it was short.
std::size_t Engine::TimelineBound() const {
  const std::int64_t quantum = policy_.quantum();
  std::size_t pieces = 0;
  for (const SchedProcess& process : processes_) {
    for (std::size_t b = 0; b < process.bursts.size(); b += 2) {
      const std::int64_t burst = process.bursts[b];
      pieces += 2 + static_cast<std::size_t>(quantum > 0 ? (burst + quantum - 1) / quantum : 1);
    }
  }
  return 2 * pieces + 1;
}

/// The running piece ends now. Returns the process if its quantum expired
/// with work left (it must join the ready queue again), else kNone.
std::size_t Engine::EndPiece() {
  const std::size_t r = running_;
  const std::int64_t ran = StopRunning();
  if (state_[r].left > 0) {
    policy_.Ran(Task(r), ran, RunEnd::kSliceExpired);
    Say(TaskEvent::kQuantumExpired, r);
    return r;
  }
  EndCpuBurst(r, ran);
  return kNone;
}

/// `r`'s CPU burst ended after `ran` on the CPU in this dispatch: it finishes
/// or starts its I/O burst; the policy hears which (Ran) first.
void Engine::EndCpuBurst(std::size_t r, std::int64_t ran) {
  State& s = state_[r];
  const bool last = s.burst + 1 >= s.bursts;
  policy_.Ran(Task(r), ran, last ? RunEnd::kFinished : RunEnd::kBlocked);
  if (last) {
    s.completion = now_;
    ++finished_;
    Say(TaskEvent::kFinished, r);
    return;
  }
  const std::vector<std::int64_t>& bursts = Process(r).bursts;
  const std::int64_t io = bursts[s.burst + 1];
  s.burst += 2;
  s.left = bursts[s.burst];
  io_.emplace(now_ + io, r);
  Say(TaskEvent::kBlocked, r);
}

void Engine::AdmitNewlyReady() {
  // Arrivals come in rank order, and so do I/O completions at one instant: merge them.
  while (true) {
    const bool arrival = next_arrival_ < order_.size() && state_[next_arrival_].arrival == now_;
    const bool io = !io_.empty() && io_.top().first == now_;
    if (!arrival && !io) return;
    std::size_t r = kNone;
    if (arrival && (!io || next_arrival_ < io_.top().second)) {
      r = next_arrival_++;
      Say(TaskEvent::kSubmitted, r);
    } else {
      r = io_.top().second;
      io_.pop();
    }
    Admit(r);
    check_preemption_ = true;
  }
}

ReadyTask Engine::Task(std::size_t r) const {
  const State& s = state_[r];
  return ReadyTask{r, s.arrival, s.priority, s.left, s.tickets, now_, s.pass};
}

void Engine::Admit(std::size_t r) {
  policy_.Admit(Task(r));
  Say(TaskEvent::kQueued, r);
}

void Engine::Dispatch() {
  std::optional<ReadyTask> picked = policy_.PickNext();
  if (!picked) return;
  const std::size_t r = static_cast<std::size_t>(picked->id);
  state_[r].pass = picked->pass;  // what the policy updated
  const bool context_switch = last_dispatched_ != kNone && last_dispatched_ != r;
  if (context_switch) SaySwitch(last_dispatched_, r);
  last_dispatched_ = r;
  if (context_switch) ++result_.context_switches;
  if (context_switch && options_.context_switch_cost > 0) {
    switching_ = r;
    switch_end_ = now_ + options_.context_switch_cost;
    result_.switching += options_.context_switch_cost;
    Record(SchedSegment::Kind::kSwitch, r, now_, switch_end_);
    return;
  }
  StartRunning(r);
}

void Engine::StartRunning(std::size_t r) {
  switching_ = kNone;
  running_ = r;
  run_start_ = now_;
  const std::int64_t slice = policy_.SliceFor(Task(r));  // 0 = until its burst ends
  run_end_ = now_ + (slice > 0 ? std::min(slice, state_[r].left) : state_[r].left);
  Say(TaskEvent::kRunning, r);
}

/// Takes the CPU from the running task; returns how long it ran in this dispatch.
std::int64_t Engine::StopRunning() {
  const std::size_t r = running_;
  running_ = kNone;
  const std::int64_t ran = now_ - run_start_;
  if (ran == 0) return 0;  // preempted the instant its context switch ended
  State& s = state_[r];
  if (s.first_run < 0) s.first_run = run_start_;
  s.left -= ran;
  result_.busy += ran;
  Record(SchedSegment::Kind::kRun, r, run_start_, now_);
  return ran;
}

void Engine::PreemptIfNeeded() {
  if (running_ == kNone || !policy_.preemptive() || !check_preemption_) return;
  check_preemption_ = false;
  ReadyTask running = Task(running_);
  running.expected_burst_ms -= now_ - run_start_;
  if (!policy_.ShouldPreempt(running)) return;
  const std::size_t r = running_;
  const std::int64_t ran = StopRunning();
  policy_.Ran(Task(r), ran, RunEnd::kPreempted);
  Say(TaskEvent::kPreempted, r);
  Admit(r);
}

std::int64_t Engine::NextEvent() {
  std::int64_t next = kNever;
  if (next_arrival_ < order_.size()) next = state_[next_arrival_].arrival;
  if (!io_.empty()) next = std::min(next, io_.top().first);
  if (running_ != kNone) next = std::min(next, run_end_);
  if (switching_ != kNone) next = std::min(next, switch_end_);
  wakeup_ = running_ != kNone && policy_.preemptive() ? policy_.NextWakeup() : std::nullopt;
  if (wakeup_) next = std::min(next, *wakeup_);
  return next;
}

void Engine::Record(SchedSegment::Kind kind, std::size_t r, std::int64_t start, std::int64_t end) {
  if (start == end) return;
  const std::size_t p = kind == SchedSegment::Kind::kIdle ? 0 : order_[r];  // the input index
  if (options_.on_segment) options_.on_segment(SchedSegment{start, end, static_cast<std::uint32_t>(p), kind});
  if (!options_.record_timeline) return;
  std::vector<SchedSegment>& timeline = result_.timeline;
  if (!timeline.empty()) {
    SchedSegment& last = timeline.back();
    if (last.kind == kind && last.process == p && last.end == start && kind != SchedSegment::Kind::kSwitch) {
      last.end = end;  // the same process again (its quantum expired, nobody else was ready)
      return;
    }
  }
  timeline.push_back(SchedSegment{start, end, static_cast<std::uint32_t>(p), kind});
}

SchedResult Engine::Summarize() {
  result_.policy = std::string(policy_.name());
  const std::size_t n = processes_.size();
  result_.processes.resize(n);
  double response = 0, turnaround = 0, waiting = 0;
  for (std::size_t rank = 0; rank < n; ++rank) {
    const State& s = state_[rank];
    SchedProcessResult& r = result_.processes[order_[rank]];
    r.first_run = s.first_run;
    r.completion = s.completion;
    r.cpu = s.cpu;
    r.io = s.io;
    r.response = r.first_run - s.arrival;
    r.turnaround = r.completion - s.arrival;
    r.waiting = r.turnaround - r.cpu - r.io;
    response += static_cast<double>(r.response);
    turnaround += static_cast<double>(r.turnaround);
    waiting += static_cast<double>(r.waiting);
    result_.makespan = std::max(result_.makespan, r.completion);
  }
  result_.average_response = response / static_cast<double>(n);
  result_.average_turnaround = turnaround / static_cast<double>(n);
  result_.average_waiting = waiting / static_cast<double>(n);
  const double makespan = static_cast<double>(result_.makespan);
  result_.utilization = static_cast<double>(result_.busy) / makespan;
  result_.throughput = static_cast<double>(n) / makespan;
  return std::move(result_);
}

std::string Engine::TaskId(std::size_t r) const {
  const std::string& name = Process(r).name;
  return name.empty() ? std::to_string(order_[r]) : name;
}

void Engine::Publish(TaskEvent what, std::size_t r) {
  const auto t = static_cast<double>(now_);
  switch (what) {
    case TaskEvent::kSubmitted:
      events_.Publish(t, events::TaskSubmitted{.task_id = TaskId(r), .name = TaskId(r)});
      return;
    case TaskEvent::kQueued: {
      const std::optional<std::size_t> position = policy_.PositionOf(r);  // the policy's order, when fixed
      events_.Publish(t, events::TaskQueued{.task_id = TaskId(r),
                                            .queue_length = static_cast<int>(policy_.size()),
                                            .position = position ? std::optional<int>(*position + 1) : std::nullopt});
      return;
    }
    case TaskEvent::kRunning:
      events_.Publish(t, events::TaskRunning{.task_id = TaskId(r)});
      return;
    case TaskEvent::kQuantumExpired:
      events_.Publish(t, events::TaskPreempted{.task_id = TaskId(r), .reason = "quantum"});
      return;
    case TaskEvent::kPreempted:
      events_.Publish(t, events::TaskPreempted{.task_id = TaskId(r), .reason = "preempted"});
      return;
    case TaskEvent::kBlocked:
      events_.Publish(t, events::TaskBlocked{.task_id = TaskId(r), .on = "io"});
      return;
    case TaskEvent::kFinished: {
      const State& s = state_[r];
      const std::int64_t turnaround = s.completion - s.arrival;
      events_.Publish(t, events::TaskFinished{.task_id = TaskId(r),
                                              .outcome = events::Outcome::kOk,
                                              .wait_ms = static_cast<double>(turnaround - s.cpu - s.io),
                                              .cpu_ms = static_cast<double>(s.cpu),
                                              .turnaround_ms = static_cast<double>(turnaround)});
      return;
    }
  }
}

void Engine::PublishSwitch(std::size_t from, std::size_t to) {
  const auto cost = static_cast<double>(options_.context_switch_cost);
  events_.Publish(static_cast<double>(now_),
                  events::CpuSwitch{.from = TaskId(from), .to = TaskId(to), .cost_ms = cost});
}

}  // namespace

std::int64_t SchedProcess::cpu_time() const {
  std::int64_t total = 0;
  for (std::size_t i = 0; i < bursts.size(); i += 2) total += bursts[i];
  return total;
}

std::int64_t SchedProcess::io_time() const {
  std::int64_t total = 0;
  for (std::size_t i = 1; i < bursts.size(); i += 2) total += bursts[i];
  return total;
}

Expected<bool> ValidateSchedProcesses(const std::vector<SchedProcess>& processes) {
  if (processes.empty()) return Fail("no jobs to schedule");
  if (processes.size() >= UINT32_MAX) return Fail("too many jobs (at most 2^32 - 2)");
  for (std::size_t i = 0; i < processes.size(); ++i) {
    const SchedProcess& process = processes[i];
    const auto job = [&] { return JobLabel(process, i); };  // built only for a message
    if (process.arrival < 0) return Fail(job() + ": arrival must be >= 0, got " + std::to_string(process.arrival));
    if (process.arrival > kMaxTime) return Fail(job() + ": arrival must be at most 10^12");
    if (process.bursts.empty()) return Fail(job() + ": has no CPU burst");
    if (process.bursts.size() > 1'000'001) return Fail(job() + ": more than a million bursts");
    if (process.bursts.size() % 2 == 0) {
      return Fail(job() + ": bursts alternate CPU, I/O, ..., CPU, so their number must be odd, got " +
                  std::to_string(process.bursts.size()));
    }
    for (std::size_t b = 0; b < process.bursts.size(); ++b) {
      const char* what = b % 2 == 0 ? "burst" : "I/O burst";
      const std::int64_t burst = process.bursts[b];
      if (burst <= 0) return Fail(job() + ": " + what + " must be > 0, got " + std::to_string(burst));
      if (burst > kMaxTime) return Fail(job() + ": " + what + " must be at most 10^12");
    }
    if (process.tickets < 1) return Fail(job() + ": tickets must be >= 1, got " + std::to_string(process.tickets));
  }
  return true;
}

Expected<SchedResult> SimulateScheduling(ReadyQueuePolicy& policy, const std::vector<SchedProcess>& processes,
                                         const SchedOptions& options) {
  Expected<bool> valid = ValidateSchedProcesses(processes);
  if (!valid) return valid.error();
  if (options.context_switch_cost < 0) {
    return Fail("context-switch cost must be >= 0, got " + std::to_string(options.context_switch_cost));
  }
  if (options.context_switch_cost > kMaxTime) return Fail("context-switch cost must be at most 10^12");
  if (policy.size() != 0) return Fail("the policy's ready queue must start empty");
  return Engine(policy, processes, options).Run();
}

}  // namespace osgrid::os
