// The memory and file commands of `osgrid`: mem set|get|del|ls|map|compact,
// file put|get|ls|rm.
#include <unistd.h>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "commands.h"
#include "osgrid/client/ops.h"
#include "osgrid/client/text.h"
#include "osgrid/sim/mem_map_text.h"

namespace osgrid::cli {

using client::Field;
using client::GroupDigits;
using client::HumanBytes;
using client::HumanMs;
using client::Ms;
using client::Number;
using client::Rate;
using client::ShortJson;
using client::Table;

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

double MsSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

/// Connects and runs `op` on the connection; `node` (if given) receives the
/// name of the node that answered.
template <class Op>
auto OnNode(const Connection& conn, Op op, std::string* node = nullptr) -> decltype(op(std::declval<net::Client&>())) {
  auto client = Open(conn, Ms(conn.timeout_s));
  if (!client.ok()) return client.status();
  if (node != nullptr) *node = NodeName(**client);
  return op(**client);
}

std::string Pretty(const Json& value) {
  std::string line = value.dump(-1, ' ', false, Json::error_handler_t::replace);
  return line.size() > 80 && value.is_structured() ? value.dump(2, ' ', false, Json::error_handler_t::replace) : line;
}

std::string LocalTime(double epoch_ms) {
  std::time_t seconds = static_cast<std::time_t>(epoch_ms / 1000);
  std::tm local{};
  localtime_r(&seconds, &local);
  char text[32];
  std::strftime(text, sizeof(text), "%Y-%m-%d %H:%M:%S", &local);
  return text;
}

void PrintTransfer(const Json& reply, double ms, bool verified) {
  auto size = static_cast<std::uint64_t>(Number(reply, "size"));
  std::cout << "  size    " << HumanBytes(size) << " (" << GroupDigits(size) << " bytes)\n"
            << "  sha256  " << Field(reply, "sha256") << (verified ? "  (verified)" : "") << "\n"
            << "  time    " << HumanMs(ms) << " (" << Rate(size, ms) << ")\n";
}

}  // namespace

// ---- mem ------------------------------------------------------------------------

int MemSetCommand(const MemOptions& o) {
  Json value = o.force_string ? Json(o.value) : Json::parse(o.value, nullptr, false);
  if (value.is_discarded()) value = o.value;  // not JSON: keep it as text
  std::string node;
  auto stored = OnNode(
      o.conn, [&](net::Client& c) { return client::MemSet(c, o.key, value, Ms(o.conn.timeout_s)); }, &node);
  if (!stored.ok()) return Fail(stored.status(), kExitRemote, o.conn.json);
  return PrintReply(o.conn, stored->raw, [&] {
    std::cout << o.key << " = " << ShortJson(value) << "   (stored on " << node << " at address "
              << stored->raw.value("address", -1) << ", a " << stored->raw.value("block_bytes", 0)
              << "-byte block; its memory now holds " << HumanBytes(stored->value) << ")\n";
  });
}

int MemGetCommand(const MemOptions& o) {
  auto read = OnNode(o.conn, [&](net::Client& c) { return client::MemGet(c, o.key, Ms(o.conn.timeout_s)); });
  if (!read.ok()) return Fail(read.status(), kExitRemote, o.conn.json);
  return PrintReply(o.conn, read->raw, [&] { std::cout << Pretty(read->value) << "\n"; });
}

int MemDelCommand(const MemOptions& o) {
  std::string node;
  auto reply = OnNode(
      o.conn, [&](net::Client& c) { return client::MemDel(c, o.key, Ms(o.conn.timeout_s)); }, &node);
  if (!reply.ok()) return Fail(reply.status(), kExitRemote, o.conn.json);
  return PrintReply(o.conn, *reply, [&] { std::cout << "deleted " << o.key << " on " << node << "\n"; });
}

int MemListCommand(const MemOptions& o) {
  std::string node;
  auto listed = OnNode(
      o.conn, [&](net::Client& c) { return client::MemList(c, Ms(o.conn.timeout_s)); }, &node);
  if (!listed.ok()) return Fail(listed.status(), kExitRemote, o.conn.json);
  const net::MemList& memory = listed->value;
  return PrintReply(o.conn, listed->raw, [&] {
    Table table({"key", "bytes"});
    for (const net::MemList::Entry& entry : memory.keys) table.AddRow({entry.key, std::to_string(entry.bytes)});
    if (table.size() > 0) table.Print(std::cout);
    std::cout << table.size() << (table.size() == 1 ? " key, " : " keys, ") << HumanBytes(memory.bytes) << " of "
              << HumanBytes(memory.limit_bytes) << " on " << node << "\n";
  });
}

