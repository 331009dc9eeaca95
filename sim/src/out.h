// Private to sim/: where `osgrid sim` writes a run, as it is produced.
//
// A trace can have millions of lines (RR with a quantum of 1 over 10,000
// jobs prints half a million), so nothing is built whole in memory first:
//   - TextOut is a buffered text sink, flushed to a FILE* every 64 KiB, or
//     kept as a string for scenario steps and tests. Print() formats with
//     {fmt}, whose "{:.2f}" and "{:3d}" round and pad as C's printf and
//     Python's % operator do; Print(FMT_COMPILE("...")) for hot lines.
//   - JsonOut writes one JSON value token by token into a TextOut, placing
//     the commas itself.
//   - PyStr(double) is Python's str() of a float ("5.0", "1e+16"), which
//     OSTEP's simulators print in places.
#pragma once

#include <fmt/compile.h>
#include <fmt/format.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "osgrid/net/json.h"

namespace osgrid::sim {

class TextOut {
 public:
  /// Collects the text; Take() returns it.
  TextOut() { Reserve(kFlushAt); }
  /// Writes to `file` (not owned) every 64 KiB, and when destroyed.
  explicit TextOut(std::FILE* file) : file_(file) { Reserve(kFlushAt); }
  TextOut(const TextOut&) = delete;
  TextOut& operator=(const TextOut&) = delete;
  ~TextOut() { Flush(); }

  /// fmt::format_to, e.g. Print("  [ time {:3d} ] Run job {}\n", t, job).
  template <typename... Args>
  void Print(fmt::format_string<Args...> format, Args&&... args) {
    fmt::memory_buffer text;
    fmt::format_to(fmt::appender(text), format, std::forward<Args>(args)...);
    Write({text.data(), text.size()});
  }
  /// The same with a format compiled ahead, Print(FMT_COMPILE("..."), ...):
  /// no parsing at run time, and written straight into the buffer, for the
  /// lines a trace prints a million times. The format's own padding must stay
  /// under kPaddingBound characters ("{:3d}" pads to 3).
  template <typename CompiledFormat, typename... Args, std::enable_if_t<std::is_class_v<CompiledFormat>, int> = 0>
  void Print(const CompiledFormat& format, const Args&... args) {
    const fmt::string_view literal(format);
    Reserve(literal.size() + kPaddingBound + (MostChars(args) + ... + 0));
    end_ = fmt::format_to(end_, format, args...);
    if (Size() >= kFlushAt) Flush();
  }
  /// An integer in decimal.
  void Int(std::int64_t value) {
    Reserve(20);
    end_ = fmt::format_to(end_, FMT_COMPILE("{}"), value);
  }
  void Write(std::string_view text) {
    Reserve(text.size());
    std::memcpy(end_, text.data(), text.size());
    end_ += text.size();
    if (Size() >= kFlushAt) Flush();
  }
  void Put(char c) {
    Reserve(1);
    *end_++ = c;
  }
  /// `text` right-aligned in `width` columns, as Python's "%3s" and {fmt}'s
  /// "{:>3}" (a column per code point), without {fmt}'s width machinery.
  void RightAligned(std::string_view text, std::size_t width) {
    std::size_t columns = 0;
    for (char c : text) columns += (static_cast<unsigned char>(c) & 0xC0) != 0x80;  // not a continuation byte
    if (columns < width) Pad(width - columns);
    Write(text);
  }
  /// `count` spaces (column padding).
  void Pad(std::size_t count) {
    Reserve(count);
    std::memset(end_, ' ', count);
    end_ += count;
  }

  /// Everything written so far (string mode), and empties the buffer.
  std::string Take();
  /// Writes the buffer to the file (file mode; a no-op in string mode).
  void Flush();

 private:
  static constexpr std::size_t kFlushAt = 64 * 1024;
  static constexpr std::size_t kPaddingBound = 64;

  /// The most characters {fmt} can write for one argument.
  static std::size_t MostChars(std::string_view text) { return text.size(); }
  static std::size_t MostChars(const std::string& text) { return text.size(); }
  static std::size_t MostChars(const char* text) { return std::strlen(text); }
  static std::size_t MostChars(char) { return 1; }
  template <typename Number, std::enable_if_t<std::is_arithmetic_v<Number>, int> = 0>
  static std::size_t MostChars(Number) {
    return std::is_floating_point_v<Number> ? 330 : 20;  // "{:.2f}" of 1e308 has 312 characters
  }

  std::size_t Size() const { return static_cast<std::size_t>(end_ - buffer_.get()); }
  /// Room for `bytes` more at end_.
  void Reserve(std::size_t bytes) {
    if (static_cast<std::size_t>(limit_ - end_) < bytes) Grow(bytes);
  }
  void Grow(std::size_t bytes);

  std::unique_ptr<char[]> buffer_;
  char* end_ = nullptr;    // the next byte to write
  char* limit_ = nullptr;  // the end of the buffer
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
  /// The comma before a key or a value, unless it is the first in its
  /// object or array, or a value after its key.
  void Separate() {
    if (comma_) out_.Put(',');
  }
  void Open(char bracket) {
    Separate();
    out_.Put(bracket);
    comma_ = false;
  }
  void Close(char bracket) {
    out_.Put(bracket);
    comma_ = true;
  }
  void Quoted(std::string_view text);  // "text", escaped

  TextOut& out_;
  bool comma_ = false;  // a value was just completed, so what comes next needs a comma
};

/// Python's str(x) / repr(x) of a float: the shortest digits that read back
/// as x, in fixed notation with at least one decimal ("5.0", "0.0001") when
/// the exponent is in [-4, 16), else in scientific notation ("1e+16",
/// "1.5e-05"); "inf", "-inf", "nan".
std::string PyStr(double value);

}  // namespace osgrid::sim
