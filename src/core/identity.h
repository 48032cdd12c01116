// Normalisation and validation of the subjects a claim can be about.
#pragma once

#include <string>
#include <string_view>

#include "core/error.h"

namespace vouch::core {

// A host name in its ASCII form: lower-cased, internationalised labels turned
// to punycode (IDNA 2008 / UTS #46), 2+ labels of letters, digits and inner
// hyphens, 1-63 characters each, 253 in all, no trailing dot.
// kInvalidArgument with "Invalid domain name <input>." otherwise.
Result<std::string> normalize_domain(std::string_view input);

// local@domain with the domain part normalised as above; the local part is
// kept as given (it is case-sensitive) and must be a dot-atom of 1-64
// printable ASCII characters. kInvalidArgument with "Invalid email address
// <input>." otherwise.
Result<std::string> normalize_email(std::string_view input);

// Whether `input` reads as an email address (has an '@'), the way SES tells
// its two identity types apart.
inline bool looks_like_email(std::string_view input) {
  return input.find('@') != std::string_view::npos;
}

}  // namespace vouch::core
