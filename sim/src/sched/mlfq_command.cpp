// `osgrid sim mlfq`: the Multi-Level Feedback Queue of OSTEP ch. 8 with the
// flags, defaults and output of OSTEP's mlfq.py (cpu-sched-mlfq, as of its
// 2023-09-27 "allotment bug fix"). The algorithm is os/src/sched/mlfq.cpp;
// this file parses, prints and draws. The manual is docs/sim/mlfq.md.
//
// The text is mlfq.py's, byte for byte, from "Here is the list of inputs:"
// to its last line, and a seed draws mlfq.py's jobs (os::PyRandom). osgrid's
// additions (a per-job table, a Gantt chart, the queues over time, context
// switches and utilization) follow it, unless --ostep.
//
// Nothing is built whole: the trace, the JSON timeline and the charts are
// written as the simulator reports each tick (MlfqSimOptions), so memory
// grows with the number of jobs, not with the length of the run.
#include <algorithm>
#include <array>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/compile.h>

#include "../render.h"
#include "../topic.h"
#include "osgrid/os/sched/mlfq.h"

namespace osgrid::sim {
namespace {

using os::MlfqEvent;
using os::MlfqJob;
using os::MlfqResult;
using os::MlfqSegment;
using os::MlfqSimConfig;
using os::MlfqSimOptions;

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

/// The problem as parsed and checked.
struct Problem {
  MlfqSimConfig config;
  std::vector<MlfqJob> jobs;
};

std::string Fixed2(double value) { return fmt::format("{:.2f}", value); }

/// "J12", in a buffer: no allocation per timeline piece.
struct JobLabel {
  explicit JobLabel(int job) { size = fmt::format_to_n(text.data(), text.size(), "J{}", job).size; }
  std::string_view view() const { return {text.data(), size}; }
  std::array<char, 16> text{};
  std::size_t size = 0;
};

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
                                           std::int64_t queues) {
  if (list.empty()) return std::vector<std::int64_t>(static_cast<std::size_t>(queues), single);
  Result<std::vector<std::int64_t>> values = ParseIntList(list, list_flag);
  if (!values.ok()) return values.status();
  if (static_cast<std::int64_t>(values->size()) != queues) {
    return BadInput(list_flag + ": '" + list + "' gives " + std::to_string(values->size()) + " values for " +
                    std::to_string(queues) + " queues (one per queue, top queue first)");
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
    if (queues < 1 || queues > 100) return BadInput("-Q (quantum list): give 1..100 quanta, one per queue");
  } else if (queues < 1 || queues > 100) {
    return BadInput("-n (number of queues) must be 1..100, got " + std::to_string(queues));
  }
  Result<std::vector<std::int64_t>> quanta = PerQueue(o.quantum_list, "-Q (quantum list)", o.quantum, queues);
  if (!quanta.ok()) return quanta.status();
  Result<std::vector<std::int64_t>> allotments = PerQueue(o.allotment_list, "-A (allotment list)", o.allotment, queues);
  if (!allotments.ok()) return allotments.status();
  // mlfq.py refuses an allotment <= 0 in -A except for the bottom queue's
  // (with -a, or at the bottom, it means "never runs out").
  if (!o.allotment_list.empty()) {
    for (std::size_t i = 0; i + 1 < allotments->size(); ++i) {
      if ((*allotments)[i] <= 0) {
        return BadInput("-A (allotment list): the allotment of queue " +
                        std::to_string(queues - 1 - static_cast<std::int64_t>(i)) + " must be > 0, got " +
                        std::to_string((*allotments)[i]) + " (only the bottom queue's may be <= 0)");
      }
    }
  }
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
  if (o.num_jobs < 1 || o.num_jobs > 1'000'000) {
    return BadInput("-j (number of jobs) must be 1..1000000, got " + std::to_string(o.num_jobs));
  }
  if (o.max_len < 1) {
    return BadInput("-m (max job length) must be >= 1 (a run time must be > 0), got " + std::to_string(o.max_len));
  }
  os::Expected<std::vector<MlfqJob>> jobs =
      os::RandomMlfqJobs(common.seed.value_or(0), o.num_jobs, o.max_len, o.max_io);
  if (!jobs) return BadInput(jobs.error().message);
  return std::move(jobs).value();
}

Result<Problem> BuildProblem(const MlfqOptions& o, const CommonOptions& common) {
  Result<MlfqSimConfig> config = BuildConfig(o);
  if (!config.ok()) return config.status();
  Result<std::vector<MlfqJob>> jobs = BuildJobs(o, common);
  if (!jobs.ok()) return jobs.status();
  if (os::Expected<bool> valid = os::ValidateMlfq(*config, *jobs); !valid) {
    return BadInput((o.jlist.empty() ? "" : "-l (job list): ") + valid.error().message);
  }
  return Problem{std::move(*config), std::move(*jobs)};
}

// ---- osgrid's charts, built as the run goes ------------------------------------------

/// The job's mark in the queue chart: 0-9, then a-z, A-Z, then '*'.
char JobMark(int job) {
  static constexpr std::string_view kMarks = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  return job < static_cast<int>(kMarks.size()) ? kMarks[static_cast<std::size_t>(job)] : '*';
}

/// OSTEP's figures: one row per queue, a job's mark where it ran, '.' where
/// that queue did not run. A column is `scale` ticks, a power of two, so
/// that the chart keeps at most 64 columns without knowing the end of the
/// run beforehand: when a run outgrows them, pairs of columns merge (the
/// earlier job's mark wins, as it would have in a wider column).
class QueueChart {
 public:
  explicit QueueChart(int queues) : rows_(static_cast<std::size_t>(queues), std::string(kColumns, '.')) {}

