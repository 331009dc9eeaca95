// Private to scenario/: reading a yaml-cpp tree with diagnostics.
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
#include <unordered_map>
#include <utility>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "osgrid/net/json.h"
#include "osgrid/scenario/scenario.h"

namespace osgrid::scenario {

/// A key and its value in a mapping, each with its own position.
///
/// Copy it, never assign it: YAML::Node::operator= on a node that refers
/// into a tree writes the right-hand node into that tree (so the anchor of an
/// alias would change under every later use). Assignment is deleted so the
/// compiler says so; to rebind a YAML::Node, use reset().
struct YamlEntry {
  YamlEntry(const YAML::Node& key_node, const YAML::Node& value_node) : key(key_node), value(value_node) {}
  YamlEntry(const YamlEntry&) = default;
  YamlEntry& operator=(const YamlEntry&) = delete;

  YAML::Node key;
  YAML::Node value;
};

class YamlReader {
 public:
  explicit YamlReader(std::string file) : file_(std::move(file)) {}

  /// Records a problem at `where`. The same message at the same place (a step
  /// repeated through an alias) is recorded once, and past kMaxProblems the
  /// rest are only counted, as a compiler stops after its first screenful.
  void Error(SourceLocation where, const std::string& message);
  /// Records a problem at a node (or, for a node without a position, at `fallback`).
  void Error(const YAML::Node& at, const std::string& message, SourceLocation fallback = {});

  /// Every problem recorded, as "file:line:column: message", in file order;
  /// then, if some were only counted, "file: N more problems not shown".
  std::vector<std::string> Errors() const;
  bool ok() const { return problems_.empty(); }

  static constexpr std::size_t kMaxProblems = 50;

  /// 1-based position of a node; {0,0} when yaml-cpp has none (e.g. an empty value).
  static SourceLocation Where(const YAML::Node& node);

  /// Checks that `node` is a mapping (`what` names it in the message) whose keys
  /// are all in `allowed`, each once. Unknown keys get a "did you mean" hint.
  bool CheckMap(const YAML::Node& node, const std::vector<std::string_view>& allowed, std::string_view what,
                SourceLocation fallback = {});

  /// The entry for `key` in `map`, or nullopt (recording "missing" if `required`).
  std::optional<YamlEntry> Find(const YAML::Node& map, std::string_view key, std::string_view what, bool required);

  // Typed reads of map[key]: nullopt when absent or of the wrong type (the
  // latter, and an absent required key, are recorded as problems).
  std::optional<std::string> String(const YAML::Node& map, std::string_view key, std::string_view what, bool required);
  std::optional<double> Number(const YAML::Node& map, std::string_view key, std::string_view what, bool required);
  std::optional<long long> Integer(const YAML::Node& map, std::string_view key, std::string_view what, bool required);
  std::optional<bool> Bool(const YAML::Node& map, std::string_view key, std::string_view what, bool required);
  std::optional<Json> AnyValue(const YAML::Node& map, std::string_view key, std::string_view what, bool required);

  // The same checks on a value already in hand (`entry.key` positions empty values).
  std::optional<std::string> AsString(const YamlEntry& entry, std::string_view what);
  std::optional<double> AsNumber(const YamlEntry& entry, std::string_view what);
  std::optional<long long> AsInteger(const YamlEntry& entry, std::string_view what);
  std::optional<bool> AsBool(const YamlEntry& entry, std::string_view what);
  /// Converts any value to JSON; non-text mapping keys and duplicates are problems,
  /// and so is a value nested deeper than kMaxJsonDepth, or one that takes the
  /// file's values past kMaxJsonItems items or kMaxJsonTextBytes of text (both
  /// counted after aliases are expanded: ten aliases of ten aliases of ...
  /// would be a "billion laughs"). The budget is the file's, not each value's,
  /// so that many steps repeating one alias cannot multiply it.
  std::optional<Json> AsJson(const YAML::Node& node, SourceLocation fallback);

  static constexpr std::size_t kMaxJsonItems = 100000;        // scalars, lists and mappings, whole file
  static constexpr std::size_t kMaxJsonTextBytes = 1u << 20;  // text in scalars and keys, bytes, whole file
  static constexpr int kMaxJsonDepth = 128;                   // lists and mappings inside one another

 private:
  struct Problem {
    SourceLocation where;
    std::string message;
  };
  /// What the file's AsJson values have used so far, aliases expanded.
  /// `overflow` says which limit ran out; AsJson reports it once, at the value
  /// that ran it out, not deep in an anchor that the value happens to repeat.
  struct JsonBudget {
    std::size_t items = 0;
    std::size_t text_bytes = 0;
    std::string overflow;
  };
  /// AsJson's walk, `depth` levels in, over a value Measure found within the budget.
  std::optional<Json> ToJson(const YAML::Node& node, SourceLocation fallback, int depth);

  /// What a value would spend of the budget: its items and text once its
  /// aliases are expanded, each count capped just past its limit.
  struct ExpandedSize {
    std::size_t items = 0;
    std::size_t text_bytes = 0;
  };
  /// ExpandedSize of `node` without expanding it. An alias is the very node
  /// its anchor names, so each distinct node is measured once (memo_) and a
  /// billion laughs costs as many steps as it has lines. nullopt, with the
  /// list or mapping in `too_deep`, past kMaxJsonDepth levels (which is also
  /// where an anchor that contains its own alias ends).
  std::optional<ExpandedSize> Measure(const YAML::Node& node, int depth, YAML::Node& too_deep);

  /// Measured nodes, by the byte offset where each starts (a mapping and its
  /// first key can share one, so each entry is checked with Node::is).
  std::unordered_map<int, std::vector<std::pair<YAML::Node, ExpandedSize>>> memo_;

  std::string file_;
  std::vector<Problem> problems_;
  std::size_t not_shown_ = 0;  // problems past kMaxProblems
  JsonBudget json_used_;
};

/// The JSON value of a scalar by the core schema (see the file comment).
Json ScalarToJson(const YAML::Node& scalar);

/// How a value reads in a message: "the text 'abc'", "the number 5", "a list",
/// "a mapping", "nothing".
std::string DescribeYaml(const YAML::Node& node);

}  // namespace osgrid::scenario
