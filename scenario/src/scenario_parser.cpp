// Splitting a step into action and expectation, and the shared field readers
// (see scenario_parser.h). Messages say what is wrong and how to write it.
#include "scenario_parser.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "osgrid/client/text.h"
#include "osgrid/net/requests.h"
#include "osgrid/scenario/cluster.h"

namespace osgrid::scenario {

using client::DidYouMean;

namespace {

constexpr double kMaxSeconds = 3600;
constexpr std::uintmax_t kMaxProgramBytes = 8u << 20;  // a `file:` program, bytes (a task travels in one frame)
constexpr std::size_t kMaxTaskName = 64;               // characters of a task's name (net::DecodeTask)

std::string Quoted(std::string_view text) { return "'" + std::string(text) + "'"; }

std::vector<std::string_view> KindNames(const std::vector<StepKind>& kinds) {
  std::vector<std::string_view> names;
  for (const StepKind& kind : kinds) names.push_back(kind.name);
  return names;
}

std::string Join(const std::vector<std::string_view>& names) {
  std::string joined;
  for (std::string_view name : names) joined += (joined.empty() ? "" : ", ") + std::string(name);
  return joined;
}

std::vector<std::string_view> ErrorCodeNames() {
  std::vector<std::string_view> names;
  for (int code = static_cast<int>(Code::kBadRequest); code <= static_cast<int>(Code::kInternal); ++code) {
    names.push_back(CodeName(static_cast<Code>(code)));
  }
  return names;
}

}  // namespace

// ---- A step: `- <action>: ...` plus an optional `expect:` ----------------------

const StepKind* StepParser::FindKind(const std::vector<StepKind>& kinds, std::string_view name) const {
  auto it = std::find_if(kinds.begin(), kinds.end(), [&](const StepKind& k) { return k.name == name; });
  return it == kinds.end() ? nullptr : &*it;
}

bool StepParser::SplitStep(const YAML::Node& node, const std::vector<StepKind>& kinds, std::optional<YamlEntry>& action,
                           std::optional<YamlEntry>& expect) {
  std::vector<YamlEntry> unknown;
  for (const auto& item : node) {
    YamlEntry entry{item.first, item.second};
    std::string key = item.first.IsScalar() ? item.first.Scalar() : "?";
    if (key == "expect" && !expect) {
      expect.emplace(entry);
    } else if (FindKind(kinds, key) != nullptr && !action) {
      action.emplace(entry);
    } else if (key == "expect" || FindKind(kinds, key) != nullptr) {
      reader_.Error(item.first, "a step has one action and one expect; " + Quoted(key) +
                                    " appears again (start a new step with '- ')");
      return false;
    } else {
      unknown.push_back(entry);
    }
  }
  const StepKind* action_kind = action ? FindKind(kinds, action->key.Scalar()) : nullptr;
  if (action_kind) {                       // keys the kind allows beside its action are not unknown
    std::vector<YamlEntry> still_unknown;  // copied: YamlEntry cannot be assigned (erase_if would)
    for (const YamlEntry& entry : unknown) {
      const std::string key = entry.key.IsScalar() ? entry.key.Scalar() : "?";
      if (std::find(action_kind->step_keys.begin(), action_kind->step_keys.end(), key) ==
          action_kind->step_keys.end()) {
        still_unknown.push_back(entry);
      }
    }
    unknown.swap(still_unknown);
  }
  // Built once for the step, not once per unknown key: a fuzzed step can have hundreds.
  const std::vector<std::string_view> kind_names = KindNames(kinds);
  std::string kind_list;
  auto steps_are = [&]() -> const std::string& {
    if (kind_list.empty()) kind_list = Join(kind_names);
    return kind_list;
  };
  for (const YamlEntry& entry : unknown) {
    std::string key = entry.key.IsScalar() ? entry.key.Scalar() : "?";
    const StepKind* kind = action_kind;
    if (kind && std::find(kind->keys.begin(), kind->keys.end(), key) != kind->keys.end()) {
      reader_.Error(entry.key, Quoted(key) + " belongs to the " + std::string(kind->name) + " step: indent it under '" +
                                   std::string(kind->name) + ":'");
    } else if (action) {
      std::vector<std::string_view> allowed = {"expect"};
      if (kind) allowed.insert(allowed.begin(), kind->step_keys.begin(), kind->step_keys.end());
      std::string hint = DidYouMean(key, allowed);
      std::string shape = kind && !kind->step_keys.empty()
                              ? "; a " + std::string(kind->name) + " step takes " + Join(allowed)
                              : "; a step is one action plus an optional 'expect'";
      reader_.Error(entry.key, "unknown key " + Quoted(key) + " in a step" +
                                   (hint.empty() ? "" : " (did you mean " + Quoted(hint) + "?)") + shape);
    } else {
      std::string hint = DidYouMean(key, kind_names);
      reader_.Error(entry.key, "unknown step type " + Quoted(key) +
                                   (hint.empty() ? "" : " (did you mean " + Quoted(hint) + "?)") +
                                   "; steps are: " + steps_are());
    }
  }
  if (!action && unknown.empty()) {
    reader_.Error(node, "this step has no action; start it with one of: " + steps_are());
  }
  return action && unknown.empty();
}

std::optional<Step> StepParser::ParseStep(const YAML::Node& node, const std::vector<StepKind>& kinds) {
  if (!node.IsMap()) {
    reader_.Error(node, "a step must be a mapping such as `- say: \"hello\"`, got " + DescribeYaml(node));
    return std::nullopt;
  }
  std::optional<YamlEntry> action, expect;
  if (!SplitStep(node, kinds, action, expect)) return std::nullopt;
  step_.reset(node);  // rebinds; YAML::Node::operator= would write the new step into the old one
  const StepKind& kind = *FindKind(kinds, action->key.Scalar());
  std::string what = std::string(kind.name) + " step";
  // With an unknown key, say only that: a typo ("progam") would also make
  // the key it was meant to be look missing.
  if (!kind.keys.empty() && !reader_.CheckMap(action->value, kind.keys, what, YamlReader::Where(action->key))) {
    return std::nullopt;
  }
  Step step{YamlReader::Where(node), std::string(kind.name), SayStep{}, {}};
  auto parsed = kind.parse(*this, *action);
  std::optional<Expectation> expectation = Expectation{};
  if (expect && kind.expect_keys.empty()) {
    reader_.Error(expect->key, "a " + what + " takes no 'expect'");
    expectation.reset();
  } else if (expect) {
    expectation = ParseExpect(*expect, kind);
  }
  if (!parsed || !expectation) return std::nullopt;
  step.action = std::move(*parsed);
  step.expect = std::move(*expectation);
  return step;
}

// ---- expect: -------------------------------------------------------------------

std::optional<Expectation> StepParser::ParseExpect(const YamlEntry& entry, const StepKind& kind) {
  std::string what = "expect of a " + std::string(kind.name) + " step";
  Expectation expect;
  const YAML::Node& node = entry.value;
  if (!node.IsMap()) {
    if (kind.shorthand.empty()) {
      reader_.Error(node, what + " must be a mapping such as {error: NOT_FOUND}; allowed: " + Join(kind.expect_keys),
                    YamlReader::Where(entry.key));
      return std::nullopt;
    }
    if (!SetExpectation(expect, kind.shorthand, entry, kind)) return std::nullopt;
    return expect;
  }
  bool ok = true;
  for (const auto& item : node) {
    std::string key = item.first.IsScalar() ? item.first.Scalar() : "?";
    if (std::find(kind.expect_keys.begin(), kind.expect_keys.end(), key) == kind.expect_keys.end()) {
      std::string hint = DidYouMean(key, kind.expect_keys);
      bool value_like = kind.shorthand == "result" || kind.shorthand == "value";
      reader_.Error(item.first, "unknown expectation " + Quoted(key) + " for a " + std::string(kind.name) + " step" +
                                    (hint.empty() ? "" : " (did you mean " + Quoted(hint) + "?)") +
                                    "; allowed: " + Join(kind.expect_keys) +
                                    (value_like ? ". To expect a mapping as the " + std::string(kind.shorthand) +
                                                      ", write expect: {" + std::string(kind.shorthand) + ": {...}}"
                                                : ""));
      ok = false;
      continue;
    }
    ok = SetExpectation(expect, key, YamlEntry{item.first, item.second}, kind) && ok;
  }
  if (!ok) return std::nullopt;
  return expect;
}

bool StepParser::SetExpectation(Expectation& expect, std::string_view key, const YamlEntry& entry,
                                const StepKind& kind) {
  std::string what = "expect: " + std::string(key);
  auto json = [&]() { return reader_.AsJson(entry.value, YamlReader::Where(entry.key)); };
  auto assign = [](auto& field, auto value) {
    if (value) field = std::move(*value);
    return value.has_value();
  };
  if (key == "result") return assign(expect.result, json());
  if (key == "value") return assign(expect.value, json());
  if (key == "error") return assign(expect.error, ErrorCode(entry, what));
  if (key == "error_contains") return assign(expect.error_contains, reader_.AsString(entry, what));
  if (key == "stdout_contains") return assign(expect.stdout_contains, reader_.AsString(entry, what));
  if (key == "forwarded") return assign(expect.forwarded, reader_.AsBool(entry, what));
  if (key == "spread") return assign(expect.spread, reader_.AsBool(entry, what));
  if (key == "all_ok") return assign(expect.all_ok, reader_.AsBool(entry, what));
  if (key == "ran_on") return assign(expect.ran_on, PeerList(entry, what));
  if (key == "results") {
    auto results = json();
    if (results && !results->is_array()) {
      reader_.Error(entry.value, "expect of a batch step: results must be a list, one value per task",
                    YamlReader::Where(entry.key));
      return false;
    }
    return assign(expect.results, results);
  }
  if (key == "answers") {
    auto answers = json();
    if (answers && !answers->is_object()) {
      reader_.Error(entry.value,
                    "expect of a sim step: answers must be a mapping such as {average.waiting: 5} "
                    "(with policies: {SJF: {average.waiting: 5}})",
                    YamlReader::Where(entry.key));
      return false;
    }
    return assign(expect.answers, answers);
  }
  if (key == "lowest_avg_waiting") return assign(expect.lowest_avg_waiting, PeerValue(entry, what, false));
  if (key == "lowest_avg_turnaround") return assign(expect.lowest_avg_turnaround, PeerValue(entry, what, false));
  if (key == "lowest_avg_response") return assign(expect.lowest_avg_response, PeerValue(entry, what, false));
  if (key == "avg_waiting_ms_below") {
    if (!entry.value.IsMap() || entry.value.size() == 0) {
      reader_.Error(entry.value,
                    what + " must map peers to milliseconds, e.g. {peer-2: 500}, got " + DescribeYaml(entry.value),
                    YamlReader::Where(entry.key));
      return false;
    }
    bool ok = true;
    for (const auto& item : entry.value) {
      auto peer = PeerValue(YamlEntry{item.first, item.first}, what, false);
      auto ms = reader_.AsNumber(YamlEntry{item.first, item.second}, what + ": " + item.first.Scalar());
      if (ms && *ms <= 0) {
        reader_.Error(item.second, what + ": " + item.first.Scalar() + " must be above 0 ms");
        ms.reset();
      }
      if (!peer || !ms) {
        ok = false;
        continue;
      }
      expect.avg_waiting_ms_below[*peer] = *ms;
    }
    return ok;
  }
  if (key == "free_holes" || key == "largest_hole") {
    auto number = reader_.AsInteger(entry, what);
    if (number && *number < 0) {
      reader_.Error(entry.value, what + " must be 0 or more");
      return false;
    }
    return assign(key == "free_holes" ? expect.free_holes : expect.largest_hole, number);
  }
  if (key == "external_fragmentation") {
    auto fraction = reader_.AsNumber(entry, what);
    if (fraction && (*fraction < 0 || *fraction > 1)) {
      reader_.Error(entry.value, what + " must be from 0 (one hole holds all free space) to 1");
      return false;
    }
    return assign(expect.external_fragmentation, fraction);
  }
  if (key == "found") return assign(expect.found, reader_.AsBool(entry, what));
  if (key == "stall") return assign(expect.stall, reader_.AsBool(entry, what));
  if (key == "cycle_length" || key == "victims") {
    const bool cycle = key == "cycle_length";
    auto number = reader_.AsInteger(entry, what);
    if (number && *number < (cycle ? 1 : 0)) {
      reader_.Error(entry.value, cycle ? what +
                                             " must be 1 or more (a task that waits for a Lock it holds is a cycle "
                                             "of 1)"
                                       : what + " must be 0 or more");
      return false;
    }
    return assign(cycle ? expect.cycle_length : expect.victims, number);
  }
  if (key == "count") {
    auto count = reader_.AsInteger(entry, what);
    if (count && *count < 0) {
      reader_.Error(entry.value, what + " must be 0 or more");
      return false;
    }
    if (count) expect.count = static_cast<int>(*count);
    return count.has_value();
  }
  reader_.Error(entry.key, "internal: expectation " + Quoted(key) + " of " + std::string(kind.name) + " has no reader");
  return false;
}

std::optional<std::string> StepParser::ErrorCode(const YamlEntry& entry, std::string_view what) {
  auto text = reader_.AsString(entry, what);
  if (!text) return std::nullopt;
  auto code = CodeFromName(*text);
  if (!code || *code == Code::kOk) {
    std::string hint = DidYouMean(*text, ErrorCodeNames());
    reader_.Error(entry.value, std::string(what) + ": unknown error code " + Quoted(*text) +
                                   (hint.empty() ? "" : " (did you mean " + hint + "?)") +
                                   "; codes are: " + Join(ErrorCodeNames()));
    return std::nullopt;
  }
  return text;
}

// ---- Peers ---------------------------------------------------------------------

std::optional<std::string> StepParser::PeerField(const YAML::Node& map, std::string_view key, std::string_view what) {
  auto entry = reader_.Find(map, key, what, /*required=*/true);
  if (!entry) return std::nullopt;
  return PeerValue(*entry, std::string(what) + ": " + std::string(key), /*allow_tracker=*/false);
}

std::optional<std::string> StepParser::PeerValue(const YamlEntry& entry, std::string_view what, bool allow_tracker) {
  auto name = reader_.AsString(entry, what);
  if (!name) return std::nullopt;
  if (allow_tracker && *name == "tracker") return name;
  for (int index = 1; index <= cluster_.peers; ++index) {
    if (*name == PeerName(index)) return name;
  }
  std::string known = cluster_.peers == 1 ? "peer-1" : "peer-1 .. " + PeerName(cluster_.peers);
  reader_.Error(entry.value, std::string(what) + ": unknown " + (allow_tracker ? "node " : "peer ") + Quoted(*name) +
                                 "; this cluster has " + known + (allow_tracker ? " and the tracker" : ""));
  return std::nullopt;
}

std::optional<std::vector<std::string>> StepParser::PeerList(const YamlEntry& entry, std::string_view what) {
  std::vector<std::string> peers;
  if (!entry.value.IsSequence()) {
    auto peer = PeerValue(entry, what, false);
    if (!peer) return std::nullopt;
    return std::vector<std::string>{*peer};
  }
  for (const YAML::Node& item : entry.value) {
    auto peer = PeerValue(YamlEntry{entry.key, item}, what, false);
    if (!peer) return std::nullopt;
    peers.push_back(*peer);
  }
  if (peers.empty()) reader_.Error(entry.value, std::string(what) + " must name at least one peer");
  return peers.empty() ? std::nullopt : std::optional(peers);
}

// ---- Programs and arguments -------------------------------------------------------

std::optional<std::string> StepParser::Program(const YAML::Node& map, std::string_view what) {
  auto inline_source = reader_.Find(map, "program", what, false);
  auto file = reader_.Find(map, "file", what, false);
  if (inline_source && file) {
    reader_.Error(file->key, std::string(what) + ": give either 'program' or 'file', not both");
    return std::nullopt;
  }
  if (inline_source) return reader_.AsString(*inline_source, std::string(what) + ": program");
  if (!file) {
    reader_.Error(map, std::string(what) + " is missing 'program' (Python source) or 'file' (a .py file)");
    return std::nullopt;
  }
  auto path = reader_.AsString(*file, std::string(what) + ": file");
  if (!path) return std::nullopt;
  std::filesystem::path full = std::filesystem::path(*path).is_absolute() ? *path : base_dir_ + "/" + *path;
  std::error_code ec;
  if (std::filesystem::exists(full, ec) && !std::filesystem::is_regular_file(full, ec)) {
    // /dev/zero or a FIFO would never end; a folder is a typo.
    reader_.Error(file->value, std::string(what) + ": " + Quoted(full.string()) + " is not a regular file");
    return std::nullopt;
  }
  if (auto bytes = std::filesystem::file_size(full, ec); !ec && bytes > kMaxProgramBytes) {
    reader_.Error(file->value, std::string(what) + ": " + Quoted(full.string()) + " is " + std::to_string(bytes) +
                                   " bytes; a program file may have at most " + std::to_string(kMaxProgramBytes));
    return std::nullopt;
  }
  std::ifstream in(full, std::ios::binary);
  if (!in) {
    reader_.Error(file->value,
                  std::string(what) + ": cannot read " + Quoted(full.string()) + ": " + std::strerror(errno));
    return std::nullopt;
  }
  std::ostringstream source;
  source << in.rdbuf();
  return source.str();
}

std::optional<Json> StepParser::ArgList(const YAML::Node& map, std::string_view key, std::string_view what) {
  auto entry = reader_.Find(map, key, what, false);
  if (!entry) return Json::array();
  auto args = reader_.AsJson(entry->value, YamlReader::Where(entry->key));
  if (args && !args->is_array()) {
    reader_.Error(entry->value,
                  std::string(what) + ": " + std::string(key) + " must be a list of arguments such as [12], got " +
                      DescribeYaml(entry->value),
                  YamlReader::Where(entry->key));
    return std::nullopt;
  }
  return args;
}

std::optional<std::vector<Json>> StepParser::EachList(const YAML::Node& map) {
  auto entry = reader_.Find(map, "each", "batch step", true);
  if (!entry) return std::nullopt;
  auto each = reader_.AsJson(entry->value, YamlReader::Where(entry->key));
  if (!each) return std::nullopt;
  bool lists = each->is_array() && !each->empty() &&
               std::all_of(each->begin(), each->end(), [](const Json& args) { return args.is_array(); });
  if (!lists) {
    reader_.Error(entry->value,
                  "batch step: each must be a non-empty list with one argument list per "
                  "task, e.g. [[1], [2], [3]]; got " +
                      DescribeYaml(entry->value),
                  YamlReader::Where(entry->key));
    return std::nullopt;
  }
  return std::vector<Json>(each->begin(), each->end());
}

std::optional<std::vector<BatchTask>> StepParser::BatchTasks(const YAML::Node& map, const TaskSched& sched,
                                                             const Claims& claims) {
  auto each_entry = reader_.Find(map, "each", "batch step", false);
  auto tasks_entry = reader_.Find(map, "tasks", "batch step", false);
  if (each_entry && tasks_entry) {
    reader_.Error(tasks_entry->key,
                  "batch step: give either 'each' (one argument list per task) or 'tasks' (one mapping per task), "
                  "not both");
    return std::nullopt;
  }
  std::vector<BatchTask> tasks;
  if (!tasks_entry) {
    if (!each_entry) {
      reader_.Error(map,
                    "batch step is missing 'each' (one argument list per task, e.g. [[1], [2]]) or 'tasks' "
                    "(one mapping per task, e.g. [{args: [1], name: A}])");
      return std::nullopt;
    }
    auto each = EachList(map);
    if (!each) return std::nullopt;
    for (Json& args : *each) tasks.push_back(BatchTask{std::move(args), sched, claims});
    return tasks;
  }
  const YAML::Node& list = tasks_entry->value;
  if (!list.IsSequence() || list.size() == 0) {
    reader_.Error(list,
                  "batch step: tasks must be a non-empty list with one mapping per task, e.g. "
                  "[{args: [400], name: A, burst_ms: 400}]; got " +
                      DescribeYaml(list),
                  YamlReader::Where(tasks_entry->key));
    return std::nullopt;
  }
  bool ok = true;
  std::size_t index = 0;
  for (const YAML::Node& item : list) {
    const std::string what = "batch step: tasks[" + std::to_string(index++) + "]";
    if (!reader_.CheckMap(item, {"args", "name", "priority", "burst_ms", "tickets", "claims"}, what,
                          YamlReader::Where(tasks_entry->key))) {
      ok = false;
      continue;
    }
    auto args = ArgList(item, "args", what);
    auto own = SchedFields(item, what, sched);
    auto own_claims = ClaimsField(item, what, claims);
    if (!args || !own || !own_claims) {
      ok = false;
      continue;
    }
    tasks.push_back(BatchTask{std::move(*args), std::move(*own), std::move(*own_claims)});
  }
  if (!ok) return std::nullopt;
  return tasks;
}

std::optional<TaskSched> StepParser::SchedFields(const YAML::Node& map, std::string_view what, TaskSched defaults) {
  TaskSched sched = std::move(defaults);
  bool ok = true;
  const std::string prefix = std::string(what) + ": ";
  if (auto entry = reader_.Find(map, "priority", what, false)) {
    // An integer, or text: "high", "medium", "low" or an integer written as text (quoted).
    const Json value = entry->value.IsScalar() ? ScalarToJson(entry->value) : Json();
    std::optional<int> priority;
    if (value.is_number_integer() && std::llabs(value.get<long long>()) <= net::kMaxPriority) {
      priority = static_cast<int>(value.get<long long>());
    } else if (value.is_string()) {
      if (auto parsed = net::ParsePriority(value.get<std::string>()); parsed.ok()) priority = *parsed;
    }
    if (priority) {
      sched.priority = *priority;
    } else {
      reader_.Error(entry->value,
                    prefix + "priority must be high, medium, low (0, 1, 2) or a whole number from -" +
                        std::to_string(net::kMaxPriority) + " to " + std::to_string(net::kMaxPriority) +
                        "; lower is more urgent; got " + DescribeYaml(entry->value),
                    YamlReader::Where(entry->key));
      ok = false;
    }
  }
  auto in_range = [&](const char* key, long long low, long long high, std::optional<std::int64_t>& out) {
    auto value = reader_.Integer(map, key, what, false);
    if (!value) {
      ok = ok && !reader_.Find(map, key, what, false);  // absent is fine, wrong is not
      return;
    }
    if (*value < low || *value > high) {
      reader_.Error(reader_.Find(map, key, what, false)->value,
                    prefix + key + " must be from " + std::to_string(low) + " to " + std::to_string(high));
      ok = false;
      return;
    }
    out = *value;
  };
  in_range("burst_ms", 0, net::kMaxTaskTimeoutMs, sched.burst_ms);
  in_range("tickets", 1, net::kMaxTickets, sched.tickets);
  if (auto entry = reader_.Find(map, "name", what, false)) {
    auto name = reader_.AsString(*entry, prefix + "name");
    if (name && (name->empty() || name->size() > kMaxTaskName)) {
      reader_.Error(entry->value, prefix + "name must be 1 to " + std::to_string(kMaxTaskName) + " characters");
      name.reset();
    }
    if (name) {
      sched.name = *name;
    } else {
      ok = false;
    }
  }
  if (!ok) return std::nullopt;
  return sched;
}

std::optional<Claims> StepParser::ClaimsField(const YAML::Node& map, std::string_view what, Claims defaults) {
  auto entry = reader_.Find(map, "claims", what, false);
  if (!entry) return defaults;
  const std::string prefix = std::string(what) + ": ";
  auto claims = reader_.AsJson(entry->value, YamlReader::Where(entry->key));
  if (!claims) return std::nullopt;
  if (!claims->is_object()) {
    reader_.Error(entry->value,
                  prefix + "claims must map cluster objects to counts, e.g. {fork-1: 1, printers: 2}; got " +
                      DescribeYaml(entry->value),
                  YamlReader::Where(entry->key));
    return std::nullopt;
  }
  auto decoded = net::DecodeClaims(*claims);
  if (decoded.ok()) return std::move(decoded).value();
  // Point at the claim that is wrong when one alone is (a name, a count),
  // else at the whole mapping (none, or too many).
  YAML::Node at = entry->value;
  if (entry->value.IsMap()) {
    for (const auto& item : entry->value) {
      const std::string name = item.first.IsScalar() ? item.first.Scalar() : "";
      const auto one = claims->find(name);
      if (one == claims->end() || net::DecodeClaims(Json{{name, *one}}).ok()) continue;
      const bool bad_name = !net::DecodeClaims(Json{{name, 1}}).ok();
      at.reset(bad_name ? item.first : item.second);  // rebinds; operator= would write into the tree
      break;
    }
  }
  reader_.Error(at, prefix + decoded.status().message(), YamlReader::Where(entry->key));
  return std::nullopt;
}

// ---- Seconds ---------------------------------------------------------------------

std::optional<double> StepParser::Seconds(const YamlEntry& entry, std::string_view what, bool allow_zero) {
  auto seconds = reader_.AsNumber(entry, what);
  if (!seconds) return std::nullopt;
  bool too_small = allow_zero ? *seconds < 0 : *seconds <= 0;
  if (too_small || *seconds > kMaxSeconds) {
    reader_.Error(entry.value, std::string(what) + " must be a number of seconds " +
                                   (allow_zero ? "from 0" : "above 0") + " up to 3600");
    return std::nullopt;
  }
  return seconds;
}

std::optional<double> StepParser::OptionalSeconds(const YAML::Node& map, std::string_view key, std::string_view what) {
  auto entry = reader_.Find(map, key, what, false);
  if (!entry) return std::nullopt;
  return Seconds(*entry, std::string(what) + ": " + std::string(key), /*allow_zero=*/false);
}

}  // namespace osgrid::scenario
