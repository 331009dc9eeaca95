#include "osgrid/net/status.h"

#include <array>

namespace osgrid {
namespace {

struct CodeEntry {
  Code code;
  std::string_view name;
};

constexpr std::array<CodeEntry, 19> kCodes = {{
    {Code::kOk, "OK"},
    {Code::kBadRequest, "BAD_REQUEST"},
    {Code::kUnknownType, "UNKNOWN_TYPE"},
    {Code::kNotFound, "NOT_FOUND"},
    {Code::kTooLarge, "FRAME_TOO_LARGE"},
    {Code::kLimit, "LIMIT"},
    {Code::kFragmented, "FRAGMENTATION"},
    {Code::kTimeout, "TIMEOUT"},
    {Code::kTaskFailed, "TASK_FAILED"},
    {Code::kUnavailable, "UNAVAILABLE"},
    {Code::kVersion, "VERSION"},
    {Code::kIo, "IO"},
    {Code::kIntegrity, "INTEGRITY"},
    {Code::kAuth, "AUTH"},
    {Code::kForbidden, "FORBIDDEN"},
    {Code::kCancelled, "CANCELLED"},
    {Code::kKilled, "KILLED"},
    {Code::kAborted, "ABORTED"},
    {Code::kInternal, "INTERNAL"},
}};

}  // namespace

std::string_view CodeName(Code code) {
  for (const auto& entry : kCodes) {
    if (entry.code == code) return entry.name;
  }
  return "INTERNAL";
}

std::optional<Code> CodeFromName(std::string_view name) {
  for (const auto& entry : kCodes) {
    if (entry.name == name) return entry.code;
  }
  return std::nullopt;
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  std::string text(CodeName(code_));
  text += ": ";
  text += message_;
  return text;
}

}  // namespace osgrid
