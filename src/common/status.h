// Status and Result<T>: errors as values, never exceptions across module boundaries.
//
// A Status carries a code, a human message and "where" (a field path such as
// `resources[0].with[1].count`, a file:line, or a plugin name). Result<T> holds either a
// value or a non-OK Status; it is shaped like std::expected so it can be swapped later.
// Both are value types; not thread-safe to mutate concurrently, safe to copy.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

#include "common/check.h"

namespace converge {

enum class Code {
  kOk,
  kUnschedulable,    // may fit later; the job waits
  kUnsatisfiable,    // can never fit this graph; reject
  kInvalidArgument,  // malformed user input
  kNotFound,
  kInternal,
  kWait,
  kSkip,
  kPermissionDenied,  // the caller, a file or a folder is not trusted for what was asked
  kUnavailable,       // the instance cannot take this now (overloaded, degraded); try later
};

const char* CodeName(Code code);

class Status {
 public:
  Status() = default;
  Status(Code code, std::string message, std::string where = {})
      : code_(code), message_(std::move(message)), where_(std::move(where)) {}

  static Status Ok() { return Status(); }
  static Status Invalid(std::string where, std::string message) {
    return Status(Code::kInvalidArgument, std::move(message), std::move(where));
  }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  const std::string& where() const { return where_; }

  // "where: message" (or just the message when where is empty).
  std::string ToString() const;

  // Returns a copy whose where is `prefix` joined in front of the current where
  // (e.g. prefix "resources[0]" + where "count" -> "resources[0].count").
  Status WithPrefix(const std::string& prefix) const;

 private:
  Code code_ = Code::kOk;
  std::string message_;
  std::string where_;
};

template <typename T>
class Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {  // NOLINT: implicit by design
    CHECK(!status_.ok(), "Result constructed from an OK status without a value");
  }

  bool ok() const { return value_.has_value(); }
  explicit operator bool() const { return ok(); }
  const Status& status() const { return status_; }

  // REQUIRES: ok().
  T& value() & {
    CHECK(ok(), "Result::value() on error: " + status_.ToString());
    return *value_;
  }
  const T& value() const& {
    CHECK(ok(), "Result::value() on error: " + status_.ToString());
    return *value_;
  }
  T&& value() && {
    CHECK(ok(), "Result::value() on error: " + status_.ToString());
    return std::move(*value_);
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace converge

// Propagates a non-OK Status from an expression returning Status.
#define CONVERGE_RETURN_IF_ERROR(expr)      \
  do {                                      \
    ::converge::Status status__ = (expr);   \
    if (!status__.ok()) return status__;    \
  } while (0)
