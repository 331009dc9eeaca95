// RemotePolicy: see remote_policy.h.
#include "remote_policy.h"

#include <algorithm>
#include <utility>

#include <spdlog/spdlog.h>

#include "osgrid/grade/sched_json.h"

namespace osgrid::peer {

namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t kReasonMax = 300;  // characters of a reason kept in events and names

/// At most kReasonMax characters, on one line.
std::string Short(std::string text) {
  std::replace(text.begin(), text.end(), '\n', ' ');
  if (text.size() > kReasonMax) text = text.substr(0, kReasonMax - 3) + "...";
  return text;
}

/// The task a pick_next answer names: a Task ({"__type__": "Task", "id": N})
/// or its id; nullopt for anything else.
std::optional<std::uint64_t> PickedId(const Json& answer) {
  const Json* id = &answer;
  if (answer.is_object() && answer.value("__type__", "") == "Task" && answer.contains("id")) id = &answer["id"];
  if (id->is_number_unsigned()) return id->get<std::uint64_t>();
  if (id->is_number_integer() && id->get<std::int64_t>() >= 0)
    return static_cast<std::uint64_t>(id->get<std::int64_t>());
  return std::nullopt;
}

/// "1, 2, 5" (at most 10 ids, then "...").
std::string ReadyIds(const std::deque<os::ReadyTask>& ready) {
  std::string text;
  for (std::size_t i = 0; i < ready.size() && i < 10; ++i) text += (i ? ", " : "") + std::to_string(ready[i].id);
  return ready.size() > 10 ? text + ", ..." : text;
}

}  // namespace

Result<std::unique_ptr<RemotePolicy>> RemotePolicy::Start(const RemotePolicyOptions& options, OnFallback on_fallback) {
  grade::SandboxOptions sandbox;
  sandbox.timeout = options.start_timeout;
  sandbox.cpu_seconds = grade::kPolicyCpuSeconds;  // for its whole life
  auto started =
      grade::PolicySession::Start(options.file, options.class_name, {{"quantum", options.quantum_ms}}, sandbox);
  const std::string flag = "--scheduler-file " + options.file + ": ";
  if (!started) {
    std::string message = started.error().message;
    if (message.ends_with("name the one to use")) message += " with --scheduler-class NAME";
    return Status::BadRequest(flag + message);
  }
  auto policy = std::unique_ptr<RemotePolicy>(new RemotePolicy());
  policy->session_ = std::make_unique<grade::PolicySession>(std::move(started).value());
  const Json& info = policy->session_->info();
  const Json methods = info.value("methods", Json::array());
  auto has = [&](const char* method) { return std::find(methods.begin(), methods.end(), method) != methods.end(); };
  policy->class_name_ = policy->session_->target();
  for (const char* needed : {"admit", "pick_next"}) {
    if (!has(needed)) {
      return Status::BadRequest(flag + policy->class_name_ + " in " + policy->session_->module_file() + " has no " +
                                needed + " method");
    }
  }
  policy->has_should_preempt_ = has("should_preempt");
  policy->has_ran_ = has("ran");
  policy->preemptive_ = info.value("preemptive", false);
  const Json quantum = info.value("quantum", Json());
  policy->quantum_ms_ = quantum.is_number_integer() ? quantum.get<std::int64_t>() : 0;
  policy->file_ = options.file;
  policy->label_ = policy->class_name_ + " (" + policy->session_->module_file() + ")";
  policy->name_ = policy->label_;
  policy->timeout_ = options.timeout;
  policy->on_fallback_ = std::move(on_fallback);
  return policy;
}

RemotePolicy::~RemotePolicy() = default;

std::optional<Json> RemotePolicy::Ask(const std::string& method, Json args) const {
  if (!session_) return std::nullopt;
  const Clock::time_point started = Clock::now();
  grade::CallResult result = session_->Call(method, args, timeout_);
  ++calls_;
  slowest_call_ms_ =
      std::max(slowest_call_ms_, std::chrono::duration<double, std::milli>(Clock::now() - started).count());
  if (result.ok()) return std::move(result.answer);
  FallBack(result.error.message);
  return std::nullopt;
}

