// `osgrid sim deadlock`: the Banker's algorithm, deadlock detection and
// resource-allocation / wait-for graphs (Silberschatz 10e ch. 8, OSTEP ch. 32)
// on the command line. Manual: docs/sim/deadlock.md.
#include <initializer_list>
#include <memory>
#include <optional>
#include <string_view>
#include <utility>

#include "../topic.h"
#include "deadlock_input.h"
#include "deadlock_view.h"
#include "osgrid/os/deadlock/recovery.h"

namespace osgrid::sim {
namespace {

using deadlock::BankerProblem;
using deadlock::GraphProblem;
using deadlock::Mode;
using deadlock::Options;
using os::ProcessName;
using namespace deadlock;  // the views: Write*, *Text and *Svg

// ---- JSON pieces -----------------------------------------------------------------

/// ["P1", "P3", ...]: processes by number, named from `names` when given.
void WriteNames(JsonOut& json, std::string_view key, const std::vector<std::size_t>& processes,
                const std::vector<std::string>& names = {}) {
  json.Key(key);
  json.BeginArray();
  for (std::size_t p : processes) json.String(p < names.size() ? names[p] : ProcessName(p));
  json.EndArray();
}

/// ["P0", ..., "Pn-1"].
void WriteAllProcesses(JsonOut& json, std::size_t n) {
  json.Key("processes");
  json.BeginArray();
  for (std::size_t i = 0; i < n; ++i) json.String(ProcessName(i));
  json.EndArray();
}

void WriteStrings(JsonOut& json, std::string_view key, const std::vector<std::string>& strings) {
  json.Key(key);
  json.BeginArray();
  for (const std::string& text : strings) json.String(text);
  json.EndArray();
}

void WriteVector(JsonOut& json, const os::ResourceVector& vector) {
  json.BeginArray();
  for (std::int64_t value : vector) json.Int(value);
  json.EndArray();
}

void WriteVector(JsonOut& json, std::string_view key, const os::ResourceVector& vector) {
  json.Key(key);
  WriteVector(json, vector);
}

void WriteMatrix(JsonOut& json, std::string_view key, const os::ResourceMatrix& matrix) {
  json.Key(key);
  json.BeginArray();
  for (const os::ResourceVector& row : matrix) WriteVector(json, row);
  json.EndArray();
}

/// [{"process", `wanted`, "work"}]: Work after each step of the Work/Finish loop.
void WriteWorkTrace(JsonOut& json, const std::vector<os::WorkStep>& trace, std::string_view wanted) {
  json.Key("work_trace");
  json.BeginArray();
  for (const os::WorkStep& step : trace) {
    json.BeginObject();
    json.Field("process", ProcessName(step.process));
    WriteVector(json, wanted, step.wanted);
    WriteVector(json, "work", step.work);
    json.EndObject();
  }
  json.EndArray();
}

/// "victims" and "recovery", or "victims": null without --recover.
void WriteRecovery(JsonOut& json, const std::optional<os::RecoveryResult>& recovery,
                   const std::vector<std::string>& names = {}) {
  if (!recovery) {
    json.Key("victims");
    json.Null();
    return;
  }
  WriteNames(json, "victims", recovery->victims(), names);
  json.Key("recovery");
  json.BeginArray();
  for (const os::RecoveryStep& step : recovery->steps) {
    json.BeginObject();
    json.Field("victim", step.victim < names.size() ? names[step.victim] : ProcessName(step.victim));
    WriteVector(json, "released", step.released);
    WriteNames(json, "deadlocked_before", step.deadlocked_before, names);
    json.EndObject();
  }
  json.EndArray();
}

/// Fields of the other modes: null (docs/sim-json.md).
void WriteNulls(JsonOut& json, std::initializer_list<std::string_view> keys) {
  for (std::string_view key : keys) {
    json.Key(key);
    json.Null();
  }
}

// ---- Banker's ----------------------------------------------------------------

/// A Banker's problem with its answers: the safety algorithm on the state,
/// then each request in the state the ones before it left. They are found
/// when the input is checked (a request's validity depends on the requests
/// before it); the state each request leaves is not kept.
class BankerSimulation : public Simulation {
 public:
  BankerSimulation(BankerProblem problem, os::SafetyResult safety, std::vector<RequestAnswer> answers, bool solve)
      : problem_(std::move(problem)), safety_(std::move(safety)), answers_(std::move(answers)), solve_(solve) {}

