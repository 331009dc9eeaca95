// RunScenario (see runner.h): 1. header, 2. start the cluster, 3. each step
// with its checks, 4. the summary line, 5. stop the cluster and keep or remove
// the run folder. The steps themselves are in steps.cpp, the checks in checks.cpp.
#include "osgrid/scenario/runner.h"

#include "recorder.h"

#include <chrono>
#include <filesystem>

#include "osgrid/client/text.h"
#include "osgrid/scenario/cluster.h"
#include "steps.h"

namespace osgrid::scenario {

using client::Dim;
using client::Indent;
using client::Mark;
using client::Table;

namespace {

using Clock = std::chrono::steady_clock;

std::string Seconds(double seconds) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.1f s", seconds);
  return text;
}

ClusterOptions ClusterOptionsFor(const Scenario& scenario, const RunOptions& options) {
  ClusterOptions cluster;
  cluster.peers = scenario.cluster.peers;
  cluster.cores = scenario.cluster.cores;
  cluster.heartbeat_interval_s = scenario.cluster.heartbeat_interval_s;
  cluster.peer_timeout_s = scenario.cluster.peer_timeout_s;
  cluster.start_timeout = std::chrono::milliseconds(static_cast<long long>(scenario.cluster.start_timeout_s * 1000));
  cluster.bin_dir = options.bin_dir;
  cluster.secret = options.secret;
  cluster.observer_secret = options.observer_secret;
  cluster.tracker_args = scenario.cluster.TrackerArgs();
  cluster.peer_args = scenario.cluster.SharedPeerArgs();
  for (int index = 1; index <= scenario.cluster.peers; ++index) {
    std::vector<std::string> own = scenario.cluster.OwnPeerArgs(index);
    if (!own.empty()) cluster.peer_args_by_index[index] = std::move(own);
  }
  return cluster;
}

/// "peer-1 fcfs, peer-2 sjf, peer-3 rr; quantum 100 ms" or "every peer rr; quantum 50 ms".
std::string SchedulerSummary(const ClusterSpec& c) {
  std::string text;
  if (c.scheduler.size() == 1) {
    text = (c.peers == 1 ? "the peer runs " : "every peer runs ") + c.scheduler.front();
  } else {
    for (int index = 1; index <= c.peers; ++index) {
      text += (index == 1 ? "" : ", ") + PeerName(index) + " " + c.SchedulerOf(index);
    }
  }
  std::vector<std::string> args = c.SharedPeerArgs();
  std::string knobs;
  for (std::size_t i = 0; i + 1 < args.size(); i += 2) {
    if (args[i] == "--scheduler" || args[i] == "--mem-arena" || args[i] == "--allocator") continue;
    knobs += (knobs.empty() ? "" : " ") + args[i] + " " + args[i + 1];
  }
  return text + (knobs.empty() ? "" : " (" + knobs + ")");
}

/// "first fit", "buddy system": an allocator's name as the textbooks say it.
std::string AllocatorWords(const std::string& name) { return name == "buddy" ? "buddy system" : name + " fit"; }

/// "a 1,024-byte arena per peer; peer-1 first fit, peer-2 best fit".
std::string MemorySummary(const ClusterSpec& c) {
  std::string text = c.mem_arena_bytes ? "a " + client::GroupDigits(*c.mem_arena_bytes) + "-byte arena per peer"
                                       : "the peers' default arena";
  if (c.allocator.size() == 1) return text + "; every peer " + AllocatorWords(c.allocator.front());
  for (int index = 1; index <= c.peers && !c.allocator.empty(); ++index) {
    text += (index == 1 ? "; " : ", ") + PeerName(index) + " " + AllocatorWords(c.AllocatorOf(index));
  }
  return text;
}

/// " (the tracker aborts a victim)": what the tracker's --deadlock mode does, for the header.
std::string DeadlockWords(const std::string& mode) {
  if (mode == "detect") return " (the tracker finds deadlocks and reports them)";
  if (mode == "recover") return " (the tracker finds deadlocks and aborts a victim)";
  if (mode == "avoid") return " (the tracker grants only what keeps the state safe: the Banker's algorithm)";
  return "";
}

void PrintHeader(const Scenario& scenario, std::ostream& out) {
  out << scenario.name << "   (" << scenario.file << ")\n";
  if (!scenario.description.empty()) out << Indent(scenario.description, "  ") << "\n";
  if (!scenario.NeedsCluster()) {
    out << "\nno cluster needed: every step is a simulation or narration\n";
    out.flush();
    return;
  }
  const ClusterSpec& c = scenario.cluster;
  out << "\nstarting a tracker and " << c.peers << (c.peers == 1 ? " peer" : " peers") << " with " << c.cores
      << (c.cores == 1 ? " core" : " cores") << " each (heartbeat every " << Seconds(c.heartbeat_interval_s)
      << ", a peer silent for " << Seconds(c.peer_timeout_s) << " is dropped)\n";
  if (!c.scheduler.empty()) out << "scheduling: " << SchedulerSummary(c) << "\n";
  if (c.mem_arena_bytes || !c.allocator.empty()) out << "memory: " << MemorySummary(c) << "\n";
  if (!c.deadlock.empty()) out << "deadlock: " << c.deadlock << DeadlockWords(c.deadlock) << "\n";
  out.flush();
}

void PrintCluster(const LocalCluster& cluster, double start_s, bool verbose, std::ostream& out) {
  Table table({"node", "address", "pid"});
  if (verbose) table = Table({"node", "address", "pid", "log"});
  std::vector<NodeProcess> nodes = cluster.Peers();
  nodes.insert(nodes.begin(), cluster.Tracker());
  for (const NodeProcess& node : nodes) {
    std::vector<std::string> row = {node.name, cluster.host() + ":" + std::to_string(node.port),
                                    std::to_string(node.pid)};
    if (verbose) row.push_back(node.log_path);
    table.AddRow(row);
  }
  table.Print(out, "  ");
  std::size_t peers = nodes.size() - 1;
  out << "  " << (peers == 1 ? "the peer" : "all " + std::to_string(peers) + " peers")
      << " registered with the tracker in " << Seconds(start_s) << "\n";
}

/// Runs the steps one by one, printing each and tallying its checks.
class StepLoop {
 public:
  StepLoop(const Scenario& scenario, StepContext& context,
           std::function<void(std::size_t, std::size_t)> before_step = nullptr)
      : scenario_(scenario), context_(context), before_step_(std::move(before_step)) {}

