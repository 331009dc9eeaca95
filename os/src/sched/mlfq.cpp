// Multi-Level Feedback Queue: the policy (MlfqScheduler) and mlfq.py's
// simulation (SimulateMlfq).
// Source: OSTEP ch. 8 "Scheduling: The Multi-Level Feedback Queue", Rules 1-5
//         (8.1-8.4); ostep-homework cpu-sched-mlfq/mlfq.py, whose order of
//         events within a tick and whose answers this reproduces;
//         Silberschatz 10e, 5.3.6.
// Tie-breaking: FIFO within each queue; see mlfq.h.
#include "osgrid/os/sched/mlfq.h"

#include <algorithm>
#include <string>
#include <utility>

#include "osgrid/os/random.h"

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
  for (std::size_t i = 0; i < n; ++i) {
    const std::string queue = "queue " + Str(static_cast<std::int64_t>(n - 1 - i));
    if (config.quanta[i] <= 0) return Fail("quantum of " + queue + " must be > 0, got " + Str(config.quanta[i]));
    if (config.allotments[i] <= 0) {
      return Fail("allotment of " + queue + " must be > 0 quanta, got " + Str(config.allotments[i]));
    }
  }
  if (config.boost < 0) return Fail("boost period must be >= 0 (0 = no boost), got " + Str(config.boost));
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
  // mlfq.py's boost also rewrites the slice of jobs that have not arrived yet.
  job.ticks_left = (config_.mlfq_py_boost && boosted_) ? AllotmentOf(top_queue()) : QuantumOf(top_queue());
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
  result.quantum_expired = job.ticks_left == 0;
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
// queue (Rule 2: round robin).
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

