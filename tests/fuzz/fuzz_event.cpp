// fuzz_event: one input through the event codec and the trace reader.
//
//   bytes -> net::ParseMessage -> net::DecodeEvent and net::DecodeSnapshot
//   bytes, as a whole trace file -> net::TraceReader (from memory, no file)
//
// What a subscriber, `osgrid replay` and a grader read comes from another
// process or from a file on disk: none of it may crash or hang the reader.
//
// Invariants:
//   * a decoded event re-encodes (EncodeEvent and DumpEvent) to JSON that
//     decodes to an equal event with an equal encoding; its text starts with
//     its type; the same for a snapshot;
//   * a refused event is BAD_REQUEST (naming "event" or its type) or
//     UNKNOWN_TYPE, a refused snapshot BAD_REQUEST, each with a message;
//   * the trace reader's errors start "<name>:<line>: " with a line it has
//     reached, the events it returns never go backwards in seq within an
//     epoch, it skips no more lines than there are, and an error is sticky.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>

#include "fuzz_support.h"
#include "osgrid/net/events.h"
#include "osgrid/net/trace.h"

namespace osgrid::fuzz {
namespace {

namespace ev = os::events;

void CheckEvent(const Json& json) {
  auto event = net::DecodeEvent(json);
  if (!event.ok()) {
    const Status& status = event.status();
    FUZZ_CHECK(status.code() == Code::kBadRequest || status.code() == Code::kUnknownType,
               "a refused event is BAD_REQUEST or UNKNOWN_TYPE");
    FUZZ_CHECK(!status.message().empty(), "a refusal says why");
    FUZZ_CHECK(status.code() != Code::kBadRequest || status.message().find("event") != std::string::npos,
               "a BAD_REQUEST names the event");
    return;
  }
  const Json encoded = net::EncodeEvent(*event);
  auto again = net::DecodeEvent(encoded);
  FUZZ_CHECK(again.ok(), "a decoded event re-encodes to one that decodes");
  FUZZ_CHECK(again.value() == event.value(), "a re-encoded event decodes to an equal event");
  FUZZ_CHECK(net::EncodeEvent(again.value()) == encoded, "a re-encoded event has an equal encoding");
  const std::string text = net::DumpEvent(*event);
  FUZZ_CHECK(text.rfind("{\"type\":\"" + std::string(ev::TypeOf(event->body)) + "\"", 0) == 0,
             "an event's text starts with its type");
  auto parsed = ParseMessage(text);
  FUZZ_CHECK(parsed.ok() && parsed.value() == encoded, "an event's text parses to its encoding");
}

void CheckSnapshot(const Json& json) {
  auto snapshot = net::DecodeSnapshot(json);
  if (!snapshot.ok()) {
    FUZZ_CHECK(snapshot.status().code() == Code::kBadRequest, "a refused snapshot is BAD_REQUEST");
    FUZZ_CHECK(!snapshot.status().message().empty(), "a refusal says why");
    return;
  }
  const Json encoded = net::EncodeSnapshot(*snapshot);
  auto again = net::DecodeSnapshot(encoded);
  FUZZ_CHECK(again.ok() && again.value() == snapshot.value(), "a re-encoded snapshot decodes to an equal one");
  auto parsed = ParseMessage(net::DumpSnapshot(*snapshot));
  FUZZ_CHECK(parsed.ok() && parsed.value() == encoded, "a snapshot's text parses to its encoding");
}

/// "t.trace:LINE: " with LINE in 1..max_line.
bool NamesALine(const std::string& message, std::uint64_t max_line) {
  const std::string prefix = "t.trace:";
  if (message.rfind(prefix, 0) != 0) return false;
  std::size_t colon = message.find(':', prefix.size());
  if (colon == std::string::npos || colon == prefix.size() || message.compare(colon, 2, ": ") != 0) return false;
  std::string digits = message.substr(prefix.size(), colon - prefix.size());
  if (!std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) return false;
  std::uint64_t line = std::stoull(digits);
  return line >= 1 && line <= max_line;
}

void CheckTrace(std::string_view bytes) {
  // Lines the reader can reach: one per '\n', and a last one without.
  const std::uint64_t lines = static_cast<std::uint64_t>(std::count(bytes.begin(), bytes.end(), '\n')) + 1;
  auto reader = net::TraceReader::Open(std::make_unique<std::istringstream>(std::string(bytes)), "t.trace");
  if (!reader.ok()) {
    const Code code = reader.status().code();
    FUZZ_CHECK(code == Code::kBadRequest || code == Code::kVersion, "a refused header is BAD_REQUEST or VERSION");
    FUZZ_CHECK(NamesALine(reader.status().message(), 1), "a header error names FILE:1:");
    return;
  }
  FUZZ_CHECK(reader->header().version == net::kTraceVersion, "an accepted header has this version");
  FUZZ_CHECK(reader->header().source == "cluster" || reader->header().source == "sim", "a known source");
  std::uint64_t events = 0;
  std::string epoch;
  std::uint64_t seq = 0;
  for (;;) {
    auto next = reader->Next();
    if (!next.ok()) {
      FUZZ_CHECK(next.status().code() == Code::kBadRequest, "a trace line is refused as BAD_REQUEST");
      FUZZ_CHECK(NamesALine(next.status().message(), lines), "an error names FILE:LINE: with a line of the input");
      auto again = reader->Next();
      FUZZ_CHECK(!again.ok() && again.status().message() == next.status().message(), "an error is sticky");
      break;
    }
    if (!next->has_value()) {
      auto after = reader->Next();
      FUZZ_CHECK(after.ok() && !after->has_value(), "the end stays the end");
      break;
    }
    const ev::Event& event = **next;
    FUZZ_CHECK(events == 0 || event.epoch != epoch || event.seq >= seq, "seq never goes backwards in an epoch");
    epoch = event.epoch;
    seq = event.seq;
    ++events;
  }
  FUZZ_CHECK(1 + events + reader->skipped_unknown() <= lines, "no more events than lines");
  FUZZ_CHECK(reader->line() <= lines, "the reader stays within the input");
}

}  // namespace
}  // namespace osgrid::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace osgrid;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto json = net::ParseMessage(bytes);
  if (json.ok()) {
    fuzz::CheckEvent(*json);
    fuzz::CheckSnapshot(*json);
  }
  fuzz::CheckTrace(bytes);
  return 0;
}
