// `osgrid sim mlfq`: the Multi-Level Feedback Queue of OSTEP ch. 8 with the
// flags, defaults and answers of OSTEP's mlfq.py (cpu-sched-mlfq). The
// algorithm is os/src/sched/mlfq.cpp; this file parses, prints and draws.
#include <cstdio>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "../render.h"
#include "../sim.h"
#include "format.h"
#include "osgrid/os/sched/mlfq.h"

namespace osgrid::cli::sim {
namespace {

using os::MlfqEvent;
using os::MlfqJob;
using os::MlfqResult;
using os::MlfqSimConfig;

/// mlfq.py's options, with its defaults.
struct MlfqOptions {
  std::int64_t num_queues = 3;  // -n
  std::int64_t quantum = 10;    // -q
  std::int64_t allotment = 1;   // -a
  std::string quantum_list;     // -Q, top queue first
  std::string allotment_list;   // -A, top queue first
  std::int64_t num_jobs = 3;    // -j
  std::int64_t max_len = 100;   // -m
  std::int64_t max_io = 10;     // -M
  std::int64_t boost = 0;       // -B
  std::int64_t io_time = 5;     // -i
  bool stay = false;            // -S
  bool iobump = false;          // -I
  std::string jlist;            // -l "start,run,ioFreq:..."
};

std::string Format(const char* format, auto... values) {
  char buffer[256];
  std::snprintf(buffer, sizeof buffer, format, values...);
  return buffer;
}

std::string Fixed2(double value) { return Format("%.2f", value); }

std::string JobLabel(int job) { return "J" + std::to_string(job); }

// ---- Input ------------------------------------------------------------------------

/// -l "0,20,0:5,10,2" -> jobs.
Result<std::vector<MlfqJob>> ParseJobList(const std::string& text) {
  std::vector<MlfqJob> jobs;
  std::stringstream items(text);
  std::string item;
  while (std::getline(items, item, ':')) {
    const std::string name = "-l (job list): job " + std::to_string(jobs.size());
    Result<std::vector<std::int64_t>> fields = ParseIntList(item, name);
    if (!fields.ok()) return fields.status();
    if (fields->size() != 3) {
      return BadInput(name + " is '" + item +
                      "'; each job must be startTime,runTime,ioFreq, jobs separated by ':' (e.g. 0,20,0:5,10,2)");
    }
    jobs.push_back(MlfqJob{(*fields)[0], (*fields)[1], (*fields)[2]});
  }
  if (jobs.empty() || text.back() == ':') return BadInput("-l (job list): '" + text + "' has an empty job");
  return jobs;
}

/// The per-queue list of -Q/-A, or n copies of -q/-a. Top queue first.
Result<std::vector<std::int64_t>> PerQueue(const std::string& list, const std::string& list_flag, std::int64_t single,
                                           const std::string& single_flag, std::int64_t queues) {
  if (list.empty()) {
    if (single <= 0) return BadInput(single_flag + " must be > 0, got " + std::to_string(single));
    return std::vector<std::int64_t>(static_cast<std::size_t>(queues), single);
  }
  Result<std::vector<std::int64_t>> values = ParseIntList(list, list_flag);
  if (!values.ok()) return values.status();
  if (static_cast<std::int64_t>(values->size()) != queues) {
    return BadInput(list_flag + ": '" + list + "' gives " + std::to_string(values->size()) + " values for " +
                    std::to_string(queues) + " queues (one per queue, top queue first)");
  }
  for (std::size_t i = 0; i < values->size(); ++i) {
    if ((*values)[i] <= 0) {
      return BadInput(list_flag + ": value " + std::to_string(i + 1) + " (queue " +
                      std::to_string(queues - 1 - static_cast<std::int64_t>(i)) + ") must be > 0, got " +
                      std::to_string((*values)[i]));
    }
  }
  return values;
}

Result<MlfqSimConfig> BuildConfig(const MlfqOptions& o) {
  MlfqSimConfig config;
  std::int64_t queues = o.num_queues;
  if (!o.quantum_list.empty()) {
    Result<std::vector<std::int64_t>> count = ParseIntList(o.quantum_list, "-Q (quantum list)");
    if (!count.ok()) return count.status();
    queues = static_cast<std::int64_t>(count->size());
  } else if (queues < 1 || queues > 100) {
    return BadInput("-n (number of queues) must be 1..100, got " + std::to_string(queues));
  }
  Result<std::vector<std::int64_t>> quanta =
      PerQueue(o.quantum_list, "-Q (quantum list)", o.quantum, "-q (quantum)", queues);
  if (!quanta.ok()) return quanta.status();
  Result<std::vector<std::int64_t>> allotments =
      PerQueue(o.allotment_list, "-A (allotment list)", o.allotment, "-a (allotment)", queues);
  if (!allotments.ok()) return allotments.status();
  if (o.boost < 0) return BadInput("-B (boost period) must be >= 0 (0 = no boost), got " + std::to_string(o.boost));
  if (o.io_time < 0) return BadInput("-i (I/O time) must be >= 0, got " + std::to_string(o.io_time));
  config.scheduler.quanta = std::move(quanta).value();
  config.scheduler.allotments = std::move(allotments).value();
  config.scheduler.boost = o.boost;
  config.scheduler.stay = o.stay;
  config.scheduler.iobump = o.iobump;
  config.io_time = o.io_time;
  return config;
}

Result<std::vector<MlfqJob>> BuildJobs(const MlfqOptions& o, const CommonOptions& common) {
  if (!o.jlist.empty()) return ParseJobList(o.jlist);
  if (o.num_jobs < 1 || o.num_jobs > 1000)
    return BadInput("-j (number of jobs) must be 1..1000, got " + std::to_string(o.num_jobs));
  if (o.max_len < 1) return BadInput("-m (max job length) must be >= 1, got " + std::to_string(o.max_len));
  if (o.max_io < 0)
    return BadInput("-M (max I/O frequency) must be >= 0 (0 = no I/O), got " + std::to_string(o.max_io));
  os::Expected<std::vector<MlfqJob>> jobs =
      os::RandomMlfqJobs(common.seed.value_or(0), o.num_jobs, o.max_len, o.max_io);
  if (!jobs) return BadInput(jobs.error().message);
  return std::move(jobs).value();
}

// ---- Text -------------------------------------------------------------------------

/// mlfq.py's header: the options and the job list.
std::string ProblemText(const MlfqSimConfig& config, const std::vector<MlfqJob>& jobs) {
  const auto& s = config.scheduler;
  const int queues = static_cast<int>(s.quanta.size());
  std::string text = "Here is the list of inputs:\n";
  text += "OPTIONS jobs " + std::to_string(jobs.size()) + "\n";
  text += "OPTIONS queues " + std::to_string(queues) + "\n";
  for (int q = queues - 1; q >= 0; --q) {
    const auto i = static_cast<std::size_t>(queues - 1 - q);
    text += Format("OPTIONS allotments for queue %2d is %3lld\n", q, static_cast<long long>(s.allotments[i]));
    text += Format("OPTIONS quantum length for queue %2d is %3lld\n", q, static_cast<long long>(s.quanta[i]));
  }
  text += "OPTIONS boost " + std::to_string(s.boost) + "\n";
  text += "OPTIONS ioTime " + std::to_string(config.io_time) + "\n";
  text += std::string("OPTIONS stayAfterIO ") + (s.stay ? "True" : "False") + "\n";
  text += std::string("OPTIONS iobump ") + (s.iobump ? "True" : "False") + "\n\n\n";
  text +=
      "For each job, three defining characteristics are given:\n"
      "  startTime : at what time does the job enter the system\n"
      "  runTime   : the total CPU time needed by the job to finish\n"
      "  ioFreq    : every ioFreq time units, the job issues an I/O\n"
      "              (the I/O takes ioTime units to complete)\n\n"
      "Job List:\n";
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    text += Format("  Job %2d: startTime %3lld - runTime %3lld - ioFreq %3lld\n", static_cast<int>(i),
                   static_cast<long long>(jobs[i].arrival), static_cast<long long>(jobs[i].burst),
                   static_cast<long long>(jobs[i].io_frequency));
  }
  return text + "\n";
}

/// One trace line as mlfq.py prints it.
std::string TraceLine(const MlfqEvent& e, const MlfqResult& result, std::int64_t boost) {
  const auto t = static_cast<long long>(e.time);
  switch (e.kind) {
    case MlfqEvent::Kind::kBoost:
      return Format("[ time %lld ] BOOST ( every %lld )", t, static_cast<long long>(boost));
    case MlfqEvent::Kind::kJobBegins:
      return Format("[ time %lld ] JOB BEGINS by JOB %d", t, e.job);
    case MlfqEvent::Kind::kIoDone:
      return Format("[ time %lld ] IO_DONE by JOB %d", t, e.job);
    case MlfqEvent::Kind::kIdle:
      return Format("[ time %lld ] IDLE", t);
    case MlfqEvent::Kind::kFinished:
      return Format("[ time %lld ] FINISHED JOB %d", t, e.job);
    case MlfqEvent::Kind::kIoStart:
      return Format("[ time %lld ] IO_START by JOB %d", t, e.job);
    case MlfqEvent::Kind::kRun:
      return Format("[ time %lld ] Run JOB %d at PRIORITY %d [ TICKS %lld ALLOT %lld TIME %lld (of %lld) ]", t, e.job,
                    e.queue, static_cast<long long>(e.ticks_left), static_cast<long long>(e.allot_left),
                    static_cast<long long>(e.time_left),
                    static_cast<long long>(result.jobs[static_cast<std::size_t>(e.job)].job.burst));
  }
  return "";
}

std::vector<GanttSegment> Segments(const MlfqResult& result) {
  std::vector<GanttSegment> segments;
  std::int64_t at = 0;
  for (const os::MlfqSegment& s : result.timeline) {
    if (s.start > at) segments.push_back(GanttSegment{"", static_cast<double>(at), static_cast<double>(s.start)});
    segments.push_back(GanttSegment{JobLabel(s.job), static_cast<double>(s.start), static_cast<double>(s.end)});
    at = s.end;
  }
  return segments;
}

/// The job's mark in the queue chart: 0-9, then a-z, A-Z, then '*'.
char JobMark(int job) {
  static const std::string marks = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  return job < static_cast<int>(marks.size()) ? marks[static_cast<std::size_t>(job)] : '*';
}

/// OSTEP's figures: one row per queue, a job's number where it ran, '.' where
/// that queue did not run. One column is `scale` ticks (at most 64 columns).
std::string QueueChart(const MlfqResult& result, int queues) {
  constexpr std::int64_t kColumns = 64;
  const std::int64_t scale = std::max<std::int64_t>(1, (result.end_time + kColumns - 1) / kColumns);
  const std::int64_t columns = (result.end_time + scale - 1) / scale;
  std::vector<std::string> rows(static_cast<std::size_t>(queues), std::string(static_cast<std::size_t>(columns), '.'));
  for (const os::MlfqSegment& s : result.timeline) {
    for (std::int64_t c = s.start / scale; c * scale < s.end && c < columns; ++c) {
      char& cell = rows[static_cast<std::size_t>(s.queue)][static_cast<std::size_t>(c)];
      if (cell == '.') cell = JobMark(s.job);
    }
  }
  std::string text = "Queues over time (a job's number where it ran; 1 column = " + std::to_string(scale) +
                     (scale == 1 ? " tick):\n" : " ticks):\n");
  for (int q = queues - 1; q >= 0; --q) {
    text += Format("  Q%-3d|", q) + rows[static_cast<std::size_t>(q)] + "|\n";
  }
  std::string axis = "       0";
  const std::string end = std::to_string(result.end_time);
  const std::size_t end_column = 7 + static_cast<std::size_t>(columns);
  if (axis.size() + 1 + end.size() <= end_column + 1)
    axis.resize(end_column + 1 - end.size(), ' ');
  else
    axis += ' ';
  return text + axis + end + "\n";
}

std::string AnswerText(const MlfqSimConfig& config, const MlfqResult& result) {
  std::string text = "\nExecution Trace:\n\n";
  for (const MlfqEvent& e : result.trace) text += TraceLine(e, result, config.scheduler.boost) + "\n";
  text += "\nFinal statistics:\n";
  for (std::size_t i = 0; i < result.jobs.size(); ++i) {
    const os::MlfqJobStats& j = result.jobs[i];
    text += Format("  Job %2d: startTime %3lld - response %3lld - turnaround %3lld\n", static_cast<int>(i),
                   static_cast<long long>(j.job.arrival), static_cast<long long>(j.response),
                   static_cast<long long>(j.turnaround));
  }
  text += Format("\n  Avg %2d: startTime n/a - response %.2f - turnaround %.2f\n\n",
                 static_cast<int>(result.jobs.size()) - 1, result.average_response, result.average_turnaround);

  Table table({"job", "start", "run", "ioFreq", "I/Os", "first run", "done", "response", "turnaround", "waiting"});
  for (std::size_t i = 0; i < result.jobs.size(); ++i) {
    const os::MlfqJobStats& j = result.jobs[i];
    table.AddRow({JobLabel(static_cast<int>(i)), std::to_string(j.job.arrival), std::to_string(j.job.burst),
                  std::to_string(j.job.io_frequency), std::to_string(j.ios), std::to_string(j.first_run),
                  std::to_string(j.completion), std::to_string(j.response), std::to_string(j.turnaround),
                  std::to_string(j.waiting)});
  }
  table.AddRow({"average", "", "", "", "", "", "", Fixed2(result.average_response), Fixed2(result.average_turnaround),
                Fixed2(result.average_waiting)});
  std::ostringstream out;
  table.Print(out, "  ");
  text += "Per job (ticks; waiting = time ready in a queue, not running and not in I/O):\n" + out.str() + "\n";
  text += "Who ran (Gantt chart):\n" + GanttText(Segments(result)) + "\n";
  text += QueueChart(result, static_cast<int>(config.scheduler.quanta.size()));
  text +=
      Format("\nContext switches: %lld   CPU utilization: %.1f%%\n", static_cast<long long>(result.context_switches),
             result.end_time > 0 ? 100.0 * static_cast<double>(result.busy_ticks) / static_cast<double>(result.end_time)
                                 : 0.0);
  return text;
}

// ---- JSON and SVG ------------------------------------------------------------------

Json ToJson(const MlfqSimConfig& config, const MlfqResult& result) {
  const auto& s = config.scheduler;
  Json json = {{"policy", "MLFQ"}, {"queues", s.quanta.size()}, {"quanta", s.quanta}, {"allotments", s.allotments},
               {"boost", s.boost}, {"io_time", config.io_time}, {"stay", s.stay},     {"iobump", s.iobump}};
  Json jobs = Json::array();
  for (std::size_t i = 0; i < result.jobs.size(); ++i) {
    const os::MlfqJobStats& j = result.jobs[i];
    Json levels = Json::array();
    for (const os::MlfqLevelChange& change : j.levels)
      levels.push_back({{"time", change.time}, {"queue", change.queue}});
    jobs.push_back({{"id", i},
                    {"arrival", j.job.arrival},
                    {"burst", j.job.burst},
                    {"io_frequency", j.job.io_frequency},
                    {"ios", j.ios},
                    {"first_run", j.first_run},
                    {"completion", j.completion},
                    {"response", j.response},
                    {"turnaround", j.turnaround},
                    {"waiting", j.waiting},
                    {"levels", levels}});
  }
  json["jobs"] = jobs;
  json["average"] = {{"response", result.average_response},
                     {"turnaround", result.average_turnaround},
                     {"waiting", result.average_waiting}};
  Json timeline = Json::array();
  for (const os::MlfqSegment& seg : result.timeline) {
    timeline.push_back({{"id", seg.job}, {"start", seg.start}, {"end", seg.end}, {"queue", seg.queue}});
  }
  json["timeline"] = timeline;
  json["context_switches"] = result.context_switches;
  json["end_time"] = result.end_time;
  json["utilization"] =
      result.end_time > 0 ? static_cast<double>(result.busy_ticks) / static_cast<double>(result.end_time) : 0.0;
  return json;
}

std::string Title(const MlfqSimConfig& config) {
  const auto& s = config.scheduler;
  auto list = [](const std::vector<std::int64_t>& values) {
    std::string text;
    for (std::int64_t v : values) text += (text.empty() ? "" : ",") + std::to_string(v);
    return text;
  };
  std::string title = "MLFQ: " + std::to_string(s.quanta.size()) + " queues, quanta " + list(s.quanta) +
                      ", allotments " + list(s.allotments) + ", boost " +
                      (s.boost > 0 ? std::to_string(s.boost) : std::string("off")) + ", I/O " +
                      std::to_string(config.io_time);
  if (s.stay) title += ", -S";
  if (s.iobump) title += ", -I";
  return title;
}

/// The SVG chart: one row per job ("J0", "J1", ...), titled with the parameters.
std::string Picture(const MlfqSimConfig& config, const MlfqResult& result) {
  std::vector<GanttSegment> segments;
  for (const os::MlfqSegment& s : result.timeline) {
    segments.push_back(GanttSegment{JobLabel(s.job), static_cast<double>(s.start), static_cast<double>(s.end)});
  }
  return GanttSvg(segments, Title(config));
}

/// "J0 J1 ..." timeline from a run's JSON, for scenario side-by-side listings.
std::string Brief(const Json& run) {
  std::vector<GanttSegment> segments;
  double at = 0;
  if (!run.contains("timeline")) return "";
  for (const Json& s : run["timeline"]) {
    const double start = s.value("start", 0.0), end = s.value("end", 0.0);
    if (start > at) segments.push_back(GanttSegment{"", at, start});
    segments.push_back(GanttSegment{"J" + std::to_string(s.value("id", 0)), start, end});
    at = end;
  }
  return GanttText(segments);
}

Outcome Run(const MlfqOptions& options, const CommonOptions& common) {
  Result<MlfqSimConfig> config = BuildConfig(options);
  if (!config.ok()) return config.status();
  Result<std::vector<MlfqJob>> jobs = BuildJobs(options, common);
  if (!jobs.ok()) return jobs.status();
  os::Expected<MlfqResult> result = os::SimulateMlfq(*config, *jobs);
  if (!result) return BadInput(result.error().message);
  Output output;
  output.json = ToJson(*config, *result);
  output.text = ProblemText(*config, *jobs);
  if (common.solve) {
    output.text += AnswerText(*config, *result);
  } else {
    output.text +=
        "Compute the execution trace for the given workloads.\n"
        "If you would like, also compute the response and turnaround\n"
        "times for each of the jobs.\n\n"
        "Use the -c flag to get the exact results when you are finished.\n";
  }
  output.svg = Picture(*config, *result);
  return output;
}

}  // namespace

