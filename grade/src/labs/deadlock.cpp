// Lab 04: deadlock. Students write the Banker's safety algorithm, its
// resource-request algorithm and deadlock detection as three module-level
// functions (labs/04-deadlock/README.md). A case hands one function a few
// snapshots (a step each, the whole state as arguments) with os/'s answer:
// os::RunSafetyAlgorithm, os::RequestResources and os::DetectDeadlock.
// A safe state has many safe sequences, so is_safe is graded on its verdict
// and on whether its sequence is one of them (os::IsSafeSequence), not on
// being os/'s (the lowest-numbered-first one).
//
// Source: Silberschatz 10e 8.6.3 (8.6.3.1 safety, 8.6.3.2 resource request,
// 8.6.3.3 the worked example) and 8.7.2 (detection with several instances of
// each resource type); OSTEP ch. 32.3.
#include <algorithm>
#include <array>
#include <iterator>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "labs.h"
#include "osgrid/os/deadlock/banker.h"
#include "osgrid/os/deadlock/detection.h"
#include "osgrid/os/random.h"

namespace osgrid::grade::labs {
namespace {

using nlohmann::json;
using os::BankerState;
using os::DetectionState;
using os::ResourceMatrix;
using os::ResourceVector;

// What request_resources answers: os::RequestDecision in lower case, plus the
// book's "error condition" (os/ returns an InputError) for Request_i > Need_i.
constexpr std::string_view kGranted = "granted";
constexpr std::string_view kWait = "wait";
constexpr std::string_view kDenied = "denied";
constexpr std::string_view kExceedsNeed = "exceeds_need";
constexpr std::array<std::string_view, 4> kDecisions = {kGranted, kWait, kDenied, kExceedsNeed};

constexpr int kHiddenPerFunction = 4;

// ---- The answers, as os/ gives them --------------------------------------

std::string_view DecisionName(os::RequestDecision decision) {
  switch (decision) {
    case os::RequestDecision::kGranted:
      return kGranted;
    case os::RequestDecision::kWait:
      return kWait;
    case os::RequestDecision::kDenied:
      return kDenied;
  }
  return kWait;
}

os::SafetyResult Safety(const BankerState& state) {
  auto result = os::RunSafetyAlgorithm(state);
  // The states below are valid by construction; a failure here is a bug in this file.
  if (!result) throw std::logic_error("lab 04: " + result.error().message);
  return std::move(result).value();
}

/// os/'s decision on `request` by `process`, with its reason.
std::pair<std::string_view, std::string> Decide(const BankerState& state, std::size_t process,
                                                const ResourceVector& request) {
  auto result = os::RequestResources(state, process, request);
  if (!result) return {kExceedsNeed, result.error().message};  // Request_i > Need_i: the only error we cause
  return {DecisionName(result->decision), result->reason};
}

os::DetectionResult Detect(const DetectionState& state) {
  auto result = os::DetectDeadlock(state);
  if (!result) throw std::logic_error("lab 04: " + result.error().message);
  return std::move(result).value();
}

/// Safe only because the book's test is Need_i <= Work: with Need_i < Work
/// (in every type) the loop would get stuck before every process finished.
/// The boundary cases, where `>` written for `>=` shows.
bool SafeOnlyWithEquality(const BankerState& state) {
  if (!Safety(state).safe) return false;
  const ResourceMatrix need = os::NeedMatrix(state);
  ResourceVector work = state.available;
  std::vector<bool> finish(need.size(), false);
  auto strictly_below = [&](const ResourceVector& x) {
    for (std::size_t j = 0; j < x.size(); ++j) {
      if (x[j] >= work[j]) return false;
    }
    return true;
  };
  for (bool progress = true; progress;) {
    progress = false;
    for (std::size_t i = 0; i < need.size(); ++i) {
      if (finish[i] || !strictly_below(need[i])) continue;
      os::AddTo(work, state.allocation[i]);
      finish[i] = progress = true;
    }
  }
  return std::find(finish.begin(), finish.end(), false) != finish.end();
}

// ---- Reading a step's arguments back ------------------------------------

BankerState BankerFromArgs(const json& args) {
  BankerState state;
  state.available = args.at(0).get<ResourceVector>();
  state.max = args.at(1).get<ResourceMatrix>();
  state.allocation = args.at(2).get<ResourceMatrix>();
  return state;
}

std::string SequenceText(const json& sequence) {
  std::string text = "<";
  for (std::size_t k = 0; k < sequence.size(); ++k) {
    text += (k == 0 ? "P" : ", P") + sequence[k].dump();
  }
  return text + ">";
}

// ---- The checks ----------------------------------------------------------

/// Where `order` (a permutation) stops being safe: "P4 (turn 1) needs (4, 3, 1) but Work is (3, 3, 2)".
std::string WhereUnsafe(const BankerState& state, const std::vector<std::size_t>& order) {
  const ResourceMatrix need = os::NeedMatrix(state);
  ResourceVector work = state.available;
  for (std::size_t k = 0; k < order.size(); ++k) {
    const std::size_t i = order[k];
    if (!os::LessOrEqual(need[i], work)) {
      return os::ProcessName(i) + " (turn " + std::to_string(k + 1) + ") needs " + os::FormatVector(need[i]) +
             " but Work is " + os::FormatVector(work);
    }
    os::AddTo(work, state.allocation[i]);
  }
  return "";
}

// is_safe: (safe, sequence). The verdict must be os/'s; a safe verdict's
// sequence may be any safe sequence (os::IsSafeSequence); an unsafe one's
// must be empty.
std::optional<Mismatch> CheckSafety(const Step& step, const json& got) {
  const json& expect = *step.expect;
  const bool safe = expect[0].get<bool>();
  const std::string expected =
      safe ? "safe (os/ found " + SequenceText(expect[1]) + "; any safe sequence counts)" : "unsafe";
  std::string detail = "expected " + expected + ", got " + got.dump();
  if (!got.is_array() || got.size() != 2 || !got[0].is_boolean() || !got[1].is_array()) {
    return Mismatch{"the answer is not a (safe, sequence) pair", detail};
  }
  if (got[0].get<bool>() != safe) {
    return Mismatch{safe ? "said unsafe for a safe state" : "said safe for an unsafe state", detail};
  }
  if (!safe) {
    if (got[1].empty()) return std::nullopt;
    return Mismatch{"an unsafe state has no safe sequence: return (False, [])", detail};
  }
  const BankerState state = BankerFromArgs(step.args);
  const std::size_t n = state.max.size();
  std::vector<std::size_t> order;
  std::set<std::size_t> seen;
  for (const json& item : got[1]) {
    if (!item.is_number_integer() || item.get<std::int64_t>() < 0 || item.get<std::int64_t>() >= std::int64_t(n) ||
        !seen.insert(item.get<std::size_t>()).second) {
      break;
    }
    order.push_back(item.get<std::size_t>());
  }
  if (order.size() != got[1].size() || order.size() != n) {
    return Mismatch{"the sequence is not a permutation of the processes",
                    detail + ": it must hold each of 0.." + std::to_string(n - 1) + " once"};
  }
  if (os::IsSafeSequence(state, order)) return std::nullopt;
  return Mismatch{"the sequence is not a safe sequence", detail + ": " + WhereUnsafe(state, order)};
}

// request_resources: one of kDecisions, os/'s.
std::optional<Mismatch> CheckRequest(const Step& step, const json& got) {
  if (got == *step.expect) return std::nullopt;
  const std::string expect = step.expect->get<std::string>();
  const std::string detail = "expected \"" + expect + "\", got " + got.dump();
  const bool known =
      got.is_string() && std::find(kDecisions.begin(), kDecisions.end(), got.get<std::string>()) != kDecisions.end();
  if (!known) return Mismatch{R"(not one of "granted", "wait", "denied", "exceeds_need")", detail};
  const std::string answer = got.get<std::string>();
  if (expect == kExceedsNeed) return Mismatch{"missed a request over the process's remaining need", detail};
  if (answer == kExceedsNeed) return Mismatch{"said the request exceeds the need when it does not", detail};
  if (expect == kWait) return Mismatch{"did not make the process wait although Request > Available", detail};
  if (answer == kWait) return Mismatch{"made the process wait although Request <= Available", detail};
  if (expect == kDenied) return Mismatch{"granted a request that leaves an unsafe state", detail};
  return Mismatch{"denied a request that leaves a safe state", detail};
}

// detect_deadlock: the set of deadlocked processes (any order, each once).
std::optional<Mismatch> CheckDetection(const Step& step, const json& got) {
  const std::set<std::int64_t> expect = step.expect->get<std::set<std::int64_t>>();
  const std::string detail = "expected " + step.expect->dump() + ", got " + got.dump();
  const bool numbers =
      got.is_array() && std::all_of(got.begin(), got.end(), [](const json& item) { return item.is_number_integer(); });
  if (!numbers) return Mismatch{"the answer is not a list of process numbers", detail};
  std::vector<std::int64_t> listed = got.get<std::vector<std::int64_t>>();
  const std::set<std::int64_t> said(listed.begin(), listed.end());
  if (said == expect && listed.size() == said.size()) return std::nullopt;
  const ResourceMatrix allocation = step.args.at(1).get<ResourceMatrix>();
  std::vector<std::int64_t> extra, missing;
  std::set_difference(said.begin(), said.end(), expect.begin(), expect.end(), std::back_inserter(extra));
  std::set_difference(expect.begin(), expect.end(), said.begin(), said.end(), std::back_inserter(missing));
  for (std::int64_t i : extra) {
    if (i >= 0 && i < std::int64_t(allocation.size()) && os::IsZero(allocation[i])) {
      return Mismatch{"said a process that holds nothing is deadlocked", detail};
    }
  }
  if (!extra.empty() && !missing.empty()) return Mismatch{"wrong set of deadlocked processes", detail};
  if (!extra.empty()) {
    return Mismatch{
        expect.empty() ? "found a deadlock where there is none" : "said a process is deadlocked that can finish",
        detail};
  }
  if (!missing.empty()) return Mismatch{said.empty() ? "missed the deadlock" : "missed a deadlocked process", detail};
  return Mismatch{"a process is listed twice", detail};
}

// ---- Drawing states from a seed -------------------------------------------

std::vector<std::size_t> Shuffled(os::Rng& rng, std::size_t n) {
  std::vector<std::size_t> order(n);
  for (std::size_t i = 0; i < n; ++i) order[i] = i;
  for (std::size_t i = n; i > 1; --i) std::swap(order[i - 1], order[rng.Uniform(0, std::int64_t(i) - 1)]);
  return order;
}

ResourceVector Total(const ResourceVector& available, const ResourceMatrix& allocation) {
  ResourceVector total = available;
  os::AddTo(total, os::ColumnSums(allocation, available.size()));
  return total;
}

/// Any valid Banker's state: up to 3 instances held and up to 4 more claimed
/// per process and type; often unsafe.
BankerState DrawAnyState(os::Rng& rng, std::size_t n, std::size_t m) {
  BankerState state;
  state.available.resize(m);
  for (auto& a : state.available) a = rng.Uniform(0, 3);
  state.allocation.assign(n, ResourceVector(m));
  for (auto& row : state.allocation) {
    for (auto& a : row) a = rng.Uniform(0, 3);
  }
  const ResourceVector total = Total(state.available, state.allocation);
  state.max = state.allocation;
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < m; ++j) {
      state.max[i][j] += rng.Uniform(0, std::min<std::int64_t>(4, total[j] - state.allocation[i][j]));
    }
  }
  return state;
}

