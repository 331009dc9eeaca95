// `osgrid sim deadlock`: options, state files and random problems -> os/ inputs.
#include "deadlock_input.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "osgrid/os/random.h"

namespace osgrid::sim::deadlock {
namespace {

using os::ResourceMatrix;
using os::ResourceVector;

std::string Trim(const std::string& text) {
  const auto first = text.find_first_not_of(" \t\r");
  if (first == std::string::npos) return "";
  return text.substr(first, text.find_last_not_of(" \t\r") - first + 1);
}

std::vector<std::string> Split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t at = text.find(separator, start);
    parts.push_back(Trim(text.substr(start, at - start)));
    if (at == std::string::npos) return parts;
    start = at + 1;
  }
}

std::string Join(const std::vector<std::string>& parts, const std::string& separator) {
  std::string text;
  for (std::size_t k = 0; k < parts.size(); ++k) text += (k ? separator : "") + parts[k];
  return text;
}

/// "7,5,3;3,2,2" -> rows. Every row must have as many values as the first.
Result<ResourceMatrix> ParseMatrix(const std::string& text, const std::string& what) {
  ResourceMatrix matrix;
  const std::vector<std::string> rows = Split(text, ';');
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (rows[i].empty()) return BadInput(what + ": row P" + std::to_string(i) + " is empty in '" + text + "'");
    auto row = ParseIntList(rows[i], what + " row P" + std::to_string(i));
    if (!row.ok()) return row.status();
    if (!matrix.empty() && row->size() != matrix[0].size()) {
      return BadInput(what + ": row P" + std::to_string(i) + " has " + std::to_string(row->size()) +
                      " values but row P0 has " + std::to_string(matrix[0].size()));
    }
    matrix.push_back(std::move(row).value());
  }
  return matrix;
}

Result<ResourceVector> ParseVector(const std::string& text, const std::string& what) {
  auto values = ParseIntList(text, what);
  if (!values.ok()) return values.status();
  if (values->empty()) return BadInput(what + ": no values");
  return std::move(values).value();
}

/// "P1", "p1" or "1" -> 1.
std::optional<std::size_t> ParseProcess(const std::string& token) {
  std::string digits = token;
  if (!digits.empty() && (digits[0] == 'P' || digits[0] == 'p')) digits = digits.substr(1);
  if (digits.empty() || digits.size() > 9 ||
      !std::all_of(digits.begin(), digits.end(), [](unsigned char c) { return std::isdigit(c) != 0; })) {
    return std::nullopt;
  }
  return static_cast<std::size_t>(std::stoul(digits));
}

Result<std::vector<std::string>> ResourceNames(const Options& options, std::size_t m) {
  if (options.names.empty()) return std::vector<std::string>{};
  auto names = ParseWordList(options.names, "--names");
  if (!names.ok()) return names.status();
  if (names->size() != m) {
    return BadInput("--names: " + std::to_string(names->size()) + " names for " + std::to_string(m) +
                    " resource types");
  }
  if (std::set<std::string>(names->begin(), names->end()).size() != names->size()) {
    return BadInput("--names: '" + options.names + "' repeats a name");
  }
  return names;
}

/// Available from --available, or --total minus what is allocated.
Result<ResourceVector> ResolveAvailable(const Options& options, const ResourceMatrix& allocation, std::size_t m,
                                        const std::vector<std::string>& names) {
  if (!options.available.empty() && !options.total.empty()) {
    return BadInput("give either --available or --total, not both");
  }
  if (options.available.empty() && options.total.empty()) {
    return BadInput("give --available (free instances) or --total (all instances) of each resource type");
  }
  if (!options.available.empty()) return ParseVector(options.available, "--available");
  auto total = ParseVector(options.total, "--total");
  if (!total.ok()) return total.status();
  if (total->size() != m) {
    return BadInput("--total has " + std::to_string(total->size()) + " values but there are " + std::to_string(m) +
                    " resource types");
  }
  ResourceVector available = *total;
  for (std::size_t j = 0; j < m; ++j) {
    std::int64_t held = 0;
    for (const auto& row : allocation) held += row.size() == m ? row[j] : 0;
    available[j] -= held;
    if (available[j] < 0) {
      return BadInput("--total: " + os::ResourceName(j, names) + " has " + std::to_string((*total)[j]) +
                      " instances but the allocations add up to " + std::to_string(held));
    }
  }
  return available;
}

