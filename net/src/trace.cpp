// Trace files: the writer and the reader (see osgrid/net/trace.h).
#include "osgrid/net/trace.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <utility>

#include "osgrid/net/events.h"

namespace osgrid::net {
namespace {

namespace ev = os::events;
using OrderedJson = nlohmann::ordered_json;

constexpr std::size_t kWriteBufferBytes = 256u << 10;
constexpr std::size_t kReadChunkBytes = 64u << 10;

std::string ErrnoText() { return std::strerror(errno); }

bool HasType(const Json& value, FieldType type) {
  switch (type) {
    case FieldType::kString:
      return value.is_string();
    case FieldType::kInteger:
      return value.is_number_integer();
    case FieldType::kNumber:
      return value.is_number();
    case FieldType::kBool:
      return value.is_boolean();
    case FieldType::kArray:
      return value.is_array();
    case FieldType::kObject:
      return value.is_object();
    case FieldType::kAny:
      return true;
  }
  return false;
}

/// An object whose "format" is "osgrid-trace".
bool IsTraceHeader(const Json& json) {
  if (!json.is_object()) return false;
  auto format = json.find("format");
  return format != json.end() && format->is_string() && format->get_ref<const std::string&>() == kTraceFormat;
}

bool KnownSource(std::string_view source) { return source == "cluster" || source == "sim"; }

/// Why `header` cannot be written, or "" when it can.
std::string HeaderProblem(const TraceHeader& header) {
  if (header.version != kTraceVersion) {
    return "this build writes trace format version " + std::to_string(kTraceVersion) + ", not " +
           std::to_string(header.version);
  }
  if (!KnownSource(header.source)) return "source must be cluster or sim, not \"" + Sanitize(header.source) + "\"";
  if (header.time_unit.empty()) return "time_unit must name the unit of t (ms for a cluster)";
  if (!header.cluster.is_object()) return "cluster must be a JSON object";
  return "";
}

}  // namespace

const std::vector<FieldSpec>& TraceHeaderFields() {
  static const std::vector<FieldSpec> fields = {
      {"format", FieldType::kString, true, "always osgrid-trace"},
      {"version", FieldType::kInteger, true, "the format's version, 1; a reader refuses a newer one"},
      {"osgrid", FieldType::kString, true, "the version of the osgrid that wrote it"},
      {"epoch", FieldType::kString, true, "the epoch of the first event: the tracker's run, or the simulation's id"},
      {"source", FieldType::kString, true, "cluster (a live run) or sim (a simulation)"},
      {"time_unit", FieldType::kString, true,
       "the unit of t and of the fields ending in _ms: ms for a cluster, the simulator's unit for a sim"},
      {"cluster", FieldType::kObject, true,
       "free-form: the scenario's name and the peers; for a sim its topic and options"},
  };
  return fields;
}

std::string DumpTraceHeader(const TraceHeader& header) {
  OrderedJson line = OrderedJson::object();
  line["format"] = std::string(kTraceFormat);
  line["version"] = header.version;
  line["osgrid"] = header.osgrid_version;
  line["epoch"] = header.epoch;
  line["source"] = header.source;
  line["time_unit"] = header.time_unit;
  line["cluster"] = header.cluster;
  return line.dump(-1, ' ', false, OrderedJson::error_handler_t::replace);
}

// ---- TraceWriter -----------------------------------------------------------------

Result<TraceWriter> TraceWriter::Open(const std::string& path, const TraceHeader& header) {
  if (std::string problem = HeaderProblem(header); !problem.empty()) {
    return Status::BadRequest("trace header: " + problem);
  }
  TraceWriter writer;
  if (path == "-") {
    writer.name_ = "<stdout>";
    writer.file_ = stdout;
  } else {
    writer.name_ = path;
    writer.file_ = std::fopen(path.c_str(), "wb");
    if (writer.file_ == nullptr) return Status::Io(path + ": " + ErrnoText());
    writer.owns_file_ = true;
    writer.buffer_ = std::make_unique_for_overwrite<char[]>(kWriteBufferBytes);
    std::setvbuf(writer.file_, writer.buffer_.get(), _IOFBF, kWriteBufferBytes);
  }

  std::string text = DumpTraceHeader(header) + "\n";
  if (std::fwrite(text.data(), 1, text.size(), writer.file_) != text.size()) {
    Status error = Status::Io(writer.name_ + ": " + ErrnoText());
    (void)writer.Close();
    return error;
  }
  return writer;
}

TraceWriter::TraceWriter(TraceWriter&& other) noexcept { *this = std::move(other); }

TraceWriter& TraceWriter::operator=(TraceWriter&& other) noexcept {
  if (this != &other) {
    (void)Close();
    name_ = std::move(other.name_);
    file_ = std::exchange(other.file_, nullptr);
    owns_file_ = std::exchange(other.owns_file_, false);
    buffer_ = std::move(other.buffer_);
    error_ = std::move(other.error_);
    closed_ = std::exchange(other.closed_, true);
    events_ = other.events_;
    last_epoch_ = std::move(other.last_epoch_);
    last_seq_ = other.last_seq_;
  }
  return *this;
}

TraceWriter::~TraceWriter() { (void)Close(); }

Status TraceWriter::Write(const ev::Event& event) {
  if (closed_ || file_ == nullptr) return Status::Internal(name_ + ": the trace is closed");
  if (!error_.ok()) return error_;
  if (events_ > 0 && event.epoch == last_epoch_ && event.seq < last_seq_) {
    return Status::BadRequest(name_ + ": event seq " + std::to_string(event.seq) + " after seq " +
                              std::to_string(last_seq_) + " of epoch \"" + Sanitize(event.epoch) +
                              "\": a trace is written in seq order");
  }
  std::string line = DumpEvent(event);
  line += '\n';
  if (std::fwrite(line.data(), 1, line.size(), file_) != line.size()) {
    error_ = Status::Io(name_ + ": " + ErrnoText());
    return error_;
  }
  ++events_;
  last_epoch_ = event.epoch;
  last_seq_ = event.seq;
  return Status::Ok();
}

Status TraceWriter::Close() {
  if (closed_ || file_ == nullptr) return error_;
  closed_ = true;
  std::FILE* file = std::exchange(file_, nullptr);
  errno = 0;
  bool flushed = std::fflush(file) == 0;
  std::string flush_error = flushed ? "" : ErrnoText();
  bool closed = !owns_file_ || std::fclose(file) == 0;
  if (flushed && !closed) flush_error = ErrnoText();
  if (!error_.ok()) return error_;
  if (!flushed || !closed) error_ = Status::Io(name_ + ": " + flush_error);
  return error_;
}

// ---- TraceReader -----------------------------------------------------------------

Result<TraceReader> TraceReader::Open(const std::string& path) {
  if (path == "-") {
    TraceReader reader;
    reader.name_ = "<stdin>";
    reader.in_ = &std::cin;
    if (Status status = reader.ReadHeader(); !status.ok()) return status;
    return reader;
  }
  errno = 0;
  auto file = std::make_unique<std::ifstream>(path, std::ios::binary);
  if (!file->is_open()) {
    int error = errno;
    std::string why = error != 0 ? std::strerror(error) : "cannot open";
    return Status(error == ENOENT ? Code::kNotFound : Code::kIo, path + ": " + why);
  }
  return Open(std::move(file), path);
}

Result<TraceReader> TraceReader::Open(std::unique_ptr<std::istream> in, std::string name) {
  TraceReader reader;
  reader.name_ = std::move(name);
  reader.owned_ = std::move(in);
  reader.in_ = reader.owned_.get();
  if (Status status = reader.ReadHeader(); !status.ok()) return status;
  return reader;
}

Status TraceReader::Fail(Code code, const std::string& what) {
  error_ = Status(code, name_ + ":" + std::to_string(line_) + ": " + what);
  return error_;
}

Result<bool> TraceReader::ReadLine(std::string& line, bool& ended_by_newline) {
  for (;;) {
    std::size_t newline = buffer_.find('\n', scanned_);
    if (newline != std::string::npos) {
      line.assign(buffer_, buffer_start_, newline - buffer_start_);
      buffer_start_ = scanned_ = newline + 1;
      ended_by_newline = true;
      ++line_;
      return true;
    }
    scanned_ = buffer_.size();
    if (buffer_.size() - buffer_start_ > kMaxTraceLineBytes) {
      ++line_;
      return Fail(Code::kBadRequest, "line longer than " + std::to_string(kMaxTraceLineBytes) + " bytes");
    }
    if (input_ended_) {
      if (buffer_start_ == buffer_.size()) return false;
      line.assign(buffer_, buffer_start_);
      buffer_start_ = scanned_ = buffer_.size();
      ended_by_newline = false;
      ++line_;
      return true;
    }
    // Drop what was returned, then read more.
    buffer_.erase(0, buffer_start_);
    scanned_ -= buffer_start_;
    buffer_start_ = 0;
    if (!chunk_) chunk_ = std::make_unique_for_overwrite<char[]>(kReadChunkBytes);
    in_->read(chunk_.get(), static_cast<std::streamsize>(kReadChunkBytes));
    buffer_.append(chunk_.get(), static_cast<std::size_t>(in_->gcount()));
    if (in_->bad()) {
      ++line_;
      return Fail(Code::kIo, "read error: " + ErrnoText());
    }
    if (!*in_) input_ended_ = true;  // eof (and fail) once a read comes up short
  }
}

Status TraceReader::ReadHeader() {
  std::string text;
  bool newline = false;
  Result<bool> got = ReadLine(text, newline);
  if (!got.ok()) return got.status();
  line_ = 1;
  if (!*got) {
    return Fail(Code::kBadRequest, "empty file: not an osgrid trace (line 1 must be its header)");
  }
  Result<Json> parsed = ParseMessage(text);
  if (!parsed.ok() && !newline) {
    return Fail(Code::kBadRequest, "truncated: the header line is cut (no newline at its end, and incomplete JSON)");
  }
  if (!parsed.ok() || !IsTraceHeader(*parsed)) {
    return Fail(Code::kBadRequest,
                "not an osgrid trace: line 1 must be a header {\"format\":\"osgrid-trace\",\"version\":" +
                    std::to_string(kTraceVersion) + ",...}");
  }
  const Json& json = *parsed;
  // The version first: a newer trace may have changed the rest of its header.
  auto version = json.find("version");
  if (version == json.end() || !version->is_number_integer() || *version < 1) {
    return Fail(Code::kBadRequest, "trace header: field \"version\" must be an integer from 1");
  }
  if (*version > kTraceVersion) {
    return Fail(Code::kVersion, "trace format version " + version->dump() + " is newer than this osgrid reads (" +
                                    std::to_string(kTraceVersion) + "): use a newer osgrid");
  }
  for (const FieldSpec& field : TraceHeaderFields()) {
    auto value = json.find(field.name);
    if (value == json.end() || !HasType(*value, field.type)) {
      return Fail(Code::kBadRequest,
                  "trace header: " + std::string(value == json.end() ? "missing field" : "wrong type of field") +
                      " \"" + std::string(field.name) + "\" (" + std::string(FieldTypeName(field.type)) + ")");
    }
  }
  header_.version = version->get<int>();
  header_.osgrid_version = json["osgrid"].get<std::string>();
  header_.epoch = json["epoch"].get<std::string>();
  header_.source = json["source"].get<std::string>();
  header_.time_unit = json["time_unit"].get<std::string>();
  header_.cluster = json["cluster"];
  if (std::string problem = HeaderProblem(header_); !problem.empty()) {
    return Fail(Code::kBadRequest, "trace header: " + problem);
  }
  return Status::Ok();
}

Result<std::optional<ev::Event>> TraceReader::Next() {
  if (!error_.ok()) return error_;
  std::string text;
  while (!done_) {
    bool newline = false;
    Result<bool> got = ReadLine(text, newline);
    if (!got.ok()) return got.status();
    if (!*got) break;
    if (text.empty() && newline) return Fail(Code::kBadRequest, "empty line (each line is one event)");
    Result<Json> parsed = ParseMessage(text);
    if (!parsed.ok()) {
      if (!newline) {
        return Fail(Code::kBadRequest,
                    "truncated: the last line is cut (no newline at its end, and its JSON is incomplete)");
      }
      return Fail(Code::kBadRequest, parsed.status().message());
    }
    Result<ev::Event> event = DecodeEvent(*parsed);
    if (!event.ok()) {
      if (event.status().code() == Code::kUnknownType) {
        ++skipped_unknown_;
        if (on_unknown_) on_unknown_(UnknownTraceLine{line_, parsed->value("type", ""), text});
        continue;
      }
      return Fail(Code::kBadRequest, event.status().message());
    }
    if (have_last_ && event->epoch == last_epoch_ && event->seq < last_seq_) {
      return Fail(Code::kBadRequest, "seq " + std::to_string(event->seq) + " goes backwards (line " +
                                         std::to_string(last_line_) + " has seq " + std::to_string(last_seq_) +
                                         " of the same epoch): a trace is in seq order");
    }
    have_last_ = true;
    last_epoch_ = event->epoch;
    last_seq_ = event->seq;
    last_line_ = line_;
    return std::optional<ev::Event>(std::move(event).value());
  }
  done_ = true;
  return std::optional<ev::Event>();
}

}  // namespace osgrid::net