void RemotePolicy::FallBack(std::string reason) const {
  if (!session_) return;
  reason = Short(std::move(reason));
  const std::string printed = session_->output();
  session_.reset();  // kills its process
  fallback_ = reason;
  name_ = "FCFS (fallback: " + reason + ")";
  spdlog::warn("scheduler {} failed: {}; the ready queue is FCFS from now on", label_, reason);
  if (!printed.empty()) spdlog::info("what {} printed last: {}", label_, Short(printed));
  if (on_fallback_) on_fallback_(label_, reason);
}

os::ReadyTask RemotePolicy::PopFront() {
  os::ReadyTask task = ready_.front();
  ready_.pop_front();
  return task;
}

void RemotePolicy::Admit(const os::ReadyTask& task) {
  ready_.push_back(task);
  Ask("admit", Json::array({grade::TaskJson(task)}));
}

std::optional<os::ReadyTask> RemotePolicy::PickNext() {
  if (ready_.empty()) return std::nullopt;  // nothing to decide: the policy is not asked
  while (session_) {
    std::optional<Json> answer = Ask("pick_next", Json::array());
    if (!answer) break;  // it fell back
    if (answer->is_null()) {
      FallBack("pick_next returned None while " + std::to_string(ready_.size()) + " tasks were ready (" +
               ReadyIds(ready_) + ")");
      break;
    }
    const std::optional<std::uint64_t> id = PickedId(*answer);
    if (!id) {
      FallBack("pick_next returned " + Short(answer->dump()) + ": not a Task, a task id or None");
      break;
    }
    auto it = std::find_if(ready_.begin(), ready_.end(), [&](const os::ReadyTask& t) { return t.id == *id; });
    if (it != ready_.end()) {
      os::ReadyTask picked = *it;
      ready_.erase(it);
      return picked;
    }
    // A task that left the ready queue here (cancelled, or blocked while
    // stopped) may still be in the student's: skip it, ask again.
    auto removed = removed_unpicked_.find(*id);
    if (removed != removed_unpicked_.end()) {
      if (--removed->second == 0) removed_unpicked_.erase(removed);
      continue;
    }
    FallBack("pick_next returned task " + std::to_string(*id) +
             ", which is not in the ready queue (ready: " + ReadyIds(ready_) + ")");
  }
  return PopFront();
}

bool RemotePolicy::Remove(std::uint64_t id) {
  auto it = std::find_if(ready_.begin(), ready_.end(), [&](const os::ReadyTask& t) { return t.id == id; });
  if (it == ready_.end()) return false;
  ready_.erase(it);
  if (session_ && removed_unpicked_.size() < 100'000) ++removed_unpicked_[id];
  return true;
}

std::optional<std::size_t> RemotePolicy::PositionOf(std::uint64_t id) const {
  if (session_) return std::nullopt;
  return os::PositionInQueue(ready_, id);
}

bool RemotePolicy::ShouldPreempt(const os::ReadyTask& running) const {
  if (!session_ || !preemptive_) return false;
  if (!has_should_preempt_) {
    FallBack(class_name_ + " says it is preemptive but has no should_preempt method");
    return false;
  }
  std::optional<Json> answer = Ask("should_preempt", Json::array({grade::TaskJson(running)}));
  if (!answer) return false;
  if (!answer->is_boolean()) {
    FallBack("should_preempt returned " + Short(answer->dump()) + ": not True or False");
    return false;
  }
  return answer->get<bool>();
}

void RemotePolicy::Ran(const os::ReadyTask& task, std::int64_t cpu, os::RunEnd end) {
  if (!has_ran_) return;
  Ask("ran", Json::array({grade::TaskJson(task), cpu, grade::RunEndName(end)}));
}

Json RemotePolicy::Report() const {
  Json report = {{"file", file_},
                 {"class", class_name_},
                 {"timeout_ms", timeout_.count()},
                 {"preemptive", preemptive_},
                 {"quantum_ms", quantum_ms_},
                 {"calls", calls_},
                 {"slowest_call_ms", slowest_call_ms_}};
  if (fallback_) report["fallback"] = *fallback_;
  return report;
}

}  // namespace osgrid::peer
