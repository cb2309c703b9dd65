// The one error style for operations that can fail on bad input or a failed system call: a
// function returns Expected<T>, holding either its value or a Failure (the diagnostics that say
// why there is none). Callers test it like a pointer and print failure().ToString().
//
// Why not exceptions: most failures here are expected outcomes of hostile or mistyped input,
// reported to a person with a location, and a loader reports all of a file's problems at once.
// Why not std::expected: C++23, which the compilers this project supports do not all ship.
//
// This is not the core's turn failure (core/error.h): a failed turn is data, recorded in the
// results as an error sample; an Expected failure is a problem the user must fix.
#pragma once

#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "core/diagnostic.h"

namespace agentreplay {

class Failure {
 public:
  explicit Failure(std::vector<Diagnostic> diagnostics) : diagnostics_(std::move(diagnostics)) {}
  explicit Failure(Diagnostic diagnostic) { diagnostics_.push_back(std::move(diagnostic)); }

  const std::vector<Diagnostic>& diagnostics() const { return diagnostics_; }
  std::vector<Diagnostic>& diagnostics() { return diagnostics_; }
  // One line per diagnostic.
  std::string ToString() const { return JoinDiagnostics(diagnostics_); }

 private:
  std::vector<Diagnostic> diagnostics_;
};

// A failure with one message and no location ("cannot listen on port 80: permission denied").
inline Failure Fail(std::string message) {
  return Failure(Diagnostic{.file = {}, .pointer = {}, .message = std::move(message)});
}
// A failure about a file as a whole ("cannot read: no such file").
inline Failure FailIn(std::string file, std::string message) {
  return Failure(Diagnostic{.file = std::move(file), .pointer = {}, .message = std::move(message)});
}

template <class T>
class [[nodiscard]] Expected {
 public:
  Expected(T value) : state_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit
  Expected(Failure failure) : state_(std::in_place_index<1>, std::move(failure)) {}  // NOLINT

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(state_); }
  const T& value() const& { return std::get<0>(state_); }
  T&& value() && { return std::get<0>(std::move(state_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Failure& failure() const { return std::get<1>(state_); }
  Failure& failure() { return std::get<1>(state_); }
  // The failure as text, one line per diagnostic.
  std::string error() const { return failure().ToString(); }

 private:
  std::variant<T, Failure> state_;
};

// An operation that returns nothing but can fail.
template <>
class [[nodiscard]] Expected<void> {
 public:
  Expected() = default;
  Expected(Failure failure) : failure_(std::move(failure)), ok_(false) {}  // NOLINT: implicit

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Failure& failure() const { return failure_; }
  std::string error() const { return failure_.ToString(); }

 private:
  Failure failure_{std::vector<Diagnostic>{}};
  bool ok_ = true;
};

using Status = Expected<void>;

}  // namespace agentreplay
