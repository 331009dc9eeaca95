// `osgrid replay FILE`: a trace for people or programs; see replay.h.
#include "replay.h"

#include <fmt/format.h>

#include <cstdint>
#include <fstream>
#include <iostream>
#include <limits>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "commands.h"
#include "osgrid/client/event_line.h"
#include "osgrid/client/text.h"
#include "osgrid/net/events.h"
#include "osgrid/net/trace.h"
#include "osgrid/os/events/events.h"
#include "osgrid/viz/chrome_trace.h"
#include "osgrid/viz/load_trace.h"

namespace osgrid::cli {

using client::EventLine;
using client::EventLineHeader;
using client::ShortJson;

namespace {

namespace ev = os::events;

/// Counts what the summary line says, over every event read (shown or not).
class Tally {
 public:
  /// `event` was read, after `skipped_unknown` events of unknown types in all
  /// (their seqs are not missing).
  void Count(const ev::Event& event, bool shown, std::uint64_t skipped_unknown) {
    ++read_;
    shown_ += shown ? 1 : 0;
    if (const auto* lost = std::get_if<ev::EventsLost>(&event.body)) {
      ++lost_events_;
      lost_ += lost->count;
    }
    const std::uint64_t skipped_since = skipped_unknown - skipped_;
    if (read_ > 1 && event.epoch == epoch_ && event.seq > seq_ + 1 + skipped_since) {
      ++jumps_;
      missing_seqs_ += event.seq - seq_ - 1 - skipped_since;
    }
    epoch_ = event.epoch;
    seq_ = event.seq;
    skipped_ = skipped_unknown;
  }

  /// "16 events read (4 shown), 0 skipped (unknown types), no gaps", or the
  /// gaps: "events.lost x2 (7 events dropped), seq jumps x1 (3 seqs missing)".
  std::string Line(std::uint64_t skipped_unknown, bool filtered) const {
    std::string line = fmt::format("{} events read", read_);
    if (filtered) line += fmt::format(" ({} shown)", shown_);
    line += fmt::format(", {} skipped (unknown types), ", skipped_unknown);
    if (lost_events_ == 0 && jumps_ == 0) return line + "no gaps";
    line += "gaps: ";
    if (lost_events_ > 0) line += fmt::format("events.lost x{} ({} events dropped)", lost_events_, lost_);
    if (lost_events_ > 0 && jumps_ > 0) line += ", ";
    if (jumps_ > 0) line += fmt::format("seq jumps x{} ({} seqs missing)", jumps_, missing_seqs_);
    return line;
  }

