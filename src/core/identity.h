// Normalisation and validation of the subjects a claim can be about.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/error.h"

namespace vouch::core {

// A host name in its ASCII form: lower-cased, internationalised labels turned
// to punycode (IDNA 2008 / UTS #46), 2+ labels of letters, digits and inner
// hyphens, 1-63 characters each, 253 in all, no trailing dot.
// kInvalidArgument with "Invalid domain name <input>." otherwise.
// `record_prefix`: characters (its dot included) that the record vouch asks
// for puts before the domain; the domain is refused when that record's name
// would not fit a DNS name (255 octets on the wire: 253 characters as text),
// since no resolver could ever be asked for it.
Result<std::string> normalize_domain(std::string_view input, size_t record_prefix = 0);

// The longest name text whose wire form (a length octet per label, a root
// octet) fits in 255 octets.
inline constexpr size_t kMaxDnsNameText = 253;

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

// An SES identity as stored: an address (it has an '@') or a domain.
Result<std::string> normalize_identity(std::string_view input);

}  // namespace vouch::core
