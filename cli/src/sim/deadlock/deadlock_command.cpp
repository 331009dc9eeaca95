// `osgrid sim deadlock`: the Banker's algorithm, deadlock detection and
// resource-allocation / wait-for graphs (Silberschatz 10e ch. 8, OSTEP ch. 32)
// on the command line. Manual: docs/sim/deadlock.md.
#include <memory>
#include <sstream>

#include "../../format.h"
#include "../sim.h"
#include "deadlock_input.h"
#include "deadlock_view.h"
#include "osgrid/os/deadlock/recovery.h"

namespace osgrid::cli::sim {
namespace {

using deadlock::BankerProblem;
using deadlock::GraphProblem;
using deadlock::Mode;
using deadlock::Options;
using os::ProcessName;
using namespace deadlock;  // the views: *Text and *Svg

Json Names(const std::vector<std::size_t>& processes, const std::vector<std::string>& names = {}) {
  Json list = Json::array();
  for (std::size_t p : processes) list.push_back(p < names.size() ? names[p] : ProcessName(p));
  return list;
}

/// The fields every mode has; null when they do not apply (docs/sim/deadlock.md).
Json BaseJson(const char* mode) {
  return Json{{"mode", mode},          {"safe", nullptr},     {"sequence", Json::array()}, {"cycle", nullptr},
              {"deadlocked", nullptr}, {"deadlock", nullptr}, {"victims", nullptr}};
}

Json TraceJson(const std::vector<os::WorkStep>& trace, const char* wanted, const std::vector<std::string>& names = {}) {
  Json steps = Json::array();
  for (const os::WorkStep& step : trace) {
    steps.push_back({{"process", step.process < names.size() ? names[step.process] : ProcessName(step.process)},
                     {wanted, step.wanted},
                     {"work", step.work}});
  }
  return steps;
}

// ---- Banker's ----------------------------------------------------------------

Outcome RunBanker(const Options& options, const CommonOptions& common) {
  auto problem = deadlock::BuildBanker(options, common);
  if (!problem.ok()) return problem.status();
  const os::BankerState& state = problem->state;
  auto safety = os::RunSafetyAlgorithm(state);
  if (!safety.ok()) return BadInput(safety.error().message);

  Output out;
  out.json = BaseJson("banker");
  std::vector<std::size_t> all(state.max.size());
  for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
  out.json["processes"] = Names(all);
  out.json["resources"] = ResourceLabels(state.resource_names, state.available.size());
  out.json["total"] = os::TotalResources(state);
  out.json["available"] = state.available;
  out.json["allocation"] = state.allocation;
  out.json["max"] = state.max;
  out.json["need"] = os::NeedMatrix(state);
  out.json["safe"] = safety->safe;
  out.json["sequence"] = Names(safety->sequence);
  out.json["unfinished"] = Names(safety->unfinished);
  out.json["work_trace"] = TraceJson(safety->trace, "need");

  std::ostringstream text;
  text << BankerProblemText(state, problem->requests);
  if (common.solve) text << "\n" << SafetyAnswerText(state, *safety);

  Json requests = Json::array();
  os::BankerState current = state;
  for (std::size_t k = 0; k < problem->requests.size(); ++k) {
    const deadlock::Request& request = problem->requests[k];
    auto result = os::RequestResources(current, request.process, request.amounts);
    if (!result.ok()) return BadInput("--request " + ProcessName(request.process) + ": " + result.error().message);
    const char* decision = result->decision == os::RequestDecision::kGranted ? "granted"
                           : result->decision == os::RequestDecision::kWait  ? "wait"
                                                                             : "denied";
    requests.push_back({{"process", ProcessName(request.process)},
                        {"request", request.amounts},
                        {"granted", result->granted},
                        {"decision", decision},
                        {"reason", result->reason},
                        {"sequence", result->granted ? Names(result->safety.sequence) : Json::array()},
                        {"available", result->state.available}});
    if (common.solve) text << RequestAnswerText(k + 1, request.process, request.amounts, *result);
    current = result->state;
  }
  out.json["requests"] = requests;
  out.text = text.str();
  out.svg = BankerSvg(state, *safety);
  return out;
}

// ---- detection -------------------------------------------------------------------

Json RecoveryJson(const os::RecoveryResult& recovery, const std::vector<std::string>& names = {}) {
  Json steps = Json::array();
  for (const os::RecoveryStep& step : recovery.steps) {
    steps.push_back({{"victim", step.victim < names.size() ? names[step.victim] : ProcessName(step.victim)},
                     {"released", step.released},
                     {"deadlocked_before", Names(step.deadlocked_before, names)}});
  }
  return steps;
}

Outcome RunDetect(const Options& options, const CommonOptions& common) {
  auto state = deadlock::BuildDetection(options, common);
  if (!state.ok()) return state.status();
  auto detection = os::DetectDeadlock(*state);
  if (!detection.ok()) return BadInput(detection.error().message);

  Output out;
  out.json = BaseJson("detect");
  std::vector<std::size_t> all(state->allocation.size());
  for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
  out.json["processes"] = Names(all);
  out.json["resources"] = ResourceLabels(state->resource_names, state->available.size());
  out.json["available"] = state->available;
  out.json["allocation"] = state->allocation;
  out.json["request_matrix"] = state->request;
  out.json["deadlock"] = detection->deadlock();
  out.json["deadlocked"] = Names(detection->deadlocked);
  out.json["sequence"] = Names(detection->sequence);
  out.json["holding_nothing"] = Names(detection->holding_nothing);
  out.json["work_trace"] = TraceJson(detection->trace, "request");

  std::ostringstream text;
  text << DetectionProblemText(*state, options.recover);
  if (common.solve) text << "\n" << DetectionAnswerText(*state, *detection);
  if (options.recover) {
    auto recovery = os::RecoverByAbort(*state);
    if (!recovery.ok()) return BadInput(recovery.error().message);
    out.json["victims"] = Names(recovery->victims());
    out.json["recovery"] = RecoveryJson(*recovery);
    if (common.solve) text << RecoveryText(*recovery, {}, {}, true);
  }
  out.text = text.str();
  out.svg = DetectionSvg(*state, *detection);
  return out;
}

// ---- graphs --------------------------------------------------------------------

std::string CycleText(const std::vector<std::string>& cycle) {
  if (cycle.empty()) return "";
  std::string text;
  for (const std::string& name : cycle) text += name + " -> ";
  return text + cycle.front();
}

Json EdgeList(const os::Digraph& graph, const std::vector<std::string>& names) {
  Json edges = Json::array();
  for (std::uint32_t v = 0; v < graph.vertex_count(); ++v) {
    for (std::uint32_t w : graph.successors(v)) edges.push_back(Json::array({names[v], names[w]}));
  }
  return edges;
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

Outcome RunGraph(const Options& options, const CommonOptions& common) {
  auto problem = deadlock::BuildGraph(options, common);
  if (!problem.ok()) return problem.status();
  Output out;
  out.json = BaseJson("graph");
  std::ostringstream text;
  std::optional<os::RecoveryResult> recovery;
  std::vector<std::string> process_names;

  if (problem->is_wait_for) {
    const os::WaitForGraph& graph = problem->wait_for;
    process_names = graph.processes;
    const std::vector<std::string> cycle = os::FindWaitForCycle(graph);
    const os::WaitForVerdict verdict = os::AnalyzeWaitFor(graph);
    out.json["graph"] = "wait-for";
    out.json["processes"] = graph.processes;
    out.json["wait_for_edges"] = EdgeList(graph.graph, graph.processes);
    out.json["single_instance"] = true;
    out.json["cycle"] = cycle;
    out.json["cycle_text"] = CycleText(cycle);
    out.json["deadlock"] = !cycle.empty();
    out.json["deadlocked"] = Names(verdict.deadlocked, graph.processes);
    out.json["sequence"] = Names(verdict.sequence, graph.processes);
    text << WaitForProblemText(graph, options.recover);
    if (common.solve) text << "\n" << WaitForAnswerText(graph, cycle, verdict);
    if (options.recover) {
      auto result = os::RecoverByAbort(WaitForAsState(graph));
      if (!result.ok()) return BadInput(result.error().message);
      recovery = std::move(result).value();
    }
    out.svg = WaitForSvg(graph, cycle);
  } else {
    const os::ResourceGraph& rag = problem->rag;
    process_names = rag.processes;
    auto verdict = os::AnalyzeResourceGraph(rag);
    if (!verdict.ok()) return BadInput(verdict.error().message);
    auto collapsed = os::CollapseToWaitFor(rag);
    if (!collapsed.ok()) return BadInput(collapsed.error().message);
    Json resources = Json::array();
    for (std::size_t j = 0; j < rag.resources.size(); ++j) {
      resources.push_back({{"name", rag.resources[j]}, {"instances", os::InstancesOf(rag, j)}});
    }
    Json requests = Json::array(), assignments = Json::array();
    for (const auto& e : rag.requests)
      requests.push_back(Json::array({rag.processes[e.process], rag.resources[e.resource]}));
    for (const auto& e : rag.assignments) {
      assignments.push_back(Json::array({rag.resources[e.resource], rag.processes[e.process]}));
    }
    out.json["graph"] = "resource-allocation";
    out.json["processes"] = rag.processes;
    out.json["resources"] = resources;
    out.json["request_edges"] = requests;
    out.json["assignment_edges"] = assignments;
    out.json["wait_for_edges"] = EdgeList(collapsed->graph, rag.processes);
    out.json["single_instance"] = verdict->single_instance;
    out.json["cycle"] = verdict->cycle;
    out.json["cycle_text"] = CycleText(verdict->cycle);
    out.json["deadlock"] = verdict->deadlock();
    out.json["deadlocked"] = Names(verdict->detection.deadlocked, rag.processes);
    out.json["sequence"] = Names(verdict->detection.sequence, rag.processes);
    out.json["holding_nothing"] = Names(verdict->detection.holding_nothing, rag.processes);
    text << GraphProblemText(rag, options.recover);
    if (common.solve) text << "\n" << GraphAnswerText(rag, *verdict, *collapsed);
    if (options.recover) {
      auto result = os::RecoverByAbort(verdict->state);
      if (!result.ok()) return BadInput(result.error().message);
      recovery = std::move(result).value();
    }
    out.svg = GraphSvg(rag, verdict->cycle);
  }
  if (recovery) {
    out.json["victims"] = Names(recovery->victims(), process_names);
    out.json["recovery"] = RecoveryJson(*recovery, process_names);
    if (common.solve) {
      text << RecoveryText(*recovery, process_names,
                           problem->is_wait_for ? std::vector<std::string>{} : problem->rag.resources,
                           !problem->is_wait_for);
    }
  }
  out.text = text.str();
  return out;
}

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
    auto run = [options](const CommonOptions& common) -> Outcome {
      Options resolved = *options;
      if (Status loaded = deadlock::LoadStateFile(resolved); !loaded.ok()) return loaded;
      auto mode = deadlock::ChooseMode(resolved);
      if (!mode.ok()) return mode.status();
      switch (*mode) {
        case Mode::kBanker:
          return RunBanker(resolved, common);
        case Mode::kDetect:
          return RunDetect(resolved, common);
        case Mode::kGraph:
          return RunGraph(resolved, common);
      }
      return BadInput("unknown mode");
    };
    return [run](const CommonOptions& common) { return Stored(run(common)); };
  };
  topic.policy_flag = "";
  topic.summarize = Summarize;
  topic.brief = Brief;
  return topic;
}

}  // namespace osgrid::cli::sim
