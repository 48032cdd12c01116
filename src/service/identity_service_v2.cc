// SES v2's verbs over the identities v1 keeps (one store per account and
// Region): Create refuses an existing identity where v1 Verify repeats, Delete
// of an unknown one is NotFound, tags live on the identity claim, and a
// created domain starts Easy DKIM at once. A v2 domain keeps its v1 TXT
// token too: either the TXT record or all three DKIM CNAMEs verify it.
#include <algorithm>

#include "core/arn.h"
#include "core/identity.h"
#include "core/status_machine.h"
#include "core/tags.h"
#include "core/tokens.h"
#include "service/byodkim.h"
#include "service/identity_service.h"
#include "service/update_with_retry.h"
#include "service/verification_info.h"

namespace vouch::service {

using core::Claim;
using core::ClaimKind;
using core::ClaimStatus;
using core::Error;
using core::ErrorCode;
using core::Result;
using core::Scope;

namespace {

constexpr int kDefaultPageSize = 100;
constexpr int kMaxPageSize = 1000;
constexpr std::string_view kArnResource = "identity/";

Error missing(const std::string& identity) {
  return core::not_found("Email identity " + identity + " does not exist.", identity);
}

void latest(std::optional<core::TimePoint>& into, const std::optional<core::TimePoint>& t) {
  if (t && (!into || *t > *into)) into = t;
}

}  // namespace

Result<EmailIdentity> IdentityService::email_identity_of(const Claim& c,
                                                         std::vector<Claim>* dkim_records) {
  EmailIdentity out;
  out.name = c.subject;
  out.kind = c.kind;
  out.status = core::status_at(core::policy_for(c.kind), c, clock_.now());
  out.tags = core::user_tags(c.tags);
  out.last_success = c.last_verified_at;
  auto mail_from = mail_from_of(c);
  if (!mail_from.ok()) return mail_from.error();
  out.mail_from = std::move(*mail_from);
  // An address signs with its domain's keys: it shows the domain's DKIM
  // when that domain is an identity (as AWS does), and nothing else of it.
  const Claim* domain = &c;
  std::optional<Claim> parent;
  if (c.kind != ClaimKind::kSesDomain) {
    auto found = store_.find_identity(c.scope, c.subject.substr(c.subject.rfind('@') + 1));
    if (!found.ok()) return found.error();
    parent = std::move(*found);
    domain = parent ? &*parent : nullptr;
  }
  if (!domain || domain->dkim_tokens.empty()) return out;
  auto records = find_dkim_records(c.scope, {domain});
  if (!records.ok()) return records.error();
  std::unordered_map<std::string, ClaimStatus> by_name;
  std::optional<core::TimePoint> dkim_success;
  for (const auto& r : *records) {
    by_name.emplace(r.record_name, r.status);
    latest(dkim_success, r.last_verified_at);
  }
  out.dkim = dkim_view(*domain, by_name);
  out.dkim_keys_at = domain->created_at;  // no separate time is kept for the keys
  // All DKIM records seen verify the domain, as on AWS (and as v1 reports it).
  if (c.kind == ClaimKind::kSesDomain && out.dkim.status == DkimStatus::kSuccess) {
    out.status = ClaimStatus::kVerified;
    latest(out.last_success, dkim_success);
  }
  if (dkim_records) *dkim_records = std::move(*records);
  return out;
}

Result<EmailIdentity> IdentityService::create_email_identity(const Scope& scope,
                                                             CreateEmailIdentityRequest req) {
  if (auto s = limiter_.admit(scope, "CreateEmailIdentity"); !s.ok()) return s.error();
  const bool email = core::looks_like_email(req.identity);
  auto subject = email ? core::normalize_email(req.identity)
                       : core::normalize_domain(req.identity, core::kDkimRecordPrefix);
  if (!subject.ok()) return subject.error();
  if (auto s = core::validate_tags(req.tags, "Tags"); !s.ok()) return s.error();
  if (req.key_bits != 1024 && req.key_bits != 2048)
    return core::invalid_argument("Invalid DKIM key length.", "NextSigningKeyLength");
  std::optional<ByoDkimKey> byo;
  if (req.byodkim) {
    if (email)
      return core::invalid_argument(
          "DkimSigningAttributes can only be specified for a domain identity.",
          "DkimSigningAttributes");
    auto key = read_byodkim(*req.byodkim, *subject);
    if (!key.ok()) return key.error();
    byo = std::move(*key);
  }
  const Error exists{
      ErrorCode::kConflict, "Email identity " + req.identity + " already exist.", req.identity, {}};
  auto found = store_.find_identity(scope, *subject);
  if (!found.ok()) return found.error();
  if (*found) return exists;
  auto fresh = new_claim(scope, email ? ClaimKind::kSesEmail : ClaimKind::kSesDomain, *subject);
  if (!fresh.ok()) return fresh.error();
  fresh->tags = std::move(req.tags);
  if (byo) {
    set_byodkim(*fresh, *byo);
  } else if (!email) {
    fresh->dkim_tokens = core::new_dkim_tokens(random_);
    if (req.key_bits == 1024) fresh->tags[std::string(kDkimKeyBitsTag)] = "1024";
  }
  auto inserted = insert_identity(std::move(*fresh));
  if (!inserted.ok()) {
    if (inserted.error().code == ErrorCode::kConflict) return exists;  // a concurrent create won
    return inserted.error();
  }
  if (email) {
    if (auto s = queue_mail(*inserted, true); !s.ok()) return s.error();
  } else if (auto s = byo ? ensure_byodkim_claim(*inserted) : ensure_dkim_claims(*inserted);
             !s.ok()) {
    return s.error();
  }
  return email_identity_of(*inserted);
}

Result<EmailIdentity> IdentityService::get_email_identity(const Scope& scope,
                                                          const std::string& identity) {
  if (auto s = limiter_.admit(scope, "GetEmailIdentity"); !s.ok()) return s.error();
  auto subject = core::normalize_identity(identity);
  if (!subject.ok()) return missing(identity);  // nothing by that name can exist
  auto found = store_.find_identity(scope, *subject);
  if (!found.ok()) return found.error();
  if (!*found) return missing(identity);
  std::vector<Claim> records;
  auto out = email_identity_of(**found, &records);
  if (!out.ok()) return out;
  // An Easy DKIM domain's records are the ones its info reads: not twice.
  const bool easy_dkim = (*found)->kind == ClaimKind::kSesDomain && !is_byodkim((*found)->tags);
  auto info = read_verification_info(store_, **found, out->status, out->last_success,
                                     easy_dkim ? &records : nullptr);
  if (!info.ok()) return info.error();
  out->verification = std::move(*info);
  return out;
}

Result<EmailIdentityPage> IdentityService::list_email_identities(
    const Scope& scope, std::optional<int> page_size, const std::optional<std::string>& next_token,
    const EmailIdentityFilter& filter) {
  if (auto s = limiter_.admit(scope, "ListEmailIdentities"); !s.ok()) return s.error();
  // The model allows 0..1000; 0 reads as "the default".
  int limit = page_size.value_or(0);
  if (limit < 0 || limit > kMaxPageSize)
    return core::invalid_argument("PageSize must be between 0 and 1000.", "PageSize");
  if (limit == 0) limit = kDefaultPageSize;
  const size_t want = static_cast<size_t>(limit) + 1;  // one more tells whether a page follows
  core::ListQuery q{scope, {ClaimKind::kSesDomain, ClaimKind::kSesEmail}, 0, want};
  if (filter.kind) q.kinds = {*filter.kind};
  if (next_token) {
    auto after = tokens_.decode(scope, "sesv2:identities", *next_token);
    if (!after) return core::invalid_argument("Invalid NextToken.", "NextToken");
    q.after_seq = *after;
  }
  EmailIdentityPage page;
  std::vector<int64_t> seqs;
  const auto now = clock_.now();
  // A filter may skip rows: read on until the page is full or the rows end.
  while (!filter.match_none && page.items.size() < want) {
    auto rows = store_.list_claims(q);
    if (!rows.ok()) return rows.error();
    std::vector<const Claim*> claims;
    for (const auto& c : *rows) claims.push_back(&c);
    auto by_dkim = verified_by_dkim(scope, claims);
    if (!by_dkim.ok()) return by_dkim.error();
    for (const auto& c : *rows) {
      auto status = core::status_at(core::policy_for(c.kind), c, now);
      if (by_dkim->count(c.subject)) status = ClaimStatus::kVerified;
      if (filter.status && status != *filter.status) continue;
      if (c.subject.find(filter.name_contains) == std::string::npos) continue;
      page.items.push_back({c.subject, c.kind, status});
      seqs.push_back(c.seq);
      if (page.items.size() == want) break;
    }
    if (rows->size() < q.limit) break;
    q.after_seq = rows->back().seq;
  }
  if (page.items.size() == want) {
    page.items.pop_back();
    page.next_token = tokens_.encode(scope, "sesv2:identities", seqs[page.items.size() - 1]);
  }
  return page;
}

core::Status IdentityService::delete_email_identity(const Scope& scope,
                                                    const std::string& identity) {
  if (auto s = limiter_.admit(scope, "DeleteEmailIdentity"); !s.ok()) return s;
  auto subject = core::normalize_identity(identity);
  if (!subject.ok()) return missing(identity);
  auto removed = remove_identity(scope, *subject);
  if (!removed.ok()) return removed.error();
  if (!*removed) return missing(identity);
  return {};
}

core::Status IdentityService::put_dkim_signing(const Scope& scope, const std::string& identity,
                                               bool enabled) {
  if (auto s = limiter_.admit(scope, "PutEmailIdentityDkimAttributes"); !s.ok()) return s;
  // AWS answers an identity without DKIM (or none at all) with BadRequest.
  const Error not_dkim = core::invalid_argument("Domain " + identity +
                                                " is not verified for DKIM signing.");
  auto subject = core::normalize_identity(identity);
  if (!subject.ok()) return not_dkim;
  if (core::looks_like_email(*subject)) {
    // An address signs with its domain's keys: a no-op when that domain is an identity.
    auto domain = store_.find_identity(scope, subject->substr(subject->rfind('@') + 1));
    if (!domain.ok()) return domain.error();
    if (*domain && !(*domain)->dkim_tokens.empty()) return {};
    return not_dkim;
  }
  auto found = store_.find_identity(scope, *subject);
  if (!found.ok()) return found.error();
  if (!*found || (*found)->dkim_tokens.empty()) return not_dkim;
  const std::string off(kDkimSigningOffTag);
  auto updated = update_with_retry(store_, std::move(**found), [&](Claim& c) {
    if (enabled == !c.tags.count(off)) return false;
    if (enabled) c.tags.erase(off);
    else c.tags[off] = "true";
    return true;
  });
  if (!updated.ok()) return updated.error();
  return {};
}

Result<Claim> IdentityService::find_by_arn(const Scope& scope, const std::string& arn) {
  auto parsed = core::parse_arn(arn);
  if (!parsed || parsed->service != "ses" || parsed->resource.rfind(kArnResource, 0) != 0 ||
      parsed->resource.size() == kArnResource.size()) {
    return core::invalid_argument("Invalid ResourceArn " + arn + ".", "ResourceArn");
  }
  const std::string name = parsed->resource.substr(kArnResource.size());
  // Another account's or Region's identity is not this caller's to see.
  if (parsed->region != scope.region || parsed->account_id != scope.account_id)
    return missing(name);
  auto subject = core::normalize_identity(name);
  if (!subject.ok()) return missing(name);
  auto found = store_.find_identity(scope, *subject);
  if (!found.ok()) return found.error();
  if (!*found) return missing(name);
  return std::move(**found);
}

Result<Claim> IdentityService::update_by_arn(const Scope& scope, const std::string& arn,
                                             const std::function<core::Status(Claim&)>& change) {
  for (int i = 0; i < kCasRetries; ++i) {
    auto claim = find_by_arn(scope, arn);
    if (!claim.ok()) return claim;
    if (auto s = change(*claim); !s.ok()) return s.error();
    auto updated = store_.update_claim(std::move(*claim));
    if (updated.ok() || updated.error().code != ErrorCode::kAborted) return updated;
  }
  return Error{ErrorCode::kUnavailable, "identity is busy, retry", {}, {}};
}

core::Status IdentityService::tag_identity(const Scope& scope, const std::string& arn,
                                           const core::Tags& tags) {
  if (auto s = limiter_.admit(scope, "ses:TagResource"); !s.ok()) return s;
  if (auto s = core::validate_tags(tags, "Tags"); !s.ok()) return s;
  auto r = update_by_arn(scope, arn,
                         [&](Claim& c) { return core::merge_tags(c.tags, tags, "Tags"); });
  if (!r.ok()) return r.error();
  return {};
}

core::Status IdentityService::untag_identity(const Scope& scope, const std::string& arn,
                                             const std::vector<std::string>& keys) {
  if (auto s = limiter_.admit(scope, "ses:UntagResource"); !s.ok()) return s;
  if (auto s = core::validate_tag_keys(keys, "TagKeys"); !s.ok()) return s;
  auto r = update_by_arn(scope, arn, [&](Claim& c) -> core::Status {
    for (const auto& k : keys) c.tags.erase(k);  // "aws:" keys were refused above
    return {};
  });
  if (!r.ok()) return r.error();
  return {};
}

Result<core::Tags> IdentityService::identity_tags(const Scope& scope, const std::string& arn) {
  if (auto s = limiter_.admit(scope, "ses:ListTagsForResource"); !s.ok()) return s.error();
  auto claim = find_by_arn(scope, arn);
  if (!claim.ok()) return claim.error();
  return core::user_tags(claim->tags);
}

}  // namespace vouch::service
