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
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/claim.h"
#include "core/clock.h"
#include "core/error.h"
#include "core/random.h"
#include "core/store.h"
#include "mail/custom_verification_mail.h"
#include "mail/link_token.h"
#include "service/page_token.h"
#include "service/rate_limiter.h"
#include "service/verification_info.h"

namespace vouch::service {

enum class IdentityType { kAny, kDomain, kEmailAddress };

struct IdentityView {
  core::ClaimStatus status;
  core::ClaimKind kind;
  std::string subject;                   // the identity normalized, as stored
  std::string token;                     // domains only
  std::vector<std::string> dkim_tokens;  // empty when DKIM was never started
  core::Tags tags;                       // with the settings kept in tags
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
  const core::Tags* tags;                       // with the settings kept in tags
  bool reject_on_mx_failure = false;            // BehaviorOnMxFailure REJECT_MESSAGE
};

// DkimVerificationStatus. One DKIM claim per token: all verified is kSuccess,
// any failed kFailed, any unconfirmed kTemporaryFailure, otherwise kPending.
enum class DkimStatus { kNotStarted, kPending, kSuccess, kFailed, kTemporaryFailure };

struct DkimView {
  DkimStatus status = DkimStatus::kNotStarted;
  std::vector<std::string> tokens;  // empty when DKIM was never started
  bool signing_enabled = false;     // tokens, and signing not turned off (SES v2)
  int key_bits = 2048;              // Easy DKIM key length (SES v2 NextSigningKeyLength)
  bool external = false;            // BYODKIM: `tokens` holds the selector
};

// Identity settings that have no column of their own ride in the claim's
// tags under "aws:" keys, which TagResource refuses: never shown as tags.
inline constexpr std::string_view kDkimSigningOffTag = "aws:vouch:dkim-signing-off";
inline constexpr std::string_view kDkimKeyBitsTag = "aws:vouch:dkim-key-bits";

// MailFromDomainStatus, the aggregate over the MX and SPF claims as for DKIM.
enum class MailFromStatus { kPending, kSuccess, kFailed, kTemporaryFailure };

// An identity's MAIL FROM settings (identity_service_mail_from.cc).
struct MailFromView {
  std::string domain;  // empty: no MAIL FROM domain set
  MailFromStatus status = MailFromStatus::kPending;
  bool reject_on_mx_failure = false;  // BehaviorOnMxFailure REJECT_MESSAGE
};

// SES v2's view of one identity (GetEmailIdentity, CreateEmailIdentity).
struct EmailIdentity {
  std::string name;  // normalized, as stored
  core::ClaimKind kind = core::ClaimKind::kSesDomain;
  core::ClaimStatus status = core::ClaimStatus::kPending;  // as v1 reports it
  DkimView dkim;
  MailFromView mail_from;
  core::Tags tags;                 // the user's
  core::TimePoint dkim_keys_at{};  // LastKeyGenerationTimestamp: its DKIM domain's creation
  std::optional<core::TimePoint> last_success;  // the latest record seen verified
  VerificationInfo verification;                // GetEmailIdentity only (it reads evidence)
};

struct EmailIdentitySummary {
  std::string name;
  core::ClaimKind kind = core::ClaimKind::kSesDomain;
  core::ClaimStatus status = core::ClaimStatus::kPending;
};

struct EmailIdentityPage {
  std::vector<EmailIdentitySummary> items;
  std::optional<std::string> next_token;
};

// ListEmailIdentities' Filter (newer SDKs): every set member must match.
struct EmailIdentityFilter {
  std::string name_contains;
  std::optional<core::ClaimKind> kind;
  std::optional<core::ClaimStatus> status;
  bool match_none = false;  // a value nothing here can have (MANAGED_DOMAIN, NOT_STARTED)
};

// BYODKIM's DkimSigningAttributes. The private key is only read for its
// public half (service/byodkim.h) and never stored.
struct ByoDkim {
  std::string selector;
  std::string private_key;  // base64 DER
};

struct CreateEmailIdentityRequest {
  std::string identity;
  core::Tags tags;
  int key_bits = 2048;             // domains: the Easy DKIM key length (1024 or 2048)
  std::optional<ByoDkim> byodkim;  // domains: BYODKIM instead of Easy DKIM
};

// PutEmailIdentityDkimSigningAttributes: EXTERNAL (BYODKIM, `byodkim` set)
// or AWS_SES (Easy DKIM, with `key_bits` when given).
struct DkimSigningRequest {
  bool external = false;
  std::optional<ByoDkim> byodkim;
  std::optional<int> key_bits;
};

// The aggregate over a domain's DKIM records; an empty list is kNotStarted.
DkimStatus dkim_status(const std::vector<core::ClaimStatus>& records);
// The same over a MAIL FROM domain's MX and SPF records (empty: kPending).
MailFromStatus mail_from_status(const std::vector<core::ClaimStatus>& records);

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
  std::string address;   // when known
  std::string redirect;  // a custom verification link: its template's URL for the outcome
};

