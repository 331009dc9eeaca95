// CpuService: see cpu_service.h. Sections:
//   [SECTION] Parsing a task
//   [SECTION] Single tasks: place, forward or run here
//   [SECTION] Batches: one placement for all, one forward per peer
//   [SECTION] The ready queue and the executor
//   [SECTION] Cancellation
//   [SECTION] System calls and the process tree
//   [SECTION] Events: what each task's life tells the cluster
#include "cpu_service.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <optional>
#include <set>
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

/// The TASK_CANCEL a peer relays to the peer that runs `task_id`.
Json CancelRelay(const std::string& task_id, bool group, const std::string& root) {
  Json relay = {{"type", "TASK_CANCEL"}, {"task_id", task_id}, {"forwarded", true}, {"group", group}};
  if (!root.empty()) relay["root"] = root;
  return relay;
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
      executor_(io, ExecutorOptions(options_)),
      tree_(options_.node, options_.tree_limits),
      cut_off_timer_(io) {}

CpuService::~CpuService() {
  for (const auto& timer : inject_timers_) timer->cancel();  // their handlers see operation_aborted
}

Status CpuService::Open() {
  SchedulerOptions sched;
  sched.node = options_.node;
  sched.cores = options_.cores;
  sched.policy = options_.scheduler;
  sched.params = options_.sched_params;
  sched.remote = options_.scheduler_file;
  sched.ready_queue_max = options_.ready_queue_max;
  sched.on_change = [this] { UpdateStats(); };
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
  if (options_.inject_seed) {
    // One stream per peer: two peers with the same --inject-seed draw different delays.
    std::uint64_t node_hash = 0xcbf29ce484222325ull;  // FNV-1a
    for (unsigned char c : options_.node) node_hash = (node_hash ^ c) * 0x100000001b3ull;
    inject_rng_.emplace(*options_.inject_seed ^ node_hash);
    spdlog::info(
        "injection on (--inject-seed {}): every system call and every reply waits 0..{} ms, drawn from the seed",
        *options_.inject_seed, options_.inject_max_delay.count());
  }
  return Status::Ok();
}

Json CpuService::SchedulerSettings() const { return scheduler_ ? scheduler_->Settings() : Json(); }

Json CpuService::SchedulerReport() const { return scheduler_ ? scheduler_->Report() : Json(); }

Json CpuService::InjectionReport() const {
  if (!options_.inject_seed) return Json();
  return {{"seed", *options_.inject_seed}, {"max_delay_ms", options_.inject_max_delay.count()}};
}

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
  if (!request.parent.empty()) task.sched.parent = std::move(request.parent);
  task.root = std::move(request.root);
  task.spec.task_id =
      request.task_id.empty() ? options_.node + "/" + std::to_string(++submitted_) : std::move(request.task_id);
  task.program_sha256 = std::move(request.program_sha256);
  task.origin = origin;
  task.claims = std::move(request.claims);
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
  // Its parent now: init's, if its parent ended while it was being placed.
  request.parent = tree_.ParentOfChild(task.spec.task_id).value_or(task.sched.parent.value_or(""));
  request.root = task.root;
  request.claims = task.claims;
  return request;
}

// [SECTION] Single tasks ------------------------------------------------------------

