// The Store interfaces core defines and backends implement (store/sqlite,
// store/postgres), one per concern: claims (with their evidence, history and
// idempotency records), the outbox, accounts and settings. Store is all of
// them, which is what a backend implements. Every write is durable when the
// call returns. Implementations are safe for concurrent use from any thread.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/claim.h"
#include "core/error.h"
#include "core/evidence.h"
#include "core/mail.h"
#include "core/webhook.h"

namespace vouch::core {

struct Account {
  std::string account_id;  // 12 digits
  std::string access_key_id;
  std::string secret_access_key;
};

// One entry of a claim's status history.
struct StatusChange {
  TimePoint at{};
  ClaimStatus from = ClaimStatus::kPending;
  ClaimStatus to = ClaimStatus::kPending;
};

struct ListQuery {
  Scope scope;
  std::vector<ClaimKind> kinds;  // which kinds to list; never empty
  int64_t after_seq = 0;         // the listing resumes after this seq
  size_t limit = 100;
};

// A listing narrowed for a person looking for claims (the admin console):
// those of `list`, of one status if set, whose subject starts with
// `subject_prefix` (byte-wise; empty: any). Backends answer from an index.
struct ClaimSearch {
  ListQuery list;
  std::optional<ClaimStatus> status;
  std::string subject_prefix;
  // Every subject that starts with the prefix sorts in [prefix, this), byte
  // by byte: the prefix and then U+10FFFF, above any other UTF-8 character.
  std::string subject_end() const { return subject_prefix + "\xF4\x8F\xBF\xBF"; }
};

// A create that must happen at most once: replayed for a repeated client
// token, refused for a live duplicate subject or a full quota. All checks and
// the insert happen in one transaction, so concurrent creates cannot race.
struct IdempotencyKey {
  std::string client_token;
  std::string request_hash;  // what the request asked for; a reuse must match
  std::string response;      // what the first request answered, replayed verbatim
};

struct CreateRules {
  size_t quota = 0;                  // claims of the counted kinds per scope; 0 = unlimited
  bool one_live_per_subject = true;  // refuse while a non-failed claim has the subject
  Seconds token_window{8 * 3600};    // how long a client token is remembered
  TimePoint now{};
  std::vector<ClaimKind> quota_kinds;  // the kinds the quota counts; empty: the claim's own
  // An SES identity with the claim's subject already in the scope answers
  // (kExisting) instead of refusing the insert: a Verify that finds what a
  // concurrent one wrote needs no second read. Checked before the quota.
  bool existing_identity = false;
};

enum class CreateOutcome {
  kCreated,
  kReplayed,
  kTokenMismatch,
  kLiveDuplicate,
  kQuotaExceeded,
  kExisting
};

struct CreateResult {
  CreateOutcome outcome = CreateOutcome::kCreated;
  Claim claim;              // kCreated: the stored claim; kExisting: the identity found
  std::string response;     // kReplayed: the first response
  std::string existing_id;  // kLiveDuplicate: the claim in the way
};

// One check's result for Store::record_checks.
struct CheckRecord {
  Claim claim;  // after the check; version = the version the check read
  std::string evidence;
  std::optional<StatusChange> change;
};

// Claims: SES identities, DKIM records, email addresses and Lattice domain
// verifications, with their last evidence, status history and the client
// tokens of their creates.
class ClaimStore {
 public:
  virtual ~ClaimStore() = default;
  // Reads. Absent is an empty optional, not an error.
  virtual Result<std::optional<Claim>> get_claim(const Scope& scope, const std::string& id) = 0;
  // The SES identity for `subject` (SES subjects are unique per scope).
  virtual Result<std::optional<Claim>> find_identity(const Scope& scope,
                                                     const std::string& subject) = 0;
  // SES identities among `subjects`, in no particular order.
  virtual Result<std::vector<Claim>> find_identities(const Scope& scope,
                                                     const std::vector<std::string>& subjects) = 0;
  // Calls `fn` once with the SES identities among `subjects` (no particular
  // order); the claims live until `fn` returns. For hot reads: a backend or a
  // cache may hand out what it holds without copying.
  virtual Status with_identities(const Scope& scope, const std::vector<std::string_view>& subjects,
                                 const std::function<void(const std::vector<const Claim*>&)>& fn) {
    auto found = find_identities(scope, std::vector<std::string>(subjects.begin(), subjects.end()));
    if (!found.ok()) return found.error();
    std::vector<const Claim*> claims;
    claims.reserve(found->size());
    for (const auto& c : *found) claims.push_back(&c);
    fn(claims);
    return {};
  }
  // with_identities for a caller that must not wait (an I/O thread): `fn`
  // gets the status and, if it is ok, the claims (alive until it returns),
  // once, maybe later and on another thread, which it must not hold long.
  // The default reads at once, on the caller's thread.
  using IdentitiesDone = std::function<void(const Status&, const std::vector<const Claim*>&)>;
  virtual void with_identities_later(const Scope& scope, std::vector<std::string> subjects,
                                     IdentitiesDone fn) {
    std::vector<std::string_view> views(subjects.begin(), subjects.end());
    bool called = false;
    auto st = with_identities(scope, views, [&](const std::vector<const Claim*>& claims) {
      called = true;
      fn(Status(), claims);
    });
    if (called) return;
    fn(st.ok() ? Status(internal_error("with_identities did not call back")) : st, {});
  }
  // Whether with_identities_later of `subjects` identities returns at once,
  // its read queued for a batch (PostgreSQL, one subject), rather than
  // reading on the caller's thread.
  virtual bool queues_identity_read(size_t subjects) const {
    (void)subjects;
    return false;
  }
  // Claims of `kind` whose subject is one of `subjects`, in increasing seq order.
  virtual Result<std::vector<Claim>> find_claims(const Scope& scope, ClaimKind kind,
                                                 const std::vector<std::string>& subjects) = 0;
  // Claims of the given kinds in increasing seq order, after `after_seq`.
  virtual Result<std::vector<Claim>> list_claims(const ListQuery& q) = 0;
  virtual Result<size_t> count_claims(const Scope& scope, const std::vector<ClaimKind>& kinds) = 0;
  // Like list_claims, narrowed by status and subject prefix (ClaimSearch).
  virtual Result<std::vector<Claim>> search_claims(const ClaimSearch& q) = 0;

