// Multi-Level Feedback Queue: the policy (MlfqScheduler) and mlfq.py's
// simulation (SimulateMlfq).
// Source: OSTEP ch. 8 "Scheduling: The Multi-Level Feedback Queue", Rules 1-5
//         (8.1-8.4); ostep-homework cpu-sched-mlfq/mlfq.py (commit ee2e067,
//         2023-09-27, or later), whose order of events within a tick and
//         whose answers this reproduces; Silberschatz 10e, 5.3.6.
// Tie-breaking: FIFO within each queue; see mlfq.h.
#include "osgrid/os/sched/mlfq.h"

#include <algorithm>
#include <string>
#include <utility>

#include "osgrid/os/py_random.h"

namespace osgrid::os {
namespace {

constexpr std::size_t kMaxQueues = 100;

std::string Str(std::int64_t value) { return std::to_string(value); }

}  // namespace

// ---- Configuration ---------------------------------------------------------------

Expected<MlfqConfig> ValidateMlfqConfig(MlfqConfig config) {
  const std::size_t n = config.quanta.size();
  if (n == 0) return Fail("MLFQ needs at least one queue");
  if (n > kMaxQueues) return Fail("at most " + Str(kMaxQueues) + " queues, got " + Str(static_cast<std::int64_t>(n)));
  if (config.allotments.size() != n) {
    return Fail("there are " + Str(static_cast<std::int64_t>(n)) + " queues but " +
                Str(static_cast<std::int64_t>(config.allotments.size())) + " allotments: give one allotment per queue");
  }
  return config;
}

// ---- The policy ------------------------------------------------------------------

Expected<MlfqScheduler> MlfqScheduler::Create(const MlfqConfig& config) {
  Expected<MlfqConfig> valid = ValidateMlfqConfig(config);
  if (!valid) return valid.error();
  return MlfqScheduler(std::move(valid).value());
}

MlfqScheduler::MlfqScheduler(MlfqConfig config) : config_(std::move(config)), queues_(config_.quanta.size()) {}

// The config lists queues top first; queue numbers count from the bottom.
std::int64_t MlfqScheduler::QuantumOf(int queue) const {
  return config_.quanta.at(static_cast<std::size_t>(top_queue() - queue));
}

std::int64_t MlfqScheduler::AllotmentOf(int queue) const {
  return config_.allotments.at(static_cast<std::size_t>(top_queue() - queue));
}

Expected<bool> MlfqScheduler::Admit(std::uint64_t id) {
  if (jobs_.count(id) != 0) return Fail("job " + std::to_string(id) + " is already in the scheduler");
  JobState job;
  job.queue = top_queue();  // Rule 3
  job.ticks_left = QuantumOf(top_queue());
  job.allot_left = AllotmentOf(top_queue());
  jobs_.emplace(id, job);
  queues_[static_cast<std::size_t>(job.queue)].push_back(id);
  return true;
}

std::optional<MlfqPick> MlfqScheduler::PickNext() const {
  for (int q = top_queue(); q >= 0; --q) {  // Rule 1: highest queue first
    const auto& ready = queues_[static_cast<std::size_t>(q)];
    if (!ready.empty()) return MlfqPick{ready.front(), q};  // Rule 2: round robin = FIFO + re-queue at the back
  }
  return std::nullopt;
}

Expected<MlfqTickResult> MlfqScheduler::Tick(std::uint64_t id, MlfqTickEnd end) {
  const std::optional<MlfqPick> running = PickNext();
  if (!running || running->id != id) return Fail("job " + std::to_string(id) + " is not the job at the head");
  JobState& job = jobs_.at(id);
  auto& ready = queues_[static_cast<std::size_t>(job.queue)];
  MlfqTickResult result;
  job.ticks_left -= 1;
  result.quantum_expired = job.ticks_left == 0;  // a slice that starts <= 0 goes negative: it never expires
  result.queue = job.queue;
  if (end == MlfqTickEnd::kFinished) {
    ready.pop_front();
    jobs_.erase(id);
    result.quantum_expired = false;  // no accounting for a finished job
    return result;
  }
  if (end == MlfqTickEnd::kIssuesIo) {
    ready.pop_front();
    job.blocked = true;
    if (config_.stay) {  // Rules 4a/4b: giving up the CPU keeps (resets) the priority
      job.ticks_left = QuantumOf(job.queue);
      job.allot_left = AllotmentOf(job.queue);
    }
  } else if (result.quantum_expired) {
    ready.pop_front();
  }
  if (result.quantum_expired) ExpireQuantum(id, job, result);
  // Otherwise a job that keeps running stays at the head of its queue.
  return result;
}

// The running job used up its time slice: spend one quantum of its allotment
// and, when none is left, move it down a queue (Rule 4; at the bottom it gets
// a new allotment there). A job that is not blocked goes to the back of its
// queue (Rule 2: round robin). An allotment <= 0 counts down past 0 and so
// never runs out, as in mlfq.py.
void MlfqScheduler::ExpireQuantum(std::uint64_t id, JobState& job, MlfqTickResult& result) {
  job.allot_left -= 1;
  if (job.allot_left == 0) {
    if (job.queue > 0) {
      job.queue -= 1;
      result.demoted = true;
    }
    job.allot_left = AllotmentOf(job.queue);
  }
  job.ticks_left = QuantumOf(job.queue);
  result.queue = job.queue;
  if (!job.blocked) queues_[static_cast<std::size_t>(job.queue)].push_back(id);
}

Expected<bool> MlfqScheduler::IoDone(std::uint64_t id) {
  auto it = jobs_.find(id);
  if (it == jobs_.end() || !it->second.blocked) return Fail("job " + std::to_string(id) + " is not doing I/O");
  it->second.blocked = false;
  auto& ready = queues_[static_cast<std::size_t>(it->second.queue)];
  if (config_.iobump) {
    ready.push_front(id);
  } else {
    ready.push_back(id);
  }
  return true;
}

// Rule 5 (OSTEP 8.3): "After some time period S, move all the jobs in the
// system to the topmost queue." Exactly what happens:
//   - the ready jobs of queue 0, then of queue 1, ... (each queue in its
//     order) join the back of the top queue, behind the jobs already there;
//     a job at the head of the top queue stays there;
//   - every job in the system, ready or doing I/O, now belongs to the top
//     queue with the top queue's quantum as its time slice and the top
//     queue's allotment as its allotment: a fresh start, as on arrival
//     (Rule 3). A job doing I/O rejoins the top queue when its I/O is done.
// Jobs that have not arrived yet are not in the system; they arrive with the
// same fresh start (Admit). This is mlfq.py since its "allotment bug fix" of
// 2023-09-27; before it, mlfq.py set the slice to the top queue's allotment
// and kept the allotment left.
void MlfqScheduler::Boost() {
  auto& top = queues_[static_cast<std::size_t>(top_queue())];
  for (int q = 0; q < top_queue(); ++q) {  // bottom queue first, as mlfq.py
    auto& ready = queues_[static_cast<std::size_t>(q)];
    top.insert(top.end(), ready.begin(), ready.end());
    ready.clear();
  }
  for (auto& [id, job] : jobs_) {
    job.queue = top_queue();
    job.ticks_left = QuantumOf(top_queue());
    job.allot_left = AllotmentOf(top_queue());
  }
}

std::optional<int> MlfqScheduler::QueueOf(std::uint64_t id) const {
  auto it = jobs_.find(id);
  if (it == jobs_.end()) return std::nullopt;
  return it->second.queue;
}

std::int64_t MlfqScheduler::TicksLeft(std::uint64_t id) const {
  auto it = jobs_.find(id);
  return it == jobs_.end() ? 0 : it->second.ticks_left;
}

std::int64_t MlfqScheduler::AllotmentLeft(std::uint64_t id) const {
  auto it = jobs_.find(id);
  return it == jobs_.end() ? 0 : it->second.allot_left;
}

// ---- The simulator ---------------------------------------------------------------

Expected<bool> ValidateMlfq(const MlfqSimConfig& config, const std::vector<MlfqJob>& jobs) {
  if (Expected<MlfqConfig> valid = ValidateMlfqConfig(config.scheduler); !valid) return valid.error();
  if (jobs.empty()) return Fail("no jobs to schedule");
  const std::string too_long = " above " + Str(kMlfqMaxTime) + " ticks is not simulated";
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    auto name = [i] { return "job " + Str(static_cast<std::int64_t>(i)); };
    if (jobs[i].arrival < 0) return Fail(name() + ": start time must be >= 0, got " + Str(jobs[i].arrival));
    if (jobs[i].burst <= 0) return Fail(name() + ": run time must be > 0, got " + Str(jobs[i].burst));
    if (jobs[i].arrival > kMlfqMaxTime) return Fail(name() + ": a start time" + too_long);
    if (jobs[i].burst > kMlfqMaxTime) return Fail(name() + ": a run time" + too_long);
  }
  if (config.io_time < 0) return Fail("I/O time must be >= 0, got " + Str(config.io_time));
  if (config.io_time > kMlfqMaxTime) return Fail("an I/O time" + too_long);
  return true;
}

