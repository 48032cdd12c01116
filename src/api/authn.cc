#include "api/authn.h"

#include "auth/sigv4.h"

namespace vouch::api {

namespace {

// The request's headers as auth sees them, in a buffer per thread whose
// strings are assigned into (no allocation once warm). Valid until the
// thread's next call.
const std::vector<auth::Header>& auth_headers(const http::Request& req) {
  thread_local std::vector<auth::Header> out;
  out.resize(req.headers.size());
  for (size_t i = 0; i < req.headers.size(); ++i) {
    out[i].name.assign(req.headers[i].name);
    out[i].value.assign(req.headers[i].value);
  }
  return out;
}

}  // namespace

std::string scope_service(const http::Request& req) {
  const auto& headers = auth_headers(req);
  auth::RequestView view{req.method, req.target, &headers, req.body};
  auto scope = auth::peek_scope(view);
  return scope ? scope->service : std::string();
}

std::variant<core::Scope, auth::WireAuthError> Authenticator::authenticate(
    const http::Request& req, Dialect dialect, std::string_view service) {
  const auto& headers = auth_headers(req);
  auth::RequestView view{req.method, req.target, &headers, req.body};
  auth::VerifyOptions opts;
  opts.skew_window = dialect == Dialect::kQuery ? std::chrono::minutes(15)
                                                : std::chrono::minutes(5);
  opts.expected_service = service;
  opts.skip_signature_check = settings_.insecure_any_credentials;
  opts.regions = &settings_.regions;
  auto lookup = [this](std::string_view key) -> core::Result<std::optional<auth::Credentials>> {
    auto account = accounts_.find(key);
    if (!account.ok()) return account.error();
    if (!*account) return std::optional<auth::Credentials>();
    return std::optional<auth::Credentials>(auth::Credentials{
        std::move((*account)->account_id), std::move((*account)->secret_access_key)});
  };
  auto result = auth::verify(view, lookup, clock_.now(), opts);
  if (auto* err = std::get_if<auth::AuthError>(&result)) {
    // The store failed: a 5xx whose cause only the log sees. Logged here,
    // since every API that authenticates answers with the wire error alone.
    if (err->kind == auth::Failure::kLookupUnavailable ||
        err->kind == auth::Failure::kLookupFailed) {
      http::log_internal_error(req.request_id, err->message);
    }
    return dialect == Dialect::kQuery ? auth::to_query_error(*err) : auth::to_rest_json_error(*err);
  }
  const auto& p = std::get<auth::Principal>(result);
  return core::Scope{p.account_id, p.region};
}

}  // namespace vouch::api
