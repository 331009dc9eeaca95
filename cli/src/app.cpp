// The `osgrid` command line: a table of subcommands built with CLI11, each
// bound to its options struct and to the function that runs it
// (commands.cpp, store_commands.cpp, or RunScenario for `run`).
//
// [SECTION] Shared options (--host, --port, --json, --timeout, --secret-file, --tls-ca)
// [SECTION] cpu, batch
// [SECTION] mem, file
// [SECTION] status, peers, ps, events, version
// [SECTION] run
// [SECTION] replay
// (`sim` is built in sim/src/sim.cpp)
// [SECTION] RunCommandLine: parse, dispatch, report usage errors
#include "osgrid/cli/app.h"

#include <spawn.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cctype>
#include <charconv>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "commands.h"
#include "interrupt.h"
#include "live_lab.h"
#include "osgrid/grade/command.h"
#include "osgrid/scenario/cluster.h"
#include "osgrid/scenario/runner.h"
#include "osgrid/scenario/scenario.h"
#include "osgrid/sim/sim.h"
#include "replay.h"

#ifndef OSGRID_VERSION
#define OSGRID_VERSION "unknown"
#endif

namespace osgrid::cli {

using scenario::LoadScenario;
using scenario::LocalCluster;
using scenario::RunOptions;
using scenario::RunScenario;

namespace {

/// Every subcommand's options. Only one subcommand runs, but each has its
/// own struct so that defaults (such as the port of `peers`) stay separate.
struct AllOptions {
  CpuOptions cpu;
  BatchOptions batch;
  CancelOptions cancel;
  CancelOptions kill;
  MemOptions mem_set, mem_get, mem_del, mem_ls, mem_map, mem_compact;
  FileOptions file_put, file_get, file_ls, file_rm;
  Connection status, peers;
  PsOptions ps;
  DeadlockOptions deadlock;
  EventsOptions events;
  std::string scenario;
  RunOptions run;
  bool run_step = false;  // osgrid run --step
  bool run_viz = false;   // osgrid run --viz
  ReplayOptions replay;
  SecurityFlags security;  // whichever command runs binds these
};

// Validators without CLI11's annotations (":POSITIVE", ":FILE") in --help.
const CLI::Validator kPositive = CLI::PositiveNumber.description("");
const CLI::Validator kExistingFile = CLI::ExistingFile.description("");

/// A leaf of the command tree and what running it means.
struct Command {
  CLI::App* app;
  std::function<int()> run;
};

// ---- [SECTION] Shared options ------------------------------------------------

/// --secret-file, --observer-secret-file and --tls-ca: how to authenticate to the cluster.
void AddSecurity(CLI::App* sub, SecurityFlags& security, bool tls = true) {
  sub->add_option("--secret-file", security.secret_file,
                  "Cluster secret file (wins over env OSGRID_SECRET; see docs/auth.md)")
      ->type_name("PATH")
      ->group("Security");
  sub->add_option("--observer-secret-file", security.observer_secret_file,
                  "Observer secret file (wins over env OSGRID_OBSERVER_SECRET): watch only; used when no "
                  "cluster secret is given")
      ->type_name("PATH")
      ->group("Security");
  if (tls) {
    sub->add_option("--tls-ca", security.tls_ca, "Use TLS, verifying the node's certificate against this CA (PEM)")
        ->type_name("PATH")
        ->group("Security");
  }
}

/// --host, --port, --json, the security flags and (unless the command has its own) --timeout.
void AddConnection(CLI::App* sub, Connection& conn, SecurityFlags& security, bool network_timeout = true) {
  AddSecurity(sub, security);
  sub->add_option("--host", conn.host, "Address of the node to talk to")
      ->capture_default_str()
      ->type_name("HOST")
      ->group("Connection");
  sub->add_option("--port", conn.port,
                  conn.port == params::kDefaultTrackerPort ? "Port of the tracker" : "Port of the peer (or tracker)")
      ->capture_default_str()
      ->check(CLI::Range(1, 65535).description(""))
      ->type_name("PORT")
      ->group("Connection");
  sub->add_flag("--json", conn.json, "Print the raw reply as one JSON object per line, for programs")
      ->group("Connection");
  if (network_timeout) {
    sub->add_option("--timeout", conn.timeout_s, "Network timeout, seconds")
        ->capture_default_str()
        ->check(kPositive)
        ->type_name("S")
        ->group("Connection");
  }
}

/// --program / --file / --function, shared by cpu and batch.
void AddProgram(CLI::App* sub, std::string& program, std::string& file, std::string& function) {
  auto* inline_source =
      sub->add_option("--program", program, "Python 3 source, e.g. \"def main(x): return x*x\"")->type_name("SOURCE");
  sub->add_option("--file", file, "Read the Python source from this file instead")
      ->check(kExistingFile)
      ->type_name("PATH")
      ->excludes(inline_source);
  sub->add_option("--function", function, "Name of the function to call")->capture_default_str()->type_name("NAME");
}

// ---- [SECTION] cpu, batch ------------------------------------------------------

/// --priority, --burst, --tickets, --name, --cpu-limit: how the peer's
/// scheduler sees a task (docs/scheduling.md).
void AddSchedFlags(CLI::App* sub, SchedFlags& flags) {
  sub->add_option("--priority", flags.priority,
                  "high, medium, low or an integer; lower is more urgent (priority, priority-p schedulers)")
      ->type_name("P")
      ->group("Scheduling");
  sub->add_option("--burst", flags.burst_ms,
                  "Expected CPU burst, ms, for the sjf and srtf schedulers (default: predicted from earlier runs)")
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{24} * 3600 * 1000))
      ->type_name("MS")
      ->group("Scheduling");
  sub->add_option("--tickets", flags.tickets, "Share for the lottery and stride schedulers (default 100)")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1'000'000}))
      ->type_name("N")
      ->group("Scheduling");
  sub->add_option("--name", flags.name, "The task's name in ps, events and the timeline (default: the function)")
      ->type_name("NAME")
      ->group("Scheduling");
  sub->add_option("--cpu-limit", flags.cpu_limit_s, "CPU time the task may use, seconds (default: the peer's, 30)")
      ->check(kPositive)
      ->type_name("S")
      ->group("Scheduling");
  sub->add_option("--claims", flags.claims,
                  "Its maximum claims on cluster Locks and Resources, for the tracker's --deadlock avoid "
                  "(Banker's algorithm), e.g. '{\"fork-1\": 1, \"fork-2\": 1}' (docs/sync.md)")
      ->type_name("JSON")
      ->group("Cluster objects");
}