  void Add(const MlfqSegment& s) {
    while (s.end > kColumns * scale_) Widen();
    std::string& row = rows_[static_cast<std::size_t>(s.queue)];
    for (std::int64_t c = s.start / scale_; c * scale_ < s.end; ++c) {
      char& cell = row[static_cast<std::size_t>(c)];
      if (cell == '.') cell = JobMark(s.job);
    }
  }

  void Write(TextOut& out, std::int64_t end_time) const {
    const std::int64_t columns = (end_time + scale_ - 1) / scale_;
    out.Print("Queues over time (a job's number where it ran; 1 column = {} {}):\n", scale_,
              scale_ == 1 ? "tick" : "ticks");
    for (std::size_t q = rows_.size(); q-- > 0;) {
      out.Print("  Q{:<3}|{}|\n", q, std::string_view(rows_[q]).substr(0, static_cast<std::size_t>(columns)));
    }
    const std::string end = std::to_string(end_time);
    const std::size_t end_column = 7 + static_cast<std::size_t>(columns);
    std::string axis = "       0";
    if (axis.size() + 1 + end.size() <= end_column + 1) {
      axis.resize(end_column + 1 - end.size(), ' ');
    } else {
      axis += ' ';
    }
    out.Print("{}{}\n", axis, end);
  }

 private:
  static constexpr std::int64_t kColumns = 64;

  void Widen() {
    scale_ *= 2;
    for (std::string& row : rows_) {
      for (std::size_t c = 0; c < kColumns; ++c) {
        row[c] = c < kColumns / 2 ? (row[2 * c] != '.' ? row[2 * c] : row[2 * c + 1]) : '.';
      }
    }
  }

  std::vector<std::string> rows_;  // index = queue number
  std::int64_t scale_ = 1;         // ticks per column
};

/// The Gantt chart, one bar per stretch of a job (idle gaps blank).
class GanttChart {
 public:
  void Add(const MlfqSegment& s) {
    if (s.start > at_) builder_.Add("", static_cast<double>(at_), static_cast<double>(s.start));
    builder_.Add(JobLabel(s.job).view(), static_cast<double>(s.start), static_cast<double>(s.end));
    at_ = s.end;
  }
  std::string Finish() { return builder_.Finish(); }

 private:
  GanttTextBuilder builder_;
  std::int64_t at_ = 0;
};

// ---- The simulation, written as it runs ---------------------------------------------

class MlfqSimulation : public Simulation {
 public:
  MlfqSimulation(Problem problem, const CommonOptions& common) : problem_(std::move(problem)), common_(common) {}

  void WriteText(TextOut& out) const override;
  void WriteJson(JsonOut& out) const override;
  std::string Svg() const override;
  void WriteEvents(const os::events::EventSink& sink) const override {
    MlfqSimOptions options;
    options.event_sink = sink;
    (void)Simulate(std::move(options));
  }

 private:
  MlfqResult Simulate(MlfqSimOptions options) const {
    options.record = false;
    return os::SimulateMlfq(problem_.config, problem_.jobs, options).value();  // checked: cannot fail
  }
  void WriteProblem(TextOut& out) const;
  void WriteSolution(TextOut& out) const;
  void WriteDetails(TextOut& out, const MlfqResult& result) const;

