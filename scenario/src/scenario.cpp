// The scenario schema (docs/scenarios.md): the top-level keys, the `cluster:`
// section, and a table of step kinds, each with its keys, the expectations it
// accepts and its parse function. What steps share (splitting a step, `expect:`,
// peer references) is in scenario_parser.cpp.
#include "osgrid/scenario/scenario.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "gantt_step.h"
#include "osgrid/client/text.h"
#include "osgrid/net/requests.h"
#include "osgrid/os/sched/sched_policies.h"
#include "scenario_parser.h"
#include "sim_step.h"

namespace osgrid::scenario {
namespace {

constexpr int kMaxPeers = 32;
constexpr int kMaxCores = 64;
constexpr double kMaxFileMb = 1024;
constexpr std::size_t kMaxObjectName = 128;  // characters of a cluster object's name (docs/sync.md)

/// The tracker's --deadlock modes (osgrid-tracker --help, docs/sync.md).
const std::vector<std::string_view> kDeadlockModes = {"detect", "recover", "avoid"};

/// A --deadlock mode, checked against kDeadlockModes; nullopt (recorded) if
/// unknown. `what` starts the message: "cluster: deadlock", "deadlock step: mode".
std::optional<std::string> DeadlockModeName(YamlReader& reader, const YamlEntry& entry, const std::string& what) {
  auto name = reader.AsString(entry, what);
  if (!name) return std::nullopt;
  if (std::find(kDeadlockModes.begin(), kDeadlockModes.end(), *name) != kDeadlockModes.end()) return name;
  const std::string hint = client::DidYouMean(*name, kDeadlockModes);
  reader.Error(entry.value, what + ": unknown deadlock mode '" + *name + "'" +
                                (hint.empty() ? "" : " (did you mean '" + hint + "'?)") +
                                ": use one of detect, recover, avoid");
  return std::nullopt;
}

// ---- Step parse functions (one per kind) --------------------------------------

std::optional<Action> ParseSay(StepParser& parser, const YamlEntry& entry) {
  auto text = parser.reader().AsString(entry, "say");
  if (!text) return std::nullopt;
  return SayStep{*text};
}

std::optional<Action> ParseSleep(StepParser& parser, const YamlEntry& entry) {
  auto seconds = parser.Seconds(entry, "sleep", /*allow_zero=*/true);
  if (!seconds) return std::nullopt;
  return SleepStep{*seconds};
}

std::optional<Action> ParseCpu(StepParser& parser, const YamlEntry& entry) {
  CpuStep step;
  const YAML::Node& map = entry.value;
  auto on = parser.PeerField(map, "on", "cpu step");
  auto program = parser.Program(map, "cpu step");
  auto function = parser.reader().String(map, "function", "cpu step", false);
  auto args = parser.ArgList(map, "args", "cpu step");
  auto confidential = parser.reader().Bool(map, "confidential", "cpu step", false);
  step.timeout_s = parser.OptionalSeconds(map, "timeout", "cpu step");
  step.cpu_limit_s = parser.OptionalSeconds(map, "cpu_limit", "cpu step");
  auto sched = parser.SchedFields(map, "cpu step");
  auto claims = parser.ClaimsField(map, "cpu step");
  if (!on || !program || !args || !sched || !claims) return std::nullopt;
  step.on = *on;
  step.task = TaskSpec{*program, function.value_or("main"), *args, std::move(*sched), std::move(*claims)};
  step.confidential = confidential.value_or(false);
  return step;
}

std::optional<Action> ParseBatch(StepParser& parser, const YamlEntry& entry) {
  BatchStep step;
  const YAML::Node& map = entry.value;
  auto on = parser.PeerField(map, "on", "batch step");
  auto program = parser.Program(map, "batch step");
  auto function = parser.reader().String(map, "function", "batch step", false);
  auto sched = parser.SchedFields(map, "batch step");   // every task's, unless it has its own
  auto claims = parser.ClaimsField(map, "batch step");  // the same
  auto tasks = parser.BatchTasks(map, sched.value_or(TaskSched{}), claims.value_or(Claims{}));
  auto confidential = parser.reader().Bool(map, "confidential", "batch step", false);
  step.timeout_s = parser.OptionalSeconds(map, "timeout", "batch step");
  step.cpu_limit_s = parser.OptionalSeconds(map, "cpu_limit", "batch step");
  if (!on || !program || !sched || !claims || !tasks) return std::nullopt;
  step.on = *on;
  step.program = *program;
  step.function = function.value_or("main");
  step.tasks = std::move(*tasks);
  step.confidential = confidential.value_or(false);
  return step;
}

std::optional<Action> ParseMemSet(StepParser& parser, const YamlEntry& entry) {
  auto on = parser.PeerField(entry.value, "on", "mem_set step");
  auto key = parser.reader().String(entry.value, "key", "mem_set step", true);
  auto value = parser.reader().AnyValue(entry.value, "value", "mem_set step", true);
  if (value && value->is_null()) {
    parser.reader().Error(entry.value, "mem_set step: value is empty; give a value to store");
    return std::nullopt;
  }
  if (!on || !key || !value) return std::nullopt;
  return MemSetStep{*on, *key, *value};
}

// mem_get, mem_del, file_get and file_rm: {on, <field>}.
template <class StepType>
std::optional<Action> ParseOnAnd(StepParser& parser, const YamlEntry& entry, const char* field) {
  std::string what = entry.key.Scalar() + " step";
  auto on = parser.PeerField(entry.value, "on", what);
  auto text = parser.reader().String(entry.value, field, what, true);
  if (!on || !text) return std::nullopt;
  return StepType{*on, *text};
}

std::optional<Action> ParseMemGet(StepParser& p, const YamlEntry& e) { return ParseOnAnd<MemGetStep>(p, e, "key"); }
std::optional<Action> ParseMemDel(StepParser& p, const YamlEntry& e) { return ParseOnAnd<MemDelStep>(p, e, "key"); }
std::optional<Action> ParseFileGet(StepParser& p, const YamlEntry& e) { return ParseOnAnd<FileGetStep>(p, e, "name"); }
std::optional<Action> ParseFileRm(StepParser& p, const YamlEntry& e) { return ParseOnAnd<FileRmStep>(p, e, "name"); }

// mem_map and mem_compact: {on}.
template <class StepType>
std::optional<Action> ParseOn(StepParser& parser, const YamlEntry& entry) {
  auto on = parser.PeerField(entry.value, "on", entry.key.Scalar() + " step");
  if (!on) return std::nullopt;
  return StepType{*on};
}

std::optional<Action> ParseMemMap(StepParser& p, const YamlEntry& e) { return ParseOn<MemMapStep>(p, e); }
std::optional<Action> ParseMemCompact(StepParser& p, const YamlEntry& e) { return ParseOn<MemCompactStep>(p, e); }

std::optional<Action> ParseFilePut(StepParser& parser, const YamlEntry& entry) {
  auto on = parser.PeerField(entry.value, "on", "file_put step");
  auto name = parser.reader().String(entry.value, "name", "file_put step", true);
  auto size = parser.reader().Find(entry.value, "size_mb", "file_put step", true);
  auto size_mb = size ? parser.reader().AsNumber(*size, "file_put step: size_mb") : std::nullopt;
  if (size_mb && (*size_mb <= 0 || *size_mb > kMaxFileMb)) {
    parser.reader().Error(size->value, "file_put step: size_mb must be more than 0 and at most " +
                                           std::to_string(static_cast<int>(kMaxFileMb)));
    return std::nullopt;
  }
  if (!on || !name || !size_mb) return std::nullopt;
  return FilePutStep{*on, *name, *size_mb};
}

std::optional<Action> ParseKillPeer(StepParser& parser, const YamlEntry& entry) {
  auto peer = parser.PeerValue(entry, "kill_peer", /*allow_tracker=*/false);
  if (!peer) return std::nullopt;
  return KillPeerStep{*peer};
}

std::optional<Action> ParseWaitDead(StepParser& parser, const YamlEntry& entry) {
  auto peer = parser.PeerField(entry.value, "peer", "wait_dead step");
  auto within = parser.reader().Find(entry.value, "within", "wait_dead step", true);
  auto seconds = within ? parser.Seconds(*within, "wait_dead step: within", false) : std::nullopt;
  if (!peer || !seconds) return std::nullopt;
  return WaitDeadStep{*peer, *seconds};
}

std::optional<Action> ParseStatus(StepParser& parser, const YamlEntry& entry) {
  auto on = parser.PeerValue(entry, "status", /*allow_tracker=*/true);
  if (!on) return std::nullopt;
  return StatusStep{*on};
}

std::optional<Action> ParseListPeers(StepParser& parser, const YamlEntry& entry) {
  bool empty = entry.value.IsNull() || (entry.value.IsMap() && entry.value.size() == 0);
  if (!empty) {
    parser.reader().Error(entry.value, "list_peers takes no settings; write `- list_peers: {}`",
                          YamlReader::Where(entry.key));
    return std::nullopt;
  }
  return ListPeersStep{};
}

// deadlock: {} | {mode: recover} | {name: fork-1} (the mapping's keys are checked already).
std::optional<Action> ParseDeadlock(StepParser& parser, const YamlEntry& entry) {
  YamlReader& reader = parser.reader();
  DeadlockStep step;
  bool ok = true;
  if (auto mode = reader.Find(entry.value, "mode", "deadlock step", false)) {
    auto name = DeadlockModeName(reader, *mode, "deadlock step: mode");
    ok = name.has_value();
    step.mode = name.value_or("");
  }
  if (auto name_entry = reader.Find(entry.value, "name", "deadlock step", false)) {
    auto name = reader.AsString(*name_entry, "deadlock step: name");
    const bool printable =
        name && std::all_of(name->begin(), name->end(), [](unsigned char c) { return c >= 0x20 && c < 0x7f; });
    if (name && (name->empty() || name->size() > kMaxObjectName || !printable)) {
      reader.Error(name_entry->value, "deadlock step: name must be a cluster object's name, 1 to " +
                                          std::to_string(kMaxObjectName) + " printable characters");
      name.reset();
    }
    ok = ok && name.has_value();
    step.name = name.value_or("");
  }
  if (!ok) return std::nullopt;
  return step;
}

// The step table. `keys` is empty for kinds whose value is not a mapping.
const std::vector<StepKind>& StepKinds() {
  static const std::vector<StepKind> kinds = {
      {"say", {}, {}, "", ParseSay},
      {"sleep", {}, {}, "", ParseSleep},
      {"cpu",
       {"on", "program", "file", "function", "args", "confidential", "timeout", "cpu_limit", "priority", "burst_ms",
        "tickets", "name", "claims"},
       {"result", "error", "error_contains", "ran_on", "forwarded", "stdout_contains"},
       "result",
       ParseCpu},
      {"batch",
       {"on", "program", "file", "function", "each", "tasks", "confidential", "timeout", "cpu_limit", "priority",
        "burst_ms", "tickets", "name", "claims"},
       {"results", "error", "error_contains", "ran_on", "spread", "all_ok"},
       "results",
       ParseBatch},
      {"mem_set", {"on", "key", "value"}, {"error", "error_contains"}, "", ParseMemSet},
      {"mem_get", {"on", "key"}, {"value", "error", "error_contains"}, "value", ParseMemGet},
      {"mem_del", {"on", "key"}, {"error", "error_contains"}, "", ParseMemDel},
      {"mem_map",
       {"on"},
       {"free_holes", "largest_hole", "external_fragmentation", "error", "error_contains"},
       "",
       ParseMemMap},
      {"mem_compact", {"on"}, {"error", "error_contains"}, "", ParseMemCompact},
      {"file_put", {"on", "name", "size_mb"}, {"error", "error_contains"}, "", ParseFilePut},
      {"file_get", {"on", "name"}, {"error", "error_contains"}, "", ParseFileGet},
      {"file_rm", {"on", "name"}, {"error", "error_contains"}, "", ParseFileRm},
      {"kill_peer", {}, {}, "", ParseKillPeer},
      {"wait_dead", {"peer", "within"}, {}, "", ParseWaitDead},
      {"status", {}, {"error", "error_contains"}, "", ParseStatus},
      {"list_peers", {}, {"count", "error", "error_contains"}, "count", ParseListPeers},
      {"gantt",
       {"peers"},
       {"lowest_avg_waiting", "lowest_avg_turnaround", "lowest_avg_response", "avg_waiting_ms_below", "error",
        "error_contains"},
       "",
       ParseGanttStep},
      {"sim", {}, {"answers"}, "", ParseSimStep, {"args", "policies"}},
      {"deadlock",
       {"mode", "name"},
       {"found", "cycle_length", "victims", "stall", "error", "error_contains"},
       "",
       ParseDeadlock},
  };
  return kinds;
}

// ---- cluster: ------------------------------------------------------------------

constexpr long long kMaxMs = net::kMaxTaskTimeoutMs;  // the longest quantum, aging step or boost period
constexpr long long kMaxMlfqQueues = 100;             // as os::MlfqQueue
constexpr long long kMaxMlfqAllotment = 1'000'000;

std::string Lower(std::string_view text) {
  std::string lower(text);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower;
}

/// The policies' names as osgrid-peer's --scheduler lists them: "fcfs, sjf, ..., stride".
std::string PolicyNames(bool (*which)(const os::SchedPolicyInfo&) = nullptr) {
  std::string names;
  for (const os::SchedPolicyInfo& row : os::SchedPolicies()) {
    if (which == nullptr || which(row)) names += (names.empty() ? "" : ", ") + Lower(row.name);
  }
  return names;
}

bool IsSliced(const os::SchedPolicyInfo& row) { return row.sliced; }
bool IsPriority(const os::SchedPolicyInfo& row) { return row.name == "PRIORITY" || row.name == "PRIORITY-P"; }
bool IsMlfq(const os::SchedPolicyInfo& row) { return row.name == "MLFQ"; }

/// One policy name of `scheduler:`, checked against os::FindSchedPolicy.
const os::SchedPolicyInfo* PolicyName(YamlReader& reader, const YamlEntry& entry) {
  auto name = reader.AsString(entry, "cluster: scheduler");
  if (!name) return nullptr;
  if (const os::SchedPolicyInfo* info = os::FindSchedPolicy(*name)) return info;
  std::vector<std::string> lowered;
  for (const os::SchedPolicyInfo& row : os::SchedPolicies()) {
    lowered.push_back(Lower(row.name));
    for (std::string_view alias : row.aliases) lowered.push_back(Lower(alias));
  }
  const std::string hint = client::DidYouMean(Lower(*name), {lowered.begin(), lowered.end()});
  reader.Error(entry.value, "cluster: scheduler: unknown policy '" + *name + "'" +
                                (hint.empty() ? "" : " (did you mean '" + hint + "'?)") +
                                "; the policies are: " + PolicyNames());
  return nullptr;
}

/// `scheduler:` -- one name for every peer, or a list of one per peer.
std::vector<const os::SchedPolicyInfo*> ParseScheduler(YamlReader& reader, const YAML::Node& map, bool peers_known,
                                                       ClusterSpec& cluster) {
  std::vector<const os::SchedPolicyInfo*> policies;
  auto entry = reader.Find(map, "scheduler", "cluster", false);
  if (!entry) return policies;
  if (!entry->value.IsSequence()) {
    if (const os::SchedPolicyInfo* info = PolicyName(reader, *entry)) {
      cluster.scheduler = {entry->value.Scalar()};
      policies.push_back(info);
    }
    return policies;
  }
  bool ok = true;
  std::vector<std::string> names;
  for (const YAML::Node& item : entry->value) {
    const os::SchedPolicyInfo* info = PolicyName(reader, YamlEntry{entry->key, item});
    ok = ok && info != nullptr;
    if (info != nullptr) {
      names.push_back(item.Scalar());
      policies.push_back(info);
    }
  }
  if (!ok) return {};
  if (peers_known && static_cast<int>(names.size()) != cluster.peers) {
    reader.Error(entry->value,
                 "cluster: scheduler lists " + std::to_string(names.size()) +
                     (names.size() == 1 ? " policy" : " policies") + " for " + std::to_string(cluster.peers) +
                     (cluster.peers == 1 ? " peer" : " peers") +
                     "; give one per peer (peer-1 first), or a single name for every peer",
                 YamlReader::Where(entry->key));
    return {};
  }
  cluster.scheduler = std::move(names);
  return policies;
}

/// `mlfq_quantum:` or `mlfq_allotment:` -- one whole number (every queue) or a list, top queue first.
void ParseMsList(YamlReader& reader, const YAML::Node& map, const char* key, long long high,
                 std::vector<std::int64_t>& out) {
  auto entry = reader.Find(map, key, "cluster", false);
  if (!entry) return;
  const std::string what = std::string("cluster: ") + key;
  std::vector<YAML::Node> items;
  if (entry->value.IsSequence()) {
    for (const YAML::Node& item : entry->value) items.push_back(item);
    if (items.empty()) reader.Error(entry->value, what + " must list at least one value, top queue first");
  } else {
    items.push_back(entry->value);
  }
  std::vector<std::int64_t> values;
  for (const YAML::Node& item : items) {
    auto value = reader.AsInteger(YamlEntry{entry->key, item}, what);
    if (!value) return;
    if (*value < 1 || *value > high) {
      reader.Error(item, what + ": each value must be from 1 to " + std::to_string(high));
      return;
    }
    values.push_back(*value);
  }
  out = std::move(values);
}

/// One name of `allocator:` (first|best|worst|next|buddy), as osgrid-peer
/// takes it; buddy needs a power-of-two arena. nullopt (recorded) if wrong.
std::optional<std::string> AllocatorName(YamlReader& reader, const YamlEntry& entry, std::int64_t arena) {
  auto name = reader.AsString(entry, "cluster: allocator");
  if (!name) return std::nullopt;
  const std::vector<std::string> names = {"first", "best", "worst", "next", "buddy"};
  if (std::find(names.begin(), names.end(), *name) == names.end()) {
    reader.Error(entry.value, "cluster: unknown allocator '" + *name + "': use one of first, best, worst, next, buddy");
    return std::nullopt;
  }
  if (*name == "buddy" && (arena & (arena - 1)) != 0) {
    reader.Error(entry.value, "cluster: allocator buddy needs a power-of-two mem_arena, got " + std::to_string(arena));
    return std::nullopt;
  }
  return name;
}

/// `allocator:` -- one name for every peer, or a list of one per peer (peer-1 first).
void ParseAllocator(YamlReader& reader, const YAML::Node& map, bool peers_known, ClusterSpec& cluster) {
  auto entry = reader.Find(map, "allocator", "cluster", false);
  if (!entry) return;
  const std::int64_t arena = cluster.mem_arena_bytes.value_or(64ll << 20);
  std::vector<YAML::Node> items;
  if (entry->value.IsSequence()) {
    for (const YAML::Node& item : entry->value) items.push_back(item);
  } else {
    items.push_back(entry->value);
  }
  std::vector<std::string> names;
  for (const YAML::Node& item : items) {
    auto name = AllocatorName(reader, YamlEntry{entry->key, item}, arena);
    if (!name) return;
    names.push_back(*name);
  }
  if (entry->value.IsSequence() && peers_known && static_cast<int>(names.size()) != cluster.peers) {
    reader.Error(entry->value,
                 "cluster: allocator lists " + std::to_string(names.size()) +
                     (names.size() == 1 ? " allocator" : " allocators") + " for " + std::to_string(cluster.peers) +
                     (cluster.peers == 1 ? " peer" : " peers") +
                     "; give one per peer (peer-1 first), or a single name for every peer",
                 YamlReader::Where(entry->key));
    return;
  }
  cluster.allocator = std::move(names);
}

/// The peers' memory: mem_arena (bytes, 32 to 2^40) and allocator, as
/// osgrid-peer takes them.
void ParseMemory(YamlReader& reader, const YAML::Node& map, bool peers_known, ClusterSpec& cluster) {
  if (auto arena = reader.Integer(map, "mem_arena", "cluster", false)) {
    if (*arena < 32 || *arena > (1ll << 40)) {
      reader.Error(reader.Find(map, "mem_arena", "", false)->value,
                   "cluster: mem_arena must be from 32 bytes (one block) to 2^40 bytes");
    } else {
      cluster.mem_arena_bytes = *arena;
    }
  }
  ParseAllocator(reader, map, peers_known, cluster);
}

void ParseCluster(YamlReader& reader, StepParser& parser, const YAML::Node& root, ClusterSpec& cluster) {
  auto entry = reader.Find(root, "cluster", "scenario", false);
  if (!entry) return;
  const YAML::Node& map = entry->value;
  if (!reader.CheckMap(
          map,
          {"peers", "cores", "heartbeat_interval", "peer_timeout", "start_timeout", "scheduler", "quantum", "aging",
           "mlfq_queues", "mlfq_quantum", "mlfq_allotment", "mlfq_boost", "mem_arena", "allocator", "deadlock"},
          "cluster", YamlReader::Where(entry->key))) {
    return;
  }
  auto in_range = [&](const char* key, long long low, long long high, auto& out) {
    auto value = reader.Integer(map, key, "cluster", false);
    if (!value) return !reader.Find(map, key, "", false);  // absent is fine
    if (*value < low || *value > high) {
      reader.Error(reader.Find(map, key, "", false)->value, std::string("cluster: ") + key + " must be from " +
                                                                std::to_string(low) + " to " + std::to_string(high));
      return false;
    }
    out = static_cast<std::remove_reference_t<decltype(out)>>(*value);
    return true;
  };
  const bool peers_known = in_range("peers", 1, kMaxPeers, cluster.peers);
  in_range("cores", 1, kMaxCores, cluster.cores);
  auto seconds = [&](const char* key, double& out) { out = parser.OptionalSeconds(map, key, "cluster").value_or(out); };
  seconds("heartbeat_interval", cluster.heartbeat_interval_s);
  seconds("peer_timeout", cluster.peer_timeout_s);
  seconds("start_timeout", cluster.start_timeout_s);
  if (cluster.peer_timeout_s <= cluster.heartbeat_interval_s) {
    reader.Error(map,
                 "cluster: peer_timeout must be longer than heartbeat_interval, "
                 "or the tracker drops live peers between two heartbeats");
  }

  // Scheduling: the peers' --scheduler and its knobs, in ms.
  const std::vector<const os::SchedPolicyInfo*> policies = ParseScheduler(reader, map, peers_known, cluster);
  in_range("quantum", 1, kMaxMs, cluster.quantum_ms);
  in_range("aging", 0, kMaxMs, cluster.aging_ms);
  in_range("mlfq_queues", 1, kMaxMlfqQueues, cluster.mlfq_queues);
  ParseMsList(reader, map, "mlfq_quantum", kMaxMs, cluster.mlfq_quantum_ms);
  ParseMsList(reader, map, "mlfq_allotment", kMaxMlfqAllotment, cluster.mlfq_allotment);
  in_range("mlfq_boost", 0, kMaxMs, cluster.mlfq_boost_ms);
  // A knob no peer's policy uses is a mistake (the wrong policy, or a leftover):
  // say so now rather than let the demo show something else.
  auto any = [&](bool (*which)(const os::SchedPolicyInfo&)) {
    return std::any_of(policies.begin(), policies.end(), [&](const os::SchedPolicyInfo* p) { return which(*p); });
  };
  const bool scheduler_refused = policies.empty() && reader.Find(map, "scheduler", "cluster", false);
  auto unused = [&](const char* key, bool (*which)(const os::SchedPolicyInfo&)) {
    auto knob = reader.Find(map, key, "cluster", false);
    if (!knob || any(which) || scheduler_refused) return;  // a refused scheduler was reported already
    reader.Error(knob->key, std::string("cluster: ") + key + " is set, but no peer's scheduler uses it; " +
                                "it is for " + PolicyNames(which) +
                                (policies.empty() ? " (set 'scheduler'; the peers' default is fcfs)" : ""));
  };
  unused("quantum", IsSliced);
  unused("aging", IsPriority);
  for (const char* key : {"mlfq_queues", "mlfq_quantum", "mlfq_allotment", "mlfq_boost"}) unused(key, IsMlfq);
  ParseMemory(reader, map, peers_known, cluster);
  if (auto deadlock = reader.Find(map, "deadlock", "cluster", false)) {
    cluster.deadlock = DeadlockModeName(reader, *deadlock, "cluster: deadlock").value_or("");
  }
  // MLFQ's lists against each other, as osgrid-peer reads them: one value applies to every queue.
  const std::size_t quanta = cluster.mlfq_quantum_ms.size();
  if (cluster.mlfq_queues && quanta > 1 && static_cast<std::size_t>(*cluster.mlfq_queues) != quanta) {
    reader.Error(reader.Find(map, "mlfq_quantum", "", false)->value,
                 "cluster: mlfq_quantum lists " + std::to_string(quanta) + " quanta, but mlfq_queues is " +
                     std::to_string(*cluster.mlfq_queues) + "; give one per queue, or one for all");
  }
  const std::size_t queues = quanta > 1 ? quanta : static_cast<std::size_t>(cluster.mlfq_queues.value_or(3));
  const std::size_t allotments = cluster.mlfq_allotment.size();
  if (allotments > 1 && allotments != queues) {
    reader.Error(reader.Find(map, "mlfq_allotment", "", false)->value,
                 "cluster: mlfq_allotment lists " + std::to_string(allotments) + " allotments for " +
                     std::to_string(queues) + " queues; give one per queue, or one for all");
  }
}

// ---- Top level ----------------------------------------------------------------

void ParseSteps(YamlReader& reader, StepParser& parser, const YAML::Node& root, Scenario& scenario) {
  auto entry = reader.Find(root, "steps", "scenario", true);
  if (!entry) return;
  if (!entry->value.IsSequence() || entry->value.size() == 0) {
    reader.Error(entry->value,
                 "steps must be a list of steps (lines starting with '- '), got " + DescribeYaml(entry->value),
                 YamlReader::Where(entry->key));
    return;
  }
  // A step repeated through an alias (`- *a`) is the same node: if it was
  // refused once, its problems are already recorded at its anchor's lines.
  // (An alias's Mark is its anchor's, so refused steps are found by position.)
  std::unordered_map<int, std::vector<YAML::Node>> refused;
  for (const YAML::Node& node : entry->value) {
    std::vector<YAML::Node>& here = refused[node.Mark().pos];
    if (std::any_of(here.begin(), here.end(), [&](const YAML::Node& r) { return r.is(node); })) continue;
    if (auto step = parser.ParseStep(node, StepKinds())) {
      scenario.steps.push_back(std::move(*step));
    } else {
      here.push_back(node);
    }
  }
}

Result<Scenario> Failed(const YamlReader& reader) {
  std::vector<std::string> errors = reader.Errors();
  std::string all;
  for (const std::string& line : errors) all += line + "\n";
  return Status(Code::kBadRequest, errors.front(), all);
}

}  // namespace

int Expectation::CheckCount() const {
  return static_cast<int>(error.has_value()) + static_cast<int>(error_contains.has_value()) +
         static_cast<int>(result.has_value()) + static_cast<int>(value.has_value()) +
         static_cast<int>(results.has_value()) + static_cast<int>(!ran_on.empty()) +
         static_cast<int>(forwarded.has_value()) + static_cast<int>(stdout_contains.has_value()) +
         static_cast<int>(spread.has_value()) + static_cast<int>(all_ok.has_value()) +
         static_cast<int>(count.has_value()) + static_cast<int>(answers.has_value()) +
         static_cast<int>(lowest_avg_waiting.has_value()) + static_cast<int>(lowest_avg_turnaround.has_value()) +
         static_cast<int>(lowest_avg_response.has_value()) + static_cast<int>(avg_waiting_ms_below.size()) +
         static_cast<int>(free_holes.has_value()) + static_cast<int>(largest_hole.has_value()) +
         static_cast<int>(external_fragmentation.has_value()) + static_cast<int>(found.has_value()) +
         static_cast<int>(cycle_length.has_value()) + static_cast<int>(victims.has_value()) +
         static_cast<int>(stall.has_value());
}

std::string ClusterSpec::SchedulerOf(int index) const {
  if (scheduler.size() == 1) return scheduler.front();
  if (index >= 1 && static_cast<std::size_t>(index) <= scheduler.size()) return scheduler[index - 1];
  return "";
}

std::vector<std::string> ClusterSpec::SharedPeerArgs() const {
  std::vector<std::string> args;
  auto add = [&](const char* flag, std::string value) {
    args.push_back(flag);
    args.push_back(std::move(value));
  };
  auto add_list = [&](const char* flag, const std::vector<std::int64_t>& values) {
    if (values.empty()) return;
    std::string joined;
    for (std::int64_t value : values) joined += (joined.empty() ? "" : ",") + std::to_string(value);
    add(flag, joined);
  };
  if (scheduler.size() == 1) add("--scheduler", scheduler.front());
  if (quantum_ms) add("--quantum", std::to_string(*quantum_ms));
  if (aging_ms) add("--aging", std::to_string(*aging_ms));
  if (mlfq_queues) add("--mlfq-queues", std::to_string(*mlfq_queues));
  add_list("--mlfq-quantum", mlfq_quantum_ms);
  add_list("--mlfq-allotment", mlfq_allotment);
  if (mlfq_boost_ms) add("--mlfq-boost", std::to_string(*mlfq_boost_ms));
  if (mem_arena_bytes) add("--mem-arena", std::to_string(*mem_arena_bytes));
  if (allocator.size() == 1) add("--allocator", allocator.front());
  return args;
}

std::string ClusterSpec::AllocatorOf(int index) const {
  if (allocator.size() == 1) return allocator.front();
  if (index >= 1 && static_cast<std::size_t>(index) <= allocator.size()) return allocator[index - 1];
  return "";
}

std::vector<std::string> ClusterSpec::OwnPeerArgs(int index) const {
  std::vector<std::string> args;
  if (scheduler.size() > 1 && index >= 1 && static_cast<std::size_t>(index) <= scheduler.size()) {
    args.insert(args.end(), {"--scheduler", scheduler[index - 1]});
  }
  if (allocator.size() > 1 && index >= 1 && static_cast<std::size_t>(index) <= allocator.size()) {
    args.insert(args.end(), {"--allocator", allocator[index - 1]});
  }
  return args;
}

std::vector<std::string> ClusterSpec::TrackerArgs() const {
  if (deadlock.empty()) return {};
  return {"--deadlock", deadlock};
}

bool Scenario::NeedsCluster() const {
  return std::any_of(steps.begin(), steps.end(), [](const Step& step) {
    return !std::holds_alternative<SayStep>(step.action) && !std::holds_alternative<SleepStep>(step.action) &&
           !std::holds_alternative<SimStep>(step.action);
  });
}

Result<Scenario> ParseScenario(const std::string& yaml_text, const std::string& file, const std::string& base_dir) {
  YamlReader reader(file);
  YAML::Node root;
  try {  // yaml-cpp reports syntax errors by exception; this is the only place we catch it
    root = YAML::Load(yaml_text);
  } catch (const YAML::Exception& error) {
    reader.Error(SourceLocation{error.mark.line + 1, error.mark.column + 1}, "not valid YAML: " + error.msg);
    return Failed(reader);
  }
  Scenario scenario;
  scenario.file = file;
  if (!reader.CheckMap(root, {"name", "description", "cluster", "steps"}, "a scenario file", SourceLocation{1, 1})) {
    return Failed(reader);
  }
  scenario.name = reader.String(root, "name", "scenario", true).value_or("");
  scenario.description = reader.String(root, "description", "scenario", false).value_or("");
  StepParser parser(reader, scenario.cluster, base_dir);
  ParseCluster(reader, parser, root, scenario.cluster);  // first: steps check peers against it
  ParseSteps(reader, parser, root, scenario);
  if (!reader.ok()) return Failed(reader);
  return scenario;
}

Result<Scenario> LoadScenario(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::Io("cannot read scenario file '" + path + "': " + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  std::string base_dir = std::filesystem::path(path).parent_path().string();
  return ParseScenario(text.str(), path, base_dir.empty() ? "." : base_dir);
}

}  // namespace osgrid::scenario