  // Writes. insert_claim sets seq and version; kConflict (with the existing
  // id in resource_id) if an SES identity with that subject already exists,
  // or a DKIM claim with that record name.
  virtual Result<Claim> insert_claim(Claim claim) = 0;
  // See IdempotencyKey. `key` may be absent (no client token).
  virtual Result<CreateResult> create_claim_once(Claim claim,
                                                 const std::optional<IdempotencyKey>& key,
                                                 const CreateRules& rules) = 0;
  // Compare-and-set: kAborted if the stored version is not claim.version,
  // kNotFound if the claim is gone. Returns the claim with its new version.
  virtual Result<Claim> update_claim(Claim claim) = 0;
  // A check's result: compare-and-set like update_claim, plus the evidence
  // (opaque text, kept as the claim's last) and, when the status changed, a
  // history entry, all in one transaction.
  virtual Result<Claim> record_check(Claim claim, const std::string& evidence,
                                     std::optional<StatusChange> change) = 0;
  // Many check results at once (the scheduler's path): each is recorded as
  // record_check would, with its own compare-and-set, but only the fields a
  // check moves are written (status, deadline, next_check_at,
  // last_verified_at, absent_since, attempts). One result per record, in
  // order. A backend may share one transaction among them.
  virtual std::vector<Result<Claim>> record_checks(std::vector<CheckRecord> records) {
    std::vector<Result<Claim>> out;
    out.reserve(records.size());
    for (auto& r : records) out.push_back(record_check(std::move(r.claim), r.evidence, r.change));
    return out;
  }
  virtual Result<std::optional<std::string>> last_evidence(const std::string& claim_id) = 0;
  // The last evidence decoded (evidence_from_text); nullptr when the claim has
  // none or it is not DNS evidence. For hot reads (GetEmailIdentity): a cache
  // may keep it decoded and share it. Default: decodes last_evidence().
  virtual Result<std::shared_ptr<const Evidence>> last_evidence_decoded(
      const std::string& claim_id);
  virtual Result<std::vector<StatusChange>> history(const std::string& claim_id) = 0;
  // Retention (service/retention.h), each bounded by `limit` rows: client
  // tokens created at or before `before` (past their window), and history
  // entries beyond each claim's newest `keep`. Return how many went.
  virtual Result<size_t> prune_tokens(TimePoint before, size_t limit) = 0;
  virtual Result<size_t> prune_history(size_t keep, size_t limit) = 0;
  // Returns whether a claim was deleted. Its evidence and history go with it,
  // and its undelivered mail is marked failed.
  virtual Result<bool> delete_claim(const Scope& scope, const std::string& id) = 0;