namespace {

/// Everything SimulateMlfq tracks while it runs: O(jobs) besides what
/// options.record keeps.
class Simulation {
 public:
  Simulation(const MlfqSimConfig& config, const std::vector<MlfqJob>& jobs, const MlfqSimOptions& options,
             MlfqScheduler scheduler)
      : config_(config),
        options_(options),
        scheduler_(std::move(scheduler)),
        time_left_(jobs.size()),
        first_run_(jobs.size(), -1),
        level_(jobs.size(), -1),
        arrivals_(jobs.size()),
        events_(options.event_sink) {
    result_.jobs.resize(jobs.size());
    for (std::size_t i = 0; i < jobs.size(); ++i) {
      result_.jobs[i].job = jobs[i];
      time_left_[i] = jobs[i].burst;
      arrivals_[i] = static_cast<int>(i);
    }
    // Jobs arriving at the same tick begin in input order.
    std::stable_sort(arrivals_.begin(), arrivals_.end(), [&](int a, int b) {
      return jobs[static_cast<std::size_t>(a)].arrival < jobs[static_cast<std::size_t>(b)].arrival;
    });
  }

  MlfqResult Run() {
    const std::size_t total = result_.jobs.size();
    const std::int64_t boost = config_.scheduler.boost;
    while (finished_ < total) {
      if (boost > 0 && now_ != 0 && now_ % boost == 0) DoBoost();
      Wake();
      const std::optional<MlfqPick> pick = scheduler_.PickNext();
      if (!pick) {
        Trace(MlfqEvent::Kind::kIdle, -1);
        ++now_;
        continue;
      }
      const int job = static_cast<int>(pick->id);
      if (job != on_cpu_) Dispatch(job);
      RunOneTick(job, pick->queue);
      ++now_;
      AfterTick(job);
    }
    Finish();
    return std::move(result_);
  }

