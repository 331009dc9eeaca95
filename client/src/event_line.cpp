// EventLine: see event_line.h.
#include "osgrid/client/event_line.h"

#include <fmt/format.h>

#include "osgrid/net/events.h"

namespace osgrid::client {

namespace {

/// Safe for a terminal, and at most 200 characters.
std::string Safe(std::string_view text) { return net::Sanitize(text, 200); }

/// A number with at most 3 decimals, trailing zeros dropped: 5, 2.5, 4483.961.
std::string Number(double value) {
  std::string text = fmt::format("{:.3f}", value);
  text.erase(text.find_last_not_of('0') + 1);
  if (text.back() == '.') text.pop_back();
  return text == "-0" ? "0" : text;
}

/// A field's value: strings as they are (quoted when empty or spaced),
/// numbers shortest ("5", "2.5"), arrays as compact JSON.
std::string ValueText(const Json& value) {
  if (value.is_string()) {
    const std::string& text = value.get_ref<const std::string&>();
    return text.empty() || text.find(' ') != std::string::npos ? Safe(value.dump()) : Safe(text);
  }
  if (value.is_number_float()) return Number(value.get<double>());
  return Safe(value.dump(-1, ' ', false, Json::error_handler_t::replace));
}

/// "task_id=0 name=0": the payload's fields in catalogue order, empty strings left out.
std::string Fields(const os::events::Event& event) {
  const net::EventSpec* spec = net::FindEventSpec(os::events::TypeOf(event.body));
  if (spec == nullptr) return "";
  const Json encoded = net::EncodeEvent(event);
  std::string text;
  for (const net::FieldSpec& field : spec->fields) {
    const auto value = encoded.find(std::string(field.name));
    if (value == encoded.end() || (value->is_string() && value->get_ref<const std::string&>().empty())) continue;
    text += (text.empty() ? "" : " ") + std::string(field.name) + "=" + ValueText(*value);
  }
  return text;
}

}  // namespace

std::string EventLine(const os::events::Event& event) {
  return fmt::format("{:>10}  {:>6}  {:<10}  {:<15} {}", Number(event.t), event.seq, Safe(event.node),
                     os::events::TypeOf(event.body), Fields(event));
}

std::string EventLineHeader() {
  return fmt::format("{:>10}  {:>6}  {:<10}  {:<15} {}", "t", "seq", "node", "type", "fields");
}

}  // namespace osgrid::client
