// CpuService: see cpu_service.h. Sections:
//   [SECTION] Parsing a task
//   [SECTION] Single tasks: place, forward or run here
//   [SECTION] Batches: one placement for all, one forward per peer
//   [SECTION] The ready queue and the executor
//   [SECTION] Events: what each task's life tells the cluster
#include "cpu_service.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <optional>
#include <utility>

#include <boost/asio.hpp>

#include "osgrid/net/messages.h"
#include "osgrid/net/requests.h"

namespace osgrid::peer {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

namespace {

constexpr milliseconds kForwardSlack{30000};  // network time on top of the task's own timeout

std::int64_t MillisSince(Clock::time_point then) {
  return std::chrono::duration_cast<milliseconds>(Clock::now() - then).count();
}

Executor::Options ExecutorOptions(const CpuOptions& cpu) {
  Executor::Options options;
  options.task_binary = cpu.task_binary;
  options.sandbox = cpu.sandbox;
  options.limits = cpu.task_limits;
  options.warm_target = std::min(cpu.cores, 4) + 1;
  return options;
}

/// A failure entry for the task `task_id` that never ran.
Json ErrorEntry(const Status& status, const std::string& task_id, const std::string& peer) {
  net::TaskResult refused;
  refused.status = status;
  refused.task_id = task_id;
  refused.peer = peer;
  return net::EncodeTaskResult(refused);
}

/// Whether an entry or reply is not an ERROR. Never throws: a reply from
/// another node may have any shape.
bool IsOk(const Json& entry) {
  if (!entry.is_object()) return false;
  auto type = entry.find("type");
  return type == entry.end() || *type != "ERROR";
}

/// The placements of a PICKED reply: `count` objects {id, host, port} with
/// the right types, or null (no placement: the tasks run here).
Json Placements(const Result<Json>& picked, std::size_t count) {
  if (!picked.ok() || !IsOk(picked.value())) return Json();  // IsOk: an object
  const Json peers = picked.value().value("peers", Json());
  if (!peers.is_array() || peers.size() != count) return Json();
  for (const Json& peer : peers) {
    bool valid = peer.is_object() && peer.value("id", Json()).is_string() && peer.value("host", Json()).is_string() &&
                 peer.value("port", Json()).is_number_unsigned() && peer["port"] <= 65535;
    if (!valid) return Json();
  }
  return peers;
}

/// The entries of a forwarded batch's BATCH_RESULT, one per task in order,
/// or nothing (unreachable, refused, or out of protocol: the tasks then run here).
std::optional<std::vector<net::TaskResult>> BatchEntries(const Result<Json>& reply, std::size_t count) {
  if (!reply.ok()) return std::nullopt;
  auto batch = net::DecodeBatchResult(reply.value());
  if (!batch.ok() || batch->results.size() != count) return std::nullopt;
  return std::move(batch->results);
}

}  // namespace

CpuService::CpuService(asio::io_context& io, CpuOptions options, Outbound* outbound, PeerStats& stats,
                       PeerEvents& events)
    : io_(io),
      options_(std::move(options)),
      outbound_(outbound),
      stats_(stats),
      events_(events),
      executor_(io, ExecutorOptions(options_)) {}

CpuService::~CpuService() = default;

Status CpuService::Open() {
  SchedulerOptions sched{options_.node,         options_.cores,           options_.scheduler,
                         options_.sched_params, options_.ready_queue_max, [this] { UpdateStats(); }};
  auto scheduler = LiveScheduler::Create(io_, executor_, events_, std::move(sched));
  if (!scheduler.ok()) return scheduler.status();
  scheduler_ = std::move(scheduler).value();
  if (Status opened = executor_.Open(); !opened.ok()) return opened;
  std::string layers;
  for (const std::string& name : LayerNames(executor_.sandbox_layers())) {
    layers += (layers.empty() ? "" : ", ") + name;
  }
  if (executor_.sandbox_mode() == SandboxMode::kOff) {
    spdlog::warn("--sandbox off: tasks run WITHOUT isolation; every task will log a warning");
  } else if (executor_.sandbox_problems().empty()) {
    spdlog::info("sandbox {}: every layer in force ({})", SandboxModeName(executor_.sandbox_mode()), layers);
  } else {
    spdlog::warn("sandbox auto: in force: {}; missing: {}", layers.empty() ? "none" : layers,
                 executor_.sandbox_problems());
  }
  spdlog::info("tasks run Python {} (home {})", executor_.python_version(), executor_.python_home());
  return Status::Ok();
}

Json CpuService::SchedulerSettings() const { return scheduler_ ? scheduler_->Settings() : Json(); }

Json CpuService::SchedulerReport() const { return scheduler_ ? scheduler_->Report() : Json(); }

Json CpuService::SandboxReport() const {
  return {{"mode", std::string(SandboxModeName(executor_.sandbox_mode()))},
          {"layers", LayerNames(executor_.sandbox_layers())},
          {"missing", executor_.sandbox_problems()},
          {"python_version", executor_.python_version()},
          {"python_home", executor_.python_home()}};
}

// [SECTION] Parsing a task ------------------------------------------------------

/// A decoded task (net::DecodeTask checked it) made ready to queue: assigns
/// a task id "<node>/<n>" when none came, the default timeout, and the time it
/// was submitted.
CpuService::Task CpuService::Admit(net::TaskRequest request, const std::string& origin) {
  Task task;
  task.spec.program = std::move(request.program);
  task.spec.function = std::move(request.function);
  task.spec.args = std::move(request.args);
  task.spec.timeout = request.timeout_ms ? milliseconds(*request.timeout_ms) : options_.default_timeout;
  task.spec.cpu_limit = request.cpu_limit_ms ? milliseconds(*request.cpu_limit_ms)
                                             : std::min(options_.default_cpu_limit, task.spec.timeout);
  task.sched.name = request.name;
  task.sched.priority = request.priority.value_or(1);
  task.sched.burst_ms = request.burst_ms;
  task.sched.tickets = request.tickets.value_or(100);
  task.spec.task_id =
      request.task_id.empty() ? options_.node + "/" + std::to_string(++submitted_) : std::move(request.task_id);
  task.program_sha256 = std::move(request.program_sha256);
  task.origin = origin;
  task.submitted_t = request.submitted_t.value_or(events_.TrackerNowMs());  // a forwarding peer sets it
  return task;
}

/// The request a forward sends: the task as it came, with its id, its
/// submission time and the peer it was submitted to.
net::TaskRequest CpuService::Forwardable(const Task& task) const {
  net::TaskRequest request = net::MakeTask(task.spec.program, task.spec.function, task.spec.args);
  request.program_sha256 = task.program_sha256;
  request.timeout_ms = task.spec.timeout.count();
  request.cpu_limit_ms = task.spec.cpu_limit.count();
  request.name = task.sched.name;
  request.priority = task.sched.priority;
  request.burst_ms = task.sched.burst_ms;
  request.tickets = task.sched.tickets;
  request.task_id = task.spec.task_id;
  request.submitted_t = task.submitted_t;
  return request;
}

// [SECTION] Single tasks ------------------------------------------------------------

void CpuService::HandleTask(const net::SessionPtr& session, const Json& request) {
  auto start = Clock::now();
  auto decoded = net::DecodeCpuTask(request);
  if (!decoded.ok()) return session->ReplyError(request, decoded.status());
  bool forwarded = decoded->forwarded;
  bool confidential = decoded->confidential;
  Task task = Admit(std::move(decoded->task), decoded->origin.empty() ? options_.node : decoded->origin);
  if (!forwarded) PublishSubmitted(task);

  auto reply = [session, request, start, node = options_.node](Json entry) {
    entry["id"] = request["id"];
    entry["submitted_to"] = request.value("origin", node);
    entry["forwarded"] = entry.value("peer", node) != entry["submitted_to"];
    entry["total_ms"] = MillisSince(start);
    session->Send(std::move(entry));
  };
  EntryDone tracked = Track(task, std::move(reply));
  if (forwarded || confidential || !HasTracker()) return RunHere(std::move(task), std::move(tracked));
  Place(std::move(task), std::move(tracked));
}

/// Asks the tracker where to run; forwards there or runs here.
void CpuService::Place(Task task, EntryDone done) {
  auto shared = std::make_shared<std::pair<Task, EntryDone>>(std::move(task), std::move(done));
  outbound_->CallTracker(PickPeerRequest({&shared->first}), milliseconds(5000), [this, shared](Result<Json> picked) {
    auto& [task, done] = *shared;
    Json placed = Placements(picked, 1);
    Json target = placed.is_null() ? Json() : placed[0];
    if (target.is_null() || target["id"] == options_.node) {
      if (target.is_null()) spdlog::warn("tracker gave no placement for {}; running it here", task.spec.task_id);
      return RunHere(std::move(task), std::move(done));
    }
    Forward(std::move(task), std::move(target), std::move(done));
  });
}

/// Sends `task` to the peer `target` names ({id, host, port}) once a forward
/// slot is free, and relays its reply; runs it here if that peer cannot be
/// reached.
void CpuService::Forward(Task task, Json target, EntryDone done) {
  auto shared = std::make_shared<std::pair<Task, EntryDone>>(std::move(task), std::move(done));
  Status started = StartForward([this, shared, target] {
    auto& [task, done] = *shared;
    if (EndIfCancelled(task, done)) return EndForward();
    whereabouts_[task.spec.task_id] = {Whereabouts::Kind::kForwarded, target["id"], target["host"],
                                       target["port"].get<std::uint16_t>()};
    net::CpuTaskRequest forward{Forwardable(task), /*confidential=*/false, /*forwarded=*/true, options_.node};
    outbound_->CallPeer(target["host"], target["port"].get<std::uint16_t>(), net::Encode(forward),
                        task.spec.timeout + kForwardSlack, [this, shared, target](Result<Json> reply) {
                          EndForward();
                          auto& [task, done] = *shared;
                          if (!reply.ok()) {
                            spdlog::warn("forwarding {} to {} failed ({}); running it here", task.spec.task_id,
                                         target["id"].get<std::string>(), reply.status().ToString());
                            return RunHere(std::move(task), std::move(done));
                          }
                          auto result = net::DecodeTaskResult(*reply);
                          if (!result.ok()) {  // not a CPU_RESULT or ERROR we can read: run it here
                            spdlog::warn("{} answered the forward of {} out of protocol ({}); running it here",
                                         target["id"].get<std::string>(), task.spec.task_id,
                                         result.status().ToString());
                            return RunHere(std::move(task), std::move(done));
                          }
                          stats_.tasks_forwarded++;
                          done(net::EncodeTaskResult(*result));
                        });
  });
  if (!started.ok()) {
    PublishFinished(shared->first, started, 0, 0);
    shared->second(ErrorEntry(started, shared->first.spec.task_id, options_.node));
  }
}

Status CpuService::StartForward(std::function<void()> send) {
  if (forwards_in_flight_ < options_.max_forwards) {
    ++forwards_in_flight_;
    send();
    return Status::Ok();
  }
  if (forwards_waiting_.size() >= options_.ready_queue_max) {
    return Status::Limit(options_.node + " has " + std::to_string(forwards_in_flight_) +
                         " forwards in flight (--max-forwards) and " + std::to_string(forwards_waiting_.size()) +
                         " tasks waiting to be forwarded (--ready-queue-max); try again later");
  }
  forwards_waiting_.push_back(std::move(send));
  return Status::Ok();
}

void CpuService::EndForward() {
  --forwards_in_flight_;
  if (forwards_waiting_.empty()) return;
  auto send = std::move(forwards_waiting_.front());
  forwards_waiting_.pop_front();
  ++forwards_in_flight_;
  send();
}

// [SECTION] Batches -------------------------------------------------------------------

struct BatchState {
  net::SessionPtr session;
  Json request;
  Clock::time_point start;
  Json results;  // one entry per task, by index
  std::size_t remaining = 0;