 private:
  void Emit(const MlfqEvent& event) {
    if (options_.on_event) options_.on_event(event);
    if (options_.record) result_.trace.push_back(event);
  }

  void Trace(MlfqEvent::Kind kind, int job) {
    MlfqEvent event;
    event.kind = kind;
    event.time = now_;
    event.job = job;
    Emit(event);
  }

  void NoteLevel(int job, int queue) {
    const auto j = static_cast<std::size_t>(job);
    if (level_[j] == queue) return;
    level_[j] = queue;
    const MlfqLevelChange change{now_, queue};
    if (options_.on_level) options_.on_level(job, change);
    if (options_.record) result_.jobs[j].levels.push_back(change);
  }

  // Rule 5: every job that has arrived and not finished moves to the top.
  void DoBoost() {
    Trace(MlfqEvent::Kind::kBoost, -1);
    scheduler_.Boost();
    for (std::size_t j = 0; j < result_.jobs.size(); ++j) {
      if (level_[j] >= 0 && time_left_[j] > 0) NoteLevel(static_cast<int>(j), scheduler_.top_queue());
    }
  }

  // What happens at a tick before anything runs: arrivals (in input order),
  // then I/O completions in the order the I/Os were issued. Every I/O takes
  // io_time ticks, so they complete in the order they were issued: a FIFO.
  void Wake() {
    while (next_arrival_ < arrivals_.size() &&
           result_.jobs[static_cast<std::size_t>(arrivals_[next_arrival_])].job.arrival == now_) {
      const int job = arrivals_[next_arrival_++];
      Trace(MlfqEvent::Kind::kJobBegins, job);
      SaySubmitted(job);
      (void)scheduler_.Admit(static_cast<std::uint64_t>(job));  // ids are distinct job indexes
      SayQueued(job);
      NoteLevel(job, scheduler_.top_queue());
    }
    while (!io_done_.empty() && io_done_.front().first == now_) {
      const int job = io_done_.front().second;
      io_done_.pop_front();
      Trace(MlfqEvent::Kind::kIoDone, job);
      (void)scheduler_.IoDone(static_cast<std::uint64_t>(job));  // it is blocked: it issued this I/O
      SayQueued(job);
    }
  }