Result<Request> ParseRequest(const std::string& text, std::size_t n) {
  const std::size_t colon = text.find(':');
  if (colon == std::string::npos) {
    return BadInput("--request '" + text + "': expected PROCESS:AMOUNTS, e.g. P1:1,0,2");
  }
  const std::string who = Trim(text.substr(0, colon));
  const auto process = ParseProcess(who);
  if (!process) return BadInput("--request '" + text + "': '" + who + "' is not a process (P0, P1, ...)");
  if (*process >= n) {
    return BadInput("--request '" + text + "': unknown process P" + std::to_string(*process) + " (there are " +
                    std::to_string(n) + ": P0..P" + std::to_string(n - 1) + ")");
  }
  auto amounts = ParseVector(text.substr(colon + 1), "--request '" + text + "'");
  if (!amounts.ok()) return amounts.status();
  return Request{*process, std::move(amounts).value()};
}

std::size_t CountOr(const std::optional<std::int64_t>& value, std::size_t fallback) {
  return value ? static_cast<std::size_t>(*value) : fallback;
}

Status CheckSizes(const Options& options, const CommonOptions& common) {
  if ((options.processes || options.resources) && !common.seed) {
    return BadInput("-n/--processes and -m/--resources size a random problem: add -s SEED");
  }
  if (options.processes && (*options.processes < 1 || *options.processes > 26)) {
    return BadInput("-n/--processes must be 1..26, got " + std::to_string(*options.processes));
  }
  if (options.resources && (*options.resources < 1 || *options.resources > 26)) {
    return BadInput("-m/--resources must be 1..26, got " + std::to_string(*options.resources));
  }
  return Status::Ok();
}

/// A random Banker's problem (with one request) for homework: totals 4..12,
/// maximum claims up to about two thirds of each total.
BankerProblem RandomBanker(std::uint64_t seed, std::size_t n, std::size_t m) {
  os::Rng rng(seed);
  BankerProblem problem;
  ResourceVector total(m), left(m);
  for (std::size_t j = 0; j < m; ++j) left[j] = total[j] = rng.Uniform(4, 12);
  auto& state = problem.state;
  state.max.assign(n, ResourceVector(m));
  state.allocation.assign(n, ResourceVector(m));
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < m; ++j) {
      state.max[i][j] = rng.Uniform(0, total[j] * 2 / 3 + 1);
      state.allocation[i][j] = rng.Uniform(0, std::min(state.max[i][j], left[j]));
      left[j] -= state.allocation[i][j];
    }
  }
  state.available = left;
  const ResourceMatrix need = os::NeedMatrix(state);
  std::vector<std::size_t> needy;
  for (std::size_t i = 0; i < n; ++i) {
    if (!os::IsZero(need[i])) needy.push_back(i);
  }
  if (needy.empty()) return problem;
  const std::size_t p = needy[static_cast<std::size_t>(rng.Uniform(0, static_cast<std::int64_t>(needy.size()) - 1))];
  Request request{p, ResourceVector(m, 0)};
  for (std::size_t j = 0; j < m; ++j) request.amounts[j] = rng.Uniform(0, std::min<std::int64_t>(need[p][j], 3));
  if (os::IsZero(request.amounts)) {
    for (std::size_t j = 0; j < m; ++j) {
      if (need[p][j] > 0) {
        request.amounts[j] = 1;
        break;
      }
    }
  }
  problem.requests.push_back(request);
  return problem;
}

os::DetectionState RandomDetection(std::uint64_t seed, std::size_t n, std::size_t m) {
  os::Rng rng(seed);
  os::DetectionState state;
  ResourceVector total(m), left(m);
  for (std::size_t j = 0; j < m; ++j) left[j] = total[j] = rng.Uniform(2, 8);
  state.allocation.assign(n, ResourceVector(m));
  state.request.assign(n, ResourceVector(m));
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < m; ++j) {
      state.allocation[i][j] = rng.Uniform(0, std::min(left[j], total[j] / 2));
      left[j] -= state.allocation[i][j];
      if (rng.Uniform(0, 2) == 0) state.request[i][j] = rng.Uniform(0, total[j] - state.allocation[i][j]);
    }
  }
  state.available = left;
  return state;
}