  static Prepared Prepare(const Options& options, const CommonOptions& common) {
    auto problem = deadlock::BuildBanker(options, common);
    if (!problem.ok()) return problem.status();
    // The book's answer (the lowest-numbered process first, the same sequence
    // and trace as RunSafetyAlgorithm) in O(n m log n) rather than O(n^2 m).
    auto safety = os::RunSafetyAlgorithmFast(problem->state);
    if (!safety.ok()) return BadInput(safety.error().message);
    std::vector<RequestAnswer> answers;
    std::optional<os::BankerState> current;  // after the requests so far, once one was granted
    for (const deadlock::Request& request : problem->requests) {
      auto result = os::RequestResources(current ? *current : problem->state, request.process, request.amounts);
      if (!result.ok()) return BadInput("--request " + ProcessName(request.process) + ": " + result.error().message);
      answers.push_back({result->decision, result->reason, std::move(result->safety.sequence),
                         std::move(result->safety.initial_work), result->state.available});
      if (result->granted) current = std::move(result->state);
    }
    return std::unique_ptr<Simulation>(
        new BankerSimulation(std::move(problem).value(), std::move(safety).value(), std::move(answers), common.solve));
  }

  void WriteText(TextOut& out) const override {
    const os::BankerState& state = problem_.state;
    const os::ResourceMatrix need = os::NeedMatrix(state);
    WriteBankerProblem(out, state, need, problem_.requests);
    if (!solve_) return;
    out.Put('\n');
    WriteSafetyAnswer(out, state, need, safety_);
    for (std::size_t k = 0; k < answers_.size(); ++k) {
      const deadlock::Request& request = problem_.requests[k];
      out.Write(RequestAnswerText(k + 1, request.process, request.amounts, answers_[k]));
    }
  }

  void WriteJson(JsonOut& json) const override {
    const os::BankerState& state = problem_.state;
    json.BeginObject();
    json.Field("mode", "banker");
    WriteAllProcesses(json, state.max.size());
    WriteStrings(json, "resources", ResourceLabels(state.resource_names, state.available.size()));
    WriteVector(json, "total", os::TotalResources(state));
    WriteVector(json, "available", state.available);
    WriteMatrix(json, "allocation", state.allocation);
    WriteMatrix(json, "max", state.max);
    json.Key("need");
    json.BeginArray();
    for (std::size_t i = 0; i < state.max.size(); ++i) {
      json.BeginArray();
      for (std::size_t j = 0; j < state.available.size(); ++j) json.Int(state.max[i][j] - state.allocation[i][j]);
      json.EndArray();
    }
    json.EndArray();
    json.Field("safe", safety_.safe);
    WriteNames(json, "sequence", safety_.sequence);
    WriteNames(json, "unfinished", safety_.unfinished);
    WriteWorkTrace(json, safety_.trace, "need");
    json.Key("requests");
    json.BeginArray();
    for (std::size_t k = 0; k < answers_.size(); ++k) {
      const RequestAnswer& answer = answers_[k];
      const bool granted = answer.decision == os::RequestDecision::kGranted;
      json.BeginObject();
      json.Field("process", ProcessName(problem_.requests[k].process));
      WriteVector(json, "request", problem_.requests[k].amounts);
      json.Field("granted", granted);
      json.Field("decision", granted ? "granted" : answer.decision == os::RequestDecision::kWait ? "wait" : "denied");
      json.Field("reason", answer.reason);
      WriteNames(json, "sequence", granted ? answer.sequence : std::vector<std::size_t>{});
      WriteVector(json, "available", answer.available);
      json.EndObject();
    }
    json.EndArray();
    WriteNulls(json, {"cycle", "deadlocked", "deadlock", "victims"});
    json.EndObject();
  }