  // `job` gets the CPU instead of the job on it, if any, which stays ready:
  // it was preempted (by a higher queue's job, a bumped I/O completion or a
  // boost). Only the event stream sees this step.
  void Dispatch(int job) {
    if (on_cpu_ >= 0) {
      const int preempted = on_cpu_;
      on_cpu_ = -1;
      SayPreempted(preempted, "preempted");
      SayQueued(preempted);
    }
    if (last_job_ >= 0 && last_job_ != job) SaySwitch(last_job_, job);
    on_cpu_ = job;
    SayRunning(job);
  }

  // The tick [now, now+1) of `job`, the head of `queue`.
  void RunOneTick(int job, int queue) {
    const auto j = static_cast<std::size_t>(job);
    const MlfqJob& spec = result_.jobs[j].job;
    time_left_[j] -= 1;
    if (first_run_[j] < 0) first_run_[j] = now_;
    MlfqEvent run;
    run.kind = MlfqEvent::Kind::kRun;
    run.time = now_;
    run.job = job;
    run.queue = queue;
    run.ticks_left = scheduler_.TicksLeft(j) - 1;
    run.allot_left = scheduler_.AllotmentLeft(j);
    run.time_left = time_left_[j];
    Emit(run);
    Record(job, queue);
    // The job's CPU time so far is a multiple of its I/O frequency: I/O.
    const std::int64_t used = spec.burst - time_left_[j];
    if (time_left_[j] == 0) {
      end_ = MlfqTickEnd::kFinished;
    } else if (spec.io_frequency > 0 && used % spec.io_frequency == 0) {
      end_ = MlfqTickEnd::kIssuesIo;
    } else {
      end_ = MlfqTickEnd::kKeepsRunning;
    }
  }