  RunSummary Run() {
    for (std::size_t i = 0; i < scenario_.steps.size(); ++i) RunStep(scenario_.steps[i], i + 1);
    return summary_;
  }

 private:
  void RunStep(const Step& step, std::size_t number) {
    std::ostream& out = context_.out;
    out << "\n[" << number << "/" << scenario_.steps.size() << "] " << Describe(step.action)
        << Dim("   (line " + std::to_string(step.where.line) + ")") << "\n";
    out.flush();
    if (before_step_) before_step_(number, scenario_.steps.size());
    StepResult result = Execute(step.action, context_);
    ++summary_.steps;
    if (!result.status.ok()) PrintError(result.status, !step.expect.error.has_value());
    std::vector<Check> checks = result.checks;
    for (Check& check : CheckExpectation(step.expect, step.action, result)) checks.push_back(std::move(check));
    for (const Check& check : checks) {
      out << StepContext::kIndent << Mark(check.passed) << " " << check.text << "\n";
      ++summary_.expectations;
      ++(check.passed ? summary_.passed : summary_.failed);
    }
    out.flush();
  }

  void PrintError(const Status& status, bool unexpected) {
    std::ostream& out = context_.out;
    out << StepContext::kIndent << "→ " << CodeName(status.code()) << ": " << status.message() << "\n";
    if (!status.detail().empty()) out << Indent(status.detail(), std::string(StepContext::kIndent) + "  | ") << "\n";
    if (!unexpected) return;
    ++summary_.failed_steps;
    out << StepContext::kIndent << Mark(false) << " the step failed (no error was expected)\n";
    if (context_.cluster == nullptr) return;
    for (const std::string& line : context_.cluster->CheckChildren()) {
      out << StepContext::kIndent << "  note: " << line << "\n";
    }
  }

