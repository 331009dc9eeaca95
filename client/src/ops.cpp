// The operations of ops.h: each builds its request from the typed structs of
// net/requests.h, calls, and decodes the reply.
#include "osgrid/client/ops.h"

#include <utility>

#include "osgrid/net/file_transfer.h"
#include "osgrid/net/messages.h"

namespace osgrid::client {
namespace {

using std::chrono::milliseconds;

/// Calls, then decodes the reply with `decode`; keeps the reply as it came.
template <class T, class Decode>
Result<Reply<T>> CallDecoded(net::Client& client, Json request, milliseconds wait, Decode decode) {
  auto reply = client.Call(std::move(request), wait);
  if (!reply.ok()) return reply.status();
  Result<T> decoded = decode(*reply);
  if (!decoded.ok()) return decoded.status();
  return Reply<T>{std::move(decoded).value(), std::move(reply).value()};
}

milliseconds TimeoutOf(const net::TaskRequest& task) {
  return milliseconds(task.timeout_ms.value_or(static_cast<std::int64_t>(params::kTaskTimeoutS * 1000)));
}

}  // namespace

Result<std::unique_ptr<net::Client>> Connect(const Target& target) {
  return net::Client::Connect(target.host, target.port, target.options);
}

// [SECTION] cpu, batch -----------------------------------------------------------------

milliseconds TaskDeadline(const net::TaskRequest& task, milliseconds slack) { return TimeoutOf(task) + slack; }

milliseconds BatchDeadline(const net::CpuBatchRequest& batch, milliseconds slack) {
  milliseconds total = slack;
  for (const net::TaskRequest& task : batch.tasks) total += TimeoutOf(task);
  return total;
}

Result<Reply<net::TaskResult>> Cpu(net::Client& client, const net::CpuTaskRequest& request, milliseconds slack) {
  return CallDecoded<net::TaskResult>(client, net::Encode(request), TaskDeadline(request.task, slack),
                                      net::DecodeTaskResult);
}

Result<Reply<net::BatchResult>> Batch(net::Client& client, const net::CpuBatchRequest& request, milliseconds slack) {
  return CallDecoded<net::BatchResult>(client, net::Encode(request), BatchDeadline(request, slack),
                                       net::DecodeBatchResult);
}

// [SECTION] mem -----------------------------------------------------------------------

Result<Reply<std::uint64_t>> MemSet(net::Client& client, const std::string& key, const Json& value, milliseconds wait) {
  return CallDecoded<std::uint64_t>(client, {{"type", "SET_MEM"}, {"key", key}, {"value", value}}, wait,
                                    [](const Json& reply) -> Result<std::uint64_t> {
                                      auto bytes = reply.find("bytes");
                                      if (bytes == reply.end() || !bytes->is_number_unsigned()) {
                                        return Status::Internal("SET_MEM: the reply's 'bytes' is missing");
                                      }
                                      return bytes->get<std::uint64_t>();
                                    });
}

Result<Reply<Json>> MemGet(net::Client& client, const std::string& key, milliseconds wait) {
  return CallDecoded<Json>(client, {{"type", "GET_MEM"}, {"key", key}}, wait,
                           [](const Json& reply) -> Result<Json> { return reply.value("value", Json()); });
}

Result<Json> MemDel(net::Client& client, const std::string& key, milliseconds wait) {
  return client.Call({{"type", "DEL_MEM"}, {"key", key}}, wait);
}

Result<Reply<net::MemList>> MemList(net::Client& client, milliseconds wait) {
  return CallDecoded<net::MemList>(client, {{"type", "LIST_MEM"}}, wait, net::DecodeMemList);
}

Result<Reply<net::MemMap>> MemMap(net::Client& client, std::uint64_t max_blocks, milliseconds wait) {
  return CallDecoded<net::MemMap>(client, {{"type", "MEM_MAP"}, {"max_blocks", max_blocks}}, wait, net::DecodeMemMap);
}

Result<Reply<net::MemCompacted>> MemCompact(net::Client& client, milliseconds wait) {
  return CallDecoded<net::MemCompacted>(client, {{"type", "MEM_COMPACT"}}, wait, net::DecodeMemCompacted);
}

// [SECTION] file ----------------------------------------------------------------------

Result<Json> FilePut(net::Client& client, const std::string& name, const std::string& local_path) {
  return net::PutFile(client, name, local_path);
}

Result<Json> FileGet(net::Client& client, const std::string& name, const std::string& local_path) {
  return net::GetFile(client, name, local_path);
}

Result<Reply<net::FileList>> FileList(net::Client& client, milliseconds wait) {
  return CallDecoded<net::FileList>(client, {{"type", "LIST_FILES"}}, wait, net::DecodeFileList);
}

Result<Json> FileDel(net::Client& client, const std::string& name, milliseconds wait) {
  return client.Call({{"type", "DEL_FILE"}, {"name", name}}, wait);
}

// [SECTION] status, peers, tasks, events -----------------------------------------------

Result<Json> Cancel(net::Client& client, const std::string& task_id, milliseconds wait, bool group) {
  Json request = {{"type", "TASK_CANCEL"}, {"task_id", task_id}};
  if (group) request["group"] = true;
  return client.Call(request, wait);
}

std::string OriginOf(const std::string& task_id) {
  const auto slash = task_id.rfind('/');
  return slash == std::string::npos || slash == 0 ? "" : task_id.substr(0, slash);
}

Result<Json> NodeStatus(net::Client& client, milliseconds wait) { return client.Call({{"type", "STATUS"}}, wait); }

Result<Reply<net::PeerList>> Peers(net::Client& client, milliseconds wait) {
  return CallDecoded<net::PeerList>(client, {{"type", "PEER_LIST"}}, wait, net::DecodePeerList);
}

Result<Reply<net::TaskList>> Tasks(net::Client& client, milliseconds wait) {
  return CallDecoded<net::TaskList>(client, {{"type", "TASK_LIST"}}, wait, net::DecodeTaskList);
}

Result<Json> Deadlock(net::Client& client, const std::string& name, milliseconds wait) {
  return Deadlock(client, name, "", wait);
}

Result<Json> Deadlock(net::Client& client, const std::string& name, const std::string& mode, milliseconds wait) {
  Json request = {{"type", "DEADLOCK"}};
  if (!name.empty()) request["name"] = name;
  if (!mode.empty()) request["mode"] = mode;
  return client.Call(std::move(request), wait);
}

Result<net::Subscriber> Follow(net::Client& client, const net::SubscribeRequest& request) {
  return net::Subscriber::Start(client, request);
}

}  // namespace osgrid::client