  // Claims whose next check is due at `now`, oldest due first.
  virtual Result<std::vector<Claim>> due_claims(TimePoint now, size_t limit) = 0;
  // The same, in (next_check_at, seq) order after `after`'s position: a
  // sweep reads a large backlog page by page instead of from the top again.
  struct DueCursor {
    TimePoint next_check_at{};
    int64_t seq = 0;
  };
  virtual Result<std::vector<Claim>> due_claims_after(TimePoint now, const DueCursor& after,
                                                      size_t limit) = 0;
  // How many claims due_claims would read at `now`, counted up to `cap`, and
  // the first one's due time (none if none): the due gauges of /metrics,
  // without reading the claims.
  struct DueCount {
    size_t count = 0;
    std::optional<TimePoint> oldest;
  };
  virtual Result<DueCount> count_due_claims(TimePoint now, size_t cap) = 0;
  // Due claims as due_claims reads them, each leased to the caller: its
  // next_check_at moves to `lease_until` in the same statement, so no other
  // node (or call) gets it until the lease runs out; the check's record
  // writes the real next check. Rows another transaction holds are skipped,
  // not waited for. The claims come back as they were before the lease (the
  // lease does not change version), so recording stays compare-and-set.
  virtual Result<std::vector<Claim>> lease_due_claims(TimePoint now, TimePoint lease_until,
                                                      size_t limit) = 0;

  // A claim by id alone (verification links carry no account or region).
  virtual Result<std::optional<Claim>> get_claim_by_id(const std::string& id) = 0;

  // Removes every claim, its evidence and history, and the outbox (test mode
  // reset), and every custom verification email template. Accounts are kept.
  virtual Status clear_claims() = 0;

  // Whether any claim is stored (a server's start: a new secret key would
  // void the links and page tokens signed for them).
  virtual Result<bool> has_claims() = 0;
};

// The outbox of verification mail.
class OutboxStore {
 public:
  virtual ~OutboxStore() = default;

  // enqueue_mail sets id; update_mail writes the delivery fields
  // (state, attempts, next_attempt_at, sent_at, last_error).
  virtual Result<Mail> enqueue_mail(Mail mail) = 0;
  virtual Status update_mail(const Mail& mail) = 0;
  // Queued messages whose next attempt is due, oldest first.
  virtual Result<std::vector<Mail>> due_mail(TimePoint now, size_t limit) = 0;
  // Due messages as due_mail reads them, each leased to the caller (its
  // next_attempt_at moves to `lease_until`, skipping rows another
  // transaction holds), so each is handed to SMTP by one sender at a time;
  // update_mail after the attempt writes the real next attempt.
  virtual Result<std::vector<Mail>> lease_due_mail(TimePoint now, TimePoint lease_until,
                                                   size_t limit) = 0;
  // Every message, oldest first; `to` and `id` filter when set.
  virtual Result<std::vector<Mail>> list_mail(const std::optional<std::string>& address,
                                              const std::optional<int64_t>& id) = 0;
  virtual Result<size_t> count_queued_mail() = 0;
  virtual Status clear_mail() = 0;
  // When mail to `to` in `scope` was last queued (hidden too), leaving out
  // mail the SMTP server refused (failed after an attempt: it reached nobody);
  // mail failed unattempted (its identity deleted) still counts. The
  // per-recipient cooldown. nullopt when none (or pruned).
  virtual Result<std::optional<TimePoint>> last_mail_to(const Scope& scope,
                                                        const std::string& to) = 0;
  // A page of the inbox: visible messages in id order after `after_id`,
  // filtered by whichever of scope, address (to or from) and id are set.
  struct MailQuery {
    std::optional<Scope> scope;
    std::optional<std::string> address;
    std::optional<int64_t> id;
    int64_t after_id = 0;
    size_t limit = 100;
  };
  virtual Result<std::vector<Mail>> list_mail_page(const MailQuery& query) = 0;
  // Hides delivered and failed mail (of `scope`, or all) from the inbox;
  // queued mail stays. Hidden mail still counts for the cooldown until pruned.
  virtual Result<size_t> hide_mail(const std::optional<Scope>& scope) = 0;
  // Deletes up to `limit` delivered or failed messages queued before `before`
  // (never queued ones); returns how many.
  virtual Result<size_t> prune_mail(TimePoint before, size_t limit) = 0;
};

// Accounts: the access keys requests are signed with.
class AccountStore {
 public:
  virtual ~AccountStore() = default;