/// A random single-instance resource-allocation graph.
os::ResourceGraph RandomGraph(std::uint64_t seed, std::size_t n, std::size_t m) {
  os::Rng rng(seed);
  os::ResourceGraph graph;
  for (std::size_t i = 0; i < n; ++i) graph.processes.push_back("P" + std::to_string(i + 1));
  for (std::size_t j = 0; j < m; ++j) graph.resources.push_back("R" + std::to_string(j + 1));
  std::vector<std::int64_t> holder(m, -1);
  for (std::size_t j = 0; j < m; ++j) {
    if (rng.Uniform(0, 3) == 0) continue;  // a quarter stay free
    holder[j] = rng.Uniform(0, static_cast<std::int64_t>(n) - 1);
    graph.assignments.push_back({static_cast<std::size_t>(holder[j]), j});
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (rng.Uniform(0, 2) == 0) continue;
    const auto j = static_cast<std::size_t>(rng.Uniform(0, static_cast<std::int64_t>(m) - 1));
    if (holder[j] != static_cast<std::int64_t>(i)) graph.requests.push_back({i, j});
  }
  return graph;
}

// ---- graphs ----------------------------------------------------------------

/// Orders "P2" before "P10": by the letters, then the number, then the text.
bool NaturalLess(const std::string& a, const std::string& b) {
  auto split = [](const std::string& s) {
    std::size_t k = s.size();
    while (k > 0 && std::isdigit(static_cast<unsigned char>(s[k - 1])) != 0) --k;
    const std::string digits = s.substr(k).substr(0, 18);
    return std::make_tuple(s.substr(0, k), digits.empty() ? -1LL : std::stoll(digits), s);
  };
  return split(a) < split(b);
}

struct NamedEdge {
  std::string from, to;
};

Result<std::vector<NamedEdge>> ParseEdges(const std::string& text, const std::string& what) {
  std::vector<NamedEdge> edges;
  for (const std::string& item : Split(text, ',')) {
    const std::size_t arrow = item.find("->");
    if (item.empty() || arrow == std::string::npos) {
      return BadInput(what + ": '" + item + "' is not an edge like P1->R1");
    }
    NamedEdge edge{Trim(item.substr(0, arrow)), Trim(item.substr(arrow + 2))};
    auto valid = [](const std::string& name) {
      return name.size() >= 2 && (name[0] == 'P' || name[0] == 'R') &&
             std::all_of(name.begin() + 1, name.end(), [](unsigned char c) { return std::isalnum(c) || c == '_'; });
    };
    if (!valid(edge.from) || !valid(edge.to)) {
      return BadInput(what + ": '" + item + "': names start with P (process) or R (resource), e.g. P1->R1");
    }
    edges.push_back(edge);
  }
  return edges;
}

std::size_t IndexOf(const std::vector<std::string>& names, const std::string& name) {
  return static_cast<std::size_t>(std::find(names.begin(), names.end(), name) - names.begin());
}

Result<GraphProblem> ParseWaitFor(const std::string& text) {
  auto edges = ParseEdges(text, "--wait-for");
  if (!edges.ok()) return edges.status();
  std::set<std::string, decltype(&NaturalLess)> names(&NaturalLess);
  for (const NamedEdge& edge : *edges) {
    for (const std::string* name : {&edge.from, &edge.to}) {
      if ((*name)[0] != 'P') {
        return BadInput("--wait-for: '" + edge.from + "->" + edge.to +
                        "': a wait-for graph joins processes only (use --edges for resources)");
      }
      names.insert(*name);
    }
  }
  GraphProblem problem;
  problem.is_wait_for = true;
  problem.wait_for.processes.assign(names.begin(), names.end());
  problem.wait_for.graph = os::Digraph(names.size());
  for (const NamedEdge& edge : *edges) {
    problem.wait_for.graph.AddEdge(static_cast<std::uint32_t>(IndexOf(problem.wait_for.processes, edge.from)),
                                   static_cast<std::uint32_t>(IndexOf(problem.wait_for.processes, edge.to)));
  }
  return problem;
}