struct IdentityOptions {
  size_t max_identities = 10000;  // per account and region; 0 = unlimited
  size_t max_per_call = 100;      // identities in one Get*Attributes call
  // Test mode: addresses under these suffixes are checked (and so verified,
  // see SchedulerOptions) at once instead of at the end of their window.
  std::vector<std::string> auto_verify_suffixes;
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
  using AttributesFn = std::function<void(const std::vector<IdentityAttributes>&)>;
  core::Status with_attributes(const core::Scope& scope, const std::vector<std::string>& identities,
                               const std::string& operation, const AttributesFn& fn);
  // with_attributes for a caller that must not wait (an I/O thread): `done`
  // gets the status and, if it is ok, the entries, once, maybe later and on
  // the store's thread (ClaimStore::with_identities_later).
  using AttributesDone =
      std::function<void(const core::Status&, const std::vector<IdentityAttributes>&)>;
  void with_attributes_later(const core::Scope& scope, std::vector<std::string> identities,
                             const std::string& operation, AttributesDone done);
  // Whether with_attributes_later of `n` identities returns before its
  // read is done (ClaimStore::queues_identity_read).
  bool queues_attributes_read(size_t n) const;
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

  // MAIL FROM (identity_service_mail_from.cc). An empty `mail_from` clears
  // it; otherwise it must be a subdomain of the identity's domain, and an
  // MX and an SPF claim check its records. kNotFound for an unknown identity.
  // `operation`: SetIdentityMailFromDomain or PutEmailIdentityMailFromAttributes.
  core::Status set_mail_from(const core::Scope& scope, const std::string& identity,
                             const std::string& mail_from, bool reject_on_mx_failure,
                             const std::string& operation);
  // Keyed by identity as requested; unknown identities are left out.
  core::Result<std::map<std::string, MailFromView>> get_mail_from_attributes(
      const core::Scope& scope, const std::vector<std::string>& identities);

  // SES v2 (identity_service_v2.cc): the same identities, stricter verbs.
  // Create: kConflict if the identity exists (v1 Verify stays idempotent); a
  // domain gets Easy DKIM at once, and its v1 TXT token verifies it too.
  core::Result<EmailIdentity> create_email_identity(const core::Scope& scope,
                                                    CreateEmailIdentityRequest req);
  core::Result<EmailIdentity> get_email_identity(const core::Scope& scope,
                                                 const std::string& identity);
  core::Result<EmailIdentityPage> list_email_identities(
      const core::Scope& scope, std::optional<int> page_size,
      const std::optional<std::string>& next_token, const EmailIdentityFilter& filter = {});
  // kNotFound for an unknown identity (v1 DeleteIdentity succeeds).
  core::Status delete_email_identity(const core::Scope& scope, const std::string& identity);
  core::Status put_dkim_signing(const core::Scope& scope, const std::string& identity,
                                bool enabled);
  // BYODKIM (identity_service_byodkim.cc): switches a domain between Easy
  // DKIM and its own key; returns its DKIM view afterwards.
  core::Result<DkimView> put_dkim_signing_attributes(const core::Scope& scope,
                                                     const std::string& identity,
                                                     DkimSigningRequest req);
  // By ARN arn:aws:ses:<region>:<account>:identity/<name>.
  core::Status tag_identity(const core::Scope& scope, const std::string& arn,
                            const core::Tags& tags);
  core::Status untag_identity(const core::Scope& scope, const std::string& arn,
                              const std::vector<std::string>& keys);
  core::Result<core::Tags> identity_tags(const core::Scope& scope, const std::string& arn);

  // Turns on verification mail for email identities.
  void enable_mail(MailSettings settings) { mail_ = std::move(settings); }
  // A person's confirmation of a verification link (POST): verifies.
  core::Result<ConfirmResult> confirm_email(const std::string& token);
  // What confirming `token` would do, changing nothing (GET, HEAD, scanners):
  // kConfirmable where confirm_email would verify.
  core::Result<ConfirmResult> inspect_email_link(const std::string& token);

