// TextOut, JsonOut and PyStr; see out.h.
#include "out.h"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace osgrid::sim {

std::string TextOut::Take() {
  std::string text(buffer_.get(), Size());
  end_ = buffer_.get();
  return text;
}

void TextOut::Flush() {
  if (file_ == nullptr || Size() == 0) return;
  std::fwrite(buffer_.get(), 1, Size(), file_);  // a closed pipe ends the process (SIGPIPE), as in Python
  end_ = buffer_.get();
}

void TextOut::Grow(std::size_t bytes) {
  if (file_ != nullptr) Flush();
  const std::size_t size = Size(), capacity = static_cast<std::size_t>(limit_ - buffer_.get());
  if (capacity - size >= bytes) return;
  // String mode keeps everything: double the buffer. File mode only grows for one huge piece.
  const std::size_t grown = std::max(2 * capacity, size + bytes + kFlushAt);
  std::unique_ptr<char[]> bigger(new char[grown]);
  if (size > 0) std::memcpy(bigger.get(), buffer_.get(), size);
  buffer_ = std::move(bigger);
  end_ = buffer_.get() + size;
  limit_ = buffer_.get() + grown;
}

// ---- JsonOut -------------------------------------------------------------------------

void JsonOut::Key(std::string_view key) {
  Separate();
  Quoted(key);
  out_.Put(':');
  comma_ = false;
}

namespace {

/// The length of the valid UTF-8 sequence at text[i], or 0 if it is not one.
std::size_t Utf8Length(std::string_view text, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char lead = byte(i);
  std::size_t length = 0;
  unsigned char low = 0x80, high = 0xBF;  // the range of the second byte
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;   // no overlong forms
    if (lead == 0xED) high = 0x9F;  // no surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;
    if (lead == 0xF4) high = 0x8F;  // at most U+10FFFF
  } else {
    return 0;
  }
  if (i + length > text.size()) return 0;
  if (byte(i + 1) < low || byte(i + 1) > high) return 0;
  for (std::size_t k = 2; k < length; ++k) {
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
  }
  return length;
}

}  // namespace

void JsonOut::String(std::string_view value) {
  Separate();
  Quoted(value);
  comma_ = true;
}

void JsonOut::Quoted(std::string_view value) {
  out_.Put('"');
  const auto plain = [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte >= 0x20 && byte < 0x80 && c != '"' && c != '\\';
  };
  if (std::all_of(value.begin(), value.end(), plain)) {  // names and numbers: nothing to escape
    out_.Write(value);
    out_.Put('"');
    return;
  }
  for (std::size_t i = 0; i < value.size();) {
    const unsigned char c = static_cast<unsigned char>(value[i]);
    if (c >= 0x80) {
      const std::size_t length = Utf8Length(value, i);
      if (length == 0) {
        out_.Write("\\ufffd");
        ++i;
      } else {
        out_.Write(value.substr(i, length));
        i += length;
      }
      continue;
    }
    ++i;
    switch (c) {
      case '"':
        out_.Write("\\\"");
        break;
      case '\\':
        out_.Write("\\\\");
        break;
      case '\b':
        out_.Write("\\b");
        break;
      case '\f':
        out_.Write("\\f");
        break;
      case '\n':
        out_.Write("\\n");
        break;
      case '\r':
        out_.Write("\\r");
        break;
      case '\t':
        out_.Write("\\t");
        break;
      default:
        if (c < 0x20) {
          out_.Print("\\u{:04x}", c);
        } else {
          out_.Put(static_cast<char>(c));
        }
    }
  }
  out_.Put('"');
}

void JsonOut::Int(std::int64_t value) {
  Separate();
  out_.Int(value);
  comma_ = true;
}

void JsonOut::Double(double value) {
  Separate();
  if (!std::isfinite(value)) {
    out_.Write("null");
    comma_ = true;
    return;
  }
  char digits[32];
  const auto [end, error] = std::to_chars(digits, digits + sizeof digits, value);
  const std::string_view text(digits, static_cast<std::size_t>(end - digits));
  out_.Write(text);
  if (text.find_first_of(".e") == std::string_view::npos) out_.Write(".0");
  comma_ = true;
}

void JsonOut::Bool(bool value) {
  Separate();
  out_.Write(value ? "true" : "false");
  comma_ = true;
}

void JsonOut::Null() {
  Separate();
  out_.Write("null");
  comma_ = true;
}

void JsonOut::Value(const Json& value) {
  Separate();
  out_.Write(value.dump(-1, ' ', false, Json::error_handler_t::replace));
  comma_ = true;
}

// ---- PyStr ---------------------------------------------------------------------------

std::string PyStr(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value < 0 ? "-inf" : "inf";
  // The shortest round-trip digits, as d.ddde±x.
  char buffer[40];
  const auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::scientific);
  const std::string scientific(buffer, end);
  const std::size_t e = scientific.find('e');
  const bool negative = scientific[0] == '-';
  std::string digits;
  for (std::size_t i = negative ? 1 : 0; i < e; ++i) {
    if (scientific[i] != '.') digits += scientific[i];
  }
  const int exponent = std::stoi(scientific.substr(e + 1));
  std::string text = negative ? "-" : "";
  if (exponent < -4 || exponent >= 16) {  // Python's repr switches at these exponents
    text += digits.substr(0, 1);
    if (digits.size() > 1) text += "." + digits.substr(1);
    return fmt::format("{}e{}{:02d}", text, exponent < 0 ? '-' : '+', std::abs(exponent));
  }
  if (exponent < 0) return text + "0." + std::string(static_cast<std::size_t>(-exponent - 1), '0') + digits;
  const std::size_t point = static_cast<std::size_t>(exponent) + 1;
  if (digits.size() <= point) return text + digits + std::string(point - digits.size(), '0') + ".0";
  return text + digits.substr(0, point) + "." + digits.substr(point);
}

}  // namespace osgrid::sim
