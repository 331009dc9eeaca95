// The message catalogue: every message type of the protocol, declared once as
// data (Redis's command table). Validation, docs/protocol.md and the tests all
// come from this table; handlers may assume a request they receive passed
// ValidateRequest().
//
// Every request carries "type" and an integer "id"; its reply echoes "id" and
// has its own "type" (e.g. CPU_TASK -> CPU_RESULT) or is an ERROR:
//   {"type":"ERROR","id":7,"code":"NOT_FOUND","message":"no key 'x'"}
#pragma once

#include <string_view>
#include <vector>

#include "osgrid/net/json.h"
#include "osgrid/net/status.h"

namespace osgrid::net {

enum class FieldType { kString, kInteger, kNumber, kBool, kArray, kObject, kAny };

/// "string", "integer", ... as written in docs/protocol.md.
std::string_view FieldTypeName(FieldType type);

struct FieldSpec {
  std::string_view name;
  FieldType type;
  bool required;
  std::string_view meaning;  // one line, with the unit
};

/// Which server answers a request.
enum class Served { kAny, kTracker, kPeer };

struct MessageSpec {
  std::string_view type;  // "CPU_TASK"
  Served served_by;
  std::string_view reply;    // reply type on success, e.g. "CPU_RESULT"
  std::string_view summary;  // one line for docs and --help
  std::vector<FieldSpec> fields;
};

/// The whole catalogue, in documentation order.
const std::vector<MessageSpec>& Catalogue();

/// The spec of a request type, or nullptr.
const MessageSpec* FindSpec(std::string_view type);

/// Deepest nesting of arrays and objects a message may have.
inline constexpr int kMaxJsonDepth = 128;

/// A JSON frame's payload -> a JSON value. Never throws. Errors: BAD_REQUEST
/// "malformed JSON: ..." for anything the parser refuses (including numbers
/// out of range, such as 1e999) and for nesting deeper than kMaxJsonDepth,
/// checked before parsing so a hostile frame cannot exhaust the stack.
Result<Json> ParseMessage(std::string_view payload);

/// Checks a decoded request: an object with a string "type" that is in the
/// catalogue, an integer "id", and every required field present with the
/// right JSON type (optional fields, when present, too).
/// Errors: BAD_REQUEST (names the field and what was expected),
/// UNKNOWN_TYPE (names the type, sanitised).
Status ValidateRequest(const Json& msg);

/// Builds {"type":"ERROR","id":id,"code":...,"message":...[,"detail":...]}.
Json MakeError(const Json& id, const Status& status);

/// One task as CPU_TASK and CPU_BATCH entries carry it:
/// {"program", "program_sha256" (hex SHA-256 of program), "function", "args"}.
/// For a CPU_TASK request, add "type" and any options.
Json TaskFields(const std::string& program, const std::string& function, Json args = Json::array());

/// Turns an ERROR reply back into a Status; OK for any other reply.
Status StatusFromReply(const Json& reply);

/// Makes user text safe to echo in an error: control characters become '?',
/// and anything past `max_chars` is cut with "...".
std::string Sanitize(std::string_view text, std::size_t max_chars = 64);

}  // namespace osgrid::net
