// PeerServer: request dispatch and the memory, disk and status handlers.
// CPU requests go to CpuService (cpu_service.cpp).
#include "osgrid/peer/peer_server.h"

#include <unistd.h>

#include <spdlog/spdlog.h>

#include <filesystem>
#include <utility>

#include <boost/asio.hpp>

#include "cpu_service.h"
#include "file_service.h"
#include "osgrid/net/messages.h"
#include "osgrid/net/router.h"
#include "osgrid/peer/executor.h"
#include "osgrid/peer/file_store.h"
#include "osgrid/peer/memory_store.h"
#include "outbound.h"
#include "peer_events.h"
#include "tracker_link.h"

namespace osgrid::peer {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

struct PeerServer::Impl {
  asio::io_context& io;
  PeerOptions options;
  PeerStats stats;
  // Declared before `server`, so destroyed after it: ~Server joins the file
  // threads, whose jobs use the file service, the stats and the events
  // (which post to the outbound connection: Outbound, too).
  std::unique_ptr<Outbound> outbound;
  std::unique_ptr<PeerEvents> events;  // to the tracker, through `outbound`
  std::unique_ptr<FileService> files;
  net::Router router;  // before `server`, which calls it
  Status routed;       // the first route that could not be added; Start() returns it
  net::Server server;
  std::unique_ptr<MemoryStore> memory;  // made by Start()
  // The users of the connections out (above): their handlers are dropped
  // with the connections (net::Connection), which are destroyed after them.
  std::unique_ptr<CpuService> cpu;
  std::unique_ptr<TrackerLink> tracker_link;
  bool stopped = false;
  Clock::time_point started = Clock::now();

  Impl(asio::io_context& context, PeerOptions opts)
      : io(context),
        options(WithDefaults(std::move(opts))),
        routed(AddRoutes()),
        server(context, ServerOptionsFor(options), router.AsRequestHandler()) {}

  /// The peer's table of requests. An observer may call what shows no one's
  /// data: STATUS, and LIST_MEM (keys and sizes, as events show them). Not
  /// LIST_FILES: its SHA-256s fingerprint the files' contents.
  Status AddRoutes() {
    using net::Access;
    return net::AddMemberRoutes<Impl>(router, this,
                                      {
                                          {"CPU_TASK", &Impl::OnCpuTask, Access::kMember},
                                          {"CPU_BATCH", &Impl::OnCpuBatch, Access::kMember},
                                          {"TASK_CANCEL", &Impl::OnTaskCancel, Access::kMember},
                                          {"TASK_ADOPTED", &Impl::OnTaskAdopted, Access::kMember},
                                          {"SET_MEM", &Impl::OnSetMem, Access::kMember},
                                          {"GET_MEM", &Impl::OnGetMem, Access::kMember},
                                          {"DEL_MEM", &Impl::OnDelMem, Access::kMember},
                                          {"LIST_MEM", &Impl::OnListMem, Access::kObserver},
                                          {"MEM_MAP", &Impl::OnMemMap, Access::kObserver},
                                          {"MEM_COMPACT", &Impl::OnMemCompact, Access::kMember},
                                          {"PUT_FILE", &Impl::OnPutFile, Access::kMember},
                                          {"PUT_END", &Impl::OnPutEnd, Access::kMember},
                                          {"GET_FILE", &Impl::OnGetFile, Access::kMember},
                                          {"LIST_FILES", &Impl::OnListFiles, Access::kMember},
                                          {"DEL_FILE", &Impl::OnDelFile, Access::kMember},
                                          {"STATUS", &Impl::OnStatus, Access::kObserver},
                                      });
  }

  static PeerOptions WithDefaults(PeerOptions options) {
    if (options.name.empty()) options.name = "peer-" + std::to_string(options.port);
    if (options.storage_dir.empty()) options.storage_dir = "osgrid-storage/" + options.name;
    if (options.task_binary.empty()) options.task_binary = Executor::DefaultTaskBinary();
    options.cores = std::max(1, options.cores);
    return options;
  }

