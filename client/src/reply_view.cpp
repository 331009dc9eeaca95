// How replies read on screen (see reply_view.h).
#include "osgrid/client/reply_view.h"

#include <vector>

#include "osgrid/client/text.h"

namespace osgrid::client {
namespace {

std::uint64_t Bytes(const Json& object, const char* key) {
  double value = Number(object, key, 0);
  return value > 0 ? static_cast<std::uint64_t>(value) : 0;
}

std::string Ms(const Json& object, const char* key) {
  return object.contains(key) ? HumanMs(Number(object, key)) : "-";
}

// One row of a batch table: a result, or "CODE: message" for a failed task.
std::vector<std::string> BatchRow(const Json& task) {
  std::string outcome = task.value("ok", false) ? ShortJson(task.value("result", Json()), 50)
                                                : Field(task, "code") + ": " + Field(task, "message");
  if (outcome.size() > 70) outcome = outcome.substr(0, 67) + "...";
  return {Field(task, "index"), Field(task, "peer"), Ms(task, "queued_ms"), Ms(task, "run_ms"), outcome};
}

/// "a,b,c" from a JSON array of numbers.
std::string CommaList(const Json& list) {
  std::string text;
  if (!list.is_array()) return text;
  for (const Json& item : list) text += (text.empty() ? "" : ",") + item.dump();
  return text;
}

/// The scheduler's policy and settings, from STATUS's "scheduler" object:
/// "RR, quantum 50 ms"; "MLFQ, quanta 10,20,40 ms, allotment 1,1,1 quanta, boost 1 s".
std::string SchedulerLine(const Json& settings) {
  if (settings.is_string()) return settings.get<std::string>();  // a peer before the scheduler report
  if (!settings.is_object()) return "-";
  std::string line = Field(settings, "policy");
  if (settings.contains("quantum_ms") && !settings.contains("mlfq")) {
    line += ", quantum " + HumanMs(Number(settings, "quantum_ms"));
  }
  if (Number(settings, "aging_ms", 0) > 0) line += ", aging every " + HumanMs(Number(settings, "aging_ms"));
  if (settings.contains("mlfq")) {
    const Json& mlfq = settings["mlfq"];
    line += ", quanta " + CommaList(mlfq.value("quantum_ms", Json())) + " ms, allotment " +
            CommaList(mlfq.value("allotment", Json())) + " quanta";
    line += Number(mlfq, "boost_ms", 0) > 0 ? ", boost every " + HumanMs(Number(mlfq, "boost_ms")) : ", no boost";
  }
  return line;
}

void PrintPeerStatusLines(const Json& s, std::ostream& out, std::string_view indent) {
  out << indent << Field(s, "node") << " (peer)   up " << HumanSeconds(Number(s, "uptime_s")) << ", scheduler "
      << SchedulerLine(s.value("scheduler", Json())) << "\n";
  out << indent << "  cpu      " << Field(s, "cores") << " cores, " << Field(s, "running") << " running, "
      << Field(s, "queue_length") << " queued, load " << Field(s, "load");
  const Json scheduling = s.value("scheduling", Json());
  if (scheduling.is_object()) {
    out << "; " << Field(scheduling, "preemptions") << " preemptions, " << Field(scheduling, "context_switches")
        << " context switches";
  }
  out << "\n";
  out << indent << "  tasks    " << Field(s, "tasks_done") << " done, " << Field(s, "tasks_failed") << " failed, "
      << Field(s, "tasks_forwarded") << " forwarded to other peers\n";
  out << indent << "  memory   " << Field(s, "mem_entries") << " keys, " << HumanBytes(Bytes(s, "mem_bytes")) << " of "
      << HumanBytes(Bytes(s, "mem_limit_bytes"))
      << (s.contains("mem_allocator") ? " arena, allocator " + Field(s, "mem_allocator") : std::string()) << "\n";
  out << indent << "  disk     " << Field(s, "files") << " files, " << HumanBytes(Bytes(s, "disk_bytes")) << " of "
      << HumanBytes(Bytes(s, "disk_limit_bytes")) << "\n";
  out << indent << "  tracker  " << Field(s, "tracker")
      << (s.value("registered", false) ? " (registered)" : " (NOT registered)") << "\n";
}

void PrintTrackerStatusLines(const Json& s, std::ostream& out, std::string_view indent) {
  Json totals = s.value("totals", Json::object());
  std::string node = Field(s, "node");
  out << indent << (node == "tracker" ? node : node + " (tracker)") << "   up " << HumanSeconds(Number(s, "uptime_s"))
      << "\n";
  out << indent << "  peers      " << Field(s, "peers") << " live, " << Field(s, "peers_died")
      << " declared dead since start\n";
  out << indent << "  cluster    " << Field(totals, "cores") << " cores, " << Field(totals, "running") << " running, "
      << Field(totals, "queue_length") << " queued\n";
  out << indent << "  heartbeat  every " << HumanSeconds(Number(s, "heartbeat_interval_ms") / 1000)
      << "; a peer silent for " << HumanSeconds(Number(s, "peer_timeout_ms") / 1000) << " is dropped\n";
}

}  // namespace

std::string CpuWhere(const Json& r) {
  std::string where = "(ran on " + Field(r, "peer");
  if (r.value("forwarded", false)) where += ", forwarded from " + Field(r, "submitted_to");
  where += ", " + Ms(r, "total_ms");
  if (Number(r, "queued_ms") >= 1) where += ": queued " + Ms(r, "queued_ms") + ", ran " + Ms(r, "run_ms");
  if (Number(r, "preemptions") >= 1) {
    where += ", CPU " + Ms(r, "cpu_ms") + ", preempted " + Field(r, "preemptions") + "×";
  }
  return where + ")";
}

std::string CapturedOutput(const Json& reply, std::string_view indent) {
  std::string text;
  for (const char* stream : {"stdout", "stderr"}) {
    std::string captured = reply.value(stream, Json("")).is_string() ? reply.value(stream, "") : "";
    if (captured.empty()) continue;
    text += std::string(indent) + stream + ":\n" + Indent(captured, std::string(indent) + "  ") + "\n";
  }
  if (reply.value("output_truncated", false)) text += std::string(indent) + "(output truncated)\n";
  return text;
}

void PrintBatchTable(const Json& batch, std::ostream& out, std::string_view indent, std::size_t max_rows) {
  Table table({"#", "peer", "queued", "ran", "result"});
  const Json results = batch.value("results", Json::array());
  for (const Json& task : results) {
    if (table.size() >= max_rows) break;
    if (task.is_object()) table.AddRow(BatchRow(task));
  }
  table.Print(out, indent);
  if (results.size() > table.size()) {
    out << indent << "... and " << results.size() - table.size() << " more tasks\n";
  }
}

std::map<std::string, int> BatchPeerCounts(const Json& batch) {
  std::map<std::string, int> counts;
  const Json peers = batch.value("peers", Json::object());
  for (auto it = peers.begin(); it != peers.end(); ++it) {
    if (it->is_number_integer()) counts[it.key()] = it->get<int>();
  }
  if (!counts.empty()) return counts;
  for (const Json& task : batch.value("results", Json::array())) {
    if (task.is_object() && task.contains("peer")) ++counts[Field(task, "peer")];
  }
  return counts;
}

std::string FormatCounts(const std::map<std::string, int>& counts) {
  std::string text;
  for (const auto& [peer, count] : counts) {
    text += (text.empty() ? "" : ", ") + peer + " " + std::to_string(count);
  }
  return text.empty() ? "none" : text;
}

void PrintStatus(const Json& status, std::ostream& out, std::string_view indent) {
  if (status.value("role", "") == "tracker") {
    PrintTrackerStatusLines(status, out, indent);
  } else {
    PrintPeerStatusLines(status, out, indent);
  }
}

void PrintPeerTable(const Json& reply, std::ostream& out, std::string_view indent) {
  Table table({"id", "address", "cores", "sandbox", "load", "queue", "running", "done", "memory", "disk", "heartbeat"});
  const Json peers = reply.value("peers", Json::array());
  for (const Json& peer : peers) {
    if (!peer.is_object()) continue;
    std::string sandbox = peer.value("sandbox", "");
    if (sandbox.empty()) sandbox = "?";  // a peer that does not say (an older one)
    if (!peer.value("sandbox_missing", "").empty() && sandbox != "off") sandbox += " (partial)";
    table.AddRow({Field(peer, "id"), Field(peer, "host") + ":" + Field(peer, "port"), Field(peer, "cores"), sandbox,
                  Field(peer, "load"), Field(peer, "queue_length"), Field(peer, "running"), Field(peer, "tasks_done"),
                  HumanBytes(Bytes(peer, "mem_bytes")), HumanBytes(Bytes(peer, "disk_bytes")),
                  HumanSeconds(Number(peer, "last_heartbeat_ms") / 1000) + " ago"});
  }
  if (table.size() == 0) {
    out << indent << "(no live peers)\n";
    return;
  }
  table.Print(out, indent);
}

}  // namespace osgrid::client
