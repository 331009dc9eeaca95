// Text for people -- sizes, durations, JSON on one line, tables, the ✓/✗
// marks of the scenario report, and "did you mean" hints. Shared by the
// `osgrid` commands, the scenario runner and the simulators (and anything
// else that shows osgrid to people) so all read alike.
#pragma once

#include <chrono>
#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "osgrid/net/json.h"

namespace osgrid::client {

/// `seconds` (a --timeout, a scenario's duration) as whole milliseconds.
std::chrono::milliseconds Ms(double seconds);

/// "512 B", "1.5 KiB", "8.0 MiB", "4.0 GiB" (binary units).
std::string HumanBytes(std::uint64_t bytes);
/// "8,388,608": digits grouped by three.
std::string GroupDigits(std::uint64_t number);
/// "23 ms" below 10 s, else "12.3 s".
std::string HumanMs(double ms);
/// "1h 2m", "3m 4s", "5.0 s".
std::string HumanSeconds(double seconds);
/// Transfer rate for `bytes` moved in `ms`: "66.7 MiB/s" (or "-" for 0 ms).
std::string Rate(std::uint64_t bytes, double ms);
/// A value on one line, cut to `max_chars` with "...".
std::string ShortJson(const Json& value, std::size_t max_chars = 60);
/// `text` with every line prefixed by `prefix` (a trailing newline is dropped).
std::string Indent(std::string_view text, std::string_view prefix);

/// A reply field for display: strings as they are, other values as JSON,
/// "?" when absent (a node that does not report it).
std::string Field(const Json& object, const char* key);
/// A numeric reply field, or `fallback` when absent or not a number.
double Number(const Json& object, const char* key, double fallback = 0);

/// Columns padded to their widest cell; the first row is the header.
class Table {
 public:
  explicit Table(std::vector<std::string> header) { rows_.push_back(std::move(header)); }
  void AddRow(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  std::size_t size() const { return rows_.size() - 1; }  // rows below the header
  /// Writes every row, each line starting with `indent`.
  void Print(std::ostream& out, std::string_view indent = "") const;

 private:
  std::vector<std::vector<std::string>> rows_;
};

/// Whether to colour output: stdout is a terminal and NO_COLOR is unset.
bool UseColor();
/// "✓" in green or "✗" in red (no colour when !UseColor()).
std::string Mark(bool passed);
/// `text` dimmed, for secondary details (plain when !UseColor()).
std::string Dim(std::string_view text);

/// The closest of `candidates` to `word` if it is a likely typo (edit distance
/// of at most 2, or a prefix), else "".
std::string DidYouMean(std::string_view word, const std::vector<std::string_view>& candidates);

}  // namespace osgrid::client