  static net::ServerOptions ServerOptionsFor(const PeerOptions& options) {
    net::ServerOptions server = options.server;
    server.role = "peer";
    server.serves = net::Served::kPeer;
    server.node = options.name;
    return server;
  }

  // ---- CPU ----------------------------------------------------------------
  void OnCpuTask(const net::SessionPtr& session, const Json& request) { cpu->HandleTask(session, request); }
  void OnCpuBatch(const net::SessionPtr& session, const Json& request) { cpu->HandleBatch(session, request); }
  void OnTaskCancel(const net::SessionPtr& session, const Json& request) { cpu->HandleCancel(session, request); }
  void OnTaskAdopted(const net::SessionPtr& session, const Json& request) { cpu->HandleAdopted(session, request); }

  // ---- Memory -------------------------------------------------------------
  void PublishMemoryStats() {
    stats.mem_entries = static_cast<std::int64_t>(memory->entries());
    stats.mem_bytes = static_cast<std::int64_t>(memory->bytes());
  }

  void OnSetMem(const net::SessionPtr& session, const Json& request) {
    ReplyWith(session, request, MemoryCall(request));
  }
  void OnGetMem(const net::SessionPtr& session, const Json& request) {
    ReplyWith(session, request, MemoryCall(request));
  }
  void OnDelMem(const net::SessionPtr& session, const Json& request) {
    ReplyWith(session, request, MemoryCall(request));
  }

  static void ReplyWith(const net::SessionPtr& session, const Json& request, Result<Json> reply) {
    if (!reply.ok()) return session->ReplyError(request, reply.status());
    session->Reply(request, std::move(reply).value());
  }

  /// SET_MEM, GET_MEM or DEL_MEM (validated), from a client or from a task
  /// (osgrid.mem, through CpuService): the reply, or the error.
  Result<Json> MemoryCall(const Json& request) {
    const std::string type = request["type"];
    const std::string key = request["key"];
    if (type == "GET_MEM") {
      auto value = memory->Get(key);
      if (!value.ok()) return value.status();
      return Json{{"type", "MEM_VALUE"}, {"key", key}, {"value", *value}};
    }
    if (type == "SET_MEM") {
      if (Status s = memory->Set(key, request["value"]); !s.ok()) return s;
      PublishMemoryStats();
      events->Publish(os::events::MemSet{options.name, key, memory->charged(key)});
      return Json{{"type", "OK"},
                  {"key", key},
                  {"bytes", memory->bytes()},
                  {"address", memory->address_of(key)},
                  {"block_bytes", memory->charged(key)}};
    }
    const std::size_t freed = memory->charged(key);
    if (Status s = memory->Delete(key); !s.ok()) return s;
    PublishMemoryStats();
    events->Publish(os::events::MemDel{options.name, key, freed});
    return Json{{"type", "OK"}, {"key", key}};
  }

  void OnListMem(const net::SessionPtr& session, const Json& request) {
    Json keys = Json::array();
    for (const auto& entry : memory->List()) keys.push_back({{"key", entry.key}, {"bytes", entry.bytes}});
    session->Reply(request, {{"type", "MEM_LIST"},
                             {"keys", std::move(keys)},
                             {"entries", memory->entries()},
                             {"bytes", memory->bytes()},
                             {"limit_bytes", memory->limit_bytes()}});
  }

  void OnMemMap(const net::SessionPtr& session, const Json& request) {
    std::size_t max_blocks = 10000;
    if (request.contains("max_blocks")) {
      const std::int64_t asked = request["max_blocks"];
      if (asked < 0) return session->ReplyError(request, Status::BadRequest("max_blocks must be >= 0"));
      max_blocks = static_cast<std::size_t>(asked);
    }
    session->Reply(request, net::EncodeMemMap(memory->Describe(max_blocks)));
  }