  // At now (= the end of the job's tick): finish, or start I/O, then Rule 4.
  void AfterTick(int job) {
    const auto j = static_cast<std::size_t>(job);
    MlfqJobStats& stats = result_.jobs[j];
    const Expected<MlfqTickResult> tick = scheduler_.Tick(j, end_);
    if (end_ == MlfqTickEnd::kFinished) {
      Trace(MlfqEvent::Kind::kFinished, job);
      stats.completion = now_;
      ++finished_;
      on_cpu_ = -1;
      SayFinished(job);
      return;
    }
    if (end_ == MlfqTickEnd::kIssuesIo) {
      Trace(MlfqEvent::Kind::kIoStart, job);
      stats.ios += 1;
      io_done_.emplace_back(now_ + config_.io_time, job);
      on_cpu_ = -1;
      SayBlocked(job);
    } else if (tick && tick->quantum_expired) {  // back of its (maybe lower) queue
      on_cpu_ = -1;
      SayPreempted(job, "quantum");
      SayQueued(job);
    }
    if (tick && tick->demoted) NoteLevel(job, tick->queue);
  }

  // The timeline: consecutive ticks of one job in one queue form a segment.
  void Record(int job, int queue) {
    if (open_ && segment_.job == job && segment_.queue == queue && segment_.end == now_) {
      segment_.end = now_ + 1;
    } else {
      CloseSegment();
      segment_ = MlfqSegment{job, now_, now_ + 1, queue};
      open_ = true;
    }
    if (last_job_ >= 0 && last_job_ != job) ++result_.context_switches;
    last_job_ = job;
    ++result_.busy_ticks;
  }

  void CloseSegment() {
    if (!open_) return;
    open_ = false;
    if (options_.on_segment) options_.on_segment(segment_);
    if (options_.record) result_.timeline.push_back(segment_);
  }

  void Finish() {
    CloseSegment();
    result_.end_time = now_;
    double response = 0, turnaround = 0, waiting = 0;
    for (std::size_t j = 0; j < result_.jobs.size(); ++j) {
      MlfqJobStats& stats = result_.jobs[j];
      stats.first_run = first_run_[j];
      stats.response = stats.first_run - stats.job.arrival;
      stats.turnaround = stats.completion - stats.job.arrival;
      // Every tick between arrival and completion is spent running, doing
      // I/O (exactly io_time per I/O) or waiting in a ready queue.
      stats.waiting = stats.turnaround - stats.job.burst - stats.ios * config_.io_time;
      response += static_cast<double>(stats.response);
      turnaround += static_cast<double>(stats.turnaround);
      waiting += static_cast<double>(stats.waiting);
    }
    const auto n = static_cast<double>(result_.jobs.size());
    result_.average_response = response / n;
    result_.average_turnaround = turnaround / n;
    result_.average_waiting = waiting / n;
  }

  // The event stream (mlfq.h, "Events"): each says one step, and does nothing
  // unless a sink listens.
  static std::string TaskId(int job) { return std::to_string(job); }

  void SaySubmitted(int job) {
    if (!events_.on()) return;
    events_.Publish(static_cast<double>(now_), events::TaskSubmitted{.task_id = TaskId(job), .name = TaskId(job)});
  }

  void SayQueued(int job) {
    if (!events_.on()) return;
    std::size_t ready = 0;
    for (int q = 0; q < scheduler_.num_queues(); ++q) ready += scheduler_.ReadyQueue(q).size();
    if (on_cpu_ >= 0) ready -= 1;  // it stays at the head of its queue while it runs
    const int length = static_cast<int>(ready);
    events_.Publish(static_cast<double>(now_), events::TaskQueued{.task_id = TaskId(job), .queue_length = length});
  }

  void SaySwitch(int from, int to) {
    if (!events_.on()) return;
    events_.Publish(static_cast<double>(now_), events::CpuSwitch{.from = TaskId(from), .to = TaskId(to)});
  }

  void SayRunning(int job) {
    if (!events_.on()) return;
    events_.Publish(static_cast<double>(now_), events::TaskRunning{.task_id = TaskId(job)});
  }

  void SayPreempted(int job, const char* reason) {
    if (!events_.on()) return;
    events_.Publish(static_cast<double>(now_), events::TaskPreempted{.task_id = TaskId(job), .reason = reason});
  }

