// `osgrid sim sched`: CPU scheduling on the command line, with the flags of
// OSTEP's cpu-sched/scheduler.py (-j -l -m -p -q -c -s) plus arrivals,
// priorities, tickets, I/O bursts, context-switch cost, aging and MLFQ's
// levels, over every policy of os/sched's table (sched_policies.h: FCFS/FIFO,
// SJF, SRTF/STCF, PRIORITY, PRIORITY-P, RR, MLFQ, LOTTERY, STRIDE), whose
// traits (sliced, uses_priority, uses_tickets) decide which options and
// columns apply. The manual is docs/sim/sched.md.
//
// For what scheduler.py can express (FIFO, SJF or RR; jobs from -l or from
// a seed), the text is scheduler.py's, byte for byte, and a seed draws the
// same jobs (os::PyRandom). osgrid's additions (a per-job table, context
// switches, utilization, a Gantt chart) follow it, unless --ostep.
//
// Times are whole time units, so scheduler.py's "%.2f" of a time is "{}.00"
// and its str() of a length from -l is "{}.0": integers are formatted as
// such, never through a double.
//
// Nothing is built whole: the trace and the JSON timeline are written as the
// simulator produces each piece (SchedOptions::on_segment), so memory grows
// with the number of jobs, not with the length of the run.
#include <algorithm>
#include <fstream>
#include <memory>
#include <numeric>
#include <set>
#include <sstream>

#include "../render.h"
#include "../topic.h"
#include "osgrid/client/text.h"
#include "osgrid/os/py_random.h"
#include "osgrid/os/sched/mlfq_queue.h"
#include "osgrid/os/sched/sched_policies.h"
#include "osgrid/os/sched/simulator.h"

