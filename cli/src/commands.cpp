// The CPU and node commands of `osgrid` -- cpu, batch, status, peers, ps, deadlock, version --
// and what every client command shares: connecting, printing, failing.
#include "commands.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>

#include "osgrid/client/deadlock_view.h"
#include "osgrid/client/ops.h"
#include "osgrid/client/reply_view.h"
#include "osgrid/client/task_view.h"
#include "osgrid/client/text.h"
#include "osgrid/net/messages.h"

#ifndef OSGRID_VERSION
#define OSGRID_VERSION "unknown"
#endif

namespace osgrid::cli {

using client::BatchPeerCounts;
using client::CapturedOutput;
using client::CpuWhere;
using client::Field;
using client::FormatCounts;
using client::HumanMs;
using client::Indent;
using client::Ms;
using client::Number;
using client::PrintBatchTable;
using client::PrintPeerTable;
using client::PrintStatus;

using std::chrono::milliseconds;

namespace {

Result<std::string> ReadTextFile(const std::string& path, const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::Io("cannot read " + what + " '" + path + "': " + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

/// The program from --program or --file (CLI11 refuses both at once).
Result<std::string> LoadProgram(const std::string& program, const std::string& file) {
  if (!file.empty()) return ReadTextFile(file, "program file");
  if (program.empty()) return Status::BadRequest("give the Python program with --program SOURCE or --file PATH");
  return program;
}

Result<Json> ParseArgs(const std::string& text) {
  Json args = Json::parse(text, nullptr, false);
  if (args.is_discarded()) {
    return Status::BadRequest("--args must be a JSON array such as '[5]' or '[\"text\", 2.5]'; '" +
                              net::Sanitize(text) + "' is not JSON (quote it for the shell)");
  }
  if (!args.is_array()) {
    return Status::BadRequest("--args must be a JSON array of arguments; for one argument write '[" +
                              net::Sanitize(args.dump()) + "]'");
  }
  return args;
}

/// --each: a JSON array with one argument array per task.
Result<Json> ParseEach(const std::string& text) {
  Json each = Json::parse(text, nullptr, false);
  bool lists = !each.is_discarded() && each.is_array() && !each.empty();
  for (const Json& args : lists ? each : Json::array()) lists = lists && args.is_array();
  if (!lists) {
    return Status::BadRequest(
        "--each must be a non-empty JSON array with one argument array per task, "
        "e.g. '[[1],[2],[3]]'; got '" +
        net::Sanitize(text) + "'");
  }
  return each;
}

/// One task of a --tasks file: {program?, function?, args?, name?, priority?,
/// burst_ms?, tickets?}; the missing parts come from the flags.
Result<net::TaskRequest> TaskFromFile(const Json& item, std::size_t index, const BatchOptions& o) {
  std::string where = "--tasks file, task " + std::to_string(index) + ": ";
  if (!item.is_object()) return Status::BadRequest(where + "each task must be an object {program, function, args}");
  for (auto it = item.begin(); it != item.end(); ++it) {
    static const std::set<std::string> kFields = {"program",  "function", "args",   "name",
                                                  "priority", "burst_ms", "tickets"};
    if (kFields.count(it.key()) == 0) {
      return Status::BadRequest(where + "unknown field '" + net::Sanitize(it.key()) +
                                "' (fields: program, function, args, name, priority, burst_ms, tickets)");
    }
  }
  Json program = item.value("program", Json());
  Json function = item.value("function", Json(o.function));
  Json args = item.value("args", Json::array());
  if (!item.contains("program")) {
    auto loaded = LoadProgram(o.program, o.file);
    if (!loaded.ok()) return Status::BadRequest(where + "no 'program', and no --program or --file to use instead");
    program = *loaded;
  }
  if (!program.is_string() || !function.is_string() || !args.is_array()) {
    return Status::BadRequest(where + "program and function must be strings, args an array");
  }
  net::TaskRequest task = net::MakeTask(program, function, std::move(args));
  if (Status flags = ApplySchedFlags(o.sched, task); !flags.ok()) return flags;
  // The entry's own scheduling fields win over the flags; DecodeTask checks them.
  Json fields = net::EncodeTask(task);
  for (const char* key : {"name", "burst_ms", "tickets", "priority"}) {
    if (item.contains(key)) fields[key] = item[key];
  }
  if (fields.contains("priority") && fields["priority"].is_string()) {
    auto priority = net::ParsePriority(fields["priority"].get<std::string>());
    if (!priority.ok()) return Status::BadRequest(where + priority.status().message());
    fields["priority"] = *priority;
  }
  auto decoded = net::DecodeTask(fields);
  if (!decoded.ok()) return Status::BadRequest(where + decoded.status().message());
  return decoded;
}

/// The batch the options describe: --each or --tasks, with --timeout-task and --confidential.
Result<net::CpuBatchRequest> BatchRequest(const BatchOptions& o) {
  net::CpuBatchRequest batch;
  batch.confidential = o.confidential;
  if (!o.tasks_file.empty()) {
    auto text = ReadTextFile(o.tasks_file, "tasks file");
    if (!text.ok()) return text.status();
    Json items = Json::parse(*text, nullptr, false);
    if (items.is_discarded() || !items.is_array() || items.empty()) {
      return Status::BadRequest("--tasks file '" + o.tasks_file + "' must hold a non-empty JSON array of tasks");
    }
    for (std::size_t i = 0; i < items.size(); ++i) {
      auto task = TaskFromFile(items[i], i, o);
      if (!task.ok()) return task.status();
      batch.tasks.push_back(std::move(*task));
    }
  } else {
    if (o.each.empty()) return Status::BadRequest("give the tasks with --each '[[1],[2]]' or --tasks FILE");
    auto program = LoadProgram(o.program, o.file);
    if (!program.ok()) return program.status();
    auto each = ParseEach(o.each);
    if (!each.ok()) return each.status();
    for (const Json& args : *each) {
      batch.tasks.push_back(net::MakeTask(*program, o.function, args));
      if (Status flags = ApplySchedFlags(o.sched, batch.tasks.back()); !flags.ok()) return flags;
    }
  }
  if (o.task_timeout_s > 0) {
    for (net::TaskRequest& task : batch.tasks) task.timeout_ms = Ms(o.task_timeout_s).count();
  }
  return batch;
}

void PrintBatch(const Json& reply) {
  PrintBatchTable(reply, std::cout, "");
  auto counts = BatchPeerCounts(reply);
  std::cout << reply.value("results", Json::array()).size() << " tasks in " << HumanMs(Number(reply, "total_ms"))
            << " on " << counts.size() << (counts.size() == 1 ? " peer: " : " peers: ") << FormatCounts(counts) << "\n";
  int shown = 0;
  for (const Json& task : reply.value("results", Json::array())) {
    if (!task.is_object() || task.value("ok", true) || task.value("detail", "").empty() || shown++ == 3) continue;
    std::cout << "task " << Field(task, "index") << " on " << Field(task, "peer") << ":\n"
              << Indent(task.value("detail", ""), "  ") << "\n";
  }
}

}  // namespace

// ---- Shared by every client command ------------------------------------------

Result<net::ClientSecurity> LoadClientSecurity(const SecurityFlags& flags) {
  auto secret = net::LoadSecret(flags.secret_file, net::Access::kMember);
  if (!secret.ok()) return secret.status();
  auto observer = net::LoadSecret(flags.observer_secret_file, net::Access::kObserver);
  if (!observer.ok()) return observer.status();
  for (const net::LoadedSecret* loaded : {&secret.value(), &observer.value()}) {
    if (!loaded->warning.empty()) std::cerr << "osgrid: warning: " << loaded->warning << "\n";
  }
  return net::ClientSecurity{secret->secret, flags.tls_ca, observer->secret};
}

int Fail(const Status& status, int exit_status, bool json) {
  if (json) std::cout << net::MakeError(nullptr, status).dump(-1, ' ', false, Json::error_handler_t::replace) << "\n";
  std::cout.flush();
  std::cerr << "osgrid: " << CodeName(status.code()) << ": " << status.message() << "\n";
  if (!status.detail().empty()) std::cerr << Indent(status.detail(), "  ") << "\n";
  return exit_status;
}

Result<std::unique_ptr<net::Client>> Open(const Connection& conn, milliseconds io_timeout) {
  net::ClientOptions options;
  options.connect_timeout = std::min(Ms(conn.timeout_s), milliseconds(5000));
  options.io_timeout = io_timeout;
  options.role = "client";
  return net::Client::Connect(conn.host, static_cast<std::uint16_t>(conn.port), options);
}

std::string NodeName(const net::Client& client) {
  return client.server_hello().value("node", client.server_hello().value("role", "?"));
}

int PrintReply(const Connection& conn, const Json& reply, const std::function<void()>& text) {
  if (conn.json) {
    std::cout << reply.dump(-1, ' ', false, Json::error_handler_t::replace) << "\n";
  } else {
    text();
  }
  return kExitOk;
}

// ---- cpu, batch ----------------------------------------------------------------

Status ApplySchedFlags(const SchedFlags& flags, net::TaskRequest& task) {
  if (!flags.priority.empty()) {
    auto priority = net::ParsePriority(flags.priority);
    if (!priority.ok()) return Status::BadRequest("--priority: " + priority.status().message());
    task.priority = *priority;
  }
  if (flags.burst_ms >= 0) task.burst_ms = flags.burst_ms;
  if (flags.tickets > 0) task.tickets = flags.tickets;
  if (!flags.name.empty()) task.name = flags.name;
  if (flags.cpu_limit_s > 0) task.cpu_limit_ms = Ms(flags.cpu_limit_s).count();
  if (!flags.claims.empty()) {
    Json claims = Json::parse(flags.claims, nullptr, /*allow_exceptions=*/false);
    if (claims.is_discarded()) {
      return Status::BadRequest("--claims: not JSON: " + flags.claims + " (e.g. '{\"fork-1\": 1, \"fork-2\": 1}')");
    }
    auto decoded = net::DecodeClaims(claims);
    if (!decoded.ok()) return Status::BadRequest("--claims: " + decoded.status().message());
    task.claims = std::move(decoded).value();
  }
  return Status::Ok();
}

int CpuCommand(const CpuOptions& o) {
  auto program = LoadProgram(o.program, o.file);
  if (!program.ok()) return Fail(program.status(), kExitUsage, o.conn.json);
  auto args = ParseArgs(o.args);
  if (!args.ok()) return Fail(args.status(), kExitUsage, o.conn.json);
  net::CpuTaskRequest request{net::MakeTask(*program, o.function, *args)};
  request.confidential = o.confidential;
  if (o.task_timeout_s > 0) request.task.timeout_ms = Ms(o.task_timeout_s).count();
  if (Status flags = ApplySchedFlags(o.sched, request.task); !flags.ok()) return Fail(flags, kExitUsage, o.conn.json);

  auto peer = Open(o.conn, Ms(o.conn.timeout_s));
  if (!peer.ok()) return Fail(peer.status(), kExitRemote, o.conn.json);
  auto ran = client::Cpu(**peer, request, Ms(o.conn.timeout_s));
  if (!ran.ok()) return Fail(ran.status(), kExitRemote, o.conn.json);
  return PrintReply(o.conn, ran->raw, [&] {
    std::string result = ran->value.result.dump(-1, ' ', false, Json::error_handler_t::replace);
    std::cout << result << (result.size() > 60 ? "\n" : "   ") << CpuWhere(ran->raw) << "\n"
              << CapturedOutput(ran->raw, "");
  });
}

int BatchCommand(const BatchOptions& o) {
  auto batch = BatchRequest(o);
  if (!batch.ok()) return Fail(batch.status(), kExitUsage, o.conn.json);
  auto peer = Open(o.conn, Ms(o.conn.timeout_s));
  if (!peer.ok()) return Fail(peer.status(), kExitRemote, o.conn.json);
  auto ran = client::Batch(**peer, *batch, Ms(o.conn.timeout_s));
  if (!ran.ok()) return Fail(ran.status(), kExitRemote, o.conn.json);
  PrintReply(o.conn, ran->raw, [&] { PrintBatch(ran->raw); });
  std::size_t failed = ran->value.failed();
  if (failed == 0) return kExitOk;
  return Fail(Status(Code::kTaskFailed,
                     std::to_string(failed) + " of " + std::to_string(batch->tasks.size()) + " tasks failed"),
              kExitRemote, /*json=*/false);
}

// ---- status, peers, ps, version ---------------------------------------------------

/// "  sandbox  strict: pid-ns, net-ns, ...", and with layers missing (auto)
/// a second line saying why; then "  python   3.11.7 (home /usr)", the Python
/// tasks run in (from peers that report it).
void PrintSandbox(const Json& sandbox, std::ostream& out) {
  std::string layers;
  for (const Json& layer : sandbox.value("layers", Json::array())) {
    layers += (layers.empty() ? "" : ", ") + layer.get<std::string>();
  }
  std::string mode = sandbox.value("mode", "?");
  out << "  sandbox  " << mode << ": " << (layers.empty() ? "no isolation" : layers) << "\n";
  std::string missing = sandbox.value("missing", "");
  if (!missing.empty()) out << "           missing: " << missing << "\n";
  std::string python_home = sandbox.value("python_home", "");
  if (!python_home.empty()) {
    out << "  python   " << sandbox.value("python_version", "?") << " (home " << python_home << ")\n";
  }
}

int StatusCommand(const Connection& conn) {
  auto client = Open(conn, Ms(conn.timeout_s));
  if (!client.ok()) return Fail(client.status(), kExitRemote, conn.json);
  auto reply = client::NodeStatus(**client, Ms(conn.timeout_s));
  if (!reply.ok()) return Fail(reply.status(), kExitRemote, conn.json);
  return PrintReply(conn, *reply, [&] {
    PrintStatus(*reply, std::cout, "");
    if (reply->contains("auth")) {  // the tracker says how the cluster is secured
      std::cout << "  security   auth: "
                << (reply->value("auth", "") == "none" ? "open (loopback only)" : Field(*reply, "auth"))
                << ", tls: " << (reply->value("tls", false) ? "on" : "off")
                << (reply->value("observers", false) ? ", observers: yes" : "") << "\n";
    }
    if (reply->value("access", "") == "observer") {
      std::cout << "  access     observer: this connection may watch, not submit or change anything\n";
    }
    if (reply->contains("sandbox")) PrintSandbox((*reply)["sandbox"], std::cout);
  });
}

namespace {

/// A tracker-only request's error; when `client` talks to a peer, with a hint to point --port at the tracker.
int FailAtTracker(const Connection& conn, const net::Client& client, Status status) {
  if (client.server_hello().value("role", "") == "peer") {
    status = Status(status.code(), status.message() + " (" + conn.host + ":" + std::to_string(conn.port) +
                                       " is a peer; point --port at the tracker, 8888 by default)");
  }
  return Fail(status, kExitRemote, conn.json);
}

}  // namespace

int PeersCommand(const Connection& conn) {
  auto client = Open(conn, Ms(conn.timeout_s));
  if (!client.ok()) return Fail(client.status(), kExitRemote, conn.json);
  auto reply = client::Peers(**client, Ms(conn.timeout_s));
  if (!reply.ok()) return FailAtTracker(conn, **client, reply.status());
  return PrintReply(conn, reply->raw, [&] {
    PrintPeerTable(reply->raw, std::cout, "");
    std::size_t count = reply->value.peers.size();
    std::cout << count << (count == 1 ? " live peer" : " live peers") << " known to " << NodeName(**client) << "\n";
  });
}

int CancelCommand(const CancelOptions& o) {
  auto first = Open(o.conn, Ms(o.conn.timeout_s));
  if (!first.ok()) return Fail(first.status(), kExitRemote, o.conn.json);
  std::unique_ptr<net::Client> peer = std::move(first).value();
  if (peer->server_hello().value("role", "") != "peer") {  // the tracker: find the task's peer
    const std::string origin = client::OriginOf(o.task_id);
    auto peers = client::Peers(*peer, Ms(o.conn.timeout_s));
    if (!peers.ok()) return Fail(peers.status(), kExitRemote, o.conn.json);
    auto found = std::find_if(peers->value.peers.begin(), peers->value.peers.end(),
                              [&](const net::PeerList::Entry& entry) { return entry.id == origin; });
    if (found == peers->value.peers.end()) {
      return Fail(Status::NotFound("task id '" + net::Sanitize(o.task_id) + "' names no live peer" +
                                   (origin.empty() ? "" : " ('" + net::Sanitize(origin) + "' is not one)") +
                                   "; ids look like peer-1/7 (see osgrid ps)"),
                  kExitRemote, o.conn.json);
    }
    Connection at = o.conn;
    at.host = found->host;
    at.port = static_cast<std::uint16_t>(found->port);
    auto opened = Open(at, Ms(o.conn.timeout_s));
    if (!opened.ok()) return Fail(opened.status(), kExitRemote, o.conn.json);
    peer = std::move(opened).value();
  }
  auto reply = client::Cancel(*peer, o.task_id, Ms(o.conn.timeout_s), o.group);
  if (!reply.ok()) return Fail(reply.status(), kExitRemote, o.conn.json);
  return PrintReply(o.conn, *reply, [&] {
    if (Field(*reply, "was") == "finished") {  // a group whose root had ended
      std::cout << "killed the " << reply->value("members", 0) << " live tasks of " << Field(*reply, "task_id")
                << "'s group on " << Field(*reply, "peer") << " (" << Field(*reply, "task_id")
                << " itself had finished)\n";
      return;
    }
    std::cout << (o.group ? "killed " : "cancelled ") << Field(*reply, "task_id")
              << (o.group ? " and its descendants" : "") << " on " << Field(*reply, "peer") << " (it was "
              << Field(*reply, "was") << ")\n";
  });
}

int PsCommand(const PsOptions& o) {
  auto client = Open(o.conn, Ms(o.conn.timeout_s));
  if (!client.ok()) return Fail(client.status(), kExitRemote, o.conn.json);
  auto reply = client::Tasks(**client, Ms(o.conn.timeout_s));
  if (!reply.ok()) return FailAtTracker(o.conn, **client, reply.status());
  return PrintReply(o.conn, reply->raw, [&] {
    if (o.tree) {
      client::PrintTaskTree(reply->value, std::cout);
    } else {
      client::PrintTaskTable(reply->value, std::cout);
    }
    std::cout << client::TaskSummary(reply->value) << "\n";
  });
}

int DeadlockCommand(const DeadlockOptions& o) {
  auto client = Open(o.conn, Ms(o.conn.timeout_s));
  if (!client.ok()) return Fail(client.status(), kExitRemote, o.conn.json);
  auto reply = client::Deadlock(**client, o.name, o.mode, Ms(o.conn.timeout_s));
  if (!reply.ok()) return FailAtTracker(o.conn, **client, reply.status());
  return PrintReply(o.conn, *reply, [&] { client::PrintDeadlock(*reply, std::cout); });
}

int VersionCommand() {
  std::cout << "osgrid " << OSGRID_VERSION << " (protocol " << params::kProtocolVersion << ")\n";
  return kExitOk;
}

}  // namespace osgrid::cli
