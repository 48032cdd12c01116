// One error type for core and service. The API layers map ErrorCode to each
// AWS dialect's wire error in one table each; nothing deeper knows AWS codes.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace vouch::core {

enum class ErrorCode {
  kInvalidArgument,  // malformed input (SES InvalidParameterValue, Lattice ValidationException)
  kNotFound,         // no such resource for this account and region
  kConflict,         // idempotency mismatch, duplicate live resource
  kQuotaExceeded,    // per-account resource quota
  kThrottled,        // per-account request rate
  kUnavailable,      // transient: store busy, resolver timeout; retry the same call
  kAborted,          // compare-and-set lost; re-read and retry
  kInternal,         // a bug or an I/O failure that retrying will not fix
};

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
  std::string resource_id;  // for kConflict / kNotFound / kQuotaExceeded when known
  std::string field;        // for kInvalidArgument: the wire member at fault, when known
};

inline Error invalid_argument(std::string msg, std::string field = {}) {
  return Error{ErrorCode::kInvalidArgument, std::move(msg), {}, std::move(field)};
}
inline Error not_found(std::string msg, std::string id = {}) {
  return Error{ErrorCode::kNotFound, std::move(msg), std::move(id), {}};
}
inline Error internal_error(std::string msg) {
  return Error{ErrorCode::kInternal, std::move(msg), {}, {}};
}

// A value or an Error, never both. Read with ok(), then * or ->.
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT: implicit by design
  Result(Error error) : v_(std::move(error)) {}  // NOLINT
  bool ok() const { return v_.index() == 0; }
  T& operator*() & { return std::get<0>(v_); }
  const T& operator*() const& { return std::get<0>(v_); }
  T&& operator*() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &std::get<0>(v_); }
  const T* operator->() const { return &std::get<0>(v_); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

// Result<void>: an empty Error-or-nothing.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT
  bool ok() const { return ok_; }
  const Error& error() const { return error_; }

 private:
  Error error_;
  bool ok_ = true;
};

}  // namespace vouch::core