namespace osgrid::sim {

using client::Table;

namespace {

using os::SchedProcess;
using os::SchedProcessResult;
using os::SchedResult;
using os::SchedSegment;

/// The command's own options (the common -c, -s, --json, --svg, --ostep come from sim.cpp).
struct SchedArgs {
  int jobs = 3;                      // -j: how many random jobs
  std::optional<std::string> jlist;  // -l: job lengths
  int maxlen = 10;                   // -m: longest random job
  std::string policy = "FIFO";       // -p
  std::int64_t quantum = 1;          // -q: time slice of the sliced policies (RR, MLFQ, LOTTERY, STRIDE)
  std::optional<std::string> arrivals, priorities, tickets, io, file;
  std::int64_t cs = 0;                         // --cs: context-switch cost
  std::int64_t aging = 0;                      // --aging
  std::optional<std::string> mlfq_quanta;      // --mlfq-quantum: per queue, top first (mlfq.py's -Q)
  std::optional<std::string> mlfq_allotments;  // --mlfq-allotment: per queue, top first (-A)
  std::int64_t mlfq_boost = 0;                 // --mlfq-boost: period S (-B); 0 = never
};

/// The problem as parsed: the policy, the jobs and how they were made.
struct Problem {
  std::string policy;                         // canonical
  const os::SchedPolicyInfo* info = nullptr;  // its row of the table (never null once parsed)
  os::SchedPolicyParams params;               // its knobs, checked
  std::vector<SchedProcess> jobs;
  bool random = false;
  std::int64_t seed = 0;
};

/// scheduler.py runs jobs to completion in list order for these two, and
/// prints their trace and statistics in the order the jobs ran.
bool RunsToCompletion(const std::string& policy) { return policy == "FCFS" || policy == "SJF"; }

/// "5", or "5,io 3,2" for a CPU/I/O pattern.
std::string Pattern(const SchedProcess& job) {
  std::string text;
  for (std::size_t i = 0; i < job.bursts.size(); ++i) {
    if (i > 0) text += ",";
    if (i % 2 == 1) text += "io ";
    text += std::to_string(job.bursts[i]);
  }
  return text;
}

// ---- Input -------------------------------------------------------------------------

/// One integer list option, whose length must match the job count.
Result<std::vector<std::int64_t>> ListFor(const std::optional<std::string>& text, const std::string& what,
                                          std::size_t jobs) {
  Result<std::vector<std::int64_t>> values = ParseIntList(text.value_or(""), what);
  if (!values.ok()) return values;
  if (values->size() != jobs) {
    return BadInput(what + ": has " + std::to_string(values->size()) + " values but there are " + std::to_string(jobs) +
                    " jobs");
  }
  return values;
}

bool PriorityInRange(std::int64_t priority) { return priority >= -1'000'000'000 && priority <= 1'000'000'000; }

Result<std::int64_t> ParseOne(const std::string& text, const std::string& what) {
  Result<std::vector<std::int64_t>> values = ParseIntList(text, what);
  if (!values.ok()) return values.status();
  if (values->size() != 1) return BadInput(what + ": '" + text + "' is not one integer");
  return values->front();
}

/// The jobs file: one job per line, "name arrival burst [priority] [tickets]";
/// burst may be a CPU/I/O pattern "5,3,2"; '#' starts a comment.
Result<std::vector<SchedProcess>> ReadJobsFile(const std::string& path) {
  std::ifstream file(path);
  if (!file) return BadInput("-f: cannot read '" + path + "'");
  std::vector<SchedProcess> jobs;
  std::string line;
  for (int number = 1; std::getline(file, line); ++number) {
    line = line.substr(0, line.find('#'));
    std::istringstream fields(line);
    std::vector<std::string> words;
    for (std::string word; fields >> word;) words.push_back(word);
    if (words.empty()) continue;
    const std::string where = path + " line " + std::to_string(number);
    if (words.size() < 3 || words.size() > 5) {
      return BadInput(where + ": expected 'name arrival burst [priority] [tickets]', got '" + line + "'");
    }
    SchedProcess job;
    job.name = words[0];
    Result<std::int64_t> arrival = ParseOne(words[1], where + ": arrival");
    if (!arrival.ok()) return arrival.status();
    job.arrival = *arrival;
    Result<std::vector<std::int64_t>> bursts = ParseIntList(words[2], where + ": burst");
    if (!bursts.ok()) return bursts.status();
    job.bursts = *bursts;
    if (words.size() >= 4) {
      Result<std::int64_t> priority = ParseOne(words[3], where + ": priority");
      if (!priority.ok()) return priority.status();
      if (!PriorityInRange(*priority)) return BadInput(where + ": priority must be within +-10^9");
      job.priority = static_cast<int>(*priority);
    }
    if (words.size() == 5) {
      Result<std::int64_t> tickets = ParseOne(words[4], where + ": tickets");
      if (!tickets.ok()) return tickets.status();
      job.tickets = *tickets;
    }
    jobs.push_back(std::move(job));
  }
  if (jobs.empty()) return BadInput("-f: '" + path + "' lists no jobs");
  return jobs;
}

/// --io "0:5,3,2;P2:4,1,4": job (number or name) : CPU, I/O, CPU, ... bursts.
Status ApplyIo(const std::string& spec, std::vector<SchedProcess>& jobs) {
  std::size_t start = 0;
  while (start <= spec.size()) {
    const std::size_t end = std::min(spec.find(';', start), spec.size());
    const std::string item = spec.substr(start, end - start);
    start = end + 1;
    if (item.find_first_not_of(" \t") == std::string::npos) continue;
    const std::size_t colon = item.find(':');
    if (colon == std::string::npos) {
      return BadInput("--io: '" + item + "' has no ':' (expected job:cpu,io,cpu,... e.g. 0:5,3,2)");
    }
    std::string who = item.substr(0, colon);
    who.erase(0, who.find_first_not_of(" \t"));
    who.erase(who.find_last_not_of(" \t") + 1);
    auto job = std::find_if(jobs.begin(), jobs.end(), [&](const SchedProcess& j) { return j.name == who; });
    if (job == jobs.end()) return BadInput("--io: no job named '" + who + "'");
    Result<std::vector<std::int64_t>> bursts = ParseIntList(item.substr(colon + 1), "--io (job " + who + ")");
    if (!bursts.ok()) return bursts.status();
    job->bursts = *bursts;
  }
  return Status::Ok();
}

/// Random jobs as scheduler.py draws them: each length is
/// int(maxlen * random()) + 1, job by job, from random.seed(seed). For the
/// policies scheduler.py lacks, priorities (1..5) and then tickets (10..100)
/// are drawn after every length, so the lengths stay scheduler.py's and one
/// seed gives the same problem under every policy.
std::vector<SchedProcess> RandomJobs(const SchedArgs& args, std::int64_t seed) {
  os::PyRandom random(seed);
  std::vector<SchedProcess> jobs;
  for (int i = 0; i < args.jobs; ++i) {
    const auto length = static_cast<std::int64_t>(args.maxlen * random.Random()) + 1;
    jobs.push_back(SchedProcess{std::to_string(i), 0, {length}});
  }
  for (SchedProcess& job : jobs) job.priority = static_cast<int>(5 * random.Random()) + 1;
  for (SchedProcess& job : jobs) job.tickets = 10 * (static_cast<std::int64_t>(10 * random.Random()) + 1);
  return jobs;
}

/// One of MLFQ's lists (--mlfq-quantum, --mlfq-allotment): absent = the
/// policy's default; given, it must not be empty.
Result<std::vector<std::int64_t>> MlfqList(const std::optional<std::string>& text, const std::string& flag) {
  if (!text) return std::vector<std::int64_t>{};
  Result<std::vector<std::int64_t>> values = ParseIntList(*text, flag);
  if (values.ok() && values->empty()) return BadInput(flag + ": the list is empty (one value per queue, top first)");
  return values;
}

/// The policy's knobs from the options, checked by building the policy once.
/// Errors: a malformed MLFQ list; what MakeSchedPolicy refuses ("-p: unknown
/// policy ..."; MLFQ's own messages name the queue and the item).
Result<os::SchedPolicyParams> PolicyParams(const SchedArgs& args, std::int64_t seed) {
  os::SchedPolicyParams params;
  params.quantum = args.quantum;
  params.aging = args.aging;
  params.seed = static_cast<std::uint64_t>(seed);
  Result<std::vector<std::int64_t>> quanta = MlfqList(args.mlfq_quanta, "--mlfq-quantum");
  if (!quanta.ok()) return quanta.status();
  Result<std::vector<std::int64_t>> allotments = MlfqList(args.mlfq_allotments, "--mlfq-allotment");
  if (!allotments.ok()) return allotments.status();
  params.mlfq_quanta = std::move(quanta).value();
  params.mlfq_allotments = std::move(allotments).value();
  params.mlfq_boost = args.mlfq_boost;
  if (auto policy = os::MakeSchedPolicy(args.policy, params); !policy.ok()) {
    const bool known = os::FindSchedPolicy(args.policy) != nullptr;
    return BadInput((known ? "" : "-p: ") + policy.error().message);
  }
  return params;
}

/// The jobs: from -f, from -l, or random from the seed, then the list options.
Result<Problem> BuildProblem(const SchedArgs& args, const CommonOptions& common) {
  Problem problem;
  problem.policy = os::CanonicalSchedPolicy(args.policy);
  problem.info = os::FindSchedPolicy(args.policy);
  if (args.quantum <= 0) return BadInput("-q (quantum): must be > 0, got " + std::to_string(args.quantum));
  if (args.cs < 0) return BadInput("--cs (context-switch cost): must be >= 0, got " + std::to_string(args.cs));
  if (args.aging < 0) return BadInput("--aging: must be >= 0, got " + std::to_string(args.aging));
  if (args.cs > 1'000'000'000'000) return BadInput("--cs (context-switch cost): must be at most 10^12");
  if (args.jlist && args.file) return BadInput("give the jobs either with -l or with -f, not both");
  problem.seed = common.seed.value_or(0);
  Result<os::SchedPolicyParams> params = PolicyParams(args, problem.seed);
  if (!params.ok()) return params.status();
  problem.params = std::move(params).value();
  if (args.file) {
    Result<std::vector<SchedProcess>> jobs = ReadJobsFile(*args.file);
    if (!jobs.ok()) return jobs.status();
    problem.jobs = *jobs;
  } else if (args.jlist) {
    Result<std::vector<std::int64_t>> lengths = ParseIntList(*args.jlist, "-l (job lengths)");
    if (!lengths.ok()) return lengths.status();
    if (lengths->empty()) return BadInput("-l (job lengths): the list is empty");
    problem.jobs.reserve(lengths->size());
    for (std::size_t i = 0; i < lengths->size(); ++i) {
      problem.jobs.push_back(SchedProcess{std::to_string(i), 0, {(*lengths)[i]}});
    }
  } else {
    if (args.jobs <= 0) return BadInput("-j (jobs): must be > 0, got " + std::to_string(args.jobs));
    if (args.jobs > 1'000'000) {
      return BadInput("-j (jobs): at most 1000000 random jobs, got " + std::to_string(args.jobs));
    }
    if (args.maxlen <= 0) return BadInput("-m (maxlen): must be > 0, got " + std::to_string(args.maxlen));
    problem.random = true;
    problem.jobs = RandomJobs(args, problem.seed);
  }
  const std::size_t n = problem.jobs.size();
  if (args.arrivals) {
    Result<std::vector<std::int64_t>> arrivals = ListFor(args.arrivals, "--arrivals", n);
    if (!arrivals.ok()) return arrivals.status();
    for (std::size_t i = 0; i < n; ++i) problem.jobs[i].arrival = (*arrivals)[i];
  }
  if (args.priorities) {
    Result<std::vector<std::int64_t>> priorities = ListFor(args.priorities, "--priorities", n);
    if (!priorities.ok()) return priorities.status();
    for (std::size_t i = 0; i < n; ++i) {
      if (!PriorityInRange((*priorities)[i])) return BadInput("--priorities: each must be within +-10^9");
      problem.jobs[i].priority = static_cast<int>((*priorities)[i]);
    }
  }
  if (args.tickets) {
    Result<std::vector<std::int64_t>> tickets = ListFor(args.tickets, "--tickets", n);
    if (!tickets.ok()) return tickets.status();
    for (std::size_t i = 0; i < n; ++i) problem.jobs[i].tickets = (*tickets)[i];
  }
  if (args.io) {
    Status applied = ApplyIo(*args.io, problem.jobs);
    if (!applied.ok()) return applied;
  }
  if (args.file || args.io) {  // -l and random jobs are named 0, 1, ...: unique, never reserved
    std::set<std::string> names;
    for (const SchedProcess& job : problem.jobs) {
      if (job.name == "idle" || job.name == "switch") {
        return BadInput("job name '" + job.name + "' is reserved for the timeline; choose another");
      }
      if (!names.insert(job.name).second) return BadInput("two jobs are named '" + job.name + "'");
    }
  }
  if (auto valid = os::ValidateSchedProcesses(problem.jobs); !valid) return BadInput(valid.error().message);
  return problem;
}

// ---- The simulation, written as it runs ---------------------------------------------

class SchedSimulation : public Simulation {
 public:
  SchedSimulation(SchedArgs args, Problem problem, const CommonOptions& common)
      : args_(std::move(args)), problem_(std::move(problem)), common_(common) {}

