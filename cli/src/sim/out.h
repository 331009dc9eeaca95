// Private to cli/: where `osgrid sim` writes a run, as it is produced.
//
// A trace can have millions of lines (RR with a quantum of 1 over 10,000
// jobs prints half a million), so nothing is built whole in memory first:
//   - TextOut is a buffered text sink, flushed to a FILE* every 64 KiB, or
//     kept as a string for scenario steps and tests. Print() formats with
//     {fmt}, whose "{:.2f}" and "{:3d}" round and pad as C's printf and
//     Python's % operator do.
//   - JsonOut writes one JSON value token by token into a TextOut, placing
//     the commas itself.
//   - PyStr(double) is Python's str() of a float ("5.0", "1e+16"), which
//     OSTEP's simulators print in places.
#pragma once

#include <fmt/format.h>

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "osgrid/net/json.h"

namespace osgrid::cli::sim {

class TextOut {
 public:
  /// Collects the text; Take() returns it.
  TextOut() = default;
  /// Writes to `file` (not owned), every 64 KiB and when destroyed.
  explicit TextOut(std::FILE* file) : file_(file) {}
  TextOut(const TextOut&) = delete;
  TextOut& operator=(const TextOut&) = delete;
  ~TextOut() { Flush(); }

  /// fmt::format_to, e.g. Print("  [ time {:3d} ] Run job {}\n", t, job).
  template <typename... Args>
  void Print(fmt::format_string<Args...> format, Args&&... args) {
    fmt::format_to(fmt::appender(buffer_), format, std::forward<Args>(args)...);
    if (buffer_.size() >= kFlushAt) Flush();
  }
  void Write(std::string_view text) {
    buffer_.append(text.data(), text.data() + text.size());
    if (buffer_.size() >= kFlushAt) Flush();
  }
  void Put(char c) { buffer_.push_back(c); }
  /// `count` spaces (column padding).
  void Pad(std::size_t count) {
    static constexpr std::string_view kSpaces = "                                ";
    for (; count > kSpaces.size(); count -= kSpaces.size()) Write(kSpaces);
    Write(kSpaces.substr(0, count));
  }

  /// Everything written so far (string mode), and empties the buffer.
  std::string Take();
  /// Writes the buffer to the file (file mode; a no-op in string mode).
  void Flush();

 private:
  static constexpr std::size_t kFlushAt = 64 * 1024;
  fmt::memory_buffer buffer_;
  std::FILE* file_ = nullptr;
};

/// Writes JSON into a TextOut without building a tree:
///   json.BeginObject(); json.Key("jobs"); json.BeginArray(); ... json.EndObject();
/// or json.Field("policy", "RR"). Numbers are written as nlohmann::json dumps
/// them (shortest round trip; a whole double keeps its ".0"; NaN and
/// infinities are null), strings are escaped, invalid UTF-8 becomes U+FFFD.
class JsonOut {
 public:
  explicit JsonOut(TextOut& out) : out_(out) {}

  void BeginObject() { Open('{'); }
  void EndObject() { Close('}'); }
  void BeginArray() { Open('['); }
  void EndArray() { Close(']'); }
  /// The key of the next value, inside an object.
  void Key(std::string_view key);

  void String(std::string_view value);
  void Int(std::int64_t value);
  void Double(double value);
  void Bool(bool value);
  void Null();
  /// A small value built with nlohmann::json, written in place.
  void Value(const Json& value);

  /// Key(key) and the value.
  void Field(std::string_view key, std::string_view value) { Key(key), String(value); }
  void Field(std::string_view key, const char* value) { Key(key), String(value); }
  void Field(std::string_view key, const std::string& value) { Key(key), String(value); }
  void Field(std::string_view key, std::int64_t value) { Key(key), Int(value); }
  void Field(std::string_view key, int value) { Key(key), Int(value); }
  void Field(std::string_view key, std::size_t value) { Key(key), Int(static_cast<std::int64_t>(value)); }
  void Field(std::string_view key, double value) { Key(key), Double(value); }
  void Field(std::string_view key, bool value) { Key(key), Bool(value); }
  void Field(std::string_view key, const Json& value) { Key(key), Value(value); }

 private:
  void Separate();  // the comma before a value or key, unless it is the first
  void Open(char bracket);
  void Close(char bracket);

  TextOut& out_;
  std::vector<bool> has_items_;  // per open object or array
  bool after_key_ = false;
};

/// Python's str(x) / repr(x) of a float: the shortest digits that read back
/// as x, in fixed notation with at least one decimal ("5.0", "0.0001") when
/// the exponent is in [-4, 16), else in scientific notation ("1e+16",
/// "1.5e-05"); "inf", "-inf", "nan".
std::string PyStr(double value);

}  // namespace osgrid::cli::sim