/// A safe state built along a random order in which each process's Need is
/// at most Work (and at most 5), and often equal to it: tight, so that
/// Need <= Work and Need < Work part ways.
BankerState DrawTightState(os::Rng& rng, std::size_t n, std::size_t m) {
  BankerState state;
  state.available.resize(m);
  for (auto& a : state.available) a = rng.Uniform(0, 2);
  state.allocation.assign(n, ResourceVector(m));
  state.max.assign(n, ResourceVector(m));
  ResourceVector work = state.available;
  for (std::size_t i : Shuffled(rng, n)) {
    for (std::size_t j = 0; j < m; ++j) {
      state.allocation[i][j] = rng.Uniform(0, 3);
      const std::int64_t most = std::min<std::int64_t>(work[j], 5);  // small numbers read better
      const std::int64_t need = rng.Uniform(0, 1) == 0 && work[j] <= 5 ? work[j] : rng.Uniform(0, most);
      state.max[i][j] = state.allocation[i][j] + need;
    }
    os::AddTo(work, state.allocation[i]);
  }
  return state;
}

enum class Want { kBoundary, kSafe, kUnsafe };

/// A state of 3-6 processes and 2-4 resource types that is what `want` asks.
BankerState DrawState(os::Rng& rng, Want want) {
  for (int attempt = 0; attempt < 10000; ++attempt) {
    const auto n = std::size_t(rng.Uniform(3, 6)), m = std::size_t(rng.Uniform(2, 4));
    const bool tight = want == Want::kBoundary || (want == Want::kSafe && rng.Uniform(0, 1) == 0);
    BankerState state = tight ? DrawTightState(rng, n, m) : DrawAnyState(rng, n, m);
    const bool ok = want == Want::kBoundary ? SafeOnlyWithEquality(state) : Safety(state).safe == (want == Want::kSafe);
    if (ok) return state;
  }
  throw std::logic_error("lab 04: cannot draw a Banker's state");
}