  void WriteText(TextOut& out) const override;
  void WriteJson(JsonOut& out) const override;
  std::string Svg() const override;
  void WriteEvents(const os::events::EventSink& sink) const override { (void)Simulate(nullptr, false, sink); }

 private:
  /// Runs the policy over the jobs; `on_segment` sees every piece as it
  /// ends, and `sink` (if set) every event.
  SchedResult Simulate(std::function<void(const SchedSegment&)> on_segment, bool record_timeline,
                       const os::events::EventSink& sink = nullptr) const;
  /// What scheduler.py can express: every job CPU-only and at 0, none of
  /// osgrid's options, and a policy that needs nothing else.
  bool Plain() const;
  bool HasIo() const;
  bool IsMlfq() const { return problem_.policy == "MLFQ"; }
  const os::SchedPolicyInfo& Info() const { return *problem_.info; }

  void WriteArguments(TextOut& out) const;
  void WriteJobList(TextOut& out) const;
  void WriteSolution(TextOut& out) const;
  void WriteStatistics(TextOut& out, const SchedResult& result) const;
  void WriteDetails(TextOut& out, const SchedResult& result, GanttTextBuilder& gantt) const;
  void WriteMlfqJson(JsonOut& json) const;

  SchedArgs args_;
  Problem problem_;
  CommonOptions common_;
};

SchedResult SchedSimulation::Simulate(std::function<void(const SchedSegment&)> on_segment, bool record_timeline,
                                      const os::events::EventSink& sink) const {
  auto policy = os::MakeSchedPolicy(problem_.policy, problem_.params);  // the input was checked: cannot fail
  os::SchedOptions options;
  options.context_switch_cost = args_.cs;
  options.record_timeline = record_timeline;
  options.on_segment = std::move(on_segment);
  options.event_sink = sink;
  return os::SimulateScheduling(**policy, problem_.jobs, options).value();  // checked input: cannot fail
}

bool SchedSimulation::HasIo() const {
  return std::any_of(problem_.jobs.begin(), problem_.jobs.end(),
                     [](const SchedProcess& j) { return j.bursts.size() > 1; });
}

bool SchedSimulation::Plain() const {
  if (args_.file || args_.arrivals || args_.priorities || args_.tickets || args_.io || args_.cs > 0) return false;
  return !Info().uses_priority && !Info().uses_tickets;
}

/// MLFQ's queues as the policy builds them (defaults filled in), top queue first.
struct MlfqLevels {
  std::vector<std::int64_t> quanta, allotments;
};

MlfqLevels LevelsOf(const os::SchedPolicyParams& params) {
  const os::MlfqQueue mlfq = os::MlfqQueue::Create(params).value();  // checked in BuildProblem
  MlfqLevels levels;
  for (int q = mlfq.top_queue(); q >= 0; --q) {
    levels.quanta.push_back(mlfq.QuantumOf(q));
    levels.allotments.push_back(mlfq.AllotmentOf(q));
  }
  return levels;
}

/// scheduler.py's ARG lines; then one for each of osgrid's own options in use.
void SchedSimulation::WriteArguments(TextOut& out) const {
  out.Print("ARG policy {}\n", args_.policy);
  if (problem_.random) {
    out.Print("ARG jobs {}\nARG maxlen {}\nARG seed {}\n", args_.jobs, args_.maxlen, problem_.seed);
  } else if (args_.jlist) {
    out.Print("ARG jlist {}\n", *args_.jlist);
  } else if (args_.file) {
    out.Print("ARG file {}\n", *args_.file);
  }
  if (!Plain() && Info().sliced && !IsMlfq()) out.Print("ARG quantum {}\n", args_.quantum);
  if (IsMlfq()) {
    const MlfqLevels levels = LevelsOf(problem_.params);
    out.Print("ARG mlfq-quantum {}\nARG mlfq-allotment {}\n", fmt::join(levels.quanta, ","),
              fmt::join(levels.allotments, ","));
    if (args_.mlfq_boost > 0) out.Print("ARG mlfq-boost {}\n", args_.mlfq_boost);
  }
  if (args_.cs > 0) out.Print("ARG cs {}\n", args_.cs);
  if (args_.aging > 0 && Info().uses_priority) out.Print("ARG aging {}\n", args_.aging);
  if (problem_.policy == "LOTTERY") out.Print("ARG seed {} (lottery draws)\n", problem_.seed);
  out.Put('\n');
}

void SchedSimulation::WriteJobList(TextOut& out) const {
  if (Plain()) {
    out.Write("Here is the job list, with the run time of each job: \n");
    for (const SchedProcess& job : problem_.jobs) {
      // scheduler.py keeps -l lengths as floats ("5.0") and random ones as ints ("5").
      if (problem_.random) {
        out.Print(FMT_COMPILE("  Job {} ( length = {} )\n"), job.name, job.bursts[0]);
      } else {
        out.Print(FMT_COMPILE("  Job {} ( length = {}.0 )\n"), job.name, job.bursts[0]);  // PyStr of a whole number
      }
    }
    out.Write("\n\n");
    return;
  }
  std::vector<std::string> header{"job", "arrival", HasIo() ? "bursts (CPU, io I/O, ...)" : "burst"};
  if (Info().uses_priority) header.push_back("priority");
  if (Info().uses_tickets) header.push_back("tickets");
  Table table(header);
  for (const SchedProcess& job : problem_.jobs) {
    std::vector<std::string> row{job.name, std::to_string(job.arrival), Pattern(job)};
    if (Info().uses_priority) row.push_back(std::to_string(job.priority));
    if (Info().uses_tickets) row.push_back(std::to_string(job.tickets));
    table.AddRow(row);
  }
  std::ostringstream text;
  table.Print(text, "  ");
  out.Write("Here is the job list:\n");
  out.Write(text.str());
  out.Write("\n\n");
}

/// Writes one line of the execution trace per piece, as the simulator makes
/// them: scheduler.py's "[ time t ] Run job j for x secs", and osgrid's idle,
/// context-switch and I/O notes.
class TraceWriter {
 public:
  TraceWriter(TextOut& out, const std::vector<SchedProcess>& jobs, bool wide_names)
      : out_(out), jobs_(jobs), wide_(wide_names), ran_(jobs.size(), 0), burst_(jobs.size(), 0) {
    burst_end_.reserve(jobs.size());
    for (const SchedProcess& job : jobs) burst_end_.push_back(job.bursts[0]);
  }

