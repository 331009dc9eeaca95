// The viewer's fold: see view_state.h for what each event does.
//
// Source: the fold of peers, tasks and arenas is os::events::ClusterState's
//         (Silberschatz 10e 3.1.2, 3.3.2); the cluster objects' holders and
//         waiters follow the resource-allocation graph of 8.3.2, its
//         wait-for graph 8.7.1; event sourcing (M. Fowler, 2005).
#include "osgrid/viz/view_state.h"

#include <algorithm>
#include <charconv>
#include <type_traits>
#include <utility>

#include "osgrid/net/events.h"
#include "sim_events.h"

namespace osgrid::viz {

namespace ev = os::events;

namespace {

/// The first of `names` that `options` has as a string holding a whole
/// number, or `fallback`.
std::uint64_t NumberOption(const Json& options, std::initializer_list<const char*> names, std::uint64_t fallback) {
  if (!options.is_object()) return fallback;
  for (const char* name : names) {
    auto it = options.find(name);
    if (it == options.end() || !it->is_string()) continue;
    const std::string& text = it->get_ref<const std::string&>();
    std::uint64_t value = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error == std::errc() && end == text.data() + text.size()) return value;
  }
  return fallback;
}

std::string TextOption(const Json& options, const char* name, std::string fallback) {
  if (!options.is_object()) return fallback;
  auto it = options.find(name);
  return it != options.end() && it->is_string() ? it->get<std::string>() : fallback;
}

/// The use of `task_id` in `uses`, or end.
std::vector<ev::ResourceUse>::iterator UseOf(std::vector<ev::ResourceUse>& uses, const std::string& task_id) {
  return std::find_if(uses.begin(), uses.end(), [&](const ev::ResourceUse& use) { return use.task_id == task_id; });
}

bool Holds(const std::string& kind) { return kind == "lock" || kind == "resource"; }

template <typename Payload>
Json MarkJson(const std::optional<Marked<Payload>>& mark) {
  if (!mark) return nullptr;
  return Json{{"seq", mark->seq},
              {"t", mark->t},
              {"node", mark->node},
              {"event", net::EncodeEvent(ev::Event{mark->seq, "", mark->t, mark->node, mark->event})}};
}

Json Frames(const FrameTable& table) {
  Json frames = Json::array();
  for (const auto& page : table.frames) frames.push_back(page ? Json(*page) : Json(nullptr));
  return frames;
}

}  // namespace

const ev::Event& ForFold(const SourceInfo& source, const ev::Event& event, ev::Event& scratch) {
  if (!source.is_sim()) return event;
  scratch = event;
  std::visit(
      [&](auto& body) {
        using T = std::decay_t<decltype(body)>;
        if constexpr (requires { body.peer; }) {
          if (body.peer.empty()) body.peer = std::string(kSimPeer);
        }
        if constexpr (std::is_same_v<T, ev::MemAlloc> || std::is_same_v<T, ev::MemFree>) {
          body.address = body.address >= source.sim_heap_base ? body.address - source.sim_heap_base : body.address;
        }
      },
      scratch.body);
  if (scratch.node.empty()) scratch.node = std::string(kSimPeer);
  return scratch;
}

SourceInfo SourceInfo::FromTraceHeader(const net::TraceHeader& header) {
  SourceInfo source;
  source.source = header.source;
  source.time_unit = header.time_unit;
  if (!source.is_sim()) return source;
  source.topic = TextOption(header.cluster, "topic", "");
  if (source.topic == "mem") {
    const Json options = header.cluster.is_object() ? header.cluster.value("options", Json::object()) : Json();
    // The option names CLI11 records (sim_trace.h: each option's first long name), then their aliases.
    source.sim_heap_base = NumberOption(options, {"--baseAddr", "--base", "-b"}, 1000);
    source.sim_heap_size = NumberOption(options, {"--size", "-S"}, 100);
    source.sim_allocator = TextOption(options, "--policy", "BEST");
  }
  if (source.topic == "sched") {
    const Json options = header.cluster.is_object() ? header.cluster.value("options", Json::object()) : Json();
    source.sim_policy = TextOption(options, "--policy", "FIFO");
  }
  if (source.topic == "mlfq") source.sim_policy = "MLFQ";
  return source;
}