  // put_account replaces an account with the same access key id.
  virtual Status put_account(const Account& account) = 0;
  virtual Result<std::optional<Account>> find_account(const std::string& access_key_id) = 0;
  // Returns whether an account had that access key id.
  virtual Result<bool> delete_account(const std::string& access_key_id) = 0;
  // Every account, by access key id (operator-made, so few).
  virtual Result<std::vector<Account>> list_accounts() = 0;
};

// Small named values every node shares: the server's secret key, the root
// key id, the test clock. Names and values are short text.
class SettingStore {
 public:
  virtual ~SettingStore() = default;

  virtual Result<std::optional<std::string>> get_setting(const std::string& name) = 0;
  virtual Status put_setting(const std::string& name, const std::string& value) = 0;
  // Stores `value` unless the name has one; returns the stored value. Nodes
  // starting at once all get the first writer's value.
  virtual Result<std::string> put_setting_if_absent(const std::string& name,
                                                    const std::string& value) = 0;
};

// A custom verification email template (SES CreateCustomVerificationEmailTemplate),
// one store for SES v1 and v2, named uniquely per scope.
struct VerificationTemplate {
  Scope scope;
  std::string name;
  std::string from;
  std::string subject;
  std::string content;  // HTML
  std::string success_url;
  std::string failure_url;
  int64_t seq = 0;  // store-assigned, increasing: the listing order
};

// Custom verification email templates.
class TemplateStore {
 public:
  virtual ~TemplateStore() = default;

  // Inserts `t` and returns it with its seq: kConflict if its scope has a
  // template by that name, kQuotaExceeded if the scope holds `quota` already
  // (0 = unlimited); checked and inserted in one transaction.
  virtual Result<VerificationTemplate> insert_template(VerificationTemplate t, size_t quota) = 0;
  // Replaces every field but scope, name and seq; kNotFound when absent.
  virtual Status update_template(const VerificationTemplate& t) = 0;
  virtual Result<std::optional<VerificationTemplate>> get_template(const Scope& scope,
                                                                   const std::string& name) = 0;
  // Returns whether a template was deleted.
  virtual Result<bool> delete_template(const Scope& scope, const std::string& name) = 0;
  // The scope's templates in seq order, after `after_seq`.
  virtual Result<std::vector<VerificationTemplate>> list_templates(const Scope& scope,
                                                                   int64_t after_seq,
                                                                   size_t limit) = 0;
};

// A claim's status change as its account's consumers see it (GET
// /_vouch/events, webhooks). The store writes one with every history entry,
// in the same transaction; it outlives the claim until pruned.
struct Event {
  int64_t seq = 0;  // store-assigned, increasing: the order and the event's id
  Scope scope;
  std::string claim_id;
  ClaimKind kind = ClaimKind::kSesDomain;
  std::string subject;
  StatusChange change;
  std::optional<std::string> evidence;  // the claim's evidence then, when short
};

// Status-change events.
class EventStore {
 public:
  virtual ~EventStore() = default;

  // The account's events (every region) in seq order, after `after_seq`.
  virtual Result<std::vector<Event>> list_events(const std::string& account_id, int64_t after_seq,
                                                 size_t limit) = 0;
  // Deletes up to `limit` events that happened before `before`; returns how
  // many. One an enabled webhook of its account has not passed yet stays
  // while it happened at or after `unsent_since` (the retry window).
  virtual Result<size_t> prune_events(TimePoint before, size_t limit, TimePoint unsent_since) = 0;
};

// A leased delivery with what sending it needs.
struct DueDelivery {
  WebhookDelivery delivery;
  std::string url;
  std::string secret;
  std::optional<Event> event;  // nullopt once pruned
};

// Webhook endpoints and their durable delivery outbox. The store writes one
// delivery per matching, enabled webhook of the event's account in the same
// transaction as the event (a trigger on events), so a committed change is
// always announced and an uncommitted one never is.
class WebhookStore {
 public:
  virtual ~WebhookStore() = default;

