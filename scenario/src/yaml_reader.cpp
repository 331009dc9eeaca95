// Typed, diagnosing reads of a yaml-cpp tree (see yaml_reader.h).
#include "yaml_reader.h"

#include <algorithm>
#include <charconv>
#include <set>

#include "osgrid/client/text.h"

namespace osgrid::scenario {

using client::DidYouMean;

namespace {

bool IsPlain(const YAML::Node& node) { return node.Tag() == "?"; }

bool IsNullText(const std::string& text) {
  return text.empty() || text == "~" || text == "null" || text == "Null" || text == "NULL";
}

std::optional<bool> BoolText(const std::string& text) {
  if (text == "true" || text == "True" || text == "TRUE") return true;
  if (text == "false" || text == "False" || text == "FALSE") return false;
  return std::nullopt;
}

std::optional<long long> IntegerText(const std::string& text) {
  std::string_view digits = text;
  if (!digits.empty() && digits.front() == '+') digits.remove_prefix(1);
  long long value = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
  return value;
}

/// True for the core schema's float syntax, [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?,
/// matched by hand in one pass (std::regex recurses per character, so a long
/// scalar would overflow the stack).
bool IsFloatText(std::string_view text) {
  std::size_t i = 0;
  auto sign = [&] {
    if (i < text.size() && (text[i] == '-' || text[i] == '+')) ++i;
  };
  auto digits = [&] {
    const std::size_t start = i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
    return i - start;
  };
  sign();
  if (i < text.size() && text[i] == '.') {
    ++i;
    if (digits() == 0) return false;
  } else {
    if (digits() == 0) return false;
    if (i < text.size() && text[i] == '.') {
      ++i;
      digits();
    }
  }
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    sign();
    if (digits() == 0) return false;
  }
  return i == text.size();
}

/// A float by the core schema; nullopt for other text and for a value
/// beyond double's range (1e999, 1e-999), which JSON cannot hold: it stays text.
std::optional<double> NumberText(const std::string& text) {
  if (!IsFloatText(text)) return std::nullopt;
  std::string_view digits = text;
  if (digits.front() == '+') digits.remove_prefix(1);  // from_chars takes '-' only
  double value = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
  return value;
}

std::string Quoted(std::string_view text) { return "'" + std::string(text) + "'"; }

std::string JoinNames(const std::vector<std::string_view>& names) {
  std::string joined;
  for (std::string_view name : names) {
    if (!joined.empty()) joined += ", ";
    joined += name;
  }
  return joined;
}

std::string TooDeep() {
  return "this value nests lists and mappings more than " + std::to_string(YamlReader::kMaxJsonDepth) +
         " deep (or an anchor contains its own alias)";
}

std::string ItemsOverflow(std::size_t limit) {
  return "this value takes the file's values past " + std::to_string(limit) +
         " items (every use of an alias such as *a counts); write smaller ones";
}

std::string TextOverflow(std::size_t limit) {
  return "this value takes the file's values past " + std::to_string(limit) +
         " bytes of text (every use of an alias such as *a counts); write smaller ones";
}

// a + b, but no more than cap (an expanded size can pass 2^64).
std::size_t CappedSum(std::size_t a, std::size_t b, std::size_t cap) { return std::min(cap, a + std::min(b, cap)); }

}  // namespace

// ---- Problems ---------------------------------------------------------------

void YamlReader::Error(SourceLocation where, const std::string& message) {
  for (const Problem& problem : problems_) {
    if (problem.where.line == where.line && problem.where.column == where.column && problem.message == message) {
      return;
    }
  }
  if (problems_.size() >= kMaxProblems) {
    ++not_shown_;
    return;
  }
  problems_.push_back({where, message});
}

void YamlReader::Error(const YAML::Node& at, const std::string& message, SourceLocation fallback) {
  SourceLocation where = Where(at);
  Error(where.line > 0 ? where : fallback, message);
}

std::vector<std::string> YamlReader::Errors() const {
  std::vector<Problem> sorted = problems_;
  std::stable_sort(sorted.begin(), sorted.end(), [](const Problem& a, const Problem& b) {
    return std::tie(a.where.line, a.where.column) < std::tie(b.where.line, b.where.column);
  });
  std::vector<std::string> lines;
  for (const Problem& problem : sorted) {
    lines.push_back(file_ + ":" + std::to_string(problem.where.line) + ":" + std::to_string(problem.where.column) +
                    ": " + problem.message);
  }
  if (not_shown_ > 0) {
    lines.push_back(file_ + ": " + std::to_string(not_shown_) + " more problem" + (not_shown_ == 1 ? "" : "s") +
                    " not shown; fix the ones above first");
  }
  return lines;
}

SourceLocation YamlReader::Where(const YAML::Node& node) {
  if (!node.IsDefined()) return {};
  YAML::Mark mark = node.Mark();
  if (mark.is_null() || mark.line < 0) return {};
  return {mark.line + 1, mark.column + 1};
}

// ---- Mappings ---------------------------------------------------------------