std::string Shape(std::size_t n, std::size_t m) {
  return std::to_string(n) + " processes, " + std::to_string(m) + " resource types";
}

/// " (A, B, C with 10, 5, 7 instances)".
std::string Instances(const BankerState& state) {
  const ResourceVector total = os::TotalResources(state);
  std::string names, counts;
  for (std::size_t j = 0; j < total.size(); ++j) {
    names += (j == 0 ? "" : ", ") + os::ResourceName(j, {});
    counts += (j == 0 ? "" : ", ") + std::to_string(total[j]);
  }
  return names + " with " + counts + " instances";
}

// ---- Cases ---------------------------------------------------------------

Case NewCase(std::string function, std::string name, bool hidden, std::string about) {
  Case test;
  test.name = function + ": " + name;
  test.target = function;
  test.init = nullptr;  // module-level functions
  test.hidden = hidden;
  test.tags = {function, hidden ? "hidden" : "visible"};
  test.about = std::move(about);
  test.reference = {{"snapshots", json::array()}};
  return test;
}

void AddSafetyStep(Case& test, const BankerState& state, std::string where) {
  const os::SafetyResult result = Safety(state);
  Step step;
  step.call = "is_safe";
  step.args = json::array({state.available, state.max, state.allocation});
  step.expect = json::array({result.safe, result.safe ? json(result.sequence) : json::array()});
  step.check = "safe_sequence";
  step.where = where;
  test.reference["snapshots"].push_back({{"where", where},
                                         {"need", os::NeedMatrix(state)},
                                         {"safe", result.safe},
                                         {"sequence", result.safe ? json(result.sequence) : json::array()}});
  test.steps.push_back(std::move(step));
}

