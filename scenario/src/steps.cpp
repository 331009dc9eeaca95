// One Run() overload per scenario action (see steps.h), in the order of the
// table in docs/scenarios.md; Execute() picks the overload by the action's type.
//
// [SECTION] Talking to a node
// [SECTION] Headers: Describe()
// [SECTION] say, sleep
// [SECTION] cpu, batch
// [SECTION] mem_set, mem_get, mem_del, mem_map, mem_compact
// [SECTION] file_put, file_get, file_rm
// [SECTION] kill_peer, wait_dead
// [SECTION] status, list_peers
// [SECTION] deadlock
// [SECTION] sim, gantt (sim_step.cpp, gantt_step.cpp)
// [SECTION] Execute()
#include "steps.h"
#include "gantt_step.h"
#include "sim_step.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "osgrid/client/deadlock_view.h"
#include "osgrid/client/reply_view.h"
#include "osgrid/client/text.h"
#include "osgrid/net/client.h"
#include "osgrid/net/messages.h"
#include "osgrid/net/params.h"
#include "osgrid/net/sha256.h"
#include "osgrid/sim/mem_map_text.h"

namespace osgrid::scenario {

using client::BatchPeerCounts;
using client::CapturedOutput;
using client::CpuWhere;
using client::Dim;
using client::FormatCounts;
using client::HumanBytes;
using client::HumanMs;
using client::Indent;
using client::Ms;
using client::Number;
using client::PrintBatchTable;
using client::PrintPeerTable;
using client::PrintStatus;
using client::Rate;
using client::ShortJson;

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr auto kCallTimeout = client::kDefaultSlack;  // SOCKET_TIMEOUT: a reply past the work itself
constexpr std::size_t kBatchRowsShown = 20;           // rows of a batch table without --verbose
constexpr auto kWaitDeadPoll = milliseconds(100);

double MsSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

std::string Seconds(double seconds) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.1f s", seconds);
  return text;
}

/// "main(12)", "main(1, \"a\")": a call as Python would show it (JSON literals).
std::string CallText(const std::string& function, const Json& args) {
  std::string inside;
  for (const Json& arg : args) inside += (inside.empty() ? "" : ", ") + ShortJson(arg, 30);
  if (inside.size() > 60) inside = inside.substr(0, 57) + "...";
  return function + "(" + inside + ")";
}

StepResult Failed(Status status) { return StepResult{std::move(status), Json(), {}}; }
StepResult Succeeded(Json reply) { return StepResult{Status::Ok(), std::move(reply), {}}; }

}  // namespace

// ---- [SECTION] Talking to a node ------------------------------------------------

Result<std::unique_ptr<net::Client>> StepContext::Connect(const std::string& node, milliseconds timeout) {
  std::uint16_t port = 0;
  if (cluster == nullptr) {
    return Status::Unavailable("this scenario started no cluster");
  } else if (node == "tracker") {
    port = cluster->tracker_port();
  } else if (auto peer = cluster->Peer(node)) {
    port = peer->port;
  } else {
    return Status::NotFound("no node named '" + node + "' in this cluster");
  }
  net::ClientOptions options;
  options.role = "runner";
  options.connect_timeout = milliseconds(3000);
  options.io_timeout = timeout;
  return net::Client::Connect(cluster->host(), port, options);
}

void StepContext::Trace(const std::string& line) { out << kIndent << Dim(line) << "\n"; }

// ---- [SECTION] Headers ------------------------------------------------------------