bool YamlReader::CheckMap(const YAML::Node& node, const std::vector<std::string_view>& allowed, std::string_view what,
                          SourceLocation fallback) {
  if (!node.IsMap()) {
    Error(node, std::string(what) + " must be a mapping (key: value lines), got " + DescribeYaml(node), fallback);
    return false;
  }
  bool clean = true;
  std::set<std::string> seen;
  for (const auto& entry : node) {
    const YAML::Node& key = entry.first;
    std::string name = key.IsScalar() ? key.Scalar() : "?";
    if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
      std::string hint = DidYouMean(name, allowed);
      Error(key, "unknown key " + Quoted(name) + " in " + std::string(what) +
                     (hint.empty() ? "" : " (did you mean " + Quoted(hint) + "?)") +
                     "; allowed: " + JoinNames(allowed));
      clean = false;
    } else if (!seen.insert(name).second) {
      Error(key, "duplicate key " + Quoted(name) + " in " + std::string(what));
      clean = false;
    }
  }
  return clean;
}

std::optional<YamlEntry> YamlReader::Find(const YAML::Node& map, std::string_view key, std::string_view what,
                                          bool required) {
  if (map.IsMap()) {
    for (const auto& entry : map) {
      if (entry.first.IsScalar() && entry.first.Scalar() == key) return YamlEntry{entry.first, entry.second};
    }
  }
  if (required) Error(map, std::string(what) + " is missing " + Quoted(key));
  return std::nullopt;
}

// ---- Typed reads --------------------------------------------------------------

std::optional<std::string> YamlReader::AsString(const YamlEntry& entry, std::string_view what) {
  const YAML::Node& value = entry.value;
  if (value.IsScalar() && (!IsPlain(value) || ScalarToJson(value).is_string())) return value.Scalar();
  Error(value,
        std::string(what) + " must be text, got " + DescribeYaml(value) +
            (value.IsScalar() ? " (put it in quotes to make it text)" : ""),
        Where(entry.key));
  return std::nullopt;
}

std::optional<double> YamlReader::AsNumber(const YamlEntry& entry, std::string_view what) {
  Json json = entry.value.IsScalar() ? ScalarToJson(entry.value) : Json();
  if (json.is_number()) return json.get<double>();
  Error(entry.value, std::string(what) + " must be a number, got " + DescribeYaml(entry.value), Where(entry.key));
  return std::nullopt;
}

std::optional<long long> YamlReader::AsInteger(const YamlEntry& entry, std::string_view what) {
  Json json = entry.value.IsScalar() ? ScalarToJson(entry.value) : Json();
  if (json.is_number_integer()) return json.get<long long>();
  Error(entry.value, std::string(what) + " must be a whole number, got " + DescribeYaml(entry.value), Where(entry.key));
  return std::nullopt;
}

std::optional<bool> YamlReader::AsBool(const YamlEntry& entry, std::string_view what) {
  Json json = entry.value.IsScalar() ? ScalarToJson(entry.value) : Json();
  if (json.is_boolean()) return json.get<bool>();
  Error(entry.value, std::string(what) + " must be true or false, got " + DescribeYaml(entry.value), Where(entry.key));
  return std::nullopt;
}

std::optional<Json> YamlReader::AsJson(const YAML::Node& node, SourceLocation fallback) {
  if (!json_used_.overflow.empty()) return std::nullopt;  // reported once, where it ran out
  // Measured first, so that a value too large or too deep is refused before
  // any of it is built; ToJson then only converts.
  YAML::Node too_deep;
  std::optional<ExpandedSize> size = Measure(node, 0, too_deep);
  if (!size) {
    Error(too_deep, TooDeep(), fallback);
    return std::nullopt;
  }
  if (json_used_.items + size->items > kMaxJsonItems) {
    json_used_.overflow = ItemsOverflow(kMaxJsonItems);
  } else if (json_used_.text_bytes + size->text_bytes > kMaxJsonTextBytes) {
    json_used_.overflow = TextOverflow(kMaxJsonTextBytes);
  }
  std::optional<Json> json;
  if (json_used_.overflow.empty()) {
    json_used_.items += size->items;
    json_used_.text_bytes += size->text_bytes;
    json = ToJson(node, fallback, 0);
  }
  if (!json_used_.overflow.empty()) {
    // At the key when there is one: an alias's own position is its anchor's.
    if (fallback.line > 0) {
      Error(fallback, json_used_.overflow);
    } else {
      Error(node, json_used_.overflow);
    }
  }
  return json;
}