  void operator()(const SchedSegment& s) {
    const std::int64_t length = s.end - s.start;
    if (s.kind == SchedSegment::Kind::kIdle) {
      out_.Print(FMT_COMPILE("  [ time {:3d} ] Idle for {}.00 secs\n"), s.start, length);
      return;
    }
    const SchedProcess& job = jobs_[s.process];
    if (s.kind == SchedSegment::Kind::kSwitch) {
      out_.Print(FMT_COMPILE("  [ time {:3d} ] Context switch to job {} ({}.00 secs)\n"), s.start, job.name, length);
      return;
    }
    if (wide_) {
      out_.Print(FMT_COMPILE("  [ time {:3d} ] Run job "), s.start);
      out_.RightAligned(job.name, 3);
      out_.Print(FMT_COMPILE(" for {}.00 secs"), length);
    } else {
      out_.Print(FMT_COMPILE("  [ time {:3d} ] Run job {} for {}.00 secs"), s.start, job.name, length);
    }
    ran_[s.process] += s.end - s.start;
    if (ran_[s.process] == burst_end_[s.process]) {
      std::size_t& b = burst_[s.process];
      if (b + 1 == job.bursts.size()) {
        out_.Print(FMT_COMPILE(" ( DONE at {}.00 )"), s.end);
      } else {
        out_.Print(FMT_COMPILE(" ( I/O until {} )"), s.end + job.bursts[b + 1]);
        b += 2;
        burst_end_[s.process] += job.bursts[b];
      }
    }
    out_.Put('\n');
  }

