// The event vocabulary's few functions (see osgrid/os/events/events.h).
// Source: issue 15 (one event stream) and docs/events.md; no textbook
// algorithm, only the names of the types and outcomes, and the one rule by
// which a type prefix filters the stream.
#include "osgrid/os/events/events.h"

#include <algorithm>
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

bool PrefixSelects(std::string_view prefix, std::string_view type) {
  if (prefix.empty() || !type.starts_with(prefix)) return false;
  return type.size() == prefix.size() || prefix.back() == '.' || type[prefix.size()] == '.';
}

bool PassesFilter(const std::vector<std::string>& prefixes, std::string_view type) {
  if (prefixes.empty() || type == EventsLost::kType) return true;
  return std::any_of(prefixes.begin(), prefixes.end(),
                     [&](const std::string& prefix) { return PrefixSelects(prefix, type); });
}

std::optional<std::string> UnknownPrefix(const std::vector<std::string>& prefixes) {
  const std::vector<std::string_view>& types = AllTypes();
  for (const std::string& prefix : prefixes) {
    const bool known =
        std::any_of(types.begin(), types.end(), [&](std::string_view type) { return PrefixSelects(prefix, type); });
    if (!known) return prefix;
  }
  return std::nullopt;
}

}  // namespace osgrid::os::events