void MlfqScheduler::Boost() {
  auto& top = queues_[static_cast<std::size_t>(top_queue())];
  for (int q = 0; q < top_queue(); ++q) {  // bottom queue first, as mlfq.py
    auto& ready = queues_[static_cast<std::size_t>(q)];
    top.insert(top.end(), ready.begin(), ready.end());
    ready.clear();
  }
  for (auto& [id, job] : jobs_) {
    job.queue = top_queue();
    if (config_.mlfq_py_boost) {
      job.ticks_left = AllotmentOf(top_queue());  // sic: mlfq.py's slice after a boost
    } else {
      job.ticks_left = QuantumOf(top_queue());
      job.allot_left = AllotmentOf(top_queue());
    }
  }
  boosted_ = true;
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

namespace {

Expected<bool> ValidateJobs(const MlfqSimConfig& config, const std::vector<MlfqJob>& jobs) {
  if (jobs.empty()) return Fail("no jobs to schedule");
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    const std::string name = "job " + Str(static_cast<std::int64_t>(i));
    if (jobs[i].arrival < 0) return Fail(name + ": start time must be >= 0, got " + Str(jobs[i].arrival));
    if (jobs[i].burst <= 0) return Fail(name + ": run time must be > 0, got " + Str(jobs[i].burst));
    if (jobs[i].io_frequency < 0) {
      return Fail(name + ": I/O frequency must be >= 0 (0 = no I/O), got " + Str(jobs[i].io_frequency));
    }
    if (jobs[i].arrival > kMlfqMaxTicks || jobs[i].burst > kMlfqMaxTicks) {
      return Fail(name + ": times above " + Str(kMlfqMaxTicks) + " ticks are not simulated");
    }
  }
  if (config.io_time < 0) return Fail("I/O time must be >= 0, got " + Str(config.io_time));
  if (config.io_time > kMlfqMaxTicks) return Fail("I/O time above " + Str(kMlfqMaxTicks) + " ticks is not simulated");
  return true;
}

/// What happens at a tick before anything runs: arrivals, then I/O
/// completions in the order the I/Os were issued.
struct Wakeup {
  int job = 0;
  bool arrival = false;  // else an I/O completion
};

/// Everything SimulateMlfq tracks while it runs.
class Simulation {
 public:
  Simulation(const MlfqSimConfig& config, const std::vector<MlfqJob>& jobs, MlfqScheduler scheduler)
      : config_(config), scheduler_(std::move(scheduler)), time_left_(jobs.size()), first_run_(jobs.size(), -1) {
    for (std::size_t i = 0; i < jobs.size(); ++i) {
      result_.jobs.push_back(MlfqJobStats{});
      result_.jobs[i].job = jobs[i];
      time_left_[i] = jobs[i].burst;
      wakeups_[jobs[i].arrival].push_back(Wakeup{static_cast<int>(i), true});
    }
  }

  Expected<MlfqResult> Run() {
    const std::size_t total = result_.jobs.size();
    while (finished_ < total) {
      if (now_ > kMlfqMaxTicks)
        return Fail("the simulation runs past " + Str(kMlfqMaxTicks) + " ticks; use shorter jobs");
      const std::int64_t boost = config_.scheduler.boost;
      if (boost > 0 && now_ != 0 && now_ % boost == 0) DoBoost();
      Wake();
      const std::optional<MlfqPick> pick = scheduler_.PickNext();
      if (!pick) {
        Trace(MlfqEvent::Kind::kIdle, -1);
      } else {
        RunOneTick(static_cast<int>(pick->id), pick->queue);
      }
      ++now_;
      if (pick) AfterTick(static_cast<int>(pick->id));
    }
    Finish();
    return std::move(result_);
  }

 private:
  void Trace(MlfqEvent::Kind kind, int job) {
    MlfqEvent event;
    event.kind = kind;
    event.time = now_;
    event.job = job;
    result_.trace.push_back(event);
  }

  void NoteLevel(int job, int queue) {
    auto& levels = result_.jobs[static_cast<std::size_t>(job)].levels;
    if (levels.empty() || levels.back().queue != queue) levels.push_back(MlfqLevelChange{now_, queue});
  }

  // Rule 5.
  void DoBoost() {
    Trace(MlfqEvent::Kind::kBoost, -1);
    scheduler_.Boost();
    for (std::size_t j = 0; j < result_.jobs.size(); ++j) {
      if (!result_.jobs[j].levels.empty() && time_left_[j] > 0) NoteLevel(static_cast<int>(j), scheduler_.top_queue());
    }
  }

  void Wake() {
    auto it = wakeups_.find(now_);
    if (it == wakeups_.end()) return;
    for (const Wakeup& wakeup : it->second) {
      const auto id = static_cast<std::uint64_t>(wakeup.job);
      if (wakeup.arrival) {
        Trace(MlfqEvent::Kind::kJobBegins, wakeup.job);
        (void)scheduler_.Admit(id);  // ids are distinct job indexes
        NoteLevel(wakeup.job, scheduler_.top_queue());
      } else {
        Trace(MlfqEvent::Kind::kIoDone, wakeup.job);
        (void)scheduler_.IoDone(id);  // it is blocked: it issued this I/O
      }
    }
    wakeups_.erase(it);
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
    result_.trace.push_back(run);
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
      return;
    }
    if (end_ == MlfqTickEnd::kIssuesIo) {
      Trace(MlfqEvent::Kind::kIoStart, job);
      stats.ios += 1;
      wakeups_[now_ + config_.io_time].push_back(Wakeup{job, false});
    }
    if (tick && tick->demoted) NoteLevel(job, tick->queue);
  }

  // The timeline: consecutive ticks of one job in one queue form a segment.
  void Record(int job, int queue) {
    auto& timeline = result_.timeline;
    if (!timeline.empty() && timeline.back().job == job && timeline.back().queue == queue &&
        timeline.back().end == now_) {
      timeline.back().end = now_ + 1;
    } else {
      timeline.push_back(MlfqSegment{job, now_, now_ + 1, queue});
    }
    if (last_job_ >= 0 && last_job_ != job) ++result_.context_switches;
    last_job_ = job;
    ++result_.busy_ticks;
  }

  void Finish() {
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

  const MlfqSimConfig& config_;
  MlfqScheduler scheduler_;
  MlfqResult result_;
  std::vector<std::int64_t> time_left_;
  std::vector<std::int64_t> first_run_;
  std::map<std::int64_t, std::vector<Wakeup>> wakeups_;  // tick -> arrivals, then I/O completions
  std::int64_t now_ = 0;
  std::size_t finished_ = 0;
  int last_job_ = -1;
  MlfqTickEnd end_ = MlfqTickEnd::kKeepsRunning;
};

}  // namespace

Expected<MlfqResult> SimulateMlfq(const MlfqSimConfig& config, const std::vector<MlfqJob>& jobs) {
  Expected<MlfqScheduler> scheduler = MlfqScheduler::Create(config.scheduler);
  if (!scheduler) return scheduler.error();
  Expected<bool> valid = ValidateJobs(config, jobs);
  if (!valid) return valid.error();
  return Simulation(config, jobs, std::move(scheduler).value()).Run();
}

Expected<std::vector<MlfqJob>> RandomMlfqJobs(std::uint64_t seed, std::int64_t count, std::int64_t max_len,
                                              std::int64_t max_io) {
  if (count < 1 || count > 1000) return Fail("number of jobs must be 1..1000, got " + Str(count));
  if (max_len < 1) return Fail("max job length must be >= 1, got " + Str(max_len));
  if (max_io < 0) return Fail("max I/O frequency must be >= 0 (0 = no I/O), got " + Str(max_io));
  Rng rng(seed);
  std::vector<MlfqJob> jobs;
  for (std::int64_t i = 0; i < count; ++i) {
    MlfqJob job;
    job.burst = rng.Uniform(1, std::max<std::int64_t>(1, max_len - 1));
    job.io_frequency = max_io == 0 ? 0 : rng.Uniform(1, std::max<std::int64_t>(1, max_io - 1));
    jobs.push_back(job);
  }
  return jobs;
}

}  // namespace osgrid::os
