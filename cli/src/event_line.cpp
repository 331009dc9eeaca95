// EventLine: see event_line.h.
#include "event_line.h"

#include <fmt/format.h>

#include "osgrid/net/events.h"

namespace osgrid::cli {

namespace {

/// A field's value as text: strings bare (quoted if empty or spaced), arrays compact.
std::string FieldText(const Json& value) {
  if (value.is_string()) {
    const std::string& text = value.get_ref<const std::string&>();
    if (!text.empty() && text.find(' ') == std::string::npos) return text;
  }
  if (value.is_number_float()) return fmt::format("{:g}", value.get<double>());
  return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace

std::string EventLine(const os::events::Event& event) {
  const std::string_view type = os::events::TypeOf(event.body);
  std::string line = fmt::format("{:>10.1f}  #{:<6} {:<12} {:<15}", event.t, event.seq, event.node, type);
  const net::EventSpec* spec = net::FindEventSpec(type);
  if (!spec) return line;
  const Json json = net::EncodeEvent(event);
  for (const net::FieldSpec& field : spec->fields) {
    auto it = json.find(std::string(field.name));
    if (it == json.end()) continue;
    line += fmt::format(" {}={}", field.name, FieldText(*it));
  }
  return line;
}

}  // namespace osgrid::cli
