// The MAIL FROM half of IdentityService: a MAIL FROM domain is two claims of
// its identity (kind kSesMailFromMx and kSesMailFromSpf, subject the
// identity, record name the MAIL FROM domain), so the scheduler checks,
// re-checks and revokes them like DKIM's records. BehaviorOnMxFailure lives
// on the identity's own claim: it outlives a cleared MAIL FROM domain.
#include <algorithm>

#include "core/identity.h"
#include "core/status_machine.h"
#include "core/tokens.h"
#include "service/identity_service.h"
#include "service/recorded_update.h"
#include "service/update_with_retry.h"

namespace vouch::service {

using core::Claim;
using core::ClaimKind;
using core::ClaimStatus;
using core::ErrorCode;
using core::Result;
using core::Scope;

namespace {

constexpr ClaimKind kMailFromKinds[] = {ClaimKind::kSesMailFromMx, ClaimKind::kSesMailFromSpf};

// The domain an identity sends from: an address's part after the '@'.
std::string domain_of(const std::string& subject) { return subject.substr(subject.rfind('@') + 1); }

std::string expected_value(ClaimKind kind, const Scope& scope) {
  return kind == ClaimKind::kSesMailFromMx ? core::mail_from_mx_target(scope.region)
                                           : std::string(core::kMailFromSpfInclude);
}

// Both records' claims of the identities `subjects`.
Result<std::vector<Claim>> mail_from_claims(core::Store& store, const Scope& scope,
                                            const std::vector<std::string>& subjects) {
  std::vector<Claim> out;
  for (ClaimKind kind : kMailFromKinds) {
    auto claims = store.find_claims(scope, kind, subjects);
    if (!claims.ok()) return claims.error();
    std::move(claims->begin(), claims->end(), std::back_inserter(out));
  }
  return out;
}

// The view of one identity's MAIL FROM from its claims (any identities').
MailFromView view_of(const std::string& subject, bool reject, const std::vector<Claim>& claims) {
  MailFromView v;
  v.reject_on_mx_failure = reject;
  std::vector<ClaimStatus> statuses;
  for (const auto& c : claims) {
    if (c.subject != subject) continue;
    v.domain = c.record_name;
    statuses.push_back(c.status);
  }
  if (!v.domain.empty()) v.status = mail_from_status(statuses);
  return v;
}

}  // namespace

MailFromStatus mail_from_status(const std::vector<ClaimStatus>& records) {
  switch (dkim_status(records)) {  // the same aggregate, without NotStarted
    case DkimStatus::kSuccess: return MailFromStatus::kSuccess;
    case DkimStatus::kFailed: return MailFromStatus::kFailed;
    case DkimStatus::kTemporaryFailure: return MailFromStatus::kTemporaryFailure;
    case DkimStatus::kNotStarted:
    case DkimStatus::kPending: return MailFromStatus::kPending;
  }
  return MailFromStatus::kPending;
}

core::Status IdentityService::set_mail_from(const Scope& scope, const std::string& identity,
                                            const std::string& mail_from, bool reject,
                                            const std::string& operation) {
  if (auto s = limiter_.admit(scope, operation); !s.ok()) return s;
  const bool v2 = operation == "PutEmailIdentityMailFromAttributes";
  const auto missing = core::not_found(
      (v2 ? "Email identity " : "Identity ") + identity + " does not exist.", identity);
  auto subject = core::normalize_identity(identity);
  if (!subject.ok()) return missing;
  auto found = store_.find_identity(scope, *subject);
  if (!found.ok()) return found.error();
  if (!*found) return missing;
  std::string domain;
  if (!mail_from.empty()) {
    auto normalized = core::normalize_domain(mail_from);
    if (!normalized.ok()) return normalized.error();
    const std::string parent = domain_of(*subject);
    const bool below = normalized->size() > parent.size() + 1 &&
                       normalized->ends_with("." + parent);
    if (!below) {
      return core::invalid_argument("Provided MAIL-FROM domain <" + mail_from +
                                        "> is not subdomain of the domain of the identity <" +
                                        parent + ">.",
                                    "MailFromDomain");
    }
    domain = std::move(*normalized);
  }
  auto updated = update_with_retry(store_, std::move(**found), [&](Claim& c) {
    if (c.reject_on_mx_failure == reject) return false;
    c.reject_on_mx_failure = reject;
    return true;
  });
  if (!updated.ok()) return updated.error();
  auto existing = mail_from_claims(store_, scope, {*subject});
  if (!existing.ok()) return existing.error();
  const auto now = clock_.now();
  for (ClaimKind kind : kMailFromKinds) {
    const auto policy = core::policy_for(kind);
    auto it = std::find_if(existing->begin(), existing->end(),
                           [&](const Claim& c) { return c.kind == kind; });
    if (it != existing->end() && it->record_name == domain) {
      // Set again: a failed record starts over, as a repeat Verify does.
      auto reopened = update_recording_status(store_, *it, now, [&](Claim& c) {
        if (c.status != ClaimStatus::kFailed) return false;
        c = core::restart(policy, std::move(c), now);
        return true;
      });
      if (!reopened.ok()) return reopened.error();
      continue;
    }
    if (it != existing->end()) {  // another domain, or cleared
      auto d = store_.delete_claim(scope, it->id);
      if (!d.ok() && d.error().code != ErrorCode::kNotFound) return d.error();
    }
    if (domain.empty()) continue;
    Claim c;
    c.id = core::new_ses_claim_id(random_);
    c.scope = scope;
    c.kind = kind;
    c.subject = *subject;
    c.record_name = domain;
    c.token = expected_value(kind, scope);
    c.created_at = now;
    auto inserted = store_.insert_claim(core::restart(policy, std::move(c), now));
    if (!inserted.ok() && inserted.error().code != ErrorCode::kConflict) return inserted.error();
  }
  return {};
}

Result<std::map<std::string, MailFromView>> IdentityService::get_mail_from_attributes(
    const Scope& scope, const std::vector<std::string>& identities) {
  // Throttle, size limit, spellings and unknown identities as for verification.
  std::vector<std::tuple<std::string, std::string, bool>> found;  // name, subject, reject
  auto s = with_attributes(scope, identities, "GetIdentityMailFromDomainAttributes",
                           [&](const std::vector<IdentityAttributes>& attrs) {
                             for (const auto& a : attrs) {
                               found.emplace_back(std::string(a.name), std::string(a.subject),
                                                  a.reject_on_mx_failure);
                             }
                           });
  if (!s.ok()) return s.error();
  std::vector<std::string> subjects;
  for (const auto& [name, subject, reject] : found) subjects.push_back(subject);
  std::map<std::string, MailFromView> out;
  if (subjects.empty()) return out;
  auto claims = mail_from_claims(store_, scope, subjects);
  if (!claims.ok()) return claims.error();
  for (const auto& [name, subject, reject] : found) out[name] = view_of(subject, reject, *claims);
  return out;
}

Result<MailFromView> IdentityService::mail_from_of(const Claim& identity) {
  auto claims = mail_from_claims(store_, identity.scope, {identity.subject});
  if (!claims.ok()) return claims.error();
  return view_of(identity.subject, identity.reject_on_mx_failure, *claims);
}

core::Status IdentityService::delete_mail_from_claims(const Scope& scope,
                                                      const std::string& subject) {
  auto claims = mail_from_claims(store_, scope, {subject});
  if (!claims.ok()) return claims.error();
  for (const auto& c : *claims) {
    auto d = store_.delete_claim(scope, c.id);
    if (!d.ok() && d.error().code != ErrorCode::kNotFound) return d.error();
  }
  return {};
}

}  // namespace vouch::service