ViewState::ViewState(SourceInfo source) : source_(std::move(source)) {
  if (!source_.is_sim()) return;
  const std::string sim(kSimPeer);
  ev::PeerState cpu;  // one core, scheduled as the simulation's options say
  cpu.peer = sim;
  cpu.cores = 1;
  cpu.policy = source_.sim_policy;
  cluster_ = ev::ClusterState(ev::Snapshot{0, "", 0, {cpu}, {}});
  if (source_.topic == "mem") {
    cluster_.Apply(ev::Event{0, "", 0, sim, ev::MemArena{source_.sim_allocator, source_.sim_heap_size, 0}});
  }
}

void ViewState::StartSegment(const std::string& epoch, double t) {
  ViewState fresh(source_);  // what a subscriber of the new tracker sees at seq 0: nothing yet
  fresh.epoch_ = epoch;
  fresh.t_ = t;
  fresh.segment_ = segment_ + 1;
  fresh.time_shift_ = t_ + time_shift_ - t;  // the new clock goes on from where the old one stopped
  *this = std::move(fresh);
}

bool ViewState::Apply(const ev::Event& raw) {
  if (!epoch_.empty() && !raw.epoch.empty() && raw.epoch != epoch_) StartSegment(raw.epoch, raw.t);
  ev::Event scratch;
  const ev::Event& event = ForFold(source_, raw, scratch);
  if (!cluster_.Apply(event)) return false;
  if (!event.epoch.empty()) epoch_ = event.epoch;
  t_ = std::max(t_, event.t);
  ApplyResource(event);
  ApplyMarks(event);
  ApplyPaging(event);
  TrackQueueOrder(event);
  return true;
}

void ViewState::ApplySnapshot(const ev::Snapshot& snapshot) {
  const bool new_epoch = !epoch_.empty() && snapshot.epoch != epoch_;
  const std::uint64_t segment = segment_ + (new_epoch ? 1 : 0);
  const double shift = new_epoch ? t_ + time_shift_ - snapshot.t : time_shift_;
  ViewState fresh(source_);
  fresh.cluster_ = ev::ClusterState(snapshot);
  fresh.resources_ = snapshot.resources;
  std::sort(fresh.resources_.begin(), fresh.resources_.end(),
            [](const auto& a, const auto& b) { return std::tie(a.kind, a.name) < std::tie(b.kind, b.name); });
  for (const ev::PeerState& peer : snapshot.peers) {
    if (peer.ready_queue.size() >= 2) fresh.arrival_order_.insert(peer.peer);  // how it was built is not said
  }
  fresh.epoch_ = snapshot.epoch;
  fresh.t_ = snapshot.t;
  fresh.segment_ = segment;
  fresh.time_shift_ = shift;
  *this = std::move(fresh);
}

// ---- the ready queues' order --------------------------------------------------------

bool ViewState::ReadyQueueInPolicyOrder(std::string_view peer) const { return arrival_order_.count(peer) == 0; }

void ViewState::TrackQueueOrder(const ev::Event& event) {
  if (const auto* queued = std::get_if<ev::TaskQueued>(&event.body); queued != nullptr && !queued->position) {
    arrival_order_.insert(queued->peer);  // taken out below if it holds one task or none
  }
  std::erase_if(arrival_order_, [&](const std::string& peer) {
    const ev::PeerState* state = cluster_.Find(peer);
    return state == nullptr || state->ready_queue.size() <= 1;
  });
}

// ---- the cluster objects ----------------------------------------------------------

