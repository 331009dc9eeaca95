// Text for people (see text.h).
#include "osgrid/client/text.h"

#include <unistd.h>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace osgrid::client {
namespace {

std::string Fixed(double value, int decimals) {
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), "%.*f", decimals, value);
  return buffer;
}

// Display width of UTF-8 text: counts code points, not bytes.
std::size_t Width(std::string_view text) {
  return static_cast<std::size_t>(
      std::count_if(text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

// Levenshtein distance, for "did you mean" hints on short keys.
std::size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

}  // namespace

std::string HumanBytes(std::uint64_t bytes) {
  static const char* kUnits[] = {"KiB", "MiB", "GiB", "TiB"};
  if (bytes < 1024) return std::to_string(bytes) + " B";
  double value = static_cast<double>(bytes);
  int unit = -1;
  while (value >= 1024 && unit < 3) {
    value /= 1024;
    ++unit;
  }
  return Fixed(value, 1) + " " + kUnits[unit];
}

std::string GroupDigits(std::uint64_t number) {
  std::string digits = std::to_string(number), grouped;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) grouped += ',';
    grouped += digits[i];
  }
  return grouped;
}

std::chrono::milliseconds Ms(double seconds) {
  return std::chrono::milliseconds(static_cast<long long>(seconds * 1000));
}

std::string HumanMs(double ms) {
  if (ms < 10000) return std::to_string(static_cast<long long>(std::llround(ms))) + " ms";
  return Fixed(ms / 1000, 1) + " s";
}

std::string HumanSeconds(double seconds) {
  long long whole = static_cast<long long>(seconds);
  if (whole >= 3600) return std::to_string(whole / 3600) + "h " + std::to_string(whole % 3600 / 60) + "m";
  if (whole >= 60) return std::to_string(whole / 60) + "m " + std::to_string(whole % 60) + "s";
  return Fixed(seconds, 1) + " s";
}

std::string Rate(std::uint64_t bytes, double ms) {
  if (ms <= 0) return "-";
  return Fixed(static_cast<double>(bytes) / (1024.0 * 1024.0) / (ms / 1000.0), 1) + " MiB/s";
}

std::string ShortJson(const Json& value, std::size_t max_chars) {
  std::string text = value.dump(-1, ' ', false, Json::error_handler_t::replace);
  if (text.size() > max_chars) text = text.substr(0, max_chars > 3 ? max_chars - 3 : 0) + "...";
  return text;
}

std::string Indent(std::string_view text, std::string_view prefix) {
  if (!text.empty() && text.back() == '\n') text.remove_suffix(1);
  std::string out(prefix);
  for (char c : text) {
    out += c;
    if (c == '\n') out += prefix;
  }
  return out;
}

std::string Field(const Json& object, const char* key) {
  if (!object.is_object() || !object.contains(key)) return "?";
  const Json& value = object[key];
  if (value.is_string()) return value.get<std::string>();
  if (value.is_number_float()) return Fixed(value.get<double>(), 2);
  return ShortJson(value);
}

double Number(const Json& object, const char* key, double fallback) {
  if (!object.is_object()) return fallback;
  auto it = object.find(key);
  return (it != object.end() && it->is_number()) ? it->get<double>() : fallback;
}

void Table::Print(std::ostream& out, std::string_view indent) const {
  std::vector<std::size_t> widths;
  for (const auto& row : rows_) {
    if (widths.size() < row.size()) widths.resize(row.size(), 0);
    for (std::size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], Width(row[i]));
  }
  for (const auto& row : rows_) {
    std::string line(indent);
    for (std::size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(widths[i] - Width(row[i]) + 2, ' ');
    }
    out << line << "\n";
  }
}

bool UseColor() {
  static const bool use = ::isatty(STDOUT_FILENO) == 1 && std::getenv("NO_COLOR") == nullptr;
  return use;
}

std::string Mark(bool passed) {
  if (!UseColor()) return passed ? "✓" : "✗";
  return passed ? "\033[32m✓\033[0m" : "\033[31m✗\033[0m";
}

std::string Dim(std::string_view text) {
  if (!UseColor()) return std::string(text);
  return "\033[2m" + std::string(text) + "\033[0m";
}

std::string DidYouMean(std::string_view word, const std::vector<std::string_view>& candidates) {
  std::string best;
  std::size_t best_distance = 3;
  for (std::string_view candidate : candidates) {
    bool prefix = word.size() >= 3 && candidate.substr(0, word.size()) == word;
    // The distance is at least the difference in length: skip the quadratic
    // computation for words that cannot be close (a 5 KB key, say).
    std::size_t length_gap =
        word.size() > candidate.size() ? word.size() - candidate.size() : candidate.size() - word.size();
    if (!prefix && length_gap >= best_distance) continue;
    std::size_t distance = prefix ? 1 : EditDistance(word, candidate);
    if (distance < best_distance) {
      best_distance = distance;
      best = std::string(candidate);
    }
  }
  return best;
}

}  // namespace osgrid::client