  Problem problem_;
  CommonOptions common_;
};

/// mlfq.py's header: the options and the job list.
void MlfqSimulation::WriteProblem(TextOut& out) const {
  const auto& s = problem_.config.scheduler;
  const std::size_t queues = s.quanta.size();
  out.Print("Here is the list of inputs:\nOPTIONS jobs {}\nOPTIONS queues {}\n", problem_.jobs.size(), queues);
  for (std::size_t i = 0; i < queues; ++i) {  // top queue first
    const std::size_t q = queues - 1 - i;
    out.Print("OPTIONS allotments for queue {:2d} is {:3d}\n", q, s.allotments[i]);
    out.Print("OPTIONS quantum length for queue {:2d} is {:3d}\n", q, s.quanta[i]);
  }
  out.Print("OPTIONS boost {}\nOPTIONS ioTime {}\nOPTIONS stayAfterIO {}\nOPTIONS iobump {}\n\n\n", s.boost,
            problem_.config.io_time, s.stay ? "True" : "False", s.iobump ? "True" : "False");
  out.Write(
      "For each job, three defining characteristics are given:\n"
      "  startTime : at what time does the job enter the system\n"
      "  runTime   : the total CPU time needed by the job to finish\n"
      "  ioFreq    : every ioFreq time units, the job issues an I/O\n"
      "              (the I/O takes ioTime units to complete)\n\n"
      "Job List:\n");
  for (std::size_t i = 0; i < problem_.jobs.size(); ++i) {
    const MlfqJob& job = problem_.jobs[i];
    out.Print("  Job {:2d}: startTime {:3d} - runTime {:3d} - ioFreq {:3d}\n", i, job.arrival, job.burst,
              job.io_frequency);
  }
  out.Put('\n');
}

/// Formats one line with a format compiled beforehand (FMT_COMPILE: the
/// trace has a line per tick, so the format is not parsed again for each).
template <typename Format, typename... Args>
void Line(TextOut& out, const Format& format, const Args&... args) {
  std::array<char, 256> line;  // the longest line, 7 numbers of 20 characters and 60 of text, fits
  const char* end = fmt::format_to(line.data(), format, args...);
  out.Write(std::string_view(line.data(), static_cast<std::size_t>(end - line.data())));
}

/// One trace line as mlfq.py prints it (and its stray "IO DONE" after each IO_START).
void WriteEvent(TextOut& out, const MlfqEvent& e, const std::vector<MlfqJob>& jobs, std::int64_t boost) {
  switch (e.kind) {
    case MlfqEvent::Kind::kRun:
      Line(out, FMT_COMPILE("[ time {} ] Run JOB {} at PRIORITY {} [ TICKS {} ALLOT {} TIME {} (of {}) ]\n"), e.time,
           e.job, e.queue, e.ticks_left, e.allot_left, e.time_left, jobs[static_cast<std::size_t>(e.job)].burst);
      return;
    case MlfqEvent::Kind::kBoost:
      Line(out, FMT_COMPILE("[ time {} ] BOOST ( every {} )\n"), e.time, boost);
      return;
    case MlfqEvent::Kind::kJobBegins:
      Line(out, FMT_COMPILE("[ time {} ] JOB BEGINS by JOB {}\n"), e.time, e.job);
      return;
    case MlfqEvent::Kind::kIoDone:
      Line(out, FMT_COMPILE("[ time {} ] IO_DONE by JOB {}\n"), e.time, e.job);
      return;
    case MlfqEvent::Kind::kIdle:
      Line(out, FMT_COMPILE("[ time {} ] IDLE\n"), e.time);
      return;
    case MlfqEvent::Kind::kFinished:
      Line(out, FMT_COMPILE("[ time {} ] FINISHED JOB {}\n"), e.time, e.job);
      return;
    case MlfqEvent::Kind::kIoStart:
      Line(out, FMT_COMPILE("[ time {} ] IO_START by JOB {}\nIO DONE\n"), e.time, e.job);
      return;
  }
}

void MlfqSimulation::WriteSolution(TextOut& out) const {
  out.Write("\nExecution Trace:\n\n");
  const bool details = !common_.ostep;
  QueueChart queues(static_cast<int>(problem_.config.scheduler.quanta.size()));
  GanttChart gantt;
  MlfqSimOptions options;
  options.on_event = [&](const MlfqEvent& e) { WriteEvent(out, e, problem_.jobs, problem_.config.scheduler.boost); };
  if (details) {
    options.on_segment = [&](const MlfqSegment& s) {
      queues.Add(s);
      gantt.Add(s);
    };
  }
  const MlfqResult result = Simulate(std::move(options));
  out.Write("\nFinal statistics:\n");
  for (std::size_t i = 0; i < result.jobs.size(); ++i) {
    const os::MlfqJobStats& j = result.jobs[i];
    out.Print("  Job {:2d}: startTime {:3d} - response {:3d} - turnaround {:3d}\n", i, j.job.arrival, j.response,
              j.turnaround);
  }
  out.Print("\n  Avg {:2d}: startTime n/a - response {:.2f} - turnaround {:.2f}\n\n\n", result.jobs.size() - 1,
            result.average_response, result.average_turnaround);
  if (!details) return;
  WriteDetails(out, result);
  out.Write("Who ran (Gantt chart):\n");
  out.Write(gantt.Finish());
  out.Put('\n');
  queues.Write(out, result.end_time);
  out.Print("\nContext switches: {}   CPU utilization: {:.1f}%\n", result.context_switches,
            100.0 * static_cast<double>(result.busy_ticks) / static_cast<double>(result.end_time));
}

/// The number of characters of `value` in decimal.
std::size_t Digits(std::int64_t value) { return fmt::formatted_size("{}", value); }

/// osgrid's per-job table, columns padded to their widest cell (as
/// text.h's Table, without a string per cell).
void MlfqSimulation::WriteDetails(TextOut& out, const MlfqResult& result) const {
  static constexpr std::array<std::string_view, 10> kHeader = {
      "job", "start", "run", "ioFreq", "I/Os", "first run", "done", "response", "turnaround", "waiting"};
  const std::array<std::string, 3> averages = {Fixed2(result.average_response), Fixed2(result.average_turnaround),
                                               Fixed2(result.average_waiting)};
  auto row = [](const os::MlfqJobStats& j) {
    return std::array<std::int64_t, 9>{j.job.arrival, j.job.burst, j.job.io_frequency, j.ios,    j.first_run,
                                       j.completion,  j.response,  j.turnaround,       j.waiting};
  };
  std::array<std::size_t, 10> width{};
  for (std::size_t c = 0; c < kHeader.size(); ++c) width[c] = kHeader[c].size();
  width[0] = std::max<std::size_t>(
      {width[0], std::string_view("average").size(), 1 + Digits(static_cast<std::int64_t>(result.jobs.size()) - 1)});
  for (const os::MlfqJobStats& j : result.jobs) {
    const auto values = row(j);
    for (std::size_t c = 0; c < values.size(); ++c) width[c + 1] = std::max(width[c + 1], Digits(values[c]));
  }
  for (std::size_t i = 0; i < averages.size(); ++i) width[7 + i] = std::max(width[7 + i], averages[i].size());

  out.Write("Per job (ticks; waiting = time ready in a queue, not running and not in I/O):\n  ");
  for (std::size_t c = 0; c + 1 < kHeader.size(); ++c) out.Print("{:<{}}  ", kHeader[c], width[c]);
  out.Print("{}\n", kHeader.back());
  for (std::size_t i = 0; i < result.jobs.size(); ++i) {
    out.Print("  J{:<{}}  ", i, width[0] - 1);
    const auto values = row(result.jobs[i]);
    for (std::size_t c = 0; c + 1 < values.size(); ++c) out.Print("{:<{}}  ", values[c], width[c + 1]);
    out.Print("{}\n", values.back());
  }
  out.Print("  {:<{}}  ", "average", width[0]);
  for (std::size_t c = 1; c < 7; ++c) out.Print("{:<{}}  ", "", width[c]);
  out.Print("{:<{}}  {:<{}}  {}\n\n", averages[0], width[7], averages[1], width[8], averages[2]);
}

void MlfqSimulation::WriteText(TextOut& out) const {
  WriteProblem(out);
  if (common_.solve) {
    WriteSolution(out);
    return;
  }
  out.Write(
      "Compute the execution trace for the given workloads.\n"
      "If you would like, also compute the response and turnaround\n"
      "times for each of the jobs.\n\n"
      "Use the -c flag to get the exact results when you are finished.\n\n");
}

void MlfqSimulation::WriteJson(JsonOut& json) const {
  const auto& s = problem_.config.scheduler;
  json.BeginObject();
  json.Field("policy", "MLFQ");
  json.Field("queues", s.quanta.size());
  json.Key("quanta");
  json.BeginArray();
  for (std::int64_t q : s.quanta) json.Int(q);
  json.EndArray();
  json.Key("allotments");
  json.BeginArray();
  for (std::int64_t a : s.allotments) json.Int(a);
  json.EndArray();
  json.Field("boost", s.boost);
  json.Field("io_time", problem_.config.io_time);
  json.Field("stay", s.stay);
  json.Field("iobump", s.iobump);

  // Two passes, so that each array is written as the run goes: first what ran, then the queues.
  json.Key("timeline");
  json.BeginArray();
  MlfqSimOptions timeline;
  timeline.on_segment = [&](const MlfqSegment& seg) {
    json.BeginObject();
    json.Field("id", seg.job);
    json.Field("start", seg.start);
    json.Field("end", seg.end);
    json.Field("queue", seg.queue);
    json.EndObject();
  };
  (void)Simulate(std::move(timeline));
  json.EndArray();
  json.Key("levels");
  json.BeginArray();
  MlfqSimOptions levels;
  levels.on_level = [&](int job, const os::MlfqLevelChange& change) {
    json.BeginObject();
    json.Field("time", change.time);
    json.Field("id", job);
    json.Field("queue", change.queue);
    json.EndObject();
  };
  const MlfqResult result = Simulate(std::move(levels));
  json.EndArray();

  json.Key("jobs");
  json.BeginArray();
  for (std::size_t i = 0; i < result.jobs.size(); ++i) {
    const os::MlfqJobStats& j = result.jobs[i];
    json.BeginObject();
    json.Field("id", i);
    json.Field("arrival", j.job.arrival);
    json.Field("burst", j.job.burst);
    json.Field("io_frequency", j.job.io_frequency);
    json.Field("ios", j.ios);
    json.Field("first_run", j.first_run);
    json.Field("completion", j.completion);
    json.Field("response", j.response);
    json.Field("turnaround", j.turnaround);
    json.Field("waiting", j.waiting);
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
  json.Field("end_time", result.end_time);
  json.Field("utilization", static_cast<double>(result.busy_ticks) / static_cast<double>(result.end_time));
  json.EndObject();
}

std::string Title(const MlfqSimConfig& config) {
  const auto& s = config.scheduler;
  std::string title = fmt::format("MLFQ: {} queues, quanta {}, allotments {}, boost {}, I/O {}", s.quanta.size(),
                                  fmt::join(s.quanta, ","), fmt::join(s.allotments, ","),
                                  s.boost > 0 ? std::to_string(s.boost) : std::string("off"), config.io_time);
  if (s.stay) title += ", -S";
  if (s.iobump) title += ", -I";
  return title;
}

/// The SVG chart: one row per job ("J0", "J1", ...), titled with the parameters.
std::string MlfqSimulation::Svg() const {
  std::vector<GanttSegment> bars;
  MlfqSimOptions options;
  options.on_segment = [&](const MlfqSegment& s) {
    bars.push_back(
        GanttSegment{std::string(JobLabel(s.job).view()), static_cast<double>(s.start), static_cast<double>(s.end)});
  };
  (void)Simulate(std::move(options));
  return GanttSvg(bars, Title(problem_.config));
}

Prepared Prepare(const MlfqOptions& options, const CommonOptions& common) {
  Result<Problem> problem = BuildProblem(options, common);
  if (!problem.ok()) return problem.status();
  return std::unique_ptr<Simulation>(new MlfqSimulation(std::move(*problem), common));
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

}  // namespace

Topic MlfqTopic() {
  Topic topic;
  topic.name = "mlfq";
  topic.ostep_simulator = "cpu-sched-mlfq/mlfq.py";
  topic.time_unit = "tick";
  topic.summary = "Multi-level feedback queue scheduling (OSTEP ch. 8; the flags and output of OSTEP's mlfq.py)";
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
    command
        .add_option("-B,--boost", o->boost,
                    "Every B ticks, move every job to the top queue with a fresh quantum and allotment (0: never)")
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
    return [o](const CommonOptions& common) { return Prepare(*o, common); };
  };
  topic.summarize = [](const Json& run) -> std::vector<std::pair<std::string, std::string>> {
    const Json average = run.value("average", Json::object());
    return {{"avg response", Fixed2(average.value("response", 0.0))},
            {"avg turnaround", Fixed2(average.value("turnaround", 0.0))}};
  };
  topic.brief = Brief;
  return topic;
}

}  // namespace osgrid::sim