int MemMapCommand(const MemOptions& o) {
  std::string node;
  auto mapped = OnNode(
      o.conn, [&](net::Client& c) { return client::MemMap(c, o.max_blocks, Ms(o.conn.timeout_s)); }, &node);
  if (!mapped.ok()) return Fail(mapped.status(), kExitRemote, o.conn.json);
  const net::MemMap& map = mapped->value;
  if (!o.svg.empty()) {
    std::ofstream file(o.svg, std::ios::binary | std::ios::trunc);
    file << sim::MemSvg(node + "'s memory arena (--allocator " + map.allocator + ")", 0,
                        static_cast<std::int64_t>(map.arena_bytes), {{"now", sim::MapBlocksOf(map)}});
    if (!file) return Fail(Status::Io("cannot write '" + o.svg + "'"), kExitUsage, o.conn.json);
  }
  return PrintReply(o.conn, mapped->raw, [&] {
    std::cout << sim::MemMapText(map, node);
    if (!o.svg.empty()) std::cout << "Picture written to " << o.svg << "\n";
  });
}

int MemCompactCommand(const MemOptions& o) {
  std::string node;
  auto compacted = OnNode(
      o.conn, [&](net::Client& c) { return client::MemCompact(c, Ms(o.conn.timeout_s)); }, &node);
  if (!compacted.ok()) return Fail(compacted.status(), kExitRemote, o.conn.json);
  const net::MemCompacted& result = compacted->value;
  return PrintReply(o.conn, compacted->raw, [&] { std::cout << sim::MemCompactedText(result, node); });
}

// ---- file -----------------------------------------------------------------------

int FilePutCommand(const FileOptions& o) {
  std::error_code error;
  if (!std::filesystem::is_regular_file(o.local, error)) {
    return Fail(Status::Io("'" + o.local + "' is not a readable file"), kExitUsage, o.conn.json);
  }
  std::string name = o.name.empty() ? std::filesystem::path(o.local).filename().string() : o.name;
  auto client = Open(o.conn, Ms(o.conn.timeout_s));
  if (!client.ok()) return Fail(client.status(), kExitRemote, o.conn.json);
  auto start = Clock::now();
  auto reply = client::FilePut(**client, name, o.local);
  double ms = MsSince(start);
  if (!reply.ok()) return Fail(reply.status(), kExitRemote, o.conn.json);
  return PrintReply(o.conn, *reply, [&] {
    std::cout << "stored " << name << " on " << NodeName(**client) << "\n";
    PrintTransfer(*reply, ms, false);
  });
}

int FileGetCommand(const FileOptions& o) {
  std::filesystem::path local = o.output.empty() ? std::filesystem::path(o.name) : std::filesystem::path(o.output);
  std::error_code error;
  if (std::filesystem::is_directory(local, error)) local /= o.name;
  auto client = Open(o.conn, Ms(o.conn.timeout_s));
  if (!client.ok()) return Fail(client.status(), kExitRemote, o.conn.json);
  auto start = Clock::now();
  auto reply = client::FileGet(**client, o.name, local.string());
  double ms = MsSince(start);
  if (!reply.ok())
    return Fail(reply.status(), reply.status().code() == Code::kIo ? kExitUsage : kExitRemote, o.conn.json);
  return PrintReply(o.conn, *reply, [&] {
    std::cout << "fetched " << o.name << " from " << NodeName(**client) << " into " << local.string() << "\n";
    PrintTransfer(*reply, ms, true);
  });
}

int FileListCommand(const FileOptions& o) {
  std::string node;
  auto listed = OnNode(
      o.conn, [&](net::Client& c) { return client::FileList(c, Ms(o.conn.timeout_s)); }, &node);
  if (!listed.ok()) return Fail(listed.status(), kExitRemote, o.conn.json);
  const net::FileList& disk = listed->value;
  return PrintReply(o.conn, listed->raw, [&] {
    Table table({"name", "size", "sha256", "modified"});
    for (const net::FileList::Entry& file : disk.files) {
      table.AddRow({file.name, HumanBytes(file.size), file.sha256.substr(0, 16) + "...", LocalTime(file.mtime_ms)});
    }
    if (table.size() > 0) table.Print(std::cout);
    std::cout << table.size() << (table.size() == 1 ? " file, " : " files, ") << HumanBytes(disk.used_bytes) << " of "
              << HumanBytes(disk.limit_bytes) << " on " << node << "\n";
  });
}

int FileRmCommand(const FileOptions& o) {
  std::string node;
  auto reply = OnNode(
      o.conn, [&](net::Client& c) { return client::FileDel(c, o.name, Ms(o.conn.timeout_s)); }, &node);
  if (!reply.ok()) return Fail(reply.status(), kExitRemote, o.conn.json);
  return PrintReply(o.conn, *reply, [&] { std::cout << "removed " << o.name << " from " << node << "\n"; });
}

}  // namespace osgrid::cli