std::optional<Json> YamlReader::ToJson(const YAML::Node& node, SourceLocation fallback, int depth) {
  if (node.IsNull() || !node.IsDefined()) return Json(nullptr);
  if (node.IsScalar()) {
    return ScalarToJson(node);
  }
  if (depth >= kMaxJsonDepth) {
    Error(node, TooDeep(), fallback);
    return std::nullopt;
  }
  if (node.IsSequence()) {
    Json array = Json::array();
    for (const YAML::Node& item : node) {
      auto converted = ToJson(item, Where(node), depth + 1);
      if (!converted) return std::nullopt;
      array.push_back(std::move(*converted));
    }
    return array;
  }
  Json object = Json::object();
  for (const auto& entry : node) {
    if (!entry.first.IsScalar()) {
      Error(entry.first, "a mapping key must be text, got " + DescribeYaml(entry.first), fallback);
      return std::nullopt;
    }
    if (object.contains(entry.first.Scalar())) {
      Error(entry.first, "duplicate key " + Quoted(entry.first.Scalar()), fallback);
      return std::nullopt;
    }
    auto converted = ToJson(entry.second, Where(entry.first), depth + 1);
    if (!converted) return std::nullopt;
    object[entry.first.Scalar()] = std::move(*converted);
  }
  return object;
}

std::optional<YamlReader::ExpandedSize> YamlReader::Measure(const YAML::Node& node, int depth, YAML::Node& too_deep) {
  constexpr std::size_t kItemsCap = kMaxJsonItems + 1;
  constexpr std::size_t kTextCap = kMaxJsonTextBytes + 1;
  if (node.IsNull() || !node.IsDefined()) return ExpandedSize{1, 0};
  if (node.IsScalar()) return ExpandedSize{1, std::min(node.Scalar().size(), kTextCap)};
  if (depth >= kMaxJsonDepth) {
    too_deep.reset(node);  // rebinds; operator= would write into the tree
    return std::nullopt;
  }

  std::vector<std::pair<YAML::Node, ExpandedSize>>& seen = memo_[node.Mark().pos];
  for (const auto& [measured, known] : seen) {
    if (measured.is(node)) return known;
  }
  ExpandedSize size{1, 0};
  for (auto it = node.begin(); it != node.end(); ++it) {
    // A sequence's items are `*it`; a mapping's keys and values are it->first and it->second.
    const YAML::Node value = node.IsSequence() ? YAML::Node(*it) : it->second;
    if (node.IsMap() && it->first.IsScalar()) {
      size.text_bytes = CappedSum(size.text_bytes, it->first.Scalar().size(), kTextCap);
    }
    std::optional<ExpandedSize> child = Measure(value, depth + 1, too_deep);
    if (!child) return std::nullopt;
    size.items = CappedSum(size.items, child->items, kItemsCap);
    size.text_bytes = CappedSum(size.text_bytes, child->text_bytes, kTextCap);
  }
  // `seen` may have moved while the children were measured.
  memo_[node.Mark().pos].emplace_back(node, size);
  return size;
}

// map[key] read through one of the As* checks above; `what: key` names it.
std::optional<std::string> YamlReader::String(const YAML::Node& map, std::string_view key, std::string_view what,
                                              bool required) {
  auto entry = Find(map, key, what, required);
  return entry ? AsString(*entry, std::string(what) + ": " + std::string(key)) : std::nullopt;
}

std::optional<double> YamlReader::Number(const YAML::Node& map, std::string_view key, std::string_view what,
                                         bool required) {
  auto entry = Find(map, key, what, required);
  return entry ? AsNumber(*entry, std::string(what) + ": " + std::string(key)) : std::nullopt;
}

std::optional<long long> YamlReader::Integer(const YAML::Node& map, std::string_view key, std::string_view what,
                                             bool required) {
  auto entry = Find(map, key, what, required);
  return entry ? AsInteger(*entry, std::string(what) + ": " + std::string(key)) : std::nullopt;
}

std::optional<bool> YamlReader::Bool(const YAML::Node& map, std::string_view key, std::string_view what,
                                     bool required) {
  auto entry = Find(map, key, what, required);
  return entry ? AsBool(*entry, std::string(what) + ": " + std::string(key)) : std::nullopt;
}

std::optional<Json> YamlReader::AnyValue(const YAML::Node& map, std::string_view key, std::string_view what,
                                         bool required) {
  auto entry = Find(map, key, what, required);
  if (!entry) return std::nullopt;
  return AsJson(entry->value, Where(entry->key));
}

// ---- Free helpers -------------------------------------------------------------

Json ScalarToJson(const YAML::Node& scalar) {
  const std::string& text = scalar.Scalar();
  if (!IsPlain(scalar)) return text;  // quoted, block (|, >) or explicitly tagged: text
  if (IsNullText(text)) return nullptr;
  if (auto flag = BoolText(text)) return *flag;
  if (auto whole = IntegerText(text)) return *whole;
  if (auto number = NumberText(text)) return *number;
  return text;
}

std::string DescribeYaml(const YAML::Node& node) {
  if (!node.IsDefined() || node.IsNull()) return "nothing";
  if (node.IsSequence()) return "a list";
  if (node.IsMap()) return "a mapping";
  Json json = ScalarToJson(node);
  if (json.is_null()) return "nothing";
  if (json.is_boolean()) return "the boolean " + json.dump();
  if (json.is_number()) return "the number " + node.Scalar();
  std::string text = node.Scalar();
  if (text.size() > 40) text = text.substr(0, 37) + "...";
  return "the text " + Quoted(text);
}

}  // namespace osgrid::scenario