void CpuService::HandleTask(const net::SessionPtr& session, const Json& request) {
  auto start = Clock::now();
  auto decoded = net::DecodeCpuTask(request);
  if (!decoded.ok()) return session->ReplyError(request, decoded.status());
  bool forwarded = decoded->forwarded;
  bool confidential = decoded->confidential;
  if (!forwarded) {  // only a peer says a task is a subtask (osgrid.submit)
    decoded->task.parent.clear();
    decoded->task.root.clear();
  }
  Task task = Admit(std::move(decoded->task), decoded->origin.empty() ? options_.node : decoded->origin);
  task.confidential = confidential;
  if (!forwarded) PublishSubmitted(task);

  auto reply = [this, session, request, start, node = options_.node, parent = task.sched.parent,
                task_id = task.spec.task_id, submitted_t = task.submitted_t](Json entry) {
    if (parent && session->closed()) {
      // A subtask whose parent's peer is gone: its end can reach no one to
      // reap it, so it is published here, or the task would never end.
      PublishReaped(task_id, *parent, ChildExit{entry, events_.TrackerNowMs(), submitted_t});
    }
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
  for (net::TaskRequest& task : decoded->tasks) {
    if (!decoded->forwarded) {  // only a peer says a task is a subtask
      task.parent.clear();
      task.root.clear();
    }
    parsed.push_back(Admit(std::move(task), origin));
    parsed.back().confidential = decoded->confidential;
  }
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
    std::map<std::string, std::string> jobs;
    for (std::size_t i = 0; i < parsed.size(); ++i) {
      JoinJob(parsed[i], jobs);
      RunHere(std::move(parsed[i]), std::move(fills[i]));
    }
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
                               std::map<std::string, std::string> jobs;
                               for (auto& [index, task] : group) {
                                 JoinJob(task, jobs);
                                 RunHere(std::move(task), std::move((*shared_fills)[index]));
                               }
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
          std::map<std::string, std::string> jobs;
          for (std::size_t k = 0; k < group.size(); ++k) {
            std::size_t index = group[k].first;
            if (usable) {
              (*fills)[index](net::EncodeTaskResult((*entries)[k]));
            } else {
              JoinJob(group[k].second, jobs);
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

void CpuService::JoinJob(Task& task, std::map<std::string, std::string>& jobs) {
  auto [job, added] = jobs.try_emplace(task.program_sha256);
  if (added) job->second = options_.node + "/job-" + std::to_string(++jobs_made_);
  task.spec.job = job->second;
}

void CpuService::RunHere(Task task, EntryDone done) {
  if (EndIfCancelled(task, done)) return;
  if (auto it = whereabouts_.find(task.spec.task_id); it != whereabouts_.end())
    it->second = {Whereabouts::Kind::kLocal};
  auto shared = std::make_shared<std::pair<Task, EntryDone>>(std::move(task), std::move(done));
  const std::string id = shared->first.spec.task_id;
  TaskSpec spec = shared->first.spec;
  spec.on_call = [this, id](Json call, CallReply reply) {
    if (inject_rng_) return InjectDelays(id, std::move(call), std::move(reply));
    OnCall(id, call, reply);
  };
  Status admitted = scheduler_->Submit(std::move(spec), shared->first.sched,
                                       [this, shared](TaskOutcome outcome, const TaskTimes& times) {
                                         OnTaskExit(shared->first.spec.task_id);
                                         LeaveJob(shared->first.spec.job);
                                         OnFinished(shared->first, outcome, times, shared->second);
                                         UpdateStats();
                                       });
  if (!admitted.ok()) {
    PublishFinished(shared->first, admitted, 0, 0);
    return shared->second(ErrorEntry(admitted, id, options_.node));
  }
  if (!shared->first.spec.job.empty()) ++job_tasks_[shared->first.spec.job];
  std::optional<std::string> parent = shared->first.sched.parent;
  auto early = std::find_if(early_adoptions_.begin(), early_adoptions_.end(),
                            [&](const auto& adoption) { return adoption.first == id; });
  if (early != early_adoptions_.end()) {  // adopted before its forward arrived
    parent = early->second;
    scheduler_->Reparent(id, *parent);
    early_adoptions_.erase(early);
  }
  tree_.Enter(id, parent, shared->first.root);
  running_here_[id] = std::shared_ptr<const Task>(shared, &shared->first);
  UpdateStats();
}

void CpuService::LeaveJob(const std::string& job) {
  auto it = job_tasks_.find(job);
  if (it == job_tasks_.end() || --it->second > 0) return;
  job_tasks_.erase(it);
  executor_.EndJob(job);
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
  auto it = cancelled_while_placing_.find(task.spec.task_id);
  if (it == cancelled_while_placing_.end()) return false;
  Status why = std::move(it->second);
  cancelled_while_placing_.erase(it);
  PublishFinished(task, why, 0, 0);
  done(ErrorEntry(why, task.spec.task_id, options_.node));
  return true;
}

void CpuService::HandleCancel(const net::SessionPtr& session, const Json& request) {
  const std::string task_id = request["task_id"];
  const bool group = request.value("group", false);
  const Status why = group ? Status(Code::kKilled, "task " + task_id + " was killed with its group on " + options_.node)
                           : Status(Code::kCancelled, "task " + task_id + " was cancelled on " + options_.node);
  // Killing a root's group ends every task of its tree, adopted ones too,
  // even after the root itself ended (killpg). A relayed kill names the root.
  std::string root = request.value("root", std::string());
  if (group && root.empty() && tree_.RootOf(task_id) == task_id) root = task_id;
  auto it = whereabouts_.find(task_id);
  if (it == whereabouts_.end()) {
    if (!root.empty()) {
      if (std::size_t killed = KillGroup(root, why); killed > 0) {
        return session->Reply(request, {{"type", "CANCELLED"},
                                        {"task_id", task_id},
                                        {"peer", options_.node},
                                        {"was", "finished"},
                                        {"members", killed}});
      }
    }
    auto ended = std::find_if(recently_ended_.rbegin(), recently_ended_.rend(),
                              [&](const auto& entry) { return entry.first == task_id; });
    if (ended != recently_ended_.rend()) {
      return session->ReplyError(request, Status::NotFound("task " + task_id + " already finished (" + ended->second +
                                                           "); nothing to cancel"));
    }
    return session->ReplyError(request, Status::NotFound("no task " + net::Sanitize(task_id) + " on " + options_.node));
  }
  if (it->second.kind == Whereabouts::Kind::kForwarded) {  // answered by the peer that runs it
    const Whereabouts where = it->second;
    if (!root.empty()) KillGroup(root, why);
    outbound_->CallPeer(where.host, where.port, CancelRelay(task_id, group, root), milliseconds(5000),
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
  auto was = EndTask(task_id, why, group, root);
  if (!was.ok()) return session->ReplyError(request, was.status());
  Json reply = {{"type", "CANCELLED"}, {"task_id", task_id}, {"peer", options_.node}, {"was", *was}};
  if (!root.empty()) reply["members"] = KillGroup(root, why) + 1;
  session->Reply(request, reply);
}

Result<std::string> CpuService::EndTask(const std::string& task_id, const Status& why, bool group,
                                        const std::string& root) {
  auto it = whereabouts_.find(task_id);
  if (it == whereabouts_.end()) return Status::NotFound("no task " + task_id + " on " + options_.node);
  const Whereabouts where = it->second;
  if (group) KillDescendants(task_id, why);  // first, so they are not adopted by init on the way
  switch (where.kind) {
    case Whereabouts::Kind::kPlacing:
      cancelled_while_placing_[task_id] = why;
      return std::string("placing");
    case Whereabouts::Kind::kLocal:
      return scheduler_->Cancel(task_id, why);
    case Whereabouts::Kind::kForwarded: {
      outbound_->CallPeer(where.host, where.port, CancelRelay(task_id, group, root), milliseconds(5000),
                          [task_id, peer = where.peer](Result<Json> reply) {
                            if (!reply.ok() || !IsOk(*reply)) {
                              spdlog::warn("relaying the end of {} to {} failed: {}", task_id, peer,
                                           reply.ok() ? reply->dump() : reply.status().ToString());
                            }
                          });
      return std::string("forwarded");
    }
  }
  return Status::Internal("unknown whereabouts of " + task_id);
}

std::size_t CpuService::KillGroup(const std::string& root, const Status& why) {
  std::size_t killed = 0;
  for (const std::string& member : tree_.LiveMembers(root)) {
    Status status(why.code(), "task " + member + " was killed with the group of " + root);
    if (EndTask(member, status, /*group=*/true, root).ok()) ++killed;
  }
  return killed;
}

/// `osgrid kill --group`: the children of `task_id` that this peer
/// submitted, and theirs, are ended with `why`: here, or where they run.
void CpuService::KillDescendants(const std::string& task_id, const Status& why) {
  for (const std::string& child : tree_.LiveChildren(task_id)) {
    if (!whereabouts_.contains(child)) continue;  // ending already
    Status killed(why.code(), "task " + child + " was killed with its group (" + task_id + "'s descendants)");
    if (auto ended = EndTask(child, killed, /*group=*/true); !ended.ok()) {
      spdlog::debug("killing {}: {}", child, ended.status().ToString());
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
                  static_cast<double>(times.run_ms), static_cast<double>(times.blocked_ms));
  done(net::EncodeTaskResult(result));
}

// [SECTION] Events ----------------------------------------------------------------------------

void CpuService::PublishSubmitted(const Task& task) {
  events_.Publish(os::events::TaskSubmitted{task.spec.task_id, task.sched.parent,
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
    case Code::kKilled:
      return os::events::Outcome::kKilled;
    case Code::kAborted:
      return os::events::Outcome::kAborted;
    default:
      return os::events::Outcome::kFailed;
  }
}

void CpuService::PublishFinished(const Task& task, const Status& status, double cpu_ms, double run_ms,
                                 double blocked_ms) {
  // A subtask's end is its parent's to publish, when it reaps it (PublishReaped).
  if (task.sched.parent) return;
  const double turnaround = std::max(0.0, events_.TrackerNowMs() - task.submitted_t);
  events_.Publish(os::events::TaskFinished{task.spec.task_id, std::nullopt, options_.node, OutcomeOf(status),
                                           std::max(0.0, turnaround - run_ms - blocked_ms), cpu_ms, turnaround});
}

// [SECTION] System calls and the process tree ------------------------------------------------
//
// A task's calls arrive from its process (call_channel.h) while it runs
// here. The tree's rules are TaskTree's (task_tree.h); this section acts on
// them: it submits children, blocks and wakes waiting parents, and
// publishes what the tree does (task.zombie, task.reparented, and a
// subtask's task.finished when it is reaped).

namespace {

Json CallOk(Json fields = Json::object()) {
  fields["ok"] = true;
  return fields;
}

Json CallRefused(const Status& status) {
  return {{"ok", false}, {"code", std::string(CodeName(status.code()))}, {"error", status.message()}};
}

/// The reply to osgrid.wait for a child that ended with `entry`: its result,
/// or why it failed; with what it printed, which the parent prints.
Json WaitReply(const std::string& child, const Json& entry) {
  auto decoded = net::DecodeTaskResult(entry);
  if (!decoded.ok()) return CallRefused(Status::Internal("child " + child + " ended without a readable result"));
  Json reply =
      decoded->status.ok()
          ? CallOk({{"result", decoded->result}})
          : CallRefused(Status(decoded->status.code(), "child " + child + " failed: " + decoded->status.message()));
  reply["stdout"] = decoded->stdout_text;
  reply["stderr"] = decoded->stderr_text;
  return reply;
}

}  // namespace

void CpuService::OnCall(const std::string& task_id, const Json& call, const CallReply& reply) {
  const std::string name = call["call"];
  if (name == "getpid") return reply(CallOk({{"task_id", task_id}}));
  if (name == "getppid") {
    std::optional<std::string> parent = tree_.ParentOf(task_id);
    return reply(CallOk({{"task_id", parent ? Json(*parent) : Json()}}));
  }
  if (name == "submit") return SubmitChild(task_id, call, reply);
  if (name == "wait") return WaitChild(task_id, call, reply);
  if (name == "mem.get" || name == "mem.set" || name == "mem.delete") return MemoryCall(task_id, name, call, reply);
  if (name == "sync") return SyncCall(task_id, call, reply);
  reply(CallRefused(Status::BadRequest("unknown call '" + net::Sanitize(name) +
                                       "' (the calls are submit, wait, getpid, getppid, mem.get, mem.set, "
                                       "mem.delete and sync)")));
}

void CpuService::After(milliseconds delay, std::function<void()> then) {
  if (delay.count() <= 0) return then();
  auto timer = std::make_shared<asio::steady_timer>(io_, delay);
  inject_timers_.insert(timer);
  timer->async_wait([this, timer, then = std::move(then)](const boost::system::error_code& error) {
    if (error) return;  // cancelled: this service is going away
    inject_timers_.erase(timer);
    then();
  });
}

void CpuService::InjectDelays(const std::string& task_id, Json call, CallReply reply) {
  const auto max = options_.inject_max_delay.count();
  const milliseconds before{inject_rng_->Uniform(0, max)};
  const milliseconds after{inject_rng_->Uniform(0, max)};
  CallReply delayed = [this, after, reply = std::move(reply)](const Json& answer) {
    After(after, [reply, answer] { reply(answer); });
  };
  After(before,
        [this, task_id, call = std::move(call), delayed = std::move(delayed)] { OnCall(task_id, call, delayed); });
}

/// osgrid.submit(fn, *args, **options): a child task running the parent's
/// program, placed like any task. The reply (its id) goes at once; the
/// child's end comes back to OnChildEnded.
void CpuService::SubmitChild(const std::string& parent_id, const Json& call, const CallReply& reply) {
  auto running = running_here_.find(parent_id);
  if (running == running_here_.end()) return reply(CallRefused(Status::NotFound("task " + parent_id + " has ended")));
  const Task& parent = *running->second;
  // The child's fields go through the same decoding as a client's task, so
  // a bad option gets the same message ("task: tickets must be ...").
  Json fields = Json::object();
  Json options = call.value("options", Json::object());
  if (!options.is_object()) return reply(CallRefused(Status::BadRequest("options must be an object")));
  for (const char* key : {"priority", "name", "burst_ms", "tickets", "cpu_limit_ms", "timeout_ms", "claims"}) {
    if (options.contains(key) && !options[key].is_null()) fields[key] = options[key];
  }
  if (fields.contains("priority") && fields["priority"].is_string()) {
    auto priority = net::ParsePriority(fields["priority"].get<std::string>());
    if (!priority.ok()) return reply(CallRefused(priority.status()));
    fields["priority"] = *priority;
  }
  fields["program"] = parent.spec.program;
  fields["program_sha256"] = parent.program_sha256;
  fields["function"] = call.value("function", Json());
  fields["args"] = call.value("args", Json());
  auto decoded = net::DecodeTask(fields);
  if (!decoded.ok()) return reply(CallRefused(decoded.status()));

  const std::string child_id = options_.node + "/" + std::to_string(submitted_ + 1);
  if (Status forked = tree_.Fork(parent_id, child_id); !forked.ok()) return reply(CallRefused(forked));
  ++submitted_;
  net::TaskRequest request = std::move(decoded).value();
  request.task_id = child_id;
  request.parent = parent_id;
  request.root = tree_.RootOf(parent_id);
  Task child = Admit(std::move(request), options_.node);
  child.confidential = parent.confidential;  // a confidential program's children stay here too
  PublishSubmitted(child);
  EntryDone done = Track(child, [this, child_id, submitted_t = child.submitted_t](Json entry) {
    OnChildEnded(child_id, submitted_t, std::move(entry));
  });
  reply(CallOk({{"task_id", child_id}}));
  if (child.confidential || !HasTracker()) return RunHere(std::move(child), std::move(done));
  Place(std::move(child), std::move(done));
}

/// osgrid.wait(handle): a zombie child is reaped at once; for a running one
/// the parent blocks, giving up its core, until OnChildEnded wakes it.
void CpuService::WaitChild(const std::string& parent_id, const Json& call, const CallReply& reply) {
  const Json child_field = call.value("task_id", Json());
  if (!child_field.is_string()) return reply(CallRefused(Status::BadRequest("task_id must be a string")));
  const std::string child = child_field;
  auto waited = tree_.Wait(parent_id, child);
  if (!waited.ok()) return reply(CallRefused(waited.status()));
  if (waited->has_value()) {
    PublishReaped(child, parent_id, **waited);
    return reply(WaitReply(child, (*waited)->entry));
  }
  waiting_[parent_id] = reply;
  if (Status blocked = scheduler_->Block(parent_id, "wait " + child); !blocked.ok()) {
    spdlog::warn("{} waits for {} but cannot block: {}", parent_id, child, blocked.ToString());
  }
}

void CpuService::OnChildEnded(const std::string& child, double submitted_t, Json entry) {
  ChildExit exit{std::move(entry), events_.TrackerNowMs(), submitted_t};
  const Json& ended = exit.entry;
  TaskTree::Fate fate = tree_.ChildEnded(child, exit);
  switch (fate.kind) {
    case TaskTree::Fate::kHandedToWaiter: {
      PublishReaped(child, fate.parent, exit);
      auto waiter = waiting_.find(fate.parent);
      if (waiter == waiting_.end()) return;
      CallReply reply = std::move(waiter->second);
      waiting_.erase(waiter);
      // The reply goes when the parent is on a core again: it runs when the policy says.
      Status woken = scheduler_->Wake(fate.parent, [reply, answer = WaitReply(child, exit.entry)] { reply(answer); });
      if (!woken.ok()) spdlog::warn("waking {}: {}", fate.parent, woken.ToString());
      return;
    }
    case TaskTree::Fate::kZombie: {
      auto result = net::DecodeTaskResult(ended);
      const Status status = result.ok() ? result->status : result.status();
      events_.Publish(
          os::events::TaskZombie{child, fate.parent, ended.value("peer", options_.node), OutcomeOf(status)});
      return;
    }
    case TaskTree::Fate::kReapedByInit:
      return PublishReaped(child, fate.parent, exit);
    case TaskTree::Fate::kNotAChild:
      return;
  }
}

void CpuService::OnTaskExit(const std::string& task_id) {
  running_here_.erase(task_id);
  waiting_.erase(task_id);
  holding_.erase(task_id);  // the tracker frees what it held when its end arrives (docs/sync.md)
  TaskTree::Orphans orphans = tree_.Exit(task_id);
  for (const auto& [child, exit] : orphans.reaped) PublishReaped(child, task_id, exit);
  for (const std::string& child : orphans.adopted) {
    events_.Publish(os::events::TaskReparented{child, tree_.init_id(), task_id, options_.node});
    scheduler_->Reparent(child, tree_.init_id());  // if it runs here: its events name its new parent
    auto where = whereabouts_.find(child);
    if (where == whereabouts_.end() || where->second.kind != Whereabouts::Kind::kForwarded) continue;
    // It runs on another peer: tell it, so that its getppid() is right.
    Json adopted = {{"type", "TASK_ADOPTED"}, {"task_id", child}, {"parent", tree_.init_id()}};
    outbound_->CallPeer(where->second.host, where->second.port, std::move(adopted), milliseconds(5000),
                        [child, peer = where->second.peer](Result<Json> reply) {
                          if (!reply.ok() || !IsOk(*reply)) {
                            spdlog::debug("telling {} that {} was adopted: {}", peer, child,
                                          reply.ok() ? reply->dump() : reply.status().ToString());
                          }
                        });
  }
}

void CpuService::HandleAdopted(const net::SessionPtr& session, const Json& request) {
  const std::string task_id = request["task_id"];
  const std::string parent = request["parent"];
  if (tree_.Adopted(task_id, parent)) {
    scheduler_->Reparent(task_id, parent);
  } else {  // the forward that brings it may still be on its way: adopt it when it comes
    early_adoptions_.emplace_back(task_id, parent);
    if (early_adoptions_.size() > kEarlyAdoptionsKept) early_adoptions_.pop_front();
  }
  session->Reply(request, {{"type", "OK"}});
}

void CpuService::PublishReaped(const std::string& child, const std::string& parent, const ChildExit& exit) {
  auto result = net::DecodeTaskResult(exit.entry);
  const Status status = result.ok() ? result->status : result.status();
  const double cpu_ms = result.ok() ? static_cast<double>(result->cpu_ms) : 0.0;
  const double run_ms = result.ok() ? static_cast<double>(result->run_ms) : 0.0;
  const double turnaround = std::max(0.0, exit.exited_t - exit.submitted_t);
  events_.Publish(os::events::TaskFinished{child, parent, exit.entry.value("peer", options_.node), OutcomeOf(status),
                                           std::max(0.0, turnaround - run_ms), cpu_ms, turnaround});
}

// [SECTION] Shared memory and cluster objects (docs/sync.md) ----------------------------------
//
// osgrid.mem reaches the key-value memory of the peer a task was submitted
// to: here, or its origin over the network (GET_MEM, SET_MEM, DEL_MEM, as a
// client sends them). Calls on cluster objects go to the tracker as SYNC;
// this peer keeps only which of its tasks hold Locks or Resources, so that
// it can kill them if it loses the tracker (OnTrackerContact, OnTrackerRun).

namespace {

/// The frame osgrid.mem.<name> stands for, or why it cannot be sent.
Result<Json> MemoryFrame(const std::string& name, const Json& call) {
  if (!call.contains("key") || !call["key"].is_string()) return Status::BadRequest("key must be a string");
  if (name == "mem.get") return Json{{"type", "GET_MEM"}, {"key", call["key"]}};
  if (name == "mem.delete") return Json{{"type", "DEL_MEM"}, {"key", call["key"]}};
  if (!call.contains("value")) return Status::BadRequest("mem.set needs a value");
  return Json{{"type", "SET_MEM"}, {"key", call["key"]}, {"value", call["value"]}};
}

/// The task's reply to osgrid.mem.<name>, from the memory's reply frame.
Json MemoryReply(const std::string& name, const Result<Json>& reply) {
  Status status = reply.ok() ? net::StatusFromReply(reply.value()) : reply.status();
  if (status.code() == Code::kNotFound && name != "mem.set") return CallOk({{"found", false}});
  if (!status.ok()) return CallRefused(status);
  if (name == "mem.get") return CallOk({{"found", true}, {"value", reply->value("value", Json())}});
  return CallOk({{"found", true}});
}

const std::set<std::string>& SyncOps() {
  static const std::set<std::string> ops = {"lock.acquire", "lock.release", "resource.request", "resource.release",
                                            "sem.wait",     "sem.signal",   "queue.send",       "queue.receive"};
  return ops;
}

}  // namespace

void CpuService::MemoryCall(const std::string& task_id, const std::string& name, const Json& call,
                            const CallReply& reply) {
  auto frame = MemoryFrame(name, call);
  if (!frame.ok()) return reply(CallRefused(frame.status()));
  auto running = running_here_.find(task_id);
  if (running == running_here_.end()) return reply(CallRefused(Status::NotFound("task " + task_id + " has ended")));
  const std::string origin = running->second->origin;
  if (origin.empty() || origin == options_.node) {
    if (!local_memory_) return reply(CallRefused(Status::Unavailable("this peer serves no memory")));
    return reply(MemoryReply(name, local_memory_(*frame)));
  }
  CallOriginPeer(origin, std::move(frame).value(),
                 [name, reply](Result<Json> answer) { reply(MemoryReply(name, answer)); });
}

void CpuService::CallOriginPeer(const std::string& peer_id, Json request, std::function<void(Result<Json>)> done) {
  auto send = [this, peer_id, request = std::move(request), done](bool looked_up) mutable {
    auto where = peer_addresses_.find(peer_id);
    if (where == peer_addresses_.end()) {
      return done(Status::Unavailable("peer " + peer_id + ", where this task was submitted (its memory is there), " +
                                      (looked_up ? "is not in the cluster" : "cannot be looked up")));
    }
    outbound_->CallPeer(
        where->second.first, where->second.second, std::move(request), milliseconds(10000),
        [this, peer_id, done](Result<Json> reply) {
          if (!reply.ok()) {
            peer_addresses_.erase(peer_id);  // look it up again next time: it may have moved
            return done(Status::Unavailable("cannot reach " + peer_id + ", where this task was " +
                                            "submitted (its memory is there): " + reply.status().message()));
          }
          done(std::move(reply));
        });
  };
  if (peer_addresses_.contains(peer_id) || !HasTracker()) return send(false);
  outbound_->CallTracker(
      {{"type", "PEER_LIST"}}, milliseconds(5000), [this, send = std::move(send)](Result<Json> reply) mutable {
        if (reply.ok() && net::StatusFromReply(*reply).ok()) {
          for (const Json& peer : reply->value("peers", Json::array())) {
            peer_addresses_[peer.value("id", "")] = {peer.value("host", ""), peer.value("port", std::uint16_t{0})};
          }
        }
        send(true);
      });
}

void CpuService::SyncCall(const std::string& task_id, const Json& call, const CallReply& reply) {
  const std::string op = call.value("op", "");
  if (!SyncOps().contains(op)) {
    return reply(CallRefused(Status::BadRequest("unknown op '" + net::Sanitize(op) + "'")));
  }
  auto running = running_here_.find(task_id);
  if (running == running_here_.end()) return reply(CallRefused(Status::NotFound("task " + task_id + " has ended")));
  if (!HasTracker()) {
    return reply(CallRefused(Status::Unavailable("this peer runs without a tracker, and cluster objects (" + op +
                                                 ") live at the tracker; start the peer with --tracker")));
  }
  Json request = {{"type", "SYNC"}, {"op", op}, {"task_id", task_id}, {"peer_id", options_.node}};
  for (const char* field : {"name", "count", "instances", "initial", "capacity", "message", "timeout_ms"}) {
    if (call.contains(field)) request[field] = call[field];
  }
  if (!running->second->claims.empty()) request["claims"] = running->second->claims;
  request["id"] = 0;  // ValidateRequest checks a whole frame; the connection numbers the request it sends
  if (Status valid = net::ValidateRequest(request); !valid.ok()) {
    return reply(CallRefused(Status::BadRequest(valid.message())));
  }
  request.erase("id");
  const Json count_field = call.value("count", Json(1));  // the tracker checks it; here only to count holdings
  const std::int64_t count = count_field.is_number_integer() ? count_field.get<std::int64_t>() : 1;
  // Waiting at the tracker may take long; the task's own time limit still bounds it.
  const std::int64_t timeout_ms = call.value("timeout_ms", Json()).is_number_integer()
                                      ? call.value("timeout_ms", std::int64_t{0}) + 10000
                                      : std::int64_t{24} * 3600 * 1000;

  // Answered within kSyncBlockAfter: the task keeps its core. Else it gives
  // it up (task.blocked on "<op> <name>") until the answer wakes it.
  struct Pending {
    bool answered = false;
    bool blocked = false;
    boost::asio::steady_timer timer;
    explicit Pending(boost::asio::io_context& io) : timer(io) {}
  };
  auto pending = std::make_shared<Pending>(io_);
  pending->timer.expires_after(kSyncBlockAfter);
  pending->timer.async_wait([this, pending, task_id, what = op + " " + call.value("name", "")](auto ec) {
    if (ec || pending->answered) return;
    pending->blocked = scheduler_->Block(task_id, what).ok();
  });
  outbound_->CallTracker(std::move(request), milliseconds(timeout_ms),
                         [this, pending, task_id, op, count, reply](Result<Json> answer) {
                           pending->answered = true;
                           pending->timer.cancel();
                           if (answer.ok() && net::StatusFromReply(*answer).code() == Code::kAborted) {
                             // A deadlock victim: it ends here, with outcome aborted; the tracker frees what it held.
                             auto ended = EndTask(task_id, net::StatusFromReply(*answer), /*group=*/false);
                             if (!ended.ok()) spdlog::debug("aborting {}: {}", task_id, ended.status().ToString());
                             return;
                           }
                           Json result = SyncReply(task_id, op, count, answer);
                           if (!pending->blocked) return reply(result);
                           Status woken = scheduler_->Wake(task_id, [reply, result] { reply(result); });
                           if (!woken.ok()) spdlog::debug("waking {} after {}: {}", task_id, op, woken.ToString());
                         });
}

Json CpuService::SyncReply(const std::string& task_id, const std::string& op, std::int64_t count,
                           const Result<Json>& answer) {
  if (!answer.ok()) {
    return CallRefused(Status::Unavailable("lost the tracker while " + op + " waited (" + answer.status().message() +
                                           "); cluster objects live at the tracker, and a restarted tracker has "
                                           "forgotten them: retry"));
  }
  if (Status status = net::StatusFromReply(answer.value()); !status.ok()) return CallRefused(status);
  const bool granted = answer->value("granted", true);
  if (granted && (op == "lock.acquire" || op == "resource.request") && running_here_.contains(task_id)) {
    holding_[task_id] += op == "lock.acquire" ? 1 : count;
  }
  if (op == "lock.release" || op == "resource.release") {
    auto held = holding_.find(task_id);
    if (held != holding_.end() && (held->second -= op == "lock.release" ? 1 : count) <= 0) holding_.erase(held);
  }
  Json result = CallOk({{"granted", granted}});
  if (answer->contains("message")) result["message"] = answer.value()["message"];
  return result;
}

void CpuService::OnTrackerContact(double sent_ms, milliseconds peer_timeout) {
  // Kill a little before the tracker could declare us dead, so that its
  // release of our Locks can never come while a holder still runs.
  const double margin_ms = std::min(500.0, peer_timeout.count() / 10.0);
  const double deadline_ms = sent_ms + static_cast<double>(peer_timeout.count()) - margin_ms;
  const auto wait = std::chrono::duration<double, std::milli>(std::max(0.0, deadline_ms - PeerEvents::LocalNowMs()));
  cut_off_timer_.expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(wait));
  cut_off_timer_.async_wait([this, peer_timeout](boost::system::error_code ec) {
    if (ec) return;
    KillHolders("cut off from the tracker for over " + std::to_string(peer_timeout.count()) +
                " ms (its peer timeout) while holding Locks or Resources; the tracker frees them");
  });
}

void CpuService::OnTrackerRun(const std::string& epoch) {
  if (!tracker_epoch_.empty() && !epoch.empty() && epoch != tracker_epoch_) {
    KillHolders("the tracker restarted (run " + tracker_epoch_ + " is now " + epoch +
                ") and no longer knows the Locks and Resources this task held");
  }
  if (!epoch.empty()) tracker_epoch_ = epoch;
}

void CpuService::KillHolders(const std::string& why) {
  if (holding_.empty()) return;
  const std::map<std::string, std::int64_t> holders = holding_;
  for (const auto& [task_id, held] : holders) {
    spdlog::warn("killing {} ({} instances held): {}", task_id, held, why);
    auto ended = EndTask(task_id, Status(Code::kKilled, "task " + task_id + " killed: " + why), /*group=*/false);
    if (!ended.ok()) spdlog::debug("killing {}: {}", task_id, ended.status().ToString());
    holding_.erase(task_id);
  }
}

}  // namespace osgrid::peer
