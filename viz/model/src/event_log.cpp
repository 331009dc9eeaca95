// The event log's entries and lines: see event_log.h.
#include "osgrid/viz/event_log.h"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "osgrid/client/event_line.h"
#include "osgrid/net/messages.h"

namespace osgrid::viz {

namespace {

/// The header columns of client::EventLine for an entry that is not an
/// event: t, seq, node, type; then `rest`.
std::string Columns(double t, std::uint64_t seq, std::string_view node, std::string_view type, std::string_view rest) {
  std::string number = fmt::format("{:.3f}", t);
  number.erase(number.find_last_not_of('0') + 1);
  if (number.back() == '.') number.pop_back();
  if (number == "-0") number = "0";
  return fmt::format("{:>10}  {:>6}  {:<10}  {:<15} {}", number, seq, net::Sanitize(node, 200),
                     net::Sanitize(type, 200), rest);
}

std::string SnapshotSummary(const os::events::Snapshot& snapshot) {
  std::size_t tasks = 0;
  for (const os::events::PeerState& peer : snapshot.peers) {
    tasks += peer.ready_queue.size() + peer.running.size() + peer.waiting.size() + peer.zombies.size();
  }
  return fmt::format("{} peers, {} tasks, {} objects (epoch {})", snapshot.peers.size(), tasks,
                     snapshot.resources.size(), net::Sanitize(snapshot.epoch, 200));
}

bool ContainsIgnoringCase(std::string_view text, std::string_view needle) {
  auto lower = [](char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); };
  auto found = std::search(text.begin(), text.end(), needle.begin(), needle.end(),
                           [&](char a, char b) { return lower(a) == lower(b); });
  return found != text.end();
}

const std::string kEmpty;

}  // namespace

UnknownEvent UnknownEvent::FromJson(const Json& json, std::string text) {
  UnknownEvent unknown;
  if (!json.is_object()) return unknown;
  auto field = [&](const char* name) { return json.find(name); };
  if (auto it = field("type"); it != json.end() && it->is_string()) {
    unknown.type = net::Sanitize(it->get_ref<const std::string&>(), 200);
  }
  if (auto it = field("seq"); it != json.end() && it->is_number_integer() && *it >= 0) {
    unknown.seq = it->get<std::uint64_t>();
  }
  if (auto it = field("epoch"); it != json.end() && it->is_string()) unknown.epoch = it->get<std::string>();
  if (auto it = field("t"); it != json.end() && it->is_number()) unknown.t = it->get<double>();
  if (auto it = field("node"); it != json.end() && it->is_string()) unknown.node = it->get<std::string>();
  unknown.json = text.empty() ? json.dump(-1, ' ', false, Json::error_handler_t::replace) : std::move(text);
  return unknown;
}

std::uint64_t LogEntry::seq() const {
  if (const auto* event = std::get_if<os::events::Event>(&item)) return event->seq;
  if (const auto* unknown = std::get_if<UnknownEvent>(&item)) return unknown->seq;
  return std::get<SnapshotMark>(item).snapshot->seq;
}

double LogEntry::t() const {
  if (const auto* event = std::get_if<os::events::Event>(&item)) return event->t;
  if (const auto* unknown = std::get_if<UnknownEvent>(&item)) return unknown->t;
  return std::get<SnapshotMark>(item).snapshot->t;
}

const std::string& LogEntry::epoch() const {
  if (const auto* event = std::get_if<os::events::Event>(&item)) return event->epoch;
  if (const auto* unknown = std::get_if<UnknownEvent>(&item)) return unknown->epoch;
  return std::get<SnapshotMark>(item).snapshot->epoch;
}

const std::string& LogEntry::node() const {
  if (const auto* event = std::get_if<os::events::Event>(&item)) return event->node;
  if (const auto* unknown = std::get_if<UnknownEvent>(&item)) return unknown->node;
  return kEmpty;
}

std::string_view LogEntry::type() const {
  if (const auto* event = std::get_if<os::events::Event>(&item)) return os::events::TypeOf(event->body);
  if (const auto* unknown = std::get_if<UnknownEvent>(&item)) return unknown->type;
  return "snapshot";
}

std::string LogLine(const LogEntry& entry) {
  if (const auto* event = entry.event()) return client::EventLine(*event);
  if (const auto* unknown = std::get_if<UnknownEvent>(&entry.item)) {
    return Columns(unknown->t, unknown->seq, unknown->node, unknown->type,
                   "(unknown type) " + net::Sanitize(unknown->json, 200));
  }
  const os::events::Snapshot& snapshot = *std::get<SnapshotMark>(entry.item).snapshot;
  return Columns(snapshot.t, snapshot.seq, "", "snapshot", SnapshotSummary(snapshot));
}

bool Matches(const LogEntry& entry, const LogFilter& filter) {
  const std::string_view type = entry.type();
  if (!filter.types.empty()) {
    bool selected = type == "snapshot"
                        ? std::find(filter.types.begin(), filter.types.end(), "snapshot") != filter.types.end()
                        : os::events::PassesFilter(filter.types, type);
    if (!selected) return false;
  }
  return filter.text.empty() || ContainsIgnoringCase(LogLine(entry), filter.text);
}

}  // namespace osgrid::viz
