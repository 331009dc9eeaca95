// Trace files: a recorded event stream (`osgrid run --record`, `osgrid sim
// --trace`), read back by `osgrid replay` and by graders. JSON Lines:
//
//   line 1   a header: {"format":"osgrid-trace","version":1,"osgrid":"0.1.0","epoch":"t-5f3a",
//                       "source":"cluster","time_unit":"ms","cluster":{"scenario":"quickstart",...}}
//   line 2.. one event per line, as DumpEvent writes it (osgrid/net/events.h), in seq order
//
// Every line ends with '\n' (a last line without one is read if it is a
// complete event, as an editor may leave it; cut JSON there is a truncated
// trace). Seq never goes backwards within one epoch; a new
// epoch (the tracker restarted during the run) numbers again from its start.
// The layout is documented in docs/events.md ("Trace files").
//
// Errors name the place, FILE:LINE: (line 1 is the header), for a truncated
// last line, a line that is not JSON, an event DecodeEvent refuses, a seq that
// goes backwards, a missing or unknown header, a newer format version. An
// event of a type this build does not know is skipped and counted
// (skipped_unknown()), so an old reader survives a newer trace; a reader
// that shows every line (a viewer's log) can also be told each one
// (set_unknown_handler).
#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <istream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "osgrid/net/json.h"
#include "osgrid/net/messages.h"
#include "osgrid/net/status.h"
#include "osgrid/os/events/events.h"

namespace osgrid::net {

inline constexpr std::string_view kTraceFormat = "osgrid-trace";
inline constexpr int kTraceVersion = 1;                       // bumped on a change old readers cannot read
inline constexpr std::size_t kMaxTraceLineBytes = 16u << 20;  // as params::kMaxFrameBytes

/// Line 1 of a trace.
struct TraceHeader {
  int version = kTraceVersion;
  std::string osgrid_version;     // of the program that wrote it, e.g. "0.1.0"
  std::string epoch;              // the tracker's run, or the simulation's id, of the first event
  std::string source;             // "cluster" (a live run) or "sim" (a simulation)
  std::string time_unit;          // of every t and *_ms: "ms" for a cluster, the simulator's unit for a sim
  Json cluster = Json::object();  // free-form: scenario name and peers; for a sim its topic and options
};

/// The header's fields as written, for docs/events.md and for the reader's checks.
const std::vector<FieldSpec>& TraceHeaderFields();

/// Line 1 of a trace, without its newline: the fields in TraceHeaderFields()
/// order, format first. Never throws (invalid UTF-8 is replaced).
std::string DumpTraceHeader(const TraceHeader& header);

/// Writes a trace. Buffered (the memory used does not grow with the number
/// of events); call Close() to flush and see any write error.
class TraceWriter {
 public:
  /// Creates (or truncates) `path` and writes the header; "-" is stdout.
  /// Errors: BAD_REQUEST for a header this format cannot carry (a version
  /// other than kTraceVersion, a source other than cluster or sim, an empty
  /// time_unit, a cluster that is not an object); IO when the file cannot be
  /// created ("PATH: Permission denied").
  static Result<TraceWriter> Open(const std::string& path, const TraceHeader& header);

  TraceWriter(TraceWriter&& other) noexcept;
  TraceWriter& operator=(TraceWriter&& other) noexcept;
  ~TraceWriter();  // closes if still open; an error is then lost: call Close()

  /// Appends one event line. Errors: BAD_REQUEST for an event whose seq goes
  /// backwards within its epoch (nothing is written); IO for a failed write
  /// (then every later call fails the same way); INTERNAL after Close().
  Status Write(const os::events::Event& event);

  /// Flushes and closes the file (stdout is flushed, not closed). Errors: IO,
  /// such as "PATH: No space left on device", or the first Write error. A
  /// second call returns the same.
  Status Close();

  /// Event lines written so far.
  std::uint64_t events() const { return events_; }

 private:
  TraceWriter() = default;

  std::string name_;  // the path, or "<stdout>"
  std::FILE* file_ = nullptr;
  bool owns_file_ = false;
  std::unique_ptr<char[]> buffer_;  // the FILE's buffer
  Status error_;                    // the first write error; sticky
  bool closed_ = false;
  std::uint64_t events_ = 0;
  std::string last_epoch_;
  std::uint64_t last_seq_ = 0;
};

/// An event line TraceReader skipped because its type is unknown to this build.
struct UnknownTraceLine {
  std::uint64_t line = 0;  // its line number (1: the header)
  std::string type;        // its "type", as written
  std::string text;        // the whole line, without its newline (its JSON)
};

/// Reads a trace, one event at a time (memory bounded by the longest line).
class TraceReader {
 public:
  /// Opens `path` ("-" is stdin) and reads and checks its header.
  /// Errors: NOT_FOUND (no such file), IO; BAD_REQUEST "FILE:1: ..." for a
  /// missing, non-JSON or malformed header; VERSION "FILE:1: ..." for a
  /// format version newer than kTraceVersion.
  static Result<TraceReader> Open(const std::string& path);

  /// The same from any stream (a test or fuzzer's bytes in memory); `name`
  /// stands for the file in messages.
  static Result<TraceReader> Open(std::unique_ptr<std::istream> in, std::string name);

  const TraceHeader& header() const { return header_; }

  /// The next event, or nullopt at the end. Errors, all "FILE:LINE: ...":
  /// BAD_REQUEST for a truncated last line (no newline and cut JSON), a line
  /// that is not JSON, an event DecodeEvent refuses, a seq that goes backwards,
  /// a line over kMaxTraceLineBytes; IO for a read error. An error is sticky:
  /// every later call returns it again.
  Result<std::optional<os::events::Event>> Next();

  /// Events skipped because their type is unknown to this build.
  std::uint64_t skipped_unknown() const { return skipped_unknown_; }

  /// Calls `handler` for each event skipped because its type is unknown, as
  /// Next() skips it (so before Next() returns the event after it, or the
  /// end). Skipping and counting are as without it; an empty handler removes it.
  void set_unknown_handler(std::function<void(const UnknownTraceLine&)> handler) { on_unknown_ = std::move(handler); }

  /// The number of the line read last (1: the header).
  std::uint64_t line() const { return line_; }

 private:
  TraceReader() = default;

  Status ReadHeader();
  /// The next line without its '\n' into `line`; false at the end of input.
  Result<bool> ReadLine(std::string& line, bool& ended_by_newline);
  Status Fail(Code code, const std::string& what);  // "NAME:LINE: what", made sticky

  std::string name_;
  std::unique_ptr<std::istream> owned_;
  std::istream* in_ = nullptr;
  std::unique_ptr<char[]> chunk_;  // what one read fills
  std::string buffer_;             // bytes read but not yet returned, from buffer_start_
  std::size_t buffer_start_ = 0;
  std::size_t scanned_ = 0;  // buffer_[buffer_start_, scanned_) holds no '\n'
  bool input_ended_ = false;
  bool done_ = false;
  Status error_;
  TraceHeader header_;
  std::uint64_t line_ = 0;
  std::uint64_t skipped_unknown_ = 0;
  std::function<void(const UnknownTraceLine&)> on_unknown_;
  bool have_last_ = false;
  std::string last_epoch_;
  std::uint64_t last_seq_ = 0;
  std::uint64_t last_line_ = 0;
};

}  // namespace osgrid::net