  std::string Svg() const override { return BankerSvg(problem_.state, safety_); }

 private:
  BankerProblem problem_;
  os::SafetyResult safety_;
  std::vector<RequestAnswer> answers_;  // one per request
  bool solve_ = false;
};

// ---- detection -------------------------------------------------------------------

class DetectSimulation : public Simulation {
 public:
  DetectSimulation(os::DetectionState state, os::DetectionResult detection, std::optional<os::RecoveryResult> recovery,
                   bool solve)
      : state_(std::move(state)), detection_(std::move(detection)), recovery_(std::move(recovery)), solve_(solve) {}

  static Prepared Prepare(const Options& options, const CommonOptions& common) {
    auto state = deadlock::BuildDetection(options, common);
    if (!state.ok()) return state.status();
    auto detection = os::DetectDeadlock(*state);
    if (!detection.ok()) return BadInput(detection.error().message);
    std::optional<os::RecoveryResult> recovery;
    if (options.recover) {
      auto result = os::RecoverByAbort(*state);
      if (!result.ok()) return BadInput(result.error().message);
      recovery = std::move(result).value();
    }
    return std::unique_ptr<Simulation>(new DetectSimulation(std::move(state).value(), std::move(detection).value(),
                                                            std::move(recovery), common.solve));
  }

  void WriteText(TextOut& out) const override {
    WriteDetectionProblem(out, state_, recovery_.has_value());
    if (!solve_) return;
    out.Put('\n');
    WriteDetectionAnswer(out, state_, detection_);
    if (recovery_) out.Write(RecoveryText(*recovery_, {}, {}, true));
  }

  void WriteJson(JsonOut& json) const override {
    json.BeginObject();
    json.Field("mode", "detect");
    WriteAllProcesses(json, state_.allocation.size());
    WriteStrings(json, "resources", ResourceLabels(state_.resource_names, state_.available.size()));
    WriteVector(json, "available", state_.available);
    WriteMatrix(json, "allocation", state_.allocation);
    WriteMatrix(json, "request_matrix", state_.request);
    json.Field("deadlock", detection_.deadlock());
    WriteNames(json, "deadlocked", detection_.deadlocked);
    WriteNames(json, "sequence", detection_.sequence);
    WriteNames(json, "holding_nothing", detection_.holding_nothing);
    WriteWorkTrace(json, detection_.trace, "request");
    WriteRecovery(json, recovery_);
    WriteNulls(json, {"safe", "cycle"});
    json.EndObject();
  }

  std::string Svg() const override { return DetectionSvg(state_, detection_); }
  void WriteEvents(const os::events::EventSink& sink) const override { (void)os::DetectDeadlock(state_, sink); }