  const Scenario& scenario_;
  StepContext& context_;
  std::function<void(std::size_t, std::size_t)> before_step_;
  RunSummary summary_;
};

void PrintSummary(const RunSummary& s, std::ostream& out) {
  out << "\n"
      << s.steps << " steps, " << s.expectations << " expectations: " << s.passed << " passed, " << s.failed
      << " failed";
  if (s.failed_steps > 0)
    out << "; " << s.failed_steps << (s.failed_steps == 1 ? " step" : " steps") << " failed unexpectedly";
  out << "   " << Mark(s.ok()) << "\n";
}

/// Stops the cluster; keeps the run folder (and says where) if asked to or if
/// anything went wrong, including a node that exited on its own.
void Finish(LocalCluster& cluster, const RunSummary& summary, const RunOptions& options, std::ostream& out) {
  std::vector<std::string> exits = cluster.CheckChildren();
  for (const std::string& line : exits) out << "note: " << line << "\n";
  bool keep = options.keep_logs || !summary.ok() || !exits.empty();
  if (keep) cluster.KeepRunDir();
  Status stopped = cluster.Stop();
  if (!stopped.ok()) out << "note: " << stopped.message() << "\n";
  if (keep) out << "logs and peer storage kept in " << cluster.run_dir() << "\n";
}

/// The trace header's `cluster`: the scenario and the cluster it starts.
Json RecordedCluster(const Scenario& scenario) {
  return {{"scenario", scenario.name},
          {"file", scenario.file},
          {"peers", scenario.cluster.peers},
          {"cores", scenario.cluster.cores},
          {"heartbeat_interval_s", scenario.cluster.heartbeat_interval_s},
          {"peer_timeout_s", scenario.cluster.peer_timeout_s}};
}

/// After the cluster stopped: closes the trace and says what it holds. A
/// recording that failed fails the run.
void FinishRecording(Recorder& recorder, const std::string& path, RunSummary& summary, std::ostream& out) {
  auto recorded = recorder.Finish();
  if (!recorded.ok()) {
    ++summary.failed_steps;
    out << "the recording failed: " << recorded.status().ToString() << "\n";
    return;
  }
  out << "recorded " << recorded->events << " events to " << path;
  if (recorded->lost > 0) out << " (" << recorded->lost << " missed while the recorder was cut off: see events.lost)";
  out << "; replay it with: osgrid replay " << path << "\n";
}

/// A scenario of simulations and narration only: no processes, no run folder.
RunSummary RunWithoutCluster(const Scenario& scenario, const RunOptions& options, std::ostream& out) {
  StepContext context{nullptr, out, options.verbose, "", {}, {}};
  RunSummary summary = StepLoop(scenario, context, options.before_step).Run();
  PrintSummary(summary, out);
  return summary;
}

}  // namespace

Result<RunSummary> RunScenario(const Scenario& scenario, const RunOptions& options, std::ostream& out) {
  PrintHeader(scenario, out);
  if (!scenario.NeedsCluster()) {
    if (!options.record_path.empty()) out << "note: --record: this scenario starts no cluster; nothing to record\n";
    return RunWithoutCluster(scenario, options, out);
  }
  auto start = Clock::now();
  ClusterOptions cluster_options = ClusterOptionsFor(scenario, options);
  std::unique_ptr<Recorder> recorder;
  if (!options.record_path.empty()) {
    cluster_options.on_tracker_up = [&](std::uint16_t port) {
      auto started =
          Recorder::Start(options.record_path, port, RecordedCluster(scenario), net::DefaultClientSecurity());
      if (!started.ok()) return started.status();
      recorder = std::move(started).value();
      return Status::Ok();
    };
  }
  auto cluster = LocalCluster::Start(cluster_options);
  if (!cluster.ok()) return cluster.status();
  double start_s = std::chrono::duration<double>(Clock::now() - start).count();
  PrintCluster(**cluster, start_s, options.verbose, out);

  StepContext context{cluster->get(), out, options.verbose, (*cluster)->run_dir() + "/files", {}, {}};
  std::error_code ignored;
  std::filesystem::create_directories(context.files_dir, ignored);
  if (options.on_cluster_up) options.on_cluster_up((*cluster)->tracker_port());
  RunSummary summary = StepLoop(scenario, context, options.before_step).Run();
  PrintSummary(summary, out);
  Finish(**cluster, summary, options, out);
  if (recorder) FinishRecording(*recorder, options.record_path, summary, out);
  return summary;
}

}  // namespace osgrid::scenario
