// The scenario step `sim:` (see sim_step.h): parse, run side by side, check answers.
#include "sim_step.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "osgrid/client/text.h"
#include "osgrid/sim/sim.h"

namespace osgrid::scenario {

using client::Dim;
using client::Indent;
using client::ShortJson;
using client::Table;

namespace {

constexpr double kAnswerTolerance = 0.01;  // answers are usually given to two decimals
constexpr long kMaxLinesShown = 40;        // longer outputs are summarised (all of it with --verbose)

std::string TopicNames() {
  std::string names;
  for (const sim::Topic& topic : sim::AllTopics()) names += (names.empty() ? "" : ", ") + topic.name;
  return names;
}

/// A relative word naming a file in the scenario's folder becomes that file's path.
void ResolvePaths(std::vector<std::string>& args, const std::string& base_dir) {
  for (std::string& word : args) {
    if (word.empty() || word[0] == '-' || std::filesystem::path(word).is_absolute()) continue;
    std::error_code error;
    const std::filesystem::path there = std::filesystem::path(base_dir) / word;
    if (std::filesystem::is_regular_file(there, error) && !std::filesystem::is_regular_file(word, error)) {
      word = there.string();
    }
  }
}

/// The command line of one run: topic, args, the policy, and -c for the answers.
std::vector<std::string> RunArgs(const SimStep& step, const std::string& policy) {
  std::vector<std::string> args = {step.topic};
  args.insert(args.end(), step.args.begin(), step.args.end());
  if (!policy.empty()) {
    args.push_back(step.policy_flag);
    args.push_back(policy);
  }
  args.push_back("-c");
  return args;
}

std::optional<std::vector<std::string>> ReadArgs(StepParser& parser, const YamlEntry& entry) {
  if (entry.value.IsSequence()) {
    std::vector<std::string> words;
    for (const YAML::Node& item : entry.value) {
      auto word = parser.reader().AsString(YamlEntry{entry.key, item}, "sim step: args");
      if (!word) return std::nullopt;
      words.push_back(*word);
    }
    return words;
  }
  auto text = parser.reader().AsString(entry, "sim step: args");
  if (!text) return std::nullopt;
  auto words = SplitWords(*text);
  if (!words.ok()) {
    parser.reader().Error(entry.value, "sim step: args: " + words.status().message());
    return std::nullopt;
  }
  return *words;
}

std::optional<std::vector<std::string>> ReadPolicies(StepParser& parser, const YamlEntry& entry,
                                                     const sim::Topic& topic) {
  if (topic.policy_flag.empty()) {
    parser.reader().Error(entry.key, "sim step: 'osgrid sim " + topic.name +
                                         "' has no policies to compare; remove 'policies' and put everything in args");
    return std::nullopt;
  }
  if (!entry.value.IsSequence() || entry.value.size() == 0) {
    parser.reader().Error(entry.value,
                          "sim step: policies must be a list such as [FCFS, SJF, RR], got " + DescribeYaml(entry.value),
                          YamlReader::Where(entry.key));
    return std::nullopt;
  }
  std::vector<std::string> policies;
  for (const YAML::Node& item : entry.value) {
    auto policy = parser.reader().AsString(YamlEntry{entry.key, item}, "sim step: policies");
    if (!policy) return std::nullopt;
    policies.push_back(*policy);
  }
  return policies;
}

/// The value at "average.turnaround" or "jobs.0.waiting" in `json`; nullptr if absent.
const Json* Lookup(const Json& json, const std::string& path) {
  const Json* node = &json;
  std::size_t start = 0;
  while (start <= path.size()) {
    const std::size_t dot = std::min(path.find('.', start), path.size());
    const std::string key = path.substr(start, dot - start);
    std::size_t index = 0;
    auto [end, error] = std::from_chars(key.data(), key.data() + key.size(), index);
    bool is_index = !key.empty() && error == std::errc() && end == key.data() + key.size();
    if (node->is_object() && node->contains(key)) {
      node = &(*node)[key];
    } else if (node->is_array() && is_index && index < node->size()) {  // "jobs.0"; a huge index is absent
      node = &(*node)[index];
    } else {
      return nullptr;
    }
    start = dot + 1;
  }
  return node;
}

/// Equality where numbers match within kAnswerTolerance.
bool Close(const Json& expected, const Json& got) {
  if (expected.is_number() && got.is_number()) {
    return std::fabs(expected.get<double>() - got.get<double>()) <= kAnswerTolerance;
  }
  if (expected.is_array() && got.is_array()) {
    if (expected.size() != got.size()) return false;
    for (std::size_t i = 0; i < expected.size(); ++i) {
      if (!Close(expected[i], got[i])) return false;
    }
    return true;
  }
  return expected == got;
}

/// A value for a check line; fractions to at most 4 decimals (56.6667, not 56.666666666666664).
std::string Show(const Json& value) {
  if (!value.is_number_float()) return ShortJson(value);
  char text[64];
  std::snprintf(text, sizeof text, "%.4f", value.get<double>());
  std::string shown = text;
  shown.erase(shown.find_last_not_of('0') + 1);
  if (shown.back() == '.') shown.pop_back();
  return shown;
}

void CheckPaths(const Json& expected, const Json& run, const std::string& prefix, std::vector<Check>& checks) {
  for (auto it = expected.begin(); it != expected.end(); ++it) {
    const std::string what = prefix + it.key();
    const Json* got = Lookup(run, it.key());
    if (got == nullptr) {
      checks.push_back({false, what + ": no such answer in the run's JSON (see docs/sim-json.md)"});
    } else if (Close(*it, *got)) {
      checks.push_back({true, what + ": " + Show(*got)});
    } else {
      checks.push_back({false, what + ": expected " + Show(*it) + ", got " + Show(*got)});
    }
  }
}

/// One run: its whole solved output when that fits on a screen (or with
/// --verbose); else its key figures and compact picture, and how to see all.
void PrintSingleRun(const SimStep& step, const sim::Topic& topic, const sim::Output& output, bool verbose,
                    std::ostream& out) {
  const std::string indent = StepContext::kIndent;
  const auto lines = std::count(output.text.begin(), output.text.end(), '\n');
  if (verbose || lines <= kMaxLinesShown || !topic.summarize) {
    out << Indent(output.text, indent) << "\n";
    return;
  }
  std::vector<std::string> header, row;
  for (const auto& [column, value] : topic.summarize(output.json)) {
    header.push_back(column);
    row.push_back(value);
  }
  Table table(header);
  table.AddRow(row);
  table.Print(out, indent);
  if (topic.brief) out << Indent(topic.brief(output.json), indent) << "\n";
  std::string command = "osgrid sim " + step.topic;
  for (const std::string& arg : step.args) command += " " + arg;
  out << indent << Dim("(" + std::to_string(lines) + " lines of detail: " + command + " -c, or osgrid run --verbose)")
      << "\n";
}

}  // namespace

Result<std::vector<std::string>> SplitWords(const std::string& text) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  char quote = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quote == '\'') {
      if (c == '\'')
        quote = 0;
      else
        word += c;
    } else if (c == '\\' && i + 1 < text.size()) {
      word += text[++i];
      in_word = true;
    } else if (quote == '"') {
      if (c == '"')
        quote = 0;
      else
        word += c;
    } else if (c == '\'' || c == '"') {
      quote = c;
      in_word = true;
    } else if (c == ' ' || c == '\t' || c == '\n') {
      if (in_word) words.push_back(std::move(word));
      word.clear();
      in_word = false;
    } else {
      word += c;
      in_word = true;
    }
  }
  if (quote != 0) return Status::BadRequest(std::string("unterminated ") + (quote == '"' ? "\"" : "'") + " quote");
  if (in_word) words.push_back(std::move(word));
  return words;
}