  void Fill(std::size_t index, Json entry) {
    entry["index"] = index;
    entry["ok"] = IsOk(entry);
    entry["total_ms"] = MillisSince(start);  // batch submitted -> this task done
    if (entry["ok"]) entry.erase("type");
    results[index] = std::move(entry);
    if (--remaining == 0) Finish();
  }
  void Finish() {
    Json per_peer = Json::object();
    for (const auto& entry : results) {
      std::string peer = entry.value("peer", "?");
      per_peer[peer] = per_peer.value(peer, 0) + 1;
    }
    session->Reply(request, {{"type", "BATCH_RESULT"},
                             {"results", std::move(results)},
                             {"peers", std::move(per_peer)},
                             {"total_ms", MillisSince(start)}});
  }
};

void CpuService::HandleBatch(const net::SessionPtr& session, const Json& request) {
  auto decoded = net::DecodeCpuBatch(request);  // all or nothing: one bad task refuses the batch
  if (!decoded.ok()) return session->ReplyError(request, decoded.status());
  const std::string origin = decoded->origin.empty() ? options_.node : decoded->origin;
  std::vector<Task> parsed;
  parsed.reserve(decoded->tasks.size());
  for (net::TaskRequest& task : decoded->tasks) parsed.push_back(Admit(std::move(task), origin));
  if (!decoded->forwarded) {
    for (const Task& task : parsed) PublishSubmitted(task);
  }
  auto batch = std::make_shared<BatchState>(BatchState{session, request, Clock::now(), Json::array(), parsed.size()});
  batch->results = Json(std::vector<Json>(parsed.size()));

  std::vector<EntryDone> fills;
  for (std::size_t i = 0; i < parsed.size(); ++i) {
    fills.push_back(Track(parsed[i], [batch, i](Json entry) { batch->Fill(i, std::move(entry)); }));
  }
  if (decoded->forwarded || decoded->confidential || !HasTracker()) {
    for (std::size_t i = 0; i < parsed.size(); ++i) RunHere(std::move(parsed[i]), std::move(fills[i]));
    return;
  }
  auto shared_fills = std::make_shared<std::vector<EntryDone>>(std::move(fills));
  auto tasks_left = std::make_shared<std::vector<Task>>(std::move(parsed));
  std::vector<const Task*> placing;
  for (const Task& task : *tasks_left) placing.push_back(&task);
  outbound_->CallTracker(PickPeerRequest(placing), milliseconds(5000),
                         [this, tasks_left, batch, shared_fills](Result<Json> picked) {
                           std::vector<Task>& parsed = *tasks_left;
                           // Group by peer: each remote peer gets one forwarded batch.
                           std::map<std::string, std::vector<std::pair<std::size_t, Task>>> groups;
                           std::map<std::string, Json> where;
                           Json placed = Placements(picked, parsed.size());
                           for (std::size_t i = 0; i < parsed.size(); ++i) {
                             Json target = placed.is_null() ? Json{{"id", options_.node}} : placed[i];
                             std::string id = target["id"];
                             where[id] = target;
                             groups[id].emplace_back(i, std::move(parsed[i]));
                           }
                           for (auto& [peer_id, group] : groups) {
                             if (peer_id == options_.node) {
                               for (auto& [index, task] : group)
                                 RunHere(std::move(task), std::move((*shared_fills)[index]));
                             } else {
                               ForwardBatch(std::move(group), peer_id, where[peer_id]["host"], where[peer_id]["port"],
                                            batch, shared_fills);
                             }
                           }
                         });
}

/// Sends `group` as one batch to another peer once a forward slot is free,
/// and fills in its entries. If the peer cannot be reached, the group runs
/// here instead.
void CpuService::ForwardBatch(std::vector<std::pair<std::size_t, Task>> group, std::string peer_id, std::string host,
                              std::uint16_t port, std::shared_ptr<BatchState> batch,
                              std::shared_ptr<std::vector<EntryDone>> fills) {
  auto shared = std::make_shared<std::vector<std::pair<std::size_t, Task>>>(std::move(group));
  Status started = StartForward([this, shared, peer_id, host, port, batch, fills] {
    // Tasks cancelled while they were being placed end here; the rest go.
    std::erase_if(*shared, [&](const std::pair<std::size_t, Task>& entry) {
      return EndIfCancelled(entry.second, (*fills)[entry.first]);
    });
    if (shared->empty()) return EndForward();
    for (const auto& [index, task] : *shared) {
      whereabouts_[task.spec.task_id] = {Whereabouts::Kind::kForwarded, peer_id, host, port};
    }
    net::CpuBatchRequest forward{{}, /*confidential=*/false, /*forwarded=*/true, options_.node};
    milliseconds longest{0};
    for (const auto& [index, task] : *shared) {
      forward.tasks.push_back(Forwardable(task));
      longest = std::max(longest, task.spec.timeout);
    }
    auto budget = longest * static_cast<int>(shared->size()) + kForwardSlack;  // worst case: one at a time
    outbound_->CallPeer(
        host, port, net::Encode(forward), budget, [this, shared, peer_id, batch, fills](Result<Json> reply) {
          EndForward();
          std::vector<std::pair<std::size_t, Task>>& group = *shared;
          auto entries = BatchEntries(reply, group.size());
          bool usable = entries.has_value();
          if (!usable) {
            spdlog::warn("forwarding {} tasks to {} failed ({}); running them here", group.size(), peer_id,
                         reply.ok() ? net::StatusFromReply(*reply).ToString() : reply.status().ToString());
          } else {
            stats_.tasks_forwarded += static_cast<std::int64_t>(group.size());
          }
          for (std::size_t k = 0; k < group.size(); ++k) {
            std::size_t index = group[k].first;
            if (usable) {
              (*fills)[index](net::EncodeTaskResult((*entries)[k]));
            } else {
              RunHere(std::move(group[k].second), std::move((*fills)[index]));
            }
          }
        });
  });
  if (!started.ok()) {
    for (const auto& [index, task] : *shared) {
      PublishFinished(task, started, 0, 0);
      (*fills)[index](ErrorEntry(started, task.spec.task_id, options_.node));
    }
  }
}

// [SECTION] The ready queue and the executor ---------------------------------------------

void CpuService::RunHere(Task task, EntryDone done) {
  if (EndIfCancelled(task, done)) return;
  if (auto it = whereabouts_.find(task.spec.task_id); it != whereabouts_.end())
    it->second = {Whereabouts::Kind::kLocal};
  auto shared = std::make_shared<std::pair<Task, EntryDone>>(std::move(task), std::move(done));
  TaskSpec spec = shared->first.spec;
  Status admitted = scheduler_->Submit(std::move(spec), shared->first.sched,
                                       [this, shared](TaskOutcome outcome, const TaskTimes& times) {
                                         OnFinished(shared->first, outcome, times, shared->second);
                                         UpdateStats();
                                       });
  if (!admitted.ok()) {
    PublishFinished(shared->first, admitted, 0, 0);
    return shared->second(ErrorEntry(admitted, shared->first.spec.task_id, options_.node));
  }
  UpdateStats();
}

// [SECTION] Cancellation ---------------------------------------------------------------------

CpuService::EntryDone CpuService::Track(const Task& task, EntryDone done) {
  const std::string id = task.spec.task_id;
  whereabouts_[id] = Whereabouts{};
  return [this, id, done = std::move(done)](Json entry) {
    whereabouts_.erase(id);
    cancelled_while_placing_.erase(id);
    std::string outcome = IsOk(entry) ? "ok" : entry.value("code", std::string("failed"));
    recently_ended_.emplace_back(id, outcome);
    if (recently_ended_.size() > kRecentlyEnded) recently_ended_.pop_front();
    done(std::move(entry));
  };
}

bool CpuService::EndIfCancelled(const Task& task, const EntryDone& done) {
  if (cancelled_while_placing_.erase(task.spec.task_id) == 0) return false;
  Status cancelled(Code::kCancelled, "task " + task.spec.task_id + " was cancelled before it ran");
  PublishFinished(task, cancelled, 0, 0);
  done(ErrorEntry(cancelled, task.spec.task_id, options_.node));
  return true;
}

void CpuService::HandleCancel(const net::SessionPtr& session, const Json& request) {
  const std::string task_id = request["task_id"];
  auto cancelled = [&](const std::string& was) {
    session->Reply(request, {{"type", "CANCELLED"}, {"task_id", task_id}, {"peer", options_.node}, {"was", was}});
  };
  auto it = whereabouts_.find(task_id);
  if (it == whereabouts_.end()) {
    auto ended = std::find_if(recently_ended_.rbegin(), recently_ended_.rend(),
                              [&](const auto& entry) { return entry.first == task_id; });
    if (ended != recently_ended_.rend()) {
      return session->ReplyError(request, Status::NotFound("task " + task_id + " already finished (" + ended->second +
                                                           "); nothing to cancel"));
    }
    return session->ReplyError(request, Status::NotFound("no task " + net::Sanitize(task_id) + " on " + options_.node));
  }
  const Whereabouts where = it->second;
  switch (where.kind) {
    case Whereabouts::Kind::kPlacing:
      cancelled_while_placing_.insert(task_id);
      return cancelled("placing");
    case Whereabouts::Kind::kLocal: {
      auto was = scheduler_->Cancel(task_id,
                                    Status(Code::kCancelled, "task " + task_id + " was cancelled on " + options_.node));
      if (!was.ok()) return session->ReplyError(request, was.status());
      return cancelled(*was);
    }
    case Whereabouts::Kind::kForwarded: {
      Json relay = {{"type", "TASK_CANCEL"}, {"task_id", task_id}, {"forwarded", true}};
      outbound_->CallPeer(where.host, where.port, std::move(relay), milliseconds(5000),
                          [session, request, peer = where.peer](Result<Json> reply) {
                            if (!reply.ok()) {
                              return session->ReplyError(
                                  request, Status::Unavailable("cannot reach " + peer +
                                                               ", which runs the task: " + reply.status().message()));
                            }
                            Json answer = *reply;
                            answer["id"] = request["id"];
                            session->Send(std::move(answer));
                          });
      return;
    }
  }
}

void CpuService::UpdateStats() {
  stats_.queue_length = static_cast<int>(scheduler_->ready());
  stats_.running = static_cast<int>(scheduler_->running());
}

void CpuService::OnFinished(const Task& task, const TaskOutcome& outcome, const TaskTimes& times,
                            const EntryDone& done) {
  net::TaskResult result;
  result.status = outcome.status;
  result.result = outcome.result;
  result.task_id = task.spec.task_id;
  result.peer = options_.node;
  result.stdout_text = outcome.stdout_text;
  result.stderr_text = outcome.stderr_text;
  result.output_truncated = outcome.output_truncated;
  result.run_ms = times.run_ms;
  result.queued_ms = times.waiting_ms;
  result.cpu_ms = times.cpu_ms;
  result.response_ms = times.response_ms;
  result.preemptions = times.preemptions;
  if (!outcome.status.ok()) stats_.tasks_failed++;
  stats_.tasks_done++;
  PublishFinished(task, outcome.status, std::chrono::duration<double, std::milli>(outcome.cpu_time).count(),
                  static_cast<double>(times.run_ms));
  done(net::EncodeTaskResult(result));
}

// [SECTION] Events ----------------------------------------------------------------------------

void CpuService::PublishSubmitted(const Task& task) {
  events_.Publish(os::events::TaskSubmitted{task.spec.task_id, std::nullopt,
                                            task.sched.name.empty() ? task.spec.function : task.sched.name,
                                            options_.node, task.sched.priority});
}

Json CpuService::PickPeerRequest(const std::vector<const Task*>& tasks) const {
  Json ids = Json::array();
  for (const Task* task : tasks) ids.push_back(task->spec.task_id);
  return {{"type", "PICK_PEER"}, {"count", tasks.size()}, {"peer_id", options_.node}, {"task_ids", std::move(ids)}};
}

/// The outcome a task's status stands for: a timeout, a limit that killed
/// it, or any other failure.
static os::events::Outcome OutcomeOf(const Status& status) {
  switch (status.code()) {
    case Code::kOk:
      return os::events::Outcome::kOk;
    case Code::kTimeout:
      return os::events::Outcome::kTimeout;
    case Code::kCancelled:
      return os::events::Outcome::kCancelled;
    default:
      return os::events::Outcome::kFailed;
  }
}

void CpuService::PublishFinished(const Task& task, const Status& status, double cpu_ms, double run_ms) {
  const double turnaround = std::max(0.0, events_.TrackerNowMs() - task.submitted_t);
  events_.Publish(os::events::TaskFinished{task.spec.task_id, std::nullopt, options_.node, OutcomeOf(status),
                                           std::max(0.0, turnaround - run_ms), cpu_ms, turnaround});
}

}  // namespace osgrid::peer