Result<std::map<std::string, std::int64_t>> ParseInstances(const std::string& text) {
  std::map<std::string, std::int64_t> instances;
  if (Trim(text).empty()) return instances;
  for (const std::string& item : Split(text, ',')) {
    const std::size_t equals = item.find('=');
    const std::string name = Trim(item.substr(0, equals));
    if (equals == std::string::npos) return BadInput("--instances: '" + item + "' is not like R2=3");
    auto count = ParseIntList(item.substr(equals + 1), "--instances");
    if (name.empty() || name[0] != 'R' || !count.ok() || count->size() != 1) {
      return BadInput("--instances: '" + item + "' is not like R2=3");
    }
    if ((*count)[0] < 1)
      return BadInput("--instances: " + name + " must have at least 1 instance, got " + std::to_string((*count)[0]));
    instances[name] = (*count)[0];
  }
  return instances;
}

Result<GraphProblem> ParseResourceGraph(const std::string& text, const std::string& instances_text) {
  auto edges = ParseEdges(text, "--edges");
  if (!edges.ok()) return edges.status();
  auto instances = ParseInstances(instances_text);
  if (!instances.ok()) return instances.status();
  std::set<std::string, decltype(&NaturalLess)> processes(&NaturalLess), resources(&NaturalLess);
  for (const NamedEdge& edge : *edges) {
    if (edge.from[0] == edge.to[0]) {
      return BadInput("--edges: '" + edge.from + "->" + edge.to +
                      "': an edge joins a process and a resource (P->R request, R->P assignment); "
                      "use --wait-for for process-to-process edges");
    }
    (edge.from[0] == 'P' ? processes : resources).insert(edge.from);
    (edge.to[0] == 'P' ? processes : resources).insert(edge.to);
  }
  for (const auto& entry : *instances) resources.insert(entry.first);
  GraphProblem problem;
  auto& rag = problem.rag;
  rag.processes.assign(processes.begin(), processes.end());
  rag.resources.assign(resources.begin(), resources.end());
  for (const std::string& name : rag.resources) {
    auto found = instances->find(name);
    rag.instances.push_back(found == instances->end() ? 1 : found->second);
  }
  for (const NamedEdge& edge : *edges) {
    if (edge.from[0] == 'P') {
      rag.requests.push_back({IndexOf(rag.processes, edge.from), IndexOf(rag.resources, edge.to)});
    } else {
      rag.assignments.push_back({IndexOf(rag.processes, edge.to), IndexOf(rag.resources, edge.from)});
    }
  }
  if (auto error = os::ValidateResourceGraph(rag)) return BadInput("--edges: " + error->message);
  if (auto state = os::ToDetectionState(rag); !state.ok()) return BadInput("--edges: " + state.error().message);
  return problem;
}

// ---- state files -------------------------------------------------------------

const std::vector<std::string> kSections = {"resources",      "total",    "available", "allocation", "max",
                                            "request-matrix", "requests", "edges",     "wait-for",   "instances"};

bool IsMatrix(const std::string& section) {
  return section == "allocation" || section == "max" || section == "request-matrix";
}

/// One section's content as the matching command-line text.
struct Section {
  std::vector<std::string> items;  // rows (matrices, requests) or pieces joined by ','
};

std::string NumbersToList(const std::string& text) {
  std::string normal;
  std::istringstream words(text);
  for (std::string word; words >> word;) {
    for (const std::string& piece : Split(word, ',')) {
      if (!piece.empty()) normal += (normal.empty() ? "" : ",") + piece;
    }
  }
  return normal;
}

Status AddLine(std::map<std::string, Section>& sections, const std::string& section, const std::string& value,
               int line_number) {
  const std::string where = "--file line " + std::to_string(line_number) + ": ";
  Section& target = sections[section];
  if (IsMatrix(section)) {  // "P2: 3 0 2" or "3 0 2"
    std::string row = value;
    const std::size_t colon = value.find(':');
    const std::string expected = "P" + std::to_string(target.items.size());
    if (colon != std::string::npos) {
      const std::string label = Trim(value.substr(0, colon));
      if (label != expected) return BadInput(where + "expected row " + expected + " of " + section + ", got " + label);
      row = value.substr(colon + 1);
    }
    target.items.push_back(NumbersToList(row));
  } else if (section == "requests") {  // "P1: 1 0 2"
    const std::size_t colon = value.find(':');
    if (colon == std::string::npos) return BadInput(where + "a request looks like 'P1: 1 0 2'");
    target.items.push_back(Trim(value.substr(0, colon)) + ":" + NumbersToList(value.substr(colon + 1)));
  } else if (section == "resources") {
    std::istringstream words(value);
    for (std::string word; words >> word;) {
      for (const std::string& piece : Split(word, ',')) {
        if (!piece.empty()) target.items.push_back(piece);
      }
    }
  } else if (section == "total" || section == "available") {
    target.items.push_back(NumbersToList(value));
  } else {  // edges, wait-for, instances: comma- or space-separated items
    std::istringstream words(value);
    for (std::string word; words >> word;) {
      for (const std::string& piece : Split(word, ',')) {
        if (!piece.empty()) target.items.push_back(piece);
      }
    }
  }
  return Status::Ok();
}