Command AddCpu(CLI::App& app, CpuOptions& o, SecurityFlags& security) {
  auto* cpu =
      app.add_subcommand("cpu", "Run one Python function on the cluster; a busy peer forwards it to a less loaded one");
  AddProgram(cpu, o.program, o.file, o.function);
  cpu->add_option("--args", o.args, "Arguments as a JSON array, e.g. '[5]' or '[\"text\", 2.5]'")
      ->capture_default_str()
      ->type_name("JSON");
  cpu->add_flag("--confidential", o.confidential, "Run on this peer only; never forward the program or its data");
  cpu->add_option("--timeout", o.task_timeout_s,
                  "Task wall-clock limit, seconds (default: the peer's, 60); the network wait grows to match")
      ->check(kPositive)
      ->type_name("S");
  AddSchedFlags(cpu, o.sched);
  AddConnection(cpu, o.conn, security, /*network_timeout=*/false);
  cpu->footer(
      "Examples:\n"
      "  osgrid cpu --program \"def main(x): return x*x\" --args \"[5]\"\n"
      "  osgrid cpu --file prime.py --function is_prime --args \"[1000003]\" --port 9001\n"
      "  osgrid cpu --file job.py --priority high --burst 200 --name render\n"
      "Prints the result, the peer that ran it and how long it took, then anything it printed.");
  return {cpu, [&o] { return CpuCommand(o); }};
}

Command AddBatch(CLI::App& app, BatchOptions& o, SecurityFlags& security) {
  auto* batch =
      app.add_subcommand("batch", "Run many calls of a Python function at once, spread across the cluster by load");
  AddProgram(batch, o.program, o.file, o.function);
  auto* each =
      batch->add_option("--each", o.each, "One JSON argument array per task, e.g. '[[1],[2],[3]]'")->type_name("JSON");
  batch
      ->add_option("--tasks", o.tasks_file,
                   "A JSON file: [{\"program\": ..., \"function\": ..., \"args\": [...]}, ...]")
      ->check(kExistingFile)
      ->type_name("PATH")
      ->excludes(each);
  batch->add_flag("--confidential", o.confidential, "Run every task on this peer only");
  batch->add_option("--timeout", o.task_timeout_s, "Wall-clock limit per task, seconds (default: the peer's, 60)")
      ->check(kPositive)
      ->type_name("S");
  AddSchedFlags(batch, o.sched);
  AddConnection(batch, o.conn, security, /*network_timeout=*/false);
  batch->footer(
      "Examples:\n"
      "  osgrid batch --program \"def main(x): return x*x\" --each \"[[1],[2],[3],[4]]\"\n"
      "  osgrid batch --tasks tasks.json\n"
      "Prints one row per task (the peer that ran it, how long it waited in a ready queue and\n"
      "ran, its result or error) and how many tasks each peer ran. Exits with 1 if any task failed.");
  return {batch, [&o] { return BatchCommand(o); }};
}