void ViewState::ApplyResource(const ev::Event& event) {
  auto object = [&](const std::string& kind, const std::string& name) -> ev::ResourceState& {
    auto at = std::lower_bound(
        resources_.begin(), resources_.end(), std::tie(kind, name),
        [](const ev::ResourceState& state, const auto& key) { return std::tie(state.kind, state.name) < key; });
    if (at == resources_.end() || at->kind != kind || at->name != name) {
      at = resources_.insert(at, ev::ResourceState{kind, name, kind == "lock" ? 1 : 0, 0, {}, {}});
    }
    return *at;
  };
  // What a resource has in all: at least what is free and held now.
  auto count_instances = [](ev::ResourceState& state) {
    if (state.kind != "resource") return;
    std::int64_t held = 0;
    for (const ev::ResourceUse& use : state.holders) held += use.count;
    state.instances = std::max(state.instances, held + state.available);
  };
  if (const auto* request = std::get_if<ev::ResourceRequest>(&event.body)) {
    ev::ResourceState& state = object(request->kind, request->name);
    state.available = request->available;
    if (request->blocked && UseOf(state.waiters, request->task_id) == state.waiters.end()) {
      state.waiters.push_back(ev::ResourceUse{request->task_id, request->peer, request->count, request->op});
    }
    count_instances(state);
  } else if (const auto* grant = std::get_if<ev::ResourceGrant>(&event.body)) {
    ev::ResourceState& state = object(grant->kind, grant->name);
    state.available = grant->available;
    if (auto waiter = UseOf(state.waiters, grant->task_id); waiter != state.waiters.end()) state.waiters.erase(waiter);
    if (Holds(grant->kind)) {
      auto holder = UseOf(state.holders, grant->task_id);
      if (holder == state.holders.end()) {
        state.holders.push_back(ev::ResourceUse{grant->task_id, grant->peer, grant->count, ""});
      } else {
        holder->count += grant->count;
      }
    }
    count_instances(state);
  } else if (const auto* release = std::get_if<ev::ResourceRelease>(&event.body)) {
    ev::ResourceState& state = object(release->kind, release->name);
    state.available = release->available;
    if (auto holder = UseOf(state.holders, release->task_id); holder != state.holders.end()) {
      holder->count -= release->count;
      if (holder->count <= 0) state.holders.erase(holder);
    }
    count_instances(state);
  } else if (const auto* cancel = std::get_if<ev::ResourceCancel>(&event.body)) {
    ev::ResourceState& state = object(cancel->kind, cancel->name);
    if (auto waiter = UseOf(state.waiters, cancel->task_id); waiter != state.waiters.end()) state.waiters.erase(waiter);
  }
}

const ev::ResourceState* ViewState::FindResource(std::string_view kind, std::string_view name) const {
  for (const ev::ResourceState& state : resources_) {
    if (state.kind == kind && state.name == name) return &state;
  }
  return nullptr;
}

std::vector<WaitForEdge> ViewState::WaitForGraph() const {
  std::vector<WaitForEdge> edges;
  for (const ev::ResourceState& state : resources_) {
    if (!Holds(state.kind)) continue;
    for (const ev::ResourceUse& waiter : state.waiters) {
      for (const ev::ResourceUse& holder : state.holders) {
        edges.push_back(WaitForEdge{waiter.task_id, holder.task_id, state.kind, state.name});
      }
    }
  }
  return edges;
}

// ---- deadlocks, stalls, loads and failures ------------------------------------------

void ViewState::ApplyMarks(const ev::Event& event) {
  auto mark = [&](const auto& body) {
    return Marked<std::decay_t<decltype(body)>>{event.seq, event.t, event.node, body};
  };
  std::visit(
      [&](const auto& body) {
        using T = std::decay_t<decltype(body)>;
        if constexpr (std::is_same_v<T, ev::DeadlockFound>) deadlock_ = mark(body);
        if constexpr (std::is_same_v<T, ev::DeadlockVictim>) victim_ = mark(body);
        if constexpr (std::is_same_v<T, ev::DeadlockStall>) stall_ = mark(body);
        if constexpr (std::is_same_v<T, ev::PeerLoad>) loads_[body.peer] = mark(body);
        if constexpr (std::is_same_v<T, ev::PeerJoined>) loads_.erase(body.peer);
        if constexpr (std::is_same_v<T, ev::PeerLeft> || std::is_same_v<T, ev::PeerDead>) loads_.erase(body.peer);
        if constexpr (std::is_same_v<T, ev::MemFailed>) mem_failed_[event.node] = mark(body);
        if constexpr (std::is_same_v<T, ev::MemArena>) mem_failed_.erase(event.node);
        // A deadlock ends when one of its tasks is granted, stops waiting
        // (a timeout, or aborted as the victim) or ends; a stall also when
        // one of its tasks runs again.
        if constexpr (std::is_same_v<T, ev::ResourceGrant> || std::is_same_v<T, ev::ResourceCancel> ||
                      std::is_same_v<T, ev::TaskFinished> || std::is_same_v<T, ev::TaskZombie>) {
          EndMarksOf(body.task_id, true);
        }
        if constexpr (std::is_same_v<T, ev::TaskRunning>) EndMarksOf(body.task_id, false);
      },
      event.body);
}

