// The Vouch-Signature header of a webhook delivery (Stripe-like):
//   Vouch-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>
// The timestamp is signed with the body, so a receiver that refuses old
// timestamps refuses replays. docs/EVENTS.md has a receiver's check.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace vouch::crypto {

std::string webhook_signature(std::string_view secret, int64_t unix_seconds, std::string_view body);

// Whether `header` signs `body` with `secret` at a time within
// `tolerance_seconds` of `now_unix` (either way). Any v1= entry may match, so
// a receiver keeps working while a secret is rolled over.
bool verify_webhook_signature(std::string_view secret, std::string_view header,
                              std::string_view body, int64_t now_unix, int64_t tolerance_seconds);

}  // namespace vouch::crypto