Command AddCancel(CLI::App& app, CancelOptions& o, SecurityFlags& security) {
  o.conn.port = params::kDefaultTrackerPort;
  auto* cancel = app.add_subcommand("cancel", "Cancel a queued or running task, wherever it runs");
  cancel->add_option("ID", o.task_id, "The task's id, as osgrid ps and the events show it (e.g. peer-1/7)")
      ->required()
      ->type_name("ID");
  AddConnection(cancel, o.conn, security);
  cancel->footer(
      "Point --port at the tracker (8888, the default) or at the peer the task was submitted to.\n"
      "The task ends with outcome CANCELLED; its submitter gets that error. Cancelling a task\n"
      "that already ended says so (exit 1).");
  return {cancel, [&o] { return CancelCommand(o); }};
}

Command AddKill(CLI::App& app, CancelOptions& o, SecurityFlags& security) {
  o.conn.port = params::kDefaultTrackerPort;
  auto* kill = app.add_subcommand("kill", "Kill a task and all its descendants (its subtasks), wherever they run");
  kill->add_flag("--group", o.group, "Kill the task's whole process group: it, its children, theirs, ...")->required();
  kill->add_option("ID", o.task_id, "The root of the group, as osgrid ps --tree shows it (e.g. peer-1/7)")
      ->required()
      ->type_name("ID");
  AddConnection(kill, o.conn, security);
  kill->footer(
      "Every task of the group ends with outcome KILLED, each where it runs; its submitter or\n"
      "parent gets that error. For one task alone use osgrid cancel. Example:\n"
      "  osgrid ps --tree\n"
      "  osgrid kill --group peer-1/7");
  return {kill, [&o] { return CancelCommand(o); }};
}

// ---- [SECTION] mem, file ----------------------------------------------------------

std::vector<Command> AddMem(CLI::App& app, AllOptions& all) {
  auto* mem = app.add_subcommand("mem", "A peer's key-value memory: set, get, del, ls, map, compact");
  mem->require_subcommand(1);
  mem->footer(
      "Examples:\n  osgrid mem set greeting hello\n  osgrid mem set scores '[90, 85]'\n"
      "  osgrid mem get greeting\n  osgrid mem ls --port 9001\n  osgrid mem map          (the arena block by block)\n"
      "  osgrid mem compact      (slide every block down; docs/memory.md)");
  auto* set = mem->add_subcommand("set", "Store VALUE under KEY (VALUE is JSON if it parses as JSON, else text)");
  set->add_option("KEY", all.mem_set.key, "The key (1 to 256 bytes)")->required();
  set->add_option("VALUE", all.mem_set.value,
                  "The value: 42, true, [1,2] and {\"a\":1} are JSON; anything else is text")
      ->required();
  set->add_flag("--string", all.mem_set.force_string, "Store VALUE as text even if it looks like JSON");
  AddConnection(set, all.mem_set.conn, all.security);
  auto* get = mem->add_subcommand("get", "Print the value stored under KEY");
  get->add_option("KEY", all.mem_get.key, "The key")->required();
  AddConnection(get, all.mem_get.conn, all.security);
  auto* del = mem->add_subcommand("del", "Delete KEY")->alias("rm");
  del->add_option("KEY", all.mem_del.key, "The key")->required();
  AddConnection(del, all.mem_del.conn, all.security);
  auto* ls = mem->add_subcommand("ls", "List every key with its size")->alias("list");
  AddConnection(ls, all.mem_ls.conn, all.security);
  auto* map =
      mem->add_subcommand("map", "Show the arena block by block: each key's block, the free holes, the fragmentation");
  map->add_option("--svg", all.mem_map.svg, "Also draw the arena into this SVG file");
  map->add_option("--max-blocks", all.mem_map.max_blocks, "Show at most this many blocks, lowest addresses first")
      ->capture_default_str();
  AddConnection(map, all.mem_map.conn, all.security);
  auto* compact = mem->add_subcommand("compact", "Compact the arena: slide every block down, and list what moved");
  AddConnection(compact, all.mem_compact.conn, all.security);
  return {{set, [&all] { return MemSetCommand(all.mem_set); }},
          {map, [&all] { return MemMapCommand(all.mem_map); }},
          {compact, [&all] { return MemCompactCommand(all.mem_compact); }},
          {get, [&all] { return MemGetCommand(all.mem_get); }},
          {del, [&all] { return MemDelCommand(all.mem_del); }},
          {ls, [&all] { return MemListCommand(all.mem_ls); }}};
}

