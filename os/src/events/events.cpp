// The event vocabulary's few functions (see osgrid/os/events/events.h).
// Source: issue 15 (one event stream) and docs/events.md; no textbook
// algorithm, only the names of the types and outcomes.
#include "osgrid/os/events/events.h"

#include <array>
#include <utility>

namespace osgrid::os::events {

namespace {

constexpr std::array<std::pair<Outcome, std::string_view>, 7> kOutcomes = {{
    {Outcome::kOk, "ok"},
    {Outcome::kFailed, "failed"},
    {Outcome::kTimeout, "timeout"},
    {Outcome::kCancelled, "cancelled"},
    {Outcome::kKilled, "killed"},
    {Outcome::kAborted, "aborted"},
    {Outcome::kLost, "lost"},
}};

/// The kType of every alternative of Payload, in declaration order.
template <std::size_t... I>
std::vector<std::string_view> TypesOf(std::index_sequence<I...>) {
  return {std::variant_alternative_t<I, Payload>::kType...};
}

}  // namespace

std::string_view OutcomeName(Outcome outcome) {
  for (const auto& [value, name] : kOutcomes) {
    if (value == outcome) return name;
  }
  return "failed";  // unreachable: every Outcome is in the table
}

std::optional<Outcome> ParseOutcome(std::string_view name) {
  for (const auto& [value, known] : kOutcomes) {
    if (known == name) return value;
  }
  return std::nullopt;
}

const std::vector<Outcome>& AllOutcomes() {
  static const std::vector<Outcome> outcomes = [] {
    std::vector<Outcome> all;
    for (const auto& [value, name] : kOutcomes) all.push_back(value);
    return all;
  }();
  return outcomes;
}

std::string_view TypeOf(const Payload& body) {
  return std::visit([](const auto& payload) { return std::decay_t<decltype(payload)>::kType; }, body);
}

const std::vector<std::string_view>& AllTypes() {
  static const std::vector<std::string_view> types = TypesOf(std::make_index_sequence<std::variant_size_v<Payload>>());
  return types;
}

}  // namespace osgrid::os::events
