// The SES identity operations: one entry point per operation, core types in,
// Result out. The rules live here (repeats, limits, throttles, which claim a
// request means); api/ses only translates the wire format.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "core/claim.h"
#include "core/clock.h"
#include "core/error.h"
#include "core/random.h"
#include "core/store.h"
#include "mail/link_token.h"
#include "service/page_token.h"
#include "service/rate_limiter.h"

namespace vouch::service {

enum class IdentityType { kAny, kDomain, kEmailAddress };

struct IdentityView {
  core::ClaimStatus status;
  core::ClaimKind kind;
  std::string subject;                   // the identity normalized, as stored
  std::string token;                     // domains only
  std::vector<std::string> dkim_tokens;  // empty when DKIM was never started
};

// One identity's attributes as Get*Attributes answer them, viewing the
// stored claim: valid only inside the with_attributes callback.
struct IdentityAttributes {
  std::string_view name;  // the identity as asked
  core::ClaimStatus status;
  core::ClaimKind kind;
  std::string_view subject;                     // the identity normalized, as stored
  std::string_view token;                       // domains only
  const std::vector<std::string>* dkim_tokens;  // empty when DKIM was never started
};

// DkimVerificationStatus. One DKIM claim per token: all verified is kSuccess,
// any failed kFailed, any unconfirmed kTemporaryFailure, otherwise kPending.
enum class DkimStatus { kNotStarted, kPending, kSuccess, kFailed, kTemporaryFailure };

struct DkimView {
  DkimStatus status = DkimStatus::kNotStarted;
  std::vector<std::string> tokens;  // empty when DKIM was never started
};

// The aggregate over a domain's DKIM records; an empty list is kNotStarted.
DkimStatus dkim_status(const std::vector<core::ClaimStatus>& records);

struct IdentityPage {
  std::vector<std::string> identities;
  std::optional<std::string> next_token;
};

// Where verification mail comes from and where its links point.
struct MailSettings {
  std::string from = "no-reply@vouch.localhost";
  std::string public_url;                   // base of the links, e.g. http://127.0.0.1:4566
  const mail::LinkTokens* links = nullptr;  // REQUIRED
  std::function<void()> queued;             // a message was queued (wakes delivery)
  const core::Clock* wall = nullptr;        // delivery times; default: the claims' clock
  // At most one message per address and scope within this (0: off), read
  // from the outbox; a repeat inside it succeeds and sends nothing.
  core::Seconds cooldown{300};
};

// What a verification link came to: kConfirmable when opening it (a POST
// would verify), kVerified when confirming it.
enum class ConfirmOutcome { kVerified, kConfirmable, kAlreadyVerified, kExpired, kInvalid };
struct ConfirmResult {
  ConfirmOutcome outcome;
  std::string address;  // when known
};

struct IdentityOptions {
  size_t max_identities = 10000;  // per account and region; 0 = unlimited
  size_t max_per_call = 100;      // identities in one Get*Attributes call
};

class IdentityService {
 public:
  IdentityService(core::Store& store, const core::Clock& clock, core::Random& random,
                  RateLimiter& limiter, const PageTokens& tokens, IdentityOptions options = {});

  // Returns the domain's verification token, creating the identity if needed.
  core::Result<std::string> verify_domain(const core::Scope& scope, const std::string& domain);
  // `operation`: VerifyEmailIdentity or VerifyEmailAddress (each has its own rate).
  core::Status verify_email(const core::Scope& scope, const std::string& email,
                            const std::string& operation = "VerifyEmailIdentity");
  // Keyed by identity as requested; unknown identities are left out.
  core::Result<std::map<std::string, IdentityView>> get_attributes(
      const core::Scope& scope, const std::vector<std::string>& identities,
      const std::string& operation);
  // The same answers without copies, for the hot read: `fn` is called once,
  // with the entries sorted by name as asked (each name once).
  core::Status with_attributes(
      const core::Scope& scope, const std::vector<std::string>& identities,
      const std::string& operation,
      const std::function<void(const std::vector<IdentityAttributes>&)>& fn);
  core::Result<IdentityPage> list(const core::Scope& scope, IdentityType type,
                                  std::optional<int> max_items,
                                  const std::optional<std::string>& next_token);
  // `operation`: DeleteIdentity or DeleteVerifiedEmailAddress.
  core::Status delete_identity(const core::Scope& scope, const std::string& identity,
                               const std::string& operation = "DeleteIdentity");
  core::Result<std::vector<std::string>> list_verified_emails(const core::Scope& scope);
  // Returns the domain's 3 DKIM tokens, creating the identity, the tokens and
  // a claim per token's CNAME as needed; restarts failed DKIM claims.
  core::Result<std::vector<std::string>> verify_domain_dkim(const core::Scope& scope,
                                                            const std::string& domain);
  // Subjects of the domains among `claims`, not verified on their own, whose
  // DKIM records are all verified: AWS counts those domains as verified too.
  core::Result<std::unordered_set<std::string>> verified_by_dkim(
      const core::Scope& scope, const std::vector<const core::Claim*>& claims);
  // Keyed by identity as requested; unknown identities are left out.
  core::Result<std::map<std::string, DkimView>> get_dkim_attributes(
      const core::Scope& scope, const std::vector<std::string>& identities);

  // Turns on verification mail for email identities.
  void enable_mail(MailSettings settings) { mail_ = std::move(settings); }
  // A person's confirmation of a verification link (POST): verifies.
  core::Result<ConfirmResult> confirm_email(const std::string& token);
  // What confirming `token` would do, changing nothing (GET, HEAD, scanners):
  // kConfirmable where confirm_email would verify.
  core::Result<ConfirmResult> inspect_email_link(const std::string& token);

 private:
  // The stored identity for a normalised subject, created if absent.
  core::Result<core::Claim> get_or_create(const core::Scope& scope, core::ClaimKind kind,
                                          const std::string& subject);
  core::Result<core::Claim> new_claim(const core::Scope& scope, core::ClaimKind kind,
                                      const std::string& subject);
  // Restarts a Failed identity's window; otherwise returns it unchanged.
  core::Result<core::Claim> reopen_if_failed(core::Claim claim);
  // `cooldown`: whether the per-recipient cooldown applies (not to a new link
  // that replaces dead ones).
  core::Status queue_mail(const core::Claim& claim, bool cooldown);
  // A link's claim and what confirming it would come to; `claim` is set when
  // the outcome is kConfirmable.
  core::Result<ConfirmResult> link_state(const std::string& token, core::Claim* claim);
  // DKIM (identity_service_dkim.cc): a claim per token of `domain`, created
  // if missing (tokens from before DKIM claims existed get theirs here).
  core::Status ensure_dkim_claims(const core::Claim& domain);
  core::Status delete_dkim_claims(const core::Scope& scope, const std::string& domain);

  core::Store& store_;
  const core::Clock& clock_;
  core::Random& random_;
  RateLimiter& limiter_;
  const PageTokens& tokens_;
  const IdentityOptions options_;
  std::optional<MailSettings> mail_;
  // Makes the cooldown's look-then-queue one step for concurrent repeats.
  std::mutex mail_mu_;
};

}  // namespace vouch::service