std::vector<Command> AddFile(CLI::App& app, AllOptions& all) {
  auto* file = app.add_subcommand("file", "Files on a peer's disk: put, get, ls, rm");
  file->require_subcommand(1);
  file->footer(
      "Examples:\n  osgrid file put notes.pdf\n  osgrid file get notes.pdf -o copy.pdf\n"
      "  osgrid file ls\n  osgrid file rm notes.pdf");
  auto* put = file->add_subcommand("put", "Upload LOCAL (shows its size, SHA-256 and the transfer rate)");
  put->add_option("LOCAL", all.file_put.local, "The file to upload")->required()->check(kExistingFile);
  put->add_option("--name", all.file_put.name, "Name on the peer (default: LOCAL's file name)")->type_name("NAME");
  AddConnection(put, all.file_put.conn, all.security);
  auto* get = file->add_subcommand("get", "Download NAME; the SHA-256 is checked before the file is kept");
  get->add_option("NAME", all.file_get.name, "Name on the peer")->required();
  get->add_option("-o,--output", all.file_get.output, "Where to write it (a file or a folder; default: ./NAME)")
      ->type_name("PATH");
  AddConnection(get, all.file_get.conn, all.security);
  auto* ls = file->add_subcommand("ls", "List the peer's files with size, SHA-256 and time")->alias("list");
  AddConnection(ls, all.file_ls.conn, all.security);
  auto* rm = file->add_subcommand("rm", "Delete NAME from the peer")->alias("del");
  rm->add_option("NAME", all.file_rm.name, "Name on the peer")->required();
  AddConnection(rm, all.file_rm.conn, all.security);
  return {{put, [&all] { return FilePutCommand(all.file_put); }},
          {get, [&all] { return FileGetCommand(all.file_get); }},
          {ls, [&all] { return FileListCommand(all.file_ls); }},
          {rm, [&all] { return FileRmCommand(all.file_rm); }}};
}

// ---- [SECTION] status, peers, ps, events, version ------------------------------------

