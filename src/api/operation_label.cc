#include "api/operation_label.h"

#include <array>
#include <string>

namespace vouch::api {
namespace {

constexpr std::string_view kOther = "other";

constexpr std::array<std::string_view, 18> kSesActions{
    "VerifyDomainIdentity",
    "VerifyEmailIdentity",
    "VerifyEmailAddress",
    "GetIdentityVerificationAttributes",
    "ListIdentities",
    "DeleteIdentity",
    "ListVerifiedEmailAddresses",
    "DeleteVerifiedEmailAddress",
    "VerifyDomainDkim",
    "GetIdentityDkimAttributes",
    "CreateCustomVerificationEmailTemplate",
    "GetCustomVerificationEmailTemplate",
    "UpdateCustomVerificationEmailTemplate",
    "DeleteCustomVerificationEmailTemplate",
    "ListCustomVerificationEmailTemplates",
    "SendCustomVerificationEmail",
    "SetIdentityMailFromDomain",
    "GetIdentityMailFromDomainAttributes",
};

bool starts(std::string_view s, std::string_view prefix) { return s.rfind(prefix, 0) == 0; }

// The Action parameter of a form (body or query), if one of SES's; else "other".
std::string_view ses_action(std::string_view form) {
  while (!form.empty()) {
    const size_t amp = form.find('&');
    const std::string_view pair = form.substr(0, amp);
    if (starts(pair, "Action=")) {
      const std::string_view v = pair.substr(7);
      for (auto a : kSesActions) {
        if (a == v) return a;
      }
      return kOther;
    }
    if (amp == std::string_view::npos) break;
    form.remove_prefix(amp + 1);
  }
  return kOther;
}

// What follows the first path segment after `prefix` ("" or "/dkim", ...).
std::string_view after_id(std::string_view path, std::string_view prefix) {
  path.remove_prefix(prefix.size());
  const size_t slash = path.find('/');
  return slash == std::string_view::npos ? std::string_view{} : path.substr(slash);
}

std::string_view sesv2(std::string_view m, std::string_view path) {
  const bool get = m == "GET" || m == "HEAD";
  constexpr std::string_view kIds = "/v2/email/identities";
  constexpr std::string_view kTemplates = "/v2/email/custom-verification-email-templates";
  if (path == kIds)
    return m == "POST" ? "CreateEmailIdentity" : get ? "ListEmailIdentities" : kOther;
  if (path == "/v2/email/list-identities") return "ListEmailIdentities";
  if (path == "/v2/email/tags") {
    return m == "POST" ? "TagResource" : m == "DELETE" ? "UntagResource" : "ListTagsForResource";
  }
  if (path == "/v2/email/outbound-custom-verification-emails") return "SendCustomVerificationEmail";
  if (path == kTemplates) {
    return m == "POST" ? "CreateCustomVerificationEmailTemplate"
                       : "ListCustomVerificationEmailTemplates";
  }
  if (starts(path, std::string(kTemplates) + "/")) {
    return get             ? "GetCustomVerificationEmailTemplate"
           : m == "PUT"    ? "UpdateCustomVerificationEmailTemplate"
           : m == "DELETE" ? "DeleteCustomVerificationEmailTemplate"
                           : kOther;
  }
  if (starts(path, "/v1/email/identities/")) return "PutEmailIdentityDkimSigningAttributes";
  if (!starts(path, std::string(kIds) + "/")) return kOther;
  const std::string_view sub = after_id(path, std::string(kIds) + "/");
  if (sub.empty()) return get ? "GetEmailIdentity" : m == "DELETE" ? "DeleteEmailIdentity" : kOther;
  if (sub == "/dkim") return "PutEmailIdentityDkimAttributes";
  if (sub == "/dkim/signing") return "PutEmailIdentityDkimSigningAttributes";
  if (sub == "/mail-from") return "PutEmailIdentityMailFromAttributes";
  return kOther;
}

std::string_view lattice(std::string_view m, std::string_view path) {
  const bool get = m == "GET" || m == "HEAD";
  if (starts(path, "/tags/")) {
    return m == "POST" ? "TagResource" : m == "DELETE" ? "UntagResource" : "ListTagsForResource";
  }
  if (path == "/domainverifications" || path == "/domainverifications/") {
    return m == "POST" ? "StartDomainVerification" : "ListDomainVerifications";
  }
  return get ? "GetDomainVerification" : m == "DELETE" ? "DeleteDomainVerification" : kOther;
}

std::string_view admin(std::string_view m, std::string_view path) {
  if (path == "/_vouch/health") return "health";
  if (path == "/_vouch/claims") return "ListClaims";
  if (path.ends_with("/check")) return "CheckClaim";
  return m == "DELETE" ? "DeleteClaim" : "GetClaim";
}

std::string_view test_route(std::string_view path) {
  if (path == "/_vouch/test/clock") return "clock";
  if (path == "/_vouch/test/run-due-checks") return "run-due-checks";
  if (path == "/_vouch/test/run-due-webhooks") return "run-due-webhooks";
  if (path == "/_vouch/test/reset") return "reset";
  return kOther;
}

}  // namespace

OperationName operation_name(const http::Request& req) {
  const std::string_view path = req.path();
  const std::string_view m = req.method;
  if (path == "/") {
    return {"ses", ses_action(m == "POST" ? std::string_view(req.body) : req.query())};
  }
  if (starts(path, "/v2/email/") || starts(path, "/v1/email/identities/")) {
    return {"sesv2", sesv2(m, path)};
  }
  if (path == "/domainverifications" || starts(path, "/domainverifications/") ||
      starts(path, "/tags/")) {
    return {"lattice", lattice(m, path)};
  }
  if (path == "/_vouch/health" || path == "/_vouch/claims" || starts(path, "/_vouch/claims/")) {
    return {"admin", admin(m, path)};
  }
  if (starts(path, "/_vouch/test/")) return {"test", test_route(path)};
  if (path == "/_vouch/webhooks") {
    return {"admin", m == "POST" ? "CreateWebhook" : "ListWebhooks"};
  }
  if (starts(path, "/_vouch/webhooks/")) return {"admin", "DeleteWebhook"};
  if (path == "/_vouch/verify-email") return {"mail", "verify-email"};
  if (path == "/_aws/ses") return {"mail", "inbox"};
  if (path == "/metrics") return {kOther, "metrics"};
  return {kOther, kOther};
}

}  // namespace vouch::api
