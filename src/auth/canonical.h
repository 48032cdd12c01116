// The SigV4 canonical request and string to sign (spec §4.2, §4.3). Exposed
// separately so tests can compare against the published test suite.
#pragma once

#include <cstddef>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "auth/sigv4.h"

namespace vouch::auth {

// Splits a raw request-target into (path, query), dropping any
// "scheme://authority" prefix of an absolute-form target.
std::pair<std::string_view, std::string_view> split_target(std::string_view target);

// Appends `in` percent-encoded: everything but A-Za-z0-9-._~ (and '/' when
// keep_slash), uppercase hex.
void uri_encode(std::string_view in, bool keep_slash, std::string& out);
// Decodes %XX; malformed escapes and '+' stay literal.
std::string percent_decode(std::string_view in);

// Normalized (dot segments and empty segments removed) and encoded again.
std::string canonical_uri(std::string_view raw_path);
void append_canonical_uri(std::string_view raw_path, std::string& out);
// presigned: drop X-Amz-Signature.
std::string canonical_query(std::string_view raw_query, bool presigned = false);
// Header values for `lower_name`, trimmed, whitespace runs collapsed, joined by ','.
void append_canonical_header_value(const std::vector<Header>& headers, std::string_view lower_name,
                                   std::string& out);

// nullopt when it would exceed max_size bytes. Each header is looked up once
// however the SignedHeaders list names it.
std::optional<std::string> canonical_request(const RequestView& req,
                                             std::string_view signed_headers,
                                             std::string_view payload_hash, bool presigned = false,
                                             size_t max_size = std::numeric_limits<size_t>::max());
// The same, appended to `out` (a buffer the caller reuses); false when too big.
bool append_canonical_request(const RequestView& req, std::string_view signed_headers,
                              std::string_view payload_hash, bool presigned, size_t max_size,
                              std::string& out);
// credential_scope: "<date>/<region>/<service>/aws4_request".
std::string string_to_sign(std::string_view amz_date, std::string_view credential_scope,
                           std::string_view canonical_request);
void append_string_to_sign(std::string_view amz_date, std::string_view credential_scope,
                           std::string_view canonical_request, std::string& out);

bool iequals(std::string_view a, std::string_view b);
// First header with this name (case-insensitive), or nullptr.
const Header* find_header(const std::vector<Header>* headers, std::string_view name);

}  // namespace vouch::auth