std::vector<Command> AddNodes(CLI::App& app, AllOptions& all) {
  auto* status = app.add_subcommand("status",
                                    "Show a node's status: a peer's load, memory and disk, or the "
                                    "tracker's view of the cluster");
  AddConnection(status, all.status, all.security);
  status->footer("Point --port at a peer (9000 by default) or at the tracker (8888): the reply says which it is.");
  all.peers.port = params::kDefaultTrackerPort;
  auto* peers =
      app.add_subcommand("peers", "List the live peers the tracker knows, with their load and last heartbeat");
  AddConnection(peers, all.peers, all.security);
  peers->footer("The tracker's view lags the peers by up to one heartbeat interval.");
  all.ps.conn.port = params::kDefaultTrackerPort;
  auto* ps = app.add_subcommand("ps",
                                "List the cluster's live tasks: where each is, whether it runs, waits or is ready, "
                                "and its CPU time");
  ps->add_flag("--tree", all.ps.tree, "Show each task under the task that submitted it, as pstree does");
  AddConnection(ps, all.ps.conn, all.security);
  ps->footer(
      "Examples:\n"
      "  osgrid ps                 every unfinished task of the cluster whose tracker is on 8888\n"
      "  osgrid ps --tree          the same, children indented under their parents\n"
      "  osgrid ps --json          the tracker's TASKS reply, {\"tasks\": [...], \"seq\": N}, for programs\n"
      "Columns: ID (peer/number, sorted peer then number), NAME (the function), PEER (where it\n"
      "is now), STATE (ready: submitted, queued or preempted; running: it has a CPU; waiting:\n"
      "blocked on a resource; zombie: it ended, and its parent has not waited for it yet),\n"
      "PRI (priority, lower = more urgent; - for none), CPU (CPU time as its peer last\n"
      "reported it, when it was preempted or blocked), PARENT (the task that submitted it,\n"
      "or <peer>/init once its parent ended). The last line counts them: \"3 tasks: 1 running,\n"
      "2 ready, 0 waiting\" (and \", 1 zombie\" when there are any).\n"
      "The tracker answers from its event stream (docs/events.md), so a task shows as soon as\n"
      "its event arrives and is gone once it has finished. An observer credential may use it.");
  all.events.conn.port = params::kDefaultTrackerPort;
  auto* events = app.add_subcommand("events", "Follow the cluster's events live, one line each, until Ctrl-C");
  events->add_option("--type", all.events.types, "Only events whose type starts with PREFIX (repeatable)")
      ->type_name("PREFIX")
      ->allow_extra_args(false);
  events->add_option("--count", all.events.count, "Stop after N events")->type_name("N");
  AddConnection(events, all.events.conn, all.security);
  events->footer(
      "Examples:\n"
      "  osgrid events                           every event of the cluster whose tracker is on 8888\n"
      "  osgrid events --type task --json        task.* events as JSON Lines\n"
      "  osgrid events --type peer.dead --type task.finished\n"
      "Types and fields: docs/events.md. A --type that names no event type is refused (exit 2).\n"
      "events.lost always comes: a gap is never hidden. Too slow a reader is cut off by the\n"
      "tracker (LIMIT), with the reason.");
  all.deadlock.conn.port = params::kDefaultTrackerPort;
  auto* deadlock = app.add_subcommand("deadlock",
                                      "Show the cluster's Locks, Resources, Semaphores and MessageQueues with their "
                                      "holders and waiters, and any deadlock or stall the tracker found");
  deadlock->add_option("NAME", all.deadlock.name, "Show this object only")->type_name("NAME");
  deadlock
      ->add_option("--mode", all.deadlock.mode,
                   "Switch the tracker to detect, recover or avoid from now on (starts the history afresh; "
                   "into or out of avoid only while no Lock or Resource is in use)")
      ->check(CLI::IsMember({"detect", "recover", "avoid"}))
      ->type_name("MODE");
  AddConnection(deadlock, all.deadlock.conn, all.security);
  deadlock->footer(
      "Examples:\n"
      "  osgrid deadlock              the tracker's mode (detect, recover, avoid), deadlocks, stall, objects,\n"
      "                               and what it found since its mode was set (a line per event)\n"
      "  osgrid deadlock fork-1       one object: its holders and waiters\n"
      "  osgrid deadlock --mode avoid from now on, grant only what keeps a safe sequence (Banker's)\n"
      "  osgrid deadlock --json       the tracker's DEADLOCK_REPLY\n"
      "A deadlock is a cycle of tasks each waiting for a Lock or Resource the next holds; a stall is\n"
      "every live task waiting on a Semaphore or MessageQueue (a lost wake-up). docs/sync.md.\n"
      "Exit status: 0, also when there is a deadlock; 1 for an unknown NAME or an unreachable tracker.");
  return {{status, [&all] { return StatusCommand(all.status); }},
          {peers, [&all] { return PeersCommand(all.peers); }},
          {ps, [&all] { return PsCommand(all.ps); }},
          {events, [&all] { return EventsCommand(all.events); }},
          {deadlock, [&all] { return DeadlockCommand(all.deadlock); }}};
}

Command AddVersion(CLI::App& app) {
  auto* version = app.add_subcommand("version", "Print the version of osgrid and of its protocol");
  version->footer("");
  return {version, [] { return VersionCommand(); }};
}

// ---- [SECTION] run -----------------------------------------------------------------------

/// Prints every problem of a scenario file ("file:line:column: ..."), then the summary line.
int ScenarioProblems(const std::string& path, const Status& status) {
  if (status.code() != Code::kBadRequest) return Fail(status, kExitUsage, false);
  const std::string& detail = status.detail();
  std::cerr << detail;
  std::size_t count = std::count(detail.begin(), detail.end(), '\n');
  // Past 50 the reader only counts: its last line is "FILE: N more problems not shown; ...".
  std::size_t last = detail.rfind('\n', detail.size() >= 2 ? detail.size() - 2 : 0);
  std::string_view tail = std::string_view(detail).substr(last == std::string::npos ? 0 : last + 1);
  const std::string prefix = path + ": ";
  if (tail.rfind(prefix, 0) == 0 && tail.find(" more problem") != std::string_view::npos) {
    std::size_t hidden = 0;
    const char* digits = tail.data() + prefix.size();
    if (std::from_chars(digits, tail.data() + tail.size(), hidden).ec == std::errc()) count += hidden - 1;
  }
  std::cerr << "osgrid: BAD_REQUEST: " << path << " has " << count << (count == 1 ? " problem" : " problems")
            << "; nothing was started\n";
  return kExitUsage;
}

/// `osgrid run`'s own clients are members of the cluster it starts: they
/// never prove the observer secret. The nodes get that secret only along
/// with a cluster secret (an open cluster has no use for it); without one it
/// is dropped, with a warning.
RunOptions WithRunSecurity(RunOptions options) {
  if (options.secret.empty() && !options.observer_secret.empty()) {
    std::cerr << "osgrid: warning: the observer secret is not used: the cluster this run starts is open (no "
                 "cluster secret)\n";
    options.observer_secret.clear();
  }
  net::ClientSecurity security = net::DefaultClientSecurity();
  security.observer_secret.clear();
  net::SetDefaultClientSecurity(security);
  return options;
}