 private:
  TextOut& out_;
  const std::vector<SchedProcess>& jobs_;
  bool wide_;                            // "%3d" for the job, as scheduler.py's RR trace; else "%d"
  std::vector<std::int64_t> ran_;        // CPU time each job has had
  std::vector<std::size_t> burst_;       // the index of its current CPU burst
  std::vector<std::int64_t> burst_end_;  // the CPU time at which that burst ends
};

/// scheduler.py's "Final statistics": FIFO and SJF list the jobs in the order
/// they ran, RR (and osgrid's other policies) in input order.
void SchedSimulation::WriteStatistics(TextOut& out, const SchedResult& result) const {
  out.Write("\nFinal statistics:\n");
  std::vector<std::size_t> order(problem_.jobs.size());
  std::iota(order.begin(), order.end(), 0);
  if (RunsToCompletion(problem_.policy)) {
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      return result.processes[a].first_run < result.processes[b].first_run;
    });
  }
  for (std::size_t i : order) {
    const SchedProcessResult& r = result.processes[i];
    out.Write("  Job ");
    out.RightAligned(problem_.jobs[i].name, 3);
    out.Print(FMT_COMPILE(" -- Response: {}.00  Turnaround {}.00  Wait {}.00\n"), r.response, r.turnaround, r.waiting);
  }
  out.Print("\n  Average -- Response: {:3.2f}  Turnaround {:3.2f}  Wait {:3.2f}\n\n", result.average_response,
            result.average_turnaround, result.average_waiting);
}

/// The number of characters of `value` in decimal.
std::size_t Digits(std::int64_t value) { return fmt::format_int(value).size(); }

