#include "service/identity_service.h"

#include <algorithm>
#include <array>
#include <string_view>
#include <unordered_map>

#include "core/auto_verify.h"
#include "core/claim_log.h"
#include "core/identity.h"
#include "core/status_machine.h"
#include "core/encoding.h"
#include "core/tokens.h"
#include "mail/verification_mail.h"
#include "service/recorded_update.h"

namespace vouch::service {

using core::Claim;
using core::ClaimKind;
using core::ClaimStatus;
using core::Error;
using core::ErrorCode;
using core::Result;
using core::Scope;

namespace {

constexpr int kMaxListItems = 1000;

// A fresh link nonce: links carry it, the claim keeps it, a click consumes it.
std::string new_nonce(core::Random& r) {
  std::array<uint8_t, 16> bytes{};
  r.fill(bytes);
  return core::hex_encode(bytes);
}

std::vector<ClaimKind> kinds_for(IdentityType t) {
  switch (t) {
    case IdentityType::kDomain: return {ClaimKind::kSesDomain};
    case IdentityType::kEmailAddress: return {ClaimKind::kSesEmail};
    case IdentityType::kAny: break;
  }
  return {ClaimKind::kSesDomain, ClaimKind::kSesEmail};
}

const char* listing_name(IdentityType t) {
  switch (t) {
    case IdentityType::kDomain: return "ses:Domain";
    case IdentityType::kEmailAddress: return "ses:EmailAddress";
    case IdentityType::kAny: break;
  }
  return "ses:*";
}

}  // namespace

IdentityService::IdentityService(core::Store& store, const core::Clock& clock, core::Random& random,
                                 RateLimiter& limiter, const PageTokens& tokens,
                                 IdentityOptions options)
    : store_(store),
      clock_(clock),
      random_(random),
      limiter_(limiter),
      tokens_(tokens),
      options_(options) {}

Result<Claim> IdentityService::new_claim(const Scope& scope, ClaimKind kind,
                                         const std::string& subject) {
  const auto now = clock_.now();
  Claim c;
  c.id = core::new_ses_claim_id(random_);
  c.scope = scope;
  c.kind = kind;
  c.subject = subject;
  c.created_at = now;
  if (kind == ClaimKind::kSesDomain) {
    c.record_name = std::string(core::kSesTxtPrefix) + subject;
    c.token = core::new_ses_token(random_);
  } else {
    c.token = new_nonce(random_);
  }
  c = core::restart(core::policy_for(kind), std::move(c), now);
  if (kind == ClaimKind::kSesEmail && core::auto_verify_match(c, options_.auto_verify_suffixes))
    c.next_check_at = now;
  return c;
}

Result<Claim> IdentityService::insert_identity(Claim fresh, bool existing) {
  // The quota is counted and the identity inserted in one transaction, so
  // concurrent creates (on any node) cannot pass it together.
  core::CreateRules rules;
  rules.quota = options_.max_identities;
  rules.quota_kinds = kinds_for(IdentityType::kAny);
  rules.one_live_per_subject = false;  // SES subjects are unique per scope anyway
  rules.existing_identity = existing;
  rules.now = clock_.now();
  auto created = store_.create_claim_once(std::move(fresh), std::nullopt, rules);
  if (!created.ok()) return created.error();
  if (created->outcome == core::CreateOutcome::kQuotaExceeded) {
    return Error{
        ErrorCode::kQuotaExceeded,
        "Maximum number of identities (" + std::to_string(options_.max_identities) + ") reached.",
        {},
        {}};
  }
  return std::move(created->claim);
}

Result<Claim> IdentityService::get_or_create(const Scope& scope, ClaimKind kind,
                                             const std::string& subject) {
  // No read first: the create answers with the identity it finds in its way
  // (on PostgreSQL a new identity is one batched statement, under a quota
  // one batched transaction, instead of a read and then an insert).
  for (int i = 0; i < kCasRetries; ++i) {
    auto fresh = new_claim(scope, kind, subject);
    if (!fresh.ok()) return fresh;
    auto inserted = insert_identity(std::move(*fresh), true);
    // Its identity deleted again since the insert found it: try again.
    if (!inserted.ok() && inserted.error().code == ErrorCode::kConflict) continue;
    return inserted;
  }
  return Error{ErrorCode::kUnavailable, "identity is busy, retry", {}, {}};
}

Result<Claim> IdentityService::reopen_if_failed(Claim claim) {
  const auto now = clock_.now();
  const auto policy = core::policy_for(claim.kind);
  return update_recording_status(store_, std::move(claim), now, [&](Claim& c) {
    Claim effective = core::apply_time(policy, c, now);
    if (effective.status == ClaimStatus::kFailed) {
      c = core::restart(policy, std::move(c), now);
      if (c.kind == ClaimKind::kSesEmail) c.token = new_nonce(random_);  // old links die
      return true;
    }
    // A repeat Verify of a pending domain makes it due at once.
    if (c.kind == ClaimKind::kSesDomain && c.status == ClaimStatus::kPending &&
        (!c.next_check_at || *c.next_check_at > now)) {
      c.next_check_at = now;
      return true;
    }
    return false;
  });
}

Result<std::string> IdentityService::verify_domain(const Scope& scope, const std::string& domain) {
  if (auto s = limiter_.admit(scope, "VerifyDomainIdentity"); !s.ok()) return s.error();
  auto subject = core::normalize_domain(domain, core::kSesTxtPrefix.size());
  if (!subject.ok()) return subject.error();
  auto claim = get_or_create(scope, ClaimKind::kSesDomain, *subject);
  if (!claim.ok()) return claim.error();
  auto reopened = reopen_if_failed(std::move(*claim));
  if (!reopened.ok()) return reopened.error();
  return reopened->token;
}

core::Status IdentityService::verify_email(const Scope& scope, const std::string& email,
                                           const std::string& operation) {
  if (auto s = limiter_.admit(scope, operation); !s.ok()) return s;
  return start_email(scope, email, nullptr);
}

core::Status IdentityService::start_email(const Scope& scope, const std::string& email,
                                          const mail::CustomMail* custom) {
  auto subject = core::normalize_email(email);
  if (!subject.ok()) return subject.error();
  auto claim = get_or_create(scope, ClaimKind::kSesEmail, *subject);
  if (!claim.ok()) return claim.error();
  const std::string nonce = claim->token;
  auto reopened = reopen_if_failed(std::move(*claim));
  if (!reopened.ok()) return reopened.error();
  // New, pending or just reopened: (re)send. Verified addresses get nothing.
  // A reopened identity's new nonce killed every link already sent, so its
  // mail skips the cooldown (at most once per 24 h window per identity).
  if (reopened->status == ClaimStatus::kPending)
    return queue_mail(*reopened, reopened->token == nonce, custom);
  return {};
}

core::Status IdentityService::queue_mail(const Claim& claim, bool cooldown,
                                         const mail::CustomMail* custom) {
  if (!mail_ || !mail_->links) return {};
  std::lock_guard lock(mail_mu_);
  const auto now = (mail_->wall ? *mail_->wall : clock_).now();
  if (cooldown && mail_->cooldown.count() > 0) {
    auto last = store_.last_mail_to(claim.scope, claim.subject);
    if (!last.ok()) return last.error();
    // Within the cooldown a repeat answers as AWS does but sends nothing new.
    if (*last && now < **last + mail_->cooldown) return {};
  }
  const auto expires =
      std::chrono::duration_cast<std::chrono::seconds>(claim.deadline.time_since_epoch()).count();
  const std::string link = mail_->public_url + "/_vouch/verify-email?token=" +
                           mail_->links->encode({claim.id, claim.token, expires,
                                                 custom ? custom->template_name : ""});
  auto queued = store_.enqueue_mail(custom
                                        ? mail::custom_verification_mail(claim, *custom, link, now)
                                        : mail::verification_mail(claim, mail_->from, link, now));
  if (!queued.ok()) return queued.error();
  if (mail_->queued) mail_->queued();
  return {};
}

Result<ConfirmResult> IdentityService::link_state(const std::string& token, Claim* claim) {
  if (!mail_ || !mail_->links) return ConfirmResult{ConfirmOutcome::kInvalid, {}};
  auto link = mail_->links->decode(token);
  if (!link) return ConfirmResult{ConfirmOutcome::kInvalid, {}};
  auto found = store_.get_claim_by_id(link->claim_id);
  if (!found.ok()) return found.error();
  // Deleted, or a link from an earlier window: it no longer means anything.
  if (!*found || (*found)->kind != ClaimKind::kSesEmail) {
    return ConfirmResult{ConfirmOutcome::kInvalid, {}};
  }
  Claim& c = **found;
  if (c.status == ClaimStatus::kVerified)
    return ConfirmResult{ConfirmOutcome::kAlreadyVerified, c.subject};
  if (c.token != link->nonce) return ConfirmResult{ConfirmOutcome::kInvalid, c.subject};
  if (core::apply_time(core::policy_for(c.kind), c, clock_.now()).status == ClaimStatus::kFailed) {
    return ConfirmResult{ConfirmOutcome::kExpired, c.subject};
  }
  std::string address = c.subject;
  if (claim) *claim = std::move(c);
  return ConfirmResult{ConfirmOutcome::kConfirmable, std::move(address)};
}

Result<ConfirmResult> IdentityService::inspect_email_link(const std::string& token) {
  return link_state(token, nullptr);
}

Result<ConfirmResult> IdentityService::confirm_email(const std::string& token) {
  for (int i = 0; i < kCasRetries; ++i) {
    Claim c;
    auto state = link_state(token, &c);
    if (!state.ok() || state->outcome != ConfirmOutcome::kConfirmable) return state;
    const auto now = clock_.now();
    const ClaimStatus from = c.status;
    Claim next = core::apply_check(core::policy_for(c.kind), c, core::CheckOutcome::kFound, now);
    next.token.clear();          // single use
    next.next_check_at.reset();  // nothing left to check for an address
    auto recorded = store_.record_check(std::move(next), "{\"outcome\":\"found\",\"via\":\"link\"}",
                                        core::StatusChange{now, from, ClaimStatus::kVerified});
    if (recorded.ok()) core::log_status_change(c, {now, from, ClaimStatus::kVerified});
    if (recorded.ok()) return ConfirmResult{ConfirmOutcome::kVerified, c.subject};
    if (recorded.error().code != ErrorCode::kAborted) return recorded.error();
  }
  return Error{ErrorCode::kUnavailable, "identity is busy, retry", {}, {}};
}

Result<IdentityService::AttributesRead> IdentityService::attributes_read(
    const Scope& scope, const std::vector<std::string>& identities, const std::string& operation) {
  if (auto s = limiter_.admit(scope, operation); !s.ok()) return s.error();
  if (identities.size() > options_.max_per_call) {
    return core::invalid_argument("Too many identities in the request. The maximum is " +
                                  std::to_string(options_.max_per_call) + ".");
  }
  AttributesRead read{{}, {}, clock_.now()};
  // Several spellings may name one identity; answer each as it was asked.
  // (subject, index of the asked name), sorted by subject to match claims.
  read.asked.reserve(identities.size());
  for (size_t i = 0; i < identities.size(); ++i) {
    auto subject = core::normalize_identity(identities[i]);
    if (subject.ok()) read.asked.emplace_back(std::move(*subject), i);  // else it cannot exist
  }
  std::sort(read.asked.begin(), read.asked.end());
  read.subjects.reserve(read.asked.size());
  for (const auto& [subject, i] : read.asked) {
    if (read.subjects.empty() || read.subjects.back() != subject) read.subjects.push_back(subject);
  }
  return read;
}

core::Status IdentityService::answer_attributes(const Scope& scope,
                                                const std::vector<std::string>& identities,
                                                const AttributesRead& read,
                                                const std::vector<const Claim*>& claims,
                                                const AttributesFn& fn) {
  auto by_dkim = verified_by_dkim(scope, claims);
  if (!by_dkim.ok()) return by_dkim.error();
  const auto& asked = read.asked;
  std::vector<IdentityAttributes> out;
  out.reserve(asked.size());
  for (const Claim* c : claims) {
    auto status = core::status_at(core::policy_for(c->kind), *c, read.now);
    if (by_dkim->count(c->subject)) status = ClaimStatus::kVerified;
    // An email claim's token is its secret link nonce: never part of a view.
    const std::string_view token = c->kind == ClaimKind::kSesDomain ? c->token : std::string_view();
    auto it = std::lower_bound(asked.begin(), asked.end(), c->subject,
                               [](const auto& a, const std::string& s) { return a.first < s; });
    for (; it != asked.end() && it->first == c->subject; ++it) {
      out.push_back({identities[it->second], status, c->kind, c->subject, token, &c->dkim_tokens,
                     &c->tags, c->reject_on_mx_failure});
    }
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  out.erase(std::unique(out.begin(), out.end(),
                        [](const auto& a, const auto& b) { return a.name == b.name; }),
            out.end());
  fn(out);
  return {};
}

core::Status IdentityService::with_attributes(const Scope& scope,
                                              const std::vector<std::string>& identities,
                                              const std::string& operation,
                                              const AttributesFn& fn) {
  auto read = attributes_read(scope, identities, operation);
  if (!read.ok()) return read.error();
  core::Status answered;
  auto st = store_.with_identities(
      scope, read->subjects, [&](const std::vector<const Claim*>& claims) {
        answered = answer_attributes(scope, identities, *read, claims, fn);
      });
  if (!st.ok()) return st;
  return answered;
}

void IdentityService::with_attributes_later(const Scope& scope, std::vector<std::string> identities,
                                            const std::string& operation, AttributesDone done) {
  auto read = attributes_read(scope, identities, operation);
  if (!read.ok()) return done(read.error(), {});
  std::vector<std::string> subjects(read->subjects.begin(), read->subjects.end());
  read->subjects.clear();  // views, which a copy of the callback would leave dangling
  store_.with_identities_later(
      scope, std::move(subjects),
      [this, scope, identities = std::move(identities), read = std::move(*read),
       done = std::move(done)](const core::Status& st, const std::vector<const Claim*>& claims) {
        if (!st.ok()) return done(st, {});
        bool called = false;
        auto answered = answer_attributes(scope, identities, read, claims, [&](const auto& attrs) {
          called = true;
          done({}, attrs);
        });
        if (!called) done(answered, {});
      });
}

bool IdentityService::queues_attributes_read(size_t n) const {
  return store_.queues_identity_read(n);
}

Result<std::map<std::string, IdentityView>> IdentityService::get_attributes(
    const Scope& scope, const std::vector<std::string>& identities, const std::string& operation) {
  std::map<std::string, IdentityView> out;
  auto s = with_attributes(
      scope, identities, operation, [&](const std::vector<IdentityAttributes>& attrs) {
        for (const auto& a : attrs) {
          out.emplace(std::string(a.name),
                      IdentityView{a.status, a.kind, std::string(a.subject), std::string(a.token),
                                   *a.dkim_tokens, *a.tags});
        }
      });
  if (!s.ok()) return s.error();
  return out;
}

Result<IdentityPage> IdentityService::list(const Scope& scope, IdentityType type,
                                           std::optional<int> max_items,
                                           const std::optional<std::string>& next_token) {
  if (auto s = limiter_.admit(scope, "ListIdentities"); !s.ok()) return s.error();
  int limit = max_items.value_or(kMaxListItems);
  if (limit < 1 || limit > kMaxListItems) {
    return core::invalid_argument("MaxItems must be between 1 and 1000.", "MaxItems");
  }
  core::ListQuery q{scope, kinds_for(type), 0, static_cast<size_t>(limit) + 1};
  if (next_token) {
    auto after = tokens_.decode(scope, listing_name(type), *next_token);
    if (!after) return core::invalid_argument("Invalid NextToken.", "NextToken");
    q.after_seq = *after;
  }
  auto rows = store_.list_claims(q);
  if (!rows.ok()) return rows.error();
  IdentityPage page;
  const size_t n = std::min(rows->size(), static_cast<size_t>(limit));
  for (size_t i = 0; i < n; ++i) page.identities.push_back((*rows)[i].subject);
  if (rows->size() > n)
    page.next_token = tokens_.encode(scope, listing_name(type), (*rows)[n - 1].seq);
  return page;
}

core::Status IdentityService::delete_identity(const Scope& scope, const std::string& identity,
                                              const std::string& operation) {
  if (auto s = limiter_.admit(scope, operation); !s.ok()) return s;
  auto subject = core::normalize_identity(identity);
  if (!subject.ok()) return {};  // nothing by that name can exist
  auto removed = remove_identity(scope, *subject);
  if (!removed.ok()) return removed.error();
  return {};  // deleting an unknown identity succeeds, as on AWS
}

Result<bool> IdentityService::remove_identity(const Scope& scope, const std::string& subject) {
  // DKIM records first: a crash in between leaves a domain a retry cleans up.
  if (!core::looks_like_email(subject)) {
    if (auto s = delete_dkim_claims(scope, subject); !s.ok()) return s.error();
    if (auto s = delete_dkim_claims(scope, subject, ClaimKind::kSesDkimTxt); !s.ok())
      return s.error();
  }
  if (auto s = delete_mail_from_claims(scope, subject); !s.ok()) return s.error();
  auto found = store_.find_identity(scope, subject);
  if (!found.ok()) return found.error();
  if (!*found) return false;
  return store_.delete_claim(scope, (*found)->id);
}

Result<std::vector<std::string>> IdentityService::list_verified_emails(const Scope& scope) {
  if (auto s = limiter_.admit(scope, "ListVerifiedEmailAddresses"); !s.ok()) return s.error();
  std::vector<std::string> out;
  core::ListQuery q{scope, {ClaimKind::kSesEmail}, 0, 1000};
  const auto now = clock_.now();
  for (;;) {
    auto rows = store_.list_claims(q);
    if (!rows.ok()) return rows.error();
    for (const auto& c : *rows) {
      if (core::apply_time(core::policy_for(c.kind), c, now).status == ClaimStatus::kVerified) {
        out.push_back(c.subject);
      }
    }
    if (rows->size() < q.limit) return out;
    q.after_seq = rows->back().seq;
  }
}

}  // namespace vouch::service