 private:
  std::uint64_t read_ = 0, shown_ = 0;
  std::uint64_t lost_events_ = 0, lost_ = 0;  // events.lost events, and the count they add up to
  std::uint64_t jumps_ = 0, missing_seqs_ = 0;
  std::string epoch_;          // of the event read last
  std::uint64_t seq_ = 0;      // its seq
  std::uint64_t skipped_ = 0;  // unknown types skipped before it
};

/// Text from a trace made safe for a terminal: control characters (an
/// escape sequence in a task's name) become '?', and it is cut at 200 characters.
std::string Safe(std::string_view text) { return net::Sanitize(text, 200); }

/// "sched --jlist 5,10 --policy SJF" for a sim's {"topic", "options"}; else the object on one line.
std::string Describe(const Json& cluster) {
  const auto topic = cluster.find("topic");
  const auto options = cluster.find("options");
  if (topic == cluster.end() || !topic->is_string() || options == cluster.end() || !options->is_object()) {
    return ShortJson(cluster, 100);
  }
  std::string text = topic->get<std::string>();
  for (const auto& [name, value] : options->items()) {
    text += " " + name;
    if (value.is_string()) text += " " + value.get<std::string>();
    if (value.is_array()) {
      for (const Json& item : value) text += " " + (item.is_string() ? item.get<std::string>() : item.dump());
    }
  }
  return text;
}

void PrintHeader(const std::string& path, const net::TraceHeader& header) {
  std::cout << fmt::format("{}: {} {} (epoch {}; unit of t: {}; osgrid {})\n", path, header.source,
                           Safe(Describe(header.cluster)), Safe(header.epoch), Safe(header.time_unit),
                           Safe(header.osgrid_version));
  std::cout << EventLineHeader() << '\n';
}

void PrintEvent(const ev::Event& event, bool json) {
  std::cout << (json ? net::DumpEvent(event) : EventLine(event)) << '\n';
}

/// "peer, task, cpu, ...": the families of event types, in catalogue order.
std::string Families() {
  std::set<std::string_view> seen;
  std::string families;
  for (std::string_view type : ev::AllTypes()) {
    const std::string_view family = type.substr(0, type.find('.'));
    if (seen.insert(family).second) families += (families.empty() ? "" : ", ") + std::string(family);
  }
  return families;
}

/// BAD_REQUEST naming the first --type prefix that selects no event type.
Status CheckTypes(const std::vector<std::string>& types) {
  const std::optional<std::string> unknown = ev::UnknownPrefix(types);
  if (!unknown) return Status::Ok();
  return Status::BadRequest("--type '" + net::Sanitize(*unknown) +
                            "' selects no event type (give a type such as task.finished, or a family: " + Families() +
                            ")");
}

}  // namespace

/// --chrome: the whole trace through the viewer's model, out as Chrome trace-event JSON.
int ChromeCommand(const ReplayOptions& options) {
  viz::ModelOptions keep_all;  // an export wants every event, not the viewer's bounded window
  keep_all.max_entries = std::numeric_limits<std::size_t>::max() / 2;
  keep_all.max_bars = std::numeric_limits<std::size_t>::max() / 2;
  keep_all.max_load_samples = std::numeric_limits<std::size_t>::max() / 2;
  Result<viz::Model> model = viz::LoadTrace(options.path, keep_all);
  if (!model.ok()) return Fail(model.status(), kExitRemote, false);
  const Json trace = viz::ChromeTrace(*model);
  const std::string text = trace.dump(-1, ' ', false, Json::error_handler_t::replace);
  if (options.chrome == "-") {
    std::cout << text << "\n";
    std::cout.flush();
    return kExitOk;
  }
  std::ofstream out(options.chrome, std::ios::binary | std::ios::trunc);
  out << text << "\n";
  out.close();
  if (!out) return Fail(Status::Io(options.chrome + ": cannot write"), kExitRemote, false);
  std::size_t bars = 0, instants = 0;
  for (const Json& event : trace["traceEvents"]) {
    bars += event["ph"] == "X";
    instants += event["ph"] == "i";
  }
  std::cout << "wrote " << options.chrome << ": " << bars << " task bars on " << model->timeline().peers().size()
            << " peers, " << instants << " instants, from " << model->size()
            << " events (open it at ui.perfetto.dev or chrome://tracing)\n";
  return kExitOk;
}

int ReplayCommand(const ReplayOptions& options) {
  if (!options.chrome.empty()) return ChromeCommand(options);
  if (Status types = CheckTypes(options.types); !types.ok()) return Fail(types, kExitUsage, false);
  Result<net::TraceReader> reader = net::TraceReader::Open(options.path);
  if (!reader.ok()) return Fail(reader.status(), kExitRemote, false);
  const std::string name = options.path == "-" ? "<stdin>" : options.path;
  if (!options.json) PrintHeader(name, reader->header());
  Tally tally;
  Status status;
  for (;;) {
    Result<std::optional<ev::Event>> next = reader->Next();
    if (!next.ok()) {
      status = next.status();
      break;
    }
    if (!next->has_value()) break;
    const ev::Event& event = **next;
    const bool shown = ev::PassesFilter(options.types, ev::TypeOf(event.body));
    tally.Count(event, shown, reader->skipped_unknown());
    if (shown) PrintEvent(event, options.json);
  }
  if (!options.json) {
    std::cout << name << ": " << tally.Line(reader->skipped_unknown(), !options.types.empty()) << "\n";
  }
  if (!status.ok()) return Fail(status, kExitRemote, false);
  std::cout.flush();
  return kExitOk;
}

}  // namespace osgrid::cli
