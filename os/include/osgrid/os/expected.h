// Expected<T>: a value, or the reason there is none.
//
// os/ depends on nothing of ours, so it cannot use net's Status. Every os/
// function that takes user input (a job list, an operation list, a request)
// checks it and returns Expected<T>: bad input becomes an InputError with a
// message a student can act on ("job 2: burst must be > 0, got -3"), never an
// exception or a crash. The CLI turns an InputError into exit status 2.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace osgrid::os {

/// Why an input was refused, in words that name the offending item.
struct InputError {
  std::string message;
};

template <class T>
class Expected {
 public:
  Expected(T value) : state_(std::move(value)) {}           // NOLINT: implicit by design
  Expected(InputError error) : state_(std::move(error)) {}  // NOLINT: implicit by design

  bool ok() const { return std::holds_alternative<T>(state_); }
  explicit operator bool() const { return ok(); }

  /// Precondition: ok().
  const T& value() const& { return std::get<T>(state_); }
  T& value() & { return std::get<T>(state_); }
  T&& value() && { return std::get<T>(std::move(state_)); }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }

  /// Precondition: !ok().
  const InputError& error() const { return std::get<InputError>(state_); }

 private:
  std::variant<T, InputError> state_;
};

/// Shorthand for `return Fail("...")` in functions returning Expected<T>.
inline InputError Fail(std::string message) { return InputError{std::move(message)}; }

}  // namespace osgrid::os