/// --step: before each step, waits for Enter; "c" and Enter, or the end of
/// the input, runs the rest without pausing. The cluster runs on meanwhile.
std::function<void(std::size_t, std::size_t)> PauseBeforeSteps() {
  auto pausing = std::make_shared<bool>(true);
  return [pausing](std::size_t number, std::size_t steps) {
    if (!*pausing) return;
    std::cout << "       paused: Enter runs step " << number << " of " << steps
              << " (c and Enter: the rest without pausing) " << std::flush;
    std::string line;
    if (!std::getline(std::cin, line) || line == "c") *pausing = false;
  };
}

/// --viz: starts osgrid-viz, from the folder of the nodes it starts, attached to the
/// run's tracker, with the run's secret in its environment. It has its own
/// process group, so Ctrl-C stops the run and not the viewer, and it stays
/// open when the run ends, showing the final state until it is closed.
std::function<void(std::uint16_t)> StartViewer(const RunOptions& options) {
  const std::string bin_dir = options.bin_dir.empty() ? scenario::ProgramDir() : options.bin_dir;
  return [secret = options.secret, observer = options.observer_secret, bin_dir](std::uint16_t port) {
    const std::string viewer = bin_dir + "/osgrid-viz";
    if (::access(viewer.c_str(), X_OK) != 0) {
      std::cerr << "osgrid: --viz: " << viewer << " was not built (configure says what it lacks: Dear ImGui, "
                << "GLFW, OpenGL; scripts/install-deps installs them); running without it\n";
      return;
    }
    if (std::getenv("DISPLAY") == nullptr && std::getenv("WAYLAND_DISPLAY") == nullptr) {
      std::cerr << "osgrid: --viz: no DISPLAY, so no window can open; running without the viewer\n";
      return;
    }
    const std::string tracker = "127.0.0.1:" + std::to_string(port);
    std::vector<std::string> env;
    for (char** entry = environ; *entry != nullptr; ++entry) env.emplace_back(*entry);
    if (!observer.empty()) env.push_back("OSGRID_OBSERVER_SECRET=" + observer);
    if (!secret.empty() && observer.empty()) env.push_back("OSGRID_SECRET=" + secret);
    std::vector<char*> argv = {const_cast<char*>(viewer.c_str()), const_cast<char*>("--tracker"),
                               const_cast<char*>(tracker.c_str()), nullptr};
    std::vector<char*> envp;
    for (std::string& entry : env) envp.push_back(entry.data());
    envp.push_back(nullptr);
    posix_spawnattr_t attributes;
    posix_spawnattr_init(&attributes);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attributes, 0);
    pid_t pid = 0;
    const int failed = posix_spawn(&pid, viewer.c_str(), nullptr, &attributes, argv.data(), envp.data());
    posix_spawnattr_destroy(&attributes);
    if (failed != 0) {
      std::cerr << "osgrid: --viz: cannot start " << viewer << ": " << std::strerror(failed) << "\n";
      return;
    }
    std::cout << "viewer: osgrid-viz (pid " << pid << ") attached to the tracker at " << tracker
              << "; it keeps the final state on screen when the run ends\n";
  };
}

int RunCommand(const std::string& path, const RunOptions& run_options, bool step, bool viz) {
  RunOptions options = WithRunSecurity(run_options);
  if (step) options.before_step = PauseBeforeSteps();
  if (viz) options.on_cluster_up = StartViewer(options);
  auto scenario = LoadScenario(path);
  if (!scenario.ok()) return ScenarioProblems(path, scenario.status());
  // Ctrl-C (or SIGTERM, SIGHUP) stops the cluster before the process exits.
  InterruptGuard guard([](int signal_number) {
    std::cout.flush();
    const char* name = signal_number == SIGINT ? "Ctrl-C" : signal_number == SIGTERM ? "SIGTERM" : "SIGHUP";
    std::cerr << "\nosgrid: interrupted by " << name << "; stopping the cluster...\n";
    std::vector<std::string> kept = LocalCluster::StopAll();
    std::cerr << "osgrid: cluster stopped" << (kept.empty() ? "" : "; logs kept in " + kept.front()) << "\n";
  });
  auto summary = RunScenario(*scenario, options, std::cout);
  if (!summary.ok()) return Fail(summary.status(), kExitRemote, false);
  return summary->ok() ? kExitOk : kExitRemote;
}

