#include "api/access_log.h"

#include <memory>

#include <nlohmann/json.hpp>

#include "api/common/form.h"
#include "auth/sigv4.h"
#include "core/log.h"
#include "core/rfc3339.h"

namespace vouch::api {

namespace {

bool starts(std::string_view s, std::string_view prefix) { return s.rfind(prefix, 0) == 0; }

// An Action as SES names them; anything else is not echoed into the log.
std::string action_of(const http::Request& req) {
  auto form = parse_form(req.body);
  const std::string* action = form ? form->get("Action") : nullptr;
  if (!action || action->empty() || action->size() > 64) return "unknown";
  for (char c : *action) {
    if (!std::isalnum(static_cast<unsigned char>(c))) return "unknown";
  }
  return *action;
}

std::string sesv2_operation(std::string_view m, std::string_view p) {
  constexpr std::string_view kIdentity = "/v2/email/identities/";
  if (p == "/v2/email/identities")
    return m == "POST" ? "CreateEmailIdentity" : "ListEmailIdentities";
  if (p == "/v2/email/list-identities") return "ListEmailIdentities";
  if (p == "/v2/email/tags") {
    return m == "POST" ? "TagResource" : m == "DELETE" ? "UntagResource" : "ListTagsForResource";
  }
  if (starts(p, "/v2/email/custom-verification-email-templates")) {
    const bool one = p.size() >
                     std::string_view("/v2/email/custom-verification-email-templates").size();
    if (m == "POST") return "CreateCustomVerificationEmailTemplate";
    if (m == "PUT") return "UpdateCustomVerificationEmailTemplate";
    if (m == "DELETE") return "DeleteCustomVerificationEmailTemplate";
    return one ? "GetCustomVerificationEmailTemplate" : "ListCustomVerificationEmailTemplates";
  }
  if (p == "/v2/email/outbound-custom-verification-emails") return "SendCustomVerificationEmail";
  if (starts(p, kIdentity) || starts(p, "/v1/email/identities/")) {
    if (p.ends_with("/dkim/signing")) return "PutEmailIdentityDkimSigningAttributes";
    if (p.ends_with("/dkim")) return "PutEmailIdentityDkimAttributes";
    if (p.ends_with("/mail-from")) return "PutEmailIdentityMailFromAttributes";
    return m == "DELETE" ? "DeleteEmailIdentity" : "GetEmailIdentity";
  }
  return "unknown";
}

std::string lattice_operation(std::string_view m, std::string_view p) {
  if (starts(p, "/tags/")) {
    return m == "POST" ? "TagResource" : m == "DELETE" ? "UntagResource" : "ListTagsForResource";
  }
  if (p == "/domainverifications") {
    return m == "POST" ? "StartDomainVerification" : "ListDomainVerifications";
  }
  return m == "DELETE" ? "DeleteDomainVerification" : "GetDomainVerification";
}

std::string test_operation(std::string_view p) {
  if (p == "/_vouch/test/clock") return "vouch:AdvanceClock";
  if (p == "/_vouch/test/run-due-checks") return "vouch:RunDueChecks";
  if (p == "/_vouch/test/run-due-webhooks") return "vouch:RunDueWebhooks";
  if (p == "/_vouch/test/reset") return "vouch:Reset";
  return "unknown";
}

}  // namespace

RequestName name_request(const http::Request& req) {
  const std::string_view p = req.path();
  const std::string_view m = req.method;
  if (p == "/") return {"ses", action_of(req)};
  if (starts(p, "/v2/email/") || starts(p, "/v1/email/identities/")) {
    return {"sesv2", sesv2_operation(m, p)};
  }
  if (p == "/domainverifications" || starts(p, "/domainverifications/") || starts(p, "/tags/")) {
    return {"lattice", lattice_operation(m, p)};
  }
  if (p == "/_vouch/claims") return {"admin", "vouch:ListClaims"};
  if (starts(p, "/_vouch/claims/")) {
    return {"admin", p.ends_with("/check") ? "vouch:CheckClaim" : "vouch:GetClaim"};
  }
  if (starts(p, "/_vouch/test/")) return {"test", test_operation(p)};
  if (p == "/_vouch/webhooks") {
    return {"admin", m == "POST" ? "vouch:CreateWebhook" : "vouch:ListWebhooks"};
  }
  if (starts(p, "/_vouch/webhooks/")) return {"admin", "vouch:DeleteWebhook"};
  if (p == "/_vouch/health") return {"health", "vouch:Health"};
  if (p == "/_vouch/verify-email") {
    return {"mail", m == "POST" ? "vouch:ConfirmEmail" : "vouch:ShowEmailLink"};
  }
  if (p == "/_aws/ses") return {"inbox", m == "DELETE" ? "vouch:ClearInbox" : "vouch:ListInbox"};
  return {"unknown", "unknown"};
}

void AccessLog::write(const Started& s, int status) {
  const core::TimePoint now = clock_.now();
  nlohmann::json account = nullptr;
  // A refused signature names no account; an unknown key neither.
  if (status != 403 && !s.access_key_id.empty()) {
    if (insecure_) {
      account = std::string(auth::kInsecureAccountId);
    } else if (auto a = accounts_.find(s.access_key_id); a.ok() && *a) {
      account = (*a)->account_id;
    }
  }
  const auto latency = std::chrono::duration<double, std::milli>(now - s.at).count();
  core::log_json_line({{"time", core::format_rfc3339(now)},
                       {"event", "request"},
                       {"request_id", s.request_id},
                       {"account", account},
                       {"api", s.name.api},
                       {"operation", s.name.operation},
                       {"status", status},
                       {"latency_ms", std::max(0.0, latency)}});
}

http::Handler AccessLog::wrap(http::Handler inner) {
  return [this, inner = std::move(inner)](http::Request& req) -> http::HandlerResult {
    auto started = std::make_shared<Started>();
    started->request_id = req.request_id;
    started->name = name_request(req);
    started->at = clock_.now();
    std::vector<auth::Header> headers;
    for (const auto& h : req.headers) {
      if (http::iequals(h.name, "authorization")) headers.push_back({h.name, h.value});
    }
    const auth::RequestView view{req.method, req.target, &headers, ""};
    if (auto scope = auth::peek_scope(view)) started->access_key_id = scope->access_key_id;
    http::HandlerResult result = inner(req);
    if (auto* r = std::get_if<http::Response>(&result)) {
      write(*started, r->status);
    } else if (auto* d = std::get_if<http::Deferred>(&result)) {
      return http::Deferred([this, started, work = std::move(*d)] {
        http::Response r = work();
        write(*started, r.status);
        return r;
      });
    } else if (auto* a = std::get_if<http::Async>(&result)) {
      return http::Async{[this, started, start = std::move(a->start)](http::Done done) {
                           start([this, started, done = std::move(done)](http::Response r) {
                             write(*started, r.status);
                             done(std::move(r));
                           });
                         },
                         a->quick_start};
    }
    return result;
  };
}

}  // namespace vouch::api
