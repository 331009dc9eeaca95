// `osgrid sim sched`: CPU scheduling on the command line, with the flags of
// OSTEP's cpu-sched/scheduler.py (-j -l -m -p -q -c -s) plus arrivals,
// priorities, tickets, I/O bursts, context-switch cost and aging, over the
// policies of os/sched (FCFS/FIFO, SJF, SRTF/STCF, PRIORITY, PRIORITY-P, RR,
// LOTTERY, STRIDE). The manual is docs/sim/sched.md.
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>

#include "../render.h"
#include "../sim.h"
#include "format.h"
#include "osgrid/os/random.h"
#include "osgrid/os/sched/sched_policies.h"
#include "osgrid/os/sched/simulator.h"

namespace osgrid::cli::sim {
namespace {

using os::SchedProcess;
using os::SchedResult;
using os::SchedSegment;

/// The command's own options (the common -c, -s, --json, --svg come from sim.cpp).
struct SchedArgs {
  int jobs = 3;                      // -j: how many random jobs
  std::optional<std::string> jlist;  // -l: job lengths
  int maxlen = 10;                   // -m: longest random job
  std::string policy = "FIFO";       // -p
  std::int64_t quantum = 1;          // -q: time slice (RR, LOTTERY, STRIDE)
  std::optional<std::string> arrivals, priorities, tickets, io, file;
  std::int64_t cs = 0;     // --cs: context-switch cost
  std::int64_t aging = 0;  // --aging
};

/// The problem as parsed: the jobs and how they were made.
struct Problem {
  std::string policy;  // canonical
  std::vector<SchedProcess> jobs;
  bool random = false;
  std::uint64_t seed = 0;
};

bool Sliced(const std::string& policy) { return policy == "RR" || policy == "LOTTERY" || policy == "STRIDE"; }
bool UsesPriority(const std::string& policy) { return policy == "PRIORITY" || policy == "PRIORITY-P"; }
bool UsesTickets(const std::string& policy) { return policy == "LOTTERY" || policy == "STRIDE"; }

std::string Fixed2(double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.2f", value);
  return buffer;
}

/// 0.025, 0.1667: four significant digits.
std::string Significant(double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.4g", value);
  return buffer;
}

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

/// The jobs: from -f, from -l, or random from the seed (as scheduler.py:
/// lengths 1..maxlen; priorities 1..5 and tickets 10..100 are drawn too, so a
/// seed gives the same problem under every policy), then the list options.
Result<Problem> BuildProblem(const SchedArgs& args, const CommonOptions& common) {
  Problem problem;
  problem.policy = os::CanonicalSchedPolicy(args.policy);
  if (problem.policy.empty()) {
    auto unknown = os::MakeSchedPolicy(args.policy, {});
    return BadInput("-p: " + unknown.error().message);
  }
  if (args.quantum <= 0) return BadInput("-q (quantum): must be > 0, got " + std::to_string(args.quantum));
  if (args.cs < 0) return BadInput("--cs (context-switch cost): must be >= 0, got " + std::to_string(args.cs));
  if (args.aging < 0) return BadInput("--aging: must be >= 0, got " + std::to_string(args.aging));
  if (args.jlist && args.file) return BadInput("give the jobs either with -l or with -f, not both");
  problem.seed = common.seed.value_or(0);
  if (args.file) {
    Result<std::vector<SchedProcess>> jobs = ReadJobsFile(*args.file);
    if (!jobs.ok()) return jobs.status();
    problem.jobs = *jobs;
  } else if (args.jlist) {
    Result<std::vector<std::int64_t>> lengths = ParseIntList(*args.jlist, "-l (job lengths)");
    if (!lengths.ok()) return lengths.status();
    if (lengths->empty()) return BadInput("-l (job lengths): the list is empty");
    for (std::size_t i = 0; i < lengths->size(); ++i) {
      problem.jobs.push_back(SchedProcess{std::to_string(i), 0, {(*lengths)[i]}});
    }
  } else {
    if (args.jobs <= 0) return BadInput("-j (jobs): must be > 0, got " + std::to_string(args.jobs));
    if (args.jobs > 10000) return BadInput("-j (jobs): at most 10000 random jobs, got " + std::to_string(args.jobs));
    if (args.maxlen <= 0) return BadInput("-m (maxlen): must be > 0, got " + std::to_string(args.maxlen));
    problem.random = true;
    os::Rng rng(problem.seed);
    for (int i = 0; i < args.jobs; ++i) {
      SchedProcess job{std::to_string(i), 0, {rng.Uniform(1, args.maxlen)}};
      job.priority = static_cast<int>(rng.Uniform(1, 5));
      job.tickets = 10 * rng.Uniform(1, 10);
      problem.jobs.push_back(job);
    }
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
  std::set<std::string> names;
  for (const SchedProcess& job : problem.jobs) {
    if (job.name == "idle" || job.name == "switch") {
      return BadInput("job name '" + job.name + "' is reserved for the timeline; choose another");
    }
    if (!names.insert(job.name).second) return BadInput("two jobs are named '" + job.name + "'");
  }
  return problem;
}

// ---- Output ------------------------------------------------------------------------

bool HasIo(const Problem& problem) {
  return std::any_of(problem.jobs.begin(), problem.jobs.end(),
                     [](const SchedProcess& j) { return j.bursts.size() > 1; });
}

/// OSTEP's plain problem: everyone at t=0, CPU only, a policy that needs nothing else.
bool PlainOstep(const Problem& problem) {
  return !HasIo(problem) && !UsesPriority(problem.policy) && !UsesTickets(problem.policy) &&
         std::all_of(problem.jobs.begin(), problem.jobs.end(), [](const SchedProcess& j) { return j.arrival == 0; });
}

std::string JobList(const Problem& problem) {
  std::ostringstream out;
  if (PlainOstep(problem)) {
    out << "Here is the job list, with the run time of each job: \n";
    for (const SchedProcess& job : problem.jobs)
      out << "  Job " << job.name << " ( length = " << job.bursts[0] << " )\n";
    return out.str();
  }
  std::vector<std::string> header{"job", "arrival", HasIo(problem) ? "bursts (CPU, io I/O, ...)" : "burst"};
  if (UsesPriority(problem.policy)) header.push_back("priority");
  if (UsesTickets(problem.policy)) header.push_back("tickets");
  Table table(header);
  for (const SchedProcess& job : problem.jobs) {
    std::vector<std::string> row{job.name, std::to_string(job.arrival), Pattern(job)};
    if (UsesPriority(problem.policy)) row.push_back(std::to_string(job.priority));
    if (UsesTickets(problem.policy)) row.push_back(std::to_string(job.tickets));
    table.AddRow(row);
  }
  out << "Here is the job list:\n";
  table.Print(out, "  ");
  return out.str();
}

std::string Arguments(const SchedArgs& args, const Problem& problem) {
  std::ostringstream out;
  out << "ARG policy " << Upper(args.policy) << "\n";
  if (problem.random) {
    out << "ARG jobs " << args.jobs << "\nARG maxlen " << args.maxlen << "\nARG seed " << problem.seed << "\n";
  } else if (args.jlist) {
    out << "ARG jlist " << *args.jlist << "\n";
  } else if (args.file) {
    out << "ARG file " << *args.file << "\n";
  }
  if (Sliced(problem.policy)) out << "ARG quantum " << args.quantum << "\n";
  if (args.cs > 0) out << "ARG cs " << args.cs << "\n";
  if (args.aging > 0 && UsesPriority(problem.policy)) out << "ARG aging " << args.aging << "\n";
  if (problem.policy == "LOTTERY") out << "ARG seed " << problem.seed << " (lottery draws)\n";
  return out.str();
}

/// scheduler.py's execution trace, one line per bar of the timeline.
std::string Trace(const Problem& problem, const SchedResult& result) {
  std::ostringstream out;
  std::vector<std::int64_t> ran(problem.jobs.size(), 0);
  std::vector<std::size_t> burst(problem.jobs.size(), 0);
  std::vector<std::int64_t> burst_end(problem.jobs.size());
  for (std::size_t p = 0; p < problem.jobs.size(); ++p) burst_end[p] = problem.jobs[p].bursts[0];
  char line[256];
  for (const SchedSegment& s : result.timeline) {
    const double length = static_cast<double>(s.end - s.start);
    if (s.kind == SchedSegment::Kind::kIdle) {
      std::snprintf(line, sizeof line, "  [ time %3lld ] Idle for %.2f secs\n", static_cast<long long>(s.start),
                    length);
    } else if (s.kind == SchedSegment::Kind::kSwitch) {
      std::snprintf(line, sizeof line, "  [ time %3lld ] Context switch to job %s (%.2f secs)\n",
                    static_cast<long long>(s.start), problem.jobs[s.process].name.c_str(), length);
    } else {
      const SchedProcess& job = problem.jobs[s.process];
      std::string note;
      ran[s.process] += s.end - s.start;
      if (s.end == result.processes[s.process].completion) {
        note = " ( DONE at " + Fixed2(static_cast<double>(s.end)) + " )";
      } else if (ran[s.process] == burst_end[s.process]) {
        std::size_t& b = burst[s.process];
        note = " ( I/O until " + std::to_string(s.end + job.bursts[b + 1]) + " )";
        b += 2;
        burst_end[s.process] += job.bursts[b];
      }
      std::snprintf(line, sizeof line, "  [ time %3lld ] Run job %3s for %.2f secs%s\n",
                    static_cast<long long>(s.start), job.name.c_str(), length, note.c_str());
    }
    out << line;
  }
  return out.str();
}

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

Json ToJson(const SchedArgs& args, const Problem& problem, const SchedResult& result) {
  Json json = Json::object();
  json["policy"] = problem.policy;
  if (Sliced(problem.policy)) json["quantum"] = args.quantum;
  if (UsesPriority(problem.policy)) json["aging"] = args.aging;
  if (problem.policy == "LOTTERY") json["seed"] = problem.seed;
  json["context_switch_cost"] = args.cs;
  Json jobs = Json::array();
  for (std::size_t i = 0; i < problem.jobs.size(); ++i) {
    const SchedProcess& job = problem.jobs[i];
    const os::SchedProcessResult& r = result.processes[i];
    jobs.push_back({{"id", job.name},
                    {"arrival", job.arrival},
                    {"burst", r.cpu},
                    {"io", r.io},
                    {"bursts", job.bursts},
                    {"priority", job.priority},
                    {"tickets", job.tickets},
                    {"first_run", r.first_run},
                    {"completion", r.completion},
                    {"response", r.response},
                    {"turnaround", r.turnaround},
                    {"waiting", r.waiting}});
  }
  json["jobs"] = jobs;
  json["average"] = {{"response", result.average_response},
                     {"turnaround", result.average_turnaround},
                     {"waiting", result.average_waiting}};
  Json timeline = Json::array();
  for (const SchedSegment& s : result.timeline) {
    std::string id = "idle";
    if (s.kind == SchedSegment::Kind::kRun) id = problem.jobs[s.process].name;
    Json segment = {{"id", id}, {"start", s.start}, {"end", s.end}};
    if (s.kind == SchedSegment::Kind::kSwitch) {
      segment["id"] = "switch";
      segment["to"] = problem.jobs[s.process].name;
    }
    timeline.push_back(segment);
  }
  json["timeline"] = timeline;
  json["context_switches"] = result.context_switches;
  json["utilization"] = result.utilization;
  json["throughput"] = result.throughput;
  json["makespan"] = result.makespan;
  json["busy"] = result.busy;
  json["switching"] = result.switching;
  return json;
}

std::string Solution(const Problem& problem, const SchedResult& result, const Json& json) {
  std::ostringstream out;
  out << "** Solutions **\n\nExecution trace:\n" << Trace(problem, result) << "\nFinal statistics:\n";
  const bool io = HasIo(problem), tickets = UsesTickets(problem.policy);
  std::vector<std::string> header{"job", "arrival", "burst"};
  if (io) header.push_back("I/O");
  header.push_back("priority");
  if (tickets) header.push_back("tickets");
  for (const char* column : {"first run", "completion", "response", "turnaround", "waiting"}) header.push_back(column);
  Table table(header);
  for (std::size_t i = 0; i < problem.jobs.size(); ++i) {
    const SchedProcess& job = problem.jobs[i];
    const os::SchedProcessResult& r = result.processes[i];
    std::vector<std::string> row{job.name, std::to_string(job.arrival), std::to_string(r.cpu)};
    if (io) row.push_back(std::to_string(r.io));
    row.push_back(std::to_string(job.priority));
    if (tickets) row.push_back(std::to_string(job.tickets));
    for (std::int64_t value : {r.first_run, r.completion, r.response, r.turnaround, r.waiting}) {
      row.push_back(std::to_string(value));
    }
    table.AddRow(row);
  }
  table.Print(out, "  ");
  out << "\n  Average -- Response: " << Fixed2(result.average_response) << "  Turnaround "
      << Fixed2(result.average_turnaround) << "  Wait " << Fixed2(result.average_waiting) << "\n";
  out << "  Context switches: " << result.context_switches << "   CPU utilization: " << Fixed2(100 * result.utilization)
      << "%   Throughput: " << Significant(result.throughput) << " jobs per time unit\n\n";
  out << "Gantt chart:\n" << GanttText(Gantt(json["timeline"]));
  return out.str();
}

std::string Footer() {
  return "Examples:\n"
         "  osgrid sim sched -p SJF -l 5,10,15 -c                       (OSTEP's scheduler.py)\n"
         "  osgrid sim sched -p RR -q 4 -l 24,3,3 -c                    (Silberschatz 5.3.3)\n"
         "  osgrid sim sched -p SRTF -l 8,4,9,5 --arrivals 0,1,2,3 -c   (Silberschatz 5.3.2)\n"
         "  osgrid sim sched -p PRIORITY -l 10,1,2,1,5 --priorities 3,1,4,5,2 -c\n"
         "Policies: FCFS (= FIFO), SJF, SRTF (= STCF), PRIORITY, PRIORITY-P, RR, LOTTERY, STRIDE.\n"
         "--io \"0:5,3,2\" gives job 0 a CPU 5, I/O 3, CPU 2 pattern. Manual: docs/sim/sched.md";
}

Outcome Run(const SchedArgs& args, const CommonOptions& common) {
  Result<Problem> parsed = BuildProblem(args, common);
  if (!parsed.ok()) return parsed.status();
  const Problem& problem = *parsed;
  os::SchedPolicyParams params;
  params.quantum = args.quantum;
  params.aging = args.aging;
  params.seed = problem.seed;
  auto policy = os::MakeSchedPolicy(problem.policy, params);
  if (!policy.ok()) return BadInput(policy.error().message);
  os::SchedOptions options;
  options.context_switch_cost = args.cs;
  auto result = os::SimulateScheduling(**policy, problem.jobs, options);
  if (!result.ok()) return BadInput(result.error().message);

  Output output;
  output.json = ToJson(args, problem, *result);
  output.text = Arguments(args, problem) + "\n" + JobList(problem) + "\n\n";
  if (common.solve) {
    output.text += Solution(problem, *result, output.json);
  } else {
    output.text +=
        "Compute the response time, turnaround time, and wait time for each job.\n"
        "When you are done, run this program again, with the same arguments,\n"
        "but with -c, which will thus provide you with the answers. You can use\n"
        "-s <somenumber> or your own job list (-l 10,15,20 for example)\n"
        "to generate different problems for yourself.\n";
  }
  output.svg = GanttSvg(Gantt(output.json["timeline"]), problem.policy + ": average turnaround " +
                                                            Fixed2(result->average_turnaround) + ", average waiting " +
                                                            Fixed2(result->average_waiting));
  return output;
}

}  // namespace

Topic SchedTopic() {
  Topic topic;
  topic.name = "sched";
  topic.summary = "CPU scheduling: FCFS, SJF, SRTF, priority, RR, lottery, stride (OSTEP ch. 7-9, Silberschatz ch. 5)";
  topic.add = [](CLI::App& command) -> Runner {
    auto args = std::make_shared<SchedArgs>();
    command.add_option("-j,--jobs", args->jobs, "Number of random jobs (without -l or -f)")->capture_default_str();
    command.add_option("-l,--jlist", args->jlist, "Comma-separated job lengths (CPU bursts), e.g. 5,10,15")
        ->type_name("LIST");
    command.add_option("-m,--maxlen", args->maxlen, "Longest random job")->capture_default_str();
    command
        .add_option("-p,--policy", args->policy,
                    "FIFO|FCFS, SJF, SRTF|STCF, PRIORITY, PRIORITY-P, RR, LOTTERY, STRIDE (any case)")
        ->capture_default_str();
    command.add_option("-q,--quantum", args->quantum, "Time slice of RR, LOTTERY and STRIDE")->capture_default_str();
    command
        .add_option("-f,--file", args->file, "Jobs file: one job per line, 'name arrival burst [priority] [tickets]'")
        ->type_name("FILE");
    command.add_option("--arrivals", args->arrivals, "Arrival time of each job, e.g. 0,1,2 (default: all 0)")
        ->type_name("LIST");
    command.add_option("--priorities", args->priorities, "Priority of each job; lower = more urgent")
        ->type_name("LIST");
    command.add_option("--tickets", args->tickets, "Tickets of each job (LOTTERY, STRIDE; default 100)")
        ->type_name("LIST");
    command.add_option("--io", args->io, "CPU/I/O patterns: 'job:cpu,io,cpu,...;job:...', e.g. '0:5,3,2'")
        ->type_name("SPEC");
    command.add_option("--cs", args->cs, "Context-switch cost in time units")->capture_default_str();
    command.add_option("--aging", args->aging, "PRIORITY(-P): priority improves by 1 per this much waiting; 0 = off")
        ->capture_default_str();
    command.footer(Footer());
    return [args](const CommonOptions& common) { return Run(*args, common); };
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

}  // namespace osgrid::cli::sim