namespace {

struct Describer {
  std::string operator()(const SayStep& s) const { return "» " + s.text.substr(0, s.text.find('\n')); }
  std::string operator()(const SleepStep& s) const { return "sleep " + Seconds(s.seconds); }
  std::string operator()(const CpuStep& s) const {
    return "cpu on " + s.on + ": " + CallText(s.task.function, s.task.args) +
           (s.confidential ? "  [confidential]" : "");
  }
  std::string operator()(const BatchStep& s) const {
    std::string names;
    for (const BatchTask& task : s.tasks) {
      if (!task.sched.name.empty()) names += (names.empty() ? "" : ", ") + task.sched.name;
    }
    if (names.size() > 40) names = names.substr(0, 37) + "...";
    return "batch on " + s.on + ": " + s.function + "() × " + std::to_string(s.tasks.size()) + " tasks" +
           (names.empty() ? "" : " (" + names + ")") + (s.confidential ? "  [confidential]" : "");
  }
  std::string operator()(const MemSetStep& s) const {
    return "mem_set on " + s.on + ": " + s.key + " = " + ShortJson(s.value);
  }
  std::string operator()(const MemGetStep& s) const { return "mem_get on " + s.on + ": " + s.key; }
  std::string operator()(const MemDelStep& s) const { return "mem_del on " + s.on + ": " + s.key; }
  std::string operator()(const MemMapStep& s) const { return "mem_map of " + s.on + "'s memory arena"; }
  std::string operator()(const MemCompactStep& s) const { return "mem_compact on " + s.on + ": close the holes"; }
  std::string operator()(const FilePutStep& s) const {
    return "file_put on " + s.on + ": " + s.name + ", " + HumanBytes(static_cast<std::uint64_t>(s.size_mb * 1048576)) +
           " of random bytes";
  }
  std::string operator()(const FileGetStep& s) const { return "file_get on " + s.on + ": " + s.name; }
  std::string operator()(const FileRmStep& s) const { return "file_rm on " + s.on + ": " + s.name; }
  std::string operator()(const KillPeerStep& s) const { return "kill_peer " + s.peer + " (SIGKILL)"; }
  std::string operator()(const WaitDeadStep& s) const {
    return "wait_dead " + s.peer + ": up to " + Seconds(s.within_s) + " for the tracker to drop it";
  }
  std::string operator()(const StatusStep& s) const { return "status of " + s.on; }
  std::string operator()(const ListPeersStep&) const { return "list_peers (the tracker's PEER_LIST)"; }
  std::string operator()(const SimStep& s) const { return DescribeSimStep(s); }
  std::string operator()(const GanttStep& s) const { return DescribeGanttStep(s); }
  std::string operator()(const DeadlockStep& s) const {
    std::string text = "deadlock: ";
    if (!s.mode.empty()) text += "switch the tracker to " + s.mode + ", then ";
    if (!s.name.empty()) return text + "the holders and waiters of " + s.name;
    return text + (s.mode.empty() ? "the tracker's deadlock state" : "its state");
  }
};

// ---- [SECTION] say, sleep ------------------------------------------------------------

// The header showed the first line; the rest follows, indented.
StepResult Run(const SayStep& step, StepContext& context) {
  std::size_t newline = step.text.find('\n');
  std::string rest = newline == std::string::npos ? "" : step.text.substr(newline + 1);
  if (!rest.empty() && rest != "\n") context.out << Indent(rest, std::string(StepContext::kIndent) + "  ") << "\n";
  return Succeeded(Json());
}

StepResult Run(const SleepStep& step, StepContext&) {
  std::this_thread::sleep_for(Ms(step.seconds));
  return Succeeded(Json());
}

// ---- [SECTION] cpu, batch ---------------------------------------------------------------

/// A task's scheduling fields, claims and limits, as the step gives them (unset: the peer's defaults).
void ApplySched(const TaskSched& sched, const Claims& claims, std::optional<double> timeout_s,
                std::optional<double> cpu_limit_s, net::TaskRequest& task) {
  task.claims = claims;
  task.priority = sched.priority;
  task.burst_ms = sched.burst_ms;
  task.tickets = sched.tickets;
  task.name = sched.name;
  if (timeout_s) task.timeout_ms = Ms(*timeout_s).count();
  if (cpu_limit_s) task.cpu_limit_ms = Ms(*cpu_limit_s).count();
}

StepResult Run(const CpuStep& step, StepContext& context) {
  net::CpuTaskRequest request{net::MakeTask(step.task.program, step.task.function, step.task.args)};
  request.confidential = step.confidential;
  ApplySched(step.task.sched, step.task.claims, step.timeout_s, step.cpu_limit_s, request.task);
  auto ran = context.On(step.on, "CPU_TASK " + request.task.function + "(" + ShortJson(request.task.args, 60) + ")",
                        [&](net::Client& c) { return client::Cpu(c, request); });
  if (!ran.ok()) return Failed(ran.status());
  context.out << StepContext::kIndent << "→ " << ShortJson(ran->value.result, 70) << "   " << CpuWhere(ran->raw) << "\n"
              << CapturedOutput(ran->raw, StepContext::kIndent);
  return Succeeded(std::move(ran->raw));
}

/// PrintBatchTable with the tasks' names, which the reply does not carry.
void PrintNamedBatchTable(const Json& reply, const std::vector<BatchTask>& tasks, std::ostream& out,
                          std::size_t max_rows) {
  client::Table table({"#", "task", "peer", "queued", "ran", "result"});
  const Json results = reply.value("results", Json::array());
  auto ms = [](const Json& task, const char* key) { return task.contains(key) ? HumanMs(Number(task, key)) : "-"; };
  for (const Json& task : results) {
    if (table.size() >= max_rows) break;
    if (!task.is_object()) continue;
    const auto index = static_cast<std::size_t>(Number(task, "index", static_cast<double>(table.size())));
    std::string outcome = task.value("ok", false) ? ShortJson(task.value("result", Json()), 50)
                                                  : client::Field(task, "code") + ": " + client::Field(task, "message");
    if (outcome.size() > 70) outcome = outcome.substr(0, 67) + "...";
    table.AddRow({client::Field(task, "index"), index < tasks.size() ? tasks[index].sched.name : "",
                  client::Field(task, "peer"), ms(task, "queued_ms"), ms(task, "run_ms"), outcome});
  }
  table.Print(out, StepContext::kIndent);
  if (results.size() > table.size()) {
    out << StepContext::kIndent << "... and " << results.size() - table.size() << " more tasks\n";
  }
}

void PrintBatchSummary(const Json& reply, std::ostream& out) {
  double run_sum = 0;
  for (const Json& task : reply.value("results", Json::array())) run_sum += Number(task, "run_ms");
  double wall = Number(reply, "total_ms");
  out << StepContext::kIndent << "per peer: " << FormatCounts(BatchPeerCounts(reply)) << "\n";
  out << StepContext::kIndent << "wall time " << HumanMs(wall) << ", sum of run times " << HumanMs(run_sum);
  if (wall > 0 && run_sum > wall) {
    char speedup[32];
    std::snprintf(speedup, sizeof(speedup), "%.1f", run_sum / wall);
    out << "  → " << speedup << "× faster than one core in a row";
  }
  out << "\n";
}

StepResult Run(const BatchStep& step, StepContext& context) {
  net::CpuBatchRequest batch;
  batch.confidential = step.confidential;
  for (const BatchTask& task : step.tasks) {
    batch.tasks.push_back(net::MakeTask(step.program, step.function, task.args));
    ApplySched(task.sched, task.claims, step.timeout_s, step.cpu_limit_s, batch.tasks.back());
  }
  auto ran = context.On(step.on, "CPU_BATCH of " + std::to_string(batch.tasks.size()) + " tasks",
                        [&](net::Client& c) { return client::Batch(c, batch); });
  if (!ran.ok()) return Failed(ran.status());
  const std::size_t rows = context.verbose ? SIZE_MAX : kBatchRowsShown;
  if (std::any_of(step.tasks.begin(), step.tasks.end(), [](const BatchTask& t) { return !t.sched.name.empty(); })) {
    PrintNamedBatchTable(ran->raw, step.tasks, context.out, rows);
  } else {
    PrintBatchTable(ran->raw, context.out, StepContext::kIndent, rows);
  }
  PrintBatchSummary(ran->raw, context.out);
  return Succeeded(std::move(ran->raw));
}

// ---- [SECTION] mem_set, mem_get, mem_del, mem_map, mem_compact --------------------------------------------------

StepResult Run(const MemSetStep& step, StepContext& context) {
  auto start = Clock::now();
  auto stored = context.On(step.on, "SET_MEM " + step.key,
                           [&](net::Client& c) { return client::MemSet(c, step.key, step.value); });
  if (!stored.ok()) return Failed(stored.status());
  context.out << StepContext::kIndent << "→ stored; " << step.on << "'s memory now holds " << HumanBytes(stored->value)
              << "   (" << HumanMs(MsSince(start)) << ")\n";
  return Succeeded(std::move(stored->raw));
}

StepResult Run(const MemGetStep& step, StepContext& context) {
  auto start = Clock::now();
  auto read = context.On(step.on, "GET_MEM " + step.key, [&](net::Client& c) { return client::MemGet(c, step.key); });
  if (!read.ok()) return Failed(read.status());
  context.out << StepContext::kIndent << "→ " << ShortJson(read->value, 70) << "   (" << HumanMs(MsSince(start))
              << ")\n";
  return Succeeded(std::move(read->raw));
}

StepResult Run(const MemDelStep& step, StepContext& context) {
  auto reply = context.On(step.on, "DEL_MEM " + step.key, [&](net::Client& c) { return client::MemDel(c, step.key); });
  if (!reply.ok()) return Failed(reply.status());
  context.out << StepContext::kIndent << "→ deleted\n";
  return Succeeded(std::move(*reply));
}

// The map as `osgrid mem map` prints it (sim::MemMapText), indented.
StepResult Run(const MemMapStep& step, StepContext& context) {
  auto mapped = context.On(step.on, "MEM_MAP", [](net::Client& c) { return client::MemMap(c); });
  if (!mapped.ok()) return Failed(mapped.status());
  context.out << Indent(sim::MemMapText(mapped->value, step.on), StepContext::kIndent) << "\n";
  return Succeeded(std::move(mapped->raw));
}

// What moved, as `osgrid mem compact` prints it (sim::MemCompactedText), indented.
StepResult Run(const MemCompactStep& step, StepContext& context) {
  auto compacted = context.On(step.on, "MEM_COMPACT", [](net::Client& c) { return client::MemCompact(c); });
  if (!compacted.ok()) return Failed(compacted.status());
  context.out << Indent(sim::MemCompactedText(compacted->value, step.on), StepContext::kIndent) << "\n";
  return Succeeded(std::move(compacted->raw));
}

// ---- [SECTION] file_put, file_get, file_rm ----------------------------------------------------

/// Writes `bytes` random bytes to `path` and returns their SHA-256.
Result<std::string> WriteRandomFile(const std::string& path, std::uint64_t bytes) {
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  if (!file) return Status::Io("cannot create '" + path + "'");
  std::mt19937_64 random(std::random_device{}());
  net::Sha256 sha;
  std::string chunk;
  for (std::uint64_t left = bytes; left > 0;) {
    std::size_t size = static_cast<std::size_t>(std::min<std::uint64_t>(left, 1 << 20));
    chunk.resize(size);
    for (std::size_t i = 0; i < size; i += 8) {
      std::uint64_t word = random();
      std::memcpy(&chunk[i], &word, std::min<std::size_t>(8, size - i));
    }
    file.write(chunk.data(), static_cast<std::streamsize>(size));
    sha.Update(chunk);
    left -= size;
  }
  if (!file.flush()) return Status::Io("cannot write '" + path + "'");
  return sha.HexDigest();
}

void PrintTransfer(const char* verb, std::uint64_t bytes, double ms, const std::string& sha, std::ostream& out) {
  out << StepContext::kIndent << "→ " << verb << " " << HumanBytes(bytes) << " in " << HumanMs(ms) << " ("
      << Rate(bytes, ms) << "); sha256 " << sha.substr(0, 16) << "...\n";
}

StepResult Run(const FilePutStep& step, StepContext& context) {
  auto bytes = static_cast<std::uint64_t>(std::llround(step.size_mb * 1048576));
  std::string local = context.files_dir + "/" + step.on + "-" + step.name;
  auto sha = WriteRandomFile(local, bytes);
  if (!sha.ok()) return Failed(sha.status());
  auto client = context.Connect(step.on, kCallTimeout);
  if (!client.ok()) return Failed(client.status());
  auto start = Clock::now();
  auto reply = client::FilePut(**client, step.name, local);
  if (!reply.ok()) return Failed(reply.status());
  PrintTransfer("stored", bytes, MsSince(start), *sha, context.out);
  context.put_sha256[step.on + "/" + step.name] = *sha;
  return Succeeded(std::move(*reply));
}

StepResult Run(const FileGetStep& step, StepContext& context) {
  std::string local = context.files_dir + "/" + step.on + "-" + step.name + ".fetched";
  auto client = context.Connect(step.on, kCallTimeout);
  if (!client.ok()) return Failed(client.status());
  auto start = Clock::now();
  auto reply = client::FileGet(**client, step.name, local);
  double ms = MsSince(start);
  if (!reply.ok()) return Failed(reply.status());
  auto sha = net::Sha256File(local);
  std::error_code ignored;
  std::filesystem::remove(local, ignored);
  if (!sha.ok()) return Failed(sha.status());
  PrintTransfer("fetched", static_cast<std::uint64_t>(Number(*reply, "size")), ms, *sha, context.out);
  StepResult result = Succeeded(std::move(*reply));
  auto put = context.put_sha256.find(step.on + "/" + step.name);
  if (put != context.put_sha256.end()) {
    bool same = put->second == *sha;
    result.checks.push_back({same, same ? "sha256 matches what file_put sent (" + sha->substr(0, 16) + "...)"
                                        : "sha256 differs: file_put sent " + put->second.substr(0, 16) +
                                              "..., got back " + sha->substr(0, 16) + "..."});
  }
  return result;
}

StepResult Run(const FileRmStep& step, StepContext& context) {
  auto reply =
      context.On(step.on, "DEL_FILE " + step.name, [&](net::Client& c) { return client::FileDel(c, step.name); });
  if (!reply.ok()) return Failed(reply.status());
  context.out << StepContext::kIndent << "→ removed\n";
  return Succeeded(std::move(*reply));
}

// ---- [SECTION] kill_peer, wait_dead --------------------------------------------------------

StepResult Run(const KillPeerStep& step, StepContext& context) {
  if (context.cluster == nullptr) return Failed(Status::Unavailable("this scenario started no cluster"));
  auto peer = context.cluster->Peer(step.peer);
  Status killed = context.cluster->KillPeer(step.peer);
  if (!killed.ok()) return Failed(killed);
  context.killed_at[step.peer] = Clock::now();
  context.out << StepContext::kIndent << "→ killed pid " << (peer ? peer->pid : 0)
              << "; a killed peer cannot say goodbye: only its missing heartbeats tell the tracker\n";
  return Succeeded(Json());
}

/// Whether `peer` is in the tracker's PEER_LIST; an error if the tracker cannot say.
Result<bool> Listed(const std::string& peer, StepContext& context) {
  auto reply = context.On("tracker", "PEER_LIST", [](net::Client& c) { return client::Peers(c); });
  if (!reply.ok()) return reply.status();
  const auto& peers = reply->value.peers;
  return std::any_of(peers.begin(), peers.end(), [&](const net::PeerList::Entry& entry) { return entry.id == peer; });
}

StepResult Run(const WaitDeadStep& step, StepContext& context) {
  auto start = Clock::now();
  auto killed = context.killed_at.count(step.peer) ? context.killed_at[step.peer] : start;
  bool quiet = context.verbose;
  context.verbose = false;  // one poll every 100 ms would flood the report
  Result<bool> listed = Listed(step.peer, context);
  while (listed.ok() && *listed && MsSince(start) < step.within_s * 1000) {
    std::this_thread::sleep_for(kWaitDeadPoll);
    listed = Listed(step.peer, context);
  }
  context.verbose = quiet;
  if (!listed.ok()) return Failed(listed.status());
  double since_kill = MsSince(killed) / 1000;
  StepResult result = Succeeded(Json());
  if (*listed) {
    result.checks.push_back({false, step.peer + " is still in the tracker's list after " + Seconds(step.within_s)});
  } else {
    context.out << StepContext::kIndent << "→ the tracker dropped " << step.peer << " " << Seconds(since_kill)
                << (context.killed_at.count(step.peer) ? " after the kill" : " after this step began") << "\n";
    result.checks.push_back(
        {true, "declared dead within " + Seconds(step.within_s) + " (took " + Seconds(since_kill) + ")"});
  }
  return result;
}

// ---- [SECTION] status, list_peers -------------------------------------------------------------

StepResult Run(const StatusStep& step, StepContext& context) {
  auto reply = context.On(step.on, "STATUS", [](net::Client& c) { return client::NodeStatus(c); });
  if (!reply.ok()) return Failed(reply.status());
  PrintStatus(*reply, context.out, StepContext::kIndent);
  return Succeeded(std::move(*reply));
}

StepResult Run(const ListPeersStep&, StepContext& context) {
  auto reply = context.On("tracker", "PEER_LIST", [](net::Client& c) { return client::Peers(c); });
  if (!reply.ok()) return Failed(reply.status());
  PrintPeerTable(reply->raw, context.out, StepContext::kIndent);
  return Succeeded(std::move(reply->raw));
}

// ---- [SECTION] deadlock -------------------------------------------------------------------------

// The tracker's DEADLOCK_REPLY as `osgrid deadlock` prints it (client::PrintDeadlock), indented.
StepResult Run(const DeadlockStep& step, StepContext& context) {
  const std::string what =
      "DEADLOCK" + (step.mode.empty() ? "" : " mode=" + step.mode) + (step.name.empty() ? "" : " name=" + step.name);
  auto reply = context.On("tracker", what, [&](net::Client& c) { return client::Deadlock(c, step.name, step.mode); });
  if (!reply.ok()) return Failed(reply.status());
  client::PrintDeadlock(*reply, context.out, StepContext::kIndent);
  return Succeeded(std::move(*reply));
}

// ---- [SECTION] sim, gantt (sim_step.cpp, gantt_step.cpp) ------------------------------------------------------------

StepResult Run(const SimStep& step, StepContext& context) { return RunSimStep(step, context); }
StepResult Run(const GanttStep& step, StepContext& context) { return RunGanttStep(step, context); }

}  // namespace