void AddRequestStep(Case& test, const BankerState& state, std::size_t process, const ResourceVector& request,
                    std::string where) {
  const auto [decision, reason] = Decide(state, process, request);
  Step step;
  step.call = "request_resources";
  step.args = json::array({state.available, state.max, state.allocation, process, request});
  step.expect = std::string(decision);
  step.check = "decision";
  step.where = where;
  test.reference["snapshots"].push_back(
      {{"where", where}, {"need", os::NeedMatrix(state)}, {"decision", std::string(decision)}, {"reason", reason}});
  test.steps.push_back(std::move(step));
}

void AddDetectionStep(Case& test, const DetectionState& state, std::string where) {
  const os::DetectionResult result = Detect(state);
  Step step;
  step.call = "detect_deadlock";
  step.args = json::array({state.available, state.allocation, state.request});
  step.expect = json(result.deadlocked);
  step.check = "deadlocked_set";
  step.where = where;
  test.reference["snapshots"].push_back({{"where", where},
                                         {"deadlocked", result.deadlocked},
                                         {"finish_order", result.sequence},
                                         {"holding_nothing", result.holding_nothing}});
  test.steps.push_back(std::move(step));
}

/// is_safe on four snapshots: one safe only because Need == Work is allowed,
/// one safe, one unsafe, one either, in a drawn order.
Case DrawSafetyCase(os::Rng& rng, std::string name, bool hidden) {
  std::vector<Want> wants = {Want::kBoundary, Want::kSafe, Want::kUnsafe,
                             rng.Uniform(0, 1) == 0 ? Want::kSafe : Want::kUnsafe};
  Case test = NewCase("is_safe", std::move(name), hidden,
                      "The safety algorithm on 4 snapshots of 3-6 processes and 2-4 resource types.");
  for (std::size_t k : Shuffled(rng, wants.size())) {
    const BankerState state = DrawState(rng, wants[k]);
    AddSafetyStep(
        test, state,
        "snapshot " + std::to_string(test.steps.size() + 1) + ": " + Shape(state.max.size(), state.available.size()));
  }
  return test;
}