 private:
  os::DetectionState state_;
  os::DetectionResult detection_;
  std::optional<os::RecoveryResult> recovery_;  // with --recover
  bool solve_ = false;
};

// ---- graphs --------------------------------------------------------------------

std::string CycleText(const std::vector<std::string>& cycle) {
  if (cycle.empty()) return "";
  std::string text;
  for (const std::string& name : cycle) text += name + " -> ";
  return text + cycle.front();
}

void WriteEdges(JsonOut& json, std::string_view key, const os::Digraph& graph, const std::vector<std::string>& names) {
  json.Key(key);
  json.BeginArray();
  for (std::uint32_t v = 0; v < graph.vertex_count(); ++v) {
    for (std::uint32_t w : graph.successors(v)) {
      json.BeginArray();
      json.String(names[v]);
      json.String(names[w]);
      json.EndArray();
    }
  }
  json.EndArray();
}

/// A bare wait-for graph as a detection state for recovery: each process that
/// someone waits for holds one single-instance resource, which its waiters request.
os::DetectionState WaitForAsState(const os::WaitForGraph& graph) {
  const std::size_t n = graph.processes.size();
  os::DetectionState state;
  state.available.assign(n, 0);
  state.allocation.assign(n, os::ResourceVector(n, 0));
  state.request.assign(n, os::ResourceVector(n, 0));
  for (std::uint32_t v = 0; v < n; ++v) {
    for (std::uint32_t w : graph.graph.successors(v)) {
      state.allocation[w][w] = 1;
      state.request[v][w] = 1;
    }
  }
  return state;
}

/// A resource-allocation graph or a bare wait-for graph, with its answers
/// (found when the input is checked: they are as small as the graph).
class GraphSimulation : public Simulation {
 public:
  static Prepared Prepare(const Options& options, const CommonOptions& common) {
    auto problem = deadlock::BuildGraph(options, common);
    if (!problem.ok()) return problem.status();
    auto simulation = std::make_unique<GraphSimulation>();
    GraphSimulation& g = *simulation;
    g.problem_ = std::move(problem).value();
    g.recover_ = options.recover;
    g.solve_ = common.solve;
    std::optional<os::DetectionState> state;  // what recovery aborts processes in
    if (g.problem_.is_wait_for) {
      g.cycle_ = os::FindWaitForCycle(g.problem_.wait_for);
      g.wait_for_verdict_ = os::AnalyzeWaitFor(g.problem_.wait_for);
      if (options.recover) state = WaitForAsState(g.problem_.wait_for);
    } else {
      auto verdict = os::AnalyzeResourceGraph(g.problem_.rag);
      if (!verdict.ok()) return BadInput(verdict.error().message);
      auto collapsed = os::CollapseToWaitFor(g.problem_.rag);
      if (!collapsed.ok()) return BadInput(collapsed.error().message);
      g.verdict_ = std::move(verdict).value();
      g.collapsed_ = std::move(collapsed).value();
      g.cycle_ = g.verdict_.cycle;
      if (options.recover) state = g.verdict_.state;
    }
    if (state) {
      auto recovery = os::RecoverByAbort(*state);
      if (!recovery.ok()) return BadInput(recovery.error().message);
      g.recovery_ = std::move(recovery).value();
    }
    return std::unique_ptr<Simulation>(std::move(simulation));
  }

  void WriteText(TextOut& out) const override {
    if (problem_.is_wait_for) {
      out.Write(WaitForProblemText(problem_.wait_for, recover_));
      if (solve_) out.Write("\n" + WaitForAnswerText(problem_.wait_for, cycle_, wait_for_verdict_));
    } else {
      out.Write(GraphProblemText(problem_.rag, recover_));
      if (solve_) out.Write("\n" + GraphAnswerText(problem_.rag, verdict_, collapsed_));
    }
    if (recovery_ && solve_) {
      out.Write(RecoveryText(*recovery_, Names(),
                             problem_.is_wait_for ? std::vector<std::string>{} : problem_.rag.resources,
                             !problem_.is_wait_for));
    }
  }

  void WriteJson(JsonOut& json) const override {
    const std::vector<std::string>& names = Names();
    json.BeginObject();
    json.Field("mode", "graph");
    json.Field("graph", problem_.is_wait_for ? "wait-for" : "resource-allocation");
    WriteStrings(json, "processes", names);
    if (problem_.is_wait_for) {
      WriteEdges(json, "wait_for_edges", problem_.wait_for.graph, names);
      json.Field("single_instance", true);
    } else {
      const os::ResourceGraph& rag = problem_.rag;
      json.Key("resources");
      json.BeginArray();
      for (std::size_t j = 0; j < rag.resources.size(); ++j) {
        json.BeginObject();
        json.Field("name", rag.resources[j]);
        json.Field("instances", os::InstancesOf(rag, j));
        json.EndObject();
      }
      json.EndArray();
      auto edges = [&json](std::string_view key, const auto& list, const std::vector<std::string>& from,
                           const std::vector<std::string>& to, bool process_first) {
        json.Key(key);
        json.BeginArray();
        for (const auto& e : list) {
          json.BeginArray();
          json.String(process_first ? from[e.process] : to[e.resource]);
          json.String(process_first ? to[e.resource] : from[e.process]);
          json.EndArray();
        }
        json.EndArray();
      };
      edges("request_edges", rag.requests, rag.processes, rag.resources, true);
      edges("assignment_edges", rag.assignments, rag.processes, rag.resources, false);
      WriteEdges(json, "wait_for_edges", collapsed_.graph, names);
      json.Field("single_instance", verdict_.single_instance);
    }
    WriteStrings(json, "cycle", cycle_);
    json.Field("cycle_text", CycleText(cycle_));
    if (problem_.is_wait_for) {
      json.Field("deadlock", !cycle_.empty());
      WriteNames(json, "deadlocked", wait_for_verdict_.deadlocked, names);
      WriteNames(json, "sequence", wait_for_verdict_.sequence, names);
    } else {
      json.Field("deadlock", verdict_.deadlock());
      WriteNames(json, "deadlocked", verdict_.detection.deadlocked, names);
      WriteNames(json, "sequence", verdict_.detection.sequence, names);
      WriteNames(json, "holding_nothing", verdict_.detection.holding_nothing, names);
    }
    WriteRecovery(json, recovery_, names);
    WriteNulls(json, {"safe"});
    json.EndObject();
  }