// ---- [SECTION] Execute ---------------------------------------------------------------------------

std::string Describe(const Action& action) { return std::visit(Describer{}, action); }

StepResult Execute(const Action& action, StepContext& context) {
  return std::visit([&](const auto& step) { return Run(step, context); }, action);
}

// The gantt step runs here, beside the other steps that talk to the cluster;
// gantt_step.cpp keeps what needs no cluster (parsing, rendering, checks).
StepResult RunGanttStep(const GanttStep& step, StepContext& context) {
  if (context.cluster == nullptr) return {Status::Unavailable("this scenario started no cluster"), Json(), {}};
  std::vector<std::string> names = step.peers;
  if (names.empty()) {
    for (const NodeProcess& peer : context.cluster->Peers()) names.push_back(peer.name);
  }
  std::vector<PeerSchedule> peers;
  std::vector<std::string> empty;
  Json reply = Json::object();
  for (const std::string& name : names) {
    auto status = context.On(name, "STATUS", [](net::Client& c) { return client::NodeStatus(c); });
    if (!status.ok()) return {Status(status.status().code(), name + ": " + status.status().message()), Json(), {}};
    Json summary = ScheduleSummary(*status);
    if (summary.value("tasks", 0) == 0) empty.push_back(name);
    reply[name] = std::move(summary);
    peers.push_back(PeerSchedule{name, std::move(*status)});
  }
  const int width = 100 - static_cast<int>(std::string_view(StepContext::kIndent).size());  // a 100-column terminal
  std::istringstream lines(RenderGantt(peers, width, context.verbose ? SIZE_MAX : 20));
  for (std::string line; std::getline(lines, line);) {
    context.out << (line.empty() ? "" : StepContext::kIndent) << line << "\n";
  }
  if (!empty.empty()) {
    std::string list;
    for (const std::string& name : empty) list += (list.empty() ? "" : ", ") + name;
    return {Status::NotFound(list + (empty.size() == 1 ? " has" : " have") +
                             " no finished task to chart: send tasks to it (a cpu or batch step with on: " +
                             empty.front() + ") before the gantt step"),
            Json(),
            {}};
  }
  return {Status::Ok(), std::move(reply), {}};
}

}  // namespace osgrid::scenario