Command AddRun(CLI::App& app, AllOptions& all) {
  auto* run = app.add_subcommand("run",
                                 "Start a local tracker and peers, run a scenario file's steps and check "
                                 "its expectations");
  run->add_option("FILE", all.scenario, "The scenario file (YAML; format in docs/scenarios.md)")->required();
  run->add_flag("--keep-logs", all.run.keep_logs, "Keep the run folder (daemon logs, peer storage) even if all passed");
  run->add_flag("-v,--verbose", all.run.verbose, "Also print every request and reply, and every task of a batch");
  run->add_option("--record", all.run.record_path,
                  "Write every event of the run to TRACE (JSON Lines; read it with osgrid replay)")
      ->type_name("TRACE");
  run->add_flag("--step", all.run_step,
                "Pause before each step until Enter is pressed (c and Enter: run the rest); the cluster runs on");
  run->add_flag("--viz", all.run_viz,
                "Start osgrid-viz attached to the scenario's cluster; it stays open, on the final state, after "
                "the run");
  AddSecurity(run, all.security, /*tls=*/false);
  run->footer(
      "Examples:\n  osgrid run scenarios/quickstart.yaml\n"
      "  osgrid run scenarios/live-philosophers.yaml --viz --step   (in class: the viewer, one step at a time)\n"
      "  osgrid run scenarios/quickstart.yaml --record q.trace && osgrid replay q.trace\n"
      "The file is checked completely before anything starts. The processes are stopped at the\n"
      "end, on failure and on Ctrl-C. Exit status: 0 if every expectation held, 1 if not,\n"
      "2 for a bad scenario file, 130 after Ctrl-C. With a cluster secret (OSGRID_SECRET or\n"
      "--secret-file) the cluster it starts authenticates every connection with it; with an\n"
      "observer secret as well (OSGRID_OBSERVER_SECRET or --observer-secret-file) a viewer may watch it.");
  return {run, [&all] { return RunCommand(all.scenario, all.run, all.run_step, all.run_viz); }};
}

// ---- [SECTION] replay ---------------------------------------------------------------------

Command AddReplay(CLI::App& app, ReplayOptions& o) {
  auto* replay = app.add_subcommand("replay", "Print a trace file, a recorded stream of events (osgrid sim --trace)");
  replay->add_option("FILE", o.path, "The trace file; - reads stdin")->required();
  replay->add_flag("--json", o.json,
                   "Print each event as one JSON line, as the trace stores it (no header or summary)");
  replay
      ->add_option("--type", o.types,
                   "Only events of this type or family, e.g. task.finished or page (repeat it, or a,b)")
      ->type_name("PREFIX")
      ->delimiter(',')
      ->allow_extra_args(false);
  replay
      ->add_option("--chrome", o.chrome,
                   "Instead, write the run as Chrome trace-event JSON to OUT (- for stdout), for Perfetto "
                   "(ui.perfetto.dev) or chrome://tracing: a row per peer's core, instants for deadlocks")
      ->type_name("OUT")
      ->excludes("--json")
      ->excludes("--type");
  replay->footer(
      "Examples:\n"
      "  osgrid sim sched -p RR -q 2 -l 5,3 --trace rr.trace && osgrid replay rr.trace\n"
      "  osgrid replay rr.trace --type task.finished --type cpu\n"
      "  osgrid sim page -a 1,2,3,1,4 -C 3 --trace - | osgrid replay - --json\n"
      "  osgrid run scenarios/live-philosophers.yaml --record p.trace && osgrid replay p.trace --chrome p.json\n"
      "Prints the header, a line per event and a summary (events read, unknown types skipped,\n"
      "gaps). Exit status: 0; 1 for a trace that cannot be read, is cut or is corrupt (FILE:LINE:\n"
      "says where, after the events before it); 2 for a --type that names no event type.");
  return {replay, [&o] { return ReplayCommand(o); }};
}

// ---- [SECTION] RunCommandLine -------------------------------------------------------------

/// "osgrid mem set": the deepest subcommand the parser reached.
std::string CommandPath(const CLI::App& app) {
  std::string path = app.get_name();
  const CLI::App* current = &app;
  while (!current->get_subcommands().empty()) {
    current = current->get_subcommands().front();
    path += " " + current->get_name();
  }
  return path;
}

