// LiveScheduler: see live_scheduler.h. Sections:
//   [SECTION] Admission
//   [SECTION] The dispatcher: putting tasks on cores and taking them off
//   [SECTION] Ending: exit, burst prediction, the record
//   [SECTION] Reports
//
// Source: Silberschatz 10e 5.1-5.3; OSTEP ch. 7-9 (see the header).
#include "live_scheduler.h"

#include <utility>  // before Boost.Asio: GCC 12 + C++20 (docs/toolchain.md)

#include <algorithm>

#include <spdlog/spdlog.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

namespace osgrid::peer {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

namespace {

std::int64_t Millis(Clock::duration d) { return std::chrono::duration_cast<milliseconds>(d).count(); }

std::int64_t Millis(std::chrono::microseconds d) { return d.count() / 1000; }

}  // namespace

/// The process control block of one task on this peer.
struct LiveScheduler::Proc {
  Proc(asio::io_context& io) : slice_timer(io) {}

  TaskSpec spec;  // until it is started
  std::string task_id;
  std::string name;
  Done done;
  os::ReadyTask ready;  // what the policy knows of it
  std::optional<std::string> parent;
  enum class State { kReady, kRunning, kWaiting } state = State::kReady;
  std::function<void()> on_resume;             // Wake's: runs when it is next put on a core
  Clock::time_point blocked_since;             // while waiting
  double blocked_since_t = 0;                  // the same, on the tracker's clock
  std::string blocked_on;                      // what it waits for: "wait peer-1/8"
  Clock::duration blocked{0};                  // time spent waiting in system calls, in all
  std::optional<Executor::TaskHandle> handle;  // once started
  int core = -1;                               // while running
  std::int64_t burst_estimate_ms = 0;          // its whole CPU burst, as given or predicted
  Clock::time_point submitted;
  std::optional<Clock::time_point> first_run;
  // The current stretch on a core (one timeline segment), and the current
  // turn in it (a slice renewed without a stop starts a new turn).
  Clock::time_point segment_start;
  double segment_start_t = 0;  // the same, on the tracker's clock
  std::chrono::microseconds cpu_at_segment_start{0};
  Clock::time_point turn_start;                        // when this turn began
  std::chrono::microseconds cpu_at_dispatch{0};        // CPU time when this turn began
  std::chrono::microseconds run_delay_at_dispatch{0};  // Executor::RunDelay when this turn began
  Clock::duration on_core{0};
  std::int64_t preemptions = 0;
  bool cancelling = false;  // Cancel() was called; its end is on its way
  asio::steady_timer slice_timer;
};

struct WakeupTimer {
  explicit WakeupTimer(asio::io_context& io) : timer(io) {}
  asio::steady_timer timer;
};

Result<std::unique_ptr<LiveScheduler>> LiveScheduler::Create(asio::io_context& io, Executor& executor,
                                                             PeerEvents& events, SchedulerOptions options) {
  if (options.cores < 1) return Status::BadRequest("cores must be >= 1, got " + std::to_string(options.cores));
  if (!options.remote.file.empty()) {
    auto remote = RemotePolicy::Start(
        options.remote, [&events, node = options.node](const std::string& policy, const std::string& reason) {
          events.Publish(os::events::SchedPolicyFallback{node, policy, reason});
        });
    if (!remote.ok()) return remote.status();
    RemotePolicy* view = remote->get();
    spdlog::info("scheduler: {} from {} (preemptive: {}, time slice: {}), each call answered within {} ms",
                 view->label(), options.remote.file, view->preemptive() ? "yes" : "no",
                 view->quantum() > 0 ? std::to_string(view->quantum()) + " ms" : "none",
                 options.remote.timeout.count());
    return std::unique_ptr<LiveScheduler>(
        new LiveScheduler(io, executor, events, std::move(options), nullptr, std::move(remote).value(), view));
  }
  const os::SchedPolicyInfo* info = os::FindSchedPolicy(options.policy);
  auto policy = os::MakeSchedPolicy(options.policy, options.params);
  if (info == nullptr || !policy.ok()) return Status::BadRequest("--scheduler: " + policy.error().message);
  return std::unique_ptr<LiveScheduler>(
      new LiveScheduler(io, executor, events, std::move(options), info, std::move(policy).value()));
}

LiveScheduler::LiveScheduler(asio::io_context& io, Executor& executor, PeerEvents& events, SchedulerOptions options,
                             const os::SchedPolicyInfo* info, std::unique_ptr<os::ReadyQueuePolicy> policy,
                             RemotePolicy* remote)
    : io_(io),
      executor_(executor),
      events_(events),
      options_(std::move(options)),
      info_(info),
      policy_(std::move(policy)),
      remote_(remote),
      epoch_(Clock::now()),
      cores_(static_cast<std::size_t>(options_.cores), 0),
      wakeup_(std::make_unique<WakeupTimer>(io)) {}

LiveScheduler::~LiveScheduler() = default;

std::int64_t LiveScheduler::NowMs() const { return Millis(Clock::now() - epoch_); }

std::size_t LiveScheduler::ready() const { return policy_->size(); }

std::size_t LiveScheduler::running() const {
  return static_cast<std::size_t>(
      std::count_if(cores_.begin(), cores_.end(), [](std::uint64_t id) { return id != 0; }));
}

// [SECTION] Admission ---------------------------------------------------------------

Status LiveScheduler::Submit(TaskSpec spec, SchedFields fields, Done done) {
  if (policy_->size() >= options_.ready_queue_max) {
    return Status::Limit("ready queue of " + options_.node + " is full (" + std::to_string(options_.ready_queue_max) +
                         " tasks)");
  }
  const std::uint64_t id = next_id_++;
  auto proc = std::make_unique<Proc>(io_);
  proc->task_id = spec.task_id;
  proc->name = fields.name.empty() ? spec.function : fields.name;
  proc->parent = fields.parent;
  proc->spec = std::move(spec);
  proc->done = std::move(done);
  proc->submitted = Clock::now();
  proc->burst_estimate_ms = fields.burst_ms ? *fields.burst_ms : PredictBurst(proc->name);
  const std::int64_t now = NowMs();
  proc->ready = os::ReadyTask{id, now, fields.priority, proc->burst_estimate_ms, fields.tickets, now, 0};
  Proc& admitted = *procs_.emplace(id, std::move(proc)).first->second;

  policy_->AdvanceTo(now);
  policy_->Admit(admitted.ready);
  PublishQueued(admitted);
  DispatchSoon();
  return Status::Ok();
}

void LiveScheduler::PublishQueued(const Proc& proc) {
  os::events::TaskQueued queued{proc.task_id, proc.parent, options_.node, static_cast<int>(policy_->size())};
  if (std::optional<std::size_t> position = policy_->PositionOf(proc.ready.id)) {
    queued.position = static_cast<int>(*position) + 1;
  }
  events_.Publish(std::move(queued));
}

/// The dispatcher runs once the current handler is done, so that tasks that
/// arrive together (a CPU_BATCH) are all in the ready queue when the policy
/// first picks among them, as they are in a simulation where they arrive at
/// the same instant.
void LiveScheduler::DispatchSoon() {
  if (dispatch_pending_) return;
  dispatch_pending_ = true;
  asio::post(io_, [this, alive = std::weak_ptr<bool>(alive_)] {
    if (alive.expired()) return;
    dispatch_pending_ = false;
    MaybePreempt();
    Dispatch();
  });
}

// [SECTION] The dispatcher ------------------------------------------------------------

/// Fills every idle core with the task the policy picks.
void LiveScheduler::Dispatch() {
  policy_->AdvanceTo(NowMs());
  for (int core = 0; core < options_.cores; ++core) {
    if (cores_[static_cast<std::size_t>(core)] != 0) continue;
    std::optional<os::ReadyTask> next = policy_->PickNext();
    if (!next) break;
    Proc& proc = *procs_.at(next->id);
    proc.ready = *next;  // the policy may have updated it (stride's pass)
    RunOn(proc, core);
  }
  ArmWakeup();
  if (options_.on_change) options_.on_change();
}

/// Puts `proc` on `core`: starts its process the first time, continues it
/// (SIGCONT) after that, and arms its time slice.
void LiveScheduler::RunOn(Proc& proc, int core) {
  const std::uint64_t id = proc.ready.id;
  if (!proc.handle) {
    auto started = executor_.Start(
        std::move(proc.spec), [this, id](TaskOutcome outcome) { OnExit(id, outcome); }, [this, id] { OnLaunched(id); });
    if (!started.ok()) {  // never ran: end it from the io loop, as a process exit would
      TaskOutcome failed;
      failed.status = started.status();
      asio::post(io_, [this, id, failed, alive = std::weak_ptr<bool>(alive_)] {
        if (!alive.expired()) OnExit(id, failed);
      });
      cores_[static_cast<std::size_t>(core)] = id;
      proc.state = Proc::State::kRunning;
      proc.core = core;
      return;
    }
    proc.handle = *started;
    BeginTurn(proc);
  } else {
    // The turn counts from before SIGCONT: on a loaded machine the task can
    // run for ms before this handler has the CPU back.
    BeginTurn(proc);
    if (Status continued = executor_.Continue(*proc.handle); !continued.ok()) {
      spdlog::debug("continuing {}: {}", proc.task_id, continued.ToString());  // it is exiting; OnExit follows
    }
  }
  if (last_dispatched_ != 0 && last_dispatched_ != id) ++context_switches_;
  last_dispatched_ = id;
  cores_[static_cast<std::size_t>(core)] = id;
  proc.state = Proc::State::kRunning;
  proc.core = core;
  proc.segment_start = Clock::now();
  proc.segment_start_t = events_.TrackerNowMs();
  if (!proc.first_run) proc.first_run = proc.segment_start;
  // The segment counts CPU from the reading taken when the task was last
  // stopped (EndSegment), so what it used while the stop took effect is not
  // lost between two segments.
  events_.Publish(os::events::TaskRunning{proc.task_id, proc.parent, options_.node});
  if (proc.on_resume) {  // back from a system call: its reply lets it go on
    auto resume = std::move(proc.on_resume);
    proc.on_resume = nullptr;
    resume();
  }

  // A task's first slice starts when its process has its task: waiting for
  // a process is not time on the core (OnLaunched).
  if (executor_.Launched(*proc.handle)) StartSlice(proc);
}

void LiveScheduler::OnLaunched(std::uint64_t id) {
  auto it = procs_.find(id);
  if (it == procs_.end() || it->second->state != Proc::State::kRunning) return;
  Proc& proc = *it->second;
  proc.cpu_at_segment_start = executor_.CpuTime(*proc.handle);
  BeginTurn(proc);
  StartSlice(proc);
}

void LiveScheduler::StartSlice(Proc& proc) {
  const std::int64_t slice = policy_->SliceFor(proc.ready);
  if (slice > 0) ArmSlice(proc, std::chrono::microseconds(slice * 1000));
}

void LiveScheduler::BeginTurn(Proc& proc) {
  proc.turn_start = Clock::now();
  proc.cpu_at_dispatch = executor_.CpuTime(*proc.handle);
  // Only a slice needs the run delay (a read of /proc): FCFS and SJF never look.
  if (Sliced()) proc.run_delay_at_dispatch = executor_.RunDelay(*proc.handle);
}

void LiveScheduler::ArmSlice(Proc& proc, std::chrono::microseconds length) {
  proc.slice_timer.expires_after(length);
  proc.slice_timer.async_wait([this, id = proc.ready.id](const boost::system::error_code& error) {
    if (!error) OnSliceEnd(id);
  });
}

std::int64_t LiveScheduler::CpuSinceDispatch(const Proc& proc) const {
  if (!proc.handle) return 0;
  return std::max<std::int64_t>(0, Millis(executor_.CpuTime(*proc.handle) - proc.cpu_at_dispatch));
}

/// A slice of `slice` ms is two allowances, and ends when either is used up:
///   CPU:  `slice` of CPU time, read from the kernel (Executor::CpuTime);
///   held: `slice` + kSliceGraceMs on the wall clock, plus the task's run
///         delay, the time in which the kernel ran other processes instead
///         (Executor::RunDelay).
/// A busy task uses up the first, so on a loaded machine it still gets a
/// quantum of CPU, not more; a task that sleeps uses up the second. The
/// kernel adds a wait to the run delay only once it is over, so a task
/// waiting for a CPU right now looks as if it slept: the grace keeps that
/// from ending a busy task's slice early.
std::chrono::microseconds LiveScheduler::SliceLeft(const Proc& proc, std::int64_t slice) const {
  using std::chrono::microseconds;
  const microseconds quantum = milliseconds(slice);
  const microseconds cpu = executor_.CpuTime(*proc.handle) - proc.cpu_at_dispatch;
  const microseconds delay = executor_.RunDelay(*proc.handle) - proc.run_delay_at_dispatch;
  const microseconds held = std::chrono::duration_cast<microseconds>(Clock::now() - proc.turn_start) - delay;
  return std::min(quantum - cpu, quantum + milliseconds(kSliceGraceMs) - held);
}

/// The running task's time slice is over: the policy hears how it ran and
/// picks again. The same task keeps its core without a stop; another one
/// takes the core from it (SIGSTOP, task.preempted "quantum").
void LiveScheduler::OnSliceEnd(std::uint64_t id) {
  auto it = procs_.find(id);
  if (it == procs_.end() || it->second->state != Proc::State::kRunning) return;
  Proc& proc = *it->second;
  const std::int64_t slice = policy_->SliceFor(proc.ready);
  // The timer ran until the slice could be over at the soonest. If the task
  // waited for a CPU, or slept, neither allowance is used up (SliceLeft):
  // the timer waits again for what is left (under 1 ms counts as none), so
  // neither is overrun by more than the timer is late.
  if (proc.handle) {
    const std::chrono::microseconds left = SliceLeft(proc, slice);
    if (left >= milliseconds(1)) return ArmSlice(proc, left);
  }
  const std::int64_t cpu = CpuSinceDispatch(proc);
  // Less than half the slice in CPU time: it slept through most of its turn.
  const os::RunEnd end = 2 * cpu < slice ? os::RunEnd::kBlocked : os::RunEnd::kSliceExpired;
  policy_->AdvanceTo(NowMs());  // a boost due now comes before the charge (MlfqQueue)
  if (policy_->size() == 0) {   // nobody else is ready: charge the slice, keep the core
    policy_->Ran(proc.ready, cpu, end);
    policy_->Admit(proc.ready);
    std::optional<os::ReadyTask> again = policy_->PickNext();  // it, the only one ready
    if (again) proc.ready = *again;
    BeginTurn(proc);  // a new turn, same segment
    ArmSlice(proc, std::chrono::milliseconds(std::max<std::int64_t>(policy_->SliceFor(proc.ready), 1)));
    return;
  }
  if (!StopRunning(proc, end, "quantum")) return;
  Dispatch();
}

/// Under a preemptive policy, takes a core from a running task that the
/// policy says must give it up to a task in the ready queue.
void LiveScheduler::MaybePreempt() {
  if (!policy_->preemptive() || policy_->size() == 0) return;
  for (std::uint64_t id : cores_) {
    if (id == 0) continue;
    Proc& proc = *procs_.at(id);
    os::ReadyTask running = proc.ready;
    const std::int64_t used = proc.handle ? Millis(executor_.CpuTime(*proc.handle)) : 0;
    running.expected_burst_ms = std::max<std::int64_t>(0, proc.burst_estimate_ms - used);  // SRTF: what is left
    if (!policy_->ShouldPreempt(running)) continue;
    proc.ready.expected_burst_ms = running.expected_burst_ms;
    if (!StopRunning(proc, os::RunEnd::kPreempted, "preempted")) continue;
    return;  // one at a time: Dispatch gives the core to the urgent task
  }
}

/// Takes `proc` off its core: SIGSTOP, the policy hears Ran(end), and it
/// joins the ready queue again.
bool LiveScheduler::StopRunning(Proc& proc, os::RunEnd end, const char* reason) {
  proc.slice_timer.cancel();
  if (proc.handle) {
    // A process that cannot be stopped has exited, and OnExit, on its way,
    // ends its turn as finished: it keeps its core until then.
    if (Status stopped = executor_.Stop(*proc.handle); !stopped.ok()) {
      spdlog::debug("stopping {}: {}", proc.task_id, stopped.ToString());
      return false;
    }
  }
  const std::int64_t cpu = CpuSinceDispatch(proc);
  EndSegment(proc, reason, proc.handle ? executor_.CpuTime(*proc.handle) : proc.cpu_at_segment_start);
  cores_[static_cast<std::size_t>(proc.core)] = 0;
  proc.core = -1;
  proc.state = Proc::State::kReady;
  ++proc.preemptions;
  ++preemptions_;
  const std::int64_t now = NowMs();
  policy_->AdvanceTo(now);
  policy_->Ran(proc.ready, cpu, end);
  proc.ready.ready_since_ms = now;
  policy_->Admit(proc.ready);
  const double cpu_total_ms = proc.handle ? static_cast<double>(executor_.CpuTime(*proc.handle).count()) / 1000 : 0.0;
  events_.Publish(os::events::TaskPreempted{proc.task_id, proc.parent, options_.node, reason, cpu_total_ms});
  PublishQueued(proc);
  return true;
}

// [SECTION] Blocking in a system call --------------------------------------------------------

LiveScheduler::Proc* LiveScheduler::FindTask(const std::string& task_id) {
  auto it =
      std::find_if(procs_.begin(), procs_.end(), [&](const auto& entry) { return entry.second->task_id == task_id; });
  return it == procs_.end() ? nullptr : it->second.get();
}

Status LiveScheduler::Block(const std::string& task_id, const std::string& on) {
  Proc* found = FindTask(task_id);
  if (found == nullptr) return Status::NotFound("no task " + task_id + " on " + options_.node);
  Proc& proc = *found;
  if (proc.state == Proc::State::kWaiting) return Status::BadRequest("task " + task_id + " is already waiting");
  policy_->AdvanceTo(NowMs());
  if (proc.state == Proc::State::kRunning) {  // off its core; its process sleeps in the call
    proc.slice_timer.cancel();
    const std::int64_t cpu = CpuSinceDispatch(proc);
    EndSegment(proc, "blocked", executor_.CpuTime(*proc.handle));
    cores_[static_cast<std::size_t>(proc.core)] = 0;
    proc.core = -1;
    policy_->Ran(proc.ready, cpu, os::RunEnd::kBlocked);
  } else {  // stopped in the ready queue as it made the call
    policy_->Remove(proc.ready.id);
  }
  proc.state = Proc::State::kWaiting;
  proc.blocked_since = Clock::now();
  proc.blocked_since_t = events_.TrackerNowMs();
  proc.blocked_on = on;
  const double cpu_total_ms = static_cast<double>(executor_.CpuTime(*proc.handle).count()) / 1000;
  events_.Publish(os::events::TaskBlocked{proc.task_id, proc.parent, options_.node, on, cpu_total_ms});
  DispatchSoon();
  return Status::Ok();
}

void LiveScheduler::Reparent(const std::string& task_id, const std::string& parent) {
  if (Proc* proc = FindTask(task_id)) proc->parent = parent;
}

Status LiveScheduler::Wake(const std::string& task_id, std::function<void()> resume) {
  Proc* found = FindTask(task_id);
  if (found == nullptr) return Status::NotFound("no task " + task_id + " on " + options_.node);
  Proc& proc = *found;
  if (proc.state != Proc::State::kWaiting) return Status::BadRequest("task " + task_id + " is not waiting");
  const std::int64_t now = NowMs();
  proc.state = Proc::State::kReady;
  proc.blocked += Clock::now() - proc.blocked_since;
  EndBlocked(proc);
  proc.on_resume = std::move(resume);
  proc.ready.ready_since_ms = now;
  policy_->AdvanceTo(now);
  policy_->Admit(proc.ready);
  PublishQueued(proc);
  DispatchSoon();
  return Status::Ok();
}

/// Arms a timer for the policy's next change of mind without an arrival
/// (priority aging, MLFQ's boost); then a running task may be preempted.
void LiveScheduler::ArmWakeup() {
  std::optional<std::int64_t> when = policy_->NextWakeup();
  if (!when) {
    wakeup_->timer.cancel();
    return;
  }
  wakeup_->timer.expires_after(milliseconds(std::max<std::int64_t>(*when - NowMs(), 1)));
  wakeup_->timer.async_wait([this](const boost::system::error_code& error) {
    if (error) return;
    policy_->AdvanceTo(NowMs());
    MaybePreempt();
    Dispatch();
  });
}

// [SECTION] Ending ------------------------------------------------------------------------

Result<std::string> LiveScheduler::Cancel(const std::string& task_id, Status why) {
  Proc* found = FindTask(task_id);
  if (found == nullptr) return Status::NotFound("no task " + task_id + " on " + options_.node);
  Proc& proc = *found;
  if (proc.cancelling) return Status::NotFound("task " + task_id + " is already being cancelled");
  proc.cancelling = true;
  const std::string was = proc.state == Proc::State::kRunning   ? "running"
                          : proc.state == Proc::State::kWaiting ? "waiting"
                                                                : "ready";
  if (proc.handle) {  // it has (or is getting) a process: OnExit reports `why`
    if (Status killed = executor_.Kill(*proc.handle, why); !killed.ok()) return killed;
    return was;
  }
  // It never ran: out of the ready queue now, and ended from the io loop.
  policy_->Remove(proc.ready.id);
  TaskOutcome outcome;
  outcome.status = std::move(why);
  asio::post(io_, [this, id = proc.ready.id, outcome, alive = std::weak_ptr<bool>(alive_)] {
    if (!alive.expired()) OnExit(id, outcome);
  });
  return was;
}

void LiveScheduler::OnExit(std::uint64_t id, TaskOutcome outcome) {
  auto it = procs_.find(id);
  if (it == procs_.end()) return;
  std::unique_ptr<Proc> proc = std::move(it->second);
  procs_.erase(it);
  proc->slice_timer.cancel();
  const std::int64_t cpu_ms = Millis(outcome.cpu_time);
  const std::optional<int> queue = policy_->QueueOf(id);  // before the policy forgets it
  policy_->AdvanceTo(NowMs());
  if (proc->state == Proc::State::kRunning) {
    const std::int64_t cpu = std::max<std::int64_t>(0, cpu_ms - Millis(proc->cpu_at_dispatch));
    policy_->Ran(proc->ready, cpu, os::RunEnd::kFinished);
    if (proc->handle) EndSegment(*proc, "finished", outcome.cpu_time);
    cores_[static_cast<std::size_t>(proc->core)] = 0;
  } else if (proc->state == Proc::State::kReady) {  // ended while stopped in the ready queue (a limit, a kill)
    policy_->Remove(id);
    policy_->Ran(proc->ready, 0, os::RunEnd::kCancelled);
  }  // a waiting task is in no queue
  if (outcome.status.ok()) LearnBurst(proc->name, cpu_ms);

  const Clock::time_point now = Clock::now();
  TaskTimes times;
  times.turnaround_ms = Millis(now - proc->submitted);
  times.run_ms = Millis(proc->on_core);
  times.cpu_ms = cpu_ms;
  if (proc->state == Proc::State::kWaiting) {  // killed while waiting
    proc->blocked += now - proc->blocked_since;
    EndBlocked(*proc);
  }
  times.blocked_ms = Millis(proc->blocked);
  times.waiting_ms = std::max<std::int64_t>(0, times.turnaround_ms - times.run_ms - times.blocked_ms);
  times.response_ms = proc->first_run ? Millis(*proc->first_run - proc->submitted) : times.turnaround_ms;
  times.preemptions = proc->preemptions;
  finished_.push_back(Finished{proc->task_id, proc->name, times, queue});
  if (finished_.size() > kFinishedKept) finished_.pop_front();

  Done done = std::move(proc->done);
  proc.reset();
  done(std::move(outcome), times);
  Dispatch();
}

std::int64_t LiveScheduler::PredictBurst(const std::string& name) const {
  auto it = burst_estimates_.find(name);
  return it == burst_estimates_.end() ? kFirstBurstGuessMs : static_cast<std::int64_t>(it->second + 0.5);
}

/// τ(n+1) = α·t(n) + (1 − α)·τ(n) (Silberschatz 5.3.2).
void LiveScheduler::LearnBurst(const std::string& name, std::int64_t cpu_ms) {
  auto it = burst_estimates_.find(name);
  if (it == burst_estimates_.end()) {
    if (burst_estimates_.size() >= kBurstNamesKept) return;  // bounded: new names keep the first guess
    it = burst_estimates_.emplace(name, static_cast<double>(kFirstBurstGuessMs)).first;
  }
  it->second = kBurstAlpha * static_cast<double>(cpu_ms) + (1 - kBurstAlpha) * it->second;
}

/// Records `proc`'s stretch on its core, ending now with `end` and its
/// process's CPU time at `cpu_now`.
void LiveScheduler::EndSegment(Proc& proc, const char* end, std::chrono::microseconds cpu_now) {
  proc.on_core += Clock::now() - proc.segment_start;
  const double cpu_ms = std::max(0.0, static_cast<double>((cpu_now - proc.cpu_at_segment_start).count()) / 1000);
  proc.cpu_at_segment_start = cpu_now;  // where its next segment starts counting
  timeline_.push_back(
      Segment{proc.task_id, proc.name, proc.core, proc.segment_start_t, events_.TrackerNowMs(), cpu_ms, end});
  if (timeline_.size() > kTimelineKept) timeline_.pop_front();
}

void LiveScheduler::EndBlocked(const Proc& proc) {
  blocked_.push_back(
      BlockedStretch{proc.task_id, proc.name, proc.blocked_on, proc.blocked_since_t, events_.TrackerNowMs()});
  if (blocked_.size() > kTimelineKept) blocked_.pop_front();
}

// [SECTION] Reports ------------------------------------------------------------------------

Json LiveScheduler::Settings() const {
  if (remote_ != nullptr) {
    Json settings = {{"policy", std::string(remote_->name())}, {"policy_file", remote_->Report()}};
    if (remote_->quantum() > 0) settings["quantum_ms"] = remote_->quantum();
    return settings;
  }
  Json settings = {{"policy", std::string(info_->name)}};
  if (info_->sliced) settings["quantum_ms"] = options_.params.quantum;
  if (info_->name == "PRIORITY" || info_->name == "PRIORITY-P") settings["aging_ms"] = options_.params.aging;
  if (info_->name == "MLFQ") {
    settings["mlfq"] = {{"quantum_ms", options_.params.mlfq_quanta},
                        {"allotment", options_.params.mlfq_allotments},
                        {"boost_ms", options_.params.mlfq_boost}};
  }
  return settings;
}

Json LiveScheduler::Report() const {
  Json report = Settings();
  if (remote_ != nullptr) {
    report["summary"] = "a student's policy: " + remote_->label() + " from --scheduler-file";
    report["source"] = "labs/01-cpu-scheduling (the lab's Python API)";
    report["preemptive"] = remote_->preemptive();
  } else {
    report["summary"] = std::string(info_->summary);
    report["source"] = std::string(info_->source);
    report["preemptive"] = info_->preemptive;
  }
  report["cores"] = options_.cores;
  report["burst_prediction"] = {{"alpha", kBurstAlpha}, {"first_guess_ms", kFirstBurstGuessMs}};
  Json running = Json::array();
  Json ready = Json::array();
  Json waiting = Json::array();
  for (const auto& [id, proc] : procs_) {
    Json entry = {{"task_id", proc->task_id}, {"name", proc->name}, {"priority", proc->ready.priority}};
    if (auto queue = policy_->QueueOf(id)) entry["queue"] = *queue;
    if (remote_ != nullptr) entry["policy_id"] = id;  // the id a --scheduler-file policy's Task has
    if (proc->state == Proc::State::kRunning) {
      entry["core"] = proc->core;
      running.push_back(std::move(entry));
    } else if (proc->state == Proc::State::kWaiting) {
      waiting.push_back(std::move(entry));
    } else {
      ready.push_back(std::move(entry));
    }
  }
  report["running"] = std::move(running);
  report["ready"] = std::move(ready);
  report["waiting"] = std::move(waiting);
  Json timeline = Json::array();
  for (const Segment& s : timeline_) {
    timeline.push_back({{"task_id", s.task_id},
                        {"name", s.name},
                        {"core", s.core},
                        {"start_t", s.start_t},
                        {"end_t", s.end_t},
                        {"cpu_ms", s.cpu_ms},
                        {"end", s.end}});
  }
  report["timeline"] = std::move(timeline);
  Json blocked = Json::array();
  for (const BlockedStretch& b : blocked_) {
    blocked.push_back(
        {{"task_id", b.task_id}, {"name", b.name}, {"on", b.on}, {"start_t", b.start_t}, {"end_t", b.end_t}});
  }
  report["blocked"] = std::move(blocked);
  Json finished = Json::array();
  for (const Finished& f : finished_) {
    Json entry = {{"task_id", f.task_id},
                  {"name", f.name},
                  {"response_ms", f.times.response_ms},
                  {"waiting_ms", f.times.waiting_ms},
                  {"blocked_ms", f.times.blocked_ms},
                  {"turnaround_ms", f.times.turnaround_ms},
                  {"run_ms", f.times.run_ms},
                  {"cpu_ms", f.times.cpu_ms},
                  {"preemptions", f.times.preemptions}};
    if (f.queue) entry["queue"] = *f.queue;  // where it ended (MLFQ)
    finished.push_back(std::move(entry));
  }
  report["finished"] = std::move(finished);
  report["preemptions"] = preemptions_;
  report["context_switches"] = context_switches_;
  return report;
}

}  // namespace osgrid::peer
