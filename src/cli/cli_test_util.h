// Adapters for the cli tests around the Result/Status API, so that each
// assertion still reads as "this error text" or "this value".
#pragma once

#include <optional>
#include <string>

#include "core/error.h"

namespace vouch::cli::test {

// The error's text, "" when it succeeded.
inline std::string error_text(const core::Status& s) { return s.ok() ? "" : s.error().message; }
template <class T>
std::string error_text(const core::Result<T>& r) {
  return r.ok() ? "" : r.error().message;
}

// The value into *out when it succeeded; the error's text ("" when fine).
template <class T>
std::string parse_into(core::Result<T> r, T* out) {
  if (!r.ok()) return r.error().message;
  *out = std::move(*r);
  return "";
}

// The value, or nullopt with the error's text in *error.
template <class T>
std::optional<T> value(core::Result<T> r, std::string* error) {
  if (r.ok()) return std::move(*r);
  *error = r.error().message;
  return std::nullopt;
}
// An optional value: nullopt both for none and for an error (then *error is set).
template <class T>
std::optional<T> value(core::Result<std::optional<T>> r, std::string* error) {
  if (r.ok()) return std::move(*r);
  *error = r.error().message;
  return std::nullopt;
}

// Whether it succeeded; if not, the error's text in *error.
inline bool done(const core::Status& s, std::string* error) {
  if (!s.ok()) *error = s.error().message;
  return s.ok();
}

}  // namespace vouch::cli::test
