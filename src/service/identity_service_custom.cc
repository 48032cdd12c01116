// Custom verification email on the identities (SES SendCustomVerificationEmail):
// the same email identity VerifyEmailIdentity creates, another message, and a
// link whose click redirects to the template's URLs.
#include <array>

#include "core/encoding.h"
#include "core/identity.h"
#include "core/status_machine.h"
#include "service/identity_service.h"

namespace vouch::service {

using core::Claim;
using core::ClaimStatus;
using core::Result;
using core::Scope;

Result<std::string> IdentityService::send_custom_verification(const Scope& scope,
                                                              const std::string& email,
                                                              const mail::CustomMail& custom) {
  if (auto st = start_email(scope, email, &custom); !st.ok()) return st.error();
  // AWS answers a MessageId even when nothing new goes out (a verified
  // address, or a repeat inside the cooldown).
  std::array<uint8_t, 16> bytes{};
  random_.fill(bytes);
  return core::hex_encode(bytes);
}

Result<bool> IdentityService::may_send_from(const Scope& scope, const std::string& address) {
  auto subject = core::normalize_email(address);
  if (!subject.ok()) return false;
  const std::string domain = subject->substr(subject->rfind('@') + 1);
  auto found = store_.find_identities(scope, {*subject, domain});
  if (!found.ok()) return found.error();
  const auto now = clock_.now();
  std::vector<const Claim*> claims;
  for (const auto& c : *found) {
    if (core::status_at(core::policy_for(c.kind), c, now) == ClaimStatus::kVerified) return true;
    claims.push_back(&c);
  }
  auto by_dkim = verified_by_dkim(scope, claims);
  if (!by_dkim.ok()) return by_dkim.error();
  return by_dkim->count(domain) > 0;
}

bool IdentityService::is_custom_link(const std::string& token) const {
  if (!mail_ || !mail_->links) return false;
  auto link = mail_->links->decode(token);
  return link && !link->template_name.empty();
}

Result<ConfirmResult> IdentityService::follow_custom_link(const std::string& token) {
  auto link = mail_ && mail_->links ? mail_->links->decode(token) : std::nullopt;
  if (!link || link->template_name.empty()) return ConfirmResult{ConfirmOutcome::kInvalid, {}, {}};
  auto result = confirm_email(token);
  if (!result.ok()) return result;
  // The template (and so its URLs) comes from the signed link and the
  // claim's scope, never from the request: no open redirect.
  auto claim = store_.get_claim_by_id(link->claim_id);
  if (!claim.ok()) return claim.error();
  if (!*claim) return result;  // deleted: nothing names the scope
  auto tmpl = store_.get_template((*claim)->scope, link->template_name);
  if (!tmpl.ok()) return tmpl.error();
  if (*tmpl) {
    result->redirect = result->outcome == ConfirmOutcome::kVerified ? (*tmpl)->success_url
                                                                    : (*tmpl)->failure_url;
  }
  return result;
}

}  // namespace vouch::service