/// osgrid's additions after scheduler.py's answers: every figure per job,
/// the CPU's totals and the Gantt chart.
void SchedSimulation::WriteDetails(TextOut& out, const SchedResult& result, GanttTextBuilder& gantt) const {
  const bool io = HasIo(), tickets = Info().uses_tickets;
  std::vector<std::string> header{"job", "arrival", "burst"};
  if (io) header.push_back("I/O");
  header.push_back("priority");
  if (tickets) header.push_back("tickets");
  for (const char* column : {"first run", "completion", "response", "turnaround", "waiting"}) header.push_back(column);
  // Rows of numbers, laid out as text.h's Table lays out strings, but
  // without a string per cell: one pass for the widths, one to print.
  const std::size_t n = problem_.jobs.size();
  std::vector<std::int64_t> row;
  const auto fill_row = [&](std::size_t i) {
    const SchedProcess& job = problem_.jobs[i];
    const SchedProcessResult& r = result.processes[i];
    row.assign({job.arrival, r.cpu});
    if (io) row.push_back(r.io);
    row.push_back(job.priority);
    if (tickets) row.push_back(job.tickets);
    for (std::int64_t value : {r.first_run, r.completion, r.response, r.turnaround, r.waiting}) row.push_back(value);
  };
  std::vector<std::size_t> width(header.size());
  for (std::size_t c = 0; c < header.size(); ++c) width[c] = header[c].size();
  for (std::size_t i = 0; i < n; ++i) {
    fill_row(i);
    width[0] = std::max(width[0], problem_.jobs[i].name.size());
    for (std::size_t c = 0; c < row.size(); ++c) width[c + 1] = std::max(width[c + 1], Digits(row[c]));
  }
  out.Write("Per job (osgrid):\n  ");
  for (std::size_t c = 0; c + 1 < header.size(); ++c) out.Print("{:<{}}  ", header[c], width[c]);
  out.Print("{}\n", header.back());
  for (std::size_t i = 0; i < n; ++i) {
    fill_row(i);
    out.Write("  ");
    out.Write(problem_.jobs[i].name);
    out.Pad(width[0] - problem_.jobs[i].name.size() + 2);
    for (std::size_t c = 0; c < row.size(); ++c) {
      const fmt::format_int value(row[c]);
      out.Write({value.data(), value.size()});
      if (c + 1 < row.size()) out.Pad(width[c + 1] - value.size() + 2);
    }
    out.Put('\n');
  }
  out.Print("\n  Context switches: {}   CPU utilization: {:.2f}%   Throughput: {:.4g} jobs per time unit\n\n",
            result.context_switches, 100 * result.utilization, result.throughput);
  out.Write("Gantt chart:\n");
  out.Write(gantt.Finish());
}

/// The bar of the Gantt chart for one piece: the job's name, "cs" or idle ("").
std::string_view BarLabel(const SchedSegment& s, const std::vector<SchedProcess>& jobs) {
  if (s.kind == SchedSegment::Kind::kIdle) return {};
  if (s.kind == SchedSegment::Kind::kSwitch) return "cs";
  return jobs[s.process].name;
}

void SchedSimulation::WriteSolution(TextOut& out) const {
  out.Write("** Solutions **\n\nExecution trace:\n");
  TraceWriter trace(out, problem_.jobs, !RunsToCompletion(problem_.policy));
  GanttTextBuilder gantt;
  const bool details = !common_.ostep;
  const SchedResult result = Simulate(
      [&](const SchedSegment& s) {
        trace(s);
        if (details) gantt.Add(BarLabel(s, problem_.jobs), static_cast<double>(s.start), static_cast<double>(s.end));
      },
      false);
  WriteStatistics(out, result);
  if (details) WriteDetails(out, result, gantt);
}

void SchedSimulation::WriteText(TextOut& out) const {
  WriteArguments(out);
  WriteJobList(out);
  if (common_.solve) {
    WriteSolution(out);
    return;
  }
  out.Write(
      "Compute the turnaround time, response time, and wait time for each job.\n"
      "When you are done, run this program again, with the same arguments,\n"
      "but with -c, which will thus provide you with the answers. You can use\n"
      "-s <somenumber> or your own job list (-l 10,15,20 for example)\n"
      "to generate different problems for yourself.\n\n");
}

/// Writes the timeline's bars as they come, merging a job's consecutive pieces into one bar.
class TimelineJson {
 public:
  TimelineJson(JsonOut& json, const std::vector<SchedProcess>& jobs) : json_(json), jobs_(jobs) {}

  void operator()(const SchedSegment& s) {
    if (open_ && s.kind == last_.kind && s.process == last_.process && s.start == last_.end &&
        s.kind != SchedSegment::Kind::kSwitch) {
      last_.end = s.end;
      return;
    }
    Flush();
    last_ = s;
    open_ = true;
  }

  void Flush() {
    if (!open_) return;
    open_ = false;
    json_.BeginObject();
    if (last_.kind == SchedSegment::Kind::kRun) {
      json_.Field("id", jobs_[last_.process].name);
    } else if (last_.kind == SchedSegment::Kind::kIdle) {
      json_.Field("id", "idle");
    } else {
      json_.Field("id", "switch");
      json_.Field("to", jobs_[last_.process].name);
    }
    json_.Field("start", last_.start);
    json_.Field("end", last_.end);
    json_.EndObject();
  }

 private:
  JsonOut& json_;
  const std::vector<SchedProcess>& jobs_;
  SchedSegment last_;
  bool open_ = false;
};