  void SayBlocked(int job) {
    if (!events_.on()) return;
    events_.Publish(static_cast<double>(now_), events::TaskBlocked{.task_id = TaskId(job), .on = "io"});
  }

  void SayFinished(int job) {
    if (!events_.on()) return;
    const MlfqJobStats& stats = result_.jobs[static_cast<std::size_t>(job)];
    const std::int64_t turnaround = stats.completion - stats.job.arrival;
    const std::int64_t waiting = turnaround - stats.job.burst - stats.ios * config_.io_time;
    events_.Publish(static_cast<double>(now_), events::TaskFinished{
                                                   .task_id = TaskId(job),
                                                   .outcome = events::Outcome::kOk,
                                                   .wait_ms = static_cast<double>(waiting),
                                                   .cpu_ms = static_cast<double>(stats.job.burst),
                                                   .turnaround_ms = static_cast<double>(turnaround),
                                               });
  }

  const MlfqSimConfig& config_;
  const MlfqSimOptions& options_;
  MlfqScheduler scheduler_;
  MlfqResult result_;
  std::vector<std::int64_t> time_left_;
  std::vector<std::int64_t> first_run_;
  std::vector<int> level_;                            // each job's queue; -1 before it arrives
  std::vector<int> arrivals_;                         // job indexes by start time, then input order
  std::size_t next_arrival_ = 0;                      // the next of arrivals_ to begin
  std::deque<std::pair<std::int64_t, int>> io_done_;  // (tick, job) of the I/Os under way, oldest first
  MlfqSegment segment_;                               // the timeline piece still growing
  bool open_ = false;                                 // ... if any
  std::int64_t now_ = 0;
  std::size_t finished_ = 0;
  int last_job_ = -1;
  int on_cpu_ = -1;  // the job whose task.running was said last and that has not stopped since
  MlfqTickEnd end_ = MlfqTickEnd::kKeepsRunning;
  events::SimPublisher events_;
};

}  // namespace

Expected<MlfqResult> SimulateMlfq(const MlfqSimConfig& config, const std::vector<MlfqJob>& jobs,
                                  const MlfqSimOptions& options) {
  Expected<bool> valid = ValidateMlfq(config, jobs);
  if (!valid) return valid.error();
  Expected<MlfqScheduler> scheduler = MlfqScheduler::Create(config.scheduler);
  if (!scheduler) return scheduler.error();
  return Simulation(config, jobs, options, std::move(scheduler).value()).Run();
}

Expected<std::vector<MlfqJob>> RandomMlfqJobs(std::int64_t seed, std::int64_t count, std::int64_t max_len,
                                              std::int64_t max_io) {
  if (count < 1 || count > 1'000'000) return Fail("number of jobs must be 1..1000000, got " + Str(count));
  if (max_len < 1) return Fail("max run time must be >= 1 (a run time must be > 0), got " + Str(max_len));
  if (max_len > kMlfqMaxTime) return Fail("max run time must be at most " + Str(kMlfqMaxTime));
  if (max_io < -kMlfqMaxTime || max_io > kMlfqMaxTime) {
    return Fail("max I/O frequency must be within +-" + Str(kMlfqMaxTime) + ", got " + Str(max_io));
  }
  // mlfq.py seeds twice (random.seed(seed), then random.seed(seed, version=1),
  // the same state for an int) and then draws, job by job, the run time and
  // then the I/O frequency, in floating point and truncated by int().
  PyRandom random(seed);
  const auto len_span = static_cast<double>(max_len - 1), io_span = static_cast<double>(max_io - 1);
  std::vector<MlfqJob> jobs(static_cast<std::size_t>(count));
  for (MlfqJob& job : jobs) {
    job.burst = static_cast<std::int64_t>(random.Random() * len_span + 1);
    job.io_frequency = static_cast<std::int64_t>(random.Random() * io_span + 1);
  }
  return jobs;
}

}  // namespace osgrid::os
