// The tracker's deadlock state on screen (see deadlock_view.h).
#include "osgrid/client/deadlock_view.h"

#include <cmath>
#include <cstdint>
#include <vector>

#include "osgrid/client/text.h"
#include "osgrid/net/messages.h"

namespace osgrid::client {
namespace {

constexpr std::size_t kMaxText = 200;  // characters of one name or rule, as the reply carries it

/// A value as text, safe for a terminal: strings as they are, other values as
/// JSON, "?" when missing.
std::string Text(const Json& value) {
  if (value.is_string()) return net::Sanitize(value.get_ref<const std::string&>(), kMaxText);
  if (value.is_null()) return "?";
  return net::Sanitize(value.dump(-1, ' ', false, Json::error_handler_t::replace), kMaxText);
}

/// object[key] as text; "?" when `object` is not an object or lacks it.
std::string Str(const Json& object, const char* key) {
  if (!object.is_object()) return "?";
  const auto it = object.find(key);
  return it == object.end() ? "?" : Text(*it);
}

/// object[key] when it is an array, else an empty one.
Json List(const Json& object, const char* key) {
  if (!object.is_object()) return Json::array();
  const auto it = object.find(key);
  return it != object.end() && it->is_array() ? *it : Json::array();
}

/// object[key] as a whole number; `fallback` when missing or not a number.
std::int64_t Int(const Json& object, const char* key, std::int64_t fallback) {
  if (!object.is_object()) return fallback;
  const auto it = object.find(key);
  if (it == object.end() || !it->is_number()) return fallback;
  return it->is_number_integer() ? it->get<std::int64_t>() : std::llround(it->get<double>());
}

/// "2102 ms": an event's t (ms on the tracker's clock).
std::string At(const Json& event) {
  const auto it = event.is_object() ? event.find("t") : event.end();
  if (!event.is_object() || it == event.end() || !it->is_number()) return "at ? ms";
  return "at " + std::to_string(std::llround(it->get<double>())) + " ms";
}

std::string Plural(std::size_t count, const char* one, const char* many) {
  return std::to_string(count) + " " + (count == 1 ? one : many);
}

std::string Joined(const Json& items) {
  std::string text;
  for (const Json& item : items) text += (text.empty() ? "" : ", ") + Text(item);
  return text;
}

/// What a task waits on, after its id: "on semaphore full (wait)", "for a child".
std::string WaitingText(const Json& waiting) {
  const std::string text = Text(waiting);
  return text == "child" ? "for a child" : "on " + text;
}

/// A resource of a cycle that stands for a task's turn in a Resource's queue
/// ("tape (its turn, after peer-1/2)"): the next task is ahead of it, not a holder.
bool IsTurn(const std::string& resource) { return resource.find(" (its turn, after ") != std::string::npos; }

/// "peer-1/3", "peer-1/3 x2", and for a waiter "peer-1/3 (acquire)": one use of a cluster object.
std::string UseText(const Json& use, bool waiter) {
  std::string text = Str(use, "task_id");
  const std::int64_t count = Int(use, "count", 1);
  if (count != 1) text += " x" + std::to_string(count);
  if (waiter && use.is_object() && use.contains("op") && use["op"].is_string() &&
      !use["op"].get_ref<const std::string&>().empty()) {
    text += " (" + Text(use["op"]) + ")";
  }
  return text;
}

std::string UsesText(const Json& uses, bool waiter) {
  std::string text;
  for (const Json& use : uses) text += (text.empty() ? "" : ", ") + UseText(use, waiter);
  return text.empty() ? "-" : text;
}

void PrintFound(const Json& found, std::ostream& out, const std::string& indent) {
  const Json cycle = List(found, "cycle");
  const Json resources = List(found, "resources");
  const Json peers = List(found, "peers");
  const std::string algorithm = found.is_object() && found.contains("algorithm") ? Str(found, "algorithm") : "";
  out << indent << "DEADLOCK" << (algorithm.empty() ? "" : " (" + algorithm + ")") << ": a cycle of "
      << Plural(cycle.size(), "task", "tasks") << "\n";
  for (std::size_t k = 0; k < cycle.size(); ++k) {
    out << indent << "  " << Text(cycle[k]);
    if (k < peers.size()) out << " on " << Text(peers[k]);
    if (k < resources.size()) {
      const std::string resource = Text(resources[k]);
      out << " waits for " << resource;
      if (!IsTurn(resource)) out << ", held by " << Text(cycle[(k + 1) % cycle.size()]);
    }
    out << "\n";
  }
  const Json deadlocked = List(found, "deadlocked");
  if (deadlocked.size() > cycle.size()) out << indent << "  deadlocked in all: " << Joined(deadlocked) << "\n";
}

void PrintStall(const Json& stall, std::ostream& out, const std::string& indent) {
  const Json tasks = List(stall, "tasks");
  const Json waiting = List(stall, "waiting");
  out << indent << "STALL: every live task waits, and nothing can wake them (a lost wake-up?)\n";
  for (std::size_t k = 0; k < tasks.size(); ++k) {
    out << indent << "  " << Text(tasks[k]) << " waits " << (k < waiting.size() ? WaitingText(waiting[k]) : "on ?")
        << "\n";
  }
}

void PrintObjects(const Json& objects, std::ostream& out, const std::string& indent) {
  if (objects.empty()) {
    out << indent << "no cluster objects yet\n";
    return;
  }
  Table table({"KIND", "NAME", "AVAILABLE", "HOLDERS", "WAITERS"});
  for (const Json& object : objects) {
    const std::string kind = Str(object, "kind");
    std::string available = std::to_string(Int(object, "available", 0));
    if (kind == "lock" || kind == "resource" || kind == "queue") {
      available += "/" + std::to_string(Int(object, "instances", 0));
    }
    table.AddRow({kind, Str(object, "name"), available, UsesText(List(object, "holders"), false),
                  UsesText(List(object, "waiters"), true)});
  }
  table.Print(out, indent);
}

}  // namespace

std::string DeadlockEventText(const Json& event) {
  const std::string type = Str(event, "type");
  if (type == "deadlock.found") {
    const Json cycle = List(event, "cycle");
    const Json resources = List(event, "resources");
    const std::string algorithm = event.contains("algorithm") ? Str(event, "algorithm") : "";
    std::string text = "found " + At(event) + (algorithm.empty() ? "" : " (" + algorithm + ")") + ": ";
    for (std::size_t k = 0; k < cycle.size(); ++k) {
      text += Text(cycle[k]) + " → ";
      if (k < resources.size()) text += Text(resources[k]) + " → ";
    }
    text += cycle.empty() ? "?" : Text(cycle[0]);  // back where it started: a cycle
    const Json deadlocked = List(event, "deadlocked");
    if (deadlocked.size() > cycle.size()) text += "; deadlocked: " + Plural(deadlocked.size(), "task", "tasks");
    return text;
  }
  if (type == "deadlock.victim") {
    std::string text = "victim " + At(event) + ": " + Str(event, "task_id");
    if (event.contains("peer")) text += " on " + Str(event, "peer");
    if (event.contains("rule")) text += " (" + Str(event, "rule") + ")";
    return text;
  }
  if (type == "deadlock.stall") {
    const Json tasks = List(event, "tasks");
    const Json waiting = List(event, "waiting");
    std::string text = "stall " + At(event) + ": " + Plural(tasks.size(), "task waits", "tasks wait") + ":";
    for (std::size_t k = 0; k < tasks.size(); ++k) {
      text += (k == 0 ? " " : ", ") + Text(tasks[k]) + " " + (k < waiting.size() ? WaitingText(waiting[k]) : "on ?");
    }
    return text;
  }
  return type + " " + At(event);
}

void PrintDeadlock(const Json& reply, std::ostream& out, std::string_view indent_view) {
  const std::string indent(indent_view);
  out << indent << "deadlock mode: " << Str(reply, "mode") << "\n";
  if (reply.is_object() && reply.contains("grace_message"))
    out << indent << "grace: " << Str(reply, "grace_message") << "\n";
  const Json deadlocks = List(reply, "deadlocks");
  for (const Json& found : deadlocks) PrintFound(found, out, indent);
  const bool stalled = reply.is_object() && reply.contains("stall") && reply["stall"].is_object();
  if (stalled) PrintStall(reply["stall"], out, indent);
  if (deadlocks.empty() && !stalled) out << indent << "no deadlock, no stall\n";
  const Json history = List(reply, "history");
  if (!history.empty()) {
    out << indent << "history (since the tracker started or its mode was last set):\n";
    for (const Json& event : history) out << indent << "  " << DeadlockEventText(event) << "\n";
  }
  PrintObjects(List(reply, "objects"), out, indent);
}

}  // namespace osgrid::client