void ViewState::EndMarksOf(std::string_view task_id, bool ends_deadlock) {
  if (ends_deadlock && InDeadlock(task_id)) deadlock_.reset();
  if (stall_) {
    const std::vector<std::string>& tasks = stall_->event.tasks;
    if (std::find(tasks.begin(), tasks.end(), task_id) != tasks.end()) stall_.reset();
  }
}

bool ViewState::InDeadlock(std::string_view task_id) const {
  if (!deadlock_) return false;
  const ev::DeadlockFound& found = deadlock_->event;
  auto has = [&](const std::vector<std::string>& tasks) {
    return std::find(tasks.begin(), tasks.end(), task_id) != tasks.end();
  };
  return has(found.cycle) || has(found.deadlocked);
}

// ---- paging ----------------------------------------------------------------------------

void ViewState::ApplyPaging(const ev::Event& event) {
  // As os::events::ReplayPaging, which refuses an impossible sequence; a
  // viewer shows what came instead.
  auto frame = [&](std::int64_t index) -> std::optional<std::int64_t>& {
    const auto at = static_cast<std::size_t>(std::max<std::int64_t>(index, 0));
    if (at >= frame_table_.frames.size()) frame_table_.frames.resize(at + 1);
    return frame_table_.frames[at];
  };
  if (std::holds_alternative<ev::PageHit>(event.body)) ++frame_table_.hits;
  if (const auto* evict = std::get_if<ev::PageEvict>(&event.body)) {
    frame(evict->frame).reset();
    ++frame_table_.evictions;
  }
  if (const auto* fault = std::get_if<ev::PageFault>(&event.body)) {
    frame(fault->frame) = fault->page;
    ++frame_table_.faults;
  }
}

const Marked<ev::PeerLoad>* ViewState::LastLoad(std::string_view peer) const {
  auto it = loads_.find(peer);
  return it == loads_.end() ? nullptr : &it->second;
}

const Marked<ev::MemFailed>* ViewState::LastMemFailure(std::string_view peer) const {
  auto it = mem_failed_.find(peer);
  return it == mem_failed_.end() ? nullptr : &it->second;
}

// ---- the dump ------------------------------------------------------------------------

Json ViewState::ToJson() const {
  ev::Snapshot snapshot = cluster_.ToSnapshot();
  snapshot.resources = resources_;
  Json tasks = Json::array();
  for (const ev::TaskInfo& task : cluster_.Tasks()) {
    Json row = {{"task_id", task.task_id}, {"name", task.name},
                {"peer", task.peer},       {"state", ev::TaskStateName(task.state)},
                {"cpu_ms", task.cpu_ms},   {"submitted_t", task.submitted_t}};
    if (task.parent) row["parent"] = *task.parent;
    if (task.priority) row["priority"] = *task.priority;
    tasks.push_back(std::move(row));
  }
  Json departed = Json::array();
  for (const ev::DepartedPeer& peer : cluster_.departed()) {
    departed.push_back(
        {{"peer", peer.peer}, {"dead", peer.dead}, {"t", peer.t}, {"tasks_finished", peer.tasks_finished}});
  }
  Json loads = Json::object();
  for (const auto& [peer, load] : loads_) loads[peer] = MarkJson(std::optional(load));
  Json failures = Json::object();
  for (const auto& [peer, failed] : mem_failed_) failures[peer] = MarkJson(std::optional(failed));
  Json arrival_order = Json::array();
  for (const std::string& peer : arrival_order_) arrival_order.push_back(peer);
  return Json{{"snapshot", net::EncodeSnapshot(snapshot)},
              {"tasks", std::move(tasks)},
              {"departed", std::move(departed)},
              {"deadlock", MarkJson(deadlock_)},
              {"victim", MarkJson(victim_)},
              {"stall", MarkJson(stall_)},
              {"loads", std::move(loads)},
              {"mem_failures", std::move(failures)},
              {"ready_queues_in_arrival_order", std::move(arrival_order)},
              {"epoch", epoch_},
              {"t", t_},
              {"paging",
               {{"hits", frame_table_.hits},
                {"faults", frame_table_.faults},
                {"evictions", frame_table_.evictions},
                {"frames", Frames(frame_table_)}}},
              {"segment", segment_},
              {"time_shift", time_shift_},
              {"source", {{"source", source_.source}, {"time_unit", source_.time_unit}, {"topic", source_.topic}}}};
}

}  // namespace osgrid::viz
