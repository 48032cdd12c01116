#include <openssl/crypto.h>

#include <algorithm>
#include <cstring>
#include <exception>

#include "auth/canonical.h"
#include "auth/signing_key.h"
#include "auth/parse.h"
#include "auth/sigv4.h"
#include "auth/time_format.h"

namespace vouch::auth {
namespace {

using std::chrono::seconds;

constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";
// Hex SHA-256 of nothing: every GET's payload.
constexpr std::string_view kEmptySha256 =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
constexpr std::string_view kMismatchText =
    "The request signature we calculated does not match the signature you provided. Check your "
    "AWS Secret Access Key and signing method. Consult the service documentation for details.";

const vouch::core::RegionList& aws_regions() {
  static const vouch::core::RegionList list;
  return list;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Clients send SignedHeaders lowercase, sorted and unique (spec §4.2). Anything
// else is refused here, before any canonicalisation, so a list naming one
// big header thousands of times costs a scan, not a megabyte-sized hash.
std::optional<AuthError> check_signed_headers(std::string_view list) {
  std::string_view prev;
  size_t count = 0, start = 0;
  bool host = false;
  while (start <= list.size()) {
    size_t end = list.find(';', start);
    if (end == std::string_view::npos) end = list.size();
    std::string_view name = list.substr(start, end - start);
    start = end + 1;
    if (++count > kMaxSignedHeaders) {
      return AuthError{Failure::kIncomplete, "SignedHeaders may name at most " +
                                                 std::to_string(kMaxSignedHeaders) + " headers. "};
    }
    bool lower = !name.empty() && std::none_of(name.begin(), name.end(), [](char c) {
      return (c >= 'A' && c <= 'Z') || c == ' ' || c == '\t' || c == ',';
    });
    if (!lower || (count > 1 && name <= prev)) {
      return AuthError{Failure::kIncomplete,
                       "SignedHeaders must list lowercase header names in sorted order, each "
                       "once. "};
    }
    host = host || name == "host";
    prev = name;
  }
  if (!host) {
    return AuthError{Failure::kIncomplete,
                     "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."};
  }
  return std::nullopt;
}

std::optional<AuthError> check_time(const AuthParams& p, vouch::core::TimePoint now,
                                    seconds window) {
  auto now_s = std::chrono::floor<seconds>(now);
  std::string minutes = std::to_string(
      std::chrono::duration_cast<std::chrono::minutes>(window).count());
  if (p.time > now_s + window) {
    return AuthError{Failure::kNotYetCurrent,
                     "Signature not yet current: " + p.amz_date + " is still later than " +
                         format_amz_date(now_s + window) + " (" + format_amz_date(now_s) + " + " +
                         minutes + " min.)"};
  }
  if (p.expires) {
    // A presigned URL is meant to be used later; only its own lifetime counts.
    if (now_s > p.time + *p.expires) return AuthError{Failure::kExpired, "Request has expired."};
    return std::nullopt;
  }
  if (p.time < now_s - window) {
    return AuthError{Failure::kExpired, "Signature expired: " + p.amz_date +
                                            " is now earlier than " +
                                            format_amz_date(now_s - window) + " (" +
                                            format_amz_date(now_s) + " - " + minutes + " min.)"};
  }
  return std::nullopt;
}

std::variant<Principal, AuthError> verify_impl(const RequestView& req, const KeyLookup& lookup,
                                               vouch::core::TimePoint now,
                                               const VerifyOptions& opts) {
  auto parsed = parse_auth(req);
  if (auto* err = std::get_if<AuthError>(&parsed)) return std::move(*err);
  AuthParams& p = std::get<AuthParams>(parsed);

  if (auto err = check_signed_headers(p.signed_headers)) return std::move(*err);
  if (!(opts.regions != nullptr ? *opts.regions : aws_regions()).contains(p.scope.region)) {
    return AuthError{Failure::kWrongRegion, "Credential should be scoped to a valid region, not '" +
                                                p.scope.region + "'. "};
  }
  if (!opts.expected_service.empty() && p.scope.service != opts.expected_service) {
    return AuthError{Failure::kWrongService, "Credential should be scoped to correct service: '" +
                                                 std::string(opts.expected_service) + "'. "};
  }
  Principal principal{p.scope.access_key_id, std::string(kInsecureAccountId), p.scope.region,
                      p.scope.service};
  if (opts.skip_signature_check) return principal;

  if (std::string_view(p.amz_date).substr(0, 8) != p.scope.date) {
    return AuthError{Failure::kMismatch,
                     "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of "
                     "date from HTTP: '" +
                         p.scope.date + "' != '" + p.amz_date.substr(0, 8) + "', from '" +
                         p.amz_date + "'."};
  }
  if (auto err = check_time(p, now, opts.skew_window)) return std::move(*err);
  std::optional<Credentials> creds;
  if (lookup) {
    auto found = lookup(p.scope.access_key_id);
    if (!found.ok()) {
      const auto& e = found.error();
      return AuthError{e.code == vouch::core::ErrorCode::kUnavailable ? Failure::kLookupUnavailable
                                                                      : Failure::kLookupFailed,
                       "credential lookup failed: " + e.message};
    }
    creds = std::move(*found);
  }
  if (!creds) {
    return AuthError{Failure::kUnknownKey,
                     "The security token included in the request is invalid."};
  }

  char body_hash[64];
  if (req.body.empty()) {
    std::memcpy(body_hash, kEmptySha256.data(), sizeof body_hash);
  } else {
    hex_encode(sha256(req.body), body_hash);
  }
  std::string_view payload_hash(body_hash, sizeof body_hash);
  if (const Header* h = find_header(req.headers, "x-amz-content-sha256")) {
    std::string_view claimed = trim(h->value);
    bool unsigned_ok = opts.allow_unsigned_payload && claimed == kUnsignedPayload;
    if (!unsigned_ok && !iequals(claimed, payload_hash)) {
      return AuthError{Failure::kMismatch,
                       "The provided 'x-amz-content-sha256' header does not match what was "
                       "computed."};
    }
    payload_hash = claimed;
  }

  thread_local std::string creq, sts;  // reused: no allocation once grown
  creq.clear();
  sts.clear();
  if (!append_canonical_request(req, p.signed_headers, payload_hash, p.presigned,
                                kMaxCanonicalRequest, creq)) {
    return AuthError{Failure::kMismatch, std::string(kMismatchText)};
  }
  append_string_to_sign(p.amz_date, p.credential_scope, creq, sts);
  char expected[64];
  hex_encode(
      scope_signature(creds->secret_access_key, p.scope.date, p.scope.region, p.scope.service, sts),
      expected);
  if (p.signature.size() != sizeof expected ||
      CRYPTO_memcmp(expected, p.signature.data(), sizeof expected) != 0) {
    return AuthError{Failure::kMismatch, std::string(kMismatchText)};
  }
  principal.account_id = std::move(creds->account_id);
  return principal;
}

}  // namespace

std::variant<Principal, AuthError> verify(const RequestView& req, const KeyLookup& lookup,
                                          vouch::core::TimePoint now, const VerifyOptions& opts) {
  try {
    return verify_impl(req, lookup, now, opts);
  } catch (const std::exception& e) {
    // Only the key lookup or allocation can throw; fail closed, as a 5xx.
    return AuthError{Failure::kLookupFailed, std::string("credential lookup threw: ") + e.what()};
  } catch (...) {
    return AuthError{Failure::kLookupFailed, "credential lookup threw"};
  }
}

std::optional<CredentialScope> peek_scope(const RequestView& req) {
  try {
    if (const Header* authz = find_header(req.headers, "authorization")) {
      std::string_view v = authz->value;
      size_t pos = v.find("Credential=");
      if (pos == std::string_view::npos) return std::nullopt;
      v.remove_prefix(pos + 11);
      return parse_credential(v.substr(0, v.find_first_of(", \t")));
    }
    auto cred = query_param(split_target(req.target).second, "X-Amz-Credential");
    if (!cred) return std::nullopt;
    return parse_credential(*cred);
  } catch (...) {
    return std::nullopt;
  }
}

}  // namespace vouch::auth