  void OnMemCompact(const net::SessionPtr& session, const Json& request) {
    auto compacted = memory->Compact();
    if (!compacted.ok()) return session->ReplyError(request, compacted.status());
    session->Reply(request, net::EncodeMemCompacted(*compacted));
  }

  // ---- Disk: file_service.h ------------------------------------------------
  void OnPutFile(const net::SessionPtr& session, const Json& request) { files->HandlePut(session, request); }
  void OnPutEnd(const net::SessionPtr& session, const Json& request) { files->HandlePutEnd(session, request); }
  void OnGetFile(const net::SessionPtr& session, const Json& request) { files->HandleGet(session, request); }
  void OnListFiles(const net::SessionPtr& session, const Json& request) { files->HandleList(session, request); }
  void OnDelFile(const net::SessionPtr& session, const Json& request) { files->HandleDelete(session, request); }

  // ---- Status -------------------------------------------------------------
  void OnStatus(const net::SessionPtr& session, const Json& request) {
    double uptime = std::chrono::duration<double>(Clock::now() - started).count();
    int queued = stats.queue_length, running = stats.running;
    session->Reply(request, {{"type", "STATUS_REPLY"},
                             {"role", "peer"},
                             {"node", options.name},
                             {"cores", options.cores},
                             {"running", running},
                             {"queue_length", queued},
                             {"load", (queued + running) / static_cast<double>(options.cores)},
                             {"scheduler", cpu->SchedulerSettings()},
                             {"scheduling", cpu->SchedulerReport()},
                             {"tasks_done", stats.tasks_done.load()},
                             {"tasks_failed", stats.tasks_failed.load()},
                             {"tasks_forwarded", stats.tasks_forwarded.load()},
                             {"forwards",
                              {{"in_flight", cpu->forwards_in_flight()},
                               {"waiting", cpu->forwards_waiting()},
                               {"max", options.max_forwards}}},
                             {"mem_entries", memory->entries()},
                             {"mem_bytes", memory->bytes()},
                             {"mem_limit_bytes", memory->limit_bytes()},
                             {"mem_allocator", memory->allocator()},
                             {"files", files->store().count()},
                             {"disk_bytes", files->store().used_bytes()},
                             {"disk_limit_bytes", files->store().limit_bytes()},
                             {"storage_dir", std::filesystem::absolute(files->store().dir()).string()},
                             {"uptime_s", uptime},
                             {"tracker", options.tracker_host.empty()
                                             ? ""
                                             : options.tracker_host + ":" + std::to_string(options.tracker_port)},
                             {"registered", stats.registered.load()},
                             {"connections", server.connection_count()},
                             {"sandbox", cpu->SandboxReport()},
                             {"inject", cpu->InjectionReport()},
                             {"pid", static_cast<int>(getpid())}});
  }
};

PeerServer::PeerServer(asio::io_context& io, PeerOptions options)
    : impl_(std::make_unique<Impl>(io, std::move(options))) {}

PeerServer::~PeerServer() { Stop(); }

Status PeerServer::Start() {
  Impl& impl = *impl_;
  if (!impl.routed.ok()) return impl.routed;
  auto files = FileStore::Open(impl.options.storage_dir, impl.options.disk_limit_bytes);
  if (!files.ok()) return files.status();
  const std::string arena_file = impl.options.storage_dir + "/memory.arena";
  auto memory = MemoryStore::Open(impl.options.memory, arena_file);
  if (!memory.ok()) return memory.status();
  impl.memory = std::move(memory).value();
  const MemoryStore::Recovery& found = impl.memory->recovery();
  spdlog::info("memory: {} ({} bytes, --allocator {}): {} keys restored{}{}{}", arena_file,
               impl.options.memory.arena_bytes, impl.options.memory.allocator, found.keys,
               found.stale > 0 ? fmt::format(", {} older copies freed", found.stale) : "",
               found.damaged > 0 ? fmt::format(", {} unfinished writes dropped", found.damaged) : "",
               found.finished_move ? ", an interrupted compaction finished" : "");
  if (!impl.options.tracker_host.empty()) {
    OutboundOptions outbound{impl.options.name, impl.options.tracker_host, impl.options.tracker_port};
    outbound.max_send_queue = impl.options.max_send_queue;
    impl.outbound = std::make_unique<Outbound>(impl.io, outbound);
  }
  impl.events = std::make_unique<PeerEvents>(impl.io, impl.options.name, impl.outbound.get());
  impl.memory->set_event_sink([&impl](os::events::Payload event) { impl.events->Publish(std::move(event)); });
  impl.files = std::make_unique<FileService>(std::move(files).value(), impl.stats, *impl.events);
  impl.files->PublishDiskStats();

  // The sandbox first: a peer that cannot isolate tasks as asked must not serve.
  CpuOptions cpu;
  cpu.node = impl.options.name;
  cpu.cores = impl.options.cores;
  cpu.default_timeout = impl.options.task_timeout;
  cpu.default_cpu_limit = impl.options.task_cpu_limit;
  cpu.scheduler = impl.options.scheduler;
  cpu.sched_params = impl.options.sched_params;
  cpu.scheduler_file.file = impl.options.scheduler_file;
  cpu.scheduler_file.class_name = impl.options.scheduler_class;
  cpu.scheduler_file.timeout = impl.options.scheduler_timeout;
  cpu.scheduler_file.quantum_ms = impl.options.sched_params.quantum;
  cpu.ready_queue_max = impl.options.ready_queue_max;
  cpu.task_binary = impl.options.task_binary;
  cpu.max_forwards = impl.options.max_forwards;
  cpu.sandbox = impl.options.sandbox;
  cpu.task_limits = impl.options.task_limits;
  cpu.tree_limits = {impl.options.task_max_children, impl.options.task_max_tree};
  cpu.inject_seed = impl.options.inject_seed;
  cpu.inject_max_delay = impl.options.inject_max_delay;
  impl.cpu = std::make_unique<CpuService>(impl.io, cpu, impl.outbound.get(), impl.stats, *impl.events);
  if (Status s = impl.cpu->Open(); !s.ok()) return s;
  impl.cpu->SetLocalMemory([&impl](const Json& request) { return impl.MemoryCall(request); });

  if (Status s = impl.server.Listen(impl.options.host, impl.options.port); !s.ok()) return s;
  if (impl.options.port == 0) impl.options.port = impl.server.port();

  if (impl.outbound) {
    TrackerLinkOptions link{impl.options.name, impl.server.port(), impl.options.cores, impl.options.advertise_host,
                            impl.options.heartbeat_interval};
    Json sandbox = impl.cpu->SandboxReport();
    link.sandbox = sandbox["mode"];
    link.sandbox_missing = sandbox["missing"];
    link.on_registered = [&impl](const std::string& epoch) {
      impl.memory->AnnounceArena();  // the tracker's fold starts it afresh
      impl.cpu->OnTrackerRun(epoch);
    };
    link.on_contact = [&impl](double sent_ms, std::chrono::milliseconds peer_timeout) {
      impl.cpu->OnTrackerContact(sent_ms, peer_timeout);
    };
    impl.tracker_link = std::make_unique<TrackerLink>(impl.io, *impl.outbound, link, impl.stats, *impl.events);
    impl.tracker_link->Start();
  }
  return Status::Ok();
}

void PeerServer::Stop(std::function<void()> done) {
  Impl& impl = *impl_;
  if (!impl.stopped) impl.server.Stop();
  impl.stopped = true;
  if (impl.tracker_link) return impl.tracker_link->Stop(std::move(done));
  if (done) asio::post(impl.io, std::move(done));
}

std::uint16_t PeerServer::port() const { return impl_->server.port(); }
const PeerOptions& PeerServer::options() const { return impl_->options; }

}  // namespace osgrid::peer