std::optional<Action> ParseSimStep(StepParser& parser, const YamlEntry& entry) {
  YamlReader& reader = parser.reader();
  auto name = reader.AsString(entry, "sim");
  if (!name) return std::nullopt;
  const sim::Topic* topic = sim::FindTopic(*name);
  if (topic == nullptr) {
    reader.Error(entry.value, "sim: unknown simulation '" + *name + "'; the simulations are: " + TopicNames());
    return std::nullopt;
  }
  SimStep step{*name, {}, {}, topic->policy_flag};
  auto args_entry = reader.Find(parser.step(), "args", "sim step", false);
  auto policies_entry = reader.Find(parser.step(), "policies", "sim step", false);
  if (args_entry) {
    auto args = ReadArgs(parser, *args_entry);
    if (!args) return std::nullopt;
    step.args = std::move(*args);
    ResolvePaths(step.args, parser.base_dir());
  }
  if (policies_entry) {
    auto policies = ReadPolicies(parser, *policies_entry, *topic);
    if (!policies) return std::nullopt;
    step.policies = std::move(*policies);
  }
  // Run it now: a bad flag or input is a problem of the file, found before anything starts.
  const YAML::Node& at = args_entry ? args_entry->value : entry.value;
  std::vector<std::string> runs = step.policies.empty() ? std::vector<std::string>{""} : step.policies;
  for (const std::string& policy : runs) {
    sim::Outcome outcome = sim::RunSim(RunArgs(step, policy));
    if (!outcome.ok()) {
      reader.Error(at, "sim step: " + (policy.empty() ? "" : policy + ": ") + outcome.status().message());
      return std::nullopt;
    }
  }
  return step;
}

