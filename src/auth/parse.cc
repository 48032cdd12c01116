#include "auth/parse.h"

#include "auth/canonical.h"
#include "auth/time_format.h"

namespace vouch::auth {
namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
constexpr std::string_view kMaxExpires = "604800";

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

AuthError incomplete(std::string msg) { return AuthError{Failure::kIncomplete, std::move(msg)}; }

std::string scope_error(std::string_view credential) {
  std::string_view last = credential.substr(credential.rfind('/') + 1);
  if (last != "aws4_request") {
    return "Credential should be scoped with a valid terminator: 'aws4_request', not '" +
           std::string(last) + "'. ";
  }
  return "Credential should be of the form <access key>/<date>/<region>/<service>/aws4_request, "
         "not '" +
         std::string(credential) + "'. ";
}

// Fills the scope fields of `p` from a credential string; false if malformed.
bool set_scope(std::string_view credential, AuthParams& p) {
  auto scope = parse_credential(credential);
  if (!scope) return false;
  p.scope = std::move(*scope);
  p.credential_scope = std::string(credential.substr(p.scope.access_key_id.size() + 1));
  return true;
}

std::optional<std::chrono::seconds> parse_seconds(std::string_view s) {
  if (s.empty() || s.size() > kMaxExpires.size()) return std::nullopt;
  long v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return std::chrono::seconds(v);
}

std::variant<AuthParams, AuthError> parse_header_form(const RequestView& req,
                                                      std::string_view authz) {
  AuthParams p;
  std::string_view rest = trim(authz);
  size_t sp = rest.find_first_of(" \t");
  std::string_view alg = rest.substr(0, sp);
  if (alg != kAlgorithm) {
    return incomplete("Unsupported AWS 'algorithm': '" + std::string(alg) + "'. ");
  }
  rest = sp == std::string_view::npos ? std::string_view() : rest.substr(sp);
  std::optional<std::string_view> credential, signed_headers, signature;
  while (!rest.empty()) {
    size_t comma = rest.find(',');
    std::string_view item = trim(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    size_t eq = item.find('=');
    if (eq == std::string_view::npos) continue;
    std::string_view key = item.substr(0, eq), value = item.substr(eq + 1);
    if (key == "Credential") credential = value;
    else if (key == "SignedHeaders") signed_headers = value;
    else if (key == "Signature") signature = value;
  }
  const Header* date = find_header(req.headers, "x-amz-date");
  if (date == nullptr) date = find_header(req.headers, "date");
  std::string msg;
  if (!credential) msg += "Authorization header requires 'Credential' parameter. ";
  if (!signature) msg += "Authorization header requires 'Signature' parameter. ";
  if (!signed_headers) msg += "Authorization header requires 'SignedHeaders' parameter. ";
  if (date == nullptr) {
    msg += "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ";
  }
  if (!msg.empty()) return incomplete(msg + "Authorization=" + std::string(authz));
  if (!set_scope(*credential, p)) return incomplete(scope_error(*credential));
  p.signed_headers = std::string(*signed_headers);
  p.signature = std::string(*signature);
  bool amz = iequals(date->name, "x-amz-date");
  auto t = amz ? parse_amz_date(trim(date->value)) : parse_http_date(date->value);
  if (!t) {
    return incomplete(amz ? "Date must be in ISO-8601 'basic format'. Got '" + date->value +
                                "'. See http://en.wikipedia.org/wiki/ISO_8601"
                          : "Date header must be in RFC 1123 format. Got '" + date->value + "'.");
  }
  p.time = *t;
  p.amz_date = format_amz_date(*t);
  return p;
}

std::variant<AuthParams, AuthError> parse_query_form(std::string_view query) {
  AuthParams p;
  p.presigned = true;
  auto alg = query_param(query, "X-Amz-Algorithm");
  auto credential = query_param(query, "X-Amz-Credential");
  auto signature = query_param(query, "X-Amz-Signature");
  auto signed_headers = query_param(query, "X-Amz-SignedHeaders");
  auto date = query_param(query, "X-Amz-Date");
  auto expires = query_param(query, "X-Amz-Expires");
  std::string msg;
  auto require = [&msg](const std::optional<std::string>& v, std::string_view name) {
    if (!v) msg.append("AWS query-string parameters must include '").append(name).append("'. ");
  };
  require(alg, "X-Amz-Algorithm");
  require(credential, "X-Amz-Credential");
  require(signature, "X-Amz-Signature");
  require(signed_headers, "X-Amz-SignedHeaders");
  require(date, "X-Amz-Date");
  require(expires, "X-Amz-Expires");  // else a leaked URL would work like a fresh request
  if (!msg.empty()) return incomplete(msg + "Re-examine the query-string parameters.");
  if (*alg != kAlgorithm) return incomplete("Unsupported AWS 'algorithm': '" + *alg + "'. ");
  if (!set_scope(*credential, p)) return incomplete(scope_error(*credential));
  auto t = parse_amz_date(*date);
  if (!t) {
    return incomplete("Date must be in ISO-8601 'basic format'. Got '" + *date +
                      "'. See http://en.wikipedia.org/wiki/ISO_8601");
  }
  p.expires = parse_seconds(*expires);
  if (!p.expires || *p.expires > std::chrono::seconds(604800)) {
    return incomplete("X-Amz-Expires must be an integer number of seconds from 0 to 604800 "
                      "(one week), not '" +
                      *expires + "'.");
  }
  p.signed_headers = std::move(*signed_headers);
  p.signature = std::move(*signature);
  p.time = *t;
  p.amz_date = std::move(*date);
  return p;
}

}  // namespace

std::optional<CredentialScope> parse_credential(std::string_view credential) {
  std::string_view parts[5];
  size_t n = 0, start = 0;
  while (true) {
    size_t slash = credential.find('/', start);
    if (n == 5) return std::nullopt;
    parts[n++] = credential.substr(start, slash == std::string_view::npos ? slash : slash - start);
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  if (n != 5 || parts[0].empty() || parts[4] != "aws4_request") return std::nullopt;
  return CredentialScope{std::string(parts[0]), std::string(parts[1]), std::string(parts[2]),
                         std::string(parts[3])};
}

std::optional<std::string> query_param(std::string_view raw_query, std::string_view name) {
  size_t start = 0;
  while (start < raw_query.size()) {
    size_t end = raw_query.find('&', start);
    if (end == std::string_view::npos) end = raw_query.size();
    std::string_view pair = raw_query.substr(start, end - start);
    start = end + 1;
    size_t eq = pair.find('=');
    if (pair.substr(0, eq) != name) continue;
    return eq == std::string_view::npos ? std::string() : percent_decode(pair.substr(eq + 1));
  }
  return std::nullopt;
}

std::variant<AuthParams, AuthError> parse_auth(const RequestView& req) {
  if (const Header* authz = find_header(req.headers, "authorization")) {
    return parse_header_form(req, authz->value);
  }
  std::string_view query = split_target(req.target).second;
  if (query_param(query, "X-Amz-Algorithm") || query_param(query, "X-Amz-Signature")) {
    return parse_query_form(query);
  }
  return AuthError{Failure::kMissing, "Missing Authentication Token"};
}

}  // namespace vouch::auth