void SchedSimulation::WriteJson(JsonOut& json) const {
  json.BeginObject();
  json.Field("policy", problem_.policy);
  if (Info().sliced && !IsMlfq()) json.Field("quantum", args_.quantum);
  if (IsMlfq()) WriteMlfqJson(json);
  if (Info().uses_priority) json.Field("aging", args_.aging);
  if (problem_.policy == "LOTTERY") json.Field("seed", problem_.seed);
  json.Field("context_switch_cost", args_.cs);
  json.Key("timeline");
  json.BeginArray();
  TimelineJson timeline(json, problem_.jobs);
  const SchedResult result = Simulate([&](const SchedSegment& s) { timeline(s); }, false);
  timeline.Flush();
  json.EndArray();
  json.Key("jobs");
  json.BeginArray();
  for (std::size_t i = 0; i < problem_.jobs.size(); ++i) {
    const SchedProcess& job = problem_.jobs[i];
    const SchedProcessResult& r = result.processes[i];
    json.BeginObject();
    json.Field("id", job.name);
    json.Field("arrival", job.arrival);
    json.Field("burst", r.cpu);
    json.Field("io", r.io);
    json.Key("bursts");
    json.BeginArray();
    for (std::int64_t burst : job.bursts) json.Int(burst);
    json.EndArray();
    json.Field("priority", job.priority);
    json.Field("tickets", job.tickets);
    json.Field("first_run", r.first_run);
    json.Field("completion", r.completion);
    json.Field("response", r.response);
    json.Field("turnaround", r.turnaround);
    json.Field("waiting", r.waiting);
    json.EndObject();
  }
  json.EndArray();
  json.Key("average");
  json.BeginObject();
  json.Field("response", result.average_response);
  json.Field("turnaround", result.average_turnaround);
  json.Field("waiting", result.average_waiting);
  json.EndObject();
  json.Field("context_switches", result.context_switches);
  json.Field("utilization", result.utilization);
  json.Field("throughput", result.throughput);
  json.Field("makespan", result.makespan);
  json.Field("busy", result.busy);
  json.Field("switching", result.switching);
  json.EndObject();
}

/// "mlfq": {"quanta": [...], "allotments": [...], "boost": S}, top queue first.
void SchedSimulation::WriteMlfqJson(JsonOut& json) const {
  const MlfqLevels levels = LevelsOf(problem_.params);
  json.Key("mlfq");
  json.BeginObject();
  json.Key("quanta");
  json.BeginArray();
  for (std::int64_t quantum : levels.quanta) json.Int(quantum);
  json.EndArray();
  json.Key("allotments");
  json.BeginArray();
  for (std::int64_t allotment : levels.allotments) json.Int(allotment);
  json.EndArray();
  json.Field("boost", args_.mlfq_boost);
  json.EndObject();
}

std::string SchedSimulation::Svg() const {
  const SchedResult result = Simulate(nullptr, true);
  std::vector<GanttSegment> bars;
  bars.reserve(result.timeline.size());
  for (const SchedSegment& s : result.timeline) {
    bars.push_back(GanttSegment{std::string(BarLabel(s, problem_.jobs)), static_cast<double>(s.start),
                                static_cast<double>(s.end)});
  }
  return GanttSvg(bars, fmt::format("{}: average turnaround {:.2f}, average waiting {:.2f}", problem_.policy,
                                    result.average_turnaround, result.average_waiting));
}

/// "FCFS|FIFO, SJF, SRTF|STCF|PSJF, ...": every name the table knows.
std::string PolicyChoices() {
  std::string text;
  for (const os::SchedPolicyInfo& row : os::SchedPolicies()) {
    text += (text.empty() ? "" : ", ") + std::string(row.name);
    for (std::string_view alias : row.aliases) text += "|" + std::string(alias);
  }
  return text;
}

/// "RR, MLFQ, LOTTERY, STRIDE": the policies whose trait is set.
std::string PoliciesWith(bool os::SchedPolicyInfo::*trait) {
  std::string text;
  for (const os::SchedPolicyInfo& row : os::SchedPolicies()) {
    if (row.*trait) text += (text.empty() ? "" : ", ") + std::string(row.name);
  }
  return text;
}

/// The table's rows, one a line: name (aliases), summary, source.
std::string PolicyList() {
  std::string text = "Policies (-p, any case):\n";
  for (const os::SchedPolicyInfo& row : os::SchedPolicies()) {
    std::string name(row.name);
    for (std::size_t i = 0; i < row.aliases.size(); ++i) name += (i == 0 ? " = " : ", ") + std::string(row.aliases[i]);
    text += fmt::format("  {:<19} {} ({})\n", name, row.summary, row.source);
  }
  return text;
}

std::string Footer() {
  return "Examples:\n"
         "  osgrid sim sched -p SJF -l 5,10,15 -c                       (OSTEP's scheduler.py)\n"
         "  osgrid sim sched -p RR -q 4 -l 24,3,3 -c                    (Silberschatz 5.3.3)\n"
         "  osgrid sim sched -p SRTF -l 8,4,9,5 --arrivals 0,1,2,3 -c   (Silberschatz 5.3.2)\n"
         "  osgrid sim sched -p PRIORITY -l 10,1,2,1,5 --priorities 3,1,4,5,2 -c\n"
         "  osgrid sim sched -p MLFQ --mlfq-quantum 2,4 -l 7,3,1 --arrivals 0,1,5 -c   (OSTEP ch. 8)\n" +
         PolicyList() + "--io \"0:5,3,2\" gives job 0 a CPU 5, I/O 3, CPU 2 pattern. Manual: docs/sim/sched.md";
}