/// A request by `process` that os/ answers with `want`, or nullopt after
/// enough tries. exceeds_need requests stay within Available (so skipping
/// the Need check changes the answer); wait requests stay within Need.
std::optional<ResourceVector> DrawRequest(os::Rng& rng, const BankerState& state, std::size_t process,
                                          std::string_view want, bool boundary) {
  const ResourceVector need = os::NeedMatrix(state)[process];
  const ResourceVector& available = state.available;
  const std::size_t m = available.size();
  for (int attempt = 0; attempt < 50; ++attempt) {
    ResourceVector request(m);
    for (std::size_t j = 0; j < m; ++j) request[j] = rng.Uniform(0, std::min(need[j], available[j]));
    const std::size_t j = std::size_t(rng.Uniform(0, std::int64_t(m) - 1));
    if (want == kExceedsNeed) {
      if (need[j] >= available[j]) continue;
      request[j] = rng.Uniform(need[j] + 1, available[j]);
    } else if (want == kWait) {
      if (need[j] <= available[j]) continue;
      request[j] = rng.Uniform(available[j] + 1, need[j]);
    }
    if (os::IsZero(request) || Decide(state, process, request).first != want) continue;
    if (boundary) {
      BankerState granted = state;
      os::SubtractFrom(granted.available, request);
      os::AddTo(granted.allocation[process], request);
      if (!SafeOnlyWithEquality(granted)) continue;
    }
    return request;
  }
  return std::nullopt;
}

/// request_resources on five requests against one safe state that changes
/// as requests are granted (as in 8.6.3.3): one granted where the new state
/// is safe only because Need == Work is allowed, one that must wait, one
/// denied, one over the process's need, and one more granted or denied.
Case DrawRequestCase(os::Rng& rng, std::string name, bool hidden) {
  struct Wanted {
    std::string_view decision;
    bool boundary = false;
  };
  std::vector<Wanted> wants = {
      {kGranted, true}, {kWait}, {kDenied}, {kExceedsNeed}, {rng.Uniform(0, 1) == 0 ? kGranted : kDenied}};
  const std::vector<std::size_t> order = Shuffled(rng, wants.size());
  for (int attempt = 0; attempt < 10000; ++attempt) {
    BankerState state = DrawState(rng, Want::kSafe);
    const std::size_t n = state.max.size(), m = state.available.size();
    Case test = NewCase("request_resources", name, hidden,
                        "The resource-request algorithm: " + Shape(n, m) + " (" + Instances(state) +
                            "), 5 requests; the state changes when one is granted.");
    bool complete = true;
    for (std::size_t k : order) {
      std::optional<ResourceVector> request;
      std::size_t process = 0;
      for (int tries = 0; tries < 20 && !request; ++tries) {
        process = std::size_t(rng.Uniform(0, std::int64_t(n) - 1));
        request = DrawRequest(rng, state, process, wants[k].decision, wants[k].boundary);
      }
      if (!request) {
        complete = false;
        break;
      }
      AddRequestStep(test, state, process, *request,
                     "request " + std::to_string(test.steps.size() + 1) + ": " + os::ProcessName(process) +
                         " requests " + os::FormatVector(*request));
      if (wants[k].decision == kGranted) state = os::RequestResources(state, process, *request)->state;
    }
    if (complete) return test;
  }
  throw std::logic_error("lab 04: cannot draw a request case");
}

enum class WantDetection { kNone, kDeadlock, kIdleWaiter };

