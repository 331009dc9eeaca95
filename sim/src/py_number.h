// Private to sim/: reading numbers as OSTEP's Python simulators read them,
// so that a homework command line means the same thing here.
//   - PyInt: Python's int(text[, base]) (paging-policy.py converts its string
//     options with int()): spaces around, a sign, "1_000".
//   - OptparseInt: optparse's "int" option type (fork.py's -a and -s,
//     paging-policy.py's -b): 0x.. hexadecimal, 0b.. binary, any other
//     leading 0 octal ("010" is 8), else decimal.
//   - PyFloat: Python's float(text) (optparse's "float" type: fork.py's -f):
//     "0.7", ".5", "1e-3", "inf", "nan", "1_0.5".
// Each gives nothing for what Python would refuse, or for an integer
// outside int64.
#pragma once

#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

namespace osgrid::sim {

namespace py_number_detail {

inline bool IsDigit(char c, int base) {
  if (c >= '0' && c <= '9') return c - '0' < base;
  const int lower = std::tolower(static_cast<unsigned char>(c));
  return base == 16 && lower >= 'a' && lower <= 'f';
}

inline int DigitValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  return std::tolower(static_cast<unsigned char>(c)) - 'a' + 10;
}

/// Python's str.strip() of ASCII whitespace.
inline std::string_view Strip(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\n\r\f\v");
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(" \t\n\r\f\v") - first + 1);
}

/// Digits of `base` with single underscores between them; appends them, without the underscores, to `out`.
inline bool Digits(std::string_view text, int base, std::string& out) {
  if (text.empty() || !IsDigit(text.front(), base) || !IsDigit(text.back(), base)) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '_' && IsDigit(text[i + 1], base)) continue;  // text.back() is a digit: i + 1 exists
    if (!IsDigit(text[i], base)) return false;
    out.push_back(text[i]);
  }
  return true;
}

}  // namespace py_number_detail

/// Python's int(text, base), for values that fit in an int64.
inline std::optional<std::int64_t> PyInt(std::string_view text, int base = 10) {
  using namespace py_number_detail;
  text = Strip(text);
  bool negative = false;
  if (!text.empty() && (text[0] == '+' || text[0] == '-')) {
    negative = text[0] == '-';
    text.remove_prefix(1);
  }
  if (base != 10 && text.size() >= 2 && text[0] == '0') {
    const int prefix = std::tolower(static_cast<unsigned char>(text[1]));
    if ((base == 16 && prefix == 'x') || (base == 8 && prefix == 'o') || (base == 2 && prefix == 'b')) {
      text.remove_prefix(2);
      if (!text.empty() && text[0] == '_') text.remove_prefix(1);  // "0x_1f" is allowed
    }
  }
  std::string digits;
  if (!Digits(text, base, digits)) return std::nullopt;
  const unsigned long long limit = negative ? 9223372036854775808ULL : 9223372036854775807ULL;
  unsigned long long value = 0;
  for (char c : digits) {
    const auto d = static_cast<unsigned long long>(DigitValue(c));
    if (value > (limit - d) / static_cast<unsigned long long>(base)) return std::nullopt;
    value = value * static_cast<unsigned long long>(base) + d;
  }
  if (!negative) return static_cast<std::int64_t>(value);
  return value == limit ? INT64_MIN : -static_cast<std::int64_t>(value);
}

/// optparse's "int" option type.
inline std::optional<std::int64_t> OptparseInt(std::string_view text) {
  std::string head(text.substr(0, 2));
  for (char& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (head == "0x") return PyInt(text, 16);
  if (head == "0b") return PyInt(text.size() > 2 ? text.substr(2) : "0", 2);
  if (!text.empty() && text[0] == '0') return PyInt(text, 8);
  return PyInt(text, 10);
}

/// Python's float(text).
inline std::optional<double> PyFloat(std::string_view text) {
  using namespace py_number_detail;
  text = Strip(text);
  std::string number;
  if (!text.empty() && (text[0] == '+' || text[0] == '-')) {
    number.push_back(text[0]);
    text.remove_prefix(1);
  }
  std::string lower(text);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "inf" || lower == "infinity") return number == "-" ? -HUGE_VAL : HUGE_VAL;
  if (lower == "nan") return std::nan("");
  // digits [. [digits]] | . digits, then [e [sign] digits]
  const std::size_t e = lower.find('e');
  const std::string_view mantissa = std::string_view(text).substr(0, e);
  const std::size_t dot = mantissa.find('.');
  const std::string_view whole = mantissa.substr(0, dot);
  const std::string_view fraction = dot == std::string_view::npos ? std::string_view() : mantissa.substr(dot + 1);
  if (whole.empty() && fraction.empty()) return std::nullopt;
  if (!whole.empty() && !Digits(whole, 10, number)) return std::nullopt;
  if (dot != std::string_view::npos) {
    number.push_back('.');
    if (!fraction.empty() && !Digits(fraction, 10, number)) return std::nullopt;
  }
  if (e != std::string::npos) {
    std::string_view exponent = std::string_view(text).substr(e + 1);
    number.push_back('e');
    if (!exponent.empty() && (exponent[0] == '+' || exponent[0] == '-')) {
      number.push_back(exponent[0]);
      exponent.remove_prefix(1);
    }
    if (!Digits(exponent, 10, number)) return std::nullopt;
  }
  return std::strtod(number.c_str(), nullptr);  // correctly rounded, as Python's
}

}  // namespace osgrid::sim