void Fill(std::string& option, const std::map<std::string, Section>& sections, const std::string& name,
          const std::string& separator) {
  auto found = sections.find(name);
  if (option.empty() && found != sections.end()) option = Join(found->second.items, separator);
}

}  // namespace

Status LoadStateFile(Options& options) {
  if (options.file.empty()) return Status::Ok();
  std::ifstream in(options.file);
  if (!in) return BadInput("--file: cannot read '" + options.file + "'");
  std::map<std::string, Section> sections;
  std::string current;
  int line_number = 0;
  for (std::string line; std::getline(in, line);) {
    ++line_number;
    line = Trim(line.substr(0, line.find('#')));
    if (line.empty()) continue;
    const std::size_t colon = line.find(':');
    const std::string key = colon == std::string::npos ? "" : Trim(line.substr(0, colon));
    if (std::find(kSections.begin(), kSections.end(), key) != kSections.end()) {
      current = key;
      if (sections.count(key) != 0) {
        return BadInput("--file line " + std::to_string(line_number) + ": section '" + key + "' appears twice");
      }
      sections[key];
      const std::string value = Trim(line.substr(colon + 1));
      if (!value.empty()) {
        if (Status added = AddLine(sections, key, value, line_number); !added.ok()) return added;
      }
      continue;
    }
    if (current.empty()) {
      return BadInput("--file line " + std::to_string(line_number) + ": '" + line +
                      "' is outside any section (sections: " + Join(kSections, ", ") + ")");
    }
    if (Status added = AddLine(sections, current, line, line_number); !added.ok()) return added;
  }
  Fill(options.names, sections, "resources", ",");
  Fill(options.total, sections, "total", ",");
  Fill(options.available, sections, "available", ",");
  Fill(options.allocation, sections, "allocation", ";");
  Fill(options.max, sections, "max", ";");
  Fill(options.request_matrix, sections, "request-matrix", ";");
  Fill(options.edges, sections, "edges", ",");
  Fill(options.wait_for, sections, "wait-for", ",");
  Fill(options.instances, sections, "instances", ",");
  if (options.requests.empty() && sections.count("requests") != 0) options.requests = sections["requests"].items;
  if (!options.available.empty() && !options.total.empty() && sections.count("total") && sections.count("available")) {
    return BadInput("--file: give either 'available' or 'total', not both");
  }
  return Status::Ok();
}

Result<Mode> ChooseMode(const Options& options) {
  if (int(options.banker) + int(options.detect) + int(options.graph) > 1) {
    return BadInput("choose one of --banker, --detect and --graph");
  }
  const bool has_graph = !options.edges.empty() || !options.wait_for.empty();
  if (options.banker) return Mode::kBanker;
  if (options.detect) return Mode::kDetect;
  if (options.graph || has_graph) return Mode::kGraph;
  if (!options.request_matrix.empty()) return Mode::kDetect;
  return Mode::kBanker;
}

