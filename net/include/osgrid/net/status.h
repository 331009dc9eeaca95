// Status and Result<T>: errors as values, at every module and process boundary.
//
// A Status is a code plus a human-readable message (and, for task failures, a
// detail such as a Python traceback). The code names travel on the wire in
// ERROR frames (see docs/protocol.md), so every process speaks the same error
// vocabulary. Modelled on LevelDB's Status.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace osgrid {

/// The error vocabulary. Wire names are in CodeName(); keep both in step.
enum class Code {
  kOk,
  kBadRequest,   // BAD_REQUEST: malformed JSON, missing or mistyped field, bad value
  kUnknownType,  // UNKNOWN_TYPE: message type not in the catalogue
  kNotFound,     // NOT_FOUND: unknown key, file or peer
  kTooLarge,     // FRAME_TOO_LARGE: frame over the configured maximum
  kLimit,        // LIMIT: a configured limit (disk, memory, queue, connections) is reached
  kFragmented,   // FRAGMENTATION: enough memory is free in all, but no single hole is big enough
  kTimeout,      // TIMEOUT: a task or a network operation ran past its deadline
  kTaskFailed,   // TASK_FAILED: the task's program raised or crashed
  kUnavailable,  // UNAVAILABLE: could not connect, connection lost, no peer
  kVersion,      // VERSION: protocol version mismatch or missing HELLO
  kIo,           // IO: local file-system error
  kIntegrity,    // INTEGRITY: checksum mismatch
  kAuth,         // AUTH: cluster authentication failed (no, wrong or unexpected secret; TLS)
  kForbidden,    // FORBIDDEN: authenticated, but the credential does not allow this request (an observer)
  kCancelled,    // CANCELLED: the task was cancelled (TASK_CANCEL) before it ended; locally, a Client::Shutdown()
  kKilled,       // KILLED: the task was killed with its descendants (TASK_CANCEL with group)
  kAborted,      // ABORTED: the task was aborted as a deadlock victim (osgrid-tracker --deadlock recover)
  kInternal,     // INTERNAL: a bug; please report
};

/// Wire name of a code, e.g. "NOT_FOUND".
std::string_view CodeName(Code code);
/// Inverse of CodeName; nullopt for an unknown name.
std::optional<Code> CodeFromName(std::string_view name);

/// An outcome: ok, or a code with a message. Cheap to copy when ok.
class Status {
 public:
  Status() = default;  // ok
  Status(Code code, std::string message, std::string detail = {})
      : code_(code), message_(std::move(message)), detail_(std::move(detail)) {}

  static Status Ok() { return {}; }
  static Status BadRequest(std::string m) { return {Code::kBadRequest, std::move(m)}; }
  static Status NotFound(std::string m) { return {Code::kNotFound, std::move(m)}; }
  static Status Limit(std::string m) { return {Code::kLimit, std::move(m)}; }
  static Status Timeout(std::string m) { return {Code::kTimeout, std::move(m)}; }
  static Status Unavailable(std::string m) { return {Code::kUnavailable, std::move(m)}; }
  static Status Io(std::string m) { return {Code::kIo, std::move(m)}; }
  static Status Internal(std::string m) { return {Code::kInternal, std::move(m)}; }
  static Status Aborted(std::string m) { return {Code::kAborted, std::move(m)}; }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  /// Extra text for the user, e.g. a Python traceback; may be empty.
  const std::string& detail() const { return detail_; }

  /// "NOT_FOUND: no key 'x'" (or "OK").
  std::string ToString() const;

 private:
  Code code_ = Code::kOk;
  std::string message_;
  std::string detail_;
};

/// A value or the Status explaining why there is none.
template <class T>
class Result {
 public:
  Result(T value) : state_(std::move(value)) {}         // NOLINT: implicit by design
  Result(Status status) : state_(std::move(status)) {}  // NOLINT: must not be ok

  bool ok() const { return std::holds_alternative<T>(state_); }
  const Status& status() const {
    static const Status kOkStatus;
    return ok() ? kOkStatus : std::get<Status>(state_);
  }
  T& value() & { return std::get<T>(state_); }
  const T& value() const& { return std::get<T>(state_); }
  T&& value() && { return std::get<T>(std::move(state_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }

 private:
  std::variant<T, Status> state_;
};

}  // namespace osgrid