/// A detection state of 3-6 processes and 2-4 resource types: kNone no
/// deadlock, kDeadlock one, kIdleWaiter one plus a process that holds
/// nothing and waits for what the deadlocked processes hold (not deadlocked:
/// the book starts it with Finish = true).
DetectionState DrawDetectionState(os::Rng& rng, WantDetection want) {
  for (int attempt = 0; attempt < 10000; ++attempt) {
    const auto n = std::size_t(rng.Uniform(3, 6)), m = std::size_t(rng.Uniform(2, 4));
    DetectionState state;
    state.available.resize(m);
    for (auto& a : state.available) a = rng.Uniform(0, 2);
    state.allocation.assign(n, ResourceVector(m, 0));
    for (auto& row : state.allocation) {
      if (rng.Uniform(0, 3) == 0) continue;  // holds nothing
      for (auto& a : row) a = rng.Uniform(0, 2);
    }
    const ResourceVector total = Total(state.available, state.allocation);
    state.request.assign(n, ResourceVector(m, 0));
    for (std::size_t i = 0; i < n; ++i) {
      for (std::size_t j = 0; j < m; ++j) {
        const std::int64_t most = total[j] - state.allocation[i][j];
        if (most > 0 && rng.Uniform(0, 1) == 0) state.request[i][j] = rng.Uniform(1, std::min<std::int64_t>(most, 3));
      }
    }
    const os::DetectionResult result = Detect(state);
    const ResourceVector work = result.trace.empty() ? result.initial_work : result.trace.back().work;
    const bool idle_waiter = std::any_of(result.holding_nothing.begin(), result.holding_nothing.end(),
                                         [&](std::size_t i) { return !os::LessOrEqual(state.request[i], work); });
    const bool ok = want == WantDetection::kNone       ? !result.deadlock()
                    : want == WantDetection::kDeadlock ? result.deadlock()
                                                       : idle_waiter;
    if (ok) return state;
  }
  throw std::logic_error("lab 04: cannot draw a detection state");
}

/// detect_deadlock on three snapshots: none, a deadlock, and a deadlock with
/// a process that holds nothing waiting too, in a drawn order.
Case DrawDetectionCase(os::Rng& rng, std::string name, bool hidden) {
  const std::vector<WantDetection> wants = {WantDetection::kNone, WantDetection::kDeadlock, WantDetection::kIdleWaiter};
  Case test = NewCase("detect_deadlock", std::move(name), hidden,
                      "Deadlock detection on 3 snapshots of 3-6 processes and 2-4 resource types.");
  for (std::size_t k : Shuffled(rng, wants.size())) {
    const DetectionState state = DrawDetectionState(rng, wants[k]);
    AddDetectionStep(test, state,
                     "snapshot " + std::to_string(test.steps.size() + 1) + ": " +
                         Shape(state.allocation.size(), state.available.size()));
  }
  return test;
}

// ---- The textbook's examples -----------------------------------------------

/// Silberschatz 10e 8.6.3.3 at time T0: P0..P4; A, B, C with 10, 5, 7 instances.
BankerState BookBankerState() {
  BankerState state;
  state.available = {3, 3, 2};
  state.allocation = {{0, 1, 0}, {2, 0, 0}, {3, 0, 2}, {2, 1, 1}, {0, 0, 2}};
  state.max = {{7, 5, 3}, {3, 2, 2}, {9, 0, 2}, {2, 2, 2}, {4, 3, 3}};
  return state;
}

/// `state` with `request` by `process` allocated (no check).
BankerState Allocated(BankerState state, std::size_t process, const ResourceVector& request) {
  os::SubtractFrom(state.available, request);
  os::AddTo(state.allocation[process], request);
  return state;
}

/// Silberschatz 10e 8.7.2 at time T0: P0..P4; A, B, C with 7, 2, 6 instances.
DetectionState BookDetectionState() {
  DetectionState state;
  state.available = {0, 0, 0};
  state.allocation = {{0, 1, 0}, {2, 0, 0}, {3, 0, 3}, {2, 1, 1}, {0, 0, 2}};
  state.request = {{0, 0, 0}, {2, 0, 2}, {0, 0, 0}, {1, 0, 0}, {0, 0, 2}};
  return state;
}

/// A small boundary example: every process's Need equals Work on its turn.
/// P0 needs (1, 1) = Available, then P1 (2, 1), then P2 (2, 3).
BankerState TightExample() {
  BankerState state;
  state.available = {1, 1};
  state.allocation = {{1, 0}, {0, 2}, {1, 1}};
  state.max = {{2, 1}, {2, 3}, {3, 4}};
  return state;
}