Result<BankerProblem> BuildBanker(const Options& options, const CommonOptions& common) {
  if (Status sizes = CheckSizes(options, common); !sizes.ok()) return sizes;
  if (!options.edges.empty() || !options.wait_for.empty() || !options.request_matrix.empty()) {
    return BadInput("--banker takes --max, --allocation and --available/--total, not graphs or --request-matrix");
  }
  if (options.recover)
    return BadInput("--recover belongs to --detect and --graph (the Banker's algorithm avoids deadlock)");
  BankerProblem problem;
  if (options.max.empty()) {
    if (!common.seed) {
      return BadInput(
          "give --max, --allocation and --available (or --total), a state file with -f, or -s SEED for a "
          "random problem");
    }
    problem = RandomBanker(*common.seed, CountOr(options.processes, 5), CountOr(options.resources, 3));
  } else {
    if (options.allocation.empty()) return BadInput("--max needs --allocation (what each process holds now)");
    auto max = ParseMatrix(options.max, "--max");
    if (!max.ok()) return max.status();
    auto allocation = ParseMatrix(options.allocation, "--allocation");
    if (!allocation.ok()) return allocation.status();
    const std::size_t m = (*max)[0].size();
    auto names = ResourceNames(options, m);
    if (!names.ok()) return names.status();
    auto available = ResolveAvailable(options, *allocation, m, *names);
    if (!available.ok()) return available.status();
    problem.state = {std::move(available).value(), std::move(max).value(), std::move(allocation).value(),
                     std::move(names).value()};
  }
  if (auto error = os::ValidateBankerState(problem.state)) return BadInput(error->message);
  if (!options.requests.empty()) problem.requests.clear();  // explicit requests replace a generated one
  for (const std::string& text : options.requests) {
    auto request = ParseRequest(text, problem.state.max.size());
    if (!request.ok()) return request.status();
    problem.requests.push_back(std::move(request).value());
  }
  if (problem.state.resource_names.empty()) {
    auto names = ResourceNames(options, problem.state.available.size());
    if (!names.ok()) return names.status();
    problem.state.resource_names = std::move(names).value();
  }
  return problem;
}

Result<os::DetectionState> BuildDetection(const Options& options, const CommonOptions& common) {
  if (Status sizes = CheckSizes(options, common); !sizes.ok()) return sizes;
  if (!options.max.empty() || !options.requests.empty()) {
    return BadInput("--detect takes --allocation, --request-matrix and --available/--total (not --max or --request)");
  }
  os::DetectionState state;
  if (options.request_matrix.empty()) {
    if (!common.seed) {
      return BadInput("--detect needs --allocation, --request-matrix and --available (or --total), or -s SEED");
    }
    state = RandomDetection(*common.seed, CountOr(options.processes, 5), CountOr(options.resources, 3));
  } else {
    if (options.allocation.empty()) return BadInput("--request-matrix needs --allocation (what each process holds)");
    auto request = ParseMatrix(options.request_matrix, "--request-matrix");
    if (!request.ok()) return request.status();
    auto allocation = ParseMatrix(options.allocation, "--allocation");
    if (!allocation.ok()) return allocation.status();
    const std::size_t m = (*allocation)[0].size();
    auto names = ResourceNames(options, m);
    if (!names.ok()) return names.status();
    auto available = ResolveAvailable(options, *allocation, m, *names);
    if (!available.ok()) return available.status();
    state = {std::move(available).value(), std::move(allocation).value(), std::move(request).value(),
             std::move(names).value()};
  }
  if (state.resource_names.empty()) {
    auto names = ResourceNames(options, state.available.size());
    if (!names.ok()) return names.status();
    state.resource_names = std::move(names).value();
  }
  if (auto error = os::ValidateDetectionState(state)) return BadInput(error->message);
  return state;
}

Result<GraphProblem> BuildGraph(const Options& options, const CommonOptions& common) {
  if (Status sizes = CheckSizes(options, common); !sizes.ok()) return sizes;
  if (!options.max.empty() || !options.request_matrix.empty() || !options.requests.empty()) {
    return BadInput("--graph takes --edges (with --instances) or --wait-for, not matrices or requests");
  }
  if (!options.edges.empty() && !options.wait_for.empty()) return BadInput("give either --edges or --wait-for");
  if (!options.wait_for.empty()) {
    if (!options.instances.empty())
      return BadInput("--instances belongs to --edges (a wait-for graph has no resources)");
    return ParseWaitFor(options.wait_for);
  }
  if (!options.edges.empty()) return ParseResourceGraph(options.edges, options.instances);
  if (!common.seed)
    return BadInput("--graph needs --edges \"P1->R1,R1->P2,...\" or --wait-for \"P1->P2,...\", or -s SEED");
  GraphProblem problem;
  problem.rag = RandomGraph(*common.seed, CountOr(options.processes, 4), CountOr(options.resources, 4));
  return problem;
}

}  // namespace osgrid::sim::deadlock
