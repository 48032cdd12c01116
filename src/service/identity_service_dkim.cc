// The DKIM half of IdentityService: a domain's 3 tokens live on its identity,
// and each token's CNAME is a claim of its own (kind kSesDkim, subject the
// domain), so the scheduler checks, re-checks and revokes each record like
// any TXT challenge.
#include "service/identity_service.h"

#include <algorithm>
#include <unordered_map>

#include "core/identity.h"
#include "core/status_machine.h"
#include "core/tokens.h"
#include "service/byodkim.h"
#include "service/record_claim.h"
#include "service/update_with_retry.h"

namespace vouch::service {

using core::Claim;
using core::ClaimKind;
using core::ClaimStatus;
using core::ErrorCode;
using core::Result;
using core::Scope;

DkimStatus dkim_status(const std::vector<ClaimStatus>& records) {
  if (records.empty()) return DkimStatus::kNotStarted;
  auto any = [&](ClaimStatus s) {
    return std::find(records.begin(), records.end(), s) != records.end();
  };
  if (any(ClaimStatus::kFailed)) return DkimStatus::kFailed;
  if (any(ClaimStatus::kUnconfirmed)) return DkimStatus::kTemporaryFailure;
  if (any(ClaimStatus::kPending)) return DkimStatus::kPending;
  return DkimStatus::kSuccess;
}

Result<std::vector<std::string>> IdentityService::verify_domain_dkim(const Scope& scope,
                                                                     const std::string& domain) {
  if (auto s = limiter_.admit(scope, "VerifyDomainDkim"); !s.ok()) return s.error();
  auto subject = core::normalize_domain(domain, core::kDkimRecordPrefix);
  if (!subject.ok()) return subject.error();
  auto claim = get_or_create(scope, ClaimKind::kSesDomain, *subject);
  if (!claim.ok()) return claim.error();
  auto updated = update_with_retry(store_, std::move(*claim), [&](Claim& c) {
    if (!c.dkim_tokens.empty()) return false;
    c.dkim_tokens = core::new_dkim_tokens(random_);
    return true;
  });
  if (!updated.ok()) return updated.error();
  // A BYODKIM domain keeps its key: its selector is its one token.
  auto s = is_byodkim(updated->tags) ? ensure_byodkim_claim(*updated)
                                     : ensure_dkim_claims(*updated);
  if (!s.ok()) return s.error();
  return updated->dkim_tokens;
}

core::Status IdentityService::ensure_dkim_claims(const Claim& domain) {
  auto existing = store_.find_claims(domain.scope, ClaimKind::kSesDkim, {domain.subject});
  if (!existing.ok()) return existing.error();
  const auto now = clock_.now();
  for (const auto& token : domain.dkim_tokens) {
    const std::string name = core::dkim_record_name(token, domain.subject);
    auto it = std::find_if(existing->begin(), existing->end(),
                           [&](const Claim& c) { return c.record_name == name; });
    // Like a repeat VerifyDomainIdentity: failed starts over, pending is due now.
    auto s = it != existing->end()
                 ? reopen_record_claim(store_, *it, now)
                 : insert_record_claim(store_, random_, domain, ClaimKind::kSesDkim, name,
                                       core::dkim_target(token), now);
    if (!s.ok()) return s;
  }
  return {};
}

core::Status IdentityService::delete_dkim_claims(const Scope& scope, const std::string& domain,
                                                 ClaimKind kind) {
  auto claims = store_.find_claims(scope, kind, {domain});
  if (!claims.ok()) return claims.error();
  for (const auto& c : *claims) {
    if (auto d = store_.delete_claim(scope, c.id); !d.ok()) return d.error();
  }
  return {};
}

Result<std::unordered_set<std::string>> IdentityService::verified_by_dkim(
    const Scope& scope, const std::vector<const Claim*>& claims) {
  std::unordered_set<std::string> out;
  std::vector<const Claim*> domains;
  for (const Claim* c : claims) {
    if (c->kind == ClaimKind::kSesDomain && c->status != ClaimStatus::kVerified &&
        !c->dkim_tokens.empty()) {
      domains.push_back(c);
    }
  }
  if (domains.empty()) return out;  // the usual case: no extra read
  auto records = find_dkim_records(scope, domains);
  if (!records.ok()) return records.error();
  std::unordered_set<std::string> verified;
  for (const auto& r : *records) {
    if (r.status == ClaimStatus::kVerified) verified.insert(r.record_name);
  }
  for (const Claim* c : claims) {
    if (c->kind != ClaimKind::kSesDomain || c->dkim_tokens.empty()) continue;
    if (std::all_of(c->dkim_tokens.begin(), c->dkim_tokens.end(), [&](const std::string& t) {
          return verified.count(core::dkim_record_name(t, c->subject)) > 0;
        })) {
      out.insert(c->subject);
    }
  }
  return out;
}

Result<std::map<std::string, DkimView>> IdentityService::get_dkim_attributes(
    const Scope& scope, const std::vector<std::string>& identities) {
  // Throttle, size limit, spellings and unknown identities as for verification.
  auto views = get_attributes(scope, identities, "GetIdentityDkimAttributes");
  if (!views.ok()) return views.error();
  std::map<std::string, Claim> domains;  // by name as asked
  std::vector<const Claim*> started;
  for (const auto& [name, view] : *views) {
    Claim& domain = domains[name];
    domain.subject = view.subject;
    if (view.kind == ClaimKind::kSesDomain) domain.dkim_tokens = view.dkim_tokens;
    domain.tags = view.tags;
    if (!domain.dkim_tokens.empty()) started.push_back(&domain);
  }
  std::unordered_map<std::string, ClaimStatus> record_status;
  if (!started.empty()) {
    auto claims = find_dkim_records(scope, started);
    if (!claims.ok()) return claims.error();
    for (const auto& c : *claims) record_status.emplace(c.record_name, c.status);
  }
  std::map<std::string, DkimView> out;
  for (const auto& [name, domain] : domains) out[name] = dkim_view(domain, record_status);
  return out;
}

DkimView IdentityService::dkim_view(const Claim& domain,
                                    const std::unordered_map<std::string, ClaimStatus>& records) {
  DkimView dkim;
  if (domain.dkim_tokens.empty()) return dkim;  // NotStarted (and every email address)
  dkim.tokens = domain.dkim_tokens;
  std::vector<ClaimStatus> statuses;
  for (const auto& t : domain.dkim_tokens) {
    // No claim yet (tokens from before DKIM checks): not looked for, so pending.
    auto it = records.find(core::dkim_record_name(t, domain.subject));
    statuses.push_back(it == records.end() ? ClaimStatus::kPending : it->second);
  }
  dkim.status = dkim_status(statuses);
  dkim.signing_enabled = !domain.tags.count(std::string(kDkimSigningOffTag));
  dkim.external = is_byodkim(domain.tags);
  if (auto it = domain.tags.find(std::string(kDkimKeyBitsTag)); it != domain.tags.end())
    dkim.key_bits = it->second == "1024" ? 1024 : 2048;
  return dkim;
}

}  // namespace vouch::service