  std::string Svg() const override {
    return problem_.is_wait_for ? WaitForSvg(problem_.wait_for, cycle_) : GraphSvg(problem_.rag, cycle_);
  }

  void WriteEvents(const os::events::EventSink& sink) const override {
    if (problem_.is_wait_for) {
      (void)os::AnalyzeWaitFor(problem_.wait_for, sink);
    } else {
      (void)os::AnalyzeResourceGraph(problem_.rag, sink);
    }
  }

 private:
  const std::vector<std::string>& Names() const {
    return problem_.is_wait_for ? problem_.wait_for.processes : problem_.rag.processes;
  }

  GraphProblem problem_;
  bool recover_ = false;
  bool solve_ = false;
  std::vector<std::string> cycle_;
  os::WaitForVerdict wait_for_verdict_;         // a bare wait-for graph
  os::ResourceGraphVerdict verdict_;            // a resource-allocation graph
  os::WaitForGraph collapsed_;                  // its wait-for graph
  std::optional<os::RecoveryResult> recovery_;  // with --recover
};

std::vector<std::pair<std::string, std::string>> Summarize(const Json& run) {
  auto show = [](const Json& value, bool count) -> std::string {
    if (value.is_null()) return "-";
    if (value.is_boolean()) return value.get<bool>() ? "yes" : "no";
    return count ? std::to_string(value.size()) : value.dump();
  };
  return {{"safe", show(run.value("safe", Json()), false)},
          {"deadlocked", show(run.value("deadlocked", Json()), true)},
          {"cycle length", show(run.value("cycle", Json()), true)}};
}

std::string Brief(const Json& run) {
  auto join = [](const Json& names, const char* separator) {
    std::string text;
    for (const auto& name : names) text += (text.empty() ? "" : separator) + name.get<std::string>();
    return text;
  };
  const std::string mode = run.value("mode", "");
  if (mode == "banker") {
    return run.value("safe", false) ? "safe: <" + join(run["sequence"], ", ") + ">" : "unsafe";
  }
  if (mode == "graph" && run.contains("cycle") && run["cycle"].is_array() && !run["cycle"].empty()) {
    return "cycle: " + run.value("cycle_text", "") +
           (run.value("deadlock", false) ? "" : " (no deadlock: several instances)");
  }
  if (run.contains("deadlocked") && run["deadlocked"].is_array() && !run["deadlocked"].empty()) {
    return "deadlocked: " + join(run["deadlocked"], ", ");
  }
  return "no deadlock: <" + join(run.value("sequence", Json::array()), ", ") + ">";
}

}  // namespace

Topic DeadlockTopic() {
  Topic topic;
  topic.name = "deadlock";
  topic.time_unit = "step";
  topic.summary = "Deadlock: Banker's algorithm, detection, resource-allocation and wait-for graphs";
  topic.add = [](CLI::App& command) -> Runner {
    auto options = std::make_shared<Options>();
    command
        .add_flag("--banker", options->banker,
                  "Banker's algorithm: is the state safe, can requests be granted "
                  "(default with --max)")
        ->group("Mode");
    command
        .add_flag("--detect", options->detect,
                  "Deadlock detection with several instances per type "
                  "(default with --request-matrix)")
        ->group("Mode");
    command
        .add_flag("--graph", options->graph,
                  "Resource-allocation or wait-for graph: find a cycle "
                  "(default with --edges/--wait-for)")
        ->group("Mode");
    command.add_option("-a,--available", options->available, "Free instances of each resource type, e.g. 3,3,2")
        ->type_name("LIST");
    command.add_option("-t,--total", options->total, "All instances of each type (Available = total - allocated)")
        ->type_name("LIST");
    command.add_option("-M,--max", options->max, "Max claim matrix, rows P0;P1;... e.g. \"7,5,3;3,2,2\"")
        ->type_name("ROWS");
    command.add_option("-A,--allocation", options->allocation, "Allocation matrix, rows separated by ';'")
        ->type_name("ROWS");
    command
        .add_option("-r,--request", options->requests,
                    "A Banker's request PROCESS:AMOUNTS, e.g. P1:1,0,2 "
                    "(repeatable, applied in order)")
        ->type_name("REQ");
    command.add_option("-R,--request-matrix", options->request_matrix, "Detection: what each process waits for now")
        ->type_name("ROWS");
    command
        .add_option("-e,--edges", options->edges,
                    "Resource-allocation graph: P1->R1 (request), R1->P2 "
                    "(assignment), comma-separated")
        ->type_name("EDGES");
    command.add_option("-w,--wait-for", options->wait_for, "Wait-for graph: P1->P2 means P1 waits for P2")
        ->type_name("EDGES");
    command
        .add_option("-i,--instances", options->instances,
                    "Instances of multi-instance resources, e.g. R2=2,R4=3 "
                    "(others have 1)")
        ->type_name("LIST");
    command.add_option("--names", options->names, "Resource type names (default A,B,C,...)")->type_name("LIST");
    command.add_option("-f,--file", options->file, "Read the state from a file (format: docs/sim/deadlock.md)")
        ->type_name("FILE");
    command
        .add_option("-n,--processes", options->processes,
                    "Processes in a random problem (with -s; default 5, "
                    "graphs 4)")
        ->type_name("N");
    command
        .add_option("-m,--resources", options->resources,
                    "Resource types in a random problem (with -s; default 3, "
                    "graphs 4)")
        ->type_name("M");
    command.add_flag("--recover", options->recover, "After detection, abort victims until no deadlock remains");
    command.footer(
        "Examples:\n"
        "  osgrid sim deadlock -a 3,3,2 -M \"7,5,3;3,2,2;9,0,2;2,2,2;4,3,3\" \\\n"
        "      -A \"0,1,0;2,0,0;3,0,2;2,1,1;0,0,2\" -r P1:1,0,2 -c      # Silberschatz 8.6.3.3\n"
        "  osgrid sim deadlock --wait-for \"P1->P2,P2->P3,P3->P1\" --recover -c\n"
        "  osgrid sim deadlock -s 7 -n 4 -m 3                       # a random Banker's problem");
    return [options](const CommonOptions& common) -> Prepared {
      Options resolved = *options;
      if (Status loaded = deadlock::LoadStateFile(resolved); !loaded.ok()) return loaded;
      auto mode = deadlock::ChooseMode(resolved);
      if (!mode.ok()) return mode.status();
      switch (*mode) {
        case Mode::kBanker:
          return BankerSimulation::Prepare(resolved, common);
        case Mode::kDetect:
          return DetectSimulation::Prepare(resolved, common);
        case Mode::kGraph:
          return GraphSimulation::Prepare(resolved, common);
      }
      return BadInput("unknown mode");
    };
  };
  topic.policy_flag = "";
  topic.summarize = Summarize;
  topic.brief = Brief;
  return topic;
}

}  // namespace osgrid::sim