/// For "osgrid", "osgrid mem" or "osgrid bogus": what is missing or unknown,
/// and the commands there are at that level.
std::string SubcommandProblem(const CLI::App& app, int argc, char** argv) {
  const CLI::App* level = &app;
  std::string path = "osgrid", unknown;
  for (int i = 1; i < argc && unknown.empty(); ++i) {
    std::string word = argv[i];
    if (word.rfind('-', 0) == 0) continue;
    auto subs = level->get_subcommands([&](const CLI::App* sub) { return sub->check_name(word); });
    if (subs.empty()) {
      unknown = word;
    } else {
      level = subs.front();
      path += " " + word;
    }
  }
  std::string names;
  for (const CLI::App* sub : level->get_subcommands([](const CLI::App*) { return true; })) {
    names += (names.empty() ? "" : ", ") + sub->get_name();
  }
  if (unknown.empty()) return path + " needs a command: " + names;
  return "unknown command '" + unknown + "' for " + path + "; the commands are: " + names;
}

int UsageError(const CLI::App& app, std::string message) {
  // CLI11 starts messages with a capital ("Could not convert..."); we continue a sentence.
  if (message.size() > 1 && std::isupper(static_cast<unsigned char>(message[0])) &&
      std::islower(static_cast<unsigned char>(message[1]))) {
    message[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(message[0])));
  }
  std::cerr << "osgrid: BAD_REQUEST: " << message << " (see '" << CommandPath(app) << " --help')\n";
  return kExitUsage;
}

void Describe(CLI::App& app) {
  app.get_formatter()->column_width(34);
  app.require_subcommand(1);
  // The labs' versions too: a live lab's Gradescope bundle runs `osgrid lab
  // grade`, and its run_autograder checks these pins (labs/README.md).
  std::string versions = grade::VersionText();
  versions.pop_back();  // CLI11 adds the last newline
  app.set_version_flag("--version", versions, "Print osgrid's version and each lab's, and exit");
  app.footer(
      "Every client command talks to one node: --host and --port choose it (a peer on 9000 by default;\n"
      "the tracker on 8888). Add --json for machine-readable replies.\n"
      "Exit status: 0 success, 1 error from the cluster or network, 2 bad usage or input.\n"
      "Run 'osgrid COMMAND --help' for a command's options; the manual is docs/cli.md.");
}

}  // namespace

int RunCommandLine(int argc, char** argv) {
  // Before the command line is built: the heap must still be small for this to take (sim.h).
  if (argc > 1 && std::string_view(argv[1]) == "sim") sim::UseHugePagesForTheHeap();
  CLI::App app(
      "osgrid: share CPU, memory and disk across a cluster of peer processes\n"
      "(the client and scenario runner of the osgrid operating-systems lab)",
      "osgrid");
  Describe(app);
  AllOptions all;
  std::vector<Command> commands = {AddCpu(app, all.cpu, all.security), AddBatch(app, all.batch, all.security),
                                   AddCancel(app, all.cancel, all.security), AddKill(app, all.kill, all.security)};
  for (auto* group : {&AddMem, &AddFile, &AddNodes}) {
    for (Command& command : group(app, all)) commands.push_back(std::move(command));
  }
  commands.push_back(AddRun(app, all));
  auto [sim, run_sim] = sim::AddSimCommand(app);
  commands.push_back({sim, std::move(run_sim)});
  commands.push_back(AddReplay(app, all.replay));
  RegisterLiveLabs();
  auto [lab, run_lab] = grade::AddLabCommand(app, [](const std::vector<std::string>& args) {
    sim::Outcome run = sim::RunSim(args);
    return run.ok() ? std::nullopt : std::optional<std::string>(run.status().message());
  });
  commands.push_back({lab, std::move(run_lab)});
  commands.push_back(AddVersion(app));
  if (argc <= 1) {
    std::cout << app.help();
    return kExitUsage;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    if (error.get_exit_code() == 0) return app.exit(error);  // --help, --version
    bool no_command = std::string(error.what()).find("subcommand is required") != std::string::npos;
    return UsageError(app, no_command ? SubcommandProblem(app, argc, argv) : error.what());
  }
  grade::ScrubHiddenSeed(argc, argv);
  for (const Command& command : commands) {
    if (!command.app->parsed()) continue;
    const bool local = command.app == sim || command.app == lab || command.app->get_name() == "version" ||
                       command.app->get_name() == "replay";
    if (!local) {
      auto security = LoadClientSecurity(all.security);  // before anything is sent
      if (!security.ok()) return Fail(security.status(), kExitUsage, false);
      all.run.secret = security->secret;
      all.run.observer_secret = security->observer_secret;
      net::SetDefaultClientSecurity(security.value());
    }
    return command.run();
  }
  return UsageError(app, "no command given");
}

}  // namespace osgrid::cli