StepResult RunSimStep(const SimStep& step, StepContext& context) {
  const sim::Topic* topic = sim::FindTopic(step.topic);
  if (topic == nullptr) return {Status::BadRequest("unknown simulation '" + step.topic + "'"), Json(), {}};
  std::ostream& out = context.out;
  const std::string indent = StepContext::kIndent;
  if (step.policies.empty()) {
    sim::Outcome outcome = sim::RunSim(RunArgs(step, ""));
    if (!outcome.ok()) return {outcome.status(), Json(), {}};
    PrintSingleRun(step, *topic, *outcome, context.verbose, out);
    return {Status::Ok(), outcome->json, {}};
  }
  Json reply = Json::object();
  std::vector<std::vector<std::pair<std::string, std::string>>> rows;
  for (const std::string& policy : step.policies) {
    sim::Outcome outcome = sim::RunSim(RunArgs(step, policy));
    if (!outcome.ok()) return {Status(outcome.status().code(), policy + ": " + outcome.status().message()), Json(), {}};
    if (context.verbose) out << indent << policy << ":\n" << Indent(outcome->text, indent + "  ") << "\n";
    reply[policy] = outcome->json;
    rows.push_back(topic->summarize ? topic->summarize(outcome->json)
                                    : std::vector<std::pair<std::string, std::string>>{});
  }
  std::vector<std::string> header = {"policy"};
  for (const auto& [column, value] : rows.front()) header.push_back(column);
  Table table(header);
  for (std::size_t i = 0; i < step.policies.size(); ++i) {
    std::vector<std::string> row = {step.policies[i]};
    for (const auto& [column, value] : rows[i]) row.push_back(value);
    table.AddRow(row);
  }
  table.Print(out, indent);
  if (topic->brief) {
    for (const std::string& policy : step.policies) {
      const std::string picture = topic->brief(reply[policy]);
      if (picture.empty()) continue;
      out << indent << policy << ":\n" << Indent(picture, indent + "  ") << "\n";
    }
  }
  return {Status::Ok(), reply, {}};
}

std::string DescribeSimStep(const SimStep& step) {
  std::string text = "sim " + step.topic;
  for (const std::string& arg : step.args) text += " " + arg;
  if (!step.policies.empty()) {
    text += " under ";
    for (std::size_t i = 0; i < step.policies.size(); ++i) text += (i ? ", " : "") + step.policies[i];
  }
  return text;
}

std::vector<Check> SimAnswerChecks(const Json& answers, const SimStep& step, const Json& reply) {
  std::vector<Check> checks;
  if (step.policies.empty()) {
    CheckPaths(answers, reply, "", checks);
    return checks;
  }
  for (auto it = answers.begin(); it != answers.end(); ++it) {
    if (!reply.contains(it.key())) {
      checks.push_back({false, "answers: '" + it.key() + "' is not one of this step's policies"});
    } else if (!it->is_object()) {
      checks.push_back({false, "answers: " + it.key() + " must map answers, e.g. {average.waiting: 5}"});
    } else {
      CheckPaths(*it, reply[it.key()], it.key() + " ", checks);
    }
  }
  return checks;
}

}  // namespace osgrid::scenario