Prepared Prepare(const SchedArgs& args, const CommonOptions& common) {
  Result<Problem> problem = BuildProblem(args, common);
  if (!problem.ok()) return problem.status();
  return std::unique_ptr<Simulation>(new SchedSimulation(args, std::move(*problem), common));
}

/// The Gantt chart of a run's JSON timeline (scenario side-by-side views).
std::vector<GanttSegment> Gantt(const Json& timeline) {
  std::vector<GanttSegment> segments;
  for (const Json& s : timeline) {
    std::string id = s.value("id", "");
    if (id == "idle") id.clear();
    if (id == "switch") id = "cs";
    segments.push_back(GanttSegment{id, s.value("start", 0.0), s.value("end", 0.0)});
  }
  return segments;
}

std::string Fixed2(double value) { return fmt::format("{:.2f}", value); }

}  // namespace

Topic SchedTopic() {
  Topic topic;
  topic.name = "sched";
  topic.ostep_simulator = "cpu-sched/scheduler.py";
  topic.time_unit = "time unit";
  topic.summary =
      "CPU scheduling: FCFS, SJF, SRTF, priority, RR, MLFQ, lottery, stride (OSTEP ch. 7-9, Silberschatz ch. 5)";
  topic.add = [](CLI::App& command) -> Runner {
    auto args = std::make_shared<SchedArgs>();
    command.add_option("-j,--jobs", args->jobs, "Number of random jobs (without -l or -f)")->capture_default_str();
    command.add_option("-l,--jlist", args->jlist, "Comma-separated job lengths (CPU bursts), e.g. 5,10,15")
        ->type_name("LIST");
    command.add_option("-m,--maxlen", args->maxlen, "Longest random job")->capture_default_str();
    command.add_option("-p,--policy", args->policy, PolicyChoices() + " (any case; see the list below)")
        ->capture_default_str();
    command
        .add_option("-q,--quantum", args->quantum,
                    "Time slice of " + PoliciesWith(&os::SchedPolicyInfo::sliced) +
                        " (MLFQ: of every queue, unless --mlfq-quantum)")
        ->capture_default_str();
    command
        .add_option("-f,--file", args->file, "Jobs file: one job per line, 'name arrival burst [priority] [tickets]'")
        ->type_name("FILE");
    command.add_option("--arrivals", args->arrivals, "Arrival time of each job, e.g. 0,1,2 (default: all 0)")
        ->type_name("LIST");
    command.add_option("--priorities", args->priorities, "Priority of each job; lower = more urgent")
        ->type_name("LIST");
    command
        .add_option("--tickets", args->tickets,
                    "Tickets of each job (" + PoliciesWith(&os::SchedPolicyInfo::uses_tickets) + "; default 100)")
        ->type_name("LIST");
    command.add_option("--io", args->io, "CPU/I/O patterns: 'job:cpu,io,cpu,...;job:...', e.g. '0:5,3,2'")
        ->type_name("SPEC");
    command.add_option("--cs", args->cs, "Context-switch cost in time units")->capture_default_str();
    command.add_option("--aging", args->aging, "PRIORITY(-P): priority improves by 1 per this much waiting; 0 = off")
        ->capture_default_str();
    command
        .add_option("--mlfq-quantum", args->mlfq_quanta,
                    "MLFQ: time slice per queue, top queue first, as mlfq.py's -Q (default: 3 queues of -q)")
        ->type_name("LIST");
    command
        .add_option("--mlfq-allotment", args->mlfq_allotments,
                    "MLFQ: allotment per queue in quanta, top queue first, as mlfq.py's -A (default: 1 each)")
        ->type_name("LIST");
    command
        .add_option("--mlfq-boost", args->mlfq_boost,
                    "MLFQ: every this many time units, every job moves to the top queue, as mlfq.py's -B; 0 = never")
        ->capture_default_str();
    command.footer(Footer());
    return [args](const CommonOptions& common) { return Prepare(*args, common); };
  };
  topic.policy_flag = "-p";
  topic.summarize = [](const Json& run) -> std::vector<std::pair<std::string, std::string>> {
    const Json average = run.value("average", Json::object());
    return {{"avg response", Fixed2(average.value("response", 0.0))},
            {"avg turnaround", Fixed2(average.value("turnaround", 0.0))},
            {"avg waiting", Fixed2(average.value("waiting", 0.0))},
            {"switches", std::to_string(run.value("context_switches", 0))},
            {"utilization", Fixed2(100 * run.value("utilization", 0.0)) + "%"}};
  };
  topic.brief = [](const Json& run) { return GanttText(Gantt(run.value("timeline", Json::array())), 60); };
  return topic;
}

}  // namespace osgrid::sim