  // Custom verification email (identity_service_custom.cc).
  // SendCustomVerificationEmail: verify_email with `custom` as the message;
  // returns its MessageId.
  core::Result<std::string> send_custom_verification(const core::Scope& scope,
                                                     const std::string& email,
                                                     const mail::CustomMail& custom);
  // Whether `address`, or its domain, is a verified identity of `scope`.
  core::Result<bool> may_send_from(const core::Scope& scope, const std::string& address);
  // Whether `token` is a genuine custom verification link.
  bool is_custom_link(const std::string& token) const;
  // Its click: verifies as confirm_email does, with `redirect` set to the
  // template's success or failure URL (empty if the template is gone).
  core::Result<ConfirmResult> follow_custom_link(const std::string& token);

 private:
  // A Get*Attributes read, admitted and checked: each name asked, normalized,
  // with its index (sorted), the distinct subjects (views into `asked`), and
  // the time statuses are given at.
  struct AttributesRead {
    std::vector<std::pair<std::string, size_t>> asked;
    std::vector<std::string_view> subjects;
    core::TimePoint now;
  };
  core::Result<AttributesRead> attributes_read(const core::Scope& scope,
                                               const std::vector<std::string>& identities,
                                               const std::string& operation);
  // Calls `fn` with the entries of `read` (of `identities`) among `claims`.
  core::Status answer_attributes(const core::Scope& scope,
                                 const std::vector<std::string>& identities,
                                 const AttributesRead& read,
                                 const std::vector<const core::Claim*>& claims,
                                 const AttributesFn& fn);
  // The stored identity for a normalised subject, created if absent.
  core::Result<core::Claim> get_or_create(const core::Scope& scope, core::ClaimKind kind,
                                          const std::string& subject);
  core::Result<core::Claim> new_claim(const core::Scope& scope, core::ClaimKind kind,
                                      const std::string& subject);
  // Restarts a Failed identity's window; otherwise returns it unchanged.
  core::Result<core::Claim> reopen_if_failed(core::Claim claim);
  // `cooldown`: whether the per-recipient cooldown applies (not to a new link
  // that replaces dead ones).
  // verify_email without its throttle; `custom` as the message when set.
  core::Status start_email(const core::Scope& scope, const std::string& email,
                           const mail::CustomMail* custom);
  // `custom`: a custom verification email instead of vouch's own message.
  core::Status queue_mail(const core::Claim& claim, bool cooldown,
                          const mail::CustomMail* custom = nullptr);
  // A link's claim and what confirming it would come to; `claim` is set when
  // the outcome is kConfirmable.
  core::Result<ConfirmResult> link_state(const std::string& token, core::Claim* claim);
  // DKIM (identity_service_dkim.cc): a claim per token of `domain`, created
  // if missing (tokens from before DKIM claims existed get theirs here).
  core::Status ensure_dkim_claims(const core::Claim& domain);
  core::Status delete_dkim_claims(const core::Scope& scope, const std::string& domain,
                                  core::ClaimKind kind = core::ClaimKind::kSesDkim);
  // BYODKIM (identity_service_byodkim.cc): the claim of a BYODKIM domain's
  // TXT, created or restarted if failed; claims of other keys deleted.
  core::Status ensure_byodkim_claim(const core::Claim& domain);
  // The current DKIM records' claims of `domains`: Easy DKIM's CNAMEs, or
  // the TXT of a BYODKIM domain's key.
  core::Result<std::vector<core::Claim>> find_dkim_records(
      const core::Scope& scope, const std::vector<const core::Claim*>& domains);
  // The DKIM view of `domain` from its records' statuses (by record name).
  static DkimView dkim_view(const core::Claim& domain,
                            const std::unordered_map<std::string, core::ClaimStatus>& records);
  // MAIL FROM: the view of `identity`'s settings and claims; deleting them.
  core::Result<MailFromView> mail_from_of(const core::Claim& identity);
  core::Status delete_mail_from_claims(const core::Scope& scope, const std::string& subject);
  // Inserts a new SES identity within the identity quota (kQuotaExceeded
  // when the scope holds max_identities already); kConflict when one with its
  // subject exists, or with `existing` that identity instead.
  core::Result<core::Claim> insert_identity(core::Claim fresh, bool existing = false);
  // Deletes a normalised identity and its DKIM records; whether it existed.
  core::Result<bool> remove_identity(const core::Scope& scope, const std::string& subject);
  // SES v2 (identity_service_v2.cc): the identity an ARN names, changed by
  // `change` with compare-and-set.
  core::Result<core::Claim> update_by_arn(const core::Scope& scope, const std::string& arn,
                                          const std::function<core::Status(core::Claim&)>& change);
  core::Result<core::Claim> find_by_arn(const core::Scope& scope, const std::string& arn);
  // The v2 view of a stored identity (reads its DKIM records, and hands them
  // to `dkim_records` when given).
  core::Result<EmailIdentity> email_identity_of(const core::Claim& claim,
                                                std::vector<core::Claim>* dkim_records = nullptr);

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