Topic MlfqTopic() {
  Topic topic;
  topic.name = "mlfq";
  topic.summary = "Multi-level feedback queue scheduling (OSTEP ch. 8; the flags of OSTEP's mlfq.py)";
  topic.add = [](CLI::App& command) -> Runner {
    auto o = std::make_shared<MlfqOptions>();
    command.add_option("-n,--numQueues", o->num_queues, "Number of queues (if not using -Q)")->capture_default_str();
    command.add_option("-q,--quantum", o->quantum, "Time slice of every queue, in ticks (if not using -Q)")
        ->capture_default_str();
    command.add_option("-a,--allotment", o->allotment, "Allotment of every queue, in quanta (if not using -A)")
        ->capture_default_str();
    command
        .add_option("-Q,--quantumList", o->quantum_list,
                    "Time slice per queue, x,y,z,...: x for the highest-priority queue, then the next")
        ->type_name("LIST");
    command
        .add_option("-A,--allotmentList", o->allotment_list,
                    "Allotment per queue in quanta, x,y,z,...: highest-priority queue first")
        ->type_name("LIST");
    command.add_option("-j,--numJobs", o->num_jobs, "Number of random jobs (without -l)")->capture_default_str();
    command.add_option("-m,--maxlen", o->max_len, "Max run time of a random job")->capture_default_str();
    command.add_option("-M,--maxio", o->max_io, "Max I/O frequency of a random job (0: no I/O)")->capture_default_str();
    command.add_option("-B,--boost", o->boost, "Move every job to the top queue every B ticks (0: never)")
        ->capture_default_str();
    command.add_option("-i,--iotime", o->io_time, "How long each I/O lasts, in ticks")->capture_default_str();
    command.add_flag("-S,--stay", o->stay, "A job that issues an I/O gets a fresh quantum and allotment (gameable)");
    command.add_flag("-I,--iobump", o->iobump, "A job whose I/O is done goes to the front of its queue");
    command
        .add_option("-l,--jlist", o->jlist,
                    "Jobs as startTime,runTime,ioFreq:startTime,runTime,ioFreq:... (ioFreq 0: no I/O)")
        ->type_name("JOBS");
    command.footer(
        "Examples:\n"
        "  osgrid sim mlfq -n 3 -q 10 -l 0,200,0:100,20,0 -c        # OSTEP fig. 8.3\n"
        "  osgrid sim mlfq -q 10 -i 1 -S -B 20 -l 0,30,0:0,200,1:0,200,1 -c   # boost vs starvation\n"
        "  osgrid sim mlfq -Q 2,4,8 -A 3,2,1 -s 7 -j 4 -c          # random jobs, per-queue lists\n"
        "Queues are numbered as in mlfq.py: with n queues, n-1 is the top. Manual: docs/sim/mlfq.md");
    return [o](const CommonOptions& common) { return Stored(Run(*o, common)); };
  };
  topic.summarize = [](const Json& run) -> std::vector<std::pair<std::string, std::string>> {
    const Json average = run.value("average", Json::object());
    return {{"avg response", Fixed2(average.value("response", 0.0))},
            {"avg turnaround", Fixed2(average.value("turnaround", 0.0))}};
  };
  topic.brief = Brief;
  return topic;
}

}  // namespace osgrid::cli::sim