  // Inserts `w` (id, secret and created_at set by the caller):
  // kQuotaExceeded when its account has `limit` webhooks already; counted
  // and inserted in one transaction.
  virtual Result<Webhook> insert_webhook(Webhook w, size_t limit) = 0;
  // The account's webhooks, oldest first, with their delivery health.
  virtual Result<std::vector<WebhookStatus>> list_webhooks(const std::string& account_id) = 0;
  // Deletes the account's webhook and its deliveries; whether it existed.
  virtual Result<bool> delete_webhook(const std::string& account_id, const std::string& id) = 0;
  // Pending deliveries of enabled webhooks due at `now` whose (webhook,
  // claim) has no older pending one, oldest first, each leased to the
  // caller until `lease_until` (rows another transaction holds are
  // skipped). record_delivery writes the outcome.
  virtual Result<std::vector<DueDelivery>> lease_due_deliveries(TimePoint now,
                                                                TimePoint lease_until,
                                                                size_t limit) = 0;
  // Writes state, attempts, next_attempt_at, first/last_attempt_at and
  // last_error; with `disable`, also disables the webhook and gives up its
  // other pending deliveries, in the same transaction.
  virtual Status record_delivery(const WebhookDelivery& d, bool disable) = 0;
  // Many outcomes (delivery, disable) at once: one transaction where the
  // backend can, so a pass of deliveries costs the writer one commit.
  virtual Status record_deliveries(const std::vector<std::pair<WebhookDelivery, bool>>& outcomes) {
    for (const auto& [d, disable] : outcomes) {
      if (auto st = record_delivery(d, disable); !st.ok()) return st;
    }
    return {};
  }
  virtual Result<size_t> count_pending_deliveries() = 0;
  // Deletes up to `limit` delivered or failed deliveries created before `before`.
  virtual Result<size_t> prune_deliveries(TimePoint before, size_t limit) = 0;
};

// Everything a store holds, for moving an installation to another backend.
struct ClaimRecord {
  Claim claim;
  std::optional<std::string> evidence;
  std::vector<StatusChange> history;
};
struct IdempotencyRecord {
  Scope scope;
  std::string client_token;
  std::string request_hash;
  std::string response;
  TimePoint created_at{};
};
struct Snapshot {
  std::vector<ClaimRecord> claims;   // seq order; seq and version kept
  std::vector<Mail> mail;            // id order; ids kept
  std::vector<int64_t> hidden_mail;  // ids of mail hidden from the inbox
  std::vector<Account> accounts;
  std::vector<IdempotencyRecord> idempotency;
  std::map<std::string, std::string> settings;
  std::vector<VerificationTemplate> templates;  // seq order; seqs kept
  std::vector<Event> events;                    // seq order; seqs kept
  std::vector<Webhook> webhooks;                // oldest first
  std::vector<WebhookDelivery> deliveries;      // id order; ids kept
  // The largest seq and message id ever given (deleted ones too): never reused.
  int64_t last_seq = 0;
  int64_t last_mail_id = 0;
};

class Store : public ClaimStore,
              public OutboxStore,
              public AccountStore,
              public SettingStore,
              public TemplateStore,
              public EventStore,
              public WebhookStore {
 public:
  // Short name for /_vouch/health ("sqlite", "postgres").
  virtual std::string name() const = 0;
  // Whether the backend answers now (a round trip for a server database).
  virtual Status ping() = 0;
  // Reads everything at once (a stopped installation: no writes meanwhile).
  virtual Result<Snapshot> snapshot() = 0;
  // Writes `snapshot` into this store, which must be empty (kConflict if it
  // holds any claim, message, account or setting), keeping ids, seqs and
  // versions; later inserts continue after the largest seq and id.
  virtual Status restore(const Snapshot& snapshot) = 0;
};

}  // namespace vouch::core