std::vector<Case> VisibleSafetyCases() {
  const BankerState book = BookBankerState();
  Case textbook =
      NewCase("is_safe", "visible 1", false,
              "Silberschatz 10e 8.6.3.3: P0-P4; A, B, C with 10, 5, 7 instances. Available (3, 3, 2) at T0.");
  AddSafetyStep(textbook, book, "snapshot 1: T0");
  AddSafetyStep(textbook, Allocated(book, 1, {1, 0, 2}), "snapshot 2: P1's request (1, 0, 2) granted");
  AddSafetyStep(textbook, Allocated(Allocated(book, 1, {1, 0, 2}), 0, {0, 2, 0}),
                "snapshot 3: P0's request (0, 2, 0) granted too");

  Case tight = NewCase("is_safe", "visible 2", false,
                       "Need == Work: P0-P2; A, B with 3, 4 instances. Safe only because Need <= Work allows equality; "
                       "then P1 needs one more B.");
  BankerState state = TightExample();
  AddSafetyStep(tight, state, "snapshot 1: every Need equals Work on its turn");
  state.max[1] = {2, 4};
  AddSafetyStep(tight, state, "snapshot 2: P1's maximum of B is 4, not 3");

  os::Rng rng(20260404);
  return {textbook, tight, DrawSafetyCase(rng, "visible 3", false)};
}

std::vector<Case> VisibleRequestCases() {
  const BankerState book = BookBankerState();
  const BankerState after = Allocated(book, 1, {1, 0, 2});
  Case textbook =
      NewCase("request_resources", "visible 1", false,
              "Silberschatz 10e 8.6.3.3: P0-P4; A, B, C with 10, 5, 7 instances. P1's request is granted; the "
              "later requests are made in the state after it.");
  AddRequestStep(textbook, book, 1, {1, 0, 2}, "request 1: P1 requests (1, 0, 2) at T0");
  AddRequestStep(textbook, after, 4, {3, 3, 0}, "request 2: P4 requests (3, 3, 0) after request 1");
  AddRequestStep(textbook, after, 0, {0, 2, 0}, "request 3: P0 requests (0, 2, 0) after request 1");
  AddRequestStep(textbook, after, 3, {0, 2, 0}, "request 4: P3 requests (0, 2, 0) after request 1");
  os::Rng rng(20260405);
  return {textbook, DrawRequestCase(rng, "visible 2", false)};
}

std::vector<Case> VisibleDetectionCases() {
  DetectionState state = BookDetectionState();
  Case textbook = NewCase("detect_deadlock", "visible 1", false,
                          "Silberschatz 10e 8.7.2: P0-P4; A, B, C with 7, 2, 6 instances. Available (0, 0, 0).");
  AddDetectionStep(textbook, state, "snapshot 1: T0");
  state.request[2] = {0, 0, 1};
  AddDetectionStep(textbook, state, "snapshot 2: P2 requests one more C");
  os::Rng rng(20260406);
  return {textbook, DrawDetectionCase(rng, "visible 2", false)};
}

class DeadlockLab final : public Lab {
 public:
  std::string_view id() const override { return "04-deadlock"; }
  std::string_view title() const override { return "Deadlock: the Banker's algorithm and deadlock detection"; }
  int version() const override { return 1; }
  std::string_view module_file() const override { return "banker.py"; }
  std::vector<std::string> required_names() const override {
    return {"is_safe", "request_resources", "detect_deadlock"};
  }

  std::vector<Case> VisibleCases() const override {
    std::vector<Case> cases = VisibleSafetyCases();
    for (auto* more : {VisibleRequestCases, VisibleDetectionCases}) {
      for (Case& test : more()) cases.push_back(std::move(test));
    }
    return cases;
  }

  std::vector<Case> HiddenCases(std::uint64_t seed) const override {
    using Draw = Case (*)(os::Rng&, std::string, bool);
    const Draw draws[] = {DrawSafetyCase, DrawRequestCase, DrawDetectionCase};
    std::vector<Case> cases;
    for (std::uint64_t f = 0; f < std::size(draws); ++f) {
      os::Rng rng(seed * 1000003 + 400 + f);
      for (int i = 0; i < kHiddenPerFunction; ++i) {
        cases.push_back(draws[f](rng, "hidden " + std::to_string(i + 1), true));
      }
    }
    return cases;
  }

  std::optional<Mismatch> Check(const Case& test, std::size_t index, const json& got) const override {
    const Step& step = test.steps[index];
    if (step.check == "safe_sequence") return CheckSafety(step, got);
    if (step.check == "decision") return CheckRequest(step, got);
    if (step.check == "deadlocked_set") return CheckDetection(step, got);
    return Lab::Check(test, index, got);
  }
};

}  // namespace

std::unique_ptr<Lab> MakeDeadlockLab() { return std::make_unique<DeadlockLab>(); }

}  // namespace osgrid::grade::labs
