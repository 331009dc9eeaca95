// Checking a step's `expect:` against what it produced (see steps.h).
// Each expectation becomes one ✓/✗ line saying what was expected and, when
// it does not hold, what came back instead.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>
#include <string_view>
#include <vector>

#include "gantt_step.h"
#include "osgrid/client/text.h"
#include "sim_step.h"
#include "steps.h"

namespace osgrid::scenario {

using client::ShortJson;

namespace {

/// JSON equality where numbers compare by value with a relative tolerance of
/// 1e-9, so 0.1 + 0.2 matches 0.3 and 144 matches 144.0.
bool Matches(const Json& expected, const Json& got) {
  if (expected.is_number() && got.is_number()) {
    double a = expected.get<double>(), b = got.get<double>();
    return std::fabs(a - b) <= 1e-9 * std::max({1.0, std::fabs(a), std::fabs(b)});
  }
  if (expected.is_array() && got.is_array()) {
    if (expected.size() != got.size()) return false;
    for (std::size_t i = 0; i < expected.size(); ++i) {
      if (!Matches(expected[i], got[i])) return false;
    }
    return true;
  }
  if (expected.is_object() && got.is_object()) {
    if (expected.size() != got.size()) return false;
    for (auto it = expected.begin(); it != expected.end(); ++it) {
      if (!got.contains(it.key()) || !Matches(*it, got[it.key()])) return false;
    }
    return true;
  }
  return expected == got;
}

Check Compare(const std::string& what, const Json& expected, const Json& got) {
  if (Matches(expected, got)) return {true, what + ": " + ShortJson(got)};
  return {false, what + ": expected " + ShortJson(expected) + ", got " + ShortJson(got)};
}

std::string OneOf(const std::vector<std::string>& peers) {
  std::string text;
  for (const std::string& peer : peers) text += (text.empty() ? "" : " or ") + peer;
  return text;
}

bool Allowed(const std::vector<std::string>& peers, const std::string& peer) {
  return std::find(peers.begin(), peers.end(), peer) != peers.end();
}

std::vector<Check> ErrorChecks(const Expectation& expect, const Status& status) {
  std::vector<Check> checks;
  std::string got = status.ok() ? "success" : std::string(CodeName(status.code())) + ": " + status.message();
  if (expect.error) {
    bool same = !status.ok() && CodeName(status.code()) == *expect.error;
    checks.push_back({same, same ? "error: " + *expect.error : "error: expected " + *expect.error + ", got " + got});
  }
  if (expect.error_contains) {
    bool found = !status.ok() && (status.message().find(*expect.error_contains) != std::string::npos ||
                                  status.detail().find(*expect.error_contains) != std::string::npos);
    checks.push_back({found, found ? "error mentions \"" + *expect.error_contains + "\""
                                   : "error should mention \"" + *expect.error_contains + "\"; got " + got});
  }
  return checks;
}

void CpuChecks(const Expectation& expect, const Json& reply, std::vector<Check>& checks) {
  if (expect.result) checks.push_back(Compare("result", *expect.result, reply.value("result", Json())));
  if (!expect.ran_on.empty()) {
    std::string peer = reply.value("peer", "?");
    bool ok = Allowed(expect.ran_on, peer);
    checks.push_back({ok, ok ? "ran on " + peer : "ran_on: expected " + OneOf(expect.ran_on) + ", ran on " + peer});
  }
  if (expect.forwarded) {
    bool forwarded = reply.value("forwarded", false);
    checks.push_back({forwarded == *expect.forwarded,
                      std::string(forwarded ? "forwarded" : "not forwarded") +
                          (forwarded == *expect.forwarded
                               ? ""
                               : std::string(" (expected ") + (*expect.forwarded ? "forwarded)" : "not forwarded)"))});
  }
  if (expect.stdout_contains) {
    bool found = reply.value("stdout", "").find(*expect.stdout_contains) != std::string::npos;
    checks.push_back({found, std::string("stdout ") + (found ? "mentions" : "does not mention") + " \"" +
                                 *expect.stdout_contains + "\""});
  }
}

void BatchChecks(const Expectation& expect, const Json& reply, std::vector<Check>& checks) {
  const Json results = reply.value("results", Json::array());
  std::set<std::string> peers;
  Json values = Json::array();
  int failed = 0;
  std::string outside;
  for (const Json& task : results) {
    std::string peer = task.value("peer", "?");
    peers.insert(peer);
    values.push_back(task.value("ok", false) ? task.value("result", Json()) : Json(nullptr));
    failed += task.value("ok", false) ? 0 : 1;
    if (!expect.ran_on.empty() && !Allowed(expect.ran_on, peer) && outside.empty()) outside = peer;
  }
  if (expect.results) checks.push_back(Compare("results", *expect.results, values));
  if (!expect.ran_on.empty()) {
    checks.push_back({outside.empty(), outside.empty() ? "every task ran on " + OneOf(expect.ran_on)
                                                       : "ran_on: expected only " + OneOf(expect.ran_on) +
                                                             ", but a task ran on " + outside});
  }
  if (expect.spread) {
    bool spread = peers.size() > 1;
    checks.push_back({spread == *expect.spread,
                      "tasks ran on " + std::to_string(peers.size()) + (peers.size() == 1 ? " peer" : " peers") +
                          (*expect.spread ? " (expected more than one)" : " (expected one)")});
  }
  if (expect.all_ok) {
    bool all_ok = failed == 0;
    checks.push_back({all_ok == *expect.all_ok,
                      all_ok ? "every task succeeded"
                             : std::to_string(failed) + " of " + std::to_string(results.size()) + " tasks failed" +
                                   (*expect.all_ok ? " (expected every task to succeed)" : "")});
  }
}

/// mem_map: the free space the reply reports against free_holes,
/// largest_hole and external_fragmentation (within 0.01, as the map prints it).
void MemMapChecks(const Expectation& expect, const Json& reply, std::vector<Check>& checks) {
  if (expect.free_holes) checks.push_back(Compare("free holes", *expect.free_holes, reply.value("free_holes", Json())));
  if (expect.largest_hole) {
    checks.push_back(Compare("largest hole (bytes)", *expect.largest_hole, reply.value("largest_hole", Json())));
  }
  if (expect.external_fragmentation) {
    const Json got = reply.value("external_fragmentation", Json());
    const double want = *expect.external_fragmentation;
    char text[64];
    std::snprintf(text, sizeof text, "%.2f", got.is_number() ? got.get<double>() : -1.0);
    bool close = got.is_number() && std::fabs(got.get<double>() - want) <= 0.01;
    checks.push_back({close, close ? std::string("external fragmentation: ") + text
                                   : "external fragmentation: expected " + ShortJson(want) + ", got " +
                                         (got.is_number() ? std::string(text) : ShortJson(got))});
  }
}

/// reply[key] when it is an array, else an empty one (a reply out of protocol fails the checks, never throws).
Json ArrayField(const Json& reply, const char* key) {
  const auto it = reply.is_object() ? reply.find(key) : reply.end();
  return reply.is_object() && it != reply.end() && it->is_array() ? *it : Json::array();
}

/// The history's events of one type ("deadlock.found"), oldest first.
std::vector<Json> EventsOfType(const Json& history, std::string_view type) {
  std::vector<Json> events;
  for (const Json& event : history) {
    const auto it = event.is_object() ? event.find("type") : event.end();
    if (event.is_object() && it != event.end() && it->is_string() && it->get_ref<const std::string&>() == type) {
      events.push_back(event);
    }
  }
  return events;
}

/// " at 2102 ms": when an event happened, on the tracker's clock; "" if it does not say.
std::string AtTime(const Json& event) {
  const auto it = event.find("t");
  if (it == event.end() || !it->is_number()) return "";
  return " at " + std::to_string(std::llround(it->get<double>())) + " ms";
}

/// deadlock: the history's deadlock.found, deadlock.victim and deadlock.stall
/// events (since the tracker started or its mode was last set) against found,
/// cycle_length, victims and stall.
void DeadlockChecks(const Expectation& expect, const Json& reply, std::vector<Check>& checks) {
  const Json history = ArrayField(reply, "history");
  const std::vector<Json> found = EventsOfType(history, "deadlock.found");
  const std::vector<Json> victims = EventsOfType(history, "deadlock.victim");
  const std::vector<Json> stalls = EventsOfType(history, "deadlock.stall");
  if (expect.found) {
    const bool any = !found.empty();
    std::string text;
    if (any == *expect.found) {
      text = any ? "a deadlock was found" + AtTime(found.back()) : "no deadlock was found";
    } else if (*expect.found) {
      const std::size_t in_force = ArrayField(reply, "deadlocks").size();
      text = "found: expected a deadlock, none was found" +
             (in_force > 0 ? " since the mode was set (" + std::to_string(in_force) + " found before is still in force)"
                           : std::string());
    } else {
      text = "found: expected no deadlock, but one was found" + AtTime(found.back());
    }
    checks.push_back({any == *expect.found, text});
  }
  if (expect.cycle_length) {
    const std::string want = std::to_string(*expect.cycle_length);
    if (found.empty()) {
      checks.push_back({false, "cycle_length: expected " + want + " tasks, but no deadlock was found"});
    } else {
      const std::size_t got = ArrayField(found.back(), "cycle").size();
      const std::string tasks = std::to_string(got) + (got == 1 ? " task" : " tasks");
      const bool same = static_cast<std::int64_t>(got) == *expect.cycle_length;
      checks.push_back({same, same ? "the deadlock's cycle has " + tasks
                                   : "cycle_length: expected " + want + ", the latest deadlock's cycle has " + tasks});
    }
  }
  if (expect.victims) {
    std::string ids;
    for (const Json& victim : victims) {
      const auto id = victim.find("task_id");
      ids += (ids.empty() ? "" : ", ") + (id != victim.end() && id->is_string() ? id->get<std::string>() : "?");
    }
    const std::string got = std::to_string(victims.size()) + (ids.empty() ? "" : " (" + ids + ")");
    const bool same = static_cast<std::int64_t>(victims.size()) == *expect.victims;
    checks.push_back(
        {same, same ? "victims: " + got : "victims: expected " + std::to_string(*expect.victims) + ", got " + got});
  }
  if (expect.stall) {
    const bool any = !stalls.empty();
    std::string text;
    if (any == *expect.stall) {
      text = any ? "a stall was found" + AtTime(stalls.back()) : "no stall was found";
    } else {
      text = *expect.stall ? "stall: expected a stall, none was found"
                           : "stall: expected no stall, but one was found" + AtTime(stalls.back());
    }
    checks.push_back({any == *expect.stall, text});
  }
}

}  // namespace

std::vector<Check> CheckExpectation(const Expectation& expect, const Action& action, const StepResult& result) {
  std::vector<Check> checks = ErrorChecks(expect, result.status);
  int remaining = expect.CheckCount() - static_cast<int>(checks.size());
  if (!result.status.ok() || expect.error) {
    // The reply-based expectations cannot be checked without a reply.
    for (int i = 0; i < remaining; ++i) checks.push_back({false, "not checked: the step did not return a reply"});
    return checks;
  }
  const Json& reply = result.reply;
  if (std::holds_alternative<BatchStep>(action)) {
    BatchChecks(expect, reply, checks);
  } else if (std::holds_alternative<MemMapStep>(action)) {
    MemMapChecks(expect, reply, checks);
  } else if (std::holds_alternative<DeadlockStep>(action)) {
    DeadlockChecks(expect, reply, checks);
  } else if (std::holds_alternative<GanttStep>(action)) {
    for (Check& check : GanttChecks(expect, reply)) checks.push_back(std::move(check));
  } else {
    CpuChecks(expect, reply, checks);
  }
  if (expect.value) checks.push_back(Compare("value", *expect.value, reply.value("value", Json())));
  if (expect.answers) {
    for (Check& check : SimAnswerChecks(*expect.answers, std::get<SimStep>(action), reply)) {
      checks.push_back(std::move(check));
    }
  }
  if (expect.count) {
    Json count = reply.value("peers", Json::array()).size();
    checks.push_back(Compare("live peers", *expect.count, count));
  }
  return checks;
}

}  // namespace osgrid::scenario
