// Private to cli/: reading a yaml-cpp tree with diagnostics.
//
// Typed getters record "file:line:column: message" and carry on instead of
// throwing, so one pass over a scenario reports every problem at once.
// Scalars are typed by the YAML 1.2 core schema (what JSON users expect):
// plain `42` is an integer, `2.5` a number, `true`/`false` booleans, `~` or
// `null` null; anything quoted ("42") or written as a block (|) is a string;
// and `yes`/`no`/`on`/`off` are just text, not booleans. A number beyond a
// double's range (`1e999`) is text too: JSON has no infinity.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "osgrid/cli/scenario.h"
#include "osgrid/net/json.h"

namespace osgrid::cli {

/// A key and its value in a mapping, each with its own position.
struct YamlEntry {
  YAML::Node key;
  YAML::Node value;
};

class YamlReader {
 public:
  explicit YamlReader(std::string file) : file_(std::move(file)) {}

  /// Records a problem at `where`.
  void Error(SourceLocation where, const std::string& message);
  /// Records a problem at a node (or, for a node without a position, at `fallback`).
  void Error(const YAML::Node& at, const std::string& message, SourceLocation fallback = {});

  /// Every problem so far, as "file:line:column: message", in file order.
  std::vector<std::string> Errors() const;
  bool ok() const { return problems_.empty(); }

  /// 1-based position of a node; {0,0} when yaml-cpp has none (e.g. an empty value).
  static SourceLocation Where(const YAML::Node& node);

  /// Checks that `node` is a mapping (`what` names it in the message) whose keys
  /// are all in `allowed`, each once. Unknown keys get a "did you mean" hint.
  bool CheckMap(const YAML::Node& node, const std::vector<std::string_view>& allowed,
                std::string_view what, SourceLocation fallback = {});

  /// The entry for `key` in `map`, or nullopt (recording "missing" if `required`).
  std::optional<YamlEntry> Find(const YAML::Node& map, std::string_view key, std::string_view what,
                                bool required);

  // Typed reads of map[key]: nullopt when absent or of the wrong type (the
  // latter, and an absent required key, are recorded as problems).
  std::optional<std::string> String(const YAML::Node& map, std::string_view key,
                                    std::string_view what, bool required);
  std::optional<double> Number(const YAML::Node& map, std::string_view key, std::string_view what,
                               bool required);
  std::optional<long long> Integer(const YAML::Node& map, std::string_view key,
                                   std::string_view what, bool required);
  std::optional<bool> Bool(const YAML::Node& map, std::string_view key, std::string_view what,
                           bool required);
  std::optional<Json> AnyValue(const YAML::Node& map, std::string_view key, std::string_view what,
                               bool required);

  // The same checks on a value already in hand (`entry.key` positions empty values).
  std::optional<std::string> AsString(const YamlEntry& entry, std::string_view what);
  std::optional<double> AsNumber(const YamlEntry& entry, std::string_view what);
  std::optional<long long> AsInteger(const YamlEntry& entry, std::string_view what);
  std::optional<bool> AsBool(const YamlEntry& entry, std::string_view what);
  /// Converts any value to JSON; non-text mapping keys and duplicates are problems,
  /// and so is a value of more than kMaxJsonItems items (counted after aliases
  /// are expanded: ten aliases of ten aliases of ... would be a "billion
  /// laughs") or nested deeper than kMaxJsonDepth.
  std::optional<Json> AsJson(const YAML::Node& node, SourceLocation fallback);

  static constexpr std::size_t kMaxJsonItems = 100000;  // scalars, lists and mappings in one value
  static constexpr int kMaxJsonDepth = 128;             // lists and mappings inside one another

 private:
  struct Problem {
    SourceLocation where;
    std::string message;
  };
  /// AsJson's walk: `depth` levels in, `items` counted so far across the value.
  std::optional<Json> ToJson(const YAML::Node& node, SourceLocation fallback, int depth, std::size_t& items);

  std::string file_;
  std::vector<Problem> problems_;
};

/// The JSON value of a scalar by the core schema (see the file comment).
Json ScalarToJson(const YAML::Node& scalar);

/// How a value reads in a message: "the text 'abc'", "the number 5", "a list",
/// "a mapping", "nothing".
std::string DescribeYaml(const YAML::Node& node);

/// The closest of `candidates` to `word` if it is a likely typo (edit distance
/// of at most 2, or a prefix), else "".
std::string DidYouMean(std::string_view word, const std::vector<std::string_view>& candidates);

}  // namespace osgrid::cli
