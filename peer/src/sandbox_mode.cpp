#include "osgrid/peer/sandbox.h"

namespace osgrid::peer {

std::optional<SandboxMode> ParseSandboxMode(std::string_view text) {
  if (text == "strict") return SandboxMode::kStrict;
  if (text == "auto") return SandboxMode::kAuto;
  if (text == "off") return SandboxMode::kOff;
  return std::nullopt;
}

std::string_view SandboxModeName(SandboxMode mode) {
  switch (mode) {
    case SandboxMode::kStrict:
      return "strict";
    case SandboxMode::kAuto:
      return "auto";
    case SandboxMode::kOff:
      return "off";
  }
  return "?";
}

std::vector<std::string> LayerNames(std::uint32_t layers) {
  static constexpr const char* kNames[] = {"pid-ns",        "net-ns",  "ipc-ns", "mount-jail",
                                           "no-privileges", "seccomp", "rlimits"};
  std::vector<std::string> names;
  for (unsigned bit = 0; bit < std::size(kNames); ++bit) {
    if (layers & (1u << bit)) names.emplace_back(kNames[bit]);
  }
  return names;
}

}  // namespace osgrid::peer
